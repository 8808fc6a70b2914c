"""Experiments: train one problem under several settings and tabulate what happened.

The studies a course runs by hand — which learning rate, how many hidden units, which activation, which
initialiser, deep or wide — each as one call. Every setting is trained once per seed, from the same data, by
one shared runner, and each run becomes one row of a tidy table (a list of dicts, one key per column, the same
keys in every row)::

    experiment          what was varied: "learning_rate", "hidden_sizes", "activation", "initializer",
                        "depth_width"
    setting             the value it took in this run (for depth_width a (depth, width) tuple, also split into
                        the "depth" and "width" columns)
    label               the setting in words: the ``labels=`` given, else the setting's name or value
    seed                the model's seed (initial weights and shuffling)
    final_loss          the training loss of the last epoch (NaN if training diverged before finishing one)
    best_loss           the smallest training loss
    final_accuracy      the training accuracy of the last epoch (classification; None for regression)
    final_val_loss      the validation loss of the last epoch (None without validation)
    final_val_accuracy  the validation accuracy of the last epoch (None without validation or for regression)
    converged           whether the training loss reached the target (``target_loss``; by default
                        :data:`TARGET_LOSS` of the model's loss), and did not diverge; None where the loss has no
                        default target and none was given
    convergence_epoch   the first epoch (1-based) whose loss reached the target (None if none did)
    epochs              the number of epochs that completed
    diverged            whether training stopped on a non-finite loss
    seconds             wall-clock training time
    n_params            the number of trainable parameters
    loss_curve          the per-epoch training losses (a list, for plotting)
    val_loss_curve      the per-epoch validation losses (a list, or None)
    history             the run's History (every metric, every epoch: ``plots.plot_histories(rows)`` overlays them)

A run whose loss merely went flat has not converged: 0.693 is where binary cross-entropy sits when a network
answers 0.5 for everything, flat and useless. Converged means reaching a stated loss, as a course states it.

The rows come as a :class:`~glassnet.results.Results`: a list, shown as a table in a notebook, whose
``to_frame()`` is a pandas DataFrame (``as_table(rows)`` does the same, giving back the list without pandas).
Every run is seeded, so the same call gives the same rows (``seconds`` aside).

Unless a ``build`` function is given, the network is built from the data: ``task="auto"`` treats an integer
(or boolean) ``y`` as class labels — one sigmoid output with binary cross-entropy for two classes, a softmax
output with categorical cross-entropy for more, and accuracy as the metric — and anything else as regression
targets (a linear output with the mean squared error). One-hot integer rows are class labels too (a softmax
output).
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .. import activations as activations_module
from .. import initializers as initializers_module
from .._validation import check_array, check_float, check_int, check_name
from ..builders import mlp
from ..model import DivergenceWarning, Sequential
from ..optimizers import OPTIMIZERS
from ..results import Results

__all__ = ["ROW_KEYS", "TARGET_LOSS", "as_table", "compare_activations", "compare_depth_width", "compare_hidden_sizes",
           "compare_initializers", "compare_learning_rates"]

#: The keys of every row, in order (``compare_depth_width`` adds ``depth`` and ``width`` after ``setting``).
ROW_KEYS = ("experiment", "setting", "label", "seed", "final_loss", "best_loss", "final_accuracy", "final_val_loss",
            "final_val_accuracy", "converged", "convergence_epoch", "epochs", "diverged", "seconds", "n_params",
            "loss_curve", "val_loss_curve", "history")

#: The training loss a run must reach to count as converged, by loss, unless ``target_loss=`` says otherwise.
#: Cross-entropies: 0.1 is a probability of about 0.9 for the true class on average (chance on two classes is
#: 0.693); squared and absolute errors are in the targets' units squared (or units), so 0.01 and 0.1 suit targets
#: of about unit scale. The Poisson loss has no zero to aim at, so it has no default.
TARGET_LOSS = {"binary_crossentropy": 0.1, "categorical_crossentropy": 0.1, "mse": 0.01, "huber": 0.005,
               "mae": 0.1}

Builder = Callable[[Any, int], Sequential]


def compare_learning_rates(X, y, learning_rates: Iterable[float] = (0.001, 0.01, 0.1, 1.0), *,
                           build: Builder | None = None, hidden_layer_sizes: Sequence[int] = (16,),
                           activation: str = "tanh", optimizer: str = "sgd", optimizer_options: dict | None = None,
                           epochs: int = 100, batch_size: int | None = 32, seeds: Iterable[int] = (0,),
                           validation_split: float = 0.0, task: str = "auto", labels: Sequence[str] | None = None,
        target_loss: float | None = None) -> list[dict[str, Any]]:
    """Train the same network with each learning rate: too small crawls, too large bounces or diverges.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels (integers) or regression targets; see ``task``.
    learning_rates : iterable of float, default=(0.001, 0.01, 0.1, 1.0)
        The settings compared.
    build : callable, default=None
        ``build(learning_rate, seed) -> Sequential``: a compiled model for one run, replacing the default
        network (then ``hidden_layer_sizes``, ``activation``, ``optimizer`` and ``task`` are not used).
    hidden_layer_sizes : sequence of int, default=(16,)
        Units of each hidden layer of the default network.
    activation : str, default="tanh"
        Activation of its hidden layers.
    optimizer : str, default="sgd"
        Name of its optimiser (plain SGD shows the learning rate's effect most directly).
    optimizer_options : dict, default=None
        Other arguments of the optimiser, e.g. ``{"momentum": 0.9}``.
    epochs : int, default=100
    batch_size : int or None, default=32
        None trains on the whole data set at each step.
    seeds : iterable of int, default=(0,)
        One run per seed and setting.
    validation_split : float, default=0.0
        Fraction of the data, from the end, held out for validation (as ``Sequential.fit``).
    task : {"auto", "classification", "regression"}, default="auto"
        How the default network reads ``y`` (see the module docstring).
    labels : sequence of str, default=None
        A name for each setting, in order (the rows' ``label``, the legends of ``plots.plot_histories``); None
        names them by their values.
    target_loss : float, default=None
        The training loss a run must reach to count as converged (> 0); None is :data:`TARGET_LOSS` of the
        model's loss.

    Returns
    -------
    list of dict
        One row per (setting, seed), settings in the given order; the keys are :data:`ROW_KEYS`.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.make_blobs(60, centers=2, random_state=0)
    >>> rows = compare_learning_rates(X, y, [0.01, 0.1], epochs=5)
    >>> [row["setting"] for row in rows]
    [0.01, 0.1]
    """
    settings = [check_float(lr, "learning_rates[i]", minimum=0.0, include_min=False)
                for lr in _non_empty(learning_rates, "learning_rates")]
    default = _Network(hidden_layer_sizes, activation, None, optimizer, optimizer_options, 0.01, task)
    return _compare("learning_rate", settings, lambda lr: default.replace(learning_rate=lr), build, X, y,
                    epochs, batch_size, seeds, validation_split, labels, target_loss)


def compare_hidden_sizes(X, y, hidden_sizes: Iterable[int | Sequence[int]] = (1, 2, 4, 8, 16), *,
                         build: Builder | None = None, activation: str = "tanh", optimizer: str = "adam",
                         optimizer_options: dict | None = None, learning_rate: float = 0.01, epochs: int = 100,
                         batch_size: int | None = 32, seeds: Iterable[int] = (0,), validation_split: float = 0.0,
                         task: str = "auto", labels: Sequence[str] | None = None,
                         target_loss: float | None = None) -> list[dict[str, Any]]:
    """Train networks of different widths: too few hidden units cannot draw the boundary the data needs.

    Parameters
    ----------
    X, y : array-like
        As :func:`compare_learning_rates`.
    hidden_sizes : iterable of int or of sequences of int, default=(1, 2, 4, 8, 16)
        The settings compared: an int ``n`` is one hidden layer of ``n`` units, ``0`` no hidden layer at all
        (a linear model: logistic or linear regression), a sequence the units of each hidden layer.
    build : callable, default=None
        ``build(hidden_size, seed) -> Sequential``, replacing the default network.
    activation : str, default="tanh"
    optimizer : str, default="adam"
    optimizer_options : dict, default=None
    learning_rate : float, default=0.01
    epochs, batch_size, seeds, validation_split, task, labels, target_loss
        As :func:`compare_learning_rates`.

    Returns
    -------
    list of dict
        One row per (setting, seed); the keys are :data:`ROW_KEYS`.
    """
    settings = [_check_sizes(h) for h in _non_empty(hidden_sizes, "hidden_sizes")]
    default = _Network((), activation, None, optimizer, optimizer_options, learning_rate, task)
    return _compare("hidden_sizes", settings, lambda h: default.replace(hidden=_as_layers(h)), build, X, y,
                    epochs, batch_size, seeds, validation_split, labels, target_loss)


def compare_activations(X, y, activations: Iterable[str] = ("sigmoid", "tanh", "relu"), *,
                        build: Builder | None = None, hidden_layer_sizes: Sequence[int] = (16,),
                        optimizer: str = "adam", optimizer_options: dict | None = None, learning_rate: float = 0.01,
                        epochs: int = 100, batch_size: int | None = 32, seeds: Iterable[int] = (0,),
                        validation_split: float = 0.0, task: str = "auto", labels: Sequence[str] | None = None,
        target_loss: float | None = None) -> list[dict[str, Any]]:
    """Train the same network with each hidden activation (each with its default initialiser).

    Parameters
    ----------
    X, y : array-like
        As :func:`compare_learning_rates`.
    activations : iterable of str or Activation, default=("sigmoid", "tanh", "relu")
        The settings compared: activation names (``glassnet.activations``) or instances
        (``gn.activations.LeakyReLU(0.2)``).
    build : callable, default=None
        ``build(activation, seed) -> Sequential``, replacing the default network.
    hidden_layer_sizes : sequence of int, default=(16,)
    optimizer : str, default="adam"
    optimizer_options : dict, default=None
    learning_rate : float, default=0.01
    epochs, batch_size, seeds, validation_split, task, labels, target_loss
        As :func:`compare_learning_rates`.

    Returns
    -------
    list of dict
        One row per (setting, seed); the keys are :data:`ROW_KEYS`.
    """
    settings = [_check_kind(a, f"activations[{i}]", activations_module.get)
                for i, a in enumerate(_non_empty(activations, "activations"))]
    default = _Network(hidden_layer_sizes, "tanh", None, optimizer, optimizer_options, learning_rate, task)
    return _compare("activation", settings, lambda a: default.replace(activation=a), build, X, y, epochs,
                    batch_size, seeds, validation_split, labels, target_loss)


def compare_initializers(X, y, initializers: Iterable[str] = ("random_normal", "glorot_uniform", "he_normal"), *,
                         build: Builder | None = None, hidden_layer_sizes: Sequence[int] = (16, 16),
                         activation: str = "tanh", optimizer: str = "adam", optimizer_options: dict | None = None,
                         learning_rate: float = 0.01, epochs: int = 100, batch_size: int | None = 32,
                         seeds: Iterable[int] = (0,), validation_split: float = 0.0,
                         task: str = "auto", labels: Sequence[str] | None = None,
                         target_loss: float | None = None) -> list[dict[str, Any]]:
    """Train the same network from each initialiser (applied to the weights of every Dense layer).

    Parameters
    ----------
    X, y : array-like
        As :func:`compare_learning_rates`.
    initializers : iterable of str, Initializer or callable, default=("random_normal", "glorot_uniform", "he_normal")
        The settings compared: initialiser names (``glassnet.initializers``; ``zeros`` shows why weights must
        not all start equal), instances (``gn.initializers.RandomNormal(stddev=0.01)``) or anything
        ``glassnet.initializers.get`` takes. Give ``labels=`` to name them in the rows and legends.
    build : callable, default=None
        ``build(initializer, seed) -> Sequential``, replacing the default network.
    hidden_layer_sizes : sequence of int, default=(16, 16)
    activation : str, default="tanh"
    optimizer : str, default="adam"
    optimizer_options : dict, default=None
    learning_rate : float, default=0.01
    epochs, batch_size, seeds, validation_split, task, labels, target_loss
        As :func:`compare_learning_rates`.

    Returns
    -------
    list of dict
        One row per (setting, seed); the keys are :data:`ROW_KEYS`.
    """
    settings = [_check_kind(init, f"initializers[{i}]", initializers_module.get)
                for i, init in enumerate(_non_empty(initializers, "initializers"))]
    default = _Network(hidden_layer_sizes, activation, None, optimizer, optimizer_options, learning_rate, task)
    return _compare("initializer", settings, lambda i: default.replace(initializer=i), build, X, y, epochs,
                    batch_size, seeds, validation_split, labels, target_loss)


def compare_depth_width(X, y, configs: Iterable[tuple[int, int]] = ((1, 32), (2, 16), (4, 8)), *,
                        build: Builder | None = None, activation: str = "relu", optimizer: str = "adam",
                        optimizer_options: dict | None = None, learning_rate: float = 0.01, epochs: int = 100,
                        batch_size: int | None = 32, seeds: Iterable[int] = (0,), validation_split: float = 0.0,
                        task: str = "auto", labels: Sequence[str] | None = None,
                        target_loss: float | None = None) -> list[dict[str, Any]]:
    """Train deep-and-narrow against shallow-and-wide networks: ``depth`` hidden layers of ``width`` units.

    Parameters
    ----------
    X, y : array-like
        As :func:`compare_learning_rates`.
    configs : iterable of (int, int), default=((1, 32), (2, 16), (4, 8))
        The settings compared: ``(depth, width)`` pairs, depth >= 0 (0: no hidden layer), width >= 1.
    build : callable, default=None
        ``build((depth, width), seed) -> Sequential``, replacing the default network.
    activation : str, default="relu"
    optimizer : str, default="adam"
    optimizer_options : dict, default=None
    learning_rate : float, default=0.01
    epochs, batch_size, seeds, validation_split, task, labels, target_loss
        As :func:`compare_learning_rates`.

    Returns
    -------
    list of dict
        One row per (setting, seed); the keys are :data:`ROW_KEYS` plus ``depth`` and ``width`` after
        ``setting``.
    """
    settings = []
    for config in _non_empty(configs, "configs"):
        if not isinstance(config, Sequence) or isinstance(config, str) or len(config) != 2:
            raise ValueError(f"configs must hold (depth, width) pairs, received {config!r}")
        settings.append((check_int(config[0], "depth", minimum=0), check_int(config[1], "width", minimum=1)))
    default = _Network((), activation, None, optimizer, optimizer_options, learning_rate, task)
    rows = _compare("depth_width", settings, lambda c: default.replace(hidden=(c[1],) * c[0]), build, X, y,
                    epochs, batch_size, seeds, validation_split, labels, target_loss)
    out = []
    for row in rows:
        depth, width = row["setting"]
        items = list(row.items())
        out.append(dict(items[:2] + [("depth", depth), ("width", width)] + items[2:]))
    return Results(out)


def as_table(rows: list[dict[str, Any]]):
    """The rows as a pandas DataFrame when pandas is installed, else the list of rows itself.

    Parameters
    ----------
    rows : list of dict
        What a ``compare_*`` function returned.

    Returns
    -------
    pandas.DataFrame or list of dict
        One row per run, one column per key.
    """
    try:
        return Results(rows).to_frame()
    except ImportError:
        return list(rows)


# --------------------------------------------------------------------------------------------------------------
# The shared runner
# --------------------------------------------------------------------------------------------------------------

class _Network:
    """The default network's recipe: hidden layer sizes, activation, initialiser, optimiser, task."""

    def __init__(self, hidden, activation, initializer, optimizer, optimizer_options, learning_rate, task):
        self.hidden = tuple(check_int(h, "hidden_layer_sizes[i]", minimum=1) for h in hidden)
        self.activation = _check_kind(activation, "activation", activations_module.get)
        self.initializer = initializer
        self.optimizer = check_name(optimizer, "optimizer", OPTIMIZERS)
        if optimizer_options is not None and not isinstance(optimizer_options, dict):
            raise TypeError(f"optimizer_options must be a dict, received {type(optimizer_options).__name__}")
        self.optimizer_options = dict(optimizer_options or {})
        self.learning_rate = check_float(learning_rate, "learning_rate", minimum=0.0, include_min=False)
        self.task = check_name(task, "task", ("auto", "classification", "regression"))

    def replace(self, **changes) -> _Network:
        new = object.__new__(_Network)
        new.__dict__.update(self.__dict__, **changes)
        return new

    def build(self, y: np.ndarray, n_features: int, seed: int) -> Sequential:
        one_hot = y.ndim == 2 and y.shape[1] > 1
        optimizer = OPTIMIZERS[self.optimizer](learning_rate=self.learning_rate, **self.optimizer_options)
        if not _is_classification(y, self.task):
            # the rows read no regression metric, so none is computed
            return mlp(n_features, self.hidden, "regression", n_outputs=1 if y.ndim == 1 else y.shape[1],
                       activation=self.activation, initializer=self.initializer, optimizer=optimizer,
                       metrics=None, seed=seed)
        # one-hot rows are always read by a softmax, even for two classes
        task, classes = ("multiclass", y.shape[1]) if one_hot else ("classification", _classes(y))
        return mlp(n_features, self.hidden, task, n_outputs=classes, activation=self.activation,
                   initializer=self.initializer, optimizer=optimizer, seed=seed)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Class labels as 0..k-1 for the default network's losses; regression targets unchanged."""
        if _is_classification(y, self.task) and (y.ndim == 1 or y.shape[1] == 1):
            return np.unique(y.ravel(), return_inverse=True)[1].ravel()
        return y


def _compare(experiment: str, settings: list, recipe: Callable[[Any], _Network], build: Builder | None, X, y,
             epochs, batch_size, seeds, validation_split, labels, target_loss) -> list[dict[str, Any]]:
    """Train every (setting, seed) and return one row each."""
    names = _labels(labels, settings)
    target_loss = check_float(target_loss, "target_loss", minimum=0.0, include_min=False, allow_none=True)
    X = check_array(X, "X")
    y = np.asarray(y)
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise ValueError(f"y must be 1-D or 2-D with one row per sample of X ({len(X)}), received shape {y.shape}")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    validation_split = check_float(validation_split, "validation_split", minimum=0.0, maximum=1.0,
                                   include_max=False)
    seeds = [check_int(s, "seeds[i]", minimum=0) for s in _non_empty(seeds, "seeds")]
    if build is not None and not callable(build):
        raise TypeError(f"build must be a callable build(setting, seed) -> Sequential, received {build!r}")
    rows = []
    for setting, label in zip(settings, names):
        for seed in seeds:
            if build is None:
                network = recipe(setting)
                model, targets = network.build(y, X.shape[1], seed), network.targets(y)
            else:
                model, targets = build(setting, seed), y
                if not isinstance(model, Sequential):
                    raise TypeError(f"build must return a compiled glassnet Sequential, received "
                                    f"{type(model).__name__}")
            rows.append({"experiment": experiment, "setting": setting, "label": label, "seed": seed,
                         **_run(model, X, targets, epochs, batch_size, validation_split, target_loss)})
    return Results(rows)


def _run(model: Sequential, X, y, epochs, batch_size, validation_split, target_loss) -> dict[str, Any]:
    """Train one model and summarise its run (the row minus experiment, setting and seed)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        # a diverging run is an outcome to tabulate here, not a surprise to warn about
        warnings.simplefilter("ignore", DivergenceWarning)
        history = model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
                            verbose=0)
    seconds = time.perf_counter() - start
    curves = history.history
    losses = [float(v) for v in curves.get("loss", [])]
    val_losses = [float(v) for v in curves["val_loss"]] if "val_loss" in curves else None
    target = TARGET_LOSS.get(model.loss.name) if target_loss is None else target_loss
    reached = [epoch for epoch, loss in enumerate(losses, start=1) if target is not None and loss <= target]
    convergence_epoch = reached[0] if reached else None
    converged = None if target is None else bool(reached and losses[-1] <= target and not history.diverged)
    return {
        "final_loss": losses[-1] if losses else math.nan,
        "best_loss": min(losses) if losses else math.nan,
        "final_accuracy": _last(curves, "accuracy"),
        "final_val_loss": _last(curves, "val_loss"),
        "final_val_accuracy": _last(curves, "val_accuracy"),
        "converged": converged,
        "convergence_epoch": convergence_epoch,
        "epochs": len(losses),
        "diverged": bool(history.diverged),
        "seconds": seconds,
        "n_params": model.param_counts().trainable,
        "loss_curve": losses,
        "val_loss_curve": val_losses,
        "history": history,
    }


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _is_classification(y: np.ndarray, task: str) -> bool:
    """The task's answer, or for "auto": integer/boolean labels, one per sample, or one-hot integer rows."""
    if task != "auto":
        return task == "classification"
    if y.dtype.kind not in "iub":
        return False
    if y.ndim == 1 or y.shape[1] == 1:
        return True
    return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))


def _classes(y: np.ndarray) -> int:
    n = len(np.unique(y))
    if n < 2:
        raise ValueError(f"y must contain at least two classes for classification, received {n}")
    return n


def _check_sizes(h) -> int | tuple[int, ...]:
    if isinstance(h, numbers.Integral) and not isinstance(h, bool):
        return check_int(h, "hidden_sizes[i]", minimum=0)
    if isinstance(h, Sequence) and not isinstance(h, str):
        return tuple(check_int(u, "hidden_sizes[i][j]", minimum=1) for u in h)
    raise TypeError(f"hidden_sizes must hold ints or sequences of ints, received {h!r}")


def _as_layers(h: int | tuple[int, ...]) -> tuple[int, ...]:
    if isinstance(h, tuple):
        return h
    return (h,) if h > 0 else ()


def _check_kind(value, name: str, resolve):
    """``value`` as given (a name stays a name), once ``resolve`` (an activation's or initialiser's ``get``) has
    accepted it; its refusal is re-raised naming the parameter."""
    try:
        resolve(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from None
    return value


def _labels(labels, settings: list) -> list[str]:
    """The name of each setting: the ``labels`` given (one str per setting), else each setting's own."""
    if labels is None:
        return [_describe(s) for s in settings]
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise TypeError(f"labels must be a list of str, one per setting, received {labels!r}")
    labels = list(labels)
    if len(labels) != len(settings) or not all(isinstance(text, str) for text in labels):
        raise ValueError(f"labels must be {len(settings)} str, one per setting, received {labels!r}")
    return labels


def _describe(setting) -> str:
    if isinstance(setting, (str, numbers.Number)):
        return str(setting)
    if isinstance(setting, tuple):
        return " x ".join(str(v) for v in setting) if setting else "none"
    config = getattr(setting, "get_config", None)
    if callable(config):  # an Activation or Initializer: its name and arguments
        args = {k: v for k, v in config().items() if k != "name"}
        name = config().get("name", type(setting).__name__)
        return name + (f"({', '.join(f'{k}={v}' for k, v in args.items())})" if args else "")
    return getattr(setting, "__name__", repr(setting))


def _non_empty(values, name: str) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of settings, received {values!r}")
    values = list(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    return values


def _last(curves: dict, key: str) -> float | None:
    values = curves.get(key)
    return float(values[-1]) if values else None
