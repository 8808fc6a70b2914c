"""Settings shared by every test module."""

from __future__ import annotations

import pytest

from glassnet import _blas


@pytest.fixture(autouse=True)
def _fuse_every_kernel(monkeypatch):
    """Fuse SGD's step into the weight product for kernels of any size, not only from ``FUSE_MIN_SIZE`` elements
    on, so that the small networks of the tests run the fused path (the NumPy path is the one that BLAS-less
    tests and every epoch's last batch run). ``test_fast_path`` checks the default threshold on its own."""
    monkeypatch.setattr(_blas, "FUSE_MIN_SIZE", 0)
