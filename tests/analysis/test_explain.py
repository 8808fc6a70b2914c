"""explain_step: the seeds' worked example number for number, hand computations, and the model left untouched."""

import copy
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.analysis.explain import (
    PerceptronStepExplanation,
    StepExplanation,
    explain_perceptron_step,
    explain_step,
)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- the seeds' worked example (seed 002, BackpropagationVisualization.simple_backprop_example) ----------------

def _seed_example():
    """The seed's numbers, computed line by line as its code does (it prints arrays, so we recompute them).

    The seed draws ``np.random.seed(42); W1 = randn(2, 2) * 0.5; W2 = randn(2, 1) * 0.5`` with zero biases and
    computes ``z1 = X @ W1 + b1``: W has shape (in, out), glassnet's layout, so no transpose. A RandomState(42)
    draws the same numbers without touching NumPy's global state.
    """
    rs = np.random.RandomState(42)
    X = np.array([[0.5, 0.3]])
    y = np.array([[1]])
    W1 = rs.randn(2, 2) * 0.5
    b1 = np.zeros((1, 2))
    W2 = rs.randn(2, 1) * 0.5
    b2 = np.zeros((1, 1))
    z1 = np.dot(X, W1) + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = np.dot(a1, W2) + b2
    a2 = 1 / (1 + np.exp(-z2))
    loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
    da2 = -(y / a2 - (1 - y) / (1 - a2))
    dz2 = da2 * a2 * (1 - a2)
    dW2 = np.dot(a1.T, dz2)
    db2 = np.sum(dz2, axis=0, keepdims=True)
    da1 = np.dot(dz2, W2.T)
    dz1 = da1 * a1 * (1 - a1)
    dW1 = np.dot(X.T, dz1)
    db1 = np.sum(dz1, axis=0, keepdims=True)
    lr = 0.1
    return dict(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2, z1=z1, a1=a1, z2=z2, a2=a2, loss=loss, da2=da2, dz2=dz2,
                dW2=dW2, db2=db2, da1=da1, dz1=dz1, dW1=dW1, db1=db1, W1_new=W1 - lr * dW1, b1_new=b1 - lr * db1,
                W2_new=W2 - lr * dW2, b2_new=b2 - lr * db2)


def _seed_model(s):
    model = gn.Sequential([gn.Dense(2, "sigmoid"), gn.Dense(1, "sigmoid")], input_dim=2, dtype="float64")
    model.set_weights([s["W1"], s["b1"].ravel(), s["W2"], s["b2"].ravel()])
    # the seed's loss is binary cross-entropy and its gradient is that loss's (da2 = -(y/a2 - (1-y)/(1-a2))):
    # glassnet's binary_crossentropy on one sample, one output, has the same value and gradient, no scale factor
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.1))
    return model


def test_seed_uses_cross_entropy_gradient_not_mse():
    s = _seed_example()
    # the seed's output delta is a2 - y (cross-entropy through the sigmoid), not MSE's 2 (a2 - y) a2 (1 - a2)
    np.testing.assert_allclose(s["dz2"], s["a2"] - s["y"], rtol=1e-12)
    assert not np.allclose(s["dz2"], 2 * (s["a2"] - s["y"]) * s["a2"] * (1 - s["a2"]))


def test_seed_worked_example_reproduced_number_for_number():
    s = _seed_example()
    model = _seed_model(s)
    step = explain_step(model, s["X"], s["y"].ravel())
    assert isinstance(step, StepExplanation)
    l1, l2 = step.layers
    close = dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(l1.inputs, s["X"], **close)
    np.testing.assert_allclose(l1.z, s["z1"], **close)
    np.testing.assert_allclose(l1.a, s["a1"], **close)
    np.testing.assert_allclose(l2.z, s["z2"], **close)
    np.testing.assert_allclose(l2.a, s["a2"], **close)
    assert step.loss == pytest.approx(s["loss"], rel=1e-12)
    assert step.fused and step.loss_name == "binary_crossentropy"
    assert l2.grad_output is None  # fused: dL/dz2 straight from the loss, dL/da2 never formed
    np.testing.assert_allclose(l2.delta, s["dz2"], **close)
    np.testing.assert_allclose(l2.dW, s["dW2"], **close)
    np.testing.assert_allclose(l2.db, s["db2"].ravel(), **close)
    np.testing.assert_allclose(l2.grad_input, s["da1"], **close)
    np.testing.assert_allclose(l1.grad_output, s["da1"], **close)
    np.testing.assert_allclose(l1.delta, s["dz1"], **close)
    np.testing.assert_allclose(l1.dW, s["dW1"], **close)
    np.testing.assert_allclose(l1.db, s["db1"].ravel(), **close)
    assert l1.grad_input is None  # dL/dx is not needed
    expected_new = [s["W1_new"], s["b1_new"].ravel(), s["W2_new"], s["b2_new"].ravel()]
    for u, old, new in zip(step.updates, [s["W1"], s["b1"], s["W2"], s["b2"]], expected_new):
        np.testing.assert_allclose(u.old, old.reshape(u.old.shape), **close)
        np.testing.assert_allclose(u.new, new, **close)
        np.testing.assert_allclose(u.update, new - u.old, **close)
    for w, new in zip(step.new_weights, expected_new):
        np.testing.assert_allclose(w, new, **close)
    assert [u.rule for u in step.updates] == ["W1 <- W1 - lr * dW1", "b1 <- b1 - lr * db1",
                                              "W2 <- W2 - lr * dW2", "b2 <- b2 - lr * db2"]
    # the model was not changed
    for w, old in zip(model.get_weights(), [s["W1"], s["b1"].ravel(), s["W2"], s["b2"].ravel()]):
        assert np.array_equal(w, old)


def test_seed_worked_example_text_prints_the_seeds_numbers():
    s = _seed_example()
    text = explain_step(_seed_model(s), s["X"], s["y"].ravel()).render(precision=4)
    # the seed prints the loss with :.4f; the arrays at numpy's print precision, shown here to 4 decimals
    assert f"= {s['loss']:.4f}" in text
    for name, formula in [("z1", "z1 = x @ W1 + b1"), ("a1", "a1 = sigmoid(z1)"), ("z2", "z2 = a1 @ W2 + b2"),
                          ("a2", "a2 = sigmoid(z2)"), ("dz2", "delta2 = dL/dz2 = a2 - y"),
                          ("dW2", "dL/dW2 = a1.T @ delta2"),
                          ("dz1", "delta1 = dL/dz1 = (delta2 @ W2.T) * sigmoid'(z1)"),
                          ("dW1", "dL/dW1 = x.T @ delta1")]:
        prefix = f"    {formula} = "
        assert prefix + np.array2string(s[name], precision=4, separator=", ", prefix=prefix) in text, name
    for section in ("Forward pass", "Loss", "Backward pass", "Update (sgd: lr = 0.1)", "fused sigmoid"):
        assert section in text
    assert str(explain_step(_seed_model(s), s["X"], s["y"].ravel())) == text


# --- exactly train_on_batch, and nothing changed unless asked ---------------------------------------------------

def _net(dtype="float32", optimizer=None, seed=3):
    model = gn.Sequential([gn.Dense(4, "tanh", l2=0.01), gn.BatchNorm(), gn.Dropout(0.4), gn.Dense(3, "softmax")],
                          input_dim=3, seed=seed, dtype=dtype)
    model.compile(loss="categorical_crossentropy",
                  optimizer=optimizer or gn.optimizers.Adam(0.05, clipnorm=1.0))
    return model


def _batch(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 3, size=n)


def _rng_states(model):
    return [layer.rng.bit_generator.state for layer in model.layers if isinstance(layer, gn.Dropout)]


def _assert_same_state(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    sa, sb = a.optimizer.get_state(), b.optimizer.get_state()
    assert sa["iterations"] == sb["iterations"]
    for u, v in zip(sa["slots"], sb["slots"], strict=True):
        assert u.keys() == v.keys() and all(np.array_equal(u[k], v[k]) for k in u)
    assert _rng_states(a) == _rng_states(b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_apply_leaves_the_model_bit_identical_to_train_on_batch(dtype):
    X, y = _batch()
    a, b = _net(dtype), _net(dtype)
    for _ in range(2):  # the second step starts from non-zero optimiser slots
        step = explain_step(a, X, y, apply=True)
        logs = b.train_on_batch(X, y)
        assert step.applied and step.loss == logs["loss"]
        _assert_same_state(a, b)
        for w, v in zip(step.new_weights, b.get_weights()):
            assert np.array_equal(w, v)
    a.train_on_batch(X, y)  # and the two models go on alike
    b.train_on_batch(X, y)
    _assert_same_state(a, b)


def test_without_apply_nothing_changes_and_the_step_is_train_on_batch():
    X, y = _batch()
    model, twin = _net(), _net()
    model.train_on_batch(X, y)  # so the optimiser has slots and iterations
    twin.train_on_batch(X, y)
    first = model.layers[0]
    cached = first.inputs
    step = explain_step(model, X[:3], y[:3], sample_weight=[1.0, 2.0, 0.5])
    assert not step.applied
    _assert_same_state(model, twin)
    assert model.layers[0].inputs is cached  # the layers' caches are put back too
    assert "backward" not in vars(first) and "backward_preactivation" not in vars(first)
    logs = twin.train_on_batch(X[:3], y[:3], sample_weight=[1.0, 2.0, 0.5])
    assert step.loss == logs["loss"]
    for w, v in zip(step.new_weights, twin.get_weights()):
        assert np.array_equal(w, v)
    assert step.iterations == twin.optimizer.iterations == 2
    # and the model itself still trains exactly as its twin did
    model.train_on_batch(X[:3], y[:3], sample_weight=[1.0, 2.0, 0.5])
    _assert_same_state(model, twin)


def test_recorded_gradients_are_loss_and_gradients_with_the_same_dropout_mask():
    X, y = _batch()
    model = _net("float64")
    loss, grads = model.loss_and_gradients(X, y, training=True)
    step = explain_step(model, X, y)
    assert step.loss == loss
    recorded = [g for t in step.layers for g in t.grads.values()]
    trainable = [g for g, (layer, k) in zip(grads, [(layer, k) for layer in model.layers
                                                    for k in layer.weight_names()]) if k in layer.params]
    for r, g in zip(recorded, trainable, strict=True):
        assert np.array_equal(r, g)
    assert np.array_equal(step.layers[2].a, step.layers[2].inputs * step.layers[2].extra["mask"])


def test_hand_computed_step_mse_through_sigmoid_with_momentum():
    # independent truth: the chain rule written out in NumPy, not fused (mse + sigmoid)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    W1, b1 = rng.normal(size=(2, 3)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(3, 2)), rng.normal(size=2)
    model = gn.Sequential([gn.Dense(3, "tanh"), gn.Dense(2, "sigmoid")], input_dim=2, dtype="float64")
    model.set_weights([W1, b1, W2, b2])
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(0.5, momentum=0.9))
    step = explain_step(model, X, Y)
    a1 = np.tanh(X @ W1 + b1)
    a2 = _sigmoid(a1 @ W2 + b2)
    da2 = 2 * (a2 - Y) / Y.size
    d2 = da2 * a2 * (1 - a2)
    d1 = (d2 @ W2.T) * (1 - a1**2)
    assert not step.fused
    assert step.loss == pytest.approx(np.mean((a2 - Y) ** 2), rel=1e-12)
    np.testing.assert_allclose(step.layers[1].grad_output, da2, rtol=1e-12)
    np.testing.assert_allclose(step.layers[1].delta, d2, rtol=1e-12)
    np.testing.assert_allclose(step.layers[0].delta, d1, rtol=1e-12)
    grads = [X.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0)]
    for u, old, g in zip(step.updates, [W1, b1, W2, b2], grads):
        np.testing.assert_allclose(u.gradient, g, rtol=1e-12, atol=1e-15)
        # first momentum step: v = -lr g, p + v
        np.testing.assert_allclose(u.slots_after["velocity"], -0.5 * g, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(u.new, old - 0.5 * g, rtol=1e-12, atol=1e-15)
        assert np.array_equal(u.slots_before["velocity"], np.zeros_like(g))
    assert step.updates[0].rule == "v_W1 <- momentum * v_W1 - lr * dW1;  W1 <- W1 + v_W1"
    text = step.render()
    assert "dL/da2 = (2 * (a2 - y)) / 6" in text
    assert "delta2 = dL/dz2 = dL/da2 * sigmoid'(z2)" in text
    assert "delta1 = dL/dz1 = (delta2 @ W2.T) * tanh'(z1)" in text


def test_fused_softmax_delta_is_a_minus_one_hot_over_n():
    X, y = _batch(4)
    model = gn.Sequential([gn.Dense(3, "softmax")], input_dim=3, seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    step = explain_step(model, X, y)
    a = step.layers[0].a
    np.testing.assert_allclose(step.layers[0].delta, (a - np.eye(3)[y]) / 4, rtol=1e-12, atol=1e-16)
    text = step.render(precision=3)
    assert "delta1 = dL/dz1 = (a1 - y) / 4" in text and "fused softmax" in text


def test_render_shows_every_layer_kind_and_the_adam_rule():
    X, y = _batch()
    model = gn.Sequential([gn.Dense(4), gn.BatchNorm(), gn.Activation("relu"), gn.Dropout(0.5),
                           gn.Dense(3, "softmax")], input_dim=3, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.AdamW(0.01))
    step = explain_step(model, X, y)
    text = step.render(precision=3)
    for piece in ("xhat2 = (a1 - mu2) / sqrt(var2 + epsilon)", "z3 = a2", "a3 = relu(z3)", "a4 = a3 * mask4",
                  "dL/da3 = dL/da4 * mask4", "dL/dgamma2", "p <- p * (1 - lr * weight_decay)", "t = 1"):
        assert piece in text, piece
    assert step.layers[1].shapes["gamma"] == (4,) and step.layers[0].shapes["z"] == (5, 4)
    assert step.hyperparameters["t"] == 1 and step.iterations == 1


def test_estimators_are_explained_through_model_and_stay_unchanged():
    X, y = _batch(12)
    labels = np.array(["ant", "bee", "cat"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = gn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, labels)
    before = copy.deepcopy(clf.model_.get_weights()), clf.model_.optimizer.get_state()
    step = explain_step(clf, X[:4], labels[:4])
    assert [np.array_equal(a, b) for a, b in zip(clf.model_.get_weights(), before[0])] == [True] * 4
    assert clf.model_.optimizer.get_state()["iterations"] == before[1]["iterations"]
    assert clf.coefs_[0] is clf.model_.layers[0].params["W"]
    onehot = np.eye(3)[y[:4]]
    loss, _ = clf.model_.loss_and_gradients(X[:4], onehot, training=True)
    assert step.loss == loss and step.fused
    np.testing.assert_allclose(step.layers[-1].delta, (step.layers[-1].a - onehot) / 4, rtol=1e-6, atol=1e-7)


def test_refuses_unbuilt_uncompiled_and_unknown_models():
    X, y = _batch()
    unbuilt = gn.Sequential([gn.Dense(3, "softmax")])
    unbuilt.compile(loss="categorical_crossentropy")
    with pytest.raises(RuntimeError, match="not built"):
        explain_step(unbuilt, X, y)
    assert not unbuilt.built
    with pytest.raises(RuntimeError, match="compile"):
        explain_step(gn.Sequential([gn.Dense(3)], input_dim=3), X, y)
    with pytest.raises(TypeError, match="Sequential"):
        explain_step(object(), X, y)


@pytest.mark.parametrize("apply", [False, True])
def test_refuses_a_batch_of_one_for_batch_norm_and_changes_nothing(apply):
    """Over one sample BatchNorm's batch mean is the sample itself: every feature becomes 0 and the step explained
    would learn nothing below it (PyTorch refuses such a batch in training too). Two samples are explained."""
    X, y = _batch()
    model, twin = _net(), _net()
    with pytest.raises(ValueError, match=r"explain_step received a batch of 1 sample \(X of shape \(1, 3\)\).*"
                                         r"BatchNorm.*at least 2 samples"):
        explain_step(model, X[:1], y[:1], apply=apply)
    _assert_same_state(model, twin)
    step = explain_step(model, X[:2], y[:2], apply=apply)
    xhat = step.layers[1].extra["xhat"]
    # two samples: each feature is normalised to -+sqrt(var / (var + epsilon)), var = (difference / 2) ** 2
    a = step.layers[0].a
    var = ((a[0] - a[1]) / 2) ** 2
    np.testing.assert_allclose(np.abs(xhat), np.broadcast_to(np.sqrt(var / (var + 1e-5)), xhat.shape), rtol=1e-4)


def test_refuses_a_batch_of_one_for_an_estimator_with_batch_norm():
    X, y = _batch(n=40)
    clf = gn.MLPClassifier((4,), batch_norm=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    before = clf.model_.get_weights()
    with pytest.raises(ValueError, match="explain_step received a batch of 1 sample.*BatchNorm"):
        explain_step(clf, X[:1], y[:1])
    for w, v in zip(before, clf.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(w, v)


# --- the perceptron ------------------------------------------------------------------------------------------------

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND_Y = np.array([0, 0, 0, 1])


def test_perceptron_and_gate_first_pass_by_hand():
    # the textbook pass from zero weights, eta0 = 1, step(z) = 1 if z >= 0:
    # (0,0): z=0 -> 1, error -1, w=(0,0) b=-1; (0,1): z=-1 -> 0 ok; (1,0): z=-1 ok; (1,1): z=-1 -> 0, error 1,
    # w=(1,1) b=0
    p = gn.Perceptron(shuffle=False)
    step = explain_step(p, AND_X, AND_Y)
    assert isinstance(step, PerceptronStepExplanation) and not step.fitted
    assert [float(s.z[0]) for s in step.samples] == [0.0, -1.0, -1.0, -1.0]
    assert [float(s.error[0]) for s in step.samples] == [-1.0, 0.0, 0.0, 1.0]
    assert np.array_equal(step.new_w, [[1.0, 1.0]]) and np.array_equal(step.new_b, [0.0])
    assert np.array_equal(step.samples[0].w, [[0.0, 0.0]]) and np.array_equal(step.samples[0].b, [-1.0])
    assert step.errors == 2
    assert not hasattr(p, "coef_")  # never fitted by the explanation
    reference = gn.Perceptron(shuffle=False, max_iter=1, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(AND_X, AND_Y)
    assert np.array_equal(reference.coef_, step.new_w) and np.array_equal(reference.intercept_, step.new_b)
    text = step.render()
    assert "w <- w + eta0 * (t - y_hat) * x" in text and "After the pass (2 mistake(s))" in text
    assert "no change (correct prediction)" in text


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_pass_is_partial_fit_in_order_and_changes_nothing(activation, n_classes):
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, n_classes, size=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = gn.Perceptron(activation=activation, max_iter=2, eta0=0.5, random_state=0).fit(X, y)
    coef, intercept, n_history = p.coef_.copy(), p.intercept_.copy(), len(p.training_history_)
    step = explain_perceptron_step(p, X[:8], y[:8])
    assert step.fitted
    assert np.array_equal(p.coef_, coef) and np.array_equal(p.intercept_, intercept)
    assert len(p.training_history_) == n_history
    reference = copy.deepcopy(p).set_params(shuffle=False)
    reference.partial_fit(X[:8], y[:8])
    np.testing.assert_allclose(step.new_w, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(step.new_b, reference.intercept_, rtol=1e-12, atol=1e-12)
    first = step.samples[0]
    np.testing.assert_allclose(first.z, coef @ X[0] + intercept, rtol=1e-12)
    np.testing.assert_allclose(first.delta_w, 0.5 * first.error[:, None] * X[0], rtol=1e-12)
    assert "Sample 8" in str(step)


def test_perceptron_explanation_refuses_apply_and_bad_input():
    with pytest.raises(ValueError, match="apply"):
        explain_step(gn.Perceptron(), AND_X, AND_Y, apply=True)
    with pytest.raises(ValueError, match="2 classes"):
        explain_perceptron_step(gn.Perceptron(), AND_X, np.zeros(4))
    with pytest.raises(TypeError):
        explain_perceptron_step(gn.Sequential(), AND_X, AND_Y)
