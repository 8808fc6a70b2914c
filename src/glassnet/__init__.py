"""glassnet: neural networks you can see through.

Perceptrons and multi-layer perceptrons built from first principles on NumPy, with every step of learning made
visible. The public face: re-exports only.

Importing glassnet costs NumPy and glassnet's own engine (the layers, losses, optimisers, the training loop).
The scikit-learn estimators, the analysis tools, the plots, the reports, the tour and the sweeps load on first
use (``gn.MLPClassifier``, ``gn.analysis``, ``gn.plots``...), and with them scikit-learn, SciPy and matplotlib.
"""

from __future__ import annotations

import importlib

from . import activations, callbacks, datasets, display, initializers, losses, metrics, optimizers, schedules, training
from .io import load_model, save_model
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .model import DivergenceError, DivergenceWarning, Sequential
from .training import Trainer

__version__ = "0.2.0"

#: submodules imported on first use
_LAZY_MODULES = ("analysis", "builders", "estimators", "interop", "perceptron", "plots", "report", "sweep", "tour")
#: names imported on first use, from the module that defines them
_LAZY_NAMES = {"MLPClassifier": "estimators", "MLPRegressor": "estimators", "Perceptron": "perceptron",
               "export_onnx": "interop", "from_sklearn": "interop", "from_torch": "interop", "load_onnx": "interop"}


def __getattr__(name):
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES))


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
    "Trainer",
    "activations",
    "analysis",
    "callbacks",
    "datasets",
    "display",
    "export_onnx",
    "from_sklearn",
    "from_torch",
    "initializers",
    "interop",
    "load_onnx",
    "load_model",
    "losses",
    "metrics",
    "optimizers",
    "save_model",
    "schedules",
    "training",
    "__version__",
]
