"""ONNX files glassnet writes, run by onnxruntime (an independent runtime), and skl2onnx's files for the same
networks: the outputs agree with glassnet's own, the names and types with scikit-learn's converter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

TRAINABLE = sorted(set(activations.ACTIVATIONS) - {"step"})


def run_onnx(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"input": X})
    return {o.name: value for o, value in zip(session.get_outputs(), outputs)}


def inputs(dtype, extreme: bool, n=200, d=3, seed=0):
    """Random inputs on several scales, and, with ``extreme``, rows of huge, tiny and exactly-zero values."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.choice([0.1, 1, 10], size=(n, 1))
    if extreme:
        X[:8] = [[1e4, -1e4, 0], [-1e4, 1e4, 30], [50, -50, 1e-3], [0, 0, 0], [3e4, 2, 1], [-88, 88, -1],
                 [1e3, -1e3, 5], [-3e4, -3e4, -3e4]]
    return X.astype(dtype)


def trained(model, X, seed=0):
    """A few epochs, so that BatchNorm's running statistics and every weight are away from their start."""
    out = model.layers[-1].output_dim
    y = np.random.default_rng(seed).random((len(X), out)).astype(model.dtype)
    model.compile(loss="mse", optimizer=gn.optimizers.Adam(0.01))
    model.fit(X, y, epochs=3, batch_size=32, verbose=0)
    return model


@pytest.mark.parametrize("opset", [18, 20])
@pytest.mark.parametrize("name", TRAINABLE)
def test_every_activation_and_layer_agrees_with_onnxruntime_float32(tmp_path, name, opset):
    model = gn.Sequential([gn.Dense(6, activation=name), gn.Dropout(0.3), gn.BatchNorm(), gn.Dense(4),
                           gn.Activation(name)], input_dim=3, seed=1)
    trained(model, inputs(np.float32, extreme=False))
    # the exponential's first layer overflows past 1e4 (to the largest float, and the next product to inf)
    X = inputs(np.float32, extreme=name != "exponential")
    path = gn.export_onnx(model, tmp_path / "model.onnx", opset=opset)
    got = run_onnx(path, X)["output"]
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(set(TRAINABLE) - {"gelu"}))  # onnxruntime has no double Erf kernel
def test_float64_networks_agree_with_onnxruntime(tmp_path, name):
    model = gn.Sequential([gn.Dense(5, activation=name), gn.BatchNorm(), gn.Dense(3, activation=name)],
                          input_dim=3, seed=2, dtype="float64")
    trained(model, inputs(np.float64, extreme=False))
    X = inputs(np.float64, extreme=False)
    got = run_onnx(gn.export_onnx(model, tmp_path / "m.onnx"), X)["output"]
    # ONNX keeps the attributes of LeakyRelu, Elu and Selu (their slopes and scales) as float32: about 3e-8
    # of each, compounded through two layers, is as close as a double graph with them can come
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-6, atol=1e-7)


def test_gelu_uses_erf_below_opset_20_and_the_gelu_operator_from_it(tmp_path):
    model = gn.Sequential([gn.Dense(2, activation="gelu")], input_dim=2)
    ops = {opset: [n.op_type for n in onnx.load(gn.export_onnx(model, tmp_path / f"{opset}.onnx",
                                                                 opset=opset)).graph.node]
           for opset in (18, 20)}
    assert "Erf" in ops[18] and "Gelu" not in ops[18]
    assert "Gelu" in ops[20] and "Erf" not in ops[20]
    swish = gn.Sequential([gn.Dense(2, activation="swish")], input_dim=2)
    assert [n.op_type for n in onnx.load(gn.export_onnx(swish, tmp_path / "s.onnx")).graph.node
            if n.op_type != "Identity"] == ["Gemm", "Sigmoid", "Mul"]


def test_the_file_carries_version_architecture_and_opset(tmp_path):
    model = gn.Sequential([gn.Dense(3, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=4)
    proto = onnx.load(gn.export_onnx(model, tmp_path / "m.onnx"))
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["glassnet_version"] == gn.__version__
    import json

    assert json.loads(props["glassnet_architecture"]) == model.get_config()
    assert [o.version for o in proto.opset_import if o.domain == ""] == [18]
    assert proto.producer_name == "glassnet"
    onnx.checker.check_model(proto, full_check=True)


# --- round trips ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", TRAINABLE)
def test_load_onnx_of_export_onnx_is_the_same_model(tmp_path, name, dtype):
    model = gn.Sequential([gn.Dense(5, activation=name, l2=0.01), gn.Dropout(0.25), gn.BatchNorm(momentum=0.8),
                           gn.Dense(2), gn.Activation(name)], input_dim=3, seed=3, dtype=dtype)
    X = inputs(np.dtype(dtype), extreme=False)
    trained(model, X)
    back = gn.load_onnx(gn.export_onnx(model, tmp_path / "m.onnx"))
    assert back.get_config() == model.get_config()
    for a, b in zip(model.get_weights(), back.get_weights()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_estimator_files_load_as_their_network(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = np.array(["cat", "dog", "eel"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    est = gn.MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    net = gn.load_onnx(gn.export_onnx(est, tmp_path / "c.onnx"))
    np.testing.assert_array_equal(net.predict(X), est.predict_proba(X))
    assert net.loss.name == "categorical_crossentropy"


# --- estimators, as scikit-learn's converter writes scikit-learn's own -------------------------------------------
def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


TARGETS = {
    "binary strings": lambda X: np.array(["no", "yes"])[(X[:, 0] > 0).astype(int)],
    "multiclass ints": lambda X: (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0),
    "multilabel": lambda X: np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int),
    "booleans": lambda X: X[:, 2] > 0,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_classifier_exports_labels_and_probabilities(tmp_path, kind, dtype):
    X = inputs(dtype, extreme=False, n=150)
    y = TARGETS[kind](X)
    est = _fit_quietly(gn.MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0), X, y)
    got = run_onnx(gn.export_onnx(est, tmp_path / "c.onnx"), X)
    assert list(got) == ["label", "probabilities"]
    np.testing.assert_array_equal(got["label"], est.predict(X))
    np.testing.assert_allclose(got["probabilities"], est.predict_proba(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["binary strings", "multiclass ints"])
def test_classifier_outputs_match_skl2onnx_for_scikit_learns_mlp_with_the_same_weights(tmp_path, kind):
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.neural_network import MLPClassifier

    X = inputs(np.float32, extreme=False, n=150)
    y = TARGETS[kind](X)
    ours = _fit_quietly(gn.MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=15,
                                         random_state=0), X, y)
    theirs = _fit_quietly(MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=15, random_state=0),
                          X, y)
    for mine, other in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        mine[...] = other  # our coefs_ are views of the network's weights
    reference = skl2onnx.to_onnx(theirs, X[:1], options={"zipmap": False}, target_opset=18)
    (tmp_path / "ref.onnx").write_bytes(reference.SerializeToString())
    expected = ort.InferenceSession(str(tmp_path / "ref.onnx"), providers=["CPUExecutionProvider"])
    expected_out = dict(zip([o.name for o in expected.get_outputs()],
                            expected.run(None, {expected.get_inputs()[0].name: X})))
    got = run_onnx(gn.export_onnx(ours, tmp_path / "ours.onnx"), X)
    assert list(got) == list(expected_out)
    np.testing.assert_array_equal(got["label"], expected_out["label"])
    assert got["label"].dtype == expected_out["label"].dtype
    np.testing.assert_allclose(got["probabilities"], expected_out["probabilities"], rtol=1e-5, atol=1e-6)


def test_regressor_exports_variable_as_skl2onnx_does(tmp_path):
    X = inputs(np.float64, extreme=False)
    est = _fit_quietly(gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0), X, X[:, 0] * 2)
    got = run_onnx(gn.export_onnx(est, tmp_path / "r.onnx"), X)
    assert list(got) == ["variable"] and got["variable"].shape == (len(X), 1)
    np.testing.assert_allclose(got["variable"].ravel(), est.predict(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_exports_labels_scores_and_probabilities(tmp_path, activation, n_classes):
    X = inputs(np.float64, extreme=False)
    y = (X[:, 0] > 0).astype(int) + (n_classes == 3) * (X[:, 1] > 0)
    est = _fit_quietly(gn.Perceptron(activation=activation, max_iter=20), X, y)
    got = run_onnx(gn.export_onnx(est, tmp_path / "p.onnx"), X)
    np.testing.assert_array_equal(got["label"], est.predict(X))
    np.testing.assert_allclose(got["scores"], est.decision_function(X), rtol=1e-12, atol=1e-12)
    if activation == "sigmoid":
        np.testing.assert_allclose(got["probabilities"], est.predict_proba(X), rtol=1e-12, atol=1e-12)
    else:
        assert "probabilities" not in got


# --- graphs glassnet did not write ------------------------------------------------------------------------------
def test_pytorchs_exporter_files_load_and_agree_with_the_module(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), nn.SiLU(), nn.Linear(8, 6), nn.GELU(), nn.Linear(6, 4),
                        nn.LeakyReLU(0.1), nn.BatchNorm1d(4), nn.Dropout(0.1), nn.Linear(4, 3), nn.Softmax(dim=1))
    net.train()
    net(torch.randn(64, 3))  # running statistics away from (0, 1)
    net.eval()
    path = tmp_path / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.randn(5, 3),), str(path), dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}}, opset_version=18)
    model = gn.load_onnx(path)
    X = inputs(np.float32, extreme=False)
    with torch.no_grad():
        expected = net(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-6)
    assert model.loss.name == "categorical_crossentropy"
    assert [getattr(layer, "activation", None) and layer.activation.name for layer in model.layers][:3] == \
        ["swish", "gelu", "leaky_relu"]


def _graph_file(tmp_path, nodes, initializers, n_in=3, n_out=2, opset=18, name="g.onnx"):
    from onnx import TensorProto, helper

    graph = helper.make_graph(nodes, "hand", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n_in])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n_out])],
                              [onnx.numpy_helper.from_array(v, k) for k, v in initializers.items()])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = 10
    path = tmp_path / name
    path.write_bytes(proto.SerializeToString())
    return path


def test_matmul_add_transposed_gemm_and_constant_nodes_load(tmp_path):
    from onnx import helper

    rng = np.random.default_rng(5)
    W1, b1 = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    W2t, b2 = rng.normal(size=(2, 4)).astype(np.float32), rng.normal(size=(1, 2)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="mm"),
             helper.make_node("Add", ["b1", "h"], ["h1"], name="add"),
             helper.make_node("Gelu", ["h1"], ["a1"], name="gelu", approximate="tanh"),
             helper.make_node("Constant", [], ["W2t"], value=onnx.numpy_helper.from_array(W2t)),
             helper.make_node("Gemm", ["a1", "W2t", "b2"], ["z"], name="gemm", transB=1),
             helper.make_node("Elu", ["z"], ["y"], name="elu", alpha=0.5)]
    path = _graph_file(tmp_path, nodes, {"W1": W1, "b1": b1, "b2": b2}, opset=20)
    model = gn.load_onnx(path)
    X = inputs(np.float32, extreme=False)
    expected = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": X})[0]
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-5)
    assert model.layers[0].activation.name == "gelu_tanh" and model.layers[1].activation.alpha == 0.5
    assert model.loss.name == "mse"


def test_a_skip_connection_is_refused_naming_the_node(tmp_path):
    from onnx import helper

    W = np.eye(3, dtype=np.float32)
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="first"),
             helper.make_node("Relu", ["h"], ["a"], name="act"),
             helper.make_node("Add", ["a", "x"], ["y"], name="residual")]
    path = _graph_file(tmp_path, nodes, {"W": W}, n_out=3)
    with pytest.raises(ValueError, match=r"'residual' \(Add\).*skip connections"):
        gn.load_onnx(path)


def test_a_convolution_is_refused_naming_the_node_and_what_is_supported(tmp_path):
    from onnx import TensorProto, helper

    kernel = np.ones((1, 1, 2), np.float32)
    graph = helper.make_graph([helper.make_node("Conv", ["x", "k"], ["y"], name="conv1")], "c",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 3])],
                              [onnx.numpy_helper.from_array(kernel, "k")])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    path = tmp_path / "conv.onnx"
    path.write_bytes(proto.SerializeToString())
    with pytest.raises(ValueError, match="3 dimensions"):
        gn.load_onnx(path)
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="dense"),
             helper.make_node("HardSigmoid", ["h"], ["y"], name="odd_one")]
    path = _graph_file(tmp_path, nodes, {"W": np.ones((3, 2), np.float32)}, name="hard.onnx")
    with pytest.raises(ValueError, match=r"'odd_one' \(HardSigmoid\) is not supported.*Gemm, MatMul"):
        gn.load_onnx(path)
