"""Metrics: numbers that say how well a network's outputs match the targets, by name or as functions.

Every metric has the same shape, ``metric(y_true, y_pred) -> float``, where ``y_pred`` is what the network
outputs and ``y_true`` is what it should have output. ``Sequential.compile(metrics=["accuracy"])`` looks
names up in :data:`METRICS` through :func:`get`; each function's ``__name__`` is its registry name, and ``"auc"``
is Keras's name for :func:`roc_auc` (the logs then say ``auc`` and ``val_auc``, as Keras's do).

How outputs are read for the classification metrics:

- ``y_pred`` of shape ``(n,)`` or ``(n, 1)`` is one sigmoid output, the probability of class 1: binary
  classification, class 1 where the probability is ``> 0.5`` (as scikit-learn's ``MLPClassifier.predict``).
- ``y_pred`` of shape ``(n, k)`` with ``k > 1`` is one score per class (softmax): the predicted class is the
  column with the largest score.
- ``y_true`` holds integer labels, shape ``(n,)`` or ``(n, 1)``, or one-hot rows, shape ``(n, k)``.
- ``y_true`` of shape ``(n, k)`` with a row that does not hold exactly one 1 is a multilabel indicator matrix:
  then every column of ``y_pred`` is its own sigmoid output, thresholded at 0.5.

The regression metrics compare ``y_true`` and ``y_pred`` as they are (``(n,)`` and ``(n, 1)`` are the same).

Every metric is plain NumPy, because training computes them every epoch and ``import glassnet`` should not
cost scikit-learn's second of start-up. Each gives the value of its :mod:`sklearn.metrics` counterpart (named
in its docstring; the tests compare them), up to rounding. scikit-learn is imported in one place only: to warn
with its ``UndefinedMetricWarning`` when a score is undefined (:func:`roc_auc` with one class, :func:`r2` with
one sample), so code that filters that warning keeps working.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

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
    y_true, y_pred = _regression_columns(y_true, y_pred)
    # the mean per output, then over outputs: scikit-learn's order of operations, so its rounding too
    return float(np.mean(np.mean(np.square(y_true - y_pred), axis=0)))


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
    y_true, y_pred = _regression_columns(y_true, y_pred)
    return float(np.mean(np.mean(np.abs(y_pred - y_true), axis=0)))


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
        equal weights (``sklearn.metrics.r2_score(multioutput="uniform_average")``). An output whose targets
        are all equal (no variance to explain) scores 1 if predicted exactly and 0 otherwise, as scikit-learn's
        ``force_finite=True``. NaN, with scikit-learn's ``UndefinedMetricWarning``, for fewer than two samples.
    """
    y_true, y_pred = _regression_columns(y_true, y_pred)
    if len(y_true) < 2:
        _warn_undefined(f"r2 is not defined for fewer than two samples (received {len(y_true)}); returning "
                        f"NaN", stacklevel=3)
        return math.nan
    residual = np.sum(np.square(y_true - y_pred), axis=0)
    variance = np.sum(np.square(y_true - np.mean(y_true, axis=0)), axis=0)
    scores = np.ones(y_true.shape[1])  # residual 0: a perfect fit, even of constant targets
    defined = (residual != 0) & (variance != 0)
    scores[defined] = 1 - residual[defined] / variance[defined]
    scores[(residual != 0) & (variance == 0)] = 0.0  # constant targets missed: 0 rather than -inf
    return float(np.mean(scores))


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

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes take the
    unweighted mean over the classes present in ``y_true`` or in the predictions (macro average), multilabel
    targets the mean over every label. A class never predicted scores 0 instead of raising a warning, because
    early epochs often predict one class only.

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
    true_positives, predicted, actual = _class_counts(_classes(y_true, y_pred))
    return _mean_ratio(true_positives, predicted)


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Recall: of the samples really in a class, the fraction predicted to be in it.

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes take the
    unweighted mean over the classes present in ``y_true`` or in the predictions (macro average), multilabel
    targets the mean over every label. A class absent from ``y_true`` scores 0.

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
    true_positives, predicted, actual = _class_counts(_classes(y_true, y_pred))
    return _mean_ratio(true_positives, actual)


def f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """F1 score: the harmonic mean of precision and recall, one number that punishes either being low.

    Binary problems (one sigmoid output, or two softmax outputs) score class 1; more classes take the
    unweighted mean of the per-class F1 over the classes present in ``y_true`` or in the predictions (macro
    average), multilabel targets the mean over every label. Undefined cases score 0.

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
    # 2 tp / (2 tp + fp + fn): the harmonic mean of precision and recall, written with counts only
    true_positives, predicted, actual = _class_counts(_classes(y_true, y_pred))
    return _mean_ratio(2 * true_positives, predicted + actual)


def roc_auc(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Area under the ROC curve: the chance that a random positive is scored above a random negative.

    Unlike the other classification metrics it uses the scores themselves, not thresholded labels. Binary
    problems use the probability of class 1 (the sigmoid output, or the second softmax column). More classes
    use one-vs-rest with a macro average, which needs probabilities (rows of ``y_pred`` summing to 1, as
    softmax outputs do). Multilabel targets average the per-label AUCs. A positive and a negative with the
    same score count as half a correctly ordered pair (the average ranks of the Mann-Whitney statistic).

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
        return _mean_auc(classes.true.astype(bool), scores, "labels")
    if classes.n_classes == 2:
        positive = scores if scores.ndim == 1 else scores[:, 1]
        auc = _auc(classes.true == 1, positive)
        if math.isnan(auc):
            _warn_undefined(f"roc_auc is not defined when y_true holds one class only (every label is "
                            f"{int(classes.true[0])}); returning NaN", stacklevel=3)
        return auc
    if not np.allclose(scores.sum(axis=1), 1.0):
        raise ValueError("roc_auc with more than two classes needs probabilities: every row of y_pred must "
                         "sum to 1 (use a softmax output)")
    one_vs_rest = classes.true[:, None] == np.arange(classes.n_classes)
    return _mean_auc(one_vs_rest, scores, "classes")


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------

METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "roc_auc": roc_auc,
    "auc": roc_auc,  # Keras's name; Keras's AUC metric approximates the curve with 200 thresholds, this is exact
    "mse": mse,
    "mae": mae,
    "r2": r2,
}
"""Every metric by name; the names are the ones ``compile(metrics=[...])`` accepts (``"auc"`` is ``roc_auc``)."""


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


def _class_counts(classes: _Classes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class scored: the true positives, how many were predicted in it, how many really are in it.

    The classes scored are scikit-learn's: class 1 alone for a binary problem (``average="binary"``), every
    class present in ``y_true`` or in the predictions for more (``average="macro"`` with its default labels),
    every label of a multilabel problem.
    """
    labels = classes.predicted()
    if classes.multilabel:
        return (np.count_nonzero(classes.true & labels, axis=0), np.count_nonzero(labels, axis=0),
                np.count_nonzero(classes.true, axis=0))
    k = classes.n_classes
    # confusion[i, j]: samples of class i predicted as class j
    confusion = np.bincount(classes.true * k + labels, minlength=k * k).reshape(k, k)
    true_positives, predicted, actual = np.diagonal(confusion), confusion.sum(axis=0), confusion.sum(axis=1)
    scored = slice(1, 2) if k == 2 else (predicted + actual) > 0
    return true_positives[scored], predicted[scored], actual[scored]


def _mean_ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    """The mean over classes of ``numerator / denominator``, a class with denominator 0 scoring 0
    (scikit-learn's ``zero_division=0``)."""
    ratios = np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)
    return float(np.mean(ratios))


def _mean_auc(positives: np.ndarray, scores: np.ndarray, kind: str) -> float:
    """The mean of each column's AUC (one-vs-rest, or per label); NaN, with a warning, if one is undefined."""
    aucs = [_auc(positives[:, j], scores[:, j]) for j in range(scores.shape[1])]
    undefined = [j for j, auc in enumerate(aucs) if math.isnan(auc)]
    if undefined:
        _warn_undefined(f"roc_auc is not defined for {kind} {undefined}: y_true holds no positives or no "
                        f"negatives for them; returning NaN", stacklevel=4)
    return float(np.mean(aucs))


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    r"""The area under the ROC curve of one binary problem, exactly: the Mann-Whitney statistic over P N.

    .. math:: \mathrm{AUC} = \frac{1}{PN} \sum_{p} \left(\#\{n : s_n < s_p\}
              + \tfrac12 \#\{n : s_n = s_p\}\right)

    over the P positives p and N negatives n: the fraction of (positive, negative) pairs in the right order,
    a tie counting half. That is the area under scikit-learn's ROC curve, where a run of tied scores is one
    diagonal step. Counted in integers over the groups of tied scores, then divided once. NaN when
    ``positive`` holds no positive or no negative (the caller warns).
    """
    n_positive = int(np.count_nonzero(positive))
    n_negative = positive.size - n_positive
    if n_positive == 0 or n_negative == 0:
        return math.nan
    order = np.argsort(score)
    sorted_scores = score[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_scores[1:] != sorted_scores[:-1])))
    # per group of tied scores, in increasing order of score
    positives = np.add.reduceat(positive[order].astype(np.int64), starts)
    negatives = np.diff(starts, append=positive.size) - positives
    negatives_below = np.cumsum(negatives) - negatives
    twice_pairs = int(np.dot(positives, 2 * negatives_below + negatives))
    return twice_pairs / (2 * n_positive * n_negative)  # Python ints: one correctly rounded division


def _warn_undefined(message: str, stacklevel: int) -> None:
    """Warn that a metric is undefined here, with scikit-learn's ``UndefinedMetricWarning``.

    The one import of scikit-learn in this module (about a second, the first time a score is undefined): the
    warning's class is scikit-learn's because the metrics have always raised it and callers filter it by class.
    """
    from sklearn.exceptions import UndefinedMetricWarning

    warnings.warn(message, UndefinedMetricWarning, stacklevel=stacklevel)


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


def _regression_columns(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate regression targets and outputs: two arrays of shape (n_samples, n_outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)


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
