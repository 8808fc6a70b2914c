"""Issue 7: random architectures, random data and random calls raise only glassnet's documented exceptions.

Hypothesis draws small networks (0-3 hidden Dense layers of 1-8 units with any trainable activation, optional
Dropout and BatchNorm, an output layer and a loss that fit together), data (1 to 24 samples, sometimes NaN, inf,
huge values, strings, complex numbers, wrong widths or lengths, labels the output cannot hold) and calls (``fit``
with valid or invalid arguments, ``predict``, ``evaluate``, ``loss_and_gradients``, ``save_model``/``load_model``).

What must hold:

* a call with a bad argument raises ``TypeError`` or ``ValueError`` and changes nothing;
* a call with good arguments succeeds; NumPy RuntimeWarnings raised inside glassnet's modules (overflow, invalid
  value: a non-finite intermediate) count as failures, as they do under the project's pytest configuration, except
  where the mathematics itself leaves the dtype (an exponential unit; squared errors of outputs near 1e30);
  ``DivergenceWarning`` and ``ConvergenceWarning`` are fine;
* after ``fit`` every weight (BatchNorm's running statistics included) is finite, ``predict`` is finite unless the
  network has an exponential unit, ``history.diverged`` is set exactly when a ``DivergenceWarning`` was issued,
  and a saved model loads back with bit-identical predictions;
* for ``MLPClassifier``/``MLPRegressor``, only ``ValueError`` (scikit-learn's ``InvalidParameterError`` and
  ``NotFittedError`` included) or ``TypeError`` escape, and no NaN ever reaches ``predict``.

Runs are reproducible: ``derandomize=True`` and no example database.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

import glassnet as gn
from glassnet import activations

DOCUMENTED = (TypeError, ValueError)      # ModelFileError, InvalidParameterError and NotFittedError are ValueErrors


def fuzz(max_examples):
    """Reproducible settings: the same examples on every run, nothing remembered between runs."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],      # no slow "explain" phase
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


HIDDEN = sorted(set(activations.ACTIVATIONS) - {"step", "softmax"})
#: output activation, loss, kind of target
HEADS = [
    ("linear", "mse", "real"), ("linear", "mae", "real"), ("linear", "huber", "real"), ("tanh", "mse", "real"),
    ("sigmoid", "mse", "binary"), ("sigmoid", "binary_crossentropy", "binary"),
    ("softmax", "categorical_crossentropy", "labels"), ("softmax", "categorical_crossentropy", "onehot"),
    ("exponential", "poisson", "counts"), ("softplus", "poisson", "counts"),
]
OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
#: how the data may be broken; "none" most of the time
CORRUPTIONS = ["none"] * 8 + ["nan_X", "inf_X", "nan_y", "overflow_X", "strings_X", "complex_X", "wrong_width",
                              "wrong_length", "empty", "three_d_X", "bad_targets", "large_X"]


class Recorder:
    """Runs calls recording every warning. NumPy's RuntimeWarnings from glassnet's own modules (overflow, invalid
    value) are failures, except in calls made with ``strict=False`` (where the mathematics itself overflows);
    ``check_silent`` asserts there were none, after the other properties have been checked."""

    def __init__(self):
        self.warnings = []

    def __call__(self, fn, *args, strict=True, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return fn(*args, **kwargs)
            finally:
                self.warnings.extend((strict, w) for w in caught)

    def diverged(self):
        return [w for _, w in self.warnings if issubclass(w.category, gn.DivergenceWarning)]

    def check_silent(self):
        noisy = [f"{Path(w.filename).name}:{w.lineno}: {w.message}" for strict, w in self.warnings
                 if strict and issubclass(w.category, RuntimeWarning) and "glassnet" in Path(w.filename).parts]
        assert not noisy, f"NumPy warnings from glassnet: {noisy}"


# ----------------------------------------------------------------------------------------------------------------
# Sequential
# ----------------------------------------------------------------------------------------------------------------

@st.composite
def architectures(draw):
    dtype = draw(st.sampled_from(["float32", "float64"]))
    n_features = draw(st.integers(1, 5))
    layers = []
    for _ in range(draw(st.integers(0, 3))):
        layers.append(("dense", draw(st.integers(1, 8)), draw(st.sampled_from(HIDDEN))))
        extra = draw(st.sampled_from([None, None, "dropout", "batchnorm"]))
        if extra == "dropout":
            layers.append(("dropout", draw(st.sampled_from([0.0, 0.2, 0.5])), None))
        elif extra == "batchnorm":
            layers.append(("batchnorm", None, None))
    output, loss, kind = draw(st.sampled_from(HEADS))
    if kind in ("labels", "onehot"):
        units = draw(st.integers(2, 4))
    else:
        units = draw(st.integers(1, 3))
    layers.append(("dense", units, output))
    optimizer = {"name": draw(st.sampled_from(OPTIMIZERS)),
                 "learning_rate": draw(st.sampled_from([1e-3, 1e-2, 0.1, 1.0, 10.0]))}
    return {"dtype": dtype, "n_features": n_features, "layers": layers, "loss": loss, "kind": kind,
            "units": units, "optimizer": optimizer, "seed": draw(st.integers(0, 3))}


def build(arch):
    layers = []
    for kind, size, activation in arch["layers"]:
        if kind == "dense":
            layers.append(gn.Dense(size, activation=activation))
        elif kind == "dropout":
            layers.append(gn.Dropout(size))
        else:
            layers.append(gn.BatchNorm())
    model = gn.Sequential(layers, input_dim=arch["n_features"], seed=arch["seed"], dtype=arch["dtype"])
    model.compile(loss=arch["loss"], optimizer=dict(arch["optimizer"]))
    return model


def has_exponential(arch):
    """Whether any unit (hidden or output) is an exponential."""
    return any(activation == "exponential" for _, _, activation in arch["layers"])


def targets(kind, units, n, rng):
    if kind == "real":
        return rng.normal(size=(n, units)) if units > 1 else rng.normal(size=n)
    if kind == "binary":
        y = rng.integers(0, 2, size=(n, units))
        return y if units > 1 else y[:, 0]
    if kind == "labels":
        return rng.integers(0, units, size=n)
    if kind == "onehot":
        return np.eye(units)[rng.integers(0, units, size=n)]
    y = rng.poisson(2.0, size=(n, units)).astype(float)
    return y if units > 1 else y[:, 0]


@st.composite
def datasets(draw, arch):
    """(X, y, corruption, expected_error) for the architecture."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = draw(st.integers(1, 24))
    scale = draw(st.sampled_from([1.0, 1.0, 10.0, 1e3]))
    X = rng.normal(size=(n, arch["n_features"])) * scale
    y = targets(arch["kind"], arch["units"], n, rng)
    corruption = draw(st.sampled_from(CORRUPTIONS))
    i = draw(st.integers(0, n - 1))
    error = ValueError
    if corruption == "none":
        error = None
    elif corruption == "nan_X":
        X[i, 0] = np.nan
    elif corruption == "inf_X":
        X[i, -1] = -np.inf
    elif corruption == "nan_y":
        y = np.array(y, dtype=float)
        y[i] = np.nan
    elif corruption == "overflow_X":                      # beyond the model's dtype
        X[i, 0] = 1e300 if arch["dtype"] == "float32" else np.inf
    elif corruption == "large_X":                         # representable, so valid
        X = np.sign(X) * (1e30 if arch["dtype"] == "float32" else 1e300)
        error = None
    elif corruption == "strings_X":
        X = X.astype(str)
        error = TypeError
    elif corruption == "complex_X":
        X = X + 1j
        error = TypeError
    elif corruption == "wrong_width":
        X = np.hstack([X, X])
    elif corruption == "wrong_length":
        X = X[:-1] if n > 1 else np.vstack([X, X])
    elif corruption == "empty":
        X, y = X[:0], y[:0]
    elif corruption == "three_d_X":
        X = X[:, :, None]
    elif corruption == "bad_targets":
        y = np.array(y, dtype=float)
        if arch["kind"] == "labels":
            y[i] = arch["units"]                          # one class too many
        elif arch["loss"] in ("binary_crossentropy", "categorical_crossentropy", "poisson"):
            y[i] = -1.0                                   # outside what the loss accepts
        else:
            y = y.astype(str).astype(object)
            y[i] = "a"
            error = TypeError
    return X, y, corruption, error


@st.composite
def fit_arguments(draw, n):
    """(kwargs, expected_error) for fit on n samples."""
    kwargs = {"epochs": draw(st.integers(1, 3)), "verbose": 0,
              "batch_size": draw(st.sampled_from([None, 1, 3, 8, 64])),
              "shuffle": draw(st.booleans()),
              "validation_split": draw(st.sampled_from([0.0, 0.0, 0.25, 0.5]))}
    error = None
    if kwargs["validation_split"]:
        n_val = int(n * kwargs["validation_split"])
        if n_val < 1 or n_val >= n:
            error = ValueError
    bad = draw(st.sampled_from([None] * 6 + ["epochs", "batch_size", "batch_size_float", "shuffle", "split",
                                             "sample_weight", "sample_weight_length", "verbose", "callbacks"]))
    if bad == "epochs":
        kwargs["epochs"], error = 0, ValueError
    elif bad == "batch_size":
        kwargs["batch_size"], error = -2, ValueError
    elif bad == "batch_size_float":
        kwargs["batch_size"], error = 2.5, TypeError
    elif bad == "shuffle":
        kwargs["shuffle"], error = "yes", TypeError
    elif bad == "split":
        kwargs["validation_split"], error = 1.0, ValueError
    elif bad == "sample_weight":
        kwargs["sample_weight"], error = -np.ones(n), ValueError
    elif bad == "sample_weight_length":
        kwargs["sample_weight"], error = np.ones(n + 1), ValueError
    elif bad == "verbose":
        kwargs["verbose"], error = 3, ValueError
    elif bad == "callbacks":
        kwargs["callbacks"], error = ["early_stopping"], TypeError
    elif draw(st.booleans()):
        kwargs["sample_weight"] = np.linspace(0.5, 1.5, n)
    return kwargs, error


def snapshot(model):
    return (model.get_weights(), model.optimizer.get_state(), model._rng.bit_generator.state, id(model.history),
            [layer.rng.bit_generator.state for layer in model.layers if getattr(layer, "rng", None) is not None])


def assert_unchanged(before, after):
    (w0, o0, r0, h0, d0), (w1, o1, r1, h1, d1) = before, after
    assert all(np.array_equal(a, b) for a, b in zip(w0, w1)), "weights changed"
    assert o0["iterations"] == o1["iterations"], "optimizer iterations changed"
    assert len(o0["slots"]) == len(o1["slots"])
    for s0, s1 in zip(o0["slots"], o1["slots"]):
        assert s0.keys() == s1.keys() and all(np.array_equal(s0[k], s1[k]) for k in s0), "optimizer slots changed"
    assert r0 == r1 and d0 == d1, "random generators advanced"
    assert h0 == h1, "History replaced"


def all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays)


@pytest.mark.slow
@fuzz(600)
@given(data=st.data())
def test_random_networks_data_and_calls_raise_only_documented_errors(data):
    arch = data.draw(architectures(), label="architecture")
    model = build(arch)
    X, y, corruption, data_error = data.draw(datasets(arch), label="data")
    n = len(X) if np.ndim(X) >= 1 else 0
    kwargs, argument_error = data.draw(fit_arguments(max(n, 1)), label="fit arguments")
    expected = tuple(e for e in (data_error, argument_error) if e is not None) or None
    if expected is None and any(kind == "batchnorm" for kind, _, _ in arch["layers"]):
        # BatchNorm cannot learn from a batch of one sample (PyTorch refuses it): fit refuses batches of one
        n_train = n - int(n * kwargs["validation_split"])
        if min(kwargs["batch_size"] or n_train, n_train) == 1:
            expected = (ValueError,)
    # e^z overflows float32 from z = 89 (float64: 710), as the mathematics says; everything else stays finite
    finite_maths = not has_exponential(arch)
    run = Recorder()

    before = snapshot(model)
    if expected is not None:
        try:
            run(model.fit, X, y, **kwargs, strict=finite_maths)
        except DOCUMENTED as exc:
            assert isinstance(exc, expected), f"{type(exc).__name__}: {exc}"
        else:
            raise AssertionError(f"fit accepted bad input ({corruption}, {kwargs})")
        assert_unchanged(before, snapshot(model))
        run.check_silent()
        return

    history = run(model.fit, X, y, **kwargs, strict=finite_maths)
    diverged = run.diverged()
    assert bool(diverged) == history.diverged, "history.diverged and the DivergenceWarning disagree"
    assert all("learning rate" in str(w.message) for w in diverged)
    assert all_finite(model.get_weights()), "fit left non-finite weights"
    out = run(model.predict, X, strict=finite_maths)
    assert out.shape == (len(X), arch["units"])
    if finite_maths:
        assert np.isfinite(out).all(), "predict returned non-finite values"

    action = data.draw(st.sampled_from(["evaluate", "gradients", "save", "wrong_width", "one_sample"]),
                       label="then")
    # a squared error of outputs near 1e30 (float32) or 1e300 (float64) is beyond the dtype: it may overflow
    loss_strict = finite_maths and corruption != "large_X"
    if action == "evaluate":
        logs = run(model.evaluate, X, y, return_dict=True, strict=loss_strict)
        assert list(logs)[0] == "loss"
        # Keras's shapes: the loss alone without metrics, else [loss, *metrics] (NaNs compare equal here)
        result = run(model.evaluate, X, y, strict=loss_strict)
        assert isinstance(result, float) == (len(logs) == 1)
        np.testing.assert_array_equal(np.atleast_1d(result), list(logs.values()))
    elif action == "gradients":
        loss, grads = run(model.loss_and_gradients, X, y, strict=loss_strict)
        if np.isfinite(loss) and finite_maths:
            assert all_finite(grads), "a finite loss with non-finite gradients"
    elif action == "save":
        with tempfile.TemporaryDirectory() as folder:
            path = gn.save_model(model, Path(folder) / "model.safetensors")
            loaded = run(gn.load_model, path)
        np.testing.assert_array_equal(run(loaded.predict, X, strict=finite_maths), out)
        assert loaded.optimizer.get_state()["iterations"] == model.optimizer.get_state()["iterations"]
    elif action == "wrong_width":
        before = snapshot(model)
        try:
            run(model.predict, np.ones((2, arch["n_features"] + 1)))
        except ValueError as exc:
            assert "input_dim" in str(exc)
        else:
            raise AssertionError("predict accepted the wrong width")
        assert_unchanged(before, snapshot(model))
    else:
        assert run(model.predict, X[:1], strict=finite_maths).shape == (1, arch["units"])
    run.check_silent()


# ----------------------------------------------------------------------------------------------------------------
# MLPClassifier / MLPRegressor
# ----------------------------------------------------------------------------------------------------------------

_SK_ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "elu", "selu", "swish", "gelu", "softplus", "leaky_relu"]
_BAD_PARAMS = [("learning_rate_init", -0.1), ("activation", "rellu"), ("max_iter", 0), ("hidden_layer_sizes", (0,)),
               ("batch_size", 0), ("alpha", -1.0), ("solver", "adamm"), ("validation_fraction", 1.5),
               ("beta_1", 1.0), ("momentum", 2.0), ("dropout", 1.0), ("callbacks", ["x"])]


@st.composite
def estimator_params(draw):
    solver = draw(st.sampled_from(["adam", "sgd", "lbfgs"]))
    params = {
        "hidden_layer_sizes": tuple(draw(st.lists(st.integers(1, 8), min_size=0, max_size=2))),
        "activation": draw(st.sampled_from(_SK_ACTIVATIONS)),
        "solver": solver,
        "alpha": draw(st.sampled_from([0.0, 1e-4, 1.0])),
        "learning_rate_init": draw(st.sampled_from([1e-3, 0.1, 10.0])),
        "max_iter": draw(st.integers(1, 4)),
        "batch_size": draw(st.sampled_from(["auto", 1, 4])),
        "random_state": draw(st.integers(0, 3)),
        "early_stopping": draw(st.booleans()) if solver != "lbfgs" else False,
        "batch_norm": draw(st.booleans()),
    }
    if solver == "sgd":
        params["learning_rate"] = draw(st.sampled_from(["constant", "invscaling", "adaptive"]))
        params["momentum"] = draw(st.sampled_from([0.0, 0.9]))
    if solver != "lbfgs" and draw(st.booleans()):
        params["dropout"] = 0.2
    bad = None
    if draw(st.integers(0, 4)) == 0:
        bad = draw(st.sampled_from(_BAD_PARAMS))
        params[bad[0]] = bad[1]
    return params, bad


@pytest.mark.slow
@fuzz(300)
@given(data=st.data())
def test_random_estimators_raise_only_documented_errors_and_never_predict_nan(data):
    regression = data.draw(st.booleans(), label="regression")
    params, bad_param = data.draw(estimator_params(), label="params")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="data seed"))
    n = data.draw(st.integers(1, 24), label="n")
    d = data.draw(st.integers(1, 4), label="features")
    X = rng.normal(size=(n, d)) * data.draw(st.sampled_from([1.0, 100.0]), label="scale")
    if regression:
        estimator = gn.MLPRegressor(**params)
        y = X.sum(axis=1) * data.draw(st.sampled_from([1.0, 1e3]), label="target scale")
    else:
        estimator = gn.MLPClassifier(**params)
        classes = data.draw(st.sampled_from([np.array([0, 1]), np.array([0, 1, 2]), np.array(["cat", "dog"]),
                                             np.array([7])]), label="classes")
        y = classes[rng.integers(0, len(classes), size=n)]
    corruption = data.draw(st.sampled_from(["none"] * 5 + ["nan_X", "inf_X", "strings_X", "wrong_length", "empty",
                                                           "three_d_X"]), label="corruption")
    if corruption == "nan_X":
        X[0, 0] = np.nan
    elif corruption == "inf_X":
        X[-1, -1] = np.inf
    elif corruption == "strings_X":
        X = X.astype(str)
        X[0, 0] = "a"
    elif corruption == "wrong_length":
        y = y[:-1] if n > 1 else np.concatenate([y, y])
    elif corruption == "empty":
        X, y = X[:0], y[:0]
    elif corruption == "three_d_X":
        X = X[:, :, None]
    run = Recorder()

    try:
        run(estimator.fit, X, y)
    except DOCUMENTED:
        fitted = False
    else:
        fitted = True
        assert corruption == "none", f"fit accepted bad data ({corruption})"
        assert bad_param is None, f"fit accepted {bad_param}"

    Xp = np.random.default_rng(1).normal(size=(5, d))
    try:
        prediction = run(estimator.predict, Xp)
    except NotFittedError:
        assert not fitted
        run.check_silent()
        return
    if regression:
        assert np.isfinite(prediction).all(), "NaN reached predict"
    else:
        assert set(np.unique(prediction)) <= set(estimator.classes_)
        assert np.isfinite(run(estimator.predict_proba, Xp)).all(), "NaN reached predict_proba"
    if not fitted:
        run.check_silent()
        return

    action = data.draw(st.sampled_from(["partial_fit", "wrong_width", "score"]), label="then")
    if action == "partial_fit" and params["solver"] != "lbfgs" and not params["early_stopping"]:
        try:
            run(estimator.partial_fit, X, y)
        except DOCUMENTED:
            pass
        assert np.isfinite(run(estimator.predict_proba if not regression else estimator.predict, Xp)).all()
    elif action == "wrong_width":
        try:
            run(estimator.predict, np.ones((2, d + 1)))
        except ValueError as exc:
            assert "features" in str(exc)
        else:
            raise AssertionError("predict accepted the wrong width")
    else:
        score = run(estimator.score, X, y)
        assert np.isfinite(score) or (regression and n < 2)       # R^2 is undefined for one sample
    run.check_silent()
