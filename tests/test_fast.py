"""The speed seam (``glassnet._fast``): every fast operation against its NumPy reference.

The compiled loops (numba) must equal the reference bit for bit, NaN, infinity and -0.0 included, so that when
the switchboard hands an operation to them changes no result; BLAS's axpby may round a fused multiply-add once
and must agree to a few units in the last place. The reference itself is checked against plain formulas.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import _fast
from glassnet._fast import blas, reference


def _families(*wanted):
    out = []
    for family in wanted:
        if family == "jit" and _fast.implementation() != "jit":
            continue
        if family == "blas" and not blas.available():
            continue
        out.append(family)
    return out


def _needs_jit():
    if _fast.implementation() != "jit":
        pytest.skip("numba is not installed or turned off")


def _awkward(dtype, shape=(37, 19), seed=0):
    """Values with every awkward case: NaN, +-inf, +-0, the dtype's extremes and subnormals."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    x = (rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3, size=shape)).astype(dtype)
    x.flat[:9] = [np.nan, np.inf, -np.inf, 0.0, -0.0, info.max, -info.max, info.tiny / 4, -info.tiny / 4]
    return x


def _equal_bits(a, b):
    np.testing.assert_array_equal(a, b)  # NaN where NaN
    numbers = ~np.isnan(b)
    np.testing.assert_array_equal(np.signbit(a[numbers]), np.signbit(b[numbers]))  # -0.0 too


# --- the reference against the formulas -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_reference_computes_what_each_operation_says(dtype):
    rng = np.random.default_rng(1)
    z, b, grad = rng.normal(size=(6, 4)).astype(dtype), rng.normal(size=4).astype(dtype), \
        rng.normal(size=(6, 4)).astype(dtype)
    expected_z = z + b
    out = np.empty_like(z)
    zz = z.copy()
    reference.bias_relu(zz, b, out)
    np.testing.assert_array_equal(zz, expected_z)
    np.testing.assert_array_equal(out, np.where(expected_z > 0, expected_z, 0))
    np.testing.assert_array_equal(reference.relu_backward(grad, z, np.empty_like(z)), np.where(z > 0, grad, 0))
    y = grad.copy()
    reference.axpy(y, z, 0.5, np.empty_like(y))
    np.testing.assert_allclose(y, grad + dtype(0.5) * z, rtol=1e-6)
    avg = grad.copy()
    reference.moving_average(avg, z, 0.9, np.empty_like(avg))
    np.testing.assert_allclose(avg, 0.9 * grad + 0.1 * z, rtol=1e-5)
    p, v = z.copy(), grad.copy()
    reference.sgd(p, b * np.ones_like(z), 0.1, v, 0.9, True, np.empty_like(p))
    step = -0.1 * b * np.ones_like(z)
    v_expected = 0.9 * grad + step
    np.testing.assert_allclose(v, v_expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(p, z + 0.9 * v_expected + step, rtol=1e-5, atol=1e-7)


def test_a_float32_square_that_overflows_is_refused_before_anything_changes():
    p, g, m, v = (np.ones(4, np.float32) for _ in range(4))
    g[2] = np.float32(1e30)
    saved = [a.copy() for a in (p, m, v)]
    with pytest.raises(_fast.SquareOverflow):
        reference.adam(p, g, m, v, 0.9, 0.999, 0.01, 1e-8, 1.0, np.empty_like(p), np.empty_like(p))
    for a, before in zip((p, m, v), saved):
        np.testing.assert_array_equal(a, before)


# --- each family against the reference ---------------------------------------------------------------------------
def _within_rounding(a, b, scale, dtype, ulps=8):
    """``a`` equals ``b`` up to ``ulps`` roundings of terms of magnitude ``scale`` (a fused multiply-add rounds
    once where NumPy rounds twice; with cancellation that is an ulp of the terms, not of the result)."""
    both = np.isfinite(a) & np.isfinite(b)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_array_equal(a[~both & ~np.isnan(b)], b[~both & ~np.isnan(b)])
    bound = ulps * np.finfo(dtype).eps * (scale + np.finfo(dtype).tiny)
    assert (np.abs(a - b)[both] <= bound[both]).all()


#: each operation: (make the arrays from a dtype, run it, the magnitude of its terms)
CASES = {
    "bias_relu": (lambda d: [_awkward(d), _awkward(d, (19,), 1), np.empty((37, 19), d)],
                  lambda z, b, out: _fast.bias_relu(z, b, out), None),
    "relu_backward": (lambda d: [np.roll(_awkward(d, seed=2), 5), _awkward(d), np.empty((37, 19), d)],
                      lambda g, z, out: _fast.relu_backward(g, z, out), None),
    "axpy": (lambda d: [_awkward(d), _awkward(d, seed=3), np.empty((37, 19), d)],
             lambda y, x, work: _fast.axpy(y, x, -0.3, work), lambda y, x, work: np.abs(y) + np.abs(0.3 * x)),
    "moving_average": (lambda d: [_awkward(d), _awkward(d, seed=3), np.empty((37, 19), d)],
                       lambda avg, x, work: _fast.moving_average(avg, x, 0.9, work),
                       lambda avg, x, work: np.abs(0.9 * avg) + np.abs(0.1 * x)),
    "sgd": (lambda d: [_awkward(d), _awkward(d, seed=4), np.empty((37, 19), d)],
            lambda p, g, work: _fast.sgd(p, g, 0.1, None, 0.0, False, work),
            lambda p, g, work: np.abs(p) + np.abs(0.1 * g)),
}


@pytest.mark.parametrize("family", _families("jit", "blas"))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", CASES)
def test_each_operation_of_each_family_equals_the_reference(op, dtype, family):
    make, run, terms = CASES[op]
    arrays = make(dtype)
    results = {}
    for fam in ("numpy", family):
        copies = [a.copy() for a in arrays]
        with _fast.using(fam), np.errstate(all="ignore"):
            run(*copies)
        results[fam] = copies if terms is None else copies[:-1]  # the last is scratch, or the output
    for a, b in zip(results[family], results["numpy"]):
        if family == "jit" or terms is None:
            _equal_bits(a, b)
        else:
            with np.errstate(all="ignore"):
                _within_rounding(a, b, terms(*arrays), dtype)


@pytest.mark.parametrize("family", _families("jit", "blas"))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum, nesterov", [(0.9, False), (0.8, True)])
def test_sgd_with_momentum_and_adam_of_each_family_equal_the_reference(momentum, nesterov, dtype, family):
    rng = np.random.default_rng(5)
    shape = (300, 70)
    p0, v0 = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype) * dtype(0.1)
    m0, s0 = rng.normal(size=shape).astype(dtype), rng.uniform(size=shape).astype(dtype)
    grads = [(rng.normal(size=shape) * 10.0 ** rng.integers(-25, 15, size=shape)).astype(dtype) for _ in range(3)]
    for g in grads:
        g[0, :3] = [0.0, np.nan, np.inf]
    results = {}
    for fam in ("numpy", family):
        p, v, q, m, s = p0.copy(), v0.copy(), p0.copy(), m0.copy(), s0.copy()
        with _fast.using(fam), np.errstate(all="ignore"):
            for g in grads:
                _fast.sgd(p, g, 0.05, v, momentum, nesterov, np.empty_like(p))
                _fast.adam(q, g, m, s, 0.9, 0.999, 0.01, 1e-8, 0.999, np.empty_like(q), np.empty_like(q))
        results[fam] = (p, v, q, m, s)
    with np.errstate(all="ignore"):
        total = sum(np.abs(g).astype(np.float64) for g in grads)
        # the magnitude of every term each array's updates added up
        scales = (np.abs(p0) + np.abs(v0) + 0.1 * total, np.abs(v0) + 0.1 * total, np.abs(p0) + 0.1,
                  np.abs(m0) + total, np.abs(s0) + sum(np.square(g.astype(np.float64)) for g in grads))
    for a, b, scale in zip(results[family], results["numpy"], scales):
        if family == "jit":
            _equal_bits(a, b)
        else:
            with np.errstate(all="ignore"):
                _within_rounding(a, b, scale, dtype, ulps=32)


@pytest.mark.parametrize("case", ["strided", "mixed-dtypes", "float16", "1-d-bias-relu"])
def test_the_compiled_loops_decline_what_they_do_not_take_and_the_reference_runs(case):
    """Arrays the loops do not take go to the reference, which computes the same result."""
    _needs_jit()
    z, b = np.linspace(-1, 1, 24).reshape(4, 6), np.linspace(-0.5, 0.5, 6)
    a, grad, out = np.zeros((4, 6)), np.ones((4, 6)), np.zeros((4, 6))
    if case == "strided":
        z, a, grad, out, b = z[:, ::2], a[:, ::2], grad[:, ::2], out[:, ::2], b[::2]
    elif case == "mixed-dtypes":
        b, grad = b.astype(np.float32), grad.astype(np.float32)
    elif case == "float16":
        z, b, a, grad, out = (x.astype(np.float16) for x in (z, b, a, grad, out))
    else:
        z, a, grad, out, b = z[0], a[0], grad[0], out[0], b
    expected_z = z + b
    with _fast.using("jit"):
        _fast.bias_relu(z, b, a)
        _fast.relu_backward(grad, z, out)
    np.testing.assert_allclose(z, expected_z)
    np.testing.assert_allclose(a, np.maximum(expected_z, 0))
    np.testing.assert_allclose(out, grad * (expected_z > 0))


# --- whole fits, and the switchboard's choices -----------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_fit_through_the_compiled_loops_is_bit_identical_to_numpys(optimizer, dtype):
    _needs_jit()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(96, 5)), rng.integers(0, 3, size=96)
    weights = {}
    for family in ("jit", "numpy"):
        with _fast.using(family):
            model = gn.Sequential([gn.Dense(32, activation="relu", l2=1e-3), gn.Dense(3, activation="softmax")],
                                  input_dim=5, seed=0, dtype=dtype)
            model.compile(loss="categorical_crossentropy", optimizer=optimizer)
            model.fit(X, y, epochs=3, batch_size=16, verbose=0)
            weights[family] = model.get_weights()
    for a, b in zip(weights["jit"], weights["numpy"]):
        np.testing.assert_array_equal(a, b)


def _python(code, **env):
    import os

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_the_environment_chooses_the_family():
    assert _python("from glassnet import _fast; print(_fast.implementation())",
                   GLASSNET_KERNELS="0", GLASSNET_NUMPY_BLAS="0") == "numpy"
    assert _python("from glassnet import _fast; print(_fast.blas.available())", GLASSNET_NUMPY_BLAS="0") == "False"
    if blas.available():
        assert _python("from glassnet import _fast; print(_fast.implementation())",
                       GLASSNET_KERNELS="0") == "blas"


@pytest.mark.slow
def test_numba_loads_only_after_enough_work_and_changes_no_result():
    """A small fit never imports numba; past JIT_AFTER elements the compiled loops take over, and the weights
    are those of the reference (decided by counting work, so every run decides alike)."""
    _needs_jit()
    code = """
import sys, numpy as np, glassnet as gn
from glassnet import _fast
rng = np.random.default_rng(0)
X, y = rng.normal(size=(256, 64)), rng.integers(0, 2, size=256)
def fit():
    m = gn.Sequential([gn.Dense(128, activation="relu"), gn.Dense(1, activation="sigmoid")], input_dim=64, seed=0)
    m.compile(loss="binary_crossentropy", optimizer="adam")
    m.fit(X, y, epochs=2, batch_size=64, verbose=0)
    return m.get_weights()
small = fit()
print("numba" in sys.modules)
_fast.JIT_AFTER = 50_000
big = fit()
print("numba" in sys.modules, all(np.array_equal(a, b) for a, b in zip(small, big)))
"""
    assert _python(code).splitlines() == ["False", "True True"]
    # a run planned long enough loads numba at its start, before its first step
    planned = """
import sys, numpy as np, glassnet as gn
X, y = np.zeros((256, 64)), np.zeros(256)
m = gn.Sequential([gn.Dense(128, activation="relu"), gn.Dense(1, activation="sigmoid")], input_dim=64, seed=0)
m.compile(loss="binary_crossentropy", optimizer="adam")
gn.Trainer(m, X, y, epochs=3, batch_size=64).begin()
print("numba" in sys.modules)
gn.Trainer(m, X, y, epochs=10**6, batch_size=64).begin()
print("numba" in sys.modules)
"""
    assert _python(planned).splitlines() == ["False", "True"]


def test_a_numba_that_fails_to_load_leaves_the_reference_with_a_warning(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing_import(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "numba" or (fromlist and "jit" in fromlist and level):
            raise RuntimeError("cannot cache function 'adam': no locator available")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    monkeypatch.setattr(_fast, "_jit", None)
    with pytest.warns(RuntimeWarning, match="compiled kernels are off.*no locator available"):
        _fast._load_jit()
    assert _fast._jit is False
    monkeypatch.setattr(_fast, "_family", "jit")
    assert _fast._compiled(10**9) is None  # the reference from then on


# --- BLAS's axpby itself ----------------------------------------------------------------------------------------
@pytest.mark.skipif(not blas.available(np.float32), reason="NumPy's BLAS is not one glassnet can call")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_matches_numpy(dtype):
    rng = np.random.default_rng(5)
    x, y = (rng.normal(size=(7, 5)).astype(dtype) for _ in range(2))
    expected = 0.1 * x.astype(np.float64) + 0.9 * y
    assert blas.axpby(y, x, 0.1, 0.9)
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("case", ["non-contiguous", "mixed dtypes", "shapes", "read-only", "list"])
def test_axpby_declines_what_it_cannot_do_and_leaves_the_target_alone(case):
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    if case == "non-contiguous":
        x = np.asfortranarray(x)
    elif case == "mixed dtypes":
        x = x.astype(np.float32)
    elif case == "shapes":
        x = x.reshape(6, 4)
    elif case == "read-only":
        y.flags.writeable = False
    else:
        x = x.tolist()
    before = y.copy()
    assert not blas.axpby(y, x, 0.5, 0.5)
    np.testing.assert_array_equal(y, before)


