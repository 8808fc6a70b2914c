"""Weight initialisers and a registry by name.

An initialiser is called as ``init(shape, rng, dtype)`` with ``shape = (fan_in, fan_out)`` for a weight matrix
(or ``(n,)`` for a bias) and a ``numpy.random.Generator`` — never NumPy's global state. The variance-scaling
family keeps the variance of activations (Glorot: of activations and gradients) roughly constant from layer to
layer, which is what lets deep networks start learning at all:

=================  ==============================================  ==================================
name               distribution                                    for
=================  ==============================================  ==================================
glorot_uniform     U(-l, l), l = sqrt(6 / (fan_in + fan_out))      sigmoid, tanh, linear (default)
glorot_normal      N(0, 2 / (fan_in + fan_out))                    sigmoid, tanh
he_uniform         U(-l, l), l = sqrt(6 / fan_in)                  the ReLU family
he_normal          N(0, 2 / fan_in)                                the ReLU family (default)
lecun_normal       N(0, 1 / fan_in)                                selu
=================  ==============================================  ==================================

These named normals are plain (untruncated) normals, as PyTorch's ``nn.init``; Keras truncates at two standard
deviations and rescales, which gives the same variance. ``VarianceScaling(scale, mode, distribution)`` is
Keras's general form, with Keras's three distributions (its default, ``"truncated_normal"``, included): Keras's
``HeNormal()`` is ``VarianceScaling(2.0, "fan_in", "truncated_normal")`` here.

Any callable with Keras's signature ``f(shape, dtype=None)`` returning an array of that shape is an initialiser
too (:class:`CallableInitializer`). glassnet's generator reaches it only through a parameter named ``rng``
(``f(shape, dtype=None, rng=None)``): then the model's ``seed`` decides its draws as it does every other
initialiser's. A callable without ``rng`` is called as Keras calls it, and its values are whatever it makes
them: the same every run if it draws from a seeded generator of its own (or from none), different every run if
it uses NumPy's global state — the model's seed cannot reach it. It is called once per weight, at build time,
in layer order.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from ._registry import Configurable, resolve
from ._validation import check_float, check_name

__all__ = ["INITIALIZERS", "CallableInitializer", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
           "Initializer", "LecunNormal", "Ones", "RandomNormal", "RandomUniform", "VarianceScaling", "Zeros", "get"]

#: Keras's correction for a normal truncated at two standard deviations: the standard deviation of
#: N(0, 1) conditioned on |x| < 2, so that dividing by it restores the variance asked for
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


class Initializer(Configurable):
    """Base class: ``__call__(shape, rng, dtype)`` returns a new array."""

    name = "initializer"

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        return self.sample(shape, rng).astype(dtype, copy=False)

    def sample(self, shape, rng) -> np.ndarray:
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


class Zeros(Initializer):
    """All zeros: the usual bias initialiser. For weights it makes every unit of a layer identical forever."""

    name = "zeros"

    def sample(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones (BatchNorm's scale)."""

    name = "ones"

    def sample(self, shape, rng):
        return np.ones(shape)


class RandomNormal(Initializer):
    """N(mean, stddev**2), Keras's defaults mean=0, stddev=0.05."""

    name = "random_normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = check_float(mean, "mean")
        self.stddev = check_float(stddev, "stddev", minimum=0.0)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"name": self.name, "mean": self.mean, "stddev": self.stddev}


class RandomUniform(Initializer):
    """U(minval, maxval), Keras's defaults -0.05 and 0.05."""

    name = "random_uniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        self.minval = check_float(minval, "minval")
        self.maxval = check_float(maxval, "maxval", minimum=self.minval)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"name": self.name, "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(Initializer):
    r"""Keras's variance scaling: draws of variance ``scale / n``, with ``n`` the fan-in, the fan-out or their mean.

    Parameters
    ----------
    scale : float, default=1.0
        Positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_in"
        ``n = max(1, fan_in)``, ``max(1, fan_out)`` or ``max(1, (fan_in + fan_out) / 2)``; for a weight
        matrix of shape ``(fan_in, fan_out)``, a bias of shape ``(k,)`` has both fans ``k``.
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, default="truncated_normal"
        As Keras defines them:

        - ``"truncated_normal"``: :math:`N(0, s^2)` with :math:`s = \sqrt{scale / n} / 0.8796\ldots`, values beyond
          :math:`2s` redrawn; the divisor is the standard deviation of a standard normal truncated at
          :math:`\pm 2`, so the draws have variance ``scale / n`` exactly;
        - ``"untruncated_normal"``: :math:`N(0, scale / n)`;
        - ``"uniform"``: :math:`U(-l, l)`, :math:`l = \sqrt{3\, scale / n}`.

    Examples
    --------
    >>> import glassnet as gn
    >>> keras_he_normal = gn.initializers.VarianceScaling(2.0, mode="fan_in", distribution="truncated_normal")
    >>> layer = gn.Dense(64, activation="relu", kernel_initializer=keras_he_normal)
    """

    name = "variance_scaling"
    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal"):
        self.scale = check_float(scale, "scale", minimum=0.0, include_min=False)
        self.mode = check_name(mode, "mode", self.MODES)
        if distribution == "normal":
            raise ValueError("distribution='normal' is ambiguous (Keras 2 meant 'truncated_normal' by it); give "
                             "'truncated_normal' (Keras's default) or 'untruncated_normal'")
        self.distribution = check_name(distribution, "distribution", self.DISTRIBUTIONS)

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        return _truncated_standard_normal(shape, rng) * (math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV)

    def get_config(self):
        return {"name": self.name, "scale": self.scale, "mode": self.mode, "distribution": self.distribution}


class _Preset(VarianceScaling):
    """A named variance scaling with fixed arguments (its config is its name alone)."""

    arguments = (1.0, "fan_in", "untruncated_normal")

    def __init__(self):
        super().__init__(*self.arguments)

    def get_config(self):
        return {"name": self.name}


class GlorotUniform(_Preset):
    name, arguments = "glorot_uniform", (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    name, arguments = "glorot_normal", (1.0, "fan_avg", "untruncated_normal")


class HeUniform(_Preset):
    name, arguments = "he_uniform", (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    name, arguments = "he_normal", (2.0, "fan_in", "untruncated_normal")


class LecunNormal(_Preset):
    name, arguments = "lecun_normal", (1.0, "fan_in", "untruncated_normal")


class CallableInitializer(Initializer):
    """A function with Keras's signature ``f(shape, dtype=None)`` used as an initialiser.

    ``f`` is called with the weight's shape (a tuple) and the model's dtype name (``"float32"``), and must return
    an array of that shape with finite values. A function that also takes ``rng`` gets the model's generator,
    so its draws follow the model's ``seed``; one that does not is responsible for its own randomness (see the
    module docstring).

    A function cannot be written into a model file or a JSON config: the config names it
    (``{"name": "callable", "function": "module.qualname"}``), a model loaded from a file keeps its stored
    weights, and an initialiser rebuilt from such a config refuses to draw, asking for the function again.
    """

    name = "callable"

    def __init__(self, function):
        if not callable(function) or isinstance(function, type):
            raise TypeError(f"function must be a callable f(shape, dtype=None) returning an array, received "
                            f"{function!r} ({type(function).__name__})")
        self.function = function
        module = getattr(function, "__module__", None) or "?"
        self.label = f"{module}.{getattr(function, '__qualname__', type(function).__name__)}"
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature: call them as Keras does
            self._takes_dtype, self._takes_rng = True, False
            return
        any_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        self._takes_dtype = "dtype" in parameters or any_keyword
        self._takes_rng = "rng" in parameters

    def __call__(self, shape, rng, dtype=np.float32):
        if self.function is None:
            raise ValueError(f"this initialiser stands for the Python function {self.label}, which a config or a "
                             f"model file cannot hold; give the function again (kernel_initializer=...)")
        dtype = np.dtype(dtype)
        kwargs = {"dtype": dtype.name} if self._takes_dtype else {}
        if self._takes_rng:
            kwargs["rng"] = rng
        values = self.function(tuple(shape), **kwargs)
        try:
            array = np.asarray(values, dtype=dtype)
        except (TypeError, ValueError):
            raise TypeError(f"the initialiser {self.label} must return an array of numbers, returned "
                            f"{type(values).__name__}") from None
        if array.shape != tuple(shape):
            raise ValueError(f"the initialiser {self.label} was asked for shape {tuple(shape)} and returned "
                             f"shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"the initialiser {self.label} returned NaN or infinite values")
        return array.copy() if array is values else array

    def get_config(self):
        return {"name": self.name, "function": self.label}

    @classmethod
    def from_config(cls, config):
        stand_in = cls.__new__(cls)
        stand_in.function, stand_in.label = None, str(config.get("function", "?"))
        stand_in._takes_dtype = stand_in._takes_rng = False
        return stand_in

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (self.function is other.function if self.function is not None
                                              else self.get_config() == other.get_config())

    __hash__ = object.__hash__


INITIALIZERS: dict[str, type[Initializer]] = {
    cls.name: cls
    for cls in (Zeros, Ones, RandomNormal, RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform,
                HeNormal, LecunNormal)
}


def get(initializer) -> Initializer:
    """Resolve a name, a config dict, an instance or a callable ``f(shape, dtype=None)`` to an Initializer;
    unknown names list the valid ones."""
    if isinstance(initializer, type):
        raise TypeError(f"initializer must be a name, an instance or a function; received the class "
                        f"{initializer.__name__}: write {initializer.__name__}() for an instance")
    if isinstance(initializer, dict) and initializer.get("name") == CallableInitializer.name:
        return CallableInitializer.from_config(initializer)
    if callable(initializer) and not isinstance(initializer, Initializer):
        return CallableInitializer(initializer)
    return resolve(initializer, INITIALIZERS, "initializer", Initializer)


def _truncated_standard_normal(shape, rng) -> np.ndarray:
    """Standard normal draws, each beyond +-2 redrawn until it falls inside (TensorFlow's and Keras's rule)."""
    values = rng.standard_normal(size=shape)
    flat = values.reshape(-1)
    outside = np.flatnonzero(np.abs(flat) > 2)
    while outside.size:  # about 4.6 % of draws the first time, 0.2 % the second...
        flat[outside] = rng.standard_normal(outside.size)
        outside = outside[np.abs(flat[outside]) > 2]
    return values


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]
