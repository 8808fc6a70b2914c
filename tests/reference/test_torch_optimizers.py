"""glassnet's optimisers against torch.optim, in float64.

The same parameters (several arrays of different shapes) take 25 steps from the same fixed sequence of random
gradients, and are compared after every step. The gradient arrays have very different scales, including one
far below epsilon's scale, so where epsilon sits in an adaptive method shows. A last test takes whole
``Sequential.train_on_batch`` steps against a hand-written torch network with ``torch.optim.SGD``.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-7
STEPS = 25
SHAPES = [(3, 4), (4,), (2, 3, 2), (1,)]
#: gradient scale per array: an ordinary one, a large one, one below epsilon, and one where sqrt(v) and epsilon
#: are comparable
SCALES = [1.0, 200.0, 1e-9, 1e-6]
#: for the clipping tests: the second array's gradients have norms ~2e5, far above every clipnorm used
CLIP_SCALES = [1.0, 1e5, 1e-9, 1e-6]

#: (glassnet optimiser, the torch optimiser with the same update): glassnet's ``rho`` is torch's ``alpha``
CASES = {
    "sgd": (lambda: optimizers.SGD(learning_rate=0.1),
            lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    "adam": (lambda: optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
             lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    "adam_defaults": (lambda: optimizers.Adam(),
                      lambda p: torch.optim.Adam(p)),
    "adamw": (lambda: optimizers.AdamW(learning_rate=0.02, weight_decay=0.1, beta_1=0.85, epsilon=1e-7),
              lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.1, betas=(0.85, 0.999), eps=1e-7)),
    "adamw_defaults": (lambda: optimizers.AdamW(),
                       lambda p: torch.optim.AdamW(p)),
    "rmsprop": (lambda: optimizers.RMSprop(learning_rate=0.01, rho=0.8),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-8)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(learning_rate=0.01, rho=0.9, momentum=0.7, epsilon=1e-6),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.7, eps=1e-6)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(learning_rate=0.01, rho=0.95, centered=True),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95, centered=True, eps=1e-8)),
    "rmsprop_centered_momentum": (
        lambda: optimizers.RMSprop(learning_rate=0.005, rho=0.9, momentum=0.5, centered=True, epsilon=1e-7),
        lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.5, centered=True, eps=1e-7)),
    "adagrad": (lambda: optimizers.Adagrad(learning_rate=0.1),
                lambda p: torch.optim.Adagrad(p, lr=0.1)),
    "adagrad_defaults": (lambda: optimizers.Adagrad(),
                         lambda p: torch.optim.Adagrad(p)),
    "adagrad_accumulator": (lambda: optimizers.Adagrad(learning_rate=0.2, initial_accumulator_value=0.1,
                                                       epsilon=1e-7),
                            lambda p: torch.optim.Adagrad(p, lr=0.2, initial_accumulator_value=0.1, eps=1e-7)),
}


# --- the tests ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_torch(name):
    make_glassnet, make_torch = CASES[name]
    run_against_torch(make_glassnet(), make_torch)


@pytest.mark.parametrize("name", ["sgd", "sgd_momentum", "adam", "rmsprop_centered", "adagrad"])
@pytest.mark.parametrize("clip", [{"clipnorm": 20.0}, {"clipvalue": 0.5}, {"clipnorm": 10.0, "clipvalue": 0.5}],
                         ids=["clipnorm", "clipvalue", "both"])
def test_clipping_matches_torch(name, clip):
    """clipnorm is per array (torch's clip_grad_norm_ on each tensor alone), then clipvalue (clamp).

    Only the array of scale 1e5 is rescaled by clipnorm; the others stay well below it.
    """
    make_glassnet, make_torch = CASES[name]
    opt = make_glassnet()
    opt = type(opt).from_config({**opt.get_config(), **clip})
    run_against_torch(opt, make_torch, scales=CLIP_SCALES, **clip)


def test_adam_epsilon_hat_matches_the_closed_form():
    """epsilon_hat=True is the paper's section-2 form: lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)."""
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    opt = optimizers.Adam(learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps, epsilon_hat=True)
    params, grads = initial_params(), gradient_sequence()
    expected = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, g_t in enumerate(grads, start=1):
        opt.step(params, [g.copy() for g in g_t])
        for i, g in enumerate(g_t):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            expected[i] -= lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m[i] / (np.sqrt(v[i]) + eps)
        for i, (p, e) in enumerate(zip(params, expected)):
            np.testing.assert_allclose(p, e, rtol=RTOL, err_msg=f"array {i} after step {t}")


def test_adam_epsilon_hat_differs_from_torch_where_epsilon_matters():
    """The flag is not a no-op: with gradients near epsilon's scale the two forms part."""
    params_hat, params_torch_form = initial_params(), initial_params()
    hat = optimizers.Adam(learning_rate=0.01, epsilon=1e-6, epsilon_hat=True)
    plain = optimizers.Adam(learning_rate=0.01, epsilon=1e-6, epsilon_hat=False)
    for g_t in gradient_sequence()[:3]:
        hat.step(params_hat, [g.copy() for g in g_t])
        plain.step(params_torch_form, [g.copy() for g in g_t])
    # the array whose gradients are ~1e-6 moves very differently; the ordinary one barely notices
    assert not np.allclose(params_hat[3], params_torch_form[3], rtol=1e-4, atol=0)
    np.testing.assert_allclose(params_hat[0], params_torch_form[0], rtol=1e-4)


def test_defaults_shared_with_torch():
    """Where glassnet says it takes PyTorch's defaults, they are PyTorch's."""
    pairs = [(optimizers.Adam(), torch.optim.Adam([torch.zeros(1)])),
             (optimizers.AdamW(), torch.optim.AdamW([torch.zeros(1)])),
             (optimizers.Adagrad(), torch.optim.Adagrad([torch.zeros(1)]))]
    for ours, theirs in pairs:
        d = theirs.defaults
        assert ours.learning_rate == d["lr"]
        assert ours.epsilon == d["eps"]
        if isinstance(ours, optimizers.Adam):
            assert (ours.beta_1, ours.beta_2) == d["betas"]
        if isinstance(ours, optimizers.AdamW):
            assert ours.weight_decay == d["weight_decay"]
        if isinstance(ours, optimizers.Adagrad):
            assert ours.initial_accumulator_value == d["initial_accumulator_value"]
    assert optimizers.RMSprop().epsilon == torch.optim.RMSprop([torch.zeros(1)]).defaults["eps"]


@pytest.mark.parametrize("sgd", [{"learning_rate": 0.1}, {"learning_rate": 0.05, "momentum": 0.9},
                                 {"learning_rate": 0.05, "momentum": 0.7, "nesterov": True}],
                         ids=["plain", "momentum", "nesterov"])
def test_train_on_batch_matches_torch_sgd(sgd):
    """Whole train_on_batch steps (forward, fused softmax cross-entropy, L2 penalty, backward through
    BatchNorm, the optimiser step) against the same network in torch with torch.optim.SGD, batch after batch;
    also BatchNorm's running statistics (glassnet's momentum is 1 - torch's; glassnet keeps the biased batch
    variance where torch keeps the unbiased one)."""
    rng = np.random.default_rng(11)
    model = gn.Sequential([gn.Dense(5, activation="tanh", l2=0.01), gn.BatchNorm(momentum=0.8),
                           gn.Dense(3, activation="softmax")], input_dim=4, seed=3, dtype="float64")
    torch_sgd = {"lr": sgd["learning_rate"], "momentum": sgd.get("momentum", 0.0),
                 "nesterov": sgd.get("nesterov", False)}
    model.compile(loss="categorical_crossentropy", optimizer=optimizers.SGD(**sgd))
    W1, b1, gamma, beta, running_mean, running_var, W2, b2 = model.get_weights()
    leaves = [torch.tensor(w, requires_grad=True) for w in (W1, b1, gamma, beta, W2, b2)]
    opt = torch.optim.SGD(leaves, **torch_sgd)
    running_mean, running_var = torch.tensor(running_mean), torch.tensor(running_var)
    for step in range(4):
        X, y = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
        tW1, tb1, tgamma, tbeta, tW2, tb2 = leaves
        h = torch.tanh(torch.tensor(X) @ tW1 + tb1)
        batch_var = h.detach().var(dim=0, unbiased=False)
        h = F.batch_norm(h, running_mean, torch.ones(5, dtype=torch.float64), tgamma, tbeta, training=True,
                         momentum=1 - 0.8, eps=1e-5)
        loss = F.cross_entropy(h @ tW2 + tb2, torch.tensor(y)) + 0.01 * (tW1 * tW1).sum()
        running_var = 0.8 * running_var + 0.2 * batch_var
        opt.zero_grad()
        loss.backward()
        opt.step()

        logs = model.train_on_batch(X, y)

        assert logs["loss"] == pytest.approx(loss.item(), rel=RTOL)
        expected = [t.detach().numpy() for t in leaves]
        expected = expected[:4] + [running_mean.numpy(), running_var.numpy()] + expected[4:]
        for i, (w, e) in enumerate(zip(model.get_weights(), expected)):
            np.testing.assert_allclose(w, e, rtol=RTOL, atol=1e-14, err_msg=f"weight {i} after step {step}")


# --- helpers -----------------------------------------------------------------------------------------------------
def initial_params() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape) for shape in SHAPES]


def gradient_sequence(scales=SCALES) -> list[list[np.ndarray]]:
    """STEPS lists of gradients, one per parameter array, each array at its own scale."""
    rng = np.random.default_rng(1)
    return [[scale * rng.normal(size=shape) for shape, scale in zip(SHAPES, scales)] for _ in range(STEPS)]


def run_against_torch(opt, make_torch, scales=SCALES, clipnorm=None, clipvalue=None) -> None:
    params = initial_params()
    leaves = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    torch_opt = make_torch(leaves)
    for step, g_t in enumerate(gradient_sequence(scales), start=1):
        opt.step(params, [g.copy() for g in g_t])
        for leaf, g in zip(leaves, g_t):
            leaf.grad = torch.tensor(g.copy())
            if clipnorm is not None:
                # torch divides by (norm + 1e-6) where glassnet divides by the norm; the gradients clipped
                # here have norms ~2e5, so the two factors differ by ~5e-12, far less than RTOL
                torch.nn.utils.clip_grad_norm_(leaf, clipnorm)
            if clipvalue is not None:
                leaf.grad.clamp_(-clipvalue, clipvalue)
        torch_opt.step()
        assert opt.iterations == step
        for i, (p, leaf) in enumerate(zip(params, leaves)):
            np.testing.assert_allclose(p, leaf.detach().numpy(), rtol=RTOL, atol=1e-12,
                                       err_msg=f"array {i} after step {step} of {opt!r}")
