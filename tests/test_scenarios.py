"""The seed documents' scenarios, through the public API: each must reach the accuracy the seeds promise."""

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_moons
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

import glassnet as gn


def _split(X, y, seed=0):
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


def test_xor_2_4_1_is_solved():
    X, y = gn.datasets.make_xor()
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2,
                          seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.5, momentum=0.9),
                  metrics=["accuracy"])
    model.fit(X, y, epochs=1000, batch_size=None, verbose=0)
    p = model.predict(X).ravel()
    assert np.array_equal(p > 0.5, y.astype(bool))
    assert np.all(np.abs(p - y) < 0.1)


def test_single_neuron_cannot_solve_xor():
    X, y = gn.datasets.make_xor()
    model = gn.Sequential([gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.5), metrics=["accuracy"])
    history = model.fit(X, y, epochs=500, batch_size=None, verbose=0)
    # a line separates at most 3 of the 4 points
    assert history.history["accuracy"][-1] <= 0.75


@pytest.mark.parametrize("maker", [
    lambda: make_moons(n_samples=1000, noise=0.1, random_state=0),
    lambda: make_circles(n_samples=1000, noise=0.05, factor=0.5, random_state=0),
], ids=["moons", "circles"])
def test_moons_and_circles_reach_97_percent(maker):
    X, y = maker()
    X_train, X_test, y_train, y_test = _split(X, y)
    model = gn.Sequential([gn.Dense(32, activation="relu"), gn.Dense(32, activation="relu"),
                           gn.Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.01), metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=60, batch_size=32, verbose=0)
    assert model.evaluate(X_test, y_test, return_dict=True)["accuracy"] >= 0.97


def test_three_class_spiral_reaches_95_percent_training_accuracy():
    X, y = gn.datasets.make_spiral(n_samples=600, n_classes=3, noise=0.2, random_state=0)
    model = gn.Sequential([gn.Dense(64, activation="relu"), gn.Dense(64, activation="relu"),
                           gn.Dense(3, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.Adam(0.01), metrics=["accuracy"])
    model.fit(X, y, epochs=150, batch_size=32, verbose=0)
    assert model.evaluate(X, y, return_dict=True)["accuracy"] >= 0.95


def test_sine_regression_fits_the_curve():
    rng = np.random.default_rng(0)
    x = rng.uniform(-np.pi, np.pi, size=(600, 1))
    y = np.sin(x[:, 0]) + 0.5 * np.cos(2 * x[:, 0]) + 0.05 * rng.normal(size=600)
    model = gn.Sequential([gn.Dense(32, activation="tanh"), gn.Dense(32, activation="tanh"), gn.Dense(1)],
                          seed=0)
    model.compile(loss="mse", optimizer=gn.optimizers.Adam(0.01))
    model.fit(x, y, epochs=150, batch_size=32, verbose=0)
    grid = np.linspace(-3, 3, 200)[:, None]
    truth = np.sin(grid[:, 0]) + 0.5 * np.cos(2 * grid[:, 0])
    assert r2_score(truth, model.predict(grid)[:, 0]) > 0.98


def test_digits_with_batchnorm_and_dropout_reach_97_percent():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = _split(X, y)
    model = gn.Sequential([gn.Dense(128, activation="relu"), gn.BatchNorm(), gn.Dropout(0.2),
                           gn.Dense(10, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.Adam(0.003), metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=40, batch_size=32, verbose=0)
    assert model.evaluate(X_test, y_test, return_dict=True)["accuracy"] >= 0.97
