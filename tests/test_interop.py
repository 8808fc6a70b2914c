"""Interop's refusals (each names what it refuses and what is allowed, and builds nothing), its files, and the
command line's `export` and `report MODEL.onnx`."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import io as gio
from glassnet.cli import main
from glassnet.io import ModelFileError

onnx = pytest.importorskip("onnx")


def small_model(**kwargs):
    return gn.Sequential([gn.Dense(3, activation="tanh"), gn.Dense(2, activation="softmax")], input_dim=2,
                         seed=0, **kwargs)


# --- export_onnx's arguments ------------------------------------------------------------------------------------
def test_export_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="must be built"):
        gn.export_onnx(gn.Sequential([gn.Dense(2)]), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="Sequential, MLPClassifier, MLPRegressor or Perceptron, received dict"):
        gn.export_onnx({}, tmp_path / "m.onnx")
    from sklearn.neural_network import MLPRegressor

    with pytest.raises(TypeError, match="gn.from_sklearn"):
        gn.export_onnx(MLPRegressor(), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset"):
        gn.export_onnx(small_model(), tmp_path / "m.onnx", opset=12)
    with pytest.raises(ValueError, match="opset"):
        gn.export_onnx(small_model(), tmp_path / "m.onnx", opset=10_000)
    with pytest.raises(TypeError, match="opset"):
        gn.export_onnx(small_model(), tmp_path / "m.onnx", opset="18")
    with pytest.raises(TypeError, match="path"):
        gn.export_onnx(small_model(), 3)
    with pytest.raises(IsADirectoryError):
        gn.export_onnx(small_model(), tmp_path)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        gn.export_onnx(gn.MLPClassifier(), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []  # nothing written by any refusal


def test_export_writes_atomically_over_an_existing_file(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")
    gn.export_onnx(small_model(), target)
    onnx.checker.check_model(onnx.load(target))
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temporary file left behind


# --- load_onnx's files ------------------------------------------------------------------------------------------
def test_files_that_are_not_onnx_get_model_file_error(tmp_path):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07\x12\xff\xff\xff not a protobuf")
    with pytest.raises(ModelFileError):
        gn.load_onnx(garbage)
    good = gn.export_onnx(small_model(), tmp_path / "good.onnx").read_bytes()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError):
        gn.load_onnx(truncated)
    with pytest.raises(FileNotFoundError):
        gn.load_onnx(tmp_path / "missing.onnx")
    with pytest.raises(TypeError, match="path"):
        gn.load_onnx(None)


def test_external_data_and_oversized_files_are_refused(tmp_path, monkeypatch):
    model = gn.Sequential([gn.Dense(64), gn.Dense(64)], input_dim=64, seed=0)
    path = gn.export_onnx(model, tmp_path / "m.onnx")
    proto = onnx.load(path)
    onnx.save_model(proto, tmp_path / "external.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    with pytest.raises(ModelFileError, match="external data"):
        gn.load_onnx(tmp_path / "external.onnx")
    monkeypatch.setattr(gio, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ModelFileError, match="more than the 1,000"):
        gn.load_onnx(path)
    gn.save_model(model, tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match="more than the 1,000"):
        gn.load_model(tmp_path / "m.safetensors")


def test_an_invalid_graph_is_a_model_file_error(tmp_path):
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["nowhere"], ["y"], name="dangling")
    graph = helper.make_graph([node], "bad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])])
    path = tmp_path / "bad.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString())
    with pytest.raises(ModelFileError, match="not a valid ONNX model"):
        gn.load_onnx(path)


def test_non_finite_weights_and_wrong_shapes_are_refused(tmp_path):
    from onnx import TensorProto, helper

    def file(W, name):
        graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="dense0")], "g",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", W.shape[1]])],
                                  [onnx.numpy_helper.from_array(W, "W")])
        path = tmp_path / name
        path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString())
        return path

    with pytest.raises(ModelFileError, match="'dense0'.*NaN or infinite"):
        gn.load_onnx(file(np.array([[1, np.nan], [0, 1]], np.float32), "nan.onnx"))
    with pytest.raises(ModelFileError, match="'dense0'.*input has 2 features"):
        gn.load_onnx(file(np.ones((3, 2), np.float32), "shape.onnx"))


def test_a_given_loss_is_checked_before_the_file_is_read(tmp_path):
    path = gn.export_onnx(small_model(), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="loss"):
        gn.load_onnx(path, loss="nonsense")
    assert gn.load_onnx(path, loss="mse").loss.name == "mse"


# --- from_sklearn and from_torch refusals ------------------------------------------------------------------------
def test_from_sklearn_refuses_other_objects_and_unfitted_estimators():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    with pytest.raises(TypeError, match="MLPClassifier, MLPRegressor or Perceptron, received LogisticRegression"):
        gn.from_sklearn(LogisticRegression())
    with pytest.raises(ValueError, match="not fitted"):
        gn.from_sklearn(MLPClassifier())
    with pytest.raises(TypeError, match="received Sequential"):
        gn.from_sklearn(small_model())


def test_from_torch_refuses_what_is_not_an_mlp_naming_where():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Net(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"torch.nn.Sequential \(its layers in order\), received Net"):
        gn.from_torch(Net())
    with pytest.raises(TypeError, match="received list"):
        gn.from_torch([nn.Linear(2, 2)])
    with pytest.raises(ValueError, match=r"module '1\.0' \(Conv1d\).*Linear, BatchNorm1d"):
        gn.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.Conv1d(1, 1, 2))))
    with pytest.raises(ValueError, match=r"module '1' \(Softmax\).*dim=0"):
        gn.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match="track_running_stats=False"):
        gn.from_torch(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2, track_running_stats=False)))
    with pytest.raises(ValueError, match="beta=2"):
        gn.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softplus(beta=2)))
    with pytest.raises(ValueError, match=r"module '1'.*its input has 3 features"):
        gn.from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)))
    with pytest.raises(ValueError, match="float16"):
        gn.from_torch(nn.Sequential(nn.Linear(2, 2)).half())
    with pytest.raises(ValueError, match="empty"):
        gn.from_torch(nn.Sequential())
    with pytest.raises(ValueError, match="no dense"):
        gn.from_torch(nn.Sequential(nn.ReLU()))


# --- the command line -------------------------------------------------------------------------------------------
def test_glassnet_export_writes_an_onnx_file_and_report_reads_it(tmp_path, capsys):
    X, y = gn.datasets.make_moons(200, noise=0.1, random_state=0)
    model = gn.builders.mlp(2, (6,), "binary", activation="tanh", learning_rate=0.05, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, epochs=20, verbose=0)
    gn.save_model(model, tmp_path / "m.safetensors")
    code = main(["export", str(tmp_path / "m.safetensors"), "--onnx", str(tmp_path / "m.onnx")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "m.onnx" in out and "opset 18" in out
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": X.astype(np.float32)})[0], model.predict(X),
                               rtol=1e-5, atol=1e-6)
    code = main(["report", str(tmp_path / "m.onnx"), "--data", "moons", "--out", str(tmp_path / "report")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (tmp_path / "report" / "report.html").is_file()


def test_glassnet_export_errors_are_one_line(tmp_path, capsys):
    code = main(["export", str(tmp_path / "missing.safetensors"), "--onnx", str(tmp_path / "m.onnx")])
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.onnx").exists()
