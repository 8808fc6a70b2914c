"""Tests for glassnet.metrics: each against scikit-learn computed independently, the registry, bad input."""

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from glassnet import metrics

N = 97  # odd, so no metric is accidentally exact on balanced halves


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def binary_case(rng):
    y = rng.integers(0, 2, N)
    # probabilities correlated with the labels, so the metrics are neither 0 nor 1
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, N), 0, 1)
    return y, p


def multiclass_case(rng, k=4):
    y = rng.integers(0, k, N)
    logits = rng.normal(size=(N, k))
    logits[np.arange(N), y] += 1.0
    return y, softmax(logits)


def multilabel_case(rng, k=3):
    Y = rng.integers(0, 2, (N, k))
    Y[0] = [1, 1, 0]  # at least one row that is not one-hot
    P = np.clip(0.3 * Y + rng.uniform(0, 0.7, (N, k)), 0, 1)
    return Y, P


# --------------------------------------------------------------------------------------------------
# Classification against scikit-learn
# --------------------------------------------------------------------------------------------------

LABEL_METRICS = [
    ("precision", skm.precision_score),
    ("recall", skm.recall_score),
    ("f1", skm.f1_score),
]


@pytest.mark.parametrize("true_shape", ["flat", "column"])
@pytest.mark.parametrize("pred_shape", ["flat", "column"])
def test_binary_sigmoid_output_matches_sklearn(rng, true_shape, pred_shape):
    y, p = binary_case(rng)
    labels = (p > 0.5).astype(int)
    y_in = y if true_shape == "flat" else y[:, None]
    p_in = p if pred_shape == "flat" else p[:, None]
    assert metrics.accuracy(y_in, p_in) == pytest.approx(skm.accuracy_score(y, labels))
    for name, sk in LABEL_METRICS:
        assert metrics.get(name)(y_in, p_in) == pytest.approx(sk(y, labels)), name
    assert metrics.roc_auc(y_in, p_in) == pytest.approx(skm.roc_auc_score(y, p))


def test_binary_softmax_output_matches_sklearn(rng):
    y, P = multiclass_case(rng, k=2)
    labels = P.argmax(axis=1)
    assert metrics.accuracy(y, P) == pytest.approx(skm.accuracy_score(y, labels))
    for name, sk in LABEL_METRICS:
        assert metrics.get(name)(y, P) == pytest.approx(sk(y, labels)), name
    assert metrics.roc_auc(y, P) == pytest.approx(skm.roc_auc_score(y, P[:, 1]))


@pytest.mark.parametrize("one_hot", [False, True])
def test_multiclass_matches_sklearn_macro(rng, one_hot):
    y, P = multiclass_case(rng, k=4)
    labels = P.argmax(axis=1)
    y_in = np.eye(4)[y] if one_hot else y
    assert metrics.accuracy(y_in, P) == pytest.approx(skm.accuracy_score(y, labels))
    for name, sk in LABEL_METRICS:
        expected = sk(y, labels, average="macro", zero_division=0)
        assert metrics.get(name)(y_in, P) == pytest.approx(expected), name
    assert metrics.roc_auc(y_in, P) == pytest.approx(skm.roc_auc_score(y, P, multi_class="ovr"))


def test_multilabel_matches_sklearn(rng):
    Y, P = multilabel_case(rng)
    labels = (P > 0.5).astype(int)
    assert metrics.accuracy(Y, P) == pytest.approx(skm.accuracy_score(Y, labels))
    for name, sk in LABEL_METRICS:
        expected = sk(Y, labels, average="macro", zero_division=0)
        assert metrics.get(name)(Y, P) == pytest.approx(expected), name
    assert metrics.roc_auc(Y, P) == pytest.approx(skm.roc_auc_score(Y, P))


def test_accuracy_by_hand():
    # closed form: 3 of 4 right
    assert metrics.accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1]) == 0.75
    assert metrics.accuracy([2, 0, 1], [[0, 0, 1], [1, 0, 0], [0, 0, 1]]) == pytest.approx(2 / 3)
    # subset accuracy: the second row has one of two labels wrong
    assert metrics.accuracy([[1, 1], [1, 0]], [[0.9, 0.8], [0.9, 0.7]]) == 0.5


def test_threshold_is_strict():
    # 0.5 is not above the threshold, as scikit-learn's MLPClassifier.predict
    assert metrics.accuracy([0], [0.5]) == 1.0


def test_undefined_precision_scores_zero_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.precision([0, 1, 1], [0.1, 0.2, 0.3]) == 0.0
        assert metrics.f1([0, 1, 1], [0.1, 0.2, 0.3]) == 0.0


def test_roc_auc_with_one_class_is_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(metrics.roc_auc([1, 1, 1], [0.2, 0.6, 0.9]))


# --------------------------------------------------------------------------------------------------
# Regression against scikit-learn
# --------------------------------------------------------------------------------------------------

REGRESSION = [
    ("mse", skm.mean_squared_error),
    ("mae", skm.mean_absolute_error),
    ("r2", skm.r2_score),
]


@pytest.mark.parametrize("name, sk", REGRESSION)
def test_regression_single_output_matches_sklearn(rng, name, sk):
    y = rng.normal(size=N)
    pred = y + rng.normal(scale=0.5, size=N)
    expected = sk(y, pred)
    fn = metrics.get(name)
    for y_in, pred_in in [(y, pred), (y[:, None], pred), (y, pred[:, None]), (y[:, None], pred[:, None])]:
        assert fn(y_in, pred_in) == pytest.approx(expected)


@pytest.mark.parametrize("name, sk", REGRESSION)
def test_regression_multi_output_matches_sklearn(rng, name, sk):
    Y = rng.normal(size=(N, 3)) * [1.0, 10.0, 0.1]
    pred = Y + rng.normal(scale=0.3, size=(N, 3))
    assert metrics.get(name)(Y, pred) == pytest.approx(sk(Y, pred, multioutput="uniform_average"))


def test_regression_closed_forms():
    assert metrics.mse([1.0, 2.0], [2.0, 4.0]) == pytest.approx(2.5)
    assert metrics.mae([1.0, 2.0], [2.0, 4.0]) == pytest.approx(1.5)
    assert metrics.r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert metrics.r2([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == 0.0


# --------------------------------------------------------------------------------------------------
# Registry and return types
# --------------------------------------------------------------------------------------------------

def test_registry_names_and_function_names():
    expected = {"accuracy", "precision", "recall", "f1", "roc_auc", "mse", "mae", "r2"}
    assert set(metrics.METRICS) == expected
    for name, fn in metrics.METRICS.items():
        assert fn.__name__ == name
        assert metrics.get(name) is fn


@pytest.mark.parametrize("name", ["accuracy", "precision", "recall", "f1", "roc_auc"])
def test_classification_metrics_return_python_float(rng, name):
    y, p = binary_case(rng)
    assert type(metrics.get(name)(y, p.astype(np.float32))) is float


@pytest.mark.parametrize("name", ["mse", "mae", "r2"])
def test_regression_metrics_return_python_float(rng, name):
    y = rng.normal(size=N)
    assert type(metrics.get(name)(y, y.astype(np.float32) + 1)) is float


def test_get_returns_callables_unchanged():
    def custom(y_true, y_pred):
        return 0.0

    assert metrics.get(custom) is custom


def test_get_unknown_name_lists_names_and_suggests():
    with pytest.raises(ValueError, match="Did you mean 'accuracy'") as info:
        metrics.get("acuracy")
    assert "roc_auc" in str(info.value)


def test_get_refuses_non_names():
    with pytest.raises(TypeError, match="metric must be a name"):
        metrics.get(3)


# --------------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------------

ALL = sorted(metrics.METRICS)


@pytest.mark.parametrize("name", ALL)
def test_mismatched_lengths(name):
    with pytest.raises(ValueError, match="same number of samples"):
        metrics.get(name)([0, 1, 1], [0.2, 0.7])


@pytest.mark.parametrize("name", ALL)
def test_nan_in_predictions(name):
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        metrics.get(name)([0, 1, 1], [0.2, np.nan, 0.4])


@pytest.mark.parametrize("name", ALL)
def test_nan_in_targets(name):
    with pytest.raises(ValueError, match="y_true contains NaN"):
        metrics.get(name)([0, np.nan, 1], [0.2, 0.1, 0.4])


@pytest.mark.parametrize("name", ALL)
def test_wrong_ndim(name):
    with pytest.raises(ValueError, match="y_pred must be a 1 or 2-D array"):
        metrics.get(name)([0, 1], np.zeros((2, 1, 1)))


@pytest.mark.parametrize("name", ALL)
def test_strings_refused(name):
    with pytest.raises(TypeError, match="y_true must contain only numbers"):
        metrics.get(name)(["a", "b"], [0.1, 0.2])


def test_non_integer_labels():
    with pytest.raises(ValueError, match="class labels.*0.5"):
        metrics.accuracy([0, 0.5, 1], [0.1, 0.2, 0.3])


def test_negative_labels():
    with pytest.raises(ValueError, match="class labels"):
        metrics.recall([0, -1, 1], [0.1, 0.2, 0.3])


def test_multiclass_labels_with_single_output():
    with pytest.raises(ValueError, match=r"one column.*labels \[0, 1, 2\]"):
        metrics.accuracy([0, 1, 2], [0.1, 0.2, 0.3])


def test_label_beyond_output_columns():
    with pytest.raises(ValueError, match="label 3 but y_pred has only 3 columns"):
        metrics.f1([0, 1, 3], np.full((3, 3), 1 / 3))


def test_one_hot_width_must_match():
    with pytest.raises(ValueError, match="y_true has 3 columns .* y_pred has 2"):
        metrics.accuracy(np.eye(3), np.full((3, 2), 0.5))


def test_indicator_must_be_zero_one():
    with pytest.raises(ValueError, match="0/1 indicator"):
        metrics.precision([[0, 2], [1, 0]], [[0.1, 0.9], [0.8, 0.2]])


def test_regression_shape_mismatch():
    with pytest.raises(ValueError, match=r"same shape, received \(3, 2\) and \(3,\)"):
        metrics.mse(np.zeros((3, 2)), np.zeros(3))


def test_roc_auc_multiclass_needs_probabilities(rng):
    y, P = multiclass_case(rng, k=3)
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.roc_auc(y, P * 2)


def test_empty_input():
    with pytest.raises(ValueError, match="at least 1 sample"):
        metrics.accuracy([], [])
