"""Optimisers against update rules written out independently here (and against torch.optim where installed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from glassnet import _fast, optimizers, schedules
from glassnet._fast import blas

NAMES = sorted(optimizers.OPTIMIZERS)


def make_problem(seed=0, steps=3):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(2, 3)), rng.normal(size=3)]
    grads = [[rng.normal(size=(2, 3)), rng.normal(size=3)] for _ in range(steps)]
    return params, grads


# --- the update rules, one parameter at a time, in PyTorch's formulation ------------------------------------
def ref_sgd(p, gs, lr, momentum=0.0, nesterov=False):
    b = np.zeros_like(p)
    out = []
    for g in gs:
        if momentum:
            b = momentum * b + g
            step = g + momentum * b if nesterov else b
        else:
            step = g
        p = p - lr * step
        out.append(p)
    return out


def ref_adagrad(p, gs, lr, initial_accumulator_value=0.0, epsilon=1e-10):
    s = np.full_like(p, initial_accumulator_value)
    out = []
    for g in gs:
        s = s + g**2
        p = p - lr * g / (np.sqrt(s) + epsilon)
        out.append(p)
    return out


def ref_rmsprop(p, gs, lr, rho=0.9, momentum=0.0, epsilon=1e-8, centered=False):
    v, m, b = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for g in gs:
        v = rho * v + (1 - rho) * g**2
        if centered:
            m = rho * m + (1 - rho) * g
            denom = np.sqrt(v - m**2) + epsilon
        else:
            denom = np.sqrt(v) + epsilon
        if momentum:
            b = momentum * b + g / denom
            p = p - lr * b
        else:
            p = p - lr * g / denom
        out.append(p)
    return out


def ref_adam(p, gs, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, epsilon_hat=False, weight_decay=0.0):
    m, v = np.zeros_like(p), np.zeros_like(p)
    out = []
    for t, g in enumerate(gs, start=1):
        p = p * (1 - lr * weight_decay)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        if epsilon_hat:  # Kingma & Ba section 2: fold the corrections into the step size
            lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            p = p - lr_t * m / (np.sqrt(v) + epsilon)
        else:  # Algorithm 1: bias-corrected moments
            m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + epsilon)
        out.append(p)
    return out


# (optimizer name, constructor kwargs, reference, reference kwargs beyond those, torch class or None)
CASES = [
    ("sgd", {"learning_rate": 0.1}, ref_sgd, {"lr": 0.1}, ("SGD", {"lr": 0.1})),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}, ref_sgd, {"lr": 0.1, "momentum": 0.9},
     ("SGD", {"lr": 0.1, "momentum": 0.9})),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}, ref_sgd,
     {"lr": 0.05, "momentum": 0.8, "nesterov": True}, ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True})),
    ("adagrad", {"learning_rate": 0.1}, ref_adagrad, {"lr": 0.1}, ("Adagrad", {"lr": 0.1})),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.1, "epsilon": 1e-3}, ref_adagrad,
     {"lr": 0.1, "initial_accumulator_value": 0.1, "epsilon": 1e-3},
     ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-3})),
    ("rmsprop", {"learning_rate": 0.01}, ref_rmsprop, {"lr": 0.01},
     ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-8})),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.8, "centered": True, "epsilon": 1e-2}, ref_rmsprop,
     {"lr": 0.01, "rho": 0.8, "centered": True, "epsilon": 1e-2},
     ("RMSprop", {"lr": 0.01, "alpha": 0.8, "centered": True, "eps": 1e-2})),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}, ref_rmsprop,
     {"lr": 0.01, "momentum": 0.5, "centered": True},
     ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "eps": 1e-8})),
    ("adam", {"learning_rate": 0.01}, ref_adam, {"lr": 0.01}, ("Adam", {"lr": 0.01})),
    ("adam", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.7, "epsilon": 0.1}, ref_adam,
     {"lr": 0.01, "beta_1": 0.5, "beta_2": 0.7, "epsilon": 0.1},
     ("Adam", {"lr": 0.01, "betas": (0.5, 0.7), "eps": 0.1})),
    ("adam", {"learning_rate": 0.01, "epsilon": 0.1, "epsilon_hat": True}, ref_adam,
     {"lr": 0.01, "epsilon": 0.1, "epsilon_hat": True}, None),
    ("adamw", {"learning_rate": 0.01}, ref_adam, {"lr": 0.01, "weight_decay": 0.01},
     ("AdamW", {"lr": 0.01})),
    ("adamw", {"learning_rate": 0.1, "weight_decay": 0.5, "epsilon": 0.1}, ref_adam,
     {"lr": 0.1, "weight_decay": 0.5, "epsilon": 0.1}, ("AdamW", {"lr": 0.1, "weight_decay": 0.5, "eps": 0.1})),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


def run(optimizer, params, grads):
    params = [p.copy() for p in params]
    history = []
    for step_grads in grads:
        optimizer.step(params, step_grads)
        history.append([p.copy() for p in params])
    return history


def test_every_optimiser_has_a_hand_computed_case():
    assert {case[0] for case in CASES} == set(NAMES)


@pytest.fixture
def use_path(request):
    """Run the optimisers through one of the switchboard's families, at every size: the compiled loops (where
    numba is installed), NumPy with its own BLAS (axpby), or NumPy alone. Call it with the path's name."""
    contexts = []

    def use(path):
        if path == "kernels" and _fast.implementation() != "jit":
            pytest.skip("numba is not installed or turned off")
        if path == "blas" and not blas.available():
            pytest.skip("NumPy's BLAS cannot be called here")
        context = _fast.using({"kernels": "jit", "blas": "blas", "numpy": "numpy"}[path])
        context.__enter__()
        contexts.append(context)

    yield use
    for context in contexts:
        context.__exit__(None, None, None)


PATHS = ["kernels", "blas", "numpy"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", CASES, ids=IDS)
def test_three_steps_match_the_hand_written_rule(name, kwargs, ref, ref_kwargs, torch_case, path, use_path):
    use_path(path)
    params, grads = make_problem()
    history = run(optimizers.get({"name": name, **kwargs}), params, grads)
    for i, p in enumerate(params):
        expected = ref(p, [g[i] for g in grads], **ref_kwargs)
        for t in range(len(grads)):
            np.testing.assert_allclose(history[t][i], expected[t], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", [c for c in CASES if c[4]],
                         ids=[i for i, c in zip(IDS, CASES) if c[4]])
def test_three_steps_match_torch(name, kwargs, ref, ref_kwargs, torch_case, path, use_path):
    torch = pytest.importorskip("torch")
    use_path(path)
    params, grads = make_problem(seed=1)
    history = run(optimizers.get({"name": name, **kwargs}), params, grads)
    tparams = [torch.tensor(p, requires_grad=True) for p in params]
    cls, tkwargs = torch_case
    topt = getattr(torch.optim, cls)(tparams, **tkwargs)
    for t, step_grads in enumerate(grads):
        for tp, g in zip(tparams, step_grads):
            tp.grad = torch.tensor(g)
        topt.step()
        for i, tp in enumerate(tparams):
            np.testing.assert_allclose(history[t][i], tp.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", CASES, ids=IDS)
def test_float32_parameters_stay_float32(name, kwargs, ref, ref_kwargs, torch_case, path, use_path):
    use_path(path)
    params, grads = make_problem()
    opt = optimizers.get({"name": name, **kwargs})
    p32 = [p.astype(np.float32) for p in params]
    history = run(opt, p32, [[g.astype(np.float32) for g in gs] for gs in grads])
    assert all(p.dtype == np.float32 for p in history[-1])
    assert all(v.dtype == np.float32 for s in opt.get_state()["slots"] for v in s.values())
    for i, p in enumerate(params):
        expected = ref(p, [g[i] for g in grads], **ref_kwargs)[-1]
        np.testing.assert_allclose(history[-1][i], expected, rtol=1e-4, atol=1e-5)


def _adam_numpy_and_kernel(name, kwargs, params, grads, monkeypatch):
    """The same run of Adam/AdamW through the NumPy reference and through the compiled loop."""
    with _fast.using("numpy"):
        numpy_history = run(optimizers.get({"name": name, **kwargs}), params, grads)
    with _fast.using("jit"):
        return numpy_history, run(optimizers.get({"name": name, **kwargs}), params, grads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", [("adam", {}), ("adam", {"epsilon_hat": True, "learning_rate": 0.1}),
                                          ("adamw", {"weight_decay": 0.3, "learning_rate": 0.05})])
def test_adams_compiled_kernel_equals_its_numpy_path(name, kwargs, dtype, monkeypatch):
    """One compiled pass against the seven NumPy/BLAS passes, on 2-D parameters of large and tiny gradients
    (whose squares underflow), zeros, NaN and infinity: NaN and inf alike, the numbers equal up to the few
    roundings a BLAS that fuses multiply-adds would change."""
    if _fast.implementation() != "jit":
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(300, 70)).astype(dtype), rng.normal(size=70).astype(dtype)]
    grads = []
    for _ in range(4):
        g = [(rng.normal(size=p.shape) * 10.0 ** rng.integers(-25, 15, size=p.shape)).astype(dtype) for p in params]
        g[0][0, :3] = [0.0, np.nan, np.inf]
        grads.append(g)
    with np.errstate(invalid="ignore"):  # inf - inf in the parameter that met an infinite gradient
        numpy_history, kernel_history = _adam_numpy_and_kernel(name, kwargs, params, grads, monkeypatch)
    # the compiled loop rounds every operation as NumPy does: bit for bit, NaN and inf included
    for numpy_params, kernel_params in zip(numpy_history, kernel_history):
        for a, b in zip(numpy_params, kernel_params):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_array_equal(b, a)


def test_adams_compiled_loop_leaves_an_overflowing_square_to_the_reference():
    """A float32 gradient whose square overflows: the compiled loop declines, the reference raises before any
    change, and the optimiser redoes that parameter's step in float64."""
    if _fast.implementation() != "jit":
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(0)
    p, g = rng.normal(size=(4, 6)).astype(np.float32), rng.normal(size=(4, 6)).astype(np.float32)
    g[1, 2] = 1e30  # its square overflows float32
    results = []
    for family in ("jit", "numpy"):
        with _fast.using(family):
            q = p.copy()
            opt = optimizers.Adam(0.01)
            opt.step([q], [g])
            assert opt.get_state()["slots"][0]["v"].dtype == np.float64
            results.append(q)
    np.testing.assert_array_equal(results[0], results[1])
    assert np.isfinite(results[0]).all() and not np.array_equal(results[0], p)


@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", CASES, ids=IDS)
def test_grads_are_not_modified(name, kwargs, ref, ref_kwargs, torch_case):
    params, grads = make_problem()
    saved = [[g.copy() for g in gs] for gs in grads]
    run(optimizers.get({"name": name, **kwargs, "clipnorm": 0.5, "clipvalue": 0.1}), params, grads)
    run(optimizers.get({"name": name, **kwargs}), params, grads)
    for gs, ss in zip(grads, saved):
        for g, s in zip(gs, ss):
            np.testing.assert_array_equal(g, s)


# --- clipping ----------------------------------------------------------------------------------------------
def test_clipnorm_rescales_each_gradient_separately():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    params = [np.zeros(2), np.zeros(2)]
    opt.step(params, [np.array([3.0, 4.0]), np.array([0.3, 0.4])])
    np.testing.assert_allclose(params[0], [-0.6, -0.8], rtol=1e-15)  # norm 5 -> 1
    np.testing.assert_allclose(params[1], [-0.3, -0.4], rtol=1e-15)  # norm 0.5: untouched


def test_clipvalue_clips_each_element():
    opt = optimizers.SGD(learning_rate=1.0, clipvalue=0.5)
    params = [np.zeros(3)]
    opt.step(params, [np.array([-2.0, 0.1, 3.0])])
    np.testing.assert_allclose(params[0], [0.5, -0.1, -0.5])


def test_clipnorm_then_clipvalue():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0, clipvalue=0.7)
    params = [np.zeros(2)]
    opt.step(params, [np.array([3.0, 4.0])])
    np.testing.assert_allclose(params[0], [-0.6, -0.7], rtol=1e-15)


def test_clipping_feeds_the_clipped_gradient_to_the_state():
    opt = optimizers.Adam(learning_rate=0.1, clipnorm=1.0)
    params = [np.zeros(2)]
    opt.step(params, [np.array([30.0, 40.0])])
    np.testing.assert_allclose(opt.get_state()["slots"][0]["m"], 0.1 * np.array([0.6, 0.8]), rtol=1e-14)


# --- state -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", CASES, ids=IDS)
def test_state_round_trip_resumes_bit_for_bit(name, kwargs, ref, ref_kwargs, torch_case):
    params, grads = make_problem(steps=5)
    config = {"name": name, **kwargs}
    straight = run(optimizers.get(config), params, grads)

    first = optimizers.get(config)
    halfway = run(first, params, grads[:2])[-1]
    state = first.get_state()
    assert state["iterations"] == 2 and len(state["slots"]) == len(params)
    resumed = optimizers.get(first.get_config())
    resumed.set_state(state)
    # the state handed out is a copy: scribbling on it changes nothing
    for slot in state["slots"]:
        for v in slot.values():
            v[...] = 123.0
    rest = run(resumed, halfway, grads[2:])
    for a, b in zip(straight[-1], rest[-1]):
        np.testing.assert_array_equal(a, b)
    assert resumed.iterations == 5


def test_fresh_state_and_reset():
    opt = optimizers.Adam()
    assert opt.get_state() == {"iterations": 0, "slots": []}
    params, grads = make_problem()
    run(opt, params, grads)
    opt.reset()
    assert opt.iterations == 0 and opt.get_state()["slots"] == []
    again = run(opt, params, grads)
    np.testing.assert_array_equal(again[-1][0], run(optimizers.Adam(), params, grads)[-1][0])


def test_state_is_kept_per_parameter_index():
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    params = [np.zeros(2), np.zeros(2)]  # same shape, as two layers' "W" may be
    opt.step(params, [np.ones(2), -np.ones(2)])
    slots = opt.get_state()["slots"]
    np.testing.assert_allclose(slots[0]["velocity"], -0.1)
    np.testing.assert_allclose(slots[1]["velocity"], 0.1)


# --- schedules as learning rates ---------------------------------------------------------------------------
def test_schedule_as_learning_rate_sgd():
    opt = optimizers.SGD(learning_rate=schedules.StepDecay(0.1, drop=0.5, step_size=2))
    params = [np.zeros(1)]
    rates = []
    for _ in range(5):
        rates.append(opt.current_learning_rate())
        opt.step(params, [np.ones(1)])
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    np.testing.assert_allclose(params[0], [-0.325], rtol=1e-14)


def test_schedule_as_learning_rate_adam():
    schedule = schedules.InverseScaling(0.1, power_t=1.0)  # 0.1 / (step + 1)
    params, grads = make_problem()
    history = run(optimizers.Adam(learning_rate=schedule), params, grads)
    p, m, v = params[1].copy(), 0.0, 0.0
    for t, gs in enumerate(grads, start=1):
        g = gs[1]
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - (0.1 / t) * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(history[-1][1], p, rtol=1e-12)


def test_schedule_given_as_a_config_dict():
    opt = optimizers.SGD(learning_rate={"name": "cosine", "initial_learning_rate": 0.2, "decay_steps": 4})
    assert isinstance(opt.learning_rate, schedules.CosineDecay)
    assert opt.current_learning_rate() == pytest.approx(0.2)


# --- config ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, ref, ref_kwargs, torch_case", CASES, ids=IDS)
def test_config_round_trip(name, kwargs, ref, ref_kwargs, torch_case):
    opt = optimizers.get({"name": name, **kwargs, "clipnorm": 2.0, "clipvalue": 1.5})
    config = opt.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = optimizers.get(config)
    assert type(rebuilt) is type(opt) and rebuilt.get_config() == config
    for key, value in kwargs.items():
        assert config[key] == value
    params, grads = make_problem()
    np.testing.assert_array_equal(run(opt, params, grads)[-1][0], run(rebuilt, params, grads)[-1][0])


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_with_a_schedule(name):
    opt = optimizers.get({"name": name, "learning_rate": schedules.ExponentialDecay(0.1, decay_steps=3)})
    config = opt.get_config()
    assert config["learning_rate"]["name"] == "exponential"
    assert json.loads(json.dumps(config)) == config
    rebuilt = optimizers.get(config)
    assert rebuilt.get_config() == config
    params, grads = make_problem()
    np.testing.assert_array_equal(run(opt, params, grads)[-1][1], run(rebuilt, params, grads)[-1][1])


@pytest.mark.parametrize("name", NAMES)
def test_get_by_name(name):
    opt = optimizers.get(name)
    assert type(opt) is optimizers.OPTIMIZERS[name] and opt.name == name
    assert type(optimizers.get(name.upper())) is type(opt)
    assert optimizers.get(opt) is opt


# --- bad arguments -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lr, error", [(-0.1, ValueError), (0.0, ValueError), (math.nan, ValueError),
                                       ("fast", TypeError)])
def test_bad_learning_rate(name, lr, error):
    with pytest.raises(error, match="learning_rate"):
        optimizers.OPTIMIZERS[name](learning_rate=lr)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("param, value", [("clipnorm", 0.0), ("clipnorm", -1.0), ("clipvalue", -0.5)])
def test_bad_clipping(name, param, value):
    with pytest.raises(ValueError, match=param):
        optimizers.OPTIMIZERS[name](**{param: value})


@pytest.mark.parametrize("cls, param, value, error", [
    (optimizers.Adam, "beta_1", 1.0, ValueError),
    (optimizers.Adam, "beta_1", -0.1, ValueError),
    (optimizers.Adam, "beta_2", 1.5, ValueError),
    (optimizers.AdamW, "beta_2", 1.0, ValueError),
    (optimizers.Adam, "epsilon", -1e-8, ValueError),
    (optimizers.Adam, "epsilon_hat", "yes", TypeError),
    (optimizers.AdamW, "weight_decay", -0.01, ValueError),
    (optimizers.SGD, "momentum", 1.5, ValueError),
    (optimizers.SGD, "momentum", -0.1, ValueError),
    (optimizers.SGD, "nesterov", 1, TypeError),
    (optimizers.RMSprop, "rho", 1.0, ValueError),
    (optimizers.RMSprop, "momentum", 2.0, ValueError),
    (optimizers.RMSprop, "centered", "no", TypeError),
    (optimizers.Adagrad, "initial_accumulator_value", -0.1, ValueError),
    (optimizers.Adagrad, "epsilon", -1.0, ValueError),
])
def test_bad_hyperparameters_name_themselves(cls, param, value, error):
    with pytest.raises(error, match=param):
        cls(**{param: value})


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="betas"):
        optimizers.Adam(betas=(0.9, 0.99))


def test_unknown_names():
    with pytest.raises(ValueError) as info:
        optimizers.get("adamm")
    assert "Did you mean 'adam'?" in str(info.value)
    for name in NAMES:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get({"name": "lbfgs"})
    with pytest.raises(TypeError, match="optimizer"):
        optimizers.get(0.1)
