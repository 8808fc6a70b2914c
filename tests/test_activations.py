"""Activations against independent truths: central differences, closed forms from ``math``, and PyTorch.

Every test that can be is parametrised over the registry, so a new activation is covered as soon as it is
registered (and the closed-form table below fails loudly until it gains an entry).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from _helpers import numeric_gradient, rel_error
from glassnet import activations

NAMES = sorted(activations.ACTIVATIONS)
# underflow to 0 (e.g. exp(-1e4)) is the correctly rounded answer, not an error, so it stays ignored
STRICT = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}

SELU_ALPHA = 1.6732632423543772848170429916717  # torch.nn.SELU documentation
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


#: a closed form per elementwise activation, written with ``math`` only
CLOSED_FORMS = {
    "linear": lambda z: z,
    "step": lambda z: 1.0 if z >= 0 else 0.0,
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1,
    "selu": lambda z: SELU_SCALE * (z if z > 0 else SELU_ALPHA * (math.exp(z) - 1)),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "exponential": math.exp,
    "swish": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1 + math.erf(z / math.sqrt(2))),
    "gelu_tanh": lambda z: 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
    "softmax": None,  # not elementwise: see test_softmax_closed_form
}

#: (f(-1e4), f(1e4)) and (f'(-1e4), f'(1e4)), the limits of the mathematics
LIMITS = {
    "linear": ((-1e4, 1e4), (1, 1)),
    "step": ((0, 1), (0, 0)),
    "sigmoid": ((0, 1), (0, 0)),
    "tanh": ((-1, 1), (0, 0)),
    "relu": ((0, 1e4), (0, 1)),
    "leaky_relu": ((-100, 1e4), (0.01, 1)),
    "elu": ((-1, 1e4), (0, 1)),
    "selu": ((-SELU_SCALE * SELU_ALPHA, SELU_SCALE * 1e4), (0, SELU_SCALE)),
    "softplus": ((0, 1e4), (0, 1)),
    "exponential": ((0, math.inf), (0, math.inf)),
    "swish": ((0, 1e4), (0, 1)),
    "gelu": ((0, 1e4), (0, 1)),
    "gelu_tanh": ((0, 1e4), (0, 1)),
}




def away_from_kinks(shape, rng, low=-4.0, high=4.0):
    z = rng.uniform(low, high, size=shape)
    z[np.abs(z) < 0.1] += 0.2  # relu, leaky_relu, elu, selu and step have kinks at 0
    return z




# --- gradients ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_central_differences(name):
    rng = np.random.default_rng(0)
    act = activations.get(name)
    z = away_from_kinks((4, 5), rng)
    R = rng.normal(size=z.shape)
    a = act.forward(z)
    analytic = act.backward(R, z, a)
    numeric = numeric_gradient(lambda: np.sum(R * act.forward(z)), z)
    assert analytic.shape == z.shape
    assert rel_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softmax"])
def test_backward_is_grad_times_derivative(name):
    rng = np.random.default_rng(1)
    act = activations.get(name)
    z = away_from_kinks((3, 4), rng)
    g = rng.normal(size=z.shape)
    a = act.forward(z)
    np.testing.assert_allclose(act.backward(g, z, a), g * act.derivative(z, a), rtol=1e-12, atol=0)


def test_softmax_backward_is_the_full_jacobian_vector_product():
    rng = np.random.default_rng(2)
    act = activations.get("softmax")
    z = rng.normal(size=(3, 4))
    g = rng.normal(size=z.shape)
    a = act.forward(z)
    expected = np.empty_like(z)
    for i in range(len(z)):
        s = a[i]
        jacobian = np.diag(s) - np.outer(s, s)  # d a_k / d z_j = a_k (delta_kj - a_j), symmetric
        expected[i] = jacobian.T @ g[i]
    np.testing.assert_allclose(act.backward(g, z, a), expected, rtol=1e-12, atol=1e-15)
    with pytest.raises(NotImplementedError):
        act.derivative(z, a)


# --- values ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_closed_form(name):
    if name not in CLOSED_FORMS:
        pytest.fail(f"activation {name!r} has no closed form in this test: add one to CLOSED_FORMS")
    if CLOSED_FORMS[name] is None:
        return
    z = np.array([-6.0, -2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 3.0, 6.0])
    expected = np.array([CLOSED_FORMS[name](float(v)) for v in z])
    np.testing.assert_allclose(activations.get(name).forward(z), expected, rtol=1e-13, atol=1e-15)
    # calling the activation is its forward (the base class once bound __call__ to its own abstract forward)
    np.testing.assert_allclose(activations.get(name)(z), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["relu", "elu", "selu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_with_zero_keeps_nan_dtype_and_works_on_any_shape(name, dtype):
    """ReLU-type units compare with a row of zeros (NumPy's fast loop) rather than a scalar 0: the same values,
    NaN passed through, on 1-d, 2-d, 3-d and 0-d input."""
    act = activations.get(name)
    z = np.array([[np.nan, -2.0, 0.0, 3.0]], dtype)
    for shaped in (z, z[0], z.reshape(1, 2, 2), z[0, 3]):
        out = act.forward(np.asarray(shaped))
        expected = np.asarray([CLOSED_FORMS[name](float(v)) for v in np.ravel(shaped)])
        assert out.dtype == dtype and out.shape == np.shape(shaped)
        np.testing.assert_allclose(np.ravel(out), expected, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_scipy_expit_to_the_last_bits(dtype):
    """Sigmoid (and with it swish and softplus's derivative) is computed in NumPy with the formula of
    ``scipy.special.expit``, so that a sigmoid network needs no SciPy: expit's values up to the last bits of
    ``exp``, over the whole range and its tails, in every variant, silently, in the input's dtype."""
    from scipy.special import expit

    rng = np.random.default_rng(4)
    z = np.concatenate([rng.normal(scale=scale, size=20_000) for scale in (1, 10, 100, 1000)]
                       + [[-1e4, -745.0, -709.0, -100.0, -88.0, -0.0, 0.0, 88.0, 100.0, 1e4]]).astype(dtype)
    expected = expit(z)
    act = activations.get("sigmoid")
    with np.errstate(**STRICT):
        results = [act.forward(z), act(z), act.forward_inplace(z.copy()),
                   act.forward_into(z, np.empty_like(z)), activations.get("softplus").derivative(z, None)]
    for result in results:
        assert result.dtype == dtype
        np.testing.assert_array_max_ulp(result, expected, maxulp=8)
    np.testing.assert_allclose(activations.get("swish").forward(z), z * expected, rtol=10 * np.finfo(dtype).eps)


def test_softmax_closed_form():
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5], [5.0, 5.0, 5.0]])
    expected = np.array([[math.exp(v) / sum(math.exp(u) for u in row) for v in row] for row in z])
    a = activations.get("softmax").forward(z)
    np.testing.assert_allclose(a, expected, rtol=1e-13)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)


def test_selu_constants_are_torchs_documented_values():
    assert activations.SELU.alpha == pytest.approx(SELU_ALPHA, rel=1e-15)
    assert activations.SELU.scale == pytest.approx(SELU_SCALE, rel=1e-15)


def test_leaky_relu_and_elu_use_their_alpha():
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(activations.LeakyReLU(alpha=0.2).forward(z), [-0.4, -0.1, 0.5, 2.0])
    np.testing.assert_allclose(activations.ELU(alpha=2.0).forward(z),
                               [2 * math.expm1(-2.0), 2 * math.expm1(-0.5), 0.5, 2.0], rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_outputs_lie_in_the_declared_range(name):
    act = activations.get(name)
    z = np.random.default_rng(3).normal(scale=20, size=(8, 6))
    with np.errstate(**STRICT):
        a = act.forward(z)
    low, high = act.output_range
    assert np.all(a >= low) and np.all(a <= high)


# PyTorch's functional forms, an implementation independent of ours (skipped if torch is not installed)
TORCH_FUNCTIONS = {
    "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "leaky_relu": "leaky_relu", "elu": "elu",
    "selu": "selu", "softplus": "softplus", "swish": "silu", "gelu": "gelu", "gelu_tanh": "gelu_tanh",
    "softmax": "softmax", "exponential": "exp",
}


@pytest.mark.parametrize("name", sorted(TORCH_FUNCTIONS))
def test_forward_and_backward_match_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    fn = {"gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "softmax": lambda t: F.softmax(t, dim=-1),
          "exp": torch.exp}.get(TORCH_FUNCTIONS[name], getattr(F, TORCH_FUNCTIONS[name], None))
    rng = np.random.default_rng(4)
    z = away_from_kinks((4, 5), rng, -8, 8)
    g = rng.normal(size=z.shape)
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = fn(zt)
    out.backward(torch.tensor(g))
    act = activations.get(name)
    a = act.forward(z)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.backward(g, z, a), zt.grad.numpy(), rtol=1e-10, atol=1e-14)


# --- stability and dtype -----------------------------------------------------------------------------------
EXTREMES = np.array([-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_stable_silent_and_dtype_preserving_at_extremes(name, dtype):
    act = activations.get(name)
    z = EXTREMES.astype(dtype).reshape(1, -1)
    g = np.ones_like(z)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = act.forward(z)
        grad = act.backward(g, z, a)
    assert a.dtype == dtype and grad.dtype == dtype
    assert a.shape == z.shape and grad.shape == z.shape
    if name == "exponential":
        # where the mathematics exceeds the largest float, exp is held at that value (finite, never inf)
        overflow = z > math.log(np.finfo(dtype).max)
        assert np.all(a[overflow] == np.finfo(dtype).max) and np.all(np.isfinite(a))
        assert np.all(grad[overflow] == np.finfo(dtype).max) and np.all(np.isfinite(grad))
    else:
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_limit_values_at_plus_minus_1e4(name, dtype):
    act = activations.get(name)
    z = np.array([[-1e4, 1e4]], dtype=dtype)
    with np.errstate(**STRICT):
        a = act.forward(z)
        d = act.backward(np.ones_like(z), z, a)
    # an infinite limit is held at the dtype's largest value (the exponential: see its docstring)
    (a_lo, a_hi), (d_lo, d_hi) = np.minimum(LIMITS[name], np.finfo(dtype).max)
    np.testing.assert_allclose(a[0], [a_lo, a_hi], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d[0], [d_lo, d_hi], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_stable_at_extremes(dtype):
    act = activations.get("softmax")
    z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = act.forward(z)
        grad = act.backward(np.ones_like(z), z, a)
    assert a.dtype == dtype and grad.dtype == dtype
    np.testing.assert_allclose(a, [[0, 0, 1], [0.5, 0.5, 0]], atol=1e-7)
    np.testing.assert_allclose(grad, 0, atol=1e-7)  # softmax sums to 1, so a uniform upstream gradient vanishes


@pytest.mark.parametrize("name", NAMES)
def test_float32_agrees_with_float64(name):
    act = activations.get(name)
    z = away_from_kinks((4, 6), np.random.default_rng(5))
    g = np.random.default_rng(6).normal(size=z.shape)
    a64 = act.forward(z)
    a32 = act.forward(z.astype(np.float32))
    b32 = act.backward(g.astype(np.float32), z.astype(np.float32), a32)
    assert a32.dtype == np.float32 and b32.dtype == np.float32
    np.testing.assert_allclose(a32, a64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b32, act.backward(g, z, a64), rtol=1e-4, atol=1e-5)


# --- registry ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_returns_the_registered_class(name):
    act = activations.get(name)
    assert type(act) is activations.ACTIVATIONS[name]
    assert act.name == name
    assert type(activations.get(name.upper())) is type(act)
    assert activations.get(act) is act


@pytest.mark.parametrize("alias, target", [("identity", activations.Linear), ("logistic", activations.Sigmoid),
                                           ("silu", activations.Swish), ("exp", activations.Exponential)])
def test_aliases(alias, target):
    assert type(activations.get(alias)) is target
    assert type(activations.get({"name": alias})) is target


def test_none_means_linear():
    assert type(activations.get(None)) is activations.Linear


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    act = activations.get(name)
    config = act.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = activations.get(config)
    assert rebuilt == act and rebuilt.get_config() == config
    assert hash(rebuilt) == hash(act)


@pytest.mark.parametrize("act", [activations.LeakyReLU(alpha=0.3), activations.ELU(alpha=0.5)])
def test_config_round_trip_keeps_parameters(act):
    rebuilt = activations.get(act.get_config())
    assert rebuilt == act and rebuilt.alpha == act.alpha
    assert rebuilt != type(act)()
    assert f"alpha={act.alpha!r}" in repr(act)


def test_unknown_name_lists_valid_names_and_suggests_the_closest():
    with pytest.raises(ValueError) as info:
        activations.get("rleu")
    message = str(info.value)
    assert "'rleu'" in message and "Did you mean 'relu'?" in message
    for name in NAMES:
        assert repr(name) in message
    with pytest.raises(ValueError, match="Did you mean 'sigmoid'"):
        activations.get({"name": "sigmod"})


def test_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="activation"):
        activations.get(3)


def test_bad_alpha_names_the_parameter():
    with pytest.raises(ValueError, match="alpha"):
        activations.LeakyReLU(alpha=-0.1)
    with pytest.raises(TypeError, match="alpha"):
        activations.ELU(alpha="one")


def test_relu_family_names_are_registered():
    assert set(activations.RELU_FAMILY) <= set(NAMES)
