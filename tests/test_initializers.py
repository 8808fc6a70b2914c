"""Initialisers against the formulas in the module docstring: moments, bounds and distribution tests."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from glassnet import initializers

NAMES = sorted(initializers.INITIALIZERS)
FAN_IN, FAN_OUT = 150, 250

#: name -> (distribution, variance) for shape (FAN_IN, FAN_OUT), from the table in the module docstring
VARIANCE_SCALING = {
    "glorot_uniform": ("uniform", 2 / (FAN_IN + FAN_OUT)),  # l = sqrt(6 / (fan_in + fan_out)), var = l^2 / 3
    "glorot_normal": ("normal", 2 / (FAN_IN + FAN_OUT)),
    "he_uniform": ("uniform", 2 / FAN_IN),
    "he_normal": ("normal", 2 / FAN_IN),
    "lecun_normal": ("normal", 1 / FAN_IN),
    "variance_scaling": ("truncated_normal", 1 / FAN_IN),  # Keras's defaults: scale 1, fan_in, truncated normal
}
#: name -> (constructor kwargs, distribution, mean, variance)
EXPLICIT = {
    "random_normal": ({}, "normal", 0.0, 0.05**2),
    "random_uniform": ({}, "uniform", 0.0, 0.1**2 / 12),
    "zeros": ({}, "constant", 0.0, 0.0),
    "ones": ({}, "constant", 1.0, 0.0),
}


def check_moments(sample, mean, variance, distribution):
    """Mean and variance within 5 standard errors of the formula."""
    n = sample.size
    sample = sample.astype(np.float64).ravel()
    assert abs(sample.mean() - mean) < 5 * math.sqrt(variance / n)
    # var of the sample variance: 2 sigma^4 / n for a normal, (9/5 - 1) sigma^4 / n for a uniform
    excess = 2.0 if distribution == "normal" else 0.8
    assert abs(sample.var() - variance) < 5 * variance * math.sqrt(excess / n)


@pytest.mark.parametrize("name", NAMES)
def test_every_initialiser_has_a_formula_here(name):
    assert name in VARIANCE_SCALING or name in EXPLICIT, f"add {name!r} to this test's formulas"


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_moments_and_distribution(name):
    distribution, variance = VARIANCE_SCALING[name]
    W = initializers.get(name)((FAN_IN, FAN_OUT), np.random.default_rng(0), np.float64)
    assert W.shape == (FAN_IN, FAN_OUT)
    check_moments(W, 0.0, variance, distribution)
    sd = math.sqrt(variance)
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
        reference = stats.uniform(loc=-limit, scale=2 * limit)
    elif distribution == "truncated_normal":
        s = sd / initializers.TRUNCATED_NORMAL_STDDEV
        assert np.abs(W).max() <= 2 * s
        reference = stats.truncnorm(-2, 2, scale=s)
    else:
        reference = stats.norm(scale=sd)
        # untruncated: values beyond two standard deviations occur (about 4.6 % of them)
        assert 0.04 < np.mean(np.abs(W) > 2 * sd) < 0.052
    assert stats.kstest(W.ravel(), reference.cdf).pvalue > 1e-3


@pytest.mark.parametrize("name", sorted(EXPLICIT))
def test_explicit_initialisers_moments(name):
    kwargs, distribution, mean, variance = EXPLICIT[name]
    W = initializers.get(name)((FAN_IN, FAN_OUT), np.random.default_rng(1))
    if distribution == "constant":
        np.testing.assert_array_equal(W, mean)
    else:
        check_moments(W, mean, variance, distribution)


def test_random_normal_and_uniform_use_their_parameters():
    rng = np.random.default_rng(2)
    W = initializers.RandomNormal(mean=0.3, stddev=0.2)((300, 300), rng, np.float64)
    check_moments(W, 0.3, 0.04, "normal")
    U = initializers.RandomUniform(minval=-0.1, maxval=0.5)((300, 300), rng, np.float64)
    check_moments(U, 0.2, 0.6**2 / 12, "uniform")
    assert U.min() >= -0.1 and U.max() <= 0.5


def test_bias_shape_uses_its_length_as_both_fans():
    b = initializers.get("he_uniform")((40_000,), np.random.default_rng(3), np.float64)
    assert b.shape == (40_000,)
    check_moments(b, 0.0, 2 / 40_000, "uniform")


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_values_and_global_rng_untouched(name):
    init = initializers.get(name)
    np.random.seed(1234)
    before = np.random.get_state()
    a = init((7, 5), np.random.default_rng(42))
    b = init((7, 5), np.random.default_rng(42))
    after = np.random.get_state()
    np.testing.assert_array_equal(a, b)
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])
    if name not in ("zeros", "ones"):
        assert not np.array_equal(a, init((7, 5), np.random.default_rng(43)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_dtype(name, dtype):
    assert initializers.get(name)((3, 4), np.random.default_rng(0), dtype).dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", NAMES)
def test_default_dtype_is_float32(name):
    assert initializers.get(name)((3, 4), np.random.default_rng(0)).dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    init = initializers.get(name)
    assert type(init) is initializers.INITIALIZERS[name] and init.name == name
    config = init.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = initializers.get(config)
    assert rebuilt == init and rebuilt.get_config() == config
    assert initializers.get(init) is init
    assert type(initializers.get(name.upper())) is type(init)


@pytest.mark.parametrize("init", [initializers.RandomNormal(mean=1.0, stddev=0.5),
                                  initializers.RandomUniform(minval=-2.0, maxval=3.0),
                                  initializers.VarianceScaling(2.5, mode="fan_avg", distribution="uniform")])
def test_config_round_trip_keeps_parameters(init):
    rebuilt = initializers.get(init.get_config())
    assert rebuilt == init and rebuilt != type(init)()
    np.testing.assert_array_equal(rebuilt((4, 4), np.random.default_rng(5)), init((4, 4), np.random.default_rng(5)))


def test_unknown_names():
    with pytest.raises(ValueError) as info:
        initializers.get("he_norml")
    assert "Did you mean 'he_normal'?" in str(info.value)
    for name in NAMES:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get({"name": "orthogonal"})
    with pytest.raises(TypeError, match="initializer"):
        initializers.get(0.5)


def test_bad_parameters_name_themselves():
    with pytest.raises(ValueError, match="stddev"):
        initializers.RandomNormal(stddev=-1.0)
    with pytest.raises(ValueError, match="maxval"):
        initializers.RandomUniform(minval=1.0, maxval=0.0)
    with pytest.raises(ValueError, match="mean"):
        initializers.RandomNormal(mean=math.nan)


# --------------------------------------------------------------------------------------------------
# VarianceScaling: Keras's definitions
# --------------------------------------------------------------------------------------------------

def test_truncated_normal_correction_is_the_std_of_a_normal_truncated_at_two():
    # Keras's constant against the closed form: Var = 1 - 2 * 2 phi(2) / (Phi(2) - Phi(-2))
    closed_form = math.sqrt(1 - 4 * stats.norm.pdf(2) / (stats.norm.cdf(2) - stats.norm.cdf(-2)))
    assert initializers.TRUNCATED_NORMAL_STDDEV == pytest.approx(closed_form, rel=1e-15)
    assert closed_form == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-12)


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_has_variance_scale_over_fan(mode, distribution):
    fan_in, fan_out, scale = 300, 700, 1.7
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / n  # Keras: scale / max(1, n)
    W = initializers.VarianceScaling(scale, mode, distribution)((fan_in, fan_out), np.random.default_rng(7),
                                                                np.float64)
    assert W.shape == (fan_in, fan_out)
    check_moments(W, 0.0, variance, "uniform" if distribution == "uniform" else "normal")
    reference = {"truncated_normal": stats.truncnorm(-2, 2, scale=math.sqrt(variance) / 0.87962566103423978),
                 "untruncated_normal": stats.norm(scale=math.sqrt(variance)),
                 "uniform": stats.uniform(-math.sqrt(3 * variance), 2 * math.sqrt(3 * variance))}[distribution]
    assert stats.kstest(W.ravel(), reference.cdf).pvalue > 1e-3
    if distribution == "truncated_normal":  # nothing beyond two (uncorrected) standard deviations
        assert np.abs(W).max() <= 2 * math.sqrt(variance) / 0.87962566103423978


def test_variance_scaling_of_one_input_and_of_a_bias():
    W = initializers.VarianceScaling(3.0, "fan_in", "uniform")((1, 20_000), np.random.default_rng(0), np.float64)
    check_moments(W, 0.0, 3.0, "uniform")
    b = initializers.VarianceScaling(1.0, "fan_out", "untruncated_normal")((50_000,), np.random.default_rng(1),
                                                                           np.float64)
    check_moments(b, 0.0, 1 / 50_000, "normal")


@pytest.mark.parametrize("name, arguments", [("glorot_uniform", (1.0, "fan_avg", "uniform")),
                                             ("glorot_normal", (1.0, "fan_avg", "untruncated_normal")),
                                             ("he_uniform", (2.0, "fan_in", "uniform")),
                                             ("he_normal", (2.0, "fan_in", "untruncated_normal")),
                                             ("lecun_normal", (1.0, "fan_in", "untruncated_normal"))])
def test_named_initialisers_are_variance_scalings(name, arguments):
    named = initializers.get(name)((30, 40), np.random.default_rng(3))
    general = initializers.VarianceScaling(*arguments)((30, 40), np.random.default_rng(3))
    np.testing.assert_array_equal(named, general)


def test_variance_scaling_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(TypeError, match="scale"):
        initializers.VarianceScaling(scale="2")
    with pytest.raises(ValueError, match="mode.*fan_avg"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="truncated_normal"):
        initializers.VarianceScaling(distribution="normal")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="gaussian")
    with pytest.raises(TypeError, match="distribution"):
        initializers.VarianceScaling(distribution=None)


def test_variance_scaling_by_name_and_keras_like_config():
    init = initializers.get({"name": "variance_scaling", "scale": 2.0, "mode": "fan_in",
                             "distribution": "truncated_normal"})
    assert init == initializers.VarianceScaling(2.0)
    assert initializers.get("variance_scaling") == initializers.VarianceScaling()


# --------------------------------------------------------------------------------------------------
# Callables with Keras's signature f(shape, dtype=None)
# --------------------------------------------------------------------------------------------------

def test_keras_style_callable_gets_shape_and_dtype_name():
    calls = []

    def constant(shape, dtype=None):
        calls.append((shape, dtype))
        return np.full(shape, 0.25)

    import glassnet as gn
    model = gn.Sequential([gn.Dense(3, kernel_initializer=constant, bias_initializer=constant, input_dim=2)],
                          dtype="float64")
    assert calls == [((2, 3), "float64"), ((3,), "float64")]  # Keras's kernel layout (in, out), then the bias
    W, b = model.get_weights()
    assert W.dtype == np.float64 and np.all(W == 0.25) and np.all(b == 0.25)


def test_callable_with_its_own_seeded_generator_is_deterministic_and_global_state_untouched():
    import glassnet as gn

    def keras_style(shape, dtype=None):  # what a Keras user writes: no rng parameter, its own seed
        return np.random.default_rng(123).normal(0.0, 0.1, size=shape)

    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = gn.Sequential([gn.Dense(4, kernel_initializer=keras_style, input_dim=3)], seed=1).get_weights()[0]
    b = gn.Sequential([gn.Dense(4, kernel_initializer=keras_style, input_dim=3)], seed=2).get_weights()[0]
    np.testing.assert_array_equal(a, b)  # the model's seed cannot reach it: its values are its own
    np.testing.assert_array_equal(a, np.random.default_rng(123).normal(0.0, 0.1, size=(3, 4)).astype(np.float32))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_callable_taking_rng_follows_the_model_seed():
    import glassnet as gn

    def small_normal(shape, dtype=None, rng=None):
        return rng.normal(0.0, 0.01, size=shape)

    def weights(seed):
        return gn.Sequential([gn.Dense(4, kernel_initializer=small_normal, input_dim=3)], seed=seed).get_weights()[0]

    np.testing.assert_array_equal(weights(5), weights(5))
    assert not np.array_equal(weights(5), weights(6))
    assert 0 < np.abs(weights(5)).max() < 0.06


def test_callable_results_are_checked():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(3, 2\)"):
        initializers.get(lambda shape, dtype=None: np.zeros((3, 2)))((2, 3), np.random.default_rng(0))
    with pytest.raises(ValueError, match="NaN"):
        initializers.get(lambda shape, dtype=None: np.full(shape, np.nan))((2, 3), np.random.default_rng(0))
    with pytest.raises(TypeError, match="array of numbers"):
        initializers.get(lambda shape, dtype=None: "zeros")((2, 3), np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"HeNormal\(\)"):
        initializers.get(initializers.HeNormal)


def test_callable_config_names_the_function_and_a_stand_in_refuses_to_draw():
    def my_init(shape, dtype=None):
        return np.ones(shape)

    init = initializers.get(my_init)
    config = init.get_config()
    assert config == {"name": "callable", "function": f"{__name__}.{my_init.__qualname__}"}
    assert json.loads(json.dumps(config)) == config
    stand_in = initializers.get(config)
    assert stand_in.get_config() == config
    with pytest.raises(ValueError, match="give the function again"):
        stand_in((2, 2), np.random.default_rng(0))
