"""Neuron analysis against independent truths: hand-built networks whose dead, saturated and logic units are known
by construction, statistics recomputed with NumPy, and ablation checked against a network with the weights cut."""

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import glassnet as gn
from glassnet.analysis import neurons

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

# one sigmoid unit per linearly separable two-input function: z = wA * A + wB * B + b, saturated by the scale 20
SEPARABLE = {
    "FALSE": (0, 0, -10), "AND": (20, 20, -30), "A AND NOT B": (20, -20, -10), "A": (20, 0, -10),
    "NOT A AND B": (-20, 20, -10), "B": (0, 20, -10), "OR": (20, 20, -10), "NOR": (-20, -20, 10),
    "NOT B": (0, -20, 10), "A OR NOT B": (20, -20, 10), "NOT A": (-20, 0, 10), "NOT A OR B": (-20, 20, 10),
    "NAND": (-20, -20, 30), "TRUE": (0, 0, 10),
}


def _network(weights, activations, dtype="float64"):
    """A Sequential of Dense layers with the given weights [(W, b), ...] and activations."""
    layers = [gn.Dense(np.shape(W)[1], activation=act) for (W, _), act in zip(weights, activations)]
    model = gn.Sequential(layers, input_dim=np.shape(weights[0][0])[0], dtype=dtype)
    model.set_weights([np.asarray(w, float) for pair in weights for w in pair])
    return model


def _xor_network(dtype="float64"):
    """unit 0 = OR, unit 1 = NAND, output = AND of them: the textbook XOR."""
    return _network([([[20, -20], [20, -20]], [-10, 30]), ([[20], [20]], [-30])], ["sigmoid", "sigmoid"], dtype)


def _snapshot(model):
    return [w.copy() for w in model.get_weights()], [
        (layer.inputs, layer.preactivation, layer.outputs, {k: g.copy() for k, g in layer.grads.items()},
         layer.needs_input_grad) for layer in model.layers]


def _assert_unchanged(model, snapshot):
    weights, caches = snapshot
    for a, b in zip(weights, model.get_weights()):
        assert np.array_equal(a, b)
    for layer, (inputs, pre, out, grads, flag) in zip(model.layers, caches):
        assert layer.inputs is inputs and layer.preactivation is pre and layer.outputs is out
        assert layer.needs_input_grad == flag
        for k, g in grads.items():
            assert np.array_equal(layer.grads[k], g)


# --- activations and their statistics -------------------------------------------------------------------------

def test_hidden_activations_match_numpy_and_name_their_layers():
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
    model = gn.Sequential([gn.Dense(4), gn.Activation("tanh"), gn.Dropout(0.5), gn.Dense(2, activation="softmax")],
                          input_dim=3, dtype="float64", seed=0)
    model.set_weights([W1, b1, W2, b2])
    X = rng.normal(size=(7, 3))
    assert neurons.hidden_layer_indices(model) == [0, 1]
    pre, post = neurons.hidden_activations(model, X)
    np.testing.assert_allclose(pre, X @ W1 + b1, rtol=1e-12)
    np.testing.assert_allclose(post, np.tanh(X @ W1 + b1), rtol=1e-12)  # dropout is off at inference


def test_statistics_flag_the_unit_whose_bias_is_minus_100_as_dead():
    W = [[1.0, 0.5, -1.0], [0.5, 1.0, 1.0]]
    model = _network([(W, [0.0, -100.0, 0.5]), ([[1.0], [1.0], [1.0]], [0.0])], ["relu", "linear"])
    X = np.random.default_rng(1).uniform(-1, 1, size=(50, 2))
    assert neurons.dead_units(model, X) == {0: [1]}
    rows = neurons.activation_statistics(model, X)
    assert [(r["layer"], r["unit"]) for r in rows] == [(0, 0), (0, 1), (0, 2)]
    H = np.maximum(X @ np.array(W) + [0.0, -100.0, 0.5], 0)
    for r in rows:
        column = H[:, r["unit"]]
        assert r["mean"] == pytest.approx(column.mean()) and r["std"] == pytest.approx(column.std())
        assert r["min"] == pytest.approx(column.min()) and r["max"] == pytest.approx(column.max())
        assert r["fraction_active"] == pytest.approx(np.mean(column > 0))
        assert r["dead"] == (r["unit"] == 1) and not r["saturated"] and r["activation"] == "relu"
    assert rows[1]["fraction_active"] == 0.0


def test_saturated_units_are_those_with_tiny_derivative_on_most_samples():
    # unit 0: sigmoid with bias 50 (f' ~ e^-50); unit 1: gentle sigmoid; tanh units: steep (saturated) and gentle
    model = _network([([[1.0, 0.1]], [50.0, 0.0]), ([[1.0], [1.0]], [0.0])], ["sigmoid", "linear"])
    tanh_model = _network([([[10.0, 0.1]], [0.0, 0.0]), ([[1.0], [1.0]], [0.0])], ["tanh", "linear"])
    X = np.linspace(-1, 1, 41)[:, None]
    assert neurons.saturated_units(model, X) == {0: [0]}
    assert neurons.saturated_units(tanh_model, X) == {0: [0]}
    rows = neurons.activation_statistics(tanh_model, X)
    # 1 - tanh(z)^2 < 1e-3 where |z| > atanh(sqrt(0.999)) = 4.147, so |x| > 0.4147: 0.45 ... 1.0 on each side
    assert np.arctanh(np.sqrt(0.999)) == pytest.approx(4.1468, abs=1e-4)
    assert rows[0]["fraction_saturated"] == pytest.approx(24 / 41) and rows[1]["fraction_saturated"] == 0.0
    assert neurons.dead_units(model, X) == {0: []}  # sigmoid units are never "dead"


def _stuck_truth(H, low_cut, high_cut):
    """The tutorial definitions computed straight from the hidden outputs: {unit: (never, always)}."""
    return {u: (bool(H[:, u].max() < low_cut), bool(H[:, u].min() > high_cut)) for u in range(H.shape[1])}


def test_sigmoid_units_that_never_activate_or_are_always_saturated_follow_the_tutorial_definitions():
    # unit 0: bias -8, outputs about 3e-4 .. 0.05 (never activates); unit 1: bias +8, about 0.95 .. 0.9997 (always
    # saturated); unit 2: gentle, about 0.27 .. 0.73; unit 3: steep, 2e-9 .. 1 - 2e-9 on either side (a hard
    # threshold, neither); unit 4: largest output sigmoid(-2.3) = 0.091, just under 0.1, at x = -1
    W = [[5.0, 5.0, 1.0, 20.0, -0.2]]
    b = [-8.0, 8.0, 0.0, 0.0, -2.5]
    model = _network([(W, b), ([[1.0]] * 5, [0.0])], ["sigmoid", "linear"])
    X = np.linspace(-1, 1, 41)[:, None]
    H = 1 / (1 + np.exp(-(X @ np.array(W) + b)))
    truth = _stuck_truth(H, 0.1, 0.9)
    assert truth == {0: (True, False), 1: (False, True), 2: (False, False), 3: (False, False), 4: (True, False)}
    snapshot = _snapshot(model)
    assert neurons.never_activating_units(model, X) == {0: [u for u, (never, _) in truth.items() if never]}
    assert neurons.always_saturated_units(model, X) == {0: [u for u, (_, always) in truth.items() if always]}
    rows = neurons.activation_statistics(model, X)
    assert {r["unit"]: (r["never_activates"], r["always_saturated"]) for r in rows} == truth
    # beside the slope-based flag: the steep unit 3 has a slope below 1e-3 on most samples but is no stuck unit
    assert rows[3]["saturated"] and not rows[3]["never_activates"] and not rows[3]["always_saturated"]
    _assert_unchanged(model, snapshot)


def test_tanh_units_are_stuck_by_the_same_definitions_on_the_rescaled_output_and_other_units_never():
    # tanh(z) = 2 sigmoid(2z) - 1, so sigmoid's 0.1 and 0.9 are tanh's -0.8 and 0.8; a tanh unit near 0 (the
    # middle of its range, unit 2) is quiet but not stuck
    W = [[1.0, 1.0, 0.01, 1.0]]
    b = [-3.0, 3.0, 0.0, -0.5]
    X = np.linspace(-1, 1, 41)[:, None]
    model = _network([(W, b), ([[1.0]] * 4, [0.0])], ["tanh", "linear"])
    H = np.tanh(X @ np.array(W) + b)
    assert np.abs(H[:, 2]).max() < 0.1
    truth = _stuck_truth(H, -0.8, 0.8)
    assert truth == {0: (True, False), 1: (False, True), 2: (False, False), 3: (False, False)}
    assert neurons.never_activating_units(model, X) == {0: [0]}
    assert neurons.always_saturated_units(model, X) == {0: [1]}
    # the same stuck pre-activations through relu and linear units are never flagged: those have no tails
    for activation in ("relu", "linear"):
        other = _network([(W, b), ([[1.0]] * 4, [0.0])], [activation, "linear"])
        assert neurons.never_activating_units(other, X) == {0: []}
        assert neurons.always_saturated_units(other, X) == {0: []}


# --- weights and importance -----------------------------------------------------------------------------------

def test_weight_statistics_match_numpy():
    model = gn.Sequential([gn.Dense(5, activation="relu"), gn.BatchNorm(), gn.Dense(2)], input_dim=3, seed=0,
                          dtype="float64")
    W = model.layers[0].params["W"]
    W[0, 0] = 1e-4
    rows = neurons.weight_statistics(model, near_zero=1e-3)
    assert [(r["layer"], r["param"]) for r in rows] == [(0, "W"), (0, "b"), (1, "gamma"), (1, "beta"), (2, "W"),
                                                        (2, "b")]
    first = rows[0]
    assert first["shape"] == [3, 5] and first["size"] == 15 and first["layer_type"] == "Dense"
    assert first["mean"] == pytest.approx(W.mean()) and first["std"] == pytest.approx(W.std())
    assert first["norm"] == pytest.approx(np.sqrt((W**2).sum()))
    assert first["fraction_near_zero"] == pytest.approx(np.mean(np.abs(W) <= 1e-3))
    assert rows[1]["fraction_near_zero"] == 1.0  # zero-initialised biases


def _importance_network():
    rng = np.random.default_rng(2)
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 3)), rng.normal(size=3)
    W2[2] = 0.0  # unit 2 talks to nobody
    model = _network([(W1, b1), (W2, b2)], ["tanh", "softmax"])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, size=40)
    return model, X, y, (W1, b1, W2, b2)


@pytest.mark.parametrize("scoring", ["output", "loss", "accuracy"])
def test_ablation_of_a_unit_without_outgoing_weights_is_exactly_zero(scoring):
    model, X, y, _ = _importance_network()
    rows = neurons.neuron_importance(model, X, None if scoring == "output" else y, scoring=scoring)
    assert [r["unit"] for r in rows] == [0, 1, 2, 3]
    assert rows[2]["importance"] == 0.0
    if scoring == "output":
        assert all(r["importance"] > 0 for r in rows if r["unit"] != 2)


def test_ablation_loss_equals_the_loss_of_a_network_with_the_unit_cut_out():
    model, X, y, (W1, b1, W2, b2) = _importance_network()
    rows = neurons.neuron_importance(model, X, y)  # scoring "loss": the model is compiled
    base = model.evaluate(X, y, return_dict=True)["loss"]
    for u in (0, 3):
        cut = W2.copy()
        cut[u] = 0.0  # zeroing the unit's output = zeroing its outgoing weights
        other = _network([(W1, b1), (cut, b2)], ["tanh", "softmax"])
        other.compile(loss="categorical_crossentropy", optimizer="sgd")
        assert rows[u]["baseline"] == pytest.approx(base, rel=1e-12)
        assert rows[u]["importance"] == pytest.approx(other.evaluate(X, y) - base, rel=1e-9, abs=1e-12)


def test_weight_importance_is_outgoing_norm_times_activation_std():
    model, X, _, (W1, b1, W2, _) = _importance_network()
    rows = neurons.neuron_importance(model, X, method="weight")
    H = np.tanh(X @ W1 + b1)
    for r in rows:
        expected = np.linalg.norm(W2[r["unit"]]) * H[:, r["unit"]].std()
        assert r["importance"] == pytest.approx(expected, rel=1e-12, abs=0)
    assert rows[2]["importance"] == 0.0


# --- logic roles -----------------------------------------------------------------------------------------------

def test_hand_built_xor_network_has_or_and_nand_roles_combined_by_and():
    model = _xor_network()
    rows = neurons.logic_roles(model)
    assert [(r["layer"], r["unit"], r["name"]) for r in rows] == [(0, 0, "OR"), (0, 1, "NAND")]
    assert rows[0]["truth_table"] == [0, 1, 1, 1] and rows[1]["truth_table"] == [1, 1, 1, 0]
    assert rows[0]["threshold"] == 0.5
    text = neurons.layer_strategy(model)
    assert "hidden unit 0 computes OR, unit 1 computes NAND; the output computes AND of them: XOR = OR AND NAND" \
        in text
    assert "(A OR B) AND NOT (A AND B)" in text and "approximately" not in text


def test_all_sixteen_two_input_functions_are_named():
    names = list(SEPARABLE)
    W = np.array([[SEPARABLE[n][0] for n in names], [SEPARABLE[n][1] for n in names]], float)
    b = np.array([SEPARABLE[n][2] for n in names], float)
    # a second hidden layer reads units OR (6) and NAND (12) to make XOR (AND of them) and XNOR (NAND of them)
    W2 = np.zeros((14, 2))
    W2[names.index("OR")], W2[names.index("NAND")] = (20, -20), (20, -20)
    model = _network([(W, b), (W2, [-30, 30]), (np.ones((2, 1)), [0.0])], ["sigmoid", "sigmoid", "sigmoid"])
    rows = neurons.logic_roles(model)
    assert [r["name"] for r in rows] == names + ["XOR", "XNOR"]
    assert {r["name"] for r in rows} == set(neurons.TWO_INPUT_NAMES)
    for r in rows:  # the table's index is the truth table read as a binary number
        assert neurons.TWO_INPUT_NAMES[int("".join(map(str, r["truth_table"])), 2)] == r["name"]


def test_truth_table_names_for_one_three_and_four_inputs():
    table3 = np.array([[(i >> 2) & 1, (i >> 1) & 1, i & 1] for i in range(8)], bool)
    name = neurons.truth_table_name
    assert name(table3.all(axis=1)) == "AND" and name(table3.any(axis=1)) == "OR"
    assert name(~table3.all(axis=1)) == "NAND" and name(~table3.any(axis=1)) == "NOR"
    assert name(table3.sum(axis=1) % 2 == 1) == "XOR" and name(table3.sum(axis=1) % 2 == 0) == "XNOR"
    assert name(table3[:, 2]) == "C" and name(~table3[:, 0]) == "NOT A"
    assert name(table3.sum(axis=1) >= 2) == "mixed"  # majority
    assert name(np.zeros(16)) == "FALSE" and name(np.ones(16)) == "TRUE"
    assert [name(t) for t in ([0, 0], [0, 1], [1, 0], [1, 1])] == ["FALSE", "A", "NOT A", "TRUE"]
    assert name([0, 0, 1, 0], names=["x", "y"]) == "x AND NOT y"
    with pytest.raises(ValueError, match="bits"):
        name([0, 1, 1])
    with pytest.raises(ValueError, match="bits"):
        name([0, 2, 1, 1])


def test_midpoint_threshold_for_relu_units_and_custom_codes():
    # relu unit max(0, A + B - 1) is AND: outputs 0, 0, 0, 1 (midpoint 0.5); a dead relu unit is FALSE
    model = _network([([[1.0, 1.0], [1.0, 1.0]], [-1.0, -100.0]), ([[1.0], [1.0]], [0.0])], ["relu", "sigmoid"])
    rows = neurons.logic_roles(model)
    assert [r["name"] for r in rows] == ["AND", "FALSE"] and rows[0]["threshold"] == 0.5
    # inputs coded -1/+1: OR is z = 20 A + 20 B + 20
    pm = _network([([[20.0], [20.0]], [20.0]), ([[1.0]], [0.0])], ["sigmoid", "sigmoid"])
    assert neurons.logic_roles(pm, X=2 * XOR_INPUTS - 1)[0]["name"] == "OR"
    assert neurons.logic_roles(pm)[0]["name"] == "TRUE"  # on 0/1 codes every z >= 20
    with pytest.raises(ValueError, match="two values per feature"):
        neurons.logic_roles(pm, X=[[0, 0], [0.5, 1], [1, 0]])


def test_trained_xor_network_roles_combine_to_xor():
    X, y = gn.datasets.make_xor()
    model = gn.Sequential([gn.Dense(2, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=6,
                          dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.1))
    model.fit(X, y, epochs=300, batch_size=4, shuffle=False, verbose=0)
    assert np.array_equal(model.predict(X)[:, 0] > 0.5, y == 1)
    roles = [np.array(r["truth_table"], bool) for r in neurons.logic_roles(model)]
    text = neurons.layer_strategy(model)
    match = re.search(r"the output computes (.+?) of them: (\w+) = ", text)
    assert match and match.group(2) == "XOR" and "approximately" not in text, text
    gate = neurons.TWO_INPUT_NAMES.index(match.group(1))
    gate_table = [(gate >> (3 - k)) & 1 for k in range(4)]  # the gate's output on (0,0), (0,1), (1,0), (1,1)
    combined = [gate_table[2 * a + b] for a, b in zip(roles[0], roles[1])]
    assert combined == [0, 1, 1, 0]


def test_strategy_without_hidden_layer_and_with_constant_units():
    single = _network([([[20.0], [20.0]], [-30.0])], ["sigmoid"])
    assert neurons.layer_strategy(single) == ("The network has no hidden layer: the output computes AND of the "
                                              "inputs directly.")
    # unit 1 is constant (TRUE); the output is unit 0 = OR
    model = _network([([[20.0, 0.0], [20.0, 0.0]], [-10.0, 10.0]), ([[20.0], [0.0]], [-10.0])],
                     ["sigmoid", "sigmoid"])
    text = neurons.layer_strategy(model)
    assert "unit 1 is constant (TRUE)" in text and "the output computes A of unit 0: OR = OR" in text


def test_strategy_says_when_on_off_values_do_not_reproduce_the_network():
    # h = relu(A + B) takes 0, 1, 1, 2: by its midpoint it is AND, but the output sigmoid(10 (h - 0.5)) is OR
    model = _network([([[1.0], [1.0]], [0.0]), ([[10.0]], [-5.0])], ["relu", "sigmoid"])
    assert neurons.logic_roles(model)[0]["name"] == "AND"
    text = neurons.layer_strategy(model)
    assert "the output computes A of them: AND = AND" in text
    assert "the network itself computes OR, not AND" in text and "approximately" in text


# --- contract: inputs, estimators, no mutation -----------------------------------------------------------------

def test_functions_accept_a_fitted_estimator_and_never_change_the_model():
    X, y = gn.datasets.make_xor()
    clf = gn.MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs", max_iter=200,
                           random_state=0).fit(X, y)
    model = clf.model_
    model.forward(X.astype(model.dtype))  # give the layers caches to watch
    snapshot = _snapshot(model)
    state = np.random.get_state()[1].copy()
    assert len(neurons.hidden_activations(clf, X)) == 1
    assert len(neurons.activation_statistics(clf, X)) == 3
    neurons.dead_units(clf, X), neurons.saturated_units(clf, X), neurons.weight_statistics(clf)
    neurons.never_activating_units(clf, X), neurons.always_saturated_units(clf, X)
    for scoring in ("loss", "accuracy"):
        rows = neurons.neuron_importance(clf, X, y, scoring=scoring)
        assert len(rows) == 3 and rows[0]["baseline"] is not None
    neurons.neuron_importance(clf, X, method="weight")
    assert len(neurons.logic_roles(clf)) == 3 and isinstance(neurons.layer_strategy(clf), str)
    _assert_unchanged(model, snapshot)
    assert np.array_equal(np.random.get_state()[1], state)


def test_clear_errors():
    model = _xor_network()
    with pytest.raises(ValueError, match="X has 3 features"):
        neurons.hidden_activations(model, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        neurons.activation_statistics(model, [[np.nan, 0.0]])
    with pytest.raises(ValueError, match="method"):
        neurons.neuron_importance(model, XOR_INPUTS, method="gradient")
    with pytest.raises(ValueError, match="needs the targets y"):
        neurons.neuron_importance(model, XOR_INPUTS, scoring="accuracy")
    with pytest.raises(ValueError, match="compiled"):
        neurons.neuron_importance(model, XOR_INPUTS, [0, 1, 1, 0], scoring="loss")
    with pytest.raises(ValueError, match="threshold"):
        neurons.logic_roles(model, threshold=1.5)
    with pytest.raises(ValueError, match="at most 4 inputs"):
        neurons.logic_roles(gn.Sequential([gn.Dense(2), gn.Dense(1)], input_dim=5))
    with pytest.raises(NotFittedError):
        neurons.hidden_activations(gn.MLPClassifier(), XOR_INPUTS)
    with pytest.raises(TypeError, match="Perceptron has no hidden layers"):
        neurons.weight_statistics(gn.Perceptron().fit(XOR_INPUTS, [0, 1, 1, 1]))
    with pytest.raises(TypeError, match="Sequential"):
        neurons.weight_statistics("model")
    with pytest.raises(ValueError, match="not built"):
        neurons.weight_statistics(gn.Sequential([gn.Dense(1)]))
