"""Edge cases at the borders of the public API: a malformed first CSV row, regression targets whose squared error
overflows, and validation errors that must name the input at fault (X or y).

Each failing call is checked for its exception type and the parts of its message a user needs (the parameter, what
was given, what to do); each failed fit of an already fitted estimator must leave its weights bit-identical.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet import datasets
from glassnet import estimators as estimators_module

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 2))
Y_CLASS = (X[:, 0] > 0).astype(int)
Y_REG = X.sum(axis=1)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# load_csv: the header rule
# --------------------------------------------------------------------------------------------------

def test_csv_malformed_first_row_is_reported_not_taken_for_a_header(tmp_path):
    # the old guess ("a non-number above a number") took this row for a header and dropped it silently
    path = write(tmp_path / "bad.csv", "1.0,abc,0\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError) as info:
        datasets.load_csv(path)
    message = str(info.value)
    for part in ("bad.csv", "line 1", "column 1", "'abc'", "header=True"):
        assert part in message, message


def test_csv_first_row_after_blank_lines_reports_its_own_line(tmp_path):
    path = write(tmp_path / "bad.csv", "\n\n1.0,abc,0\n1,2,0\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3: column 1 is not a number: 'abc'"):
        datasets.load_csv(path)


def test_csv_header_is_a_row_without_any_number(tmp_path):
    X, y = datasets.load_csv(write(tmp_path / "d.csv", "a,b,label\n1,2,0\n3,4,1\n"))
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])
    # a header that names a column with a number is data to "infer", with a hint; header=True reads it
    path = write(tmp_path / "years.csv", "x,2019,label\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=r"line 1: column 0 is not a number: 'x'.*header=True"):
        datasets.load_csv(path)
    X, y = datasets.load_csv(path, header=True)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_csv_ambiguous_first_target_is_refused_and_header_decides(tmp_path):
    # features are numbers, only the target is not, and every other target is a number: header or bad row?
    path = write(tmp_path / "amb.csv", "1,2,abc\n5,6,0\n3,4,1\n")
    with pytest.raises(ValueError) as info:
        datasets.load_csv(path)
    message = str(info.value)
    for part in ("amb.csv", "line 1", "column 2", "'abc'", "header=True", "header=False"):
        assert part in message, message
    X, y = datasets.load_csv(path, header=True)
    np.testing.assert_array_equal(X, [[5, 6], [3, 4]])
    assert y.dtype == np.int64 and y.tolist() == [0, 1]
    X, y = datasets.load_csv(path, header=False)
    np.testing.assert_array_equal(X, [[1, 2], [5, 6], [3, 4]])
    assert y.tolist() == ["abc", "0", "1"]


def test_csv_string_targets_are_not_ambiguous(tmp_path):
    X, y = datasets.load_csv(write(tmp_path / "iris.csv", "5.1,3.5,setosa\n6.3,2.9,virginica\n"))
    assert X.shape == (2, 2) and y.tolist() == ["setosa", "virginica"]
    # one row only: data, not a header with nothing under it (the old guess said "header but no data rows")
    X, y = datasets.load_csv(write(tmp_path / "one.csv", "5.1,3.5,setosa\n"))
    np.testing.assert_array_equal(X, [[5.1, 3.5]])
    assert y.tolist() == ["setosa"]


def test_csv_row_of_empty_fields_is_not_a_header(tmp_path):
    with pytest.raises(ValueError, match=r"line 1: column 0 is not a number: ''"):
        datasets.load_csv(write(tmp_path / "e.csv", ",,\n1,2,3\n"))


def test_csv_explicit_header_false_reads_every_row(tmp_path):
    with pytest.raises(ValueError, match=r"line 1: column 1 is not a number: 'abc'") as info:
        datasets.load_csv(write(tmp_path / "bad.csv", "1.0,abc,0\n1,2,0\n"), header=False)
    assert "header=True" not in str(info.value)  # the hint is for the inferred case only


@pytest.mark.parametrize("first, match", [
    ("a,b\n", r"line 1: the first row holds no number.*2 fields while line 2 below it has 3"),
    ("#,#,#\n", r"line 1: the first row holds no number.*names '#' twice"),
    ("x,x,label\n", r"names 'x' twice"),
    ("notes: exported by hand\n", r"1 fields while line 2 below it has 3"),
], ids=["too-few-fields", "separator", "repeated-name", "comment"])
def test_csv_first_row_that_is_neither_header_nor_data_is_refused(tmp_path, first, match):
    """A first row without a number cannot be data; if it cannot be the header of the rows below either, it is
    malformed, and the guess refuses it (naming the file and the line) rather than drop it as a header."""
    path = write(tmp_path / "odd.csv", first + "1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=match) as info:
        datasets.load_csv(path)
    assert "odd.csv" in str(info.value) and "header=True or header=False" in str(info.value)
    if "fields" not in match:   # the caller can still decide: it is their header
        X, y = datasets.load_csv(path, header=True)
        np.testing.assert_array_equal(X, [[1, 2], [3, 4]])


def test_csv_proper_headers_are_still_recognised(tmp_path):
    # pandas writes its index under an empty name: a header too
    X, y = datasets.load_csv(write(tmp_path / "pd.csv", ",a,b,label\n0,1,2,0\n1,3,4,1\n"), target="label")
    np.testing.assert_array_equal(X, [[0, 1, 2], [1, 3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity", "1e999"])
@pytest.mark.parametrize("where", ["feature", "target", "first-row"])
def test_csv_nan_and_infinite_cells_are_refused_with_file_and_line(tmp_path, cell, where):
    rows = ["a,b,label", "1,2,0", "3,4,1", "5,6,0"]
    if where == "feature":
        rows[3] = f"3,{cell},1"           # float() reads every one of these cells, as NaN or an infinity
        expected = r"line 4: column 1 \('b'\) is '" + re.escape(cell) + "', not a finite number"
    elif where == "target":
        rows[3] = f"3,4,{cell}"
        expected = r"line 4: the target \(column 2 \('label'\)\) is '" + re.escape(cell) + "', not a finite number"
    else:                                 # no header: a first row holding a number is data, and checked as such
        rows = [f"{cell},2,0"] + rows[1:]
        expected = r"line 1: column 0 is '" + re.escape(cell) + "', not a finite number"
    assert not np.isfinite(float(cell))   # the premise, by Python's own reading of the cell
    path = write(tmp_path / "cells.csv", "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=expected) as info:
        datasets.load_csv(path)
    assert str(info.value).startswith(str(path)) and "NaN and infinite values are refused" in str(info.value)


def test_csv_string_targets_refuse_nan_too_and_float32_range_is_checked(tmp_path):
    with pytest.raises(ValueError, match=r"line 2: the target \(column 2\) is 'nan'"):
        datasets.load_csv(write(tmp_path / "s.csv", "1,2,setosa\n3,4,nan\n5,6,virginica\n"))
    # 1e39 is a finite float64 but beyond float32 (largest 3.4e38)
    path = write(tmp_path / "big.csv", "a,b,y\n1,2,0\n1e39,4,1\n")
    assert np.isfinite(datasets.load_csv(path)[0]).all()
    with pytest.raises(ValueError, match=r"line 3: column 0 \('a'\) is '1e39', beyond float32's range"):
        datasets.load_csv(path, dtype="float32")


# --------------------------------------------------------------------------------------------------
# Estimators: state that a failed fit must not change
# --------------------------------------------------------------------------------------------------

def _fitted(kind, **params):
    if kind == "classifier":
        return gn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0, **params).fit(X, Y_CLASS)
    if kind == "regressor":
        return gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0, **params).fit(X, Y_REG)
    return gn.Perceptron(max_iter=5).fit(X, Y_CLASS)


def _snapshot(estimator):
    if isinstance(estimator, gn.Perceptron):
        return {"coef_": estimator.coef_.copy(), "intercept_": estimator.intercept_.copy(),
                "n_iter_": estimator.n_iter_, "n_features_in_": estimator.n_features_in_}
    return {"coefs_": [W.copy() for W in estimator.coefs_], "intercepts_": [b.copy() for b in estimator.intercepts_],
            "n_iter_": estimator.n_iter_, "loss_": estimator.loss_, "n_features_in_": estimator.n_features_in_,
            "predict": estimator.predict(X)}


def _assert_unchanged(before, estimator):
    after = _snapshot(estimator)
    assert before.keys() == after.keys()
    for key, value in before.items():
        if isinstance(value, list):
            assert len(value) == len(after[key])
            for a, b in zip(value, after[key]):
                np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_array_equal(value, after[key])
    if not isinstance(estimator, gn.Perceptron):
        # coefs_ are still the network's own arrays, so a later fit trains what predict uses
        assert all(W is d.params["W"] for W, d in zip(estimator.coefs_, estimator._dense_layers(estimator.model_)))


def _raises(estimator, call, exc, parts):
    """``call(estimator)`` raises ``exc`` whose message holds every part; the estimator is as before."""
    before = _snapshot(estimator)
    with pytest.raises(exc) as info:
        call(estimator)
    message = str(info.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    _assert_unchanged(before, estimator)
    return message


# --------------------------------------------------------------------------------------------------
# MLPRegressor: targets whose squared error overflows
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_regressor_refuses_targets_whose_squared_error_overflows(solver):
    estimator = _fitted("regressor", solver=solver)
    y = Y_REG * 1e300
    largest = np.abs(y).max()
    message = _raises(estimator, lambda e: e.fit(X, y), ValueError,
                      ("y is too large", f"{largest:.6g}", "float64", "TransformedTargetRegressor", "StandardScaler"))
    assert "inf" not in message and "nan" not in message.lower()


def test_regressor_partial_fit_refuses_huge_targets_and_changes_nothing():
    estimator = _fitted("regressor")
    _raises(estimator, lambda e: e.partial_fit(X, Y_REG * 1e200), ValueError, ("y is too large", "float64"))


def test_regressor_limit_is_where_the_squared_error_overflows():
    # sum of y.size squares stays finite up to sqrt(max / y.size): the closed form, then the estimator's check
    n = len(X)
    limit = np.sqrt(np.finfo(np.float64).max / n)
    with np.errstate(over="ignore"):
        assert np.isfinite(0.5 * np.mean(np.full(n, 0.999 * limit) ** 2))
        assert np.isinf(0.5 * np.mean(np.full(n, 1.001 * limit) ** 2))
    with pytest.raises(ValueError, match="y is too large"):
        gn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=1).fit(X, np.full(n, 1.001 * limit))
    # well inside the limit the fit ends with a finite loss (the squared error near 1e300 is representable)
    estimator = gn.MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=0)
    estimator.fit(X, Y_REG * 1e150)
    assert np.isfinite(estimator.loss_)


def test_regressor_float32_limit_is_float32s():
    X32 = X.astype(np.float32)
    estimator = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X32, Y_REG)
    assert estimator.model_.dtype == np.float32
    # 1e19 overflows float32's squared error (its max is 3.4e38) though float64 handles it easily
    _raises(estimator, lambda e: e.fit(X32, Y_REG * 1e19), ValueError,
            ("y is too large", "float32", "float64 X", "TransformedTargetRegressor"))
    ok = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, Y_REG * 1e19)
    assert ok.model_.dtype == np.float64 and np.isfinite(ok.loss_)
    small = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X32, Y_REG * 1e16)
    assert np.isfinite(small.loss_)


def test_regressor_warm_start_checks_against_the_networks_dtype():
    # a float32 network keeps training in float32 even when float64 X comes in
    estimator = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0, warm_start=True)
    estimator.fit(X.astype(np.float32), Y_REG)
    _raises(estimator, lambda e: e.fit(X, Y_REG * 1e19), ValueError, ("y is too large", "float32"))


def test_regressor_poisson_targets_must_fit_the_dtype():
    estimator = gn.MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=r"y is too large for loss='poisson'.*float32 cannot represent it"):
        estimator.fit(X.astype(np.float32), np.abs(Y_REG) * 1e39)


def _fitted_poisson(solver):
    return gn.MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", solver=solver, max_iter=3,
                           random_state=0).fit(X, np.abs(Y_REG))


def _sklearn_poisson(solver, y):
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", solver=solver, max_iter=5,
                              random_state=0).fit(X, y)
    return fitted, [str(w.message) for w in caught]


def test_poisson_targets_near_1e300_overflow_the_solvers_as_scikit_learn_shows():
    """The premise, from scikit-learn itself: on Poisson targets near 1e300 (representable, and so is the loss,
    which grows as y log y) its Adam squares gradients of the order of y and overflows, and its L-BFGS ends with
    loss_ = nan after a warning about convergence only."""
    y = np.abs(Y_REG) * 1e300 + 1e300
    _, adam_warnings = _sklearn_poisson("adam", y)
    assert any("overflow encountered in square" in w for w in adam_warnings)
    lbfgs, _ = _sklearn_poisson("lbfgs", y)
    assert not np.isfinite(lbfgs.loss_)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_regressor_refuses_poisson_targets_whose_gradient_squared_overflows(solver):
    estimator = _fitted_poisson(solver)
    y = np.abs(Y_REG) * 1e300 + 1e300
    limit = np.sqrt(np.finfo(np.float64).max / len(y))
    message = _raises(estimator, lambda e: e.fit(X, y), ValueError,
                      ("y is too large for loss='poisson'", f"{np.abs(y).max():.6g}", f"{limit:.3g}", "gradient",
                       "float64", "TransformedTargetRegressor"))
    assert "inf" not in message and "nan" not in message.lower()
    # under the limit the fit ends with a finite loss_
    fitted = gn.MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", solver=solver, max_iter=5,
                             random_state=0, learning_rate_init=1e-3 if solver != "sgd" else 1e-160)
    assert np.isfinite(fitted.fit(X, np.full(len(X), 0.5 * limit)).loss_)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_fit_that_ends_with_a_non_finite_loss_is_an_error_and_changes_nothing(loss):
    """Inputs near 1e100 with modest targets pass every check before training, yet L-BFGS's inner products
    overflow: scikit-learn ends such a fit with loss_ = nan and only a convergence warning; glassnet refuses it."""
    from sklearn.neural_network import MLPRegressor

    y = np.abs(Y_REG) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = MLPRegressor(hidden_layer_sizes=(4,), loss=loss, solver="lbfgs", max_iter=5,
                                 random_state=0).fit(X * 1e100, y)
    assert not np.isfinite(reference.loss_)
    estimator = _fitted_poisson("lbfgs") if loss == "poisson" else _fitted("regressor", solver="lbfgs")
    _raises(estimator, lambda e: e.fit(X * 1e100, y), ValueError,
            ("training loss is nan (not finite)", "Rescale X and y", "StandardScaler"))


def test_regressor_validation_data_targets_are_checked_too():
    estimator = _fitted("regressor")
    _raises(estimator, lambda e: e.fit(X, Y_REG, validation_data=(X, Y_REG * 1e300)), ValueError,
            ("validation_data's y_val is too large", "TransformedTargetRegressor"))


# --------------------------------------------------------------------------------------------------
# Validation errors name the input at fault
# --------------------------------------------------------------------------------------------------

KINDS = ["classifier", "regressor", "perceptron"]


def _target(kind):
    return Y_REG if kind == "regressor" else Y_CLASS


@pytest.mark.parametrize("kind", KINDS)
def test_strings_in_X_are_named(kind):
    message = _raises(_fitted(kind), lambda e: e.fit([["a", "b"]] * 20, _target(kind)), ValueError,
                      ("X contains strings or objects that are not numbers", "could not convert string to float: 'a'"))
    assert message.startswith("X ")


@pytest.mark.parametrize("kind", KINDS)
def test_objects_in_X_keep_their_type_error_and_scikit_learns_text(kind):
    bad = X.astype(object)
    bad[0, 0] = {"foo": "bar"}
    message = _raises(_fitted(kind), lambda e: e.fit(bad, _target(kind)), TypeError,
                      ("X contains strings or objects that are not numbers", "'dict'"))
    assert re.search("argument must be .* string.* number", message)  # what check_dtype_object searches


@pytest.mark.parametrize("kind", KINDS)
def test_complex_X_and_complex_y_are_named(kind):
    estimator = _fitted(kind)
    message = _raises(estimator, lambda e: e.fit(X + 1j, _target(kind)), ValueError,
                      ("X contains complex numbers", "Complex data not supported"))
    assert "\n" not in message  # scikit-learn's dump of the whole array is left out
    _raises(estimator, lambda e: e.fit(X, _target(kind) + 1j), ValueError,
            ("y contains complex numbers", "Complex data not supported"))


@pytest.mark.parametrize("kind", KINDS)
def test_mismatched_lengths_name_both_inputs(kind):
    _raises(_fitted(kind), lambda e: e.fit(X, _target(kind)[:-1]), ValueError,
            ("X and y have different numbers of samples", "[20, 19]"))


@pytest.mark.parametrize("kind", KINDS)
def test_predict_names_X(kind):
    estimator = _fitted(kind)
    with pytest.raises(ValueError, match="^X contains strings or objects that are not numbers: "):
        estimator.predict([["a", "b"]])
    with pytest.raises(ValueError, match="^X contains complex numbers: Complex data not supported$"):
        estimator.predict(X + 1j)


def test_messages_that_already_name_the_input_are_kept_as_they_are():
    estimator = _fitted("classifier")
    bad = X.copy()
    bad[0, 0] = np.nan
    message = _raises(estimator, lambda e: e.fit(bad, Y_CLASS), ValueError, ("Input X contains NaN",))
    assert message.startswith("Input X contains NaN")
    message = _raises(estimator, lambda e: e.predict(X[:, :1]), ValueError, ("X has 1 features",))
    assert message.startswith("X has 1 features")


def test_strings_in_regression_y_are_named():
    _raises(_fitted("regressor"), lambda e: e.fit(X, ["a"] * 20), ValueError,
            ("y contains strings or objects that are not numbers", "could not convert string to float"))


def test_partial_fit_tells_X_from_y_on_a_fitted_estimator():
    # reset=False: X is checked again against the fitted width to tell which input failed
    estimator = _fitted("regressor")
    _raises(estimator, lambda e: e.partial_fit(X, Y_REG + 1j), ValueError, ("y contains complex numbers",))
    _raises(estimator, lambda e: e.partial_fit(X + 1j, Y_REG), ValueError, ("X contains complex numbers",))


def test_validation_data_X_is_named():
    _raises(_fitted("classifier"), lambda e: e.fit(X, Y_CLASS, validation_data=([["a", "b"]], [0])), ValueError,
            ("validation_data's X_val contains strings", "'a'"))


def test_success_validates_once_and_only_failure_checks_X_again(monkeypatch):
    calls = {"validate_data": 0, "check_array": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(estimators_module, "validate_data",
                        counting("validate_data", estimators_module.validate_data))
    monkeypatch.setattr(estimators_module, "check_array", counting("check_array", estimators_module.check_array))
    gn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=1).fit(X, Y_REG)
    assert calls == {"validate_data": 1, "check_array": 0}
    with pytest.raises(ValueError, match="^y contains complex numbers"):
        gn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=1).fit(X, Y_REG + 1j)
    assert calls == {"validate_data": 2, "check_array": 1}


# --------------------------------------------------------------------------------------------------
# Early stopping: the split speaks of early_stopping and validation_fraction, not test_size
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, n, y, match", [
    ("classifier", 1, Y_CLASS[:1], ("early_stopping=True", "validation_fraction=0.1", "n_samples=1", "test_size")),
    ("classifier", 10, [0, 1] * 5,
     ("early_stopping=True", "validation_fraction=0.1", "n_samples=10", "number of classes = 2")),
    ("regressor", 10, Y_REG[:10],
     ("The validation set is too small", "validation_fraction=0.1", "holds out 1", "n_samples=10")),
    ("perceptron", 2, [0, 1],
     ("early_stopping=True", "validation_fraction=0.1", "n_samples=2", "least populated class")),
], ids=["one-sample", "fewer-held-out-than-classes", "one-sample-validation-set", "perceptron"])
def test_early_stopping_splits_that_cannot_be_made_name_the_parameters(kind, n, y, match):
    estimator = _fitted(kind)
    estimator.set_params(early_stopping=True)
    _raises(estimator, lambda e: e.fit(X[:n], y), ValueError, match)


def test_fit_after_a_failed_fit_trains_as_a_fresh_fit_does():
    # the failure really left nothing behind: the next fit reproduces a clean estimator's weights
    estimator = _fitted("regressor")
    with pytest.raises(ValueError):
        estimator.fit(X, Y_REG * 1e300)
    with pytest.warns(ConvergenceWarning):
        estimator.fit(X, Y_REG)
    clean = _fitted("regressor")
    for a, b in zip(estimator.coefs_, clean.coefs_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype, z", [("float32", 100.0), ("float64", 800.0)])
def test_an_overflowing_exponential_unit_under_a_saturated_tanh_has_a_zero_gradient_not_nan(dtype, z):
    """d tanh(w e^z) / dz = (1 - tanh(w e^z)^2) w e^z tends to 0 as z grows: e^z overflows to inf, tanh
    saturates, and the gradient must be that limit, 0, rather than 0 * inf = NaN."""
    model = gn.Sequential([gn.Dense(1, activation="exponential"), gn.Dense(1, activation="tanh")], input_dim=1,
                          seed=0, dtype=dtype)
    model.compile(loss="mse", optimizer="sgd")
    model.set_weights([np.ones((1, 1)), np.zeros(1), np.full((1, 1), 0.5), np.zeros(1)])
    loss, grads = model.loss_and_gradients(np.array([[z]]), np.array([[0.0]]))
    assert loss == pytest.approx(1.0)                     # tanh(inf) = 1 against a target of 0
    for g in grads:
        assert np.isfinite(g).all()
    np.testing.assert_array_equal(grads[0], 0.0)          # the exponential's weight: the limit, 0


def _families():
    from glassnet import _fast

    families = ["numpy"] + (["blas"] if _fast.blas.available() else [])
    return families + (["jit"] if _fast.implementation() == "jit" else [])


@pytest.mark.parametrize("family", _families())
@pytest.mark.parametrize("dtype, big", [("float32", 100.0), ("float64", 800.0)])
def test_exponential_units_feeding_tanh_give_the_limits_gradient_against_finite_differences(dtype, big, family):
    """Three exponential units feed two tanh units, then a linear output; two of the four samples overflow an
    exponential (held at the largest float), so every tanh above it saturates at the sign of its weight, with any
    weight, several units and a batch that mixes saturated and ordinary samples, on every computation path.

    The reference is the limit, written independently: a saturated sample's tanh outputs are the constants
    sign(W2[k]) (k the overflowing unit), which pass no gradient down (the true gradient there is of order
    e^{-2 e^z}, far below the smallest float), and the ordinary samples are computed in float64; its gradient
    is taken by central differences."""
    from glassnet import _fast

    W1 = np.array([[1.0, 0.5, -1.0], [0.2, 1.0, 0.3]])
    b1 = np.array([0.1, -0.2, 0.05])
    W2 = np.array([[3.0, -0.5], [-0.7, 2.0], [-1.5, 0.1]])      # |w| > 1 too: the tanh input overflows to inf
    b2 = np.array([0.05, -0.1])
    W3, b3 = np.array([[1.0], [-2.0]]), np.array([0.3])
    params = [W1, b1, W2, b2, W3, b3]
    X = np.array([[big, 0.1], [0.3, -0.2], [0.5, big], [-0.4, 0.6]])
    y = np.array([[0.5], [0.1], [-0.3], [0.2]])
    saturated = {0: 0, 2: 1}                                   # sample -> the exponential unit that overflows

    def reference_loss(p):
        W1, b1, W2, b2, W3, b3 = p
        total = 0.0
        for i, (x, t) in enumerate(zip(X, y)):
            if i in saturated:
                a2 = np.sign(W2[saturated[i]])               # the limit: a constant
            else:
                a2 = np.tanh(np.exp(x @ W1 + b1) @ W2 + b2)
            total += float(((a2 @ W3 + b3 - t) ** 2).sum())
        return total / len(X)

    expected = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            up = [q.copy() for q in params]
            down = [q.copy() for q in params]
            up[k][index] += 1e-6
            down[k][index] -= 1e-6
            g[index] = (reference_loss(up) - reference_loss(down)) / 2e-6
        expected.append(g)

    with _fast.using(family):
        model = gn.Sequential([gn.Dense(3, activation="exponential"), gn.Dense(2, activation="tanh"), gn.Dense(1)],
                              input_dim=2, seed=0, dtype=dtype)
        model.compile(loss="mse", optimizer=gn.optimizers.SGD(0.01))
        model.set_weights(params)
        a1 = model.layers[0].infer(X.astype(dtype))
        assert (a1[[0, 2], [0, 1]] == np.finfo(dtype).max).all()   # the premise: they overflow
        loss, grads = model.loss_and_gradients(X, y)
        assert loss == pytest.approx(reference_loss(params), rel=1e-5)
        for got, want in zip(grads, expected):
            assert np.isfinite(got).all()
            np.testing.assert_allclose(got, want, rtol=2e-3 if dtype == "float32" else 1e-6, atol=1e-6)
        model.train_on_batch(X, y)                             # the step is taken, and stays finite
        assert all(np.isfinite(w).all() for w in model.get_weights())
