"""BLAS's ``axpby``, ``y = alpha * x + beta * y`` in one pass, from the very OpenBLAS NumPy's ``matmul`` uses.

The adaptive optimisers' moving averages (``m = beta_1 * m + (1 - beta_1) * g``) and SGD's step are three and two
NumPy passes over a parameter, one BLAS pass. SciPy's BLAS wrappers sit on a second OpenBLAS whose worker threads
fight NumPy's (six times slower when mixed), so this module calls the ``axpby`` of the library NumPy itself
loaded, found among the loaded libraries with threadpoolctl (a scikit-learn dependency, imported here on first
use). That is the ILP64 OpenBLAS inside NumPy's wheels (``scipy_cblas_saxpby64_``); anywhere else (another BLAS,
another build), or where the environment sets ``GLASSNET_NUMPY_BLAS=0``, ``available`` is False and the
switchboard (``glassnet._fast``) runs the NumPy reference instead.

Where the CPU has fused multiply-add, OpenBLAS may round ``alpha * x + beta * y`` once instead of twice, so the
result can differ from the NumPy reference in the last bit.
"""

from __future__ import annotations

import ctypes
import os

import numpy as np

__all__ = ["available", "axpby"]


def _load() -> dict:
    """``{dtype: cblas ?axpby}`` from the BLAS NumPy itself loaded, or {} if it is not one we can call safely."""
    if os.environ.get("GLASSNET_NUMPY_BLAS", "1") == "0":
        return {}
    try:
        from threadpoolctl import threadpool_info

        numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
        paths = [info["filepath"] for info in threadpool_info()
                 if info.get("internal_api") == "openblas" and info["filepath"].startswith(numpy_dir)
                 and os.path.basename(os.path.dirname(info["filepath"])) in ("numpy.libs", ".dylibs")]
        if not paths:
            return {}
        library = ctypes.CDLL(paths[0])  # already loaded by NumPy: the same instance and the same threads
        functions = {}
        for dtype, prefix, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
            index, pointer = ctypes.c_int64, ctypes.c_void_p
            axpby = getattr(library, f"scipy_cblas_{prefix}axpby64_")
            axpby.argtypes = [index, scalar, pointer, index, scalar, pointer, index]
            axpby.restype = None
            functions[np.dtype(dtype)] = axpby
        return functions
    except Exception:  # any surprise (no threadpoolctl, another BLAS, missing symbol): NumPy's path instead
        return {}


_FUNCTIONS: dict | None = None  # found on first use, once NumPy's BLAS is surely loaded


def _functions() -> dict:
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = _load()
    return _FUNCTIONS


def available(dtype=np.float32) -> bool:
    """Whether ``axpby`` can run for arrays of ``dtype``."""
    return np.dtype(dtype) in _functions()


def axpby(y: np.ndarray, x: np.ndarray, alpha: float, beta: float) -> bool:
    """``y = alpha * x + beta * y`` in place, for C-contiguous arrays of one shape and float dtype; returns False
    (and leaves ``y`` alone) when it cannot, so that the caller computes it with NumPy instead."""
    function = _functions().get(y.dtype)
    if (function is None or not isinstance(x, np.ndarray) or x.dtype != y.dtype or x.shape != y.shape
            or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)):
        return False
    function(y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
    return True
