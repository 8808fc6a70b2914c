"""Neuron analysis: what each hidden unit outputs, whether it is alive, how much it matters, and which logic
gate it computes.

Every function takes a :class:`~glassnet.Sequential` or a fitted estimator (its ``model_`` is analysed), reads
the network through stateless inference passes (each layer's ``infer``), and never changes it. Results are
plain data: lists of per-layer arrays, dicts keyed by layer index, or tidy tables (lists of dict rows).

A *hidden layer* is a ``Dense`` or ``Activation`` layer with a ``Dense`` layer somewhere after it; it is named by
its index in ``model.layers`` (so a ``Dense(linear)`` followed by ``Activation("relu")`` gives two hidden
layers, the pre- and the post-activation). A *unit* is a column of that layer's output.

Sorted in order of increasing complexity: activations and their statistics, weights, importance, then the
logic-gate reading of networks on boolean inputs.
"""

from __future__ import annotations

import numpy as np

from .. import activations as activations_module
from .. import metrics as metrics_module
from .._validation import check_array, check_float, check_name
from ..layers import Activation, Dense
from ..model import Sequential
from ._adapt import as_network, network_targets

__all__ = [
    "DEAD_FAMILY",
    "SATURATING",
    "TWO_INPUT_NAMES",
    "activation_statistics",
    "always_saturated_units",
    "dead_units",
    "hidden_activations",
    "hidden_layer_indices",
    "layer_strategy",
    "logic_roles",
    "neuron_importance",
    "never_activating_units",
    "saturated_units",
    "truth_table_name",
    "weight_statistics",
]

#: activations whose unit is *dead* when its pre-activation is never positive: the output is then flat (ReLU) or
#: nearly so, and the gradient through it is zero or vanishing, so the unit cannot recover by training
DEAD_FAMILY = (*activations_module.RELU_FAMILY, "selu")
#: activations that saturate: ``|f'(z)|`` goes to zero at both ends
SATURATING = ("sigmoid", "tanh")
#: a unit is saturated on a sample where ``|f'(z)|`` is below this ...
SATURATION_DERIVATIVE = 1e-3
#: ... and saturated overall when that holds on more than this fraction of the samples
SATURATION_FRACTION = 0.5
#: a sigmoid unit *never activates* when its largest output over the data is below this ...
NEVER_ACTIVE_BELOW = 0.1
#: ... and is *always saturated* when its smallest output is above this (a tanh unit's output is first rescaled
#: from [-1, 1] to [0, 1], see ``activation_statistics``)
ALWAYS_SATURATED_ABOVE = 0.9

#: the 16 Boolean functions of two inputs A, B, indexed by their truth table read as a binary number
#: ``f(0,0) f(0,1) f(1,0) f(1,1)`` (so index 1 = 0001 = AND, 6 = 0110 = XOR)
TWO_INPUT_NAMES = ("FALSE", "AND", "A AND NOT B", "A", "NOT A AND B", "B", "XOR", "OR",
                   "NOR", "XNOR", "NOT B", "A OR NOT B", "NOT A", "NOT A OR B", "NAND", "TRUE")
#: the largest input width ``logic_roles`` tabulates (2**4 = 16 rows)
MAX_LOGIC_INPUTS = 4
#: the most non-constant hidden units ``layer_strategy`` tabulates the output over (2**10 = 1024 patterns)
MAX_STRATEGY_UNITS = 10
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --------------------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------------------

def hidden_layer_indices(model) -> list[int]:
    """The indices in ``model.layers`` of the hidden layers, in order (see the module docstring).

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.

    Returns
    -------
    list of int
        ``hidden_activations(model, X)[i]`` belongs to layer ``hidden_layer_indices(model)[i]``.
    """
    return _hidden_indices(as_network(model))


def hidden_activations(model, X) -> list[np.ndarray]:
    """The output of every hidden layer for ``X``, computed in inference mode.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    list of ndarray of shape (n_samples, n_units)
        One array per hidden layer, in the order of :func:`hidden_layer_indices`, in the model's dtype: the
        post-activation values (dropout is the identity and BatchNorm uses its running statistics).
    """
    model = as_network(model)
    X = _check_X(model, X)
    trace = _trace(model, X)
    return [trace[i][1] for i in _hidden_indices(model)]


def activation_statistics(model, X) -> list[dict]:
    """A table of every hidden unit's activation statistics over ``X``, with dead and saturated flags.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    list of dict
        One row per (hidden layer, unit), with keys

        - ``layer``, ``unit``: the layer's index in ``model.layers`` and the unit's column;
        - ``activation``: the activation's name;
        - ``mean``, ``std``, ``min``, ``max``: of the unit's output over ``X`` (``std`` with ``ddof=0``);
        - ``fraction_active``: the fraction of samples where the output is ``> 0``;
        - ``fraction_saturated``: the fraction of samples where ``|f'(z)| < 1e-3`` (sigmoid and tanh; 0 for
          other activations);
        - ``dead``: for the ReLU family (relu, leaky_relu, elu, selu, swish, gelu, gelu_tanh, softplus), the
          pre-activation ``z`` is never ``> 0`` over ``X``; always False for other activations;
        - ``saturated``: for sigmoid and tanh, ``fraction_saturated > 0.5``; always False for others;
        - ``never_activates``: for sigmoid, the largest output over ``X`` is below 0.1 (the unit stays in its
          low tail, near "off", on every sample); for tanh, the largest output is below -0.8; always False for
          others;
        - ``always_saturated``: for sigmoid, the smallest output over ``X`` is above 0.9 (the unit stays in its
          high tail, near "on", on every sample); for tanh, the smallest output is above 0.8; always False for
          others.

    Notes
    -----
    ``never_activates`` and ``always_saturated`` are the classic tutorial definitions for sigmoid units: either
    way the unit is stuck in one flat tail, gives (almost) the same output for every sample and learns slowly
    (a sigmoid's slope there is below 0.09). For tanh they are the same definitions applied to the output
    rescaled to [0, 1], ``(a + 1) / 2``, because ``tanh(z) = 2 sigmoid(2z) - 1``: a tanh unit below -0.8 on every
    sample is stuck in its low tail, one above 0.8 in its high tail (its slope there is below 0.36). A tanh unit
    near 0 is *not* flagged: 0 is the middle of tanh's range, where its slope is largest. A unit can be both
    ``saturated`` (tiny slope on most samples) and stuck, or either alone: ``saturated`` asks about the slope,
    the two flags about where the outputs lie.
    """
    model = as_network(model)
    X = _check_X(model, X)
    trace = _trace(model, X)
    rows = []
    for i in _hidden_indices(model):
        z, a = trace[i]
        activation = model.layers[i].activation
        a64 = a.astype(np.float64)
        dead = _dead(activation.name, z)
        saturation = _saturation(activation, z, a)
        never, always = _stuck(activation.name, a64)
        for u in range(a.shape[1]):
            column = a64[:, u]
            rows.append({"layer": i, "unit": u, "activation": activation.name,
                         "mean": float(column.mean()), "std": float(column.std()),
                         "min": float(column.min()), "max": float(column.max()),
                         "fraction_active": float(np.mean(column > 0)),
                         "fraction_saturated": float(saturation[u]),
                         "dead": bool(dead[u]),
                         "saturated": bool(saturation[u] > SATURATION_FRACTION),
                         "never_activates": bool(never[u]),
                         "always_saturated": bool(always[u])})
    return rows


def dead_units(model, X) -> dict[int, list[int]]:
    """The dead units of every hidden layer: ReLU-family units whose pre-activation is never positive on ``X``.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    dict of int to list of int
        ``{layer index: [unit indices]}`` for every hidden layer (an empty list where none is dead).
    """
    return _flagged(activation_statistics(model, X), "dead", _hidden_indices(as_network(model)))


def saturated_units(model, X) -> dict[int, list[int]]:
    """The saturated units of every hidden layer: sigmoid/tanh units with ``|f'(z)| < 1e-3`` on most of ``X``.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    dict of int to list of int
        ``{layer index: [unit indices]}`` for every hidden layer (an empty list where none is saturated); a
        unit is saturated when its derivative is below 1e-3 on more than half of the samples.
    """
    return _flagged(activation_statistics(model, X), "saturated", _hidden_indices(as_network(model)))


def never_activating_units(model, X) -> dict[int, list[int]]:
    """The sigmoid/tanh units of every hidden layer that never activate: largest output on ``X`` below 0.1.

    The classic definition for a sigmoid unit, the counterpart of a dead ReLU (:func:`dead_units`): its output
    stays below 0.1 on every sample. A tanh unit never activates when its largest output is below -0.8 (the
    same definition on tanh's range, see :func:`activation_statistics`). Other activations are never flagged.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    dict of int to list of int
        ``{layer index: [unit indices]}`` for every hidden layer (an empty list where none is flagged).
    """
    return _flagged(activation_statistics(model, X), "never_activates", _hidden_indices(as_network(model)))


def always_saturated_units(model, X) -> dict[int, list[int]]:
    """The sigmoid/tanh units of every hidden layer that are always saturated: smallest output on ``X`` above 0.9.

    The classic definition for a sigmoid unit: its output stays above 0.9 on every sample, in the flat high tail.
    A tanh unit is always saturated when its smallest output is above 0.8 (the same definition on tanh's range,
    see :func:`activation_statistics`). Other activations are never flagged.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.

    Returns
    -------
    dict of int to list of int
        ``{layer index: [unit indices]}`` for every hidden layer (an empty list where none is flagged).
    """
    return _flagged(activation_statistics(model, X), "always_saturated", _hidden_indices(as_network(model)))


# --------------------------------------------------------------------------------------------------------------
# Weights and importance
# --------------------------------------------------------------------------------------------------------------

def weight_statistics(model, near_zero: float = 1e-3) -> list[dict]:
    """A table of statistics of every trainable weight array (Dense ``W`` and ``b``, BatchNorm ``gamma``, ``beta``).

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    near_zero : float, default=1e-3
        A weight counts as near zero when ``|w| <= near_zero``.

    Returns
    -------
    list of dict
        One row per weight array, with keys ``layer`` (index in ``model.layers``), ``layer_type``, ``param``
        (``"W"``, ``"b"``, ...), ``shape``, ``size``, ``mean``, ``std``, ``min``, ``max``, ``norm`` (the
        Euclidean / Frobenius norm) and ``fraction_near_zero``. Kernel and bias are separate rows because their
        scales differ; BatchNorm's running statistics are not weights and are left out.
    """
    model = as_network(model)
    near_zero = check_float(near_zero, "near_zero", minimum=0.0)
    rows = []
    for i, layer in enumerate(model.layers):
        for name, w in layer.params.items():
            w = w.astype(np.float64).ravel()
            rows.append({"layer": i, "layer_type": type(layer).__name__, "param": name,
                         "shape": list(layer.params[name].shape), "size": int(w.size),
                         "mean": float(w.mean()), "std": float(w.std()), "min": float(w.min()),
                         "max": float(w.max()), "norm": float(np.linalg.norm(w)),
                         "fraction_near_zero": float(np.mean(np.abs(w) <= near_zero))})
    return rows


def neuron_importance(model, X, y=None, method: str = "ablation", scoring: str | None = None) -> list[dict]:
    """How much each hidden unit matters to the network's output.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features)
        Samples, in the units the model was trained on.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Targets, for ``scoring="loss"`` or ``"accuracy"``: what the model's loss takes for a Sequential, the
        estimator's own labels for a fitted estimator.
    method : {"ablation", "weight"}, default="ablation"
        ``"ablation"``: the unit's output is set to zero (on a copy of the layer's output, in an inference pass
        written here; the model is untouched) and the importance is the resulting damage, measured by
        ``scoring``. ``"weight"``: the Euclidean norm of the unit's outgoing weights (its row of the next
        ``Dense`` kernel) times the standard deviation of its output over ``X``; ``y`` and ``scoring`` are
        not used.
    scoring : {"loss", "accuracy", "output"}, default=None
        For ablation: ``"loss"`` = increase in the data loss (the model's loss, without the regularisation
        penalty, which silencing a unit does not change); ``"accuracy"`` = drop in accuracy; ``"output"`` =
        mean absolute change of the outputs (over samples and output units; needs no ``y``). None picks
        ``"output"`` without ``y``, ``"loss"`` with ``y`` if the model is compiled, else ``"accuracy"``.

    Returns
    -------
    list of dict
        One row per (hidden layer, unit): ``layer``, ``unit``, ``importance``, ``method``, and for ablation
        ``scoring``, ``baseline`` and ``ablated`` (the score before and after; None for ``"output"``), for the
        weight method ``outgoing_norm`` and ``activation_std``. A unit whose outgoing weights are all zero has
        importance exactly 0 under both methods.

    Notes
    -----
    Zero is "off" for ReLU-family and sigmoid units, but not for tanh or linear units (their zero is the middle
    of the range), nor where a BatchNorm follows the layer (it shifts the zero). Ablation then measures the
    effect of pinning the unit at zero, which is still a fair comparison between units of one layer.
    """
    obj = model
    model = as_network(model)
    X = _check_X(model, X)
    method = check_name(method, "method", ("ablation", "weight"))
    trace = _trace(model, X)
    hidden = _hidden_indices(model)
    if method == "weight":
        return _weight_importance(model, trace, hidden)
    if scoring is None:
        scoring = "output" if y is None else ("loss" if model.loss is not None else "accuracy")
    scoring = check_name(scoring, "scoring", ("loss", "accuracy", "output"))
    score = _scorer(obj, model, y, scoring, len(X))
    rows = []
    for i in hidden:
        h = trace[i][1]
        base = _run_from(model, i + 1, h)
        baseline = score(*base, base)
        for u in range(h.shape[1]):
            silenced = h.copy()
            silenced[:, u] = 0
            ablated = score(*_run_from(model, i + 1, silenced), base)
            if scoring == "output":
                importance, baseline_value, ablated_value = ablated, None, None
            else:
                sign = 1.0 if scoring == "loss" else -1.0
                importance, baseline_value, ablated_value = sign * (ablated - baseline), baseline, ablated
            rows.append({"layer": i, "unit": u, "importance": float(importance), "method": "ablation",
                         "scoring": scoring, "baseline": baseline_value, "ablated": ablated_value})
    return rows


# --------------------------------------------------------------------------------------------------------------
# Logic roles on boolean inputs
# --------------------------------------------------------------------------------------------------------------

def truth_table_name(bits, names=None) -> str:
    """The name of a Boolean function given its truth table.

    Parameters
    ----------
    bits : array-like of 2**n bools or 0/1
        The function's value on every input combination in counting order (the first input is the most
        significant bit): for two inputs ``f(0,0), f(0,1), f(1,0), f(1,1)``.
    names : sequence of str, default=None
        The inputs' names; ``"A", "B", "C", ...`` by default.

    Returns
    -------
    str
        For two inputs, one of the 16 names in :data:`TWO_INPUT_NAMES`. For one input ``FALSE``, ``A``,
        ``NOT A``, ``TRUE``. For more inputs ``FALSE``, ``TRUE``, ``AND``, ``OR``, ``NAND``, ``NOR``, ``XOR``
        (odd parity), ``XNOR`` (even parity), a single input ``A`` or its negation ``NOT A``, else ``"mixed"``.
    """
    bits = np.asarray(bits)
    if bits.ndim != 1 or bits.size < 2 or bits.size & (bits.size - 1):
        raise ValueError(f"bits must be a 1-D truth table of 2**n values (n >= 1), received shape {bits.shape}")
    if not np.isin(bits, (0, 1)).all():
        raise ValueError("bits must hold only 0/1 or False/True values")
    bits = bits.astype(bool)
    n = bits.size.bit_length() - 1
    if names is None:
        names = _LETTERS[:n] if n <= len(_LETTERS) else [f"x{j}" for j in range(n)]
    names = [str(s) for s in names]
    if len(names) != n:
        raise ValueError(f"names must have one name per input ({n}), received {len(names)}")
    if n == 2:
        name = TWO_INPUT_NAMES[int("".join("1" if b else "0" for b in bits), 2)]
        return " ".join({"A": names[0], "B": names[1]}.get(token, token) for token in name.split(" "))
    inputs = _counting_table(n).astype(bool)
    candidates = [("FALSE", np.zeros(len(bits), bool)), ("TRUE", np.ones(len(bits), bool))]
    for j in range(n):
        candidates += [(names[j], inputs[:, j]), (f"NOT {names[j]}", ~inputs[:, j])]
    parity = inputs.sum(axis=1) % 2 == 1
    candidates += [("AND", inputs.all(axis=1)), ("OR", inputs.any(axis=1)), ("NAND", ~inputs.all(axis=1)),
                   ("NOR", ~inputs.any(axis=1)), ("XOR", parity), ("XNOR", ~parity)]
    for name, table in candidates:
        if np.array_equal(bits, table):
            return name
    return "mixed"


def logic_roles(model, X=None, threshold: float | None = 0.5) -> list[dict]:
    """The Boolean function each hidden unit computes on a network with boolean inputs.

    Every hidden unit is evaluated on all ``2**n`` input combinations (``n = input_dim <= 4``, counting order,
    the first input most significant), its output is thresholded to on/off, and the resulting truth table is
    named with :func:`truth_table_name` (inputs ``A, B, C, D``).

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like of shape (n_samples, n_features), default=None
        Data whose features each take exactly two values: the lower codes *false*, the higher *true* (for
        inputs coded -1/1, or standardised 0/1 data). None means false = 0 and true = 1.
    threshold : float or None, default=0.5
        A sigmoid unit is on where its output is ``> threshold``. Units of every other activation (and sigmoid
        units when ``threshold`` is None) are on where their output is above the midpoint between their
        minimum and maximum over the truth table. A unit whose output is constant over the table (range below
        1e-6 of its size) is on where that constant is ``> 0`` (a dead ReLU unit is ``FALSE``).

    Returns
    -------
    list of dict
        One row per (hidden layer, unit): ``layer``, ``unit``, ``activation``, ``values`` (the outputs over the
        truth table), ``threshold`` (the cut used), ``truth_table`` (list of 0/1) and ``name``.
    """
    model = as_network(model)
    threshold = _check_threshold(threshold)
    table = _truth_table_inputs(model, X)
    trace = _trace(model, table)
    rows = []
    for i in _hidden_indices(model):
        a = trace[i][1].astype(np.float64)
        activation = model.layers[i].activation.name
        bits, cuts = _binarise(a, activation, threshold)
        for u in range(a.shape[1]):
            rows.append({"layer": i, "unit": u, "activation": activation, "values": a[:, u].tolist(),
                         "threshold": float(cuts[u]), "truth_table": bits[:, u].astype(int).tolist(),
                         "name": truth_table_name(bits[:, u])})
    return rows


def layer_strategy(model, X=None, threshold: float | None = 0.5) -> str:
    """A text explaining how the output combines the logic roles of the last hidden layer's units.

    The classic reading of an XOR network (one unit computes OR, one NAND, the output ANDs them), generalised to
    any truth table: the last hidden layer's units get their
    roles as in :func:`logic_roles`; each non-constant unit is then replaced by its on value (its maximum
    over the truth table) or off value (its minimum), constant units keep their mean, and the rest of the
    network is evaluated on every on/off pattern of those units. The output's truth table over the units is
    named (units as ``A, B, ...`` in order) and written out with the units' roles substituted, beside what the
    network computes over the original inputs. For the classic solution::

        hidden unit 0 computes OR, unit 1 computes NAND; the output computes AND of them: XOR = OR AND NAND
        (over the inputs: (A OR B) AND NOT (A AND B)).

    Output units are thresholded as hidden units are (``threshold`` for a sigmoid output, the argmax for a
    softmax one, the midpoint otherwise). When the on/off substitution changes the output's truth table over
    the inputs, the text says so: the roles then describe the network only approximately.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network, or an estimator whose fitted ``model_`` is analysed.
    X : array-like, default=None
        The codes for false/true, as in :func:`logic_roles`.
    threshold : float or None, default=0.5
        As in :func:`logic_roles`.

    Returns
    -------
    str
        The explanation: the units' roles, then a sentence per output unit (on lines of their own when the
        network has several outputs).
    """
    model = as_network(model)
    threshold = _check_threshold(threshold)
    table = _truth_table_inputs(model, X)
    n = table.shape[1]
    inputs = list(_LETTERS[:n])
    trace = _trace(model, table)
    out_bits, out_cuts = _binarise_outputs(model, trace[-1][1].astype(np.float64), threshold)
    k = out_bits.shape[1]
    labels = ["the output"] if k == 1 else [f"output unit {j}" for j in range(k)]
    hidden = _hidden_indices(model)
    if not hidden:
        return "\n".join(f"The network has no hidden layer: {label} computes {truth_table_name(out_bits[:, j])} "
                         f"of the inputs directly." for j, label in enumerate(labels))
    last = hidden[-1]
    a = trace[last][1].astype(np.float64)
    bits, _ = _binarise(a, model.layers[last].activation.name, threshold)
    roles = [truth_table_name(bits[:, u]) for u in range(a.shape[1])]
    variable = [u for u, role in enumerate(roles) if role not in ("FALSE", "TRUE")]
    described = []
    for u, role in enumerate(roles):
        unit = f"{'hidden unit' if u == 0 else 'unit'} {u}"
        if role in ("FALSE", "TRUE"):
            described.append(f"{unit} is constant ({role})")
        else:
            described.append(f"{unit} computes " + (f"a mixed function h{u}" if role == "mixed" else role))
    intro = (f"Hidden layer {last}" + (f" (the last of {len(hidden)} hidden layers)" if len(hidden) > 1 else "")
             + ": " + ", ".join(described))
    if len(variable) > MAX_STRATEGY_UNITS:
        return (f"{intro}. The layer has {len(variable)} non-constant units, too many to tabulate the output over "
                f"their on/off patterns (at most {MAX_STRATEGY_UNITS}); over the inputs, "
                + "; ".join(f"{label} computes {truth_table_name(out_bits[:, j])}" for j, label in enumerate(labels))
                + ".")
    patterns = _counting_table(len(variable)) if variable else np.zeros((1, 0))
    H = np.tile(a.mean(axis=0), (len(patterns), 1))
    for p, u in enumerate(variable):
        H[:, u] = np.where(patterns[:, p] == 1, a[:, u].max(), a[:, u].min())
    combined = _run_from(model, last + 1, H.astype(model.dtype))[1].astype(np.float64)
    combined_bits, _ = _binarise_outputs(model, combined, threshold, out_cuts)
    # the output over the inputs when every unit is replaced by its on/off value
    pattern_index = (bits[:, variable].astype(int) @ (1 << np.arange(len(variable))[::-1])).astype(int)
    operands = [f"h{u}" if roles[u] == "mixed" else _operand(roles[u]) for u in variable]
    expansions = [f"h{u}" if roles[u] == "mixed" else _operand(_expression(roles[u], inputs)) for u in variable]
    them = ("them" if len(variable) == len(roles)
            else ("units " if len(variable) > 1 else "unit ") + ", ".join(str(u) for u in variable))
    sentences = []
    for j, label in enumerate(labels):
        actual = truth_table_name(out_bits[:, j])
        if not variable:
            sentences.append(f"every unit is constant on the truth table, so {label} is constant too: "
                             f"{'TRUE' if combined_bits[0, j] else 'FALSE'}")
            continue
        over_units = truth_table_name(combined_bits[:, j])
        # what the output computes over the inputs when every unit is replaced by its on/off value
        composed = truth_table_name(combined_bits[pattern_index, j])
        text = f"{label} computes "
        if over_units == "mixed":
            text += f"a mixed function of {them}"
            if len(combined_bits) <= 16:
                table_text = "".join(str(int(b)) for b in combined_bits[:, j])
                text += f" (truth table {table_text} over their on/off patterns)"
            text += f"; over the inputs {label} computes {actual}"
        else:
            text += (f"{over_units} of {them}: {composed} = {_expression(over_units, operands)} (over the inputs: "
                     f"{_unwrap(_expression(over_units, expansions))})")
        if not np.array_equal(combined_bits[pattern_index, j], out_bits[:, j]):
            text += (f". But the network itself computes {actual}, not {composed}: its units are not saturated "
                     f"enough for on/off values to stand in for them, and the roles describe it only approximately")
        sentences.append(text)
    if len(sentences) == 1:
        return _capitalise(f"{intro}; {sentences[0]}.")
    return "\n".join([f"{intro}."] + [_capitalise(text) + "." for text in sentences])


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _check_X(model: Sequential, X, name: str = "X") -> np.ndarray:
    X = check_array(X, name, dtype=model.dtype)
    if X.shape[1] != model.input_dim:
        raise ValueError(f"{name} has {X.shape[1]} features, but the model expects {model.input_dim} (input_dim)")
    return X


def _hidden_indices(model: Sequential) -> list[int]:
    dense = [i for i, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    if not dense:
        return []
    return [i for i in range(dense[-1]) if isinstance(model.layers[i], (Dense, Activation))]


def _step(layer, x):
    """One layer's inference: (pre-activation, output); the pre-activation of a layer without one is its input."""
    z = layer.infer_preactivation(x) if hasattr(layer, "infer_preactivation") else x
    a = layer.activation.forward(z) if hasattr(layer, "activation") else layer.infer(x)
    return z, a


def _trace(model: Sequential, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """An inference pass keeping each layer's (pre-activation, output); the same operations as ``predict``."""
    trace = []
    for layer in model.layers:
        z, X = _step(layer, X)
        trace.append((z, X))
    return trace


def _run_from(model: Sequential, start: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run layers ``start:`` on ``x``; returns the last layer's (pre-activation, output)."""
    z = x
    for layer in model.layers[start:]:
        z, x = _step(layer, x)
    return z, x


def _dead(name: str, z: np.ndarray) -> np.ndarray:
    if name not in DEAD_FAMILY:
        return np.zeros(z.shape[1], bool)
    return ~(z > 0).any(axis=0)


def _saturation(activation, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if activation.name not in SATURATING:
        return np.zeros(z.shape[1])
    return np.mean(np.abs(activation.derivative(z, a)) < SATURATION_DERIVATIVE, axis=0)


def _stuck(name: str, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: (never activates, always saturated), on the output rescaled to [0, 1] for tanh."""
    if name not in SATURATING:
        return np.zeros(a.shape[1], bool), np.zeros(a.shape[1], bool)
    low, high = a.min(axis=0), a.max(axis=0)
    if name == "tanh":
        low, high = (low + 1) / 2, (high + 1) / 2
    return high < NEVER_ACTIVE_BELOW, low > ALWAYS_SATURATED_ABOVE


def _flagged(rows: list[dict], key: str, layers: list[int]) -> dict[int, list[int]]:
    flagged = {i: [] for i in layers}
    for row in rows:
        if row[key]:
            flagged[row["layer"]].append(row["unit"])
    return flagged


def _next_dense(model: Sequential, i: int):
    return next(layer for layer in model.layers[i + 1:] if isinstance(layer, Dense))


def _weight_importance(model, trace, hidden) -> list[dict]:
    rows = []
    for i in hidden:
        W = _next_dense(model, i).params["W"].astype(np.float64)
        std = trace[i][1].astype(np.float64).std(axis=0)
        norms = np.linalg.norm(W, axis=1)
        for u in range(len(std)):
            rows.append({"layer": i, "unit": u, "importance": float(norms[u] * std[u]), "method": "weight",
                         "outgoing_norm": float(norms[u]), "activation_std": float(std[u])})
    return rows


def _scorer(obj, model: Sequential, y, scoring: str, n: int):
    """A function ``score(z, out, base)`` of the last layer's pre-activation and output (and the baseline's)."""
    if scoring == "output":
        return lambda z, out, base: float(np.mean(np.abs(out.astype(np.float64) - base[1].astype(np.float64))))
    if y is None:
        raise ValueError(f"scoring={scoring!r} needs the targets y; pass y, or use scoring='output'")
    targets = network_targets(obj, y)
    if len(targets) != n:
        raise ValueError(f"X and y must have the same number of samples, received {n} and {len(targets)}")
    if scoring == "accuracy":
        return lambda z, out, base: metrics_module.accuracy(targets, out)
    if model.loss is None:
        raise ValueError("scoring='loss' needs a compiled model (model.compile(loss=...)); "
                         "use scoring='accuracy' or 'output' instead")
    n_outputs = model.layers[-1].output_dim
    prepared = model.loss.prepare_targets(targets, n_outputs, model.dtype)
    if model.fused:
        return lambda z, out, base: float(model.loss.value_from_logits(prepared, z))
    return lambda z, out, base: float(model.loss.value(prepared, out))


def _check_threshold(threshold):
    return check_float(threshold, "threshold", minimum=0.0, maximum=1.0, include_min=False, include_max=False,
                       allow_none=True)


def _counting_table(n: int) -> np.ndarray:
    """All 2**n rows of bits in counting order, the first column the most significant bit."""
    rows = np.arange(2**n)[:, np.newaxis]
    return (rows >> np.arange(n - 1, -1, -1)) & 1


def _truth_table_inputs(model: Sequential, X) -> np.ndarray:
    n = model.input_dim
    if n > MAX_LOGIC_INPUTS:
        raise ValueError(f"logic roles need a network with at most {MAX_LOGIC_INPUTS} inputs (2**n truth-table "
                         f"rows), the model has input_dim={n}")
    bits = _counting_table(n).astype(np.float64)
    if X is None:
        return bits.astype(model.dtype)
    X = check_array(X, "X", dtype=np.float64)
    if X.shape[1] != n:
        raise ValueError(f"X has {X.shape[1]} features, but the model expects {n} (input_dim)")
    for j in range(n):
        distinct = np.unique(X[:, j])
        if len(distinct) != 2:
            raise ValueError(f"X must hold exactly two values per feature (the codes for false and true); "
                             f"feature {j} has {len(distinct)} distinct values")
    low, high = X.min(axis=0), X.max(axis=0)
    return (low + bits * (high - low)).astype(model.dtype)


def _binarise(a: np.ndarray, activation: str, threshold, cuts=None) -> tuple[np.ndarray, np.ndarray]:
    """On/off per sample and unit, and the cut used per unit (see ``logic_roles``)."""
    if cuts is None:
        low, high = a.min(axis=0), a.max(axis=0)
        constant = high - low <= 1e-6 * np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
        cuts = np.where(constant, 0.0, (low + high) / 2)
        if activation == "sigmoid" and threshold is not None:
            cuts = np.full(a.shape[1], threshold)
    return a > cuts, cuts


def _binarise_outputs(model: Sequential, out: np.ndarray, threshold, cuts=None):
    """Output units on/off: the argmax of a softmax, otherwise as hidden units (``cuts`` reuses earlier cuts)."""
    if model.output_activation.name == "softmax" and out.shape[1] > 1:
        bits = out == out.max(axis=1, keepdims=True)
        return bits, np.full(out.shape[1], np.nan)
    return _binarise(out, model.output_activation.name, threshold, cuts)


def _operand(expression: str) -> str:
    """``expression`` ready to be an operand of AND/OR/XOR: parenthesised unless it is one token or group."""
    rest = expression[4:] if expression.startswith("NOT ") else expression
    return expression if " " not in rest or _enclosed(rest) else f"({expression})"


def _unwrap(text: str) -> str:
    return text[1:-1] if _enclosed(text) else text


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised group, ``(...)``."""
    depth = 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position == len(text) - 1 and char == ")"
    return False


def _expression(name: str, operands: list[str]) -> str:
    """A gate's name written out over its operands (``"NAND"`` over ``[A, B]`` is ``"NOT (A AND B)"``)."""
    if name in ("FALSE", "TRUE", "mixed"):
        return name
    joined = {"AND": " AND ", "OR": " OR ", "XOR": " XOR ", "NAND": " AND ", "NOR": " OR ", "XNOR": " XOR "}
    if name in joined:
        body = joined[name].join(operands)
        if len(operands) == 1:
            return body if name in ("AND", "OR", "XOR") else f"NOT {body}".replace("NOT NOT ", "")
        return f"NOT ({body})" if name in ("NAND", "NOR", "XNOR") else body
    letters = dict(zip(_LETTERS, operands))
    return " ".join(letters.get(token, token) for token in name.split(" ")).replace("NOT NOT ", "")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
