"""``zorka serve``: the STAC API over the catalog, with uvicorn.

Thin: the application is :func:`zorka.server.create_app`; this verb opens the catalog and runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zorka.cli.app import app
from zorka.cli.products import CatalogOption, open_catalog

__all__ = ["serve"]


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on", min=1, max=65535)] = 8000,
    catalog: CatalogOption = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="ZORKA_API_KEY",
            help="operator key that enables writes (transactions); none: read-only",
            show_envvar=True,
        ),
    ] = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="path prefix a proxy strips, e.g. /stac")
    ] = "",
    proxy: Annotated[
        bool,
        typer.Option(
            "--proxy",
            help="behind a reverse proxy: build links from its Forwarded/X-Forwarded-* headers",
        ),
    ] = False,
    schemas: Annotated[
        list[Path] | None,
        typer.Option(
            "--schemas",
            help="folder of STAC extension schemas to validate written items; repeatable",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Serve the catalog as a STAC API (OpenAPI at /api)."""
    import uvicorn

    from zorka.server import create_app

    store = open_catalog(catalog)
    application = create_app(
        store,
        api_key=api_key,
        trust_forwarded=proxy,
        schema_dirs=schemas or (),
        root_path=root_path,
    )
    typer.echo(
        f"serving {store.path} at http://{host}:{port}{root_path}/ "
        f"({'writes with the API key' if api_key else 'read-only'})",
        err=True,
    )
    try:
        uvicorn.run(
            application,
            host=host,
            port=port,
            proxy_headers=proxy,
            forwarded_allow_ips="*" if proxy else None,
            log_level="info",
        )
    finally:
        store.close()
