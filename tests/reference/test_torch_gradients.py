"""glassnet's losses and gradients against torch.autograd, in float64.

Each test builds a glassnet ``Sequential`` with random weights, writes the same network by hand in torch
(``torch.nn.functional`` ops on leaf tensors, ``x @ W + b`` with ``W`` of shape ``(in, out)`` as glassnet keeps
it), computes the loss with glassnet's conventions (batch means, PyTorch's ``reduction="mean"``; categorical
cross-entropy summed over classes and averaged over samples; ``l1 * sum|W| + l2 * sum W**2`` added; sample
weights scale samples while the divisor stays the batch size) and compares ``loss_and_gradients`` with
autograd's.

Torch computes the fused output pairs (sigmoid + binary cross-entropy, softmax + categorical cross-entropy,
exponential + Poisson) from the logits with its own stable kernels, and every other pair through the
probabilities, so both of glassnet's paths (fused delta and generic chain rule) meet an independent reference.
Data and weights come from continuous distributions, so the kinks of relu, leaky_relu, mae and huber are hit
with probability zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import activations, losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-7
#: absolute floor, relative to the largest reference gradient, for entries that are sums cancelling to ~0
ATOL = 1e-11

#: every trainable activation, written with torch ops
TORCH_ACTIVATIONS = {
    "linear": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "selu": F.selu,
    "softplus": F.softplus,
    "exponential": torch.exp,
    "swish": F.silu,
    "gelu": F.gelu,
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "softmax": lambda z: torch.softmax(z, dim=-1),
}
HIDDEN_ACTIVATIONS = sorted(TORCH_ACTIVATIONS)

#: (output activation, loss, kind of target); the fused pairs first
CLASSIFICATION_PAIRS = [
    ("sigmoid", "binary_crossentropy", "binary"),
    ("sigmoid", "binary_crossentropy", "probability"),
    ("softmax", "categorical_crossentropy", "labels"),
    ("softmax", "categorical_crossentropy", "one_hot"),
    ("softmax", "categorical_crossentropy", "soft"),
    ("exponential", "poisson", "counts"),
    # generic chain rule through the activation's backward (softmax with its full Jacobian)
    ("softmax", "binary_crossentropy", "binary"),
    ("softmax", "binary_crossentropy", "probability"),
    ("sigmoid", "categorical_crossentropy", "labels"),
    ("sigmoid", "categorical_crossentropy", "one_hot"),
    ("softplus", "poisson", "counts"),
    ("sigmoid", "poisson", "counts"),
    ("softmax", "poisson", "counts"),
]
REGRESSION_LOSSES = ["mse", "mae", "huber"]
OUTPUT_PAIRS = CLASSIFICATION_PAIRS + [
    (act, loss, "real") for loss in REGRESSION_LOSSES for act in ("linear", "tanh", "relu", "sigmoid")]


# --- the tests ---------------------------------------------------------------------------------------------------
def test_every_trainable_activation_has_a_torch_reference():
    assert set(TORCH_ACTIVATIONS) == set(activations.ACTIVATIONS) - {"step"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.data())
def test_training_gradients_match_torch(case):
    net = case.draw(networks(training=True))
    check_against_torch(net, training=True, require=assume)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.data())
def test_inference_gradients_match_torch(case):
    """training=False: BatchNorm uses its (non-trivial) running statistics and Dropout is the identity."""
    net = case.draw(networks(training=False))
    check_against_torch(net, training=False, require=assume)


@pytest.mark.parametrize("separate_activation", [False, True], ids=["dense", "activation_layer"])
@pytest.mark.parametrize("pair", OUTPUT_PAIRS, ids=lambda p: "-".join(p))
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_every_output_pair_matches_torch(pair, separate_activation, training):
    """Every valid output activation and loss, through a small fixed network, so none depends on a draw."""
    out_act, loss, target = pair
    k = 1 if target in ("real", "counts") or (loss == "binary_crossentropy" and out_act == "sigmoid") else 3
    hidden = [("dense", 5, "tanh", 0.01, 0.02), ("batchnorm", 1e-3), ("dense", 4, "swish", 0.0, 0.0)]
    net = Net(layers=hidden + output_layers(k, out_act, separate_activation), loss=loss, huber_delta=0.7,
              target=target, n_samples=7, input_dim=3, seed=sum(map(ord, "".join(pair))) + separate_activation,
              sample_weight=False, column_vector_target=False)
    check_against_torch(net, training=training)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_every_hidden_activation_matches_torch(name):
    layers = [("dense", 4, name, 0.05, 0.0), ("batchnorm", 1e-5), ("activation", name),
              ("dense", 3, "tanh", 0.0, 0.1), ("dense", 2, name, 0.0, 0.0)]
    net = Net(layers=layers, loss="mse", huber_delta=1.0, target="real", n_samples=6, input_dim=3,
              seed=sum(map(ord, name)), sample_weight=False, column_vector_target=False)
    check_against_torch(net, training=True)


@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy", "categorical_crossentropy", "poisson", "huber"])
def test_sample_weights_match_torch(loss):
    """Weights scale each sample's loss; the divisor stays the batch size (Keras's convention)."""
    out_act, target, k = {"mse": ("linear", "real", 2), "huber": ("tanh", "real", 2),
                          "binary_crossentropy": ("sigmoid", "binary", 2),
                          "categorical_crossentropy": ("softmax", "labels", 3),
                          "poisson": ("exponential", "counts", 1)}[loss]
    net = Net(layers=[("dense", 4, "elu", 0.0, 0.0), ("dense", k, out_act, 0.0, 0.0)], loss=loss,
              huber_delta=0.5, target=target, n_samples=9, input_dim=2, seed=len(loss), sample_weight=True,
              column_vector_target=False)
    check_against_torch(net, training=True)


@pytest.mark.parametrize("row_sum", [0.0, 0.5, 2.0])
def test_categorical_crossentropy_rows_that_do_not_sum_to_one(row_sum):
    """Target rows are accepted if non-negative; the loss is -sum(y * log softmax(z)) for any such row (as
    torch's cross_entropy with probability targets), and its gradient must be that loss's gradient,
    ``softmax(z) * sum(y) - y``, not ``softmax(z) - y`` (which holds only for rows summing to one)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 3))
    Y = rng.dirichlet(np.ones(4), size=5) * row_sum
    model = gn.Sequential([gn.Dense(4, activation="softmax")], input_dim=3, seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    W, b = model.get_weights()
    loss, grads = model.loss_and_gradients(X, Y, training=True)

    Wt, bt = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    expected = F.cross_entropy(torch.tensor(X) @ Wt + bt, torch.tensor(Y))
    expected.backward()
    assert loss == pytest.approx(expected.detach().item(), rel=RTOL)
    assert_gradients_close(grads, [Wt.grad.numpy(), bt.grad.numpy()])


# --- networks --------------------------------------------------------------------------------------------------
@dataclass
class Net:
    """A network described plainly enough to build in both glassnet and torch.

    ``layers`` holds tuples: ``("dense", units, activation, l1, l2)``, ``("batchnorm", epsilon)``,
    ``("activation", name)``, ``("dropout", rate)``.
    """

    layers: list[tuple]
    loss: str
    huber_delta: float
    target: str
    n_samples: int
    input_dim: int
    seed: int
    sample_weight: bool
    column_vector_target: bool


def output_layers(k, activation, separate_activation):
    if separate_activation:
        return [("dense", k, "linear", 0.0, 0.0), ("activation", activation)]
    return [("dense", k, activation, 0.0, 0.0)]


@st.composite
def networks(draw, training):
    out_act, loss, target = draw(st.sampled_from(OUTPUT_PAIRS))
    if target == "real":
        out_act = draw(st.sampled_from(HIDDEN_ACTIVATIONS))
    if out_act == "softmax" or loss == "categorical_crossentropy":
        k = draw(st.integers(2, 5))
    else:
        k = draw(st.integers(1, 4))
    penalty = st.sampled_from([0.0, 0.0, 1e-3, 0.05, 0.5])
    layers = []
    if draw(st.integers(0, 4)) == 0:
        layers.append(("batchnorm", draw(st.sampled_from([1e-5, 1e-3, 0.1]))))
    for _ in range(draw(st.integers(0, 4))):
        layers.append(("dense", draw(st.integers(1, 6)), draw(st.sampled_from(HIDDEN_ACTIVATIONS)),
                       draw(penalty), draw(penalty)))
        if draw(st.booleans()):
            layers.append(("batchnorm", draw(st.sampled_from([1e-5, 1e-3, 0.1]))))
        if draw(st.integers(0, 3)) == 0:
            layers.append(("activation", draw(st.sampled_from(HIDDEN_ACTIVATIONS))))
        if draw(st.integers(0, 4)) == 0:
            layers.append(("dropout", 0.0 if training else draw(st.sampled_from([0.0, 0.3, 0.5]))))
    out = output_layers(k, out_act, draw(st.booleans()))
    out[0] = out[0][:3] + (draw(penalty), draw(penalty))
    return Net(layers=layers + out, loss=loss, huber_delta=draw(st.sampled_from([0.1, 1.0, 2.5])),
               target=target, n_samples=draw(st.integers(2, 8)), input_dim=draw(st.integers(1, 5)),
               seed=draw(st.integers(0, 2**32 - 1)), sample_weight=draw(st.booleans()),
               column_vector_target=k == 1 and draw(st.booleans()))


def glassnet_model(net: Net) -> gn.Sequential:
    layers = []
    for kind, *args in net.layers:
        if kind == "dense":
            units, activation, l1, l2 = args
            layers.append(gn.Dense(units, activation=activation, l1=l1, l2=l2))
        elif kind == "batchnorm":
            layers.append(gn.BatchNorm(epsilon=args[0]))
        elif kind == "activation":
            layers.append(gn.Activation(args[0]))
        else:
            layers.append(gn.Dropout(args[0]))
    model = gn.Sequential(layers, input_dim=net.input_dim, seed=net.seed % 1000, dtype="float64")
    loss = losses.Huber(delta=net.huber_delta) if net.loss == "huber" else net.loss
    model.compile(loss=loss, optimizer="sgd")
    return model


def random_weights(model: gn.Sequential, rng: np.random.Generator) -> list[np.ndarray]:
    """Weights of moderate size, non-zero biases and non-trivial BatchNorm parameters and statistics."""
    draw = {
        "W": lambda shape: rng.normal(0.0, 1.0 / np.sqrt(shape[0]), shape),
        "b": lambda shape: rng.normal(0.0, 0.3, shape),
        "gamma": lambda shape: rng.uniform(0.5, 1.5, shape),
        "beta": lambda shape: rng.normal(0.0, 0.3, shape),
        "running_mean": lambda shape: rng.normal(0.0, 0.5, shape),
        "running_var": lambda shape: rng.uniform(0.3, 2.0, shape),
    }
    return [draw[name](w.shape) for layer in model.layers
            for name, w in zip(layer.weight_names(), layer.get_weights())]


def random_data(net: Net, k: int, rng: np.random.Generator):
    n = net.n_samples
    X = rng.normal(0.0, 1.0, (n, net.input_dim))
    if net.target == "binary":
        y = rng.integers(0, 2, (n, k)).astype(np.float64)
    elif net.target == "probability":
        y = rng.uniform(0.0, 1.0, (n, k))
    elif net.target == "labels":
        y = rng.integers(0, k, n)
    elif net.target == "one_hot":
        y = np.eye(k)[rng.integers(0, k, n)]
    elif net.target == "soft":
        y = rng.dirichlet(np.ones(k), n)
    elif net.target == "counts":
        y = rng.poisson(2.0, (n, k)).astype(np.float64)
    else:
        y = rng.normal(0.0, 1.0, (n, k))
    sample_weight = rng.uniform(0.0, 2.0, n) if net.sample_weight else None
    return X, y, sample_weight


# --- the torch side ----------------------------------------------------------------------------------------------
def torch_forward(net: Net, weights, X, training):
    """The network by hand: returns (leaf tensors, the last layer's pre-activation, output, every
    pre-activation and normalised variance seen on the way)."""
    leaves = [torch.tensor(w, requires_grad=True) for w in weights]
    it = iter(leaves)
    h = torch.tensor(X)
    z = h
    seen = []
    for kind, *args in net.layers:
        if kind == "dense":
            W, b = next(it), next(it)
            z = h @ W + b
            h = TORCH_ACTIVATIONS[args[1]](z)
            seen.append(z)
        elif kind == "batchnorm":
            gamma, beta, mean, var = next(it), next(it), next(it), next(it)
            if training:
                seen.append(h.var(dim=0, unbiased=False))
                h = F.batch_norm(h, None, None, gamma, beta, training=True, eps=args[0])
            else:
                h = F.batch_norm(h, mean.detach(), var.detach(), gamma, beta, training=False, eps=args[0])
            z = h
        elif kind == "activation":
            z = h
            h = TORCH_ACTIVATIONS[args[0]](z)
            seen.append(z)
        else:
            z = h  # dropout: rate 0 in training, the identity at inference
    return leaves, z, h, seen


def torch_loss(net: Net, z, p, y, sample_weight):
    """Per-sample losses from the logits for the fused pairs, from the outputs otherwise; then the batch mean."""
    out_act = net.layers[-1][1] if net.layers[-1][0] == "activation" else net.layers[-1][2]
    yt = torch.tensor(y)
    if yt.ndim == 1 and net.target != "labels":
        yt = yt[:, None]
    if net.loss == "binary_crossentropy":
        if out_act == "sigmoid":
            per = F.binary_cross_entropy_with_logits(z, yt, reduction="none").mean(1)
        else:
            per = -(yt * torch.log(p) + (1 - yt) * torch.log1p(-p)).mean(1)
    elif net.loss == "categorical_crossentropy":
        if net.target == "labels":
            yt = yt.long()
        if out_act == "softmax":
            per = F.cross_entropy(z, yt, reduction="none")
        elif net.target == "labels":
            per = -torch.log(p.gather(1, yt[:, None]))[:, 0]
        else:
            per = -(yt * torch.log(p)).sum(1)
    elif net.loss == "poisson":
        if out_act == "exponential":
            per = F.poisson_nll_loss(z, yt, log_input=True, full=False, reduction="none").mean(1)
        else:
            per = (p - yt * torch.log(p)).mean(1)
    elif net.loss == "mse":
        per = F.mse_loss(p, yt, reduction="none").mean(1)
    elif net.loss == "mae":
        per = F.l1_loss(p, yt, reduction="none").mean(1)
    else:
        per = F.huber_loss(p, yt, reduction="none", delta=net.huber_delta).mean(1)
    if sample_weight is None:
        return per.mean()
    return (torch.tensor(sample_weight) * per).sum() / len(per)


def torch_penalty(net: Net, leaves):
    total = torch.zeros((), dtype=torch.float64)
    it = iter(leaves)
    for kind, *args in net.layers:
        if kind == "dense":
            W, _ = next(it), next(it)
            l1, l2 = args[2], args[3]
            total = total + l1 * W.abs().sum() + l2 * (W * W).sum()
        elif kind == "batchnorm":
            for _ in range(4):
                next(it)
    return total


def check_against_torch(net: Net, training: bool, require=None) -> None:
    """Compare ``loss_and_gradients`` with autograd. ``require`` rejects an ill-posed case: hypothesis's
    ``assume`` for drawn networks; for the fixed ones, a failure (they are chosen to be well-posed)."""
    require = require or _must_hold
    model = glassnet_model(net)
    rng = np.random.default_rng(net.seed)
    weights = random_weights(model, rng)
    model.set_weights(weights)
    k = model.layers[-1].output_dim
    X, y, sample_weight = random_data(net, k, rng)
    if net.column_vector_target:
        y = y[:, 0]

    leaves, z, p, seen = torch_forward(net, weights, X, training)
    # keep away from where the comparison is ill-posed rather than wrong: overflowing pre-activations,
    # probabilities clipped by glassnet's eps, and BatchNorm on near-constant columns, where the centred values
    # are pure rounding noise amplified by 1/sqrt(var + eps)
    with torch.no_grad():
        require(all(bool(torch.isfinite(s).all()) and float(s.abs().max()) < 1e3 for s in seen + [z, p]))
        require(all(float(s.min()) == 0 or float(s.min()) > 1e-12 for s in seen if s.ndim == 1))
        if net.loss in ("binary_crossentropy", "categorical_crossentropy", "poisson"):
            require(float(p.min()) > 1e-12)
        if net.loss in ("binary_crossentropy", "categorical_crossentropy"):
            require(float(p.max()) < 1 - 1e-12)
    expected = torch_loss(net, z, p, y, sample_weight) + torch_penalty(net, leaves)
    require(bool(torch.isfinite(expected)))
    expected.backward()
    expected_grads = [np.zeros_like(w) if t.grad is None else t.grad.numpy() for w, t in zip(weights, leaves)]

    before = model.get_weights()
    loss, grads = model.loss_and_gradients(X, y, training=training, sample_weight=sample_weight)

    assert loss == pytest.approx(expected.detach().item(), rel=RTOL, abs=1e-13), net
    assert [g.shape for g in grads] == [w.shape for w in weights]
    assert_gradients_close(grads, expected_grads, net)
    for a, b in zip(model.get_weights(), before):  # loss_and_gradients changes nothing
        np.testing.assert_array_equal(a, b)


def assert_gradients_close(actual, expected, context=None) -> None:
    scale = max([1.0] + [float(np.abs(e).max()) for e in expected if e.size])
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL * scale, err_msg=f"gradient {i} of {context}")


def _must_hold(condition: bool) -> None:
    assert condition, "a fixed test case must be well-posed"
