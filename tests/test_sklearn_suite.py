"""scikit-learn's own tests of its MLPClassifier, MLPRegressor and Perceptron, run against glassnet's.

The test files are read from the installed scikit-learn when this module is collected (they are never copied
into this repository); their imports of the three estimators are swapped for glassnet's, every other line is
left as it is, and each of their test functions becomes a test here: ``TestMLP::test_alpha`` is
``sklearn/neural_network/tests/test_mlp.py::test_alpha``. A traceback shows scikit-learn's file, line for
line. A test that cannot pass for glassnet is an expected failure by name, with its reason, in ``XFAIL``:
strict, so that a fixed one is noticed.

scikit-learn's estimator checks (``parametrize_with_checks``) are not repeated here: tests/test_estimators.py
runs them on MLPClassifier (adam, sgd, lbfgs) and MLPRegressor (adam, sgd, lbfgs), and tests/test_perceptron.py
on Perceptron().
"""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path

import pytest
import sklearn

import glassnet

# (scikit-learn module, name) -> the module the name is imported from instead
SWAPS = {
    ("sklearn.neural_network", "MLPClassifier"): "glassnet",
    ("sklearn.neural_network", "MLPRegressor"): "glassnet",
    ("sklearn.linear_model", "Perceptron"): "glassnet",
}

# "Class::test_name" (with pytest's parameters, or without them for every parametrisation) -> why it fails
XFAIL = {
    # where glassnet's message differs on purpose
    "TestMLP::test_early_stopping_stratified": "expects the too-rare class named 'True', scikit-learn's binarised "
                                               "target; glassnet's message names it as the user gave it (1)",
}


@pytest.fixture
def global_random_seed():
    """scikit-learn's default seed (its conftest.py parametrises it from SKLEARN_TESTS_GLOBAL_RANDOM_SEED)."""
    return 42


@pytest.fixture(autouse=True)
def _expected_failures(request):
    """Mark this test as a strict expected failure if ``XFAIL`` names it."""
    suite = f"{request.cls.__name__}::" if request.cls is not None else ""
    reason = XFAIL.get(suite + request.node.name) or XFAIL.get(suite + request.node.originalname)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def _swap_imports(source: str, path: Path) -> tuple[str, set[str]]:
    """``source`` with each ``from <module> import <name>`` in ``SWAPS`` importing from glassnet instead.

    Only the lines of those import statements change, and they keep their number of lines, so every other
    line keeps its number. Also returns the names swapped.
    """
    lines = source.splitlines(keepends=True)
    swapped = set()
    for node in reversed(ast.parse(source, str(path)).body):  # from the end, so earlier line numbers hold
        if not isinstance(node, ast.ImportFrom) or not any((node.module, a.name) in SWAPS for a in node.names):
            continue
        kept = [alias for alias in node.names if (node.module, alias.name) not in SWAPS]
        moved = [alias for alias in node.names if (node.module, alias.name) in SWAPS]
        statements = [f"from {SWAPS[node.module, alias.name]} import {_alias(alias)}" for alias in moved]
        if kept:
            statements.append(f"from {node.module} import {', '.join(_alias(alias) for alias in kept)}")
        n_lines = node.end_lineno - node.lineno + 1
        lines[node.lineno - 1:node.end_lineno] = ["; ".join(statements) + "\n"] + ["\n"] * (n_lines - 1)
        swapped.update(alias.name for alias in moved)
    return "".join(lines), swapped


def _alias(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"


def _suite(class_name: str, relative_path: str, estimators: set[str]) -> type:
    """A test class holding the test functions of scikit-learn's ``relative_path``, with glassnet's ``estimators``.

    Raises (and so fails the collection) unless exactly ``estimators`` were swapped and the file's test
    functions see glassnet's: never run scikit-learn's tests on scikit-learn's estimators by mistake.
    """
    path = Path(sklearn.__file__).parent / relative_path
    if not path.is_file():  # pip's scikit-learn ships its tests; some repackaged builds leave them out
        pytest.skip(f"this scikit-learn {sklearn.__version__} has no {path}", allow_module_level=True)
    source, swapped = _swap_imports(path.read_text(encoding="utf-8"), path)
    module = types.ModuleType(f"_sklearn_suite_{path.stem}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # so that pickle finds the classes the file defines
    exec(compile(source, str(path), "exec"), module.__dict__)
    if swapped != estimators or any(getattr(module, name) is not getattr(glassnet, name) for name in estimators):
        raise RuntimeError(f"{path}: expected to swap {sorted(estimators)} for glassnet's, swapped {sorted(swapped)}")
    tests = {name: staticmethod(obj) for name, obj in vars(module).items()
             if name.startswith("test_") and isinstance(obj, types.FunctionType)}
    doc = f"sklearn/{relative_path}, with glassnet's {', '.join(sorted(estimators))}."
    return type(class_name, (), {"__doc__": doc, "__module__": __name__, **tests})


TestMLP = _suite("TestMLP", "neural_network/tests/test_mlp.py", {"MLPClassifier", "MLPRegressor"})
TestPerceptron = _suite("TestPerceptron", "linear_model/tests/test_perceptron.py", {"Perceptron"})


def test_every_expected_failure_names_a_test_of_the_suite():
    # a name that matches nothing (a typo, a test scikit-learn renamed) would silently expect nothing
    names = {f"{suite.__name__}::{name}" for suite in (TestMLP, TestPerceptron) for name in vars(suite)
             if name.startswith("test_")}
    assert {name.split("[")[0] for name in XFAIL} <= names


def test_imports_are_swapped_in_place_and_other_names_kept():
    source = ("import numpy as np\n"
              "from sklearn.neural_network import (\n"
              "    BernoulliRBM,\n"
              "    MLPClassifier as Classifier,\n"
              ")\n"
              "from sklearn.linear_model import Perceptron\n"
              "x = 1\n")
    swapped_source, swapped = _swap_imports(source, Path("example.py"))
    assert swapped == {"MLPClassifier", "Perceptron"}
    assert swapped_source.splitlines() == [
        "import numpy as np",
        "from glassnet import MLPClassifier as Classifier; from sklearn.neural_network import BernoulliRBM",
        "", "", "",
        "from glassnet import Perceptron",
        "x = 1",
    ]
    namespace = {}
    exec(swapped_source, namespace)
    assert namespace["Classifier"] is glassnet.MLPClassifier and namespace["Perceptron"] is glassnet.Perceptron
    assert namespace["BernoulliRBM"].__module__.startswith("sklearn.")
