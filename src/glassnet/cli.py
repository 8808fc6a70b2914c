"""The command line: ``glassnet tour | train | explain | report | sweep | export`` and ``glassnet --version``.

The CLI does the talking; the library stays silent. Every error is one line, ``Error: ...``, on stderr with a
non-zero exit status (1, or 2 for a command line that does not parse, click's convention), never a traceback.
Warnings the library raises while a command runs (a diverging loss, a perceptron that did not converge) are
shown the same way, as one ``Warning: ...`` line each.

Every command takes the same data: a named data set (``xor``, ``moons``, ``circles``, ``spiral``, ``digits``,
``sine``, ``iris``) or a CSV file whose target column is ``--target``. ``train`` and ``sweep`` share their
options, names and defaults (a sweep's ``--param`` names are ``train``'s option names), so a grid point trains
the network ``train`` would. A training run whose loss diverges exits with status 1 and saves nothing.
"""

from __future__ import annotations

import csv
import sys
import warnings
from pathlib import Path

import click
import numpy as np

from . import __version__

#: The data sets a command can name, with what they are.
DATASETS = {
    "xor": "the XOR truth table (4 points, 2 classes)",
    "moons": "two interleaving half circles (2 classes)",
    "circles": "a circle inside a circle (2 classes)",
    "spiral": "three interleaved spiral arms (3 classes)",
    "digits": "8x8 images of handwritten digits (64 pixels, 10 classes)",
    "sine": "y = sin(x) + 0.5 cos(2x) with noise (regression)",
    "iris": "Fisher's iris flowers (4 measurements, 3 classes)",
}

#: Data sets with fewer samples are not split: every sample is needed to train on (XOR's four points).
_MIN_SPLIT = 20

_DATA_HELP = f"A data set ({', '.join(DATASETS)}) or the path of a CSV file."
_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Command(click.Command):
    """A command whose line in ``glassnet --help`` is the first paragraph of its help, whole: click would cut
    it at the terminal's width (45 characters by default) and end it with "..."."""

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            return super().get_short_help_str(limit)
        return " ".join((self.help or "").split("\n\n")[0].split())


class _Group(click.Group):
    command_class = _Command


# The options train and sweep share, written once so that their names, defaults and help agree.
_OPTION_DATA = click.option("--data", required=True, help=_DATA_HELP)
_OPTION_TARGET = click.option(
    "--target", default="-1", show_default=True,
    help="CSV only: the target column, as an index (negative counts from the end) or a header name.")
_OPTION_LAYERS = click.option("--layers", default="16,8", show_default=True,
                              help="Hidden layer sizes, comma-separated ('' or 0 for none).")
_OPTION_ACTIVATION = click.option("--activation", default="relu", show_default=True,
                                  help="Activation of the hidden layers.")
_OPTION_OPTIMIZER = click.option("--optimizer", default="adam", show_default=True,
                                 help="sgd, adam, adamw, rmsprop or adagrad.")
_OPTION_LR = click.option("--lr", default=0.01, show_default=True, type=click.FloatRange(min=0, min_open=True),
                          help="Learning rate.")
_OPTION_EPOCHS = click.option("--epochs", default=200, show_default=True, type=click.IntRange(min=1),
                              help="Passes over the training data.")
_OPTION_BATCH_SIZE = click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=0),
                                  help="Samples per step (0: the whole training set).")
_OPTION_TEST_SIZE = click.option(
    "--test-size", default=0.25, show_default=True, type=click.FloatRange(0, 1, max_open=True),
    help=f"Fraction held out to test on (0, or a data set under {_MIN_SPLIT} samples: none, and the test "
         f"columns are measured on the training data).")
_OPTION_SAMPLES = click.option("--samples", default=600, show_default=True, type=click.IntRange(min=10),
                               help="Number of points of a generated data set (moons, circles, spiral, sine).")



def _model_options(command):
    """The options ``train`` and ``sweep`` share, in this order: the network, its training and the data split."""
    for option in reversed((_OPTION_LAYERS, _OPTION_ACTIVATION, _OPTION_OPTIMIZER, _OPTION_LR, _OPTION_EPOCHS,
                            _OPTION_BATCH_SIZE, _OPTION_TEST_SIZE, _OPTION_SAMPLES)):
        command = option(command)
    return command


@click.group(cls=_Group, context_settings=_CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="glassnet")
def cli() -> None:
    """glassnet: neural networks you can see through.

    Start with `glassnet tour`: from the perceptron's limit to multi-layer networks, every scenario printed as a
    table and drawn in one HTML report.
    """


# --------------------------------------------------------------------------------------------------------------
# tour
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@click.option("--out", "out_dir", default="glassnet-tour", show_default=True, type=click.Path(file_okay=False),
              help="Folder for report.html.")
@click.option("--quick", is_flag=True, help="Fewer epochs and smaller data: the whole tour in under a minute.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed.")
def tour(out_dir: str, quick: bool, seed: int) -> None:
    """The guided tour: perceptron to MLP, every scenario as a table and a picture."""
    from .tour import run_tour

    path = run_tour(out_dir, quick=quick, seed=seed, echo=click.echo)
    click.echo(f"\nThe report, with every figure: {path}")


# --------------------------------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@_OPTION_DATA
@_OPTION_TARGET
@_model_options
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seed of the data, the split, the initial weights and the shuffling.")
@click.option("--save", "save_path", type=click.Path(dir_okay=False),
              help="Write the trained model to this file (.safetensors), in a folder that exists.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Write DIR/report.html.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar (stderr).")
def train(data, target, layers, activation, optimizer, lr, epochs, batch_size, test_size, samples, seed,
          save_path, report_dir, progress) -> None:
    """Train an MLP on a data set; print its summary, metrics and diagnosis.

    Example: glassnet train --data moons --layers 16,8 --activation relu --optimizer adam --lr 0.01

    A run whose loss stops being finite (diverges) saves nothing and exits with status 1.
    """
    from .analysis import TrainingRecorder
    from .analysis.diagnose import diagnose, render_findings
    from .io import save_model
    from .report import model_report, text_table, write_report
    from .training import DivergenceWarning

    # where the results go is checked before any training, so that a mistyped folder costs nothing and
    # creates nothing
    _check_save_path(save_path)
    if report_dir and Path(report_dir).exists() and not Path(report_dir).is_dir():
        raise click.ClickException(f"--report {report_dir!r} is a file; give a folder")
    dataset = load_data(data, target=target, samples=samples, seed=seed)
    X_train, X_test, y_train, y_test = _split(dataset, test_size, seed)
    model = build_model(dataset, parse_layers(layers), activation, optimizer, lr, seed)
    click.echo(f"Data: {dataset.description}, {len(X_train)} training"
               + (f" and {len(X_test)} held-out samples" if X_test is not None else " samples (no held-out split)"))
    model.summary(print_fn=click.echo)
    recorder = TrainingRecorder(X=X_train[:256])
    validation = (X_test, y_test) if X_test is not None else None
    with warnings.catch_warnings(record=True) as caught:
        history = model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size or None, verbose=int(progress),
                            validation_data=validation, callbacks=[recorder], shuffle=True)
    for w in caught:  # shown as the command shows warnings, but divergence is said once, as the error below
        if not issubclass(w.category, DivergenceWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    if history.diverged:
        raise click.ClickException(
            f"training diverged: the loss stopped being finite in epoch {min(len(history.epoch) + 1, epochs)} of "
            f"{epochs} with --lr {lr:g}; lower --lr (e.g. to {lr / 10:g}) or scale the data. Nothing was saved.")
    rows = [_metrics(model, "training", X_train, y_train)]
    if X_test is not None:
        rows.append(_metrics(model, "held-out", X_test, y_test))
    click.echo("\nAfter training:\n" + text_table(rows, indent="  "))
    findings = diagnose(model, history, recorder=recorder, X=X_train, y=y_train)
    click.echo("\nDiagnosis:\n" + render_findings(findings))
    if save_path:
        click.echo(f"\nSaved the model to {save_model(model, save_path)}")
    if report_dir:
        settings = {"data": dataset.description, **_generated(data, samples, seed),
                    "held out": f"{len(X_test)} samples ({test_size:g})" if X_test is not None else "none",
                    "hidden layers": layers or "none", "activation": activation,
                    "batch size": batch_size or "the whole training set", "seed": seed}
        sections = model_report(model, X_train, y_train, history=history, recorder=recorder, X_test=X_test,
                                y_test=y_test, class_names=dataset.class_names, name=f"The network on {data}",
                                settings=settings)
        path = write_report(sections, Path(report_dir) / "report.html", title=f"glassnet: training on {data}")
        click.echo(f"Wrote the report to {path}")


def _check_save_path(save_path) -> None:
    """``--save``'s file must go into a folder that exists: a mistyped folder is an error, never created."""
    if not save_path:
        return
    folder = Path(save_path).parent    # (click refuses a folder as the file itself)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise click.ClickException(f"--save {save_path!r}: the folder {str(folder)!r} {what}; create it first, "
                                   f"or save elsewhere")


# --------------------------------------------------------------------------------------------------------------
# explain
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@click.option("--data", default="xor", show_default=True, help=_DATA_HELP)
@click.option("--target", default="-1", show_default=True, help="CSV only: the target column.")
@click.option("--layers", default="2", show_default=True, help="Hidden layer sizes, comma-separated.")
@click.option("--activation", default="sigmoid", show_default=True, help="Activation of the hidden layers.")
@click.option("--optimizer", default="sgd", show_default=True, help="The optimiser whose update is shown.")
@click.option("--lr", default=0.1, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Learning rate.")
@click.option("--batch", default=4, show_default=True, type=click.IntRange(min=1, max=64),
              help="Samples in the batch (the first ones of the data set).")
@click.option("--precision", default=4, show_default=True, type=click.IntRange(min=1, max=12),
              help="Decimals of the numbers shown.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seed of the data and the initial weights.")
def explain(data, target, layers, activation, optimizer, lr, batch, precision, seed) -> None:
    """One training step of a small network, every number shown: forward, loss, backward, update.

    By default a 2-2-1 sigmoid network on the XOR truth table, trained by plain gradient descent.
    """
    from .analysis import explain_step

    dataset = load_data(data, target=target, samples=max(batch, 10), seed=seed)
    model = build_model(dataset, parse_layers(layers), activation, optimizer, lr, seed)
    X, y = dataset.X[:batch], dataset.y[:batch]
    click.echo(explain_step(model, X, y).render(precision=precision))


# --------------------------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", required=True, help=_DATA_HELP)
@click.option("--target", default="-1", show_default=True, help="CSV only: the target column.")
@click.option("--samples", default=600, show_default=True, type=click.IntRange(min=10),
              help="Number of points of a generated data set.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of generated data.")
@click.option("--out", "out_dir", default="glassnet-report", show_default=True, type=click.Path(file_okay=False),
              help="Folder for report.html.")
def report(model_path, data, target, samples, seed, out_dir) -> None:
    """An HTML report on a saved model (from `glassnet train --save`, or any .onnx MLP) judged on a data set."""
    from .analysis.diagnose import render_findings
    from .report import model_report, write_report

    model = _load_any_model(model_path)
    dataset = load_data(data, target=target, samples=samples, seed=seed)
    if dataset.X.shape[1] != model.input_dim:
        raise ValueError(f"the data set {data!r} has {dataset.X.shape[1]} features, but the model in "
                         f"{model_path} expects {model.input_dim}")
    # the points are made (or read) here, not taken from the training run: the report says which they are
    data_name = f"{Path(data).name if Path(data).suffix else data.lower()} data"
    settings = {"model file": str(model_path), "judged on": dataset.description, **_generated(data, samples, seed)}
    sections = model_report(model, dataset.X, dataset.y, class_names=dataset.class_names,
                            name=Path(model_path).name, data_name=data_name, settings=settings)
    model.summary(print_fn=click.echo)
    click.echo(f"\n{sections[0].text}")
    click.echo("\nDiagnosis:\n" + render_findings(sections[-1].findings))
    path = write_report(sections, Path(out_dir) / "report.html", title=f"glassnet: {Path(model_path).name}")
    click.echo(f"\nWrote the report to {path}")


def _generated(data: str, samples: int, seed: int) -> dict:
    """The settings of a generated data set (its size and seed), for a report; nothing for fixed data."""
    if data.lower() in _GENERATED:
        return {"samples generated": samples, "data seed": seed}
    return {}


#: the data sets that load_data generates from --samples and --seed (the others are fixed)
_GENERATED = ("moons", "circles", "spiral", "sine")


def _load_any_model(path: str):
    """A glassnet model file, or an ONNX file of an MLP (by its suffix)."""
    if Path(path).suffix.lower() == ".onnx":
        from .interop import load_onnx

        return load_onnx(path)
    from .io import load_model

    return load_model(path)


# --------------------------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--onnx", "onnx_path", required=True, type=click.Path(dir_okay=False),
              help="The ONNX file to write (any ONNX runtime runs it).")
@click.option("--opset", default=None, type=click.IntRange(min=13),
              help="ONNX operator set to write  [default: 18]")
def export(model_path, onnx_path, opset) -> None:
    """Write a saved model (from `glassnet train --save`) as an ONNX file, to deploy it anywhere."""
    from .interop import export_onnx
    from .interop.onnx import DEFAULT_OPSET
    from .io import load_model

    model = load_model(model_path)
    path = export_onnx(model, onnx_path, opset=opset)
    click.echo(f"Wrote {path} (ONNX, opset {DEFAULT_OPSET if opset is None else opset}): input 'input' of shape "
               f"(batch, {model.input_dim}), output 'output' of shape (batch, {model.layers[-1].output_dim})")


# --------------------------------------------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@_OPTION_DATA
@_OPTION_TARGET
@click.option("--param", "params", multiple=True, required=True, metavar="NAME=V1,V2,...",
              help="A parameter and the values to try; repeat for a grid. Names: lr, layers (16, or 16x8 for two "
                   "layers, none for none), activation, optimizer, epochs, batch_size, momentum, dropout, "
                   "batch_norm, l2, initializer.")
@_model_options
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seed of a generated data set (each run's split, weights and shuffling come from --seeds).")
@click.option("--seeds", default=1, show_default=True, type=click.IntRange(min=1),
              help="Runs per grid point (seeds 0, 1, ...), each with its own split, weights and shuffling.")
@click.option("--n-jobs", default=1, show_default=True, type=int, help="Parallel runs (-1: every core).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A Dask scheduler address (e.g. tcp://host:8786) to run the sweep on a cluster.")
@click.option("--out", "out_dir", default="glassnet-sweep", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the figure and sweep.csv.")
def sweep(data, target, params, layers, activation, optimizer, lr, epochs, batch_size, test_size, samples, seed,
          seeds, n_jobs, scheduler, out_dir) -> None:
    """Train over a grid of parameters; print the table and draw it.

    Example: glassnet sweep --data moons --param lr=0.001,0.01,0.1 --param layers=4,16,64 --seeds 3

    The data and every setting the grid leaves alone are train's, with train's defaults: the same command line
    trains the same network at each grid point as `glassnet train` would.
    """
    from . import plots
    from . import sweep as sweep_module
    from ._validation import unknown_name_message
    from .report import REPORT_DPI, text_table
    from .sweep import run_sweep, summarize

    grid = parse_params(params)
    known = [_SWEEP_NAMES_SHOWN.get(name, name) for name in sweep_module.DEFAULTS] + ["epochs", "batch_size"]
    for name in grid:
        if name not in known:
            raise click.ClickException(unknown_name_message(name, "--param name", known))
    fixed = {"layers": layers, "activation": activation, "optimizer": optimizer, "lr": lr}
    ctx = click.get_current_context()
    for name in fixed:
        if name in grid and ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(f"{name} is given twice, as --{name} and as --param {name}=...; give it once",
                                   ctx=ctx)
    fixed["layers"] = _sweep_layers(parse_layers(layers))
    swept = list(grid)
    grid.update({name: [value] for name, value in fixed.items() if name not in grid})
    dataset = load_data(data, target=target, samples=samples, seed=seed)
    if len(dataset.X) < _MIN_SPLIT:
        test_size = 0.0
    n_test = int(np.ceil(len(dataset.X) * test_size))
    click.echo(f"Data: {dataset.description}, "
               + (f"{len(dataset.X) - n_test} training and {n_test} held-out samples per run" if test_size
                  else f"{len(dataset.X)} training samples (no held-out split)"))
    backend = "dask" if scheduler else "joblib"
    rows = run_sweep((dataset.X, dataset.y), {_SWEEP_NAMES.get(k, k): v for k, v in grid.items()}, seeds=seeds,
                     epochs=epochs, batch_size=batch_size or None, test_size=test_size, n_jobs=n_jobs,
                     backend=backend, scheduler=scheduler)
    rows = [{_SWEEP_NAMES_SHOWN.get(k, k): v for k, v in row.items()} for row in rows]
    score = "accuracy" if dataset.classification else "r2"
    metric = f"test_{score}"
    click.echo(text_table(summarize(rows, by=swept, metric=[score, "test_loss"])))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(rows, out / "sweep.csv")
    if len(swept) == 2:
        figure = plots.plot_sweep_heatmap(rows, swept[0], swept[1], metric)
        figure_path = out / "heatmap.png"
    else:
        figure = plots.plot_sweep(rows, swept[0], metric, hue=swept[1] if len(swept) > 1 else None)
        figure_path = out / "sweep.png"
    plots.save_figure(figure, figure_path, dpi=REPORT_DPI)  # sharp on high-resolution screens
    click.echo(f"\nWrote {figure_path} and {out / 'sweep.csv'}")
    diverged = sum(bool(row["diverged"]) for row in rows)
    if diverged:
        click.echo(f"Warning: {diverged} of {len(rows)} runs diverged (the loss stopped being finite; see the "
                   f"diverged column of {out / 'sweep.csv'}); lower their lr", err=True)


#: ``--param`` names as train's options spell them, and the names :func:`glassnet.sweep.run_sweep` knows them by
_SWEEP_NAMES = {"lr": "learning_rate", "layers": "hidden"}
_SWEEP_NAMES_SHOWN = {v: k for k, v in _SWEEP_NAMES.items()}


def _sweep_layers(sizes: list[int]):
    """``parse_layers``'s list as a sweep's ``hidden`` value: an int for one layer, a tuple for several."""
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


# --------------------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``glassnet`` console script: runs one command and returns its exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after ``glassnet``; None reads ``sys.argv``.

    Returns
    -------
    int
        0 on success, 1 for an error while running, 2 for a command line that does not parse.
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = cli.main(args=argv, prog_name="glassnet", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Error: aborted.", err=True)
        return 1
    except click.UsageError as exc:
        hint = f" (see 'glassnet {exc.ctx.info_name} --help')" if exc.ctx is not None and exc.ctx.parent else \
            " (see 'glassnet --help')"
        click.echo(f"Error: {_one_line(exc.format_message())}{hint}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Error: interrupted.", err=True)
        return 130
    except (ValueError, TypeError, OSError, RuntimeError, ArithmeticError, LookupError, ImportError) as exc:
        click.echo(f"Error: {_one_line(_describe(exc))}", err=True)
        return 1
    return code if isinstance(code, int) else 0


# --------------------------------------------------------------------------------------------------------------
# Helpers shared by the commands (public so that tests and scripts can build the same data and models)
# --------------------------------------------------------------------------------------------------------------

class Dataset:
    """Features, targets and what they are: the data a command trains or reports on.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices 0..k-1 for classification, float targets for regression.
    classification : bool
    class_names : list of str or None
        The original label of each class index (for CSV files with named classes), else None.
    description : str
    """

    def __init__(self, X, y, classification: bool, description: str, class_names=None):
        self.X, self.y = X, y
        self.classification = classification
        self.description = description
        self.class_names = class_names

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return int(self.y.max()) + 1 if self.classification else 0


def load_data(name: str, target: str = "-1", samples: int = 600, seed: int = 0) -> Dataset:
    """The data set called ``name`` (a key of :data:`DATASETS`) or read from the CSV file at ``name``.

    Parameters
    ----------
    name : str
        A data set name or a path to a CSV file.
    target : str, default="-1"
        For a CSV file, the target column: an integer index or a header name.
    samples : int, default=600
        Size of a generated data set.
    seed : int, default=0
        Seed of a generated data set.

    Returns
    -------
    Dataset
    """
    from . import datasets

    key = name.lower()
    makers = {
        "xor": lambda: datasets.make_xor(),
        "moons": lambda: datasets.make_moons(n_samples=samples, noise=0.2, random_state=seed),
        "circles": lambda: datasets.make_circles(n_samples=samples, noise=0.1, factor=0.5, random_state=seed),
        "spiral": lambda: datasets.make_spiral(n_samples=samples, n_classes=3, noise=0.2, random_state=seed),
        "digits": lambda: datasets.load_digits(),
        "sine": lambda: datasets.make_sine(n_samples=samples, noise=0.1, random_state=seed),
        "iris": lambda: datasets.load_iris(),
    }
    if key in makers:
        X, y = makers[key]()
        return Dataset(X, y, key != "sine", f"{key}: {DATASETS[key]}")
    path = Path(name)
    if not path.suffix and not path.exists():
        from ._validation import unknown_name_message

        raise ValueError(unknown_name_message(name, "data set", DATASETS) + " Or give the path of a CSV file.")
    if not path.is_file():
        raise FileNotFoundError(f"no data file at {name!r} (data sets are {', '.join(DATASETS)})")
    column: int | str = int(target) if _is_int(target) else target
    X, y = datasets.load_csv(path, target=column)
    if y.dtype.kind == "f":
        return Dataset(X, y, False, f"{path.name}: {len(X)} rows, {X.shape[1]} features, regression")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{path}: the target column has a single class ({classes[0].item()!r}); nothing to learn")
    names = [str(c) for c in classes] if y.dtype.kind not in "iu" or classes[0] != 0 or \
        classes[-1] != len(classes) - 1 else None
    return Dataset(X, codes.astype(np.int64), True,
                   f"{path.name}: {len(X)} rows, {X.shape[1]} features, {len(classes)} classes", names)


def build_model(dataset: Dataset, hidden: list[int], activation: str, optimizer: str, lr: float, seed: int):
    """A compiled MLP for ``dataset``: :func:`glassnet.builders.mlp` with the task the data set asks for.

    Two classes get one sigmoid unit and binary cross-entropy, more classes a softmax and categorical
    cross-entropy (both reporting accuracy), regression one linear unit and the mean squared error (reporting R²).

    Parameters
    ----------
    dataset : Dataset
    hidden : list of int
        Units of each hidden layer.
    activation : str
        Activation name of the hidden layers.
    optimizer : str
        Optimiser name (``glassnet.optimizers``).
    lr : float
        Learning rate.
    seed : int
        Seed of the initial weights and the shuffling.

    Returns
    -------
    Sequential
    """
    from .builders import mlp

    task = "classification" if dataset.classification else "regression"
    return mlp(dataset.X.shape[1], hidden, task, n_outputs=dataset.n_classes or None, activation=activation,
               optimizer=optimizer, learning_rate=lr, seed=seed)


def parse_layers(text: str) -> list[int]:
    """Hidden layer sizes from ``"16,8"`` (``""`` or ``"0"``: no hidden layer); a usage error otherwise.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of int
    """
    text = text.strip()
    if text in ("", "0"):
        return []
    sizes = []
    for part in text.replace("x", ",").split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise click.BadParameter(f"layer sizes must be positive integers separated by commas, like 16,8; "
                                     f"received {text!r}", ctx=_context(), param_hint="--layers")
        sizes.append(int(part))
    return sizes


def parse_params(params) -> dict[str, list]:
    """The sweep grid from ``("lr=0.001,0.01", "layers=4,16x8")``, read by :func:`glassnet.sweep.parse_grid`.

    Names are train's option names (``lr``, ``layers``, ``batch_size``, ...); run_sweep's own ``learning_rate``
    and ``hidden`` are read as ``lr`` and ``layers``. A malformed or repeated parameter is a usage error naming
    ``--param``.

    Parameters
    ----------
    params : sequence of str

    Returns
    -------
    dict of str to list
        Keyed by train's option names, e.g. ``{"lr": [0.001, 0.01], "layers": [4, (16, 8)]}``.
    """
    from .sweep import parse_grid

    grid: dict[str, list] = {}
    for spec in params:
        name, equals, values = spec.partition("=")
        typed = name.strip().replace("-", "_")
        key = _SWEEP_NAMES_SHOWN.get(typed, typed)
        if equals and key in grid:
            raise click.BadParameter(f"parameter {key!r} is given twice ({spec!r}); list all its values once: "
                                     f"{key}=a,b,c", ctx=_context(), param_hint="--param")
        # parse_grid types the values by run_sweep's name of the parameter
        canonical = _SWEEP_NAMES.get(typed, typed)
        rewritten = f"{canonical}={values}" if equals and canonical != typed else spec
        try:
            parsed = parse_grid([rewritten])
        except ValueError as exc:
            message = str(exc).replace(repr(rewritten), repr(spec)).replace(repr(canonical), repr(typed))
            raise click.BadParameter(message, ctx=_context(), param_hint="--param") from None
        grid[key] = next(iter(parsed.values()))
    return grid


def _split(dataset: Dataset, test_size: float, seed: int):
    if test_size == 0 or len(dataset.X) < _MIN_SPLIT:
        return dataset.X, None, dataset.y, None
    from sklearn.model_selection import train_test_split

    stratify = dataset.y if dataset.classification else None
    return train_test_split(dataset.X, dataset.y, test_size=test_size, random_state=seed, stratify=stratify)


def _metrics(model, label: str, X, y) -> dict:
    row = {"data": label, "samples": len(X)}
    row.update(model.evaluate(X, y, return_dict=True))
    return row


def _write_csv(rows: list[dict], path: Path) -> None:
    import io

    from .report import format_value, write_text

    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    lines = [columns] + [[_csv_cell(row.get(c), format_value) for c in columns] for row in rows]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    write_text(path, buffer.getvalue())


def _csv_cell(value, format_value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return format_value(value)
    return str(value)


def _context():
    return click.get_current_context(silent=True)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, FileNotFoundError) and exc.filename and not text.startswith("no "):
        return f"no such file: {exc.filename}"
    if isinstance(exc, KeyError):
        return f"missing key {text}"
    return text or type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"Warning: {_one_line(str(message))}", err=True)


# --------------------------------------------------------------------------------------------------------------
# playground
# --------------------------------------------------------------------------------------------------------------

@cli.command(context_settings=_CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 makes the page reachable from other machines.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
def playground(host: str, port: int, no_browser: bool) -> None:
    """Train a network in the browser and watch it learn: a local web page, with the glass switched on."""
    try:
        from .playground.server import serve
    except ImportError as exc:
        raise click.ClickException(f"the playground needs the 'playground' extra ({exc.name} is missing): "
                                   f"pip install 'glassnet[playground]'") from None
    serve(host=host, port=port, open_browser=not no_browser, echo=lambda text: click.echo(text, err=True))


if __name__ == "__main__":
    sys.exit(main())
