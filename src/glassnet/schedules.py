"""Learning-rate schedules: the learning rate as a function of the optimiser's step count.

A schedule is called with the number of optimiser steps taken so far (0 for the first step) and returns the
learning rate for that step. Pass one as ``learning_rate`` to any optimiser.
"""

from __future__ import annotations

import math

from ._registry import Configurable, resolve
from ._validation import check_float, check_int

__all__ = ["SCHEDULES", "Constant", "CosineDecay", "ExponentialDecay", "InverseScaling", "Schedule",
           "StepDecay", "get"]


class Schedule(Configurable):
    """Base class: ``schedule(step) -> learning rate``."""

    name = "schedule"

    def __init__(self, initial_learning_rate: float):
        self.initial_learning_rate = check_float(initial_learning_rate, "initial_learning_rate", minimum=0.0,
                                                 include_min=False)

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "initial_learning_rate": self.initial_learning_rate}


class Constant(Schedule):
    """``lr = initial_learning_rate`` at every step."""

    name = "constant"

    def __call__(self, step):
        return self.initial_learning_rate


class StepDecay(Schedule):
    """``lr = initial * drop ** floor(step / step_size)``: the rate falls by ``drop`` every ``step_size`` steps."""

    name = "step_decay"

    def __init__(self, initial_learning_rate: float, drop: float = 0.5, step_size: int = 1000):
        super().__init__(initial_learning_rate)
        self.drop = check_float(drop, "drop", minimum=0.0, maximum=1.0, include_min=False)
        self.step_size = check_int(step_size, "step_size", minimum=1)

    def __call__(self, step):
        return self.initial_learning_rate * self.drop ** (step // self.step_size)

    def get_config(self):
        return {**super().get_config(), "drop": self.drop, "step_size": self.step_size}


class ExponentialDecay(Schedule):
    """``lr = initial * decay_rate ** (step / decay_steps)`` (integer division with ``staircase``), as Keras."""

    name = "exponential"

    def __init__(self, initial_learning_rate: float, decay_steps: int = 1000, decay_rate: float = 0.96,
                 staircase: bool = False):
        super().__init__(initial_learning_rate)
        self.decay_steps = check_int(decay_steps, "decay_steps", minimum=1)
        self.decay_rate = check_float(decay_rate, "decay_rate", minimum=0.0, include_min=False)
        self.staircase = bool(staircase)

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)

    def get_config(self):
        return {**super().get_config(), "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


class InverseScaling(Schedule):
    """``lr = initial / (step + 1) ** power_t`` (scikit-learn's ``invscaling``, counted in steps)."""

    name = "inverse_scaling"

    def __init__(self, initial_learning_rate: float, power_t: float = 0.5):
        super().__init__(initial_learning_rate)
        self.power_t = check_float(power_t, "power_t", minimum=0.0)

    def __call__(self, step):
        return self.initial_learning_rate / (step + 1) ** self.power_t

    def get_config(self):
        return {**super().get_config(), "power_t": self.power_t}


class CosineDecay(Schedule):
    """``lr = initial * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2 + alpha)``."""

    name = "cosine"

    def __init__(self, initial_learning_rate: float, decay_steps: int = 1000, alpha: float = 0.0):
        super().__init__(initial_learning_rate)
        self.decay_steps = check_int(decay_steps, "decay_steps", minimum=1)
        self.alpha = check_float(alpha, "alpha", minimum=0.0, maximum=1.0)

    def __call__(self, step):
        cosine = 0.5 * (1 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {**super().get_config(), "decay_steps": self.decay_steps, "alpha": self.alpha}


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Constant, StepDecay, ExponentialDecay, InverseScaling, CosineDecay)
}


def get(config: dict | Schedule) -> Schedule:
    """Rebuild a schedule from its config dict, or return a Schedule as is."""
    if isinstance(config, str) and config in SCHEDULES:
        # a bare name cannot be built: every schedule needs at least its initial learning rate
        raise TypeError(f"schedule {config!r} needs its parameters: pass a Schedule or a config dict such as "
                        f"{{'name': {config!r}, 'initial_learning_rate': 0.01}}")
    return resolve(config, SCHEDULES, "schedule", Schedule)
