"""Crash safety and hostile files: a save killed halfway never loses the previous model; mutated files are refused
with one exception type; nothing a file says is executed or allocated beyond what its size justifies."""

import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.io import ModelFileError


def _model(width=64, seed=0):
    model = gn.Sequential([gn.Dense(width, activation="relu"), gn.BatchNorm(), gn.Dense(3, activation="softmax")],
                          input_dim=32, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killing_a_save_midway_always_leaves_a_loadable_model(tmp_path):
    path = tmp_path / "model.safetensors"
    gn.save_model(_model(), path)
    # a writer that saves models of alternating sizes as fast as it can; we kill it at random moments
    script = f"""
import glassnet as gn, sys
sizes = [64, 512]
models = [gn.Sequential([gn.Dense(w, activation="relu"), gn.BatchNorm(), gn.Dense(3, activation="softmax")],
                        input_dim=32, seed=1) for w in sizes]
for m in models:
    m.compile(loss="categorical_crossentropy", optimizer="adam")
print("ready", flush=True)
i = 0
while True:
    gn.save_model(models[i % 2], {str(path)!r})
    i += 1
"""
    rng = np.random.default_rng(0)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(float(rng.uniform(0.01, 0.15)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        loaded = gn.load_model(path)
        assert loaded.layers[0].units in (64, 512)
        assert np.isfinite(loaded.predict(np.ones((2, 32)))).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_model_files_raise_only_model_file_error(tmp_path, data):
    original = gn.save_model(_model(width=4), tmp_path / "good.safetensors").read_bytes()
    blob = bytearray(original)
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "header"]))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
    elif kind == "truncate":
        blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    elif kind == "insert":
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=16))
    else:
        header_len = int.from_bytes(blob[:8], "little")
        i = data.draw(st.integers(8, 8 + header_len - 1))
        blob[i] = data.draw(st.sampled_from(list(b'{}[]":,0123456789eE-+ x')))
    path = tmp_path / "mutated.safetensors"
    path.write_bytes(bytes(blob))
    try:
        model = gn.load_model(path)
    except ModelFileError:
        return
    # a mutation that still makes a valid file (e.g. in a weight's digits) must give a usable, finite model
    assert np.isfinite(model.predict(np.ones((2, 32)))).all()


def test_header_claiming_huge_tensors_is_refused_without_allocating(tmp_path):
    import json
    import struct

    header = {"__metadata__": {"format": "glassnet", "format_version": "1"},
              "layers.0.W": {"dtype": "F32", "shape": [2**20, 2**20], "data_offsets": [0, 2**42]}}
    raw = json.dumps(header).encode()
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 64)
    with pytest.raises(ModelFileError):
        gn.load_model(path)


def test_a_pickled_estimator_carries_its_weights_not_its_training_data():
    """L-BFGS trains on the whole data set at once; the layers' last-batch values (their inputs: X itself) and
    work arrays must not ride along in a pickle, which is then about the size of the weights."""
    import pickle

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3000, 40)), rng.integers(0, 3, 3000)
    clf = gn.MLPClassifier((16,), solver="lbfgs", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    weights = sum(w.nbytes for w in clf.coefs_ + clf.intercepts_)
    blob = pickle.dumps(clf)
    assert len(blob) < 4 * weights + 50_000, (len(blob), weights, X.nbytes)
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
