"""Layers against central differences of a scalar function of ``forward``, and against their formulas."""

from __future__ import annotations

import json

import numpy as np
import pytest

from _helpers import numeric_gradient, rel_error
from glassnet import activations, layers

TRAINABLE_ACTIVATIONS = sorted(n for n in activations.ACTIVATIONS if n != "step")

#: example constructor arguments per layer class (every registered layer needs one)
EXAMPLES = {
    "Dense": {"units": 3, "activation": "tanh", "kernel_initializer": "he_uniform", "l1": 0.01, "l2": 0.02},
    "Dropout": {"rate": 0.3},
    "BatchNorm": {"momentum": 0.8, "epsilon": 1e-3},
    "Activation": {"activation": "softmax"},
}






def check_gradients(layer, x, training, extra=lambda: 0.0):
    """backward(R) against central differences of ``sum(forward(x) * R) + extra()`` for x and every param."""
    R = np.random.default_rng(99).normal(size=layer.forward(x, training).shape)

    def scalar():
        return float(np.sum(layer.forward(x, training) * R)) + extra()

    layer.forward(x, training)
    grad_x = layer.backward(R)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    assert grad_x.shape == x.shape
    assert rel_error(grad_x, numeric_gradient(scalar, x)) < 1e-6
    for name, param in layer.params.items():
        assert grads[name].shape == param.shape
        assert rel_error(grads[name], numeric_gradient(scalar, param)) < 1e-6, name


def built(layer, input_dim=4, seed=0, dtype=np.float64):
    layer.build(input_dim, np.random.default_rng(seed), dtype)
    return layer


# --- Dense -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", TRAINABLE_ACTIVATIONS)
def test_dense_gradients(activation):
    layer = built(layers.Dense(3, activation=activation, bias_initializer="random_normal"))
    x = np.random.default_rng(1).normal(size=(5, 4))
    z = x @ layer.params["W"] + layer.params["b"]
    assert np.min(np.abs(z)) > 1e-3  # no preactivation sits on a kink
    check_gradients(layer, x, training=True)


def test_dense_build_shapes_and_forward_formula():
    layer = built(layers.Dense(3, activation="tanh"), input_dim=4)
    assert layer.params["W"].shape == (4, 3) and layer.params["b"].shape == (3,)
    assert layer.grads["W"].shape == (4, 3) and layer.output_dim == 3
    assert layer.count_params() == 15 and layer.param_counts() == (15, 0)
    x = np.random.default_rng(2).normal(size=(6, 4))
    np.testing.assert_allclose(layer.forward(x), np.tanh(x @ layer.params["W"] + layer.params["b"]), rtol=1e-14)


@pytest.mark.parametrize("l1, l2", [(0.1, 0.0), (0.0, 0.2), (0.05, 0.3)])
def test_dense_penalty_and_its_gradient(l1, l2):
    layer = built(layers.Dense(3, activation="sigmoid", l1=l1, l2=l2))
    W = layer.params["W"]
    assert layer.penalty() == pytest.approx(l1 * np.abs(W).sum() + l2 * np.square(W).sum(), rel=1e-14)
    x = np.random.default_rng(3).normal(size=(5, 4))
    check_gradients(layer, x, training=True, extra=layer.penalty)


def test_dense_without_input_gradient():
    layer = built(layers.Dense(2))
    layer.needs_input_grad = False
    layer.forward(np.ones((3, 4)))
    assert layer.backward(np.ones((3, 2))) is None
    np.testing.assert_allclose(layer.grads["b"], [3.0, 3.0])


@pytest.mark.parametrize("activation, expected", [
    ("relu", "he_normal"), ("leaky_relu", "he_normal"), ("tanh", "glorot_uniform"),
    ("sigmoid", "glorot_uniform"), ("linear", "glorot_uniform"), ("softmax", "glorot_uniform"),
    ("selu", "lecun_normal"),
])
def test_dense_default_kernel_initializer(activation, expected):
    assert layers.Dense(2, activation=activation).kernel_initializer.name == expected


# --- Activation --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", TRAINABLE_ACTIVATIONS)
def test_activation_layer_gradients(activation):
    layer = built(layers.Activation(activation))
    x = np.random.default_rng(4).uniform(-3, 3, size=(5, 4))
    x[np.abs(x) < 0.1] += 0.2
    assert layer.params == {} and layer.output_dim == 4
    check_gradients(layer, x, training=True)


# --- Dropout -----------------------------------------------------------------------------------------------
def test_dropout_inference_is_the_identity():
    layer = built(layers.Dropout(0.5))
    x = np.random.default_rng(5).normal(size=(4, 4))
    assert layer.forward(x, training=False) is x
    assert layer.infer(x) is x
    g = np.ones_like(x)
    assert layer.backward(g) is g
    assert built(layers.Dropout(0.0)).forward(x, training=True) is x


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_training_mask_statistics(rate):
    layer = built(layers.Dropout(rate))
    x = np.ones((400, 250))
    out = layer.forward(x, training=True)
    n = x.size
    dropped = np.mean(out == 0)
    assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / (1 - rate)] if rate else [1.0], rtol=1e-15)
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(rate / (1 - rate) / n)  # inverted dropout keeps the mean


def test_dropout_backward_uses_the_same_mask():
    layer = built(layers.Dropout(0.4))
    x = np.random.default_rng(6).uniform(1, 2, size=(20, 4))
    out = layer.forward(x, training=True)
    g = np.random.default_rng(7).normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(g), g * out / x, rtol=1e-14)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)) == 0, out == 0)


def test_dropout_is_deterministic_given_the_rng():
    x = np.ones((10, 4))
    a = built(layers.Dropout(0.5), seed=3)
    b = built(layers.Dropout(0.5), seed=3)
    c = built(layers.Dropout(0.5), seed=4)
    first_a, first_b = a.forward(x, True), b.forward(x, True)
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(a.forward(x, True), b.forward(x, True))
    assert not np.array_equal(first_a, a.forward(x, True))  # a new mask every call
    assert not np.array_equal(first_a, c.forward(x, True))


def test_dropout_does_not_touch_the_global_rng():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    built(layers.Dropout(0.5)).forward(np.ones((5, 4)), training=True)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


# --- BatchNorm ---------------------------------------------------------------------------------------------
def batchnorm_with_random_params(momentum=0.9, epsilon=1e-5, dtype=np.float64):
    layer = built(layers.BatchNorm(momentum=momentum, epsilon=epsilon), dtype=dtype)
    rng = np.random.default_rng(8)
    layer.params["gamma"][...] = rng.uniform(0.5, 2, size=4)
    layer.params["beta"][...] = rng.normal(size=4)
    layer.state["running_mean"][...] = rng.normal(size=4)
    layer.state["running_var"][...] = rng.uniform(0.5, 2, size=4)
    return layer


def test_batchnorm_build_shapes():
    layer = built(layers.BatchNorm(), input_dim=6)
    assert layer.weight_names() == ["gamma", "beta", "running_mean", "running_var"]
    assert all(w.shape == (6,) for w in layer.get_weights())
    assert layer.count_params() == 24 and layer.param_counts() == (12, 12)
    np.testing.assert_array_equal(layer.state["running_var"], 1.0)


def test_batchnorm_training_gradients_through_the_batch_statistics():
    layer = batchnorm_with_random_params()
    x = np.random.default_rng(9).normal(loc=2.0, scale=3.0, size=(6, 4))
    check_gradients(layer, x, training=True)


def test_batchnorm_inference_gradients():
    layer = batchnorm_with_random_params()
    x = np.random.default_rng(10).normal(size=(6, 4))
    check_gradients(layer, x, training=False)


def test_batchnorm_training_forward_formula():
    layer = batchnorm_with_random_params(epsilon=1e-3)
    x = np.random.default_rng(11).normal(loc=1.0, scale=2.0, size=(8, 4))
    mean, var = x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).mean(axis=0)
    expected = (x - mean) / np.sqrt(var + 1e-3) * layer.params["gamma"] + layer.params["beta"]
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-13, atol=1e-14)


def test_batchnorm_running_statistics_follow_the_formula():
    layer = batchnorm_with_random_params(momentum=0.8)
    rm, rv = layer.state["running_mean"].copy(), layer.state["running_var"].copy()
    rng = np.random.default_rng(12)
    for _ in range(3):
        x = rng.normal(loc=3.0, scale=2.0, size=(10, 4))
        layer.forward(x, training=True)
        rm = 0.8 * rm + 0.2 * x.mean(axis=0)
        rv = 0.8 * rv + 0.2 * x.var(axis=0, ddof=0)  # biased batch variance (Keras's convention)
        np.testing.assert_allclose(layer.state["running_mean"], rm, rtol=1e-13)
        np.testing.assert_allclose(layer.state["running_var"], rv, rtol=1e-13)
    layer.forward(x, training=False)  # inference leaves them alone
    np.testing.assert_allclose(layer.state["running_mean"], rm, rtol=1e-13)


def test_batchnorm_inference_uses_running_statistics():
    layer = batchnorm_with_random_params(epsilon=1e-3)
    x = np.random.default_rng(13).normal(size=(5, 4))
    s = layer.state
    expected = (x - s["running_mean"]) / np.sqrt(s["running_var"] + 1e-3) * layer.params["gamma"] \
        + layer.params["beta"]
    np.testing.assert_allclose(layer.forward(x, training=False), expected, rtol=1e-13)


def test_batchnorm_matches_torch_in_training():
    torch = pytest.importorskip("torch")
    layer = batchnorm_with_random_params(momentum=0.9, epsilon=1e-5)
    x = np.random.default_rng(14).normal(size=(7, 4))
    R = np.random.default_rng(15).normal(size=(7, 4))
    ref = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.1, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.params["gamma"]))
        ref.bias.copy_(torch.tensor(layer.params["beta"]))
    xt = torch.tensor(x, requires_grad=True)
    out = ref(xt)
    out.backward(torch.tensor(R))
    np.testing.assert_allclose(layer.forward(x, training=True), out.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(layer.backward(R), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["gamma"], ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["beta"], ref.bias.grad.numpy(), rtol=1e-12)


# --- every layer -------------------------------------------------------------------------------------------
def example(class_name):
    if class_name not in EXAMPLES:
        pytest.fail(f"layer {class_name!r} has no example arguments in this test: add one to EXAMPLES")
    return layers.LAYERS[class_name](**EXAMPLES[class_name])


@pytest.mark.parametrize("class_name", sorted(layers.LAYERS))
def test_infer_equals_forward_in_inference_mode(class_name):
    layer = built(example(class_name))
    if class_name == "BatchNorm":
        layer.forward(np.random.default_rng(16).normal(size=(9, 4)), training=True)  # non-trivial statistics
    x = np.random.default_rng(17).normal(size=(5, 4))
    np.testing.assert_array_equal(layer.infer(x), layer.forward(x, training=False))


@pytest.mark.parametrize("class_name", sorted(layers.LAYERS))
def test_config_round_trip(class_name):
    layer = example(class_name)
    config = layer.get_config()
    assert config["class_name"] == class_name
    assert json.loads(json.dumps(config)) == config
    rebuilt = layers.get(config)
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == config
    assert layers.get(layer) is layer
    built(layer, seed=5)
    built(rebuilt, seed=5)
    for a, b in zip(layer.get_weights(), rebuilt.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("class_name", sorted(layers.LAYERS))
@pytest.mark.parametrize("training", [False, True])
def test_float32_preserved(class_name, training):
    layer = built(example(class_name), dtype=np.float32)
    assert all(w.dtype == np.float32 for w in layer.get_weights())
    x = np.random.default_rng(18).normal(size=(6, 4)).astype(np.float32)
    out = layer.forward(x, training=training)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    assert all(w.dtype == np.float32 for w in layer.get_weights())
    assert layer.infer(x).dtype == np.float32


@pytest.mark.parametrize("class_name", sorted(layers.LAYERS))
def test_set_weights_round_trip_and_errors(class_name):
    layer = built(example(class_name))
    weights = layer.get_weights()
    new = [w + 1.0 for w in weights]
    layer.set_weights(new)
    for a, b in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    if not weights:
        with pytest.raises(ValueError, match="expects 0 weight arrays"):
            layer.set_weights([np.zeros(3)])
        return
    got = layer.get_weights()
    got[0][...] = 7.0  # get_weights hands out copies
    assert not np.any(layer.get_weights()[0] == 7.0)
    with pytest.raises(ValueError, match=f"expects {len(weights)} weight arrays"):
        layer.set_weights(weights[:-1])
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights([np.zeros(w.shape + (1,)) for w in weights])
    bad = [w.copy() for w in weights]
    bad[0].flat[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        layer.set_weights(bad)
    for a, b in zip(layer.get_weights(), new):  # a refused set_weights changes nothing
        np.testing.assert_array_equal(a, b)


# --- bad arguments -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda: layers.Dense(0), ValueError, "units"),
    (lambda: layers.Dense(-2), ValueError, "units"),
    (lambda: layers.Dense(2.5), TypeError, "units"),
    (lambda: layers.Dense(True), TypeError, "units"),
    (lambda: layers.Dense(3, activation="rleu"), ValueError, "activation 'rleu'.*Did you mean 'relu'"),
    (lambda: layers.Dense(3, activation="step"), ValueError, "activation 'step'"),
    (lambda: layers.Dense(3, kernel_initializer="glorot"), ValueError, "initializer"),
    (lambda: layers.Dense(3, l1=-0.1), ValueError, "l1"),
    (lambda: layers.Dense(3, l2=-0.1), ValueError, "l2"),
    (lambda: layers.Activation("step"), ValueError, "activation 'step'"),
    (lambda: layers.Activation("nope"), ValueError, "activation"),
    (lambda: layers.Dropout(1.0), ValueError, "rate"),
    (lambda: layers.Dropout(-0.1), ValueError, "rate"),
    (lambda: layers.Dropout("half"), TypeError, "rate"),
    (lambda: layers.BatchNorm(momentum=1.5), ValueError, "momentum"),
    (lambda: layers.BatchNorm(epsilon=0.0), ValueError, "epsilon"),
    (lambda: layers.get({"class_name": "Dens"}), ValueError, "Did you mean 'Dense'"),
    (lambda: layers.get("Dense"), TypeError, "layer"),
    (lambda: layers.Dense(3).build(0, np.random.default_rng(0)), ValueError, "input_dim"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()
