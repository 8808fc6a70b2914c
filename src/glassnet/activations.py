"""Activation functions, each with its derivative beside it, and a registry by name.

Every activation is an object with

* ``forward(z)`` — the function applied to the pre-activation ``z``;
* ``backward(grad, z, a)`` — the gradient with respect to ``z`` given ``grad`` (the gradient with respect to the
  output ``a = forward(z)``). Elementwise activations implement it as ``grad * derivative(z, a)``; softmax, whose
  Jacobian is not diagonal, implements the Jacobian-vector product directly.

All of them are written to stay finite and silent (no overflow warnings) for ``|z|`` up to 1e4 and beyond, in
float32 and float64, and to keep the dtype of their input.

Sorted in order of increasing complexity.
"""

from __future__ import annotations

import math

import numpy as np

from . import _fast
from ._constants import zero_row
from ._registry import Configurable, resolve
from ._validation import check_float

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ELU",
    "Exponential",
    "GELU",
    "GELUTanh",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "SELU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Step",
    "Swish",
    "Tanh",
    "get",
]


class Activation(Configurable):
    """Base class: an elementwise function with its derivative.

    Subclasses set ``name`` and implement ``forward`` and ``derivative``; ``backward`` then follows.
    """

    name = "activation"
    #: the range of the function; losses use it to decide whether they fit the output layer
    output_range: tuple[float, float] = (-math.inf, math.inf)

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """d a / d z elementwise, given both ``z`` and ``a = forward(z)`` (whichever is cheaper is used)."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Gradient with respect to ``z`` given ``grad``, the gradient with respect to ``a`` (written into ``out``
        if given, which must not be ``grad``; the result may also be ``grad`` itself, for the identity)."""
        return np.multiply(grad, self.derivative(z, a), out=out)

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        """``forward(z)``, allowed to overwrite ``z`` (inference, where ``z`` is not needed again)."""
        return self.forward(z)

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``forward(z)``, written into ``out`` where the activation can (training reuses one array per layer);
        returns the result, which may instead be a new array, or ``z`` itself for the identity."""
        return self.forward(z)

    def _forward_biased_into(self, z: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``z += b``, then ``forward_into(z, out)``: Dense's bias and activation (an internal hook, not checked:
        Dense passes its own work arrays), which an activation may take in one pass (ReLU, compiled kernels)."""
        z += b
        return self.forward_into(z, out)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


class Linear(Activation):
    r"""The identity, :math:`a = z`, :math:`a' = 1`. scikit-learn calls it ``identity``."""

    name = "linear"

    def forward(self, z):
        return z

    forward_inplace = forward

    def forward_into(self, z, out):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, grad, z, a, out=None):
        return grad


class Step(Activation):
    r"""Heaviside step, :math:`a = 1` if :math:`z \ge 0` else 0: the classic perceptron's threshold unit.

    Its derivative is zero almost everywhere, so it cannot be trained by backpropagation; it is for the
    :class:`~glassnet.Perceptron`'s learning rule only.
    """

    name = "step"
    output_range = (0.0, 1.0)

    def forward(self, z):
        return (z >= 0).astype(z.dtype)

    def derivative(self, z, a):
        return np.zeros_like(z)


class Sigmoid(Activation):
    r"""Logistic sigmoid, :math:`a = 1 / (1 + e^{-z})`, :math:`a' = a (1 - a)`. scikit-learn: ``logistic``.

    Computed as ``scipy.special.expit`` computes it, in NumPy (see :func:`_sigmoid`): finite and silent for
    every ``z``.
    """

    name = "sigmoid"
    output_range = (0.0, 1.0)

    def forward(self, z):
        return _sigmoid(z)

    def forward_inplace(self, z):
        return _sigmoid(z, out=z)

    def forward_into(self, z, out):
        return _sigmoid(z, out=out)

    def _forward_biased_into(self, z, b, out):
        # Dense's training pass, which the engine runs with overflow silenced (np.errstate): exp(-z) = inf for
        # z below about -88 (float32) gives 1 / inf = 0, as _sigmoid does, without a context manager per layer
        z += b
        e = np.negative(z, out=out)
        np.exp(e, out=e)
        e += e.dtype.type(1)
        return np.reciprocal(e, out=e)

    def derivative(self, z, a):
        return a * (1 - a)

    def backward(self, grad, z, a, out=None):
        out = np.multiply(grad, a, out=out)
        out *= 1 - a
        return out


class Tanh(Activation):
    r"""Hyperbolic tangent, :math:`a = \tanh z`, :math:`a' = 1 - a^2`."""

    name = "tanh"
    output_range = (-1.0, 1.0)

    def forward(self, z):
        return np.tanh(z)

    def forward_inplace(self, z):
        return np.tanh(z, out=z)

    def forward_into(self, z, out):
        return np.tanh(z, out=out)

    def derivative(self, z, a):
        return 1 - a * a


class ReLU(Activation):
    r"""Rectified linear unit, :math:`a = \max(0, z)`, :math:`a' = [z > 0]` (0 at 0, as PyTorch)."""

    name = "relu"
    output_range = (0.0, math.inf)

    # zero_row: a row of zeros, not a scalar 0, so that NumPy takes its SIMD loop (three times faster)
    def forward(self, z):
        return np.maximum(z, zero_row(z))

    def forward_inplace(self, z):
        return np.maximum(z, zero_row(z), out=z)

    def forward_into(self, z, out):
        return np.maximum(z, zero_row(z), out=out)

    def _forward_biased_into(self, z, b, out):
        return _fast.bias_relu(z, b, out)  # one compiled pass where numba runs

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, grad, z, a, out=None):
        if out is not None:
            return _fast.relu_backward(grad, z, out)  # one compiled pass where numba runs
        # multiplying by the mask is ~10x faster than np.where(z > 0, grad, 0)
        return np.multiply(grad, z > 0)


class LeakyReLU(Activation):
    r""":math:`a = z` for :math:`z > 0`, else :math:`\alpha z`; :math:`a' = 1` or :math:`\alpha`."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        self.alpha = check_float(alpha, "alpha", minimum=0.0)

    def forward(self, z):
        scaled = z * z.dtype.type(self.alpha)
        # max(z, alpha z) is z above zero and alpha z below it while alpha <= 1 (min when alpha > 1);
        # both are far faster than np.where
        return np.maximum(z, scaled) if self.alpha <= 1 else np.minimum(z, scaled)

    def derivative(self, z, a):
        t = z.dtype.type
        return (z > 0) * t(1 - self.alpha) + t(self.alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}


class ELU(Activation):
    r""":math:`a = z` for :math:`z > 0`, else :math:`\alpha (e^z - 1)`; :math:`a' = 1` or :math:`a + \alpha`."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_float(alpha, "alpha", minimum=0.0)

    def forward(self, z):
        # max(z, 0) + alpha * expm1(min(z, 0)): each branch vanishes on the other side, nothing overflows
        zero = zero_row(z)
        return np.maximum(z, zero) + z.dtype.type(self.alpha) * np.expm1(np.minimum(z, zero))

    def derivative(self, z, a):
        positive = z > 0
        return positive + ~positive * (a + z.dtype.type(self.alpha))

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}


class SELU(Activation):
    r"""Scaled ELU, :math:`a = \lambda z` for :math:`z > 0`, else :math:`\lambda \alpha (e^z - 1)`.

    The constants are those of Klambauer et al. (2017), as in PyTorch and Keras; with LeCun-normal
    initialisation they keep activations near zero mean and unit variance.
    """

    name = "selu"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward(self, z):
        t = z.dtype.type
        zero = zero_row(z)
        return t(self.scale) * (np.maximum(z, zero) + t(self.alpha) * np.expm1(np.minimum(z, zero)))

    def derivative(self, z, a):
        t = z.dtype.type
        positive = z > 0
        return positive * t(self.scale) + ~positive * (a + t(self.scale * self.alpha))


class Softplus(Activation):
    r""":math:`a = \log(1 + e^z)`, a smooth ReLU; :math:`a' = \sigma(z)`."""

    name = "softplus"
    output_range = (0.0, math.inf)

    def forward(self, z):
        return np.logaddexp(z.dtype.type(0), z)

    def derivative(self, z, a):
        return _sigmoid(z)


class Exponential(Activation):
    r""":math:`a = e^z`, :math:`a' = a`: the output of a Poisson regression (scikit-learn's ``exp``).

    Where :math:`e^z` exceeds the largest float (:math:`z` above about 88 in float32, 709 in float64) ``a`` is
    held at that largest value rather than inf (Keras and PyTorch give inf). The mathematics there is huge but
    finite, and so is every gradient through a unit that saturates further on: a tanh above it passes back 0,
    and 0 times the largest float is 0, where IEEE's 0 * inf would be NaN. The Poisson loss is computed from
    ``z`` directly.
    """

    name = "exponential"
    output_range = (0.0, math.inf)

    def forward(self, z):
        with np.errstate(over="ignore"):
            a = np.exp(z)
        return np.minimum(a, np.finfo(a.dtype).max, out=a)

    def derivative(self, z, a):
        return a

    def backward(self, grad, z, a, out=None):
        with np.errstate(over="ignore"):  # a large gradient times a huge slope: inf, as the mathematics says
            return np.multiply(grad, a, out=out)


class Swish(Activation):
    r"""Swish / SiLU, :math:`a = z \sigma(z)`, :math:`a' = \sigma(z) (1 + z (1 - \sigma(z)))`."""

    name = "swish"

    def forward(self, z):
        return z * _sigmoid(z)

    def derivative(self, z, a):
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


class GELU(Activation):
    r"""Gaussian error linear unit (exact), :math:`a = z \Phi(z) = \tfrac{z}{2}(1 + \mathrm{erf}(z/\sqrt2))`.

    :math:`a' = \Phi(z) + z \varphi(z)` with :math:`\varphi` the standard normal density.
    Hendrycks & Gimpel (2016); PyTorch's ``GELU(approximate="none")``. The error function is
    ``scipy.special.erf`` (NumPy has none), so the first GELU computed imports SciPy.
    """

    name = "gelu"

    def forward(self, z):
        t = z.dtype.type
        return t(0.5) * z * (1 + _erf(z * t(1 / math.sqrt(2))))

    def derivative(self, z, a):
        t = z.dtype.type
        cdf = t(0.5) * (1 + _erf(z * t(1 / math.sqrt(2))))
        zc = np.clip(z, -1e4, 1e4)  # exp(-z^2/2) is 0 long before z^2 overflows
        pdf = np.exp(t(-0.5) * zc * zc) * t(1 / math.sqrt(2 * math.pi))
        return cdf + z * pdf


class GELUTanh(Activation):
    r"""GELU, tanh approximation: :math:`a = \tfrac{z}{2}(1 + \tanh u)`, :math:`u = \sqrt{2/\pi}(z + 0.044715 z^3)`.

    :math:`a' = \tfrac12(1 + \tanh u) + \tfrac{z}{2}(1 - \tanh^2 u)\sqrt{2/\pi}(1 + 3 \cdot 0.044715 z^2)`.
    PyTorch's ``GELU(approximate="tanh")``.
    """

    name = "gelu_tanh"
    _c = math.sqrt(2 / math.pi)

    def forward(self, z):
        t = z.dtype.type
        # z**3 in float32 overflows above ~7e12 only; clip u's input where tanh has long saturated anyway
        zc = np.clip(z, -1e4, 1e4)
        return t(0.5) * z * (1 + np.tanh(t(self._c) * (zc + t(0.044715) * zc ** 3)))

    def derivative(self, z, a):
        t = z.dtype.type
        zc = np.clip(z, -1e4, 1e4)
        th = np.tanh(t(self._c) * (zc + t(0.044715) * zc ** 3))
        return t(0.5) * (1 + th) + t(0.5) * zc * (1 - th * th) * t(self._c) * (1 + t(3 * 0.044715) * zc * zc)


class Softmax(Activation):
    r"""Softmax over the last axis, :math:`a_i = e^{z_i} / \sum_j e^{z_j}` (shifted by the row maximum).

    Its Jacobian is :math:`\partial a_i / \partial z_j = a_i(\delta_{ij} - a_j)`, so
    ``backward(g) = a * (g - sum(g * a, axis=-1))``: the exact Jacobian-vector product, used whenever softmax is
    not paired with the cross-entropy (where the fused, simpler gradient ``a - y`` applies).
    """

    name = "softmax"
    output_range = (0.0, 1.0)

    def forward(self, z):
        return self.forward_inplace(z.copy())

    def forward_inplace(self, z):
        return self.forward_into(z, z)

    def forward_into(self, z, out):
        np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    def derivative(self, z, a):
        raise NotImplementedError("softmax has a full Jacobian; use backward(grad, z, a)")

    def backward(self, grad, z, a, out=None):
        return np.multiply(a, grad - np.sum(grad * a, axis=-1, keepdims=True), out=out)


#: every activation by name; scikit-learn's names ``identity``, ``logistic`` and Keras's ``silu`` are aliases
ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls
    for cls in (Linear, Step, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, Softplus, Exponential, Swish, GELU,
                GELUTanh, Softmax)
}
ALIASES = {"identity": "linear", "logistic": "sigmoid", "silu": "swish", "exp": "exponential"}

#: the ReLU family, whose default initialiser is He's rather than Glorot's (SELU wants LeCun's)
RELU_FAMILY = ("relu", "leaky_relu", "elu", "swish", "gelu", "gelu_tanh", "softplus")


def default_initializer(name: str) -> str:
    """The weight initialiser that suits an activation: He for the ReLU family, LeCun for SELU, else Glorot."""
    if name == "selu":
        return "lecun_normal"
    return "he_normal" if name in RELU_FAMILY else "glorot_uniform"


def get(activation: str | Activation | dict | None) -> Activation:
    """Resolve a name (``"relu"``), an alias (``"logistic"``), a config dict or an instance to an Activation.

    ``None`` means ``"linear"``. An unknown name raises ``ValueError`` listing the valid names.
    """
    if activation is None:
        return Linear()
    return resolve(activation, ACTIVATIONS, "activation", Activation, ALIASES)


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + exp(-z))``, written into ``out`` if given (which may be ``z``).

    The formula of ``scipy.special.expit``, in NumPy so that a sigmoid network needs no SciPy. NumPy's
    vectorised ``exp`` is not the C library's, so results may differ from expit's in the last bits (at most 4
    ulps over two million values each of float32 and float64), and it is faster. Where ``exp(-z)`` overflows
    (``z`` below about -88 in float32, -709 in float64) it is inf and the result 0, as expit's, so the
    overflow is not an error.
    """
    e = np.negative(z, out=out)
    if out is None and isinstance(e, np.ndarray) and e.dtype.kind == "f":
        out = e  # the new array holds every step (a 0-d or integer input takes fresh results instead)
    with np.errstate(over="ignore"):
        e = np.exp(e, out=out)
    e = np.add(e, 1, out=out)
    return np.reciprocal(e, out=out)


def _erf(x: np.ndarray) -> np.ndarray:
    """``scipy.special.erf``, SciPy imported on the first call rather than with glassnet (a fifth of a second)."""
    from scipy.special import erf

    return erf(x)
