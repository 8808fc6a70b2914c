"""TrainingRecorder against independent truths.

Norms and update ratios are checked against weights captured by a LambdaCallback at the same moments;
gradient norms against backpropagation written out by hand in NumPy; dead and saturated units against
networks built so that the answer is known (a bias of -100, weights of 1000); activation statistics against a
NumPy forward pass; "recording changes nothing" against an identical run without the recorder.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassnet import Activation, BatchNorm, Dense, Dropout, MLPClassifier, Sequential
from glassnet.analysis.recorder import LAYER_KEYS, TrainingRecorder
from glassnet.callbacks import LambdaCallback
from glassnet.optimizers import SGD, Adam


def _data(n=24, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _model(layers, input_dim=3, loss="binary_crossentropy", optimizer=None, dtype="float64", seed=1):
    model = Sequential(layers, input_dim=input_dim, seed=seed, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer or SGD(0.3))
    return model


# --- weights, updates and gradients ------------------------------------------------------------------------
def test_weight_norms_and_update_ratios_match_weights_captured_by_hand():
    X, y = _data()
    model = _model([Dense(5, activation="tanh"), BatchNorm(), Dense(1, activation="sigmoid")])
    captured = []
    grab = LambdaCallback(on_train_begin=lambda logs: captured.append(model.get_weights()),
                          on_epoch_end=lambda epoch, logs: captured.append(model.get_weights()))
    recorder = TrainingRecorder()
    model.fit(X, y, epochs=4, batch_size=8, callbacks=[recorder, grab], verbose=0)

    assert len(recorder.records) == 4
    # get_weights order: W0, b0 | gamma, beta, running_mean, running_var | W2, b2
    first_param = {0: 0, 1: 2, 2: 6}
    for r, (before, after) in enumerate(zip(captured[:-1], captured[1:])):
        for layer, k in first_param.items():
            entry = recorder.records[r]["layers"][layer]
            assert entry["weight_norm"] == pytest.approx(np.linalg.norm(after[k]), rel=1e-12)
            expected = np.linalg.norm(after[k] - before[k]) / np.linalg.norm(before[k])
            assert entry["update_ratio"] == pytest.approx(expected, rel=1e-9)
            assert entry["update_ratio"] > 0


def test_grad_norms_match_backpropagation_by_hand():
    X, y = _data(n=16)
    Y = y.reshape(-1, 1).astype(np.float64)
    model = _model([Dense(3, activation="tanh"), Dense(1)], loss="mse", optimizer=SGD(0.1))
    expected = []

    def manual_gradients(epoch, logs):
        # full batch, so the gradient of the coming step is the gradient at the weights of the epoch start
        W1, b1, W2, b2 = model.get_weights()
        h = np.tanh(X @ W1 + b1)
        out = h @ W2 + b2
        d_out = 2 * (out - Y) / len(X)  # mse is a mean over samples (one output)
        dW2 = h.T @ d_out
        dW1 = X.T @ ((d_out @ W2.T) * (1 - h * h))
        expected.append((np.linalg.norm(dW1), np.linalg.norm(dW2)))

    recorder = TrainingRecorder()
    model.fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0,
              callbacks=[LambdaCallback(on_epoch_begin=manual_gradients), recorder])
    assert np.allclose(recorder.series("grad_norm", 0), [e[0] for e in expected], rtol=1e-10)
    assert np.allclose(recorder.series("grad_norm", 1), [e[1] for e in expected], rtol=1e-10)


def test_update_ratio_is_nan_when_the_previous_weights_are_zero():
    X, y = _data()
    model = _model([Dense(2, kernel_initializer="zeros"), Dense(1, activation="sigmoid")])
    recorder = TrainingRecorder()
    model.fit(X, y, epochs=2, callbacks=[recorder], verbose=0)
    ratios = recorder.series("update_ratio", 0)
    assert np.isnan(ratios[0]) and np.isfinite(ratios[1])


# --- what the units do -------------------------------------------------------------------------------------
def _hinge_model(activation):
    model = _model([Dense(4, activation=activation), Dense(1)], input_dim=2, loss="mse", optimizer=SGD(1e-3))
    W = np.full((2, 4), 0.5)
    b = np.array([0.1, 0.1, -100.0, 0.1])  # unit 2: z <= 1 - 100 on inputs in [0, 1], never positive
    model.set_weights([W, b, np.ones((4, 1)), np.zeros(1)])
    return model


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "selu"])
@pytest.mark.parametrize("probe", [False, True])
def test_a_unit_whose_preactivation_is_never_positive_is_dead(activation, probe):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(20, 2))
    model = _hinge_model(activation)
    recorder = TrainingRecorder(X=X if probe else None)
    model.fit(X, X.sum(axis=1), epochs=3, batch_size=5, callbacks=[recorder], verbose=0)
    assert recorder.series("dead_fraction", 0).tolist() == [0.25] * 3
    assert recorder.records[-1]["layers"][0]["saturated_fraction"] is None
    assert recorder.records[-1]["layers"][1]["dead_fraction"] is None  # linear: not applicable


def test_a_relu_unit_at_exactly_zero_is_dead_too():
    # relu'(0) = 0 (as PyTorch), so a unit with z == 0 on every sample never learns: "never > 0" counts it
    X = np.random.default_rng(0).uniform(0, 1, size=(12, 2))
    model = _hinge_model("relu")
    W, b = model.get_weights()[:2]
    W[:, 3], b[3] = 0.0, 0.0
    model.set_weights([W, b, np.ones((4, 1)), np.zeros(1)])
    recorder = TrainingRecorder()
    model.fit(X, X.sum(axis=1), epochs=2, batch_size=4, callbacks=[recorder], verbose=0)
    assert recorder.series("dead_fraction", 0).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_a_unit_with_huge_weights_is_saturated_on_most_samples(activation):
    # unit 0 sees z = 1000 on 6 of 10 samples (saturated on most), unit 1 on 4 of 10 (not), unit 2 z = 0
    X = np.zeros((10, 2))
    X[:6, 0] = 1.0
    X[6:, 1] = 1.0
    W = np.array([[1000.0, 0.0, 0.0], [0.0, 1000.0, 0.0]])
    model = _model([Dense(3, activation=activation), Dense(1)], input_dim=2, loss="mse", optimizer=SGD(1e-9))
    model.set_weights([W, np.zeros(3), np.ones((3, 1)), np.zeros(1)])
    recorder = TrainingRecorder(X=X)
    model.fit(X, np.zeros(10), epochs=1, callbacks=[recorder], verbose=0)
    entry = recorder.records[0]["layers"][0]
    assert entry["saturated_fraction"] == pytest.approx(1 / 3)
    assert entry["dead_fraction"] is None


def test_activation_statistics_from_probe_inputs_equal_a_numpy_forward_pass():
    X, y = _data(n=32)
    probe = np.random.default_rng(5).normal(size=(50, 3))
    model = _model([Dense(6, activation="tanh"), BatchNorm(), Dropout(0.5), Dense(1, activation="sigmoid")])
    recorder = TrainingRecorder(X=probe)
    model.fit(X, y, epochs=2, batch_size=8, callbacks=[recorder], verbose=0)
    W0, b0, gamma, beta, mean, var, W3, b3 = model.get_weights()
    h = np.tanh(probe @ W0 + b0)
    bn = (h - mean) / np.sqrt(var + 1e-5) * gamma + beta  # inference: running statistics, dropout off
    out = 1 / (1 + np.exp(-(bn @ W3 + b3)))
    last = recorder.records[-1]["layers"]
    for entry, expected in zip(last, (h, bn, bn, out)):
        assert entry["activation_mean"] == pytest.approx(expected.mean(), rel=1e-10)
        assert entry["activation_std"] == pytest.approx(expected.std(), rel=1e-10)


def test_without_probe_the_statistics_describe_the_last_training_batch():
    X, y = _data(n=20)
    model = _model([Dense(4, activation="relu"), Dense(1, activation="sigmoid")])
    seen = {}
    grab = LambdaCallback(on_batch_begin=lambda batch, logs: seen.update(batch=batch, W=model.get_weights()))
    recorder = TrainingRecorder()
    model.fit(X, y, epochs=1, batch_size=8, shuffle=False, callbacks=[grab, recorder], verbose=0)
    # the last batch is rows 16..19, run through the weights before the last step
    assert seen["batch"] == 2
    W, b = seen["W"][:2]
    h = np.maximum(X[16:] @ W + b, 0)
    entry = recorder.records[0]["layers"][0]
    assert entry["activation_mean"] == pytest.approx(h.mean(), rel=1e-12)
    assert entry["activation_std"] == pytest.approx(h.std(), rel=1e-12)
    assert entry["dead_fraction"] == np.mean((X[16:] @ W + b <= 0).all(axis=0))


# --- every layer type, every trainer ----------------------------------------------------------------------
def test_works_with_every_layer_type():
    X, y = _data()
    model = _model([Dense(6, activation="relu"), Dropout(0.2), BatchNorm(), Activation("tanh"), Dense(2),
                    Activation("softmax")], loss="categorical_crossentropy", optimizer=Adam(0.01))
    recorder = TrainingRecorder(every=2)
    model.fit(X, y, epochs=2, batch_size=8, callbacks=[recorder], verbose=0)
    assert recorder.layer_names() == ["Dense(relu)", "Dropout", "BatchNorm", "Activation(tanh)",
                                      "Dense(linear)", "Activation(softmax)"]
    last = recorder.records[-1]["layers"]
    for i in (1, 3, 5):
        assert last[i]["weight_norm"] is None and last[i]["grad_norm"] is None and last[i]["update_ratio"] is None
    assert last[2]["weight_norm"] == pytest.approx(np.linalg.norm(model.layers[2].params["gamma"]))
    assert last[0]["dead_fraction"] is not None
    assert last[3]["saturated_fraction"] is not None and last[5]["saturated_fraction"] is not None
    assert all(entry["activation_mean"] is not None for entry in last)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_works_as_an_estimator_callback():
    X, y = _data(n=40)
    recorder = TrainingRecorder(X=X[:10])
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, random_state=0, callbacks=[recorder]).fit(X, y)
    assert len(recorder.records) == clf.n_iter_ == 4
    assert recorder.series("loss").tolist() == clf.loss_curve_
    last = recorder.records[-1]["layers"]
    assert last[0]["weight_norm"] == pytest.approx(np.linalg.norm(clf.coefs_[0]), rel=1e-12)
    assert last[1]["weight_norm"] == pytest.approx(np.linalg.norm(clf.coefs_[1]), rel=1e-12)


# --- recording changes nothing, and keeps little ------------------------------------------------------------
def test_training_is_bit_identical_with_and_without_the_recorder():
    X, y = _data(n=30)

    def run(callbacks):
        model = _model([Dense(8, activation="relu"), Dropout(0.3), BatchNorm(), Dense(1, activation="sigmoid")],
                       optimizer=Adam(0.01), dtype="float32", seed=3)
        history = model.fit(X, y, epochs=3, batch_size=7, callbacks=callbacks, verbose=0)
        return model.get_weights(), history.history["loss"]

    recorder = TrainingRecorder(X=X[:12], every=1, keep_arrays=True)
    weights_with, losses_with = run([recorder])
    weights_without, losses_without = run([])
    assert len(recorder.records) == 3 * 5 + 3
    assert losses_with == losses_without
    assert all(np.array_equal(a, b) for a, b in zip(weights_with, weights_without))


def _leaves(obj):
    if isinstance(obj, dict):
        for value in obj.values():
            yield from _leaves(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _leaves(value)
    else:
        yield obj


def test_records_hold_only_numbers_unless_arrays_are_asked_for():
    X, y = _data()
    model = _model([Dense(4, activation="relu"), BatchNorm(), Dense(1, activation="sigmoid")])
    recorder = TrainingRecorder(X=X, every=2)
    model.fit(X, y, epochs=2, batch_size=6, callbacks=[recorder], verbose=0)
    assert all(type(leaf) in (int, float, str, type(None)) for leaf in _leaves(recorder.records))
    json.dumps(recorder.records)  # plain data, no NumPy scalars

    keeper = TrainingRecorder(keep_arrays=True)
    model.fit(X, y, epochs=2, callbacks=[keeper], verbose=0)
    last = keeper.records[-1]["layers"]
    assert np.array_equal(last[0]["weights"]["W"], model.layers[0].params["W"])
    assert not np.shares_memory(last[0]["weights"]["W"], model.layers[0].params["W"])
    assert np.array_equal(last[2]["gradients"]["b"], model.layers[2].grads["b"])
    assert last[0]["activations"].shape == model.layers[0].outputs.shape


# --- when it records ----------------------------------------------------------------------------------------
def test_every_k_batches_counts_batches_across_epochs():
    X, y = _data(n=10)
    model = _model([Dense(2, activation="tanh"), Dense(1, activation="sigmoid")])
    recorder = TrainingRecorder(every=3)
    model.fit(X, y, epochs=2, batch_size=3, callbacks=[recorder], verbose=0)  # 4 batches per epoch
    got = [(r["epoch"], r["batch"], r["step"]) for r in recorder.records]
    assert got == [(0, 2, 3), (0, None, 4), (1, 1, 6), (1, None, 8)]
    assert np.isnan(recorder.series("batch")).tolist() == [False, True, False, True]


def test_a_continued_run_appends_and_a_new_run_starts_over():
    X, y = _data()
    model = _model([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")])
    start = model.get_weights()[0]
    captured = []
    grab = LambdaCallback(on_epoch_end=lambda epoch, logs: captured.append(model.get_weights()[0]))
    recorder = TrainingRecorder()
    model.fit(X, y, epochs=2, callbacks=[recorder, grab], verbose=0)
    model.fit(X, y, epochs=5, initial_epoch=2, callbacks=[recorder, grab], verbose=0)
    assert recorder.series("epoch").tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(recorder.initial_weights[0], start)  # from the run that began the recording
    # the first record of the continued run measures its change from where the run resumed
    expected = np.linalg.norm(captured[2] - captured[1]) / np.linalg.norm(captured[1])
    assert recorder.records[2]["layers"][0]["update_ratio"] == pytest.approx(expected, rel=1e-9)
    model.fit(X, y, epochs=1, callbacks=[recorder], verbose=0)
    assert recorder.series("epoch").tolist() == [0]


# --- the reading API ----------------------------------------------------------------------------------------
def test_series_rows_names_and_config():
    X, y = _data()
    model = _model([Dense(3, activation="relu"), Dense(1, activation="sigmoid")])
    recorder = TrainingRecorder(X=X[:4], every=2)
    model.fit(X, y, epochs=2, batch_size=12, callbacks=[recorder], verbose=0)
    n = len(recorder.records)
    assert np.array_equal(recorder.series("weight_norm", -1), recorder.series("weight_norm", 1))
    assert recorder.series("dead_fraction", 0).shape == (n,)
    assert np.isnan(recorder.series("saturated_fraction", 0)).all()  # None becomes NaN
    rows = recorder.to_rows()
    assert len(rows) == 2 * n
    assert set(rows[0]) == {"epoch", "batch", "step", "loss", "layer", "name", *LAYER_KEYS}
    assert [row["name"] for row in rows[:2]] == recorder.layer_names() == ["Dense(relu)", "Dense(sigmoid)"]

    config = json.loads(json.dumps(recorder.get_config()))
    clone = TrainingRecorder.from_config(config)
    assert clone.get_config() == recorder.get_config()
    assert np.array_equal(clone.X, X[:4])
    assert "4x3" in repr(recorder)

    with pytest.raises(ValueError, match="per-layer"):
        recorder.series("weight_norm")
    with pytest.raises(ValueError, match="record-level"):
        recorder.series("loss", 0)
    with pytest.raises(ValueError, match="unknown key"):
        recorder.series("weights", 0)
    with pytest.raises(IndexError):
        recorder.series("weight_norm", 2)


def test_invalid_arguments_are_refused_with_what_was_received():
    with pytest.raises(ValueError, match="every"):
        TrainingRecorder(every=0)
    with pytest.raises(TypeError, match="keep_arrays"):
        TrainingRecorder(keep_arrays="yes")
    X, y = _data()
    model = _model([Dense(2), Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match="probe X has 2 features"):
        model.fit(X, y, epochs=1, callbacks=[TrainingRecorder(X=np.zeros((4, 2)))], verbose=0)
