"""Settings of the notification channels (``notify`` in ``bullseye.yaml``); kept free of heavy
imports because every command reads the settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WebhookChannel", "EmailChannel", "NotifySettings"]


class WebhookChannel(BaseModel):
    """A Slack-compatible incoming webhook: a JSON ``{"text": ...}`` POST."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Shown in the delivery record instead of the address.")
    url_env: str = Field(description="Environment variable holding the webhook's address (it contains its token).")


class EmailChannel(BaseModel):
    """Email through an SMTP server."""

    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int = 25
    sender: str = Field(default="bullseye@localhost", description="The From address.")
    to: list[str] = Field(default_factory=list, description="Recipients.")
    starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS before logging in.")
    username_env: str | None = Field(default=None, description="Environment variable holding the SMTP user name.")
    password_env: str | None = Field(default=None, description="Environment variable holding the SMTP password.")


class NotifySettings(BaseModel):
    """Where publish, rollback and new triggers are announced."""

    model_config = ConfigDict(extra="forbid")

    webhooks: list[WebhookChannel] = Field(default_factory=list)
    email: EmailChannel | None = None
    attempts: int = Field(default=3, ge=1, le=10, description="Tries per channel before a delivery counts as failed.")
    backoff_seconds: float = Field(default=2.0, ge=0, description="Wait before the second try; doubled each time.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Network timeout of one try.")
