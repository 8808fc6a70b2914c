"""glassnet in a real Jupyter kernel (nbclient + ipykernel): what a notebook user sees after each cell."""

from __future__ import annotations

import os
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    # 0: a model as a cell's result
    "import numpy as np\nimport glassnet as gn\n"
    "X, y = gn.datasets.make_moons(200, noise=0.2, random_state=0)\n"
    "model = gn.builders.mlp(2, (8,), 'binary', activation='tanh', learning_rate=0.05, seed=0)\nmodel",
    # 1: fit with the default progress bar, then the history as the result
    "history = model.fit(X, y, epochs=30, validation_split=0.2)\nhistory",
    # 2: a figure, without %matplotlib inline
    "gn.plots.plot_decision_boundary(model, X, y)",
    # 3: the findings
    "gn.analysis.diagnose(model, history, X=X, y=y)",
    # 4: a worked step
    "gn.analysis.explain_step(model, X[:4], y[:4])",
    # 5: live curves, redrawn every 2 epochs
    "live = gn.callbacks.LivePlot(metrics=('loss', 'accuracy'), every=2)\n"
    "_ = model.fit(X, y, epochs=6, verbose=0, callbacks=[live])",
    # 6: how often it was drawn, and whether pyplot was ever loaded
    "print(live.redraws, 'matplotlib.pyplot' in __import__('sys').modules)",
]


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in CELLS]
    env_path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    old = os.environ.get("PATH")
    os.environ["PATH"] = env_path  # the kernel spec runs "python": this environment's
    try:
        nbclient.NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    finally:
        os.environ["PATH"] = old or ""
    return nb


def outputs(nb, i):
    return nb.cells[i].outputs


def mimes(output):
    return set(output.get("data", {}))


@pytest.mark.slow
def test_a_model_shows_its_summary_table_as_html(executed):
    (out,) = outputs(executed, 0)
    assert "text/html" in mimes(out)
    html = out["data"]["text/html"]
    assert "Sequential model, 2 layers" in html and "<table" in html and "tanh" in html and "sigmoid" in html


@pytest.mark.slow
def test_fit_shows_one_progress_widget_and_the_history_with_its_curves(executed):
    cell = outputs(executed, 1)
    assert len(cell) <= 3, [o.get("output_type") for o in cell]
    widgets = [o for o in cell if "application/vnd.jupyter.widget-view+json" in mimes(o)]
    assert len(widgets) == 1  # one bar, updated in place (not a line per epoch)
    streams = [o for o in cell if o.get("output_type") == "stream"]
    assert sum(o["text"].count("\n") for o in streams) < 5
    result = [o for o in cell if o.get("output_type") == "execute_result"][0]
    assert "Training history, 30 epochs" in result["data"]["text/html"]
    assert "data:image/png;base64," in result["data"]["text/html"]


@pytest.mark.slow
def test_a_figure_shows_as_an_image_without_matplotlib_inline(executed):
    (out,) = outputs(executed, 2)
    assert "image/png" in mimes(out)
    import base64

    png = base64.b64decode(out["data"]["image/png"])
    pixels_wide = int.from_bytes(png[16:20], "big")  # the PNG header's width
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert pixels_wide == 2 * out["metadata"]["image/png"]["width"]  # drawn at twice the size it is shown at


@pytest.mark.slow
def test_findings_and_the_worked_step_show_as_html(executed):
    (findings,) = outputs(executed, 3)
    assert "Diagnosis" in findings["data"]["text/html"]
    (step,) = outputs(executed, 4)
    html = step["data"]["text/html"]
    assert "Forward pass" in html and "Backward pass" in html and "<details" in html


@pytest.mark.slow
def test_live_plot_leaves_one_display_that_was_updated_and_pyplot_stays_unloaded(executed):
    cell = outputs(executed, 5)
    assert len(cell) == 1 and "image/png" in mimes(cell[0])
    (printed,) = outputs(executed, 6)
    redraws, pyplot = printed["text"].split()
    assert int(redraws) == 3  # epochs 2, 4 and 6 (the last, so the end adds nothing), all into that one output
    assert pyplot == "False"
