"""Shared test helpers: where the fixture bundles live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_BUNDLES = REPO.parent / "shared" / "fixtures" / "bundles"
EXAMPLE_BUNDLE = REPO / "examples" / "hello.gtbundle"


@pytest.fixture
def fixture_bundles() -> Path:
    """The five fixture `.gtbundle` files (../shared beside the checkout)."""
    assert SHARED_BUNDLES.is_dir(), f"missing {SHARED_BUNDLES}: ../shared must sit beside the repo"
    return SHARED_BUNDLES
