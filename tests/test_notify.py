"""Notifications against a real local SMTP server (aiosmtpd) and a real local HTTP receiver."""

from __future__ import annotations

import email
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from bullseye.governance.notify import (
    EmailChannel,
    Message,
    NotifySettings,
    WebhookChannel,
    list_deliveries,
    record_deliveries,
    send,
)

SECRET_PATH = "/services/T000/B000/s3cr3t-token"


class Receiver:
    """An HTTP server on 127.0.0.1 that fails the first ``failures`` posts with 500, then accepts."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict] = []
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                outer.calls += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.calls <= failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{SECRET_PATH}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - the aiosmtpd API
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot be asked for port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, controller.port
    controller.stop()


MESSAGE = Message(
    "publish",
    "ICP v2 published",
    "**What changed**: industry = E-commerce added.",
    "<p><b>What changed</b>: industry = E-commerce added.</p>",
)


def test_a_brief_reaches_the_webhook_and_the_inbox(smtp, monkeypatch):
    inbox, port = smtp
    with Receiver() as receiver:
        monkeypatch.setenv("TEAM_WEBHOOK", receiver.url)
        settings = NotifySettings(
            webhooks=[WebhookChannel(name="team", url_env="TEAM_WEBHOOK")],
            email=EmailChannel(host="127.0.0.1", port=port, to=["sales@example.com"]),
        )
        deliveries = send(settings, MESSAGE)
    assert [(d.channel, d.status, d.attempts) for d in deliveries] == [("webhook", "sent", 1), ("email", "sent", 1)]
    assert receiver.bodies[0]["text"].startswith("*ICP v2 published*")
    (received,) = inbox.messages
    assert received["Subject"] == "ICP v2 published" and received["To"] == "sales@example.com"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in received.walk()
        if not part.is_multipart()
    }
    assert "E-commerce" in parts["text/plain"] and "<b>What changed</b>" in parts["text/html"]


def test_a_flaky_webhook_is_retried_with_backoff(monkeypatch):
    waits = []
    with Receiver(failures=2) as receiver:
        monkeypatch.setenv("TEAM_WEBHOOK", receiver.url)
        settings = NotifySettings(
            webhooks=[WebhookChannel(name="team", url_env="TEAM_WEBHOOK")], attempts=3, backoff_seconds=0.5
        )
        (delivery,) = send(settings, MESSAGE, sleep=waits.append)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert waits == [0.5, 1.0] and receiver.calls == 3


def test_failures_are_recorded_without_secrets_and_never_raise(workspace, monkeypatch, caplog):
    with Receiver(failures=99) as receiver:
        monkeypatch.setenv("TEAM_WEBHOOK", receiver.url)
        monkeypatch.setenv("SMTP_PASSWORD", "hunter2-smtp")
        settings = NotifySettings(
            webhooks=[
                WebhookChannel(name="team", url_env="TEAM_WEBHOOK"),
                WebhookChannel(name="unset", url_env="NO_SUCH_VARIABLE"),
            ],
            email=EmailChannel(
                host="127.0.0.1",
                port=1,
                to=["x@example.com"],
                username_env="SMTP_PASSWORD",
                password_env="SMTP_PASSWORD",
            ),
            attempts=2,
            backoff_seconds=0,
        )
        deliveries = send(settings, MESSAGE)
    assert [d.status for d in deliveries] == ["failed", "failed", "failed"]
    assert "500" in deliveries[0].reason and "NO_SUCH_VARIABLE is not set" in deliveries[1].reason
    assert deliveries[2].reason  # connection refused
    record_deliveries(workspace, deliveries)
    stored = list_deliveries(workspace)
    assert len(stored) == 3 and set(stored["status"]) == {"failed"}
    everything = stored.to_json() + caplog.text + json.dumps([d.to_dict() for d in deliveries])
    assert "s3cr3t-token" not in everything and "hunter2" not in everything
