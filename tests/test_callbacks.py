"""Callbacks driven by hand with scripted logs against a small fake model.

The expected epochs below were worked out from Keras 3's rules (keras/src/callbacks/early_stopping.py,
reduce_lr_on_plateau.py), step by step in the comments, independently of the code under test.
"""

from __future__ import annotations

import csv
import json
import math
import sys

import numpy as np
import pytest

from glassnet.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


class FakeOptimizer:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate


class FakeModel:
    """What callbacks may touch: stop_training, get_weights/set_weights, save, optimizer.learning_rate."""

    def __init__(self, learning_rate=1.0):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 3)), np.zeros(3)]

    def get_weights(self):
        # Live arrays on purpose: a callback that keeps them without copying sees later in-place updates.
        return self.weights

    def set_weights(self, weights):
        self.weights = [np.array(w, copy=True) for w in weights]

    def save(self, path):
        self.saved = getattr(self, "saved", []) + [path]

    def train_one_epoch(self, epoch):
        for w in self.weights:
            w[...] = epoch  # in place, as an optimiser step would


def run(callback, values, monitor="val_loss", model=None, lr_log=True):
    """Drive ``callback`` through one fit over ``values`` (one per epoch); return the epochs that ran."""
    model = FakeModel() if model is None else model
    callbacks = CallbackList([callback], model=model, params={"epochs": len(values), "initial_epoch": 0,
                                                              "steps": 1, "samples": 1, "verbose": 0})
    model.stop_training = False
    callbacks.on_train_begin()
    ran = []
    for epoch, value in enumerate(values):
        callbacks.on_epoch_begin(epoch)
        model.train_one_epoch(epoch)
        logs = {"loss": 0.5, monitor: value}
        if lr_log:
            logs["lr"] = float(model.optimizer.learning_rate)
        callbacks.on_epoch_end(epoch, logs)
        ran.append(epoch)
        if model.stop_training:
            break
    callbacks.on_train_end({})
    return ran


# --- Callback and CallbackList ------------------------------------------------------------------------------

class Recorder(Callback):
    def __init__(self, name, journal):
        super().__init__()
        self.name, self.journal = name, journal

    def on_train_begin(self, logs=None):
        self.journal.append((self.name, "train_begin", None))

    def on_epoch_begin(self, epoch, logs=None):
        self.journal.append((self.name, "epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.journal.append((self.name, "batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.journal.append((self.name, "batch_end", batch))

    def on_epoch_end(self, epoch, logs=None):
        self.journal.append((self.name, "epoch_end", epoch))
        logs.setdefault("seen_by", []).append(self.name)

    def on_train_end(self, logs=None):
        self.journal.append((self.name, "train_end", None))


def test_base_callback_hooks_are_no_ops_and_store_model_and_params():
    callback = Callback()
    assert callback.model is None and callback.params == {}
    model = FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": 3})
    for hook in ("on_train_begin", "on_train_end"):
        assert getattr(callback, hook)({}) is None
    for hook in ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end"):
        assert getattr(callback, hook)(0, {}) is None
    assert callback.model is model and callback.params == {"epochs": 3}
    assert callback.get_config() == {}


def test_callback_list_forwards_every_hook_in_order_with_one_shared_logs_dict():
    journal = []
    first, second = Recorder("a", journal), Recorder("b", journal)
    model = FakeModel()
    callbacks = CallbackList([first, second], model=model, params={"epochs": 1})
    assert len(callbacks) == 2 and list(callbacks) == [first, second]
    assert first.model is model and second.params == {"epochs": 1}

    logs = {"loss": 1.0}
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_batch_begin(0, {"batch": 0, "size": 4})
    callbacks.on_batch_end(0, {"batch": 0, "size": 4, "loss": 1.0})
    callbacks.on_epoch_end(0, logs)
    callbacks.on_train_end(logs)

    hooks = ["train_begin", "epoch_begin", "batch_begin", "batch_end", "epoch_end", "train_end"]
    assert journal == [(name, hook, arg) for hook in hooks for name, arg in
                       (("a", 0 if "batch" in hook or "epoch" in hook else None),
                        ("b", 0 if "batch" in hook or "epoch" in hook else None))]
    # The second callback saw what the first wrote into the logs.
    assert logs["seen_by"] == ["a", "b"]


def test_callback_list_append_and_late_set_model():
    callbacks = CallbackList()
    callbacks.set_params({"epochs": 2})
    late = Callback()
    callbacks.append(late)
    assert late.params == {"epochs": 2}
    model = FakeModel()
    callbacks.set_model(model)
    assert late.model is model


@pytest.mark.parametrize("bad", [[object()], [lambda: None], Callback(), 5])
def test_callback_list_refuses_non_callbacks(bad):
    with pytest.raises(TypeError, match="Callback"):
        CallbackList(bad)


# --- History ------------------------------------------------------------------------------------------------

def test_history_appends_per_key_and_is_not_reset_by_train_begin():
    history = History()
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0, "lr": 0.1})
    history.on_epoch_end(1, {"loss": 0.5, "lr": 0.1, "val_loss": 0.7})
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [1.0, 0.5], "lr": [0.1, 0.1], "val_loss": [0.7]}

    history.on_train_begin()  # a continued fit keeps appending
    history.on_epoch_end(2, {"loss": 0.25})
    assert history.epoch == [0, 1, 2] and history.history["loss"] == [1.0, 0.5, 0.25]

    history.reset()
    assert history.epoch == [] and history.history == {}


# --- LambdaCallback -----------------------------------------------------------------------------------------

def test_lambda_callback_calls_the_given_functions_with_the_hook_arguments():
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs["loss"])),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
    )
    callbacks = CallbackList([callback], model=FakeModel())
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_batch_begin(0, {"batch": 0, "size": 2})
    callbacks.on_batch_end(0, {"batch": 0, "size": 2, "loss": 0.3})
    callbacks.on_epoch_end(0, {"loss": 0.3})
    callbacks.on_train_end({"loss": 0.3})
    assert calls == [("train_begin", {}), ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, 0.3),
                     ("epoch_end", 0, 0.3), ("train_end", {"loss": 0.3})]


def test_lambda_callback_leaves_unset_hooks_as_no_ops_and_refuses_non_callables():
    callback = LambdaCallback(on_epoch_end=print)
    assert callback.on_batch_end(0, {"loss": 1.0}) is None
    assert "on_epoch_end" in repr(callback)
    with pytest.raises(TypeError, match="on_epoch_end must be a callable"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(NotImplementedError):
        callback.get_config()


# --- TerminateOnNaN -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_loss", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_terminate_on_nan_stops_on_a_non_finite_batch_loss(bad_loss):
    model = FakeModel()
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_batch_end(0, {"batch": 0, "size": 4, "loss": 0.7})
    assert model.stop_training is False
    with pytest.warns(UserWarning, match="Batch 3: Invalid loss, terminating training"):
        callback.on_batch_end(3, {"batch": 3, "size": 4, "loss": bad_loss})
    assert model.stop_training is True


# --- ProgressBar --------------------------------------------------------------------------------------------

def _drive_progress(bar, epochs=2, initial_epoch=0):
    bar.set_model(FakeModel())
    bar.set_params({"epochs": epochs, "initial_epoch": initial_epoch, "steps": 1, "samples": 4, "verbose": 1})
    bar.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        bar.on_epoch_begin(epoch)
        bar.on_batch_begin(0, {"batch": 0, "size": 4})
        bar.on_batch_end(0, {"batch": 0, "size": 4, "loss": 0.5})
        bar.on_epoch_end(epoch, {"loss": 0.123456, "accuracy": 0.95, "val_loss": 0.2, "lr": 1e-4})
    bar.on_train_end({})


def test_progress_bar_verbose_2_prints_one_line_per_epoch(capsys):
    _drive_progress(ProgressBar(verbose=2), epochs=4, initial_epoch=2)
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Epoch 3/4 - loss: 0.1235 - accuracy: 0.9500 - val_loss: 0.2000 - lr: 1.0000e-04",
        "Epoch 4/4 - loss: 0.1235 - accuracy: 0.9500 - val_loss: 0.2000 - lr: 1.0000e-04",
    ]
    assert err == ""


def test_progress_bar_verbose_0_prints_nothing(capsys):
    _drive_progress(ProgressBar(verbose=0))
    assert capsys.readouterr() == ("", "")


def test_progress_bar_verbose_1_draws_a_tqdm_bar_on_a_terminal_and_closes_it(monkeypatch, capsys):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = ProgressBar(verbose=1)
    _drive_progress(bar, epochs=5, initial_epoch=3)
    out, _ = capsys.readouterr()
    err = terminal.getvalue()
    assert out == ""
    assert "2/2" in err and "loss=0.1235" in err and "accuracy=0.95" in err
    assert bar._bar is None


def test_progress_bar_verbose_1_writes_a_clean_line_per_epoch_where_stderr_is_no_terminal(capsys):
    """A log file or a pipe gets Keras's verbose=2 lines, not a bar's carriage returns, where the bar would have
    gone (stderr), so stdout keeps only results."""
    _drive_progress(ProgressBar(verbose=1), epochs=5, initial_epoch=3)
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "Epoch 4/5 - loss: 0.1235 - accuracy: 0.9500 - val_loss: 0.2000 - lr: 1.0000e-04",
        "Epoch 5/5 - loss: 0.1235 - accuracy: 0.9500 - val_loss: 0.2000 - lr: 1.0000e-04",
    ]
    assert "\r" not in err and out == ""


# --- EarlyStopping ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "values", "last_epoch"), [
    # min: improve, improve, wait 1, wait 2 -> stop at epoch 3
    ({"patience": 2}, [1.0, 0.9, 0.95, 0.93, 0.8], 3),
    # patience 0: the first epoch without improvement stops
    ({"patience": 0}, [1.0, 1.1, 0.5], 1),
    # patience 0 never stops while every epoch improves
    ({"patience": 0}, [3.0, 2.0, 1.0], 2),
    # min_delta: 0.97 is not 0.05 below 1.0, so it does not count as an improvement
    ({"patience": 1, "min_delta": 0.05}, [1.0, 0.97, 0.9], 1),
    ({"patience": 1, "min_delta": -0.05}, [1.0, 0.97, 0.9], 1),  # the sign of min_delta is ignored
    ({"patience": 1, "min_delta": 0.0}, [1.0, 0.97, 0.9], 2),
    # baseline never beaten: epoch 0 improves on inf but does not reset the wait, so patience 2 ends
    # at epoch 1
    ({"patience": 2, "baseline": 0.5}, [1.0, 1.0, 1.0, 1.0], 1),
    # baseline beaten at epoch 0: normal patience from there
    ({"patience": 2, "baseline": 0.5}, [0.4, 0.45, 0.45, 0.45], 2),
    # start_from_epoch: epochs 0-2 are not watched, epoch 3 is the first best, epoch 4 stops
    ({"patience": 0, "start_from_epoch": 3}, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 4),
    # a NaN never improves
    ({"patience": 1}, [1.0, math.nan, 0.5], 1),
])
def test_early_stopping_min_mode_stops_at_the_expected_epoch(kwargs, values, last_epoch):
    stopper = EarlyStopping(**kwargs)
    ran = run(stopper, values)
    assert ran[-1] == last_epoch
    assert stopper.stopped_epoch == (last_epoch if last_epoch < len(values) - 1 else 0)


@pytest.mark.parametrize(("kwargs", "values", "last_epoch"), [
    ({"monitor": "val_accuracy", "patience": 1}, [0.5, 0.6, 0.6, 0.55], 2),   # auto -> max
    ({"monitor": "val_auc", "patience": 1, "min_delta": 0.05}, [0.5, 0.52, 0.6], 1),
    ({"monitor": "val_loss", "mode": "max", "patience": 1}, [1.0, 2.0, 1.5], 2),
    ({"monitor": "val_accuracy", "patience": 1, "baseline": 0.9}, [0.5, 0.5, 0.5], 1),
])
def test_early_stopping_max_mode(kwargs, values, last_epoch):
    monitor = kwargs["monitor"]
    stopper = EarlyStopping(**kwargs)
    assert run(stopper, values, monitor=monitor)[-1] == last_epoch


def test_early_stopping_tracks_best_and_wait():
    stopper = EarlyStopping(patience=2)
    run(stopper, [1.0, 0.9, 0.95, 0.93, 0.8])
    assert (stopper.best, stopper.best_epoch, stopper.wait, stopper.stopped_epoch) == (0.9, 1, 2, 3)


def test_early_stopping_restores_best_weights_when_it_stops():
    model = FakeModel()
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    ran = run(stopper, [1.0, 0.5, 0.7, 0.8, 0.1], model=model)
    assert ran[-1] == 3 and stopper.best_epoch == 1
    # train_one_epoch(e) fills every weight with e; the copies kept at epoch 1 must not have followed along.
    for weight in model.get_weights():
        np.testing.assert_array_equal(weight, np.full_like(weight, 1.0))


def test_early_stopping_restores_best_weights_when_epochs_run_out():
    model = FakeModel()
    stopper = EarlyStopping(patience=5, restore_best_weights=True)
    ran = run(stopper, [1.0, 0.5, 0.7], model=model)
    assert ran == [0, 1, 2] and stopper.stopped_epoch == 0
    for weight in model.get_weights():
        np.testing.assert_array_equal(weight, np.full_like(weight, 1.0))


def test_early_stopping_keeps_last_weights_without_restore():
    model = FakeModel()
    run(EarlyStopping(patience=2), [1.0, 0.5, 0.7, 0.8], model=model)
    for weight in model.get_weights():
        np.testing.assert_array_equal(weight, np.full_like(weight, 3.0))


def test_early_stopping_restores_from_first_watched_epoch_even_without_beating_baseline():
    model = FakeModel()
    stopper = EarlyStopping(patience=2, baseline=0.1, restore_best_weights=True, start_from_epoch=1)
    # e0 not watched; e1 first best (wait 1: the baseline is not beaten); e2 improves (wait 2, no stop on an
    # improving epoch); e3 wait 3 -> stop. The best epoch, 2, is restored though it never beat the baseline.
    ran = run(stopper, [0.05, 1.0, 0.9, 0.95], model=model)
    assert ran[-1] == 3 and stopper.best_epoch == 2
    np.testing.assert_array_equal(model.get_weights()[1], np.full(3, 2.0))


def test_early_stopping_warns_on_missing_monitor_and_keeps_training():
    stopper = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match=r"val_loss.*available keys are \['loss', 'lr'\]"):
        ran = run(stopper, [1.0, 2.0, 3.0], monitor="loss")
    assert ran == [0, 1, 2] and stopper.stopped_epoch == 0


def test_early_stopping_resets_on_train_begin_so_it_can_be_reused():
    stopper = EarlyStopping(patience=1, restore_best_weights=True)
    run(stopper, [0.1, 0.2, 0.3])
    assert stopper.stopped_epoch == 1 and stopper.best == 0.1
    ran = run(stopper, [5.0, 4.0, 3.0])
    assert ran == [0, 1, 2] and stopper.best == 3.0 and stopper.stopped_epoch == 0 and stopper.wait == 0


def test_early_stopping_verbose_reports_stop_and_restore(capsys):
    run(EarlyStopping(patience=0, verbose=1, restore_best_weights=True), [1.0, 2.0])
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out and "best epoch: 1" in out


# --- ReduceLROnPlateau --------------------------------------------------------------------------------------

def test_reduce_lr_on_plateau_with_cooldown_and_min_lr():
    # lr 1.0, factor 0.5, patience 2, cooldown 2, min_lr 0.2, a flat loss (Keras's counting):
    # e0 best; e1 wait 1; e2 wait 2 -> 0.5, cooldown 2; e3 cooldown 2->1, skipped; e4 cooldown 1->0, wait 1;
    # e5 wait 2 -> 0.25; e6 skipped; e7 wait 1; e8 wait 2 -> max(0.125, 0.2) = 0.2; then at the floor.
    model = FakeModel(learning_rate=1.0)
    reducer = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=2, min_lr=0.2, min_delta=0.0)
    seen = []
    history = History()
    callbacks = CallbackList([reducer, history], model=model)
    callbacks.on_train_begin()
    for epoch in range(12):
        logs = {"loss": 1.0, "val_loss": 1.0, "lr": float(model.optimizer.learning_rate)}
        callbacks.on_epoch_end(epoch, logs)
        seen.append(model.optimizer.learning_rate)
    callbacks.on_train_end({})
    expected = [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert seen == pytest.approx(expected)
    # The new rate reached the logs, so History (after it in the list) recorded it.
    assert history.history["lr"] == pytest.approx(expected)


def test_reduce_lr_on_plateau_cooldown_one_behaves_like_zero_as_in_keras():
    rates = {}
    for cooldown in (0, 1):
        model = FakeModel(learning_rate=1.0)
        run(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=cooldown), [1.0] * 5, model=model)
        rates[cooldown] = model.optimizer.learning_rate
    assert rates[0] == rates[1] == pytest.approx(1.0 / 16)


def test_reduce_lr_on_plateau_min_delta_and_improvement():
    model = FakeModel(learning_rate=1.0)
    # Every value stays within min_delta=1e-4 of the best (1.0), so each is a plateau: reductions at 1, 2, 3.
    run(ReduceLROnPlateau(factor=0.5, patience=1), [1.0, 1 - 5e-5, 1 - 8e-5, 1 - 9e-5], model=model)
    assert model.optimizer.learning_rate == pytest.approx(0.125)

    model = FakeModel(learning_rate=1.0)
    run(ReduceLROnPlateau(factor=0.5, patience=1), [1.0, 0.9, 0.8, 0.7], model=model)
    assert model.optimizer.learning_rate == 1.0


def test_reduce_lr_on_plateau_max_mode_from_name():
    model = FakeModel(learning_rate=1.0)
    run(ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1), [0.5, 0.6, 0.7, 0.6],
        monitor="val_accuracy", model=model)
    assert model.optimizer.learning_rate == pytest.approx(0.1)


def test_reduce_lr_on_plateau_refuses_a_schedule():
    model = FakeModel(learning_rate=lambda step: 0.1)
    reducer = ReduceLROnPlateau()
    reducer.set_model(model)
    with pytest.raises(TypeError, match="constant learning rate"):
        reducer.on_train_begin()


def test_reduce_lr_on_plateau_warns_on_missing_monitor():
    model = FakeModel(learning_rate=1.0)
    with pytest.warns(UserWarning, match=r"val_loss.*\['loss', 'lr'\]"):
        run(ReduceLROnPlateau(patience=0), [1.0, 2.0], monitor="loss", model=model)
    assert model.optimizer.learning_rate == 1.0


# --- CSVLogger ----------------------------------------------------------------------------------------------

def _read_csv(path, separator=","):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_writes_sorted_header_and_one_flushed_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.set_model(FakeModel())
    logger.on_train_begin()
    logger.on_epoch_end(0, {"val_loss": 0.9, "loss": 1.0, "lr": 0.1})
    assert _read_csv(path) == [["epoch", "loss", "lr", "val_loss"], ["0", "1.0", "0.1", "0.9"]]  # flushed
    logger.on_epoch_end(1, {"loss": 0.5, "lr": 0.1})
    logger.on_train_end({})
    rows = _read_csv(path)
    assert rows[2] == ["1", "0.5", "0.1", "NA"]
    assert float(rows[1][1]) == 1.0


def test_csv_logger_append_continues_without_repeating_the_header(tmp_path):
    path = tmp_path / "log.tsv"
    for start, append in ((0, False), (2, True)):
        logger = CSVLogger(str(path), separator="\t", append=append)
        logger.on_train_begin()
        for epoch in range(start, start + 2):
            # Keys in a different order the second time: the file's header decides the columns.
            logs = {"loss": 1.0 / (epoch + 1), "acc": epoch / 10} if append else \
                {"acc": epoch / 10, "loss": 1.0 / (epoch + 1)}
            logger.on_epoch_end(epoch, logs)
        logger.on_train_end({})
    rows = _read_csv(path, "\t")
    assert rows[0] == ["epoch", "acc", "loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2", "3"]
    assert [float(row[1]) for row in rows[1:]] == [0.0, 0.1, 0.2, 0.3]

    # append=False starts over
    logger = CSVLogger(path, separator="\t")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 2.0})
    logger.on_train_end()
    assert _read_csv(path, "\t") == [["epoch", "loss"], ["0", "2.0"]]


# --- ModelCheckpoint ----------------------------------------------------------------------------------------

@pytest.fixture
def saved(monkeypatch):
    paths = []
    monkeypatch.setattr(ModelCheckpoint, "_save", lambda self, path: paths.append(path))
    return paths


def test_model_checkpoint_saves_every_epoch_with_formatted_names(saved):
    run(ModelCheckpoint("ckpt/{epoch:02d}-{val_loss:.2f}.safetensors"), [1.0, 0.8, 0.9])
    assert saved == ["ckpt/01-1.00.safetensors", "ckpt/02-0.80.safetensors", "ckpt/03-0.90.safetensors"]


def test_model_checkpoint_save_best_only(saved):
    checkpoint = ModelCheckpoint("best-{epoch}.st", save_best_only=True)
    run(checkpoint, [1.0, 0.8, 0.9, 0.7, 0.7])
    assert saved == ["best-1.st", "best-2.st", "best-4.st"]
    assert checkpoint.best == 0.7


def test_model_checkpoint_save_best_only_max_mode(saved):
    run(ModelCheckpoint("m-{epoch}.st", monitor="val_accuracy", save_best_only=True),
        [0.5, 0.4, 0.6], monitor="val_accuracy")
    assert saved == ["m-1.st", "m-3.st"]


def test_model_checkpoint_missing_monitor_warns_and_saves_nothing(saved):
    with pytest.warns(UserWarning, match=r"val_loss.*available keys are \['loss', 'lr'\].*nothing was saved"):
        run(ModelCheckpoint("m.st", save_best_only=True), [1.0, 0.5], monitor="loss")
    assert saved == []


def test_model_checkpoint_unknown_field_is_a_clear_error(saved):
    with pytest.raises(ValueError, match=r"val_acc.*\['loss', 'lr', 'val_loss'\]"):
        run(ModelCheckpoint("m-{val_acc:.2f}.st"), [1.0])


def test_model_checkpoint_saves_through_the_models_own_save(tmp_path):
    model = FakeModel()
    run(ModelCheckpoint(tmp_path / "sub" / "model-{epoch}.safetensors"), [1.0], model=model)
    assert model.saved == [str(tmp_path / "sub" / "model-1.safetensors")]
    assert (tmp_path / "sub").is_dir()


def test_model_checkpoint_verbose(saved, capsys):
    run(ModelCheckpoint("m.st", save_best_only=True, verbose=1), [1.0, 2.0])
    out = capsys.readouterr().out
    assert "val_loss improved from inf to 1.00000" in out and "did not improve from 1.00000" in out


# --- configs and argument checks ----------------------------------------------------------------------------

@pytest.mark.parametrize("callback", [
    History(),
    TerminateOnNaN(),
    ProgressBar(verbose=2),
    CSVLogger("log.csv", separator=";", append=True),
    ModelCheckpoint("m-{epoch}.st", monitor="val_accuracy", save_best_only=True, mode="max"),
    EarlyStopping(monitor="loss", min_delta=0.01, patience=3, baseline=0.5, restore_best_weights=True,
                  start_from_epoch=2),
    ReduceLROnPlateau(monitor="loss", factor=0.2, patience=3, cooldown=1, min_lr=1e-5, mode="min"),
])
def test_config_round_trip(callback):
    config = callback.get_config()
    rebuilt = type(callback).from_config(json.loads(json.dumps(config)))
    assert rebuilt.get_config() == config
    assert type(callback).__name__ in repr(callback)


@pytest.mark.parametrize(("factory", "error", "match"), [
    (lambda: EarlyStopping(patience=-1), ValueError, "patience must be an integer >= 0"),
    (lambda: EarlyStopping(patience=1.5), TypeError, "patience must be an integer"),
    (lambda: EarlyStopping(mode="minimum"), ValueError, "Unknown mode 'minimum'"),
    (lambda: EarlyStopping(monitor=""), TypeError, "monitor must be a non-empty string"),
    (lambda: EarlyStopping(baseline="low"), TypeError, "baseline must be a real number"),
    (lambda: EarlyStopping(min_delta=math.nan), ValueError, "min_delta must be finite"),
    (lambda: EarlyStopping(restore_best_weights=1), TypeError, "restore_best_weights must be True or False"),
    (lambda: EarlyStopping(start_from_epoch=-2), ValueError, "start_from_epoch"),
    (lambda: ReduceLROnPlateau(factor=1.0), ValueError, r"factor must be in \(0.0, 1.0\)"),
    (lambda: ReduceLROnPlateau(factor=0.0), ValueError, "factor must be in"),
    (lambda: ReduceLROnPlateau(cooldown=-1), ValueError, "cooldown"),
    (lambda: ReduceLROnPlateau(min_lr=-1e-3), ValueError, "min_lr"),
    (lambda: ReduceLROnPlateau(mode="up"), ValueError, "mode"),
    (lambda: ModelCheckpoint("m.st", save_freq=10), ValueError, "save_freq must be 'epoch'"),
    (lambda: ModelCheckpoint("m-{epoch.st"), ValueError, "filepath is not a valid format string"),
    (lambda: ModelCheckpoint(None), TypeError, "filepath must be a str or os.PathLike"),
    (lambda: ModelCheckpoint("m.st", save_best_only="yes"), TypeError, "save_best_only"),
    (lambda: CSVLogger("log.csv", separator=", "), ValueError, "separator must be a single character"),
    (lambda: CSVLogger(""), ValueError, "filename must not be empty"),
    (lambda: CSVLogger("log.csv", append="no"), TypeError, "append must be True or False"),
    (lambda: ProgressBar(verbose=3), ValueError, r"verbose must be an integer in \[0, 2\]"),
])
def test_bad_constructor_arguments_name_the_parameter(factory, error, match):
    with pytest.raises(error, match=match):
        factory()
