"""Convergence analysis against curves whose answers are known in closed form or by construction.

Exponential decays give the convergence epoch and the start of the final plateau by solving the defining
inequalities with logarithms; staircase curves have flat stretches at chosen epochs; alternating sequences
have known oscillation and coefficient of variation; weight evolution is checked against weights captured by
a LambdaCallback.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from glassnet import BatchNorm, Dense, Dropout, MLPRegressor, Sequential
from glassnet.analysis.convergence import (
    ConvergenceReport,
    analyze_convergence,
    detect_plateaus,
    weight_evolution,
)
from glassnet.analysis.recorder import TrainingRecorder
from glassnet.callbacks import History, LambdaCallback
from glassnet.optimizers import SGD


# --- convergence epoch, reduction, best -----------------------------------------------------------------------
def test_exponential_decay_to_a_level_converges_where_the_formula_says():
    c, A, tau, n = 0.2, 1.0, 8.0, 120
    t = np.arange(n)
    losses = c + A * np.exp(-t / tau)
    report = analyze_convergence(losses, window=10, tol=0.01)

    final = c + A * math.exp(-(n - 1) / tau)
    band = 0.01 * max(final, (c + A) - final)
    # |L_t - final| = A (e^{-t/tau} - e^{-(n-1)/tau}) <= band  <=>  t >= -tau ln(band/A + e^{-(n-1)/tau})
    expected = math.ceil(-tau * math.log(band / A + math.exp(-(n - 1) / tau)))
    assert expected == 37
    assert report.converged and report.convergence_epoch == expected
    assert report.initial_loss == pytest.approx(c + A)
    assert report.final_loss == pytest.approx(final)
    assert report.best_loss == pytest.approx(final) and report.best_epoch == n - 1
    assert report.loss_reduction == pytest.approx((c + A - final) / (c + A))
    assert report.trend == "flat" and report.oscillation == 0.0 and not report.diverged
    # the final plateau starts at the first epoch s whose next step changes the loss by less than 1e-3
    # relative: A e^{-s/tau} (1 - e^{-1/tau}) < 1e-3 (c + A e^{-s/tau})  <=>  e^{-s/tau} < q
    q = 1e-3 * c / (A * (1 - math.exp(-1 / tau) - 1e-3))
    start = math.floor(-tau * math.log(q)) + 1
    assert report.plateaus == [(start, n - 1)]


def test_a_loss_falling_to_zero_converges_once_it_has_made_most_of_its_way():
    # relative to the final value alone (1e-13) this curve would never settle; relative to the distance it
    # travelled it settles once it is within 1% of it
    n, tau = 300, 10.0
    losses = np.exp(-np.arange(n) / tau)
    report = analyze_convergence(losses, window=10, tol=0.01)
    final = math.exp(-(n - 1) / tau)
    band = 0.01 * (1 - final)
    assert report.convergence_epoch == math.ceil(-tau * math.log(band + final)) == 47
    assert report.loss_reduction == pytest.approx(1 - final)


def test_a_constant_curve_converged_at_once_but_a_short_run_cannot_tell():
    report = analyze_convergence([0.5] * 20, window=10)
    assert report.converged and report.convergence_epoch == 0
    assert report.stability == 0.0 and report.trend == "flat" and report.plateaus == [(0, 19)]
    assert analyze_convergence([0.5] * 10, window=10).converged  # settled for exactly `window` epochs
    short = analyze_convergence([0.5] * 9, window=10)
    assert not short.converged and short.convergence_epoch is None


# --- stability, oscillation, trend -------------------------------------------------------------------------
def test_an_alternating_loss_oscillates_and_never_converges():
    report = analyze_convergence([1.0, 2.0] * 15, window=10)
    assert report.oscillation == 1.0
    assert report.stability == pytest.approx(0.5 / 1.5)  # last 10: five 1s and five 2s, mean 1.5, std 0.5
    assert report.trend == "oscillating"
    assert not report.converged and report.convergence_epoch is None
    assert report.plateaus == []
    assert report.best_loss == 1.0 and report.best_epoch == 0


def test_trend_of_rising_and_falling_curves():
    t = np.arange(30)
    rising = analyze_convergence(1 + 0.1 * t)
    assert rising.trend == "increasing" and rising.loss_reduction == pytest.approx(-2.9)
    assert rising.best_epoch == 0 and not rising.converged
    falling = analyze_convergence(1 - 0.02 * t)
    assert falling.trend == "decreasing" and falling.oscillation == 0.0 and not falling.converged
    # a zig-zag whose drift outweighs its swings is still decreasing; one whose swings dominate oscillates
    drifting = analyze_convergence(1 - 0.01 * t + 0.008 * (-1.0) ** t)
    assert drifting.oscillation == 1.0 and drifting.trend == "decreasing"
    swinging = analyze_convergence(1 - 0.01 * t + 0.02 * (-1.0) ** t)
    assert swinging.trend == "oscillating"


# --- plateaus -----------------------------------------------------------------------------------------------
def _staircase():
    losses = [1.0]
    for t in range(1, 81):
        flat = 20 < t <= 40 or 60 < t <= 65
        losses.append(losses[-1] if flat else 0.9 * losses[-1])
    return np.array(losses)


def test_plateaus_are_the_flat_stretches_of_at_least_window_steps():
    losses = _staircase()  # flat over epochs 20..40 (20 steps) and 60..65 (5 steps); 10% per epoch elsewhere
    assert detect_plateaus(losses, window=10, threshold=1e-3) == [(20, 40)]
    assert detect_plateaus(losses, window=5, threshold=1e-3) == [(20, 40), (60, 65)]
    assert detect_plateaus(losses, window=21, threshold=1e-3) == []
    assert detect_plateaus(losses, window=10, threshold=0.2) == [(0, 80)]  # 10% steps count as flat now
    assert analyze_convergence(losses, window=10).plateaus == [(20, 40)]


def test_tiny_changes_below_the_threshold_still_count_as_flat():
    losses = np.concatenate([np.linspace(2.0, 1.0, 11), 1.0 - 1e-5 * np.arange(1, 16)])
    assert detect_plateaus(losses, window=10, threshold=1e-3) == [(10, 25)]
    assert detect_plateaus([1.0], window=1) == []


# --- what it accepts --------------------------------------------------------------------------------------
def test_every_form_of_history_gives_the_same_report():
    losses = list(1 + np.exp(-np.arange(40) / 4))
    reference = analyze_convergence(losses)
    history = History()
    for epoch, loss in enumerate(losses):
        history.on_epoch_end(epoch, {"loss": loss, "val_loss": 2 * loss})
    assert analyze_convergence(history) == reference
    assert analyze_convergence(history.history) == reference
    assert analyze_convergence(np.array(losses)) == reference
    assert analyze_convergence(history, key="val_loss").final_loss == pytest.approx(2 * losses[-1])


def test_a_resumed_history_reports_epochs_in_its_own_numbering():
    losses = [3.0, 2.0, 1.5, 1.2, 1.0]
    history = History()
    for epoch, loss in enumerate(losses, start=7):
        history.on_epoch_end(epoch, {"loss": loss})
    assert analyze_convergence(history, window=2).best_epoch == 11
    assert analyze_convergence(losses, window=2).best_epoch == 4


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_models_and_estimators_are_read_through_their_histories():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -2.0])
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=15, random_state=0).fit(X, y)
    expected = analyze_convergence(reg.loss_curve_, window=5)
    assert analyze_convergence(reg, window=5) == expected
    assert analyze_convergence(reg.history_, window=5) == expected
    assert expected.final_loss == reg.loss_curve_[-1]

    model = Sequential([Dense(1)], input_dim=2, seed=0)
    model.compile(loss="mse", optimizer=SGD(0.05))
    history = model.fit(X, y, epochs=6, verbose=0)
    assert analyze_convergence(model, window=3) == analyze_convergence(history.history["loss"], window=3)


def test_a_non_finite_loss_marks_divergence_and_the_finite_part_is_described():
    report = analyze_convergence([1.0, 0.5, 0.4, math.nan, 0.3], window=2)
    assert report.diverged and not report.converged and report.convergence_epoch is None
    assert report.n_epochs == 3 and report.final_loss == 0.4 and report.best_epoch == 2


def test_the_report_reads_as_attributes_and_as_a_mapping():
    report = analyze_convergence(_staircase())
    assert isinstance(report, ConvergenceReport)
    assert report["trend"] == report.trend
    assert dict(report)["plateaus"] == report.plateaus
    assert json.loads(json.dumps(report.to_dict()))["plateaus"] == [[20, 40]]
    with pytest.raises(KeyError, match="fields are"):
        report["nope"]


def test_invalid_input_is_refused_with_what_was_received():
    with pytest.raises(ValueError, match="non-empty"):
        analyze_convergence([])
    with pytest.raises(ValueError, match="window"):
        analyze_convergence([1.0, 2.0], window=0)
    with pytest.raises(ValueError, match="tol"):
        analyze_convergence([1.0, 2.0], tol=-1.0)
    with pytest.raises(KeyError, match="available keys"):
        analyze_convergence({"loss": [1.0]}, key="val_loss")
    with pytest.raises(ValueError, match="1-D"):
        analyze_convergence(np.ones((3, 2)))
    with pytest.raises(TypeError, match="history must be"):
        analyze_convergence(["a", "b"])
    with pytest.raises(ValueError, match="first loss"):
        analyze_convergence([math.inf, 1.0])


# --- weight evolution ---------------------------------------------------------------------------------------
def test_weight_evolution_matches_weights_captured_at_train_begin_and_end():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(4, activation="relu"), Dropout(0.2), BatchNorm(), Dense(1, activation="sigmoid")],
                       input_dim=3, seed=0, dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=SGD(0.5))
    start = []
    recorder = TrainingRecorder()
    model.fit(X, y, epochs=5, batch_size=8, verbose=0,
              callbacks=[recorder, LambdaCallback(on_train_begin=lambda logs: start.append(model.get_weights()))])
    end = model.get_weights()
    evolution = weight_evolution(recorder)
    assert [e["index"] for e in evolution] == [0, 2, 3]  # Dropout has no weights
    assert [e["name"] for e in evolution] == ["Dense(relu)", "BatchNorm", "Dense(sigmoid)"]
    # get_weights order: W0, b0 | gamma, beta, running_mean, running_var | W3, b3
    for entry, k in zip(evolution, (0, 2, 6)):
        w0, w1 = start[0][k], end[k]
        assert entry["initial_norm"] == pytest.approx(np.linalg.norm(w0), rel=1e-12)
        assert entry["final_norm"] == pytest.approx(np.linalg.norm(w1), rel=1e-12)
        assert entry["ratio"] == pytest.approx(np.linalg.norm(w1) / np.linalg.norm(w0), rel=1e-12)
        assert entry["relative_change"] == pytest.approx(np.linalg.norm(w1 - w0) / np.linalg.norm(w0), rel=1e-9)
    with pytest.raises(ValueError, match="no records"):
        weight_evolution(TrainingRecorder())
