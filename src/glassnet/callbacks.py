"""Training callbacks: small objects the training loop calls at fixed points of ``fit``.

The loop (``Sequential.fit``) calls, in this order::

    on_train_begin(logs)
    for epoch in range(initial_epoch, epochs):
        on_epoch_begin(epoch, logs)
        for batch in ...:
            on_batch_begin(batch, {"batch": i, "size": n})
            on_batch_end(batch, {"batch": i, "size": n, "loss": batch_loss})
        on_epoch_end(epoch, logs)     # logs: "loss", metrics, "val_*", "lr"
    on_train_end(logs)

A callback talks back to the loop only through two channels, as in Keras: it may set
``model.stop_training = True`` (checked after every batch and every epoch), and it may write into the epoch
``logs`` dict, which every later callback in the list sees (``ReduceLROnPlateau`` writes the new ``"lr"``
there). Each callback resets its own state in ``on_train_begin``, so one instance can serve several
``fit`` calls.

The file reads from simple to complex: the base class and the list that drives it, the recorders
(``History``, ``LambdaCallback``, ``TerminateOnNaN``, ``ProgressBar``, ``CSVLogger``), then the callbacks that
watch a monitored quantity (``ModelCheckpoint``, ``EarlyStopping``, ``ReduceLROnPlateau``).
"""

from __future__ import annotations

import copy
import csv
import math
import numbers
import os
import string
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._registry import DRAWERS, html_of
from ._validation import check_bool, check_float, check_int, check_name, check_path

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LivePlot",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]

_MODES = ("auto", "min", "max")
# Substrings of a monitored name that mean "higher is better" when mode="auto"; everything else (losses,
# errors) is minimised.
_MAXIMISED = ("acc", "auc", "f1", "precision", "recall", "r2")


class Callback:
    """Base class of every callback: stores the model and the run's parameters; every hook does nothing.

    Subclasses override only the hooks they need. ``model`` is ``None`` until the loop calls ``set_model``;
    ``params`` holds ``"epochs"``, ``"steps"`` (batches per epoch), ``"samples"``, ``"verbose"`` and
    ``"initial_epoch"`` once the loop calls ``set_params``.
    """

    def __init__(self) -> None:
        self.model = None
        self.params: dict[str, Any] = {}

    def set_model(self, model) -> None:
        """Attach the model being trained."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Record the run's parameters (epochs, steps, samples, verbose, initial_epoch)."""
        self.params = dict(params)

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once after the last epoch, also when training stopped early."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of each epoch (``epoch`` counts from 0, continuing from ``initial_epoch``)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of each epoch with the epoch's losses, metrics and learning rate."""

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training batch with its ``"loss"``."""

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-safe dict; ``from_config`` rebuilds the callback from it."""
        return {}

    #: the attributes that make up the callback's running state (its "memory" of the run so far)
    state_attributes: tuple[str, ...] = ()

    def get_state(self) -> dict[str, Any]:
        """The running state (copies), so that ``save_model(..., callbacks=[...])`` can resume a run exactly."""
        return {key: copy.deepcopy(getattr(self, key)) for key in self.state_attributes}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore what ``get_state`` returned."""
        unknown = set(state) - set(self.state_attributes)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no state {sorted(unknown)}; its state is "
                             f"{list(self.state_attributes)}")
        for key, value in state.items():
            setattr(self, key, copy.deepcopy(value))

    def _continuing(self) -> bool:
        """Whether this run continues an earlier one (``fit(initial_epoch > 0)``): keep the state then."""
        return self.params.get("initial_epoch", 0) > 0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Callback:
        """Build a callback from the dict returned by ``get_config``."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


class CallbackList(Callback):
    """An ordered group of callbacks that the training loop drives as one.

    Every hook is forwarded to each callback in list order, with the same ``logs`` dict, so a value one
    callback writes into the logs (such as a reduced ``"lr"``) is seen by the callbacks after it.

    Parameters
    ----------
    callbacks : iterable of Callback, default=None
        The callbacks, in the order their hooks run.
    model : object, default=None
        If given, passed to every callback's ``set_model``.
    params : dict, default=None
        If given, passed to every callback's ``set_params``.
    """

    def __init__(self, callbacks: Iterable[Callback] | None = None, model=None,
                 params: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.callbacks: list[Callback] = []
        if isinstance(callbacks, CallbackList):
            callbacks = callbacks.callbacks
        if callbacks is not None:
            if isinstance(callbacks, Callback) or not isinstance(callbacks, Iterable):
                raise TypeError(f"callbacks must be a list of Callback objects, "
                                f"received callbacks={callbacks!r}")
            for callback in callbacks:
                self.append(callback)
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end, giving it the list's model and parameters if they are already set."""
        if not isinstance(callback, Callback):
            raise TypeError(f"each callback must be a glassnet Callback instance, received {callback!r} "
                            f"({type(callback).__name__})")
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_model(self, model) -> None:
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        for callback in self.callbacks:
            callback.set_params(params)

    # One dict is shared by all callbacks of a hook, so None becomes a fresh dict here, not in each callback.
    def on_train_begin(self, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs)

    def hook(self, name: str) -> Callable | None:
        """``name``'s hook of the callbacks that have one (that override the base class's no-op, or set it on
        the instance, as LambdaCallback does), as one function; None if none has: the loop then skips the call
        altogether (a batch hook nobody uses costs nothing per batch)."""
        hooks = [getattr(c, name) for c in self.callbacks
                 if getattr(type(c), name) is not getattr(Callback, name) or name in vars(c)]
        if not hooks:
            return None
        if len(hooks) == 1:
            return hooks[0]

        def call_all(*args):
            for hook in hooks:
                hook(*args)
        return call_all

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError("CallbackList has no config of its own; save each callback's get_config()")

    def __repr__(self) -> str:
        return f"CallbackList({self.callbacks!r})"


class History(Callback):
    """Records the epoch logs: ``history[key]`` is the list of that value over epochs (the Keras convention).

    ``fit`` returns its History. Keys appear as the logs first contain them, each list growing by one value
    per epoch that logged it. Unlike Keras, History does not clear itself in ``on_train_begin``: the model
    makes a new History for each ``fit`` call, and a continued run (``fit(initial_epoch=k)``) may keep
    appending to an existing one. Call ``reset()`` to clear it.

    Attributes
    ----------
    history : dict of str to list of float
        Per-epoch values of each logged quantity.
    epoch : list of int
        The epoch index of each recorded row.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def reset(self) -> None:
        """Forget every recorded epoch."""
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(int(epoch))
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(no epochs yet)"
        last = ", ".join(f"{key} {_format_significant(values[-1])}" for key, values in self.history.items() if values)
        return f"History({len(self.epoch)} epoch{'s' * (len(self.epoch) != 1)}; last: {last})"

    def _repr_html_(self) -> str | None:
        """The notebook's view: the curves as a figure, and the last values."""
        return html_of(self)


class LambdaCallback(Callback):
    """A callback made on the spot from plain functions, one per hook.

    Each function takes the same positional arguments as the hook it replaces: ``(logs)`` for the train hooks,
    ``(epoch, logs)`` for the epoch hooks and ``(batch, logs)`` for the batch hooks. Hooks left as ``None`` do
    nothing.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable, default=None
        Called as ``f(epoch, logs)``.
    on_batch_begin, on_batch_end : callable, default=None
        Called as ``f(batch, logs)``.
    on_train_begin, on_train_end : callable, default=None
        Called as ``f(logs)``.

    Examples
    --------
    >>> losses = []
    >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_begin",
              "on_train_end")

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_batch_begin: Callable | None = None, on_batch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None) -> None:
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end)
        for hook, function in given.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"{hook} must be a callable or None, received {hook}={function!r}")
            # An instance attribute shadows the no-op method, which is all a LambdaCallback is.
            setattr(self, hook, function)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError("LambdaCallback holds Python functions, which cannot be written as JSON")

    def __repr__(self) -> str:
        hooks = ", ".join(hook for hook in self._HOOKS if hook in vars(self))
        return f"LambdaCallback({hooks})"


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite.

    Further steps from a non-finite loss only spread NaN through every weight, so the loop is stopped after
    the offending batch (``model.stop_training = True``, which still runs every ``on_train_end``), with a
    ``UserWarning`` "Batch N: Invalid loss, terminating training".
    """

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            warnings.warn(f"Batch {batch}: Invalid loss, terminating training", UserWarning, stacklevel=2)
            self.model.stop_training = True


class ProgressBar(Callback):
    """Shows training progress, in the form that fits where the output goes (Keras's ``verbose`` values).

    Parameters
    ----------
    verbose : {0, 1, 2}, default=1
        0 is silent. 1 is a progress bar over the epochs with the latest logs (4 significant digits) after it:
        in a notebook (Jupyter, Colab) one widget bar updating in place (``tqdm.auto``; install ``ipywidgets``,
        the ``notebook`` extra, for the widget), in a terminal a text bar on stderr, and where stderr is neither
        (a log file, a pipe) one line per epoch on stderr, where the bar would have been (stdout stays for
        results). 2 prints one line per epoch on stdout, e.g.
        ``Epoch 3/100 - loss: 0.1234 - accuracy: 0.9500 - val_loss: 0.2345 - lr: 0.0010``.
    """

    def __init__(self, verbose: int = 1) -> None:
        super().__init__()
        self.verbose = check_int(verbose, "verbose", minimum=0, maximum=2)
        self._bar = None
        self._lines = None  # the stream of one line per epoch, if that is the form

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._close()
        # the streams are looked up now, not at import, so redirected or captured streams are honoured
        self._lines = sys.stdout if self.verbose == 2 else None
        if self.verbose != 1:
            return
        notebook = in_notebook()
        if not notebook and not _is_terminal(sys.stderr):
            self._lines = sys.stderr
            return
        epochs = self.params.get("epochs")
        total = None if epochs is None else max(epochs - self.params.get("initial_epoch", 0), 0)
        if notebook:
            from tqdm.auto import tqdm  # on first use: importing glassnet stays light
        else:
            from tqdm import tqdm
        self._bar = tqdm(total=total, unit="epoch", file=None if notebook else sys.stderr)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self._bar is not None:
            self._bar.set_postfix({key: _format_significant(value) for key, value in logs.items()},
                                  refresh=False)
            self._bar.update(1)
        elif self._lines is not None:
            parts = [f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"]
            parts += [f"{key}: {_format_fixed(value)}" for key, value in logs.items()]
            print(" - ".join(parts), file=self._lines, flush=True)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def get_config(self) -> dict[str, Any]:
        return {"verbose": self.verbose}


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file, one row per epoch, flushed as each epoch ends.

    The header is ``epoch`` followed by the log keys of the first epoch, sorted; later rows give ``NA`` for a
    key they lack. In append mode an existing non-empty file is continued without repeating its header, and
    its own header decides the columns, so a continued run lines up with the rows already there.

    Parameters
    ----------
    filename : str or os.PathLike
        The CSV file to write.
    separator : str, default=","
        The one-character field separator.
    append : bool, default=False
        Continue an existing file instead of overwriting it.
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = os.fspath(check_path(filename, "filename"))
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator must be a single character, received separator={separator!r}")
        self.separator = separator
        self.append = check_bool(append, "append")
        self._file = None
        self._writer = None
        self._keys: list[str] | None = None
        self._write_header = True

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._close()
        self._keys = None
        write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="", encoding="utf-8") as existing:
                header = next(csv.reader(existing, delimiter=self.separator), None)
            if header:
                write_header = False
                self._keys = header[1:]
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, delimiter=self.separator)
        self._write_header = write_header

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self._file is None:
            raise RuntimeError("CSVLogger.on_epoch_end was called before on_train_begin opened the file")
        if self._keys is None:
            self._keys = sorted(logs)
        if self._write_header:
            self._writer.writerow(["epoch", *self._keys])
            self._write_header = False
        self._writer.writerow([epoch, *(logs.get(key, "NA") for key in self._keys)])
        self._file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None

    def get_config(self) -> dict[str, Any]:
        return {"filename": self.filename, "separator": self.separator, "append": self.append}


class LivePlot(Callback):
    """Training curves that redraw themselves as the run goes: in a notebook one output, updated in place; in a
    script a file rewritten every few epochs (with ``path``), or nothing.

    It only watches: the run's numbers are the same with it and without it (drawing the boundary is an
    inference pass, which changes no weight, statistic or random generator).

    Parameters
    ----------
    metrics : sequence of str, default=("loss", "accuracy")
        The logged quantities to draw, one panel each (each with its ``val_`` counterpart when there is one);
        those the run does not log are left out.
    every : int, default=1
        Redraw every ``every`` epochs (and once at the end), >= 1: a slow figure need not slow a fast run.
    boundary : bool, default=False
        Also draw the decision boundary of a two-feature classifier on ``data``.
    data : tuple (X, y), default=None
        The points the boundary is drawn with (``X`` of two features); required with ``boundary=True``.
    path : str or path-like, default=None
        Outside a notebook, the image file to rewrite at each redraw (atomically); None draws nothing there.

    Examples
    --------
    >>> live = LivePlot(metrics=("loss", "accuracy"), every=5)
    >>> # model.fit(X, y, epochs=200, callbacks=[live])
    """

    def __init__(self, metrics=("loss", "accuracy"), every: int = 1, boundary: bool = False, data=None, path=None):
        super().__init__()
        if isinstance(metrics, str) or not isinstance(metrics, Iterable):
            raise TypeError(f"metrics must be a sequence of logged names, received metrics={metrics!r}")
        self.metrics = tuple(metrics)
        if not self.metrics or not all(isinstance(m, str) for m in self.metrics):
            raise ValueError(f"metrics must name at least one logged quantity, received metrics={metrics!r}")
        self.every = check_int(every, "every", minimum=1)
        self.boundary = check_bool(boundary, "boundary")
        if self.boundary:
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise ValueError(f"boundary=True needs data=(X, y), the points to draw the boundary with, received "
                                 f"data={type(data).__name__}")
            X = np.asarray(data[0])
            if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(data[1]):
                raise ValueError(f"data must be (X, y) with X of two features and one label per row, received X of "
                                 f"shape {X.shape} and {len(data[1])} labels")
            data = (X, np.asarray(data[1]))
        elif data is not None:
            raise ValueError("data is drawn only with boundary=True; pass boundary=True or leave data out")
        self.data = data
        self.path = None if path is None else check_path(path)
        self._handle = None
        self._curves: dict[str, list[float]] = {}
        #: how many times the figure was drawn in the latest run (shown or written)
        self.redraws = 0
        self._drawn_at = 0  # the epoch count of the latest picture

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._curves = {}
        self._handle = None
        self.redraws = 0
        self._drawn_at = 0
        self._notebook = in_notebook()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self._curves.setdefault(key, []).append(float(value))
        if self._epochs() % self.every == 0:
            self._draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._curves and self._drawn_at != self._epochs():  # the last epochs since the latest picture
            self._draw()

    def _epochs(self) -> int:
        return len(next(iter(self._curves.values()), []))

    def _draw(self) -> None:
        self._drawn_at = self._epochs()
        if not self._notebook and self.path is None:
            return
        fig = DRAWERS["live_plot"](self._curves, self.metrics, self.model, self.data if self.boundary else None)
        self.redraws += 1
        if self._notebook:
            from IPython.display import display

            if self._handle is None:
                self._handle = display(fig, display_id=True)
            else:
                self._handle.update(fig)
        elif self.path is not None:
            DRAWERS["save_figure"](fig, self.path)

    def get_config(self) -> dict[str, Any]:
        return {"metrics": list(self.metrics), "every": self.every, "boundary": self.boundary,
                "path": None if self.path is None else str(self.path)}


class ModelCheckpoint(Callback):
    """Saves the model at the end of every epoch, or only when the monitored quantity improves.

    Files are written by the model's ``save`` (``glassnet.save_model``), which replaces the target atomically, so
    an interrupted run never leaves a half-written checkpoint.

    Parameters
    ----------
    filepath : str or os.PathLike
        Where to save. May contain format fields: ``{epoch}`` (counted from 1, as Keras does) and any epoch
        log key, e.g. ``"ckpt/{epoch:03d}-{val_loss:.4f}.safetensors"``. Without fields the same file is
        overwritten.
    monitor : str, default="val_loss"
        The log key compared between epochs when ``save_best_only``.
    verbose : int, default=0
        If > 0, print a line for each save decision.
    save_best_only : bool, default=False
        Save only when ``monitor`` beats the best value so far in this run. If ``monitor`` is missing from the
        logs, warn and save nothing.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better. "auto" maximises names containing "acc", "auc", "f1", "precision",
        "recall" or "r2" and minimises everything else.
    save_freq : "epoch", default="epoch"
        Only saving at the end of each epoch is supported.

    Attributes
    ----------
    best : float
        The best monitored value seen in this run (``inf`` or ``-inf`` before the first).
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto", save_freq: str = "epoch") -> None:
        super().__init__()
        self.filepath = os.fspath(check_path(filepath, "filepath"))
        try:
            list(string.Formatter().parse(self.filepath))
        except ValueError as exc:
            raise ValueError(f"filepath is not a valid format string ({exc}), received "
                             f"filepath={self.filepath!r}; write a literal brace as '{{{{' or '}}}}'"
                             ) from None
        self.monitor = _check_monitor(monitor)
        self.verbose = check_int(verbose, "verbose", minimum=0)
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.mode = check_name(mode, "mode", _MODES)
        if save_freq != "epoch":
            raise ValueError(f"save_freq must be 'epoch' (saving every N batches is not supported), "
                             f"received save_freq={save_freq!r}")
        self.save_freq = save_freq
        self._direction = _resolve_mode(self.mode, self.monitor)
        self.best = _worst(self._direction)

    state_attributes = ("best",)

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self._continuing():
            self.best = _worst(self._direction)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        path = self._format_path(epoch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(_missing_key_message("ModelCheckpoint", self.monitor, logs)
                              + "; nothing was saved", UserWarning, stacklevel=2)
                return
            current = float(current)
            if not _is_improvement(current, self.best, self._direction, 0.0):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        self._save(path)

    def _format_path(self, epoch: int, logs: dict) -> str:
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except (KeyError, IndexError) as exc:
            raise ValueError(f"ModelCheckpoint could not fill filepath={self.filepath!r}: no value for "
                             f"{exc}; available fields are 'epoch' and the log keys {sorted(logs)}") from None
        except ValueError as exc:
            raise ValueError(f"ModelCheckpoint could not fill filepath={self.filepath!r}: {exc}") from None

    def _save(self, path: str) -> None:
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.model.save(path)

    def get_config(self) -> dict[str, Any]:
        return {"filepath": self.filepath, "monitor": self.monitor, "verbose": self.verbose,
                "save_best_only": self.save_best_only, "mode": self.mode, "save_freq": self.save_freq}


class EarlyStopping(Callback):
    """Stops training when the monitored quantity has stopped improving (Keras 3 semantics).

    Each monitored epoch counts one more epoch of waiting; an improvement of more than ``min_delta`` over the
    best value so far resets the count, and training stops once the count reaches ``patience``. With a
    ``baseline``, only an improvement that also beats the baseline resets the count, so a run that never
    reaches the baseline stops after ``patience`` epochs. Epochs before ``start_from_epoch`` are not monitored
    at all. Training is never stopped at epoch 0.

    Parameters
    ----------
    monitor : str, default="val_loss"
        The epoch log key to watch. If it is missing, a ``UserWarning`` lists the available keys and
        training goes on.
    min_delta : float, default=0.0
        The smallest change that counts as an improvement. Its sign is ignored: ``mode`` gives the
        direction.
    patience : int, default=0
        Epochs without improvement after which training stops.
    verbose : int, default=0
        If > 0, print when training stops early and when weights are restored.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better. "auto" maximises names containing "acc", "auc", "f1", "precision",
        "recall" or "r2" and minimises everything else.
    baseline : float, default=None
        A value the monitored quantity must beat before waiting is reset.
    restore_best_weights : bool, default=False
        At the end of training (stopped early or not), put back the weights of the best monitored epoch. As in
        Keras 3, they are restored even if no epoch beat ``baseline``.
    start_from_epoch : int, default=0
        Warm-up: epochs with an index below this are not monitored.

    Attributes
    ----------
    best : float
        The best monitored value in this run (``inf`` or ``-inf`` before the first).
    best_epoch : int
        The epoch index of ``best``.
    best_weights : list of ndarray or None
        Copies of the weights at ``best_epoch``, kept only when ``restore_best_weights``.
    wait : int
        Epochs since the last improvement.
    stopped_epoch : int
        The epoch index at which this callback stopped training; 0 if it did not.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor = _check_monitor(monitor)
        self.min_delta = abs(check_float(min_delta, "min_delta"))
        self.patience = check_int(patience, "patience", minimum=0)
        self.verbose = check_int(verbose, "verbose", minimum=0)
        self.mode = check_name(mode, "mode", _MODES)
        self.baseline = check_float(baseline, "baseline", allow_none=True)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = check_int(start_from_epoch, "start_from_epoch", minimum=0)
        self._direction = _resolve_mode(self.mode, self.monitor)
        self._reset()

    state_attributes = ("wait", "stopped_epoch", "best", "best_epoch", "best_weights")

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = _worst(self._direction)
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self._continuing():
            self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(_missing_key_message("EarlyStopping", self.monitor, logs), UserWarning,
                          stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch is the best there is.
            self.best_weights = _copy_weights(self.model)
            self.best_epoch = epoch

        self.wait += 1
        if _is_improvement(current, self.best, self._direction, self.min_delta):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model)
            # Waiting restarts only on beating both the previous best and the baseline.
            beats_baseline = (self.baseline is None
                              or _is_improvement(current, self.baseline, self._direction, self.min_delta))
            if beats_baseline:
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_config(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "min_delta": self.min_delta, "patience": self.patience,
                "verbose": self.verbose, "mode": self.mode, "baseline": self.baseline,
                "restore_best_weights": self.restore_best_weights, "start_from_epoch": self.start_from_epoch}


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when the monitored quantity has stopped improving.

    An epoch improves if it beats the best value so far by more than ``min_delta``. After ``patience`` epochs
    without improvement the rate becomes ``max(lr * factor, min_lr)`` and a cooldown starts. The cooldown
    follows Keras's rule exactly: the counter is decremented before each epoch is judged, so only the next
    ``cooldown - 1`` epochs are kept out of the count (``cooldown=1`` behaves like ``cooldown=0``).

    The new rate is written to ``model.optimizer.learning_rate`` and to ``logs["lr"]``, so callbacks after
    this one (History, the progress bar) record it. Needs a constant learning rate: a schedule object on the
    optimizer is refused with a ``TypeError`` when training begins.

    Parameters
    ----------
    monitor : str, default="val_loss"
        The epoch log key to watch. If it is missing, a ``UserWarning`` lists the available keys.
    factor : float, default=0.1
        The multiplier, in (0, 1).
    patience : int, default=10
        Epochs without improvement before the rate is reduced.
    verbose : int, default=0
        If > 0, print each reduction.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better. "auto" maximises names containing "acc", "auc", "f1", "precision",
        "recall" or "r2" and minimises everything else.
    min_delta : float, default=1e-4
        The smallest change that counts as an improvement; its sign is ignored.
    cooldown : int, default=0
        Length of the cooldown after a reduction, counted the Keras way (see above).
    min_lr : float, default=0.0
        The rate is never reduced below this.

    Attributes
    ----------
    best : float
        The best monitored value in this run.
    wait : int
        Epochs without improvement counted towards ``patience``.
    cooldown_counter : int
        Cooldown epochs still to run.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__()
        self.monitor = _check_monitor(monitor)
        self.factor = check_float(factor, "factor", minimum=0.0, maximum=1.0, include_min=False,
                                  include_max=False)
        self.patience = check_int(patience, "patience", minimum=0)
        self.verbose = check_int(verbose, "verbose", minimum=0)
        self.mode = check_name(mode, "mode", _MODES)
        self.min_delta = abs(check_float(min_delta, "min_delta"))
        self.cooldown = check_int(cooldown, "cooldown", minimum=0)
        self.min_lr = check_float(min_lr, "min_lr", minimum=0.0)
        self._direction = _resolve_mode(self.mode, self.monitor)
        self._reset()

    state_attributes = ("best", "wait", "cooldown_counter")

    def _reset(self) -> None:
        self.best = _worst(self._direction)
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        """Whether a recent reduction is still cooling down."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        learning_rate = self.model.optimizer.learning_rate
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise TypeError(f"ReduceLROnPlateau needs a constant learning rate (a float), but the "
                            f"optimizer's learning_rate is {learning_rate!r} "
                            f"({type(learning_rate).__name__}); use either a schedule or ReduceLROnPlateau, "
                            f"not both")
        if not self._continuing():
            self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(_missing_key_message("ReduceLROnPlateau", self.monitor, logs), UserWarning,
                          stacklevel=2)
            return
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0

        if _is_improvement(current, self.best, self._direction, self.min_delta):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch, logs)

    def _reduce(self, epoch: int, logs: dict) -> None:
        old_lr = float(self.model.optimizer.learning_rate)
        # Compared in float32: an optimiser that stores its rate in float32 may hold min_lr rounded up, which
        # must still count as "at the floor" rather than trigger a reduction every `patience` epochs.
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new_lr
            logs["lr"] = new_lr
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr:.4g}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def get_config(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "factor": self.factor, "patience": self.patience,
                "verbose": self.verbose, "mode": self.mode, "min_delta": self.min_delta,
                "cooldown": self.cooldown, "min_lr": self.min_lr}


def _check_monitor(monitor) -> str:
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"monitor must be a non-empty string naming an epoch log key such as 'val_loss', "
                        f"received monitor={monitor!r}")
    return monitor


def _resolve_mode(mode: str, monitor: str) -> str:
    if mode != "auto":
        return mode
    name = monitor.lower()
    return "max" if any(part in name for part in _MAXIMISED) else "min"


def _worst(direction: str) -> float:
    return math.inf if direction == "min" else -math.inf


def _is_improvement(current: float, reference: float, direction: str, min_delta: float) -> bool:
    # A NaN never improves: accepting it as "best" would make every later comparison false.
    if math.isnan(current):
        return False
    if direction == "min":
        return current < reference - min_delta
    return current > reference + min_delta


def _missing_key_message(owner: str, monitor: str, logs: dict) -> str:
    return (f"{owner} is conditioned on monitor={monitor!r}, which is not in the epoch logs; "
            f"available keys are {sorted(logs)}")


def _copy_weights(model) -> list[np.ndarray]:
    # Copies, because a model may hand out views of arrays that the optimiser then updates in place.
    return [np.array(weight, copy=True) for weight in model.get_weights()]


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter (or Colab) kernel, where rich output and widgets show."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and (type(shell).__name__ == "ZMQInteractiveShell" or "google.colab" in sys.modules)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # a closed or file-like stream without one
        return False


def _format_significant(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.4g}"
    return str(value)


def _format_fixed(value) -> str:
    # Keras's rule: 4 decimals, switching to scientific notation where 4 decimals would show only zeros.
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        tiny = value != 0 and abs(value) < 1e-3
        return f"{value:.4e}" if tiny else f"{value:.4f}"
    return str(value)
