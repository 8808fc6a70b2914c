"""The guided tour: from a single neuron's limit to multi-layer networks that overcome it.

Each scenario is a function that trains something and returns its results as a dict, so tests and the report
can use them; ``run_tour`` prints them as short tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from . import datasets
from .layers import BatchNorm, Dense, Dropout
from .model import Sequential
from .optimizers import SGD, Adam


def xor_single_layer(seed: int = 0, epochs: int = 2000) -> dict:
    """A single sigmoid unit on XOR: it cannot separate the classes, whatever it tries."""
    X, y = datasets.make_xor()
    model = Sequential([Dense(1, activation="sigmoid")], input_dim=2, seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=SGD(0.5), metrics=["accuracy"])
    history = model.fit(X, y, epochs=epochs, batch_size=None, verbose=0)
    return {"name": "XOR, one neuron", "accuracy": history.history["accuracy"][-1],
            "loss": history.history["loss"][-1], "predictions": model.predict(X).ravel()}


def xor_mlp(seed: int = 0, epochs: int = 2000) -> dict:
    """A 2-4-1 network on XOR: the hidden layer bends the space so one line separates the classes."""
    X, y = datasets.make_xor()
    model = Sequential([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")], input_dim=2, seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=SGD(0.5, momentum=0.9), metrics=["accuracy"])
    history = model.fit(X, y, epochs=epochs, batch_size=None, verbose=0)
    return {"name": "XOR, 2-4-1 MLP", "accuracy": history.history["accuracy"][-1],
            "loss": history.history["loss"][-1], "predictions": model.predict(X).ravel()}


def classify(name: str, X, y, hidden=(16, 16), epochs=100, seed=0, dropout=0.0, batch_norm=False) -> dict:
    """Train a ReLU MLP on a 70/30 split and report train and test accuracy."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    cut = int(0.7 * len(X))
    train, test = order[:cut], order[cut:]
    n_classes = int(y.max()) + 1
    layers = []
    for units in hidden:
        layers.append(Dense(units, activation="relu"))
        if batch_norm:
            layers.append(BatchNorm())
        if dropout:
            layers.append(Dropout(dropout))
    layers.append(Dense(n_classes, activation="softmax"))
    model = Sequential(layers, input_dim=X.shape[1], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(0.01), metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(X[train], y[train], epochs=epochs, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    return {"name": name, "train_accuracy": model.evaluate(X[train], y[train])["accuracy"],
            "test_accuracy": model.evaluate(X[test], y[test])["accuracy"], "seconds": seconds,
            "parameters": model.count_params()[0]}


def run_tour(quick: bool = False, seed: int = 0, echo: Callable[[str], None] = print) -> list[dict]:
    """Run every scenario and print a short table of each. Returns the results."""
    scale = 0.25 if quick else 1.0
    results = []
    echo("glassnet tour: from one neuron to multi-layer networks\n")
    for scenario in (xor_single_layer, xor_mlp):
        r = scenario(seed=seed, epochs=int(2000 * scale))
        results.append(r)
        preds = " ".join(f"{p:.2f}" for p in r["predictions"])
        echo(f"  {r['name']:<18} accuracy {r['accuracy']:.2f}   loss {r['loss']:.4f}   "
             f"outputs for 00 01 10 11: {preds}")
    echo("\n  One neuron draws one straight line, and no line separates XOR; four hidden units can.\n")
    epochs = max(10, int(100 * scale))
    problems = [
        ("moons", *datasets.make_moons(n_samples=600, noise=0.2, random_state=seed), {}),
        ("circles", *datasets.make_circles(n_samples=600, noise=0.1, factor=0.5, random_state=seed), {}),
        ("spiral (3 classes)", *datasets.make_spiral(n_samples=600, n_classes=3, noise=0.2, random_state=seed),
         {"hidden": (64, 64)}),
        ("digits (64 px)", *datasets.load_digits(), {"hidden": (128,), "batch_norm": True, "dropout": 0.2}),
    ]
    echo(f"  {'problem':<20}{'params':>8}{'train acc':>11}{'test acc':>10}{'seconds':>9}")
    for name, X, y, kwargs in problems:
        r = classify(name, X, y, epochs=epochs, seed=seed, **kwargs)
        results.append(r)
        echo(f"  {name:<20}{r['parameters']:>8}{r['train_accuracy']:>11.3f}{r['test_accuracy']:>10.3f}"
             f"{r['seconds']:>9.2f}")
    echo("\nDone.")
    return results
