"""glassnet: neural networks you can see through.

Perceptrons and multi-layer perceptrons built from first principles on NumPy, with every step of learning made
visible. The public face: re-exports only.
"""

from . import activations, analysis, callbacks, datasets, initializers, losses, metrics, optimizers, schedules
from .estimators import MLPClassifier, MLPRegressor
from .io import load_model, save_model
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .model import DivergenceError, DivergenceWarning, Sequential
from .perceptron import Perceptron

__version__ = "0.1.0"

#: submodules imported on first use, so that ``import glassnet`` does not load matplotlib or joblib
_LAZY = ("plots", "sweep", "report", "tour")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")

__all__ = [
    "Activation",
    "BatchNorm",
    "Dense",
    "DivergenceError",
    "DivergenceWarning",
    "Dropout",
    "Layer",
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "Sequential",
    "activations",
    "analysis",
    "callbacks",
    "datasets",
    "initializers",
    "load_model",
    "losses",
    "metrics",
    "optimizers",
    "save_model",
    "schedules",
    "__version__",
]
