"""Optional compiled kernels: one pass over memory where the NumPy path needs several.

Where numba is installed (``pip install "glassnet[fast]"``), Adam's update runs as one compiled loop instead of
seven NumPy and BLAS passes over every parameter (235k float32 parameters: ~100 us against ~320 us), and a
Dense layer's bias and ReLU, and ReLU's backward, take one pass each instead of two (256x256 float32: ~13 us
against ~40 us each). Each function here returns False, having changed nothing, when it cannot run (no numba,
arrays it does not take, or ``GLASSNET_KERNELS=0`` in the environment), and the caller then runs its NumPy
path. That path stays the reference: the tests run both and compare them. numba is imported on first use, not
with glassnet; the loops are compiled then (about a second per dtype) and cached on disk.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_jit = None  # the compiled module once imported; False where the kernels cannot run


def _load():
    """The compiled module, or False: numba missing, turned off by ``GLASSNET_KERNELS=0``, or failing to load
    (then with a warning that says why; training goes on through the NumPy path)."""
    if os.environ.get("GLASSNET_KERNELS", "1") == "0":
        return False
    try:
        from . import _kernels_jit
    except ImportError:
        return False
    except Exception as exc:  # e.g. numba finding nowhere to cache the compiled loops
        warnings.warn(f"glassnet's compiled kernels are off, the NumPy path runs instead: numba failed with "
                      f"{type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=3)
        return False
    return _kernels_jit


def _module():
    global _jit
    if _jit is None:
        _jit = _load()
    return _jit


def available() -> bool:
    """Whether the compiled kernels can run (numba is installed)."""
    return bool(_module())


def adam(p, g, m, v, beta_1: float, beta_2: float, step: float, epsilon: float, decay: float = 1.0) -> bool:
    """Adam's update of ``p`` (and its moments ``m``, ``v``) in place, in one pass::

        m = beta_1 * m + (1 - beta_1) * g;  v = beta_2 * v + (1 - beta_2) * g ** 2
        p = decay * p - step * m / (sqrt(v) + epsilon)

    Returns False without changing anything where it cannot run: no numba, arrays not all C-contiguous of one
    float dtype and shape, ``p``, ``m`` or ``v`` read-only, or a gradient whose square overflows (the NumPy
    path's ``_square`` handles that).
    """
    jit = _module()
    if (not jit or not _takes((p, g, m, v), np.ndim(p)) or not (p.shape == g.shape == m.shape == v.shape)
            or not all(a.flags.writeable for a in (p, m, v))):
        return False
    p, g, m, v = (a.reshape(-1) for a in (p, g, m, v))
    if jit.square_overflows(g):
        return False
    t = p.dtype.type
    jit.adam(p, g, m, v, t(beta_1), t(1 - beta_1), t(beta_2), t(1 - beta_2), t(step), t(epsilon), t(decay))
    return True


def _takes(arrays, ndim: int) -> bool:
    """Whether the compiled kernels take these arrays: one float dtype, ``ndim`` dimensions, C-contiguous."""
    if not all(isinstance(a, np.ndarray) for a in arrays):
        return False
    dtype = arrays[0].dtype
    return dtype in _FLOATS and all(a.dtype == dtype and a.ndim == ndim and a.flags.c_contiguous for a in arrays)


def bias_relu(z, b, a) -> bool:
    """``z += b; a = max(z, 0)`` in one pass (Dense's bias and ReLU, in place); False, changing nothing, where it
    cannot run: no numba, or arrays not all of one float dtype and C-contiguous, of shapes (n, k), (k,), (n, k)."""
    jit = _module()
    if (not jit or not _takes((z, a), 2) or not _takes((b,), 1) or b.dtype != z.dtype
            or b.shape[0] != z.shape[1] or a.shape != z.shape or not (z.flags.writeable and a.flags.writeable)):
        return False
    jit.bias_relu(z, b, a)
    return True


def relu_backward(grad, z, out) -> bool:
    """``out = grad * (z > 0)`` in one pass (ReLU's backward); False, changing nothing, where it cannot run (as
    ``bias_relu``; all three arrays of one shape)."""
    jit = _module()
    if (not jit or not _takes((grad, z, out), 2) or not (grad.shape == z.shape == out.shape)
            or not out.flags.writeable):
        return False
    jit.relu_backward(grad, z, out)
    return True
