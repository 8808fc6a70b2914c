"""The one recipe for "an MLP for this task": hidden layers, then the output layer and loss the task needs.

The command line, the guided tour, the sweeps and the experiments all build their networks here, so that a
binary classifier is one sigmoid unit with binary cross-entropy wherever it is made::

    task            output layer                      loss                        metric (metrics="auto")
    "binary"        1 sigmoid unit                    binary_crossentropy         accuracy
    "multiclass"    n_outputs softmax units           categorical_crossentropy    accuracy
    "multilabel"    n_outputs sigmoid units           binary_crossentropy         accuracy
    "regression"    n_outputs linear units            mse                         r2
    "poisson"       n_outputs exponential units       poisson                     mae
    "classification"  "binary" for n_outputs=2 classes, "multiclass" for more

Each hidden layer is ``Dense(units, activation)``, followed by ``BatchNorm()`` when ``batch_norm`` and by
``Dropout(dropout)`` when ``dropout > 0`` (the layout of :class:`~glassnet.MLPClassifier`). ``initializer`` and
``l2`` apply to every Dense layer, the output layer included.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

from . import activations, initializers, optimizers
from ._validation import check_bool, check_dtype, check_float, check_int, check_name
from .layers import BatchNorm, Dense, Dropout
from .model import Sequential

__all__ = ["TASKS", "mlp"]

#: The tasks :func:`mlp` builds for, with their output layer and loss (metric under ``metrics="auto"``).
TASKS = {
    "binary": ("sigmoid", "binary_crossentropy", "accuracy"),
    "multiclass": ("softmax", "categorical_crossentropy", "accuracy"),
    "multilabel": ("sigmoid", "binary_crossentropy", "accuracy"),
    "regression": ("linear", "mse", "r2"),
    "poisson": ("exponential", "poisson", "mae"),
}
_CLASSIFICATION = "classification"


def mlp(n_features: int, hidden: int | Sequence[int], task: str, *, n_outputs: int | None = None,
        activation="relu", dropout: float | Sequence[float] = 0.0, batch_norm: bool = False, initializer=None,
        l2: float = 0.0,
        optimizer="adam", learning_rate: float | None = None, metrics="auto", seed: int | None = None,
        dtype="float32") -> Sequential:
    """A compiled multi-layer perceptron for a task: hidden layers, then the output layer and loss it needs.

    Parameters
    ----------
    n_features : int
        Inputs per sample (the network's ``input_dim``), >= 1.
    hidden : int or sequence of int
        Units of each hidden layer: ``16`` is one layer, ``(16, 8)`` two, ``()`` none (a linear or logistic
        model).
    task : {"binary", "multiclass", "multilabel", "regression", "poisson", "classification"}
        What the network predicts: one sigmoid unit with binary cross-entropy, ``n_outputs`` softmax units with
        categorical cross-entropy, ``n_outputs`` sigmoid units (one per label) with binary cross-entropy,
        ``n_outputs`` linear units with the mean squared error, or ``n_outputs`` exponential units (counts) with
        the Poisson loss. ``"classification"`` is ``"binary"`` for ``n_outputs=2`` classes and ``"multiclass"``
        for more.
    n_outputs : int, default=None
        The number of classes for a classification task (2 for ``"binary"``, where None means 2; required and
        >= 2 for ``"multiclass"`` and ``"classification"``), of labels for ``"multilabel"`` (required), or of
        target columns for ``"regression"`` and ``"poisson"`` (None means 1).
    activation : str or Activation, default="relu"
        Activation of the hidden layers (a name in :mod:`glassnet.activations`; not ``"step"``).
    dropout : float or sequence of float, default=0.0
        Dropout rate after each hidden layer, in [0, 1), or one rate per hidden layer; 0 adds no Dropout layer.
    batch_norm : bool, default=False
        Whether each hidden Dense layer is followed by ``BatchNorm()``.
    initializer : str, dict, Initializer or callable, default=None
        Kernel initialiser of every Dense layer (a callable has Keras's signature ``f(shape, dtype=None)``); None
        is each activation's default (He for the ReLU family, Glorot otherwise).
    l2 : float, default=0.0
        L2 penalty on the kernel of every Dense layer, >= 0.
    optimizer : str, dict or Optimizer, default="adam"
        A name in :mod:`glassnet.optimizers` (any case), a config dict (``{"name": "sgd", "momentum": 0.9}``)
        or an instance, used as is.
    learning_rate : float, default=None
        The learning rate of an optimiser given by name or config dict, > 0; None keeps the optimiser's default.
        Not allowed with an instance, which carries its own.
    metrics : "auto", str, callable, list of them or None, default="auto"
        What ``fit`` and ``evaluate`` report besides the loss: ``"auto"`` is the task's metric (accuracy for
        classification, R² for regression); None or ``[]`` is none; anything else is passed to ``compile``.
    seed : int, default=None
        Seed of the initial weights, the dropout masks and the shuffling, >= 0; None draws fresh entropy.
    dtype : {"float32", "float64"}, default="float32"
        The network's floating-point type.

    Returns
    -------
    Sequential
        Built (``input_dim=n_features``) and compiled.

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong kind or value; the message names the argument, says what was received and
        what is allowed.

    Examples
    --------
    >>> model = mlp(2, (16, 8), "multiclass", n_outputs=3, activation="tanh", learning_rate=0.01, seed=0)
    >>> [layer.output_dim for layer in model.layers], model.loss.name
    ([16, 8, 3], 'categorical_crossentropy')
    """
    n_features = check_int(n_features, "n_features", minimum=1)
    sizes = _check_hidden(hidden)
    task, n_outputs = _check_task(task, n_outputs)
    hidden_activation = _check_activation(activation)
    rates = _check_dropout(dropout, len(sizes))
    batch_norm = check_bool(batch_norm, "batch_norm")
    if initializer is not None:
        initializers.get(initializer)  # an unknown name fails here, naming "initializer"
    l2 = check_float(l2, "l2", minimum=0.0)
    resolved_optimizer = _check_optimizer(optimizer, learning_rate)
    metric_list = _check_metrics(metrics, task)
    seed = check_int(seed, "seed", minimum=0, allow_none=True)
    dtype = check_dtype(dtype)

    layers = []
    for units, rate in zip(sizes, rates):
        layers.append(Dense(units, activation=hidden_activation, kernel_initializer=initializer, l2=l2))
        if batch_norm:
            layers.append(BatchNorm())
        if rate:
            layers.append(Dropout(rate))
    output, loss, _ = TASKS[task]
    layers.append(Dense(1 if task == "binary" else n_outputs, activation=output, kernel_initializer=initializer,
                        l2=l2))
    model = Sequential(layers, input_dim=n_features, seed=seed, dtype=dtype.name)
    model.compile(loss=loss, optimizer=resolved_optimizer, metrics=metric_list)
    return model


# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------

def _check_hidden(hidden) -> tuple[int, ...]:
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        return (check_int(hidden, "hidden", minimum=1),)
    if isinstance(hidden, (str, bytes, Mapping)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a positive integer or a sequence of them (one per hidden layer, () for "
                        f"none), received hidden={hidden!r}")
    return tuple(check_int(units, f"hidden[{i}]", minimum=1) for i, units in enumerate(hidden))


def _check_dropout(dropout, n_hidden: int) -> list[float]:
    if isinstance(dropout, numbers.Real) and not isinstance(dropout, bool):
        return [check_float(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False)] * n_hidden
    if isinstance(dropout, (str, bytes, Mapping)) or not isinstance(dropout, Sequence):
        raise TypeError(f"dropout must be a rate in [0, 1) or a sequence of them, one per hidden layer, received "
                        f"dropout={dropout!r}")
    if len(dropout) != n_hidden:
        raise ValueError(f"dropout must have one rate per hidden layer ({n_hidden}), received {len(dropout)} "
                         f"rates: dropout={list(dropout)!r}")
    return [check_float(rate, f"dropout[{i}]", minimum=0.0, maximum=1.0, include_max=False)
            for i, rate in enumerate(dropout)]


def _check_task(task, n_outputs) -> tuple[str, int]:
    task = check_name(task, "task", [*TASKS, _CLASSIFICATION])
    if task in ("regression", "poisson"):
        return task, 1 if n_outputs is None else check_int(n_outputs, "n_outputs", minimum=1)
    if task == "multilabel":
        if n_outputs is None:
            raise ValueError("task='multilabel' needs n_outputs, the number of labels (>= 1), received "
                             "n_outputs=None")
        return task, check_int(n_outputs, "n_outputs", minimum=1)
    if task == "binary":
        if n_outputs is not None and check_int(n_outputs, "n_outputs") != 2:
            raise ValueError(f"n_outputs is the number of classes, 2 for task='binary' (one sigmoid unit); "
                             f"received n_outputs={n_outputs!r}. Use task='multiclass' for more classes")
        return task, 2
    if n_outputs is None:
        raise ValueError(f"task={task!r} needs n_outputs, the number of classes (>= 2), received n_outputs=None")
    n_outputs = check_int(n_outputs, "n_outputs", minimum=2)
    if task == _CLASSIFICATION:
        task = "binary" if n_outputs == 2 else "multiclass"
    return task, n_outputs


def _check_activation(activation):
    resolved = activations.get(activation)  # an unknown name lists the valid ones
    if resolved.name == "step":
        raise ValueError("activation='step' has a zero derivative and cannot be trained by backpropagation; use "
                         "glassnet.Perceptron for a step unit, or 'sigmoid'")
    return activation


def _check_optimizer(optimizer, learning_rate) -> optimizers.Optimizer:
    learning_rate = check_float(learning_rate, "learning_rate", minimum=0.0, include_min=False, allow_none=True)
    if isinstance(optimizer, optimizers.Optimizer):
        if learning_rate is not None:
            raise ValueError(f"learning_rate applies to an optimizer given by name or config; the instance "
                             f"{optimizer!r} carries its own, received learning_rate={learning_rate!r}")
        return optimizer
    if isinstance(optimizer, str):
        optimizer = {"name": optimizer.lower()}
    elif isinstance(optimizer, Mapping):
        optimizer = dict(optimizer)
        if isinstance(optimizer.get("name"), str):
            optimizer["name"] = optimizer["name"].lower()
    else:
        raise TypeError(f"optimizer must be a name (one of {sorted(optimizers.OPTIMIZERS)}), a config dict or an "
                        f"Optimizer, received optimizer={optimizer!r}")
    if learning_rate is not None:
        optimizer["learning_rate"] = learning_rate
    return optimizers.get(optimizer)


def _check_metrics(metrics, task: str):
    if isinstance(metrics, str) and metrics == "auto":
        return [TASKS[task][2]]
    if metrics is None or isinstance(metrics, str) or callable(metrics):
        return metrics
    if isinstance(metrics, (bytes, Mapping)) or not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be 'auto', a metric name or function, a list of them, or None, received "
                        f"metrics={metrics!r}")
    return list(metrics)
