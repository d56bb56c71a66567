"""HTTP errors as STAC API error documents: ``{"code": ..., "description": ...}``.

Bad input is a 400 whose description names the parameter (``bbox: ...``, ``filter: ... 1:7``),
never a 500: the catalog's :class:`~zorka.catalog.FilterError` and :class:`~zorka.catalog.ItemError`
and FastAPI's request validation all end here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zorka.catalog import FilterError, ItemError

__all__ = ["ApiError", "install_error_handlers"]

_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "BadRequest",
}


class ApiError(Exception):
    """An error answer: HTTP status and a description for the client."""

    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        self.status = status
        self.description = description
        self.headers = headers
        super().__init__(description)


def error_response(
    status: int, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON error document for ``status``."""
    code = _CODES.get(status, "Error")
    return JSONResponse(
        {"code": code, "description": description}, status_code=status, headers=headers
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("query", "limit") -> "limit"; ("body", "sortby", 0, "field") -> "sortby[0].field"
    parts = list(loc)
    if parts and parts[0] in ("query", "path", "body", "header", "cookie"):
        parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a STAC API error document."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.description, exc.headers)

    @app.exception_handler(FilterError)
    async def _filter_error(request: Request, exc: FilterError) -> JSONResponse:
        return error_response(400, str(exc))

    @app.exception_handler(ItemError)
    async def _item_error(request: Request, exc: ItemError) -> JSONResponse:
        return error_response(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = [
            f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()
        ]
        return error_response(400, "; ".join(messages) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))
