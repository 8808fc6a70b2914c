"""Check backpropagation against central differences, parameter by parameter, in float64.

:func:`gradient_check` copies the model into a float64 twin (same architecture, weights and loss), takes its
backpropagated gradients from ``loss_and_gradients``, and compares them with central differences of the loss::

    dL/dp_i  ~  (L(p + eps e_i) - L(p - eps e_i)) / (2 eps)

For each parameter the relative error is ``||g_bp - g_num|| / (||g_bp|| + ||g_num||)``: about ``1e-10`` for a
correct gradient in float64, and of the order of the mistake for a wrong one (a gradient off by 1% gives about
``5e-3``). The original model is never changed.

Central differences cannot resolve a derivative below about ``machine_eps * |L| / eps`` (each loss carries a
few rounding errors of size ``machine_eps * |L|``). So the denominator is floored at
``sqrt(size) * resolution / tolerance``, with ``resolution = 16 * machine_eps * max(|L|, 1) / eps`` (about
``3.6e-9`` for a loss near 1 and ``eps = 1e-6``): a parameter whose gradient is too small to be checked
relatively to ``tolerance`` passes when the two gradients agree within ``resolution`` per element. Without the
floor, a gradient that is zero in theory — the bias of a linear Dense layer before a BatchNorm in training mode —
comes out of backpropagation as ``1e-17`` and out of central differences as ``1e-10`` of rounding noise, which
would read as a 100% error. A real mistake is still flagged unless it is below ``resolution`` itself.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .. import losses
from .._registry import html_of
from ..model import Sequential
from ._adapt import as_network, network_targets, require_compiled

__all__ = ["GradientCheckResult", "GradientCheckRow", "gradient_check"]

_EPS64 = np.finfo(np.float64).eps


def gradient_check(model, X, y, eps: float = 1e-6, training: bool = False, sample_weight=None,
                   tolerance: float = 1e-6) -> GradientCheckResult:
    """Compare the backpropagated gradient of every parameter with central differences, in float64.

    Parameters
    ----------
    model : Sequential, MLPClassifier or MLPRegressor
        A compiled, built :class:`~glassnet.Sequential` (any dtype), or a fitted MLP estimator (its ``model_``
        is checked; class labels are encoded as the estimator encodes them).
    X : array-like of shape (n_samples, n_features)
        The batch. Every parameter element costs two loss evaluations on it, so keep it and the network small.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Its targets.
    eps : float, default=1e-6
        The step of the central differences.
    training : bool, default=False
        Check the training-mode pass (dropout masks, batch statistics) instead of inference. The same dropout
        mask is used in every evaluation: ``loss_and_gradients`` restores the dropout generators after each call.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights of the loss.
    tolerance : float, default=1e-6
        ``passed`` is ``max_relative_error < tolerance``.

    Returns
    -------
    GradientCheckResult
        One row per weight array (non-trainable ones, BatchNorm's running statistics, are reported as
        skipped), ``max_relative_error`` and ``passed``; ``str()`` renders a table.

    Notes
    -----
    The twin is rebuilt from ``get_config()`` with ``dtype="float64"``, given the model's weights (and its dropout
    generators' states) and compiled with the same loss. For a float32 model the check therefore verifies the
    mathematics of its backward pass, not float32 rounding. A ReLU-family unit whose pre-activation lies within
    ``eps`` of its kink makes central differences meaningless there; use inputs away from kinks.
    """
    eps = float(eps)
    tolerance = float(tolerance)
    if not eps > 0 or not tolerance > 0:
        raise ValueError(f"eps and tolerance must be positive, received eps={eps!r}, tolerance={tolerance!r}")
    net, y = as_network(model, require_built=False), network_targets(model, y)
    require_compiled(net, "gradient_check")
    twin = _float64_twin(net)
    X, y, sample_weight = twin.check_data(X, y, sample_weight)
    loss, grads = twin.loss_and_gradients(X, y, training=training, sample_weight=sample_weight)

    def loss_at() -> float:
        return twin.loss_and_gradients(X, y, training=training, sample_weight=sample_weight)[0]

    resolution = _resolution(loss, eps)
    rows = []
    j = 0
    for i, layer in enumerate(twin.layers):
        for name in layer.weight_names():
            g_bp = grads[j]
            j += 1
            p = layer.weight(name)
            if name not in layer.params:
                rows.append(GradientCheckRow(layer=i, layer_name=type(layer).__name__, name=name, shape=p.shape,
                                             skipped=True, reason="non-trainable (not optimised)"))
                continue
            g_num = _central_differences(p, loss_at, eps)
            diff = g_bp - g_num
            norm_bp, norm_num = float(np.linalg.norm(g_bp)), float(np.linalg.norm(g_num))
            rows.append(GradientCheckRow(
                layer=i, layer_name=type(layer).__name__, name=name, shape=p.shape, skipped=False,
                max_abs_diff=float(np.max(np.abs(diff))) if diff.size else 0.0,
                relative_error=float(np.linalg.norm(diff)) / max(norm_bp + norm_num,
                                                                 np.sqrt(p.size) * resolution / tolerance),
                backprop_norm=norm_bp, numerical_norm=norm_num, backprop=g_bp, numerical=g_num))
    return GradientCheckResult(rows=rows, loss=float(loss), eps=eps, tolerance=tolerance, training=bool(training))


@dataclass
class GradientCheckRow:
    """The check of one weight array.

    Attributes
    ----------
    layer : int
        Index of the layer in ``model.layers``.
    layer_name : str
        The layer's class name.
    name : str
        The weight's key (``"W"``, ``"b"``, ``"gamma"``, ``"beta"``, ...).
    shape : tuple of int
    skipped : bool
        True for non-trainable weights (BatchNorm's running statistics), which have no gradient.
    reason : str
        Why it was skipped.
    max_abs_diff : float
        ``max |g_bp - g_num|``.
    relative_error : float
        ``||g_bp - g_num|| / max(||g_bp|| + ||g_num||, floor)``, with ``floor = sqrt(size) * resolution /
        tolerance`` and ``resolution = 16 * machine_eps * max(|L|, 1) / eps`` (see the module's docstring), so
        that gradients too small for central differences to resolve (zero ones included) are compared
        absolutely.
    backprop_norm, numerical_norm : float
        ``||g_bp||`` and ``||g_num||``.
    backprop, numerical : ndarray or None
        The two gradients (float64).
    """

    layer: int
    layer_name: str
    name: str
    shape: tuple
    skipped: bool = False
    reason: str = ""
    max_abs_diff: float = 0.0
    relative_error: float = 0.0
    backprop_norm: float = 0.0
    numerical_norm: float = 0.0
    backprop: np.ndarray | None = None
    numerical: np.ndarray | None = None


@dataclass
class GradientCheckResult:
    """The outcome of :func:`gradient_check`: a row per weight array, the worst relative error and the verdict.

    Attributes
    ----------
    rows : list of GradientCheckRow
    loss : float
        The loss at the model's weights (float64).
    eps : float
    tolerance : float
    training : bool
    """

    rows: list
    loss: float
    eps: float
    tolerance: float
    training: bool

    @property
    def max_relative_error(self) -> float:
        """The largest relative error over the checked (not skipped) parameters."""
        return max((r.relative_error for r in self.rows if not r.skipped), default=0.0)

    @property
    def passed(self) -> bool:
        """Whether every checked parameter's relative error is below ``tolerance``."""
        return bool(self.max_relative_error < self.tolerance)

    @property
    def failed(self) -> list:
        """The rows whose relative error is not below ``tolerance``."""
        return [r for r in self.rows if not r.skipped and not r.relative_error < self.tolerance]

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def render(self) -> str:
        """A table of the rows, then the verdict."""
        header = ("Layer", "Parameter", "Shape", "Max |diff|", "Relative error", "")
        table = [header]
        for r in self.rows:
            name = f"{r.layer}: {r.layer_name}"
            if r.skipped:
                table.append((name, r.name, str(r.shape), "-", "-", f"skipped: {r.reason}"))
            else:
                flag = "ok" if r.relative_error < self.tolerance else "FAILED"
                table.append((name, r.name, str(r.shape), f"{r.max_abs_diff:.3e}", f"{r.relative_error:.3e}",
                              flag))
        widths = [max(len(row[c]) for row in table) for c in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
        lines.insert(1, "-" * len(lines[0]))
        mode = "training" if self.training else "inference"
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(f"Gradient check ({mode} mode, float64, eps={self.eps:g}): {verdict}, max relative error "
                     f"{self.max_relative_error:.3e} (tolerance {self.tolerance:g})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()

    __repr__ = __str__  # the table, not the arrays of every row


def _float64_twin(model: Sequential) -> Sequential:
    """A float64 copy of ``model``: same layers, weights, dropout generator states and loss."""
    config = dict(model.get_config())
    config["dtype"] = "float64"
    twin = Sequential.from_config(config)
    if not twin.built:
        twin.build(model.input_dim)
    twin.set_weights([np.asarray(w, dtype=np.float64) for w in model.get_weights()])
    for original, layer in zip(model.layers, twin.layers):
        rng = getattr(original, "rng", None)
        if isinstance(rng, np.random.Generator) and isinstance(getattr(layer, "rng", None), np.random.Generator):
            layer.rng.bit_generator.state = rng.bit_generator.state
    try:
        loss = losses.get(model.loss.get_config())
    except (ValueError, TypeError, KeyError):
        # a loss outside the registry (e.g. the MLP estimators' scikit-learn losses) is used as an equal copy
        loss = copy.deepcopy(model.loss)
    twin.compile(loss=loss, optimizer="sgd")
    return twin


def _resolution(loss: float, eps: float) -> float:
    """The smallest derivative central differences can tell from zero: a few rounding errors of the loss / eps."""
    return 16 * _EPS64 * max(abs(loss), 1.0) / eps


def _central_differences(p: np.ndarray, loss_at, eps: float) -> np.ndarray:
    """``(L(p + eps e_i) - L(p - eps e_i)) / (2 eps)`` for every element ``i`` of ``p`` (changed in place, put
    back exactly)."""
    g = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        saved = p[i]
        p[i] = saved + eps
        plus = loss_at()
        p[i] = saved - eps
        minus = loss_at()
        p[i] = saved
        g[i] = (plus - minus) / (2 * eps)
    return g
