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

The normal variants are plain (untruncated) normals, as PyTorch's ``nn.init``; Keras truncates at two standard
deviations and rescales, which gives the same variance.
"""

from __future__ import annotations

import math

import numpy as np

from ._registry import Configurable, resolve
from ._validation import check_float

__all__ = ["INITIALIZERS", "Initializer", "get"]


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
    """Variance ``scale / fan`` with ``fan`` the fan-in, fan-out or their mean; uniform or normal."""

    name = "variance_scaling"
    scale = 1.0
    mode = "fan_in"
    distribution = "normal"

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return rng.uniform(-limit, limit, size=shape)
        return rng.normal(0.0, math.sqrt(variance), size=shape)


class GlorotUniform(VarianceScaling):
    name, mode, distribution = "glorot_uniform", "fan_avg", "uniform"


class GlorotNormal(VarianceScaling):
    name, mode, distribution = "glorot_normal", "fan_avg", "normal"


class HeUniform(VarianceScaling):
    name, scale, distribution = "he_uniform", 2.0, "uniform"


class HeNormal(VarianceScaling):
    name, scale, distribution = "he_normal", 2.0, "normal"


class LecunNormal(VarianceScaling):
    name = "lecun_normal"


INITIALIZERS: dict[str, type[Initializer]] = {
    cls.name: cls
    for cls in (Zeros, Ones, RandomNormal, RandomUniform, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
                LecunNormal)
}


def get(initializer: str | Initializer | dict) -> Initializer:
    """Resolve a name, a config dict or an instance to an Initializer; unknown names list the valid ones."""
    return resolve(initializer, INITIALIZERS, "initializer", Initializer)


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]
