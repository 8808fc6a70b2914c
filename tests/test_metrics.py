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


def test_roc_auc_closed_forms():
    # the fraction of (positive, negative) pairs in the right order, a tie counting half
    assert metrics.roc_auc([0, 1, 0, 1], [0.1, 0.4, 0.4, 0.8]) == 3.5 / 4
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    assert metrics.roc_auc([0, 1, 1, 0, 1], [0.3] * 5) == 0.5


@pytest.mark.parametrize("seed", range(12))
def test_random_cases_match_sklearn(seed):
    """Every classification metric on random targets and outputs of random sizes, with and without ties,
    against scikit-learn's functions on the same labels and scores."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 400))
    ties = seed % 2 == 0  # rounded scores: many ties between positives and negatives
    k = int(rng.integers(3, 8))

    y = rng.integers(0, 2, n)
    p = np.round(rng.uniform(size=n), 1) if ties else rng.uniform(size=n)
    labels = (p > 0.5).astype(int)
    for name, sk in LABEL_METRICS:
        assert metrics.get(name)(y, p) == pytest.approx(sk(y, labels, zero_division=0), rel=1e-12), name
    if len(np.unique(y)) == 2:
        assert metrics.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)

    y = rng.integers(0, k, n)
    logits = rng.normal(scale=2.0, size=(n, k))
    P = softmax(np.round(logits) if ties else logits)
    labels = P.argmax(axis=1)
    for y_in in (y, np.eye(k)[y]):
        assert metrics.accuracy(y_in, P) == pytest.approx(skm.accuracy_score(y, labels), rel=1e-12)
        for name, sk in LABEL_METRICS:
            expected = sk(y, labels, average="macro", zero_division=0)
            assert metrics.get(name)(y_in, P) == pytest.approx(expected, rel=1e-12), name
        if len(np.unique(y)) == k:
            expected = skm.roc_auc_score(y, P, multi_class="ovr", labels=np.arange(k))
            assert metrics.roc_auc(y_in, P) == pytest.approx(expected, rel=1e-12)

    Y = rng.integers(0, 2, (n, k))
    Y[0, :2] = 1  # at least one row that is not one-hot
    P = rng.uniform(size=(n, k))
    P = np.round(P, 1) if ties else P
    labels = (P > 0.5).astype(int)
    assert metrics.accuracy(Y, P) == pytest.approx(skm.accuracy_score(Y, labels), rel=1e-12)
    for name, sk in LABEL_METRICS:
        expected = sk(Y, labels, average="macro", zero_division=0)
        assert metrics.get(name)(Y, P) == pytest.approx(expected, rel=1e-12), name
    if np.all((Y.min(axis=0) == 0) & (Y.max(axis=0) == 1)):
        assert metrics.roc_auc(Y, P) == pytest.approx(skm.roc_auc_score(Y, P), rel=1e-12)


def test_roc_auc_with_many_ties_and_float32_scores_matches_sklearn(rng):
    n = 20_000
    y = rng.integers(0, 2, n)
    p = np.round(np.clip(0.2 * y + rng.uniform(0, 0.8, n), 0, 1), 2).astype(np.float32)
    assert metrics.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    y = rng.integers(0, 10, n)
    P = softmax(np.round(rng.normal(size=(n, 10))).astype(np.float32))
    expected = skm.roc_auc_score(y, P, multi_class="ovr", labels=np.arange(10))
    assert metrics.roc_auc(y, P) == pytest.approx(expected, rel=1e-12)


def test_macro_average_runs_over_classes_present(rng):
    # five softmax columns; classes 2 and 4 are neither in y_true nor ever predicted, so scikit-learn's macro
    # average (labels present in either) leaves them out, where a mean over all five would count them as 0
    y = rng.choice([0, 1, 3], N)
    logits = rng.normal(size=(N, 5))
    logits[:, [2, 4]] = -50.0
    P = softmax(logits)
    labels = P.argmax(axis=1)
    assert set(labels) <= {0, 1, 3}
    for name, sk in LABEL_METRICS:
        expected = sk(y, labels, average="macro", zero_division=0)
        assert metrics.get(name)(y, P) == pytest.approx(expected, rel=1e-12), name
        assert metrics.get(name)(np.eye(5)[y], P) == pytest.approx(expected, rel=1e-12), name


@pytest.mark.parametrize("y_true, y_pred", [
    ([1, 1, 1, 1], [0.7, 0.2, 0.9, 0.6]),              # one class in y_true
    ([0, 0, 0, 0], [0.7, 0.2, 0.9, 0.6]),
    ([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4]),              # class 1 neither true nor predicted
    ([0, 1, 1, 0], [0.9, 0.8, 0.7, 0.6]),              # one class predicted
    ([0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4]),
])
def test_label_metrics_with_a_single_class_match_sklearn(y_true, y_pred):
    labels = (np.array(y_pred) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zero_division=0: no warning from ours
        assert metrics.accuracy(y_true, y_pred) == skm.accuracy_score(y_true, labels)
        for name, sk in LABEL_METRICS:
            assert metrics.get(name)(y_true, y_pred) == sk(y_true, labels, zero_division=0), name


def test_label_metrics_with_a_single_multiclass_class_match_sklearn():
    y = [2, 2, 2]
    P = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    labels = P.argmax(axis=1)
    for name, sk in LABEL_METRICS:
        expected = sk(y, labels, average="macro", zero_division=0)
        assert metrics.get(name)(y, P) == pytest.approx(expected, rel=1e-12), name


@pytest.mark.parametrize("y_true, y_pred", [
    ([0, 0, 0], [0.2, 0.6, 0.9]),
    ([0, 0, 0], [[0.8, 0.2], [0.4, 0.6], [0.1, 0.9]]),
    ([1, 1, 1], [[0.8, 0.2], [0.4, 0.6], [0.1, 0.9]]),
])
def test_roc_auc_binary_with_one_class_is_nan_like_sklearn(y_true, y_pred):
    positive = np.array(y_pred) if np.ndim(y_pred) == 1 else np.array(y_pred)[:, 1]
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(skm.roc_auc_score(y_true, positive))
    with pytest.warns(UndefinedMetricWarning, match="one class"):
        assert np.isnan(metrics.roc_auc(y_true, y_pred))


def test_roc_auc_multiclass_with_a_class_missing_is_nan_like_sklearn():
    y = [0, 1, 0, 1]  # class 2 has no positives
    P = softmax(np.array([[2.0, 0.0, 1.0], [0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 2.0]]))
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(skm.roc_auc_score(y, P, multi_class="ovr", labels=np.arange(3)))
    with pytest.warns(UndefinedMetricWarning, match=r"classes \[2\]"):
        assert np.isnan(metrics.roc_auc(y, P))


def test_roc_auc_multilabel_with_a_constant_label_is_nan_like_sklearn():
    Y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1]])  # label 1 has no positives
    P = np.array([[0.9, 0.1, 0.8], [0.2, 0.3, 0.7], [0.6, 0.2, 0.1], [0.3, 0.4, 0.9]])
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(skm.roc_auc_score(Y, P))
    with pytest.warns(UndefinedMetricWarning, match=r"labels \[1\]"):
        assert np.isnan(metrics.roc_auc(Y, P))


@pytest.mark.parametrize("name", ["accuracy", "precision", "recall", "f1", "roc_auc"])
def test_defined_scores_do_not_warn(rng, name):
    y, P = multiclass_case(rng, k=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.get(name)(y, P)


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


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name, sk", REGRESSION)
def test_regression_random_cases_match_sklearn(seed, name, sk):
    rng = np.random.default_rng(200 + seed)
    n, k = int(rng.integers(2, 300)), int(rng.integers(1, 5))
    Y = rng.normal(scale=rng.uniform(0.1, 100), size=(n, k))
    pred = (Y + rng.normal(size=(n, k))).astype(np.float32)  # float32 outputs, as a float32 network gives
    assert metrics.get(name)(Y, pred) == pytest.approx(sk(Y, pred), rel=1e-12)
    assert metrics.get(name)(Y[:, 0], pred[:, :1]) == pytest.approx(sk(Y[:, 0], pred[:, 0]), rel=1e-12)


@pytest.mark.parametrize("pred", [[3.0, 3.0, 3.0], [3.0, 2.0, 3.0]])
def test_r2_with_constant_targets_matches_sklearn(pred):
    # no variance to explain: 1 for an exact fit, 0 otherwise (scikit-learn's force_finite), never -inf or NaN
    assert metrics.r2([3.0, 3.0, 3.0], pred) == skm.r2_score([3.0, 3.0, 3.0], pred)
    Y = np.column_stack([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]])
    P = np.column_stack([pred, [1.5, 2.0, 3.0]])
    assert metrics.r2(Y, P) == pytest.approx(skm.r2_score(Y, P), rel=1e-12)


def test_r2_with_one_sample_is_nan_like_sklearn():
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(skm.r2_score([1.0], [2.0]))
    with pytest.warns(UndefinedMetricWarning, match="two samples"):
        assert np.isnan(metrics.r2([1.0], [2.0]))
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(metrics.r2([[1.0, 2.0]], [[2.0, 2.0]]))


def test_single_sample_mse_and_mae_are_defined():
    assert metrics.mse([1.0], [3.0]) == skm.mean_squared_error([1.0], [3.0])
    assert metrics.mae([[1.0, 2.0]], [[3.0, 3.0]]) == skm.mean_absolute_error([[1.0, 2.0]], [[3.0, 3.0]])


def test_regression_closed_forms():
    assert metrics.mse([1.0, 2.0], [2.0, 4.0]) == pytest.approx(2.5)
    assert metrics.mae([1.0, 2.0], [2.0, 4.0]) == pytest.approx(1.5)
    assert metrics.r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert metrics.r2([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == 0.0


# --------------------------------------------------------------------------------------------------
# Registry and return types
# --------------------------------------------------------------------------------------------------

def test_registry_names_and_function_names():
    expected = {"accuracy", "precision", "recall", "f1", "roc_auc", "auc", "mse", "mae", "r2"}
    assert set(metrics.METRICS) == expected
    for name, fn in metrics.METRICS.items():
        assert fn.__name__ == ("roc_auc" if name == "auc" else name)
        assert metrics.get(name) is fn


def test_auc_is_keras_name_for_the_exact_roc_auc_with_ties(rng):
    # scores rounded to one decimal: many ties between positives and negatives, which sklearn counts as half
    y = rng.integers(0, 2, size=300)
    p = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.25, size=300), 0, 1), 1)
    assert len(np.unique(p)) < 15
    assert metrics.get("auc") is metrics.roc_auc
    assert metrics.get("auc")(y, p) == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


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
