"""Pictures of networks, training runs and experiments, drawn with matplotlib.

Every function returns a :class:`matplotlib.figure.Figure` and never shows it, prints or touches pyplot's global
state: figures are built directly on the Agg canvas, so they are safe to make from several threads and work on a
machine without a display. Turn one into PNG bytes with :func:`figure_to_png_bytes` (the HTML report embeds
those) or write it with :func:`save_figure`.

Sorted from the simplest picture to the most involved: training curves (one run's, or several runs overlaid),
activation functions, weights, gradient flow and the spread of activations layer by layer, a data set of two
features on its own, decision boundaries (one model's or several side by side) and hidden-unit maps, a
regression's fitted curve, 2-D codes, images with their reconstructions or predicted classes, then the tables of
experiments (confusion matrix, sweeps, noise robustness, comparison bars).

Colours are fixed, so a picture reads the same everywhere and a test can map colours back to values: a binary
classifier's class-1 probability is drawn with :data:`BINARY_CMAP`, classes of a multiclass problem with
:data:`CLASS_COLORS`, and decision regions are filled opaquely with those colours mixed with white, as if drawn
at opacity :data:`REGION_ALPHA` on white: ``REGION_ALPHA * colour + (1 - REGION_ALPHA)``.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from . import activations as activations_module
from . import metrics as metrics_module
from ._validation import check_array, check_bool, check_int
from .analysis._adapt import as_network, is_estimator, is_perceptron
from .analysis.neurons import hidden_activations, hidden_layer_indices
from .analysis.recorder import TrainingRecorder
from .analysis.sensitivity import decision_boundary_grid
from .callbacks import History
from .layers import Dense
from .model import Sequential

__all__ = [
    "BINARY_CMAP",
    "GlassFigure",
    "CLASS_COLORS",
    "DEFAULT_ACTIVATIONS",
    "REGION_ALPHA",
    "UNIT_CMAP",
    "figure_to_png_bytes",
    "plot_activation_functions",
    "plot_activation_spread",
    "plot_comparison_bars",
    "plot_confusion_matrix",
    "plot_dataset",
    "plot_decision_boundaries",
    "plot_decision_boundary",
    "plot_embedding",
    "plot_function_fit",
    "plot_gradient_flow",
    "plot_hidden_neuron_maps",
    "plot_histories",
    "plot_image_predictions",
    "plot_noise_robustness",
    "plot_reconstructions",
    "plot_sweep",
    "plot_sweep_heatmap",
    "plot_training_curves",
    "plot_weight_histograms",
    "save_figure",
]

#: colormap of a binary classifier's class-1 probability (blue = class 0, white = 0.5, red = class 1)
BINARY_CMAP = "RdBu_r"
#: colours of the classes of a multiclass problem, in class-index order (matplotlib's tab10)
CLASS_COLORS = tuple(matplotlib.colormaps["tab10"].colors)
#: how strongly decision regions show their colour: ``REGION_ALPHA * colour + (1 - REGION_ALPHA) * white``
REGION_ALPHA = 0.5
#: colormap of hidden units' outputs in :func:`plot_hidden_neuron_maps` (diverging, unlike the class colours)
UNIT_CMAP = "PuOr_r"
#: the activations :func:`plot_activation_functions` draws by default (softmax is not elementwise)
DEFAULT_ACTIVATIONS = ("step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus",
                       "swish", "gelu")
#: the margin around the data in decision-boundary and hidden-unit pictures, as a fraction of the larger span
PADDING_FRACTION = 0.15
#: history keys that are not metrics: left out of the default panels of :func:`plot_training_curves`
_NOT_METRICS = ("loss", "lr", "learning_rate", "epoch")


# ----------------------------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------------------------

def figure_to_png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """Render a figure to PNG, in memory.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from any ``plot_*`` function here.
    dpi : int, default=100
        Pixels per inch; the image is ``fig.get_size_inches() * dpi`` pixels (no cropping).

    Returns
    -------
    bytes
        The PNG file's bytes (``base64.b64encode`` them for an HTML ``<img>``).
    """
    _check_figure(fig)
    dpi = check_int(dpi, "dpi", minimum=10, maximum=1200)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Write a figure to a file atomically: a reader never sees a half-written image.

    The image goes to a temporary file in the same folder, which then replaces ``path`` in one step
    (``os.replace``), so an interrupted run leaves either the old file or the new one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or path-like
        Where to write; the suffix picks the format (``.png``, ``.svg``, ``.pdf``; no suffix means PNG). The
        folder must exist.
    dpi : int, default=100
        Pixels per inch for raster formats.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    _check_figure(fig)
    dpi = check_int(dpi, "dpi", minimum=10, maximum=1200)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, received {type(path).__name__}")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder of path does not exist: {str(path.parent)!r}")
    fmt = path.suffix[1:].lower() or "png"
    # a unique name in the same folder (so os.replace is a rename, not a copy); os.open with mode 0o666 lets the
    # umask decide the permissions, as for any new file (tempfile.mkstemp would make it private, 0o600)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            fig.savefig(stream, format=fmt, dpi=dpi)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


# ----------------------------------------------------------------------------------------------------------------
# Training curves
# ----------------------------------------------------------------------------------------------------------------

def plot_training_curves(history, metrics: str | Sequence[str] | None = None) -> Figure:
    """The loss and each metric per epoch, training and validation side by side.

    Parameters
    ----------
    history : History, dict of str to list, Sequential, or fitted estimator
        A :class:`~glassnet.callbacks.History` (what ``fit`` returns), its ``history`` dict (Keras's
        convention: ``"loss"``, ``"accuracy"``, ``"val_loss"``, ...), a fitted ``Sequential`` (its last
        ``fit``'s history), an MLP estimator (its ``history_``, or ``loss_curve_`` for lbfgs) or a
        :class:`~glassnet.Perceptron` (its ``training_history_``; per-class values of a one-vs-rest problem are
        averaged).
    metrics : str or list of str, default=None
        The metrics to draw, one panel each, e.g. ``["accuracy"]``. A metric is drawn if the history holds it or
        its ``val_`` counterpart. None draws every metric in the history except the learning rate (ask for
        ``"lr"`` to see it).

    Returns
    -------
    matplotlib.figure.Figure
        One panel for the loss (training and, when recorded, validation; a log scale when it falls by more
        than a factor of 100), then one per metric, each titled in words (``lr`` is "learning rate", ``auc``
        "ROC AUC"). The lowest validation loss is marked. A Perceptron's panels say "during each pass": its
        loss and accuracy are counted as the pass visits each point, while the line still moves.
    """
    curves, epochs = _history_curves(history)
    # a perceptron's loss and accuracy are counted while the pass visits the points, not for its final line
    during_pass = " during each pass" if is_perceptron(history) else ""
    if metrics is None:
        names = []
        for key in curves:
            base = key[4:] if key.startswith("val_") else key
            if base not in _NOT_METRICS and base not in names:
                names.append(base)
    else:
        names = _metric_names(metrics, curves)
    panels = (["loss"] if "loss" in curves or "val_loss" in curves else []) + names
    if not panels:
        raise ValueError(f"history has nothing to draw: no loss and no metrics; its keys are {list(curves)}")
    ncols = min(len(panels), 3)
    nrows = math.ceil(len(panels) / ncols)
    fig = _figure((4.3 * ncols, 3.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, panels):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if key in curves:
                values = curves[key]
                ax.plot(_epoch_axis(epochs, len(values)), values, style, linewidth=1.8, label=label)
        if name == "loss":
            _loss_scale(ax, curves)
            _mark_best(ax, curves.get("val_loss"), epochs)
        ax.set_title(_words(name) + during_pass)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="best")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    return fig


def plot_histories(histories, labels=None, metric: str = "loss", logy: bool = False, ax=None, *,
                   relative: bool = False, title: str | None = None) -> Figure:
    """One metric of several training runs, overlaid: which learning rate, activation or setup learns fastest.

    Parameters
    ----------
    histories : list or dict of str to history-like
        The runs: anything :func:`plot_training_curves` takes (a History, its ``history`` dict, a fitted
        Sequential or estimator), a list of numbers, the metric's value at each epoch (an experiment row's
        ``loss_curve``), or the rows a ``compare_*`` experiment returned (each keeps its run's History). A dict
        names each run by its key.
    labels : list of str, default=None
        The legend's name of each run; None takes the dict's keys, the experiment rows' labels (with the seed
        where there are several), or numbers the runs.
    metric : str, default="loss"
        The history key to draw (``"loss"``, ``"val_loss"``, ``"accuracy"``, ...); ignored for plain lists.
    logy : bool, default=False
        A logarithmic y axis, for losses that fall by orders of magnitude.
    ax : matplotlib.axes.Axes, default=None
        Draw into this axes (of a figure you made) instead of a new figure.
    relative : bool, default=False
        Divide each curve by its first value, so runs that start from different losses compare by how far
        each has come.
    title : str, default=None
        The panel's title.

    Returns
    -------
    matplotlib.figure.Figure
        One line per run against the epoch. With more than six runs, the sixth and later are dashed (then
        dotted), so that lines of similar colour stay apart, and the legend stands beside the panel rather than
        on the curves.
    """
    histories, labels = _experiment_runs(histories, labels)
    runs = _named_runs(histories, labels, "histories")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a history key (str), received metric={metric!r}")
    curves = []
    for name, run in runs:
        curve = _run_curve(run, metric, name)
        if relative:
            first = curve[0]
            if not np.isfinite(first) or first == 0:
                raise ValueError(f"relative=True divides by the first value, but run {name!r} starts at "
                                 f"{float(first):g}")
            curve = curve / first
        curves.append((name, curve))
    own_figure = ax is None
    many = len(curves) > 6
    fig = _figure((8.6 if many else 7.0, 4.2)) if own_figure else _axes_figure(ax)
    if own_figure:
        ax = fig.add_subplot()
    for k, (name, curve) in enumerate(curves):
        style = ("-", "--", ":", "-.")[(k // 5) % 4] if many else "-"
        ax.plot(np.arange(1, len(curve) + 1), curve, style, color=f"C{k % 10}", linewidth=1.6, label=name)
    if logy:
        ax.set_yscale("log")
    described = _metric_words(metric)
    ax.set_ylabel(f"{described} / its first value" if relative else described)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title is not None:
        ax.set_title(str(title), fontsize=10)
    ax.grid(True, alpha=0.3)
    if many and own_figure:  # many runs fill the panel: the legend goes beside it, off the curves
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize="x-small" if many else "small", ncol=2 if many else 1, loc="best")
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Activation functions
# ----------------------------------------------------------------------------------------------------------------

def plot_activation_functions(names=None, z=None) -> Figure:
    """Each activation function and its derivative, as small multiples.

    The derivative is what the library computes in backpropagation: the activation's own
    ``backward(grad=1, z, a)``, not a formula written again here.

    Parameters
    ----------
    names : str, Activation, or list of them, default=None
        Activation names (aliases such as ``"logistic"`` work) or instances. None draws
        :data:`DEFAULT_ACTIVATIONS`. Softmax is refused: it maps a vector to a vector, so it has no curve.
    z : array-like of shape (n_points,), default=None
        The pre-activation values to draw over; None is 401 points on [-5, 5].

    Returns
    -------
    matplotlib.figure.Figure
        One panel per activation: ``f(z)`` solid, ``f'(z)`` dashed. The step's derivative is zero wherever
        it is defined, which is why the perceptron cannot be trained by backpropagation.
    """
    if names is None:
        names = DEFAULT_ACTIVATIONS
    elif isinstance(names, (str, activations_module.Activation)):
        names = [names]
    if not isinstance(names, Sequence) or not names:
        raise ValueError(f"names must be an activation name or a non-empty list of them, received {names!r}")
    functions = [activations_module.get(name) for name in names]
    for function in functions:
        if function.name == "softmax":
            raise ValueError("names includes 'softmax', which maps a vector to a vector and has no curve to draw; "
                             "its elementwise cousin is 'sigmoid'")
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.sort(check_array(z, "z", ndim=1, min_samples=2))
    ncols = min(len(functions), 4)
    nrows = math.ceil(len(functions) / ncols)
    fig = _figure((3.0 * ncols, 2.5 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, function in zip(axes, functions):
        with np.errstate(over="ignore", under="ignore"):
            a = function.forward(z.copy())
            derivative = function.backward(np.ones_like(z), z.copy(), a)
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.plot(z, a, linewidth=2, color="C0", label="f(z)")
        ax.plot(z, derivative, "--", linewidth=1.6, color="C3", label="f'(z) (backward)")
        ax.set_title(function.name)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small", loc="upper left")
    for ax in axes[len(functions):]:
        ax.set_visible(False)
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Weights and gradients
# ----------------------------------------------------------------------------------------------------------------

def plot_weight_histograms(model) -> Figure:
    """The distribution of the weights and biases of each Dense layer.

    Parameters
    ----------
    model : Sequential or fitted MLPClassifier/MLPRegressor
        A built network (or an estimator's ``model_``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per Dense layer: a histogram of ``W`` and one of ``b``, with their mean and standard
        deviation. Weights collapsing to zero or growing without bound show up here first.
    """
    network = as_network(model)
    dense = [(i, layer) for i, layer in enumerate(network.layers) if isinstance(layer, Dense)]
    if not dense:
        raise ValueError("model has no Dense layer, so there are no weights to draw")
    ncols = min(len(dense), 3)
    nrows = math.ceil(len(dense) / ncols)
    fig = _figure((4.0 * ncols, 3.0 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (i, layer) in zip(axes, dense):
        W = layer.params["W"].astype(np.float64).ravel()
        b = layer.params["b"].astype(np.float64).ravel()
        both = np.concatenate([W, b])
        low, high = float(both.min()), float(both.max())
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        bins = np.linspace(low, high, int(np.clip(np.sqrt(both.size) * 2, 10, 40)) + 1)
        ax.hist(W, bins=bins, color="C0", alpha=0.75, label=f"W ({W.size}): mean {W.mean():+.2g}, std {W.std():.2g}")
        ax.hist(b, bins=bins, color="C1", alpha=0.75, label=f"b ({b.size}): mean {b.mean():+.2g}, std {b.std():.2g}")
        ax.set_title(f"layer {i}: Dense({layer.activation.name}) {layer.input_dim}→{layer.units}", fontsize=10)
        ax.set_xlabel("value")
        ax.set_ylabel("count")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small", loc="upper left")
        ax.margins(y=0.25)
    for ax in axes[len(dense):]:
        ax.set_visible(False)
    return fig


def plot_gradient_flow(recorder: TrainingRecorder) -> Figure:
    """How large each layer's weight gradient is over training: vanishing and exploding gradients at a glance.

    Parameters
    ----------
    recorder : TrainingRecorder
        A recorder that was passed to ``fit(callbacks=[recorder])`` (its ``grad_norm`` series are drawn).

    Returns
    -------
    matplotlib.figure.Figure
        Left: ``||dL/dW||`` of every layer with weights over the records (epochs, or training steps when the
        recorder records every few batches), on a log scale, coloured from the input (dark) to the output
        (light). Right: the same norms at the last record, layer by layer. A gradient that shrinks by orders of
        magnitude towards the input is the vanishing-gradient problem of deep sigmoid networks.
    """
    if not isinstance(recorder, TrainingRecorder):
        raise TypeError(f"recorder must be a glassnet.analysis.TrainingRecorder, received {type(recorder).__name__}")
    if not recorder.records:
        raise ValueError("recorder has no records; pass it to fit(..., callbacks=[recorder]) first")
    names = recorder.layer_names()
    series = [(i, names[i], recorder.series("grad_norm", i)) for i in range(len(names))]
    series = [(i, name, values) for i, name, values in series if np.isfinite(values).any()]
    if not series:
        raise ValueError("recorder holds no gradient norms: the model has no layer with weights")
    batch = recorder.series("batch")
    if np.isfinite(batch).any():
        x, xlabel = recorder.series("step"), "training step"
    else:
        x, xlabel = recorder.series("epoch") + 1, "epoch"
    fig = _figure((10.0, 3.8))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, len(series)))
    for colour, (i, name, values) in zip(colours, series):
        shown = np.where(values > 0, values, np.nan)
        left.plot(x, shown, color=colour, linewidth=1.8, label=f"{i}: {name}")
    left.set_yscale("log")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel(xlabel)
    left.set_ylabel("gradient norm ||dL/dW||")
    left.set_title("gradient norm per layer")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize="x-small", ncol=2 if len(series) > 4 else 1)
    last = np.array([_last_finite(values) for _, _, values in series])
    positions = np.arange(len(series))
    shown_last = np.where(last > 0, last, np.nan)
    right.set_yscale("log")
    # log-scale bars need a floor below the smallest one, or they all look alike
    floor = 10.0 ** math.floor(math.log10(np.nanmin(shown_last))) if np.isfinite(shown_last).any() else 1e-12
    right.bar(positions, shown_last - floor, bottom=floor, color=colours)
    right.set_ylim(bottom=floor)
    right.set_xticks(positions, [str(i) for i, _, _ in series])
    right.set_xlabel("layer (input → output)")
    right.set_title("at the last record")
    right.grid(True, axis="y", which="both", alpha=0.3)
    return fig


def plot_activation_spread(models, X, labels=None, logy: bool = True, title: str | None = None) -> Figure:
    """How far each hidden layer's outputs spread, layer after layer: a signal that vanishes, explodes or holds.

    The picture behind weight initialisation: with weights too small the spread shrinks from layer to layer,
    too large and saturating units pin it at their limits; a good initialiser keeps it steady.

    Parameters
    ----------
    models : list or dict of str to model
        Sequentials or fitted MLP estimators, each with at least one hidden layer; a dict names each by its key.
    X : array-like of shape (n_samples, n_features)
        The inputs sent through every network (in inference mode, as ``predict`` runs).
    labels : list of str, default=None
        The legend's name of each network; None takes the dict's keys, or numbers the networks.
    logy : bool, default=True
        A logarithmic y axis (spreads often differ by orders of magnitude).
    title : str, default=None
        The panel's title.

    Returns
    -------
    matplotlib.figure.Figure
        One line per network: the standard deviation of each hidden layer's outputs (over samples and units,
        as :func:`glassnet.analysis.hidden_activations` returns them) against the layer's position.
    """
    runs = _named_runs(models, labels, "models")
    fig = _figure((7.0, 4.2))
    ax = fig.add_subplot()
    deepest = 0
    for k, (name, model) in enumerate(runs):
        outputs = hidden_activations(model, X)
        if not outputs:
            raise ValueError(f"model {name!r} has no hidden layer, so there is no spread to follow")
        spread = [float(np.std(a.astype(np.float64))) for a in outputs]
        deepest = max(deepest, len(spread))
        ax.plot(np.arange(1, len(spread) + 1), spread, "o-", color=f"C{k % 10}", linewidth=1.6, markersize=4,
                label=name)
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, deepest + 0.5)
    ax.set_xlabel("hidden layer (input → output)")
    ax.set_ylabel("spread of its outputs (standard deviation)")
    if title is not None:
        ax.set_title(str(title), fontsize=10)
    ax.grid(True, which="both" if logy else "major", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


# ----------------------------------------------------------------------------------------------------------------
# The input plane: decision boundaries and hidden units
# ----------------------------------------------------------------------------------------------------------------

def plot_dataset(X, y, *, class_names=None, axis_labels: tuple[str, str] = ("first feature", "second feature"),
                 legend_title: str = "class", title: str | None = None, ax=None) -> Figure:
    """A data set of two features on its own: each sample a dot in the plane, coloured by its class.

    The picture to look at before training: can a straight line separate the classes, or does it take a curve?
    The classes are coloured as :func:`plot_decision_boundary` colours them, so the data set and a model's
    regions read the same.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The samples' two features.
    y : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        Each sample's class: any labels (sorted, then coloured in that order), or one-hot rows (read by argmax).
    class_names : list of str or dict, default=None
        The legend's name for each class: a list in the sorted order of the labels, or a dict from label to
        name. None writes the labels themselves.
    axis_labels : (str, str), default=("first feature", "second feature")
        What the two axes are, in the reader's words (``("petal length (cm)", "petal width (cm)")``).
    legend_title : str, default="class"
        What the classes are.
    title : str, default=None
        The title; None says how many samples and classes there are.
    ax : matplotlib.axes.Axes, default=None
        Draw into this axes (of a figure you made) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One scatter per class, in sorted label order, of circles with black edges: :data:`BINARY_CMAP` at 0.15
        and 0.85 for two classes, :data:`CLASS_COLORS` for up to ten, then colours spread over ``turbo``. The
        legend stands outside the axes, to the right, so that it hides no sample.
    """
    X = _check_plane(X, "X")
    classes, index = _dataset_classes(y, len(X))
    names = _class_names(class_names, classes)
    xlabel, ylabel = _two_names(axis_labels, "axis_labels")
    if not isinstance(legend_title, str):
        raise TypeError(f"legend_title must be a str, received {type(legend_title).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, received {type(title).__name__}")
    own_figure = ax is None
    fig = _figure((6.8, 5.0)) if own_figure else _axes_figure(ax)
    if own_figure:
        ax = fig.add_subplot()
    colours = _class_colors(len(classes))
    size = 36 if len(X) <= 300 else 14
    for k, name in enumerate(names):
        members = X[index == k]
        ax.scatter(members[:, 0], members[:, 1], color=colours[k], marker="o", s=size, edgecolors="k",
                   linewidths=0.6, label=name, zorder=3)
    ax.margins(0.08)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is None:
        title = (f"{len(X)} sample{'s' if len(X) != 1 else ''} in {len(classes)} "
                 f"class{'es' if len(classes) != 1 else ''}")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(title=legend_title, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig


def plot_decision_boundary(model, X, y, X_test=None, y_test=None, resolution: int = 200, ax=None, *,
                           names: tuple[str, str] = ("train", "test")) -> Figure:
    """A 2-D classifier's decision regions with the data on top.

    Parameters
    ----------
    model : Sequential, fitted MLPClassifier, or fitted Perceptron
        A classifier of two input features. A Sequential's outputs are read as
        :func:`glassnet.metrics.accuracy` reads them (one output: class 1 where it is ``> 0.5``; several: the
        argmax).
    X : array-like of shape (n_samples, 2)
        Training inputs, drawn as circles filled with their class's colour.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Their labels: the estimator's labels, or for a Sequential integer class indices or one-hot rows.
    X_test, y_test : array-like, default=None
        Test inputs and labels (give both or neither), drawn as larger triangles, also filled with their class's
        colour.
    resolution : int, default=200
        Grid points along each axis.
    ax : matplotlib.axes.Axes, default=None
        Draw into this axes (of a figure you made) instead of a new figure.
    names : (str, str), default=("train", "test")
        What the two sets of points are, for the legend and the title (e.g. ``("training", "held-out")``, or
        ``("moons",)`` for points that are neither).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes. A binary classifier with probabilities shows its class-1 probability as
        filled contours (:data:`BINARY_CMAP`, 20 bands) with the 0.5 boundary as a black line; otherwise
        (several classes, or a step perceptron) each predicted class's region is filled with its colour
        (:data:`CLASS_COLORS`; :data:`BINARY_CMAP` at 0.15 and 0.85 for two classes). Regions are drawn at
        opacity :data:`REGION_ALPHA` on white. A Perceptron's boundary line ``w1 x1 + w2 x2 + b = 0`` is drawn too
        (one per class for one-vs-rest). The title gives the accuracy on each set of points, by its name. In a
        figure of its own the legend stands beside the panel, off the data; in a given ``ax``, in the emptiest
        corner.
    """
    X = _check_plane(X, "X")
    classes, y_index = _class_indices(model, y, len(X), "y")
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is not None:
        X_test = _check_plane(X_test, "X_test")
        _, test_index = _class_indices(model, y_test, len(X_test), "y_test")
    resolution = check_int(resolution, "resolution", minimum=2, maximum=4096)
    train_name, test_name = _point_names(names)
    own_figure = ax is None
    fig = _figure((7.2, 5.0)) if own_figure else _axes_figure(ax)
    data = X if X_test is None else np.vstack([X, X_test])
    grid = decision_boundary_grid(model, data, resolution=resolution, padding=_padding(data))
    xx, yy = grid["xx"], grid["yy"]
    n_classes = len(classes)
    colours = _class_colors(n_classes)
    if own_figure:
        ax = fig.add_subplot()
    probabilities = grid["probabilities"]
    if n_classes == 2 and probabilities is not None and probabilities.ndim == 2:
        p = np.clip(probabilities.astype(np.float64), 0.0, 1.0)
        filled = ax.contourf(xx, yy, p, levels=np.linspace(0.0, 1.0, 21), cmap=_region_cmap(), vmin=0.0, vmax=1.0)
        if p.min() < 0.5 < p.max():
            ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.5)
        if own_figure:
            fig.colorbar(filled, ax=ax, label=f"P({_label_text(classes[1])})", ticks=np.linspace(0, 1, 6))
    else:
        predicted = _grid_class_index(model, grid["predictions"], classes)
        ax.contourf(xx, yy, predicted, levels=np.arange(n_classes + 1) - 0.5, colors=[_lighten(c) for c in colours])
    ax.set_xlim(xx[0, 0], xx[0, -1])
    ax.set_ylim(yy[0, 0], yy[-1, 0])
    ax.set_autoscale_on(False)
    if is_perceptron(model):
        _draw_perceptron_lines(ax, model, colours)
    size = 36 if len(X) <= 300 else 14
    ax.scatter(X[:, 0], X[:, 1], c=[colours[i] for i in y_index], marker="o", s=size, edgecolors="k",
               linewidths=0.6, zorder=3)
    title = f"{train_name} accuracy {np.mean(_predict_index(model, X, classes) == y_index):.3f}"
    if X_test is not None:
        ax.scatter(X_test[:, 0], X_test[:, 1], c=[colours[i] for i in test_index], marker="^", s=size * 1.6,
                   edgecolors="k", linewidths=0.9, zorder=4)
        title += f", {test_name} accuracy {np.mean(_predict_index(model, X_test, classes) == test_index):.3f}"
    handles = [Line2D([], [], marker="s", linestyle="", markersize=9, markerfacecolor=colours[k],
                      markeredgecolor="k", label=_label_text(classes[k])) for k in range(n_classes)]
    handles.append(Line2D([], [], marker="o", linestyle="", color="0.4", label=train_name))
    if X_test is not None:
        handles.append(Line2D([], [], marker="^", linestyle="", color="0.4", label=test_name))
    if own_figure:
        ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0)
    else:
        # "best" searches for the emptiest corner, which is slow with thousands of points
        ax.legend(handles=handles, fontsize="small", loc="best" if len(data) <= 2000 else "upper right",
                  framealpha=0.8)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(f"Decision boundary ({title})", fontsize=10)
    return fig


def plot_decision_boundaries(models, X, y, X_test=None, y_test=None, labels=None, ncols: int = 3,
                             resolution: int = 200, legend: bool = True, *,
                             names: tuple[str, str] = ("train", "test")) -> Figure:
    """Several 2-D classifiers' decision regions side by side, each drawn as :func:`plot_decision_boundary`.

    Parameters
    ----------
    models : list or dict of str to model
        The classifiers (Sequential, fitted MLPClassifier or fitted Perceptron); a dict's keys become the
        panels' titles.
    X : array-like of shape (n_samples, 2)
        Training inputs, shared by every panel.
    y : array-like, or dict of str to array-like
        Their labels, shared by every panel; or, when ``models`` is a dict, a dict with the same keys giving
        each panel its own labels of the same points (the truth tables of several logic gates, say).
    X_test, y_test : array-like, default=None
        Test inputs and labels, shared by every panel (give both or neither).
    labels : list of str, default=None
        The panels' titles; None takes the dict's keys, or leaves each panel's own title (its accuracies).
    ncols : int, default=3
        Panels per row.
    resolution : int, default=200
        Grid points along each axis of each panel.
    legend : bool, default=True
        Whether to show the legend (classes and markers): one beside the panels when every panel has the same,
        else one in each panel.
    names : (str, str), default=("train", "test")
        What the two sets of points are, as for :func:`plot_decision_boundary`.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per model, in order, row by row.
    """
    titled = isinstance(models, Mapping) or labels is not None
    runs = _named_runs(models, labels, "models")
    ncols = check_int(ncols, "ncols", minimum=1)
    legend = check_bool(legend, "legend")
    if isinstance(y, Mapping):
        if not isinstance(models, Mapping):
            raise TypeError("y may be a dict of each panel's labels only when models is a dict with the same keys")
        missing = [key for key in models if key not in y]
        if missing:
            raise ValueError(f"y must give labels for every model; it has none for {missing}")
        panel_labels = [y[key] for key in models]
    else:
        panel_labels = [y] * len(runs)
    ncols = min(ncols, len(runs))
    nrows = math.ceil(len(runs) / ncols)
    fig = _figure((4.5 * ncols, 4.2 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, model), labels_here in zip(axes, runs, panel_labels):
        plot_decision_boundary(model, X, labels_here, X_test, y_test, resolution=resolution, ax=ax, names=names)
        if titled:
            ax.set_title(name, fontsize=10)
    for ax in axes[len(runs):]:
        ax.set_visible(False)
    legends = [ax.get_legend() for ax in axes[:len(runs)]]
    texts = [[text.get_text() for text in box.get_texts()] for box in legends]
    shared = all(t == texts[0] for t in texts)
    if legend and shared:  # one legend beside the panels, off every panel's data
        fig.legend(handles=legends[0].legend_handles, labels=texts[0], loc="outside right upper", fontsize="small")
    if not legend or shared:
        for box in legends:
            box.remove()
    return fig


def plot_hidden_neuron_maps(model, X, y=None, layer: int = 0, resolution: int = 80, max_units: int = 16) -> Figure:
    """What each hidden unit computes: its output over the whole input plane, one small map per unit.

    TensorFlow Playground's picture: a first-layer unit of a 2-D problem is a soft half-plane (its own little
    decision boundary); deeper units combine those into curved regions.

    Parameters
    ----------
    model : Sequential or fitted MLPClassifier/MLPRegressor
        A network with two input features and at least one hidden layer.
    X : array-like of shape (n_samples, 2)
        Data whose bounding box (plus a margin) the maps cover; drawn faintly on each map.
    y : array-like of shape (n_samples,), default=None
        Labels to colour the data by (any labels; one-hot rows are read by their argmax).
    layer : int, default=0
        Which hidden layer, counting hidden layers only (0 is the first; -1 the last), as
        :func:`glassnet.analysis.hidden_activations` lists them.
    resolution : int, default=80
        Grid points along each axis of each map.
    max_units : int, default=16
        Draw at most this many units (the first ones).

    Returns
    -------
    matplotlib.figure.Figure
        Small multiples on one shared colour scale (:data:`UNIT_CMAP`, diverging, centred on the activation's
        midpoint: 0.5 for outputs in [0, 1] such as the sigmoid, 0 otherwise), with one colour bar.
    """
    network = as_network(model)
    X = _check_plane(X, "X")
    if network.input_dim != 2:
        raise ValueError(f"plot_hidden_neuron_maps needs a model of 2 input features, received one with "
                         f"input_dim={network.input_dim}")
    hidden = hidden_layer_indices(network)
    if not hidden:
        raise ValueError("model has no hidden layer: its only Dense layer is the output")
    layer = check_int(layer, "layer")
    if not -len(hidden) <= layer < len(hidden):
        raise IndexError(f"layer must index the model's {len(hidden)} hidden layer(s), received layer={layer}")
    resolution = check_int(resolution, "resolution", minimum=2, maximum=1024)
    max_units = check_int(max_units, "max_units", minimum=1)
    labels = None
    if y is not None:
        labels = np.asarray(y)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        if labels.ndim != 1 or len(labels) != len(X):
            raise ValueError(f"y must hold one label per sample of X ({len(X)}), received shape {np.shape(y)}")
    padding = _padding(X)
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    values = hidden_activations(network, grid)[layer].astype(np.float64)
    index = hidden[layer]
    n_units = values.shape[1]
    shown = min(n_units, max_units)
    activation = getattr(network.layers[index], "activation", None)
    name = getattr(activation, "name", type(network.layers[index]).__name__)
    output_range = getattr(activation, "output_range", (-math.inf, math.inf))
    centre = 0.5 if tuple(output_range) == (0.0, 1.0) else 0.0
    spread = float(np.max(np.abs(values[:, :shown] - centre))) or 1.0
    ncols = math.ceil(math.sqrt(shown))
    nrows = math.ceil(shown / ncols)
    fig = _figure((1.9 * ncols + 1.0, 1.9 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    if labels is not None:
        kinds, label_index = np.unique(labels, return_inverse=True)
        colours = _class_colors(len(kinds))
        point_colours = [colours[i] for i in label_index.ravel()]
    else:
        point_colours = "k"
    image = None
    for unit, ax in enumerate(axes[:shown]):
        image = ax.imshow(values[:, unit].reshape(xx.shape), origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
                          aspect="auto", cmap=UNIT_CMAP, vmin=centre - spread, vmax=centre + spread,
                          interpolation="nearest")
        ax.scatter(X[:, 0], X[:, 1], c=point_colours, s=9, alpha=0.55, edgecolors="white", linewidths=0.3)
        ax.set_title(f"unit {unit}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[shown:]:
        ax.set_visible(False)
    fig.colorbar(image, ax=list(axes[:shown]), label=f"{name} output", shrink=0.9)
    more = f" (first {shown} of {n_units})" if shown < n_units else ""
    position = layer % len(hidden) + 1
    which = "The hidden layer" if len(hidden) == 1 else f"Hidden layer {position} of {len(hidden)}"
    fig.suptitle(f"{which}: {n_units} {name} units\n"
                 f"each unit's output over the input plane{more}", fontsize=10)
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Functions, codes and images
# ----------------------------------------------------------------------------------------------------------------

def plot_function_fit(model, X, y, truth=None, resolution: int = 400, xlabel: str = "input",
                      ylabel: str = "output") -> Figure:
    """A regression of one input: the samples, the model's curve and, when known, the true function.

    Parameters
    ----------
    model : Sequential, fitted estimator, or callable
        Anything with ``predict``, or a function ``f(X)`` of an array of shape (n, 1), returning one value per
        row (e.g. a function that standardises ``X`` before calling the network).
    X : array-like of shape (n_samples, 1) or (n_samples,)
        The samples' inputs; the curves cover their range.
    y : array-like of shape (n_samples,)
        Their targets.
    truth : callable, default=None
        The function the samples come from, ``truth(X)`` of an array of shape (n, 1) (NumPy's elementwise
        functions work as they are); drawn dashed.
    resolution : int, default=400
        Points along each curve.
    xlabel, ylabel : str, default="input", "output"
        What the axes are, in the reader's words.

    Returns
    -------
    matplotlib.figure.Figure
        The samples in grey, the truth dashed black, the model's curve red.
    """
    predict = _predictor(model)
    X = check_array(X, "X", ndim=(1, 2))
    if X.ndim == 2 and X.shape[1] != 1:
        raise ValueError(f"X must have one feature to be drawn as a curve, received shape {X.shape}")
    x = X.ravel()
    y = check_array(y, "y", ndim=(1, 2))
    if y.size != len(x):
        raise ValueError(f"y must hold one target per sample of X ({len(x)}), received shape {y.shape}")
    if truth is not None and not callable(truth):
        raise TypeError(f"truth must be a function of X, received {type(truth).__name__}")
    resolution = check_int(resolution, "resolution", minimum=2, maximum=100_000)
    grid = np.linspace(x.min(), x.max(), resolution).reshape(-1, 1)
    fig = _figure((8.0, 4.2))
    ax = fig.add_subplot()
    ax.scatter(x, y.ravel(), s=10, color="0.6", label="samples")
    if truth is not None:
        ax.plot(grid[:, 0], _curve(truth, grid, "truth"), "k--", linewidth=1.2, label="true function")
    ax.plot(grid[:, 0], _curve(predict, grid, "model"), color="C3", linewidth=2, label="model")
    ax.set_xlabel(str(xlabel))
    ax.set_ylabel(str(ylabel))
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


def plot_embedding(points, labels, axis_labels: tuple[str, str] = ("first coordinate", "second coordinate"),
                   legend_title: str = "class") -> Figure:
    """Points in two dimensions coloured by their class, each class named at its median: do the classes cluster?

    For the codes of an autoencoder's two-unit bottleneck (from :func:`glassnet.analysis.hidden_activations`),
    a two-unit hidden layer, or any 2-D projection of the data.

    Parameters
    ----------
    points : array-like of shape (n_samples, 2)
    labels : array-like of shape (n_samples,)
        Each point's class (any labels; sorted, then coloured with :data:`CLASS_COLORS`, which repeat after ten).
    axis_labels : (str, str), default=("first coordinate", "second coordinate")
        What the two axes are, in the reader's words.
    legend_title : str, default="class"
        What the labels are (``"digit"``, say).

    Returns
    -------
    matplotlib.figure.Figure
    """
    points = check_array(points, "points")
    if points.shape[1] != 2:
        raise ValueError(f"points must have 2 columns to be drawn on the plane, received shape {points.shape}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(points):
        raise ValueError(f"labels must hold one label per point ({len(points)}), received shape {labels.shape}")
    xlabel, ylabel = _two_names(axis_labels, "axis_labels")
    fig = _figure((7.0, 6.0))
    ax = fig.add_subplot()
    for k, label in enumerate(np.unique(labels)):
        members = points[labels == label]
        colour = CLASS_COLORS[k % len(CLASS_COLORS)]
        ax.scatter(members[:, 0], members[:, 1], s=8, color=colour, alpha=0.6, label=_label_text(label))
        ax.text(*np.median(members, axis=0), _label_text(label), fontsize=16, fontweight="bold", ha="center",
                va="center", color=colour, bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title=str(legend_title), fontsize="small", markerscale=2, ncol=2)
    ax.grid(True, alpha=0.3)
    return fig


def plot_reconstructions(originals, reconstructions, labels=None, image_shape: tuple[int, int] | None = None,
                         n: int = 10) -> Figure:
    """Images above their reconstructions (an autoencoder's output): what survives the bottleneck.

    Parameters
    ----------
    originals : array-like of shape (n_samples, n_pixels)
        Flattened images, row by row.
    reconstructions : array-like of shape (n_samples, n_pixels)
        The model's output for each of them.
    labels : array-like of shape (n_samples,), default=None
        Classes of the images: then the first image of each class is shown (up to ``n`` classes, sorted),
        titled with its class; None shows the first ``n`` images.
    image_shape : (int, int), default=None
        Height and width of an image; None for square images (``n_pixels`` must be a square).
    n : int, default=10
        The most images shown.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows, the originals and their reconstructions, on one grey scale (that of the originals).
    """
    originals = check_array(originals, "originals")
    reconstructions = check_array(reconstructions, "reconstructions")
    if reconstructions.shape != originals.shape:
        raise ValueError(f"reconstructions must have the shape of originals {originals.shape}, received "
                         f"{reconstructions.shape}")
    shape = _image_shape(image_shape, originals.shape[1])
    n = check_int(n, "n", minimum=1)
    if labels is None:
        chosen = [(i, None) for i in range(min(n, len(originals)))]
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) != len(originals):
            raise ValueError(f"labels must hold one label per image ({len(originals)}), received shape "
                             f"{labels.shape}")
        chosen = [(int(np.flatnonzero(labels == label)[0]), label) for label in np.unique(labels)[:n]]
    low, high = float(originals.min()), float(originals.max())
    fig = _figure((1.0 * len(chosen), 2.4))
    axes = fig.subplots(2, len(chosen), squeeze=False)
    for column, (index, label) in enumerate(chosen):
        for row, images in enumerate((originals, reconstructions)):
            ax = axes[row, column]
            ax.imshow(images[index].reshape(shape), cmap="gray_r", vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
        if label is not None:
            axes[0, column].set_title(_label_text(label), fontsize=9)
    axes[0, 0].set_ylabel("original", fontsize=9)
    axes[1, 0].set_ylabel("reconstruction", fontsize=9)
    return fig


def plot_image_predictions(images, y_true, y_pred, image_shape: tuple[int, int] | None = None,
                           n: int = 16) -> Figure:
    """Images titled with the model's answer, mistakes first and in red: what the classifier gets wrong.

    Parameters
    ----------
    images : array-like of shape (n_samples, n_pixels)
        Flattened images, row by row.
    y_true : array-like of shape (n_samples,)
        Their classes.
    y_pred : array-like of shape (n_samples,)
        The model's answers (class labels, e.g. ``argmax`` of its outputs).
    image_shape : (int, int), default=None
        Height and width of an image; None for square images.
    n : int, default=16
        The most images shown, eight to a row.

    Returns
    -------
    matplotlib.figure.Figure
        Each image titled with the answer, and for a mistake ``answer (is truth)`` in red.
    """
    images = check_array(images, "images")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.ndim != 1 or len(values) != len(images):
            raise ValueError(f"{name} must hold one label per image ({len(images)}), received shape {values.shape}")
    shape = _image_shape(image_shape, images.shape[1])
    n = check_int(n, "n", minimum=1)
    wrong = y_pred != y_true
    order = np.concatenate([np.flatnonzero(wrong), np.flatnonzero(~wrong)])[:n]
    ncols = min(8, len(order))
    nrows = math.ceil(len(order) / ncols)
    fig = _figure((1.0 * ncols, 1.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    low, high = float(images.min()), float(images.max())
    for ax, i in zip(axes, order):
        ax.imshow(images[i].reshape(shape), cmap="gray_r", vmin=low, vmax=high)
        answer = _label_text(y_pred[i])
        ax.set_title(f"{answer} (is {_label_text(y_true[i])})" if wrong[i] else answer, fontsize=9,
                     color="C3" if wrong[i] else "k")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(order):]:
        ax.set_visible(False)
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Experiments
# ----------------------------------------------------------------------------------------------------------------

def plot_confusion_matrix(y_true, y_pred, labels=None, normalize: bool | str = False) -> Figure:
    """The confusion matrix as an annotated heatmap: rows are the true classes, columns the predicted ones.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default=None
        The classes and their order; None uses every label seen, sorted (scikit-learn's rule).
    normalize : bool or {"true", "pred", "all"}, default=False
        False shows counts. True (same as ``"true"``) divides each row by its total, so the diagonal is each
        class's recall; ``"pred"`` divides columns (the diagonal is precision); ``"all"`` the whole table.

    Returns
    -------
    matplotlib.figure.Figure
        The numbers come from :func:`sklearn.metrics.confusion_matrix`.
    """
    from sklearn.metrics import confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of labels, received shape {values.shape} (take the "
                             f"argmax of probabilities or one-hot rows first)")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length, received {len(y_true)} and {len(y_pred)}")
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty")
    if isinstance(normalize, (bool, np.bool_)):
        mode = "true" if normalize else None
    elif normalize in ("true", "pred", "all"):
        mode = normalize
    else:
        raise ValueError(f"normalize must be True, False, 'true', 'pred' or 'all', received normalize={normalize!r}")
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=mode)
    n = len(labels)
    side = max(3.6, 0.55 * n + 2.4)
    fig = _figure((side + 0.8, side))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(float(matrix.max()), 1e-12))
    fig.colorbar(image, ax=ax, shrink=0.85, label="fraction" if mode else "count")
    fontsize = 10 if n <= 8 else 7 if n <= 15 else 5
    for i in range(n):
        for j in range(n):
            value = matrix[i, j]
            text = f"{value:.2f}" if mode else f"{int(value)}"
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                    color=_text_colour(image.cmap(image.norm(value))))
    ticks = np.arange(n)
    names = [_label_text(label) for label in labels]
    ax.set_xticks(ticks, names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    total = len(y_true)
    ax.set_title(f"Confusion matrix ({total} samples, accuracy {np.mean(y_true == y_pred):.3f})", fontsize=10)
    return fig


def plot_sweep(rows, x: str, y: str, hue: str | None = None, *, bounds=None) -> Figure:
    """A sweep's result ``y`` against a parameter ``x``, one curve per value of ``hue``.

    Rows with the same ``x`` (and ``hue``) are repeats, e.g. seeds: the curve is their mean, with a band of
    plus or minus one standard deviation (``ddof=0``), cut at the values the quantity can take (a loss is never
    negative). Missing and non-finite ``y`` values (a diverged run) are left out of the mean. Axes, title and
    legend name the keys in words (``final_val_accuracy`` is "final validation accuracy"; the ``setting`` of
    :mod:`glassnet.analysis.experiments` rows is what the experiment varied).

    Parameters
    ----------
    rows : list of dict or pandas.DataFrame
        One row per run, e.g. from :mod:`glassnet.sweep` or :mod:`glassnet.analysis.experiments`.
    x : str
        The key of the swept parameter. Numbers are placed on a numeric axis (a log scale when they are all
        positive and span a factor of 100 or more, as learning rates do); anything else (names, tuples of
        layer sizes) is placed in the order first seen.
    y : str
        The key of the result, a number.
    hue : str, default=None
        A key whose values split the rows into curves.
    bounds : (float or None, float or None), default=None
        The interval ``y`` cannot leave, where the band is cut; None reads it from the key's name: a loss, an
        error (``mse``, ``mae``) or a time is at least 0, an accuracy or AUC within [0, 1], an R² at most 1.

    Returns
    -------
    matplotlib.figure.Figure
    """
    keys = [x, y] + ([hue] if hue is not None else [])
    rows = _check_rows(rows, keys)
    low, high = _bounds(y, bounds)
    xs = _ordered([row[x] for row in rows])
    numeric = _all_numbers(xs)
    positions = {value: (float(value) if numeric else float(k)) for k, value in enumerate(xs)}
    groups = _ordered([row[hue] for row in rows]) if hue is not None else [None]
    fig = _figure((6.4, 4.2))
    ax = fig.add_subplot()
    banded = False
    for k, group in enumerate(groups):
        members = [row for row in rows if hue is None or _key(row[hue]) == group]
        points = []
        for value in xs:
            mean, std, count = _summary([row[y] for row in members if _key(row[x]) == value])
            if count:
                points.append((positions[value], mean, std, count))
        if not points:
            continue
        px, mean, std, count = (np.array(column) for column in zip(*points))
        label = None if hue is None else f"{_words(hue, rows)} {_label_text(group)}"
        ax.plot(px, mean, "o-", color=f"C{k % 10}", linewidth=1.8, markersize=4, label=label)
        if (count > 1).any():
            banded = True
            ax.fill_between(px, np.clip(mean - std, low, high), np.clip(mean + std, low, high), color=f"C{k % 10}",
                            alpha=0.2, linewidth=0)
    if numeric:
        values = np.array([positions[value] for value in xs])
        if (values > 0).all() and values.max() / values.min() >= 100:
            ax.set_xscale("log")
    else:
        ax.set_xticks(list(positions.values()), [_label_text(value) for value in xs],
                      rotation=30 if len(xs) > 4 else 0)
    x_words, y_words = _words(x, rows), _words(y, rows)
    ax.set_xlabel(x_words)
    ax.set_ylabel(y_words)
    ax.set_title(f"{y_words[0].upper()}{y_words[1:]} against {x_words}"
                 + ("" if hue is None else f", by {_words(hue, rows)}")
                 + (" (mean ± std over repeats)" if banded else ""), fontsize=10)
    ax.grid(True, alpha=0.3)
    if hue is not None:
        ax.legend(fontsize="small", loc="best")
    return fig


def plot_sweep_heatmap(rows, x: str, y: str, value: str) -> Figure:
    """A two-parameter sweep as an annotated grid: ``x`` across, ``y`` down, the mean ``value`` in each cell.

    Parameters
    ----------
    rows : list of dict or pandas.DataFrame
        One row per run; rows sharing ``x`` and ``y`` are repeats and are averaged (non-finite values left out).
    x, y : str
        The keys of the two swept parameters (numbers sorted, anything else in the order first seen).
    value : str
        The key of the result, a number.

    Returns
    -------
    matplotlib.figure.Figure
        Cells without a finite result are grey. Axes, colour bar and title name the keys in words.
    """
    rows = _check_rows(rows, [x, y, value])
    columns = _ordered([row[x] for row in rows])
    lines = _ordered([row[y] for row in rows])
    table = np.full((len(lines), len(columns)), np.nan)
    for i, line in enumerate(lines):
        for j, column in enumerate(columns):
            mean, _, count = _summary([row[value] for row in rows if _key(row[y]) == line and _key(row[x]) == column])
            if count:
                table[i, j] = mean
    fig = _figure((max(4.5, 0.9 * len(columns) + 2.6), max(3.2, 0.55 * len(lines) + 1.8)))
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")
    finite = table[np.isfinite(table)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    image = ax.imshow(np.ma.masked_invalid(table), cmap=cmap, vmin=low, vmax=high, aspect="auto")
    fig.colorbar(image, ax=ax, label=_words(value, rows), shrink=0.9)
    fontsize = 9 if table.size <= 64 else 6
    for i in range(len(lines)):
        for j in range(len(columns)):
            if np.isfinite(table[i, j]):
                ax.text(j, i, _number_text(table[i, j]), ha="center", va="center", fontsize=fontsize,
                        color=_text_colour(cmap(image.norm(table[i, j]))))
    ax.set_xticks(np.arange(len(columns)), [_label_text(c) for c in columns], rotation=30 if len(columns) > 5 else 0)
    ax.set_yticks(np.arange(len(lines)), [_label_text(line) for line in lines])
    ax.set_xlabel(_words(x, rows))
    ax.set_ylabel(_words(y, rows))
    ax.set_title(f"Mean {_words(value, rows)} by {_words(x, rows)} and {_words(y, rows)}", fontsize=10)
    return fig


def plot_noise_robustness(rows) -> Figure:
    """Accuracy as Gaussian noise is added to the inputs, with a band of one standard deviation over repeats.

    Parameters
    ----------
    rows : list of dict, or dict of str to list of dict
        The table of :func:`glassnet.analysis.noise_robustness` (keys ``noise``, ``accuracy_mean``,
        ``accuracy_std``), or several such tables by name to compare models.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tables = dict(rows) if isinstance(rows, Mapping) else {None: rows}
    if not tables:
        raise ValueError("rows must hold at least one table, received an empty dict")
    fig = _figure((6.0, 4.0))
    ax = fig.add_subplot()
    for k, (name, table) in enumerate(tables.items()):
        table = _check_rows(table, ["noise", "accuracy_mean", "accuracy_std"],
                            "rows" if name is None else f"rows[{name!r}]")
        table = sorted(table, key=lambda row: float(row["noise"]))
        noise = np.array([float(row["noise"]) for row in table])
        mean = np.array([float(row["accuracy_mean"]) for row in table])
        std = np.array([float(row["accuracy_std"]) for row in table])
        colour = f"C{k % 10}"
        ax.plot(noise, mean, "o-", color=colour, linewidth=1.8, markersize=4,
                label=None if name is None else str(name))
        ax.fill_between(noise, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), color=colour, alpha=0.2,
                        linewidth=0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("noise level (× each feature's standard deviation)")
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy under Gaussian input noise (mean ± std over repeats)", fontsize=10)
    ax.grid(True, alpha=0.3)
    if len(tables) > 1 or None not in tables:
        ax.legend(fontsize="small")
    return fig


def plot_comparison_bars(rows, label: str, value: str, error: str | None = None, *, bounds=None) -> Figure:
    """One bar per setting, with its value written on top, e.g. the test accuracy of each activation.

    Parameters
    ----------
    rows : list of dict or pandas.DataFrame
        One row per setting. When a label repeats (repeats over seeds) and ``error`` is None, the bar is the
        mean of its rows and the error bar their standard deviation (``ddof=0``).
    label : str
        The key naming each bar.
    value : str
        The key of the bar's height, a number.
    error : str, default=None
        The key of an error bar's half-length (e.g. a standard deviation computed elsewhere).
    bounds : (float or None, float or None), default=None
        The interval ``value`` cannot leave, where error bars are cut; None reads it from the key's name, as
        :func:`plot_sweep` does.

    Returns
    -------
    matplotlib.figure.Figure
        Axes and title name the keys in words.
    """
    rows = _check_rows(rows, [label, value] + ([error] if error is not None else []))
    low, high = _bounds(value, bounds)
    names = _ordered([row[label] for row in rows])
    repeated = len(names) < len(rows)
    if repeated and error is not None:
        raise ValueError(f"rows repeat values of {label!r}; give one row per bar with error={error!r}, or leave "
                         f"error=None to average the repeats")
    heights, errors = [], []
    for name in names:
        mean, std, count = _summary([row[value] for row in rows if _key(row[label]) == name])
        heights.append(mean if count else np.nan)
        if error is not None:
            errors.append(next(float(row[error]) for row in rows if _key(row[label]) == name))
        else:
            errors.append(std if count > 1 else 0.0)
    heights, errors = np.array(heights), np.array(errors)
    fig = _figure((max(4.5, 0.8 * len(names) + 2.0), 4.0))
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    show_errors = error is not None or repeated
    # error bars as (below, above) lengths, cut where the quantity ends
    below = heights - np.clip(heights - errors, low, high)
    above = np.clip(heights + errors, low, high) - heights
    ax.bar(positions, heights, color=[f"C{k % 10}" for k in range(len(names))], alpha=0.85,
           yerr=np.vstack([below, above]) if show_errors else None, capsize=4 if show_errors else 0)
    for position, height, err in zip(positions, heights, above):
        if np.isfinite(height):
            top = height + (err if show_errors and height >= 0 else 0)
            ax.annotate(_number_text(height), (position, top), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom" if height >= 0 else "top", fontsize=8)
    ax.set_xticks(positions, [_label_text(name) for name in names], rotation=30 if len(names) > 5 else 0)
    label_words, value_words = _words(label, rows), _words(value, rows)
    ax.set_xlabel(label_words)
    ax.set_ylabel(value_words)
    ax.set_title(f"{value_words[0].upper()}{value_words[1:]} by {label_words}"
                 + (" (mean ± std over repeats)" if repeated else ""), fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.margins(y=0.12)
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------------

class GlassFigure(Figure):
    """A matplotlib Figure that shows itself in a notebook (Jupyter, Colab) as a cell's result, without
    ``%matplotlib inline`` and without pyplot: every ``plot_*`` function returns one.

    It is drawn at twice its size in pixels and shown at its size, so it is sharp on high-resolution screens.
    Outside a notebook it is a plain Figure: nothing opens a window, nothing touches pyplot's state.
    """

    #: pixels per inch of the size it is shown at (the image has twice as many)
    display_dpi = 100

    def _repr_png_(self):
        width, height = self.get_size_inches() * self.display_dpi
        return figure_to_png_bytes(self, dpi=2 * self.display_dpi), {"width": int(round(width)),
                                                                     "height": int(round(height))}


def _figure(size: tuple[float, float]) -> Figure:
    """A new figure on its own Agg canvas (no pyplot, no global state), with constrained layout."""
    fig = GlassFigure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _check_figure(fig) -> None:
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib.figure.Figure, received {type(fig).__name__}")


def _axes_figure(ax) -> Figure:
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, received {type(ax).__name__}")
    fig = ax.figure
    root = getattr(fig, "figure", fig)  # a SubFigure's root Figure
    return root if isinstance(root, Figure) else fig


def _history_curves(history) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The per-epoch curves of any history-like object, as float arrays, and the epoch numbers if known."""
    epochs = None
    if isinstance(history, Sequential):
        if history.history is None:
            raise ValueError("the model has no history yet: fit it first")
        history = history.history
    if isinstance(history, History):
        raw = history.history
        epochs = np.asarray(history.epoch, dtype=np.float64) + 1 if history.epoch else None
    elif isinstance(history, Mapping):
        raw = history
    elif is_estimator(history):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(history)
        if isinstance(getattr(history, "training_history_", None), list):
            raw = _perceptron_curves(history.training_history_)
        elif getattr(history, "history_", None):
            raw = history.history_
        elif getattr(history, "loss_curve_", None) is not None:
            raw = {"loss": history.loss_curve_}
        else:
            raise ValueError(f"{type(history).__name__} has no recorded curves (history_ or loss_curve_)")
    elif isinstance(getattr(history, "history", None), Mapping):
        raw = history.history  # a Keras History, or anything shaped like one
    else:
        raise TypeError(f"history must be a History, a dict of lists, a fitted Sequential or a fitted estimator, "
                        f"received {type(history).__name__}")
    curves = {}
    for key, values in raw.items():
        if not isinstance(key, str):
            raise TypeError(f"history keys must be strings, received {key!r}")
        try:
            array = np.array([np.mean(np.asarray(v, dtype=np.float64)) if v is not None else np.nan for v in values],
                             dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"history[{key!r}] must be a list of numbers") from None
        if array.size:
            curves[key] = array
    if not curves:
        raise ValueError("history is empty: no epoch has been recorded")
    return curves, epochs


def _perceptron_curves(records: list[dict]) -> dict[str, list]:
    curves: dict[str, list] = {}
    for record in records:
        for key, target in (("loss", "loss"), ("accuracy", "accuracy"), ("validation_accuracy", "val_accuracy")):
            if key in record:
                curves.setdefault(target, []).append(record[key])
    return curves


def _metric_names(metrics, curves: Mapping) -> list[str]:
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be a name or a list of names, received {metrics!r}")
    names = []
    for metric in metrics:
        if not isinstance(metric, str):
            raise TypeError(f"metrics must hold names (strings), received {metric!r}")
        base = metric[4:] if metric.startswith("val_") else metric
        if base not in curves and f"val_{base}" not in curves:
            raise ValueError(f"metrics names {metric!r}, which the history does not hold; its keys are {list(curves)}")
        if base not in names and base != "loss":
            names.append(base)
    return names


def _epoch_axis(epochs: np.ndarray | None, n: int) -> np.ndarray:
    if epochs is not None and len(epochs) == n:
        return epochs
    return np.arange(1, n + 1, dtype=np.float64)


def _loss_scale(ax, curves: Mapping) -> None:
    values = np.concatenate([curves[key] for key in ("loss", "val_loss") if key in curves])
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() / values.min() > 100:
        ax.set_yscale("log")


def _mark_best(ax, val_loss: np.ndarray | None, epochs: np.ndarray | None) -> None:
    if val_loss is None or not np.isfinite(val_loss).any():
        return
    best = int(np.nanargmin(val_loss))
    x = _epoch_axis(epochs, len(val_loss))[best]
    ax.plot([x], [val_loss[best]], "o", color="k", markersize=5, label=f"lowest validation loss (epoch {x:g})")


def _last_finite(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else math.nan


def _check_plane(X, name: str) -> np.ndarray:
    X = check_array(X, name)
    if X.shape[1] != 2:
        raise ValueError(f"{name} must have exactly 2 features to be drawn on the plane, received {X.shape[1]} "
                         f"(shape {X.shape})")
    return X


def _padding(X: np.ndarray) -> float:
    span = float(np.max(X.max(axis=0) - X.min(axis=0)))
    return PADDING_FRACTION * span if span > 0 else 0.5


def _class_indices(model, y, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The model's classes and ``y`` as indices into them (one-hot rows read by argmax for a Sequential)."""
    y = np.asarray(y)
    if y.ndim not in (1, 2) or len(y) != n:
        raise ValueError(f"{name} must hold one label per sample ({n}), received shape {y.shape}")
    if isinstance(model, Sequential):
        if not model.built:
            raise ValueError("model is not built yet: give input_dim to Sequential, call build(), or fit() first")
        n_out = model.layers[-1].output_dim
        classes = np.arange(2 if n_out == 1 else n_out)
        if y.ndim == 2:
            if y.shape[1] != n_out or n_out == 1:
                raise ValueError(f"{name} has rows of {y.shape[1]} values; give class indices, or one-hot rows of "
                                 f"{n_out} values (the model's outputs)")
            return classes, y.argmax(axis=1)
        if y.dtype.kind not in "biuf" or not np.all(np.isin(y, classes)):
            raise ValueError(f"{name} must hold class indices in 0..{len(classes) - 1} for this model, received "
                             f"values {np.unique(y)[:10].tolist()}")
        return classes, y.astype(np.intp)
    if not hasattr(model, "predict"):
        raise TypeError(f"model must be a glassnet Sequential, a fitted MLPClassifier or a fitted Perceptron, "
                        f"received {type(model).__name__}")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    classes = getattr(model, "classes_", None)
    if classes is None or isinstance(classes, list) or np.ndim(classes) != 1:
        raise TypeError(f"plot_decision_boundary needs a single-output classifier (with classes_); "
                        f"{type(model).__name__} is not one")
    classes = np.asarray(classes)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of the estimator's labels, received shape {y.shape}")
    known = np.isin(y, classes)
    if not known.all():
        raise ValueError(f"{name} holds labels the model does not know: {np.unique(y[~known])[:10].tolist()}; "
                         f"its classes_ are {classes.tolist()}")
    return classes, np.searchsorted(classes, y)


def _dataset_classes(y, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted classes of ``y`` (labels, a column of labels, or one-hot rows) and each sample's index in them."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2) or len(y) != n:
        raise ValueError(f"y must hold one label per sample of X ({n}), received shape {y.shape}")
    if y.ndim == 2:
        if not (y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise ValueError("y with several columns must be one-hot rows (a single 1 per row)")
        y = y.argmax(axis=1)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y must not contain NaN or infinity")
    if y.dtype.kind not in "biufUSO":
        raise TypeError(f"y must hold class labels (numbers or strings), received dtype {y.dtype}")
    classes, index = np.unique(y, return_inverse=True)
    return classes, index.ravel()


def _class_names(class_names, classes: np.ndarray) -> list[str]:
    """The legend's name of each class: ``class_names`` (a list in class order, or a dict), else the labels."""
    if class_names is None:
        return [_label_text(c.item() if isinstance(c, np.generic) else c) for c in classes]
    if isinstance(class_names, Mapping):
        missing = [c for c in classes.tolist() if c not in class_names]
        if missing:
            raise ValueError(f"class_names has no name for the classes {missing[:10]}")
        return [str(class_names[c]) for c in classes.tolist()]
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names must be a list of names or a dict from label to name, received "
                        f"{type(class_names).__name__}")
    if len(class_names) != len(classes):
        raise ValueError(f"class_names must name each of the {len(classes)} classes, received "
                         f"{len(class_names)} names")
    return [str(name) for name in class_names]


def _grid_class_index(model, predictions: np.ndarray, classes: np.ndarray) -> np.ndarray:
    if isinstance(model, Sequential):
        return predictions.astype(np.float64)
    return np.searchsorted(classes, predictions).astype(np.float64)


def _predict_index(model, X: np.ndarray, classes: np.ndarray) -> np.ndarray:
    if isinstance(model, Sequential):
        out = model.predict(X)
        return (out[:, 0] > metrics_module.THRESHOLD).astype(np.intp) if out.shape[1] == 1 else out.argmax(axis=1)
    return np.searchsorted(classes, np.asarray(model.predict(X)))


def _draw_perceptron_lines(ax, model, colours) -> None:
    coef, intercept = np.atleast_2d(model.coef_), np.ravel(model.intercept_)
    binary = coef.shape[0] == 1
    for k, ((w1, w2), b) in enumerate(zip(coef, intercept)):
        if w1 == 0 and w2 == 0:
            continue  # no line: every point falls on the same side
        if binary:
            colour, label = "k", f"perceptron: {model.decision_boundary_equation()}"
        else:
            colour, label = colours[k], f"perceptron {_label_text(model.classes_[k])} vs rest"
        if w2 != 0:
            ax.axline((0.0, -b / w2), slope=-w1 / w2, color=colour, linestyle="--", linewidth=2, label=label)
        elif w1 != 0:
            ax.axvline(-b / w1, color=colour, linestyle="--", linewidth=2, label=label)
    if binary and (coef != 0).any():
        ax.text(0.01, 0.01, model.decision_boundary_equation(), transform=ax.transAxes, fontsize=8,
                family="monospace", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "0.6"})


def _class_colors(n: int) -> list[tuple[float, float, float, float]]:
    """The colour of each class: BINARY_CMAP at 0.15 and 0.85 for two classes, CLASS_COLORS (then turbo) beyond."""
    if n <= 2:
        cmap = matplotlib.colormaps[BINARY_CMAP]
        return [cmap(0.15), cmap(0.85)][:max(n, 1)]
    if n <= len(CLASS_COLORS):
        return [to_rgba(c) for c in CLASS_COLORS[:n]]
    return [tuple(c) for c in matplotlib.colormaps["turbo"](np.linspace(0.05, 0.95, n))]


def _lighten(colour) -> tuple[float, float, float]:
    """A region's colour: ``colour`` mixed with white, as if drawn at opacity REGION_ALPHA on white.

    Mixing instead of drawing with ``alpha`` keeps the regions opaque, so neighbouring contour bands show no
    darker seams where their edges overlap.
    """
    rgb = np.asarray(to_rgba(colour)[:3])
    return tuple(REGION_ALPHA * rgb + (1.0 - REGION_ALPHA))


def _region_cmap() -> ListedColormap:
    """BINARY_CMAP mixed with white (see _lighten), for the probability regions and their colour bar."""
    colours = matplotlib.colormaps[BINARY_CMAP](np.linspace(0.0, 1.0, 256))[:, :3]
    return ListedColormap(REGION_ALPHA * colours + (1.0 - REGION_ALPHA), name=f"{BINARY_CMAP}_regions")


def _text_colour(rgba) -> str:
    r, g, b = rgba[:3]
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


def _check_rows(rows, keys: list[str], name: str = "rows") -> list[Mapping]:
    """``rows`` as a list of mappings that all hold ``keys`` (a DataFrame becomes its records)."""
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(f"column names must be strings, received {key!r}")
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        rows = rows.to_dict("records")
    if isinstance(rows, Mapping) or not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)):
        raise TypeError(f"{name} must be a list of dicts (one per run) or a DataFrame, received {type(rows).__name__}")
    if not rows:
        raise ValueError(f"{name} is empty")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"{name}[{i}] must be a dict, received {type(row).__name__}")
        missing = [key for key in keys if key not in row]
        if missing:
            raise ValueError(f"{name}[{i}] has no key {missing[0]!r}; its keys are {list(row)}")
    return list(rows)


def _key(value):
    """A hashable stand-in for a cell value (lists such as layer sizes become tuples)."""
    if isinstance(value, np.ndarray):
        return tuple(value.tolist())
    if isinstance(value, list):
        return tuple(_key(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _ordered(values: list) -> list:
    """The distinct values: sorted when they are all numbers, else in the order first seen."""
    distinct = list(dict.fromkeys(_key(v) for v in values))
    return sorted(distinct) if _all_numbers(distinct) else distinct


def _all_numbers(values: list) -> bool:
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _summary(values: list) -> tuple[float, float, int]:
    """Mean, standard deviation (ddof=0) and count of the finite numbers among ``values``."""
    numeric = []
    for v in values:
        if v is None:
            continue
        try:
            numeric.append(float(v))
        except (TypeError, ValueError):
            raise ValueError(f"expected numbers to average, received {v!r}") from None
    array = np.array(numeric, dtype=np.float64)
    array = array[np.isfinite(array)]
    if not array.size:
        return math.nan, math.nan, 0
    return float(array.mean()), float(array.std()), int(array.size)


def _label_text(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:g}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _number_text(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.2e}"


def _named_runs(runs, labels, name: str) -> list[tuple[str, object]]:
    """``(label, item)`` pairs from a dict (its keys), or a list with ``labels`` (or numbered from 1)."""
    if isinstance(runs, Mapping):
        items = list(runs.items())
        names = [str(key) for key, _ in items] if labels is None else labels
        runs = [item for _, item in items]
    elif isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence):
        raise TypeError(f"{name} must be a list or a dict of label -> item, received {type(runs).__name__}")
    else:
        runs = list(runs)
        names = [str(k) for k in range(1, len(runs) + 1)] if labels is None else labels
    if not runs:
        raise ValueError(f"{name} must hold at least one item, received none")
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"labels must be a list of str, one per item of {name}, received {names!r}")
    if len(names) != len(runs):
        raise ValueError(f"labels must name each of the {len(runs)} item(s) of {name}, received {len(names)}")
    return [(str(label), run) for label, run in zip(names, runs)]


def _experiment_runs(runs, labels):
    """The Histories of experiment rows (``compare_*``), named by their labels; anything else as given."""
    is_row = isinstance(runs, Sequence) and not isinstance(runs, (str, bytes)) and len(runs) > 0 and all(
        isinstance(r, Mapping) and "history" in r and "label" in r for r in runs)
    if not is_row:
        return runs, labels
    if labels is None:
        several_seeds = len({r.get("seed") for r in runs}) > 1
        labels = [f"{r['label']}, seed {r['seed']}" if several_seeds else str(r["label"]) for r in runs]
    return [r["history"] for r in runs], labels


def _run_curve(run, metric: str, name: str) -> np.ndarray:
    """One run's per-epoch values of ``metric``, as floats: a plain list of numbers is the curve itself."""
    curve = None
    if isinstance(run, np.ndarray):
        curve = np.asarray(run, dtype=np.float64)
    elif isinstance(run, (list, tuple)) and all(v is None or isinstance(v, numbers.Real) for v in run):
        curve = np.array([np.nan if v is None else float(v) for v in run], dtype=np.float64)
    if curve is not None:
        if curve.ndim != 1 or curve.size == 0:
            raise ValueError(f"run {name!r} must be a non-empty list of per-epoch values, received shape "
                             f"{curve.shape}")
        return curve
    try:
        curves, _ = _history_curves(run)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"run {name!r}: {exc}") from None
    if metric not in curves:
        raise ValueError(f"run {name!r} has no {metric!r} curve; its keys are {list(curves)}")
    return curves[metric]


#: keys of histories and result tables as a reader says them (any other key: its underscores become spaces)
_KEY_WORDS = {"lr": "learning rate", "learning_rate": "learning rate", "auc": "ROC AUC", "r2": "R²",
              "mse": "mean squared error", "mae": "mean absolute error", "n_params": "parameters",
              "hidden": "hidden layers", "layers": "hidden layers", "hidden_sizes": "hidden units",
              "batch_size": "batch size", "l2": "L2 penalty", "initializer": "initialiser",
              "depth_width": "depth and width", "convergence_epoch": "epoch of convergence"}
#: prefixes of such keys, in words: final_val_accuracy is the "final validation accuracy"
_PREFIX_WORDS = (("val_", "validation "), ("test_", "test "), ("train_", "training "), ("final_", "final "),
                 ("best_", "best "), ("mean_", "mean "))


def _words(key, rows=None) -> str:
    """A table's or a history's key as words for an axis, a title or a legend: ``final_val_accuracy`` is the
    "final validation accuracy"; an experiment row's ``setting`` is what the experiment varied."""
    key = str(key)
    if key == "setting" and rows:
        experiments = {row.get("experiment") for row in rows if isinstance(row, Mapping)}
        if len(experiments) == 1 and None not in experiments:
            return _words(experiments.pop())
    if key in _KEY_WORDS:
        return _KEY_WORDS[key]
    for prefix, words in _PREFIX_WORDS:
        if key.startswith(prefix) and len(key) > len(prefix):
            return words + _words(key[len(prefix):])
    return key.replace("_", " ")


#: what a quantity named by a key can never leave, so that a mean ± std band is not drawn where no value can be
_KEY_BOUNDS = (("loss", (0.0, None)), ("mse", (0.0, None)), ("mae", (0.0, None)), ("accuracy", (0.0, 1.0)),
               ("auc", (0.0, 1.0)), ("r2", (None, 1.0)), ("seconds", (0.0, None)), ("n_params", (0.0, None)))


def _bounds(key: str, bounds) -> tuple[float, float]:
    """The interval a quantity lies in: ``bounds`` if given, else read from its key (a loss is never negative,
    an accuracy lies in [0, 1]), else the whole line."""
    if bounds is None:
        name = str(key).lower()
        bounds = next((known for word, known in _KEY_BOUNDS if name.endswith(word)), (None, None))
    if isinstance(bounds, (str, bytes)) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        raise TypeError(f"bounds must be a pair (low, high), either None, received {bounds!r}")
    low, high = (-math.inf if bounds[0] is None else float(bounds[0]),
                 math.inf if bounds[1] is None else float(bounds[1]))
    if not low < high:
        raise ValueError(f"bounds must have low < high, received {bounds!r}")
    return low, high


def _metric_words(metric: str) -> str:
    """A history key as a reader says it: ``val_loss`` is the validation loss, ``loss`` the training loss."""
    if metric.startswith("val_"):
        return f"validation {metric[4:]}"
    return "training loss" if metric == "loss" else metric


def _predictor(model):
    if hasattr(model, "predict"):
        return model.predict
    if callable(model):
        return model
    raise TypeError(f"model must have predict or be a function of X, received {type(model).__name__}")


def _curve(function, grid: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(function(grid), dtype=np.float64)
    if values.size != len(grid):
        raise ValueError(f"the {name} must give one value per input row ({len(grid)}), gave shape {values.shape}")
    return values.ravel()


def _point_names(names) -> tuple[str, str]:
    """The names of the training and test points, from a pair (or a 1-tuple, when there are no test points)."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence) or not 1 <= len(names) <= 2 or \
            not all(isinstance(name, str) for name in names):
        raise TypeError(f"names must be a pair of str (the training points, the test points), received {names!r}")
    return str(names[0]), str(names[-1]) if len(names) == 2 else "test"


def _two_names(names, what: str) -> tuple[str, str]:
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence) or len(names) != 2:
        raise TypeError(f"{what} must be a pair of str (x axis, y axis), received {names!r}")
    return str(names[0]), str(names[1])


def _image_shape(image_shape, n_pixels: int) -> tuple[int, int]:
    if image_shape is None:
        side = math.isqrt(n_pixels)
        if side * side != n_pixels:
            raise ValueError(f"images of {n_pixels} pixels are not square; give image_shape=(height, width)")
        return side, side
    if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, Sequence) or len(image_shape) != 2:
        raise TypeError(f"image_shape must be (height, width), received image_shape={image_shape!r}")
    height = check_int(image_shape[0], "image_shape[0]", minimum=1)
    width = check_int(image_shape[1], "image_shape[1]", minimum=1)
    if height * width != n_pixels:
        raise ValueError(f"image_shape={tuple(image_shape)} holds {height * width} pixels, but each image has "
                         f"{n_pixels}")
    return height, width
