"""The zorka web application: the STAC API over the catalog (``zorka serve``)."""

from zorka.server.access import AccessConfigError, ReadAccess
from zorka.server.app import MAX_LIMIT, ApiContext, create_app

__all__ = ["MAX_LIMIT", "AccessConfigError", "ApiContext", "ReadAccess", "create_app"]
