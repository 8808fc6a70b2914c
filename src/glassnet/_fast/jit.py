"""The compiled loops of the switchboard (``glassnet._fast``), imported from there, only where numba is installed.

Every array is C-contiguous (a parameter's flattened to 1-D, a batch 2-D) and every scalar has the arrays' dtype,
so that float32 stays float32 throughout, as in NumPy. No fast-math: each operation rounds as NumPy's does, and
NaN and infinity pass through, so each loop equals its NumPy reference (``reference.py``) bit for bit. No early
exits either, so that LLVM vectorises each loop.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(**_JIT)
def square_overflows(g) -> bool:
    """Whether the square of some finite ``g[i]`` overflows its dtype (``reference.square``'s rare case)."""
    found = False
    for i in range(g.shape[0]):
        found |= (g[i] * g[i] == np.inf) & (abs(g[i]) != np.inf)
    return found


@numba.njit(**_JIT)
def adam(p, g, m, v, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, step, epsilon, decay):
    """Adam's update in one pass, each line as the NumPy path computes it::

        m = (1 - beta_1) * g + beta_1 * m
        v = (1 - beta_2) * g * g + beta_2 * v
        p = decay * p - step * (m / (sqrt(v) + epsilon))
    """
    for i in range(p.shape[0]):
        gi = g[i]
        mi = one_minus_beta_1 * gi + beta_1 * m[i]
        vi = one_minus_beta_2 * (gi * gi) + beta_2 * v[i]
        m[i] = mi
        v[i] = vi
        p[i] = decay * p[i] - step * (mi / (np.sqrt(vi) + epsilon))


@numba.njit(**_JIT)
def bias_relu(z, b, a):
    """``z += b`` and ``a = max(z, 0)`` in one pass over a 2-D batch (NaN stays NaN, as ``np.maximum``)."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            zij = z[i, j] + b[j]
            z[i, j] = zij
            a[i, j] = 0.0 if zij <= 0.0 else zij  # -0.0 too becomes 0.0, as in np.maximum(z, 0)


@numba.njit(**_JIT)
def relu_backward(grad, z, out):
    """``out = grad * (z > 0)``, as NumPy multiplies by the mask (so NaN or inf times a 0 is NaN)."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            out[i, j] = grad[i, j] * (z[i, j] > 0.0)


@numba.njit(**_JIT)
def sgd(p, g, minus_lr):
    """``p += -lr * g`` in one pass."""
    for i in range(p.shape[0]):
        p[i] = p[i] + minus_lr * g[i]


@numba.njit(**_JIT)
def sgd_momentum(p, g, v, minus_lr, momentum, nesterov):
    """``v = momentum * v + (-lr * g)``, then ``p += v`` or, with Nesterov, ``p += (-lr * g) + momentum * v``."""
    for i in range(p.shape[0]):
        step = minus_lr * g[i]
        vi = momentum * v[i] + step
        v[i] = vi
        if nesterov:
            p[i] = p[i] + (step + vi * momentum)
        else:
            p[i] = p[i] + vi


@numba.njit(**_JIT)
def axpy(y, x, alpha):
    """``y += alpha * x`` in one pass."""
    for i in range(y.shape[0]):
        y[i] = y[i] + alpha * x[i]
