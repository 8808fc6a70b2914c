"""Helpers the test modules share: the one central-difference gradient, and the one relative error."""

from __future__ import annotations

import numpy as np


def numeric_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every element of ``x``, which is perturbed in
    place, one element at a time, and left as it was."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        fp = f()
        x[idx] = old - h
        fm = f()
        x[idx] = old
        g[idx] = (fp - fm) / (2 * h)
    return g


def rel_error(a, b) -> float:
    """max |a - b| relative to the larger max-norm of the two (0 when both are zero)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
