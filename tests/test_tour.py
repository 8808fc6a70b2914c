"""The guided tour: the scenarios' findings, and the whole tour through the CLI into one self-contained report.

The story-telling scenarios run for real (quick settings, a few seconds). The whole tour runs with
``EPOCH_SCALE`` shrunk, so every scenario, table, figure and the report are exercised without the training time.
"""

import ast
import inspect
import re

import pytest

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
