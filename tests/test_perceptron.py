"""Perceptron against independent truths: a plain-Python hand-run of the textbook rule, scikit-learn's own
Perceptron where the two algorithms coincide, scikit-learn's estimator checks, and closed forms.
"""

from __future__ import annotations

import math
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import special
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Perceptron as SkPerceptron
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.perceptron import Perceptron

GATE_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}


def textbook(X, y, *, eta, max_epochs, activation="step", fit_intercept=True):
    """The seed documents' algorithm, written out in plain Python: zero start, samples in order.

    ``w_i += eta * (target - f(z)) * x_i`` and ``b += eta * (target - f(z))`` after every sample; stop after
    the first epoch without a mistake. Returns the weights, the bias and per-epoch (errors, weights, bias).
    """
    w = [0.0] * len(X[0])
    b = 0.0
    history = []
    for _ in range(max_epochs):
        errors = 0
        for x, target in zip(X, y):
            z = sum(wi * xi for wi, xi in zip(w, x)) + b
            if activation == "step":
                out = 1.0 if z >= 0 else 0.0
            else:
                out = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
            errors += (z >= 0) != (target == 1)
            err = target - out
            w = [wi + eta * err * xi for wi, xi in zip(w, x)]
            if fit_intercept:
                b += eta * err
        history.append((errors, list(w), b))
        if errors == 0:
            break
    return w, b, history


def separable_blobs(n=60, seed=3, std=1.0):
    """Two well separated 2-D blobs, reordered so the first sample is a negative one (see the sklearn test)."""
    X, y = make_blobs(n_samples=n, centers=[[-2, -2], [2, 2]], cluster_std=std, random_state=seed)
    first_negative = int(np.argmax(y == 0))
    order = np.r_[first_negative, np.delete(np.arange(n), first_negative)]
    return X[order], y[order]


# -- scikit-learn's contract ----------------------------------------------------------------------------------


@parametrize_with_checks([
    Perceptron(),
    Perceptron(activation="sigmoid", shuffle=False),
    Perceptron(shuffle=False, eta0=0.1, tol=None, max_iter=100),
])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # noisy check data is not linearly separable
        check(estimator)


def test_pipeline_cross_val_score_grid_search_and_clone():
    X, y = make_blobs(n_samples=120, centers=[[0, 6], [-6, -3], [6, -3]], cluster_std=1.0, random_state=0)
    pipe = make_pipeline(StandardScaler(), Perceptron(activation="sigmoid"))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.95

    grid = GridSearchCV(pipe, {"perceptron__eta0": [0.1, 1.0], "perceptron__activation": ["step", "sigmoid"]},
                        cv=3, n_jobs=2)
    grid.fit(X, y)
    assert grid.best_score_ > 0.95
    assert set(grid.best_params_) == {"perceptron__eta0", "perceptron__activation"}

    fitted = Perceptron(eta0=0.5).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "coef_")
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))


# -- the textbook algorithm ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gate", ["AND", "OR"])
@pytest.mark.parametrize("eta", [1.0, 0.1])
def test_gates_converge_to_the_textbook_weights(gate, eta):
    y = GATES[gate]
    clf = Perceptron(eta0=eta, shuffle=False).fit(GATE_X, y)
    w, b, history = textbook(GATE_X, y, eta=eta, max_epochs=1000)

    assert clf.converged_
    np.testing.assert_array_equal(clf.predict(GATE_X), y)
    np.testing.assert_array_equal(clf.coef_, [w])
    np.testing.assert_array_equal(clf.intercept_, [b])
    assert clf.n_iter_ == len(history)
    assert [h["epoch"] for h in clf.training_history_] == list(range(1, len(history) + 1))
    for record, (errors, weights, bias) in zip(clf.training_history_, history):
        assert record["errors"] == errors
        assert record["accuracy"] == 1 - errors / 4
        np.testing.assert_array_equal(record["weights"], weights)
        assert record["bias"] == bias
    assert clf.training_history_[-1]["errors"] == 0


@pytest.mark.parametrize("gate", ["AND", "OR"])
def test_sigmoid_gates_follow_the_hand_run_log_loss_rule(gate):
    y = GATES[gate]
    clf = Perceptron(activation="sigmoid", eta0=0.5, shuffle=False, tol=None).fit(GATE_X, y)
    w, b, history = textbook(GATE_X, y, eta=0.5, max_epochs=1000, activation="sigmoid")
    assert clf.converged_
    assert clf.n_iter_ == len(history)
    np.testing.assert_allclose(clf.coef_, [w], rtol=1e-12)
    np.testing.assert_allclose(clf.intercept_, [b], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(GATE_X), y)


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_gates_converge_with_default_settings(activation):
    for gate in ("AND", "OR"):
        clf = Perceptron(activation=activation).fit(GATE_X, GATES[gate])
        assert clf.converged_, gate
        np.testing.assert_array_equal(clf.predict(GATE_X), GATES[gate])


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_xor_does_not_converge_and_says_so(activation):
    with pytest.warns(ConvergenceWarning, match="did not converge.*not be linearly separable"):
        clf = Perceptron(activation=activation, shuffle=False).fit(GATE_X, GATES["XOR"])
    assert clf.converged_ is False
    assert all(record["errors"] > 0 for record in clf.training_history_)
    assert clf.score(GATE_X, GATES["XOR"]) < 1

    with pytest.warns(ConvergenceWarning, match="stopped at max_iter=50"):
        clf = Perceptron(activation=activation, shuffle=False, tol=None, max_iter=50).fit(GATE_X, GATES["XOR"])
    assert clf.n_iter_ == 50 and len(clf.training_history_) == 50


def test_step_rule_without_intercept_matches_the_hand_run():
    X, y = separable_blobs(std=2.0)
    clf = Perceptron(shuffle=False, fit_intercept=False, tol=None, max_iter=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    w, b, history = textbook(X.tolist(), y.tolist(), eta=1.0, max_epochs=7, fit_intercept=False)
    np.testing.assert_allclose(clf.coef_, [w], rtol=1e-12)
    np.testing.assert_array_equal(clf.intercept_, [0.0])
    assert clf.n_iter_ == len(history)


# -- against scikit-learn's Perceptron -------------------------------------------------------------------------


@pytest.mark.parametrize("epochs", [1, 2, 5, 20])
@pytest.mark.parametrize("std", [1.0, 3.0])
def test_same_weights_as_sklearn_perceptron_when_no_positive_sample_sits_on_the_boundary(epochs, std):
    # scikit-learn's rule: labels +-1, update w += eta * y * x whenever y * z <= 0. Ours: labels 0/1, update
    # w += eta * (y - step(z)) * x, and step(0) = 1. They make the same update on every sample except a
    # positive one with z == 0 exactly (sklearn updates it, the textbook rule counts it correct). From zero
    # weights the first sample has z == 0, so the data start with a negative sample (where both update by
    # -x); afterwards z == 0 has probability zero for continuous data. std=3 overlaps the blobs, so the
    # comparison also covers epochs that keep making mistakes.
    X, y = separable_blobs(std=std)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron(eta0=1.0, shuffle=False, tol=None, max_iter=epochs).fit(X, y)
        theirs = SkPerceptron(eta0=1.0, shuffle=False, penalty=None, tol=None, max_iter=epochs).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12)


def test_sklearn_perceptron_differs_on_a_zero_margin_positive_sample():
    # Sample 1 is positive with z = 0: the textbook step says 1 (correct, no update); scikit-learn updates.
    X, y = [[1.0, 0.0], [0.0, 1.0]], [1, 0]
    ours = Perceptron(shuffle=False, tol=None, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        ours.fit(X, y)
    theirs = SkPerceptron(shuffle=False, tol=None, max_iter=1).fit(X, y)
    w, b, _ = textbook(X, y, eta=1.0, max_epochs=1)
    np.testing.assert_array_equal(ours.coef_, [w])  # [[0, -1]], b = -1
    np.testing.assert_array_equal(ours.intercept_, [b])
    np.testing.assert_array_equal(theirs.coef_, [[1.0, -1.0]])  # updated on both samples, b = 0
    np.testing.assert_array_equal(theirs.intercept_, [0.0])


def test_one_vs_rest_on_three_blobs_matches_sklearn_accuracy():
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=2.0, random_state=1)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron().fit(X_train, y_train)
        sigmoid = Perceptron(activation="sigmoid").fit(X_train, y_train)
    theirs = SkPerceptron().fit(X_train, y_train)
    reference = theirs.score(X_test, y_test)
    assert reference > 0.8
    assert ours.score(X_test, y_test) >= reference - 0.05
    assert sigmoid.score(X_test, y_test) >= reference - 0.05

    assert ours.coef_.shape == (3, 2) and ours.intercept_.shape == (3,)
    assert ours.decision_function(X_test).shape == (len(X_test), 3)
    np.testing.assert_array_equal(ours.predict(X_test), ours.classes_[ours.decision_function(X_test).argmax(1)])
    record = ours.training_history_[-1]
    assert record["errors"].shape == record["accuracy"].shape == record["loss"].shape == (3,)
    assert record["weights"].shape == (3, 2) and record["bias"].shape == (3,)
    np.testing.assert_array_equal(record["weights"], ours.coef_)
    assert ours.n_iter_ == len(ours.training_history_)


def test_one_vs_rest_lines_are_independent_perceptrons():
    # each row of coef_ is the binary perceptron "class c against the rest", run on the same sample order
    X, y = make_blobs(n_samples=45, centers=[[0, 6], [-6, -3], [6, -3]], cluster_std=1.0, random_state=2)
    ovr = Perceptron(shuffle=False, tol=None).fit(X, y)
    assert ovr.converged_
    for c, label in enumerate(ovr.classes_):
        binary = Perceptron(shuffle=False, tol=None).fit(X, (y == label).astype(int))
        np.testing.assert_array_equal(ovr.coef_[c], binary.coef_[0])
        np.testing.assert_array_equal(ovr.intercept_[c], binary.intercept_[0])


# -- prediction methods ----------------------------------------------------------------------------------------


def test_predict_proba_exists_only_for_the_sigmoid():
    X, y = separable_blobs()
    step = Perceptron().fit(X, y)
    assert not hasattr(step, "predict_proba") and not hasattr(step, "predict_log_proba")
    with pytest.raises(AttributeError):
        step.predict_proba(X)
    assert hasattr(Perceptron(activation="sigmoid"), "predict_proba")  # before fit too, as scikit-learn does


def test_sigmoid_probabilities_binary_and_one_vs_rest():
    X, y = separable_blobs(std=2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = Perceptron(activation="sigmoid", eta0=0.1).fit(X, y)
    z = clf.decision_function(X)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], special.expit(z), rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(z >= 0).astype(int)])

    X3, y3 = make_blobs(n_samples=90, centers=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf3 = Perceptron(activation="sigmoid", eta0=0.1).fit(X3, y3)
    p = special.expit(clf3.decision_function(X3))
    np.testing.assert_allclose(clf3.predict_proba(X3), p / p.sum(axis=1, keepdims=True), rtol=1e-10)
    np.testing.assert_array_equal(clf3.predict_proba(X3).argmax(axis=1), np.searchsorted(clf3.classes_,
                                                                                          clf3.predict(X3)))
    far = clf3.predict_log_proba(X3 * 1e6)  # no overflow, no log(0)
    assert np.isfinite(far).all()


def test_string_labels_and_the_positive_class():
    X, y = separable_blobs()
    labels = np.where(y == 1, "yes", "no")
    clf = Perceptron().fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert set(clf.predict(X)) <= {"no", "yes"}
    # ties go to classes_[1], the step's 1 at z = 0
    clf.coef_[:] = 0.0
    clf.intercept_[:] = 0.0
    np.testing.assert_array_equal(clf.predict(X[:3]), ["yes"] * 3)


# -- the boundary as an equation -------------------------------------------------------------------------------


def _parse_line(equation):
    match = re.fullmatch(r"x2 = (\S+) \* x1 ([+-]) (\S+)", equation)
    assert match, equation
    slope, sign, offset = match.groups()
    return float(slope), float(offset) * (1 if sign == "+" else -1)


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_decision_boundary_equation_lies_on_the_boundary(activation):
    X, y = separable_blobs(std=1.5, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = Perceptron(activation=activation, eta0=0.3).fit(X, y)
    slope, offset = _parse_line(clf.decision_boundary_equation())
    x1 = np.linspace(-5, 5, 11)
    points = np.column_stack([x1, slope * x1 + offset])
    scale = np.abs(clf.coef_).sum() * 10 + abs(clf.intercept_[0])
    np.testing.assert_allclose(clf.decision_function(points), 0.0, atol=1e-3 * scale)


def test_decision_boundary_equation_formats_and_edge_cases():
    clf = Perceptron(shuffle=False).fit(GATE_X, GATES["AND"])
    assert clf.decision_boundary_equation() == "x2 = -2 * x1 + 3"  # w = (2, 1), b = -3 by hand
    clf.coef_ = np.array([[1.0, 3.0]])
    clf.intercept_ = np.array([2.0])
    assert clf.decision_boundary_equation() == "x2 = -0.3333 * x1 - 0.6667"
    clf.coef_ = np.array([[2.0, 0.0]])
    assert clf.decision_boundary_equation() == "x1 = -1"
    clf.intercept_ = np.array([0.0])
    assert clf.decision_boundary_equation() == "x1 = 0"  # not "-0"
    clf.coef_ = np.zeros((1, 2))
    with pytest.raises(ValueError, match="both weights are zero"):
        clf.decision_boundary_equation()

    with pytest.raises(NotFittedError):
        Perceptron().decision_boundary_equation()
    X3, y3 = make_blobs(n_samples=30, centers=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="needs a binary problem"):
            Perceptron().fit(X3, y3).decision_boundary_equation()
        with pytest.raises(ValueError, match="needs exactly 2 features.*fitted on 3"):
            Perceptron().fit(np.c_[X3, X3[:, :1]], y3 == 0).decision_boundary_equation()


# -- training options ------------------------------------------------------------------------------------------


def test_random_state_makes_fits_repeatable_and_leaves_the_global_rng_alone():
    X, y = separable_blobs(std=3.0)
    np.random.seed(12345)
    before = np.random.get_state()[1].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Perceptron(random_state=7).fit(X, y)
        b = Perceptron(random_state=7).fit(X, y)
        c = Perceptron(random_state=8).fit(X, y)
        Perceptron(random_state=None, early_stopping=True).fit(X, y)
        Perceptron(random_state=np.random.RandomState(3), activation="sigmoid").fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert [r["errors"] for r in a.training_history_] == [r["errors"] for r in b.training_history_]
    assert not np.array_equal(a.coef_, c.coef_)


def test_warm_start_and_partial_fit_continue_training():
    X, y = separable_blobs(std=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = Perceptron(shuffle=False, tol=None, max_iter=4).fit(X, y)
        warm = Perceptron(shuffle=False, tol=None, max_iter=2, warm_start=True).fit(X, y)
        warm.fit(X, y)
    np.testing.assert_array_equal(warm.coef_, whole.coef_)
    np.testing.assert_array_equal(warm.intercept_, whole.intercept_)
    assert [r["epoch"] for r in warm.training_history_] == [1, 2, 3, 4]
    assert warm.n_iter_ == 2

    online = Perceptron(shuffle=False)
    for _ in range(4):
        online.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(online.coef_, whole.coef_)
    assert online.n_iter_ == 1 and len(online.training_history_) == 4

    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[5\] that are not in classes"):
        Perceptron().partial_fit(X, np.where(y == 1, 5, 0), classes=[0, 1])
    with pytest.raises(ValueError, match="early_stopping should be False with partial_fit"):
        Perceptron(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="cannot continue training"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Perceptron(warm_start=True).fit(X, y).fit(X[:, :1], y)


def test_class_weight_scales_each_update():
    X, y = [[1.0, 2.0], [2.0, 0.5]], [0, 1]
    clf = Perceptron(shuffle=False, tol=None, max_iter=1, class_weight={0: 3.0, 1: 0.5})
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    # sample 0 (class 0, z = 0, predicted 1): delta = 3 * (0 - 1) = -3 -> w = (-3, -6), b = -3
    # sample 1 (class 1, z = -6 - 3 - 3 = -12, predicted 0): delta = 0.5 -> w = (-2, -5.75), b = -2.5
    np.testing.assert_array_equal(clf.coef_, [[-2.0, -5.75]])
    np.testing.assert_array_equal(clf.intercept_, [-2.5])

    X2, y2 = make_blobs(n_samples=[60, 20], centers=None, cluster_std=2.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        balanced = Perceptron(class_weight="balanced").fit(X2, y2)
        explicit = Perceptron(class_weight={0: 80 / 120, 1: 80 / 40}).fit(X2, y2)
    np.testing.assert_allclose(balanced.coef_, explicit.coef_)


def test_early_stopping_watches_a_stratified_validation_set():
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=4.0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="validation accuracy did not improve"):
        clf = Perceptron(early_stopping=True, n_iter_no_change=3, validation_fraction=0.2).fit(X, y)
    assert clf.n_iter_ < 1000
    assert all(0 <= r["validation_accuracy"] <= 1 for r in clf.training_history_)
    # the pass runs over the 160 training samples only
    assert all(r["accuracy"] == 1 - r["errors"] / 160 for r in clf.training_history_)


def test_tol_stops_on_a_loss_plateau_and_none_disables_it():
    X, y = make_blobs(n_samples=60, centers=2, cluster_std=5.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stopped = Perceptron(n_iter_no_change=2).fit(X, y)
        full = Perceptron(tol=None, max_iter=40).fit(X, y)
    losses = [r["loss"] for r in stopped.training_history_]
    assert stopped.n_iter_ < 40
    assert min(losses[-2:]) > min(losses[:-2]) - 1e-3  # the last two epochs did not improve by tol
    assert full.n_iter_ == 40


def test_verbose_prints_one_line_per_epoch(capsys):
    Perceptron(verbose=1, shuffle=False).fit(GATE_X, GATES["OR"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("-- Epoch 1: errors=")


# -- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params, message", [
    ({"activation": "relu"}, r"The 'activation' parameter of Perceptron must be a str among \{.*\}. Got 'relu'"),
    ({"eta0": 0}, r"The 'eta0' parameter of Perceptron must be a float in the range \(0.0, inf\). Got 0"),
    ({"max_iter": 0}, r"The 'max_iter' parameter of Perceptron must be an int in the range \[1, inf\)"),
    ({"tol": -1.0}, r"The 'tol' parameter of Perceptron must be a float in the range \[0.0, inf\) or None"),
    ({"validation_fraction": 1.0}, r"The 'validation_fraction' parameter of Perceptron must be a float"),
    ({"class_weight": "auto"}, r"The 'class_weight' parameter of Perceptron must be a str among \{'balanced'\}"),
])
def test_bad_parameters_raise_sklearn_invalid_parameter_error(params, message):
    with pytest.raises(InvalidParameterError, match=message):
        Perceptron(**params).fit(GATE_X, GATES["AND"])


def test_bad_data_messages():
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 1"):
        Perceptron().fit(GATE_X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Perceptron().fit([[0.0, np.nan], [1.0, 1.0]], [0, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        Perceptron().fit(GATE_X, [0.1, 0.2, 0.3, 0.4])
    clf = Perceptron().fit(GATE_X, GATES["OR"])
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting 2 features"):
        clf.predict([[0.0, 1.0, 2.0]])
    with pytest.raises(NotFittedError):
        Perceptron().predict(GATE_X)


def test_overflow_is_an_error_not_a_silent_inf():
    X = [[1e300, 1e300], [-1e300, 1e300]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Floating-point overflow at epoch"):
            Perceptron(shuffle=False, tol=None, max_iter=5).fit(X, [0, 1])


# -- penalty: scikit-learn's regularisation around the textbook rule ---------------------------------------------


def penalised(X, y, *, eta, epochs, penalty, alpha, l1_ratio=0.15, sklearn_ties=False):
    """scikit-learn's ``_plain_sgd`` regularisation, written out in plain Python from its source.

    One binary line, zero start, samples in order, no stopping rule. At every sample: ``z`` and the error; the
    L2 decay ``w *= max(0, 1 - eta alpha (1 - r))``; the update; then the cumulative L1 truncation (Tsuruoka
    et al. 2009) with ``u`` and ``q``. ``sklearn_ties`` takes scikit-learn's rule (labels +-1, update when
    ``y z <= 0``) instead of the textbook step. Also returns each epoch's mean objective: the perceptron
    criterion plus ``alpha (r |w|_1 + (1 - r) |w|^2 / 2)``, both at the weights before the sample's update.
    """
    r = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    w, b, u, q = [0.0] * len(X[0]), 0.0, 0.0, [0.0] * len(X[0])
    objectives = []
    for _ in range(epochs):
        objective = 0.0
        for x, target in zip(X, y):
            z = sum(wi * xi for wi, xi in zip(w, x)) + b
            sign = 2 * target - 1
            objective += max(0.0, -sign * z) + alpha * (r * sum(abs(wi) for wi in w)
                                                        + (1 - r) / 2 * sum(wi * wi for wi in w))
            if sklearn_ties:
                err = sign if sign * z <= 0 else 0
            else:
                err = target - (1.0 if z >= 0 else 0.0)
            if r < 1:
                w = [wi * max(0.0, 1 - eta * alpha * (1 - r)) for wi in w]
            w = [wi + eta * err * xi for wi, xi in zip(w, x)]
            b += eta * err
            if r > 0:
                u += eta * alpha * r
                for j, old in enumerate(w):
                    if old > 0:
                        w[j] = max(0.0, old - (u + q[j]))
                    elif old < 0:
                        w[j] = min(0.0, old + (u - q[j]))
                    q[j] += w[j] - old
        objectives.append(objective / len(X))
    return w, b, objectives


PENALTIES = [("l2", {}), ("l1", {}), ("elasticnet", {}), ("elasticnet", {"l1_ratio": 0.6})]


@pytest.mark.parametrize("penalty, extra", PENALTIES)
@pytest.mark.parametrize("alpha, epochs", [(1e-4, 10), (1e-3, 24), (0.05, 10)])
def test_penalty_reference_is_sklearns_rule_and_ours_is_it_with_textbook_ties(penalty, extra, alpha, epochs):
    # The plain-Python reference, with scikit-learn's tie rule, reproduces scikit-learn's Perceptron; with the
    # textbook tie rule, it reproduces ours. (alpha=0.05 and the L1 runs zero some weights, and then the
    # bias too at times, so positive samples meet z == 0 and the two tie rules part ways.)
    X, y = separable_blobs(std=3.0)
    params = {"penalty": penalty, "alpha": alpha, **extra}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron(shuffle=False, tol=None, max_iter=epochs, **params).fit(X, y)
        theirs = SkPerceptron(shuffle=False, tol=None, max_iter=epochs, **params).fit(X, y)
    sk_w, sk_b, _ = penalised(X.tolist(), y.tolist(), eta=1.0, epochs=epochs, sklearn_ties=True, **params)
    np.testing.assert_allclose(theirs.coef_, [sk_w], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(theirs.intercept_, [sk_b], rtol=1e-12)
    w, b, objectives = penalised(X.tolist(), y.tolist(), eta=1.0, epochs=epochs, **params)
    assert ours.n_iter_ == epochs  # every epoch of these overlapping blobs has mistakes
    np.testing.assert_allclose(ours.coef_, [w], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, [b], rtol=1e-12)
    np.testing.assert_allclose([r["loss"] for r in ours.training_history_], objectives, rtol=1e-9)


@pytest.mark.parametrize("penalty, alpha, extra", [
    ("l2", 1e-4, {}), ("l2", 1e-2, {}), ("l1", 1e-4, {}), ("elasticnet", 1e-4, {}), ("elasticnet", 1e-2, {}),
    ("elasticnet", 1e-4, {"l1_ratio": 0.6}),
])
def test_penalty_matches_sklearn_perceptron_including_its_tol_rule(penalty, alpha, extra):
    # A small L1 part: no weight reaches zero, so no tie, and the weights are scikit-learn's. With tol set,
    # both stop when the regularised objective stops improving: after the same number of epochs.
    X, y = separable_blobs(std=3.0)
    for n_iter_no_change in (2, 5):
        params = {"penalty": penalty, "alpha": alpha, "n_iter_no_change": n_iter_no_change, **extra}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = Perceptron(shuffle=False, **params).fit(X, y)
        theirs = SkPerceptron(shuffle=False, **params).fit(X, y)
        assert ours.n_iter_ == theirs.n_iter_
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12)


def test_penalty_steps_by_hand():
    # L2, alpha=0.1, class weights 3 and 0.5: the decay ignores the class weight.
    X, y = [[1.0, 2.0], [2.0, 0.5]], [0, 1]
    clf = Perceptron(penalty="l2", alpha=0.1, shuffle=False, tol=None, max_iter=1, class_weight={0: 3.0, 1: 0.5})
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    # sample 0: z = 0, predicted 1: w *= 0.9 (still 0); delta = 3 * (0 - 1) = -3 -> w = (-3, -6), b = -3
    # sample 1: z = -3 - 3 - 3 = -12, predicted 0: w *= 0.9 -> (-2.7, -5.4); delta = 0.5 -> (-1.7, -5.15), b = -2.5
    np.testing.assert_allclose(clf.coef_, [[-1.7, -5.15]], rtol=1e-12)
    np.testing.assert_array_equal(clf.intercept_, [-2.5])

    # L1, alpha=0.6: the truncation clips at zero and remembers (q) what each weight received.
    X, y = [[1.0, 0.5], [0.0, 2.0]], [0, 1]
    clf = Perceptron(penalty="l1", alpha=0.6, shuffle=False, tol=None, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    # sample 0: z = 0, predicted 1: w = (-1, -0.5), b = -1; u = 0.6: w = (min(0, -1 + 0.6), min(0, -0.5 + 0.6))
    #           = (-0.4, 0), q = (0.6, 0.5)
    # sample 1: z = -1, predicted 0: w = (-0.4, 2), b = 0; u = 1.2: w1 = min(0, -0.4 + (1.2 - 0.6)) = 0,
    #           w2 = max(0, 2 - (1.2 + 0.5)) = 0.3
    np.testing.assert_allclose(clf.coef_, [[0.0, 0.3]], rtol=1e-12)
    assert clf.coef_[0, 0] == 0.0
    np.testing.assert_array_equal(clf.intercept_, [0.0])
    assert clf.training_history_[0]["loss"] == pytest.approx((0 + 0 + 1 + 0.6 * 0.4) / 2)


def test_penalty_bounds_and_alpha_without_penalty():
    X, y = make_blobs(n_samples=80, centers=3, cluster_std=2.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)

        def fit(**params):
            return Perceptron(random_state=1, **params).fit(X, y)

        # elastic net at its bounds is exactly l1 or l2; alpha is ignored without a penalty
        np.testing.assert_array_equal(fit(penalty="elasticnet", l1_ratio=1.0).coef_, fit(penalty="l1").coef_)
        np.testing.assert_array_equal(fit(penalty="elasticnet", l1_ratio=0.0).coef_, fit(penalty="l2").coef_)
        np.testing.assert_array_equal(fit(alpha=10.0, l1_ratio=0.9).coef_, fit().coef_)
        # a decay factor of 0 (eta0 * alpha >= 1) zeroes the weights before every update, as in scikit-learn
        clf = Perceptron(penalty="l2", alpha=2.0, shuffle=False, tol=None, max_iter=3).fit(X[:5], y[:5] == 0)
    w, b, _ = penalised(X[:5].tolist(), (y[:5] == 0).tolist(), eta=1.0, epochs=3, penalty="l2", alpha=2.0)
    np.testing.assert_array_equal(clf.coef_, [w])
    np.testing.assert_array_equal(clf.intercept_, [b])


def test_penalty_one_vs_rest_lines_are_the_binary_penalised_perceptrons():
    X, y = make_blobs(n_samples=45, centers=[[0, 3], [-3, -2], [3, -2]], cluster_std=2.0, random_state=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ovr = Perceptron(penalty="elasticnet", alpha=0.01, shuffle=False, tol=None, max_iter=6).fit(X, y)
        for c, label in enumerate(ovr.classes_):
            binary = Perceptron(penalty="elasticnet", alpha=0.01, shuffle=False, tol=None,
                                max_iter=6).fit(X, (y == label).astype(int))
            np.testing.assert_array_equal(ovr.coef_[c], binary.coef_[0])
            np.testing.assert_array_equal(ovr.intercept_[c], binary.intercept_[0])


def test_penalty_stops_on_a_mistake_free_epoch():
    X, y = separable_blobs(std=0.5)
    for penalty in ("l2", "l1", "elasticnet"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            clf = Perceptron(penalty=penalty, alpha=1e-3, shuffle=False).fit(X, y)
        assert clf.converged_ and clf.training_history_[-1]["errors"] == 0
        assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("params, message", [
    ({"penalty": "l3"}, r"The 'penalty' parameter of Perceptron must be a str among \{.*'elasticnet'.*\} or None. "
                        r"Got 'l3' instead"),
    ({"alpha": -1.0}, r"The 'alpha' parameter of Perceptron must be a float in the range \[0.0, inf\). Got -1.0"),
    ({"l1_ratio": 1.5}, r"The 'l1_ratio' parameter of Perceptron must be a float in the range \[0.0, 1.0\]. "
                        r"Got 1.5"),
    ({"alpha": "big"}, r"The 'alpha' parameter of Perceptron must be a float in the range \[0.0, inf\). Got 'big'"),
])
def test_bad_penalty_parameters_raise_and_leave_the_model_as_it_was(params, message):
    clf = Perceptron(shuffle=False).fit(GATE_X, GATES["AND"])
    coef, intercept, history = clf.coef_.copy(), clf.intercept_.copy(), len(clf.training_history_)
    clf.set_params(**params)
    with pytest.raises(InvalidParameterError, match=message):
        clf.fit(GATE_X, GATES["OR"])
    with pytest.raises(InvalidParameterError, match=message):
        clf.partial_fit(GATE_X, GATES["OR"])
    np.testing.assert_array_equal(clf.coef_, coef)
    np.testing.assert_array_equal(clf.intercept_, intercept)
    assert len(clf.training_history_) == history


# -- sparse X -------------------------------------------------------------------------------------------------


def _sparse_blobs(n=90, centers=3, seed=0):
    """Blobs in 6 features, half of the entries zeroed, so sparse X has real structure."""
    X, y = make_blobs(n_samples=n, n_features=6, centers=centers, cluster_std=3.0, random_state=seed)
    X[np.random.default_rng(seed).random(X.shape) < 0.5] = 0.0
    return X, y


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.lil_matrix])
@pytest.mark.parametrize("params", [
    {},
    {"activation": "sigmoid", "eta0": 0.1},
    {"penalty": "elasticnet", "alpha": 0.01},
    {"penalty": "l1", "alpha": 0.01, "class_weight": "balanced", "fit_intercept": False},
    {"early_stopping": True, "n_iter_no_change": 2},
])
def test_sparse_X_trains_bit_for_bit_as_dense(container, params):
    for centers in (2, 3):
        X, y = _sparse_blobs(centers=centers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            dense = Perceptron(max_iter=30, **params).fit(X, y)
            sparse_fit = Perceptron(max_iter=30, **params).fit(container(X), y)
        np.testing.assert_array_equal(sparse_fit.coef_, dense.coef_)
        np.testing.assert_array_equal(sparse_fit.intercept_, dense.intercept_)
        assert sparse_fit.n_iter_ == dense.n_iter_
        assert [r["errors"].tolist() if centers == 3 else r["errors"] for r in sparse_fit.training_history_] == \
               [r["errors"].tolist() if centers == 3 else r["errors"] for r in dense.training_history_]
        np.testing.assert_allclose(sparse_fit.decision_function(container(X)), dense.decision_function(X),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(sparse_fit.predict(container(X)), dense.predict(X))
        np.testing.assert_array_equal(dense.predict(container(X)), dense.predict(X))


def test_sparse_X_with_duplicate_entries_and_partial_fit():
    # a non-canonical CSR matrix: entry (0, 1) is stored twice, 1 + 2, and means 3; the user's matrix is untouched
    X = sp.csr_matrix((np.array([1.0, 2.0, -1.0, 4.0]), np.array([1, 1, 0, 1]), np.array([0, 2, 3, 4])),
                      shape=(3, 2))
    assert not X.has_canonical_format
    y = [1, 0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = Perceptron(shuffle=False, tol=None, max_iter=3).fit(X.toarray(), y)
        clf = Perceptron(shuffle=False, tol=None, max_iter=3).fit(X, y)
    np.testing.assert_array_equal(clf.coef_, dense.coef_)
    assert X.nnz == 4 and not X.has_canonical_format

    Xs, ys = _sparse_blobs(centers=2)
    online_dense, online_sparse = Perceptron(penalty="l2"), Perceptron(penalty="l2")
    for _ in range(3):
        online_dense.partial_fit(Xs, ys, classes=[0, 1])
        online_sparse.partial_fit(sp.csr_matrix(Xs), ys, classes=[0, 1])
    np.testing.assert_array_equal(online_sparse.coef_, online_dense.coef_)


def test_sparse_X_is_refused_where_dense_is_and_counts_features():
    clf = Perceptron().fit(sp.csr_matrix(np.array(GATE_X)), GATES["OR"])
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting 2 features"):
        clf.predict(sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Perceptron().fit(sp.csr_matrix(np.array([[0.0, np.nan], [1.0, 1.0]])), [0, 1])


# -- labels in messages, as the user gave them ----------------------------------------------------------------


def test_messages_show_boolean_and_nullable_labels_as_given():
    pd = pytest.importorskip("pandas")
    X = np.array(GATE_X)
    # validation turns pandas' nullable "boolean" and "Int64" columns into float64: True must not read 1.0
    for y, shown in [(np.ones(4, dtype=bool), "True"), (pd.Series([True] * 4, dtype="boolean"), "True"),
                     (pd.Series([7] * 4, dtype="Int64"), "7")]:
        with pytest.raises(ValueError, match=f"only one class: {shown}$"):
            Perceptron().fit(X, y)

    y = pd.Series([True, False, True, False], dtype="boolean")
    with pytest.raises(ValueError, match=r"y contains labels \[True\] that are not in classes \[0, 2\]"):
        Perceptron().partial_fit(X, y, classes=[0, 2])
    with pytest.raises(ValueError, match=r"on classes \[False, True\]: the current weights are for classes_ "
                                         r"\[0, 1, 2\]"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Perceptron(warm_start=True).fit(X, [0, 1, 2, 0]).fit(X, y)

    X_rare = [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]]
    for y, shown in [([0, 0, 0, 1], r"\[1\]"), (pd.Series([False, False, True, False], dtype="boolean"), r"\[True\]"),
                     (["a", "b", "a", "c"], r"\['b', 'c'\]")]:
        with pytest.raises(ValueError, match=r"stratified by class, for validation: the least populated classes in y "
                                             rf"have only 1 member.*Classes with too few members are: {shown}$"):
            Perceptron(early_stopping=True).fit(X_rare, y)

    X3, y3 = make_blobs(n_samples=60, centers=3, cluster_std=5.0, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"class\(es\) \[(10|20|30)(, (20|30))*\]"):
        Perceptron(max_iter=2, tol=None).fit(X3, pd.Series(10 * (y3 + 1), dtype="Int64"))


def test_class_weight_dict_is_read_by_label():
    # the hand-run of test_class_weight_scales_each_update, with the labels "1" and "2": scikit-learn's
    # compute_class_weight would look their weights up under int(label), 1 and 2, and find none
    X = [[1.0, 2.0], [2.0, 0.5]]
    clf = Perceptron(shuffle=False, tol=None, max_iter=1, class_weight={"1": 3.0, "2": 0.5})
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, ["1", "2"])
    np.testing.assert_array_equal(clf.coef_, [[-2.0, -5.75]])
    np.testing.assert_array_equal(clf.intercept_, [-2.5])

    with pytest.raises(ValueError, match=r"class_weight has weights for \['yes'\], which are not classes of y, and "
                                         r"none for the classes \[False\]; the classes are \[False, True\]"):
        Perceptron(class_weight={True: 2.0, "yes": 1.0}).fit(GATE_X, np.array([0, 1, 1, 1], dtype=bool))
    for bad in (-1.0, np.inf, "2", None):
        with pytest.raises(ValueError, match=rf"class_weight must map classes to finite weights >= 0; received "
                                             rf"{re.escape(repr(bad))} for class 'b'"):
            Perceptron(class_weight={"a": 1.0, "b": bad}).fit(GATE_X, ["a", "b", "b", "b"])
    # a class left out weighs 1, as in scikit-learn
    partial = Perceptron(shuffle=False, class_weight={1: 1.0}).fit(GATE_X, GATES["AND"])
    np.testing.assert_array_equal(partial.coef_, Perceptron(shuffle=False).fit(GATE_X, GATES["AND"]).coef_)
