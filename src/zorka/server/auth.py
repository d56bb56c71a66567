"""Who is asking: an API key, or the console's session cookie.

API clients present a key (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``); the web console
logs in once with a name and password (:meth:`~zorka.server.users.UserStore.login`) and then
sends the session cookie ``zorka_session``: an opaque 256-bit token that the server maps to the
user for ``ttl_s`` seconds (HttpOnly, SameSite=Strict, Secure over https). Every request looks
the user up again: a session ends when its user is removed, changes role or changes password
(``zorka users`` from another process included). A state-changing request that carries the
cookie must come from the console's own origin (its ``Origin`` header, when the browser sends
one, names this server): SameSite does not stop a page on another port of the same host.
Sessions live in the server's memory: a restart logs everyone out.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fastapi import Request

from zorka.server.access import request_key
from zorka.server.errors import ApiError
from zorka.server.users import Role, User, UserStore

__all__ = ["COOKIE", "OPERATOR", "Authenticator", "Sessions"]

#: The name of the console's session cookie.
COOKIE = "zorka_session"

#: The user the server's operator key stands for.
OPERATOR = User("operator", Role.operator)


_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def _fingerprint(stored: str | None) -> str:
    """What a session remembers of the password hash it was opened with."""
    return hashlib.sha256((stored or "").encode()).hexdigest()


@dataclass
class Sessions:
    """Console sessions: token -> (user, password fingerprint, expiry on the monotonic clock)."""

    ttl_s: float = 12 * 3600.0
    _sessions: dict[str, tuple[User, str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, user: User, password_hash: str | None = None) -> str:
        """A new session for ``user`` (logged in against ``password_hash``); its token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._sessions = {t: s for t, s in self._sessions.items() if s[2] > now}
            self._sessions[token] = (user, _fingerprint(password_hash), now + self.ttl_s)
        return token

    def session(self, token: str) -> tuple[User, str] | None:
        """The user and password fingerprint of a live session, or None."""
        with self._lock:
            found = self._sessions.get(token)
            if found is None or found[2] <= time.monotonic():
                self._sessions.pop(token, None)
                return None
            return found[0], found[1]

    def user(self, token: str) -> User | None:
        """The user of a live session, or None."""
        found = self.session(token)
        return None if found is None else found[0]

    def close(self, token: str) -> None:
        """End a session."""
        with self._lock:
            self._sessions.pop(token, None)

    def close_user(self, name: str) -> None:
        """End every session of user ``name`` (removed, or its password changed)."""
        with self._lock:
            self._sessions = {t: s for t, s in self._sessions.items() if s[0].name != name}


@dataclass
class Authenticator:
    """Finds the user of a request from its key or its session cookie."""

    users: UserStore | None = None
    operator_key: str | None = None
    sessions: Sessions = field(default_factory=Sessions)

    def user(self, request: Request) -> User | None:
        """The request's user, or None (no credentials, or unknown ones). A cookie sent with
        a state-changing request from another origin is refused (403)."""
        key = request_key(request)
        if key is not None:
            if self.operator_key and secrets.compare_digest(
                key.encode(), self.operator_key.encode()
            ):
                return OPERATOR
            return self.users.authenticate(key) if self.users is not None else None
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        user = self.session_user(token)
        if user is not None and request.method not in _SAFE:
            _same_origin(request)
        return user

    def session_user(self, token: str) -> User | None:
        """The user of a console session as the users' file has it now: None once the user
        is removed or has changed role or password (the session is then closed)."""
        found = self.sessions.session(token)
        if found is None:
            return None
        user, fingerprint = found
        if self.users is None:
            return user
        current = self.users.get(user.name)
        if (
            current is None
            or current[0].role is not user.role
            or _fingerprint(current[1]) != fingerprint
        ):
            self.sessions.close(token)
            return None
        return current[0]

    def require(self, request: Request, what: str = "this API") -> User:
        """The request's user; 401 without one."""
        user = self.user(request)
        if user is not None:
            return user
        challenge = {"WWW-Authenticate": "Bearer"}
        if request_key(request) is not None:
            raise ApiError(401, "the API key is not known", challenge)
        if request.cookies.get(COOKIE):
            raise ApiError(401, "the session has ended: log in again", challenge)
        raise ApiError(
            401,
            f"{what} needs an API key: send Authorization: Bearer KEY or X-API-Key: KEY (an"
            " operator makes one with `zorka users add NAME --role customer`), or log in to"
            " the console",
            challenge,
        )

    @staticmethod
    def require_control(user: User, what: str) -> None:
        """403 for customers: telemetry, alarms and commanding are the control room's."""
        if user.role is Role.customer:
            raise ApiError(403, f"{what} is for operators and viewers ({user.name} is a customer)")

    @staticmethod
    def require_operator(user: User, what: str) -> None:
        """403 unless ``user`` is an operator."""
        if not user.is_operator:
            raise ApiError(403, f"{what} needs the operator role ({user.name} is a {user.role})")


def _same_origin(request: Request) -> None:
    """403 when the browser says the request comes from another origin."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    if urlsplit(origin).netloc.lower() != host.split(",")[0].strip().lower():
        raise ApiError(
            403,
            f"a console request from another origin ({origin}) is refused: the session cookie"
            " works only from the console's own pages",
        )
