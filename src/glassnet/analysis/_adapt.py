"""Any model or fitted estimator -> the network the analysis and the plots read, and targets in that network's terms.

Every analysis function and every plot takes a :class:`~glassnet.Sequential` or a fitted
:class:`~glassnet.MLPClassifier`/:class:`~glassnet.MLPRegressor` (whose network is ``model_``); this module is the
one place that turns either into the Sequential, and a classifier's labels into the targets its network trains on.

Estimators are recognised without importing their modules (so scikit-learn loads only when an estimator is
used): a fitted glassnet estimator has a Sequential in ``model_``; an MLP estimator has ``hidden_layer_sizes``;
a :class:`~glassnet.Perceptron` is an instance of the class in ``glassnet.perceptron`` if that module is loaded
at all (an object of a class whose module was never imported cannot exist).
"""

from __future__ import annotations

import sys

import numpy as np

from ..model import Sequential

_PACKAGE = __name__.split(".")[0]


def as_network(obj, name: str = "model", *, require_built: bool = True) -> Sequential:
    """The Sequential behind ``obj``: itself, or a fitted estimator's ``model_``; anything else is refused.

    Parameters
    ----------
    obj : Sequential or fitted MLPClassifier/MLPRegressor
    name : str, default="model"
        The argument's name in the messages.
    require_built : bool, default=True
        Refuse a network that is not built yet (whose weights do not exist).

    Returns
    -------
    Sequential
        ``obj`` itself or the estimator's ``model_`` (not a copy).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        For an MLP estimator that is not fitted (a ``ValueError``).
    TypeError
        For anything else (a Perceptron, which has no hidden layers, is named as such).
    ValueError
        For a network that is not built, when ``require_built``.
    """
    network = network_of(obj)
    if network is None:
        if hasattr(obj, "hidden_layer_sizes") and hasattr(obj, "fit"):
            from sklearn.utils.validation import check_is_fitted

            check_is_fitted(obj)  # an unfitted estimator: NotFittedError, which says to fit it first
        extra = " (a Perceptron has no hidden layers)" if is_perceptron(obj) else ""
        raise TypeError(f"{name} must be a glassnet Sequential or a fitted MLPClassifier/MLPRegressor, received "
                        f"{type(obj).__name__}{extra}")
    if require_built and not network.built:
        raise ValueError(f"{name} is not built yet: give input_dim to Sequential, call build(), or fit() first")
    return network


def network_of(obj) -> Sequential | None:
    """The Sequential behind ``obj`` (itself, or a fitted estimator's ``model_``), or None when it has none.

    Parameters
    ----------
    obj : object

    Returns
    -------
    Sequential or None
    """
    if isinstance(obj, Sequential):
        return obj
    network = getattr(obj, "model_", None)
    return network if isinstance(network, Sequential) else None


def network_targets(obj, y) -> np.ndarray:
    """``y`` in the form ``obj``'s network trains on: a fitted classifier's labels encoded as it encodes them.

    A classifier's network sees one 0/1 column for two classes and one-hot rows for more (scikit-learn's
    :func:`~sklearn.preprocessing.label_binarize` over ``classes_``, as the estimator does); a regressor's targets,
    a multilabel indicator matrix and anything given with a Sequential are returned as they are.

    Parameters
    ----------
    obj : Sequential or fitted estimator
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        For ``y`` that is not 1-D or 2-D, or labels that are not in the classifier's ``classes_``.
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be a 1-D or 2-D array, received an array of shape {y.shape}")
    classes = getattr(obj, "classes_", None)
    if isinstance(obj, Sequential) or classes is None:
        return y
    if y.ndim == 1:
        index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        unknown = classes[index] != y
        if unknown.any():
            raise ValueError(f"y has labels not in the estimator's classes_ {list(classes)}: "
                             f"{sorted(set(y[unknown].tolist()))[:5]}")
    from sklearn.preprocessing import label_binarize

    return label_binarize(y, classes=classes)


def is_perceptron(obj) -> bool:
    """Whether ``obj`` is a :class:`~glassnet.Perceptron`, without importing ``glassnet.perceptron``."""
    module = sys.modules.get(f"{_PACKAGE}.perceptron")
    return module is not None and isinstance(obj, module.Perceptron)


def is_estimator(obj) -> bool:
    """Whether ``obj`` is a scikit-learn estimator (glassnet's included), without importing scikit-learn."""
    module = sys.modules.get("sklearn.base")
    return module is not None and isinstance(obj, module.BaseEstimator)


def require_compiled(net: Sequential, what: str, built: bool = True) -> None:
    """Refuse, naming the tool ``what``, a network it cannot run: not compiled, no layers, or (``built``) not
    built (building draws weights, a change an analysis must not make)."""
    if net.loss is None:
        raise RuntimeError(f"call compile(loss=..., optimizer=...) before {what}()")
    if not net.layers:
        raise RuntimeError(f"the model has no layers; add some before {what}()")
    if built and not net.built:
        raise RuntimeError(f"the model is not built yet: give input_dim to Sequential, call build(), or fit() "
                           f"before {what}()")
