"""People and permissions of the web workspace: local users with argon2 password hashes, roles,
signed session cookies, CSRF tokens, login rate limiting and the audit log.

Everything lives in the workspace's state folder ``.bullseye/`` (git-ignored): ``users.yaml``
(names, roles, hashes), ``web-secret`` (the key that signs session cookies) and ``audit.jsonl``
(one JSON line per state-changing request).
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bullseye.errors import ConfigError, InvalidInputError

__all__ = [
    "ROLES",
    "User",
    "UserStore",
    "LoginLimiter",
    "AuditLog",
    "SessionSigner",
    "role_allows",
    "USERS_FILE",
    "AUDIT_FILE",
    "SECRET_FILE",
    "SESSION_MAX_AGE",
]

ROLES = ("viewer", "editor", "owner")
USERS_FILE = "users.yaml"
AUDIT_FILE = "audit.jsonl"
SECRET_FILE = "web-secret"
#: A session lasts a working day.
SESSION_MAX_AGE = 12 * 3600
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8


def role_allows(role: str, needed: str) -> bool:
    """Owners can do what editors can, editors what viewers can."""
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, needed: str) -> bool:
        return role_allows(self.role, needed)

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


class UserStore:
    """The workspace's users in ``.bullseye/users.yaml``: name -> role and argon2 hash."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / USERS_FILE
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            users = data.get("users", {})
            if not isinstance(users, dict):
                raise TypeError("'users' is not a mapping")
            return users
        except (yaml.YAMLError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{self.path}: not a readable users file ({exc})") from exc

    def users(self) -> list[User]:
        return [User(name, entry.get("role", "viewer")) for name, entry in sorted(self._read().items())]

    def has_users(self) -> bool:
        return bool(self._read())

    def add(self, name: str, role: str, password: str) -> User:
        """Add a user, or change an existing user's role and password."""
        if not _NAME.match(name):
            raise InvalidInputError(
                f"user name '{name}' must be 1-64 letters, digits or . _ @ - and start with a letter or digit"
            )
        if role not in ROLES:
            raise InvalidInputError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
        if len(password) < MIN_PASSWORD:
            raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self._read()
            users[name] = {"role": role, "hash": self._hasher.hash(password)}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(yaml.safe_dump({"users": users}, sort_keys=True), encoding="utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        return User(name, role)

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work for unknown names)."""
        entry = self._read().get(name)
        stored = entry.get("hash") if entry else None
        try:
            if entry is None or stored is None:
                # Hash anyway so an unknown name takes as long as a wrong password.
                self._hasher.hash(password)
                return None
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return User(name, entry.get("role", "viewer"))


class LoginLimiter:
    """At most ``attempts`` failed logins per client address and per user name in ``window`` seconds."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str, name: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window - (now - times[0])
                for key in (f"ip:{client}", f"user:{name}")
                if len(times := self._recent(key, now)) >= self.attempts
            ]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"ip:{client}", f"user:{name}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name}", None)


class AuditLog:
    """Who did what when: one JSON line per state-changing request in ``.bullseye/audit.jsonl``."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / AUDIT_FILE
        self._lock = threading.Lock()

    def append(self, user: str | None, action: str, target: str, outcome: int | str, **detail: Any) -> None:
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "user": user,
            "action": action,
            "target": target,
            "outcome": outcome,
            **detail,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


class SessionSigner:
    """Signs the session cookie (user, role, CSRF token) with a key kept in ``.bullseye/web-secret``."""

    def __init__(self, state_dir: Path) -> None:
        path = Path(state_dir) / SECRET_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        self._serializer = URLSafeTimedSerializer(path.read_text().strip(), salt="bullseye-session")

    def dumps(self, session: dict[str, Any]) -> str:
        return self._serializer.dumps(session)

    def loads(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            session = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return session if isinstance(session, dict) and isinstance(session.get("csrf"), str) else None

    @staticmethod
    def new_session(user: User | None = None) -> dict[str, Any]:
        return {"csrf": secrets.token_urlsafe(32), **({"user": user.name, "role": user.role} if user else {})}

    @staticmethod
    def csrf_matches(session: dict[str, Any], token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(session["csrf"].encode(), str(token).encode())
