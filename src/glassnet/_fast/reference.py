"""The NumPy reference of every fast operation: what each one computes, in the passes NumPy needs.

Every other implementation (``jit.py``, ``blas.py``) is tested against these functions. The compiled loops
round each operation exactly as these do, so they agree bit for bit; BLAS's ``axpby`` may fuse a multiply and an
add into one rounding where the CPU can, so it agrees to the last bit or so.

Arrays are the callers' own work arrays: ``out``, ``work`` and ``denom`` are scratch of the parameter's shape and
dtype, never an input. Scalars are converted to the arrays' dtype, so float32 stays float32 throughout.
"""

from __future__ import annotations

import numpy as np

from .._constants import zero_row

__all__ = ["SquareOverflow", "adam", "axpy", "bias_relu", "moving_average", "relu_backward", "sgd", "square"]


class SquareOverflow(ArithmeticError):
    """A finite float32 gradient whose square does not fit in float32 (|g| > ~1.8e19); raised before any state
    changes, so that the optimiser can redo the update in float64."""


def bias_relu(z: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``z += b``, then ``out = max(z, 0)`` (Dense's bias and ReLU). NaN stays NaN; -0.0 becomes 0.0."""
    z += b
    return np.maximum(z, zero_row(z), out=out)


def relu_backward(grad: np.ndarray, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = grad * (z > 0)``: multiplying by the mask (so NaN or inf times a 0 is NaN), ~10x faster than
    ``np.where``."""
    return np.multiply(grad, z > 0, out=out)


def square(g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``g * g``, raising :class:`SquareOverflow` for a float32 overflow. Past float64's range (|g| > 1.3e154)
    the square is held at the largest float64, so moment estimates stay finite and a model can be saved."""
    try:
        with np.errstate(over="raise"):
            return np.multiply(g, g, out=out)
    except FloatingPointError:
        if g.dtype != np.float64:
            raise SquareOverflow from None
    with np.errstate(over="ignore"):
        sq = np.multiply(g, g, out=out)
    return np.minimum(sq, np.finfo(sq.dtype).max, out=sq)


def axpy(y: np.ndarray, x: np.ndarray, alpha: float, work: np.ndarray) -> None:
    """``y += alpha * x`` in place."""
    y += np.multiply(x, y.dtype.type(alpha), out=work)


def moving_average(avg: np.ndarray, x: np.ndarray, beta: float, work: np.ndarray) -> None:
    """``avg = beta * avg + (1 - beta) * x`` in place."""
    t = avg.dtype.type
    avg *= t(beta)
    avg += np.multiply(x, t(1 - beta), out=work)


def sgd(p: np.ndarray, g: np.ndarray, lr: float, velocity: np.ndarray | None, momentum: float, nesterov: bool,
        work: np.ndarray) -> None:
    """SGD's update in place (Keras's form, the velocity carrying the learning rate)::

        step = -lr * g
        p += step                                          # no momentum
        v = momentum * v + step; p += v                    # momentum
        v = momentum * v + step; p += momentum * v + step  # Nesterov
    """
    t = p.dtype.type
    step = np.multiply(g, t(-lr), out=work)
    if velocity is None:
        p += step
        return
    velocity *= t(momentum)
    velocity += step
    if nesterov:
        step += velocity * t(momentum)
        p += step
    else:
        p += velocity


def adam(p, g, m, v, beta_1: float, beta_2: float, step: float, epsilon: float, decay: float,
         work: np.ndarray, denom: np.ndarray) -> None:
    """Adam's update in place, with ``step = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` (see ``optimizers.Adam``)::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        p = decay * p - step * (m / (sqrt(v) + epsilon))

    Squares first, so that :class:`SquareOverflow` leaves everything unchanged.
    """
    t = p.dtype.type
    sq = square(g, out=denom)
    if decay != 1.0:
        p *= t(decay)
    moving_average(m, g, beta_1, work)
    moving_average(v, sq, beta_2, work)
    np.sqrt(v, out=denom)
    denom += t(epsilon)
    np.divide(m, denom, out=work)
    work *= t(step)
    p -= work
