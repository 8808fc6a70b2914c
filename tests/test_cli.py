"""The command line, through ``main(argv)``: its outputs, its files, and its one-line errors."""

import csv

import pytest

import glassnet as gn
from glassnet.cli import main, parse_layers


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, expected_code=None):
    assert code != 0 if expected_code is None else code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert gn.__version__ in out


def test_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("tour", "train", "explain", "report", "sweep"):
        assert command in out


def test_train_prints_summary_metrics_and_diagnosis_and_saves(capsys, tmp_path):
    path = tmp_path / "xor.safetensors"
    code, out, err = run(capsys, "train", "--data", "xor", "--layers", "4", "--activation", "tanh", "--lr", "0.05",
                         "--epochs", "150", "--batch-size", "0", "--seed", "1", "--save", str(path))
    assert code == 0, err
    assert "Total params: 17" in out
    assert "After training" in out and "accuracy" in out
    assert "Diagnosis:" in out
    assert path.is_file()
    model = gn.load_model(path)
    assert model.evaluate(*gn.datasets.make_xor(), return_dict=True)["accuracy"] == 1.0
    assert "epoch" in err                                         # the progress bar, on stderr


def test_train_with_a_held_out_split_writes_a_report(capsys, tmp_path):
    code, out, err = run(capsys, "train", "--data", "moons", "--samples", "120", "--layers", "8", "--epochs", "5",
                         "--no-progress", "--report", str(tmp_path / "rep"))
    assert code == 0, err
    assert "held-out" in out
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "Decision regions" in page


def test_train_reads_a_csv_with_named_classes(capsys, tmp_path):
    path = tmp_path / "data.csv"
    X, y = gn.datasets.make_blobs(n_samples=60, random_state=0)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "kind"])
        writer.writerows([[x0, x1, "cat" if label else "dog"] for (x0, x1), label in zip(X, y)])
    code, out, err = run(capsys, "train", "--data", str(path), "--target", "kind", "--layers", "4", "--epochs", "3",
                         "--no-progress")
    assert code == 0, err
    assert "2 classes" in out


@pytest.mark.parametrize("argv", [
    ("train", "--data", "nosuch"),
    ("train", "--data", "missing.csv"),
    ("train", "--data", "xor", "--optimizer", "adamm", "--epochs", "1"),
    ("train", "--data", "xor", "--activation", "nope", "--epochs", "1"),
    ("report", "missing.safetensors", "--data", "xor"),
], ids=["unknown-data", "missing-csv", "unknown-optimizer", "unknown-activation", "missing-model"])
def test_errors_are_one_line_with_exit_code_1(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, 1)


@pytest.mark.parametrize("argv", [
    ("sweep", "--data", "xor", "--param", "learning_rate"),
    ("sweep", "--data", "xor", "--param", "learning_rate=0.1,,0.2"),
    ("train", "--data", "xor", "--layers", "4,a"),
    ("train",),
    ("nosuchcommand",),
], ids=["param-without-values", "empty-value", "bad-layers", "missing-data", "unknown-command"])
def test_usage_errors_are_one_line_with_exit_code_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, 2)


def test_unknown_name_suggests_the_closest(capsys):
    _, _, err = run(capsys, "train", "--data", "moon")
    assert "moons" in err


def test_explain_prints_forward_backward_and_update(capsys):
    code, out, err = run(capsys, "explain")
    assert code == 0, err
    for heading in ("Forward pass", "Loss", "Backward pass", "Update"):
        assert heading in out
    assert "Dense(2, sigmoid)" in out


def test_report_on_a_model_saved_by_train(capsys, tmp_path):
    model_path = tmp_path / "moons.safetensors"
    code, _, err = run(capsys, "train", "--data", "moons", "--samples", "100", "--layers", "6", "--epochs", "5",
                       "--no-progress", "--save", str(model_path))
    assert code == 0, err
    code, out, err = run(capsys, "report", str(model_path), "--data", "moons", "--samples", "100", "--out",
                         str(tmp_path / "out"))
    assert code == 0, err
    assert "Diagnosis:" in out
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 3
    assert "moons.safetensors" in page
    code, _, err = run(capsys, "report", str(model_path), "--data", "digits")
    assert_one_line_error(code, err, 1)                            # 64 features for a 2-feature model


def test_sweep_prints_one_row_per_point_and_draws_the_heatmap(capsys, tmp_path):
    code, out, err = run(capsys, "sweep", "--data", "xor", "--param", "learning_rate=0.1,0.5",
                         "--param", "hidden=2,4x4", "--epochs", "3", "--out", str(tmp_path))
    assert code == 0, err
    lines = out.strip().splitlines()
    header = lines[0].split()
    assert header[:3] == ["learning_rate", "hidden", "n_runs"]
    rows = [line for line in lines[2:] if line.strip() and not line.startswith("Wrote")]
    assert len(rows) == 4
    assert any("4x4" in row for row in rows)
    assert (tmp_path / "heatmap.png").read_bytes().startswith(b"\x89PNG")
    with open(tmp_path / "sweep.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 4 and {"learning_rate", "hidden", "seed", "test_accuracy"} <= set(table[0])


def test_parse_layers():
    assert parse_layers("16,8") == [16, 8]
    assert parse_layers("0") == [] and parse_layers("") == []
