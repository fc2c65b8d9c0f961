"""Updates pushed to the teams: a message to Slack-compatible incoming webhooks and by email.

Channels are configured in ``bullseye.yaml`` under ``notify``; secrets (a webhook address carries
its token, an SMTP password) come from environment variables named there, never from the file,
and never reach a log, a report or the delivery record. Each delivery is retried with exponential
backoff and recorded (sent, or failed with the reason). Sending never raises: a failed notification
must not fail the publish or the check that asked for it.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from bullseye.governance.fits import lifecycle_write
from bullseye.governance.settings import EmailChannel, NotifySettings, WebhookChannel

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "Message",
    "Delivery",
    "WebhookChannel",
    "EmailChannel",
    "NotifySettings",
    "send",
    "record_deliveries",
    "list_deliveries",
    "DELIVERIES_TABLE",
]

DELIVERIES_TABLE = "deliveries"
DELIVERY_COLUMNS = {
    "sent_at": dt.timestamp,
    "event": dt.string,
    "channel": dt.string,
    "target": dt.string,
    "status": dt.string,
    "attempts": dt.int64,
    "reason": dt.string,
}


@dataclass
class Message:
    """What to say: a subject, and the same brief in Markdown (webhooks, plain-text email) and HTML."""

    event: str  # publish, rollback, trigger, ...
    subject: str
    markdown: str
    html: str | None = None


@dataclass
class Delivery:
    """One channel's outcome, as recorded (no secrets in any field)."""

    event: str
    channel: str  # webhook or email
    target: str  # the webhook's name or the recipients, never an address with a token
    status: str  # sent or failed
    attempts: int
    reason: str = ""
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["sent_at"] = self.sent_at.isoformat(timespec="seconds")
        return out


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _retry(
    action: Callable[[], None], settings: NotifySettings, secrets: list[str], sleep: Callable[[float], None]
) -> tuple[int, str]:
    """Run ``action`` until it succeeds or the tries run out: (tries made, last error or '')."""
    delay = settings.backoff_seconds
    for attempt in range(1, settings.attempts + 1):
        try:
            action()
            return attempt, ""
        except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded, never raised
            reason = _scrub(f"{type(exc).__name__}: {exc}", secrets)
            if attempt == settings.attempts:
                return attempt, reason
            sleep(delay)
            delay *= 2
    return settings.attempts, "no attempt made"


def _post_webhook(url: str, message: Message, timeout: float) -> None:
    body = json.dumps({"text": f"*{message.subject}*\n\n{message.markdown}"}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "bullseye"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the user's own webhook
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "unexpected status", response.headers, None)


def _send_email(channel: EmailChannel, message: Message, timeout: float) -> None:
    email = EmailMessage()
    email["Subject"], email["From"], email["To"] = message.subject, channel.sender, ", ".join(channel.to)
    email.set_content(message.markdown)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    with smtplib.SMTP(channel.host, channel.port, timeout=timeout) as smtp:
        if channel.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if channel.username_env and channel.password_env:
            smtp.login(os.environ.get(channel.username_env, ""), os.environ.get(channel.password_env, ""))
        smtp.send_message(email)


def send(settings: NotifySettings, message: Message, sleep: Callable[[float], None] = time.sleep) -> list[Delivery]:
    """Deliver ``message`` on every configured channel; never raises."""
    deliveries = []
    for hook in settings.webhooks:
        url = os.environ.get(hook.url_env, "")
        if not url:
            deliveries.append(
                Delivery(
                    message.event, "webhook", hook.name, "failed", 0, f"environment variable {hook.url_env} is not set"
                )
            )
            continue
        attempts, reason = _retry(
            partial(_post_webhook, url, message, settings.timeout_seconds), settings, [url], sleep
        )
        deliveries.append(
            Delivery(message.event, "webhook", hook.name, "failed" if reason else "sent", attempts, reason)
        )
    channel = settings.email
    if channel is not None and channel.to:
        secrets = [os.environ.get(name, "") for name in (channel.username_env, channel.password_env) if name]
        attempts, reason = _retry(
            lambda: _send_email(channel, message, settings.timeout_seconds), settings, secrets, sleep
        )
        deliveries.append(
            Delivery(message.event, "email", ", ".join(channel.to), "failed" if reason else "sent", attempts, reason)
        )
    return deliveries


def record_deliveries(ws: Workspace, deliveries: list[Delivery]) -> None:
    """Append deliveries to the warehouse table ``deliveries``."""
    if not deliveries:
        return
    rows = pd.DataFrame([{**asdict(d)} for d in deliveries])[list(DELIVERY_COLUMNS)]
    table = ibis.memtable(rows, schema=ibis.schema(DELIVERY_COLUMNS))
    with lifecycle_write(ws) as con:  # no data table: the fits stay valid
        if DELIVERIES_TABLE in con.list_tables():
            con.insert(DELIVERIES_TABLE, table)
        else:
            con.create_table(DELIVERIES_TABLE, table)


def list_deliveries(ws: Workspace) -> pd.DataFrame:
    """Recorded deliveries, newest first."""
    if not ws.has_table(DELIVERIES_TABLE):
        return pd.DataFrame({name: pd.Series(dtype=object) for name in DELIVERY_COLUMNS})
    table = ws.table(DELIVERIES_TABLE)
    return table.order_by(ibis.desc("sent_at")).to_pandas()
