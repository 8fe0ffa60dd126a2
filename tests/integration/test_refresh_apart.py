"""A pains refresh runs in a process of its own (service.jobs.refresh_pains_apart): its pains are stored, the
report of its quarter comes back into the server's cache, and the child is gone when it returns."""

from __future__ import annotations

import multiprocessing

import pandas as pd
import pytest
from sqlalchemy import func, select

from service.db.models import PainSnapshot
from service.db.session import session_scope, upgrade_db
from service.jobs import JobContext, refresh_pains_apart
from service.reports.stored import ReportCache, stored_quarterly_report
from service.store.item_rows import frame_to_items
from service.store.items import ingest_file_items
from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration


def test_a_refresh_apart_stores_pains_and_hands_its_report_to_the_cache(tmp_path):
    url = f"sqlite:///{tmp_path / 'painmap.db'}"
    upgrade_db(url)
    frame = pd.read_csv(SAMPLES / "appeals.csv")
    with session_scope(url) as session:
        ingest_file_items(session, list(frame_to_items(frame, source="appeals.csv")))
    cache = ReportCache()
    before = set(multiprocessing.active_children())  # e.g. joblib's idle workers of an earlier training
    summary = refresh_pains_apart(JobContext(url, tmp_path / "models", report_cache=cache), None)

    assert summary["pains"] > 0, summary
    with session_scope(url) as session:
        stored = session.scalar(select(func.count()).select_from(PainSnapshot))
        assert stored >= summary["pains"]
        [(key, report)] = cache.entries()
        assert key[0] == summary["period"]
        # The cached report is the one the server would compute now: the data did not change since.
        assert stored_quarterly_report(session, summary["period"], cache=cache) is report
        fresh = stored_quarterly_report(session, summary["period"])
        assert fresh == report
    assert set(multiprocessing.active_children()) <= before
