"""Layers: Dense, Dropout, BatchNorm and Activation, each with its forward and backward side by side.

A layer is built once (``build(input_dim, rng, dtype)`` creates its weights), then alternates

* ``forward(x, training)`` — computes the output and keeps what ``backward`` needs
  (``inputs``, ``preactivation``, ``outputs``: also what the analysis tools read);
* ``backward(grad_output)`` — fills ``grads`` (same keys as ``params``) and returns the gradient with respect to
  the layer's input.

``infer(x)`` is the same forward pass for prediction: it keeps nothing, so several threads may predict at once.
Gradients are written into arrays allocated once at build time, so an optimiser can hold on to them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _fast, activations, initializers
from ._constants import filled
from ._validation import check_float, check_int, unknown_name_message

__all__ = ["LAYERS", "Activation", "BatchNorm", "Dense", "Dropout", "Layer", "ParamCounts", "get"]


class ParamCounts(NamedTuple):
    """Parameter counts split by kind: what the optimiser trains, and the rest (BatchNorm's running statistics)."""

    trainable: int
    non_trainable: int


class Layer:
    """Base class for layers.

    Parameters
    ----------
    input_dim : int, default=None
        Width of the input, as Keras's ``Dense(4, input_dim=2)``: on a model's first layer it builds the model
        (``Sequential`` needs no ``input_dim`` of its own); on any layer, building it for another width is a
        ValueError.
    input_shape : tuple of one int, default=None
        The same as Keras's ``input_shape=(n_features,)`` (without the batch dimension). Give one or the other.

    Attributes
    ----------
    params : dict of str to ndarray
        Trainable parameters, updated by the optimiser.
    grads : dict of str to ndarray
        Gradients of the loss with respect to ``params``, same keys and shapes, filled by ``backward``.
    state : dict of str to ndarray
        Non-trainable weights (BatchNorm's running statistics), saved and restored but never optimised.
    """

    #: the input width the constructor was given (``input_dim`` or ``input_shape``), or None (the class default
    #: also serves layers pickled before it existed)
    declared_input_dim: int | None = None

    def __init__(self, input_dim: int | None = None, input_shape: tuple[int] | None = None):
        self.declared_input_dim = _declared_input_dim(input_dim, input_shape)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.input_dim: int | None = None
        self.built = False
        #: False for the first layer: the gradient with respect to the data is never needed, so never computed
        self.needs_input_grad = True
        #: the factor on the penalty's gradient in ``backward``: the penalty's weight in the loss (1 unless the
        #: loss scales it, as scikit-learn's estimators' L2 term, divided by the batch's sum of sample weights)
        self.penalty_scale = 1.0
        self.inputs = self.preactivation = self.outputs = None

    # --- building ------------------------------------------------------------------------------------------
    def build(self, input_dim: int, rng: np.random.Generator, dtype=np.float32) -> None:
        """Create the layer's weights for inputs of width ``input_dim``."""
        input_dim = check_int(input_dim, "input_dim", minimum=1)
        if self.declared_input_dim is not None and input_dim != self.declared_input_dim:
            raise ValueError(f"{type(self).__name__} was declared with input_dim={self.declared_input_dim}, but "
                             f"its input has width {input_dim}")
        self.input_dim = input_dim
        self.dtype = np.dtype(dtype)
        self._build(rng)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.built = True

    def _build(self, rng) -> None:
        pass

    @property
    def output_dim(self) -> int | None:
        return self.input_dim

    # --- computing -----------------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def infer(self, x: np.ndarray) -> np.ndarray:
        """The inference forward pass; keeps no state (thread-safe)."""
        return x

    def penalty(self) -> float:
        """The regularisation term this layer adds to the loss (0 unless it has one)."""
        return 0.0

    @property
    def has_penalty(self) -> bool:
        """Whether ``backward`` adds a penalty's gradient (which, unlike the rest, is not linear in the loss's)."""
        return False

    # --- weights -------------------------------------------------------------------------------------------
    def weight_names(self) -> list[str]:
        """Names of the weights in ``get_weights`` order: trainable first, then state."""
        return list(self.params) + list(self.state)

    def get_weights(self) -> list[np.ndarray]:
        return [self.weight(k).copy() for k in self.weight_names()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        names = self.weight_names()
        if len(weights) != len(names):
            raise ValueError(f"{type(self).__name__} expects {len(names)} weight arrays {names}, "
                             f"received {len(weights)}")
        for k, w in zip(names, weights):
            target = self.weight(k)
            w = np.asarray(w)
            if w.shape != target.shape:
                raise ValueError(f"{type(self).__name__} weight {k!r} has shape {target.shape}, received an "
                                 f"array of shape {w.shape}")
            if not np.isfinite(w).all():
                raise ValueError(f"{type(self).__name__} weight {k!r} contains NaN or infinite values")
        for k, w in zip(names, weights):
            self.weight(k)[...] = w

    def count_params(self) -> int:
        """The number of weights, trainable and not (Keras's ``count_params``)."""
        return sum(self.param_counts())

    def param_counts(self) -> ParamCounts:
        """``(trainable, non_trainable)``: the weights the optimiser updates, and the others (running statistics)."""
        return ParamCounts(sum(v.size for v in self.params.values()), sum(v.size for v in self.state.values()))

    def weight(self, name: str) -> np.ndarray:
        """The live array of the weight called ``name`` (trainable, or state such as BatchNorm's running mean)."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a weight's name (one of {self.weight_names()}), received {name!r}")
        if name in self.params:
            return self.params[name]
        if name in self.state:
            return self.state[name]
        raise ValueError(f"{type(self).__name__} has no weight {name!r}; its weights are {self.weight_names()}")

    # --- work arrays -----------------------------------------------------------------------------------------
    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A work array of the layer's dtype, reused from batch to batch while its shape stays the same.

        Training writes each batch's intermediate values into these instead of allocating new arrays (a fresh
        256x256 product costs more than the arithmetic around it). What ``forward`` returns and keeps is
        therefore overwritten by the next ``forward``: copy it to keep it. A batch with fewer rows than the
        array (an epoch's last, a chunk's last) gets its first rows, a view that is C-contiguous still.
        """
        buffers = self.__dict__.setdefault("_buffers", {})
        buffer = buffers.get(name)
        if buffer is None or buffer.shape[1:] != shape[1:] or buffer.shape[0] < shape[0]:
            buffer = buffers[name] = np.empty(shape, self.dtype)
        return buffer if buffer.shape[0] == shape[0] else buffer[:shape[0]]

    def __getstate__(self):
        # copies (copy.copy in the analysis tools, pickles) get work arrays of their own, made on demand; and
        # a pickle does not carry the last batch's values (after an L-BFGS fit, the whole training set)
        state = self.__dict__.copy()
        state.pop("_buffers", None)
        state.pop("_work", None)
        for key in ("inputs", "preactivation", "outputs", "mask", "xhat"):
            if key in state:
                state[key] = None
        return state

    # --- config --------------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments as a JSON-safe dict (with the class name)."""
        config = {"class_name": type(self).__name__}
        if self.declared_input_dim is not None:
            config["input_dim"] = self.declared_input_dim
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        config = dict(config)
        config.pop("class_name", None)
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "class_name")
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    r"""Fully connected layer, :math:`a = f(xW + b)`.

    Backward, with :math:`\delta = \partial L/\partial z = f'(z) \odot \partial L/\partial a`:
    :math:`\partial L/\partial W = x^\top\delta + \lambda_1 \mathrm{sign}(W) + 2\lambda_2 W`,
    :math:`\partial L/\partial b = \sum_i \delta_i`, :math:`\partial L/\partial x = \delta W^\top`.

    Parameters
    ----------
    units : int
        Number of output units.
    activation : str or Activation, default="linear"
    kernel_initializer : str or Initializer, default=None
        None picks He normal for the ReLU family and Glorot uniform otherwise.
    bias_initializer : str or Initializer, default="zeros"
        Initialisers are names, instances, or callables with Keras's signature ``f(shape, dtype=None)`` (see
        :mod:`glassnet.initializers`).
    l1, l2 : float, default=0.0
        Penalty ``l1 * sum(|W|) + l2 * sum(W**2)`` added to the loss (Keras's convention; the bias is not
        penalised).
    input_dim : int, default=None
    input_shape : tuple of one int, default=None
        Width of the input, as Keras's ``input_dim=2`` or ``input_shape=(2,)`` (see :class:`Layer`).
    """

    def __init__(self, units: int, activation="linear", kernel_initializer=None, bias_initializer="zeros",
                 l1: float = 0.0, l2: float = 0.0, input_dim: int | None = None,
                 input_shape: tuple[int] | None = None):
        super().__init__(input_dim, input_shape)
        self.units = check_int(units, "units", minimum=1)
        self.activation = activations.get(activation)
        if self.activation.name == "step":
            raise ValueError("activation 'step' has a zero derivative and cannot be trained by "
                             "backpropagation; use glassnet.Perceptron, or 'sigmoid' for a smooth unit")
        if kernel_initializer is None:
            kernel_initializer = activations.default_initializer(self.activation.name)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.l1 = check_float(l1, "l1", minimum=0.0)
        self.l2 = check_float(l2, "l2", minimum=0.0)

    def _build(self, rng):
        self.params = {
            "W": self.kernel_initializer((self.input_dim, self.units), rng, self.dtype),
            "b": self.bias_initializer((self.units,), rng, self.dtype),
        }

    @property
    def output_dim(self):
        return self.units

    def forward(self, x, training=False):
        work = self.__dict__.get("_work")
        if work is None or work[0] != x.shape[0]:
            work = self._work_arrays(x.shape[0])
        z = work[1]
        if isinstance(x, np.ndarray):
            np.matmul(x, self.params["W"], out=z)
        else:  # a scipy.sparse batch (the estimators accept CSR/CSC input)
            z[...] = x @ self.params["W"]
        a = self.activation._forward_biased_into(z, self.params["b"], work[2])
        self.inputs, self.preactivation, self.outputs = x, z, a
        return a

    def backward(self, grad_output):
        work = self.__dict__.get("_work")
        if work is None or work[0] != grad_output.shape[0]:
            work = self._work_arrays(grad_output.shape[0])
        delta = self.activation.backward(grad_output, self.preactivation, self.outputs, out=work[3])
        return self.backward_preactivation(delta)

    def backward_preactivation(self, delta: np.ndarray) -> np.ndarray | None:
        """Backward from ``delta = dL/dz`` (the fused loss path enters here): fills ``grads``, returns dL/dx."""
        W, grads, x, rows = self.params["W"], self.grads, self.inputs, delta.shape[0]
        work = self.__dict__.get("_work")
        if work is None or work[0] != rows:
            work = self._work_arrays(rows)
        if isinstance(x, np.ndarray):
            np.matmul(x.T, delta, out=grads["W"])
        else:  # a scipy.sparse batch (the estimators accept CSR/CSC input)
            grads["W"][...] = x.T @ delta
        if self.l1 or self.l2:
            self._add_penalty_gradient(W, grads["W"])
        # the column sum as one BLAS product with a row of ones: twice as fast as delta.sum(axis=0)
        np.matmul(work[5], delta, out=grads["b"])
        if not self.needs_input_grad:
            return None
        grad_input = work[4]
        if grad_input is None:  # made on first need: the first layer never needs it
            grad_input = self._buffer("grad_input", (rows, self.input_dim))
            self._work = work[:4] + (grad_input, work[5])
        return np.matmul(delta, W.T, out=grad_input)

    def _add_penalty_gradient(self, W, grad) -> None:
        scale = self.penalty_scale
        if not scale:
            return
        if self.l1:
            grad += self.dtype.type(self.l1 * scale) * np.sign(W)
        if self.l2:
            _fast.axpy(grad, W, 2 * self.l2 * scale, self._buffer("penalty", W.shape))

    def _work_arrays(self, rows: int) -> tuple:
        """``(rows, z, a, delta, grad_input or None, a row of ones)`` for a batch of ``rows``: arrays reused while
        the batch size stays (a fresh 256x256 product costs more than the arithmetic around it). What ``forward``
        returns and keeps is therefore overwritten by the next ``forward``: copy it to keep it."""
        shape = (rows, self.units)
        self._work = (rows, self._buffer("z", shape), self._buffer("a", shape), self._buffer("delta", shape), None,
                      filled(rows, 1, self.dtype))
        return self._work

    def infer(self, x):
        # the pre-activation is a fresh array nobody else sees, so the activation may overwrite it
        return self.activation.forward_inplace(self.infer_preactivation(x))

    def infer_preactivation(self, x):
        z = x @ self.params["W"]
        z += self.params["b"]
        return z

    @property
    def has_penalty(self):
        return bool(self.l1 or self.l2)

    def penalty(self):
        W = self.params["W"]
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(W).sum(dtype=np.float64))
        if self.l2:
            total += self.l2 * float(np.square(W).sum(dtype=np.float64))
        return total

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation.get_config(),
                "kernel_initializer": self.kernel_initializer.get_config(),
                "bias_initializer": self.bias_initializer.get_config(), "l1": self.l1, "l2": self.l2}


class Activation(Layer):
    """An activation as a layer of its own, ``a = f(x)`` (e.g. a softmax after a linear Dense).

    ``input_dim`` and ``input_shape`` as every layer's (see :class:`Layer`).
    """

    def __init__(self, activation, input_dim: int | None = None, input_shape: tuple[int] | None = None):
        super().__init__(input_dim, input_shape)
        self.activation = activations.get(activation)
        if self.activation.name == "step":
            raise ValueError("activation 'step' has a zero derivative and cannot be trained by "
                             "backpropagation; use glassnet.Perceptron")

    def forward(self, x, training=False):
        a = self.activation.forward(x)
        self.inputs = self.preactivation = x
        self.outputs = a
        return a

    def backward(self, grad_output):
        return self.activation.backward(grad_output, self.preactivation, self.outputs)

    def backward_preactivation(self, delta):
        return delta

    def infer(self, x):
        return self.activation.forward(x)

    def infer_preactivation(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "activation": self.activation.get_config()}


class Dropout(Layer):
    r"""Inverted dropout: in training, each input is zeroed with probability ``rate`` and the survivors are
    scaled by :math:`1/(1 - \text{rate})`, so inference is the identity and expectations match.

    Backward multiplies by the same mask. The mask's random numbers come from the layer's own generator,
    seeded from the model's seed at build time. ``input_dim`` and ``input_shape`` as every layer's (see
    :class:`Layer`).
    """

    def __init__(self, rate: float, input_dim: int | None = None, input_shape: tuple[int] | None = None):
        super().__init__(input_dim, input_shape)
        self.rate = check_float(rate, "rate", minimum=0.0, maximum=1.0, include_max=False)
        self.rng: np.random.Generator | None = None
        self.mask = None

    def _build(self, rng):
        self.rng = np.random.default_rng(rng.integers(2**63))

    def forward(self, x, training=False):
        self.inputs = x
        if not training or self.rate == 0:
            self.mask = None
            self.outputs = x
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.rate
        self.mask = keep * x.dtype.type(1 / (1 - self.rate))
        self.outputs = x * self.mask
        return self.outputs

    def backward(self, grad_output):
        return grad_output if self.mask is None else grad_output * self.mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class BatchNorm(Layer):
    r"""Batch normalisation (Ioffe & Szegedy, 2015): :math:`y = \gamma \hat x + \beta`,
    :math:`\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}`.

    In training, :math:`\mu_B, \sigma_B^2` are the batch mean and *biased* variance, and the running statistics
    follow ``running = momentum * running + (1 - momentum) * batch`` (Keras's convention; PyTorch's momentum
    is ``1 - momentum`` and its running variance is unbiased). At inference the running statistics are used.

    Backward through the batch statistics, with :math:`g = \partial L/\partial \hat x = \gamma\,\partial L/\partial y`:
    :math:`\partial L/\partial x = \frac{1}{N\sigma}\,(N g - \sum g - \hat x \sum g \hat x)`.

    ``input_dim`` and ``input_shape`` as every layer's (see :class:`Layer`).
    """

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5, input_dim: int | None = None,
                 input_shape: tuple[int] | None = None):
        super().__init__(input_dim, input_shape)
        #: the normalised batch of the last training pass, (x - mean) / std (what the analysis tools read)
        self.xhat = None
        self.momentum = check_float(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0, include_min=False)

    def _build(self, rng):
        d = (self.input_dim,)
        self.params = {"gamma": np.ones(d, self.dtype), "beta": np.zeros(d, self.dtype)}
        self.state = {"running_mean": np.zeros(d, self.dtype), "running_var": np.ones(d, self.dtype)}

    def forward(self, x, training=False):
        self.inputs = x
        if not training:
            self.xhat = None
            self.outputs = self.infer(x)
            return self.outputs
        # statistics accumulated in float64: a float32 variance of features near 1e20 would overflow, although
        # the normalised values are perfectly finite
        mean = x.mean(axis=0, dtype=np.float64)
        var = np.square(x - mean.astype(self.dtype), dtype=np.float64).mean(axis=0)
        self._inv_std = (1 / np.sqrt(var + self.epsilon)).astype(self.dtype)
        self.xhat = (x - mean.astype(self.dtype)) * self._inv_std
        m = self.momentum
        biggest = np.finfo(self.dtype).max
        running = self.state
        running["running_mean"][...] = m * running["running_mean"] + (1 - m) * mean
        running["running_var"][...] = np.minimum(m * running["running_var"] + (1 - m) * var, biggest)
        self.outputs = self.xhat * self.params["gamma"] + self.params["beta"]
        return self.outputs

    def backward(self, grad_output):
        xhat = self.xhat
        if xhat is None:
            # inference mode: the statistics are constants, so the layer is an affine map per feature
            inv_std = 1 / np.sqrt(self.state["running_var"] + self.dtype.type(self.epsilon))
            xhat = (self.inputs - self.state["running_mean"]) * inv_std
            np.sum(grad_output * xhat, axis=0, out=self.grads["gamma"])
            np.sum(grad_output, axis=0, out=self.grads["beta"])
            return grad_output * (self.params["gamma"] * inv_std) if self.needs_input_grad else None
        np.sum(grad_output * xhat, axis=0, out=self.grads["gamma"])
        np.sum(grad_output, axis=0, out=self.grads["beta"])
        if not self.needs_input_grad:
            return None
        g = grad_output * self.params["gamma"]
        n = self.dtype.type(len(g))
        return (self._inv_std / n) * (n * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))

    def infer(self, x):
        inv_std = 1 / np.sqrt(self.state["running_var"] + self.dtype.type(self.epsilon))
        return (x - self.state["running_mean"]) * (inv_std * self.params["gamma"]) + self.params["beta"]

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


LAYERS: dict[str, type[Layer]] = {cls.__name__: cls for cls in (Dense, Dropout, BatchNorm, Activation)}


def get(config: dict | Layer) -> Layer:
    """Rebuild a layer from its config dict (``{"class_name": "Dense", ...}``), or return a Layer as is."""
    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"layer must be a Layer or a config dict, received {config!r}")
    cls = LAYERS.get(config.get("class_name"))
    if cls is None:
        raise ValueError(unknown_name_message(config.get("class_name"), "layer", LAYERS))
    return cls.from_config(config)


def _declared_input_dim(input_dim, input_shape) -> int | None:
    """The input width a layer's constructor was given, as ``input_dim`` or Keras's ``input_shape=(width,)``."""
    input_dim = check_int(input_dim, "input_dim", minimum=1, allow_none=True)
    if input_shape is None:
        return input_dim
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape must be a tuple of one integer, the number of features (as Keras's "
                        f"input_shape=(2,)), received input_shape={input_shape!r} ({type(input_shape).__name__})")
    if len(input_shape) != 1:
        raise ValueError(f"input_shape must be (n_features,): glassnet's layers take flat rows of features, "
                         f"without the batch dimension; received input_shape={tuple(input_shape)!r}")
    width = check_int(input_shape[0], "input_shape[0]", minimum=1)
    if input_dim is not None and input_dim != width:
        raise ValueError(f"input_dim={input_dim} and input_shape={tuple(input_shape)!r} disagree; give one of them")
    return width
