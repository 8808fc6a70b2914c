"""Issue 7: a catalogue of bad inputs, and what happens when training diverges or meets extreme numbers.

Every case of the catalogue builds a working object (a fitted or compiled model, a fitted estimator, callbacks, or
nothing for constructors and loaders), snapshots its state, makes one bad call and checks three things: the
documented exception type, a message that names the parameter (and, where sensible, what was given), and a state
exactly as before (weights, optimiser slots and iterations, random generators, History; ``coefs_``,
``intercepts_``, ``n_iter_``, ``loss_curve_`` for estimators). The command line gets its own table: a non-zero exit
code and one ``Error:`` line, never a traceback.

The second half checks divergence (a ``DivergenceWarning`` naming the learning rate, the last finite weights kept,
no NaN reaching ``predict``) and extreme inputs (logits of +-1e4, float32 features of 1e30) where the mathematics
is finite.
"""

from __future__ import annotations

import gzip
import struct
import warnings
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import glassnet as gn
from glassnet import activations, datasets
from glassnet.cli import main
from glassnet.io import ModelFileError

Case = namedtuple("Case", "id make call exc match")
"""``make(tmp_path) -> obj``; ``call(obj, tmp_path)`` is the bad call; ``exc`` the exception type; ``match`` the
substrings its message must contain."""

CliCase = namedtuple("CliCase", "id argv code match")
"""``argv`` for ``glassnet.cli.main`` (``{tmp}`` is the test's folder); ``code`` the exit status; ``match`` the
substrings the one error line must contain."""


# ----------------------------------------------------------------------------------------------------------------
# Working objects
# ----------------------------------------------------------------------------------------------------------------

def _data(n=20, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] > 0).astype(int)


X, Y = _data()


def fitted_model(tmp_path=None):
    """Dense + BatchNorm + Dropout + sigmoid output, Adam with filled slots, a History: every kind of state."""
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.BatchNorm(), gn.Dropout(0.25),
                           gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.01), metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    return model


def unbuilt_model(tmp_path=None):
    return gn.Sequential([gn.Dense(2, activation="relu"), gn.Dense(1)])


def uncompiled_model(tmp_path=None):
    return gn.Sequential([gn.Dense(2, activation="relu"), gn.Dense(1)], input_dim=2, seed=0)


def scheduled_model(tmp_path=None):
    model = fitted_model()
    model.compile(loss="binary_crossentropy",
                  optimizer=gn.optimizers.SGD(gn.schedules.get({"name": "exponential", "initial_learning_rate": 0.1})))
    model.fit(X, Y, epochs=1, verbose=0)
    return model


def _quiet_fit(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def fitted_classifier(tmp_path=None):
    return _quiet_fit(gn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, Y)


def fitted_regressor(tmp_path=None):
    return _quiet_fit(gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, X.sum(axis=1))


def fitted_perceptron(tmp_path=None):
    return _quiet_fit(gn.Perceptron(max_iter=5), X, Y)


def nothing(tmp_path=None):
    return None


def saved_callbacks(tmp_path):
    """Two fresh callbacks whose kinds differ from the two a saved file holds (EarlyStopping, EarlyStopping)."""
    model = fitted_model()
    saved = [gn.callbacks.EarlyStopping(monitor="loss", patience=5), gn.callbacks.EarlyStopping(monitor="loss")]
    model.fit(X, Y, epochs=3, verbose=0, callbacks=saved)
    gn.save_model(model, tmp_path / "with_callbacks.safetensors", callbacks=saved)
    return [gn.callbacks.EarlyStopping(monitor="loss", patience=5), gn.callbacks.ReduceLROnPlateau(monitor="loss")]


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


_IDX = struct.pack(">BBBB", 0, 0, 8, 2) + struct.pack(">II", 3, 2) + bytes(range(6))  # a 3x2 uint8 IDX file


# ----------------------------------------------------------------------------------------------------------------
# State: what must not change when a call fails
# ----------------------------------------------------------------------------------------------------------------

def _state(obj):
    if obj is None:
        return None
    if isinstance(obj, gn.Sequential):
        history = obj.history
        return {
            "built": obj.built, "input_dim": obj.input_dim, "layers": [id(layer) for layer in obj.layers],
            "weights": obj.get_weights() if obj.built else None,
            "loss": id(obj.loss), "optimizer": id(obj.optimizer), "metrics": sorted(obj.metrics),
            "optimizer_state": obj.optimizer.get_state() if obj.optimizer is not None else None,
            "learning_rate": obj.optimizer.learning_rate if obj.optimizer is not None else None,
            "rng": obj._rng.bit_generator.state, "init_rng": obj._init_rng.bit_generator.state,
            "layer_rngs": [layer.rng.bit_generator.state for layer in obj.layers
                           if getattr(layer, "rng", None) is not None],
            "history": id(history),
            "history_content": None if history is None else (list(history.epoch),
                                                              {k: list(v) for k, v in history.history.items()}),
        }
    if isinstance(obj, (gn.MLPClassifier, gn.MLPRegressor)):
        if not hasattr(obj, "coefs_"):
            return {"fitted": False}
        return {
            "coefs_": [w.copy() for w in obj.coefs_], "intercepts_": [b.copy() for b in obj.intercepts_],
            "n_iter_": obj.n_iter_, "t_": obj.t_, "loss_curve_": list(obj.loss_curve_),
            "classes_": getattr(obj, "classes_", None), "n_features_in_": obj.n_features_in_,
            "optimizer_state": obj.model_.optimizer.get_state(),
        }
    if isinstance(obj, gn.Perceptron):
        if not hasattr(obj, "coef_"):
            return {"fitted": False}
        return {"coef_": obj.coef_.copy(), "intercept_": obj.intercept_.copy(), "n_iter_": obj.n_iter_,
                "classes_": obj.classes_.copy(), "converged_": obj.converged_,
                "training_history_": len(obj.training_history_)}
    if isinstance(obj, list) and all(isinstance(c, gn.callbacks.Callback) for c in obj):
        return [c.get_state() for c in obj]
    raise TypeError(f"no snapshot for {obj!r}")


def assert_same(before, after, where="state"):
    """Exact equality, arrays included (same dtype, shape and bits)."""
    if isinstance(before, dict):
        assert isinstance(after, dict) and set(before) == set(after), f"{where}: keys changed"
        for key in before:
            assert_same(before[key], after[key], f"{where}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert isinstance(after, (list, tuple)) and len(before) == len(after), f"{where}: length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{where}: no longer an array"
        assert before.dtype == after.dtype and before.shape == after.shape, f"{where}: dtype/shape changed"
        assert np.array_equal(before, after, equal_nan=before.dtype.kind == "f"), f"{where}: values changed"
    elif isinstance(before, float) and np.isnan(before):
        assert isinstance(after, float) and np.isnan(after), f"{where}: changed"
    else:
        assert before == after, f"{where}: {before!r} became {after!r}"


# ----------------------------------------------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------------------------------------------

def _bad_X(value):
    bad = X.copy()
    bad[3, 1] = value
    return bad


def _set_bad(estimator, **params):
    return estimator.set_params(**params)


SEQUENTIAL = [
    Case("seq-fit-nan-X", fitted_model, lambda m, p: m.fit(_bad_X(np.nan), Y, verbose=0), ValueError, ("X", "NaN")),
    Case("seq-fit-inf-X", fitted_model, lambda m, p: m.fit(_bad_X(np.inf), Y, verbose=0), ValueError,
         ("X", "infinite")),
    Case("seq-fit-nan-y", fitted_model, lambda m, p: m.fit(X, np.where(Y, np.nan, 0.0), verbose=0), ValueError,
         ("y", "NaN")),
    Case("seq-fit-1d-X", fitted_model, lambda m, p: m.fit(X[:, 0], Y, verbose=0), ValueError, ("X", "2-D", "(20,)")),
    Case("seq-predict-3d-X", fitted_model, lambda m, p: m.predict(X[:, :, None]), ValueError,
         ("X", "2-D", "(20, 2, 1)")),
    Case("seq-fit-mismatched-lengths", fitted_model, lambda m, p: m.fit(X, Y[:-1], verbose=0), ValueError,
         ("X", "y", "20", "19")),
    Case("seq-fit-empty", fitted_model, lambda m, p: m.fit(X[:0], Y[:0], verbose=0), ValueError, ("X", "(0, 2)")),
    Case("seq-fit-strings", fitted_model, lambda m, p: m.fit([["a", "b"]] * 20, Y, verbose=0), TypeError,
         ("X", "numbers")),
    Case("seq-fit-objects", fitted_model, lambda m, p: m.fit(np.array([[object(), 1.0]] * 20), Y, verbose=0),
         TypeError, ("X", "object")),
    Case("seq-fit-complex", fitted_model, lambda m, p: m.fit(X + 1j, Y, verbose=0), TypeError, ("X", "complex")),
    Case("seq-fit-1e300-into-float32", fitted_model, lambda m, p: m.fit(_bad_X(1e300), Y, verbose=0), ValueError,
         ("X", "float32", "1e+300")),
    Case("seq-predict-width", fitted_model, lambda m, p: m.predict(np.ones((3, 5))), ValueError,
         ("X", "5 features", "input_dim")),
    Case("seq-evaluate-width", fitted_model, lambda m, p: m.evaluate(np.ones((3, 5)), [0, 1, 0]), ValueError,
         ("X", "5 features")),
    Case("seq-fit-width", fitted_model, lambda m, p: m.fit(np.ones((4, 3)), [0, 1, 0, 1], verbose=0), ValueError,
         ("X", "3 features", "expects 2")),
    Case("seq-fit-labels-outside-output", fitted_model, lambda m, p: m.fit(X, Y + 1, verbose=0), ValueError,
         ("binary_crossentropy", "[0, 1]", "2")),
    Case("seq-fit-epochs-zero", fitted_model, lambda m, p: m.fit(X, Y, epochs=0, verbose=0), ValueError,
         ("epochs", "epochs=0")),
    Case("seq-fit-batch-size-negative", fitted_model, lambda m, p: m.fit(X, Y, batch_size=-1, verbose=0), ValueError,
         ("batch_size", "-1")),
    Case("seq-fit-batch-size-float", fitted_model, lambda m, p: m.fit(X, Y, batch_size=2.5, verbose=0), TypeError,
         ("batch_size", "2.5")),
    Case("seq-fit-validation-split-one", fitted_model, lambda m, p: m.fit(X, Y, validation_split=1.0, verbose=0),
         ValueError, ("validation_split", "1.0")),
    Case("seq-fit-validation-split-too-small", fitted_model,
         lambda m, p: m.fit(X, Y, validation_split=0.01, verbose=0), ValueError, ("validation_split", "0.01")),
    Case("seq-fit-one-sample-with-validation-split", fitted_model,
         lambda m, p: m.fit(X[:1], Y[:1], validation_split=0.5, verbose=0), ValueError,
         ("validation_split", "1 sample")),
    Case("seq-fit-verbose", fitted_model, lambda m, p: m.fit(X, Y, verbose=5), ValueError, ("verbose", "5")),
    Case("seq-fit-shuffle-string", fitted_model, lambda m, p: m.fit(X, Y, shuffle="yes", verbose=0), TypeError,
         ("shuffle", "'yes'")),
    Case("seq-fit-callback-not-callback", fitted_model, lambda m, p: m.fit(X, Y, callbacks=["es"], verbose=0),
         TypeError, ("callbacks", "'es'")),
    Case("seq-fit-sample-weight-negative", fitted_model,
         lambda m, p: m.fit(X, Y, sample_weight=-np.ones(20), verbose=0), ValueError, ("sample_weight", "negative")),
    Case("seq-fit-sample-weight-length", fitted_model,
         lambda m, p: m.fit(X, Y, sample_weight=np.ones(7), verbose=0), ValueError, ("sample_weight", "20", "7")),
    Case("seq-fit-class-weight-list", fitted_model, lambda m, p: m.fit(X, Y, class_weight=[1, 2], verbose=0),
         TypeError, ("class_weight", "list")),
    Case("seq-fit-validation-data-width", fitted_model,
         lambda m, p: m.fit(X, Y, validation_data=(X[:, :1], Y), verbose=0), ValueError,
         ("validation_data[0]", "1 features")),
    Case("seq-fit-initial-epoch-after-epochs", fitted_model,
         lambda m, p: m.fit(X, Y, epochs=2, initial_epoch=3, verbose=0), ValueError, ("initial_epoch", "3")),
    # a metric that cannot be computed on these targets must be refused before any step, not after the first epoch
    Case("seq-fit-metric-that-does-not-fit-targets", fitted_model,
         lambda m, p: m.fit(X, np.full(20, 0.5), epochs=2, verbose=0), ValueError, ("y", "0.5")),
    # callbacks that refuse the run in on_train_begin must not leave a fresh, empty History behind
    Case("seq-fit-reduce-lr-with-schedule", scheduled_model,
         lambda m, p: m.fit(X, Y, verbose=0, callbacks=[gn.callbacks.ReduceLROnPlateau(monitor="loss")]),
         TypeError, ("learning_rate", "ReduceLROnPlateau")),
    # an unknown placeholder in the checkpoint's file name is known before the first step, not after it
    Case("seq-fit-checkpoint-unknown-placeholder", fitted_model,
         lambda m, p: m.fit(X, Y, verbose=0, callbacks=[
             gn.callbacks.ModelCheckpoint(str(p / "m-{nosuch}.safetensors"), monitor="loss")]), ValueError,
         ("filepath", "nosuch")),
    Case("seq-compile-misspelt-loss", fitted_model, lambda m, p: m.compile(loss="binary_crossentropi"), ValueError,
         ("loss", "'binary_crossentropi'", "Did you mean 'binary_crossentropy'")),
    Case("seq-compile-misspelt-optimizer", fitted_model,
         lambda m, p: m.compile(loss="binary_crossentropy", optimizer="adamm"), ValueError,
         ("optimizer", "'adamm'", "Did you mean 'adam'")),
    Case("seq-compile-misspelt-metric", fitted_model,
         lambda m, p: m.compile(loss="binary_crossentropy", metrics=["acuracy"]), ValueError,
         ("metric", "'acuracy'", "Did you mean 'accuracy'")),
    Case("seq-compile-loss-not-a-name", fitted_model, lambda m, p: m.compile(loss=3), TypeError, ("loss", "3")),
    Case("seq-compile-misspelt-mse", fitted_model,
         lambda m, p: m.compile(loss="msee"), ValueError, ("loss", "'msee'", "Did you mean 'mse'")),
    Case("seq-compile-loss-that-does-not-fit-range", uncompiled_model,
         lambda m, p: m.compile(loss="binary_crossentropy"), ValueError,
         ("binary_crossentropy", "'linear'", "sigmoid")),
    # one sigmoid unit cannot hold a categorical distribution: every later fit refuses it, so compile must too
    Case("seq-compile-categorical-on-one-unit", fitted_model,
         lambda m, p: m.compile(loss="categorical_crossentropy"), ValueError, ("categorical_crossentropy", "1")),
    Case("seq-add-layer-that-breaks-the-loss", fitted_model, lambda m, p: m.add(gn.Dense(3)), ValueError,
         ("binary_crossentropy", "'linear'")),
    Case("seq-add-not-a-layer", fitted_model, lambda m, p: m.add("dense"), TypeError, ("layer", "'dense'")),
    Case("seq-build-other-width", fitted_model, lambda m, p: m.build(5), ValueError, ("input_dim", "5")),
    Case("seq-set-weights-count", fitted_model, lambda m, p: m.set_weights([np.ones((2, 4))]), ValueError,
         ("weights", "received 1")),
    Case("seq-set-weights-shape", fitted_model,
         lambda m, p: m.set_weights([np.ones((3, 4))] + m.get_weights()[1:]), ValueError,
         ("weights[0]", "(3, 4)")),
    Case("seq-set-weights-nan", fitted_model, lambda m, p: m.set_weights([w * np.nan for w in m.get_weights()]),
         ValueError, ("weights[0]", "NaN")),
    Case("seq-loss-and-gradients-training-string", fitted_model,
         lambda m, p: m.loss_and_gradients(X, Y, training="yes"), TypeError, ("training", "'yes'")),
    Case("seq-train-on-batch-nan", fitted_model, lambda m, p: m.train_on_batch(_bad_X(np.nan), Y), ValueError,
         ("X", "NaN")),
    Case("seq-predict-batch-size-zero", fitted_model, lambda m, p: m.predict(X, batch_size=0), ValueError,
         ("batch_size", "0")),
    Case("seq-predict-before-build", unbuilt_model, lambda m, p: m.predict(X), RuntimeError, ("built", "predict")),
    Case("seq-fit-before-compile", uncompiled_model, lambda m, p: m.fit(X, Y, verbose=0), RuntimeError,
         ("compile", "fit")),
    Case("seq-evaluate-before-compile", uncompiled_model, lambda m, p: m.evaluate(X, Y), RuntimeError,
         ("compile", "evaluate")),
    Case("seq-input-dim-zero", nothing, lambda m, p: gn.Sequential([gn.Dense(1)], input_dim=0), ValueError,
         ("input_dim", "0")),
    Case("seq-seed-negative", nothing, lambda m, p: gn.Sequential([gn.Dense(1)], seed=-1), ValueError,
         ("seed", "-1")),
    Case("seq-dtype-float16", nothing, lambda m, p: gn.Sequential([gn.Dense(1)], dtype="float16"), ValueError,
         ("dtype", "'float16'")),
    Case("seq-layers-not-layers", nothing, lambda m, p: gn.Sequential([3]), TypeError, ("layer", "3")),
    Case("seq-layers-a-string", nothing, lambda m, p: gn.Sequential("dense"), TypeError, ("layers", "'dense'")),
    Case("seq-layer-used-twice", nothing, lambda m, p: (lambda d: gn.Sequential([d, d]))(gn.Dense(2)), ValueError,
         ("layer", "already")),
]

LAYERS = [
    Case("dense-units-zero", nothing, lambda m, p: gn.Dense(0), ValueError, ("units", "units=0")),
    Case("dense-units-negative", nothing, lambda m, p: gn.Dense(-3), ValueError, ("units", "-3")),
    Case("dense-units-float", nothing, lambda m, p: gn.Dense(2.0), TypeError, ("units", "2.0")),
    Case("dense-units-string", nothing, lambda m, p: gn.Dense("3"), TypeError, ("units", "'3'")),
    Case("dense-misspelt-activation", nothing, lambda m, p: gn.Dense(2, activation="rellu"), ValueError,
         ("activation", "'rellu'", "Did you mean 'relu'")),
    Case("dense-step-activation", nothing, lambda m, p: gn.Dense(2, activation="step"), ValueError,
         ("activation", "'step'", "Perceptron")),
    Case("dense-misspelt-initializer", nothing, lambda m, p: gn.Dense(2, kernel_initializer="glorot"), ValueError,
         ("initializer", "'glorot'", "glorot_")),
    Case("dense-l2-negative", nothing, lambda m, p: gn.Dense(2, l2=-1.0), ValueError, ("l2", "-1.0")),
    Case("dense-l1-nan", nothing, lambda m, p: gn.Dense(2, l1=float("nan")), ValueError, ("l1", "nan")),
    Case("dropout-rate-one", nothing, lambda m, p: gn.Dropout(1.0), ValueError, ("rate", "1.0")),
    Case("dropout-rate-negative", nothing, lambda m, p: gn.Dropout(-0.1), ValueError, ("rate", "-0.1")),
    Case("dropout-rate-string", nothing, lambda m, p: gn.Dropout("0.5"), TypeError, ("rate", "'0.5'")),
    Case("batchnorm-momentum-above-one", nothing, lambda m, p: gn.BatchNorm(momentum=2), ValueError,
         ("momentum", "2")),
    Case("batchnorm-epsilon-zero", nothing, lambda m, p: gn.BatchNorm(epsilon=0), ValueError, ("epsilon", "0")),
    Case("activation-layer-misspelt", nothing, lambda m, p: gn.Activation("softmaxx"), ValueError,
         ("activation", "'softmaxx'", "Did you mean 'softmax'")),
]

OPTIMIZERS = [
    Case("adam-lr-negative", nothing, lambda m, p: gn.optimizers.Adam(-1.0), ValueError, ("learning_rate", "-1.0")),
    Case("sgd-lr-zero", nothing, lambda m, p: gn.optimizers.SGD(0.0), ValueError, ("learning_rate", "0.0")),
    Case("sgd-lr-inf", nothing, lambda m, p: gn.optimizers.SGD(float("inf")), ValueError, ("learning_rate", "inf")),
    Case("sgd-lr-string", nothing, lambda m, p: gn.optimizers.SGD("0.1"), TypeError, ("learning_rate", "'0.1'")),
    Case("adam-beta-1-one", nothing, lambda m, p: gn.optimizers.Adam(beta_1=1.0), ValueError, ("beta_1", "1.0")),
    Case("adam-beta-2-negative", nothing, lambda m, p: gn.optimizers.Adam(beta_2=-0.1), ValueError,
         ("beta_2", "-0.1")),
    Case("sgd-momentum-above-one", nothing, lambda m, p: gn.optimizers.SGD(momentum=1.5), ValueError,
         ("momentum", "1.5")),
    Case("rmsprop-rho-one", nothing, lambda m, p: gn.optimizers.RMSprop(rho=1.0), ValueError, ("rho", "1.0")),
    Case("sgd-clipnorm-zero", nothing, lambda m, p: gn.optimizers.SGD(clipnorm=0.0), ValueError, ("clipnorm", "0.0")),
    Case("adamw-weight-decay-negative", nothing, lambda m, p: gn.optimizers.AdamW(weight_decay=-0.1), ValueError,
         ("weight_decay", "-0.1")),
    Case("optimizer-misspelt-name", nothing, lambda m, p: gn.optimizers.get("adamw2"), ValueError,
         ("optimizer", "'adamw2'", "Did you mean 'adamw'")),
]

CALLBACKS = [
    Case("early-stopping-patience-negative", nothing, lambda m, p: gn.callbacks.EarlyStopping(patience=-1),
         ValueError, ("patience", "-1")),
    Case("early-stopping-patience-float", nothing, lambda m, p: gn.callbacks.EarlyStopping(patience=1.5), TypeError,
         ("patience", "1.5")),
    Case("early-stopping-misspelt-mode", nothing, lambda m, p: gn.callbacks.EarlyStopping(mode="maxx"), ValueError,
         ("mode", "'maxx'", "Did you mean 'max'")),
    Case("early-stopping-monitor-not-a-string", nothing, lambda m, p: gn.callbacks.EarlyStopping(monitor=3),
         TypeError, ("monitor", "3")),
    Case("early-stopping-restore-string", nothing,
         lambda m, p: gn.callbacks.EarlyStopping(restore_best_weights="yes"), TypeError,
         ("restore_best_weights", "'yes'")),
    Case("reduce-lr-factor-above-one", nothing, lambda m, p: gn.callbacks.ReduceLROnPlateau(factor=1.5), ValueError,
         ("factor", "1.5")),
    Case("reduce-lr-cooldown-negative", nothing, lambda m, p: gn.callbacks.ReduceLROnPlateau(cooldown=-1),
         ValueError, ("cooldown", "-1")),
    Case("checkpoint-path-none", nothing, lambda m, p: gn.callbacks.ModelCheckpoint(None), TypeError,
         ("filepath", "None")),
    Case("csv-logger-separator", nothing, lambda m, p: gn.callbacks.CSVLogger("log.csv", separator=";;"),
         ValueError, ("separator", "';;'")),
]

ESTIMATORS = [
    Case("clf-fit-nan-X", fitted_classifier, lambda e, p: e.fit(_bad_X(np.nan), Y), ValueError, ("X", "NaN")),
    Case("clf-fit-inf-X", fitted_classifier, lambda e, p: e.fit(_bad_X(np.inf), Y), ValueError, ("X", "infinity")),
    Case("clf-fit-nan-y", fitted_classifier, lambda e, p: e.fit(X, np.where(Y, np.nan, 0.0)), ValueError,
         ("y", "NaN")),
    # the estimators keep scikit-learn's own messages (its conformance checks match them), which quote the value
    Case("clf-fit-strings", fitted_classifier, lambda e, p: e.fit([["a", "b"]] * 20, Y), ValueError,
         ("convert string to float", "'a'")),
    Case("clf-fit-3d-X", fitted_classifier, lambda e, p: e.fit(X[:, :, None], Y), ValueError, ("dim 3",)),
    Case("clf-fit-empty", fitted_classifier, lambda e, p: e.fit(X[:0], Y[:0]), ValueError, ("0 sample",)),
    Case("clf-fit-mismatched-lengths", fitted_classifier, lambda e, p: e.fit(X, Y[:-1]), ValueError,
         ("inconsistent", "[20, 19]")),
    # the user never passed test_size: the message should speak of early_stopping / validation_fraction
    # scikit-learn's train_test_split message (test_size=validation_fraction), as scikit-learn's MLP gives it
    Case("clf-one-sample-with-early-stopping", fitted_classifier,
         lambda e, p: _set_bad(e, early_stopping=True).fit(X[:1], Y[:1]), ValueError, ("test_size", "n_samples=1")),
    Case("clf-predict-width", fitted_classifier, lambda e, p: e.predict(X[:, :1]), ValueError,
         ("X has 1 features", "expecting 2")),
    Case("clf-partial-fit-unseen-labels", fitted_classifier, lambda e, p: e.partial_fit(X, Y + 5), ValueError,
         ("classes", "[5 6]")),
    Case("clf-partial-fit-first-call-without-classes", nothing,
         lambda e, p: gn.MLPClassifier(hidden_layer_sizes=(2,)).partial_fit(X, Y), ValueError, ("classes",)),
    Case("clf-validation-data-unseen-labels", fitted_classifier,
         lambda e, p: e.fit(X, Y, validation_data=(X, Y + 3)), ValueError, ("validation_data", "[3 4]")),
    Case("clf-learning-rate-negative", fitted_classifier,
         lambda e, p: _set_bad(e, learning_rate_init=-1.0).fit(X, Y), InvalidParameterError,
         ("learning_rate_init", "-1.0")),
    Case("clf-misspelt-activation", fitted_classifier, lambda e, p: _set_bad(e, activation="rellu").fit(X, Y),
         InvalidParameterError, ("activation", "'rellu'")),
    Case("clf-misspelt-solver", fitted_classifier, lambda e, p: _set_bad(e, solver="adamm").fit(X, Y),
         InvalidParameterError, ("solver", "'adamm'")),
    Case("clf-beta-1-one", fitted_classifier, lambda e, p: _set_bad(e, beta_1=1.0).fit(X, Y), InvalidParameterError,
         ("beta_1", "1.0")),
    Case("clf-alpha-negative", fitted_classifier, lambda e, p: _set_bad(e, alpha=-1.0).fit(X, Y),
         InvalidParameterError, ("alpha", "-1.0")),
    Case("clf-hidden-size-zero", fitted_classifier, lambda e, p: _set_bad(e, hidden_layer_sizes=(0,)).fit(X, Y),
         ValueError, ("hidden_layer_sizes", "0")),
    Case("clf-batch-size-zero", fitted_classifier, lambda e, p: _set_bad(e, batch_size=0).fit(X, Y),
         InvalidParameterError, ("batch_size", "0")),
    Case("clf-dropout-one", fitted_classifier, lambda e, p: _set_bad(e, dropout=1.0).fit(X, Y),
         InvalidParameterError, ("dropout", "1.0")),
    Case("clf-dropout-with-lbfgs", fitted_classifier,
         lambda e, p: _set_bad(e, dropout=0.5, solver="lbfgs").fit(X, Y), ValueError, ("dropout", "L-BFGS")),
    Case("clf-callbacks-not-callbacks", fitted_classifier, lambda e, p: _set_bad(e, callbacks=["x"]).fit(X, Y),
         TypeError, ("callbacks", "'x'")),
    # the refused fit must not have recorded the new data's width (n_features_in_) before refusing
    Case("clf-callbacks-not-callbacks-other-width", fitted_classifier,
         lambda e, p: _set_bad(e, callbacks=["x"]).fit(np.ones((20, 5)), Y), TypeError, ("callbacks", "'x'")),
    Case("clf-predict-before-fit", nothing, lambda e, p: gn.MLPClassifier().predict(X), NotFittedError,
         ("MLPClassifier", "fit")),
    Case("reg-fit-complex", fitted_regressor, lambda e, p: e.fit(X + 1j, X.sum(axis=1)), ValueError,
         ("Complex data not supported",)),
    Case("reg-fit-nan-y", fitted_regressor, lambda e, p: e.fit(X, np.full(20, np.nan)), ValueError, ("y", "NaN")),
    Case("reg-predict-width", fitted_regressor, lambda e, p: e.predict(np.ones((2, 5))), ValueError,
         ("X has 5 features", "expecting 2")),
    Case("reg-misspelt-loss", fitted_regressor, lambda e, p: _set_bad(e, loss="poison").fit(X, X.sum(axis=1)),
         InvalidParameterError, ("loss", "'poison'")),
    Case("reg-poisson-negative-y", fitted_regressor, lambda e, p: _set_bad(e, loss="poisson").fit(X, -np.ones(20)),
         ValueError, ("poisson", "y")),
    Case("reg-partial-fit-two-outputs", fitted_regressor, lambda e, p: e.partial_fit(X, np.c_[Y, Y]), ValueError,
         ("2 outputs", "1")),
    Case("reg-partial-fit-width", fitted_regressor, lambda e, p: e.partial_fit(X[:, :1], Y), ValueError,
         ("X has 1 features",)),
    Case("reg-predict-before-fit", nothing, lambda e, p: gn.MLPRegressor().predict(X), NotFittedError,
         ("MLPRegressor", "fit")),
    Case("perceptron-fit-nan", fitted_perceptron, lambda e, p: e.fit(_bad_X(np.nan), Y), ValueError, ("X", "NaN")),
    Case("perceptron-one-class", fitted_perceptron, lambda e, p: e.fit(X, np.zeros(20)), ValueError,
         ("one class", "0")),
    Case("perceptron-eta0-zero", fitted_perceptron, lambda e, p: _set_bad(e, eta0=0).fit(X, Y),
         InvalidParameterError, ("eta0", "0")),
    Case("perceptron-misspelt-activation", fitted_perceptron, lambda e, p: _set_bad(e, activation="relu").fit(X, Y),
         InvalidParameterError, ("activation", "'relu'")),
    Case("perceptron-predict-width", fitted_perceptron, lambda e, p: e.predict(np.ones((2, 3))), ValueError,
         ("X has 3 features", "expecting 2")),
    Case("perceptron-partial-fit-unseen-labels", fitted_perceptron, lambda e, p: e.partial_fit(X, Y + 5), ValueError,
         ("labels", "[5, 6]")),
    Case("perceptron-overflow", fitted_perceptron, lambda e, p: e.fit(X * 1e300, Y), ValueError, ("eta0", "overflow")),
    Case("perceptron-predict-before-fit", nothing, lambda e, p: gn.Perceptron().predict(X), NotFittedError,
         ("Perceptron", "fit")),
]

FILES = [
    Case("csv-ragged-row", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "a,b,y\n1,2,0\n3,4\n")),
         ValueError, ("line 3", "expected 3 fields, found 2")),
    Case("csv-feature-not-a-number", nothing,
         lambda o, p: datasets.load_csv(_write(p, "a.csv", "a,b,y\n1,2,0\n3,x,1\n")), ValueError,
         ("line 3", "'b'", "'x'")),
    Case("csv-empty-target", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "a,b,y\n1,2,0\n3,4,\n")),
         ValueError, ("line 3", "target")),
    Case("csv-malformed-first-row-without-header", nothing,
         lambda o, p: datasets.load_csv(_write(p, "a.csv", "1,2,\n3,4,1\n"), header=False), ValueError,
         ("line 1", "target")),
    Case("csv-empty-file", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "")), ValueError,
         ("a.csv", "no rows")),
    Case("csv-header-only", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "a,b,y\n")), ValueError,
         ("a.csv", "no data rows")),
    Case("csv-one-column", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "1\n2\n")), ValueError,
         ("two columns", "1")),
    Case("csv-misspelt-target", nothing,
         lambda o, p: datasets.load_csv(_write(p, "a.csv", "a,b,label\n1,2,0\n"), target="lable"), ValueError,
         ("target", "'lable'", "Did you mean 'label'")),
    Case("csv-target-out-of-range", nothing,
         lambda o, p: datasets.load_csv(_write(p, "a.csv", "1,2,0\n"), target=5), ValueError, ("target", "5")),
    Case("csv-target-float", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "1,2,0\n"), target=1.0),
         TypeError, ("target", "1.0")),
    Case("csv-delimiter", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", "1,2,0\n"), delimiter=";;"),
         ValueError, ("delimiter", "';;'")),
    Case("csv-not-utf8", nothing, lambda o, p: datasets.load_csv(_write(p, "a.csv", b"\xff\xfe\x00\x01")),
         ValueError, ("a.csv", "UTF-8")),
    Case("csv-corrupt-gzip", nothing,
         lambda o, p: datasets.load_csv(_write(p, "a.csv.gz", gzip.compress(b"a,b,y\n1,2,0\n")[:-6])), ValueError,
         ("a.csv.gz", "gzip")),
    Case("csv-missing-file", nothing, lambda o, p: datasets.load_csv(p / "missing.csv"), FileNotFoundError,
         ("missing.csv",)),
    Case("csv-path-none", nothing, lambda o, p: datasets.load_csv(None), TypeError, ("path", "None")),
    Case("idx-truncated-data", nothing, lambda o, p: datasets.load_idx(_write(p, "a.idx", _IDX[:-1])), ValueError,
         ("a.idx", "truncated", "(3, 2)")),
    Case("idx-truncated-header", nothing, lambda o, p: datasets.load_idx(_write(p, "a.idx", _IDX[:6])), ValueError,
         ("a.idx", "truncated header")),
    Case("idx-too-short", nothing, lambda o, p: datasets.load_idx(_write(p, "a.idx", _IDX[:2])), ValueError,
         ("a.idx", "2 bytes")),
    Case("idx-bad-magic", nothing, lambda o, p: datasets.load_idx(_write(p, "a.idx", b"\x01\x00" + _IDX[2:])),
         ValueError, ("a.idx", "magic")),
    Case("idx-trailing-bytes", nothing, lambda o, p: datasets.load_idx(_write(p, "a.idx", _IDX + b"\x00")),
         ValueError, ("a.idx", "unexpected bytes")),
    Case("idx-missing-file", nothing, lambda o, p: datasets.load_idx(p / "missing.idx"), FileNotFoundError,
         ("missing.idx",)),
    Case("load-model-missing-file", nothing, lambda o, p: gn.load_model(p / "missing.safetensors"),
         FileNotFoundError, ("missing.safetensors",)),
    Case("load-model-garbage", nothing, lambda o, p: gn.load_model(_write(p, "g.safetensors", b"garbage" * 10)),
         ModelFileError, ("g.safetensors", "safetensors")),
    Case("load-model-empty", nothing, lambda o, p: gn.load_model(_write(p, "e.safetensors", b"")), ModelFileError,
         ("e.safetensors", "0 bytes")),
    Case("load-model-path-none", nothing, lambda o, p: gn.load_model(None), TypeError, ("path", "NoneType")),
    # a mismatch at callbacks[1] must not have restored callbacks[0] already
    Case("load-model-wrong-callbacks", saved_callbacks,
         lambda cbs, p: gn.load_model(p / "with_callbacks.safetensors", callbacks=cbs), ValueError,
         ("callbacks[1]", "ReduceLROnPlateau", "EarlyStopping")),
    Case("save-model-unbuilt", unbuilt_model, lambda m, p: gn.save_model(m, p / "m.safetensors"), ValueError,
         ("model", "built")),
    Case("save-model-to-a-directory", fitted_model, lambda m, p: gn.save_model(m, p), IsADirectoryError, ()),
    Case("idx-path-is-a-directory", nothing, lambda o, p: datasets.load_idx(p), IsADirectoryError, ()),
    Case("save-model-not-a-model", nothing, lambda o, p: gn.save_model("model", p / "m.safetensors"), TypeError,
         ("model", "str")),
]

CATALOGUE = SEQUENTIAL + LAYERS + OPTIMIZERS + CALLBACKS + ESTIMATORS + FILES


def test_the_catalogue_is_large_and_its_ids_unique():
    ids = [case.id for case in CATALOGUE + CLI]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 45


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", CATALOGUE, ids=[case.id for case in CATALOGUE])
def test_bad_input_raises_the_documented_error_and_changes_nothing(case, tmp_path):
    obj = case.make(tmp_path)
    before = _state(obj)
    with pytest.raises(case.exc) as info:
        case.call(obj, tmp_path)
    message = str(info.value)
    for part in case.match:
        assert part in message, f"{part!r} not in the message: {message!r}"
    assert "\n" not in message.strip() or isinstance(obj, (gn.MLPClassifier, gn.MLPRegressor, gn.Perceptron)), \
        f"a multi-line message: {message!r}"
    assert_same(before, _state(obj))


# ----------------------------------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------------------------------

CLI_FILES = {
    "bad.csv": "a,b,y\n1,2,0\n3,x,1\n",
    "ragged.csv": "a,b,y\n1,2,0\n3,1\n",
    "empty.csv": "",
    "one-class.csv": "a,b,y\n1,2,0\n3,4,0\n5,6,0\n",
    "nan.csv": "a,b,y\n1,nan,0\n3,4,1\n5,6,0\n7,8,1\n",
    "huge.csv": "a,b,y\n1,1e300,0\n3,4,1\n5,6,0\n7,8,1\n",
    "garbage.safetensors": "not a model at all",
}

CLI = [
    CliCase("cli-unknown-data", ("train", "--data", "moonz"), 1, ("moonz", "moons")),
    CliCase("cli-missing-csv", ("train", "--data", "{tmp}/missing.csv"), 1, ("missing.csv",)),
    CliCase("cli-csv-not-a-number", ("train", "--data", "{tmp}/bad.csv", "--epochs", "1"), 1, ("line 3", "'x'")),
    CliCase("cli-csv-ragged", ("train", "--data", "{tmp}/ragged.csv", "--epochs", "1"), 1,
         ("line 3", "expected 3 fields")),
    CliCase("cli-csv-empty", ("train", "--data", "{tmp}/empty.csv", "--epochs", "1"), 1, ("no rows",)),
    CliCase("cli-csv-one-class", ("train", "--data", "{tmp}/one-class.csv", "--epochs", "1"), 1,
         ("single class",)),
    CliCase("cli-csv-nan", ("train", "--data", "{tmp}/nan.csv", "--epochs", "1", "--no-progress"), 1, ("NaN",)),
    CliCase("cli-csv-huge", ("train", "--data", "{tmp}/huge.csv", "--epochs", "1", "--no-progress"), 1,
         ("too large",)),
    CliCase("cli-csv-unknown-target", ("train", "--data", "{tmp}/bad.csv", "--target", "z"), 1, ("target", "'z'")),
    CliCase("cli-layers-negative", ("train", "--data", "xor", "--layers", "4,-1"), 2, ("--layers", "4,-1")),
    CliCase("cli-layers-letters", ("train", "--data", "xor", "--layers", "a"), 2, ("--layers", "'a'")),
    CliCase("cli-layers-empty-size", ("train", "--data", "xor", "--layers", "4,,2"), 2, ("--layers",)),
    CliCase("cli-lr-negative", ("train", "--data", "xor", "--lr", "-1"), 2, ("--lr", "-1")),
    CliCase("cli-lr-nan", ("train", "--data", "xor", "--lr", "nan", "--epochs", "1", "--no-progress"), 1,
         ("learning_rate", "nan")),
    CliCase("cli-epochs-zero", ("train", "--data", "xor", "--epochs", "0"), 2, ("--epochs", "0")),
    CliCase("cli-misspelt-optimizer", ("train", "--data", "xor", "--optimizer", "adamm", "--epochs", "1"), 1,
         ("adamm", "'adam'")),
    CliCase("cli-misspelt-activation", ("train", "--data", "xor", "--activation", "rellu", "--epochs", "1"), 1,
         ("rellu", "'relu'")),
    CliCase("cli-step-activation", ("train", "--data", "xor", "--activation", "step", "--epochs", "1"), 1,
         ("step",)),
    CliCase("cli-param-without-values", ("sweep", "--data", "xor", "--param", "learning_rate"), 2,
         ("--param", "learning_rate")),
    CliCase("cli-param-unknown", ("sweep", "--data", "xor", "--param", "nosuch=1,2"), 1, ("nosuch",)),
    CliCase("cli-param-not-numbers", ("sweep", "--data", "xor", "--param", "learning_rate=a,b"), 2,
         ("--param", "'a'")),
    CliCase("cli-param-negative-lr", ("sweep", "--data", "xor", "--param", "learning_rate=-1"), 1,
         ("learning_rate", "-1")),
    CliCase("cli-save-missing-folder", ("train", "--data", "xor", "--save", "{tmp}/nowhere/model.safetensors"), 1,
            ("--save", "nowhere", "does not exist")),
    CliCase("cli-diverged", ("train", "--data", "sine", "--optimizer", "sgd", "--lr", "10", "--epochs", "20",
                             "--no-progress"), 1, ("diverged", "--lr")),
    CliCase("cli-sweep-unknown-data", ("sweep", "--data", "moonz", "--param", "lr=0.1"), 1, ("moonz", "moons")),
    CliCase("cli-sweep-missing-csv", ("sweep", "--data", "{tmp}/missing.csv", "--param", "lr=0.1"), 1,
            ("missing.csv",)),
    CliCase("cli-sweep-csv-nan", ("sweep", "--data", "{tmp}/nan.csv", "--param", "lr=0.1"), 1, ("NaN",)),
    CliCase("cli-report-missing-model", ("report", "{tmp}/missing.safetensors", "--data", "xor"), 1,
         ("missing.safetensors",)),
    CliCase("cli-report-garbage-model", ("report", "{tmp}/garbage.safetensors", "--data", "xor"), 1,
         ("garbage.safetensors",)),
    CliCase("cli-explain-bad-layers", ("explain", "--layers", "x"), 2, ("--layers",)),
    CliCase("cli-unknown-command", ("trian",), 2, ("trian",)),
]


@pytest.mark.parametrize("case", CLI, ids=[case.id for case in CLI])
def test_cli_bad_input_is_one_error_line_and_a_nonzero_exit(case, tmp_path, capsys):
    for name, content in CLI_FILES.items():
        _write(tmp_path, name, content)
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in case.argv]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == case.code != 0, (code, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    for part in case.match:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    assert "np.int64" not in lines[0] and "np.float64" not in lines[0]


# ----------------------------------------------------------------------------------------------------------------
# Divergence: stop, keep the last finite weights, say that the learning rate is the likely cause
# ----------------------------------------------------------------------------------------------------------------

def _regression(n=64, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    Xr = rng.normal(size=(n, 3)).astype(dtype)
    return Xr, (10 * Xr.sum(axis=1))[:, None]


def _all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays)


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
@pytest.mark.parametrize("optimizer", [gn.optimizers.SGD(10.0), gn.optimizers.SGD(1e3, momentum=0.9)],
                         ids=["sgd-lr-10", "sgd-momentum-lr-1000"])
def test_a_diverging_fit_warns_naming_the_learning_rate_and_keeps_the_last_finite_weights(activation, optimizer):
    Xr, yr = _regression()
    model = gn.Sequential([gn.Dense(8, activation=activation), gn.Dense(1)], input_dim=3, seed=0)
    model.compile(loss="mse", optimizer=type(optimizer).from_config(optimizer.get_config()))
    starts = []
    record = gn.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(model.get_weights()))
    with pytest.warns(gn.DivergenceWarning) as caught:
        history = model.fit(Xr, yr, epochs=30, batch_size=16, verbose=0, callbacks=[record])
    message = str(caught[0].message)
    assert "learning rate" in message and f"({optimizer.current_learning_rate():g})" in message
    assert history.diverged
    weights = model.get_weights()
    assert _all_finite(weights)
    assert any(all(np.array_equal(w, s) for w, s in zip(weights, start)) for start in starts)
    assert np.isfinite(model.predict(Xr)).all()
    assert np.isfinite(model.evaluate(Xr, yr, return_dict=True)["loss"])


def test_a_fit_whose_last_step_makes_the_weights_non_finite_still_stops_and_restores():
    # one full-batch step with a huge learning rate: the loss of that step is finite, the weights after it are not;
    # the loop never computes another loss, so a check on the loss alone misses it
    Xr, yr = _regression()
    model = gn.Sequential([gn.Dense(8, activation="tanh"), gn.Dense(1)], input_dim=3, seed=0)
    model.compile(loss="mse", optimizer=gn.optimizers.SGD(1e38))
    initial = model.get_weights()
    with pytest.warns(gn.DivergenceWarning, match="learning rate"):
        history = model.fit(Xr, yr, epochs=1, batch_size=None, verbose=0)
    assert history.diverged
    assert _all_finite(model.get_weights())
    assert all(np.array_equal(w, s) for w, s in zip(model.get_weights(), initial))
    assert np.isfinite(model.predict(Xr)).all()


def test_train_on_batch_with_a_non_finite_loss_raises_a_documented_error_and_changes_nothing():
    Xr, yr = _regression(n=16)
    model = gn.Sequential([gn.Dense(4), gn.BatchNorm(), gn.Dropout(0.5), gn.Dense(1)], input_dim=3, seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(Xr, yr, epochs=1, verbose=0)
    weights = model.get_weights()
    weights[-2][...] = 1e30                                  # outputs of 1e31: a squared error beyond float32
    model.set_weights(weights)
    before = _state(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.train_on_batch(Xr, yr)
        except (ValueError, RuntimeError) as exc:             # the documented types; FloatingPointError is not one
            assert isinstance(exc, gn.DivergenceError) or not isinstance(exc, ArithmeticError)
            message = str(exc)
        else:
            message = " ".join(str(w.message) for w in caught if issubclass(w.category, gn.DivergenceWarning))
            assert message, "train_on_batch took a step from a non-finite loss without a word"
    assert "learning rate" in message
    assert_same(before, _state(model))                        # BatchNorm's running statistics and Dropout's rng too


def test_a_fit_that_reports_success_never_lets_nan_reach_predict():
    # one SGD step on float32 features of 1e30 leaves finite weights of about 1e27 whose products with the
    # features overflow: the step's own loss was finite, the next forward pass is not
    model = gn.Sequential([gn.Dense(4, activation="relu"), gn.Dense(2, activation="softmax")], input_dim=2, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.SGD(1e-3))
    Xh = np.array([[-1e30, 1e30]], dtype=np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(Xh, [1], epochs=1, verbose=0)
    diverged = [w for w in caught if issubclass(w.category, gn.DivergenceWarning)]
    assert bool(diverged) == history.diverged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        prediction = model.predict(Xh)
    assert np.isfinite(prediction).all(), f"fit reported diverged={history.diverged}, then predict gave {prediction}"


def test_a_diverging_estimator_never_lets_nan_reach_predict():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(30, 3)) * 100
    yr = Xr.sum(axis=1) * 100
    reg = gn.MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e6, max_iter=50, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reg.fit(Xr, yr)
        except ValueError:
            pass
        try:
            prediction = reg.predict(Xr)
        except NotFittedError:
            prediction = None                                 # a failed first fit leaves the estimator unfitted
    assert prediction is None or np.isfinite(prediction).all(), "NaN reached predict after a diverging fit"
    noisy = {f"{Path(w.filename).name}:{w.lineno}: {w.message}" for w in caught
             if issubclass(w.category, RuntimeWarning) and "glassnet" in Path(w.filename).parts}
    assert not noisy, f"NumPy warnings from glassnet while diverging (errors under our pytest config): {noisy}"


@pytest.mark.parametrize("params, fit_kwargs, error", [
    ({"callbacks": ["x"]}, {}, TypeError),
    ({"dropout": 0.5, "solver": "lbfgs"}, {}, ValueError),
    ({}, {"validation_data": (X, Y + 3)}, ValueError),
], ids=["bad-callbacks", "dropout-with-lbfgs", "unseen-validation-labels"])
def test_a_failed_first_fit_leaves_the_estimator_unfitted(params, fit_kwargs, error):
    clf = gn.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **params)
    with pytest.raises(error):
        clf.fit(X, Y, **fit_kwargs)
    with pytest.raises(NotFittedError):                      # not an AttributeError about model_
        clf.predict(X)


# ----------------------------------------------------------------------------------------------------------------
# Extremes: finite where the mathematics is finite
# ----------------------------------------------------------------------------------------------------------------

_LOGIT_X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
_LOGIT_Y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output, loss, W, expected_loss, expected_dW", [
    # z = +-1e4: two samples exactly right (loss 0), two exactly wrong (loss |z|, or 2|z| for the softmax pair)
    ("sigmoid", "binary_crossentropy", [[1e4]], 5000.0, [[0.5]]),
    ("softmax", "categorical_crossentropy", [[1e4, -1e4]], 10000.0, [[0.5, -0.5]]),
], ids=["sigmoid-bce", "softmax-cce"])
def test_fused_cross_entropies_are_exact_at_logits_of_1e4(dtype, output, loss, W, expected_loss, expected_dW):
    W = np.array(W)
    model = gn.Sequential([gn.Dense(W.shape[1], activation=output)], input_dim=1, seed=0, dtype=dtype)
    model.compile(loss=loss, optimizer="sgd")
    model.set_weights([W, np.zeros(W.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.loss_and_gradients(_LOGIT_X, _LOGIT_Y)
        evaluated = model.evaluate(_LOGIT_X, _LOGIT_Y, return_dict=True)["loss"]
    assert value == pytest.approx(expected_loss, rel=1e-6)
    assert evaluated == pytest.approx(expected_loss, rel=1e-6)
    np.testing.assert_allclose(grads[0], expected_dW, rtol=1e-6)   # X^T (a - y) / n, a exactly 0 or 1
    np.testing.assert_array_equal(grads[1], np.zeros(W.shape[1]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output, loss, units", [("softmax", "mse", 2), ("sigmoid", "mse", 1), ("sigmoid", "mae", 1),
                                                 ("sigmoid", "huber", 1)])
def test_unfused_losses_stay_finite_at_logits_of_1e4(dtype, output, loss, units):
    model = gn.Sequential([gn.Dense(units, activation=output)], input_dim=1, seed=0, dtype=dtype)
    model.compile(loss=loss, optimizer="sgd")
    model.set_weights([np.array([[1e4, -1e4][:units]]), np.zeros(units)])
    y = np.eye(2)[_LOGIT_Y] if units == 2 else _LOGIT_Y
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.loss_and_gradients(_LOGIT_X, y)
    assert np.isfinite(value) and _all_finite(grads)


_EXTREMES = {"float32": (1e4, 1e30), "float64": (1e4, 1e300)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_every_activation_is_finite_and_silent_at_extreme_inputs(name, dtype):
    act = activations.get(name)
    for big in _EXTREMES[dtype]:
        # e^z for large positive z is not finite mathematically (in the dtype), so exponential gets the other side
        values = [-big, -1.0, 0.0, 1.0] + ([] if name == "exponential" else [big])
        z = np.array([values], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            a = act.forward(z.copy())
            g = act.backward(np.ones_like(z), z, a)
        assert a.dtype == z.dtype and g.dtype == z.dtype
        assert np.isfinite(a).all(), (big, a)
        assert np.isfinite(g).all(), (big, g)


_HIDDEN = sorted(set(activations.ACTIVATIONS) - {"step", "softmax", "exponential"})
_HUGE = (np.random.default_rng(0).choice([-1.0, 1.0], size=(16, 3)) * 1e30).astype(np.float32)
_HUGE_Y = (np.random.default_rng(1).random(16) > 0.5).astype(int)


@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
@pytest.mark.parametrize("hidden", _HIDDEN)
def test_float32_features_of_1e30_give_finite_losses_and_gradients(hidden, head):
    # every intermediate value is a sum of a few terms of about 1e30: finite in float32, and so are the cross-
    # entropies (about 1e30 at most) and their gradients
    units, loss = (1, "binary_crossentropy") if head == "sigmoid" else (2, "categorical_crossentropy")
    model = gn.Sequential([gn.Dense(4, activation=hidden), gn.Dense(units, activation=head)], input_dim=3, seed=0)
    model.compile(loss=loss, optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.loss_and_gradients(_HUGE, _HUGE_Y)
        prediction = model.predict(_HUGE)
    assert np.isfinite(value) and _all_finite(grads)
    assert np.isfinite(prediction).all()


def test_batchnorm_normalises_float32_features_of_1e30():
    # the normalised values are about +-1 whatever the scale; only the variance (1e60) exceeds float32
    model = gn.Sequential([gn.BatchNorm(), gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")],
                          input_dim=3, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.loss_and_gradients(_HUGE, _HUGE_Y, training=True)
    assert np.isfinite(value) and _all_finite(grads)
    normalised = model.layers[0].outputs
    np.testing.assert_allclose(normalised.std(axis=0), 1.0, rtol=1e-2)


@pytest.mark.parametrize("optimizer, expected_step", [
    (gn.optimizers.Adam(0.1), 0.1), (gn.optimizers.AdamW(0.1), 0.1), (gn.optimizers.Adagrad(0.1), 0.1),
    (gn.optimizers.RMSprop(0.1), 0.1 / np.sqrt(0.1)), (gn.optimizers.SGD(0.1), 1e29),
], ids=["adam", "adamw", "adagrad", "rmsprop", "sgd"])
def test_optimizers_step_correctly_on_float32_gradients_of_1e30(optimizer, expected_step):
    # the adaptive optimisers divide by the root of the squared gradients: their first step is lr (RMSprop's
    # lr / sqrt(1 - rho)) whatever the scale, although g ** 2 = 1e60 does not fit in float32
    optimizer = type(optimizer).from_config(optimizer.get_config())
    p, g = np.zeros(1, np.float32), np.full(1, 1e30, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step([p], [g])
    np.testing.assert_allclose(p, [-expected_step], rtol=1e-5)
    assert p.dtype == np.float32


@pytest.mark.parametrize("name", ["adam", "adamw", "adagrad", "rmsprop"])
def test_an_adaptive_optimizer_that_met_a_huge_float32_gradient_keeps_stepping_like_float64(name, tmp_path):
    """After the overflow the parameter's state is float64: every later step matches the same optimiser run in
    float64 throughout (rounded to float32), and the model still saves and loads that state exactly."""
    grads = [np.array([1e30, -1.0], np.float32), np.array([3.0, 2e25], np.float32), np.array([0.5, -0.5], np.float32)]
    narrow, wide = gn.optimizers.get(name), gn.optimizers.get(name)
    p32, p64 = np.array([0.5, -0.25], np.float32), np.array([0.5, -0.25], np.float64)
    for g in grads:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            narrow.step([p32], [g])
        wide.step([p64], [g.astype(np.float64)])
        np.testing.assert_allclose(p32, p64.astype(np.float32), rtol=2e-7)
    model = gn.Sequential([gn.Dense(1)], input_dim=1, seed=0)
    model.compile(loss="mae", optimizer=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(np.array([[1e30], [2e30]], np.float32), np.array([0.0, 1.0]), epochs=2, verbose=0)
    kernel_state, bias_state = model.optimizer._state          # only the kernel's gradients were huge
    assert {v.dtype for v in kernel_state.values()} == {np.dtype(np.float64)}
    assert {v.dtype for v in bias_state.values()} == {np.dtype(np.float32)}
    loaded = gn.load_model(gn.save_model(model, tmp_path / "wide.safetensors"))
    for a, b in zip(loaded.optimizer.get_state()["slots"], model.optimizer.get_state()["slots"]):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
            assert a[k].dtype == b[k].dtype


@pytest.mark.parametrize("layers, loss", [
    ([gn.BatchNorm(), gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")], "binary_crossentropy"),
    ([gn.Dense(1)], "mae"),                                   # gradients of 1e30 through Adam
], ids=["batchnorm", "adam-on-mae"])
def test_a_model_trained_on_float32_features_of_1e30_can_be_saved_and_loaded(tmp_path, layers, loss):
    model = gn.Sequential([type(layer).from_config(layer.get_config()) for layer in layers], input_dim=3, seed=0)
    model.compile(loss=loss, optimizer="adam")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(_HUGE, _HUGE_Y, epochs=3, verbose=0)
        except ValueError:
            return                                            # refusing such data up front is also a fair answer
    if any(issubclass(w.category, gn.DivergenceWarning) for w in caught):
        return
    assert _all_finite(model.get_weights()), "fit succeeded but left non-finite weights (or running statistics)"
    path = gn.save_model(model, tmp_path / "huge.safetensors")
    loaded = gn.load_model(path)
    np.testing.assert_array_equal(loaded.predict(_HUGE), model.predict(_HUGE))


def test_the_documented_exception_types_are_what_the_readme_says():
    # every glassnet error is a TypeError, ValueError, RuntimeError or FileNotFoundError, so callers can catch those
    assert issubclass(ModelFileError, ValueError)
    assert issubclass(gn.DivergenceError, ValueError)
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(gn.DivergenceWarning, UserWarning)


@pytest.mark.parametrize("call, match", [
    (lambda o, p: o.step(p, p[:1]), ("grads", "2 parameters", "1 arrays")),
    (lambda o, p: o.step(p, [p[0], np.zeros(5)]), ("grads[1]", "(3,)", "(5,)")),
    (lambda o, p: o.step(p, [p[0], "x"]), ("grads[1]", "str")),
], ids=["step-count", "step-shape", "step-type"])
def test_optimizer_step_checks_its_arrays_and_changes_nothing(call, match):
    optimizer = gn.optimizers.SGD(0.1, momentum=0.9)
    params = [np.ones((2, 3)), np.ones(3)]
    optimizer.step(params, [np.ones((2, 3)), np.ones(3)])
    before = ([p.copy() for p in params], optimizer.get_state())
    with pytest.raises(ValueError) as info:
        call(optimizer, params)
    for text in match:
        assert text in str(info.value)
    for a, b in zip(params, before[0]):
        np.testing.assert_array_equal(a, b)
    assert optimizer.iterations == before[1]["iterations"] == 1
    np.testing.assert_array_equal(optimizer.get_state()["slots"][0]["velocity"], before[1]["slots"][0]["velocity"])
