"""What objects show in a notebook (their ``_repr_html_`` / ``_repr_png_``), read back from the HTML and checked
against the objects themselves: the numbers a table shows are the model's, the findings are diagnose's."""

from __future__ import annotations

import base64
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest

import glassnet as gn


class _Tables(HTMLParser):
    """Every table's rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def tables(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@pytest.fixture(scope="module")
def trained():
    X, y = gn.datasets.make_moons(120, noise=0.2, random_state=0)
    model = gn.Sequential([gn.Dense(5, activation="relu", input_dim=2), gn.BatchNorm(),
                           gn.Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.02), metrics=["accuracy"])
    history = model.fit(X, y, epochs=12, verbose=0, validation_split=0.25)
    return model, history, X, y


def test_a_models_table_counts_each_layers_parameters_by_the_closed_form(trained):
    model = trained[0]
    (table,) = tables(model._repr_html_())
    header, *rows = table
    assert header == ["#", "Layer", "Output shape", "Activation", "Parameters"]
    # Dense: inputs * units + units; BatchNorm: 4 per feature (scale, shift, running mean and variance)
    assert [(r[1], r[2], r[3], int(r[4].replace(",", ""))) for r in rows] == [
        ("Dense", "(None, 5)", "relu", 2 * 5 + 5), ("BatchNorm", "(None, 5)", "", 4 * 5),
        ("Dense", "(None, 1)", "sigmoid", 5 * 1 + 1)]
    text = model._repr_html_()
    assert "binary_crossentropy" in text and "adam" in text and "accuracy" in text
    unbuilt = gn.Sequential([gn.Dense(3)])._repr_html_()
    assert "not built" in unbuilt and "not compiled" in unbuilt


def test_a_history_shows_its_curves_and_first_last_best_values(trained):
    history = trained[1]
    html = history._repr_html_()
    assert "Training history, 12 epochs" in html
    png = base64.b64decode(re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1))
    assert png[:4] == b"\x89PNG"
    rows = {r[0]: r[1:] for r in tables(html)[0][1:]}
    loss = history.history["loss"]
    assert rows["training loss"] == [f"{loss[0]:.4g}", f"{loss[-1]:.4g}", f"{min(loss):.4g}"]
    accuracy = history.history["val_accuracy"]
    assert rows["validation accuracy"][2] == f"{max(accuracy):.4g}"  # best is the largest for a score
    assert set(rows) == {"training loss", "training accuracy", "validation loss", "validation accuracy",
                         "learning rate"}
    assert repr(history).startswith("History(12 epochs; last: loss ")
    assert repr(gn.callbacks.History()) == "History(no epochs yet)"


def test_findings_show_every_finding_with_its_severity_code_and_advice():
    X, y = gn.datasets.make_moons(200, noise=0.1, random_state=0)
    model = gn.builders.mlp(2, (16,), "binary", activation="relu", learning_rate=10.0, optimizer="sgd", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(X * 100, y, epochs=20, verbose=0)
    findings = gn.analysis.diagnose(model, history, X=X * 100, y=y)
    assert findings  # a learning rate of 10 on unscaled inputs goes wrong
    rows = tables(findings._repr_html_())[0][1:]
    assert [(r[0], r[1]) for r in rows] == [(f.severity, f.code) for f in findings]
    assert [r[4] for r in rows] == [f.advice for f in findings]
    assert str(findings) == gn.analysis.render_findings(findings)
    from glassnet.analysis.diagnose import Findings

    assert "nothing in this run looks wrong" in Findings()._repr_html_()


def test_results_show_their_plain_columns_and_convert_to_a_frame():
    X, y = gn.datasets.make_xor()
    rows = gn.analysis.compare_learning_rates(X, y, [0.1, 1.0], epochs=3)
    assert isinstance(rows, list) and rows[0]["setting"] == 0.1  # still a list of dicts
    header, *body = tables(rows._repr_html_())[0]
    assert "loss curve" not in header and "history" not in header and "final loss" in header
    assert [float(r[header.index("setting")]) for r in body] == [0.1, 1.0]
    frame = rows.to_frame()
    assert list(frame.columns) == list(rows[0]) and len(frame) == 2


def test_a_figure_displays_itself_as_a_sharp_png():
    fig = gn.plots.plot_activation_functions(["relu"])
    png, meta = fig._repr_png_()
    width_px, height_px = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    inches = fig.get_size_inches()
    assert (meta["width"], meta["height"]) == (round(inches[0] * 100), round(inches[1] * 100))
    assert (width_px, height_px) == (2 * meta["width"], 2 * meta["height"])


def test_gradient_check_convergence_explanation_and_recorder_have_html(trained):
    model, history, X, y = trained
    check = gn.analysis.gradient_check(model, X[:6], y[:6])
    rows = tables(check._repr_html_())[0][1:]
    assert len(rows) == len(check.rows)
    assert all(r[5] == ("ok" if c.relative_error < check.tolerance else "failed") for r, c in zip(rows, check.rows)
               if not c.skipped)
    report = gn.analysis.analyze_convergence(history)
    assert ("settled" if report.converged else "not settled") in report._repr_html_()
    step = gn.analysis.explain_step(model, X[:4], y[:4])
    html = step._repr_html_()
    assert html.count("<details open>") == len([b for b in step.render().split("\n\n")[1:] if b.strip()])
    recorder = gn.analysis.TrainingRecorder()
    assert "nothing recorded yet" in recorder._repr_html_()


def test_scikit_learn_estimators_keep_scikit_learns_own_display():
    html = gn.MLPClassifier(hidden_layer_sizes=(3,))._repr_html_()
    assert "sk-estimator" in html or "sk-top-container" in html


def test_live_plot_changes_nothing_and_writes_its_file_outside_a_notebook(tmp_path):
    X, y = gn.datasets.make_moons(100, noise=0.2, random_state=1)

    def run(callbacks):
        model = gn.builders.mlp(2, (6,), "binary", activation="tanh", learning_rate=0.05, seed=3)
        model.fit(X, y, epochs=7, verbose=0, validation_split=0.2, callbacks=callbacks)
        return model.get_weights()

    live = gn.callbacks.LivePlot(every=3, boundary=True, data=(X, y), path=tmp_path / "live.png")
    for a, b in zip(run([]), run([live])):
        np.testing.assert_array_equal(a, b)
    assert live.redraws == 3  # epochs 3 and 6, and the end (epoch 7, not drawn yet)
    assert (tmp_path / "live.png").read_bytes()[:4] == b"\x89PNG"
    quiet = gn.callbacks.LivePlot()
    run([quiet])
    assert quiet.redraws == 0  # no notebook and no path: nothing drawn


def test_live_plot_checks_its_arguments():
    with pytest.raises(ValueError, match="boundary=True needs data"):
        gn.callbacks.LivePlot(boundary=True)
    with pytest.raises(ValueError, match="two features"):
        gn.callbacks.LivePlot(boundary=True, data=(np.zeros((4, 3)), np.zeros(4)))
    with pytest.raises(ValueError, match="only with boundary=True"):
        gn.callbacks.LivePlot(data=(np.zeros((4, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match="every"):
        gn.callbacks.LivePlot(every=0)
    with pytest.raises(TypeError, match="metrics"):
        gn.callbacks.LivePlot(metrics="loss")
