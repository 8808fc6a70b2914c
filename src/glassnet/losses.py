"""Loss functions: value and gradient, as means over the batch, plus a registry by name.

Every loss is the mean over the batch (PyTorch's ``reduction="mean"``): element-wise losses (mse, mae, huber,
binary cross-entropy, poisson) average over every element of the output, categorical cross-entropy sums over
classes and averages over samples. Their gradients are **already divided by the batch size** (and, for the
element-wise ones, by the number of outputs), so a layer's backward never divides again.

With ``sample_weight`` ``w`` the value is ``sum_i w_i * l_i / n`` (Keras's convention: weights scale samples,
the divisor stays the batch size), and the gradient's rows are scaled by ``w_i``.

**Fused output layers.** Three pairs of output activation and loss have a gradient with respect to the
pre-activation ``z`` that is far simpler and more stable than the chain rule through the activation:

=====================  ==================  =====================================================
loss                   output activation   value computed from ``z``; gradient ``dL/dz``
=====================  ==================  =====================================================
binary_crossentropy    sigmoid             ``max(z,0) - z y + log1p(exp(-|z|))``; ``(a - y)/size``
categorical_xentropy   softmax             ``logsumexp(z) - z_y``; ``(a - y)/n``
poisson                exponential         ``exp(z) - y z``; ``(a - y)/size``
=====================  ==================  =====================================================

Only these pairs take the fused path (``Loss.fused_activation`` names the partner). Every other pairing is
still exact: the model computes ``gradient`` with respect to the output and chains it through the
activation's ``backward`` (softmax included, with its full Jacobian).
"""

from __future__ import annotations

import math

import numpy as np

from ._registry import Configurable, resolve
from ._validation import check_array, check_float

__all__ = [
    "LOSSES",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Huber",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Poisson",
    "get",
]


class Loss(Configurable):
    """Base class. Subclasses implement ``_elementwise`` and ``_elementwise_gradient`` (or override more)."""

    name = "loss"
    #: the output activation whose pairing with this loss has the fused gradient ``(a - y) / size``
    fused_activation: str | None = None
    #: what the output activation's range must lie within, or None for any activation
    needs_range: tuple[float, float] | None = None

    # --- the loss on outputs -----------------------------------------------------------------------------------
    def value(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        """The batch mean of the loss between targets ``y_true`` and outputs ``y_pred``."""
        return _weighted_mean(self.per_sample(y_true, y_pred), sample_weight)

    def per_sample(self, y_true, y_pred) -> np.ndarray:
        """The loss of each sample, shape ``(n,)`` (element-wise losses average over outputs)."""
        return _row_means(self._elementwise(y_true, y_pred))

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """``d value / d y_pred``, shape of ``y_pred``, already divided by the batch size."""
        g = self._elementwise_gradient(y_true, y_pred)
        g *= g.dtype.type(1.0 / y_pred.size)
        return _scale_rows(g, sample_weight)

    # --- the fused path, from the pre-activation z ------------------------------------------------------------
    def value_from_logits(self, y_true, z, sample_weight=None, a=None) -> float:
        """The loss computed from the output layer's pre-activation (fused pairs only). ``a``, the output
        activation of ``z`` if the caller has it, may save recomputing it."""
        elementwise = self._elementwise_from_logits(y_true, z)
        if sample_weight is None and elementwise.shape[1] == 1 and elementwise.shape[0]:
            # _weighted_mean(_row_means(...)) of one output, bit for bit, in one call (tiny networks feel each)
            return float(np.add.reduce(elementwise, axis=None, dtype=np.float64)) / elementwise.shape[0]
        return _weighted_mean(_row_means(elementwise), sample_weight)

    def gradient_from_logits(self, y_true, z, a, sample_weight=None) -> np.ndarray:
        """``d value / d z`` for the fused pair: ``(a - y) / size``."""
        g = a - y_true
        g *= g.dtype.type(1.0 / a.size)
        if sample_weight is not None:
            g *= sample_weight.astype(g.dtype, copy=False)[:, None]
        return g

    def penalty_scale(self, n: int, sample_weight=None) -> float:
        """The weight of the layers' penalties (L1/L2) in this loss for a batch of ``n`` rows: 1 (Keras's
        convention: the penalty is added as it is). scikit-learn's estimators divide theirs by the batch's sum
        of sample weights."""
        return 1.0

    # --- targets and compatibility ----------------------------------------------------------------------------
    def prepare_targets(self, y, n_outputs: int, dtype) -> np.ndarray:
        """Check ``y`` against the output layer's width and return it in the form ``value``/``gradient`` take."""
        y = check_array(y, "y", dtype=dtype, ndim=(1, 2))
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape[1] != n_outputs:
            raise ValueError(f"y has {y.shape[1]} column(s) but the output layer has {n_outputs} unit(s); "
                             f"they must match for loss {self.name!r}")
        return y

    def check_output(self, activation, n_outputs: int) -> None:
        """Refuse an output layer this loss does not fit (e.g. cross-entropy after a linear output)."""
        if self.needs_range is None:
            return
        low, high = activation.output_range
        if low < self.needs_range[0] or high > self.needs_range[1]:
            raise ValueError(
                f"loss {self.name!r} needs output values in {list(self.needs_range)}, but the output layer's "
                f"activation {activation.name!r} ranges over [{low}, {high}]; use "
                f"{self.fused_activation!r} as the output activation")

    def _elementwise(self, y_true, y_pred):
        raise NotImplementedError

    def _elementwise_gradient(self, y_true, y_pred):
        raise NotImplementedError

    def _elementwise_from_logits(self, y_true, z):
        raise NotImplementedError(f"loss {self.name!r} has no fused path")


class MeanSquaredError(Loss):
    r"""Mean squared error, :math:`\frac{1}{nd}\sum (\hat y - y)^2`. Gradient :math:`2(\hat y - y)/(nd)`.

    Note: scikit-learn's MLP minimises *half* of this; its estimators account for the factor.
    """

    name = "mse"

    def _elementwise(self, y_true, y_pred):
        d = y_pred - y_true
        return d * d

    def _elementwise_gradient(self, y_true, y_pred):
        g = y_pred - y_true
        g *= 2
        return g


class MeanAbsoluteError(Loss):
    r"""Mean absolute error, :math:`\frac{1}{nd}\sum |\hat y - y|`. Gradient :math:`\mathrm{sign}(\hat y - y)/(nd)`.

    The subgradient at zero is 0, as in PyTorch.
    """

    name = "mae"

    def _elementwise(self, y_true, y_pred):
        return np.abs(y_pred - y_true)

    def _elementwise_gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true)


class Huber(Loss):
    r"""Huber loss: :math:`\tfrac12 d^2` for :math:`|d| \le \delta`, else :math:`\delta(|d| - \tfrac12\delta)`.

    Quadratic near zero, linear in the tails, so outliers pull with a bounded force :math:`\delta`.
    Gradient: :math:`d` inside, :math:`\delta\,\mathrm{sign}(d)` outside. PyTorch's ``HuberLoss``.
    """

    name = "huber"

    def __init__(self, delta: float = 1.0):
        self.delta = check_float(delta, "delta", minimum=0.0, include_min=False)

    def _elementwise(self, y_true, y_pred):
        d = np.abs(y_pred - y_true)
        t = d.dtype.type
        return np.where(d <= self.delta, t(0.5) * d * d, t(self.delta) * (d - t(0.5 * self.delta)))

    def _elementwise_gradient(self, y_true, y_pred):
        return np.clip(y_pred - y_true, -self.delta, self.delta)

    def get_config(self):
        return {"name": self.name, "delta": self.delta}


class BinaryCrossentropy(Loss):
    r"""Binary cross-entropy, :math:`-\frac{1}{nd}\sum y\log p + (1-y)\log(1-p)`, each output a probability.

    On probabilities, ``p`` is clipped to ``[eps, 1 - eps]`` (eps = 1e-7 in float32, 1e-15 in float64) so the
    logarithms stay finite. Paired with a sigmoid output it is computed from the logits instead (see the
    module's table), exact and stable at any ``z``. Targets are 0/1 (or probabilities) per output; several
    sigmoid outputs make a multi-label classifier.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"
    needs_range = (0.0, 1.0)

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.min() < 0 or y.max() > 1:
            raise ValueError(f"binary_crossentropy needs targets in [0, 1], received values in "
                             f"[{y.min():g}, {y.max():g}]")
        return y

    def _elementwise(self, y_true, y_pred):
        p = _clip_probability(y_pred)
        return -(y_true * np.log(p) + (1 - y_true) * np.log1p(-p))

    def _elementwise_gradient(self, y_true, y_pred):
        p = _clip_probability(y_pred)
        return (p - y_true) / (p * (1 - p))

    def _elementwise_from_logits(self, y_true, z):
        # log(1 + e^z) - z y, with log(1 + e^z) = logaddexp(0, z): exact and finite at any z, in one pass
        loss = np.logaddexp(z.dtype.type(0), z)
        loss -= z * y_true
        return loss


class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy, :math:`-\frac1n\sum_i \log p_{i, y_i}` (or :math:`-\frac1n\sum y\log p`).

    Targets are integer class labels of shape ``(n,)`` or one-hot (or soft) rows of shape ``(n, k)``; both are
    accepted and kept as given (labels are never expanded to one-hot, which saves memory and time). Paired with
    a softmax output it is computed from the logits as ``logsumexp(z) - z_y``, with gradient ``(a - y)/n``.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"
    needs_range = (0.0, 1.0)

    def check_output(self, activation, n_outputs):
        super().check_output(activation, n_outputs)
        if n_outputs is not None and n_outputs < 2:
            raise ValueError("loss 'categorical_crossentropy' needs an output layer of at least 2 units (one per "
                             f"class), the model has {n_outputs}; for two classes use binary_crossentropy with "
                             "one sigmoid unit")

    def prepare_targets(self, y, n_outputs, dtype):
        if n_outputs < 2:
            raise ValueError("categorical_crossentropy needs an output layer of at least 2 units (one per "
                             f"class), received {n_outputs}; for two classes use binary_crossentropy with one "
                             "sigmoid unit")
        arr = check_array(y, "y", dtype=np.float64, ndim=(1, 2))
        if arr.ndim == 2 and arr.shape[1] == n_outputs:
            if arr.min() < 0:
                raise ValueError("categorical_crossentropy needs one-hot or probability rows in y, received "
                                 f"negative values (min {arr.min():g})")
            return arr.astype(dtype, copy=False)
        if arr.ndim == 2 and arr.shape[1] != 1:
            raise ValueError(f"y has {arr.shape[1]} columns; categorical_crossentropy takes integer labels of "
                             f"shape (n,) or one-hot rows of shape (n, {n_outputs})")
        labels = arr.ravel()
        if not np.all(labels == np.round(labels)):
            raise ValueError("categorical_crossentropy needs integer class labels in y (or one-hot rows), "
                             "received non-integer values")
        if labels.min() < 0 or labels.max() >= n_outputs:
            raise ValueError(f"y has class labels in [{labels.min():g}, {labels.max():g}] but the output layer "
                             f"has {n_outputs} units, so labels must be in [0, {n_outputs - 1}]")
        return labels.astype(np.intp)

    def per_sample(self, y_true, y_pred):
        p = _clip_probability(y_pred)
        if y_true.ndim == 1:
            return -np.log(p[np.arange(len(y_true)), y_true])
        return -np.sum(y_true * np.log(p), axis=1)

    def gradient(self, y_true, y_pred, sample_weight=None):
        p = _clip_probability(y_pred)
        n = y_pred.dtype.type(len(y_pred))
        if y_true.ndim == 1:
            g = np.zeros_like(y_pred)
            rows = np.arange(len(y_true))
            g[rows, y_true] = -1 / (p[rows, y_true] * n)
        else:
            g = -y_true / (p * n)
        return _scale_rows(g, sample_weight)

    def value_from_logits(self, y_true, z, sample_weight=None, a=None):
        if a is not None:
            # -log a_y needs one log per row where logsumexp needs a pass over all of z; unless a softmax output
            # has underflowed (logits far apart), where only logsumexp stays finite and exact. One-hot rows give
            # the same bits as their labels (the zero terms add -0.0)
            p = a[np.arange(len(a)), y_true] if y_true.ndim == 1 else a
            if p.min() > _LOG_SAFE[p.dtype.char]:
                per = -np.log(p) if y_true.ndim == 1 else -np.sum(y_true * np.log(p), axis=1)
                return _weighted_mean(per, sample_weight)
        lse = _logsumexp(z)
        if y_true.ndim == 1:
            per = lse - z[np.arange(len(z)), y_true]
        else:
            per = lse * y_true.sum(axis=1) - np.sum(y_true * z, axis=1)
        return _weighted_mean(per, sample_weight)

    def gradient_from_logits(self, y_true, z, a, sample_weight=None):
        if y_true.ndim == 1:
            g = a.copy()
            g[np.arange(len(g)), y_true] -= 1
        else:
            # d/dz [sum(y) logsumexp(z) - y.z] = a * sum(y) - y: equals a - y for rows summing to 1, and stays
            # the gradient of value_from_logits for rows that do not
            g = (a * y_true.sum(axis=1, keepdims=True) - y_true).astype(a.dtype, copy=False)
        g *= g.dtype.type(1.0 / len(g))
        return _scale_rows(g, sample_weight)


class Poisson(Loss):
    r"""Poisson negative log-likelihood (without the constant :math:`\log y!`): :math:`\frac{1}{nd}\sum p - y\log p`.

    ``p`` is the predicted rate and must be positive (clipped below at eps). Paired with an exponential output
    it is computed from the log-rate ``z`` as ``exp(z) - y z``. Targets must be non-negative.
    """

    name = "poisson"
    fused_activation = "exponential"
    needs_range = (0.0, math.inf)

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.min() < 0:
            raise ValueError(f"poisson needs non-negative targets, received a minimum of {y.min():g}")
        return y

    def _elementwise(self, y_true, y_pred):
        p = np.maximum(y_pred, _eps(y_pred.dtype))
        return p - y_true * np.log(p)

    def _elementwise_gradient(self, y_true, y_pred):
        p = np.maximum(y_pred, _eps(y_pred.dtype))
        return 1 - y_true / p

    def _elementwise_from_logits(self, y_true, z):
        with np.errstate(over="ignore"):
            return np.exp(z) - y_true * z


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy, Poisson)
}
ALIASES = {"mean_squared_error": "mse", "squared_error": "mse", "mean_absolute_error": "mae",
           "log_loss": "binary_crossentropy", "cross_entropy": "categorical_crossentropy",
           "sparse_categorical_crossentropy": "categorical_crossentropy"}


def get(loss: str | Loss | dict) -> Loss:
    """Resolve a name, a config dict or an instance to a Loss; an unknown name's error lists the valid ones."""
    return resolve(loss, LOSSES, "loss", Loss, ALIASES)


#: the smallest softmax output whose log is as accurate as logsumexp's (a normal number, well above underflow)
_LOG_SAFE = {"f": 1e-30, "d": 1e-300}


def _logsumexp(z: np.ndarray) -> np.ndarray:
    """log(sum(exp(z), axis=1)), shifted by the row maximum; plain NumPy (scipy's adds per-call overhead)."""
    m = z.max(axis=1, keepdims=True)
    return np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]


def _eps(dtype) -> float:
    return 1e-7 if np.dtype(dtype) == np.float32 else 1e-15


def _clip_probability(p: np.ndarray) -> np.ndarray:
    eps = _eps(p.dtype)
    return np.clip(p, eps, 1 - eps)


def _row_means(elementwise: np.ndarray) -> np.ndarray:
    """``elementwise.mean(axis=1)``, bit for bit, without ``mean``'s Python wrapper (~5 us, felt by small nets)."""
    if elementwise.shape[1] == 1:
        return elementwise[:, 0]
    return np.divide(np.add.reduce(elementwise, axis=1), elementwise.shape[1])


def _weighted_mean(per_sample: np.ndarray, sample_weight) -> float:
    if per_sample.shape[0] == 0:
        raise ValueError("y_true and y_pred have 0 rows: the mean loss of an empty batch is undefined")
    if sample_weight is None:  # per_sample.mean(dtype=np.float64), bit for bit, without its Python wrapper
        return float(np.add.reduce(per_sample, dtype=np.float64)) / per_sample.shape[0]
    return float(np.dot(per_sample.astype(np.float64), sample_weight) / len(per_sample))


def _scale_rows(g: np.ndarray, sample_weight) -> np.ndarray:
    if sample_weight is not None:
        g *= sample_weight.astype(g.dtype, copy=False)[:, None]
    return g
