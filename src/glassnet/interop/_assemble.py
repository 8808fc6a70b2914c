"""A Sequential from the layers an importer read: activations folded into the Dense before them, weights
checked, the loss chosen from the output.

Every importer (ONNX graphs, scikit-learn's MLPs, PyTorch modules) reads its source into a list of
:class:`Piece` s and hands it here, so that "what a network read from elsewhere becomes" is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import losses
from ..layers import Activation, BatchNorm, Dense, Dropout
from ..model import Sequential

#: the loss each output activation fits, when the caller gives none (anything else: the mean squared error)
_LOSS_FOR_OUTPUT = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy",
                    "exponential": "poisson"}


@dataclass
class Piece:
    """One layer read from a source: ``kind`` is "dense", "activation", "dropout" or "batchnorm"; ``where``
    names it in the source (a module path, an ONNX node) for error messages."""

    kind: str
    where: str
    weights: list = field(default_factory=list)
    activation: object = None
    options: dict = field(default_factory=dict)


def assemble(pieces: list[Piece], input_dim: int, dtype, loss, error=ValueError, source: str = "the source"):
    """The compiled Sequential the pieces describe; ``error`` is raised (naming the piece) for weights that do
    not fit together or are not finite."""
    if not any(p.kind == "dense" for p in pieces):
        raise error(f"{source} has no dense (linear) layer; glassnet imports multi-layer perceptrons, whose "
                    f"layers are Linear/Gemm/MatMul with activations, batch norm and dropout between them")
    layers, weights = [], []
    last_dense = None  # the Dense an activation right after it becomes part of
    width = input_dim
    for piece in pieces:
        if piece.kind == "dense":
            W, b = (np.asarray(w) for w in piece.weights)
            if W.ndim != 2 or W.shape[0] != width or b.shape != (W.shape[1],):
                raise error(f"{piece.where}: its weight has shape {W.shape} and bias {b.shape}, but its input has "
                            f"{width} features (a weight of shape ({width}, units) and a bias of (units,) fit)")
            last_dense = Dense(W.shape[1])
            layers.append(last_dense)
            weights += [W, b]
            width = W.shape[1]
            continue
        if piece.kind == "activation":
            if last_dense is not None and last_dense.activation.name == "linear":
                # made again, so that its configuration (the initialiser that suits it) is the activation's
                last_dense = layers[-1] = Dense(last_dense.units, activation=piece.activation)
                continue
            else:
                layers.append(Activation(piece.activation))
        elif piece.kind == "dropout":
            layers.append(Dropout(piece.options.get("rate", 0.5)))
        elif piece.kind == "batchnorm":
            arrays = [np.asarray(w) for w in piece.weights]
            if any(a.shape != (width,) for a in arrays):
                raise error(f"{piece.where}: its statistics and scale have shapes {[a.shape for a in arrays]}, but "
                            f"its input has {width} features")
            if np.any(arrays[3] < 0):
                raise error(f"{piece.where}: its running variance has negative values")
            layers.append(BatchNorm(**piece.options))
            weights += arrays
        else:  # pragma: no cover - the importers make only the kinds above
            raise AssertionError(piece.kind)
        last_dense = None
    for array, piece in zip(weights, (p for p in pieces for _ in p.weights)):
        if not np.all(np.isfinite(array)):
            raise error(f"{piece.where}: its weights contain NaN or infinite values")
    model = Sequential(layers, input_dim=input_dim, dtype=dtype)
    model.set_weights([np.asarray(w, dtype=model.dtype) for w in weights])
    model.compile(loss=default_loss(model) if loss is None else loss)
    return model


def default_loss(model) -> str:
    """The loss a network's output fits: cross-entropy for sigmoid and softmax, Poisson for an exponential output,
    the mean squared error for anything else."""
    return _LOSS_FOR_OUTPUT.get(model.output_activation.name if model.output_activation else "linear", "mse")


def check_loss(loss):
    """``loss`` as compile takes it (None stays None), resolved now so a bad one fails before any work."""
    if loss is not None:
        losses.get(loss)
    return loss
