"""Settings shared by every test module."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from glassnet import _blas

# CI runs hypothesis derandomized (HYPOTHESIS_PROFILE=ci, set by .ci/run, or any CI environment), so a failure
# found there is found again on the next run and on a developer's machine; local runs keep the random search,
# which explores new examples each time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))



@pytest.fixture(autouse=True)
def _fuse_every_kernel(monkeypatch):
    """Fuse SGD's step into the weight product for kernels of any size, not only from ``FUSE_MIN_SIZE`` elements
    on, so that the small networks of the tests run the fused path (the NumPy path is the one that BLAS-less
    tests and every epoch's last batch run). ``test_fast_path`` checks the default threshold on its own."""
    monkeypatch.setattr(_blas, "FUSE_MIN_SIZE", 0)
