"""The speed seam: layers and optimisers name an operation; this switchboard decides how it runs.

The operations, each defined in NumPy by ``reference.py`` (the definition every other implementation is tested
against)::

    bias_relu(z, b, out)             z += b; out = max(z, 0)             Dense's bias and ReLU
    relu_backward(grad, z, out)      out = grad * (z > 0)                ReLU's backward
    axpy(y, x, alpha, work)          y += alpha * x                      a penalty's gradient
    moving_average(avg, x, beta, w)  avg = beta * avg + (1 - beta) * x   RMSprop
    sgd(p, g, lr, v, momentum, ...)  SGD's update                        SGD
    adam(p, g, m, v, ...)            Adam's update                       Adam, AdamW

The implementations, chosen once per process from what is installed and two environment switches:

* **jit** (``pip install "glassnet[fast]"``, numba; ``GLASSNET_KERNELS=0`` turns it off): one compiled pass per
  operation where NumPy needs several. The loops round exactly as the NumPy reference does, so the two are
  equal bit for bit, and the switchboard is free to run either. It runs the reference until the operations have
  processed ``JIT_AFTER`` elements of arrays of at least ``JIT_MIN_SIZE`` (about the work that repays numba's
  one-off import and load, ~0.5 s), then loads numba and runs the loops; the training loop announces a run's
  planned work (``expect``), so that a long run loads numba at its start. A small first fit never pays for
  numba, a long one does, and no result depends on when the change happened. A decision by counting work,
  never by timing.
* **blas** (numba absent or turned off): NumPy, with BLAS's one-pass ``axpby`` for the updates of parameters
  of at least ``BLAS_MIN_SIZE`` elements (below that the ctypes call costs more than it saves), from NumPy's own
  OpenBLAS (``GLASSNET_NUMPY_BLAS=0`` turns it off). Where the CPU fuses multiply-adds, ``axpby`` rounds once
  where NumPy rounds twice: equal to the reference to the last bit or so.
* **numpy**: the reference alone (neither of the above).

So results depend on the environment (which family), never on timing, the history of the process, or who
watches the run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import warnings

import numpy as np

from . import blas, reference
from .reference import SquareOverflow

__all__ = ["SquareOverflow", "adam", "axpy", "bias_relu", "expect", "implementation", "moving_average",
           "relu_backward", "sgd", "using"]

#: arrays smaller than this never take a compiled loop: the call's dispatch costs what the pass saves
JIT_MIN_SIZE = 4096
#: elements (of arrays of at least JIT_MIN_SIZE) the operations process through NumPy before numba is loaded:
#: about three epochs of a 784-256-128-10 network on 60 000 rows, whose compiled loops then save ~0.15 s each
JIT_AFTER = 300_000_000
#: parameters smaller than this are updated by NumPy, not by a ctypes call to BLAS
BLAS_MIN_SIZE = 16384

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_family: str | None = None      # "jit", "blas" or "numpy", decided on first use
_jit = None                     # the compiled module once loaded; False where it failed to load
_counted = 0                    # elements processed by jit-able operations before numba was loaded


def implementation() -> str:
    """Which family runs the operations in this process: ``"jit"``, ``"blas"`` or ``"numpy"``."""
    global _family
    if _family is None:
        if os.environ.get("GLASSNET_KERNELS", "1") != "0" and importlib.util.find_spec("numba") is not None:
            _family = "jit"
        elif blas.available(np.float32) or blas.available(np.float64):
            _family = "blas"
        else:
            _family = "numpy"
    return _family


def _compiled(size: int):
    """The compiled module where this call should run compiled, else None (the reference runs)."""
    global _counted
    if size < JIT_MIN_SIZE or (_family or implementation()) != "jit":
        return None
    if _jit is None:
        _counted += size
        if _counted < JIT_AFTER:
            return None
        _load_jit()
    return _jit or None


def expect(work: int) -> None:
    """The training loop's announcement that about ``work`` more elements are coming (a run's planned steps
    times the parameters and activations each touches). Where that brings the count past ``JIT_AFTER``, numba
    loads now, at the run's start, rather than partway through it."""
    if _jit is None and (_family or implementation()) == "jit" and _counted + work >= JIT_AFTER:
        _load_jit()


def _load_jit():
    """Import the compiled loops (numba); on failure, warn once and keep the reference for good."""
    global _jit
    try:
        from . import jit
    except Exception as exc:  # e.g. numba finding nowhere to cache the compiled loops
        warnings.warn(f"glassnet's compiled kernels are off, NumPy runs instead: numba failed with "
                      f"{type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=4)
        _jit = False
        return
    _jit = jit


def _blas_for(arrays) -> bool:
    """Whether BLAS's axpby should and can update these arrays: large enough, one dtype and shape, C-contiguous."""
    first = arrays[0]
    return (first.size >= BLAS_MIN_SIZE and (_family or implementation()) == "blas" and blas.available(first.dtype)
            and all(isinstance(a, np.ndarray) and a.dtype == first.dtype and a.shape == first.shape
                    and a.flags.c_contiguous for a in arrays))


def _takes(arrays, ndim: int) -> bool:
    """Whether the compiled loops take these arrays: ndarrays of one float dtype, ``ndim`` dims, C-contiguous."""
    dtype = arrays[0].dtype
    return dtype in _FLOATS and all(isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == ndim
                                    and a.flags.c_contiguous for a in arrays)


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


# --- the operations --------------------------------------------------------------------------------------------
def bias_relu(z: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``z += b``, then ``out = max(z, 0)``; returns ``out``. ``z`` and ``out`` of shape (n, k), ``b`` (k,)."""
    jit = _compiled(z.size)
    if jit is not None and _takes((z, out), 2) and _takes((b,), 1) and b.dtype == z.dtype:
        jit.bias_relu(z, b, out)
        return out
    return reference.bias_relu(z, b, out)


def relu_backward(grad: np.ndarray, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = grad * (z > 0)``; returns ``out``. All three of one shape (n, k)."""
    jit = _compiled(z.size)
    if jit is not None and _takes((grad, z, out), 2):
        jit.relu_backward(grad, z, out)
        return out
    return reference.relu_backward(grad, z, out)


def axpy(y: np.ndarray, x: np.ndarray, alpha: float, work: np.ndarray) -> None:
    """``y += alpha * x`` in place (``work``: scratch of ``y``'s shape)."""
    jit = _compiled(y.size)
    if jit is not None and _takes((y, x), y.ndim):
        jit.axpy(*_flat(y, x), y.dtype.type(alpha))
    elif not (_blas_for((y, x)) and blas.axpby(y, x, alpha, 1.0)):
        reference.axpy(y, x, alpha, work)


def moving_average(avg: np.ndarray, x: np.ndarray, beta: float, work: np.ndarray) -> None:
    """``avg = beta * avg + (1 - beta) * x`` in place."""
    if not (_blas_for((avg, x)) and blas.axpby(avg, x, 1 - beta, beta)):
        reference.moving_average(avg, x, beta, work)


def sgd(p: np.ndarray, g: np.ndarray, lr: float, velocity: np.ndarray | None, momentum: float, nesterov: bool,
        work: np.ndarray) -> None:
    """SGD's update of ``p`` (and its ``velocity``) in place; see ``reference.sgd`` for the rule."""
    if p.size < JIT_MIN_SIZE and p.size < BLAS_MIN_SIZE:  # a tiny network's whole update: straight to NumPy
        reference.sgd(p, g, lr, velocity, momentum, nesterov, work)
        return
    jit = _compiled(p.size)
    arrays = (p, g) if velocity is None else (p, g, velocity)
    if jit is not None and _takes(arrays, p.ndim):
        t = p.dtype.type
        if velocity is None:
            jit.sgd(*_flat(p, g), t(-lr))
        else:
            jit.sgd_momentum(*_flat(p, g, velocity), t(-lr), t(momentum), nesterov)
        return
    if not nesterov and _blas_for(arrays):
        # p = -lr * g + p, or v = -lr * g + momentum * v then p += v: one pass each
        if velocity is None:
            blas.axpby(p, g, -lr, 1.0)
        else:
            blas.axpby(velocity, g, -lr, momentum)
            p += velocity
        return
    reference.sgd(p, g, lr, velocity, momentum, nesterov, work)


def adam(p, g, m, v, beta_1: float, beta_2: float, step: float, epsilon: float, decay: float,
         work: np.ndarray, denom: np.ndarray) -> None:
    """Adam's update in place (see ``reference.adam``); raises :class:`SquareOverflow`, changing nothing, for a
    float32 gradient whose square overflows."""
    jit = _compiled(p.size)
    if jit is not None and _takes((p, g, m, v), p.ndim):
        p1, g1, m1, v1 = _flat(p, g, m, v)
        if not jit.square_overflows(g1):
            t = p.dtype.type
            jit.adam(p1, g1, m1, v1, t(beta_1), t(1 - beta_1), t(beta_2), t(1 - beta_2), t(step), t(epsilon),
                     t(decay))
            return
    if _blas_for((p, g, m, v, work, denom)):
        t = p.dtype.type
        sq = reference.square(g, out=denom)
        if decay != 1.0:
            p *= t(decay)
        blas.axpby(m, g, 1 - beta_1, beta_1)
        blas.axpby(v, sq, 1 - beta_2, beta_2)
        np.sqrt(v, out=denom)
        denom += t(epsilon)
        np.divide(m, denom, out=work)
        blas.axpby(p, work, -step, 1.0)
        return
    reference.adam(p, g, m, v, beta_1, beta_2, step, epsilon, decay, work, denom)


# --- for tests and benchmarks -----------------------------------------------------------------------------------
@contextlib.contextmanager
def using(family: str):
    """Run the operations through one family for the block, at every size: ``"numpy"`` (the reference),
    ``"blas"`` or ``"jit"`` (loaded at once; a RuntimeError where numba is missing or fails to load). For tests
    and benchmarks; the switchboard's own choice is restored afterwards."""
    global _family, JIT_MIN_SIZE, BLAS_MIN_SIZE
    if family not in ("numpy", "blas", "jit"):
        raise ValueError(f"family must be 'numpy', 'blas' or 'jit', received {family!r}")
    if family == "jit":
        if _jit is None:
            _load_jit()
        if not _jit:
            raise RuntimeError("numba's compiled loops cannot run here")
    if family == "blas" and not blas.available():
        raise RuntimeError("NumPy's BLAS cannot be called here")
    saved = (_family, JIT_MIN_SIZE, BLAS_MIN_SIZE)
    _family, JIT_MIN_SIZE, BLAS_MIN_SIZE = family, 0, 0
    try:
        yield
    finally:
        _family, JIT_MIN_SIZE, BLAS_MIN_SIZE = saved
