"""TensorFlow Playground's data sets and input features, in NumPy, seeded.

Points lie in the square [-6, 6]^2 (the plane the page draws). Classification labels are 0 and 1 (TensorFlow
Playground's -1 and +1), regression targets lie in [-1, 1]. ``noise`` is a fraction in [0, 0.5], the page's
0-50 %. Each generator follows TensorFlow Playground's ``dataset.ts`` (Apache 2.0), with one
``np.random.Generator`` in place of its global ``Math.random``; ``moons`` is glassnet's own addition (the two
half circles of :func:`glassnet.datasets.make_moons`, scaled to the plane)::

    X, y = make_dataset("spiral", n_samples=500, noise=0.1, seed=0)
    F = features(X, ["x1", "x2", "sinx1"])        # the network's inputs, one column per feature
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["CLASSIFICATION", "DOMAIN", "FEATURES", "REGRESSION", "features", "make_dataset", "split"]

#: The plane the page draws: both coordinates in [-DOMAIN, DOMAIN].
DOMAIN = 6.0
#: The classification data sets, with what they are.
CLASSIFICATION = {
    "circle": "a disc inside a ring",
    "xor": "the four quadrants, opposite ones alike",
    "gauss": "two Gaussian clouds",
    "spiral": "two interleaved spiral arms",
    "moons": "two interleaving half circles",
}
#: The regression data sets, with what they are.
REGRESSION = {
    "reg-plane": "a tilted plane, y = (x1 + x2) / 10",
    "reg-gauss": "six Gaussian bumps, up and down",
}
#: The input features, with how each is computed from a point (x1, x2).
FEATURES = {
    "x1": "x1",
    "x2": "x2",
    "x1sq": "x1²",
    "x2sq": "x2²",
    "x1x2": "x1·x2",
    "sinx1": "sin(x1)",
    "sinx2": "sin(x2)",
}


def make_dataset(name: str, n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The points ``X`` of shape (n_samples, 2) and their labels or targets ``y`` of shape (n_samples,).

    Classification sets give ``y`` in {0, 1} (int64); regression sets give float64 targets in [-1, 1].
    """
    if name not in _GENERATORS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(_GENERATORS)}")
    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](int(n_samples), float(noise), rng)
    return X.astype(np.float64), (y.astype(np.float64) if name in REGRESSION else y.astype(np.int64))


def features(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The network's inputs: one column per named feature of the points ``X`` (shape (n, 2)), in order."""
    x1, x2 = X[:, 0], X[:, 1]
    columns = {"x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1, "x2sq": lambda: x2 * x2,
               "x1x2": lambda: x1 * x2, "sinx1": lambda: np.sin(x1), "sinx2": lambda: np.sin(x2)}
    return np.column_stack([columns[name]() for name in names]) if len(names) else np.empty((len(X), 0))


def split(n_samples: int, train_percent: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the training and the test points: a seeded shuffle cut at ``train_percent`` %."""
    order = np.random.default_rng([seed, 1]).permutation(n_samples)
    cut = min(max(round(n_samples * train_percent / 100), 1), n_samples - 1)
    return np.sort(order[:cut]), np.sort(order[cut:])


# --- the generators: each (n, noise, rng) -> (X, y) --------------------------------------------------------------
def _circle(n, noise, rng):
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = X + rng.uniform(-radius, radius, (n, 2)) * noise
    # the label is read off the noisy point, as TensorFlow Playground does, but the point drawn is the clean one
    return X, (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(int)


def _xor(n, noise, rng):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # a margin around both axes
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    return X, (shifted[:, 0] * shifted[:, 1] >= 0).astype(int)


def _gauss(n, noise, rng):
    spread = 0.5 + 3.5 * noise / 0.5  # TensorFlow Playground's variance scale, 0.5 to 4 over noise 0 to 0.5
    half = n // 2
    X = np.concatenate([rng.normal(2, spread, (half, 2)), rng.normal(-2, spread, (n - half, 2))])
    y = np.concatenate([np.ones(half, int), np.zeros(n - half, int)])
    return X, y


def _spiral(n, noise, rng):
    half = n // 2
    parts, labels = [], []
    for size, delta, label in ((half, 0.0, 1), (n - half, math.pi, 0)):
        i = np.arange(size)
        r = i / size * 5
        t = 1.75 * i / size * 2 * math.pi + delta
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (size, 2)) * noise)
        labels.append(np.full(size, label))
    return np.concatenate(parts), np.concatenate(labels)


def _moons(n, noise, rng):
    half = n - n // 2
    t_out, t_in = np.linspace(0, math.pi, half), np.linspace(0, math.pi, n - half)
    X = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])])
    X = (X - [0.5, 0.25]) * 3.2 + rng.normal(0, 1, (n, 2)) * noise * 3.2
    return X, np.concatenate([np.zeros(half, int), np.ones(n - half, int)])


def _reg_plane(n, noise, rng):
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    shifted = X + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    return X, np.clip((shifted[:, 0] + shifted[:, 1]) / 10, -1, 1)


_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _reg_gauss(n, noise, rng):
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    shifted = X + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    # each bump's label falls from +-1 at its centre to 0 at distance 2; a point takes the strongest bump
    heights = np.stack([sign * np.clip(1 - np.hypot(shifted[:, 0] - cx, shifted[:, 1] - cy) / 2, 0, 1)
                        for cx, cy, sign in _BUMPS])
    strongest = np.argmax(np.abs(heights), axis=0)
    return X, heights[strongest, np.arange(n)]


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
               "reg-plane": _reg_plane, "reg-gauss": _reg_gauss}


def previews(n_samples: int = 150) -> dict[str, list[list[float]]]:
    """A small sample of every data set, ``[x1, x2, target]`` rows rounded to 3 digits, for the page's buttons."""
    out = {}
    for name in (*CLASSIFICATION, *REGRESSION):
        X, y = make_dataset(name, n_samples, 0.0, 0)
        out[name] = np.round(np.column_stack([X, y]), 3).tolist()
    return out
