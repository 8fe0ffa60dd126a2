"""Paths and helpers shared by every test."""

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


def pain_members(texts: list[str]):  # noqa: ANN201 (models.pain_labels.PainMembers, imported lazily)
    """One pain's members for label tests: each text once, closeness falling from the first to the last."""
    import numpy as np

    from models.pain_labels import PainMembers

    n = len(texts)
    return PainMembers(texts, np.ones(n), np.linspace(0.9, 0.6, n), np.eye(n), list(texts))
