"""Sensitivity: how the network's output responds to its inputs.

Input gradients by backpropagation (checked in the tests against central differences), per-feature
sensitivity, accuracy under Gaussian input noise, and the decision-boundary grid of a 2-D classifier.

The functions take a :class:`~glassnet.Sequential` or a fitted estimator (its ``model_`` is used);
:func:`noise_robustness` and :func:`decision_boundary_grid` also take any fitted classifier with ``predict``
(:class:`~glassnet.Perceptron` included). None of them changes the model or touches NumPy's global random state.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from .. import metrics as metrics_module
from .._validation import check_array, check_bool, check_float, check_int, check_name, check_random_state
from ..model import Sequential
from ._adapt import as_network, network_of
from .neurons import _check_X

__all__ = ["decision_boundary_grid", "feature_sensitivity", "input_gradients", "noise_robustness"]


def input_gradients(model, X, output: int | str | None = None) -> np.ndarray:
    r"""The gradient of one output with respect to each input, :math:`\partial f(x_i) / \partial x_i`, by backprop.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.
    output : int, "sum" or None, default=None
        Which output to differentiate: an output unit's index; ``"sum"`` for the sum of all output units (zero
        for a softmax, whose outputs sum to one); None for the only output of a one-output network (a binary
        classifier's class-1 probability) and, with several outputs, for each sample's largest output (the
        predicted class's probability).

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Row ``i`` is the gradient at sample ``i``, in the model's dtype. Computed in inference mode (dropout
        off, BatchNorm's running statistics), so samples do not interact.

    Notes
    -----
    The pass runs ``forward(X, training=False)`` and ``backward(seed, input_gradient=True)`` on a shallow copy
    of the model whose layers are copies sharing the weights but with their own caches and gradient arrays, so
    the model's own caches, gradients and flags are never written (and concurrent calls are safe).
    """
    model = as_network(model)
    X = _check_X(model, X)
    n_outputs = model.layers[-1].output_dim
    output = _check_output(output, n_outputs)
    clone = _detached(model)
    out = clone.forward(X, training=False)
    seed = np.zeros_like(out)
    if output == "sum":
        seed[...] = 1
    else:
        columns = _chosen_columns(out, output)
        seed[np.arange(len(out)), columns] = 1
    return clone.backward(seed, input_gradient=True)


def feature_sensitivity(model, X, method: str = "gradient", output: int | str | None = None,
                        eps: float = 1e-2) -> np.ndarray:
    r"""How strongly the output responds to each feature, averaged over the samples of ``X``.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.
    method : {"gradient", "perturbation"}, default="gradient"
        ``"gradient"``: :math:`s_j = \mathrm{mean}_i |\partial f(x_i) / \partial x_{ij}|` from
        :func:`input_gradients`. ``"perturbation"``: the central-difference version,
        :math:`s_j = \mathrm{mean}_i |f(x_i + \epsilon e_j) - f(x_i - \epsilon e_j)| / 2\epsilon`, which needs
        no gradients and sees the effect of a finite step (the tutorials' feature sensitivity). Both are in output
        units per input unit and agree as ``eps`` shrinks; for a linear network both equal ``|w_j|``.
    output : int, "sum" or None, default=None
        Which output, as in :func:`input_gradients`; for the perturbation method None chooses each sample's
        predicted class at the unperturbed point.
    eps : float, default=1e-2
        Half the perturbation, in the units of the features (scale the features first if they differ widely).

    Returns
    -------
    ndarray of shape (n_features,)
        The sensitivity of each feature, float64.
    """
    model = as_network(model)
    X = _check_X(model, X)
    method = check_name(method, "method", ("gradient", "perturbation"))
    eps = check_float(eps, "eps", minimum=0.0, include_min=False)
    if method == "gradient":
        return np.abs(input_gradients(model, X, output).astype(np.float64)).mean(axis=0)
    output = _check_output(output, model.layers[-1].output_dim)
    base = model.predict(X)
    columns = None if output == "sum" else _chosen_columns(base, output)
    sensitivity = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        up, down = X.copy(), X.copy()
        up[:, j] += X.dtype.type(eps)
        down[:, j] -= X.dtype.type(eps)
        # the step actually taken after rounding to the model's dtype
        step = up[:, j].astype(np.float64) - down[:, j].astype(np.float64)
        if not (step > 0).all():
            raise ValueError(f"eps={eps!r} is too small to change feature {j} in {X.dtype.name}; use a larger eps")
        delta = _select(model.predict(up), columns) - _select(model.predict(down), columns)
        sensitivity[j] = np.mean(np.abs(delta) / step)
    return sensitivity


def noise_robustness(model, X, y, noise_levels=(0, 0.05, 0.1, 0.2, 0.5), n_repeats: int = 10,
                     random_state=None, relative: bool = True) -> list[dict]:
    r"""Accuracy under Gaussian input noise, for each noise level, averaged over repeats.

    The noisy inputs are :math:`X + \text{level} \cdot \sigma_j \cdot Z`, with :math:`\sigma_j` the standard
    deviation of feature ``j`` over ``X`` (``ddof=0``; a constant feature gets no noise) and :math:`Z` standard
    normal; with ``relative=False`` they are :math:`X + \text{level} \cdot Z`, the level in the features' own
    units (``np.random.normal(0, 0.1, X.shape)`` added to ``X`` is level 0.1 there). Each repeat draws one
    :math:`Z` and uses it for every level (common random numbers), so the curve compares levels on the same
    draws and level 0 is exactly the plain accuracy.

    Parameters
    ----------
    model : Sequential, fitted estimator, or fitted classifier with ``predict``
        A Sequential's outputs are read as in :func:`glassnet.metrics.accuracy` (one output: class 1 where it
        is ``> 0.5``; several: the argmax), with ``y`` integer labels or one-hot rows. An estimator's
        ``predict`` is compared with ``y`` in its own labels (multilabel rows must match entirely).
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True labels (integer labels or one-hot rows for a Sequential, the estimator's labels otherwise).
    noise_levels : sequence of float, default=(0, 0.05, 0.1, 0.2, 0.5)
        Noise standard deviations, in units of each feature's standard deviation (or, with ``relative=False``,
        in the features' own units); each ``>= 0``.
    n_repeats : int, default=10
        Draws of the noise per level.
    random_state : None, int or numpy Generator, default=None
        Seed of the noise; the same value gives the same table.
    relative : bool, default=True
        Whether each level is a fraction of each feature's spread (True) or an absolute standard deviation.

    Returns
    -------
    list of dict
        One row per level, in the given order: ``noise``, ``accuracy_mean``, ``accuracy_std`` (over the
        repeats, ``ddof=0``), ``n_repeats``.
    """
    score, X = _accuracy_function(model, X, y)
    if isinstance(noise_levels, (str, bytes)) or not hasattr(noise_levels, "__iter__"):
        raise TypeError(f"noise_levels must be a sequence of non-negative numbers, received {noise_levels!r}")
    levels = [check_float(level, f"noise_levels[{i}]", minimum=0.0) for i, level in enumerate(noise_levels)]
    if not levels:
        raise ValueError("noise_levels must hold at least one level, received an empty sequence")
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    rng = check_random_state(random_state, "random_state")
    scale = X.std(axis=0) if check_bool(relative, "relative") else np.ones(X.shape[1], X.dtype)
    accuracy = np.empty((len(levels), n_repeats))
    for r in range(n_repeats):
        noise = rng.standard_normal(X.shape) * scale
        for i, level in enumerate(levels):
            accuracy[i, r] = score(X + level * noise if level else X)
    return [{"noise": level, "accuracy_mean": float(accuracy[i].mean()), "accuracy_std": float(accuracy[i].std()),
             "n_repeats": n_repeats} for i, level in enumerate(levels)]


def decision_boundary_grid(model, X, resolution: int = 200, padding: float = 0.5) -> dict:
    """A model's predictions on a regular grid covering 2-D data, for drawing decision regions.

    Parameters
    ----------
    model : Sequential, fitted estimator, or fitted classifier with ``predict``
        A Perceptron works too (its ``decision_function`` gives the values).
    X : array-like of shape (n_samples, 2)
        The data whose bounding box, widened by ``padding`` on every side, the grid covers.
    resolution : int, default=200
        Grid points along each axis, in [2, 4096].
    padding : float, default=0.5
        Margin added beyond the data's minimum and maximum, in the units of the features.

    Returns
    -------
    dict
        - ``xx``, ``yy``: ndarray of shape (resolution, resolution), the grid (``np.meshgrid``: ``xx`` varies
          along columns, ``yy`` along rows);
        - ``predictions``: ndarray of shape (resolution, resolution): an estimator's ``predict`` (its labels);
          for a Sequential the class index (one output: 1 where it is ``> 0.5``; several: the argmax);
        - ``probabilities``: the class-1 probability of a binary classifier, shape (resolution, resolution);
          every class's probability of a multiclass one, shape (resolution, resolution, n_classes); None for a
          model without probabilities (a step Perceptron, a regressor, a Sequential whose output is neither
          sigmoid nor softmax);
        - ``values``: the continuous score behind the predictions: the network's raw outputs for a Sequential or
          an MLP estimator, ``decision_function`` for other classifiers (None if they have none); shape
          (resolution, resolution) for one output, (resolution, resolution, n_outputs) otherwise.
    """
    X = check_array(X, "X", dtype=np.float64)
    if X.shape[1] != 2:
        raise ValueError(f"decision_boundary_grid needs 2-D inputs (X with 2 columns), received {X.shape[1]}")
    resolution = check_int(resolution, "resolution", minimum=2, maximum=4096)
    padding = check_float(padding, "padding", minimum=0.0)
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    shape = xx.shape

    def as_grid(a):
        a = np.asarray(a)
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        return a.reshape(shape + a.shape[1:])

    if isinstance(model, Sequential):
        network = as_network(model)
        _check_X(network, X)
        values = network.predict(grid)
        name = network.output_activation.name
        probabilities = values if name in ("sigmoid", "softmax") else None
        if values.shape[1] == 1:
            predictions = (values[:, 0] > metrics_module.THRESHOLD).astype(np.intp)
        else:
            predictions = values.argmax(axis=1)
        return {"xx": xx, "yy": yy, "predictions": as_grid(predictions),
                "probabilities": None if probabilities is None else as_grid(probabilities),
                "values": as_grid(values)}
    _check_predictor(model)
    predictions = model.predict(grid)
    probabilities = None
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        probabilities = np.asarray(model.predict_proba(grid))
        if probabilities.ndim == 2 and probabilities.shape[1] == 2 and len(model.classes_) == 2:
            probabilities = probabilities[:, 1]
    network = network_of(model)
    if network is not None:
        values = network.predict(grid)
    elif hasattr(model, "decision_function"):
        values = model.decision_function(grid)
    else:
        values = None
    return {"xx": xx, "yy": yy, "predictions": as_grid(predictions),
            "probabilities": None if probabilities is None else as_grid(probabilities),
            "values": None if values is None else as_grid(values)}


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _check_output(output, n_outputs: int):
    if output is None or output == "sum":
        return output
    if isinstance(output, str):
        raise ValueError(f"output must be an output unit's index, 'sum' or None, received output={output!r}")
    if isinstance(output, bool) or not isinstance(output, numbers.Integral):
        raise TypeError(f"output must be an output unit's index, 'sum' or None, received output={output!r}")
    return check_int(output, "output", minimum=0, maximum=n_outputs - 1)


def _chosen_columns(out: np.ndarray, output) -> np.ndarray:
    if output is not None:
        return np.full(len(out), output, dtype=np.intp)
    return np.zeros(len(out), np.intp) if out.shape[1] == 1 else out.argmax(axis=1)


def _select(out: np.ndarray, columns) -> np.ndarray:
    out = out.astype(np.float64)
    return out.sum(axis=1) if columns is None else out[np.arange(len(out)), columns]


def _detached(model: Sequential) -> Sequential:
    """A shallow copy whose layers share the weights but own their caches, gradients and flags."""
    clone = copy.copy(model)
    clone.layers = []
    for layer in model.layers:
        twin = copy.copy(layer)
        twin.grads = {k: np.zeros_like(v) for k, v in layer.grads.items()}
        clone.layers.append(twin)
    return clone


def _check_predictor(model) -> None:
    if not hasattr(model, "predict") or not hasattr(model, "fit"):
        raise TypeError(f"model must be a glassnet Sequential or a fitted estimator with predict, received "
                        f"{type(model).__name__}")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)


def _accuracy_function(model, X, y):
    """``score(X_noisy) -> accuracy`` for ``model``, and ``X`` validated (float64)."""
    if isinstance(model, Sequential):
        network = as_network(model)
        X = _check_X(network, X).astype(np.float64)
        y = np.asarray(y)
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise ValueError(f"y must have one label (or one-hot row) per sample of X ({len(X)}), received "
                             f"shape {y.shape}")
        return (lambda Xn: metrics_module.accuracy(y, network.predict(Xn))), X
    _check_predictor(model)
    if not hasattr(model, "classes_"):
        raise TypeError(f"noise_robustness needs a classifier; {type(model).__name__} has no classes_")
    X = check_array(X, "X", dtype=np.float64)
    y = np.asarray(y)
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise ValueError(f"y must have one label (or label row) per sample of X ({len(X)}), received shape "
                         f"{y.shape}")

    def score(Xn):
        hits = np.asarray(model.predict(Xn)) == y
        return float((hits.all(axis=1) if hits.ndim == 2 else hits).mean())

    return score, X
