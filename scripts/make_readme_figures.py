"""Regenerate the pictures shown in README.md (docs/images/*.png).

Trains a few small models with fixed seeds and draws them with :mod:`glassnet.plots`, so the same code and
versions give the same images. Takes a few seconds on a laptop CPU::

    python scripts/make_readme_figures.py            # writes docs/images/*.png
    python scripts/make_readme_figures.py --out DIR  # somewhere else
"""

from __future__ import annotations

import argparse
import io
import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

import glassnet as gn
from glassnet import plots

DPI = 100
ROOT = Path(__file__).resolve().parents[1]


def write_png(fig, path: Path) -> int:
    """Write ``fig`` as a 256-colour PNG (a third of the size, the same look), atomically; return its size."""
    image = Image.open(io.BytesIO(plots.figure_to_png_bytes(fig, dpi=DPI))).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=256).save(buffer, format="PNG", optimize=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(buffer.getvalue())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return len(buffer.getvalue())


def noisy_xor(n_per_corner: int = 40, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """XOR as clouds around the four corners of the unit square (the truth table with noise)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = np.repeat(corners, n_per_corner, axis=0) + rng.normal(scale=noise, size=(4 * n_per_corner, 2))
    y = np.repeat([0, 1, 1, 0], n_per_corner)
    return X, y


def split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: int = 0):
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def xor_figures() -> dict:
    """A 2-4-1 tanh network learns XOR: its decision boundary and what each hidden unit does."""
    X, y = noisy_xor()
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=1)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.05), metrics=["accuracy"])
    model.fit(X, y, epochs=150, batch_size=32, verbose=0)
    return {"xor_decision_boundary": plots.plot_decision_boundary(model, X, y, resolution=150),
            "xor_hidden_units": plots.plot_hidden_neuron_maps(model, X, y, resolution=80)}


def moons_figures() -> dict:
    """An MLP on two moons, with a validation split for the curves and a held-out test set on the picture."""
    X, y = gn.datasets.make_moons(300, noise=0.25, random_state=0)
    X_train, y_train, X_test, y_test = split(X, y)
    model = gn.Sequential([gn.Dense(16, activation="relu"), gn.Dense(16, activation="relu"),
                           gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.01), metrics=["accuracy"])
    history = model.fit(X_train, y_train, epochs=120, batch_size=32, validation_split=0.2, verbose=0)
    return {"moons_decision_boundary": plots.plot_decision_boundary(model, X_train, y_train, X_test, y_test,
                                                                     resolution=150),
            "moons_training_curves": plots.plot_training_curves(history)}


def gradient_flow_figures() -> dict:
    """The same deep network with sigmoid and with ReLU hidden layers: gradients vanish towards the input."""
    X, y = gn.datasets.make_moons(300, noise=0.2, random_state=1)
    figures = {}
    for activation in ("sigmoid", "relu"):
        hidden = [gn.Dense(16, activation=activation) for _ in range(6)]
        model = gn.Sequential(hidden + [gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
        model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(learning_rate=0.1),
                      metrics=["accuracy"])
        recorder = gn.analysis.TrainingRecorder()
        model.fit(X, y, epochs=40, batch_size=32, callbacks=[recorder], verbose=0)
        fig = plots.plot_gradient_flow(recorder)
        fig.suptitle(f"6 hidden layers of 16 {activation} units, SGD", fontsize=11)
        figures[f"gradient_flow_{activation}"] = fig
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    figures = {"activation_functions": plots.plot_activation_functions()}
    figures.update(xor_figures())
    figures.update(moons_figures())
    figures.update(gradient_flow_figures())
    total = 0
    for name, fig in figures.items():
        path = args.out / f"{name}.png"
        size = write_png(fig, path)
        total += size
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {size / 1024:.0f} KiB")
    print(f"{len(figures)} figures, {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
