"""Sequential: the training loop's contract, determinism, dtypes, validation, and its independent checks."""

import threading
import warnings

import numpy as np
import pytest

import glassnet as gn


def _blobs(n=120, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    X = rng.normal(size=(n, d)) + 2.0 * np.eye(k, d)[y]
    return X, y


def _model(seed=0, dtype="float32", dropout=0.0, batch_norm=False, k=3, d=3, optimizer="adam"):
    layers = [gn.Dense(8, activation="relu")]
    if batch_norm:
        layers.append(gn.BatchNorm())
    if dropout:
        layers.append(gn.Dropout(dropout))
    layers.append(gn.Dense(k, activation="softmax"))
    model = gn.Sequential(layers, input_dim=d, seed=seed, dtype=dtype)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def _assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and np.array_equal(x, y)


# --- determinism ---------------------------------------------------------------------------------------------

def test_same_seed_gives_bit_identical_training():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        model = _model(seed=7, dropout=0.3, batch_norm=True)
        history = model.fit(X, y, epochs=5, batch_size=16, validation_split=0.2, verbose=0)
        runs.append((model.get_weights(), history.history))
    _assert_same_weights(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_different_seeds_give_different_weights():
    a, b = _model(seed=1), _model(seed=2)
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


def test_numpy_global_random_state_is_never_touched():
    X, y = _blobs()
    before = np.random.get_state()
    model = _model(seed=None, dropout=0.5)
    model.fit(X, y, epochs=2, verbose=0)
    model.predict(X)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


# --- dtypes --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_stays_end_to_end(dtype):
    X, y = _blobs()
    model = _model(dtype=dtype, batch_norm=True, dropout=0.2)
    model.fit(X.astype(np.float64), y, epochs=2, verbose=0)
    assert all(w.dtype == np.dtype(dtype) for w in model.get_weights())
    assert all(s["m"].dtype == np.dtype(dtype) for s in model.optimizer.get_state()["slots"])
    assert model.predict(X).dtype == np.dtype(dtype)
    _, grads = model.loss_and_gradients(X, y, training=True)
    assert all(g.dtype == np.dtype(dtype) for g in grads)
    for layer in model.layers:
        if layer.outputs is not None:
            assert layer.outputs.dtype == np.dtype(dtype)


# --- the training loop ---------------------------------------------------------------------------------------

def test_history_has_keras_keys_and_one_entry_per_epoch():
    X, y = _blobs()
    history = _model().fit(X, y, epochs=4, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 4 for v in history.history.values())
    assert history.history["lr"] == [0.001] * 4


def test_validation_split_holds_out_the_last_fraction_like_keras():
    X, y = _blobs()
    a, b = _model(seed=3), _model(seed=3)
    ha = a.fit(X, y, epochs=3, validation_split=0.25, verbose=0)
    hb = b.fit(X[:90], y[:90], epochs=3, validation_data=(X[90:], y[90:]), verbose=0)
    assert ha.history == hb.history


def test_epoch_loss_is_the_mean_of_batch_losses_and_val_loss_matches_evaluate():
    X, y = _blobs()
    model = _model()
    batch_losses = []
    record = gn.callbacks.LambdaCallback(on_batch_end=lambda b, logs: batch_losses.append((logs["loss"],
                                                                                           logs["size"])))
    history = model.fit(X, y, epochs=1, batch_size=50, validation_data=(X, y), callbacks=[record], verbose=0)
    losses, sizes = np.array(batch_losses).T
    assert sizes.tolist() == [50, 50, 20]
    assert history.history["loss"][0] == pytest.approx(np.sum(losses * sizes) / 120, rel=1e-12)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(X, y, return_dict=True)["loss"], rel=1e-12)


def test_train_on_batch_is_exactly_one_sgd_step():
    X, y = _blobs(n=20)
    model = _model(optimizer=gn.optimizers.SGD(0.1), dtype="float64", batch_norm=True)
    before = model.get_weights()
    loss, grads = model.loss_and_gradients(X, y, training=True)
    logs = model.train_on_batch(X, y)
    assert logs["loss"] == pytest.approx(loss, rel=1e-12)
    trainable = [n for layer in model.layers for n in layer.weight_names()]
    for name, w0, g, w1 in zip(trainable, before, grads, model.get_weights()):
        if name.startswith("running"):
            continue  # running statistics follow their own update rule
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=1e-12, atol=1e-15)


def test_loss_and_gradients_matches_central_differences_and_leaves_the_model_unchanged():
    X, y = _blobs(n=16)
    model = gn.Sequential([gn.Dense(5, activation="tanh", l1=0.01, l2=0.02), gn.BatchNorm(), gn.Dropout(0.3),
                           gn.Dense(3, activation="softmax")], input_dim=3, seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    before = model.get_weights()
    loss, grads = model.loss_and_gradients(X, y, training=True)
    _assert_same_weights(before, model.get_weights())
    # a second call sees the same dropout mask and batch statistics, so it agrees exactly
    loss2, grads2 = model.loss_and_gradients(X, y, training=True)
    assert loss == loss2 and all(np.array_equal(a, b) for a, b in zip(grads, grads2))
    names = [n for layer in model.layers for n in layer.weight_names()]
    eps = 1e-6
    for i, (name, w) in enumerate(zip(names, before)):
        if name.startswith("running"):
            assert not grads[i].any()
            continue
        numeric = np.zeros_like(w)
        for j in np.ndindex(w.shape):
            for sign in (1, -1):
                shifted = [v.copy() for v in before]
                shifted[i][j] += sign * eps
                model.set_weights(shifted)
                numeric[j] += sign * model.loss_and_gradients(X, y, training=True)[0] / (2 * eps)
        model.set_weights(before)
        np.testing.assert_allclose(grads[i], numeric, rtol=1e-6, atol=1e-9)


def test_initial_epoch_continues_a_run_exactly():
    X, y = _blobs()
    whole = _model(seed=5, dropout=0.2)
    full = whole.fit(X, y, epochs=6, batch_size=16, verbose=0)
    parts = _model(seed=5, dropout=0.2)
    parts.fit(X, y, epochs=2, batch_size=16, verbose=0)
    history = parts.fit(X, y, epochs=6, initial_epoch=2, batch_size=16, verbose=0)
    # the continued run extends the first run's History
    assert history.epoch == [0, 1, 2, 3, 4, 5] and history.history == full.history
    _assert_same_weights(whole.get_weights(), parts.get_weights())
    # a run that does not continue the last one starts a History of its own
    assert parts.fit(X, y, epochs=9, initial_epoch=7, verbose=0).epoch == [7, 8]


def test_sample_weight_is_keras_weighted_mean_and_class_weight_maps_to_it():
    X, y = _blobs(n=12)
    model = _model(dtype="float64")
    w = np.linspace(0.0, 2.0, 12)
    per_sample = np.array([model.evaluate(X[i:i + 1], y[i:i + 1], return_dict=True)["loss"] for i in range(12)])
    loss, _ = model.loss_and_gradients(X, y, sample_weight=w)
    assert loss == pytest.approx(np.sum(w * per_sample) / 12, rel=1e-12)
    cw = {0: 0.5, 1: 2.0, 2: 1.5}
    la, ga = model.loss_and_gradients(X, y, sample_weight=np.array([cw[c] for c in y]))
    b = _model(dtype="float64")
    lb = b.fit(X, y, epochs=1, batch_size=None, class_weight=cw, shuffle=False, verbose=0).history["loss"][0]
    assert lb == pytest.approx(la, rel=1e-12)


def test_batch_size_none_is_full_batch():
    X, y = _blobs()
    steps = []
    cb = gn.callbacks.LambdaCallback(on_batch_end=lambda b, logs: steps.append(logs["size"]))
    _model().fit(X, y, epochs=2, batch_size=None, callbacks=[cb], verbose=0)
    assert steps == [120, 120]


def test_early_stopping_restores_the_best_weights_of_a_real_run():
    X, y = _blobs()
    model = _model(optimizer=gn.optimizers.SGD(2.0))
    saved = {}
    keep = gn.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: saved.__setitem__(e, (logs["val_loss"], model.get_weights())))
    stop = gn.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model.fit(X, y, epochs=40, validation_split=0.3, callbacks=[keep, stop], verbose=0)
    best_epoch = min(saved, key=lambda e: saved[e][0])
    _assert_same_weights(saved[best_epoch][1], model.get_weights())


def test_verbose_2_prints_one_line_per_epoch_and_0_prints_nothing(capsys):
    X, y = _blobs()
    _model().fit(X, y, epochs=3, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    _model().fit(X, y, epochs=3, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 3 and "loss" in lines[0]


# --- divergence ----------------------------------------------------------------------------------------------

def test_divergence_stops_training_keeps_finite_weights_and_names_the_learning_rate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)) * 100
    y = X @ rng.normal(size=4) * 100
    model = gn.Sequential([gn.Dense(16, activation="relu"), gn.Dense(1)], input_dim=4, seed=0)
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(10.0))
    with pytest.warns(gn.DivergenceWarning, match="learning rate"):
        history = model.fit(X, y, epochs=50, batch_size=8, verbose=0)
    assert history.diverged
    assert len(history.history.get("loss", [])) < 50
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert np.isfinite(model.predict(X)).all()


# --- threads -------------------------------------------------------------------------------------------------

def test_predict_from_eight_threads_matches_serial_predictions():
    X, y = _blobs(n=400)
    model = _model(batch_norm=True, dropout=0.2)
    model.fit(X, y, epochs=2, verbose=0)
    chunks = [X[i::8] for i in range(8)]
    serial = [model.predict(c) for c in chunks]
    results = [None] * 8

    def work(i):
        for _ in range(20):
            results[i] = model.predict(chunks[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s, r in zip(serial, results):
        assert np.array_equal(s, r)


# --- summary, config -----------------------------------------------------------------------------------------

def test_summary_counts_parameters_by_closed_form():
    model = gn.Sequential([gn.Dense(16, activation="relu"), gn.BatchNorm(), gn.Dropout(0.1), gn.Dense(3)],
                          input_dim=5)
    text = str(model)
    trainable = 5 * 16 + 16 + 2 * 16 + 16 * 3 + 3
    assert f"Trainable params: {trainable:,} ({trainable * 4:.2f} B)" in text  # float32: 4 bytes each
    assert "Non-trainable params: 32 (128.00 B)" in text
    assert f"Total params: {trainable + 32:,}" in text
    assert model.count_params() == trainable + 32 and type(model.count_params()) is int
    assert model.param_counts() == (trainable, 32) and model.param_counts().non_trainable == 32


def test_config_round_trip_rebuilds_the_same_architecture():
    model = gn.Sequential([gn.Dense(4, activation="leaky_relu", kernel_initializer="he_uniform", l2=0.1),
                           gn.Dropout(0.25), gn.BatchNorm(momentum=0.8), gn.Activation("gelu"),
                           gn.Dense(2, activation="softmax")], input_dim=3, seed=11, dtype="float64")
    clone = gn.Sequential.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    _assert_same_weights(model.get_weights(), clone.get_weights())


def test_weights_are_w_in_out_then_b():
    model = gn.Sequential([gn.Dense(4), gn.Dense(2)], input_dim=3)
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,), (4, 2), (2,)]


# --- validation: every failure leaves the model as it was ---------------------------------------------------

def _snapshot(model):
    return model.get_weights(), model.optimizer.get_state()


@pytest.mark.parametrize("bad, exc, match", [
    (lambda X, y: (X[:, :2], y), ValueError, "features"),
    (lambda X, y: (X, y[:-1]), ValueError, "same number of samples"),
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y), ValueError, "NaN"),
    (lambda X, y: (X, np.where(np.arange(len(y)) == 3, 7, y)), ValueError, "labels"),
    (lambda X, y: (X, y + 0.5), ValueError, "integer"),
    (lambda X, y: (X.astype(str), y), TypeError, "numbers"),
    (lambda X, y: (X[0], y), ValueError, "2-D"),
    (lambda X, y: (X * 1e300, y), ValueError, "too large"),
    (lambda X, y: (X + 1j, y), TypeError, "complex"),
    (lambda X, y: (X[:0], y[:0]), ValueError, "at least 1 sample"),
])
def test_bad_data_raises_and_leaves_a_trained_model_unchanged(bad, exc, match):
    X, y = _blobs()
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    weights, state = _snapshot(model)
    Xb, yb = bad(X, y)
    with pytest.raises(exc, match=match):
        model.fit(Xb, yb, epochs=1, verbose=0)
    _assert_same_weights(weights, model.get_weights())
    assert state["iterations"] == model.optimizer.get_state()["iterations"]


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"), ({"validation_split": 1.0}, "validation_split"),
    ({"verbose": 3}, "verbose"), ({"shuffle": "yes"}, "shuffle"), ({"callbacks": [object()]}, "callbacks"),
    ({"sample_weight": -np.ones(120)}, "sample_weight"), ({"class_weight": [1, 2]}, "class_weight"),
    ({"validation_data": (np.ones((5, 2)), np.zeros(5))}, "validation_data"),
])
def test_bad_fit_arguments_name_the_parameter(kwargs, match):
    X, y = _blobs()
    model = gn.Sequential([gn.Dense(3, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X, y, verbose=0, **kwargs)
    assert not model.built


def test_loss_that_does_not_fit_the_output_layer_is_refused():
    model = gn.Sequential([gn.Dense(3, activation="relu")], input_dim=2)
    with pytest.raises(ValueError, match="categorical_crossentropy.*relu"):
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model = gn.Sequential([gn.Dense(1)], input_dim=2)
    with pytest.raises(ValueError, match="binary_crossentropy"):
        model.compile(loss="binary_crossentropy")


@pytest.mark.parametrize("call, match", [
    (lambda: gn.Sequential([gn.Dense(0)]), "units"),
    (lambda: gn.Sequential([gn.Dense(2, activation="rleu")]), "relu"),
    (lambda: gn.Sequential([gn.Dense(2)], dtype="float16"), "dtype"),
    (lambda: gn.Sequential([gn.Dense(2)], seed=-1), "seed"),
    (lambda: gn.Sequential([gn.Dense(2)], input_dim=0), "input_dim"),
    (lambda: gn.Sequential(["dense"]), "Layer"),
    (lambda: gn.Sequential([gn.Dense(2)]).compile(loss="crossentropy"), "Did you mean"),
    (lambda: gn.Sequential([gn.Dense(2)]).compile(loss="mse", optimizer="adma"), "adam"),
    (lambda: gn.Sequential([gn.Dense(2)]).compile(loss="mse", metrics=["acuracy"]), "accuracy"),
    (lambda: gn.Dropout(1.0), "rate"),
])
def test_bad_construction_names_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_predict_before_build_and_fit_before_compile_are_clear():
    model = gn.Sequential([gn.Dense(2)])
    with pytest.raises(RuntimeError, match="not built"):
        model.predict(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 2)), np.ones((2, 2)))


def test_set_weights_checks_everything_before_changing_anything():
    model = gn.Sequential([gn.Dense(4), gn.Dense(2)], input_dim=3, seed=0)
    before = model.get_weights()
    bad = [w + 1 for w in before]
    bad[3] = np.ones(5)
    with pytest.raises(ValueError, match=r"weights\[3\]"):
        model.set_weights(bad)
    _assert_same_weights(before, model.get_weights())


def test_no_runtime_warnings_at_extreme_logits():
    X = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=np.float32)
    y = np.array([0, 1])
    model = gn.Sequential([gn.Dense(2, activation="softmax", kernel_initializer="ones")], input_dim=2)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = model.loss_and_gradients(X, y)
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads)


def test_a_model_through_joblib_keeps_training_like_the_original():
    import io

    import joblib

    X, y = _blobs()
    a = _model(seed=3)
    a.fit(X, y, epochs=2, verbose=0)
    buffer = io.BytesIO()
    joblib.dump(a, buffer)  # joblib stores arrays apart: the optimiser must still update the layers' own arrays
    buffer.seek(0)
    b = joblib.load(buffer)
    a.fit(X, y, epochs=2, verbose=0)
    b.fit(X, y, epochs=2, verbose=0)
    _assert_same_weights(a.get_weights(), b.get_weights())


def test_evaluate_and_loss_and_gradients_stay_silent_when_the_loss_overflows():
    model = gn.Sequential([gn.Dense(1, kernel_initializer="ones")], input_dim=2)
    model.compile(loss="mse", optimizer="sgd")
    X = np.full((2, 2), 1e30, dtype=np.float32)
    y = np.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.evaluate(X, y) == np.inf           # (2e30)^2 overflows float32: reported, not warned
        loss, _ = model.loss_and_gradients(X, y)
    assert loss == np.inf


def test_backward_and_weight_check_their_arguments_naming_them():
    model = gn.Sequential([gn.Dense(3, activation="tanh"), gn.BatchNorm(), gn.Dense(2, activation="softmax")],
                          input_dim=4, seed=0)
    model.forward(np.ones((5, 4)), training=True)
    grad = np.ones((5, 2))
    with pytest.raises(ValueError, match="penalty_scale must be in .*received penalty_scale=-1.0"):
        model.backward(grad, penalty_scale=-1.0)
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        model.backward(grad, from_logits="yes")
    with pytest.raises(ValueError, match=r"BatchNorm has no weight 'W'; its weights are \['gamma', 'beta'"):
        model.layers[1].weight("W")
    with pytest.raises(TypeError, match="name must be a weight's name"):
        model.layers[0].weight(0)
    assert model.layers[1].weight("running_var") is model.layers[1].state["running_var"]


# --- the habits of Keras users -------------------------------------------------------------------------------
# Each test states Keras's documented behaviour and checks glassnet against an independent computation (sklearn,
# hand-written NumPy, closed forms).

def _binary_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _binary_model(metrics=None, seed=0):
    model = gn.Sequential([gn.Dense(6, activation="tanh", input_dim=2), gn.Dense(1, activation="sigmoid")],
                          seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05), metrics=metrics)
    return model


def _bce(y, p):
    p = p.astype(np.float64).ravel()
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_evaluate_returns_a_scalar_without_metrics_and_a_list_in_compile_order_with_them():
    from sklearn.metrics import roc_auc_score

    X, y = _binary_data()
    model = _binary_model()
    model.fit(X, y, epochs=5, verbose=0)
    p = model.predict(X)
    loss = model.evaluate(X, y)  # Keras: "Scalar test loss (if the model has a single output and no metrics)"
    assert type(loss) is float and loss == pytest.approx(_bce(y, p), rel=1e-5)

    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy", "auc"])
    test_loss, test_acc, test_auc = model.evaluate(X, y)  # Keras: "or list of scalars"
    assert test_loss == pytest.approx(_bce(y, p), rel=1e-5)
    assert test_acc == np.mean((p.ravel() > 0.5) == y)
    assert test_auc == pytest.approx(roc_auc_score(y, p.ravel()), rel=1e-12)
    assert all(type(v) is float for v in (test_loss, test_acc, test_auc))

    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["auc", "accuracy"])
    assert model.evaluate(X, y) == [test_loss, test_auc, test_acc]
    logs = model.evaluate(X, y, return_dict=True)
    assert logs == {"loss": test_loss, "auc": test_auc, "accuracy": test_acc} and list(logs) == ["loss", "auc",
                                                                                                  "accuracy"]


def test_evaluate_and_predict_take_keras_verbose_and_batch_size_and_print_nothing(capsys):
    X, y = _binary_data()
    model = _binary_model(metrics=["accuracy"])
    reference = model.evaluate(X, y)
    for verbose in ("auto", 0, 1, 2):
        assert model.evaluate(X, y, verbose=verbose) == pytest.approx(reference, rel=1e-6)
        np.testing.assert_allclose(model.predict(X, verbose=verbose), model.predict(X), rtol=1e-6)
    np.testing.assert_allclose(model.predict(X, batch_size=7, verbose=0), model.predict(X), rtol=1e-6)
    assert model.evaluate(X, y, batch_size=7, verbose=0) == pytest.approx(reference, rel=1e-6)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match=r"verbose must be 'auto', 0, 1 or 2.*verbose=3"):
        model.evaluate(X, y, verbose=3)
    with pytest.raises(ValueError, match="verbose='loud'"):
        model.predict(X, verbose="loud")
    with pytest.raises(TypeError, match="verbose"):
        model.predict(X, verbose=True)
    with pytest.raises(TypeError, match="return_dict"):
        model.evaluate(X, y, return_dict="yes")


def test_calling_the_model_is_predict_in_inference_mode():
    X, y = _blobs()
    model = _model(dropout=0.5, batch_norm=True)
    model.fit(X, y, epochs=3, verbose=0)
    out = model(X)
    np.testing.assert_array_equal(out, model.predict(X))
    np.testing.assert_array_equal(out, model(X))  # no dropout mask: two calls agree
    # the inference pass by hand: running statistics, no dropout
    W1, b1, gamma, beta, mean, var, W2, b2 = (w.astype(np.float64) for w in model.get_weights())
    h = np.maximum(X @ W1 + b1, 0)
    h = (h - mean) / np.sqrt(var + 1e-5) * gamma + beta
    z = h @ W2 + b2
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, expected / expected.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="training=True"):
        model(X, training=True)


def test_input_dim_on_the_first_layer_builds_the_model_like_sequential_input_dim():
    layers = lambda **first: [gn.Dense(4, activation="relu", **first), gn.Dense(1, activation="sigmoid")]  # noqa: E731
    reference = gn.Sequential(layers(), input_dim=2, seed=3)
    for first in ({"input_dim": 2}, {"input_shape": (2,)}, {"input_shape": [2]}):
        model = gn.Sequential(layers(**first), seed=3)
        assert model.built and model.input_dim == 2
        _assert_same_weights(model.get_weights(), reference.get_weights())
    # the same width given twice is fine
    _assert_same_weights(gn.Sequential(layers(input_dim=2), input_dim=2, seed=3).get_weights(),
                         reference.get_weights())
    # Keras's add(): built as the layers come, with the same weights
    added = gn.Sequential(seed=3)
    added.add(gn.Dense(4, activation="relu", input_shape=(2,)))
    assert added.built
    added.add(gn.Dense(1, activation="sigmoid"))
    _assert_same_weights(added.get_weights(), reference.get_weights())
    assert added.count_params() == 2 * 4 + 4 + 4 + 1


def test_input_dim_mismatches_are_clear_value_errors():
    with pytest.raises(ValueError, match=r"input_dim=3.*input_dim=2.*disagree"):
        gn.Sequential([gn.Dense(4, input_dim=2), gn.Dense(1)], input_dim=3)
    model = gn.Sequential([gn.Dense(4, input_dim=2)])
    with pytest.raises(ValueError, match=r"input_dim=5.*width 4"):
        model.add(gn.Dense(1, input_dim=5))
    assert len(model.layers) == 1
    with pytest.raises(ValueError, match=r"input_dim=2.*input_shape=\(3,\).*disagree"):
        gn.Dense(4, input_dim=2, input_shape=(3,))
    with pytest.raises(ValueError, match=r"input_shape must be \(n_features,\).*\(28, 28\)"):
        gn.Dense(4, input_shape=(28, 28))
    with pytest.raises(TypeError, match=r"input_shape must be a tuple.*input_shape=2"):
        gn.Dropout(0.1, input_shape=2)
    with pytest.raises(ValueError, match="input_dim"):
        gn.BatchNorm(input_dim=0)
    with pytest.raises(TypeError, match=r"input_shape\[0\]"):
        gn.Activation("relu", input_shape=(2.5,))
    # a width declared further down is checked when the model is built, before any weight is drawn
    lazy = gn.Sequential([gn.Dense(4), gn.Dense(3, input_dim=5)])
    lazy.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\).*input_dim=5.*width 4"):
        lazy.fit(np.ones((6, 2)), np.ones((6, 3)), verbose=0)
    assert not lazy.built and not any(layer.built for layer in lazy.layers)
    # a model built for another width refuses data of the wrong width as before
    with pytest.raises(ValueError):
        model.predict(np.ones((3, 3)))


def test_declared_input_dim_survives_config_and_file_round_trips(tmp_path):
    model = gn.Sequential([gn.Dense(3, activation="tanh", input_dim=2), gn.Dense(1)], seed=0)
    assert model.layers[0].get_config()["input_dim"] == 2 and "input_dim" not in model.layers[1].get_config()
    clone = gn.Sequential.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    model.compile(loss="mse", optimizer="sgd")
    loaded = gn.load_model(model.save(tmp_path / "m.safetensors") or tmp_path / "m.safetensors")
    assert loaded.get_config() == model.get_config()


def test_summary_prints_keras_layout_and_returns_none(capsys):
    model = gn.Sequential([gn.Dense(16, activation="relu", input_dim=5), gn.BatchNorm(), gn.Dropout(0.1),
                           gn.Dense(16), gn.Dense(3, activation="softmax")], dtype="float64")
    assert model.summary() is None
    printed = capsys.readouterr().out.splitlines()
    collected = []
    assert model.summary(print_fn=collected.append) is None
    assert collected == printed == str(model).splitlines()
    assert printed[0] == 'Model: "sequential"'
    assert printed[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    # Keras's rows: name (type), output shape, parameters (Dense: in * out + out; BatchNorm: 4 per feature)
    rows = [line.split() for line in printed[4:9]]
    assert rows == [["dense", "(Dense)", "(None,", "16)", "96"],
                    ["batch_norm", "(BatchNorm)", "(None,", "16)", "64"],
                    ["dropout", "(Dropout)", "(None,", "16)", "0"],
                    ["dense_1", "(Dense)", "(None,", "16)", "272"],
                    ["dense_2", "(Dense)", "(None,", "3)", "51"]]
    total, frozen = 96 + 64 + 272 + 51, 32
    assert printed[10:13] == [f"Total params: {total:,} ({total * 8 / 1024:.2f} KB)",
                              f"Trainable params: {total - frozen:,} ({(total - frozen) * 8 / 1024:.2f} KB)",
                              f"Non-trainable params: {frozen} ({frozen * 8:.2f} B)"]
    # the header's columns line up with the rows' (Keras's 29/26/10 layout)
    assert printed[2].index("Output Shape") == printed[4].index("(None,")
    assert printed[2].index("Param #") == printed[4].rindex("96")


def test_summary_and_str_before_build_and_bad_print_fn():
    model = gn.Sequential([gn.Dense(3)])
    with pytest.raises(RuntimeError, match="not built"):
        model.summary()
    assert str(model) == repr(model)
    with pytest.raises(TypeError, match="print_fn"):
        gn.Sequential([gn.Dense(3)], input_dim=2).summary(print_fn="stdout")


def test_auc_metric_and_val_auc_monitor_are_sklearns_roc_auc():
    from sklearn.metrics import roc_auc_score

    X, y = _binary_data(n=300)
    X_val, y_val = _binary_data(n=100, seed=1)
    model = _binary_model(metrics=["auc"])
    stop = gn.callbacks.EarlyStopping(monitor="val_auc", patience=3, restore_best_weights=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing val_auc key would warn
        history = model.fit(X, y, epochs=25, batch_size=32, validation_data=(X_val, y_val), callbacks=[stop],
                            verbose=0)
    assert {"auc", "val_auc"} <= set(history.history)
    # the monitor maximises AUC, and the restored weights are those of the best validation AUC
    best = max(history.history["val_auc"])
    assert stop.best == best
    assert roc_auc_score(y_val, model.predict(X_val).ravel()) == pytest.approx(best, rel=1e-9)


def test_auc_metric_with_softmax_outputs_is_one_vs_rest_like_sklearn():
    from sklearn.metrics import roc_auc_score

    X, y = _blobs(n=150)
    order = np.argsort(y, kind="stable")  # the first rows hold one class only: the metric check must cope
    X, y = X[order], y[order]
    model = _model()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, epochs=2, verbose=0)
    _, auc = model.evaluate(X, y)
    assert auc == pytest.approx(roc_auc_score(y, model.predict(X).astype(np.float64), multi_class="ovr"),
                                rel=1e-6)
