"""The command line, through ``main(argv)``: its outputs, its files, and its one-line errors."""

import csv

import click
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import glassnet as gn
from glassnet.cli import build_model, cli, load_data, main, parse_layers, parse_params


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
    # the progress, on stderr: a line per epoch, as stderr here is not a terminal (a terminal gets a bar)
    assert err.splitlines()[-1].startswith("Epoch 150/150 - loss: ")


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
    assert lines[0].startswith("Data: xor") and "no held-out split" in lines[0]
    header = lines[1].split()
    assert header[:3] == ["lr", "layers", "n_runs"]             # train's option names
    rows = [line for line in lines[3:] if line.strip() and not line.startswith("Wrote")]
    assert len(rows) == 4
    assert any("4x4" in row for row in rows)
    assert (tmp_path / "heatmap.png").read_bytes().startswith(b"\x89PNG")
    with open(tmp_path / "sweep.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 4 and {"lr", "layers", "seed", "test_accuracy"} <= set(table[0])
    # what the grid leaves alone is train's default, and recorded
    assert {(row["activation"], row["optimizer"]) for row in table} == {("relu", "adam")}


def test_parse_layers():
    assert parse_layers("16,8") == [16, 8]
    assert parse_layers("0") == [] and parse_layers("") == []


# --- help: every option explained, every command described whole ----------------------------------------------
def _commands():
    return sorted(cli.commands.items())


def test_every_option_of_every_command_has_help_text(capsys):
    for name, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and param.help.strip(), f"glassnet {name} {param.opts[0]} has no help"
        code, out, err = run(capsys, name, "--help")
        assert code == 0, err
        for param in command.params:
            if isinstance(param, click.Option):
                # the option's line in the help page carries its text (its first words, before any wrapping)
                line = next(line for line in out.splitlines() if param.opts[-1] in line)
                assert " ".join(param.help.split()[:2]) in " ".join(out.split()), (name, line)


@pytest.mark.parametrize("columns", ["60", "200"])
def test_the_command_list_shows_each_description_whole(capsys, monkeypatch, columns):
    """click cuts a command's description in ``glassnet --help`` to fit (45 characters by default, with "...");
    each must show whole, wrapped if need be, whatever the terminal's width."""
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = run(capsys, "--help")
    assert code == 0
    listing = " ".join(out.split("Commands:")[1].split())
    assert "..." not in listing
    for name, command in _commands():
        description = " ".join(command.help.split("\n\n")[0].split())
        assert f"{name} {description}" in listing


# --- --save, divergence -----------------------------------------------------------------------------------------
def test_save_into_a_folder_that_does_not_exist_is_an_error_and_creates_nothing(capsys, tmp_path):
    missing = tmp_path / "no" / "such"
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "2", "--no-progress",
                         "--save", str(missing / "model.safetensors"), "--report", str(tmp_path / "rep"))
    assert_one_line_error(code, err, 1)
    assert "--save" in err and "does not exist" in err
    assert list(tmp_path.iterdir()) == []                           # no folder, no model, no report
    assert out == ""                                                # refused before anything ran
    (tmp_path / "folder").mkdir()
    code, _, err = run(capsys, "train", "--data", "xor", "--epochs", "2", "--no-progress",
                       "--save", str(tmp_path / "folder"))
    assert_one_line_error(code, err, 2)                            # click's own check of the option
    assert "is a directory" in err


def test_a_run_that_diverges_exits_non_zero_with_one_line_and_saves_nothing(capsys, tmp_path):
    argv = ["--data", "sine", "--optimizer", "sgd", "--lr", "10", "--epochs", "20"]
    # the premise, from the library itself: this network diverges on these data
    dataset = load_data("sine")
    X_train, _, y_train, _ = train_test_split(dataset.X, dataset.y, test_size=0.25, random_state=0)
    model = build_model(dataset, [16, 8], "relu", "sgd", 10.0, 0)
    with pytest.warns(gn.DivergenceWarning):
        assert model.fit(X_train, y_train, epochs=20, batch_size=32, verbose=0).diverged
    path = tmp_path / "model.safetensors"
    code, out, err = run(capsys, "train", *argv, "--no-progress", "--save", str(path), "--report",
                         str(tmp_path / "rep"))
    assert_one_line_error(code, err, 1)
    assert "diverged" in err and "--lr 10" in err and "lower --lr" in err
    assert not path.exists() and not (tmp_path / "rep").exists()
    assert "After training" not in out


# --- train and sweep: the same data, options and defaults ------------------------------------------------------
_SHARED = ["data", "target", "layers", "activation", "optimizer", "lr", "epochs", "batch_size", "test_size",
           "samples"]


def test_train_and_sweep_share_their_options_names_defaults_and_help():
    options = {name: {p.name: p for p in cli.commands[name].params} for name in ("train", "sweep")}
    for name in _SHARED:
        a, b = options["train"][name], options["sweep"][name]
        assert (a.opts, a.default, a.help, a.required, str(a.type)) == (b.opts, b.default, b.help, b.required,
                                                                       str(b.type)), name


def _write_blobs_csv(path):
    X, y = gn.datasets.make_blobs(n_samples=60, random_state=0)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "kind"])
        writer.writerows([[x0, x1, "cat" if label else "dog"] for (x0, x1), label in zip(X, y)])


@pytest.mark.parametrize("source", ["iris", "csv", "digits"])
def test_sweep_reads_every_data_source_train_reads(capsys, tmp_path, source):
    data = str(tmp_path / "data.csv") if source == "csv" else source
    if source == "csv":
        _write_blobs_csv(data)
    common = ["--data", data, "--target", "kind", "--layers", "4", "--epochs", "2"]
    code, out, err = run(capsys, "train", *common, "--no-progress")
    assert code == 0, err
    data_line = out.splitlines()[0]
    code, out, err = run(capsys, "sweep", *common, "--param", "lr=0.01,0.1", "--out", str(tmp_path / "sweep"))
    assert code == 0, err
    assert out.splitlines()[0].split(",")[0] == data_line.split(",")[0]     # the same data set, described alike
    with open(tmp_path / "sweep" / "sweep.csv", newline="") as f:
        assert [row["lr"] for row in csv.DictReader(f)] == ["0.01", "0.1"]


def test_a_sweep_point_trains_the_network_train_trains(capsys, tmp_path):
    """The same command line, as train and as a one-point sweep: the sweep's held-out accuracy and loss are
    those of the model train saved, measured on train's split (the stratified split of the same seed)."""
    common = ["--data", "moons", "--samples", "120", "--layers", "6", "--epochs", "5", "--batch-size", "16"]
    path = tmp_path / "moons.safetensors"
    code, _, err = run(capsys, "train", *common, "--no-progress", "--save", str(path))
    assert code == 0, err
    code, _, err = run(capsys, "sweep", *common, "--param", "lr=0.01", "--out", str(tmp_path / "sweep"))
    assert code == 0, err
    with open(tmp_path / "sweep" / "sweep.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    dataset = load_data("moons", samples=120, seed=0)
    _, X_test, _, y_test = train_test_split(dataset.X, dataset.y, test_size=0.25, random_state=0,
                                            stratify=dataset.y)
    p = gn.load_model(path).predict(X_test)
    p1 = p[:, 0] if p.shape[1] == 1 else p[:, 1]
    assert float(row["test_accuracy"]) == np.mean((p1 > 0.5) == y_test)
    log_loss = -np.mean(y_test * np.log(p1) + (1 - y_test) * np.log(1 - p1))
    assert float(row["test_loss"]) == pytest.approx(log_loss, rel=1e-5)


def test_sweep_param_names_are_trains_and_run_sweeps_names_are_read_as_them(capsys, tmp_path):
    assert parse_params(["lr=0.1,0.01", "layers=4,16x8"]) == {"lr": [0.1, 0.01], "layers": [4, (16, 8)]}
    assert parse_params(["learning_rate=0.1", "hidden=none", "batch-size=8"]) == {
        "lr": [0.1], "layers": [()], "batch_size": [8]}
    for argv in (["--param", "lr=0.1", "--param", "learning_rate=0.2"], ["--lr", "0.1", "--param", "lr=0.2"],
                 ["--layers", "4", "--param", "layers=2"]):
        code, _, err = run(capsys, "sweep", "--data", "xor", "--epochs", "1", *argv, "--out", str(tmp_path))
        assert_one_line_error(code, err, 2)
        assert "twice" in err
    code, _, err = run(capsys, "sweep", "--data", "xor", "--param", "lr=a", "--out", str(tmp_path))
    assert_one_line_error(code, err, 2)
    assert "'lr=a'" in err                                          # the parameter as the user wrote it


def test_report_names_the_points_it_scores_and_states_its_settings(capsys, tmp_path, monkeypatch):
    import glassnet.report as report_module

    model_path = tmp_path / "moons.safetensors"
    code, _, err = run(capsys, "train", "--data", "moons", "--samples", "100", "--layers", "6", "--epochs", "5",
                       "--lr", "0.02", "--no-progress", "--save", str(model_path))
    assert code == 0, err
    written = {}
    write_report = report_module.write_report

    def keep(sections, *args, **kwargs):
        written["sections"] = list(sections)
        return write_report(written["sections"], *args, **kwargs)

    monkeypatch.setattr(report_module, "write_report", keep)
    code, _, err = run(capsys, "report", str(model_path), "--data", "moons", "--samples", "80", "--seed", "3",
                       "--out", str(tmp_path / "out"))
    assert code == 0, err
    sections = written["sections"]
    # the report scores 80 points made now with seed 3, not the training data: its figure says so
    fig = next(f for s in sections for c, f in s.figures if c.startswith("Decision regions"))
    title = fig.axes[0].get_title()
    X, y = gn.datasets.make_moons(n_samples=80, noise=0.2, random_state=3)
    accuracy = np.mean((gn.load_model(model_path).predict(X)[:, 0] > 0.5) == y)
    assert title == f"Decision boundary (moons accuracy {accuracy:.3f})"
    assert "train" not in title
    assert "train" not in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    settings = {r["setting"]: r["value"] for r in dict(sections[0].tables)["Settings"]}
    assert settings["learning rate"] == 0.02 and settings["epochs trained"] == 5
    assert settings["samples generated"] == 80 and settings["data seed"] == 3
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"glassnet {gn.__version__}" in page


def test_train_report_states_every_option(capsys, tmp_path, monkeypatch):
    import glassnet.report as report_module

    written = {}
    write_report = report_module.write_report

    def keep(sections, *args, **kwargs):
        written["sections"] = list(sections)
        return write_report(written["sections"], *args, **kwargs)

    monkeypatch.setattr(report_module, "write_report", keep)
    code, _, err = run(capsys, "train", "--data", "circles", "--samples", "120", "--layers", "5,3", "--epochs", "4",
                       "--batch-size", "16", "--lr", "0.03", "--seed", "2", "--no-progress", "--report",
                       str(tmp_path / "rep"))
    assert code == 0, err
    settings = {r["setting"]: r["value"] for r in dict(written["sections"][0].tables)["Settings"]}
    assert (settings["learning rate"], settings["epochs trained"], settings["batch size"], settings["seed"]) == \
        (0.03, 4, 16, 2)
    assert settings["optimizer"] == "Adam" and "beta_1=0.9" in settings["optimizer's other parameters"]
    assert settings["hidden layers"] == "5,3" and settings["activation"] == "relu"
    assert settings["samples generated"] == 120 and settings["held out"] == "30 samples (0.25)"


def test_sweep_figure_speaks_in_words(capsys, tmp_path, monkeypatch):
    from glassnet import plots
    from glassnet.report import REPORT_DPI

    saved = {}
    save_figure = plots.save_figure

    def keep(figure, path, dpi=100):
        saved.update(figure=figure, dpi=dpi)
        return save_figure(figure, path, dpi=dpi)

    monkeypatch.setattr(plots, "save_figure", keep)
    code, _, err = run(capsys, "sweep", "--data", "xor", "--param", "lr=0.1,0.5", "--param", "layers=2,4",
                       "--epochs", "2", "--out", str(tmp_path))
    assert code == 0, err
    heatmap, colour_bar = saved["figure"].axes
    assert (heatmap.get_xlabel(), heatmap.get_ylabel(), colour_bar.get_ylabel()) == \
        ("learning rate", "hidden layers", "test accuracy")
    assert saved["dpi"] == REPORT_DPI
    code, _, err = run(capsys, "sweep", "--data", "sine", "--samples", "40", "--param", "lr=0.01,0.1", "--seeds",
                       "2", "--epochs", "2", "--out", str(tmp_path))
    assert code == 0, err
    ax = saved["figure"].axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning rate", "test R²")
