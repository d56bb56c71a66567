"""Users, their roles, and the API keys that identify them.

Roles:

- ``operator``: everything (all orders, changing their status, and later commanding);
- ``customer``: places orders, and reads and cancels its own only;
- ``viewer``: reads (products, opportunities, all orders), changes nothing.

A key is shown once, when it is made (``zorka users add NAME --role ROLE``), and kept only as an
scrypt hash (:func:`hashlib.scrypt`, random salt). A key reads ``zk_<id>_<secret>``: the id,
stored in clear, finds the user's row so that only one hash is computed per check; the secret is
256 random bits. Checks of a key already seen are answered from memory (by a SHA-256 of the key)
as long as the user's stored hash is unchanged, so that scrypt's cost is paid once per key and
process, not once per request.

A user may also have a password, for the web console's login (``zorka users passwd NAME``): it is
kept as an scrypt hash in the same format, checked in constant time, and a wrong name costs the
same hash as a wrong password.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from zorka.time import format_utc, parse_utc

__all__ = ["MIN_PASSWORD", "USERS_FILE", "Role", "User", "UserStore", "hash_key", "verify_key"]

#: The users' file in the data directory.
USERS_FILE = "users.sqlite"

# scrypt's cost: 16 MiB of memory and some tens of milliseconds per hash (RFC 7914's
# interactive-login setting)
_N, _R, _P = 2**14, 8, 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_KEY = re.compile(r"^zk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")


class Role(StrEnum):
    """What a user may do."""

    operator = "operator"
    customer = "customer"
    viewer = "viewer"


@dataclass(frozen=True)
class User:
    """A user: a name, a role, and when the user was made."""

    name: str
    role: Role
    created: datetime | None = None

    @property
    def is_operator(self) -> bool:
        """Whether the user may do everything."""
        return self.role is Role.operator


def hash_key(secret: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (base64) of ``secret``, with a new random salt unless given."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_key(secret: str, stored: str) -> bool:
    """Whether ``secret`` hashes to ``stored`` (a :func:`hash_key` string), in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            secret.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    password_hash TEXT
);
"""

#: The shortest password :meth:`UserStore.set_password` accepts.
MIN_PASSWORD = 8


@functools.cache
def _dummy_hash() -> str:
    # checked against when the name is unknown: a wrong name takes as long as a wrong password
    return hash_key("zorka-no-such-user", salt=bytes(16))


class UserStore:
    """Users and their hashed keys in one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._lock = threading.Lock()
        self._seen: dict[bytes, tuple[str, str]] = {}
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(users)")}
            if "password_hash" not in columns:  # a users file from before console logins
                self._db.execute("ALTER TABLE users ADD COLUMN password_hash TEXT")

    @classmethod
    def open(cls, directory: str | Path | None = None) -> UserStore:
        """The store in ``directory`` (default: the data directory)."""
        from zorka.datadir import data_dir

        return cls(data_dir(directory) / USERS_FILE)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def add(self, name: str, role: Role | str, password: str | None = None) -> tuple[User, str]:
        """A new user and its key (shown only now: the store keeps its hash); ``password``
        also lets it log in to the console."""
        if not _NAME.match(name):
            raise ValueError(
                f"user name {name!r}: use 1 to 64 letters, digits and . _ @ -, starting with a"
                " letter or digit"
            )
        try:
            role = Role(role)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            raise ValueError(f"role {role!r}: the roles are {roles}") from None
        password_hash = hash_key(_checked_password(password)) if password is not None else None
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        created = datetime.now(UTC)
        with self._lock:
            try:
                with self._db:
                    self._db.execute(
                        "INSERT INTO users (name, role, key_id, key_hash, created, password_hash)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            name,
                            role.value,
                            key_id,
                            hash_key(secret),
                            format_utc(created),
                            password_hash,
                        ),
                    )
            except sqlite3.IntegrityError:
                raise ValueError(f"user {name!r} already exists") from None
        return User(name, role, created), f"zk_{key_id}_{secret}"

    def set_password(self, name: str, password: str) -> None:
        """Set (or replace) the console password of user ``name``."""
        stored = hash_key(_checked_password(password))
        with self._lock, self._db:
            found = self._db.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", (stored, name)
            ).rowcount
        if not found:
            raise ValueError(f"no user {name!r}")

    def get(self, name: str) -> tuple[User, str | None] | None:
        """User ``name`` and its stored password hash (None without a password), or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT role, password_hash, created FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            return None
        return User(name, Role(row[0]), parse_utc(row[2], field="created")), row[1]

    def login(self, name: str, password: str) -> User | None:
        """The user ``name`` if ``password`` is its password, else None."""
        found = self.get(name)
        stored = found[1] if found is not None else None
        good = verify_key(password, stored or _dummy_hash())
        return found[0] if found is not None and stored and good else None

    def remove(self, name: str) -> bool:
        """Remove a user (its key stops working at once); whether there was one."""
        with self._lock, self._db:
            return self._db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    def users(self) -> list[User]:
        """Every user, by name."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, role, created FROM users ORDER BY name"
            ).fetchall()
        return [User(n, Role(r), parse_utc(c, field="created")) for n, r, c in rows]

    def authenticate(self, key: str) -> User | None:
        """The user whose key this is, or None."""
        match = _KEY.match(key)
        if match is None:
            return None
        key_id, secret = match.groups()
        with self._lock:
            row = self._db.execute(
                "SELECT name, role, key_hash, created FROM users WHERE key_id = ?", (key_id,)
            ).fetchone()
        if row is None:
            return None
        name, role, stored, created = row
        fingerprint = hashlib.sha256(key.encode()).digest()
        if self._seen.get(fingerprint) != (name, stored):
            if not verify_key(secret, stored):
                return None
            self._seen[fingerprint] = (name, stored)
        return User(name, Role(role), parse_utc(created, field="created"))


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return password
