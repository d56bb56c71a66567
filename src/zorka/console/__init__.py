"""The zorka web console: a static single-page app over the ``/console/api`` JSON routes.

The page, its script and style, and the vendored offline assets (Leaflet, uPlot, a Natural Earth
basemap; see ``static/vendor/SOURCE.md``) live in :data:`STATIC_DIR`. The server mounts that
folder at ``/console/static`` and answers ``/console/`` with its ``index.html``.
"""

from __future__ import annotations

from pathlib import Path

#: The folder holding ``index.html``, ``console.js``, ``console.css`` and ``vendor/``.
STATIC_DIR: Path = Path(__file__).resolve().parent / "static"

__all__ = ["STATIC_DIR"]
