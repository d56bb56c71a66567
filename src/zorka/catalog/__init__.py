"""The catalog: a store of STAC items with search (bbox, intersects, datetime, ids,
collections, CQL2 filters, sort, paging). The embedded default is SQLite with an R*Tree index.
"""

from zorka.catalog.filters import CompiledFilter, FilterError, compile_filter
from zorka.catalog.ingest import IngestReport, ingest_paths
from zorka.catalog.sqlite import ItemError, SearchPage, SearchQuery, SQLiteCatalog

__all__ = [
    "CompiledFilter",
    "FilterError",
    "IngestReport",
    "ItemError",
    "SQLiteCatalog",
    "SearchPage",
    "SearchQuery",
    "compile_filter",
    "ingest_paths",
]
