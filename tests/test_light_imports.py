"""glassnet's leaf modules import, and the metrics and activations compute, without the heavy dependencies.

Design principle 4 ("light at the door"): scikit-learn, SciPy, matplotlib and numba load on first use of what
needs them, never with glassnet. Each check runs in a fresh interpreter (``sys.executable``, this process's
environment, so ``PYTHONPATH`` applies), because this one has long since imported all of them.

TEMPORARY (issue 13): ``import glassnet.metrics`` first runs ``glassnet/__init__.py``, which still imports
every module (scikit-learn included) until the package's own import is made light. So that these checks say
something about the leaf modules now, the child interpreter first puts a bare module named ``glassnet`` in
``sys.modules`` whose ``__path__`` is the real package's directory: submodules are then found and imported as
usual, but the package's ``__init__`` never runs. Once ``import glassnet`` is light, drop ``_BARE_PACKAGE``
and these become plain ``import glassnet`` checks.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "matplotlib", "numba")
LEAVES = ("metrics", "activations", "datasets", "losses", "initializers", "schedules")

# TEMPORARY (issue 13): stands in for the heavy glassnet/__init__.py; see the module docstring.
_BARE_PACKAGE = """
import sys, types
package = types.ModuleType("glassnet")
package.__path__ = [sys.argv[1]]
sys.modules["glassnet"] = package
"""

_REPORT = """
import json
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def _heavy_modules_loaded(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter (after the bare package) and return the heavy modules it loaded."""
    # the package this process would import, found without importing it
    package_dir = list(importlib.util.find_spec("glassnet").submodule_search_locations)[0]
    script = _BARE_PACKAGE + code + _REPORT.format(heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", script, package_dir], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_bare_package_imports_nothing_heavy():
    # the premise of the other checks: the stand-in package itself loads nothing
    assert _heavy_modules_loaded("") == []


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaf_module_imports_nothing_heavy(leaf):
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
names = {"accuracy", "precision", "recall", "f1", "roc_auc"}
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
