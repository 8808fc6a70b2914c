"""Experiment helpers: the shape of their tables, determinism under fixed seeds, and the truths the seed
notebooks show by hand (a separable problem is learned at any reasonable learning rate; a linear model cannot
fit XOR while four tanh units can; parameter counts follow from the architecture).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import Dense, Sequential
from glassnet.analysis.experiments import (
    ROW_KEYS,
    as_table,
    compare_activations,
    compare_depth_width,
    compare_hidden_sizes,
    compare_initializers,
    compare_learning_rates,
)


def _separable():
    return gn.datasets.make_blobs(60, centers=2, cluster_std=0.5, random_state=0)


def _without_seconds(rows):
    """The rows without their timings, each History as its per-epoch values (a History compares by identity)."""
    return [{k: (v.history if k == "history" else v) for k, v in row.items() if k != "seconds"} for row in rows]


def test_rows_have_every_key_one_row_per_setting_and_seed():
    X, y = _separable()
    rows = compare_learning_rates(X, y, [0.01, 0.1], epochs=5, seeds=(0, 1, 2))
    assert len(rows) == 6
    assert all(tuple(row) == ROW_KEYS for row in rows)
    assert [(r["setting"], r["seed"]) for r in rows] == [(lr, s) for lr in (0.01, 0.1) for s in (0, 1, 2)]
    assert all(r["experiment"] == "learning_rate" and r["epochs"] == 5 and len(r["loss_curve"]) == 5
               for r in rows)
    assert all(r["final_val_loss"] is None and r["val_loss_curve"] is None for r in rows)
    assert all(r["seconds"] > 0 for r in rows)


def test_fixed_seeds_give_identical_rows_and_different_seeds_differ():
    X, y = gn.datasets.make_moons(80, noise=0.2, random_state=0)
    first = compare_activations(X, y, ["tanh", "relu"], epochs=8, seeds=(0, 1), validation_split=0.25)
    second = compare_activations(X, y, ["tanh", "relu"], epochs=8, seeds=(0, 1), validation_split=0.25)
    assert _without_seconds(first) == _without_seconds(second)
    assert first[0]["final_loss"] != first[1]["final_loss"]


def test_every_reasonable_learning_rate_separates_separable_blobs():
    X, y = _separable()
    rows = compare_learning_rates(X, y, [0.03, 0.1, 0.3, 1.0], epochs=30, seeds=(0, 1))
    assert all(r["final_accuracy"] == 1.0 and not r["diverged"] for r in rows)
    # larger steps reach a lower loss in the same number of epochs
    losses = [np.mean([r["final_loss"] for r in rows if r["setting"] == lr]) for lr in (0.03, 0.1, 0.3, 1.0)]
    assert losses == sorted(losses, reverse=True)


def test_a_linear_model_cannot_fit_xor_but_four_tanh_units_can():
    X, y = gn.datasets.make_xor()
    rows = compare_hidden_sizes(X, y, [0, 4], learning_rate=0.1, epochs=300, batch_size=None)
    linear, hidden = rows
    assert linear["n_params"] == 3 and hidden["n_params"] == 2 * 4 + 4 + 4 + 1
    assert linear["final_accuracy"] <= 0.75 and linear["final_loss"] > 0.69
    assert hidden["final_accuracy"] == 1.0 and hidden["final_loss"] < 0.05
    assert hidden["converged"] and hidden["convergence_epoch"] is not None


def test_hidden_sizes_accept_tuples_for_several_layers():
    X, y = _separable()
    rows = compare_hidden_sizes(X, y, [(4, 3), 2], epochs=3)
    assert [r["setting"] for r in rows] == [(4, 3), 2]
    assert rows[0]["n_params"] == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert rows[1]["n_params"] == (2 * 2 + 2) + (2 + 1)


def test_depth_width_rows_split_the_setting_and_count_parameters():
    X, y = _separable()
    rows = compare_depth_width(X, y, [(0, 8), (1, 8), (3, 4)], epochs=3)
    assert [(r["depth"], r["width"]) for r in rows] == [(0, 8), (1, 8), (3, 4)]
    assert list(rows[0])[:6] == ["experiment", "setting", "depth", "width", "label", "seed"]
    assert set(rows[0]) == set(ROW_KEYS) | {"depth", "width"}
    assert [r["n_params"] for r in rows] == [3, (2 * 8 + 8) + (8 + 1), (2 * 4 + 4) + 2 * (4 * 4 + 4) + (4 + 1)]


def test_initializers_are_compared_and_zeros_cannot_break_symmetry():
    X, y = gn.datasets.make_xor()
    rows = compare_initializers(X, y, ["zeros", "glorot_uniform"], hidden_layer_sizes=(4,), learning_rate=0.1,
                                epochs=200, batch_size=None)
    zeros, glorot = rows
    assert zeros["setting"] == "zeros" and zeros["final_accuracy"] < 1.0
    assert glorot["final_accuracy"] == 1.0


def test_multiclass_validation_and_regression_tables():
    X, y = gn.datasets.make_blobs(90, centers=3, random_state=0)
    row = compare_activations(X, y, ["relu"], epochs=5, validation_split=0.2)[0]
    assert row["n_params"] == (2 * 16 + 16) + (16 * 3 + 3)
    assert 0 <= row["final_val_accuracy"] <= 1 and len(row["val_loss_curve"]) == 5
    # one-hot rows and labels that are not 0..k-1 make the same softmax network
    one_hot = compare_activations(X, np.eye(3, dtype=int)[y], ["relu"], epochs=5, validation_split=0.2)[0]
    shifted = compare_activations(X, y + 5, ["relu"], epochs=5, validation_split=0.2)[0]
    assert one_hot["final_loss"] == shifted["final_loss"] == row["final_loss"]
    Xs, ys = gn.datasets.make_sine(60, random_state=0)
    row = compare_learning_rates(Xs, ys, [0.01], epochs=5)[0]
    assert row["final_accuracy"] is None and math.isfinite(row["final_loss"])


def test_a_diverging_setting_is_a_row_not_a_crash():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 10
    y = X @ np.array([1.0, -2.0, 3.0])
    rows = compare_learning_rates(X, y, [1e-4, 10.0], epochs=10)
    assert not rows[0]["diverged"] and rows[1]["diverged"]
    assert rows[1]["epochs"] < 10 and not rows[1]["converged"]


def test_a_custom_build_is_called_with_each_setting_and_seed():
    X, y = _separable()
    calls = []

    def build(lr, seed):
        calls.append((lr, seed))
        model = Sequential([Dense(1, activation="sigmoid")], input_dim=2, seed=seed)
        model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(lr), metrics=["accuracy"])
        return model

    rows = compare_learning_rates(X, y, [0.1, 0.5], build=build, epochs=3, seeds=(3, 4))
    assert calls == [(0.1, 3), (0.1, 4), (0.5, 3), (0.5, 4)]
    assert all(r["n_params"] == 3 for r in rows)
    with pytest.raises(TypeError, match="compiled glassnet Sequential"):
        compare_learning_rates(X, y, [0.1], build=lambda lr, seed: None, epochs=1)


def test_as_table_gives_a_dataframe_or_the_rows(monkeypatch):
    X, y = _separable()
    rows = compare_hidden_sizes(X, y, [1, 2], epochs=2)
    pandas = pytest.importorskip("pandas")
    frame = as_table(rows)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == list(ROW_KEYS) and len(frame) == 2
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    assert as_table(rows) == rows


@pytest.mark.parametrize("call, match", [
    (lambda X, y: compare_learning_rates(X, y, []), "must not be empty"),
    (lambda X, y: compare_learning_rates(X, y, [-0.1]), "learning_rates"),
    (lambda X, y: compare_learning_rates(X, y, 0.1), "list of settings"),
    (lambda X, y: compare_activations(X, y, ["nope"]), "activations"),
    (lambda X, y: compare_initializers(X, y, ["nope"]), "initializers"),
    (lambda X, y: compare_depth_width(X, y, [(1,)]), "pairs"),
    (lambda X, y: compare_hidden_sizes(X, y, [-1]), "hidden_sizes"),
    (lambda X, y: compare_learning_rates(X, y, [0.1], optimizer="nope"), "optimizer"),
    (lambda X, y: compare_learning_rates(X, y, [0.1], task="nope"), "task"),
    (lambda X, y: compare_learning_rates(X, y[:10], [0.1]), "one row per sample"),
])
def test_invalid_arguments_are_refused_with_their_name(call, match):
    X, y = _separable()
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, y)


# --- converged means reaching a stated loss; settings as objects with labels; rows keep their History ----------
def test_a_flat_but_failed_run_never_reads_as_converged():
    """XOR at SGD's learning rate 0.1 sits near loss 0.69 and accuracy 0.5: flat, not converged."""
    from glassnet.analysis.experiments import TARGET_LOSS

    X, y = gn.datasets.make_xor()
    rows = compare_learning_rates(X, y, [0.1, 1.0], hidden_layer_sizes=(4,), optimizer="sgd", epochs=200,
                                  batch_size=None)
    target = TARGET_LOSS["binary_crossentropy"]
    for row in rows:
        curve = row["loss_curve"]
        first_reached = next((e for e, loss in enumerate(curve, start=1) if loss <= target), None)
        assert row["converged"] is (first_reached is not None and curve[-1] <= target)
        assert row["convergence_epoch"] == first_reached
    assert rows[0]["final_loss"] > 0.5 and rows[0]["converged"] is False
    assert rows[1]["converged"] is True  # 1.0 does solve it (the seeds' table)
    stricter = compare_learning_rates(X, y, [1.0], hidden_layer_sizes=(4,), optimizer="sgd", epochs=200,
                                      batch_size=None, target_loss=1e-9)
    assert stricter[0]["converged"] is False and stricter[0]["convergence_epoch"] is None
    with pytest.raises(ValueError, match="target_loss"):
        compare_learning_rates(X, y, [1.0], target_loss=-1.0)


def test_a_loss_without_a_default_target_reports_converged_as_unknown():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    counts = rng.poisson(2.0, size=40).astype(float)

    def build(lr, seed):
        return gn.builders.mlp(2, (4,), "poisson", learning_rate=lr, seed=seed)

    row = compare_learning_rates(X, counts, [0.01], build=build, epochs=3)[0]
    assert row["converged"] is None and row["convergence_epoch"] is None
    assert compare_learning_rates(X, counts, [0.01], build=build, epochs=3, target_loss=100.0)[0]["converged"]


def test_initialisers_as_instances_with_labels_are_the_ones_trained():
    """The seeds' study (small and large random normals, Xavier, He): each row is the run of a network built by
    hand with that initialiser and seed."""
    X, y = gn.datasets.make_xor()
    inits = [gn.initializers.RandomNormal(stddev=0.01), gn.initializers.RandomNormal(stddev=1.0), "glorot_uniform",
             "he_normal"]
    names = ["Random Small N(0, 0.01)", "Random Large N(0, 1)", "Xavier", "He"]
    rows = compare_initializers(X, y, inits, labels=names, hidden_layer_sizes=(4,), epochs=20, batch_size=None)
    assert [r["label"] for r in rows] == names
    for init, row in zip(inits, rows):
        model = gn.builders.mlp(2, (4,), "binary", activation="tanh", initializer=init, optimizer="adam",
                                learning_rate=0.01, seed=0)
        by_hand = model.fit(X, y, epochs=20, batch_size=None, verbose=0).history["loss"]
        assert row["loss_curve"] == pytest.approx(by_hand, rel=0, abs=0)
    with pytest.raises(ValueError, match="labels must be 4 str"):
        compare_initializers(X, y, inits, labels=["too few"], epochs=1)
    with pytest.raises(ValueError, match=r"initializers\[0\]"):
        compare_initializers(X, y, ["no_such_init"], epochs=1)


def test_rows_keep_their_history_and_plot_histories_overlays_them():
    import matplotlib

    matplotlib.use("Agg")
    X, y = _separable()
    rows = compare_activations(X, y, ["tanh", gn.activations.LeakyReLU(0.2)], epochs=6, seeds=(0, 1))
    assert [r["label"] for r in rows] == ["tanh", "tanh", "leaky_relu(alpha=0.2)", "leaky_relu(alpha=0.2)"]
    for row in rows:
        assert row["history"].history["loss"] == row["loss_curve"]
    figure = gn.plots.plot_histories(rows, metric="accuracy")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "tanh, seed 0", "tanh, seed 1", "leaky_relu(alpha=0.2), seed 0", "leaky_relu(alpha=0.2), seed 1"]
    for line, row in zip(ax.get_lines(), rows):
        np.testing.assert_array_equal(line.get_ydata(), row["history"].history["accuracy"])
