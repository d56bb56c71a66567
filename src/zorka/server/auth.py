"""Who is asking: an API key, or the console's session cookie.

API clients present a key (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``); the web console
logs in once with a name and password (:meth:`~zorka.server.users.UserStore.login`) and then
sends the session cookie ``zorka_session``: an opaque 256-bit token that the server maps to the
user for ``ttl_s`` seconds (HttpOnly, SameSite=Strict, so that other sites' pages cannot use it).
Sessions live in the server's memory: a restart logs everyone out.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from zorka.server.access import request_key
from zorka.server.errors import ApiError
from zorka.server.users import Role, User, UserStore

__all__ = ["COOKIE", "OPERATOR", "Authenticator", "Sessions"]

#: The name of the console's session cookie.
COOKIE = "zorka_session"

#: The user the server's operator key stands for.
OPERATOR = User("operator", Role.operator)


@dataclass
class Sessions:
    """Console sessions: token -> (user, expiry on the monotonic clock)."""

    ttl_s: float = 12 * 3600.0
    _sessions: dict[str, tuple[User, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, user: User) -> str:
        """A new session for ``user``; its token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._sessions = {t: s for t, s in self._sessions.items() if s[1] > now}
            self._sessions[token] = (user, now + self.ttl_s)
        return token

    def user(self, token: str) -> User | None:
        """The user of a live session, or None."""
        with self._lock:
            found = self._sessions.get(token)
            if found is None or found[1] <= time.monotonic():
                self._sessions.pop(token, None)
                return None
            return found[0]

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
        """The request's user, or None (no credentials, or unknown ones)."""
        key = request_key(request)
        if key is not None:
            if self.operator_key and secrets.compare_digest(
                key.encode(), self.operator_key.encode()
            ):
                return OPERATOR
            return self.users.authenticate(key) if self.users is not None else None
        token = request.cookies.get(COOKIE)
        return self.sessions.user(token) if token else None

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
    def require_operator(user: User, what: str) -> None:
        """403 unless ``user`` is an operator."""
        if not user.is_operator:
            raise ApiError(403, f"{what} needs the operator role ({user.name} is a {user.role})")
