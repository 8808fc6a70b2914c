"""analysis._adapt: the one door from a model or fitted estimator to the network the analysis and plots read."""

import ast
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Perceptron as SkPerceptron

import glassnet as gn
from glassnet.analysis._adapt import as_network, is_estimator, is_perceptron, network_of, network_targets

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.9]])


def _classifier(labels):
    return gn.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X4, labels)


def test_a_sequential_is_itself_and_an_estimator_is_its_model():
    model = gn.Sequential([gn.Dense(2)], input_dim=2)
    assert as_network(model) is model and network_of(model) is model
    clf = _classifier(["a", "b", "a", "b", "a", "b"])
    assert as_network(clf) is clf.model_ and network_of(clf) is clf.model_
    assert network_of("model") is None and network_of(gn.MLPClassifier()) is None


def test_what_is_refused_and_how():
    with pytest.raises(NotFittedError):
        as_network(gn.MLPRegressor())
    fitted = gn.Perceptron().fit(X4[:4], [0, 1, 1, 1])
    with pytest.raises(TypeError, match="estimator must be a glassnet Sequential .*Perceptron has no hidden layers"):
        as_network(fitted, "estimator")
    with pytest.raises(TypeError, match="received str$"):
        as_network("a model")
    unbuilt = gn.Sequential([gn.Dense(1)])
    with pytest.raises(ValueError, match="net is not built yet"):
        as_network(unbuilt, "net")
    assert as_network(unbuilt, require_built=False) is unbuilt


def test_targets_are_what_the_classifiers_network_trains_on():
    binary = _classifier(["no", "yes", "yes", "no", "yes", "no"])
    y = np.array(["yes", "no", "no"])
    # one 0/1 column: 1 for the second class of the sorted classes
    np.testing.assert_array_equal(network_targets(binary, y), [[1], [0], [0]])
    multi = _classifier(["b", "c", "a", "a", "b", "c"])
    np.testing.assert_array_equal(network_targets(multi, ["c", "a", "b"]), np.eye(3)[[2, 0, 1]])
    # the encoding the network's loss reads: on these targets it is the log loss of the estimator's probabilities,
    # plus scikit-learn's L2 term 0.5 * alpha * sum(W ** 2) / n_samples
    labels = ["b", "c", "a", "a", "b", "c"]
    proba = multi.predict_proba(X4)
    expected = -np.mean(np.log(proba[np.arange(6), [multi.classes_.tolist().index(c) for c in labels]]))
    expected += 0.5 * multi.alpha * sum(float(np.sum(W ** 2)) for W in multi.coefs_) / 6
    loss = multi.model_.evaluate(X4, network_targets(multi, labels), return_dict=True)["loss"]
    assert loss == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match=r"labels not in the estimator's classes_ .*\['d'\]"):
        network_targets(multi, ["a", "d"])
    with pytest.raises(ValueError, match="1-D or 2-D"):
        network_targets(multi, np.zeros((2, 2, 2)))


def test_targets_of_a_network_or_regressor_are_left_as_they_are():
    model = gn.Sequential([gn.Dense(2, "softmax")], input_dim=2)
    y = np.array([1, 0, 1])
    np.testing.assert_array_equal(network_targets(model, y), y)
    reg = gn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=3, random_state=0).fit(X4, np.arange(6.0))
    np.testing.assert_array_equal(network_targets(reg, [0.5, 2.0]), [0.5, 2.0])


def test_perceptrons_and_estimators_are_recognised_by_class():
    assert is_perceptron(gn.Perceptron())
    assert not is_perceptron(SkPerceptron()) and not is_perceptron(gn.Sequential())
    assert is_estimator(gn.MLPClassifier()) and is_estimator(SkPerceptron())
    assert not is_estimator(gn.Sequential()) and not is_estimator({"loss": [1.0]})


SOURCE = Path(gn.__file__).parent
#: The modules that read models through _adapt: none of them may load scikit-learn or the estimator modules when
#: imported (they do so inside the functions that need them).
LAZY = ["analysis/_adapt.py", "analysis/neurons.py", "analysis/explain.py", "analysis/sensitivity.py",
        "analysis/gradcheck.py", "analysis/diagnose.py", "plots.py"]


@pytest.mark.parametrize("path", LAZY)
def test_no_module_level_import_of_scikit_learn_or_the_estimators(path):
    tree = ast.parse((SOURCE / path).read_text(encoding="utf-8"))
    imported = []
    for node in tree.body:  # module level only
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    heavy = [name for name in imported if name.split(".")[0] == "sklearn"
             or name.lstrip(".") in ("estimators", "perceptron") or name.endswith((".estimators", ".perceptron"))]
    assert heavy == [], f"{path} imports {heavy} at module level"
