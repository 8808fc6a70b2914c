"""Sensitivity against independent truths: central differences for input gradients, closed forms for linear and
single-sigmoid networks, plain accuracy at zero noise, and the models' own predict on the decision grid."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import NotFittedError

import glassnet as gn
from glassnet.analysis import sensitivity

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "swish", "gelu",
          "gelu_tanh"]


def _random_network(hidden, output, n_out, seed=0):
    model = gn.Sequential([gn.Dense(5, activation=hidden), gn.BatchNorm(), gn.Dropout(0.3),
                           gn.Dense(4, activation=hidden), gn.Dense(n_out), gn.Activation(output)],
                          input_dim=3, seed=seed, dtype="float64")
    rng = np.random.default_rng(seed + 100)
    bn = model.layers[1]
    bn.state["running_mean"][...] = rng.normal(size=5)
    bn.state["running_var"][...] = rng.uniform(0.5, 2.0, size=5)
    bn.params["gamma"][...] = rng.uniform(0.5, 1.5, size=5)
    return model


def _central_differences(model, X, select, h=1e-6):
    grad = np.zeros_like(X)
    for j in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[j] = h
        grad[:, j] = (select(model.predict(X + step)) - select(model.predict(X - step))) / (2 * h)
    return grad


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,n_out", [("softmax", 3), ("sigmoid", 1), ("linear", 2)])
def test_input_gradients_match_central_differences(hidden, output, n_out):
    model = _random_network(hidden, output, n_out)
    X = np.random.default_rng(1).normal(size=(6, 3))
    base = model.predict(X)
    predicted = np.zeros(len(X), int) if n_out == 1 else base.argmax(axis=1)
    cases = {None: lambda out: out[np.arange(len(out)), predicted], 0: lambda out: out[:, 0],
             "sum": lambda out: out.sum(axis=1)}
    for output_choice, select in cases.items():
        expected = _central_differences(model, X, select)
        got = sensitivity.input_gradients(model, X, output=output_choice)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_linear_network_sensitivity_is_abs_w():
    w = np.array([[2.0], [-3.0], [0.5]])
    model = gn.Sequential([gn.Dense(1)], input_dim=3, dtype="float64")
    model.set_weights([w, np.array([0.7])])
    X = np.random.default_rng(2).normal(size=(20, 3))
    np.testing.assert_array_equal(sensitivity.input_gradients(model, X), np.tile(w.T, (20, 1)))
    np.testing.assert_allclose(sensitivity.feature_sensitivity(model, X), np.abs(w[:, 0]), rtol=1e-15)
    np.testing.assert_allclose(sensitivity.feature_sensitivity(model, X, method="perturbation", eps=0.5),
                               np.abs(w[:, 0]), rtol=1e-12)


def test_single_sigmoid_unit_gradient_is_p_one_minus_p_w():
    w, b = np.array([1.5, -0.5]), 0.25
    model = gn.Sequential([gn.Dense(1, activation="sigmoid")], input_dim=2, dtype="float64")
    model.set_weights([w[:, None], np.array([b])])
    X = np.random.default_rng(3).normal(size=(15, 2))
    p = expit(X @ w + b)
    expected = (p * (1 - p))[:, None] * w
    np.testing.assert_allclose(sensitivity.input_gradients(model, X), expected, rtol=1e-12)
    np.testing.assert_allclose(sensitivity.feature_sensitivity(model, X), np.abs(expected).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sensitivity.feature_sensitivity(model, X, method="perturbation", eps=1e-5),
                               np.abs(expected).mean(axis=0), rtol=1e-7)


def test_input_gradients_never_touch_the_model():
    model = _random_network("tanh", "softmax", 3)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    X = np.random.default_rng(4).normal(size=(5, 3))
    model.loss_and_gradients(X, [0, 1, 2, 0, 1])  # fill caches and gradients
    before = [(layer.inputs, layer.outputs, {k: g.copy() for k, g in layer.grads.items()}, layer.needs_input_grad)
              for layer in model.layers]
    weights = model.get_weights()
    sensitivity.input_gradients(model, X)
    sensitivity.feature_sensitivity(model, X, method="perturbation")
    for layer, (inputs, outputs, grads, flag) in zip(model.layers, before):
        assert layer.inputs is inputs and layer.outputs is outputs and layer.needs_input_grad == flag
        assert all(np.array_equal(layer.grads[k], g) for k, g in grads.items())
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


def test_float32_model_and_estimator():
    X, y = gn.datasets.make_moons(n_samples=60, noise=0.1, random_state=0)
    # tanh with some weight decay: smooth enough that a step of 1e-3 sees the slope
    clf = gn.MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", alpha=0.1, solver="lbfgs", max_iter=100,
                           random_state=0).fit(X.astype(np.float32), y)
    assert clf.model_.dtype == np.float32
    grads = sensitivity.input_gradients(clf, X)
    assert grads.shape == (60, 2) and grads.dtype == clf.model_.dtype
    fd = sensitivity.feature_sensitivity(clf, X, method="perturbation", eps=1e-3)
    np.testing.assert_allclose(fd, sensitivity.feature_sensitivity(clf, X), rtol=1e-3)


# --- noise robustness ------------------------------------------------------------------------------------------

def _trained_classifier():
    X, y = gn.datasets.make_blobs(n_samples=120, centers=3, random_state=0)
    clf = gn.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    return clf, X, y


def test_noise_robustness_at_zero_is_plain_accuracy_and_falls_with_noise():
    clf, X, y = _trained_classifier()
    state = np.random.get_state()[1].copy()
    levels = (0, 0.25, 0.5, 1.0, 2.0, 4.0)
    rows = sensitivity.noise_robustness(clf, X, y, noise_levels=levels, n_repeats=20, random_state=0)
    assert np.array_equal(np.random.get_state()[1], state)
    assert [r["noise"] for r in rows] == list(levels)
    assert rows[0]["accuracy_mean"] == clf.score(X, y) and rows[0]["accuracy_std"] == 0.0
    means = [r["accuracy_mean"] for r in rows]
    assert all(later <= earlier + 0.02 for earlier, later in zip(means, means[1:])), means
    assert means[-1] < means[0] - 0.2
    assert rows == sensitivity.noise_robustness(clf, X, y, noise_levels=levels, n_repeats=20, random_state=0)
    assert rows != sensitivity.noise_robustness(clf, X, y, noise_levels=levels, n_repeats=20, random_state=1)


def test_noise_robustness_on_a_sequential_and_a_perceptron():
    clf, X, y = _trained_classifier()
    model = clf.model_  # classes 0, 1, 2 are already the output columns
    rows = sensitivity.noise_robustness(model, X, y, noise_levels=(0, 1.0), n_repeats=3, random_state=0)
    assert rows[0]["accuracy_mean"] == gn.metrics.accuracy(y, model.predict(X))
    Xb, yb = X[y < 2], y[y < 2]
    p = gn.Perceptron(random_state=0).fit(Xb, yb)
    rows = sensitivity.noise_robustness(p, Xb, yb, noise_levels=[0.0], n_repeats=2, random_state=0)
    assert rows[0]["accuracy_mean"] == p.score(Xb, yb)


# --- decision grid ---------------------------------------------------------------------------------------------

def _sample_points(grid, count=25, seed=0):
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, grid["xx"].shape[0], count), rng.integers(0, grid["xx"].shape[1], count)
    return i, j, np.column_stack([grid["xx"][i, j], grid["yy"][i, j]])


def test_decision_grid_predictions_equal_predict_for_estimators_and_perceptron():
    clf, X, y = _trained_classifier()
    X2 = X[:, :2]
    clf2 = gn.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0).fit(X2, y)
    grid = sensitivity.decision_boundary_grid(clf2, X2, resolution=50, padding=1.0)
    assert grid["xx"].shape == grid["yy"].shape == grid["predictions"].shape == (50, 50)
    assert grid["xx"][0, 0] == pytest.approx(X2[:, 0].min() - 1.0) and grid["yy"][-1, 0] == pytest.approx(
        X2[:, 1].max() + 1.0)
    i, j, points = _sample_points(grid)
    assert np.array_equal(grid["predictions"][i, j], clf2.predict(points))
    np.testing.assert_allclose(grid["probabilities"][i, j], clf2.predict_proba(points))
    Xb, yb = X2[y < 2], np.where(y[y < 2] == 1, "yes", "no")
    for activation in ("step", "sigmoid"):
        p = gn.Perceptron(activation=activation, random_state=0).fit(Xb, yb)
        grid = sensitivity.decision_boundary_grid(p, Xb, resolution=30)
        i, j, points = _sample_points(grid)
        assert np.array_equal(grid["predictions"][i, j], p.predict(points))
        np.testing.assert_allclose(grid["values"][i, j], p.decision_function(points))
        if activation == "step":
            assert grid["probabilities"] is None
        else:
            np.testing.assert_allclose(grid["probabilities"][i, j], p.predict_proba(points)[:, 1])


def test_decision_grid_on_a_sequential():
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0,
                          dtype="float64")
    X = np.random.default_rng(5).normal(size=(30, 2))
    grid = sensitivity.decision_boundary_grid(model, X, resolution=20)
    i, j, points = _sample_points(grid)
    out = model.predict(points)[:, 0]
    np.testing.assert_array_equal(grid["predictions"][i, j], (out > 0.5).astype(int))
    np.testing.assert_allclose(grid["probabilities"][i, j], out)


# --- errors ----------------------------------------------------------------------------------------------------

def test_clear_errors():
    model = _random_network("relu", "softmax", 3)
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="output"):
        sensitivity.input_gradients(model, X, output=3)
    with pytest.raises(ValueError, match="output"):
        sensitivity.input_gradients(model, X, output="max")
    with pytest.raises(ValueError, match="X has 2 features"):
        sensitivity.input_gradients(model, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="method"):
        sensitivity.feature_sensitivity(model, X, method="saliency")
    with pytest.raises(ValueError, match="eps"):
        sensitivity.feature_sensitivity(model, X, method="perturbation", eps=0)
    with pytest.raises(ValueError, match="noise_levels\\[1\\]"):
        sensitivity.noise_robustness(model, X, [0, 1, 2, 0], noise_levels=(0, -1))
    with pytest.raises(ValueError, match="n_repeats"):
        sensitivity.noise_robustness(model, X, [0, 1, 2, 0], n_repeats=0)
    with pytest.raises(TypeError, match="random_state"):
        sensitivity.noise_robustness(model, X, [0, 1, 2, 0], random_state="seed")
    with pytest.raises(ValueError, match="2 columns"):
        sensitivity.decision_boundary_grid(model, X)
    with pytest.raises(ValueError, match="resolution"):
        sensitivity.decision_boundary_grid(gn.Perceptron(), np.zeros((3, 2)), resolution=1)
    with pytest.raises(NotFittedError):
        sensitivity.decision_boundary_grid(gn.Perceptron(), np.zeros((3, 2)))
    with pytest.raises(NotFittedError):
        sensitivity.input_gradients(gn.MLPRegressor(), X)
    reg = gn.MLPRegressor(hidden_layer_sizes=(2,), solver="lbfgs", max_iter=20).fit(X, [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="classifier"):
        sensitivity.noise_robustness(reg, X, [0.0, 1.0, 2.0, 3.0])


def test_absolute_noise_levels_are_in_the_features_own_units():
    """relative=False adds level * Z, Z standard normal, as the seeds' ``X + np.random.normal(0, 0.1, X.shape)``:
    the accuracy equals the one computed by hand from the same draws."""
    import glassnet as gn
    from glassnet.analysis import noise_robustness

    X, y = gn.datasets.make_moons(120, noise=0.1, random_state=0)
    X = X * np.array([1.0, 50.0])  # feature spreads far from 1: relative and absolute levels differ
    model = gn.builders.mlp(2, (8,), "binary", activation="tanh", learning_rate=0.05, seed=0)
    model.fit(X, y, epochs=5, verbose=0)
    rows = noise_robustness(model, X, y, noise_levels=(0.0, 0.3), n_repeats=3, random_state=7, relative=False)
    rng = np.random.default_rng(7)
    by_hand = []
    for _ in range(3):
        Z = rng.standard_normal(X.shape)
        by_hand.append(np.mean((model.predict(X + 0.3 * Z).ravel() > 0.5) == y))
    assert rows[1]["accuracy_mean"] == pytest.approx(np.mean(by_hand), abs=1e-12)
    with pytest.raises(TypeError, match="relative"):
        noise_robustness(model, X, y, relative="yes")
