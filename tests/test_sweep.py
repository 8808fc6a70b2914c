"""Sweeps: rows and their order, determinism across processes and a Dask cluster, an independent check of one
row against training by hand, the summaries, and the checks on bad input."""

import sys

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import glassnet as gn
from glassnet.sweep import DATASETS, DEFAULTS, as_dataframe, format_table, parse_grid, run_sweep, summarize

GRID = {"learning_rate": [0.01, 0.1], "hidden": [4, (8, 8)]}
SEEDS = (0, 3)
EPOCHS = 20
RESULTS = ["train_loss", "test_loss", "train_accuracy", "test_accuracy", "epochs_run", "seconds", "n_params",
           "diverged"]


def _sweep(**kwargs):
    return run_sweep("moons", GRID, seeds=SEEDS, epochs=EPOCHS, **kwargs)


def _numbers(rows):
    """Everything but the wall-clock time, the one column allowed to differ between runs."""
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


@pytest.fixture(scope="module")
def local_rows():
    return _sweep()


# --- rows ------------------------------------------------------------------------------------------------------

def test_one_row_per_grid_point_and_seed_in_grid_order(local_rows):
    assert len(local_rows) == 2 * 2 * len(SEEDS)
    for row in local_rows:
        assert list(row) == ["learning_rate", "hidden", "seed"] + RESULTS
    # the last grid parameter varies fastest, then the seed
    assert [(r["learning_rate"], r["hidden"], r["seed"]) for r in local_rows] == [
        (lr, h, s) for lr in GRID["learning_rate"] for h in GRID["hidden"] for s in SEEDS]
    for row in local_rows:
        assert row["epochs_run"] == EPOCHS and row["diverged"] is False
        assert 0.0 <= row["test_accuracy"] <= 1.0 and row["train_loss"] > 0 and row["seconds"] > 0
        hidden = (row["hidden"],) if isinstance(row["hidden"], int) else row["hidden"]
        widths = (2,) + hidden + (1,)
        assert row["n_params"] == sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


def test_the_same_call_gives_identical_numbers(local_rows):
    assert _numbers(_sweep()) == _numbers(local_rows)


def test_two_processes_give_the_same_numbers_as_one(local_rows):
    assert _numbers(_sweep(n_jobs=2)) == _numbers(local_rows)


def test_a_row_equals_training_the_same_network_by_hand(local_rows):
    row = next(r for r in local_rows if r["learning_rate"] == 0.1 and r["hidden"] == (8, 8) and r["seed"] == 3)
    X, y = gn.datasets.make_moons(random_state=3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=3, stratify=y)
    model = gn.Sequential([gn.Dense(8, activation="relu"), gn.Dense(8, activation="relu"),
                           gn.Dense(1, activation="sigmoid")], input_dim=2, seed=3)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.1))
    model.fit(X_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    assert row["train_loss"] == model.evaluate(X_train, y_train, return_dict=True)["loss"]
    assert row["test_loss"] == model.evaluate(X_test, y_test, return_dict=True)["loss"]
    assert row["train_accuracy"] == gn.metrics.accuracy(y_train, model.predict(X_train))
    assert row["test_accuracy"] == np.mean((model.predict(X_test)[:, 0] > 0.5) == y_test)


def test_tasks_multiclass_regression_and_xor():
    spiral = run_sweep("spiral", {"hidden": [8]}, epochs=3)[0]
    assert spiral["n_params"] == (2 + 1) * 8 + (8 + 1) * 3  # a softmax output per class
    sine = run_sweep("sine", {"hidden": [8]}, epochs=3)[0]
    assert "test_r2" in sine and "test_accuracy" not in sine
    # xor's truth table is not split: the test columns are computed on the same four rows
    xor = run_sweep("xor", {"learning_rate": [0.1]}, epochs=3)[0]
    assert xor["train_loss"] == xor["test_loss"] and xor["train_accuracy"] == xor["test_accuracy"]
    assert sorted(DATASETS) == ["circles", "digits", "moons", "sine", "spiral", "xor"]


def test_test_size_zero_holds_nothing_out_and_trains_on_every_row():
    """test_size=0 (the command line's choice for tiny data sets): the network trains on all rows, as a hand-made
    one does, and the test columns are measured on those rows."""
    X, y = gn.datasets.make_moons(n_samples=40, random_state=1)
    (row,) = run_sweep((X, y), {"hidden": [4]}, seeds=[2], epochs=3, test_size=0)
    assert row["train_loss"] == row["test_loss"] and row["train_accuracy"] == row["test_accuracy"]
    model = gn.Sequential([gn.Dense(4, activation="relu"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=2)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.01))
    model.fit(X, y, epochs=3, batch_size=32, verbose=0)
    assert row["train_accuracy"] == np.mean((model.predict(X)[:, 0] > 0.5) == y)


def test_arrays_string_labels_extra_metric_and_grid_training_settings():
    X, y = gn.datasets.make_blobs(n_samples=60, centers=3, random_state=0)
    names = np.array(["a", "b", "c"])[y]
    rows = run_sweep((X, names), {"epochs": [2, 4], "batch_size": [16]}, seeds=[5], metric=["f1", "accuracy"])
    assert [r["epochs_run"] for r in rows] == [2, 4]
    assert list(rows[0])[:3] == ["epochs", "batch_size", "seed"]
    assert {"train_f1", "test_f1", "test_accuracy"} <= set(rows[0])
    one_hot = run_sweep((X, np.eye(3, dtype=int)[y]), {"epochs": [2], "batch_size": [16]}, seeds=[5],
                        metric=["f1", "accuracy"])
    assert _numbers(one_hot) == _numbers(rows[:1])  # the same classes, whether named or one-hot
    regression = run_sweep((X, X[:, 0] * 2.0), {"activation": ["tanh"]}, epochs=2, metric="mae")[0]
    assert {"test_r2", "test_mae"} <= set(regression)


def build_tiny(params, n_features, n_outputs, seed):
    """A custom builder at module level, so worker processes can unpickle it."""
    model = gn.Sequential([gn.Dense(params["width"], activation="tanh"), gn.Dense(n_outputs, activation="softmax")],
                          input_dim=n_features, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.SGD(params["step"]))
    return model


def test_a_custom_builder_takes_any_parameter_names():
    rows = run_sweep("circles", {"width": [3], "step": [0.1]}, seeds=2, build=build_tiny, epochs=2)
    assert [r["n_params"] for r in rows] == [(2 + 1) * 3 + (3 + 1) * 2] * 2  # n_outputs=2 for two classes
    with pytest.raises(TypeError, match="compiled glassnet Sequential"):
        run_sweep("circles", {"width": [3]}, build=lambda *args: None, epochs=1)


def test_a_diverging_run_is_reported_in_its_row():
    row = run_sweep("sine", {"optimizer": ["sgd"], "learning_rate": [1e6]}, epochs=5)[0]
    assert row["diverged"] is True and row["epochs_run"] < 5


# --- on a Dask cluster -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster
    cluster.close()


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_rows_as_the_local_run(cluster, local_rows):
    rows = _sweep(backend="dask", scheduler=cluster.scheduler_address)
    assert _numbers(rows) == _numbers(local_rows)


def test_a_client_passed_in_is_used_and_left_open(cluster):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(cluster, set_as_default=False) as client:
        rows = run_sweep("xor", {"hidden": [2, 4]}, seeds=2, epochs=5, backend="dask", scheduler=client)
        assert client.status == "running"
    assert _numbers(rows) == _numbers(run_sweep("xor", {"hidden": [2, 4]}, seeds=2, epochs=5))


def test_an_error_on_a_worker_reaches_the_caller(cluster):
    with pytest.raises(TypeError, match="compiled glassnet Sequential"):
        run_sweep("xor", {"width": [3]}, build=lambda *args: None, epochs=1, backend="dask",
                  scheduler=cluster.scheduler_address)


def test_dask_without_distributed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"glassnet\[dask\]"):
        run_sweep("xor", {"hidden": [2]}, epochs=1, backend="dask", scheduler="tcp://127.0.0.1:8786")


# --- summaries and tables --------------------------------------------------------------------------------------

def test_summarize_gives_numpys_mean_and_std_over_seeds(local_rows):
    summary = summarize(local_rows)
    assert len(summary) == 4
    for point in summary:
        runs = [r for r in local_rows if r["learning_rate"] == point["learning_rate"]
                and r["hidden"] == point["hidden"]]
        assert point["n_runs"] == len(SEEDS)
        for column in RESULTS:
            values = [r[column] for r in runs]
            assert point[f"{column}_mean"] == np.mean(values)
            assert point[f"{column}_std"] == np.std(values)


def test_summarize_by_a_subset_and_for_chosen_metrics(local_rows):
    summary = summarize(local_rows, by="hidden", metric="accuracy")
    assert [s["hidden"] for s in summary] == [4, (8, 8)]
    assert list(summary[0]) == ["hidden", "n_runs", "train_accuracy_mean", "train_accuracy_std",
                                "test_accuracy_mean", "test_accuracy_std"]
    pooled = [r["test_accuracy"] for r in local_rows if r["hidden"] == 4]
    assert summary[0]["n_runs"] == 4 and summary[0]["test_accuracy_mean"] == np.mean(pooled)
    with pytest.raises(ValueError, match="unknown column 'test_f1'"):
        summarize(local_rows, metric="test_f1")
    with pytest.raises(ValueError, match="unknown column 'seed'"):
        summarize(local_rows, by="seed")
    with pytest.raises(ValueError, match="at least one row"):
        summarize([])


def test_format_table_and_as_dataframe(local_rows, monkeypatch):
    text = format_table(local_rows, columns=["learning_rate", "hidden", "test_accuracy"])
    lines = text.splitlines()
    assert lines[0].split() == ["learning_rate", "hidden", "test_accuracy"]
    assert len(lines) == 2 + len(local_rows) and "8x8" in lines[-1]
    assert f"{local_rows[0]['test_accuracy']:.4g}" in lines[2]
    assert format_table([]) == "(no rows)"
    with pytest.raises(ValueError, match="unknown column"):
        format_table(local_rows, columns=["nope"])
    pd = pytest.importorskip("pandas")
    frame = as_dataframe(local_rows)
    assert isinstance(frame, pd.DataFrame) and frame.shape == (len(local_rows), len(local_rows[0]))
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert as_dataframe(local_rows) is local_rows


def test_parse_grid_types_known_parameters():
    grid = parse_grid(["learning_rate=0.001,0.01", "hidden=4,16x16,none", "batch_norm=true,0",
                       "initializer=none,he_normal", "width=3,0.5,wide"])
    assert grid == {"learning_rate": [0.001, 0.01], "hidden": [4, (16, 16), ()], "batch_norm": [True, False],
                    "initializer": [None, "he_normal"], "width": [3, 0.5, "wide"]}
    with pytest.raises(TypeError):
        DEFAULTS["learning_rate"] = 1.0  # read-only, so a worker and the caller always agree
    for bad in ["learning_rate", "hidden=4,,8", "learning_rate=fast", "=1"]:
        with pytest.raises(ValueError):
            parse_grid([bad])
    with pytest.raises(ValueError, match="given twice"):
        parse_grid(["hidden=4", "hidden=8"])


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"grid": {}}, ValueError, "empty grid"),
    ({"grid": {"hidden": []}}, ValueError, r"grid\['hidden'\] must hold at least one value"),
    ({"grid": {"hidden": 4}}, TypeError, r"grid\['hidden'\] must be a list"),
    ({"grid": {"hidden": [4, 4]}}, ValueError, "twice"),
    ({"grid": {"width": [4]}}, ValueError, "known parameters are.*learning_rate"),
    ({"grid": {"seed": [1]}}, ValueError, "clash"),
    ({"grid": {"hidden": [0]}}, ValueError, "hidden"),
    ({"grid": {"activation": ["relux"]}}, ValueError, "activation"),
    ({"grid": {"optimizer": ["adam"], "momentum": [0.9]}}, ValueError, "momentum"),
    ({"grid": {"epochs": [0]}}, ValueError, "epochs"),
    ({"seeds": [0.5]}, TypeError, "seeds"),
    ({"seeds": "01"}, TypeError, "seeds"),
    ({"seeds": [1, 1]}, ValueError, "distinct"),
    ({"seeds": []}, ValueError, "seeds"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"data": "mnist"}, ValueError, "data.*moons"),
    ({"data": np.zeros((4, 2))}, TypeError, "data"),
    ({"backend": "ray"}, ValueError, "backend.*dask"),
    ({"backend": "dask"}, ValueError, "scheduler"),
    ({"scheduler": "tcp://127.0.0.1:8786"}, ValueError, "scheduler"),
    ({"test_size": 1.0}, ValueError, "test_size"),
    ({"test_size": -0.1}, ValueError, "test_size"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"metric": "r2"}, ValueError, "metric"),
    ({"build": "mlp"}, TypeError, "build"),
])
def test_bad_input_is_refused_with_a_message_naming_it(kwargs, error, match):
    call = {"data": "xor", "grid": {"hidden": [2]}, "epochs": 1, **kwargs}
    with pytest.raises(error, match=match):
        run_sweep(call.pop("data"), call.pop("grid"), **call)
