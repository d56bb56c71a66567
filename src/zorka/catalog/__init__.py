"""The catalog: a store of STAC items with search (bbox, intersects, datetime, ids,
collections, CQL2 filters, sort, paging). The embedded default is SQLite with an R*Tree index.
"""

from zorka.catalog.filters import CompiledFilter, FilterError, compile_filter, parse_filter
from zorka.catalog.ingest import IngestReport, ingest_paths
from zorka.catalog.params import (
    ParameterError,
    apply_fields,
    parse_bbox,
    parse_fields,
    parse_list,
    parse_sortby,
    query_to_cql2,
)
from zorka.catalog.sqlite import (
    CATALOG_FILE,
    ItemError,
    SearchPage,
    SearchQuery,
    SQLiteCatalog,
    default_catalog_path,
)
from zorka.catalog.times import parse_interval, parse_rfc3339

__all__ = [
    "CATALOG_FILE",
    "CompiledFilter",
    "FilterError",
    "IngestReport",
    "ItemError",
    "ParameterError",
    "SQLiteCatalog",
    "SearchPage",
    "SearchQuery",
    "apply_fields",
    "compile_filter",
    "default_catalog_path",
    "ingest_paths",
    "parse_bbox",
    "parse_fields",
    "parse_filter",
    "parse_interval",
    "parse_list",
    "parse_rfc3339",
    "parse_sortby",
    "query_to_cql2",
]
