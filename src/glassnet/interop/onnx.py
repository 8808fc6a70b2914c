"""ONNX: export glassnet networks and estimators (:func:`export_onnx`), import MLP graphs (:func:`load_onnx`).

**Export.** A :class:`~glassnet.Sequential` becomes one input ``input`` of shape (batch, features) and one output
``output``: each Dense a ``Gemm`` (weights named ``layers.{i}.W`` and ``layers.{i}.b``, as in glassnet's own
files), each activation its ONNX operator, composed from standard ones where the opset has none (GELU through
``Erf`` below opset 20, swish as ``x * Sigmoid(x)``, softplus in a form that cannot overflow, the exponential
held at the largest float as glassnet holds it), Dropout as ``Dropout`` (the identity at inference), BatchNorm as
``BatchNormalization`` with its running statistics.

The fitted estimators export as scikit-learn's ONNX converter (skl2onnx, ``options={"zipmap": False}``) exports
scikit-learn's own: an :class:`~glassnet.MLPClassifier` gives ``label`` (the predicted classes) and
``probabilities`` (``predict_proba``), an :class:`~glassnet.MLPRegressor` gives ``variable``, a
:class:`~glassnet.Perceptron` gives ``label`` and ``scores`` (``decision_function``), and ``probabilities`` too
when its activation is the sigmoid.

Every file carries, as metadata, glassnet's version (``glassnet_version``), the architecture
(``glassnet_architecture``, the JSON of ``get_config()``), what was exported (``glassnet_source``) and, for an
estimator, the tensor its network ends in (``glassnet_network_output``).

**Import.** :func:`load_onnx` reads a chain of ``Gemm`` (or ``MatMul`` + ``Add``) layers with activations
(including every composition the export writes), ``BatchNormalization``, ``Dropout`` and ``Identity`` between
them, from files written here, by PyTorch's exporter or by skl2onnx.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .. import activations
from .._validation import check_int, check_path
from ..io import ModelFileError, atomic_write_bytes, read_model_file
from ..layers import Activation, BatchNorm, Dense, Dropout
from ..model import Sequential
from ._assemble import Piece, assemble, check_loss

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "export_onnx", "load_onnx"]

#: the opset written when none is asked for
DEFAULT_OPSET = 18
#: the oldest opset written: Softmax over one axis, Dropout's ratio as an input, Gemm's optional bias
MIN_OPSET = 13
#: ONNX's element types for the dtypes glassnet computes in (TensorProto.FLOAT, TensorProto.DOUBLE)
_ELEM = {np.dtype(np.float32): 1, np.dtype(np.float64): 11}


# --- export ---------------------------------------------------------------------------------------------------
def export_onnx(model_or_estimator, path, opset: int | None = None) -> Path:
    """Write a network or a fitted estimator as an ONNX file that any ONNX runtime runs.

    Parameters
    ----------
    model_or_estimator : Sequential, MLPClassifier, MLPRegressor or Perceptron
        A built :class:`~glassnet.Sequential`, or a fitted glassnet estimator.
    path : str or path-like
        The file to write (by convention ``.onnx``); written atomically.
    opset : int, default=None
        The ONNX operator set, from 13 to the newest the installed ``onnx`` knows; None is 18. From opset 20
        GELU is ONNX's ``Gelu`` operator, below it is composed from ``Erf`` (or ``Tanh``).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    TypeError
        For anything but the objects above, a path of the wrong type or an opset that is not an integer.
    ValueError
        For an unbuilt model, an unfitted estimator or an opset out of range.
    ImportError
        Without the ``onnx`` package (``pip install glassnet[onnx]``).

    Examples
    --------
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2)
    >>> gn.export_onnx(model, "model.onnx")  # doctest: +SKIP
    """
    path = check_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; give a file name such as "
                                f"{str(path / 'model.onnx')!r}")
    onnx = _import_onnx()
    newest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset is None else check_int(opset, "opset", minimum=MIN_OPSET, maximum=newest)
    graph = _Graph(onnx, opset)
    source, extra = _export_object(model_or_estimator, graph)
    proto = graph.model(source, extra)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as exc:  # pragma: no cover - a bug here, never the user's input
        raise RuntimeError(f"glassnet wrote an invalid ONNX graph ({exc}); please report it") from exc
    atomic_write_bytes(path, proto.SerializeToString())
    return path


def _export_object(obj, graph):
    """Add ``obj``'s computation to ``graph``; returns what it is and its extra metadata."""
    if isinstance(obj, Sequential):
        if not obj.built:
            raise ValueError("model must be built (fit it, or give input_dim) before it can be exported")
        graph.start(obj.input_dim, obj.dtype)
        graph.output(_network(graph, obj, "input"), "output", obj._output_dim())
        return "Sequential", {"glassnet_architecture": json.dumps(obj.get_config())}
    kind = type(obj).__name__
    from ..estimators import MLPClassifier, MLPRegressor
    from ..perceptron import Perceptron

    if not isinstance(obj, (MLPClassifier, MLPRegressor, Perceptron)):
        hint = (" (a scikit-learn or PyTorch network: import it first with gn.from_sklearn or gn.from_torch)"
                if type(obj).__module__.split(".")[0] in ("sklearn", "torch") else "")
        raise TypeError(f"model_or_estimator must be a glassnet Sequential, MLPClassifier, MLPRegressor or "
                        f"Perceptron, received {kind}{hint}")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(obj)
    if isinstance(obj, Perceptron):
        return kind, _perceptron(graph, obj)
    model = obj.model_
    graph.start(model.input_dim, model.dtype)
    out = _network(graph, model, "input")
    extra = {"glassnet_architecture": json.dumps(model.get_config()), "glassnet_network_output": out}
    if isinstance(obj, MLPRegressor):
        graph.output(out, "variable", obj.n_outputs_)
        return kind, extra
    classes = np.asarray(obj.classes_)
    if obj._label_binarizer.y_type_ == "multilabel-indicator":
        over = graph.node("Greater", [out, graph.const("half", 0.5)], "labels.threshold")
        graph.output(graph.node("Cast", [over], "labels", to=7), "label", obj.n_outputs_, elem=7)
        graph.output(out, "probabilities", obj.n_outputs_)
    elif obj.n_outputs_ == 1:  # binary: one sigmoid unit, p > 0.5 is classes_[1] (LabelBinarizer's threshold)
        rest = graph.node("Sub", [graph.const("one", 1.0), out], "probabilities.rest")
        proba = graph.node("Concat", [rest, out], "probabilities", axis=1)
        index = graph.node("Cast", [graph.node("Greater", [out, graph.const("half", 0.5)], "labels.threshold")],
                           "labels.index", to=7)
        graph.output(graph.labels(index, classes, flat=True), "label", None, elem=_label_type(classes)[1])
        graph.output(proba, "probabilities", 2)
    else:
        index = graph.node("ArgMax", [out], "labels.index", axis=1, keepdims=0)
        graph.output(graph.labels(index, classes), "label", None, elem=_label_type(classes)[1])
        graph.output(out, "probabilities", len(classes))
    return kind, extra


def _network(graph, model, x: str) -> str:
    """Add a Sequential's layers; returns the name of its output tensor."""
    for i, layer in enumerate(model.layers):
        prefix = f"layers.{i}"
        if isinstance(layer, Dense):
            W, b = graph.const(f"{prefix}.W", layer.params["W"]), graph.const(f"{prefix}.b", layer.params["b"])
            x = emit_activation(graph, graph.node("Gemm", [x, W, b], f"{prefix}.gemm"), layer.activation, prefix)
        elif isinstance(layer, Activation):
            x = emit_activation(graph, x, layer.activation, prefix)
        elif isinstance(layer, Dropout):
            x = graph.node("Dropout", [x, graph.const(f"{prefix}.rate", layer.rate)], f"{prefix}.dropout")
        elif isinstance(layer, BatchNorm):
            inputs = [x] + [graph.const(f"{prefix}.{k}", layer.weight(k)) for k in layer.weight_names()]
            x = graph.node("BatchNormalization", inputs, f"{prefix}.batchnorm", epsilon=layer.epsilon,
                           momentum=layer.momentum)
        else:  # pragma: no cover - every glassnet layer is above
            raise TypeError(f"layer {i} ({type(layer).__name__}) cannot be exported")
    return x


def _perceptron(graph, est) -> dict:
    coef = np.asarray(est.coef_, dtype=np.float64)
    graph.start(coef.shape[1], np.float64)
    z = graph.node("Gemm", ["input", graph.const("coef", coef), graph.const("intercept", est.intercept_)],
                   "scores.gemm", transB=1)
    classes = np.asarray(est.classes_)
    binary = coef.shape[0] == 1
    if binary:  # z >= 0 is classes_[1], as Perceptron.predict says
        index = graph.node("Cast", [graph.node("GreaterOrEqual", [z, graph.const("zero", 0.0)], "labels.step")],
                           "labels.index", to=7)
        graph.output(graph.labels(index, classes, flat=True), "label", None, elem=_label_type(classes)[1])
        graph.output(graph.node("Squeeze", [z, graph.const("axis1", np.array([1], np.int64))], "scores.rows"),
                     "scores", None)
    else:
        index = graph.node("ArgMax", [z], "labels.index", axis=1, keepdims=0)
        graph.output(graph.labels(index, classes), "label", None, elem=_label_type(classes)[1])
        graph.output(z, "scores", coef.shape[0])
    if est.activation == "sigmoid":  # in log space, as Perceptron.predict_log_proba: exact in the tails
        if binary:  # [1 - p, p] with p = sigmoid(z) is the softmax of [0, z]
            logits = graph.node("Concat", [graph.node("Mul", [z, graph.const("zero", 0.0)], "probabilities.zero"), z],
                                "probabilities.logits", axis=1)
        else:  # one-vs-rest: each class's sigmoid, normalised to sum to one: the softmax of log sigmoid(z)
            # log sigmoid(z) = -(max(-z, 0) + log(1 + exp(-|z|))), which overflows nowhere
            tail = graph.node("Softplus", [graph.node("Neg", [graph.node("Abs", [z], "probabilities.abs")],
                                                      "probabilities.neg_abs")], "probabilities.tail")
            relu = graph.node("Relu", [graph.node("Neg", [z], "probabilities.neg")], "probabilities.relu")
            logits = graph.node("Neg", [graph.node("Add", [relu, tail], "probabilities.sum")],
                                "probabilities.log_sigmoid")
        graph.output(graph.node("Softmax", [logits], "probabilities", axis=1), "probabilities", len(classes))
    return {"glassnet_perceptron": json.dumps({"activation": est.activation})}


#: ONNX operators that are one glassnet activation each (attributes from the activation)
_SINGLE = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "leaky_relu": "LeakyRelu", "elu": "Elu",
           "selu": "Selu", "softmax": "Softmax"}


def emit_activation(graph, x: str, activation, prefix: str) -> str:
    """Add the nodes of ``activation`` applied to tensor ``x``; returns the output's name."""
    name = activation.name
    at = f"{prefix}.{name}"
    if name == "linear":
        return x
    if name in _SINGLE:
        attrs = {}
        if name in ("leaky_relu", "elu"):
            attrs["alpha"] = activation.alpha
        elif name == "selu":
            attrs = {"alpha": activation.alpha, "gamma": activation.scale}
        elif name == "softmax":
            attrs["axis"] = -1
        return graph.node(_SINGLE[name], [x], at, **attrs)
    if name == "swish":
        return graph.node("Mul", [x, graph.node("Sigmoid", [x], f"{at}.sigmoid")], at)
    if name == "exponential":  # held at the largest float, as glassnet holds it, rather than inf
        biggest = graph.const("largest", np.finfo(graph.dtype).max)
        return graph.node("Min", [graph.node("Exp", [x], f"{at}.exp"), biggest], at)
    if name == "softplus":  # max(z, 0) + log(1 + exp(-|z|)): exp never overflows, unlike log(1 + exp(z))
        tail = graph.node("Softplus", [graph.node("Neg", [graph.node("Abs", [x], f"{at}.abs")], f"{at}.neg")],
                          f"{at}.tail")
        return graph.node("Add", [graph.node("Relu", [x], f"{at}.relu"), tail], at)
    if name in ("gelu", "gelu_tanh"):
        approximate = "none" if name == "gelu" else "tanh"
        if graph.opset >= 20:
            return graph.node("Gelu", [x], at, approximate=approximate)
        if name == "gelu":  # x/2 (1 + erf(x / sqrt 2))
            inner = graph.node("Erf", [graph.node("Mul", [x, graph.const("inv_sqrt2", 1 / math.sqrt(2))],
                                                  f"{at}.scaled")], f"{at}.erf")
        else:  # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            cube = graph.node("Mul", [graph.node("Mul", [x, x], f"{at}.square"), x], f"{at}.cube")
            poly = graph.node("Add", [x, graph.node("Mul", [cube, graph.const("gelu_c", 0.044715)], f"{at}.c3")],
                              f"{at}.poly")
            inner = graph.node("Tanh", [graph.node("Mul", [poly, graph.const("sqrt_2_pi", math.sqrt(2 / math.pi))],
                                                   f"{at}.scaled")], f"{at}.tanh")
        half = graph.node("Mul", [x, graph.const("half", 0.5)], f"{at}.half")
        return graph.node("Mul", [half, graph.node("Add", [inner, graph.const("one", 1.0)], f"{at}.plus1")], at)
    if name == "step":
        ge = graph.node("GreaterOrEqual", [x, graph.const("zero", 0.0)], f"{at}.ge")
        return graph.node("Cast", [ge], at, to=_ELEM[graph.dtype])
    raise TypeError(f"activation {name!r} ({type(activation).__name__}) has no ONNX form; the exportable ones "
                    f"are {sorted(activations.ACTIVATIONS)}")


class _Graph:
    """The nodes, constants, inputs and outputs of the graph being written."""

    def __init__(self, onnx, opset: int):
        self.onnx, self.opset = onnx, opset
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self._consts: dict[str, str] = {}
        self.dtype = np.dtype(np.float32)

    def start(self, n_features: int, dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.inputs.append(self.onnx.helper.make_tensor_value_info("input", _ELEM[self.dtype],
                                                                   ["batch", int(n_features)]))

    def const(self, name: str, value) -> str:
        """A constant (an initializer) of the graph's dtype, integers kept as int64, strings as strings."""
        array = np.asarray(value)
        if array.dtype.kind == "f":
            array = array.astype(self.dtype)
        key = name if array.ndim else f"{name}:{array.dtype}"
        if key in self._consts:
            return self._consts[key]
        if array.dtype.kind in "USO":
            tensor = self.onnx.helper.make_tensor(name, 8, array.shape, [str(v).encode() for v in array.ravel()])
        else:
            tensor = self.onnx.numpy_helper.from_array(array.copy(order="C"), name)  # 0-d stays 0-d
        self.initializers.append(tensor)
        self._consts[key] = name
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def labels(self, index: str, classes: np.ndarray, flat: bool = False) -> str:
        """The class labels at ``index`` (int64 of shape (batch,), or (batch, 1) with ``flat``)."""
        values, _ = _label_type(classes)
        if flat:
            index = self.node("Squeeze", [index, self.const("axis1", np.array([1], np.int64))], "labels.rows")
        return self.node("Gather", [self.const("classes", values), index], "labels", axis=0)

    def output(self, tensor: str, name: str, width, elem: int | None = None) -> None:
        if tensor != name:
            self.node("Identity", [tensor], name)
        shape = ["batch"] if width is None else ["batch", int(width)]
        self.outputs.append(self.onnx.helper.make_tensor_value_info(
            name, _ELEM[self.dtype] if elem is None else elem, shape))

    def model(self, source: str, extra: dict):
        from .. import __version__

        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, f"glassnet {source}", self.inputs, self.outputs, self.initializers)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="glassnet", producer_version=__version__,
                                  doc_string=f"A glassnet {source}, exported by glassnet {__version__}.")
        proto.ir_version = min(proto.ir_version, 10)  # readable by onnxruntime releases of the last two years
        helper.set_model_props(proto, {"glassnet_version": __version__, "glassnet_source": source, **extra})
        return proto


def _label_type(classes: np.ndarray):
    """Class labels as an ONNX tensor can hold them: int64, double, bool or string, with its element type."""
    if classes.dtype.kind in "iu":
        return classes.astype(np.int64), 7
    if classes.dtype.kind == "b":
        return classes, 9
    if classes.dtype.kind == "f":
        return classes.astype(np.float64), 11
    if classes.dtype.kind in "USO" and all(isinstance(c, str) for c in classes.tolist()):
        return classes.astype(str), 8
    raise TypeError(f"the estimator's classes_ ({classes.dtype}: {classes.tolist()[:5]}) are not integers, "
                    f"floats, booleans or strings, which are what an ONNX label output can hold")


# --- import ---------------------------------------------------------------------------------------------------
def load_onnx(path, loss=None) -> Sequential:
    """A compiled :class:`~glassnet.Sequential` from an ONNX file of a multi-layer perceptron.

    The graph must be one chain from its input to its output: ``Gemm`` (or ``MatMul`` followed by ``Add``)
    layers with constant weights; activations (``Relu``, ``Sigmoid``, ``Tanh``, ``LeakyRelu``, ``Elu``, ``Selu``,
    ``Softplus``, ``Exp``, ``Softmax``, ``Gelu`` and the compositions :func:`export_onnx` writes for swish,
    GELU, softplus and the exponential); ``BatchNormalization``, ``Dropout`` and ``Identity``. For an
    estimator's file written by :func:`export_onnx` the network before the labels is read.

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file; it must hold its weights (no external data files) and be at most
        :data:`glassnet.io.MAX_FILE_BYTES` long.
    loss : str, dict or Loss, default=None
        The loss to compile with; None picks the one the output fits (binary cross-entropy for a sigmoid
        output, categorical cross-entropy for softmax, Poisson for the exponential, else the mean squared error).

    Returns
    -------
    Sequential
        Built, compiled, its ``predict`` equal to the graph's output (logits stay logits). For a file written
        by :func:`export_onnx` from a Sequential, the architecture stored with it (initialisers, penalties,
        seed) is restored too.

    Raises
    ------
    ModelFileError
        For a file that is not valid ONNX, refers to external data, or is too large.
    ValueError
        For a graph glassnet cannot represent (an operator, an activation or a shape it lacks, such as a
        convolution or a skip connection): the message names the node and what is supported.
    """
    path = check_path(path)
    loss = check_loss(loss)
    data = read_model_file(path, "ONNX file")
    onnx = _import_onnx()
    proto = _parse(onnx, data, path)
    reader = _Reader(onnx, proto, path)
    pieces = reader.pieces()
    model = assemble(pieces, reader.n_features, reader.dtype, loss, error=ModelFileError,
                     source=str(path))
    return _restore_architecture(model, reader.metadata, loss)


def _parse(onnx, data: bytes, path):
    from google.protobuf.message import DecodeError

    try:
        proto = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{path} is not a valid ONNX file: {exc}") from None
    tensors = list(proto.graph.initializer) + [a.t for n in proto.graph.node for a in n.attribute if a.type == 4]
    external = [t.name for t in tensors if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data]
    if external:
        raise ModelFileError(f"{path} keeps tensor {external[0]!r} in an external data file; glassnet reads "
                             f"self-contained files only (save with onnx.save(model, path, "
                             f"save_as_external_data=False))")
    try:
        onnx.checker.check_model(proto)
    except (onnx.checker.ValidationError, ValueError) as exc:
        raise ModelFileError(f"{path} is not a valid ONNX model: {str(exc).splitlines()[0]}") from None
    if not proto.graph.node:
        raise ModelFileError(f"{path} has an empty graph")
    return proto


#: what load_onnx reads, for error messages
SUPPORTED = ("Gemm, MatMul + Add, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, Softplus, Exp, Softmax, Gelu, "
             "Erf-based GELU, x * Sigmoid(x) (swish), BatchNormalization, Dropout, Identity")
_ONNX_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus",
                     "Exp": "exponential", "Softmax": "softmax"}


class _Reader:
    """Walks an ONNX graph from its input along one chain, turning nodes into :class:`Piece` s."""

    def __init__(self, onnx, proto, path):
        self.onnx, self.path = onnx, path
        graph = proto.graph
        self.metadata = {p.key: p.value for p in proto.metadata_props}
        self.opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
        self.consts = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
        self.nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.consts[node.output[0]] = self._constant_value(node)
            elif node.op_type == "Identity" and node.input[0] in self.consts:  # a constant under another name
                self.consts[node.output[0]] = self.consts[node.input[0]]
            else:
                self.nodes.append(node)
        inputs = [v for v in graph.input if v.name not in self.consts]
        if len(inputs) != 1:
            raise ValueError(f"{path} has {len(inputs)} inputs ({[v.name for v in inputs]}); glassnet imports "
                             f"networks with one input of shape (batch, features)")
        self.input = inputs[0].name
        tensor_type = inputs[0].type.tensor_type
        dtypes = {1: np.float32, 11: np.float64}
        if not inputs[0].type.HasField("tensor_type") or tensor_type.elem_type not in dtypes:
            raise ValueError(f"{path}: input {self.input!r} must be a tensor of float or double; glassnet computes "
                             f"in float32 and float64")
        self.dtype = np.dtype(dtypes[tensor_type.elem_type])
        dims = tensor_type.shape.dim if tensor_type.HasField("shape") else None
        if dims is not None and len(dims) != 2:
            raise ValueError(f"{path}: input {self.input!r} has {len(dims)} dimensions; glassnet imports networks "
                             f"whose input is (batch, features)")
        self.n_features = dims[1].dim_value if dims is not None and dims[1].HasField("dim_value") else None
        outputs = [v.name for v in graph.output]
        target = self.metadata.get("glassnet_network_output")
        if target is None or target not in {o for n in self.nodes for o in n.output}:
            if len(outputs) != 1:
                raise ValueError(f"{path} has {len(outputs)} outputs ({outputs}); glassnet imports networks with "
                                 f"one output")
            target = outputs[0]
        self.target = target

    def _constant_value(self, node):
        attr = node.attribute[0] if node.attribute else None
        if attr is None or attr.name not in ("value", "value_float", "value_floats", "value_int", "value_ints"):
            raise ValueError(f"{self.path}: Constant node {node.name!r} holds a {attr.name if attr else 'nothing'} "
                             f"value; glassnet reads numeric constants")
        value = self.onnx.helper.get_attribute_value(attr)
        return self.onnx.numpy_helper.to_array(value) if attr.name == "value" else np.asarray(value)

    def _where(self, node) -> str:
        return f"node {node.name or '(unnamed)'!r} ({node.op_type})"

    def _const(self, node, name: str, what: str) -> np.ndarray:
        if name not in self.consts:
            raise ValueError(f"{self.path}: {self._where(node)} takes its {what} from tensor {name!r}, which is "
                             f"computed, not a constant; glassnet imports networks whose weights are constants")
        return self.consts[name]

    def pieces(self) -> list[Piece]:
        pieces, current, i = [], self.input, 0
        while current != self.target:
            if i >= len(self.nodes):
                raise ValueError(f"{self.path}: the chain from input {self.input!r} ends at {current!r} without "
                                 f"reaching output {self.target!r}")
            node = self.nodes[i]
            if current not in node.input:
                raise ValueError(self._off_chain(node, current))
            for name in node.input:
                if name and name != current and name not in self.consts:
                    raise ValueError(f"{self.path}: {self._where(node)} takes {name!r}, an earlier tensor than "
                                     f"the one before it: skip connections and branches are not supported (a "
                                     f"Sequential is one chain of layers)")
            piece, used = self._read(i, current)
            if piece is not None:
                pieces.append(piece)
            current = self.nodes[i + used - 1].output[0]
            i += used
        if self.target != self.metadata.get("glassnet_network_output") and i < len(self.nodes):
            raise ValueError(self._off_chain(self.nodes[i], current))
        if self.n_features is None:  # a symbolic width: the first layer's weights say it
            first = pieces[0] if pieces else None
            if first is None or first.kind not in ("dense", "batchnorm"):
                raise ValueError(f"{self.path}: the input's width is not given and no first layer says it")
            self.n_features = int(np.shape(first.weights[0])[0])
        return pieces

    def _off_chain(self, node, current) -> str:
        if node.op_type in ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LSTM", "GRU", "RNN"):
            return (f"{self.path}: {self._where(node)} is not supported: glassnet imports multi-layer perceptrons "
                    f"({SUPPORTED})")
        return (f"{self.path}: {self._where(node)} does not take the output of the layer before it ({current!r}): "
                f"skip connections and branches are not supported (a Sequential is one chain of layers)")

    def _read(self, i: int, x: str):
        """The piece that starts at node ``i`` and the number of nodes it spans."""
        node, where = self.nodes[i], f"{self.path}: {self._where(self.nodes[i])}"
        op, attrs = node.op_type, {a.name: _plain(self.onnx.helper.get_attribute_value(a)) for a in node.attribute}
        if node.domain not in ("", "ai.onnx"):
            raise ValueError(f"{where} is from operator domain {node.domain!r}; glassnet reads the standard "
                             f"operators: {SUPPORTED}")
        if len(node.output) != 1 and op not in ("Dropout", "BatchNormalization"):
            raise ValueError(f"{where} has {len(node.output)} outputs; glassnet reads one-output layers")
        if op == "Gemm":
            if node.input[0] != x or attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or (
                    attrs.get("beta", 1.0) != 1.0 and len(node.input) > 2):
                raise ValueError(f"{where} is not x @ W + b (transA=0, alpha=1, beta=1, the layer's input first)")
            W = self._const(node, node.input[1], "weight")
            W = W.T if attrs.get("transB", 0) else W
            b = self._bias(node, node.input[2] if len(node.input) > 2 and node.input[2] else None, W)
            return Piece("dense", where, [W, b]), 1
        if op == "MatMul":
            if node.input[0] != x:
                raise ValueError(f"{where} multiplies the weights from the left; glassnet's layers are x @ W")
            W = self._const(node, node.input[1], "weight")
            if W.ndim != 2:
                raise ValueError(f"{where} has a weight of {W.ndim} dimensions; a dense layer's is 2")
            nxt = self.nodes[i + 1] if i + 1 < len(self.nodes) else None
            if nxt is not None and nxt.op_type == "Add" and node.output[0] in nxt.input:
                other = [n for n in nxt.input if n != node.output[0]]
                if len(other) == 1 and other[0] in self.consts:
                    return Piece("dense", where, [W, self._bias(nxt, other[0], W)]), 2
            return Piece("dense", where, [W, np.zeros(W.shape[1], W.dtype)]), 1
        if op == "Identity" or (op == "Flatten" and attrs.get("axis", 1) == 1):
            return None, 1
        if op == "Dropout":
            ratio = attrs.get("ratio", 0.5)
            if len(node.input) > 1 and node.input[1]:
                ratio = _plain(float(self._const(node, node.input[1], "ratio")))
            if len(node.input) > 2 and node.input[2] and bool(self._const(node, node.input[2], "training_mode")):
                raise ValueError(f"{where} is in training mode; glassnet imports networks for inference")
            return Piece("dropout", where, options={"rate": ratio}), 1
        if op == "BatchNormalization":
            if attrs.get("training_mode", 0) or len(node.output) > 1:
                raise ValueError(f"{where} is in training mode; glassnet imports networks for inference")
            weights = [self._const(node, name, what)
                       for name, what in zip(node.input[1:], ("scale", "bias", "mean", "variance"))]
            return Piece("batchnorm", where, weights, options={"epsilon": attrs.get("epsilon", 1e-5),
                                                               "momentum": attrs.get("momentum", 0.9)}), 1
        matched = self._composed(i, x)
        if matched is not None:
            return matched
        if op in _ONNX_ACTIVATIONS:
            if op == "Softmax" and attrs.get("axis", -1 if self.opset >= 13 else 1) not in (-1, 1):
                raise ValueError(f"{where} is a softmax over axis {attrs['axis']}; a network's is over its outputs "
                                 f"(axis -1 or 1)")
            return Piece("activation", where, activation=_ONNX_ACTIVATIONS[op]), 1
        if op == "LeakyRelu":
            return Piece("activation", where, activation=activations.LeakyReLU(attrs.get("alpha", 0.01))), 1
        if op == "Elu":
            return Piece("activation", where, activation=activations.ELU(attrs.get("alpha", 1.0))), 1
        if op == "Selu":
            alpha, gamma = attrs.get("alpha", 1.67326319217681884765625), attrs.get("gamma", 1.05070102214813232421875)
            if not (np.isclose(alpha, activations.SELU.alpha) and np.isclose(gamma, activations.SELU.scale)):
                raise ValueError(f"{where} is a SELU with alpha={alpha}, gamma={gamma}; glassnet's SELU has the "
                                 f"standard constants ({activations.SELU.alpha:.6f}, {activations.SELU.scale:.6f})")
            return Piece("activation", where, activation="selu"), 1
        if op == "Gelu":
            name = {"none": "gelu", "tanh": "gelu_tanh"}.get(attrs.get("approximate", "none"))
            if name is None:
                raise ValueError(f"{where} has approximate={attrs['approximate']!r}; ONNX allows 'none' and 'tanh'")
            return Piece("activation", where, activation=name), 1
        raise ValueError(f"{where} is not supported: glassnet imports multi-layer perceptrons ({SUPPORTED})")

    def _bias(self, node, name, W) -> np.ndarray:
        if name is None:
            return np.zeros(W.shape[1], W.dtype)
        b = self._const(node, name, "bias")
        if b.size == 1:
            return np.full(W.shape[1], b.ravel()[0], W.dtype)
        return b.reshape(-1) if b.ndim == 2 and b.shape[0] == 1 else b

    def _composed(self, i: int, x: str):
        """An activation written as several nodes, matched node by node against a template (operators,
        attributes, constants within rounding, and where each input comes from): the compositions
        :func:`emit_activation` writes, and PyTorch's exporter's GELU."""
        for name, write in _TEMPLATES:
            graph = _Graph(self.onnx, self.opset)
            graph.dtype = self.dtype
            write(graph, "X")
            template = graph.nodes
            if len(template) < 2 or i + len(template) > len(self.nodes):
                continue
            consts = {t.name: self.onnx.numpy_helper.to_array(t) for t in graph.initializers}
            if self._matches(template, self.nodes[i:i + len(template)], consts, x):
                return Piece("activation", f"{self.path}: {self._where(self.nodes[i])}", activation=name), \
                    len(template)
        return None

    def _matches(self, template, nodes, consts, x) -> bool:
        names = {"X": x}
        for t, n in zip(template, nodes):
            if t.op_type != n.op_type or len(t.input) != len(n.input):
                return False
            t_attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in t.attribute}
            n_attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in n.attribute}
            if t_attrs != n_attrs:
                return False
            orders = [list(n.input)] + ([list(reversed(n.input))] if n.op_type in ("Mul", "Add") else [])
            if not any(self._same_inputs(t.input, order, consts, names) for order in orders):
                return False
            names[t.output[0]] = n.output[0]
        return True

    def _same_inputs(self, expected, given, consts, names) -> bool:
        for e, g in zip(expected, given):
            if e in consts:
                if g not in self.consts or not np.allclose(np.asarray(self.consts[g], np.float64).ravel(),
                                                           np.asarray(consts[e], np.float64).ravel(), rtol=1e-6):
                    return False
            elif names.get(e) != g:
                return False
        return True


def _torch_gelu(graph, x: str) -> str:
    """GELU as PyTorch's TorchScript exporter writes it: (x * (erf(x / sqrt 2) + 1)) * 0.5."""
    scaled = graph.node("Div", [x, graph.const("sqrt2", math.sqrt(2))], "g.div")
    plus1 = graph.node("Add", [graph.node("Erf", [scaled], "g.erf"), graph.const("one", 1.0)], "g.add")
    return graph.node("Mul", [graph.node("Mul", [x, plus1], "g.mul"), graph.const("half", 0.5)], "g.out")


def _writer(name: str):
    return lambda graph, x: emit_activation(graph, x, activations.get(name), "t")


#: the activations written as several nodes, each with a function that writes its template
_TEMPLATES = [(name, _writer(name)) for name in ("swish", "gelu", "gelu_tanh", "softplus", "exponential")] + [
    ("gelu", _torch_gelu)]


def _plain(value):
    """An attribute's value as glassnet's configs hold it: text as str, a float32 number as the shortest decimal
    that is that float32 (0.01 stays 0.01, not 0.009999999776)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float):
        return float(str(np.float32(value)))
    return value


def _restore_architecture(model, metadata: dict, loss):
    """For a file glassnet wrote from a Sequential: the stored architecture, where it is the graph's, with the
    graph's weights (so initialisers, penalties, the seed and dropout rates come back too)."""
    text = metadata.get("glassnet_architecture")
    if metadata.get("glassnet_source") != "Sequential" or text is None:
        return model
    try:
        stored = Sequential.from_config(json.loads(text))
    except (TypeError, ValueError, KeyError, AttributeError):
        return model  # the graph is what runs; a damaged description of it is not needed
    if not stored.built or not _same_structure(stored, model):
        return model
    stored.set_weights(model.get_weights())
    stored.compile(loss=model.loss if loss is None else loss)
    return stored


def _same_structure(a, b) -> bool:
    """Whether two models compute alike, layer for layer: a linear Dense followed by an Activation layer counts
    as the Dense with that activation (the graph is the same)."""
    return a.dtype == b.dtype and a.input_dim == b.input_dim and _canonical(a) == _canonical(b)


def _canonical(model) -> list:
    steps = []
    for layer in model.layers:
        activation = getattr(layer, "activation", None)
        config = activation.get_config() if activation is not None else None
        if isinstance(layer, Activation) and steps and steps[-1][0] == "Dense" and steps[-1][2]["name"] == "linear":
            steps[-1] = ("Dense", steps[-1][1], config)
        else:
            steps.append((type(layer).__name__, layer.output_dim, config))
    return steps


def _import_onnx():
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("ONNX export and import need the onnx package: pip install 'glassnet[onnx]'") from exc
    return onnx
