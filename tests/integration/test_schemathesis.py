"""Property-based run over /openapi.json of a real server with every schemathesis check (server errors,
status codes, content types, response schemas, valid data accepted, invalid data refused): no failure
anywhere; writes refused without a key. What a schema cannot say is in schemathesis.toml."""

from __future__ import annotations

import re

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

pytestmark = pytest.mark.integration
# Jobs recompute pains / retrain on every accepted example: fewer examples for them.
JOB_PATHS = "^/v1/(pains/refresh|retrain)$"


def _operations(url: str) -> list:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    schema.config.update(base_url=url)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_check_passes_with_admin_key(sqlite_server):
    """Every operation, positive and negative examples, all checks: no failure.

    (Hypothesis drives schemathesis strategies directly: its pytest plugin does not run under pytest 9.)
    """
    headers = {"X-API-Key": sqlite_server.keys["admin"]}
    operations = _operations(sqlite_server.url)
    assert len(operations) >= 15, [op.label for op in operations]
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=4 if re.match(JOB_PATHS, operation.path) else 20,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case) -> None:
                if isinstance(case.query, dict) and any(v is None for v in case.query.values()):
                    return  # the HTTP client drops a query parameter without a value: nothing would be sent
                offset = sqlite_server.log_size()
                response = case.call(headers=headers, timeout=60)
                try:
                    case.validate_response(response, headers=headers)
                except (AssertionError, BaseExceptionGroup) as error:  # schemathesis: Failure, FailureGroup
                    server_error = response.status_code >= 500
                    server_log = sqlite_server.log_since(offset)[-2000:] if server_error else ""
                    failures.append(
                        f"{case.method} {case.formatted_path} → {response.status_code}: "
                        f"{response.content[:300]!r}\n  запрос: {case.body!r:.300}\n"
                        f"  проверка: {str(error)[:800]}\n{server_log}"
                    )

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to break in it
    assert not failures, "\n".join(failures)


def test_every_write_is_refused_without_a_key(sqlite_server):
    spec = httpx.get(f"{sqlite_server.url}/openapi.json").json()
    writes = [
        (method.upper(), path.replace("{entry_id}", "1").replace("{job_id}", "x"))
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) >= 10, writes
    with httpx.Client(base_url=sqlite_server.url, timeout=30) as client:
        for method, path in writes:
            response = client.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.status_code, response.text)
