"""Metrics: numbers that say how well a network's outputs match the targets, by name or as functions.

Every metric has the same shape, ``metric(y_true, y_pred) -> float``, where ``y_pred`` is what the network
outputs and ``y_true`` is what it should have output. ``Sequential.compile(metrics=["accuracy"])`` looks
names up in :data:`METRICS` through :func:`get`; each function's ``__name__`` is its registry name.

How outputs are read for the classification metrics:

- ``y_pred`` of shape ``(n,)`` or ``(n, 1)`` is one sigmoid output, the probability of class 1: binary
  classification, class 1 where the probability is ``> 0.5`` (as scikit-learn's ``MLPClassifier.predict``).
- ``y_pred`` of shape ``(n, k)`` with ``k > 1`` is one score per class (softmax): the predicted class is the
  column with the largest score.
- ``y_true`` holds integer labels, shape ``(n,)`` or ``(n, 1)``, or one-hot rows, shape ``(n, k)``.
- ``y_true`` of shape ``(n, k)`` with a row that does not hold exactly one 1 is a multilabel indicator matrix:
  then every column of ``y_pred`` is its own sigmoid output, thresholded at 0.5.

The regression metrics compare ``y_true`` and ``y_pred`` as they are (``(n,)`` and ``(n, 1)`` are the same).
Everything but :func:`accuracy` wraps :mod:`sklearn.metrics` once outputs are turned into labels; accuracy is
plain NumPy because it runs every epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn import metrics as sk_metrics

from ._validation import check_array, check_same_length, unknown_name_message

__all__ = ["METRICS", "accuracy", "f1", "get", "mae", "mse", "precision", "r2", "recall", "roc_auc"]

Metric = Callable[[ArrayLike, ArrayLike], float]

THRESHOLD = 0.5
"""A sigmoid output above this value predicts class 1."""


# --------------------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------------------

def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean squared error of a regression: the mean of ``(y_true - y_pred) ** 2``, averaged over outputs.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    y_pred : array-like of the same shape
        Network outputs.

    Returns
    -------
    float
        Non-negative; 0 for a perfect fit. Same as ``sklearn.metrics.mean_squared_error``.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(sk_metrics.mean_squared_error(y_true, y_pred))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error of a regression: the mean of ``|y_true - y_pred|``, averaged over outputs.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    y_pred : array-like of the same shape
        Network outputs.

    Returns
    -------
    float
        Non-negative; 0 for a perfect fit. Same as ``sklearn.metrics.mean_absolute_error``.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(sk_metrics.mean_absolute_error(y_true, y_pred))


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Coefficient of determination R² of a regression: the share of the targets' variance explained.

    .. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    y_pred : array-like of the same shape
        Network outputs.

    Returns
    -------
    float
        1 for a perfect fit, 0 for predicting the mean, negative for worse. Several outputs are averaged with
        equal weights (``sklearn.metrics.r2_score(multioutput="uniform_average")``). NaN, with scikit-learn's
        ``UndefinedMetricWarning``, for fewer than two samples.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(sk_metrics.r2_score(y_true, y_pred, multioutput="uniform_average"))


# --------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------

def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Classification accuracy: the fraction of samples whose predicted class is the true class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Integer labels, one-hot rows, or a multilabel indicator matrix (see the module docstring).
    y_pred : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Network outputs: one sigmoid probability, or one score per class.

    Returns
    -------
    float
        In [0, 1]. For multilabel targets this is subset accuracy: a sample counts only when every one of its
        labels is right (as ``sklearn.metrics.accuracy_score``).
    """
    classes = _classes(y_true, y_pred)
    hits = classes.true == classes.predicted()
    if classes.multilabel:
        hits = hits.all(axis=1)
    return float(hits.mean())


def precision(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Precision: of the samples predicted to be in a class, the fraction that really are.

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes, and multilabel
    targets, take the unweighted mean over classes (macro average). A class never predicted scores 0 instead
    of raising a warning, because early epochs often predict one class only.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Integer labels, one-hot rows, or a multilabel indicator matrix.
    y_pred : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Network outputs: one sigmoid probability, or one score per class.

    Returns
    -------
    float
        In [0, 1]. Same as ``sklearn.metrics.precision_score(average="binary" or "macro", zero_division=0)``
        on the predicted labels.
    """
    return _binary_or_macro(sk_metrics.precision_score, y_true, y_pred)


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Recall: of the samples really in a class, the fraction predicted to be in it.

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes, and multilabel
    targets, take the unweighted mean over classes (macro average). A class absent from ``y_true`` scores 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Integer labels, one-hot rows, or a multilabel indicator matrix.
    y_pred : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Network outputs: one sigmoid probability, or one score per class.

    Returns
    -------
    float
        In [0, 1]. Same as ``sklearn.metrics.recall_score(average="binary" or "macro", zero_division=0)`` on
        the predicted labels.
    """
    return _binary_or_macro(sk_metrics.recall_score, y_true, y_pred)


def f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """F1 score: the harmonic mean of precision and recall, one number that punishes either being low.

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes, and multilabel
    targets, take the unweighted mean of the per-class F1 (macro average). Undefined cases score 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Integer labels, one-hot rows, or a multilabel indicator matrix.
    y_pred : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Network outputs: one sigmoid probability, or one score per class.

    Returns
    -------
    float
        In [0, 1]. Same as ``sklearn.metrics.f1_score(average="binary" or "macro", zero_division=0)`` on the
        predicted labels.
    """
    return _binary_or_macro(sk_metrics.f1_score, y_true, y_pred)


def roc_auc(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Area under the ROC curve: the chance that a random positive is scored above a random negative.

    Unlike the other classification metrics it uses the scores themselves, not thresholded labels. Binary
    problems use the probability of class 1 (the sigmoid output, or the second softmax column). More classes
    use one-vs-rest with a macro average, which needs probabilities (rows of ``y_pred`` summing to 1, as
    softmax outputs do). Multilabel targets average the per-label AUCs.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Integer labels, one-hot rows, or a multilabel indicator matrix.
    y_pred : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Network outputs: one sigmoid probability, or one probability per class.

    Returns
    -------
    float
        In [0, 1]; 0.5 is chance. Same as ``sklearn.metrics.roc_auc_score`` (``multi_class="ovr"`` for more
        than two classes). NaN, with scikit-learn's ``UndefinedMetricWarning``, when a class is missing from
        ``y_true``: the curve needs both positives and negatives.
    """
    classes = _classes(y_true, y_pred)
    scores = classes.scores
    if classes.multilabel:
        return float(sk_metrics.roc_auc_score(classes.true, scores, average="macro"))
    if classes.n_classes == 2:
        positive = scores if scores.ndim == 1 else scores[:, 1]
        return float(sk_metrics.roc_auc_score(classes.true, positive))
    if not np.allclose(scores.sum(axis=1), 1.0):
        raise ValueError("roc_auc with more than two classes needs probabilities: every row of y_pred must "
                         "sum to 1 (use a softmax output)")
    return float(sk_metrics.roc_auc_score(classes.true, scores, multi_class="ovr", average="macro",
                                          labels=np.arange(classes.n_classes)))


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------

METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "roc_auc": roc_auc,
    "mse": mse,
    "mae": mae,
    "r2": r2,
}
"""Every metric by name; the names are the ones ``compile(metrics=[...])`` accepts."""


def get(metric: str | Metric) -> Metric:
    """Resolve a metric given by name (a key of :data:`METRICS`) or as a callable, which is returned as is.

    Parameters
    ----------
    metric : str or callable
        A name such as ``"accuracy"``, or a function ``metric(y_true, y_pred) -> float``.

    Returns
    -------
    callable

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names and suggests the closest.
    TypeError
        For anything that is neither a string nor callable.
    """
    if callable(metric):
        return metric
    if isinstance(metric, str):
        if metric in METRICS:
            return METRICS[metric]
        raise ValueError(unknown_name_message(metric, "metric", METRICS))
    raise TypeError(f"metric must be a name (one of {sorted(METRICS)}) or a callable, received "
                    f"metric={metric!r} ({type(metric).__name__})")


# --------------------------------------------------------------------------------------------------
# Reading targets and outputs
# --------------------------------------------------------------------------------------------------

class _Classes(NamedTuple):
    """Targets and outputs of a classifier, read once and shared by the metrics."""

    true: np.ndarray      # (n,) integer labels, or (n, k) 0/1 indicator matrix when multilabel
    scores: np.ndarray    # (n,) probability of class 1, or (n, k) one score per class / label
    n_classes: int        # number of classes the outputs can express (2 for a single sigmoid)
    multilabel: bool

    def predicted(self) -> np.ndarray:
        """The predicted labels: thresholded sigmoid outputs, or the argmax over classes."""
        if self.multilabel or self.scores.ndim == 1:
            return (self.scores > THRESHOLD).astype(np.intp)
        return np.argmax(self.scores, axis=1)


def _binary_or_macro(score: Callable, y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Apply a scikit-learn label metric: binary for two classes, macro average otherwise."""
    classes = _classes(y_true, y_pred)
    average = "binary" if classes.n_classes == 2 and not classes.multilabel else "macro"
    return float(score(classes.true, classes.predicted(), average=average, zero_division=0))


def _classes(y_true: ArrayLike, y_pred: ArrayLike) -> _Classes:
    """Validate a classifier's targets and outputs and say how to read them (see the module docstring)."""
    y_true = check_array(y_true, "y_true", ndim=(1, 2))
    y_pred = check_array(y_pred, "y_pred", ndim=(1, 2))
    check_same_length("y_true", y_true, "y_pred", y_pred)
    n_outputs = 1 if y_pred.ndim == 1 else y_pred.shape[1]
    scores = y_pred.ravel() if n_outputs == 1 else y_pred
    n_classes = max(n_outputs, 2)

    if y_true.ndim == 2 and y_true.shape[1] > 1:
        if not np.isin(y_true, (0.0, 1.0)).all():
            raise ValueError(f"y_true of shape {y_true.shape} must be one-hot rows or a 0/1 indicator "
                             f"matrix; received values other than 0 and 1")
        if y_true.shape[1] != n_outputs:
            raise ValueError(f"y_true has {y_true.shape[1]} columns (one-hot or indicator) but y_pred has "
                             f"{n_outputs}; they must match")
        if (y_true.sum(axis=1) != 1).any():
            return _Classes(y_true.astype(np.intp), scores, n_classes, multilabel=True)
        return _Classes(np.argmax(y_true, axis=1), scores, n_classes, multilabel=False)

    labels = y_true.ravel()
    bad = (labels < 0) | (labels != np.floor(labels))
    if bad.any():
        raise ValueError(f"y_true must hold class labels (integers >= 0) or one-hot rows; received values "
                         f"such as {float(labels[bad][0])}")
    if labels.max() >= n_classes:
        found = np.unique(labels).astype(np.int64).tolist()
        if n_outputs == 1:
            raise ValueError(f"y_pred has one column (a sigmoid output: binary classification), so y_true "
                             f"must hold labels 0 and 1; received labels {found[:10]}. For more classes "
                             f"pass y_pred with one column per class")
        raise ValueError(f"y_true has label {int(labels.max())} but y_pred has only {n_outputs} columns "
                         f"(classes 0..{n_outputs - 1})")
    return _Classes(labels.astype(np.intp), scores, n_classes, multilabel=False)


def _regression_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate regression targets and outputs; a single column is flattened so (n,) and (n, 1) agree."""
    y_true = check_array(y_true, "y_true", ndim=(1, 2))
    y_pred = check_array(y_pred, "y_pred", ndim=(1, 2))
    check_same_length("y_true", y_true, "y_pred", y_pred)
    shapes = (y_true.shape, y_pred.shape)
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true.ravel()
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, received {shapes[0]} and {shapes[1]}")
    return y_true, y_pred
