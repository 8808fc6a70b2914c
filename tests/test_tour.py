"""The guided tour: the scenarios' findings, and the whole tour through the CLI into one self-contained report.

The story-telling scenarios run for real (quick settings, a few seconds). The whole tour runs with
``EPOCH_SCALE`` shrunk, so every scenario, table, figure and the report are exercised without the training time.
"""

import ast
import inspect
import re

import pytest

import glassnet as gn
from glassnet import tour
from glassnet.analysis.neurons import TWO_INPUT_NAMES
from glassnet.cli import main


def test_the_perceptron_learns_and_and_or_but_not_xor():
    result = tour.perceptron_logic_gates(quick=True, seed=0)
    assert result.data["converged"] == {"AND": True, "OR": True, "XOR": False}
    assert result.data["best_xor_correct"] <= 3                  # a line gets at most 3 of the 4 points right
    gates = {row["gate"]: row for row in result.tables[0][1]}
    assert gates["XOR"]["accuracy"] < 1.0 and gates["AND"]["accuracy"] == 1.0
    assert "XOR did not converge" in result.text
    assert len(result.figures) == 2


def test_the_2_2_1_network_solves_xor_with_named_logic_roles():
    result = tour.mlp_xor(quick=True, seed=0)
    assert result.data["solved"]
    roles = result.data["roles"]
    assert len(roles) == 2
    # each hidden unit computes a genuine two-input gate (not a constant), and the text names them
    assert all(role in TWO_INPUT_NAMES and role not in ("FALSE", "TRUE") for role in roles)
    assert all(role in result.text for role in roles)
    assert result.data["strategy"] in result.text
    outputs = result.data["outputs"]
    assert outputs[0] < 0.5 < outputs[1] and outputs[2] > 0.5 > outputs[3]


def test_backpropagation_matches_central_differences():
    result = tour.backprop_step(quick=True, seed=0)
    assert result.data["passed"]
    caption, text = result.blocks[0]
    assert "Forward pass" in text and "Backward pass" in text


def test_scenarios_are_deterministic():
    first = tour.mlp_xor(quick=True, seed=3)
    second = tour.mlp_xor(quick=True, seed=3)
    assert first.data["outputs"] == second.data["outputs"]
    assert first.tables == second.tables


@pytest.mark.slow
def test_the_whole_quick_tour_writes_a_self_contained_report(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tour, "EPOCH_SCALE", 0.02)
    captured = []
    run_scenarios = tour.run_scenarios

    def keep(*args, **kwargs):
        captured.extend(run_scenarios(*args, **kwargs))
        return captured

    monkeypatch.setattr(tour, "run_scenarios", keep)
    out_dir = tmp_path / "tour"
    assert main(["tour", "--quick", "--out", str(out_dir)]) == 0
    printed, errors = capsys.readouterr()
    assert "Traceback" not in errors and "Warning" not in errors
    path = out_dir / "report.html"
    assert str(path) in printed
    page = path.read_text(encoding="utf-8")

    assert [r.name for r in captured] == [s.__name__ for s in tour.SCENARIOS]
    n_figures = sum(len(r.figures) for r in captured)
    images = re.findall(r'src="data:image/png;base64,', page)
    assert len(images) == n_figures >= len(captured)
    for result in captured:
        assert result.title in printed
        assert f">{result.title}</h2>" in page.replace("&#x27;", "'")
        assert result.text and (result.tables or result.blocks)
    # nothing is loaded from elsewhere: no URLs, scripts, style sheets or fonts
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "url(" not in page
    # the diagnosed problems show up as findings with their severity colours
    problems = next(r for r in captured if r.name == "training_problems")
    assert problems.findings and 'class="finding"' in page
    # words for readers: no project-internal words, Markdown's code shown as code, who made it and when
    assert "the seeds'" not in page.lower() and "seed notebook" not in page.lower()
    body = re.sub(r'alt="[^"]*"', "", page[page.index("<body>"):])
    assert "`" not in body and "<code>glassnet tour --quick --seed 0</code>" in page
    assert f"Made with glassnet {gn.__version__} on " in page


def test_run_scenarios_refuses_a_bad_seed():
    with pytest.raises(ValueError):
        tour.run_scenarios(seed=-1, echo=None, scenarios=[])


def test_the_tour_draws_only_through_plots():
    tree = ast.parse(inspect.getsource(tour))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.startswith("matplotlib")]
    drawing = {"subplots", "add_subplot", "plot", "scatter", "imshow", "set_xlabel", "set_ylabel", "set_title"}
    calls = [node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.value is not None
             and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "plots")]
    assert not drawing.intersection(calls)


# --------------------------------------------------------------------------------------------------------------
# Text computed from the run it describes
# --------------------------------------------------------------------------------------------------------------

def _worked_example_as_written():
    """The 2-2-1 backpropagation example exactly as the tutorial writes it (its code, run here)."""
    import numpy as np

    state = np.random.get_state()
    try:
        np.random.seed(42)
        X = np.array([[0.5, 0.3]])
        y = np.array([[1]])
        W1 = np.random.randn(2, 2) * 0.5
        b1 = np.zeros((1, 2))
        W2 = np.random.randn(2, 1) * 0.5
        b2 = np.zeros((1, 1))
    finally:
        np.random.set_state(state)
    z1 = np.dot(X, W1) + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = np.dot(a1, W2) + b2
    a2 = 1 / (1 + np.exp(-z2))
    loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
    da2 = -(y / a2 - (1 - y) / (1 - a2))
    dz2 = da2 * a2 * (1 - a2)
    dW2 = np.dot(a1.T, dz2)
    db2 = np.sum(dz2, axis=0, keepdims=True)
    da1 = np.dot(dz2, W2.T)
    dz1 = da1 * a1 * (1 - a1)
    dW1 = np.dot(X.T, dz1)
    db1 = np.sum(dz1, axis=0, keepdims=True)
    learning_rate = 0.1
    return {"W1": W1, "W2": W2, "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss, "dW1": dW1, "db1": db1,
            "dW2": dW2, "db2": db2, "W1_new": W1 - learning_rate * dW1, "b1_new": b1 - learning_rate * db1,
            "W2_new": W2 - learning_rate * dW2, "b2_new": b2 - learning_rate * db2}


@pytest.mark.parametrize("seed", [0, 5])
def test_backpropagation_is_the_worked_example_with_its_own_numbers(seed):
    import numpy as np

    example = _worked_example_as_written()
    result = tour.backprop_step(quick=True, seed=seed)             # the tour's seed does not change the example
    step = result.data["step"]
    for name in ("z1", "a1", "z2", "a2", "dW1", "db1", "dW2", "db2", "W1_new", "b1_new", "W2_new", "b2_new"):
        np.testing.assert_allclose(step[name].ravel(), example[name].ravel(), rtol=1e-10, atol=1e-13, err_msg=name)
    assert result.data["loss"] == pytest.approx(example["loss"], rel=1e-12)
    # the example prints its loss to four places ("Loss (Binary Cross-Entropy): {loss:.4f}"); so does the tour
    assert f"{example['loss']:.4f}" in result.text
    caption, text = result.blocks[0]
    assert f"{example['W1'][0, 0]:.4f}" in text and f"{example['W2'][1, 0]:.4f}" in text
    assert "seeds" not in result.text


def _perceptron_by_hand(X, y, epochs):
    """Rosenblatt's rule from zero weights, visiting the points in order: (mistakes, w, b) after each epoch."""
    import numpy as np

    w, b, out = np.zeros(2), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for x, t in zip(X, y):
            p = 1 if x @ w + b >= 0 else 0
            if p != t:
                w, b, mistakes = w + (t - p) * x, b + (t - p), mistakes + 1
        out.append((mistakes, w.copy(), b))
    return out


def test_the_xor_perceptron_is_described_by_what_its_curves_do():
    import numpy as np

    result = tour.perceptron_logic_gates(quick=True, seed=0)
    X, y = gn.datasets.make_xor()
    by_hand = _perceptron_by_hand(X, y, result.data["epochs"]["XOR"])
    same = [a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2] == b[2] for a, b in zip(by_hand[1:], by_hand)]
    first_repeat = next(k for k in range(len(same)) if all(same[k:])) + 1      # an epoch number, from 1
    assert result.data["xor_cycle_from"] == first_repeat
    # the figure's own curves are flat from that epoch: the caption and the text say so, not "never settle"
    caption, figure = result.figures[1]
    accuracy = figure.axes[1].get_lines()[0].get_ydata()
    assert np.all(accuracy[first_repeat - 1:] == accuracy[-1]) and accuracy[first_repeat - 2] != accuracy[-1]
    assert f"flat from epoch {first_repeat}" in caption and "never settle" not in caption
    mistakes = by_hand[-1][0]
    assert f"From epoch {first_repeat} on, every pass made the same {mistakes} mistakes" in result.text
    assert mistakes == round(4 * (1 - accuracy[-1]))


def test_circles_counts_the_hidden_units_that_vary_over_the_data():
    import numpy as np

    result = tour.circles(quick=True, seed=0)
    model = result.data["models"]["8 tanh hidden units"]
    X = result.data["X"]
    W, b = model.layers[0].params["W"], model.layers[0].params["b"]
    hidden = np.tanh(X @ W + b)                                      # the hidden layer, computed here
    ranges = hidden.max(axis=0) - hidden.min(axis=0)
    varying = [int(k) for k in np.flatnonzero(ranges > tour.UNIT_VARIES)]
    constant = [int(k) for k in np.flatnonzero(ranges <= tour.UNIT_VARIES)]
    assert result.data["varying_units"] == varying
    words = tour._number
    if constant:
        assert f"Of its eight tanh hidden units, {words(len(varying))} vary over the data" in result.text
        assert f"the other {words(len(constant))} (unit" in result.text
        assert "each draw a line" not in result.text.lower()
        caption = result.figures[1][0]
        assert tour._listed(varying) in caption and tour._listed(constant) in caption
    else:
        assert "All eight tanh hidden units vary over the data" in result.text


def test_no_project_words_in_what_a_user_reads():
    import pathlib

    source = pathlib.Path(tour.__file__).parent
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        assert "seed notebook" not in text, path
        if path.name != "neurons.py":                               # (its owner is rewording it)
            assert "the seeds'" not in text and "the seeds list" not in text, path


def test_the_vanishing_gradient_caption_reads_the_figures_bars():
    import numpy as np

    result = tour.training_problems(quick=True, seed=0)
    caption, figure = next((c, f) for c, f in result.figures if "gradient" in c)
    right = figure.axes[1]                                         # the norms at the last record, one bar a layer
    last = np.array([bar.get_y() + bar.get_height() for bar in right.patches])
    ratio = last[-1] / last[0]
    assert ratio > 100                                              # eight sigmoid layers: it does vanish
    assert f"the first layer's gradient is {tour._times(ratio)} times smaller than the last layer's" in caption
