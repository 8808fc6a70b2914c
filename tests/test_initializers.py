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
                                  initializers.RandomUniform(minval=-2.0, maxval=3.0)])
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
