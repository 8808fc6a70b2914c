"""Losses against independent truths: scikit-learn's metrics, hand formulas, central differences, the chain rule."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error

from _helpers import numeric_gradient, rel_error
from glassnet import activations, losses

NAMES = sorted(losses.LOSSES)
STRICT = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}






def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def problem(name, rng, n=6, k=3):
    """Targets and predictions in the interior of each loss's domain, away from its kinks."""
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(float), rng.uniform(0.05, 0.95, size=(n, k))
    if name == "categorical_crossentropy":
        return rng.integers(0, k, size=n), softmax(rng.normal(size=(n, k)))
    if name == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(float), rng.uniform(0.5, 3.0, size=(n, k))
    y = rng.normal(size=(n, k))
    d = rng.uniform(0.1, 2.5, size=(n, k)) * rng.choice([-1, 1], size=(n, k))
    if name == "huber":
        d[np.abs(np.abs(d) - 1.0) < 0.05] += 0.1  # away from |d| = delta, where the second derivative jumps
    return y, y + d


def huber(d, delta=1.0):
    d = abs(d)
    return 0.5 * d * d if d <= delta else delta * (d - 0.5 * delta)


# --- values against closed forms ---------------------------------------------------------------------------
def test_mse_mae_match_sklearn():
    y, p = problem("mse", np.random.default_rng(0))
    assert losses.get("mse").value(y, p) == pytest.approx(mean_squared_error(y, p), rel=1e-14)
    assert losses.get("mae").value(y, p) == pytest.approx(mean_absolute_error(y, p), rel=1e-14)


@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_matches_hand_formula(delta):
    y, p = problem("huber", np.random.default_rng(1))
    expected = np.mean([huber(b - a, delta) for a, b in zip(y.ravel(), p.ravel())])
    assert losses.Huber(delta=delta).value(y, p) == pytest.approx(expected, rel=1e-14)


def test_binary_crossentropy_matches_sklearn_log_loss():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=20).astype(float)
    p = rng.uniform(0.02, 0.98, size=20)
    value = losses.get("binary_crossentropy").value(y[:, None], p[:, None])
    assert value == pytest.approx(log_loss(y, p), rel=1e-12)


def test_binary_crossentropy_multilabel_is_the_mean_over_every_element():
    y, p = problem("binary_crossentropy", np.random.default_rng(3))
    expected = np.mean([-(t * math.log(q) + (1 - t) * math.log(1 - q)) for t, q in zip(y.ravel(), p.ravel())])
    assert losses.get("binary_crossentropy").value(y, p) == pytest.approx(expected, rel=1e-13)


def test_categorical_crossentropy_matches_sklearn_log_loss_for_labels_and_one_hot():
    labels, p = problem("categorical_crossentropy", np.random.default_rng(4), n=10, k=4)
    expected = log_loss(labels, p, labels=range(4))
    loss = losses.get("categorical_crossentropy")
    assert loss.value(labels, p) == pytest.approx(expected, rel=1e-12)
    assert loss.value(np.eye(4)[labels], p) == pytest.approx(expected, rel=1e-12)


def test_poisson_matches_hand_formula():
    y, p = problem("poisson", np.random.default_rng(5))
    expected = np.mean([q - t * math.log(q) for t, q in zip(y.ravel(), p.ravel())])
    assert losses.get("poisson").value(y, p) == pytest.approx(expected, rel=1e-13)


# --- gradients against central differences -----------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences_of_value(name, weighted):
    rng = np.random.default_rng(6)
    loss = losses.get(name)
    y, p = problem(name, rng)
    w = rng.uniform(0.2, 2.0, size=len(p)) if weighted else None
    analytic = loss.gradient(y, p.copy(), w)
    numeric = numeric_gradient(lambda: loss.value(y, p, w), p)
    assert analytic.shape == p.shape
    assert rel_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_gradient_does_not_modify_its_inputs(name):
    y, p = problem(name, np.random.default_rng(7))
    y0, p0 = y.copy(), p.copy()
    loss = losses.get(name)
    loss.gradient(y, p, np.full(len(p), 2.0))
    loss.value(y, p)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(p, p0)


# --- the fused path ----------------------------------------------------------------------------------------
def fused_problem(name, rng, n=6, k=3, one_hot=False):
    z = rng.uniform(-4, 4, size=(n, k))
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(float), z
    if name == "categorical_crossentropy":
        labels = rng.integers(0, k, size=n)
        return (np.eye(k)[labels] if one_hot else labels), z
    return rng.poisson(2.0, size=(n, k)).astype(float), rng.uniform(-2, 1.5, size=(n, k))


FUSED = [(name, one_hot) for name in NAMES if losses.LOSSES[name].fused_activation
         for one_hot in ((False, True) if name == "categorical_crossentropy" else (False,))]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name, one_hot", FUSED)
def test_fused_value_and_gradient_match_the_unfused_chain_rule(name, one_hot, weighted):
    rng = np.random.default_rng(8)
    loss = losses.get(name)
    act = activations.get(loss.fused_activation)
    y, z = fused_problem(name, rng, one_hot=one_hot)
    w = rng.uniform(0.2, 2.0, size=len(z)) if weighted else None
    a = act.forward(z)
    assert loss.value_from_logits(y, z, w) == pytest.approx(loss.value(y, a, w), rel=1e-12)
    chained = act.backward(loss.gradient(y, a, w), z, a)
    fused = loss.gradient_from_logits(y, z, a, w)
    assert rel_error(fused, chained) < 1e-10
    numeric = numeric_gradient(lambda: loss.value_from_logits(y, z, w), z)
    assert rel_error(fused, numeric) < 1e-6


def test_categorical_fused_gradient_with_soft_targets():
    # soft rows (label smoothing) and rows that do not sum to one: value and gradient must still agree
    rng = np.random.default_rng(9)
    loss = losses.get("categorical_crossentropy")
    z = rng.normal(size=(5, 4))
    a = softmax(z)
    for y in (0.9 * np.eye(4)[rng.integers(0, 4, 5)] + 0.1 / 4, rng.uniform(0, 1, size=(5, 4))):
        numeric = numeric_gradient(lambda y=y: loss.value_from_logits(y, z), z)
        assert rel_error(loss.gradient_from_logits(y, z, a), numeric) < 1e-6


def test_fused_partners_are_registered_activations():
    for name in NAMES:
        partner = losses.LOSSES[name].fused_activation
        assert partner is None or partner in activations.ACTIVATIONS


@pytest.mark.parametrize("name", [n for n in NAMES if not losses.LOSSES[n].fused_activation])
def test_unfused_losses_refuse_the_fused_path(name):
    with pytest.raises(NotImplementedError, match=name):
        losses.get(name).value_from_logits(np.zeros((2, 1)), np.zeros((2, 1)))


# --- stability at extreme logits ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_crossentropy_from_logits_at_1e4(dtype):
    loss = losses.get("binary_crossentropy")
    z = np.array([[1e4], [-1e4], [1e4], [-1e4]], dtype=dtype)
    y = np.array([[1], [0], [0], [1]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = activations.get("sigmoid").forward(z)
        value = loss.value_from_logits(y, z)
        grad = loss.gradient_from_logits(y, z, a)
    # right answers cost 0, confident wrong answers cost |z|
    assert value == pytest.approx((0 + 0 + 1e4 + 1e4) / 4, rel=1e-6)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, [[0], [0], [0.25], [-0.25]], atol=1e-7)


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_crossentropy_from_logits_at_1e4(dtype, one_hot):
    loss = losses.get("categorical_crossentropy")
    z = np.array([[1e4, -1e4, 0], [1e4, -1e4, 0], [-1e4, -1e4, 1e4]], dtype=dtype)
    labels = np.array([0, 1, 2])
    y = np.eye(3, dtype=dtype)[labels] if one_hot else labels
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = activations.get("softmax").forward(z)
        value = loss.value_from_logits(y, z)
        grad = loss.gradient_from_logits(y, z, a)
    assert value == pytest.approx((0 + 2e4 + 0) / 3, rel=1e-6)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, [[0, 0, 0], [1 / 3, -1 / 3, 0], [0, 0, 0]], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_from_logits_at_1e4(dtype):
    loss = losses.get("poisson")
    y = np.array([[2.0], [0.0]], dtype=dtype)
    z = np.array([[-1e4], [-1e4]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = activations.get("exponential").forward(z)
        assert loss.value_from_logits(y, z) == pytest.approx(2e4 / 2, rel=1e-6)  # exp(z) - y z -> -y z
        np.testing.assert_allclose(loss.gradient_from_logits(y, z, a), [[-1.0], [0.0]])
        # exp(1e4) overflows: the loss is infinite, as the mathematics says, and silently so
        assert loss.value_from_logits(y, -z) == math.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_probability_losses_finite_at_saturated_outputs(name, dtype):
    # outputs that reached exactly 0 or 1 (a saturated sigmoid/softmax in float32) must not give inf or nan
    loss = losses.get(name)
    if name == "categorical_crossentropy":
        y, p = np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    else:
        y, p = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype), np.array([[0.0, 1.0], [0.0, 1.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        value = loss.value(y, p)
        grad = loss.gradient(y, p)
    assert math.isfinite(value) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_float32_gradient_keeps_its_dtype(name):
    y, p = problem(name, np.random.default_rng(10))
    y32 = y if y.dtype.kind == "i" else y.astype(np.float32)
    g = losses.get(name).gradient(y32, p.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, losses.get(name).gradient(y, p), rtol=1e-4, atol=1e-6)


# --- sample weights ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_sample_weight_is_sum_w_l_over_n(name):
    rng = np.random.default_rng(11)
    loss = losses.get(name)
    y, p = problem(name, rng)
    w = rng.uniform(0, 3, size=len(p))
    per_sample = np.array([loss.value(y[i:i + 1], p[i:i + 1]) for i in range(len(p))])
    assert loss.value(y, p, w) == pytest.approx(np.sum(w * per_sample) / len(p), rel=1e-12)
    assert loss.value(y, p, np.ones(len(p))) == pytest.approx(loss.value(y, p), rel=1e-14)
    np.testing.assert_allclose(loss.gradient(y, p, w), loss.gradient(y, p) * w[:, None], rtol=1e-13)


# --- targets and compatibility -----------------------------------------------------------------------------
def test_categorical_prepare_targets_accepts_labels_and_one_hot():
    loss = losses.get("categorical_crossentropy")
    labels = loss.prepare_targets([0, 2, 1, 2], 3, np.float32)
    assert labels.dtype.kind == "i" and labels.shape == (4,)
    np.testing.assert_array_equal(labels, [0, 2, 1, 2])
    np.testing.assert_array_equal(loss.prepare_targets(np.array([[0.0], [2.0]]), 3, np.float32), [0, 2])
    one_hot = loss.prepare_targets(np.eye(3)[[0, 2]], 3, np.float32)
    assert one_hot.dtype == np.float32 and one_hot.shape == (2, 3)


@pytest.mark.parametrize("y, n_outputs, match", [
    ([0, 1, 3], 3, r"labels must be in \[0, 2\]"),
    ([0, -1, 1], 3, r"labels must be in \[0, 2\]"),
    ([0, 1.5, 1], 3, "non-integer"),
    ([0, 1], 1, "at least 2 units"),
    (np.eye(4)[[0, 1]], 3, "4 columns"),
    (-np.eye(3)[[0, 1]], 3, "negative"),
    (np.array([[0, np.nan]]), 2, "NaN"),
])
def test_categorical_prepare_targets_errors(y, n_outputs, match):
    with pytest.raises(ValueError, match=match):
        losses.get("categorical_crossentropy").prepare_targets(y, n_outputs, np.float64)


@pytest.mark.parametrize("y", [[0.0, 2.0], [-0.5, 1.0]])
def test_binary_crossentropy_targets_must_lie_in_0_1(y):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        losses.get("binary_crossentropy").prepare_targets(y, 1, np.float64)


def test_poisson_targets_must_be_non_negative():
    with pytest.raises(ValueError, match="non-negative"):
        losses.get("poisson").prepare_targets([1.0, -1.0], 1, np.float64)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "categorical_crossentropy"])
def test_prepare_targets_shapes_and_column_count(name):
    loss = losses.get(name)
    y = loss.prepare_targets([0.0, 1.0, 1.0], 1, np.float32)
    assert y.shape == (3, 1) and y.dtype == np.float32
    with pytest.raises(ValueError, match=r"2 column\(s\).*3 unit\(s\)"):
        loss.prepare_targets(np.zeros((4, 2)), 3, np.float64)
    with pytest.raises(ValueError, match="column"):
        loss.prepare_targets(np.zeros(4), 2, np.float64)
    with pytest.raises(TypeError):
        loss.prepare_targets(["a", "b"], 1, np.float64)


# which output activations each loss accepts, from the activations' ranges worked out by hand
PROBABILITY_OUTPUTS = {"sigmoid", "softmax", "step"}
POSITIVE_OUTPUTS = {"sigmoid", "softmax", "step", "relu", "softplus", "exponential"}
ACCEPTS = {"binary_crossentropy": PROBABILITY_OUTPUTS, "categorical_crossentropy": PROBABILITY_OUTPUTS,
           "poisson": POSITIVE_OUTPUTS}


@pytest.mark.parametrize("act_name", sorted(activations.ACTIVATIONS))
@pytest.mark.parametrize("name", NAMES)
def test_check_output(name, act_name):
    loss, act = losses.get(name), activations.get(act_name)
    if name not in ACCEPTS or act_name in ACCEPTS[name]:
        loss.check_output(act, 3)
    else:
        with pytest.raises(ValueError) as info:
            loss.check_output(act, 3)
        assert repr(name) in str(info.value) and repr(act_name) in str(info.value)


def test_cross_entropy_after_linear_or_relu_is_refused():
    for name in ("binary_crossentropy", "categorical_crossentropy"):
        for act in ("linear", "relu"):
            with pytest.raises(ValueError, match=act):
                losses.get(name).check_output(activations.get(act), 2)


# --- registry ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    loss = losses.get(name)
    assert type(loss) is losses.LOSSES[name] and loss.name == name
    config = loss.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = losses.get(config)
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == config
    assert losses.get(loss) is loss


def test_huber_config_keeps_delta():
    rebuilt = losses.get(losses.Huber(delta=2.5).get_config())
    assert rebuilt.delta == 2.5
    assert "delta=2.5" in repr(rebuilt)


@pytest.mark.parametrize("alias, name", [("mean_squared_error", "mse"), ("mean_absolute_error", "mae"),
                                         ("log_loss", "binary_crossentropy"),
                                         ("sparse_categorical_crossentropy", "categorical_crossentropy"),
                                         ("MSE", "mse")])
def test_aliases(alias, name):
    assert losses.get(alias).name == name


def test_unknown_name_lists_valid_names_and_suggests():
    with pytest.raises(ValueError) as info:
        losses.get("hubber")
    assert "Did you mean 'huber'?" in str(info.value)
    for name in NAMES:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get({"name": "nope"})
    with pytest.raises(TypeError, match="loss"):
        losses.get(1.0)


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_bad_delta(delta):
    with pytest.raises(ValueError, match="delta"):
        losses.Huber(delta=delta)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 1e-6)])
@pytest.mark.parametrize("spread", [3.0, 1e4], ids=["ordinary", "underflowing"])
def test_crossentropy_value_from_the_softmax_output_matches_logsumexp(dtype, rtol, spread):
    """Given the softmax output, the loss is -log a_y; where a_y underflows (logits 1e4 apart) it must fall back
    to logsumexp and stay finite. Reference: the loss written out in float64 with scipy's logsumexp."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(5)
    z = (rng.normal(size=(50, 4)) * spread).astype(dtype)
    y = rng.integers(0, 4, 50)
    loss = losses.get("categorical_crossentropy")
    a = activations.get("softmax").forward(z)
    z64 = z.astype(np.float64)
    expected = np.mean(logsumexp(z64, axis=1) - z64[np.arange(50), y])
    assert loss.value_from_logits(y, z, a=a) == pytest.approx(expected, rel=rtol)
    assert loss.value_from_logits(y, z) == pytest.approx(expected, rel=rtol)
    one_hot = np.eye(4, dtype=dtype)[y]
    assert loss.value_from_logits(one_hot, z, a=a) == loss.value_from_logits(y, z, a=a)  # the same bits
    soft = rng.dirichlet(np.ones(4), 50).astype(dtype) * 2                              # rows summing to 2
    expected_soft = np.mean(logsumexp(z64, axis=1) * 2 - np.sum(soft * z64, axis=1))
    assert loss.value_from_logits(soft, z, a=a) == pytest.approx(expected_soft, rel=rtol * 10)


@pytest.mark.parametrize("name", NAMES)
def test_the_loss_of_an_empty_batch_is_a_clear_error_not_nan(name):
    with pytest.raises(ValueError, match="0 rows"):
        losses.get(name).value(np.zeros((0, 1)), np.full((0, 1), 0.5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (33, 3), (256, 10), (1000, 17)])
def test_the_batch_means_equal_numpys_mean_bit_for_bit(shape, dtype):
    """The losses average without ``ndarray.mean``'s Python wrapper: the same sums, the same bits."""
    rng = np.random.default_rng(0)
    elementwise = (rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8, size=shape)).astype(dtype)
    rows = losses._row_means(elementwise)
    np.testing.assert_array_equal(rows, elementwise.mean(axis=1))
    assert rows.dtype == dtype
    assert losses._weighted_mean(rows, None) == float(rows.mean(dtype=np.float64))
