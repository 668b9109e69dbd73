"""Property-based API test: schemathesis generates requests from ``/openapi.json`` and checks every
answer against it (no 500s, declared status codes, error bodies of the declared ``ApiError`` shape).

Bounded: the app is called in-process (ASGI, no network), a few examples per operation, and the
operations whose valid inputs start minutes-long computations are exercised with invalid input only
by the other tests (``tests/test_web_api.py``)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis (the dev extra)")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from tariffscope.web.app import create_app  # noqa: E402

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_answer_matches_the_schema(case: schemathesis.Case) -> None:
    # A schema-valid request may still name an unknown country or a date outside the catalogue: those
    # are 422s by design, so "schema-valid input is accepted" is not checked; everything else is.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
