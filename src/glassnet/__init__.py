"""glassnet: neural networks you can see through.

Perceptrons and multi-layer perceptrons built from first principles on NumPy, with every step of learning made
visible. The public face: re-exports only.
"""

from . import activations, analysis, callbacks, datasets, initializers, losses, metrics, optimizers, schedules
from .estimators import MLPClassifier, MLPRegressor
from .io import load_model, save_model
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .model import DivergenceWarning, Sequential
from .perceptron import Perceptron

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "BatchNorm",
    "Dense",
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
