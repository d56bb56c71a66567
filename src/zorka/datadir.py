"""The one directory where zorka keeps its state: archives, catalogs, plans.

Chosen, first match wins: an explicit argument, the ``--data-dir`` option of the command line
(through :func:`set_data_dir_override`), the ``ZORKA_DATA_DIR`` environment variable, and the
platform's user data directory (``~/.local/share/zorka`` on Linux). It is created when first used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["ENV_VAR", "data_dir", "data_dir_source", "set_data_dir_override"]

#: Environment variable that moves the data directory.
ENV_VAR = "ZORKA_DATA_DIR"

_override: Path | None = None


def set_data_dir_override(path: Path | str | None) -> Path | None:
    """Use ``path`` as the data directory for the rest of this process (``None`` undoes it).

    Meant for the command line's global ``--data-dir`` option; it returns ``path`` so that it can
    serve as a Typer option callback.
    """
    global _override
    _override = Path(path).expanduser() if path is not None and str(path) else None
    return _override


def _choice(override: Path | str | None) -> tuple[Path, str]:
    if override is not None and str(override):
        return Path(override).expanduser(), "argument"
    if _override is not None:
        return _override, "--data-dir"
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser(), f"${ENV_VAR}"
    return platformdirs.user_data_path("zorka"), "platform default"


def data_dir_source(override: Path | str | None = None) -> str:
    """What chose the data directory: ``argument``, ``--data-dir``, ``$ZORKA_DATA_DIR`` or
    ``platform default`` (for messages such as ``zorka info``)."""
    return _choice(override)[1]


def data_dir(override: Path | str | None = None, *, create: bool = True) -> Path:
    """The data directory, created (with its parents) unless ``create`` is false.

    Raises :class:`NotADirectoryError` naming what chose the path when it cannot be a directory.
    """
    path, origin = _choice(override)
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise NotADirectoryError(
                f"data directory {path} (from {origin}) is a file; point it at a directory"
            ) from None
        except OSError as exc:
            raise NotADirectoryError(
                f"data directory {path} (from {origin}) cannot be created: {exc.strerror or exc}"
            ) from None
    return path
