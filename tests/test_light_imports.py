"""``import glassnet`` and a Sequential's training load none of the heavy dependencies.

Design principle 4 ("light at the door"): scikit-learn, SciPy, matplotlib and numba load on first use of what
needs them, never with glassnet, and fitting a Sequential of Dense, Dropout and BatchNorm layers with the
built-in losses, metrics and optimisers loads neither scikit-learn nor matplotlib. Each check runs in a fresh
interpreter (``sys.executable``, this process's environment, so ``PYTHONPATH`` applies), because this one has
long since imported all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "matplotlib", "numba", "pandas", "torch", "tqdm", "joblib", "onnx", "onnxruntime")
LEAVES = ("metrics", "activations", "datasets", "losses", "initializers", "schedules", "training", "model",
          "callbacks", "io", "layers", "optimizers")

_REPORT = """
import json
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def _heavy_modules_loaded(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter and return the heavy modules it loaded."""
    script = "import sys\n" + code + _REPORT.format(heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_glassnet_loads_nothing_heavy():
    assert _heavy_modules_loaded("import glassnet") == []


@pytest.mark.slow
def test_the_lazy_names_still_work_and_load_what_they_need():
    code = """
import glassnet as gn
assert "sklearn" not in sys.modules
assert gn.MLPClassifier.__module__ == "glassnet.estimators" and gn.Perceptron.__name__ == "Perceptron"
assert callable(gn.analysis.diagnose) and callable(gn.plots.plot_histories) and callable(gn.builders.mlp)
assert {"MLPClassifier", "analysis", "plots"} <= set(dir(gn))
"""
    assert "sklearn" in _heavy_modules_loaded(code)


@pytest.mark.slow
def test_fitting_a_sequential_loads_neither_scikit_learn_nor_matplotlib():
    """Dense, Dropout and BatchNorm layers, every built-in loss's usual output, the metrics glassnet computes
    (AUC included), every optimiser, validation, evaluate, predict, save and load, and the callbacks."""
    code = """
import tempfile, os, warnings
import numpy as np, glassnet as gn
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
folder = tempfile.mkdtemp()
for optimizer in ("sgd", "adam", "adamw", "rmsprop", "adagrad"):
    model = gn.Sequential([gn.Dense(8, activation="relu"), gn.BatchNorm(), gn.Dropout(0.2),
                           gn.Dense(1, activation="sigmoid")], input_dim=4, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy", "roc_auc", "f1"])
    model.fit(X, y, epochs=2, batch_size=16, validation_split=0.2, verbose=0, callbacks=[
        gn.callbacks.EarlyStopping(monitor="val_loss", patience=1), gn.callbacks.CSVLogger(folder + "/log.csv"),
        gn.callbacks.ModelCheckpoint(folder + "/m.safetensors", monitor="val_loss")])
    model.evaluate(X, y)
    gn.load_model(folder + "/m.safetensors").predict(X)
for loss, out, target in (("mse", "linear", X[:, :1]), ("categorical_crossentropy", "softmax", y),
                          ("poisson", "exponential", np.abs(X[:, :1]))):
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1 if out != "softmax" else 2, activation=out)],
                          input_dim=4, seed=0)
    model.compile(loss=loss, optimizer="adam", metrics=["mae"] if out == "linear" else None)
    model.fit(X, target, epochs=2, verbose=0)
"""
    assert [m for m in _heavy_modules_loaded(code) if m in ("sklearn", "matplotlib")] == []


@pytest.mark.parametrize("leaf", LEAVES)
def test_engine_module_imports_nothing_heavy(leaf):
    assert _heavy_modules_loaded(f"import glassnet.{leaf}") == [], f"glassnet.{leaf}"


def test_every_metric_computes_without_scikit_learn():
    code = """
import numpy as np
from glassnet import metrics

rng = np.random.default_rng(0)
y2 = rng.integers(0, 2, 20)
p2 = rng.uniform(size=20)
y3 = np.arange(20) % 3
P3 = rng.dirichlet(np.ones(3), size=20)
Y_multilabel = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]] * 5)
classification = [(y2, p2), (y2[:, None], np.column_stack([1 - p2, p2])), (y3, P3), (np.eye(3)[y3], P3),
                  (Y_multilabel, P3)]
regression = [(p2, p2[::-1]), (P3, P3[::-1])]
names = {"accuracy", "precision", "recall", "f1", "roc_auc", "auc"}
assert names | {"mse", "mae", "r2"} == set(metrics.METRICS), sorted(metrics.METRICS)  # a new metric: add it
for name in metrics.METRICS:
    for y_true, y_pred in classification if name in names else regression:
        value = metrics.get(name)(y_true, y_pred)
        assert np.isfinite(value), (name, value)
"""
    assert [m for m in _heavy_modules_loaded(code) if m != "numba"] == []


def test_activations_other_than_gelu_compute_without_scipy():
    # GELU needs scipy.special.erf (NumPy has none) and loads SciPy on first use, as documented
    code = """
import numpy as np
from glassnet import activations

z = np.linspace(-800.0, 800.0, 41).reshape(1, -1)
for name in activations.ACTIVATIONS:
    if name == "gelu":
        continue
    act = activations.get(name)
    a = act.forward(z)
    act.backward(np.ones_like(z), z, a)
    act.forward_into(z.astype(np.float32), np.empty(z.shape, np.float32))
"""
    assert [m for m in _heavy_modules_loaded(code) if m != "numba"] == []


@pytest.mark.slow
def test_interop_loads_onnx_only_to_write_or_read_onnx_and_never_torch_or_onnxruntime():
    """``gn.interop`` and ``from_sklearn`` need neither onnx nor torch; ``export_onnx`` and ``load_onnx`` need onnx
    and nothing else heavy of the three (onnxruntime is the tests' independent runtime, not glassnet's)."""
    pytest.importorskip("onnx")
    quiet = _heavy_modules_loaded("import glassnet as gn\ngn.interop; gn.from_sklearn; gn.load_onnx")
    assert not {"onnx", "onnxruntime", "torch"} & set(quiet)
    code = """
import os, tempfile
import glassnet as gn
model = gn.Sequential([gn.Dense(3, activation="gelu"), gn.Dense(1)], input_dim=2, seed=0)
path = gn.export_onnx(model, os.path.join(tempfile.mkdtemp(), "m.onnx"))
gn.load_onnx(path).predict([[0.0, 1.0]])
"""
    loaded = set(_heavy_modules_loaded(code))
    assert "onnx" in loaded and not {"onnxruntime", "torch"} & loaded
