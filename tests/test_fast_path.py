"""The training loop's fast path against its reference path: speed must never change results.

With plain SGD (no clipping) and no penalty, ``fit`` folds ``-lr`` into the loss gradient so that the backward
pass yields each step directly (``Optimizer.gradient_scale`` / ``step_scaled``). The reference path, taken
whenever a callback may read gradients between batches, computes the gradients and lets ``SGD.step`` scale
them. The two round differently (``lr * (x.T @ d)`` against ``x.T @ (lr * d)``), so they agree to rounding,
not to the bit; PyTorch checks the fast path independently.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import _blas, _kernels, activations, optimizers


class _ReadsGradients(gn.callbacks.Callback):
    """A callback that declares it reads gradients: it forces the reference path."""

    reads_gradients = True


class _CountingSGD(optimizers.SGD):
    """SGD that counts which of its two entry points the loop used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = {"step": 0, "step_scaled": 0}
        #: per step_scaled call, how many parameters had taken their step inside the weight product
        self.fused_counts = []

    def step(self, params, grads):
        self.calls["step"] += 1
        super().step(params, grads)

    def step_scaled(self, params, scaled_grads, fused=()):
        self.calls["step_scaled"] += 1
        self.fused_counts.append(len(fused))
        super().step_scaled(params, scaled_grads, fused)


def _data(n=64, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    return rng.normal(size=(n, d)) + np.eye(k, d)[y], y


def _model(optimizer, dtype="float64", batch_norm=False, dropout=0.0, l2=0.0, loss="categorical_crossentropy"):
    layers = [gn.Dense(7, activation="relu", l2=l2)]
    layers += [gn.BatchNorm()] if batch_norm else []
    layers += [gn.Dropout(dropout)] if dropout else []
    layers += [gn.Dense(6, activation="tanh"), gn.Dense(3, activation="softmax")]
    model = gn.Sequential(layers, input_dim=5, seed=4, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer)
    return model


SGD_CASES = {
    "plain": {"learning_rate": 0.1},
    "momentum": {"learning_rate": 0.05, "momentum": 0.9},
    "nesterov": {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True},
    "schedule": {"learning_rate": gn.schedules.ExponentialDecay(0.2, decay_steps=3, decay_rate=0.5),
                 "momentum": 0.5},
}


@pytest.mark.parametrize("sgd", SGD_CASES.values(), ids=SGD_CASES.keys())
@pytest.mark.parametrize("extras", [{}, {"batch_norm": True, "dropout": 0.3}], ids=["dense", "bn-dropout"])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-11), ("float32", 2e-5)])
def test_fast_path_matches_the_reference_path(sgd, extras, dtype, rtol):
    X, y = _data()
    fast_opt, ref_opt = _CountingSGD(**sgd), _CountingSGD(**sgd)
    fast, ref = _model(fast_opt, dtype, **extras), _model(ref_opt, dtype, **extras)
    h_fast = fast.fit(X, y, epochs=4, batch_size=10, verbose=0)
    h_ref = ref.fit(X, y, epochs=4, batch_size=10, verbose=0, callbacks=[_ReadsGradients()])
    steps = 4 * 7
    assert fast_opt.calls == {"step": 0, "step_scaled": steps}
    assert ref_opt.calls == {"step": steps, "step_scaled": 0}
    # the three kernels take their step inside the weight product (BLAS's beta), except on each epoch's last
    # batch (its gradients are kept for the epoch's callbacks) and with Nesterov momentum
    fusing = _blas.available(dtype) and not sgd.get("nesterov")
    assert fast_opt.fused_counts == ([3] * 6 + [0]) * 4 if fusing else [0] * steps
    assert fast_opt.iterations == ref_opt.iterations == steps
    for a, b in zip(fast.get_weights(), ref.get_weights()):
        assert a.dtype == b.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)
    for slot_a, slot_b in zip(fast_opt.get_state()["slots"], ref_opt.get_state()["slots"]):
        for key in slot_a:
            np.testing.assert_allclose(slot_a[key], slot_b[key], rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(h_fast.history["loss"], h_ref.history["loss"], rtol=rtol)
    # after fit the gradient arrays hold the last batch's gradients on both paths
    for g_fast, g_ref in zip(fast._grads, ref._grads):
        np.testing.assert_allclose(g_fast, g_ref, rtol=rtol * 10, atol=rtol * 1e-2)


@pytest.mark.parametrize("reason", ["l2", "clipnorm", "adam", "batch-callback"])
def test_the_fast_path_stands_aside_where_it_would_be_wrong(reason):
    X, y = _data()
    opt = _CountingSGD(0.1, clipnorm=1e9 if reason == "clipnorm" else None)
    model = _model(opt, l2=0.01 if reason == "l2" else 0.0)
    if reason == "adam":
        assert optimizers.Adam().gradient_scale() is None
        return
    seen = []
    # a LambdaCallback with a batch hook may read gradients: the loop must keep them plain for it
    callbacks = [gn.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))] \
        if reason == "batch-callback" else []
    model.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=callbacks)
    assert opt.calls == {"step": 4, "step_scaled": 0}
    # and the weights are those of the plain rule: the same run through train_on_batch, batch by batch (a
    # clipnorm this large never clips, and an l2 of 0.01 adds its gradient on both sides)
    if reason in ("clipnorm", "l2"):
        reference = _model(optimizers.SGD(0.1, clipnorm=1e9 if reason == "clipnorm" else None),
                           l2=0.01 if reason == "l2" else 0.0)
        for start in range(0, len(X), 16):
            reference.train_on_batch(X[start:start + 16], y[start:start + 16])
        for a, b in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_callbacks_that_only_watch_epochs_or_losses_keep_the_fast_path():
    X, y = _data()
    opt = _CountingSGD(0.1)
    model = _model(opt)
    callbacks = [gn.callbacks.EarlyStopping(monitor="loss", patience=5), gn.callbacks.TerminateOnNaN(),
                 gn.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: None)]
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=callbacks)
    assert opt.calls == {"step": 0, "step_scaled": 8}


def test_a_batch_callback_reads_the_true_gradients():
    """Full batch, no shuffling: the gradients a batch hook sees are those loss_and_gradients gives for the
    weights before the step (an independent computation of the same quantity)."""
    X, y = _data()
    model = _model(optimizers.SGD(0.3))
    model.build(5)
    _, expected = model.loss_and_gradients(X, y, training=True)
    seen = []

    def grab(batch, logs):
        seen.append([layer.grads[k].copy() for layer in model.layers for k in layer.params])

    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0,
              callbacks=[gn.callbacks.LambdaCallback(on_batch_end=grab)])
    for got, want in zip(seen[0], expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_after_a_fast_fit_the_gradients_are_the_last_batch_gradients():
    X, y = _data()
    model = _model(optimizers.SGD(0.3))
    model.build(5)
    _, expected = model.loss_and_gradients(X, y, training=True)
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    for got, want in zip(model._grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("sgd", [{"learning_rate": 0.1}, {"learning_rate": 0.05, "momentum": 0.9},
                                 {"learning_rate": 0.05, "momentum": 0.7, "nesterov": True}],
                         ids=["plain", "momentum", "nesterov"])
def test_fast_fit_matches_torch_sgd(sgd):
    """Three epochs of fit (fast path, no shuffling) against the same network and batches in torch."""
    torch = pytest.importorskip("torch")
    X, y = _data(n=40)
    opt = _CountingSGD(**sgd)
    model = _model(opt)
    model.build(5)
    leaves = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    torch_opt = torch.optim.SGD(leaves, lr=sgd["learning_rate"], momentum=sgd.get("momentum", 0.0),
                                nesterov=sgd.get("nesterov", False))
    for _ in range(3):
        for start in range(0, 40, 8):
            W1, b1, W2, b2, W3, b3 = leaves
            xb, yb = torch.tensor(X[start:start + 8]), torch.tensor(y[start:start + 8])
            logits = torch.tanh(torch.relu(xb @ W1 + b1) @ W2 + b2) @ W3 + b3
            torch_opt.zero_grad()
            torch.nn.functional.cross_entropy(logits, yb).backward()
            torch_opt.step()
    model.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert opt.calls["step_scaled"] == 15
    for w, leaf in zip(model.get_weights(), leaves):
        np.testing.assert_allclose(w, leaf.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_training_buffers_are_reused_and_copies_of_a_layer_get_their_own():
    """Dense keeps one work array per intermediate value while the batch size stays the same; a copy of the
    layer (what the analysis tools make to run passes of their own) never writes into the original's."""
    import copy

    model = _model(optimizers.SGD(0.1))
    model.build(5)
    layer = model.layers[0]
    X = np.random.default_rng(0).normal(size=(4, 5))
    first = layer.forward(X, training=True)
    again = layer.forward(X * 2, training=True)
    assert again is first                                  # the same array, overwritten
    np.testing.assert_allclose(again, np.maximum(2 * X @ layer.params["W"] + layer.params["b"], 0))
    twin = copy.copy(layer)
    out = twin.forward(X, training=True)
    assert not np.shares_memory(out, first)
    np.testing.assert_allclose(first, np.maximum(2 * X @ layer.params["W"] + layer.params["b"], 0))
    assert layer.forward(X[:3], training=True).shape == (3, 7)


def test_by_default_only_kernels_big_enough_to_pay_take_their_step_inside_the_product(monkeypatch):
    """A 100x200 kernel (20 000 elements) fuses its step; the 200x3 and 3x4 ones (under ``FUSE_MIN_SIZE``) take
    NumPy's product and a separate update, which is faster there. The weights equal the reference path's."""
    monkeypatch.setattr(_blas, "FUSE_MIN_SIZE", 16384)
    if not _blas.available(np.float64):
        pytest.skip("NumPy's BLAS cannot be called here")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 100)), rng.integers(0, 4, size=64)
    weights, counts = [], []
    for callbacks in ([], [_ReadsGradients()]):
        model = gn.Sequential([gn.Dense(200, activation="relu"), gn.Dense(3, activation="tanh"),
                               gn.Dense(4, activation="softmax")], input_dim=100, seed=1, dtype="float64")
        opt = _CountingSGD(0.05)
        model.compile(loss="categorical_crossentropy", optimizer=opt)
        model.fit(X, y, epochs=2, batch_size=16, callbacks=callbacks, verbose=0)
        weights.append(model.get_weights())
        counts.append(opt.fused_counts)
    assert counts[0] == ([1, 1, 1, 0]) * 2 and counts[1] == []
    for fast, reference in zip(*weights):
        np.testing.assert_allclose(fast, reference, rtol=1e-11, atol=1e-13)


@pytest.mark.skipif(not _blas.available(np.float32), reason="NumPy's BLAS is not one glassnet can call")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [1.0, 0.9, 0.0])
def test_gemm_into_an_existing_array_matches_numpy(dtype, beta):
    rng = np.random.default_rng(3)
    A, B, C = (rng.normal(size=s).astype(dtype) for s in ((33, 17), (33, 9), (17, 9)))
    expected = -0.25 * (A.T.astype(np.float64) @ B) + beta * C
    assert _blas.gemm_tn(C, A, B, -0.25, beta)
    np.testing.assert_allclose(C, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


@pytest.mark.parametrize("case", ["non-contiguous", "mixed dtypes", "shapes", "sparse", "read-only"])
def test_gemm_declines_what_it_cannot_do_and_leaves_the_target_alone(case):
    import scipy.sparse

    rng = np.random.default_rng(4)
    A, B, C = rng.normal(size=(6, 4)), rng.normal(size=(6, 3)), rng.normal(size=(4, 3))
    if case == "non-contiguous":
        A = np.asfortranarray(A)
    elif case == "mixed dtypes":
        B = B.astype(np.float32)
    elif case == "shapes":
        C = rng.normal(size=(3, 4))
    elif case == "sparse":
        A = scipy.sparse.csr_matrix(A)
    else:
        C.flags.writeable = False
    before = C.copy()
    assert not _blas.gemm_tn(C, A, B, 1.0, 1.0)
    np.testing.assert_array_equal(C, before)


@pytest.mark.skipif(not _blas.available(np.float32), reason="NumPy's BLAS is not one glassnet can call")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_matches_numpy(dtype):
    rng = np.random.default_rng(5)
    x, y = (rng.normal(size=(7, 5)).astype(dtype) for _ in range(2))
    expected = 0.1 * x.astype(np.float64) + 0.9 * y
    assert _blas.axpby(y, x, 0.1, 0.9)
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
    assert not _blas.axpby(y, x, 0.5, 0.5)
    np.testing.assert_array_equal(y, before)


def test_without_numpys_blas_the_fast_path_still_folds_and_agrees(monkeypatch):
    X, y = _data()
    with_blas_opt, without_opt = _CountingSGD(0.1), _CountingSGD(0.1)
    with_blas, without = _model(with_blas_opt), _model(without_opt)
    with_blas.fit(X, y, epochs=2, batch_size=10, verbose=0)
    monkeypatch.setattr(_blas, "_GEMM", {})
    without.fit(X, y, epochs=2, batch_size=10, verbose=0)
    assert without_opt.fused_counts == [0] * 14 and without_opt.calls["step_scaled"] == 14
    for a, b in zip(with_blas.get_weights(), without.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
    assert all(getattr(layer, "fused_step", None) is None for layer in with_blas.layers)


def test_the_environment_can_turn_numpys_blas_off(monkeypatch):
    monkeypatch.setenv("GLASSNET_NUMPY_BLAS", "0")
    assert _blas._load() == {}
    monkeypatch.delenv("GLASSNET_NUMPY_BLAS")
    assert set(_blas._load()) <= {np.dtype(np.float32), np.dtype(np.float64)}


# --- the optional compiled kernels (numba) against the NumPy path they replace ---------------------------------
def _needs_kernels():
    if not _kernels.available():
        pytest.skip("numba is not installed")


def _numpy_path(monkeypatch):
    monkeypatch.setattr(_kernels, "_jit", False)


def test_the_environment_can_turn_the_kernels_off(monkeypatch):
    monkeypatch.setenv("GLASSNET_KERNELS", "0")
    assert _kernels._load() is False
    monkeypatch.delenv("GLASSNET_KERNELS")
    if _kernels.available():
        assert _kernels._load() is _kernels._module()


def test_a_numba_that_fails_to_load_leaves_the_numpy_path_with_a_warning(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "numba" or (len(args) > 2 and args[2] and "_kernels_jit" in args[2]):
            raise RuntimeError("cannot cache function 'adam': no locator available")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.warns(RuntimeWarning, match="compiled kernels are off.*no locator available"):
        assert _kernels._load() is False


def _awkward_batch(dtype, rows=37, cols=19, seed=0):
    """Pre-activations with every awkward value: NaN, +-inf, +-0, the dtype's extremes and subnormals."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    z = (rng.normal(size=(rows, cols)) * 10.0 ** rng.integers(-3, 3, size=(rows, cols))).astype(dtype)
    z.flat[:9] = [np.nan, np.inf, -np.inf, 0.0, -0.0, info.max, -info.max, info.tiny / 4, -info.tiny / 4]
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relus_compiled_kernels_equal_its_numpy_path_bit_for_bit(dtype, monkeypatch):
    """Bias + ReLU forward and ReLU backward: the same bits as NumPy's passes, NaN and inf included (an
    infinite gradient through a closed unit gives NaN, as NumPy's multiplication by the mask does)."""
    _needs_kernels()
    relu = activations.get("relu")
    z0, b = _awkward_batch(dtype), _awkward_batch(dtype, rows=1, seed=1)[0]
    grad = np.roll(_awkward_batch(dtype, seed=2), 5)  # plain numbers where z is exactly +-0
    results = {}
    for path in ("kernels", "numpy"):
        with monkeypatch.context() as patch:
            if path == "numpy":
                _numpy_path(patch)
            z, a, out = z0.copy(), np.empty_like(z0), np.empty_like(z0)
            with np.errstate(all="ignore"):
                a_returned = relu._forward_biased_into(z, b, a)
                delta = relu.backward(grad, z, a, out=out)
            assert a_returned is a and delta is out
            results[path] = (z, a, delta)
    for kernel, numpy in zip(results["kernels"], results["numpy"]):
        np.testing.assert_array_equal(kernel, numpy)  # NaN where NaN
        numbers = ~np.isnan(numpy)
        np.testing.assert_array_equal(np.signbit(kernel[numbers]), np.signbit(numpy[numbers]))  # -0.0 too
    assert np.isnan(results["kernels"][2]).any()  # the case above really met inf * 0


@pytest.mark.parametrize("case", ["strided", "mixed-dtypes", "float16", "read-only", "bias-length", "1-d"])
def test_relus_kernels_decline_what_they_do_not_take_and_change_nothing(case):
    _needs_kernels()
    z, b = np.ones((4, 6)), np.ones(6)
    a, grad, out = np.zeros((4, 6)), np.ones((4, 6)), np.zeros((4, 6))
    if case == "strided":
        z, a, grad, out = z[:, ::2], a[:, ::2], grad[:, ::2], out[:, ::2]
        b = b[::2]
    elif case == "mixed-dtypes":
        b, grad = b.astype(np.float32), grad.astype(np.float32)
    elif case == "float16":
        z, b, a, grad, out = (x.astype(np.float16) for x in (z, b, a, grad, out))
    elif case == "read-only":
        a.flags.writeable = out.flags.writeable = False
    elif case == "bias-length":
        b = np.ones(5)
    else:
        z, a, grad, out = z[0], a[0], grad[0], out[0]
    saved = [x.copy() for x in (z, a, out)]
    assert not _kernels.bias_relu(z, b, a)
    if case != "bias-length":
        assert not _kernels.relu_backward(grad, z, out)
    for x, before in zip((z, a, out), saved):
        np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_a_fit_through_the_compiled_kernels_matches_the_numpy_path(optimizer, dtype, rtol, monkeypatch):
    """Whole fits (ReLU layers, Adam's update) with and without numba: the same weights up to rounding."""
    _needs_kernels()
    X, y = _data(n=96)
    weights = {}
    for path in ("kernels", "numpy"):
        with monkeypatch.context() as patch:
            if path == "numpy":
                _numpy_path(patch)
            model = _model(optimizer, dtype=dtype)
            model.fit(X, y, epochs=4, batch_size=16, verbose=0)
            weights[path] = model.get_weights()
    for kernel, numpy in zip(weights["kernels"], weights["numpy"]):
        np.testing.assert_allclose(kernel, numpy, rtol=rtol, atol=rtol * 1e-2)
