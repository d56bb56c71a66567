"""The Sensor Tasking API (STAPI v0.1) over a :class:`~zorka.tasking.TaskingService`.

Routes, all answering JSON and all needing an API key (``Authorization: Bearer KEY`` or
``X-API-Key: KEY``; 401 without one)::

    GET  /tasking                              STAPI landing page
    GET  /products                             the fleet's products (pan, ms)
    GET  /products/{id}                        one product
    GET  /products/{id}/queryables             what an opportunity search may filter on
    GET  /products/{id}/order-parameters       what an order may ask for
    POST /products/{id}/opportunities          when the fleet can image a geometry
    POST /products/{id}/orders                 place an order (customers, operators)
    GET  /orders                               orders (a customer's own; everyone's for others)
    GET  /orders/{id}                          one order
    GET  /orders/{id}/statuses                 its status history
    POST /orders/{id}/statuses                 move it on (operators: planner, processing)
    POST /orders/{id}/cancel                   cancel it (its customer, operators)

Roles (:mod:`zorka.server.users`): a customer reads and cancels its own orders only (403 for
others'), a viewer reads everything and changes nothing, an operator does everything; the
server's operator key (``zorka serve --api-key``) acts as the user ``operator``.

The models are STAPI's (``stapi-pydantic``); an order status may also be ``acquired``, which
STAPI v0.1 lacks (see :mod:`zorka.tasking.statuses`), and carries ``zorka:actor``.
"""

# No ``from __future__ import annotations``: the routes' annotations name the dependencies made
# inside tasking_router, which FastAPI must see as objects, not as strings it cannot resolve.
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from stapi_pydantic import (
    Link,
    OpportunityCollection,
    Product,
    ProductsCollection,
    Provider,
    ProviderRole,
    RootResponse,
)
from stapi_pydantic.constants import STAPI_VERSION

from zorka.server.auth import OPERATOR, Authenticator
from zorka.server.errors import ApiError
from zorka.server.links import base_url
from zorka.server.users import Role, User, UserStore
from zorka.tasking import (
    Order,
    OrderStatusCode,
    PayloadError,
    StatusChange,
    TaskingService,
    TransitionError,
    UnknownOrderError,
    UnknownProductError,
    parse_opportunity_search,
    parse_order,
)
from zorka.tasking.products import ImagingProduct
from zorka.time import format_utc

__all__ = ["OPERATOR", "TaskingContext", "tasking_router"]

GEOJSON = "application/geo+json"
T = TypeVar("T")


@dataclass
class TaskingContext:
    """What the tasking routes share: the service, the users, the operator key, link settings."""

    service: TaskingService
    users: UserStore | None = None
    operator_key: str | None = None
    trust_forwarded: bool = False
    provider: str = "zorka"
    provider_url: str = "https://github.com/zorka-ground/zorka"
    auth: Authenticator | None = None

    def __post_init__(self) -> None:
        if self.auth is None:
            self.auth = Authenticator(self.users, self.operator_key)

    def user(self, request: Request) -> User:
        """The user presenting the request's key or console session; 401 without one."""
        assert self.auth is not None
        return self.auth.require(request, "the tasking API")


def _call(function: Callable[[], T]) -> T:
    """``function()`` with the tasking errors as HTTP answers."""
    try:
        return function()
    except PayloadError as exc:
        raise ApiError(400, str(exc)) from None
    except UnknownProductError as exc:
        raise ApiError(404, str(exc.args[0])) from None
    except UnknownOrderError as exc:
        raise ApiError(404, f"no order {exc.args[0]!r}") from None
    except TransitionError as exc:
        raise ApiError(409, str(exc)) from None


def _check_owner(user: User, order: Order) -> None:
    if user.role is Role.customer and order.user != user.name:
        raise ApiError(403, f"order {order.id} is not yours: a customer sees only its own orders")


def _status_json(change: StatusChange) -> dict[str, Any]:
    return {
        "timestamp": format_utc(change.time, digits=6),
        "status_code": change.code.value,
        "reason_code": change.reason_code,
        "reason_text": change.reason_text,
        "links": [dict(link) for link in change.links],
        "zorka:actor": change.actor,
    }


def _order_json(order: Order, base: str) -> dict[str, Any]:
    links: list[dict[str, Any]] = [
        {"href": f"{base}/orders/{order.id}", "rel": "self", "type": GEOJSON},
        {
            "href": f"{base}/orders/{order.id}/statuses",
            "rel": "monitor",
            "type": "application/json",
        },
        {
            "href": f"{base}/products/{order.product_id}",
            "rel": "product",
            "type": "application/json",
        },
    ]
    done = order.status_of(OrderStatusCode.completed)
    if done is not None:
        links.extend(dict(link) for link in done.links if link.get("rel") == "item")
    return {
        "type": "Feature",
        "id": order.id,
        "stapi_type": "Order",
        "stapi_version": STAPI_VERSION,
        "geometry": dict(order.geometry),
        "properties": {
            "product_id": order.product_id,
            "created": format_utc(order.created, digits=6),
            "status": _status_json(order.status),
            "search_parameters": {
                "datetime": order.datetime_interval,
                "geometry": dict(order.geometry),
                "filter": None,
            },
            "opportunity_properties": {},
            "order_parameters": order.parameters.model_dump(mode="json", exclude_none=True),
            "zorka:user": order.user,
        },
        "links": links,
    }


def tasking_router(context: TaskingContext) -> APIRouter:
    """The STAPI routes over ``context``."""
    router = APIRouter(tags=["Tasking (STAPI)"])
    service = context.service

    def current_user(request: Request) -> User:
        return context.user(request)

    Authenticated = Annotated[User, Depends(current_user)]
    JsonBody = Annotated[dict[str, Any], Body(description="a STAPI request body (JSON object)")]

    def base(request: Request) -> str:
        return base_url(request, context.trust_forwarded)

    def product_json(product: ImagingProduct, root: str) -> Product:
        here = f"{root}/products/{product.id}"
        return Product(
            id=product.id,
            title=product.title,
            description=product.description,
            keywords=["optical", "panchromatic" if product.id == "pan" else "multispectral"],
            license="proprietary",
            providers=[
                Provider(
                    name=context.provider,
                    roles=[ProviderRole.producer, ProviderRole.host],
                    url=context.provider_url,
                )
            ],
            links=[
                Link(href=here, rel="self", type="application/json"),
                Link(href=f"{here}/queryables", rel="queryables", type="application/schema+json"),
                Link(
                    href=f"{here}/order-parameters",
                    rel="order-parameters",
                    type="application/schema+json",
                ),
                Link(href=f"{here}/opportunities", rel="opportunities", method="POST"),
                Link(href=f"{here}/orders", rel="create-order", method="POST"),
            ],
        )

    def product_of(product_id: str) -> ImagingProduct:
        return _call(lambda: service.product(product_id))

    def visible_order(user: User, order_id: str) -> Order:
        order = _call(lambda: service.get(order_id))
        _check_owner(user, order)
        return order

    @router.get("/tasking", summary="STAPI landing page")
    def landing(request: Request, user: Authenticated) -> JSONResponse:
        root = base(request)
        page = RootResponse(
            id="zorka-tasking",
            title=f"{service.mission.name} tasking",
            description="Order images from the fleet (Sensor Tasking API v0.1)",
            links=[
                Link(href=f"{root}/tasking", rel="self", type="application/json"),
                Link(href=f"{root}/products", rel="products", type="application/json"),
                Link(href=f"{root}/orders", rel="orders", type=GEOJSON),
                Link(href=f"{root}/api", rel="service-desc", type="application/json"),
            ],
        )
        return JSONResponse(page.model_dump(mode="json", by_alias=True))

    @router.get("/products", summary="The products that can be ordered")
    def products(request: Request, user: Authenticated) -> JSONResponse:
        root = base(request)
        page = ProductsCollection(
            products=[product_json(p, root) for p in service.products.values()],
            links=[Link(href=f"{root}/products", rel="self", type="application/json")],
        )
        return JSONResponse(page.model_dump(mode="json", by_alias=True))

    @router.get("/products/{product_id}", summary="One product")
    def product(request: Request, product_id: str, user: Authenticated) -> JSONResponse:
        found = product_json(product_of(product_id), base(request))
        return JSONResponse(found.model_dump(mode="json", by_alias=True))

    @router.get("/products/{product_id}/queryables", summary="What a search may filter on")
    def queryables(product_id: str, user: Authenticated) -> JSONResponse:
        schema = product_of(product_id).queryables
        return JSONResponse(schema, media_type="application/schema+json")

    @router.get("/products/{product_id}/order-parameters", summary="What an order may ask")
    def order_parameters(product_id: str, user: Authenticated) -> JSONResponse:
        schema = product_of(product_id).order_parameters_schema()
        return JSONResponse(schema, media_type="application/schema+json")

    @router.post(
        "/products/{product_id}/opportunities",
        summary="When the fleet can image a geometry (datetime START/END, geometry, filter)",
    )
    def opportunities(
        request: Request, product_id: str, body: JsonBody, user: Authenticated
    ) -> JSONResponse:
        product_of(product_id)
        search = _call(lambda: parse_opportunity_search(body))
        report = _call(lambda: service.search(product_id, search))
        root = base(request)
        collection: OpportunityCollection[Any, Any] = OpportunityCollection.model_validate(
            {
                "type": "FeatureCollection",
                "features": [o.to_feature() for o in report.opportunities],
                "links": [
                    {
                        "href": f"{root}/products/{product_id}/orders",
                        "rel": "create-order",
                        "method": "POST",
                        "body": {
                            "datetime": search.spec.datetime_interval,
                            "geometry": search.spec.geometry,
                        },
                    }
                ],
            }
        )
        document = collection.model_dump(mode="json", exclude_none=True)
        if report.reason is not None:
            document["zorka:reason"] = report.reason
        return JSONResponse(document, media_type=GEOJSON)

    @router.post(
        "/products/{product_id}/orders",
        status_code=201,
        summary="Place an order (datetime START/END, geometry, order_parameters)",
    )
    def create_order(
        request: Request, product_id: str, body: JsonBody, user: Authenticated
    ) -> JSONResponse:
        if user.role is Role.viewer:
            raise ApiError(403, "a viewer cannot place orders")
        product_of(product_id)
        spec = _call(lambda: parse_order(body))
        order = _call(lambda: service.place(product_id, spec, user.name))
        root = base(request)
        return JSONResponse(
            _order_json(order, root),
            status_code=201,
            media_type=GEOJSON,
            headers={"Location": f"{root}/orders/{order.id}"},
        )

    @router.get("/orders", summary="Orders (a customer's own)")
    def orders(
        request: Request,
        user: Authenticated,
        limit: Annotated[int, Query(ge=1, le=1000)] = 10,
        after: Annotated[
            str | None, Query(alias="next", description="the last order of the previous page")
        ] = None,
    ) -> JSONResponse:
        owner = user.name if user.role is Role.customer else None
        page = _call(lambda: service.orders(user=owner, limit=limit, after=after))
        root = base(request)
        links = [{"href": f"{root}/orders", "rel": "self", "type": GEOJSON}]
        if len(page) == limit:
            links.append(
                {
                    "href": f"{root}/orders?limit={limit}&next={page[-1].id}",
                    "rel": "next",
                    "type": GEOJSON,
                }
            )
        return JSONResponse(
            {
                "type": "FeatureCollection",
                "features": [_order_json(o, root) for o in page],
                "links": links,
            },
            media_type=GEOJSON,
        )

    @router.get("/orders/{order_id}", summary="One order")
    def order(request: Request, order_id: str, user: Authenticated) -> JSONResponse:
        found = visible_order(user, order_id)
        return JSONResponse(_order_json(found, base(request)), media_type=GEOJSON)

    @router.get("/orders/{order_id}/statuses", summary="The status history of an order")
    def statuses(request: Request, order_id: str, user: Authenticated) -> JSONResponse:
        found = visible_order(user, order_id)
        root = base(request)
        return JSONResponse(
            {
                "statuses": [_status_json(s) for s in found.statuses],
                "links": [
                    {"href": f"{root}/orders/{order_id}/statuses", "rel": "self"},
                    {"href": f"{root}/orders/{order_id}", "rel": "order", "type": GEOJSON},
                ],
            }
        )

    @router.post("/orders/{order_id}/statuses", summary="Move an order on (operators)")
    def add_status(
        request: Request, order_id: str, body: JsonBody, user: Authenticated
    ) -> JSONResponse:
        if not user.is_operator:
            raise ApiError(403, "only an operator changes the status of an order")
        code, reason, reason_code, links = _status_body(body)
        try:
            updated = _call(
                lambda: service.advance(
                    order_id,
                    code,
                    actor=user.name,
                    reason_text=reason,
                    reason_code=reason_code,
                    links=links,
                )
            )
        except ValueError as exc:
            raise ApiError(400, f"links: {exc}") from None
        return JSONResponse(_order_json(updated, base(request)), media_type=GEOJSON)

    @router.post("/orders/{order_id}/cancel", summary="Cancel an order before acquisition")
    def cancel(request: Request, order_id: str, user: Authenticated) -> JSONResponse:
        if user.role is Role.viewer:
            raise ApiError(403, "a viewer cannot cancel orders")
        visible_order(user, order_id)
        updated = _call(lambda: service.cancel(order_id, user.name))
        return JSONResponse(_order_json(updated, base(request)), media_type=GEOJSON)

    return router


def _status_body(
    body: Mapping[str, Any],
) -> tuple[OrderStatusCode, str | None, str | None, list[dict[str, Any]]]:
    raw = body.get("status_code")
    try:
        code = OrderStatusCode(raw if isinstance(raw, str) else "")
    except ValueError:
        codes = ", ".join(c.value for c in OrderStatusCode)
        raise ApiError(400, f"status_code: {raw!r} is not a status; use one of {codes}") from None
    reason = body.get("reason_text")
    reason_code = body.get("reason_code")
    for name, value in (("reason_text", reason), ("reason_code", reason_code)):
        if value is not None and not isinstance(value, str):
            raise ApiError(400, f"{name}: must be text")
    links = body.get("links") or []
    if not isinstance(links, list) or not all(
        isinstance(link, dict)
        and isinstance(link.get("href"), str)
        and isinstance(link.get("rel"), str)
        for link in links
    ):
        raise ApiError(400, "links: must be a list of objects with href and rel")
    return code, reason, reason_code, links
