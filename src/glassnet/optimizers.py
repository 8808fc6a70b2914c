"""Optimisers: the one place that changes parameters. Sorted in order of increasing complexity.

An optimiser updates a list of parameter arrays **in place** from a list of gradient arrays of the same shapes.
Its state (momentum buffers, moment estimates) is kept per parameter *index* — never by name, since every
Dense layer has a "W" — and is explicit: ``get_state()`` returns it and ``set_state()`` restores it exactly,
which is what lets a saved model resume training bit for bit.

Every optimiser accepts ``clipnorm`` (each gradient rescaled so its L2 norm is at most ``clipnorm``, Keras's
per-variable convention) and ``clipvalue`` (each element clipped to ``[-clipvalue, clipvalue]``), applied in
that order before the update, and a ``learning_rate`` that is a float or a :mod:`~glassnet.schedules` schedule
evaluated at the step count.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _blas, _kernels, schedules
from ._registry import Configurable, resolve
from ._validation import check_bool, check_float, check_int

__all__ = ["OPTIMIZERS", "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "get"]


class Optimizer(Configurable):
    """Base class. Subclasses name their per-parameter slots in ``slots`` and implement ``update_step``."""

    name = "optimizer"
    slots: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.01, clipnorm: float | None = None, clipvalue: float | None = None):
        if isinstance(learning_rate, dict):
            learning_rate = schedules.get(learning_rate)
        if not isinstance(learning_rate, schedules.Schedule):
            learning_rate = check_float(learning_rate, "learning_rate", minimum=0.0, include_min=False)
        self.learning_rate = learning_rate
        self.clipnorm = check_float(clipnorm, "clipnorm", minimum=0.0, include_min=False, allow_none=True)
        self.clipvalue = check_float(clipvalue, "clipvalue", minimum=0.0, include_min=False, allow_none=True)
        #: the number of steps taken (Adam's t after a step)
        self.iterations = 0
        self._state: list[dict[str, np.ndarray]] | None = None

    # --- the update ----------------------------------------------------------------------------------------
    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply one update to every parameter in place."""
        _check_pairs(params, grads, "grads")
        if self._state is None or len(self._state) != len(params):
            self.build(params)
        lr = self.current_learning_rate()
        self.iterations += 1
        for p, g, state in zip(params, grads, self._state):
            g = self._clip(g)
            if any(v.dtype != p.dtype for v in state.values()):
                self._wide_update_step(p, g, state, lr)
                continue
            try:
                self.update_step(p, g, state, lr)
            except _SquareOverflow:
                # a float32 gradient above ~1.8e19 whose square does not fit: this parameter's state moves to
                # float64 for good, so the step keeps its right size (update_step squares before it changes state)
                for k, v in state.items():
                    state[k] = v.astype(np.float64)
                self._wide_update_step(p, g, state, lr)

    def update_step(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float) -> None:
        raise NotImplementedError

    def gradient_scale(self) -> float | None:
        """A factor the model may fold into its backward pass, then passing the scaled gradients to
        ``step_scaled`` instead of the gradients to ``step``; None if this optimiser needs the gradients."""
        return None

    def step_scaled(self, params: list[np.ndarray], scaled_grads: list[np.ndarray], fused=()) -> None:
        """``step`` from gradients already multiplied by ``gradient_scale()``; the parameters whose indices are in
        ``fused`` had their scaled gradient added into their ``fused_target`` already."""
        raise NotImplementedError(f"{type(self).__name__} takes plain gradients (gradient_scale() is None)")

    def fused_target(self, i: int, params: list[np.ndarray]) -> tuple[np.ndarray, float] | None:
        """``(C, beta)``: the array into which parameter ``i``'s scaled gradient ``s`` may be added as
        ``C = s + beta * C`` while it is computed (see ``step_scaled``), or None."""
        return None

    def _wide_update_step(self, p, g, state, lr) -> None:
        """The update in float64, for a parameter whose state was widened (see ``step``)."""
        p64 = p.astype(np.float64)
        self.update_step(p64, g.astype(np.float64), state, lr)
        p[...] = p64

    def current_learning_rate(self) -> float:
        """The learning rate the next step will use."""
        lr = self.learning_rate
        return float(lr) if isinstance(lr, numbers.Real) else float(lr(self.iterations))

    def _scratch(self, p: np.ndarray, which: int = 0) -> np.ndarray:
        """A work array shaped like ``p``, reused across steps (not part of the optimiser's state)."""
        buffers = self.__dict__.setdefault("_buffers", {})
        key = (p.shape, p.dtype.str, which)
        if key not in buffers:
            buffers[key] = np.empty_like(p)
        return buffers[key]

    def __getstate__(self):
        # work arrays are rebuilt on demand; pickles (estimators, joblib) stay the size of the real state
        state = self.__dict__.copy()
        state.pop("_buffers", None)
        return state

    def _clip(self, g):
        if self.clipnorm is not None:
            norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
            if norm > self.clipnorm:
                g = g * g.dtype.type(self.clipnorm / norm)
        if self.clipvalue is not None:
            g = np.clip(g, -self.clipvalue, self.clipvalue)
        return g

    # --- state ---------------------------------------------------------------------------------------------
    def build(self, params: list[np.ndarray]) -> None:
        """Create zeroed state for ``params`` (called by the first ``step``)."""
        self._state = [{k: np.zeros_like(p) for k in self.slots} for p in params]

    def get_state(self) -> dict:
        """``{"iterations": int, "slots": [{slot name: array}, ...]}`` (copies)."""
        slots = [] if self._state is None else [{k: v.copy() for k, v in s.items()} for s in self._state]
        return {"iterations": self.iterations, "slots": slots}

    def set_state(self, state: dict) -> None:
        """Restore what ``get_state`` returned."""
        self.iterations = int(state["iterations"])
        slots = state.get("slots") or []
        self._state = [{k: np.array(v, copy=True) for k, v in s.items()} for s in slots] or None

    def reset(self) -> None:
        """Forget all state, as a freshly built optimiser."""
        self.iterations = 0
        self._state = None

    # --- config --------------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self.learning_rate
        return {"name": self.name,
                "learning_rate": lr if isinstance(lr, float) else lr.get_config(),
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    The update, with ``v`` the velocity (zero at the start)::

        v = momentum * v - lr * g
        p += v                              # nesterov=False
        p += momentum * v - lr * g          # nesterov=True (v already updated)

    This is the Keras and scikit-learn form (the velocity carries the learning rate). PyTorch keeps the
    learning rate outside (``b = momentum * b + g; p -= lr * b``, Nesterov ``p -= lr * (g + momentum * b)``);
    the two give identical steps while the learning rate is constant and differ only after it changes.

    Without clipping, ``Sequential.fit`` never materialises ``lr * g``: it scales the loss gradient by ``-lr``
    (``gradient_scale``), so the backward pass yields the steps (``step_scaled``), and each Dense kernel adds its
    step straight into ``p`` (or ``v``) inside the product that computes it (``fused_target``). The same rule,
    rounded in another order: equal to the plain ``step`` to about 1e-7 in float32, not bit for bit.
    """

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_float(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.nesterov = check_bool(nesterov, "nesterov")
        self.slots = ("velocity",) if self.momentum else ()

    def update_step(self, p, g, state, lr):
        self._apply(p, np.multiply(g, p.dtype.type(-lr), out=self._scratch(p)), state)  # -lr * g, no new array

    def gradient_scale(self):
        # all SGD needs is -lr * g, and the backward pass is linear in the loss gradient: scaling that
        # (batch x outputs) array by -lr gives every step directly and saves a pass over every parameter
        if self.clipnorm is None and self.clipvalue is None:
            return -self.current_learning_rate()
        return None

    def step_scaled(self, params, scaled_grads, fused=()):
        _check_pairs(params, scaled_grads, "scaled_grads")
        if self._state is None or len(self._state) != len(params):
            self.build(params)
        self.iterations += 1
        for i, (p, step, state) in enumerate(zip(params, scaled_grads, self._state)):
            if i not in fused:
                self._apply(p, step, state)
            elif self.momentum:
                p += state["velocity"]  # the velocity took v = step + momentum * v inside the product

    def fused_target(self, i, params):
        # p += step (C = p, beta = 1), or v = step + momentum * v (C = v); Nesterov also needs step alone
        check_int(i, "i", minimum=0, maximum=len(params) - 1)
        if self.gradient_scale() is None:
            return None
        if self._state is None or len(self._state) != len(params):
            self.build(params)
        if not self.momentum:
            return params[i], 1.0
        return None if self.nesterov else (self._state[i]["velocity"], self.momentum)

    def _apply(self, p, step, state):
        """The update from ``step = -lr * g`` (p + (-x) is bit for bit p - x, so this is the rule above)."""
        if not self.momentum:
            p += step
            return
        v = state["velocity"]
        v *= p.dtype.type(self.momentum)
        v += step
        if self.nesterov:
            update = np.multiply(v, p.dtype.type(self.momentum), out=self._scratch(p, 1))
            update += step
            p += update
        else:
            p += v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): each parameter's step shrinks with its accumulated squared gradients::

        s += g ** 2
        p -= lr * g / (sqrt(s) + epsilon)

    PyTorch's defaults and form (epsilon outside the root); Keras uses ``initial_accumulator_value=0.1``,
    ``epsilon=1e-7`` and a learning rate of 0.001.
    """

    name = "adagrad"
    slots = ("sum",)

    def __init__(self, learning_rate=0.01, initial_accumulator_value: float = 0.0, epsilon: float = 1e-10,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_float(initial_accumulator_value, "initial_accumulator_value",
                                                     minimum=0.0)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0)

    def build(self, params):
        self._state = [{"sum": np.full_like(p, self.initial_accumulator_value)} for p in params]

    def update_step(self, p, g, state, lr):
        square = _square(g, out=self._scratch(p))
        s = state["sum"]
        s += square
        p -= p.dtype.type(lr) * g / (np.sqrt(s) + p.dtype.type(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): divide by a running root-mean-square of recent gradients::

        v = rho * v + (1 - rho) * g ** 2
        if centered: m = rho * m + (1 - rho) * g;  denom = sqrt(v - m ** 2) + epsilon
        else:        denom = sqrt(v) + epsilon
        if momentum: b = momentum * b + g / denom;  p -= lr * b
        else:        p -= lr * g / denom

    PyTorch's form (epsilon outside the root, ``rho`` is its ``alpha``); Keras puts epsilon inside the root.
    Defaults are Keras's (lr 0.001, rho 0.9) except ``epsilon=1e-8``, PyTorch's.
    """

    name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-8,
                 centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_float(rho, "rho", minimum=0.0, maximum=1.0, include_max=False)
        self.momentum = check_float(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0)
        self.centered = check_bool(centered, "centered")
        self.slots = ("square_avg",) + (("grad_avg",) if centered else ()) + (("momentum",) if momentum else ())

    def update_step(self, p, g, state, lr):
        t = p.dtype.type
        square = _square(g, out=self._scratch(p))
        v = state["square_avg"]
        _moving_average(v, square, self.rho, self._scratch(p, 1))
        if self.centered:
            m = state["grad_avg"]
            _moving_average(m, g, self.rho, self._scratch(p, 1))
            denom = np.sqrt(v - m * m) + t(self.epsilon)
        else:
            denom = np.sqrt(v) + t(self.epsilon)
        if self.momentum:
            b = state["momentum"]
            b *= t(self.momentum)
            b += g / denom
            p -= t(lr) * b
        else:
            p -= t(lr) * g / denom

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on the gradient and on its square, bias-corrected::

        t += 1
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g ** 2
        # epsilon_hat=False (PyTorch; the paper's Algorithm 1):
        p -= lr * (m / (1 - beta_1 ** t)) / (sqrt(v / (1 - beta_2 ** t)) + epsilon)
        # epsilon_hat=True (Keras, scikit-learn; the paper's "epsilon hat" variant, section 2):
        p -= lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t) * m / (sqrt(v) + epsilon)

    The two differ only in where epsilon sits, which matters while ``sqrt(v)`` is comparable to epsilon.
    """

    name = "adam"
    slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 epsilon_hat: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_float(beta_1, "beta_1", minimum=0.0, maximum=1.0, include_max=False)
        self.beta_2 = check_float(beta_2, "beta_2", minimum=0.0, maximum=1.0, include_max=False)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0)
        self.epsilon_hat = check_bool(epsilon_hat, "epsilon_hat")

    def update_step(self, p, g, state, lr):
        t = p.dtype.type
        m, v = state["m"], state["v"]
        c1 = 1 - self.beta_1 ** self.iterations
        root_c2 = math.sqrt(1 - self.beta_2 ** self.iterations)
        # both forms as lr * root_c2 / c1 * m / (sqrt(v) + eps): PyTorch's multiplied through by root_c2 (the
        # same number, rounded otherwise), which saves dividing all of v by c2
        eps = self.epsilon if self.epsilon_hat else self.epsilon * root_c2
        step, decay = lr * root_c2 / c1, self._decay_factor(lr)
        if _kernels.adam(p, g, m, v, self.beta_1, self.beta_2, step, eps, decay):
            return  # the whole update in one compiled pass (numba installed); below, the NumPy reference
        work, denom = self._scratch(p, 0), self._scratch(p, 1)  # reused arrays: no allocation per step
        square = _square(g, out=denom)
        if decay != 1.0:
            p *= t(decay)
        _moving_average(m, g, self.beta_1, work)
        _moving_average(v, square, self.beta_2, work)
        np.sqrt(v, out=denom)
        denom += t(eps)
        np.divide(m, denom, out=work)
        if not _blas.axpby(p, work, -step, 1.0):
            work *= t(step)
            p -= work

    def _decay_factor(self, lr) -> float:
        """What AdamW multiplies the parameters by before its step; 1.0 for Adam."""
        return 1.0

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "epsilon_hat": self.epsilon_hat}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019)::

        p *= 1 - lr * weight_decay        # before the Adam step, not through the gradient
        (then the Adam update above)

    PyTorch's form and default ``weight_decay=0.01``. Unlike an L2 penalty, the decay is not rescaled by
    Adam's adaptive denominator. It applies to every parameter given to the optimiser, biases included.
    """

    name = "adamw"

    def __init__(self, learning_rate=0.001, weight_decay: float = 0.01, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.weight_decay = check_float(weight_decay, "weight_decay", minimum=0.0)

    def _decay_factor(self, lr):
        return 1 - lr * self.weight_decay

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam, AdamW)}


def get(optimizer: str | Optimizer | dict) -> Optimizer:
    """Resolve a name (``"adam"``), a config dict or an instance; an unknown name lists the valid ones."""
    return resolve(optimizer, OPTIMIZERS, "optimizer", Optimizer)


def _check_pairs(params, grads, name: str) -> None:
    """One array per parameter, each of its parameter's shape (a few microseconds a step)."""
    if len(params) != len(grads):
        raise ValueError(f"{name} must hold one array per parameter: {len(params)} parameters, received "
                         f"{len(grads)} arrays")
    for k, (p, g) in enumerate(zip(params, grads)):
        if getattr(g, "shape", None) != p.shape:
            raise ValueError(f"{name}[{k}] must have its parameter's shape {p.shape}, received "
                             f"{getattr(g, 'shape', type(g).__name__)}")


def _moving_average(avg: np.ndarray, x: np.ndarray, beta: float, work: np.ndarray) -> None:
    """``avg = beta * avg + (1 - beta) * x`` in place: one BLAS pass where NumPy's BLAS can be called, else three
    NumPy passes (``work`` is scratch)."""
    if not _blas.axpby(avg, x, 1 - beta, beta):
        t = avg.dtype.type
        avg *= t(beta)
        avg += np.multiply(x, t(1 - beta), out=work)


class _SquareOverflow(ArithmeticError):
    """Raised by ``_square`` when a float32 gradient's square does not fit in float32."""


def _square(g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``g * g``. Update steps square first, before they change any state, so that ``step`` can redo the update
    in float64 when a float32 square overflows (``_SquareOverflow``). Past float64's range (|g| > 1.3e154) the
    square is held at the largest float64, so that moment estimates stay finite and the model can be saved."""
    try:
        with np.errstate(over="raise"):
            return np.multiply(g, g, out=out)
    except FloatingPointError:
        if g.dtype != np.float64:
            raise _SquareOverflow from None
    with np.errstate(over="ignore"):
        sq = np.multiply(g, g, out=out)
    return np.minimum(sq, np.finfo(sq.dtype).max, out=sq)
