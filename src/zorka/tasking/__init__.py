"""Tasking: what customers can order, when the fleet can image it, and orders with their statuses.

The Sensor Tasking API (STAPI v0.1) over this package is :mod:`zorka.server.tasking_api`.

>>> from zorka.mission import default_mission
>>> from zorka.tasking import SQLiteOrderStore, TaskingService
>>> service = TaskingService(default_mission("by"), SQLiteOrderStore(":memory:"))
>>> sorted(service.products)
['ms', 'pan']
"""

from zorka.tasking.opportunities import (
    Opportunity,
    OpportunityReport,
    find_opportunities,
    first_opportunity,
)
from zorka.tasking.orders import Order
from zorka.tasking.payloads import (
    MAX_ORDER_WINDOW,
    MAX_SEARCH_WINDOW,
    OpportunitySearch,
    OrderSpec,
    PayloadError,
    parse_opportunity_search,
    parse_order,
)
from zorka.tasking.products import (
    MS_GSD_FACTOR,
    QUERYABLES,
    ImagingProduct,
    OrderParameters,
    fleet_products,
)
from zorka.tasking.service import TaskingService, UnknownProductError
from zorka.tasking.statuses import (
    NEXT,
    TERMINAL,
    OrderStatusCode,
    StatusChange,
    TransitionError,
    check_transition,
)
from zorka.tasking.store import ORDERS_FILE, OrderStore, SQLiteOrderStore, UnknownOrderError

__all__ = [
    "MAX_ORDER_WINDOW",
    "MAX_SEARCH_WINDOW",
    "MS_GSD_FACTOR",
    "NEXT",
    "ORDERS_FILE",
    "QUERYABLES",
    "TERMINAL",
    "ImagingProduct",
    "Opportunity",
    "OpportunityReport",
    "OpportunitySearch",
    "Order",
    "OrderParameters",
    "OrderSpec",
    "OrderStatusCode",
    "OrderStore",
    "PayloadError",
    "SQLiteOrderStore",
    "StatusChange",
    "TaskingService",
    "TransitionError",
    "UnknownOrderError",
    "UnknownProductError",
    "check_transition",
    "find_opportunities",
    "first_opportunity",
    "fleet_products",
    "parse_opportunity_search",
    "parse_order",
]
