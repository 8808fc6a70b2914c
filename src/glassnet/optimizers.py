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

from . import _fast, schedules
from ._fast import SquareOverflow
from ._registry import Configurable, resolve
from ._validation import check_bool, check_float

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
        self._wide: set | None = set()                    # parameters whose slots were widened to float64
        self._flat_state: dict | None = None              # the slots as contiguous arrays (see _update)
        self._flat_size: int | None = None

    # --- the update ----------------------------------------------------------------------------------------
    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply one update to every parameter in place (``params`` must be writeable arrays)."""
        _check_pairs(params, grads, "grads")
        self._update(params, grads)

    def _update(self, params, grads, flat=None) -> None:
        """``step`` without its checks: the training loop's call, on the model's own arrays.

        ``flat``, where the model keeps every parameter and gradient as views of two contiguous arrays
        ``(all_params, all_grads)``: the state is kept the same way, and the update, elementwise for every
        optimiser here, runs once over all of them instead of once per parameter (a tiny network's step is
        mostly such per-array overhead). Clipping (per parameter) and a parameter whose state was widened to
        float64 take the per-parameter path.
        """
        state = self._state
        if state is None or len(state) != len(params):
            self.build(params, None if flat is None else flat[0])
            state = self._state
        wide = self._wide
        if wide is None:  # after set_state: the parameters whose slots were widened (see below)
            wide = self._wide = {i for i, (p, s) in enumerate(zip(params, state))
                                 if any(v.dtype != p.dtype for v in s.values())}
        lr = self.current_learning_rate()
        self.iterations += 1
        clipping = self.clipnorm is not None or self.clipvalue is not None
        if flat is not None and not clipping and not wide:
            flat_state = self._flat_state
            if flat_state is None or self._flat_size != flat[0].size:
                flat_state = self._flatten_state(params, flat[0])
            try:
                self.update_step(flat[0], flat[1], flat_state, lr)
                return
            except SquareOverflow:
                pass  # nothing changed yet: the per-parameter path below widens what needs it
        for i, (p, g, s) in enumerate(zip(params, grads, state)):
            if clipping:
                g = self._clip(g)
            if i in wide:
                self._wide_update_step(p, g, s, lr)
                continue
            try:
                self.update_step(p, g, s, lr)
            except SquareOverflow:
                # a float32 gradient above ~1.8e19 whose square does not fit: this parameter's state moves to
                # float64 for good, so the step keeps its right size (update_step squares before it changes state)
                for k, v in s.items():
                    s[k] = v.astype(np.float64)
                wide.add(i)
                self._flat_state = None
                self._wide_update_step(p, g, s, lr)

    def update_step(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float) -> None:
        raise NotImplementedError

    def _wide_update_step(self, p, g, state, lr) -> None:
        """The update in float64, for a parameter whose state was widened (see ``_update``)."""
        p64 = p.astype(np.float64)
        self.update_step(p64, g.astype(np.float64), state, lr)
        p[...] = p64

    def current_learning_rate(self) -> float:
        """The learning rate the next step will use."""
        lr = self.learning_rate
        if type(lr) is float:
            return lr
        return float(lr) if isinstance(lr, numbers.Real) else float(lr(self.iterations))

    def _scratch(self, p: np.ndarray, which: int = 0) -> np.ndarray:
        """A work array shaped like ``p``, reused across steps (not part of the optimiser's state)."""
        buffers = self.__dict__.setdefault("_buffers", {})
        key = (p.shape, p.dtype.str, which)
        buffer = buffers.get(key)
        if buffer is None:
            buffer = buffers[key] = np.empty_like(p)
        return buffer

    def _clip(self, g):
        if self.clipnorm is not None:
            norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
            if norm > self.clipnorm:
                g = g * g.dtype.type(self.clipnorm / norm)
        if self.clipvalue is not None:
            g = np.clip(g, -self.clipvalue, self.clipvalue)
        return g

    # --- state ---------------------------------------------------------------------------------------------
    def _initial_slot_value(self, slot: str) -> float:
        """The value a slot starts at (0 for every slot here but Adagrad's accumulator)."""
        return 0.0

    def build(self, params: list[np.ndarray], flat: np.ndarray | None = None) -> None:
        """Create the starting state for ``params`` (called by the first ``step``); with ``flat`` (the model's
        contiguous array that ``params`` are views of), as views of contiguous arrays of the same layout."""
        self._state = [{k: np.full_like(p, self._initial_slot_value(k)) for k in self.slots} for p in params]
        self._wide, self._flat_state, self._flat_size = set(), None, None
        if flat is not None:
            self._flatten_state(params, flat)

    def _flatten_state(self, params, flat: np.ndarray) -> dict:
        """Move the per-parameter state into contiguous arrays laid out as ``flat``, each parameter's slot a view."""
        flat_state = {k: np.empty(flat.size, flat.dtype) for k in self.slots}
        offset = 0
        for p, s in zip(params, self._state):
            for k in self.slots:
                view = flat_state[k][offset:offset + p.size].reshape(p.shape)
                view[...] = s[k]
                s[k] = view
            offset += p.size
        self._flat_state, self._flat_size = flat_state, flat.size
        return flat_state

    def get_state(self) -> dict:
        """``{"iterations": int, "slots": [{slot name: array}, ...]}`` (copies)."""
        slots = [] if self._state is None else [{k: v.copy() for k, v in s.items()} for s in self._state]
        return {"iterations": self.iterations, "slots": slots}

    def set_state(self, state: dict) -> None:
        """Restore what ``get_state`` returned."""
        self.iterations = int(state["iterations"])
        slots = state.get("slots") or []
        current = self._state
        if current is not None and len(current) == len(slots) and all(
                s.keys() == c.keys() and all(np.shape(v) == c[k].shape and np.asarray(v).dtype == c[k].dtype
                                             for k, v in s.items()) for s, c in zip(slots, current)):
            for s, c in zip(slots, current):  # into the arrays there are (views of the flat state, if any)
                for k, v in s.items():
                    c[k][...] = v
            return
        self._state = [{k: np.array(v, copy=True) for k, v in s.items()} for s in slots] or None
        # which parameters' slots were widened to float64 is decided against the parameters at the next step
        self._wide, self._flat_state, self._flat_size = None, None, None

    def _snapshot(self):
        """The state, copied as cheaply as it is kept (for the training loop's divergence recovery)."""
        if self._flat_state is not None and not self._wide:
            return self.iterations, {k: v.copy() for k, v in self._flat_state.items()}
        return self.get_state()

    def _restore_snapshot(self, snapshot) -> None:
        if isinstance(snapshot, tuple) and self._flat_state is not None and snapshot[1].keys() == \
                self._flat_state.keys() and not self._wide:
            self.iterations = snapshot[0]
            for k, v in snapshot[1].items():
                self._flat_state[k][...] = v
            return
        if isinstance(snapshot, tuple):  # the state was re-laid since (a slot widened): back to per parameter
            iterations, flat_state = snapshot
            slots, offset = [], 0
            for s in self._state:
                size = next(iter(s.values())).size if s else 0
                shape = next(iter(s.values())).shape if s else ()
                slots.append({k: flat_state[k][offset:offset + size].reshape(shape) for k in s})
                offset += size
            snapshot = {"iterations": iterations, "slots": slots}
        self.set_state(snapshot)

    def reset(self) -> None:
        """Forget all state, as a freshly built optimiser."""
        self.iterations = 0
        self._state = None
        self._wide, self._flat_state, self._flat_size = set(), None, None

    def __getstate__(self):
        # work arrays are rebuilt on demand, and so is the contiguous layout of the state (a pickle would store
        # its views as separate copies): the per-parameter state is what is kept
        state = self.__dict__.copy()
        state.pop("_buffers", None)
        state["_flat_state"] = state["_flat_size"] = None
        return state

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
    """

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_float(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.nesterov = check_bool(nesterov, "nesterov")
        self.slots = ("velocity",) if self.momentum else ()

    def update_step(self, p, g, state, lr):
        _fast.sgd(p, g, lr, state.get("velocity"), self.momentum, self.nesterov, self._scratch(p))

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

    def _initial_slot_value(self, slot):
        return self.initial_accumulator_value

    def update_step(self, p, g, state, lr):
        square = _fast.reference.square(g, out=self._scratch(p))
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
        square = _fast.reference.square(g, out=self._scratch(p))
        v = state["square_avg"]
        _fast.moving_average(v, square, self.rho, self._scratch(p, 1))
        if self.centered:
            m = state["grad_avg"]
            _fast.moving_average(m, g, self.rho, self._scratch(p, 1))
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
        m, v = state["m"], state["v"]
        c1 = 1 - self.beta_1 ** self.iterations
        root_c2 = math.sqrt(1 - self.beta_2 ** self.iterations)
        # both forms as lr * root_c2 / c1 * m / (sqrt(v) + eps): PyTorch's multiplied through by root_c2 (the
        # same number, rounded otherwise), which saves dividing all of v by c2
        eps = self.epsilon if self.epsilon_hat else self.epsilon * root_c2
        step, decay = lr * root_c2 / c1, self._decay_factor(lr)
        _fast.adam(p, g, m, v, self.beta_1, self.beta_2, step, eps, decay, self._scratch(p, 0), self._scratch(p, 1))

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
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
            raise TypeError(f"params[{k}] must be a writeable float ndarray (the optimiser updates it in place), "
                            f"received {type(p).__name__}"
                            + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else ""))
        if getattr(g, "shape", None) != p.shape:
            raise ValueError(f"{name}[{k}] must have its parameter's shape {p.shape}, received "
                             f"{getattr(g, 'shape', type(g).__name__)}")
