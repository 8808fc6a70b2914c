"""What NumPy cannot express in one pass: ``C = alpha * A.T @ B + beta * C`` into an existing ``C``, and
``y = alpha * x + beta * y`` (BLAS's ``axpby``) into an existing ``y``.

BLAS's GEMM adds its product into ``C`` (``beta``), so plain SGD can take its step inside the product that
computes the weight gradient: ``W += (-lr) * x.T @ delta`` in one pass over ``W`` instead of writing the
gradient and reading it back (measured: the step becomes free, ~0.2 ms of a 2.5 ms step for a 784-256-128-10
network). NumPy's ``matmul`` always overwrites its output, and SciPy's BLAS wrappers sit on a second OpenBLAS
whose worker threads fight NumPy's (six times slower when mixed), so this module calls the GEMM of the very
library NumPy's ``matmul`` uses, found among the loaded libraries with threadpoolctl (a scikit-learn
dependency). That is the ILP64 OpenBLAS inside NumPy's wheels (``scipy_cblas_sgemm64_``); anywhere else
(another BLAS, another build) ``gemm_tn`` returns False and callers keep their NumPy path, as they do when
the environment sets ``GLASSNET_NUMPY_BLAS=0``.

``axpby`` serves the adaptive optimisers' moving averages: ``m = beta_1 * m + (1 - beta_1) * g`` is three NumPy
passes over ``m`` (scale, multiply, add) but one BLAS pass (Adam's update: 12 passes become 7, ~13% faster).
"""

from __future__ import annotations

import ctypes
import os

import numpy as np

__all__ = ["available", "axpby", "gemm_tn", "worth_fusing"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _load() -> dict:
    """``{dtype: (cblas ?gemm, cblas ?axpby)}`` from the BLAS NumPy itself loaded, or {} if it is not one we can
    call safely."""
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
            gemm = getattr(library, f"scipy_cblas_{prefix}gemm64_")
            gemm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, index, index, index, scalar, pointer, index,
                             pointer, index, scalar, pointer, index]
            gemm.restype = None
            axpby = getattr(library, f"scipy_cblas_{prefix}axpby64_")
            axpby.argtypes = [index, scalar, pointer, index, scalar, pointer, index]
            axpby.restype = None
            functions[np.dtype(dtype)] = gemm, axpby
        return functions
    except Exception:  # any surprise (no threadpoolctl, another BLAS, missing symbol): NumPy's path instead
        return {}


_GEMM: dict | None = None  # found on first use, once NumPy's BLAS is surely loaded


def _functions() -> dict:
    global _GEMM
    if _GEMM is None:
        _GEMM = _load()
    return _GEMM


def _function(dtype, which: int):
    found = _functions().get(dtype)
    return None if found is None else found[which]


#: Below this many elements in ``C`` a fused product does not pay: calling BLAS through ctypes costs ~8 us more
#: than NumPy's ``matmul``, more than the pass over ``C`` it saves (a 16x16 kernel: 10 us against 3 us).
FUSE_MIN_SIZE = 16384


def available(dtype) -> bool:
    """Whether ``gemm_tn`` can run for arrays of ``dtype``."""
    return np.dtype(dtype) in _functions()


def worth_fusing(C: np.ndarray) -> bool:
    """Whether taking a step inside ``gemm_tn(C, ...)`` is faster than NumPy's product and a separate pass."""
    return C.size >= FUSE_MIN_SIZE and available(C.dtype)


def gemm_tn(C: np.ndarray, A: np.ndarray, B: np.ndarray, alpha: float, beta: float) -> bool:
    """``C = alpha * A.T @ B + beta * C`` in place, for C-contiguous 2-D arrays of one float dtype; returns False
    (and leaves ``C`` alone) when it cannot, so that the caller computes the product with NumPy instead."""
    gemm = _function(C.dtype, 0)
    if (gemm is None or not isinstance(A, np.ndarray) or A.dtype != C.dtype or B.dtype != C.dtype
            or A.ndim != 2 or B.ndim != 2 or C.ndim != 2 or not (A.flags.c_contiguous and B.flags.c_contiguous
                                                                   and C.flags.c_contiguous and C.flags.writeable)
            or A.shape[0] != B.shape[0] or C.shape != (A.shape[1], B.shape[1])):
        return False
    (k, m), n = A.shape, B.shape[1]
    gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, m, n, k, alpha, A.ctypes.data, m, B.ctypes.data, n, beta, C.ctypes.data, n)
    return True


def axpby(y: np.ndarray, x: np.ndarray, alpha: float, beta: float) -> bool:
    """``y = alpha * x + beta * y`` in place, for C-contiguous arrays of one shape and float dtype; returns False
    (and leaves ``y`` alone) when it cannot, so that the caller computes it with NumPy instead."""
    function = _function(y.dtype, 1)
    if (function is None or not isinstance(x, np.ndarray) or x.dtype != y.dtype or x.shape != y.shape
            or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)):
        return False
    function(y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
    return True
