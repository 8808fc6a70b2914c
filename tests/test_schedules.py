"""Learning-rate schedules against their closed forms, written out here step by step."""

from __future__ import annotations

import json
import math

import pytest

from glassnet import schedules

NAMES = sorted(schedules.SCHEDULES)

#: example constructor arguments per schedule (every registered schedule needs one)
EXAMPLES = {
    "constant": {"initial_learning_rate": 0.3},
    "step_decay": {"initial_learning_rate": 0.1, "drop": 0.25, "step_size": 7},
    "exponential": {"initial_learning_rate": 0.2, "decay_steps": 50, "decay_rate": 0.9, "staircase": True},
    "inverse_scaling": {"initial_learning_rate": 0.5, "power_t": 0.25},
    "cosine": {"initial_learning_rate": 0.1, "decay_steps": 40, "alpha": 0.2},
}


def test_constant():
    s = schedules.Constant(0.05)
    assert [s(t) for t in (0, 1, 10, 10**6)] == [0.05] * 4


def test_step_decay():
    s = schedules.StepDecay(0.1, drop=0.5, step_size=10)
    expected = {0: 0.1, 9: 0.1, 10: 0.05, 19: 0.05, 20: 0.025, 35: 0.0125}
    for step, lr in expected.items():
        assert s(step) == pytest.approx(lr, rel=1e-15)


def test_exponential_decay_smooth_and_staircase():
    smooth = schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
    # 0.1 * 0.5 ** (step / 100), by hand: 0.5 ** 0.5 = 1 / sqrt(2)
    assert smooth(0) == pytest.approx(0.1)
    assert smooth(50) == pytest.approx(0.1 / math.sqrt(2), rel=1e-14)
    assert smooth(100) == pytest.approx(0.05, rel=1e-14)
    assert smooth(150) == pytest.approx(0.05 / math.sqrt(2), rel=1e-14)
    assert stairs(50) == pytest.approx(0.1)
    assert stairs(99) == pytest.approx(0.1)
    assert stairs(150) == pytest.approx(0.05, rel=1e-14)
    assert stairs(200) == pytest.approx(0.025, rel=1e-14)


def test_inverse_scaling():
    s = schedules.InverseScaling(0.1, power_t=0.5)  # 0.1 / sqrt(step + 1)
    assert s(0) == pytest.approx(0.1)
    assert s(3) == pytest.approx(0.05, rel=1e-14)
    assert s(8) == pytest.approx(0.1 / 3, rel=1e-14)
    assert schedules.InverseScaling(0.1, power_t=0.0)(1000) == pytest.approx(0.1)


def test_cosine_decay():
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    # halfway the cosine factor is 1/2: 0.1 * (0.9 * 0.5 + 0.1); a quarter in it is (1 + 1/sqrt2)/2
    assert s(0) == pytest.approx(0.1, rel=1e-14)
    assert s(25) == pytest.approx(0.1 * (0.9 * (1 + 1 / math.sqrt(2)) / 2 + 0.1), rel=1e-14)
    assert s(50) == pytest.approx(0.055, rel=1e-14)
    assert s(100) == pytest.approx(0.01, rel=1e-14)
    assert s(500) == pytest.approx(0.01, rel=1e-14)  # held at alpha * initial after decay_steps
    assert schedules.CosineDecay(1.0, decay_steps=10)(10) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    if name not in EXAMPLES:
        pytest.fail(f"schedule {name!r} has no example arguments in this test: add one to EXAMPLES")
    s = schedules.SCHEDULES[name](**EXAMPLES[name])
    config = s.get_config()
    assert config == {"name": name, **EXAMPLES[name]}
    assert json.loads(json.dumps(config)) == config
    rebuilt = schedules.get(config)
    assert type(rebuilt) is type(s) and rebuilt.get_config() == config
    assert [rebuilt(t) for t in (0, 1, 7, 33, 100, 1000)] == [s(t) for t in (0, 1, 7, 33, 100, 1000)]
    assert schedules.get(s) is s
    assert repr(s).startswith(type(s).__name__ + "(")


@pytest.mark.parametrize("name", NAMES)
def test_starts_at_the_initial_learning_rate_and_never_increases(name):
    s = schedules.SCHEDULES[name](**EXAMPLES[name])
    values = [s(t) for t in range(0, 300)]
    assert values[0] == pytest.approx(EXAMPLES[name]["initial_learning_rate"])
    assert all(b <= a + 1e-15 for a, b in zip(values, values[1:]))
    assert all(v > 0 for v in values)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lr", [0.0, -0.1, math.inf])
def test_bad_initial_learning_rate(name, lr):
    with pytest.raises(ValueError, match="initial_learning_rate"):
        schedules.SCHEDULES[name](**{**EXAMPLES[name], "initial_learning_rate": lr})


@pytest.mark.parametrize("cls, kwargs, param, error", [
    (schedules.StepDecay, {"drop": 0.0}, "drop", ValueError),
    (schedules.StepDecay, {"drop": 1.5}, "drop", ValueError),
    (schedules.StepDecay, {"step_size": 0}, "step_size", ValueError),
    (schedules.StepDecay, {"step_size": 2.5}, "step_size", TypeError),
    (schedules.ExponentialDecay, {"decay_steps": 0}, "decay_steps", ValueError),
    (schedules.ExponentialDecay, {"decay_rate": 0.0}, "decay_rate", ValueError),
    (schedules.InverseScaling, {"power_t": -0.5}, "power_t", ValueError),
    (schedules.CosineDecay, {"alpha": 1.5}, "alpha", ValueError),
    (schedules.CosineDecay, {"decay_steps": -3}, "decay_steps", ValueError),
    (schedules.Constant, {"initial_learning_rate": "0.1"}, "initial_learning_rate", TypeError),
])
def test_bad_parameters_name_themselves(cls, kwargs, param, error):
    with pytest.raises(error, match=param):
        cls(**{"initial_learning_rate": 0.1, **kwargs})


def test_get_unknown_names():
    with pytest.raises(ValueError) as info:
        schedules.get({"name": "cosin", "initial_learning_rate": 0.1})
    assert "Did you mean 'cosine'?" in str(info.value)
    for name in NAMES:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="Unknown schedule"):
        schedules.get("warmup")


def test_get_a_bare_known_name_says_parameters_are_needed():
    with pytest.raises(TypeError, match="initial_learning_rate"):
        schedules.get("cosine")
