"""Reference cross-checks against PyTorch: skipped as a whole where torch is not installed (a test extra)."""

import pytest

pytest.importorskip("torch")
