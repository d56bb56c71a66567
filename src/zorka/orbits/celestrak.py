"""Fresh orbits from CelesTrak's GP API, kept in a local cache that also serves when offline.

``https://celestrak.org/NORAD/elements/gp.php?GROUP=<name>&FORMAT=<tle|json>`` answers a named group
(``stations``, ``resource``, ``active``...), ``CATNR=<n>`` one catalog number. Every answer is kept
as a file under the cache directory. CelesTrak refreshes its data about every two hours and asks
machine clients to fetch no more often than that, and to stop and tell a human when it answers with
anything but HTTP 200: :func:`fetch_gp` therefore reuses a cached answer younger than ``max_age_s``
and, after a refusal, asks nothing more in the same call. When the network fails the cached file is
kept and used, and the result says so.

The HTTP client takes an ``httpx`` transport: tests pass :class:`httpx.MockTransport` with recorded
answers, so nothing here needs the network to be tested.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx

from zorka.orbits.tle import parse_tle

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "GP_URL",
    "CelesTrakError",
    "GPResult",
    "cache_path",
    "count_elements",
    "fetch_gp",
    "gp_params",
]

GP_URL = "https://celestrak.org/NORAD/elements/gp.php"
DEFAULT_MAX_AGE_S = 2 * 3600.0  # CelesTrak's update cadence; asking more often only costs it
GPFormat = Literal["tle", "json"]

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_USER_AGENT = "zorka (open ground segment; https://celestrak.org/usage-policy.php respected)"


class CelesTrakError(RuntimeError):
    """CelesTrak could not give an answer and no cached copy can stand in for it.

    ``results`` holds the answers to the other queries of the same call, which did work.
    """

    def __init__(self, message: str, results: list[GPResult] | None = None) -> None:
        super().__init__(message)
        self.results: list[GPResult] = results or []


@dataclass(frozen=True)
class GPResult:
    """One GP query's answer: its text, the cache file holding it, and how fresh it is."""

    query: str  # "GROUP=stations" or "CATNR=25544"
    format: GPFormat
    path: Path
    text: str
    downloaded: bool  # True: fetched from CelesTrak in this call; False: the cached copy
    saved_at: datetime  # when the text was downloaded (UTC)
    warning: str | None = None  # why the cached copy is used although a download was due

    @property
    def count(self) -> int:
        """How many element sets the answer holds."""
        return count_elements(self.text, self.format)


def gp_params(query: str | int, format: GPFormat = "tle") -> dict[str, str]:
    """The GP API parameters of one query: a group name (str) or a catalog number (int)."""
    if format not in ("tle", "json"):
        raise ValueError(f"format {format!r} is not tle or json")
    if isinstance(query, int) or (isinstance(query, str) and query.isdigit()):
        number = int(query)
        if number <= 0:
            raise ValueError(f"catalog number {number} must be positive")
        return {"CATNR": str(number), "FORMAT": format.upper()}
    if not _GROUP.match(query):
        raise ValueError(
            f"{query!r} is not a CelesTrak group name (letters, digits, '-', '_', '.'; "
            "see https://celestrak.org/NORAD/elements/)"
        )
    return {"GROUP": query, "FORMAT": format.upper()}


def cache_path(cache_dir: Path, query: str | int, format: GPFormat = "tle") -> Path:
    """Where the answer to one query is cached."""
    params = gp_params(query, format)
    key = f"catnr-{params['CATNR']}" if "CATNR" in params else f"group-{params['GROUP'].lower()}"
    return Path(cache_dir) / f"gp-{key}.{format}"


def count_elements(text: str, format: GPFormat) -> int:
    """Element sets in a GP answer (0 when it holds none, or is not GP data at all)."""
    if format == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return 0
        records = value if isinstance(value, list) else [value]
        return sum(1 for r in records if isinstance(r, dict) and "NORAD_CAT_ID" in r)
    tles, _ = parse_tle(text, source="CelesTrak")
    return len(tles)


def _no_data(text: str) -> bool:
    # CelesTrak answers an unknown group or catalog number with HTTP 200 and this text
    return text.strip().lower().startswith("no gp data found")


def _save(path: Path, text: str) -> None:
    # write then rename, so a crash mid-write never leaves a truncated cache file behind
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _saved_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _age(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def _describe_age(seconds: float) -> str:
    if seconds < 5400:
        return f"{seconds / 60:.0f} min old"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h old"
    return f"{seconds / 86400:.1f} days old"


class _NoAnswerError(Exception):
    pass


def _from_cache(query: str, format: GPFormat, path: Path, problem: str | None) -> GPResult:
    if not path.exists():
        raise _NoAnswerError(
            f"{query}: {problem}, and there is no cached copy ({path}); "
            "connect to the network and run `zorka fleet update` again"
        )
    warning = None
    if problem is not None:
        warning = f"{query}: {problem}; using the cached copy ({_describe_age(_age(path))}, {path})"
    text = path.read_text(encoding="utf-8")
    return GPResult(query, format, path, text, False, _saved_at(path), warning)


def _download(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    label: str,
    format: GPFormat,
    path: Path,
) -> tuple[GPResult, str | None]:
    """One GP request; the result, and the refusal that must stop further requests, if any."""
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        problem = f"CelesTrak unreachable ({type(exc).__name__}: {exc})"
        return _from_cache(label, format, path, problem), None
    if response.status_code != 200:
        # CelesTrak's policy: stop querying on anything but 200 and tell a human
        refused = f"CelesTrak answered HTTP {response.status_code} {response.reason_phrase}"
        return _from_cache(label, format, path, refused), refused
    text = response.text
    if _no_data(text):
        raise _NoAnswerError(
            f"{label}: CelesTrak has no GP data for this query; group names are listed at "
            "https://celestrak.org/NORAD/elements/"
        )
    if count_elements(text, format) == 0:
        problem = f"CelesTrak's answer holds no {format.upper()} element set"
        return _from_cache(label, format, path, problem), None
    _save(path, text)
    return GPResult(label, format, path, text, True, _saved_at(path)), None


def fetch_gp(
    query: str | int | Iterable[int],
    format: GPFormat = "tle",
    *,
    cache_dir: Path,
    transport: httpx.BaseTransport | None = None,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    timeout_s: float = 30.0,
    url: str = GP_URL,
) -> list[GPResult]:
    """Fetch GP data for a group name or for catalog numbers (one request per number).

    Answers younger than ``max_age_s`` come from ``cache_dir`` without asking CelesTrak (0 forces a
    download). A network failure, an HTTP error or an answer that holds no element set leaves the
    cached file as it was and returns it with a ``warning``. A query with neither an answer nor a
    cached file, or one CelesTrak has no data for, makes the call raise :class:`CelesTrakError`
    once every query has been tried; the error carries the answers that did come. After one
    refusal (an HTTP status other than 200) the remaining queries are served from the cache only.
    """
    queries: list[str | int] = (
        [query] if isinstance(query, str | int) else [int(number) for number in query]
    )
    if not queries:
        raise ValueError("no group name or catalog number to fetch")
    all_params = [gp_params(item, format) for item in queries]  # refuse bad names before asking
    cache_dir = Path(cache_dir)
    results: list[GPResult] = []
    failures: list[str] = []
    refused: str | None = None
    headers = {"User-Agent": _USER_AGENT}
    with httpx.Client(
        transport=transport, timeout=timeout_s, headers=headers, follow_redirects=False
    ) as client:
        for item, params in zip(queries, all_params, strict=True):
            label = "&".join(f"{k}={v}" for k, v in params.items() if k != "FORMAT")
            path = cache_path(cache_dir, item, format)
            try:
                if path.exists() and _age(path) < max_age_s:
                    results.append(_from_cache(label, format, path, None))
                elif refused is not None:
                    results.append(_from_cache(label, format, path, f"not asked: {refused}"))
                else:
                    result, refusal = _download(client, url, params, label, format, path)
                    refused = refused or refusal
                    results.append(result)
            except _NoAnswerError as exc:
                failures.append(str(exc))
    if failures:
        raise CelesTrakError("\n".join(failures), results)
    return results
