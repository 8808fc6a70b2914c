"""save_model / load_model: one safetensors file, exact round trips and resumes, and refusals of bad files."""

import json
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import glassnet as gn
from glassnet.io import ModelFileError


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    return rng.normal(size=(n, 4)) + np.eye(3, 4)[y] * 2, y


def _model(seed=0, optimizer=None):
    model = gn.Sequential([gn.Dense(8, activation="relu", l2=1e-3), gn.BatchNorm(), gn.Dropout(0.2),
                           gn.Dense(3, activation="softmax")], input_dim=4, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer or gn.optimizers.Adam(0.01),
                  metrics=["accuracy"])
    return model


def _same(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


def test_round_trip_keeps_architecture_weights_compile_and_optimizer_state(tmp_path):
    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=2, verbose=0)
    path = gn.save_model(model, tmp_path / "m.safetensors")
    loaded = gn.load_model(path)
    assert loaded.get_config() == model.get_config()
    assert _same(loaded.get_weights(), model.get_weights())
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    state_a, state_b = model.optimizer.get_state(), loaded.optimizer.get_state()
    assert state_a["iterations"] == state_b["iterations"] > 0
    assert all(_same(list(a.values()), list(b.values())) for a, b in zip(state_a["slots"], state_b["slots"]))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert list(loaded.metrics) == ["accuracy"]


def test_file_layout_is_plain_safetensors_with_named_tensors_and_json_metadata(tmp_path):
    model = _model()
    model.fit(*_data(), epochs=1, verbose=0)
    path = gn.save_model(model, tmp_path / "m.safetensors")
    tensors = load_file(path)
    assert {"layers.0.W", "layers.0.b", "layers.1.gamma", "layers.1.running_var", "layers.3.W"} <= set(tensors)
    assert tensors["layers.0.W"].shape == (4, 8)
    header_len = struct.unpack("<Q", path.read_bytes()[:8])[0]
    meta = json.loads(path.read_bytes()[8:8 + header_len])["__metadata__"]
    assert meta["format"] == "glassnet" and meta["format_version"] == "1"
    assert json.loads(meta["model"])["layers"][0]["class_name"] == "Dense"


@pytest.mark.slow
def test_resume_after_save_and_load_in_a_new_process_is_bit_identical(tmp_path):
    X, y = _data()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    whole = _model(seed=3)
    whole.fit(X, y, epochs=10, batch_size=16, verbose=0)
    first = _model(seed=3)
    first.fit(X, y, epochs=4, batch_size=16, verbose=0)
    gn.save_model(first, tmp_path / "half.safetensors")
    script = f"""
import numpy as np, glassnet as gn
X = np.load({str(tmp_path / "X.npy")!r}); y = np.load({str(tmp_path / "y.npy")!r})
m = gn.load_model({str(tmp_path / "half.safetensors")!r})
m.fit(X, y, epochs=10, initial_epoch=4, batch_size=16, verbose=0)
gn.save_model(m, {str(tmp_path / "done.safetensors")!r})
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    resumed = gn.load_model(tmp_path / "done.safetensors")
    assert _same(whole.get_weights(), resumed.get_weights())
    sa, sb = whole.optimizer.get_state(), resumed.optimizer.get_state()
    assert sa["iterations"] == sb["iterations"]
    assert all(_same(list(a.values()), list(b.values())) for a, b in zip(sa["slots"], sb["slots"]))


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    model = _model()
    path = tmp_path / "m.safetensors"
    gn.save_model(model, path)
    gn.save_model(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def _corrupt(tmp_path, data: bytes):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    return path


def test_refuses_pickles_garbage_truncation_and_empty_files(tmp_path):
    model = _model()
    good = gn.save_model(model, tmp_path / "good.safetensors").read_bytes()
    cases = [pickle.dumps({"W": np.ones(3)}), b"", b"\x00" * 7, good[: len(good) // 2], good[:20],
             np.random.default_rng(0).bytes(500), struct.pack("<Q", 2**62) + b"{}"]
    for data in cases:
        with pytest.raises(ModelFileError):
            gn.load_model(_corrupt(tmp_path, data))


def test_refuses_a_plain_safetensors_file_unknown_versions_and_altered_tensors(tmp_path):
    path = tmp_path / "plain.safetensors"
    save_file({"x": np.ones(3, dtype=np.float32)}, path)
    with pytest.raises(ModelFileError, match="not a glassnet model"):
        gn.load_model(path)
    model = _model()
    good = tmp_path / "good.safetensors"
    gn.save_model(model, good)
    tensors = load_file(good)
    header_len = struct.unpack("<Q", good.read_bytes()[:8])[0]
    meta = json.loads(good.read_bytes()[8:8 + header_len])["__metadata__"]

    def write(t, m):
        p = tmp_path / "altered.safetensors"
        save_file(t, p, metadata=m)
        return p

    with pytest.raises(ModelFileError, match="format_version"):
        gn.load_model(write(tensors, {**meta, "format_version": "99"}))
    with pytest.raises(ModelFileError, match="shape"):
        gn.load_model(write({**tensors, "layers.0.W": np.ones((5, 8), np.float32)}, meta))
    with pytest.raises(ModelFileError, match="missing"):
        gn.load_model(write({k: v for k, v in tensors.items() if k != "layers.3.b"}, meta))
    with pytest.raises(ModelFileError, match="NaN"):
        gn.load_model(write({**tensors, "layers.0.b": np.full(8, np.nan, np.float32)}, meta))
    config = json.loads(meta["model"])
    config["layers"][0]["class_name"] = "os.system"
    with pytest.raises(ModelFileError, match="layer"):
        gn.load_model(write(tensors, {**meta, "model": json.dumps(config)}))
    with pytest.raises(ModelFileError):
        gn.load_model(write(tensors, {**meta, "model": "{not json"}))


def test_damaged_random_generator_states_are_refused_as_model_file_errors(tmp_path):
    """Every field of a stored generator state is checked before NumPy sees it: an out-of-range integer once
    reached ``bit_generator.state`` and came out as NumPy's OverflowError (a fuzzing failure in CI)."""
    good = tmp_path / "good.safetensors"
    gn.save_model(_model(), good)
    tensors = load_file(good)
    header_len = struct.unpack("<Q", good.read_bytes()[:8])[0]
    meta = json.loads(good.read_bytes()[8:8 + header_len])["__metadata__"]
    rng = json.loads(meta["rng"])
    assert gn.load_model(good) is not None
    damaged = []
    for value in (2**128, -1, 2**300, "7", 1.5, True, None):
        for field in ("state", "inc"):
            state = json.loads(json.dumps(rng))
            state["shuffle"]["state"][field] = value
            damaged.append(state)
    for key, value in (("has_uint32", 2), ("uinteger", 2**32), ("uinteger", -3), ("bit_generator", "MT19937")):
        state = json.loads(json.dumps(rng))
        state["init"][key] = value
        damaged.append(state)
    layer_state = json.loads(json.dumps(rng))
    layer_state["layers"]["0"] = layer_state["layers"]["2"]  # layer 0 (Dense) has no generator
    damaged += [layer_state, {"layers": {"99": rng["shuffle"]}}, {"layers": {"-1": rng["shuffle"]}}, [1, 2],
                {"shuffle": {"bit_generator": "PCG64", "state": {"state": 1}}}]
    path = tmp_path / "damaged.safetensors"
    for state in damaged:
        save_file(tensors, path, metadata={**meta, "rng": json.dumps(state)})
        with pytest.raises(ModelFileError, match="random generator"):
            gn.load_model(path)


def test_bad_arguments_name_the_parameter(tmp_path):
    with pytest.raises(TypeError, match="model"):
        gn.save_model("not a model", tmp_path / "m.safetensors")
    with pytest.raises(ValueError, match="built"):
        gn.save_model(gn.Sequential([gn.Dense(2)]), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="path"):
        gn.save_model(_model(), 42)
    with pytest.raises(FileNotFoundError):
        gn.load_model(tmp_path / "missing.safetensors")


def test_model_checkpoint_writes_a_loadable_best_model(tmp_path):
    X, y = _data()
    model = _model()
    ckpt = gn.callbacks.ModelCheckpoint(str(tmp_path / "best.safetensors"), monitor="val_loss",
                                        save_best_only=True)
    history = model.fit(X, y, epochs=5, validation_split=0.25, callbacks=[ckpt], verbose=0)
    best = gn.load_model(tmp_path / "best.safetensors")
    val = (X[72:], y[72:])
    assert best.evaluate(*val, return_dict=True)["loss"] == pytest.approx(min(history.history["val_loss"]), rel=1e-6)


def test_resume_restores_history_and_callback_state_exactly(tmp_path):
    """Train 10 epochs; or 4, save (with callbacks), load in a new process, 6 more: the same in every respect."""
    X, y = _data()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)

    def callbacks():
        return [gn.callbacks.EarlyStopping(monitor="val_loss", patience=50),
                gn.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=2, factor=0.5, cooldown=2)]

    whole_cbs = callbacks()
    whole = _model(seed=4, optimizer=gn.optimizers.SGD(0.05, momentum=0.9))
    whole.fit(X, y, epochs=10, batch_size=16, validation_split=0.25, callbacks=whole_cbs, verbose=0)

    first_cbs = callbacks()
    first = _model(seed=4, optimizer=gn.optimizers.SGD(0.05, momentum=0.9))
    first.fit(X, y, epochs=4, batch_size=16, validation_split=0.25, callbacks=first_cbs, verbose=0)
    gn.save_model(first, tmp_path / "half.safetensors", callbacks=first_cbs)
    script = f"""
import json, numpy as np, glassnet as gn
X = np.load({str(tmp_path / "X.npy")!r}); y = np.load({str(tmp_path / "y.npy")!r})
cbs = [gn.callbacks.EarlyStopping(monitor="val_loss", patience=50),
       gn.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=2, factor=0.5, cooldown=2)]
m = gn.load_model({str(tmp_path / "half.safetensors")!r}, callbacks=cbs)
m.fit(X, y, epochs=10, initial_epoch=len(m.history.epoch), batch_size=16, validation_split=0.25, callbacks=cbs,
      verbose=0)
gn.save_model(m, {str(tmp_path / "done.safetensors")!r}, callbacks=cbs)
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    resumed_cbs = callbacks()
    resumed = gn.load_model(tmp_path / "done.safetensors", callbacks=resumed_cbs)
    assert _same(whole.get_weights(), resumed.get_weights())
    sa, sb = whole.optimizer.get_state(), resumed.optimizer.get_state()
    assert sa["iterations"] == sb["iterations"]
    assert all(_same(list(a.values()), list(b.values())) for a, b in zip(sa["slots"], sb["slots"]))
    assert whole.optimizer.learning_rate == resumed.optimizer.learning_rate
    assert resumed.history.epoch == list(range(10))
    assert resumed.history.history == whole.history.history
    assert whole._rng.bit_generator.state == resumed._rng.bit_generator.state
    for a, b in zip(whole_cbs, resumed_cbs):
        assert a.get_state() == b.get_state()


def test_callback_states_must_match_what_was_saved(tmp_path):
    model = _model()
    cbs = [gn.callbacks.EarlyStopping(patience=3)]
    model.fit(*_data(), epochs=2, validation_split=0.25, callbacks=cbs, verbose=0)
    path = gn.save_model(model, tmp_path / "m.safetensors", callbacks=cbs)
    with pytest.raises(ValueError, match="EarlyStopping"):
        gn.load_model(path, callbacks=[gn.callbacks.ReduceLROnPlateau()])
    with pytest.raises(ValueError, match="1 callback"):
        gn.load_model(path, callbacks=[gn.callbacks.EarlyStopping(), gn.callbacks.EarlyStopping()])
    restored = [gn.callbacks.EarlyStopping(patience=3)]
    gn.load_model(path, callbacks=restored)
    assert restored[0].get_state() == cbs[0].get_state()


@pytest.mark.slow
def test_estimator_warm_start_resumes_exactly_after_joblib_in_a_new_process(tmp_path):
    """fit 4 epochs, dump with joblib, load in a new process, warm-start 6 more: as if never interrupted."""
    import warnings

    import joblib
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    kwargs = {"hidden_layer_sizes": (8,), "random_state": 0, "warm_start": True, "max_iter": 4,
              "dropout": 0.1, "batch_norm": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        straight = gn.MLPClassifier(**kwargs).fit(X, y)
        straight.set_params(max_iter=6).fit(X, y)
        first = gn.MLPClassifier(**kwargs).fit(X, y)
    joblib.dump(first, tmp_path / "est.joblib")
    script = f"""
import warnings, joblib, numpy as np
warnings.simplefilter("ignore")
X = np.load({str(tmp_path / "X.npy")!r}); y = np.load({str(tmp_path / "y.npy")!r})
est = joblib.load({str(tmp_path / "est.joblib")!r})
est.set_params(max_iter=6).fit(X, y)
joblib.dump(est, {str(tmp_path / "done.joblib")!r})
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    resumed = joblib.load(tmp_path / "done.joblib")
    assert _same(straight.model_.get_weights(), resumed.model_.get_weights())
    assert straight.loss_curve_ == resumed.loss_curve_ and straight.t_ == resumed.t_


def test_saving_onto_a_folder_names_the_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        gn.save_model(_model(), tmp_path)


# --- files written by earlier versions ------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_file_saved_by_glassnet_0_1_0_loads_and_predicts_as_its_stored_weights_say():
    # tests/fixtures/model_v0_1_0.safetensors was written by glassnet 0.1.0 (make_model_v0_1_0.py): Dense(5, tanh),
    # BatchNorm (epsilon 1e-5), Dropout(0.1), Dense(4, relu), Dense(3, softmax), input width 3, categorical
    # cross-entropy, Adam, metrics ["accuracy"], trained 5 epochs in batches of 16 on 60 rows
    path = FIXTURES / "model_v0_1_0.safetensors"
    header_len = struct.unpack("<Q", path.read_bytes()[:8])[0]
    meta = json.loads(path.read_bytes()[8:8 + header_len])["__metadata__"]
    assert meta["format_version"] == "1"
    w = {k: v.astype(np.float64) for k, v in load_file(path).items()}  # read by safetensors, not glassnet

    X = np.random.default_rng(0).normal(size=(40, 3))
    h = np.tanh(X @ w["layers.0.W"] + w["layers.0.b"])
    h = (h - w["layers.1.running_mean"]) / np.sqrt(w["layers.1.running_var"] + 1e-5) * w["layers.1.gamma"] \
        + w["layers.1.beta"]
    h = np.maximum(h @ w["layers.3.W"] + w["layers.3.b"], 0.0)
    z = h @ w["layers.4.W"] + w["layers.4.b"]
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)

    model = gn.load_model(path)
    assert model.dtype == np.float32 and model.input_dim == 3 and len(model.layers) == 5
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(X), expected, rtol=1e-5, atol=1e-6)
    labels = np.random.default_rng(1).integers(0, 3, size=40)
    loss, accuracy = model.evaluate(X, labels)  # compiled with metrics=["accuracy"]: Keras's [loss, accuracy]
    assert loss == pytest.approx(-np.mean(np.log(expected[np.arange(40), labels])), rel=1e-5)
    assert accuracy == np.mean(np.argmax(expected, axis=1) == labels)
    # the rest of the file: training state (60 rows in batches of 16: 4 Adam steps an epoch, 5 epochs)
    assert model.optimizer.get_state()["iterations"] == 20
    assert model.history.epoch == [0, 1, 2, 3, 4]
    assert model.history.history["loss"] == json.loads(meta["history"])["history"]["loss"]
    assert model.count_params() == 3 * 5 + 5 + 4 * 5 + 5 * 4 + 4 + 4 * 3 + 3
    model.fit(X, labels, epochs=6, initial_epoch=5, verbose=0)  # and training continues
    assert np.isfinite(model.history.history["loss"][-1])


def test_a_model_with_a_function_initialiser_saves_and_loads_with_its_weights(tmp_path):
    def keras_style(shape, dtype=None):
        return np.random.default_rng(9).uniform(-0.5, 0.5, size=shape)

    model = gn.Sequential([gn.Dense(4, activation="tanh", kernel_initializer=keras_style, input_dim=3),
                           gn.Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    model.fit(*_regression(), epochs=2, verbose=0)
    loaded = gn.load_model(gn.save_model(model, tmp_path / "m.safetensors"))
    assert _same(loaded.get_weights(), model.get_weights())
    assert loaded.get_config() == model.get_config()
    assert loaded.get_config()["layers"][0]["kernel_initializer"]["name"] == "callable"
    # the file cannot hold the function: a model rebuilt from its config asks for it
    with pytest.raises(ValueError, match="give the function again"):
        gn.Sequential.from_config(loaded.get_config())


def _regression(n=30):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(n, 3))
    return X, X.sum(axis=1)
