"""The one training loop: watching changes nothing, callbacks see true gradients, the loop can be stepped.

Every check compares two runs of the same seeded training bit for bit (``np.array_equal``), or the gradients a
callback sees against ``loss_and_gradients`` (an independent pass over the same batch).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet import _fast, optimizers, training
from glassnet.analysis import TrainingRecorder
from glassnet.training import Trainer

OPTIMIZERS = {
    "sgd": {"name": "sgd", "learning_rate": 0.05},
    "momentum": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    "nesterov": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "nesterov": True},
    "adam": {"name": "adam", "learning_rate": 0.01},
    "adamw": {"name": "adamw", "learning_rate": 0.01, "weight_decay": 0.1},
    "rmsprop": {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True},
    "adagrad": {"name": "adagrad", "learning_rate": 0.05},
    "clipped": {"name": "sgd", "learning_rate": 0.05, "clipnorm": 0.5},
}


def _families():
    """The switchboard's families this machine can run: the NumPy reference always; BLAS's axpby where NumPy's
    BLAS can be called; the compiled loops where numba is installed (the plain install and the fast extra)."""
    families = ["numpy"]
    if _fast.blas.available():
        families.append("blas")
    if _fast.implementation() == "jit":
        families.append("jit")
    return families


def _data(n=90, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    return rng.normal(size=(n, d)) + np.eye(k, d)[y], y


def _model(optimizer, dtype="float64", dropout=0.2, l2=1e-3, seed=3):
    model = gn.Sequential([gn.Dense(16, activation="relu", l2=l2), gn.BatchNorm(), gn.Dropout(dropout),
                           gn.Dense(8, activation="tanh"), gn.Dense(3, activation="softmax")],
                          input_dim=5, seed=seed, dtype=dtype)
    model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.get(dict(optimizer)),
                  metrics=["accuracy"])
    return model


def _state(model):
    state = model.optimizer.get_state()
    return model.get_weights() + [v for slots in state["slots"] for v in slots.values()]


def _assert_identical(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


class _ReadsEverything(gn.callbacks.Callback):
    """Reads gradients, weights and outputs at every hook: an observer as nosy as one can be."""

    def __init__(self):
        super().__init__()
        self.norms = []

    def on_batch_begin(self, batch, logs=None):
        self.norms.append(sum(float(np.abs(w).sum()) for w in self.model.get_weights()))

    def on_batch_end(self, batch, logs=None):
        self.norms.append(sum(float(np.abs(layer.grads[k]).sum()) for layer in self.model.layers
                              for k in layer.grads))

    def on_epoch_end(self, epoch, logs=None):
        self.norms.append(float(np.abs(self.model.predict(np.ones((2, 5)))).sum()))


@pytest.mark.parametrize("family", _families())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_observers_change_no_weight_of_the_run(optimizer, dtype, family, tmp_path):
    """A recorder of gradients and activations, a progress bar, a checkpoint, a CSV log and a callback that reads
    layer.grads at every batch: the same seeded run with all of them gives every weight and optimiser state bit
    for bit as without them (shuffling, dropout, batch norm and an L2 penalty included)."""
    X, y = _data()
    with _fast.using(family):
        plain = _model(optimizer, dtype)
        plain.fit(X, y, epochs=3, batch_size=16, verbose=0)
        watched = _model(optimizer, dtype)
        observers = [TrainingRecorder(X=X[:7], every=1, keep_arrays=True), _ReadsEverything(),
                     gn.callbacks.ModelCheckpoint(tmp_path / "ckpt.safetensors", monitor="loss"),
                     gn.callbacks.CSVLogger(tmp_path / "log.csv"), gn.callbacks.TerminateOnNaN()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tqdm's notebook hints, if any
            watched.fit(X, y, epochs=3, batch_size=16, verbose=1, callbacks=observers)
    _assert_identical(_state(plain), _state(watched))
    assert plain.history.history == watched.history.history
    assert len(observers[1].norms) == 3 * 6 * 2 + 3


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_callbacks_change_nothing(solver, dtype):
    X, y = _data(n=120)
    X = X.astype(dtype)
    kwargs = {"hidden_layer_sizes": (20, 20), "solver": solver, "alpha": 0.01, "batch_size": 32, "max_iter": 4,
              "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = gn.MLPClassifier(**kwargs).fit(X, y)
        watched = gn.MLPClassifier(**kwargs, callbacks=[_ReadsEverything(), TrainingRecorder(X=X[:5])]).fit(X, y)
    _assert_identical(plain.coefs_ + plain.intercepts_, watched.coefs_ + watched.intercepts_)
    assert plain.loss_curve_ == watched.loss_curve_


def test_a_batch_callback_sees_the_batchs_gradients_at_the_weights_before_the_step():
    """At each on_batch_end, every layer's grads equal loss_and_gradients of that batch (training mode) at the
    weights on_batch_begin saw; at each epoch's end they are still the last batch's."""
    X, y = _data(n=48)
    model = _model(OPTIMIZERS["momentum"], dropout=0.0)
    twin = _model(OPTIMIZERS["momentum"], dropout=0.0)
    seen = []
    hooks = gn.callbacks.LambdaCallback(
        on_batch_begin=lambda batch, logs: seen.append(("weights", model.get_weights())),
        on_batch_end=lambda batch, logs: seen.append(("grads", [layer.grads[k].copy() for layer in model.layers
                                                                for k in layer.params])),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch", [layer.grads[k].copy() for layer in model.layers
                                                                for k in layer.params])))
    model.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[hooks])
    batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16)] * 2
    steps = [(w, g) for (kind_w, w), (kind_g, g) in zip(seen[0::1], seen[1::1])
             if kind_w == "weights" and kind_g == "grads"]
    assert len(steps) == 6
    for (weights, grads), (Xb, yb) in zip(steps, batches):
        twin.set_weights(weights)
        _, expected = twin.loss_and_gradients(Xb, yb, training=True)
        trainable = [e for layer, chunk in zip(twin.layers, _split(expected, twin)) for e in chunk[:len(layer.params)]]
        for got, want in zip(grads, trainable):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    epoch_ends = [g for kind, g in seen if kind == "epoch"]
    last_batch = [g for kind, g in seen if kind == "grads"][2::3]
    for at_end, last in zip(epoch_ends, last_batch):
        _assert_identical(at_end, last)


def _split(arrays, model):
    """``get_weights``-ordered arrays, one list per layer."""
    out, i = [], 0
    for layer in model.layers:
        n = len(layer.weight_names())
        out.append(arrays[i:i + n])
        i += n
    return out


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_k_single_epoch_steps_equal_fit_for_k_epochs(optimizer):
    """Trainer.step_epoch k times, step_batch over k epochs' batches, and k calls of fit(epochs=1): the weights,
    optimiser state and losses of fit(epochs=k), bit for bit."""
    X, y = _data()
    k = 4
    reference = _model(OPTIMIZERS[optimizer])
    history = reference.fit(X, y, epochs=k, batch_size=16, verbose=0)

    stepped = _model(OPTIMIZERS[optimizer])
    trainer = Trainer(stepped, X, y, epochs=None, batch_size=16)
    losses = [trainer.step_epoch()["loss"] for _ in range(k)]
    trainer.end()
    _assert_identical(_state(reference), _state(stepped))
    assert losses == history.history["loss"]
    assert stepped.history.history == history.history

    by_batch = _model(OPTIMIZERS[optimizer])
    trainer = Trainer(by_batch, X, y, epochs=k, batch_size=16)
    ends = []
    while not trainer.done:
        logs = trainer.step_batch()
        if logs is not None:
            ends.append(logs["loss"])
    assert trainer.epoch == k and ends == history.history["loss"]
    _assert_identical(_state(reference), _state(by_batch))

    one_at_a_time = _model(OPTIMIZERS[optimizer])
    for _ in range(k):
        one_at_a_time.fit(X, y, epochs=1, batch_size=16, verbose=0)
    _assert_identical(_state(reference), _state(one_at_a_time))


def test_a_stepped_run_can_pause_and_resume_with_callbacks_seeing_one_run():
    X, y = _data()
    epochs = []
    model = _model(OPTIMIZERS["adam"])
    trainer = Trainer(model, X, y, epochs=3, batch_size=32,
                      callbacks=[gn.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))])
    trainer.step_batch()
    trainer.step_batch()
    assert epochs == [] and trainer.batch == 2
    trainer.step_epoch()  # the rest of epoch 0
    assert epochs == [0] and trainer.epoch == 1
    history = trainer.run()
    assert epochs == [0, 1, 2] and history.epoch == [0, 1, 2] and trainer.done
    with pytest.raises(RuntimeError, match="ended"):
        trainer.step_epoch()
    unended = Trainer(model, X, y, epochs=1, batch_size=32)
    unended.step_epoch()
    with pytest.raises(RuntimeError, match="over"):
        unended.step_batch()


def test_a_failing_callback_mid_epoch_leaves_the_model_as_the_step_found_it():
    X, y = _data()
    model = _model(OPTIMIZERS["adam"])
    armed = []

    def fail(batch, logs):
        if armed and batch == 3:
            raise RuntimeError("boom")

    trainer = Trainer(model, X, y, epochs=None, batch_size=16,
                      callbacks=[gn.callbacks.LambdaCallback(on_batch_end=fail)])
    trainer.step_epoch()
    before = _state(model)
    rng_before = training._rng_states(model)
    armed.append(True)  # the callback now fails at the fourth batch
    with pytest.raises(RuntimeError, match="boom"):
        trainer.step_epoch()
    _assert_identical(before, _state(model))
    assert training._rng_states(model) == rng_before and trainer.epoch == 1 and trainer.batch == 0


def test_trainer_checks_its_arguments_as_fit_does():
    X, y = _data()
    model = _model(OPTIMIZERS["sgd"])
    with pytest.raises(ValueError, match="epochs"):
        Trainer(model, X, y, epochs=0)
    with pytest.raises(TypeError, match="callbacks"):
        Trainer(model, X, y, callbacks=[object()])
    with pytest.raises(ValueError, match="X"):
        Trainer(model, X[:, :2], y)
    with pytest.raises(RuntimeError, match="compile"):
        Trainer(gn.Sequential([gn.Dense(2)], input_dim=5), X, y)
    with pytest.raises(TypeError, match="model must be a glassnet Sequential"):
        Trainer("model", X, y)
    with pytest.raises(ValueError, match="batch_size"):
        Trainer.from_arrays(model, X, np.eye(3)[y], epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="on_divergence"):
        Trainer.from_arrays(model, X, np.eye(3)[y], epochs=1, batch_size=8, on_divergence="ignore")


# --- kept from the fast path's tests: behaviour that holds on the one loop -----------------------------------
def _small_data(n=64, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    return rng.normal(size=(n, d)) + np.eye(k, d)[y], y


def _small_model(optimizer, dtype="float64", batch_norm=False, dropout=0.0, l2=0.0, loss="categorical_crossentropy"):
    layers = [gn.Dense(7, activation="relu", l2=l2)]
    layers += [gn.BatchNorm()] if batch_norm else []
    layers += [gn.Dropout(dropout)] if dropout else []
    layers += [gn.Dense(6, activation="tanh"), gn.Dense(3, activation="softmax")]
    model = gn.Sequential(layers, input_dim=5, seed=4, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer)
    return model


def test_a_batch_callback_reads_the_true_gradients():
    """Full batch, no shuffling: the gradients a batch hook sees are those loss_and_gradients gives for the
    weights before the step (an independent computation of the same quantity)."""
    X, y = _small_data()
    model = _small_model(optimizers.SGD(0.3))
    model.build(5)
    _, expected = model.loss_and_gradients(X, y, training=True)
    seen = []

    def grab(batch, logs):
        seen.append([layer.grads[k].copy() for layer in model.layers for k in layer.params])

    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0,
              callbacks=[gn.callbacks.LambdaCallback(on_batch_end=grab)])
    for got, want in zip(seen[0], expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_after_fit_the_gradients_are_the_last_batch_gradients():
    X, y = _small_data()
    model = _small_model(optimizers.SGD(0.3))
    model.build(5)
    _, expected = model.loss_and_gradients(X, y, training=True)
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    for got, want in zip(model._grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("sgd", [{"learning_rate": 0.1}, {"learning_rate": 0.05, "momentum": 0.9},
                                 {"learning_rate": 0.05, "momentum": 0.7, "nesterov": True}],
                         ids=["plain", "momentum", "nesterov"])
def test_fit_matches_torch_sgd(sgd):
    """Three epochs of fit (no shuffling) against the same network and batches in torch."""
    torch = pytest.importorskip("torch")
    X, y = _small_data(n=40)
    model = _small_model(optimizers.SGD(**sgd))
    model.build(5)
    leaves = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    torch_opt = torch.optim.SGD(leaves, lr=sgd["learning_rate"], momentum=sgd.get("momentum", 0.0),
                                nesterov=sgd.get("nesterov", False))
    for _ in range(3):
        for start in range(0, 40, 8):
            W1, b1, W2, b2, W3, b3 = leaves
            xb, yb = torch.tensor(X[start:start + 8]), torch.tensor(y[start:start + 8])
            logits = torch.tanh(torch.relu(xb @ W1 + b1) @ W2 + b2) @ W3 + b3
            torch_opt.zero_grad()
            torch.nn.functional.cross_entropy(logits, yb).backward()
            torch_opt.step()
    model.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for w, leaf in zip(model.get_weights(), leaves):
        np.testing.assert_allclose(w, leaf.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_training_buffers_are_reused_and_copies_of_a_layer_get_their_own():
    """Dense keeps one work array per intermediate value while the batch size stays the same; a copy of the
    layer (what the analysis tools make to run passes of their own) never writes into the original's."""
    import copy

    model = _small_model(optimizers.SGD(0.1))
    model.build(5)
    layer = model.layers[0]
    X = np.random.default_rng(0).normal(size=(4, 5))
    first = layer.forward(X, training=True)
    again = layer.forward(X * 2, training=True)
    assert again is first                                  # the same array, overwritten
    np.testing.assert_allclose(again, np.maximum(2 * X @ layer.params["W"] + layer.params["b"], 0))
    twin = copy.copy(layer)
    out = twin.forward(X, training=True)
    assert not np.shares_memory(out, first)
    np.testing.assert_allclose(first, np.maximum(2 * X @ layer.params["W"] + layer.params["b"], 0))
    assert layer.forward(X[:3], training=True).shape == (3, 7)




# --- BatchNorm and batches of one sample ------------------------------------------------------------------------
def _bn_data(n=65, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))    # five features, as the observers above read
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)


def _bn_model(built=True, lr=0.1):
    model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.BatchNorm(), gn.Dense(1, activation="sigmoid")],
                          input_dim=5 if built else None, seed=0, dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(lr))
    return model


def _batch_norm_warnings(caught):
    return [w for w in caught if issubclass(w.category, UserWarning) and "BatchNorm" in str(w.message)]


def test_batch_norm_in_training_maps_one_sample_to_beta_and_passes_no_gradient_down():
    """The trap itself, in closed form: over a batch of one the mean is the sample, so x - mean = 0, BatchNorm
    outputs beta whatever the input, and neither gamma nor any layer below it receives a gradient."""
    X, y = _bn_data()
    model = _bn_model()
    model.set_weights([w + 0.3 for w in model.get_weights()])   # beta != 0, so the output is not trivially 0
    model.forward(X[:1], training=True)
    np.testing.assert_array_equal(model.layers[1].outputs, model.layers[1].params["beta"][None, :])
    _, grads = model.loss_and_gradients(X[:1], y[:1], training=True)
    W1, b1, gamma = grads[:3]
    assert not W1.any() and not b1.any() and not gamma.any()


def test_train_on_batch_refuses_one_sample_with_batch_norm_as_torch_does_and_changes_nothing():
    torch = pytest.importorskip("torch")
    # PyTorch's documented behaviour: BatchNorm1d in training raises ValueError on a batch of one; two are fine
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        torch.nn.BatchNorm1d(4).train()(torch.ones(1, 4))
    torch.nn.BatchNorm1d(4).train()(torch.ones(2, 4))

    X, y = _bn_data()
    model = _bn_model()
    before, history = _state(model), model.history
    with pytest.raises(ValueError, match=r"train_on_batch received a batch of 1 sample.*BatchNorm layer "
                                         r"\(layer 2 of 3\).*at least 2 samples"):
        model.train_on_batch(X[:1], y[:1])
    _assert_identical(_state(model), before)
    assert model.history is history and model.optimizer.iterations == 0
    unbuilt = _bn_model(built=False)
    with pytest.raises(ValueError, match="BatchNorm"):
        unbuilt.train_on_batch(X[:1], y[:1])
    assert not unbuilt.built                        # refused before building: nothing drawn
    model.train_on_batch(X[:2], y[:2])
    assert model.optimizer.iterations == 1
    plain = gn.Sequential([gn.Dense(1, activation="sigmoid")], input_dim=5, seed=0)
    plain.compile(loss="binary_crossentropy", optimizer="sgd")
    plain.train_on_batch(X[:1], y[:1])              # without BatchNorm one sample is a batch like any other


@pytest.mark.parametrize("n, kwargs", [(65, {"batch_size": 1}), (1, {"batch_size": 32}),
                                       (1, {"batch_size": None}), (4, {"batch_size": 8, "validation_split": 0.75})],
                         ids=["batch_size=1", "one-sample", "one-sample-full-batch", "one-left-after-split"])
def test_fit_refuses_to_train_batch_norm_on_batches_of_one_and_changes_nothing(n, kwargs):
    X, y = _bn_data(n=max(n, 2))
    X, y = X[:n], y[:n]
    model = _bn_model()
    before, history = _state(model), model.history
    with pytest.raises(ValueError, match="BatchNorm.*at least 2 samples"):
        model.fit(X, y, epochs=2, verbose=0, **kwargs)
    _assert_identical(_state(model), before)
    assert model.history is history
    unbuilt = _bn_model(built=False)
    with pytest.raises(ValueError, match="BatchNorm"):
        unbuilt.fit(X, y, epochs=2, verbose=0, **kwargs)
    assert not unbuilt.built


def test_fit_drops_a_final_batch_of_one_warning_once_and_trains_as_on_the_other_rows():
    """65 rows in batches of 32 without shuffling: the run is bit for bit the run on the first 64 rows, with one
    warning for the whole run (not one per epoch), pointing at the caller's line."""
    X, y = _bn_data(n=65)
    dropped, kept = _bn_model(), _bn_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped.fit(X, y, epochs=5, batch_size=32, shuffle=False, verbose=0)
    found = _batch_norm_warnings(caught)
    assert len(found) == 1 and found[0].filename == __file__
    assert "65 training samples in batches of 32" in str(found[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept.fit(X[:64], y[:64], epochs=5, batch_size=32, shuffle=False, verbose=0)
    _assert_identical(_state(dropped), _state(kept))
    assert dropped.history.history["loss"] == kept.history.history["loss"]


def test_fit_with_a_final_batch_of_one_matches_torch_dataloader_drop_last():
    """PyTorch's remedy for the same trap, DataLoader(drop_last=True), trains the same weights: the network and
    its SGD steps written in torch, BatchNorm from its batch statistics (biased variance, epsilon 1e-5)."""
    torch = pytest.importorskip("torch")
    X, y = _bn_data(n=49)
    model = _bn_model(lr=0.2)
    leaves = [torch.tensor(w, requires_grad=True) for w in model.get_weights()[:4] + model.get_weights()[6:]]
    W1, b1, gamma, beta, W2, b2 = leaves
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)),
                                         batch_size=16, shuffle=False, drop_last=True)
    opt = torch.optim.SGD(leaves, lr=0.2)
    for _ in range(4):
        for xb, yb in loader:
            h = torch.tanh(xb @ W1 + b1)
            h = torch.nn.functional.batch_norm(h, None, None, gamma, beta, training=True, eps=1e-5)
            logits = (h @ W2 + b2)[:, 0]
            opt.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(logits, yb.double()).backward()
            opt.step()
    with pytest.warns(UserWarning, match="final batch of one"):
        model.fit(X, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    got = model.get_weights()
    for w, leaf in zip(got[:4] + got[6:], leaves):
        np.testing.assert_allclose(w, leaf.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_shuffled_fit_drops_one_sample_per_epoch_and_watching_still_changes_nothing():
    X, y = _bn_data(n=65)
    sizes = []
    watched, plain = _bn_model(), _bn_model()
    recorder = TrainingRecorder(X=X[:16])
    with pytest.warns(UserWarning, match="a different sample each epoch"):
        watched.fit(X, y, epochs=4, batch_size=16, verbose=0, callbacks=[
            _ReadsEverything(), recorder,
            gn.callbacks.LambdaCallback(on_batch_begin=lambda batch, logs: sizes.append(logs["size"]))])
    assert sizes == [16] * 16                       # four full batches per epoch, the 65th row left out
    with pytest.warns(UserWarning, match="final batch of one"):
        plain.fit(X, y, epochs=4, batch_size=16, verbose=0)
    _assert_identical(_state(watched), _state(plain))
    stepped = _bn_model()
    with pytest.warns(UserWarning, match="final batch of one"):
        trainer = Trainer(stepped, X, y, epochs=None, batch_size=16)
    for _ in range(4):
        trainer.step_epoch()
    trainer.end()
    _assert_identical(_state(stepped), _state(plain))


# --- reading the next batch ahead ------------------------------------------------------------------------------
def test_next_batch_rows_are_the_rows_the_next_step_trains_on_and_reading_them_changes_nothing():
    """explain_step works the update out by itself on the rows read ahead; the Trainer's own step on its own
    batch must land on exactly those weights, batch after batch, and the run must be the one it is unasked."""
    X, y = gn.datasets.make_moons(50, noise=0.2, random_state=0)

    def fresh():
        model = gn.builders.mlp(2, (5,), "binary", activation="tanh", optimizer="sgd", learning_rate=0.3, seed=4)
        return model, gn.Trainer(model, X, y, epochs=3, batch_size=16, shuffle=True)

    model, trainer = fresh()
    for _ in range(7):  # into the second epoch, across its reshuffle
        rows = trainer.next_batch_rows()
        explained = gn.analysis.explain_step(model, trainer.X[rows], trainer.y[rows])
        trainer.step_batch()
        for expected, got in zip(explained.new_weights, model.get_weights()):
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    trainer.run()
    plain, plain_trainer = fresh()
    plain_trainer.run()
    for a, b in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="over"):
        trainer.next_batch_rows()
