"""Schemathesis against the API's own OpenAPI document: no request it makes is a server error.

Every operation (reads, search GET and POST, and the transactions, with the operator's key so
that the writes get past authorisation) gets valid and invalid examples, a few each, from a
fixed seed; the calls go through the ASGI application in-process, nothing through a socket.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from zorka.catalog import SearchQuery, SQLiteCatalog
from zorka.server import create_app

API_KEY = "operator-secret"
EXAMPLES = 15  # per operation and generation mode


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, catalog_file: Path, schemas_path: Path
) -> Iterator[Any]:
    """The API (writes allowed with :data:`API_KEY`) over a copy of the BKA catalog, loaded
    from its own OpenAPI document."""
    source = SQLiteCatalog(catalog_file)
    store = SQLiteCatalog(tmp_path_factory.mktemp("fuzz") / "catalog.sqlite")
    store.ingest(source.search(SearchQuery(limit=100)).items)
    for collection in source.collections():
        store.put_collection(collection)
    source.close()
    app = create_app(store, api_key=API_KEY, schema_dirs=[schemas_path])
    yield schemathesis.openapi.from_asgi("/api", app)
    store.close()


# Path parameters that name what exists, so that item routes get past their 404s.
KNOWN = {"collection_id": "bka-l1c", "item_id": "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"}


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore:.*httpx2")
def test_no_server_errors(api: Any) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        known = {k: v for k, v in KNOWN.items() if f"{{{k}}}" in operation.path}
        variants = [(mode, {}) for mode in GenerationMode]
        if known:
            variants.append((GenerationMode.POSITIVE, known))
        for mode, path_parameters in variants:
            strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)

            # A new Hypothesis test per operation and mode: a failure in one does not hide
            # the others. derandomize fixes the examples (a seed from the test's name).
            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
            )
            def check(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses[response.status_code] += 1

            try:
                check()
            except Unsatisfiable:
                # Nothing can be invalid about an operation whose only parameters are free
                # strings (or that has none): no negative examples exist.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as error:  # collected, so that every operation is reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    print("answers by status:", dict(sorted(statuses.items())))
    assert failures == [], "\n\n".join(failures)
    # The examples reached the routes' work, not only their validation.
    assert statuses[200] > 10 and statuses[400] > 100 and statuses[404] > 50
