"""Input checks: what they refuse, what they accept, and that their messages name the parameter."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from glassnet._validation import (
    check_array,
    check_bool,
    check_dtype,
    check_float,
    check_int,
    check_name,
    check_random_state,
    check_same_length,
    unknown_name_message,
)


# --- check_array -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("X, error, match", [
    (None, TypeError, "received None"),
    ("abc", TypeError, "string"),
    (b"abc", TypeError, "string"),
    (np.array([["a", "b"]]), TypeError, "only numbers"),
    (np.array([[1, "b"]], dtype=object), TypeError, "non-numeric"),
    (np.array([[1 + 2j, 3]]), TypeError, "complex"),
    (np.array([[1.0, np.nan]]), ValueError, "NaN or infinite"),
    (np.array([[1.0, np.inf]]), ValueError, "NaN or infinite"),
    (np.array([[1.0, -np.inf]]), ValueError, "NaN or infinite"),
    ([1.0, 2.0], ValueError, r"2-D array.*shape \(2,\)"),
    (np.zeros((2, 2, 2)), ValueError, "2-D array"),
    (np.zeros((0, 3)), ValueError, "at least 1 sample"),
    (np.zeros((3, 0)), ValueError, "at least one feature"),
    ([[1.0, 2.0], [3.0]], ValueError, "could not be converted"),
])
def test_check_array_refuses(X, error, match):
    with pytest.raises(error, match=match):
        check_array(X)


def test_check_array_names_the_argument():
    with pytest.raises(ValueError, match="^y "):
        check_array([[np.nan]], "y")


def test_check_array_refuses_values_that_overflow_the_dtype():
    with pytest.raises(ValueError, match="too large for float32"):
        check_array([[1e300, 1.0]], dtype=np.float32)
    assert check_array([[1e300]], dtype=np.float64)[0, 0] == 1e300
    assert check_array([[3e38]], dtype=np.float32).dtype == np.float32


def test_check_array_refuses_sparse_matrices():
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        check_array(sparse.csr_matrix(np.eye(3)))


def test_check_array_accepts_and_converts():
    out = check_array([[1, 2], [3, 4]], dtype=np.float32)
    assert out.dtype == np.float32 and out.shape == (2, 2)
    assert check_array([[True, False]]).dtype == np.float64
    assert check_array(np.array([[1, 2.5]], dtype=object)).dtype == np.float64
    assert check_array([1.0, 2.0], ndim=(1, 2)).shape == (2,)
    np.testing.assert_array_equal(check_array([[np.inf]], allow_nonfinite=True), [[np.inf]])
    with pytest.raises(ValueError, match="at least 3 sample"):
        check_array(np.zeros((2, 2)), min_samples=3)


def test_check_array_copies_only_when_asked():
    X = np.ones((2, 2))
    assert check_array(X) is X
    copy = check_array(X, copy=True)
    assert copy is not X and np.array_equal(copy, X)
    assert not np.shares_memory(check_array(X.astype(np.float32)), X)


# --- check_int / check_float -------------------------------------------------------------------------------
def test_check_int():
    assert check_int(3, "n") == 3 and type(check_int(np.int64(3), "n")) is int
    assert check_int(None, "n", allow_none=True) is None
    with pytest.raises(TypeError, match=r"n must be an integer, received n=2.5 \(float\)"):
        check_int(2.5, "n")
    with pytest.raises(TypeError, match="received n=True"):
        check_int(True, "n")
    with pytest.raises(TypeError, match="n must be an integer"):
        check_int(None, "n")
    with pytest.raises(ValueError, match="units must be an integer >= 1, received units=0"):
        check_int(0, "units", minimum=1)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 5\], received k=6"):
        check_int(6, "k", minimum=1, maximum=5)
    with pytest.raises(ValueError, match="k must be an integer <= 5, received k=6"):
        check_int(6, "k", maximum=5)


def test_check_float():
    assert check_float(1, "lr") == 1.0 and type(check_float(np.float32(0.5), "lr")) is float
    assert check_float(Fraction(1, 4), "lr") == 0.25
    assert check_float(None, "lr", allow_none=True) is None
    with pytest.raises(TypeError, match="lr must be a real number, received lr='0.1'"):
        check_float("0.1", "lr")
    with pytest.raises(TypeError, match="lr must be a real number"):
        check_float(False, "lr")
    with pytest.raises(ValueError, match="lr must be finite, received lr=nan"):
        check_float(math.nan, "lr")
    with pytest.raises(ValueError, match="lr must be finite"):
        check_float(math.inf, "lr")
    with pytest.raises(ValueError, match=r"lr must be in \(0.0, inf., received lr=0.0"):
        check_float(0.0, "lr", minimum=0.0, include_min=False)
    assert check_float(0.0, "lr", minimum=0.0) == 0.0
    with pytest.raises(ValueError, match=r"rate must be in \[0.0, 1.0\), received rate=1.0"):
        check_float(1.0, "rate", minimum=0.0, maximum=1.0, include_max=False)
    with pytest.raises(ValueError, match=r"beta must be in \[0.0, 1.0\], received beta=-0.5"):
        check_float(-0.5, "beta", minimum=0.0, maximum=1.0)
    with pytest.raises(ValueError, match="x must be in .*1.0.*received x=2.0"):
        check_float(2.0, "x", maximum=1.0)


# --- the rest ----------------------------------------------------------------------------------------------
def test_check_bool():
    assert check_bool(True, "flag") is True and check_bool(np.bool_(False), "flag") is False
    with pytest.raises(TypeError, match="flag must be True or False, received flag=1"):
        check_bool(1, "flag")
    with pytest.raises(TypeError, match="flag"):
        check_bool("yes", "flag")


def test_check_name_and_unknown_name_message():
    assert check_name("adam", "solver", ["sgd", "adam"]) == "adam"
    with pytest.raises(ValueError) as info:
        check_name("adma", "solver", ["sgd", "adam", "lbfgs"])
    assert str(info.value) == ("Unknown solver 'adma'; allowed values are ['adam', 'lbfgs', 'sgd']. "
                               "Did you mean 'adam'?")
    with pytest.raises(TypeError, match="solver must be a string"):
        check_name(3, "solver", ["sgd"])
    assert "Did you mean" not in unknown_name_message("zzzzzz", "solver", ["sgd", "adam"])


@pytest.mark.parametrize("dtype", ["float32", "float64", np.float32, np.float64, np.dtype("float32")])
def test_check_dtype_accepts(dtype):
    assert check_dtype(dtype) == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float16", "int32", "banana", np.int64, complex])
def test_check_dtype_refuses(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        check_dtype(dtype)


def test_check_random_state():
    rng = np.random.default_rng(0)
    assert check_random_state(rng) is rng
    assert isinstance(check_random_state(None), np.random.Generator)
    a, b = check_random_state(7), check_random_state(np.int64(7))
    assert a.random() == b.random()
    with pytest.raises(ValueError, match="random_state must be None"):
        check_random_state(-1, "random_state")
    for bad in (1.5, True, "abc"):
        with pytest.raises(TypeError, match="random_state must be None"):
            check_random_state(bad, "random_state")


def test_check_same_length():
    check_same_length("X", np.zeros((3, 2)), "y", np.zeros(3))
    with pytest.raises(ValueError, match="X and y must have the same number of samples, received 3 and 4"):
        check_same_length("X", np.zeros((3, 2)), "y", np.zeros(4))
