"""Layers shared between models, as Keras shares them: an encoder cut out of a trained autoencoder computes with
the autoencoder's weights, and training either changes both."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from tests._helpers import numeric_gradient, rel_error

import glassnet as gn


def autoencoder(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((64, 6)).astype(dtype)
    ae = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(2, activation="tanh"), gn.Dense(4, activation="tanh"),
                        gn.Dense(6, activation="sigmoid")], input_dim=6, seed=seed, dtype=dtype)
    ae.compile(loss="mse", optimizer=gn.optimizers.Adam(0.01))
    ae.fit(X, X, epochs=3, batch_size=16, verbose=0)
    return ae, X


def test_an_encoder_cut_out_computes_the_first_layers_in_numpy():
    ae, X = autoencoder()
    encoder = gn.Sequential(ae.layers[:2])
    W1, b1, W2, b2 = (w.astype(np.float64) for w in ae.get_weights()[:4])
    expected = np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2)  # the encoder by hand
    assert encoder.built and encoder.input_dim == 6 and encoder.dtype == np.float64
    np.testing.assert_allclose(encoder.predict(X), expected, rtol=1e-12, atol=1e-12)
    decoder = ae[2:]
    np.testing.assert_array_equal(decoder.predict(encoder.predict(X)), ae.predict(X))
    np.testing.assert_array_equal(ae[:2].predict(X), encoder.predict(X))


def test_training_the_encoder_moves_the_autoencoders_weights_by_exactly_its_step():
    ae, X = autoencoder()
    encoder = ae[:2]
    encoder.compile(loss="mse", optimizer=gn.optimizers.SGD(0.1))
    target = np.zeros((len(X), 2))
    _, grads = encoder.loss_and_gradients(X, target, training=True)
    before = [w.copy() for w in ae.get_weights()]
    encoder.train_on_batch(X, target)
    after = ae.get_weights()
    for w0, g, w1 in zip(before[:4], grads, after[:4]):
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=1e-12, atol=1e-15)
    for w0, w1 in zip(before[4:], after[4:]):  # the decoder's weights are not the encoder's
        np.testing.assert_array_equal(w0, w1)


def test_the_autoencoders_gradients_stay_right_after_a_shared_model_trained():
    """The decoder's first layer is a middle layer of the autoencoder: after the decoder trained (where it is
    first, and passes no gradient back), the autoencoder's backward must still reach its first layers."""
    ae, X = autoencoder()
    decoder = ae[2:]
    decoder.compile(loss="mse", optimizer="sgd")
    decoder.fit(ae[:2].predict(X), X, epochs=1, verbose=0)
    Xs, W = X[:8], ae.layers[0].params["W"]
    _, grads = ae.loss_and_gradients(Xs, Xs)
    numeric = numeric_gradient(lambda: ae.evaluate(Xs, Xs), W)
    assert rel_error(grads[0], numeric) < 1e-6


def test_a_shared_model_follows_its_owner_when_the_owner_lays_its_weights_out_anew():
    ae, X = autoencoder()
    encoder = ae[:2]
    encoder.compile(loss="mse", optimizer=gn.optimizers.SGD(0.1))
    ae.add(gn.Dense(6))  # the autoencoder copies its weights into new arrays
    W = ae.layers[0].params["W"]
    before = W.copy()
    encoder.train_on_batch(X, np.zeros((len(X), 2)))
    assert not np.array_equal(W, before)  # the step reached the arrays the layers compute with


def test_copies_and_pickles_of_a_shared_model_are_independent():
    ae, X = autoencoder()
    encoder = ae[:2]
    for clone in (copy.deepcopy(encoder), pickle.loads(pickle.dumps(encoder))):
        np.testing.assert_array_equal(clone.predict(X), encoder.predict(X))
        clone.compile(loss="mse", optimizer=gn.optimizers.SGD(0.5))
        before = ae.get_weights()
        clone.fit(X, np.ones((len(X), 2)), epochs=2, verbose=0)
        for w0, w1 in zip(before, ae.get_weights()):
            np.testing.assert_array_equal(w0, w1)


def test_what_cannot_be_shared_is_refused_naming_why():
    ae, X = autoencoder()
    with pytest.raises(ValueError, match="either layers of its own or a run of another built model's"):
        gn.Sequential(ae.layers[:2] + [gn.Dense(3)])
    with pytest.raises(ValueError, match="either layers of its own"):
        gn.Sequential([gn.Dense(6, input_dim=6), ae.layers[1]])
    same = gn.Sequential([gn.Dense(4, activation="tanh") for _ in range(3)], input_dim=4, seed=0)
    with pytest.raises(ValueError, match="contiguous run"):
        gn.Sequential([same.layers[0], same.layers[2]])
    with pytest.raises(ValueError, match="takes 2 float64 inputs, but the layer before it gives 4"):
        gn.Sequential([ae.layers[0], ae.layers[2]])
    with pytest.raises(ValueError, match="dtype is float32"):
        gn.Sequential(ae.layers[:2], dtype="float32")
    with pytest.raises(ValueError, match="input_dim=3"):
        gn.Sequential(ae.layers[:2], input_dim=3)
    with pytest.raises(ValueError, match="already in this model"):
        gn.Sequential([ae.layers[0], ae.layers[0]])
    with pytest.raises(TypeError, match=r"model.layers\[1\]"):
        ae[1]
    with pytest.raises(ValueError, match="step 1"):
        ae[::2]
    with pytest.raises(ValueError, match="holds no layer"):
        ae[3:1]
    with pytest.raises(RuntimeError, match="not built"):
        gn.Sequential([gn.Dense(2)])[:1]
