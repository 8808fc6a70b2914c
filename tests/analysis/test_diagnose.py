"""Diagnosis rules, each against a training run deliberately broken to trigger it, and all of them against
healthy runs that must trigger none.

Every broken run is a real, seeded training run with a TrainingRecorder (the learning-rate, divergence,
unit and gradient rules read nothing else), chosen so that the fault is unmistakable: a learning rate of 10 on
unscaled regression diverges, SGD at 20 on XOR bounces (the seed notebook's example), 1e-5 crawls, one sigmoid
unit cannot draw XOR (the seed notebook's capacity example), two ReLU units cannot draw a spiral, 64+64 ReLU
units memorise 30 noisy points, a bias of -5 kills every ReLU unit,
inputs times 100 saturate a sigmoid layer, ten sigmoid layers starve the first of gradient, weights drawn with
a standard deviation of 1 through five ReLU layers blow gradients up. False alarms matter as much as misses, so
the healthy runs (XOR, moons, digits) must produce an empty list, with and without X and y.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import Dense, DivergenceWarning, Sequential
from glassnet.analysis.diagnose import (
    DEFAULT_THRESHOLDS,
    DIAGNOSIS_TABLE,
    RULES,
    SEVERITIES,
    Finding,
    diagnose,
    diagnosis_table,
    render_findings,
)
from glassnet.analysis.recorder import TrainingRecorder
from glassnet.initializers import RandomNormal
from glassnet.optimizers import SGD, Adam

CODES = ("diverging_loss", "learning_rate_too_high", "learning_rate_too_low", "plateau", "insufficient_capacity",
         "underfitting",
         "overfitting", "dead_units", "saturated_units", "vanishing_gradients", "exploding_gradients",
         "unscaled_inputs", "class_imbalance")


def _train(layers, input_dim, loss, optimizer, X, y, epochs, batch_size=None, metrics=("accuracy",), seed=0,
           **fit):
    model = Sequential(layers, input_dim=input_dim, seed=seed)
    model.compile(loss=loss, optimizer=optimizer, metrics=list(metrics))
    recorder = TrainingRecorder()
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, callbacks=[recorder], verbose=0, **fit)
    return {"model": model, "history": history, "recorder": recorder, "X": X, "y": y}


def _moons(n=200):
    return gn.datasets.make_moons(n, noise=0.2, random_state=0)


# --- the broken runs, one per rule ----------------------------------------------------------------------------
def _diverging():
    X = np.random.default_rng(0).normal(size=(64, 3)) * 10
    y = X @ np.array([1.0, -2.0, 3.0]) + 5
    with pytest.warns(DivergenceWarning):
        return _train([Dense(8, activation="tanh"), Dense(1)], 3, "mse", SGD(10.0), X, y, 20, 16, metrics=())


def _learning_rate_too_high():
    X, y = gn.datasets.make_xor()
    return _train([Dense(4, activation="sigmoid"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  SGD(20.0), X, y, 100, batch_size=1)


def _learning_rate_too_low():
    X, y = _moons()
    return _train([Dense(16, activation="relu"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  SGD(1e-5), X, y, 60, 32)


def _plateau():
    # near-zero weights put XOR at the saddle where every hidden unit is alike: the loss sits at log 2 for
    # about 200 epochs before momentum finds the way down
    X, y = gn.datasets.make_xor()
    small = RandomNormal(stddev=0.05)
    return _train([Dense(4, activation="tanh", kernel_initializer=small),
                   Dense(1, activation="sigmoid", kernel_initializer=small)], 2, "binary_crossentropy",
                  SGD(0.5, momentum=0.9), X, y, 300)


def _insufficient_capacity(epochs=800, loss="binary_crossentropy", seed=0):
    # the seed notebook's "insufficient capacity": one hidden sigmoid unit on XOR, here with Adam at 0.05
    X, y = gn.datasets.make_xor()
    return _train([Dense(1, activation="sigmoid"), Dense(1, activation="sigmoid")], 2, loss, Adam(0.05), X, y,
                  epochs, seed=seed)


def _underfitting():
    # two ReLU units bend the boundary (so no straight-line argument applies) but far too little for a spiral
    X, y = gn.datasets.make_spiral(300, 3, random_state=0)
    return _train([Dense(2, activation="relu"), Dense(3, activation="softmax")], 2, "categorical_crossentropy",
                  Adam(0.05), X, y, 200)


def _overfitting():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)  # labels half noise: nothing to learn beyond x0 > 0
    return _train([Dense(64, activation="relu"), Dense(64, activation="relu"), Dense(1, activation="sigmoid")], 2,
                  "binary_crossentropy", Adam(0.01), X, y, 150, validation_split=0.5)


def _dead_units():
    X, y = _moons()
    return _train([Dense(16, activation="relu", bias_initializer=RandomNormal(mean=-5.0, stddev=0.1)),
                   Dense(1, activation="sigmoid")], 2, "binary_crossentropy", Adam(0.01), X, y, 30, 32)


def _saturated_units():
    X, y = _moons()
    return _train([Dense(16, activation="sigmoid"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  Adam(0.01), X * 100, y, 30, 32)


def _vanishing_gradients():
    X, y = _moons()
    layers = [Dense(16, activation="sigmoid") for _ in range(9)] + [Dense(1, activation="sigmoid")]
    return _train(layers, 2, "binary_crossentropy", SGD(0.1), X, y, 30, 32)


def _exploding_gradients():
    X = np.random.default_rng(0).normal(size=(64, 4))
    big = RandomNormal(stddev=1.0)  # He would use 0.25 for 32 inputs: each layer multiplies activations by ~4
    layers = [Dense(32, activation="relu", kernel_initializer=big) for _ in range(4)]
    layers.append(Dense(1, kernel_initializer=big))
    return _train(layers, 4, "mse", Adam(1e-3), X, X.sum(axis=1), 20, 16, metrics=())


def _unscaled_inputs():
    X, y = _moons()
    return _train([Dense(16, activation="relu"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  Adam(0.01), X * 1000, y, 30, 32)


def _class_imbalance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (np.arange(200) < 10).astype(int)  # 95% / 5%
    X[y == 1] += 3
    return _train([Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  Adam(0.05), X, y, 40, 32)


BROKEN = {"diverging_loss": _diverging, "learning_rate_too_high": _learning_rate_too_high,
          "learning_rate_too_low": _learning_rate_too_low, "plateau": _plateau,
          "insufficient_capacity": _insufficient_capacity, "underfitting": _underfitting,
          "overfitting": _overfitting, "dead_units": _dead_units, "saturated_units": _saturated_units,
          "vanishing_gradients": _vanishing_gradients, "exploding_gradients": _exploding_gradients,
          "unscaled_inputs": _unscaled_inputs, "class_imbalance": _class_imbalance}


# --- the healthy runs -----------------------------------------------------------------------------------------
def _healthy_xor():
    X, y = gn.datasets.make_xor()
    return _train([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  SGD(0.5, momentum=0.9), X, y, 300)


def _healthy_moons(seed=0):
    X, y = _moons(300)
    return _train([Dense(16, activation="relu"), Dense(16, activation="relu"), Dense(1, activation="sigmoid")], 2,
                  "binary_crossentropy", Adam(0.01), X, y, 100, 32, validation_split=0.25, seed=seed)


def _healthy_digits():
    X, y = gn.datasets.load_digits()
    return _train([Dense(64, activation="relu"), Dense(10, activation="softmax")], 64, "categorical_crossentropy",
                  Adam(0.001), X, y, 30, 64, validation_split=0.2)


HEALTHY = {"xor": _healthy_xor, "moons": _healthy_moons, "digits": _healthy_digits}

_cache: dict = {}


def _scenario(name):
    """Each run trains once per test session: several tests read the same run."""
    if name not in _cache:
        _cache[name] = {**BROKEN, **HEALTHY}[name]()
    return _cache[name]


def _codes(findings):
    return [f.code for f in findings]


# --- every rule fires on its broken run ---------------------------------------------------------------------
def test_every_code_has_a_rule_and_a_broken_run():
    assert tuple(RULES) == CODES
    assert set(BROKEN) == set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_the_broken_run_triggers_its_rule(code):
    run = _scenario(code)
    findings = diagnose(**run)
    assert code in _codes(findings), render_findings(findings)
    finding = next(f for f in findings if f.code == code)
    assert finding.severity == RULES[code].severity
    assert finding.advice == RULES[code].advice
    assert finding.message and "\n" not in finding.message
    assert finding.evidence and all(isinstance(v, (int, float)) for v in finding.evidence.values())


@pytest.mark.parametrize("name", HEALTHY)
@pytest.mark.parametrize("with_data", [True, False], ids=["with_X_y", "recorder_only"])
def test_healthy_runs_trigger_nothing(name, with_data):
    run = _scenario(name)
    if not with_data:
        run = {**run, "X": None, "y": None}
    findings = diagnose(**run)
    assert findings == [], render_findings(findings)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_healthy_moons_stay_silent_for_other_seeds(seed):
    # with seed 3, Adam's loss spikes once (0.07 -> 0.34) and recovers: a learning rate that is a little high
    # for a moment, not one that is too high
    findings = diagnose(**_healthy_moons(seed))
    assert findings == [], render_findings(findings)


def test_the_broken_runs_name_the_cause_they_were_built_for():
    # a run may show several true symptoms (the diverging run also has exploding gradients and unscaled
    # inputs), but the runs built for one cause must not pick up findings from unrelated rules
    expected_alone = ("learning_rate_too_low", "plateau", "insufficient_capacity", "underfitting", "overfitting",
                      "dead_units", "vanishing_gradients", "exploding_gradients", "class_imbalance")
    for code in expected_alone:
        findings = diagnose(**_scenario(code))
        assert _codes(findings) == [code], render_findings(findings)


# --- the evidence says why ------------------------------------------------------------------------------------
def test_diverging_evidence_and_the_history_flag():
    run = _scenario("diverging_loss")
    assert run["history"].diverged
    finding = next(f for f in diagnose(**run) if f.code == "diverging_loss")
    assert finding.evidence["diverged"] == 1
    assert finding.evidence["epochs_completed"] == len(run["history"].history.get("loss", []))


def test_a_loss_that_grows_past_twice_its_start_is_diverging():
    history = {"loss": list(np.linspace(1.0, 3.0, 30))}
    finding = diagnose(None, history)[0]
    assert finding.code == "diverging_loss"
    assert finding.evidence["growth"] == pytest.approx(3.0)
    assert diagnose(None, history, thresholds={"diverging_growth": 4.0})[0].code != "diverging_loss"


def test_dead_units_counted_on_X_and_from_the_recording_agree():
    run = _scenario("dead_units")
    on_data = next(f for f in diagnose(**run) if f.code == "dead_units")
    from_recording = next(f for f in diagnose(run["model"], run["history"], run["recorder"])
                          if f.code == "dead_units")
    assert on_data.evidence["layer"] == from_recording.evidence["layer"] == 0
    assert on_data.evidence["fraction"] == from_recording.evidence["fraction"] == 1.0
    assert on_data.evidence["units"] == 16


def test_saturation_of_the_output_layer_is_not_a_finding():
    # digits' softmax output is saturated on most samples once confident, which is what it should be
    run = _scenario("digits")
    assert run["recorder"].series("saturated_fraction", -1)[-1] > 0.5
    assert "saturated_units" not in _codes(diagnose(**run))


def test_vanishing_gradient_ratio_is_orders_of_magnitude():
    finding = next(f for f in diagnose(**_scenario("vanishing_gradients")) if f.code == "vanishing_gradients")
    assert finding.evidence["first_layer"] == 0 and finding.evidence["last_layer"] == 9
    assert finding.evidence["gradient_ratio"] < 1e-4


def test_learning_rate_is_reported_as_evidence():
    finding = next(f for f in diagnose(**_scenario("learning_rate_too_low")) if f.code == "learning_rate_too_low")
    assert finding.evidence["learning_rate"] == pytest.approx(1e-5)
    assert finding.evidence["fraction_of_epochs_falling"] >= 0.9
    assert finding.evidence["loss_reduction"] < 0.05


# --- capacity: a network that can only draw straight boundaries ------------------------------------------------
def _xor_accuracy(model, X, y):
    return float(np.mean((model.predict(X)[:, 0] > 0.5) == (np.ravel(y) == 1)))


@pytest.mark.parametrize("epochs", [100, 300, 800, 2000])
def test_one_sigmoid_unit_on_xor_is_insufficient_capacity_however_long_it_trains(epochs):
    run = _scenario("insufficient_capacity") if epochs == 800 else _insufficient_capacity(epochs)
    findings = diagnose(**run)
    codes = _codes(findings)
    assert "insufficient_capacity" in codes, render_findings(findings)
    # the findings whose advice points elsewhere (train longer, raise the rate, scale the inputs) are dropped
    assert not {"learning_rate_too_low", "plateau", "underfitting", "saturated_units"} & set(codes)
    finding = next(f for f in findings if f.code == "insufficient_capacity")
    assert "more hidden units" in finding.advice and "cannot help" in finding.advice
    assert "single unit" in finding.message
    # one straight line classifies at most 3 of XOR's 4 points; the seed notebook calls below 0.8 insufficient
    accuracy = _xor_accuracy(run["model"], run["X"], run["y"])
    assert accuracy <= 0.75
    assert finding.evidence["training_accuracy"] == accuracy and finding.evidence["accuracy_bar"] == 0.8
    assert finding.evidence["narrowest_hidden_units"] == 1


def test_the_capacity_finding_does_not_depend_on_the_loss_or_the_recorder():
    # the seed notebook trains its one-unit network with the mean squared error
    run = _insufficient_capacity(300, loss="mse")
    assert _codes(diagnose(**run)) == ["insufficient_capacity"]
    run = _scenario("insufficient_capacity")
    assert _codes(diagnose(run["model"], run["history"], X=run["X"], y=run["y"])) == ["insufficient_capacity"]


def test_without_the_data_a_straight_boundary_network_that_levelled_off_unfitted_is_insufficient_capacity():
    run = _scenario("insufficient_capacity")
    assert _codes(diagnose(run["model"], run["history"], run["recorder"])) == ["insufficient_capacity"]
    # after 100 epochs the loss is still falling: without X and y that cannot be told from a slow start
    early = _insufficient_capacity(100)
    assert _codes(diagnose(early["model"], early["history"], early["recorder"])) == ["learning_rate_too_low"]


def test_two_sigmoid_units_held_at_75_percent_are_not_blamed_on_capacity():
    X, y = gn.datasets.make_xor()
    run = _train([Dense(2, activation="sigmoid"), Dense(1, activation="sigmoid")], 2, "binary_crossentropy",
                  Adam(0.05), X, y, 100, seed=1)
    assert _xor_accuracy(run["model"], X, y) == 0.75  # where the one-unit network stays
    assert "insufficient_capacity" not in _codes(diagnose(**run))
    run["model"].fit(X, y, epochs=300, batch_size=None, verbose=0)
    assert _xor_accuracy(run["model"], X, y) == 1.0  # two units were enough: training had not finished


def test_a_single_gelu_unit_is_not_a_straight_boundary_because_it_can_solve_xor():
    X, y = gn.datasets.make_xor()

    def one_unit(activation, seed=0):
        model = Sequential([Dense(1, activation=activation), Dense(1, activation="sigmoid")], input_dim=2,
                           seed=seed, dtype="float64")
        model.compile(loss="binary_crossentropy", optimizer=Adam(0.05))
        return model

    # GELU dips below zero before it rises: t = 5.25 (A + B) - 6 is -6, -0.75, 4.5 on 0, 1 and 2 ones, where
    # GELU gives about 0, -0.17, 4.5, so the middle (XOR = 1) is the lowest and one threshold picks it out
    solved = one_unit("gelu")
    solved.set_weights([np.array([[5.25], [5.25]]), np.array([-6.0]), np.array([[-40.0]]), np.array([-3.4])])
    assert _xor_accuracy(solved, X, y) == 1.0
    untrained_gelu, untrained_sigmoid = one_unit("gelu", seed=3), one_unit("sigmoid", seed=3)
    assert _xor_accuracy(untrained_gelu, X, y) < 0.8 and _xor_accuracy(untrained_sigmoid, X, y) < 0.8
    assert "insufficient_capacity" not in _codes(diagnose(untrained_gelu, None, X=X, y=y))
    assert "insufficient_capacity" in _codes(diagnose(untrained_sigmoid, None, X=X, y=y))


def test_no_hidden_layer_and_linear_hidden_layers_draw_straight_boundaries():
    X, y = gn.datasets.make_xor()
    cases = [([Dense(1, activation="sigmoid")], "it has no hidden layer"),
             ([Dense(8), Dense(8), Dense(1, activation="sigmoid")], "its hidden layers are linear"),
             ([Dense(4), gn.BatchNorm(), Dense(1, activation="tanh"), Dense(1), Dense(1, activation="sigmoid")],
              "hidden layer 2 (Dense(tanh)) has a single unit")]
    for layers, reason in cases:
        model = Sequential(layers, input_dim=2, seed=0)
        model.compile(loss="binary_crossentropy", optimizer=Adam(0.05))
        finding = next(f for f in diagnose(model, None, X=X, y=y) if f.code == "insufficient_capacity")
        assert reason in finding.message
    # a nonlinear layer of two units bends the boundary: no verdict without training
    model = Sequential([Dense(2, activation="tanh"), Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=Adam(0.05))
    assert "insufficient_capacity" not in _codes(diagnose(model, None, X=X, y=y))


def test_early_training_on_data_a_line_nearly_separates_is_not_blamed_on_capacity():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-2.0, 1.0, size=(100, 2)), rng.normal(2.0, 1.0, size=(100, 2))])
    y = np.repeat([0, 1], 100)
    X[0] = (X[100] + X[101]) / 2  # a class-0 point between two class-1 points: no line separates the classes
    assert LogisticRegression().fit(X, y).score(X, y) > 0.9  # but a line classifies almost all of them
    model = Sequential([Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=SGD(1e-4), metrics=["accuracy"])
    model.set_weights([np.array([[-1.0], [-1.0]]), np.zeros(1)])  # a start that gets the classes backwards
    history = model.fit(X, y, epochs=20, batch_size=32, verbose=0)
    assert np.mean((model.predict(X)[:, 0] > 0.5) == y) < 0.8  # far from fitting, for now
    assert "insufficient_capacity" not in _codes(diagnose(model, history, X=X, y=y))


def test_the_separability_check_against_constructed_truths():
    from glassnet.analysis.diagnose import _inseparable_pair, _least_squares_scores, _standardised

    def inseparable(X, labels):
        Z = _standardised(np.asarray(X, dtype=float))
        return _inseparable_pair(Z, labels, _least_squares_scores(Z, labels))

    X_xor, y_xor = gn.datasets.make_xor()
    assert inseparable(X_xor, y_xor)[0] == (0, 1)
    rng = np.random.default_rng(1)
    blobs = np.vstack([rng.normal(-3.0, 0.5, size=(50, 3)), rng.normal(3.0, 0.5, size=(50, 3))])
    labels = np.repeat([0, 1], 50)
    assert inseparable(blobs, labels)[0] is None
    inside = blobs.copy()
    inside[0] = (inside[50] + inside[51]) / 2  # a class-0 point on a segment between two class-1 points
    pair, accuracy, checked = inseparable(inside, labels)
    assert pair == (0, 1) and 0.9 <= accuracy < 1.0 and checked == 100
    # three classes: 0 far away, 1 and 2 interleaved as XOR
    three = np.vstack([[[10.0, 10.0], [11.0, 10.0]], X_xor])
    assert inseparable(three, np.array([0, 0, 1, 2, 2, 1]))[0] == (1, 2)


def test_one_unit_on_a_three_arm_spiral_names_two_classes_no_hyperplane_separates():
    from scipy.optimize import linprog

    X, y = gn.datasets.make_spiral(300, 3, random_state=0)
    run = _train([Dense(1, activation="tanh"), Dense(3, activation="softmax")], 2, "categorical_crossentropy",
                 Adam(0.05), X, y, 200)
    finding = next(f for f in diagnose(**run) if f.code == "insufficient_capacity")
    a, b = map(int, re.search(r"separates classes (\d) and (\d)", finding.message).groups())
    # independently: the strict-separation system s_i (w . x_i + c) >= 1 has no solution for that pair
    pair = (y == a) | (y == b)
    s = np.where(y[pair] == b, 1.0, -1.0)[:, None]
    A = -s * np.hstack([X[pair], np.ones((pair.sum(), 1))])
    assert linprog(np.zeros(3), A_ub=A, b_ub=-np.ones(len(A)), bounds=[(None, None)] * 3).status == 2


def test_a_fitted_estimator_with_one_logistic_unit_is_insufficient_capacity():
    X, y = gn.datasets.make_xor()
    labels = np.where(y == 1, "different", "same")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        clf = gn.MLPClassifier((1,), activation="logistic", learning_rate_init=0.05, max_iter=300,
                               random_state=0).fit(X, labels)
    assert clf.score(X, labels) <= 0.75
    assert "insufficient_capacity" in _codes(diagnose(clf, X=X, y=labels))


def test_diagnosing_capacity_changes_nothing():
    run = _scenario("insufficient_capacity")
    model = run["model"]
    model.forward(run["X"].astype(model.dtype), training=True)  # give the layers caches to watch
    weights = [w.copy() for w in model.get_weights()]
    caches = [(layer.inputs, layer.preactivation, layer.outputs) for layer in model.layers]
    state = np.random.get_state()[1].copy()
    assert "insufficient_capacity" in _codes(diagnose(**run))
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    for layer, (inputs, pre, out) in zip(model.layers, caches):
        assert layer.inputs is inputs and layer.preactivation is pre and layer.outputs is out
    assert np.array_equal(np.random.get_state()[1], state)


# --- stuck sigmoid units ----------------------------------------------------------------------------------------
def test_sigmoid_units_that_never_activate_count_as_saturated_on_X():
    # bias -5 and small weights: every output below 0.1 (they never activate), yet the slope sigma (1 - sigma)
    # stays above 1e-3, so the slope alone would not call them saturated
    X, _ = _moons()
    rng = np.random.default_rng(0)
    W, b = rng.normal(scale=0.2, size=(2, 16)), np.full(16, -5.0)
    model = Sequential([Dense(16, activation="sigmoid"), Dense(1, activation="sigmoid")], input_dim=2,
                       dtype="float64")
    model.set_weights([W, b, np.ones((16, 1)), np.zeros(1)])
    H = 1 / (1 + np.exp(-(X @ W + b)))
    never = H.max(axis=0) < 0.1
    slope_saturated = np.mean(H * (1 - H) < 1e-3, axis=0) > 0.5
    assert never.all() and not slope_saturated.any()
    finding = next(f for f in diagnose(model, None, X=X) if f.code == "saturated_units")
    assert finding.evidence["never_activate"] == never.sum() == 16
    assert finding.evidence["slope_saturated"] == 0 and finding.evidence["always_saturated"] == 0
    assert finding.evidence["fraction"] == 1.0
    assert "16 never activate (largest output below 0.1)" in finding.message


# --- rules read only what they need -------------------------------------------------------------------------
def test_without_a_recorder_there_are_no_gradient_findings():
    run = _scenario("vanishing_gradients")
    findings = diagnose(run["model"], run["history"], X=run["X"], y=run["y"])
    assert "vanishing_gradients" not in _codes(findings)
    run = _scenario("exploding_gradients")
    assert "exploding_gradients" not in _codes(diagnose(run["model"], run["history"]))


def test_without_X_there_is_no_input_scale_finding_and_without_y_no_imbalance():
    run = _scenario("unscaled_inputs")
    assert "unscaled_inputs" not in _codes(diagnose(run["model"], run["history"], run["recorder"]))
    run = _scenario("class_imbalance")
    assert diagnose(run["model"], run["history"], run["recorder"], X=run["X"]) == []


def test_history_alone_is_enough_for_the_curve_rules():
    run = _scenario("learning_rate_too_high")
    assert "learning_rate_too_high" in _codes(diagnose(None, run["history"].history))
    assert "learning_rate_too_high" in _codes(diagnose(None, run["history"].history["loss"]))


def test_data_alone_is_enough_for_the_data_rules():
    X = np.random.default_rng(0).normal(size=(100, 3)) * [1, 1, 500]
    y = np.array([0] * 95 + [1] * 5)
    assert _codes(diagnose(None, None, X=X, y=y)) == ["unscaled_inputs", "class_imbalance"]
    assert diagnose(None, None) == []


def test_the_model_history_is_used_when_none_is_given():
    run = _scenario("learning_rate_too_low")
    assert _codes(diagnose(run["model"])) == ["learning_rate_too_low"]


def test_short_runs_are_not_judged_by_the_curve_rules():
    # fewer than 2 x window epochs: too short to call a trend
    assert diagnose(None, {"loss": [1.0, 0.99, 0.98, 0.97]}) == []


# --- constructed histories: the curve rules' edges ----------------------------------------------------------
def test_a_flat_stretch_before_a_drop_is_a_plateau():
    losses = [0.69] * 40 + list(np.geomspace(0.69, 0.01, 20)) + [0.01] * 20
    finding = diagnose(None, {"loss": losses})[0]
    assert finding.code == "plateau"
    assert finding.evidence["start_epoch"] == 0 and finding.evidence["end_epoch"] == 40


def test_a_flat_end_at_a_low_loss_is_convergence_not_a_plateau():
    losses = list(np.geomspace(0.7, 0.01, 30)) + [0.01] * 40
    assert diagnose(None, {"loss": losses}) == []


def test_a_validation_loss_turning_up_while_training_falls_is_overfitting():
    n = 60
    train = list(np.geomspace(0.7, 0.01, n))
    val = list(np.geomspace(0.7, 0.3, 20)) + list(np.linspace(0.3, 0.9, n - 20))
    finding = diagnose(None, {"loss": train, "val_loss": val})[0]
    assert finding.code == "overfitting"
    assert finding.evidence["best_val_epoch"] == 19
    noisy_but_flat = [0.3 + 0.002 * (-1) ** i for i in range(n - 20)]
    assert diagnose(None, {"loss": train, "val_loss": val[:20] + noisy_but_flat}) == []


def test_a_single_spike_that_recovers_is_not_a_learning_rate_too_high():
    losses = list(np.geomspace(0.7, 0.05, 40)) + [0.05, 0.4, 0.1, 0.06] + [0.05] * 36
    assert diagnose(None, {"loss": losses}) == []


def test_a_non_finite_loss_in_a_dict_history_is_divergence():
    assert _codes(diagnose(None, {"loss": [1.0, 2.0, float("nan")]})) == ["diverging_loss"]


# --- estimators -------------------------------------------------------------------------------------------------
def test_a_fitted_estimator_is_read_through_model_and_history():
    X, y = _moons(300)
    recorder = TrainingRecorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        clf = gn.MLPClassifier((16,), learning_rate_init=0.01, max_iter=100, random_state=0,
                               callbacks=[recorder]).fit(X, y)
    assert diagnose(clf, X=X, y=y, recorder=recorder) == []
    labels = np.where(np.arange(300) < 12, "rare", "common")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = gn.MLPClassifier((8,), max_iter=20, random_state=0).fit(X, labels)
    assert "class_imbalance" in _codes(diagnose(clf, X=X, y=labels))


# --- thresholds, ordering, rendering, the table ------------------------------------------------------------
def test_thresholds_override_and_are_checked():
    run = _scenario("class_imbalance")
    assert diagnose(**run, thresholds={"imbalance_ratio": 0.01}) == []
    with pytest.raises(ValueError, match="unknown threshold 'imbalance'.*imbalance_ratio"):
        diagnose(**run, thresholds={"imbalance": 0.1})
    with pytest.raises(ValueError, match="window"):
        diagnose(**run, thresholds={"window": 2.5})
    assert set(DEFAULT_THRESHOLDS) >= {"window", "dead_fraction", "vanishing_ratio", "imbalance_ratio"}


def test_findings_are_sorted_by_severity():
    findings = diagnose(**_scenario("diverging_loss"))
    assert {"diverging_loss", "exploding_gradients"} <= set(_codes(findings))
    ranks = [SEVERITIES.index(f.severity) for f in findings]
    assert ranks == sorted(ranks)
    assert findings[0].severity == "error"


def test_a_more_specific_finding_supersedes_the_one_it_explains():
    # the crawling loss is flat enough to be a plateau at chance level; learning_rate_too_low explains it
    run = _scenario("learning_rate_too_low")
    assert "plateau" not in _codes(diagnose(**run))
    assert "plateau" in _codes(diagnose(**run, thresholds={"lr_low_reduction": 0.0}))


def test_findings_render_and_serialise():
    findings = diagnose(**_scenario("overfitting"))
    text = render_findings(findings)
    assert "[WARNING] overfitting:" in text and "advice:" in text and "evidence:" in text
    assert render_findings([]) == "No problems found."
    data = json.loads(json.dumps([f.to_dict() for f in findings]))
    assert data[0]["code"] == "overfitting"
    assert str(findings[0]).startswith("[warning] overfitting: ")
    assert isinstance(findings[0], Finding)


def test_the_diagnosis_table_has_one_row_per_rule_with_its_thresholds():
    lines = DIAGNOSIS_TABLE.splitlines()
    assert lines[0].startswith("| Code | Severity | Triggered when |")
    assert len(lines) == 2 + len(RULES)
    for line, rule in zip(lines[2:], RULES.values()):
        assert line.startswith(f"| `{rule.code}` | {rule.severity} |")
        assert line.count(" | ") == 4  # five cells: no unescaped pipe inside a cell
        assert rule.advice in line
    assert "more than 0.2x as many samples" not in DIAGNOSIS_TABLE
    assert "fewer than 0.2x as many samples" in DIAGNOSIS_TABLE
    assert "fewer than 0.1x" in diagnosis_table({"imbalance_ratio": 0.1})
    assert "{" not in DIAGNOSIS_TABLE


def test_the_readme_shows_the_diagnosis_table_as_generated():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert DIAGNOSIS_TABLE in readme


def test_model_must_be_a_network():
    with pytest.raises(TypeError, match="model must be"):
        diagnose("not a model", {"loss": [1.0]})
