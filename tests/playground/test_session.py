"""The playground's session without a server: its setup checks, its data, its frames and what it hands out.

Watching changes nothing: a run read every epoch ends with the weights of the same run unread, and of
``Sequential.fit`` as the downloaded script runs it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.playground import data
from glassnet.playground.session import DEFAULTS, LIMITS, Session, SetupError, check_setup, parse_csv


# --- the data ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*data.CLASSIFICATION, *data.REGRESSION])
def test_every_data_set_is_seeded_and_lies_on_the_plane(name):
    X, y = data.make_dataset(name, 500, 0.2, seed=3)
    again, y_again = data.make_dataset(name, 500, 0.2, seed=3)
    assert X.shape == (500, 2) and y.shape == (500,)
    assert np.array_equal(X, again) and np.array_equal(y, y_again)
    assert not np.array_equal(X, data.make_dataset(name, 500, 0.2, seed=4)[0])
    if name in data.CLASSIFICATION:
        assert set(np.unique(y)) == {0, 1}
        assert np.abs(X).max() < 2 * data.DOMAIN
    else:
        assert np.abs(y).max() <= 1 and np.abs(X).max() <= data.DOMAIN


def test_features_are_computed_from_the_points():
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    F = data.features(X, ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"])
    assert np.allclose(F[1], [-3, 0.5, 9, 0.25, -1.5, np.sin(-3), np.sin(0.5)])


def test_the_split_is_seeded_and_keeps_every_point_once():
    train, test = data.split(500, 30, seed=1)
    assert len(train) == 150 and len(test) == 350
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(500))
    assert np.array_equal(train, data.split(500, 30, seed=1)[0])


# --- the setup checks ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, words", [
    ("circle", "must be an object"),
    ({"colour": "red"}, "unknown setup field 'colour'"),
    ({"hidden": [8] * 7}, "at most 6"),
    ({"hidden": [9]}, "from 1 to 8 neurons"),
    ({"hidden": [17], "large": True}, "from 1 to 16 neurons"),
    ({"hidden": [4] * 9, "large": True}, "at most 8"),
    ({"large": "yes"}, "true or false"),
    ({"hidden": [0]}, "from 1 to 8 neurons"),
    ({"hidden": [True]}, "from 1 to 8 neurons"),
    ({"hidden": "4,2"}, "list of neuron counts"),
    ({"points": 5}, "from 10 to 2000"),
    ({"points": 10**9}, "from 10 to 2000"),
    ({"points": 500.5}, "whole number"),
    ({"learning_rate": 0}, "above 0"),
    ({"learning_rate": -1}, "above 0"),
    ({"learning_rate": 1e9}, "to 100"),
    ({"learning_rate": "fast"}, "finite number"),
    ({"learning_rate": None}, "finite number"),
    ({"activation": "step"}, "activation must be one of"),
    ({"activation": "sofmax"}, "activation must be one of"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"features": []}, "non-empty list"),
    ({"features": ["x3"]}, "not a feature"),
    ({"features": ["x1", "x1"]}, "twice"),
    ({"dataset": "reg-plane"}, "not a classification data set"),
    ({"dataset": "upload"}, "upload a CSV file first"),
    ({"show_test": 1}, "true or false"),
    ({"discretize": "yes"}, "true or false"),
    ({"noise": 51}, "from 0 to 50"),
    ({"batch_size": 0}, "from 1 to 500"),
    ({"seed": -1}, "from 0 to"),
])
def test_a_bad_setup_is_refused_with_the_field_and_what_is_allowed(changes, words):
    with pytest.raises(SetupError, match=words):
        check_setup(changes)


def test_a_refused_setup_changes_nothing():
    session = Session()
    session.step()
    weights = [w.copy() for w in session.model.get_weights()]
    with pytest.raises(SetupError):
        session.configure({"hidden": [4, 2], "learning_rate": -1})
    assert session.setup == DEFAULTS and session.epoch == 1
    assert all(np.array_equal(a, b) for a, b in zip(weights, session.model.get_weights()))


def test_a_setup_change_restarts_the_run_but_showing_test_points_does_not():
    session = Session()
    session.step()
    weights = session.model.get_weights()
    assert session.configure({"show_test": True}) is False and session.epoch == 1
    assert session.configure({"discretize": True}) is False and session.epoch == 1
    assert all(np.array_equal(a, b) for a, b in zip(weights, session.model.get_weights()))
    assert session.configure({"activation": "relu"}) is True and session.epoch == 0


# --- frames: read, never change ---------------------------------------------------------------------------------
def test_reading_frames_changes_nothing_and_the_run_is_seeded():
    setup = {"dataset": "spiral", "hidden": [8, 8], "optimizer": "adam", "noise": 10}
    watched, unwatched = Session(setup), Session(setup)
    for _ in range(5):
        watched.step()
        json.dumps(watched.frame(findings=True), allow_nan=False)
        watched.explain()
        watched.model_bytes()
        unwatched.step()
    for a, b in zip(watched.model.get_weights(), unwatched.model.get_weights()):
        assert np.array_equal(a, b)


def test_a_frame_has_a_picture_per_neuron_and_the_weights_of_every_layer():
    session = Session({"hidden": [3, 5], "features": ["x1", "x2", "sinx1"]})
    session.step()
    frame = session.frame(findings=True)
    assert [len(layer) for layer in frame["neurons"]] == [3, 5]
    assert [np.array(layer["W"]).shape for layer in frame["weights"]] == [(3, 3), (3, 5), (5, 1)]
    assert len(frame["grad_norms"]) == 3 and all(g > 0 for g in frame["grad_norms"])
    assert frame["epoch"] == 1 and 0 < frame["train_loss"] < 2 and 0 < frame["test_loss"] < 2
    assert [len(u) for u in frame["units"]] == [3, 5]
    assert isinstance(frame["findings"], list)


def test_a_diverging_run_stops_says_why_and_sends_no_nan():
    session = Session({"dataset": "reg-plane", "problem": "regression", "learning_rate": 100,
                       "features": ["x1", "x2", "x1sq", "x2sq", "x1x2"], "hidden": [8, 8], "activation": "relu"})
    for _ in range(50):
        session.step()
    assert session.status == "diverged"
    assert "learning rate" in session.message
    frame = session.frame(findings=True)
    json.dumps(frame, allow_nan=False)  # raises on NaN or infinity
    assert "diverging_loss" in [f["code"] for f in frame["findings"]]
    assert session.step() is False


def test_a_learning_rate_of_ten_is_diagnosed():
    session = Session({"learning_rate": 10})
    for _ in range(40):
        session.step()
    codes = [f["code"] for f in session.diagnose()]
    assert {"learning_rate_too_high", "diverging_loss"} & set(codes), codes


def test_explaining_a_large_network_is_refused_with_its_size():
    session = Session({"hidden": [8] * 6, "features": list(data.FEATURES)})
    with pytest.raises(SetupError, match=f"at most {LIMITS['explain_params']} parameters; this one has"):
        session.explain()
    assert "Forward pass" in Session().explain()


def test_the_saved_model_loads_with_the_same_weights(tmp_path):
    session = Session()
    for _ in range(3):
        session.step()
    path = tmp_path / "m.safetensors"
    path.write_bytes(session.model_bytes())
    loaded = gn.load_model(path)
    for a, b in zip(loaded.get_weights(), session.model.get_weights()):
        assert np.array_equal(a, b)


def _run_script(tmp_path, session) -> str:
    script = tmp_path / "run.py"
    script.write_text(session.script())
    # the glassnet under test, wherever the run's working folder is
    source = str(pathlib.Path(gn.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("setup", [
    {"dataset": "xor", "hidden": [4], "optimizer": "momentum", "regularization": "l2", "reg_rate": 0.001},
    {"problem": "regression", "dataset": "reg-gauss", "hidden": [3, 2], "activation": "relu", "optimizer": "adam",
     "features": ["x1", "x2", "x1x2"], "noise": 20, "train_percent": 70, "batch_size": 7, "seed": 5},
])
def test_the_script_reproduces_the_run(tmp_path, setup):
    session = Session(setup)
    for _ in range(7):
        session.step()
    out = _run_script(tmp_path, session)
    train = float(session.model.evaluate(session.X_train, session.y_train, verbose=0))
    test = float(session.model.evaluate(session.X_test, session.y_test, verbose=0))
    assert out.strip() == f"train loss {train:.6g}, test loss {test:.6g}"
    assert (tmp_path / "playground-model.safetensors").exists()


def test_a_new_learning_rate_applies_to_the_running_network_and_the_script_repeats_it(tmp_path):
    """As in TensorFlow Playground, the run goes on at the new rate; the script changes the rate at the same
    epochs and ends on the same losses."""
    session = Session({"optimizer": "sgd", "learning_rate": 0.03})
    for _ in range(3):
        session.step()
    weights = session.model.get_weights()
    assert session.configure({"learning_rate": 0.3}) is False and session.epoch == 3
    assert all(np.array_equal(a, b) for a, b in zip(weights, session.model.get_weights()))
    assert session.model.optimizer.current_learning_rate() == 0.3
    for _ in range(2):
        session.step()
    session.configure({"learning_rate": 0.1})
    for _ in range(2):
        session.step()
    assert session.rate_changes == [(3, 0.3), (5, 0.1)]
    out = _run_script(tmp_path, session)
    train = float(session.model.evaluate(session.X_train, session.y_train, verbose=0))
    test = float(session.model.evaluate(session.X_test, session.y_test, verbose=0))
    assert out.strip() == f"train loss {train:.6g}, test loss {test:.6g}"
    # the same run at 0.03 throughout ends elsewhere: the change did apply
    steady = Session({"optimizer": "sgd", "learning_rate": 0.03})
    for _ in range(7):
        steady.step()
    assert float(steady.model.evaluate(steady.X_train, steady.y_train, verbose=0)) != train


# --- uploads ---------------------------------------------------------------------------------------------------
def _csv(n=40, classes=("a", "b")):
    rng = np.random.default_rng(0)
    rows = ["u,v,label"] + [f"{x:.4f},{y:.4f},{classes[int(x > 0)]}" for x, y in rng.normal(size=(n, 2)) * 3]
    return "\n".join(rows)


def test_an_uploaded_csv_is_trained_on(tmp_path):
    session = Session()
    session.load_csv(_csv(), "mine.csv")
    assert session.setup["dataset"] == "upload" and session.setup["problem"] == "classification"
    assert len(session.points) == 40 and np.abs(session.points).max() <= 5
    session.step()
    assert session.epoch == 1
    assert session.configure({"hidden": [3]}) and session.setup["dataset"] == "upload"
    with pytest.raises(SetupError, match="uploaded data is a classification problem"):
        session.configure({"problem": "regression"})
    session.step()
    out = _run_script(tmp_path, session)
    assert out.startswith("train loss")


@pytest.mark.parametrize("text, words", [
    ("1,2,a\n" * 5, "from 10 to 2000"),
    ("1,2,a\n" * 3000, "from 10 to 2000"),
    ("x" * (LIMITS["upload_bytes"] + 1), "at most"),
    ("1,2\n" * 20, "exactly 3"),
    ("1,nan,a\n" * 20, "not a finite number"),
    ("1,2,a\n1,b,a\n" + "1,2,b\n" * 20, "data row 2, column 2"),
    ("1,2,a\n" * 20, "1 distinct value"),
    ("\n".join(f"1,2,{c}" for c in "abcdefghijkl"), "two classes"),
    (5, "as text"),
])
def test_a_bad_csv_is_refused_with_what_is_wrong(text, words):
    with pytest.raises(SetupError, match=words):
        parse_csv(text)


def test_numeric_labels_of_more_than_two_values_are_a_regression():
    X, y, problem = parse_csv("\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(20)))
    assert problem == "regression" and y[3] == 1.5


def test_larger_networks_on_request_and_back():
    session = Session()
    assert session.configure({"large": True, "hidden": [16] * 8}) is True
    assert [layer.units for layer in session.model.layers[:-1]] == [16] * 8
    session.step()
    assert session.epoch == 1
    assert session.configure({"large": False}) is True          # the network shrinks to the usual limits
    assert session.setup["hidden"] == [8] * 6
    assert [layer.units for layer in session.model.layers[:-1]] == [8] * 6
