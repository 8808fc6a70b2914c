"""builders.mlp: the layers and loss each task gets, the settings it passes on, training bit for bit like the same
network written by hand, and the messages for bad arguments."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.builders import mlp
from glassnet.layers import BatchNorm, Dense, Dropout


def _dense(model):
    return [layer for layer in model.layers if isinstance(layer, Dense)]


# --- what each task gets -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("task, n_outputs, units, output, loss, metric", [
    ("binary", None, 1, "sigmoid", "binary_crossentropy", "accuracy"),
    ("binary", 2, 1, "sigmoid", "binary_crossentropy", "accuracy"),
    ("classification", 2, 1, "sigmoid", "binary_crossentropy", "accuracy"),
    ("multiclass", 2, 2, "softmax", "categorical_crossentropy", "accuracy"),
    ("multiclass", 4, 4, "softmax", "categorical_crossentropy", "accuracy"),
    ("classification", 4, 4, "softmax", "categorical_crossentropy", "accuracy"),
    ("regression", None, 1, "linear", "mse", "r2"),
    ("regression", 3, 3, "linear", "mse", "r2"),
    ("multilabel", 3, 3, "sigmoid", "binary_crossentropy", "accuracy"),
    ("multilabel", 1, 1, "sigmoid", "binary_crossentropy", "accuracy"),
    ("poisson", None, 1, "exponential", "poisson", "mae"),
    ("poisson", 2, 2, "exponential", "poisson", "mae"),
])
def test_each_task_gets_its_output_layer_loss_and_metric(task, n_outputs, units, output, loss, metric):
    model = mlp(5, (6, 4), task, n_outputs=n_outputs, activation="tanh", seed=0)
    dense = _dense(model)
    assert [layer.output_dim for layer in dense] == [6, 4, units]
    assert [layer.activation.name for layer in dense] == ["tanh", "tanh", output]
    assert model.input_dim == 5 and model.built
    assert model.loss.name == loss and list(model.metrics) == [metric]
    assert model.predict(np.zeros((3, 5))).shape == (3, units)


def test_hidden_sizes_an_int_a_sequence_or_none():
    assert [layer.output_dim for layer in mlp(3, 7, "binary").layers] == [7, 1]
    assert [layer.output_dim for layer in mlp(3, [5, 4, 2], "binary").layers] == [5, 4, 2, 1]
    linear = mlp(3, (), "regression")
    assert len(linear.layers) == 1 and linear.count_params() == 3 + 1


def test_batch_norm_then_dropout_after_each_hidden_layer():
    model = mlp(2, (8, 8), "binary", dropout=0.25, batch_norm=True)
    assert [type(layer) for layer in model.layers] == [Dense, BatchNorm, Dropout, Dense, BatchNorm, Dropout, Dense]
    assert all(layer.rate == 0.25 for layer in model.layers if isinstance(layer, Dropout))
    assert [type(layer) for layer in mlp(2, (8,), "binary", dropout=0.0).layers] == [Dense, Dense]
    # one rate per hidden layer; a 0 leaves that layer's Dropout out
    per_layer = mlp(2, (8, 8, 8), "binary", dropout=[0.1, 0.0, 0.3])
    assert [type(layer) for layer in per_layer.layers] == [Dense, Dropout, Dense, Dense, Dropout, Dense]
    assert [layer.rate for layer in per_layer.layers if isinstance(layer, Dropout)] == [0.1, 0.3]


def test_initializer_and_l2_reach_every_dense_layer_and_the_default_follows_the_activation():
    model = mlp(2, (4, 4), "multiclass", n_outputs=3, initializer="zeros", l2=0.01)
    assert all(layer.l2 == 0.01 for layer in _dense(model))
    assert all(not w.any() for w in model.get_weights())           # zeros everywhere: kernels and biases
    relu = mlp(200, (300,), "binary", activation="relu", seed=0)
    # He's scale for ReLU (variance 2 / fan_in), against Glorot's 2 / (fan_in + fan_out) for tanh
    assert np.std(relu.get_weights()[0]) == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    tanh = mlp(200, (300,), "binary", activation="tanh", seed=0)
    assert np.std(tanh.get_weights()[0]) == pytest.approx(np.sqrt(2 / 500), rel=0.05)


def test_optimizer_by_name_config_or_instance():
    by_name = mlp(2, 3, "binary", optimizer="SGD", learning_rate=0.3)
    assert isinstance(by_name.optimizer, gn.optimizers.SGD) and by_name.optimizer.learning_rate == 0.3
    default = mlp(2, 3, "binary")
    assert isinstance(default.optimizer, gn.optimizers.Adam)
    assert default.optimizer.learning_rate == gn.optimizers.Adam().learning_rate
    config = mlp(2, 3, "binary", optimizer={"name": "sgd", "momentum": 0.5}, learning_rate=0.2)
    assert (config.optimizer.momentum, config.optimizer.learning_rate) == (0.5, 0.2)
    instance = gn.optimizers.RMSprop(learning_rate=0.004)
    assert mlp(2, 3, "binary", optimizer=instance).optimizer is instance


def test_metrics_auto_none_or_given():
    assert list(mlp(2, 3, "binary", metrics=None).metrics) == []
    assert list(mlp(2, 3, "regression", metrics=[]).metrics) == []
    assert list(mlp(2, 3, "regression", metrics=["mae", "r2"]).metrics) == ["mae", "r2"]
    assert list(mlp(2, 3, "binary", metrics="roc_auc").metrics) == ["roc_auc"]


def test_dtype_and_seed():
    model = mlp(2, 3, "binary", dtype="float64", seed=4)
    assert model.dtype == np.float64 and all(w.dtype == np.float64 for w in model.get_weights())
    assert all(w.dtype == np.float32 for w in mlp(2, 3, "binary").get_weights())
    again = mlp(2, 3, "binary", dtype="float64", seed=4)
    other = mlp(2, 3, "binary", dtype="float64", seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))
    assert not np.array_equal(model.get_weights()[0], other.get_weights()[0])


# --- the same numbers as the network written by hand ----------------------------------------------------------

def _hand_built(n_features, layers, loss, optimizer, metrics, seed, dtype="float32"):
    model = gn.Sequential(layers, input_dim=n_features, seed=seed, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer, metrics=metrics)
    return model


def _fit_both(built, by_hand, X, y):
    histories = [m.fit(X, y, epochs=4, batch_size=16, verbose=0, shuffle=True) for m in (built, by_hand)]
    for a, b in zip(built.get_weights(), by_hand.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert histories[0].history == histories[1].history


def test_a_binary_network_trains_exactly_like_the_hand_built_one():
    X, y = gn.datasets.make_moons(n_samples=80, noise=0.2, random_state=0)
    built = mlp(2, (8, 6), "binary", activation="tanh", dropout=0.2, batch_norm=True, optimizer="sgd",
                learning_rate=0.1, seed=3)
    by_hand = _hand_built(2, [gn.Dense(8, activation="tanh"), gn.BatchNorm(), gn.Dropout(0.2),
                              gn.Dense(6, activation="tanh"), gn.BatchNorm(), gn.Dropout(0.2),
                              gn.Dense(1, activation="sigmoid")],
                          "binary_crossentropy", gn.optimizers.SGD(learning_rate=0.1), ["accuracy"], seed=3)
    _fit_both(built, by_hand, X, y)


def test_a_multiclass_network_trains_exactly_like_the_hand_built_one():
    X, y = gn.datasets.make_spiral(n_samples=90, n_classes=3, random_state=1)
    built = mlp(2, [16], "multiclass", n_outputs=3, initializer="he_uniform", l2=1e-3, learning_rate=0.01,
                dtype="float64", seed=7)
    by_hand = _hand_built(2, [gn.Dense(16, activation="relu", kernel_initializer="he_uniform", l2=1e-3),
                              gn.Dense(3, activation="softmax", kernel_initializer="he_uniform", l2=1e-3)],
                          "categorical_crossentropy", gn.optimizers.Adam(learning_rate=0.01), ["accuracy"], seed=7,
                          dtype="float64")
    _fit_both(built, by_hand, X, y)


def test_a_regression_network_trains_exactly_like_the_hand_built_one():
    X, y = gn.datasets.make_sine(n_samples=60, random_state=2)
    Y = np.column_stack([y, 2 * y])
    built = mlp(1, (5,), "regression", n_outputs=2, activation="elu", optimizer=gn.optimizers.RMSprop(0.01),
                seed=0)
    by_hand = _hand_built(1, [gn.Dense(5, activation="elu"), gn.Dense(2)], "mse", gn.optimizers.RMSprop(0.01),
                          ["r2"], seed=0)
    _fit_both(built, by_hand, X, Y)


# --- bad arguments --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_features": 0}, ValueError, "n_features must be an integer >= 1, received n_features=0"),
    ({"n_features": 2.0}, TypeError, "n_features must be an integer, received n_features=2.0"),
    ({"hidden": 0}, ValueError, "hidden must be .*received hidden=0"),
    ({"hidden": "16"}, TypeError, "hidden must be a positive integer or a sequence.*received hidden='16'"),
    ({"hidden": (4, 0)}, ValueError, r"hidden\[1\] must be .*received hidden\[1\]=0"),
    ({"hidden": (4, 2.5)}, TypeError, r"hidden\[1\] must be an integer"),
    ({"task": "ranking"}, ValueError, "Unknown task 'ranking'; allowed values are .*binary.*regression"),
    ({"task": "binary", "n_outputs": 3}, ValueError, "n_outputs .* 2 for task='binary'.*received n_outputs=3"),
    ({"task": "multiclass"}, ValueError, "task='multiclass' needs n_outputs"),
    ({"task": "classification", "n_outputs": 1}, ValueError, "n_outputs must be .*received n_outputs=1"),
    ({"task": "regression", "n_outputs": 0}, ValueError, "n_outputs must be .*received n_outputs=0"),
    ({"activation": "relux"}, ValueError, "Unknown activation 'relux'.*Did you mean 'relu'"),
    ({"activation": "step"}, ValueError, "activation='step'.*Perceptron"),
    ({"dropout": 1.0}, ValueError, r"dropout must be in \[0.0, 1.0\), received dropout=1.0"),
    ({"dropout": [0.1, 0.2]}, ValueError, r"one rate per hidden layer \(1\), received 2 rates"),
    ({"dropout": [1.5]}, ValueError, r"dropout\[0\] must be in \[0.0, 1.0\), received dropout\[0\]=1.5"),
    ({"dropout": "0.1"}, TypeError, "dropout must be a rate in .*received dropout='0.1'"),
    ({"task": "multilabel"}, ValueError, "task='multilabel' needs n_outputs"),
    ({"batch_norm": "yes"}, TypeError, "batch_norm must be True or False, received batch_norm='yes'"),
    ({"initializer": "glorot"}, ValueError, "Unknown initializer 'glorot'"),
    ({"l2": -1.0}, ValueError, "l2 must be in .*received l2=-1.0"),
    ({"optimizer": "adma"}, ValueError, "Unknown optimizer 'adma'.*Did you mean 'adam'"),
    ({"optimizer": 3}, TypeError, "optimizer must be a name .*received optimizer=3"),
    ({"learning_rate": 0.0}, ValueError, r"learning_rate must be in \(0.0, .*received learning_rate=0.0"),
    ({"optimizer": gn.optimizers.SGD(), "learning_rate": 0.1}, ValueError, "learning_rate applies to an optimizer "
                                                                           "given by name"),
    ({"metrics": 5}, TypeError, "metrics must be 'auto', .*received metrics=5"),
    ({"metrics": ["nope"]}, ValueError, "nope"),
    ({"seed": -1}, ValueError, "seed must be .*received seed=-1"),
    ({"dtype": "float16"}, ValueError, "dtype must be 'float32' or 'float64', received dtype='float16'"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, error, match):
    call = {"n_features": 2, "hidden": (4,), "task": "binary", **kwargs}
    with pytest.raises(error, match=match):
        mlp(call.pop("n_features"), call.pop("hidden"), call.pop("task"), **call)
