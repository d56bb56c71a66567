"""The error every product reader raises on input it cannot use."""

from __future__ import annotations


class ProductFormatError(ValueError):
    """A product file is malformed or lacks a field zorka cannot do without.

    The message names the file and, where there is one, the field (as a path of XML tags or
    passport keys), so that a user with 10,000 products can find the bad one.
    """

    def __init__(self, source: str, message: str, *, field: str | None = None) -> None:
        self.source = source
        self.field = field
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)
