"""Paths shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
# The repository is cloned beside `shared/`; tests that need its data skip when it is absent.
SHARED = REPO.parent / "shared" / "external"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
