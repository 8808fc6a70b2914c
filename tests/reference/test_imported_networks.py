"""Networks trained in scikit-learn and PyTorch, imported: their outputs are the sources' own, and the glass
(diagnose, explain_step, logic_roles, feature_sensitivity, plots) works on them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-6, "atol": 1e-12}}


def data(dtype=np.float64, n=160, d=4, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, d))
    return X.astype(dtype)


def fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


# --- scikit-learn -----------------------------------------------------------------------------------------------
SK_TASKS = {
    "binary": lambda X: (X[:, 0] + X[:, 1] > 0).astype(int),
    "multiclass": lambda X: np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)],
    "multilabel": lambda X: np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("task", sorted(SK_TASKS))
def test_scikit_learn_classifiers_predict_their_own_probabilities(task, activation, dtype):
    from sklearn.neural_network import MLPClassifier

    X = data(dtype)
    est = fit_quietly(MLPClassifier(hidden_layer_sizes=(6, 5), activation=activation, max_iter=40,
                                    random_state=0), X, SK_TASKS[task](X))
    model = gn.from_sklearn(est)
    expected = est.predict_proba(X)
    if task == "binary":
        expected = expected[:, 1:]  # one sigmoid unit: the probability of classes_[1]
    assert model.dtype == dtype
    np.testing.assert_allclose(model.predict(X), expected, **TOL[dtype])
    output = {"binary": "sigmoid", "multilabel": "sigmoid", "multiclass": "softmax"}[task]
    assert model.output_activation.name == output
    assert model.loss.name == {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}[output]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_scikit_learn_regressors_predict_their_own_values(loss, dtype):
    from sklearn.neural_network import MLPRegressor

    X = data(dtype)
    y = np.c_[np.abs(X[:, 0]), X[:, 1] ** 2]
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", loss=loss, max_iter=40,
                                   random_state=0), X, y)
    model = gn.from_sklearn(est)
    np.testing.assert_allclose(model.predict(X), est.predict(X), **TOL[dtype])
    assert model.loss.name == {"squared_error": "mse", "poisson": "poisson"}[loss]


def test_a_given_loss_is_used_and_a_bad_one_refused_before_anything_is_built():
    from sklearn.neural_network import MLPRegressor

    X = data()
    est = fit_quietly(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0), X, X[:, 0])
    assert gn.from_sklearn(est, loss="huber").loss.name == "huber"
    with pytest.raises(ValueError, match="loss"):
        gn.from_sklearn(est, loss="no such loss")


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_scikit_learn_perceptron_becomes_a_fitted_glassnet_perceptron(n_classes):
    from sklearn.linear_model import Perceptron

    X = data()
    y = (X[:, 0] > 0).astype(int) + (n_classes == 3) * (X[:, 1] > 0.5)
    est = Perceptron(eta0=0.5, penalty="l2", alpha=1e-3, random_state=3).fit(X, y)
    twin = gn.from_sklearn(est)
    assert isinstance(twin, gn.Perceptron)
    assert twin.get_params()["eta0"] == 0.5 and twin.penalty == "l2" and twin.random_state == 3
    np.testing.assert_array_equal(twin.predict(X), est.predict(X))
    np.testing.assert_allclose(twin.decision_function(X), est.decision_function(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(twin.classes_, est.classes_)
    twin.partial_fit(X, y)  # it goes on learning from the imported weights
    assert twin.coef_.shape == est.coef_.shape


# --- PyTorch ----------------------------------------------------------------------------------------------------
ACTIVATION_MODULES = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "selu": nn.SELU, "swish": nn.SiLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2), "elu": lambda: nn.ELU(0.7), "softplus": nn.Softplus,
    "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATION_MODULES))
def test_torch_modules_forward_equals_predict(name, dtype):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), ACTIVATION_MODULES[name](), nn.Dropout(0.3),
                        nn.Sequential(nn.Linear(8, 5), ACTIVATION_MODULES[name]()), nn.Linear(5, 3)).to(dtype)
    net.train()
    with torch.no_grad():
        net(torch.randn(64, 4, dtype=dtype) * 3 + 1)  # running statistics away from (0, 1)
    net.eval()
    model = gn.from_torch(net)
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    X = data(np_dtype) * 2
    with torch.no_grad():
        expected = net(torch.from_numpy(X)).numpy()
    assert model.dtype == np_dtype
    np.testing.assert_allclose(model.predict(X), expected, **TOL[np_dtype])
    assert model.loss.name == "mse"  # a linear output: logits stay logits
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "BatchNorm", "Activation", "Dropout", "Dense", "Dense"]
    assert model.layers[4].activation.name == name and model.layers[3].rate == pytest.approx(0.3)
    # PyTorch's momentum 0.1 is glassnet's 0.9 (each keeps the other's share of the running average)
    assert model.layers[1].momentum == pytest.approx(0.9)


@pytest.mark.parametrize("last, loss", [(nn.Sigmoid, "binary_crossentropy"),
                                        (lambda: nn.Softmax(dim=-1), "categorical_crossentropy")])
def test_torch_outputs_choose_the_matching_cross_entropy(last, loss):
    net = nn.Sequential(nn.Linear(2, 3), last()).eval()
    assert gn.from_torch(net).loss.name == loss


def test_batchnorm_without_affine_parameters_uses_ones_and_zeros():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, affine=False), nn.Linear(4, 1))
    net.train()
    with torch.no_grad():
        net(torch.randn(32, 3))
    net.eval()
    X = data(np.float32, d=3)
    with torch.no_grad():
        np.testing.assert_allclose(gn.from_torch(net).predict(X), net(torch.from_numpy(X)).numpy(), **TOL[np.float32])


def test_importing_changes_nothing_in_the_module():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    model = gn.from_torch(net)
    model.compile(loss="mse", optimizer="sgd")
    model.fit(data(np.float32, d=3), np.zeros((160, 2), np.float32), epochs=2, verbose=0)
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key


# --- the glass on an imported network ---------------------------------------------------------------------------
def test_a_torch_mlp_with_dead_relus_is_diagnosed():
    """Half the hidden units have a bias so negative that no input reaches zero: dead, as diagnose says."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    with torch.no_grad():
        net[0].bias[:6] = -50.0
    X = data(np.float32, d=2)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
    model = gn.from_torch(net)
    with torch.no_grad():
        hidden = net[1](net[0](torch.from_numpy(X))).numpy()
    dead_truth = (hidden <= 0).all(axis=0).mean()  # the fraction of units silent on every sample, from PyTorch
    findings = gn.analysis.diagnose(model, X=X, y=y)
    dead = [f for f in findings if f.code == "dead_units"]
    assert dead and dead[0].evidence["fraction"] == pytest.approx(dead_truth)


def test_explain_step_logic_roles_sensitivity_and_plots_work_on_an_import():
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.neural_network import MLPClassifier

    X = data(np.float64, d=2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    est = fit_quietly(MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=200, random_state=0),
                      X, y)
    model = gn.from_sklearn(est)
    step = gn.analysis.explain_step(model, X[:4], y[:4])
    # the forward pass the explanation shows is the network scikit-learn computes
    np.testing.assert_allclose(step.layers[-1].a.ravel(), est.predict_proba(X[:4])[:, 1], rtol=1e-9)
    sensitivity = gn.analysis.feature_sensitivity(model, X)
    assert len(sensitivity) == 2
    roles = gn.analysis.logic_roles(model, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float))
    assert len(roles) == 4
    figure = gn.plots.plot_decision_boundary(model, X, y)
    assert figure.axes
