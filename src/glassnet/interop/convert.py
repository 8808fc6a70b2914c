"""Networks trained elsewhere, as glassnet networks: scikit-learn's MLPs and Perceptron, PyTorch's Sequential.

Each importer reads its source into the pieces of :mod:`glassnet.interop._assemble`, which builds the one
Sequential they describe; nothing is changed in the source, and nothing is built unless all of it is readable.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import activations
from ._assemble import Piece, assemble, check_loss

__all__ = ["from_sklearn", "from_torch"]

#: scikit-learn's activation names, as glassnet's
_SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
                        "softmax": "softmax", "exp": "exponential"}


def from_sklearn(estimator, loss=None):
    """The glassnet twin of a fitted scikit-learn network.

    Parameters
    ----------
    estimator : sklearn.neural_network.MLPClassifier, MLPRegressor or sklearn.linear_model.Perceptron
        Fitted.
    loss : str, dict or Loss, default=None
        For an MLP: the loss to compile with; None is the estimator's own (binary cross-entropy for a binary
        or multi-label classifier, categorical cross-entropy for a multi-class one, the mean squared error or
        the Poisson loss for a regressor). Not taken for a Perceptron.

    Returns
    -------
    Sequential or glassnet.Perceptron
        For an MLP, a compiled Sequential whose ``predict`` equals the estimator's ``predict_proba`` (a
        classifier; for a binary one its second column) or ``predict`` (a regressor, as a column), in the dtype
        the estimator computed in. For a Perceptron, a fitted :class:`glassnet.Perceptron` with the same
        weights, classes and parameters. (At a score of exactly 0, scikit-learn's Perceptron predicts the
        first class and glassnet's the second: glassnet's step is 1 at 0, as Rosenblatt's.)

    Raises
    ------
    TypeError
        For anything but the estimators above.
    ValueError
        For an estimator that is not fitted, or an MLP with a loss that does not fit its output.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import Perceptron as SkPerceptron
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(estimator, (MLPClassifier, MLPRegressor, SkPerceptron)):
        raise TypeError(f"estimator must be a fitted scikit-learn MLPClassifier, MLPRegressor or Perceptron, "
                        f"received {type(estimator).__name__}")
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise ValueError(f"estimator ({type(estimator).__name__}) is not fitted; call fit first") from None
    if isinstance(estimator, SkPerceptron):
        if loss is not None:
            raise ValueError(f"loss is for networks; a Perceptron has its own learning rule, received loss={loss!r}")
        return _perceptron(estimator)
    loss = check_loss(loss)
    name = type(estimator).__name__
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    pieces = []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        last = i == len(coefs) - 1
        where = f"{name}.coefs_[{i}]"
        pieces.append(Piece("dense", where, [W, b]))
        act = estimator.out_activation_ if last else estimator.activation
        if act not in _SKLEARN_ACTIVATIONS:
            raise ValueError(f"{where}: activation {act!r} has no glassnet equivalent; supported are "
                             f"{sorted(_SKLEARN_ACTIVATIONS)}")
        pieces.append(Piece("activation", where, activation=_SKLEARN_ACTIVATIONS[act]))
    return assemble(pieces, coefs[0].shape[0], np.asarray(coefs[0]).dtype, loss, source=name)


def _perceptron(estimator):
    from ..perceptron import Perceptron

    own = Perceptron().get_params()
    params = {k: v for k, v in estimator.get_params().items() if k in own}
    twin = Perceptron(**params)
    twin.classes_ = np.asarray(estimator.classes_).copy()
    twin.coef_ = np.array(estimator.coef_, dtype=np.float64)
    twin.intercept_ = np.array(estimator.intercept_, dtype=np.float64)
    twin.n_iter_ = int(estimator.n_iter_)
    twin.n_features_in_ = estimator.n_features_in_
    if hasattr(estimator, "feature_names_in_"):
        twin.feature_names_in_ = estimator.feature_names_in_.copy()
    twin.converged_ = bool(estimator.n_iter_ < estimator.max_iter)
    twin.training_history_ = []
    return twin


def from_torch(module, loss=None):
    """The glassnet twin of a PyTorch multi-layer perceptron.

    Parameters
    ----------
    module : torch.nn.Sequential
        Of ``Linear``, ``BatchNorm1d`` (with running statistics), ``Dropout``, ``Identity``, ``Flatten`` and the
        activation modules ``ReLU``, ``LeakyReLU``, ``ELU``, ``SELU``, ``Sigmoid``, ``Tanh``, ``Softplus``
        (``beta=1``), ``SiLU``, ``GELU`` (either approximation) and ``Softmax`` (over the last dimension);
        nested Sequentials are read in order. Float32 or float64.
    loss : str, dict or Loss, default=None
        The loss to compile with; None picks the one the output fits (binary cross-entropy after a sigmoid,
        categorical cross-entropy after a softmax, else the mean squared error, so logits stay logits).

    Returns
    -------
    Sequential
        Compiled, its ``predict`` equal to the module's forward in evaluation mode (``module.eval()``), in the
        module's dtype. BatchNorm's momentum is converted (PyTorch's ``momentum`` is glassnet's
        ``1 - momentum``).

    Raises
    ------
    TypeError
        For anything but a ``torch.nn.Sequential``.
    ValueError
        For a module glassnet cannot represent: the message names it by its path in the Sequential (``"2"``,
        ``"encoder.0"``) and lists what is supported.
    """
    torch = sys.modules.get("torch")  # a torch module exists only where torch is imported already
    if torch is None or not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Sequential, received {type(module).__name__}")
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"module must be a torch.nn.Sequential (its layers in order), received "
                        f"{type(module).__name__}: a custom forward cannot be read; rebuild it as an "
                        f"nn.Sequential of the same layers")
    loss = check_loss(loss)
    pieces, dtypes = [], set()
    for path, layer in _leaves(module, nn):
        where = f"module {path!r} ({type(layer).__name__})"
        for p in list(layer.parameters(recurse=False)) + list(layer.buffers(recurse=False)):
            if p.is_floating_point():
                dtypes.add(p.dtype)
        pieces += _torch_piece(layer, where, nn)
    if not pieces:
        raise ValueError("module is an empty Sequential; glassnet imports networks with at least one Linear layer")
    if len(dtypes) > 1 or (dtypes and not dtypes <= {torch.float32, torch.float64}):
        raise ValueError(f"module's parameters are {sorted(str(d) for d in dtypes)}; glassnet computes in one of "
                         f"torch.float32 and torch.float64")
    dtype = np.float64 if dtypes == {torch.float64} else np.float32
    first = next((p for p in pieces if p.kind in ("dense", "batchnorm")), None)  # None: assemble says what lacks
    width = int(np.shape(first.weights[0])[0]) if first is not None else 1
    return assemble(pieces, width, dtype, loss, source="module")


def _leaves(module, nn, prefix=""):
    for name, child in module.named_children():
        path = f"{prefix}{name}"
        if isinstance(child, nn.Sequential):
            yield from _leaves(child, nn, prefix=f"{path}.")
        else:
            yield path, child


def _numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def _torch_piece(layer, where: str, nn) -> list[Piece]:
    if isinstance(layer, nn.Linear):
        W = _numpy(layer.weight).T
        b = _numpy(layer.bias) if layer.bias is not None else np.zeros(W.shape[1], W.dtype)
        return [Piece("dense", where, [W, b])]
    if isinstance(layer, nn.BatchNorm1d):
        if layer.running_mean is None:
            raise ValueError(f"{where} has track_running_stats=False, so in evaluation it normalises each batch by "
                             f"its own statistics; glassnet's BatchNorm uses running statistics at inference")
        n = layer.num_features
        gamma = _numpy(layer.weight) if layer.affine else np.ones(n)
        beta = _numpy(layer.bias) if layer.affine else np.zeros(n)
        momentum = 0.9 if layer.momentum is None else 1.0 - layer.momentum  # None: a cumulative average there
        return [Piece("batchnorm", where, [gamma, beta, _numpy(layer.running_mean), _numpy(layer.running_var)],
                      options={"epsilon": float(layer.eps), "momentum": float(momentum)})]
    if isinstance(layer, nn.Dropout):
        return [Piece("dropout", where, options={"rate": float(layer.p)})] if layer.p < 1 else _refuse(
            layer, where, "a dropout rate of 1 zeroes everything")
    if isinstance(layer, nn.Identity) or isinstance(layer, nn.Flatten):
        return []
    activation = _torch_activation(layer, where, nn)
    if activation is None:
        return _refuse(layer, where, "it is not one of the supported layers")
    return [Piece("activation", where, activation=activation)]


def _torch_activation(layer, where, nn):
    simple = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SELU: "selu", nn.SiLU: "swish"}
    for cls, name in simple.items():
        if type(layer) is cls:
            return name
    if type(layer) is nn.LeakyReLU:
        return activations.LeakyReLU(float(layer.negative_slope))
    if type(layer) is nn.ELU:
        return activations.ELU(float(layer.alpha))
    if type(layer) is nn.GELU:
        return "gelu" if layer.approximate == "none" else "gelu_tanh"
    if type(layer) is nn.Softplus:
        if layer.beta != 1:
            raise ValueError(f"{where} has beta={layer.beta}; glassnet's softplus is log(1 + e^x), beta=1")
        return "softplus"
    if type(layer) is nn.Softmax:
        if layer.dim not in (-1, 1, None):  # None: PyTorch's implicit dim, 1 for (batch, features)
            raise ValueError(f"{where} is a softmax over dim={layer.dim}; a network's is over its outputs (dim=-1)")
        return "softmax"
    return None


def _refuse(layer, where, why):
    raise ValueError(f"{where} cannot be imported: {why}. glassnet imports nn.Sequential networks of Linear, "
                     f"BatchNorm1d, Dropout, Identity, Flatten, ReLU, LeakyReLU, ELU, SELU, Sigmoid, Tanh, "
                     f"Softplus, SiLU, GELU and Softmax")
