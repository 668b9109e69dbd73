"""The long endpoints' time budget: past it the answer is a 503 with Retry-After that says what to do, the
computation goes on holding its slot (work stays bounded), and its answer comes back on the retry."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tariffscope.web.app import create_app
from tariffscope.web.services import analytics, state

QUERY = {"partner": "ALL", "date": "2025-10-01"}


def _free_slots() -> int:
    n = 0
    while state._HEAVY.acquire(blocking=False):
        n += 1
    for _ in range(n):
        state._HEAVY.release()
    return n


def _wait_free(n: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while _free_slots() < n:
        assert time.monotonic() < end, "the worker never gave its slot back"
        time.sleep(0.02)


def test_over_budget_is_a_503_and_the_answer_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    calls: list[str] = []
    kept: dict[str, Any] = {}

    def slow(partner: str, *_: Any) -> dict[str, Any]:
        if partner in kept:  # what a memoised engine call does on the retry
            return kept[partner]
        calls.append(partner)
        assert gate.wait(10)
        kept[partner] = {"partner": partner, "etr": 0.15}
        return kept[partner]

    monkeypatch.setattr(analytics, "exposure", slow)
    monkeypatch.setattr(state, "BUDGET_S", 0.3)
    client = TestClient(create_app(), raise_server_exceptions=False)
    t = time.monotonic()
    r = client.get("/api/exposure", params=QUERY)
    assert time.monotonic() - t < 5  # answered, not hung on the computation
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == str(state.RETRY_S)
    body = r.json()
    assert set(body) == {"detail", "field"} and body["field"] is None
    assert "still computing" in body["detail"] and "instead of ALL" in body["detail"]
    assert _free_slots() == state.HEAVY_SLOTS - 1  # the computation goes on, holding its slot
    gate.set()
    _wait_free(state.HEAVY_SLOTS)
    r = client.get("/api/exposure", params=QUERY)
    assert r.status_code == 200 and r.json() == {"partner": "ALL", "etr": 0.15}
    assert calls == ["ALL"]  # computed once


def test_errors_inside_the_budget_keep_their_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input still names its field; an unexpected failure is still a bare 500."""

    def broken(*_: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    client = TestClient(create_app(), raise_server_exceptions=False)
    r = client.get("/api/exposure", params={"partner": "XX", "date": "2025-10-01"})
    assert r.status_code == 422 and r.json()["field"] == "partner"
    monkeypatch.setattr(analytics, "exposure", broken)
    r = client.get("/api/exposure", params=QUERY)
    assert r.status_code == 500 and "boom" not in r.text
    _wait_free(state.HEAVY_SLOTS)
