"""gradient_check: passes on correct networks, flags a gradient that is 1% off, and never changes the model."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.analysis.gradcheck import GradientCheckResult, gradient_check


def _data(n=6, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d))


# hidden activation, output activation, loss, targets
CASES = [
    ("tanh", "sigmoid", "binary_crossentropy", "binary"),
    ("relu", "softmax", "categorical_crossentropy", "labels"),
    ("elu", "linear", "mse", "real"),
    ("gelu", "linear", "huber", "real"),
    ("swish", "sigmoid", "mse", "unit"),
    ("selu", "softmax", "mse", "onehot"),
    ("softplus", "exponential", "poisson", "counts"),
    ("leaky_relu", "tanh", "mae", "real"),
]


def _targets(kind, n, rng):
    return {"binary": lambda: rng.integers(0, 2, size=(n, 2)).astype(float),
            "labels": lambda: rng.integers(0, 2, size=n),
            "real": lambda: rng.normal(size=(n, 2)),
            "unit": lambda: rng.uniform(size=(n, 2)),
            "onehot": lambda: np.eye(2)[rng.integers(0, 2, size=n)],
            "counts": lambda: rng.poisson(2.0, size=(n, 2)).astype(float)}[kind]()


@pytest.mark.parametrize("hidden, output, loss, kind", CASES)
def test_passes_on_correct_networks(hidden, output, loss, kind):
    X = _data()
    y = _targets(kind, len(X), np.random.default_rng(1))
    model = gn.Sequential([gn.Dense(4, hidden), gn.Dense(2, output)], input_dim=3, seed=2)
    model.compile(loss=loss, optimizer="sgd")
    result = gradient_check(model, X, y, sample_weight=np.linspace(0.5, 1.5, len(X)))
    assert isinstance(result, GradientCheckResult)
    assert result.passed, str(result)
    assert result.max_relative_error < 1e-6
    assert [r.name for r in result.rows] == ["W", "b", "W", "b"]


@pytest.mark.parametrize("training", [False, True])
def test_batchnorm_dropout_and_penalties_in_both_modes(training):
    X = _data(8)
    y = np.random.default_rng(1).integers(0, 3, size=8)
    model = gn.Sequential([gn.Dense(5, "tanh", l1=0.01, l2=0.02), gn.BatchNorm(), gn.Dropout(0.4),
                           gn.Dense(3, "softmax")], input_dim=3, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.train_on_batch(X, y)  # running statistics away from their initial values
    result = gradient_check(model, X, y, training=training)
    assert result.passed, str(result)
    skipped = [(r.name, r.skipped) for r in result.rows if r.layer == 1]
    assert skipped == [("gamma", False), ("beta", False), ("running_mean", True), ("running_var", True)]
    assert "skipped" in str(result) and "PASSED" in str(result)


def test_dropout_mask_is_the_same_in_every_evaluation():
    X = _data(8)
    y = np.random.default_rng(1).integers(0, 2, size=8)
    model = gn.Sequential([gn.Dense(6, "tanh"), gn.Dropout(0.5), gn.Dense(2, "softmax")], input_dim=3, seed=4,
                          dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    # what the check relies on: loss_and_gradients(training=True) restores the dropout generator
    first = model.loss_and_gradients(X, y, training=True)[0]
    assert model.loss_and_gradients(X, y, training=True)[0] == first
    assert first != model.loss_and_gradients(X, y, training=False)[0]  # the mask really drops something
    result = gradient_check(model, X, y, training=True)
    assert result.passed, str(result)
    assert result.loss == first


def test_linear_dense_before_batchnorm_has_a_zero_bias_gradient_and_passes():
    X = _data(6)
    y = np.random.default_rng(1).integers(0, 3, size=6)
    model = gn.Sequential([gn.Dense(5), gn.BatchNorm(), gn.Activation("relu"), gn.Dense(3, "softmax")],
                          input_dim=3, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    result = gradient_check(model, X, y, training=True)
    bias = result.rows[1]
    assert bias.name == "b" and bias.backprop_norm < 1e-12 and bias.numerical_norm < 1e-9
    assert result.passed, str(result)


def test_float32_models_are_checked_in_float64():
    X = _data()
    y = np.random.default_rng(1).integers(0, 2, size=6)
    model = gn.Sequential([gn.Dense(4, "tanh"), gn.Dense(1, "sigmoid")], input_dim=3, seed=0, dtype="float32")
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    result = gradient_check(model, X, y)
    # float32 central differences with eps=1e-6 could not get below ~1e-2; float64 gets ~1e-9
    assert result.max_relative_error < 1e-7
    assert all(r.backprop.dtype == np.float64 for r in result.rows)


def test_never_changes_the_model():
    X = _data(8)
    y = np.random.default_rng(1).integers(0, 3, size=8)
    model = gn.Sequential([gn.Dense(5, "relu"), gn.BatchNorm(), gn.Dropout(0.3), gn.Dense(3, "softmax")],
                          input_dim=3, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.train_on_batch(X, y)
    weights, state = model.get_weights(), model.optimizer.get_state()
    rng_state = model.layers[2].rng.bit_generator.state
    gradient_check(model, X, y, training=True)
    for a, b in zip(model.get_weights(), weights, strict=True):
        assert a.dtype == np.float32 and np.array_equal(a, b)
    assert model.optimizer.get_state()["iterations"] == state["iterations"]
    assert model.layers[2].rng.bit_generator.state == rng_state


def _tanh_net():
    model = gn.Sequential([gn.Dense(4, "tanh"), gn.Dense(2, "sigmoid")], input_dim=3, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    return model


def test_fails_when_an_activation_derivative_is_one_percent_off(monkeypatch):
    X = _data()
    y = np.random.default_rng(1).integers(0, 2, size=(6, 2)).astype(float)
    assert gradient_check(_tanh_net(), X, y).passed
    derivative = gn.activations.Tanh.derivative
    monkeypatch.setattr(gn.activations.Tanh, "derivative", lambda self, z, a: 1.01 * derivative(self, z, a))
    result = gradient_check(_tanh_net(), X, y)
    assert not result.passed
    # the hidden (tanh) layer's W and b are wrong; the output layer's are not (it never uses tanh')
    assert [(r.layer, r.name) for r in result.failed] == [(0, "W"), (0, "b")]
    assert 1e-3 < result.max_relative_error < 1e-2  # a 1% error gives about 0.5% relative error
    assert "FAILED" in str(result)


def test_fails_when_a_layer_backward_is_one_percent_off(monkeypatch):
    X = _data(8)
    y = np.random.default_rng(1).integers(0, 3, size=8)
    backward = gn.BatchNorm.backward

    def wrong(self, grad_output):
        out = backward(self, grad_output)
        self.grads["gamma"] *= 1.01
        return out

    monkeypatch.setattr(gn.BatchNorm, "backward", wrong)
    model = gn.Sequential([gn.Dense(4, "tanh"), gn.BatchNorm(), gn.Dense(3, "softmax")], input_dim=3, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    result = gradient_check(model, X, y, training=True)
    assert not result.passed
    assert [(r.layer, r.name) for r in result.failed] == [(1, "gamma")]


def test_estimators_are_checked_through_model():
    X = _data(20)
    labels = np.array(["a", "b", "c"])[np.random.default_rng(1).integers(0, 3, size=20)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = gn.MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=3, random_state=0).fit(X, labels)
        reg = gn.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=3, random_state=0).fit(X, X[:, 0])
    assert gradient_check(clf, X[:6], labels[:6]).passed
    assert gradient_check(reg, X[:6], X[:6, 0]).passed


def test_multi_output_regressor_gradient_matches_its_loss():
    X = _data(20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, X[:, :2])
    assert gradient_check(reg, X[:6], X[:6, :2]).passed


def test_refuses_bad_arguments():
    X = _data()
    y = np.random.default_rng(1).integers(0, 2, size=(6, 2)).astype(float)
    with pytest.raises(ValueError, match="eps"):
        gradient_check(_tanh_net(), X, y, eps=0)
    with pytest.raises(RuntimeError, match="compile"):
        gradient_check(gn.Sequential([gn.Dense(2)], input_dim=3), X, y)
    with pytest.raises(TypeError):
        gradient_check(gn.Perceptron(), X, y)
