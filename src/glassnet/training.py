"""The one training loop: every caller that trains a network drives a :class:`Trainer`.

``Sequential.fit`` runs one to the end, ``Sequential.train_on_batch`` takes one of its steps, the estimators'
``sgd`` and ``adam`` solvers configure one with scikit-learn's batching and rules, and the playground steps one
batch or one epoch at a time. The walk of one step::

    Xb, yb = X[idx], y[idx]                          # gathered into arrays reused from batch to batch
    loss, out = model's forward, loss and backward   # fills every layer.grads with this batch's gradients
    optimizer.step(params, grads)                    # the one place parameters change
    callbacks.on_batch_end(...)                      # observers: they see gradients, never change a number

Watching changes nothing: the loop does the same arithmetic whichever callbacks are attached, so a run with a
recorder, a progress bar or a checkpoint gives weights bit-identical to the same seeded run without them, and
whenever a callback runs, ``layer.grads`` hold the last batch's gradients.

If a batch's loss is not finite, the update that would have used it is not applied: the weights and optimiser
state go back to the start of the latest epoch whose first batch still had a finite loss, a
:class:`DivergenceWarning` says why, and training stops (``history.diverged``).

A model with a BatchNorm layer cannot learn from a batch of one sample: in training BatchNorm normalises each
feature by the batch's own mean, so every feature of a lone sample becomes 0 (PyTorch refuses such a batch:
"Expected more than 1 value per channel when training"). ``train_on_batch`` refuses it; a run whose data leave
a final batch of one drops that batch from every epoch (as PyTorch's ``drop_last``), with one warning per run.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np

from . import _fast
from ._registry import get_class
from ._validation import (
    check_bool,
    check_float,
    check_instances,
    check_int,
    check_metrics_can_score,
    check_validation_data,
    check_verbose,
)
from .callbacks import Callback, CallbackList, History, ProgressBar
from .layers import BatchNorm

__all__ = ["DivergenceError", "DivergenceWarning", "Trainer", "check_batch_norm_batch", "preserved_state",
           "train_on_batch"]


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or a parameter stopped being finite."""


class DivergenceError(ValueError):
    """``train_on_batch`` refused a step because the loss was not finite (the model is unchanged)."""


class Trainer:
    """The training loop over ``(X, y)`` for a compiled model, run to the end or stepped.

    Parameters
    ----------
    model : Sequential
        A compiled model (built here, for the width of ``X``, if it is not yet).
    X, y : array-like
        Training data, checked as ``fit`` checks it.
    epochs : int or None, default=1
        Index of the last epoch (exclusive), as Keras; None trains until stopped (for stepping).
    batch_size, shuffle, validation_split, validation_data, callbacks, verbose, sample_weight, class_weight,
    initial_epoch
        As :meth:`Sequential.fit`.

    Examples
    --------
    Run to the end (what ``fit`` does)::

        history = Trainer(model, X, y, epochs=100, batch_size=32).run()

    Step, pause and resume: ``k`` calls of ``step_epoch`` give weights bit-identical to ``fit(epochs=k)``::

        trainer = Trainer(model, X, y, epochs=None, batch_size=32)
        logs = trainer.step_epoch()        # one epoch; returns its logs
        trainer.step_batch()               # one batch; returns the epoch's logs if it finished one, else None
        trainer.end()                      # on_train_end; the History is model.history
    """

    def __init__(self, model, X, y, *, epochs: int | None = 1, batch_size: int | None = 32,
                 validation_split: float = 0.0, validation_data=None, shuffle: bool = True, callbacks=None,
                 verbose: int = 0, sample_weight=None, class_weight=None, initial_epoch: int = 0):
        _check_model(model)
        model._require_compiled("fit")
        epochs = check_int(epochs, "epochs", minimum=1, allow_none=True)
        initial_epoch = check_int(initial_epoch, "initial_epoch", minimum=0, maximum=epochs)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        validation_split = check_float(validation_split, "validation_split", minimum=0.0, maximum=1.0,
                                       include_max=False)
        shuffle = check_bool(shuffle, "shuffle")
        verbose = check_verbose(verbose)
        verbose = 1 if verbose == "auto" else verbose  # Keras's "auto": the progress bar
        callbacks = check_instances(callbacks, "callbacks", Callback, "glassnet Callback objects")
        X, y, sample_weight = model._check_data(X, y, sample_weight, class_weight)
        n_outputs = model.layers[-1].output_dim if model.built else model._output_dim(X.shape[1])
        if model.metrics:
            check_metrics_can_score(model.metrics, y, n_outputs, model.dtype)
        validation = None
        if validation_data is not None:
            validation = check_validation_data(validation_data, X.shape[1], model.loss, n_outputs, model.dtype)
        elif validation_split > 0:
            n_val = int(len(X) * validation_split)
            if n_val < 1 or n_val >= len(X):
                raise ValueError(f"validation_split={validation_split} of {len(X)} samples leaves "
                                 f"{n_val} for validation and {len(X) - n_val} for training; both need >= 1")
            cut = len(X) - n_val
            validation = (X[cut:], y[cut:], None if sample_weight is None else sample_weight[cut:])
            X, y = X[:cut], y[:cut]
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        self._setup(model, X, y, sample_weight, epochs=epochs, initial_epoch=initial_epoch,
                    batch_size=batch_size, shuffle=shuffle, validation=validation, callbacks=callbacks,
                    verbose=verbose)

    @classmethod
    def from_arrays(cls, model, X, y, sample_weight=None, *, epochs: int | None, initial_epoch: int = 0,
                    batch_size: int, order=None, callbacks=(), epoch_metrics=None, history=None,
                    on_divergence: str = "restore") -> Trainer:
        """A Trainer over data its caller has checked already: ``X`` of the model's dtype (or scipy.sparse),
        ``y`` in the form the compiled loss takes. For the estimators, which check their data as scikit-learn
        does and bring their own rules:

        order : callable or None
            ``order(epoch)`` gives the epoch's order of rows (an index array), or None to take them in order.
        epoch_metrics : callable or None
            ``epoch_metrics(y_seen, outputs, sample_weight_seen)`` gives the epoch's metrics (a dict) from the
            outputs of its batches; None computes the model's compiled metrics.
        history : History or None
            The History to record into (continued across calls); None makes one as ``fit`` does.
        on_divergence : {"restore", "continue"}
            "continue" keeps training through a non-finite loss, as scikit-learn does (its estimators then
            refuse the non-finite weights at the end).
        """
        _check_model(model)
        model._require_compiled("fit")
        if on_divergence not in ("restore", "continue"):
            raise ValueError(f"on_divergence must be 'restore' or 'continue', received {on_divergence!r}")
        epochs = check_int(epochs, "epochs", minimum=1, allow_none=True)
        initial_epoch = check_int(initial_epoch, "initial_epoch", minimum=0, maximum=epochs)
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        callbacks = check_instances(callbacks, "callbacks", Callback, "glassnet Callback objects")
        trainer = cls.__new__(cls)
        trainer._setup(model, X, y, sample_weight, epochs=epochs, initial_epoch=initial_epoch,
                       batch_size=batch_size, shuffle=False, validation=None, callbacks=callbacks,
                       verbose=0, order=order, epoch_metrics=epoch_metrics, history=history,
                       on_divergence=on_divergence)
        return trainer

    def _setup(self, model, X, y, sample_weight, *, epochs, initial_epoch, batch_size, shuffle, validation,
               callbacks, verbose, order=None, epoch_metrics=None, history=None, on_divergence="restore"):
        n = X.shape[0]
        batch_size = min(batch_size or n, n)
        steps = -(-n // batch_size)
        # checked before building, so that a refused run leaves an unbuilt model unbuilt
        if batch_size == 1:
            check_batch_norm_batch(model, 1, f"training on {n} sample{'s' * (n > 1)} with batch_size=1"
                                   if n > 1 else "training on 1 sample")
        elif n % batch_size == 1 and _batch_norm_layers(model):
            steps -= 1
            shuffled = order is not None or shuffle
            warnings.warn(f"The model has a BatchNorm layer, which cannot learn from a batch of one sample (in "
                          f"training it normalises every feature of such a batch to 0), and {n} training samples "
                          f"in batches of {batch_size} leave a final batch of one: that batch is left out of "
                          f"every epoch ("
                          f"{'a different sample each epoch' if shuffled else 'always the last sample'}). Choose "
                          f"a batch_size that leaves no remainder of 1 to train on every sample.",
                          UserWarning, stacklevel=_user_frame())
        if not model.built:
            model.build(X.shape[1])
        model._sync_layout()
        self.model, self.X, self.y, self.sample_weight = model, X, y, sample_weight
        self.epochs, self.initial_epoch, self.validation = epochs, initial_epoch, validation
        self.batch_size, self.steps = batch_size, steps
        # one batch holding every row needs no shuffling: the order of rows within a batch changes nothing
        # but the rounding of its sums (a run that drops a final batch of one still shuffles, so that a
        # different sample sits out each epoch)
        self._order = order if order is not None else (
            (lambda epoch: model.generators()[0].permutation(n)) if shuffle and self.batch_size < n else None)
        self._given_order = order is not None
        self._epoch_metrics = epoch_metrics
        self._restore_on_divergence = on_divergence == "restore"
        self._callbacks, self._verbose, self._given_history = callbacks, verbose, history
        self.epoch = initial_epoch   # the epoch the next batch belongs to
        self.batch = 0               # the next batch within it
        self.history: History | None = None
        self.logs: dict = {}
        self._started = self._ended = False

    # --- driving the loop --------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """Whether training is over: the last epoch ran, a callback stopped it, or the loss diverged."""
        return self._ended or self.model.stop_training or (self.epochs is not None and self.epoch >= self.epochs)

    def run(self) -> History:
        """Train to the end (``epochs``, or until stopped) and return the History. If a callback or anything
        else fails midway, the model goes back to where the run found it before the exception propagates."""
        self.begin()
        try:
            # overflow in a diverging run shows up as a non-finite loss, which the loop reports itself
            with np.errstate(over="ignore", invalid="ignore"):
                while not self.done:
                    self._epoch()
        except Exception:
            self._restore_start()
            raise
        return self.end()

    def step_epoch(self) -> dict:
        """Run the rest of the current epoch (a whole one between epochs); returns its logs. A failure
        leaves the model as it was at the epoch's start."""
        self._check_can_step()
        start = self._state_now()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                return self._epoch()
        except Exception:
            self._restore(*start)
            raise

    def step_batch(self) -> dict | None:
        """Run one batch; returns the epoch's logs if the batch finished an epoch, else None. A failure leaves
        the model as it was before the batch."""
        self._check_can_step()
        start = self._state_now()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                if self.batch == 0:
                    self._begin_epoch()
                self._run_batches(self.batch + 1)
                return self._end_epoch() if self.batch == self.steps or self._stopped_in_epoch else None
        except Exception:
            self._restore(*start)
            raise

    def begin(self) -> None:
        """Start the run: callbacks' ``on_train_begin``; the model takes the run's History. (Called by the first
        step if not called before.)"""
        if self._started:
            return
        model = self.model
        previous = model.history
        # a run that continues the last one (fit(initial_epoch=k) right after epoch k-1) extends its History,
        # so training 4 epochs and resuming for 6 records exactly what training 10 at once would
        continuing = (self.initial_epoch > 0 and previous is not None and bool(previous.epoch)
                      and previous.epoch[-1] == self.initial_epoch - 1)
        history = self._given_history if self._given_history is not None else (
            previous if continuing else History())
        # History after the user's callbacks, so it records what they changed (ReduceLROnPlateau's lr)
        callbacks = self._callbacks + [history] + ([ProgressBar(self._verbose)] if self._verbose else [])
        self._cb = CallbackList(callbacks, model=model, params={
            "epochs": self.epochs, "steps": self.steps, "samples": self.X.shape[0], "verbose": self._verbose,
            "initial_epoch": self.initial_epoch})
        self._batch_begin = self._cb.hook("on_batch_begin")
        self._batch_end = self._cb.hook("on_batch_end")
        # what every batch reads, gathered once (a tiny network's step is mostly such overhead)
        self._hot = (model, self.X, self.y, self.sample_weight, self.batch_size,
                     self._epoch_metrics is not None or bool(model.metrics), bool(model._penalised),
                     _Gatherer(), _Gatherer(), self._batch_begin, self._batch_end, model._pass,
                     model.optimizer._update, model._params, model._grads, model._flat, self._restore_on_divergence)
        self._epoch_begin = self._cb.hook("on_epoch_begin")
        self._epoch_end = self._cb.hook("on_epoch_end")
        if self.epochs is not None:
            # the run's size: each step updates every parameter and passes a batch through every layer's units
            units = sum(getattr(layer, "units", 0) for layer in model.layers)
            per_step = model._flat[0].size + 2 * self.batch_size * units
            _fast.expect((self.epochs - self.initial_epoch) * self.steps * per_step)
        self._start = (_snapshot(model), _rng_states(model), previous)
        model.stop_training = False
        self._cb.on_train_begin()
        self._started = True
        # only now, once every callback has accepted the run, does the model take the History
        model.history = self.history = history
        history.diverged = False
        # the weights and optimiser state at the start of this epoch and of the one before: on divergence the
        # model returns to the latest one whose first batch still had a finite loss
        self._snapshots = [self._start[0]]
        self._last_batch = None

    def end(self) -> History:
        """Finish the run: a last check that the final weights give finite outputs, ``on_train_end``."""
        self.begin()
        if not self._ended:
            self._ended = True
            if self._last_batch is not None and not self.history.diverged and self._restore_on_divergence \
                    and not _finite_on(self.model, *self._last_batch):
                # every step had a finite loss, yet the final weights overflow (e.g. weights near 1e27 times
                # large inputs): treat it as divergence rather than let NaN reach predict
                self._diverge(float("nan"), self.epoch - 1, self.steps - 1, self._snapshots[-1])
            self._cb.on_train_end(self.logs)
        return self.history

    @property
    def epoch_penalty(self) -> float:
        """The mean over the current epoch's rows of the penalty part of their batches' loss (0 without one)."""
        return self._penalty_total / self._seen if self._seen else 0.0

    # --- one epoch -------------------------------------------------------------------------------------------
    def next_batch_rows(self) -> np.ndarray:
        """The rows of ``X`` (indices) the next step trains on, read ahead without drawing anything: the run goes
        on exactly as if they had not been asked for (the playground explains the very batch its next step
        takes).

        Raises
        ------
        RuntimeError
            When the run is over, or when the batch order comes from a function given to the Trainer
            (``Trainer.from_arrays(order=...)``), which may draw from generators the Trainer cannot put back.
        """
        if self._ended or self.done:
            raise RuntimeError("this training run is over: there is no next batch")
        if self._given_order:
            raise RuntimeError("the batch order comes from a function given to the Trainer, which cannot be read "
                               "ahead without drawing from its generators")
        rows = self._rows if self.batch > 0 else None
        if self.batch == 0 and self._order is not None:
            states = _rng_states(self.model)  # the draw the next epoch will make, then the generators put back
            try:
                rows = self._order(self.epoch)
            finally:
                _set_rng_states(self.model, states)
        start = self.batch * self.batch_size
        stop = min(start + self.batch_size, self.X.shape[0])
        return np.arange(start, stop) if rows is None else np.asarray(rows[start:stop])

    def _check_can_step(self):
        if self._ended:
            raise RuntimeError("this training run has ended (end() was called); make a new Trainer to go on")
        self.begin()
        if self.done:
            raise RuntimeError(f"this training run is over (epoch {self.epoch} of {self.epochs}, "
                               f"stop_training={self.model.stop_training}); make a new Trainer to go on")

    def _epoch(self) -> dict:
        if self.batch == 0:
            self._begin_epoch()
        self._run_batches(self.steps)
        return self._end_epoch()

    def _begin_epoch(self) -> None:
        if self._epoch_begin:
            self._epoch_begin(self.epoch, {})
        if self.epoch > self.initial_epoch:
            self._snapshots = [self._snapshots[-1], _snapshot(self.model)]
        self._rows = self._order(self.epoch) if self._order is not None else None
        self._total, self._seen, self._outputs, self._penalty_total = 0.0, 0, [], 0.0
        self._stopped_in_epoch = False

    def _run_batches(self, stop: int) -> None:
        """Batches ``self.batch`` to ``stop - 1`` of the current epoch: the hot loop."""
        (model, X, y, sw, size, keep_outputs, penalised, gather_X, gather_y, batch_begin, batch_end,
         forward_backward, update, params, grads, flat, restore) = self._hot
        rows = self._rows
        total, seen, penalty = self._total, self._seen, self._penalty_total
        batch = self.batch
        try:
            for batch in range(self.batch, stop):
                start = batch * size
                if rows is None:
                    part = slice(start, start + size)
                    Xb, yb = X[part], y[part]
                else:
                    part = rows[start:start + size]
                    Xb, yb = gather_X(X, part), gather_y(y, part)
                swb = None if sw is None else sw[part]
                m = Xb.shape[0]
                if batch_begin:
                    batch_begin(batch, {"batch": batch, "size": m})
                loss, out, _ = forward_backward(Xb, yb, swb, True)
                if restore and not -math.inf < loss < math.inf:  # NaN fails both comparisons
                    # the update that would use this loss is not applied
                    self._diverge(loss, self.epoch, batch, self._snapshots[-1] if batch else self._snapshots[0])
                    self._stopped_in_epoch = True
                    return
                update(params, grads, flat)  # the optimiser's step: the one place parameters change
                total += loss * m
                seen += m
                if penalised:
                    penalty += model._last_penalty * m
                if keep_outputs:
                    self._outputs.append(out.copy())
                self._last_batch = (Xb, yb, swb)
                if batch_end:
                    batch_end(batch, {"batch": batch, "size": m, "loss": loss})
                if model.stop_training:
                    self._stopped_in_epoch = True
                    return
            batch = stop - 1
        finally:
            self.batch = batch + 1
            self._total, self._seen, self._penalty_total = total, seen, penalty

    def _end_epoch(self) -> dict:
        model, epoch = self.model, self.epoch
        self.epoch, self.batch = epoch + 1, 0
        if self.history.diverged:
            return self.logs
        if self._restore_on_divergence and not _all_finite(model):
            # the loss of every step was finite, but the last update was not
            self._diverge(float("nan"), epoch, self.steps - 1, self._snapshots[-1])
            return self.logs
        logs = {"loss": self._total / self._seen} if self._seen else {}
        if not self._outputs and self.validation is None:  # the common case of a tiny network, kept short
            logs["lr"] = model.optimizer.current_learning_rate()
            self.logs = logs
            if self._epoch_end:
                self._epoch_end(epoch, logs)
            return logs
        if self._outputs:
            seen = self._rows[:self._seen] if self._rows is not None else slice(0, self._seen)
            y_seen, out_seen = self.y[seen], np.concatenate(self._outputs)
            if self._epoch_metrics is not None:
                sw_seen = None if self.sample_weight is None else self.sample_weight[seen]
                logs.update(self._epoch_metrics(y_seen, out_seen, sw_seen))
            else:
                logs.update({name: float(fn(y_seen, out_seen)) for name, fn in model.metrics.items()})
        if self.validation is not None:
            logs.update({f"val_{k}": v for k, v in model._evaluate(*self.validation).items()})
        logs["lr"] = model.optimizer.current_learning_rate()
        self.logs = logs
        if self._epoch_end:
            self._epoch_end(epoch, logs)
        return logs

    # --- divergence and failures -------------------------------------------------------------------------------
    def _diverge(self, loss, epoch, batch, snapshot) -> None:
        model = self.model
        _restore_snapshot(model, snapshot)
        self.history.diverged = True
        model.stop_training = True
        warnings.warn(f"Training stopped at epoch {epoch}, batch {batch}: "
                      f"{divergence_message(loss, model.optimizer)} The weights are restored to those of the "
                      f"last epoch start with a finite loss.", DivergenceWarning, stacklevel=_user_frame())

    def _state_now(self):
        return (_snapshot(self.model), _rng_states(self.model), self.model.history, self.epoch, self.batch,
                self.logs)

    def _restore_start(self) -> None:
        snapshot, rng_states, history = self._start
        self._restore(snapshot, rng_states, history, self.initial_epoch, 0, {})

    def _restore(self, snapshot, rng_states, history, epoch, batch, logs) -> None:
        _restore_snapshot(self.model, snapshot)
        _set_rng_states(self.model, rng_states)
        self.model.history = history
        self.epoch, self.batch, self.logs = epoch, batch, logs


def _check_model(model) -> None:
    if not isinstance(model, get_class("Sequential")):
        raise TypeError(f"model must be a glassnet Sequential, received {type(model).__name__}")


def train_on_batch(model, X, y, sample_weight=None) -> dict:
    """Exactly one optimiser step on checked arrays, the loop's own step; refuses a non-finite loss with
    :class:`DivergenceError`, the model unchanged. Returns the batch's loss and metrics (before the step)."""
    with preserved_state(model, keep=True) as keep:
        loss, out, _ = model._pass(X, y, sample_weight, True)
        if math.isfinite(loss):
            # metrics before the step, so a metric that cannot score y fails with nothing changed
            logs = {"loss": loss}
            logs.update({name: float(fn(y, out)) for name, fn in model.metrics.items()})
            keep[0] = True
    if not keep[0]:
        raise DivergenceError(divergence_message(loss, model.optimizer) + " No step was taken.")
    model._apply_gradients()
    return logs


def check_batch_norm_batch(model, n_samples: int, what: str) -> None:
    """Refuse a training batch of one sample for a model with a BatchNorm layer: the layer would normalise
    every feature of it to 0 (its own mean) and the step would learn nothing from it. PyTorch refuses it too
    ("Expected more than 1 value per channel when training"). ``what`` names the call and its batch."""
    layers = _batch_norm_layers(model)
    if n_samples == 1 and layers:
        raise ValueError(f"{what}: the model has a BatchNorm layer (layer {layers[0] + 1} of "
                         f"{len(model.layers)}), which in training normalises each feature by the batch's own "
                         f"mean and variance, so every feature of a batch of one sample becomes 0 and the step "
                         f"learns nothing from it. Give at least 2 samples per batch.")


def _batch_norm_layers(model) -> list[int]:
    """The positions of the model's BatchNorm layers."""
    return [i for i, layer in enumerate(model.layers) if isinstance(layer, BatchNorm)]


def divergence_message(loss, optimizer) -> str:
    lr = optimizer.current_learning_rate()
    return (f"the loss became {loss} (not finite). The learning rate ({lr:g}) is most likely too high; "
            f"lower it (e.g. to {lr / 10:g}), scale the inputs, or clip gradients (clipnorm=1.0).")


class _Gatherer:
    """``X[idx]`` for the indices of one shuffled batch, gathered into an array reused from batch to batch: never
    a shuffled copy of the data set, nor a new array per batch (a fresh 256 x 784 batch costs page faults).

    The indices come from a permutation of ``range(len(X))``: they are always valid, so ``mode="clip"`` spares
    NumPy the bounds-checking copy that makes ``take(out=...)`` three times slower. Anything else (a
    scipy.sparse ``X``) is indexed as it is.
    """

    def __init__(self):
        self.buffer: np.ndarray | None = None

    def __call__(self, X, idx):
        if not isinstance(X, np.ndarray):
            return X[idx]
        buffer = self.buffer
        if buffer is None or buffer.dtype != X.dtype or buffer.shape[1:] != X.shape[1:] \
                or buffer.shape[0] < len(idx):
            buffer = self.buffer = np.empty((len(idx),) + X.shape[1:], X.dtype)
        return np.take(X, idx, axis=0, out=buffer[:len(idx)], mode="clip")


def _user_frame() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside glassnet (the user's call), passing
    over scikit-learn's frames too (its ``fit`` wrapper around an estimator's)."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("glassnet.", "sklearn.")):
        frame, level = frame.f_back, level + 1
    return level


# --- the model's state, as the loop saves and restores it ---------------------------------------------------------
def _snapshot(model):
    """Copies of every weight and of the optimiser state (what divergence recovery goes back to)."""
    states = [v.copy() for v in model._states] if model._states else ()
    return model._flat[0].copy(), states, model.optimizer._snapshot()


def _restore_snapshot(model, snapshot) -> None:
    params, states, optimizer_state = snapshot
    model._flat[0][...] = params
    for target, value in zip(model._states, states):
        target[...] = value
    model.optimizer._restore_snapshot(optimizer_state)


def _generators(model) -> list:
    """The shuffling generator, then each layer's own (Dropout)."""
    return [model.generators()[0]] + [layer.rng for layer in model.layers if getattr(layer, "rng", None) is not None]


def _rng_states(model) -> list:
    return [generator.bit_generator.state for generator in _generators(model)]


def _set_rng_states(model, states) -> None:
    for generator, state in zip(_generators(model), states):
        generator.bit_generator.state = state


def _all_finite(model) -> bool:
    """Whether every trainable parameter is finite: a NaN or inf makes the sum non-finite (one pass); a sum that
    overflows from finite values falls back to the exact test."""
    flat = model._flat[0]
    return math.isfinite(np.add.reduce(flat)) or bool(np.isfinite(flat).all())


def _finite_on(model, X, y, sample_weight) -> bool:
    """Whether the weights give a finite loss and outputs on ``(X, y)`` (inference mode)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return math.isfinite(model.evaluate(X, y, sample_weight=sample_weight, return_dict=True)["loss"]) and bool(
            np.isfinite(model.predict(X)).all())


@contextlib.contextmanager
def preserved_state(model, keep: bool = False):
    """Restore the layers' non-trainable state (BatchNorm's running statistics) and dropout generators after a
    pass that would change them. With ``keep=True`` the context yields a one-item list; setting it to True keeps
    the changes."""
    saved = [(layer, {k: v.copy() for k, v in layer.state.items()},
              getattr(layer, "rng", None) and layer.rng.bit_generator.state) for layer in model.layers]
    decision = [False]
    try:
        yield decision
    finally:
        if not decision[0]:
            for layer, state, rng_state in saved:
                for k, v in state.items():
                    layer.state[k][...] = v
                if rng_state:
                    layer.rng.bit_generator.state = rng_state
