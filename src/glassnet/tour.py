"""The guided tour: the whole story, from one neuron's limit to deep networks, as scenarios.

Each scenario is a function ``scenario(quick, seed) -> ScenarioResult``: it trains what it is about, measures
what happened, and returns the text a learner reads (written from the measured numbers, never assumed), short
tables, figures and, where it helps, the findings of :func:`~glassnet.analysis.diagnose`. :data:`SCENARIOS`
lists them in the order of the story; :func:`run_tour` runs them, prints each as a short table as it goes and
writes everything to one self-contained HTML report.

The story:

1. the perceptron on AND, OR and XOR: a line separates the first two, no line separates XOR;
2. a sigmoid perceptron on two blobs: the same line, now with probabilities;
3. a 2-2-1 network solves XOR, and its hidden units turn out to compute logic gates;
4. one step of backpropagation with every number, checked against central differences;
5. circles: the hidden layer bends the plane;
6. sine regression: a network approximates a smooth function;
7. training dynamics: weights, gradients, learning rates and hidden sizes;
8. the common training problems, each diagnosed by :func:`~glassnet.analysis.diagnose`;
9. activation functions and 10. weight initialisation, compared;
11. depth against width on a spiral;
12. handwritten digits; 13. an autoencoder that squeezes digits through two numbers.

Everything is seeded: the same ``seed`` gives the same tables (timings aside). ``quick=True`` trains for fewer
epochs on smaller data; :data:`EPOCH_SCALE` shrinks every epoch count further (the tests use it).
"""

from __future__ import annotations

import inspect
import math
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import datasets, metrics
from .builders import mlp
from .layers import Dense
from .model import DivergenceWarning, Sequential
from .optimizers import SGD, Adam
from .report import REPORT_DPI, Section, format_value, text_table, write_report

__all__ = ["EPOCH_SCALE", "SCENARIOS", "UNIT_VARIES", "ScenarioResult", "run_scenarios", "run_tour"]

#: Multiplies every epoch count of every scenario (at least 2 epochs remain). 1.0 for the real tour; the tests
#: set it small to run the whole tour in seconds.
EPOCH_SCALE = 1.0
#: Tables after a scenario's first are printed only up to this many rows (the report shows them all).
SHORT_TABLE_ROWS = 5
#: A hidden unit "varies over the data" when its output's largest and smallest values over the data differ by
#: more than this (5% of tanh's range); below it the unit is constant there, whatever its weights.
UNIT_VARIES = 0.1


@dataclass
class ScenarioResult(Section):
    """What one scenario found: a report :class:`~glassnet.report.Section` plus the raw results.

    Attributes
    ----------
    title, text, tables, figures, findings, blocks
        As :class:`~glassnet.report.Section`: the heading, what happened and why, ``(caption, rows)`` tables,
        ``(caption, Figure)`` figures, diagnosis findings and preformatted text.
    name : str
        The scenario function's name.
    data : dict
        The measured results, for code and tests to read (e.g. ``data["converged"]["XOR"]``).
    seconds : float
        Wall-clock time the scenario took (set by :func:`run_scenarios`).
    """

    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


_SCENARIO_SECTIONS = """
Parameters
----------
quick : bool
    Fewer epochs and smaller data.
seed : int
    Seed of the data and of every network.

Returns
-------
ScenarioResult
    ``data``: {data}"""


def _scenario(data: str):
    """Append the Parameters and Returns sections every scenario shares to its docstring; ``data`` says what
    the result's ``data`` dict holds."""
    def document(function):
        function.__doc__ = inspect.cleandoc(function.__doc__) + "\n" + _SCENARIO_SECTIONS.format(
            data="\n    ".join(textwrap.wrap(data, 108)))
        return function
    return document


# --------------------------------------------------------------------------------------------------------------
# Running the tour
# --------------------------------------------------------------------------------------------------------------

def run_tour(out_dir="glassnet-tour", quick: bool = False, seed: int = 0, echo: Callable[[str], None] = print,
             dpi: int = REPORT_DPI) -> Path:
    """Run every scenario, printing each as it finishes, and write ``out_dir/report.html``.

    Parameters
    ----------
    out_dir : str or path-like, default="glassnet-tour"
        The folder for the report (created if missing).
    quick : bool, default=False
        Fewer epochs and smaller data sets: the whole tour in under a minute.
    seed : int, default=0
        Seed of every data set, network and shuffle.
    echo : callable, default=print
        Receives the text to print, one block at a time.
    dpi : int, default=REPORT_DPI
        Resolution of the figures in the report (they are displayed at the same size whatever it is).

    Returns
    -------
    Path
        The report's path.
    """
    start = time.perf_counter()
    results = run_scenarios(quick=quick, seed=seed, echo=echo, dpi=dpi)
    total = time.perf_counter() - start
    subtitle = (f"{'Quick' if quick else 'Full'} tour, seed {seed}: {len(results)} scenarios in {total:.0f} s. "
                f"Run it again with `glassnet tour{' --quick' if quick else ''} --seed {seed}` for the same numbers.")
    return write_report(results, Path(out_dir) / "report.html", title="The glassnet tour: from one neuron to "
                        "deep networks", subtitle=subtitle, dpi=dpi)


def run_scenarios(quick: bool = False, seed: int = 0, echo: Callable[[str], None] | None = print,
                  scenarios: Sequence[Callable[[bool, int], ScenarioResult]] | None = None,
                  dpi: int = REPORT_DPI) -> list[ScenarioResult]:
    """Run scenarios in order and return their results, with each figure already rendered to PNG bytes.

    Parameters
    ----------
    quick : bool, default=False
    seed : int, default=0
    echo : callable or None, default=print
        Receives each scenario's printout (title, text, tables); None prints nothing.
    scenarios : sequence of callables, default=None
        The scenarios to run; None runs :data:`SCENARIOS`.
    dpi : int, default=REPORT_DPI

    Returns
    -------
    list of ScenarioResult
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, received seed={seed!r}")
    scenarios = SCENARIOS if scenarios is None else list(scenarios)
    if echo is not None:
        echo(f"glassnet tour ({'quick' if quick else 'full'}, seed {seed}): {len(scenarios)} scenarios, "
             "from one neuron to deep networks")
    results = []
    for number, scenario in enumerate(scenarios, 1):
        start = time.perf_counter()
        result = scenario(bool(quick), int(seed))
        result.name = result.name or scenario.__name__
        result.render_figures(dpi)  # PNG now, so the figures' memory goes as the tour goes on
        result.seconds = time.perf_counter() - start
        if echo is not None:
            echo(_printout(number, result))
        results.append(result)
    return results


def _printout(number: int, result: ScenarioResult) -> str:
    lines = ["", f"{number}. {result.title}  ({result.seconds:.1f} s)"]
    for k, paragraph in enumerate(result.text.split("\n\n")):
        lines += ([""] if k else []) + [textwrap.fill(paragraph, width=100, initial_indent="   ",
                                                      subsequent_indent="   ")]
    # the headline table always, further ones when they are short; the report has everything
    shown = [t for k, t in enumerate(result.tables) if k == 0 or len(t[1]) <= SHORT_TABLE_ROWS]
    for caption, rows in shown:
        lines += ["", f"   {caption}", text_table(rows, indent="   ")]
    extra = [f"{n} {what}" for n, what in ((len(result.tables) - len(shown), "more table(s)"),
                                            (len(result.figures), "figure(s)"),
                                            (len(result.findings), "diagnosis finding(s)")) if n]
    if extra:
        lines += ["", f"   In the report: {', '.join(extra)}."]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# 1-2. One neuron
# --------------------------------------------------------------------------------------------------------------

@_scenario('``converged`` and ``epochs`` by gate (``"AND"``, ``"OR"``, ``"XOR"``), ``best_xor_correct``, the '
            'most XOR points any epoch\'s line got right, and ``xor_cycle_from``, the first epoch from which every '
            'XOR epoch repeated the same mistakes and ended on the same line (None if it never did).')
def perceptron_logic_gates(quick: bool, seed: int) -> ScenarioResult:
    """The perceptron learns AND and OR, and cannot learn XOR: no straight line separates its classes."""
    from sklearn.exceptions import ConvergenceWarning

    from . import plots
    from .perceptron import Perceptron

    max_iter = 30 if quick else 100
    gates = {"AND": datasets.make_and, "OR": datasets.make_or, "XOR": datasets.make_xor}
    rows, converged, fitted, panels, truth_tables = [], {}, {}, {}, {}
    for gate, make in gates.items():
        X, y = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # XOR's failure is the lesson, told below
            p = Perceptron(shuffle=False, max_iter=max_iter, tol=None, random_state=seed).fit(X, y)
        converged[gate] = bool(p.converged_)
        fitted[gate] = p
        history = p.training_history_
        rows.append({"gate": gate, "converged": p.converged_, "epochs": p.n_iter_,
                     "accuracy": float(p.score(X, y)), "mistakes in last epoch": int(history[-1]["errors"]),
                     "learned line": _boundary(p)})
        title = f"{gate}: {'converged' if p.converged_ else 'did not converge'}"
        panels[title], truth_tables[title] = p, y
    X, y = datasets.make_xor()
    xor = fitted["XOR"]
    predictions = xor.predict(X)
    truth = [{"x1": int(a), "x2": int(b), "XOR": int(t), "perceptron says": int(p), "right": bool(t == p)}
             for (a, b), t, p in zip(X, y, predictions)]
    # the best of the lines it held after each epoch, judged on all four points
    best = max(int(np.sum((X @ np.ravel(r["weights"]) + float(np.ravel(r["bias"])[0]) >= 0) == y))
               for r in xor.training_history_)
    epochs = {r["gate"]: r["epochs"] for r in rows}
    cycle_from = _repeating_from(xor.training_history_)
    last = xor.training_history_[-1]
    mistakes = [int(r["errors"]) for r in xor.training_history_]
    if cycle_from is not None and cycle_from < len(mistakes):
        motion = (f"From epoch {cycle_from} on, every pass made the same {_plural(int(last['errors']), 'mistake')} "
                  f"and moved the line {_plural(int(last['errors']), 'time')}, only to end where the pass began "
                  f"({_boundary(xor)}): it goes round one cycle forever, so its loss and accuracy curves are flat "
                  f"from epoch {cycle_from}, flat without having settled on an answer.")
        curve_caption = (f"XOR: loss and accuracy counted during each pass, flat from epoch {cycle_from} as the "
                         f"line goes round the same cycle")
    else:
        motion = (f"Its mistakes per pass went between {min(mistakes)} and {max(mistakes)} and never reached 0, so "
                  f"it kept moving its line.")
        curve_caption = (f"XOR: loss and accuracy counted during each pass, between {min(mistakes)} and "
                         f"{max(mistakes)} mistakes and never 0")
    text = (f"The perceptron starts from zero weights and moves its line only when it makes a mistake. AND "
            f"{_verdict(converged['AND'], epochs['AND'])} and OR {_verdict(converged['OR'], epochs['OR'])}: each "
            f"is linearly separable, so the rule is guaranteed to find a separating line (AND's: "
            f"{_boundary(fitted['AND'])}).\n\n"
            f"XOR {_verdict(converged['XOR'], epochs['XOR'])}: in every epoch it misclassified at least one point, "
            f"and the best line it held after any epoch got {best} of 4 right. No straight line puts (0,1) and "
            f"(1,0) on one side and (0,0) and (1,1) on the other, and one neuron can only draw a straight line, "
            f"so there is always a point to correct. {motion} This is the limit Minsky and Papert made famous in "
            f"1969, and the reason networks have hidden layers.")
    return ScenarioResult(
        "The perceptron: AND and OR yes, XOR no", text,
        tables=[("The perceptron rule on three logic gates", rows), ("XOR: what the perceptron ends with", truth)],
        figures=[("Each gate's four points and the perceptron's final line and regions",  # the same 4 points
                  plots.plot_decision_boundaries(panels, X, truth_tables)),
                 (curve_caption, plots.plot_training_curves(xor))],
        data={"converged": converged, "epochs": epochs, "best_xor_correct": best, "xor_cycle_from": cycle_from})


@_scenario('``accuracy`` and the ``probabilities`` of class 1 at the test points.')
def sigmoid_perceptron_blobs(quick: bool, seed: int) -> ScenarioResult:
    """A sigmoid neuron separates two blobs with a line, and says how sure it is of every point."""
    from sklearn.exceptions import ConvergenceWarning

    from . import plots
    from .perceptron import Perceptron

    n = 60 if quick else 100
    X, y = datasets.make_blobs(n_samples=n, centers=[[2.0, 2.0], [5.0, 5.0]], cluster_std=0.8, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "converged" is reported in the table
        p = Perceptron(activation="sigmoid", eta0=0.01, max_iter=_epochs(quick, 200, 100), tol=None,
                       random_state=seed).fit(X, y)
    points = np.array([[1.0, 1.0], [3.0, 3.0], [3.5, 3.5], [4.0, 4.0], [6.0, 6.0]])
    proba = p.predict_proba(points)[:, 1]
    test_rows = [{"point": f"({a:g}, {b:g})", "P(class 1)": float(q), "class": int(q > 0.5)}
                 for (a, b), q in zip(points, proba)]
    accuracy = float(p.score(X, y))
    summary = [{"samples": n, "epochs": p.n_iter_, "accuracy": accuracy, "converged": p.converged_,
                "learned line": _boundary(p)}]
    text = (f"The same neuron with a sigmoid instead of a step outputs a probability, sigmoid(w·x + b), and "
            f"learns by gradient descent on the log loss (the same update line as the perceptron's). On two "
            f"Gaussian blobs around (2, 2) and (5, 5) it reaches accuracy {accuracy:.3f}; its boundary is "
            f"the line where the probability is 0.5 ({_boundary(p)})."
            + (f" Training stopped after epoch {p.n_iter_}, the first in which every point was on the right side "
               f"when visited (the perceptron's sense of converged); the updates of that pass still moved the line "
               f"a little." if p.converged_ else
               f" Its final line leaves {_plural(int(round((1 - accuracy) * n)), 'point')} on the wrong side, and "
               f"no epoch was free of mistakes, so the perceptron's sense of converged was never reached.")
            + "\n\n"
            f"Unlike the step, it says how sure it is: a point deep in a blob such as (6, 6) gets "
            f"{proba[-1]:.3f}, while (3.5, 3.5), between the blobs, gets {proba[2]:.3f}. It is still one "
            f"straight line, though: logistic regression, no more.")
    return ScenarioResult(
        "A sigmoid perceptron on two blobs", text,
        tables=[("The sigmoid perceptron after training", summary), ("Its confidence at a few points", test_rows)],
        figures=[("P(class 1) over the plane: the 0.5 line is the boundary", plots.plot_decision_boundary(p, X, y)),
                 ("Loss and accuracy per epoch", plots.plot_training_curves(p))],
        data={"accuracy": accuracy, "probabilities": proba.tolist()})


# --------------------------------------------------------------------------------------------------------------
# 3-4. A hidden layer
# --------------------------------------------------------------------------------------------------------------

@_scenario('``solved``, ``roles`` (the gate each hidden unit computes), ``strategy`` (how the output '
            'combines them, from :func:`~glassnet.analysis.layer_strategy`), ``outputs`` and ``attempts``.')
def mlp_xor(quick: bool, seed: int) -> ScenarioResult:
    """A 2-2-1 network solves XOR; its two hidden units compute logic gates that the output combines."""
    from . import plots
    from .analysis import layer_strategy, logic_roles

    X, y = datasets.make_xor()
    epochs = _epochs(quick, 1000, 600)
    attempts, model, history = [], None, None
    for attempt in range(10):
        candidate = mlp(2, [2], "binary", activation="sigmoid", optimizer=SGD(0.5, momentum=0.9),
                        seed=seed + attempt)
        candidate_history = candidate.fit(X, y, epochs=epochs, batch_size=None, verbose=0)
        accuracy = candidate.evaluate(X, y, return_dict=True)["accuracy"]
        attempts.append({"seed": seed + attempt, "final loss": candidate_history.history["loss"][-1],
                         "accuracy": accuracy})
        if model is None or accuracy > model.evaluate(X, y, return_dict=True)["accuracy"]:
            model, history = candidate, candidate_history
        if accuracy == 1.0:
            break
    outputs = model.predict(X)[:, 0]
    table = [{"x1": int(a), "x2": int(b), "XOR": int(t), "network output": float(o), "says": int(o > 0.5)}
             for (a, b), t, o in zip(X, y, outputs)]
    roles = logic_roles(model)
    role_rows = [{"hidden unit": r["unit"], **{f"on {a}{b}": v for (a, b), v in zip(("00", "01", "10", "11"),
                                                                                      r["values"])},
                  "computes": r["name"]} for r in roles]
    strategy = layer_strategy(model)
    solved = bool(np.array_equal(outputs > 0.5, y.astype(bool)))
    restarts = len(attempts) - 1
    restart_text = ("" if restarts == 0 else
                    f" A network this small can get stuck: from {restarts} starting point(s) training ended in a "
                    f"local minimum (accuracy {attempts[0]['accuracy']:.2f}), so the tour restarted from the "
                    f"next seed, as practitioners do.")
    text = (f"Two hidden sigmoid units and one output, trained by gradient descent with momentum for {epochs} "
            f"epochs: the network {'solves' if solved else 'does not solve'} XOR (outputs "
            f"{', '.join(f'{o:.3f}' for o in outputs)} for 00, 01, 10, 11).{restart_text}\n\n"
            f"How? Read each hidden unit's output on the four inputs as a truth table (on above 0.5). {strategy} "
            + ("The hidden layer turns the inputs into features that one line can separate" if solved else
               "These features are not yet ones that one line separates")
            + (": the picture of each unit's output over the plane shows each drawing its own line."
               if all(r["name"] not in ("TRUE", "FALSE") for r in roles) else
               "; a unit that answers the same on all four inputs draws no line over them."))
    return ScenarioResult(
        "A hidden layer solves XOR", text,
        tables=[("The 2-2-1 network on XOR", table), ("What each hidden unit computes", role_rows)]
        + ([("Starting points tried", attempts)] if restarts else []),
        figures=[("The network's probability of 1 over the plane", plots.plot_decision_boundary(model, X, y)),
                 ("Each hidden unit's output over the plane", plots.plot_hidden_neuron_maps(model, X, y)),
                 ("Training curves", plots.plot_training_curves(history))],
        data={"solved": solved, "roles": [r["name"] for r in roles], "strategy": strategy,
              "outputs": outputs.tolist(), "attempts": len(attempts)})


@_scenario('``loss``, ``max_relative_error`` against central differences, ``passed``, and ``step``: the worked '
           "example's numbers by name (``z1``, ``a1``, ``z2``, ``a2``, ``dW1``, ``db1``, ``dW2``, ``db2``, and "
           "``W1_new``, ``b1_new``, ``W2_new``, ``b2_new`` after the update).")
def backprop_step(quick: bool, seed: int) -> ScenarioResult:
    """One step of backpropagation on a 2-2-1 network, every number shown, then checked numerically.

    The classic worked example, with its own numbers: input (0.5, 0.3), target 1, sigmoid units, binary
    cross-entropy, plain gradient descent at learning rate 0.1, and weights drawn as it draws them (NumPy's
    legacy generator seeded with 42, ``W1 = randn(2, 2) * 0.5``, ``W2 = randn(2, 1) * 0.5``, zero biases). The
    tour's ``seed`` does not change it.
    """
    from .analysis import explain_step, gradient_check

    W1, b1, W2, b2 = _backprop_example_weights()
    model = Sequential([Dense(2, activation="sigmoid"), Dense(1, activation="sigmoid")], input_dim=2, seed=seed,
                       dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=SGD(learning_rate=0.1))
    model.set_weights([W1, b1, W2, b2])
    X, y = np.array([[0.5, 0.3]]), np.array([1])
    step = explain_step(model, X, y)
    check = gradient_check(model, X, y)
    hidden, output = step.layers
    numbers = {"z1": hidden.z, "a1": hidden.a, "z2": output.z, "a2": output.a}
    numbers.update({f"d{u.label}": u.gradient for u in step.updates})
    numbers.update({f"{u.label}_new": u.new for u in step.updates})
    rows = [{"parameter": f"{r.name}{r.layer + 1}", "shape": "x".join(map(str, r.shape)),
             "backprop norm": r.backprop_norm, "numerical norm": r.numerical_norm,
             "relative error": r.relative_error} for r in check.rows if not r.skipped]
    a2 = float(output.a[0, 0])
    text = (f"The classic worked example: input (0.5, 0.3), target 1, a 2-2-1 network of sigmoid units, the "
            f"binary cross-entropy and plain gradient descent with learning rate 0.1, from its own initial weights "
            f"(drawn by NumPy's legacy generator seeded with 42, times 0.5; zero biases). The forward pass computes "
            f"z = x·W + b and a = sigmoid(z) layer by layer and predicts {a2:.4f} for a target of 1, a loss of "
            f"-log({a2:.4f}) = {step.loss:.4f}. The backward pass sends delta = dL/dz from the output "
            f"(a2 - y = {a2 - 1:.4f}) back through W transposed and each sigmoid'(z) = a (1 - a); each gradient is "
            f"a.T @ delta; the update subtracts 0.1 times it. Every number is below.\n\n"
            f"Are the gradients right? Nudging each weight by ±1e-6 and watching the loss (central differences) "
            f"gives the same gradients to a relative error of {check.max_relative_error:.1e}"
            + (": backpropagation is the chain rule, computed efficiently." if check.passed else
               ", more than the check allows: something is wrong with these gradients."))
    return ScenarioResult(
        "Backpropagation, one step by hand", text,
        tables=[("Backpropagation against central differences", rows)],
        blocks=[("One training step, every number", step.render(precision=4))],
        data={"loss": float(step.loss), "max_relative_error": float(check.max_relative_error),
              "passed": bool(check.passed), "step": {k: np.array(v, dtype=np.float64) for k, v in numbers.items()}})


# --------------------------------------------------------------------------------------------------------------
# 5-6. Non-linear problems
# --------------------------------------------------------------------------------------------------------------

@_scenario('``test_accuracy`` by network; ``varying_units``, the hidden units whose output changes by more than '
           ':data:`UNIT_VARIES` over the data (the others are constant on it), with ``unit_ranges``, each unit\'s '
           'largest minus smallest output over ``X`` (all the points); ``models`` by network.')
def circles(quick: bool, seed: int) -> ScenarioResult:
    """A circle inside a circle: one neuron fails, a layer of eight hidden units draws a closed boundary."""
    from . import plots
    from .analysis import hidden_activations, noise_robustness

    X, y = datasets.make_circles(n_samples=200 if quick else 400, noise=0.1, factor=0.5, random_state=seed)
    X_train, X_test, y_train, y_test = _split(X, y, seed)
    epochs = _epochs(quick, 200, 80)
    networks = {"no hidden layer": [], "8 tanh hidden units": [8]}
    rows, models, robustness, panels = [], {}, {}, {}
    for name, hidden in networks.items():
        model = mlp(2, hidden, "binary", activation="tanh", optimizer=Adam(0.05), seed=seed)
        model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0)
        models[name] = model
        rows.append({"network": name, "parameters": model.param_counts().trainable,
                     "train accuracy": model.evaluate(X_train, y_train, return_dict=True)["accuracy"],
                     "test accuracy": model.evaluate(X_test, y_test, return_dict=True)["accuracy"]})
        panels[f"{name}: test accuracy {rows[-1]['test accuracy']:.3f}"] = model
        robustness[name] = noise_robustness(model, X_test, y_test, noise_levels=(0, 0.1, 0.2, 0.3, 0.5),
                                            n_repeats=10, random_state=seed)
    hidden = models["8 tanh hidden units"]
    outputs = hidden_activations(hidden, X)[0].astype(np.float64)
    ranges = outputs.max(axis=0) - outputs.min(axis=0)
    varying = [int(k) for k in np.flatnonzero(ranges > UNIT_VARIES)]
    constant = [int(k) for k in np.flatnonzero(ranges <= UNIT_VARIES)]
    n_units = len(ranges)
    if constant:
        units_text = (f"Of its {_number(n_units)} tanh hidden units, {_number(len(varying))} vary over the data, "
                      f"each a soft step across a line of its own (see their maps); the other {_number(len(constant))} "
                      f"(unit{'s' if len(constant) > 1 else ''} {_listed(constant)}) change by at most "
                      f"{ranges[constant].max():.3f} from point to point"
                      + (": saturated at ±1, " if np.all(np.abs(outputs[:, constant].mean(axis=0)) > 0.9) else ", so ")
                      + f"they only add a constant to the output's input. The output combines the "
                      f"{_number(len(varying))} lines")
        units_caption = (f"The {_number(n_units)} hidden units' outputs over the plane: unit"
                         f"{'s' if len(varying) != 1 else ''} {_listed(varying)} vary over the data, "
                         f"{_listed(constant)} {'are' if len(constant) > 1 else 'is'} constant on it")
    else:
        units_text = (f"All {_number(n_units)} tanh hidden units vary over the data, each a soft step across a line "
                      f"of its own (see their maps). The output combines them")
        units_caption = f"The {_number(n_units)} hidden units' outputs over the plane, each varying over the data"
    points = np.array([[0.0, 0.0], [0.3, -0.3], [1.0, 0.0], [0.0, -1.0], [-0.7, 0.7]])
    proba = hidden.predict(points)[:, 0]
    point_rows = [{"point": f"({a:g}, {b:g})", "radius": float(math.hypot(a, b)), "P(inner)": float(q),
                   "says": "inner" if q > 0.5 else "outer"} for (a, b), q in zip(points, proba)]
    noise_rows = [{"noise": r["noise"], **{f"accuracy, {name}": table[i]["accuracy_mean"]
                                           for name, table in robustness.items()}}
                  for i, r in enumerate(robustness["no hidden layer"])]
    linear, layered = rows[0]["test accuracy"], rows[1]["test accuracy"]
    rim = proba[np.isclose(np.hypot(points[:, 0], points[:, 1]), 1.0)]
    noisy = robustness["8 tanh hidden units"]
    text = (f"The inner circle (class 1) sits inside the outer one (class 0). With no hidden layer the network is "
            f"one neuron: its best line reaches test accuracy {linear:.3f}"
            + (", about what guessing gives. " if linear < 0.65 else ". ")
            + f"A hidden layer changes that. {units_text} into "
            + ("a closed boundary" if layered >= 0.9 else "a boundary")
            + f": test accuracy {layered:.3f}.\n\n"
            + (f"The boundary follows the radius: the centre gets P(inner) {proba[0]:.3f} and the points at radius 1 "
               f"at most {rim.max():.3f}. " if proba[0] > 0.5 > rim.max() else
               f"At the centre the network gives P(inner) {proba[0]:.3f}, at radius 1 between {rim.min():.3f} and "
               f"{rim.max():.3f}. ")
            + f"Adding noise to the test inputs (in units of each feature's spread) shows how much room the "
            f"boundary leaves: at noise {noisy[3]['noise']:g} the hidden-layer network scores "
            f"{noisy[3]['accuracy_mean']:.3f}, against {noisy[0]['accuracy_mean']:.3f} without noise.")
    return ScenarioResult(
        "Circles: the hidden layer bends the plane", text,
        tables=[("One neuron against a hidden layer", rows), ("The hidden-layer network at a few points",
                                                              point_rows),
                ("Test accuracy under input noise", noise_rows)],
        figures=[("Decision regions (circles: training points, triangles: test points)",
                  plots.plot_decision_boundaries(panels, X_train, y_train, X_test, y_test, resolution=120)),
                 (units_caption, plots.plot_hidden_neuron_maps(hidden, X, y)),
                 ("Accuracy as noise is added to the test inputs", plots.plot_noise_robustness(robustness))],
        data={"test_accuracy": {r["network"]: r["test accuracy"] for r in rows}, "varying_units": varying,
              "unit_ranges": ranges.tolist(), "models": models, "X": X})


@_scenario('``test_r2`` and ``test_mse``.')
def sine_regression(quick: bool, seed: int) -> ScenarioResult:
    """A network approximates y = sin(x) + 0.5 cos(2x) from noisy samples: regression."""
    from . import plots

    X, y = datasets.make_sine(n_samples=150 if quick else 300, noise=0.1, x_range=(-2 * np.pi, 2 * np.pi),
                              random_state=seed)
    X_train, X_test, y_train, y_test = _split(X, y, seed, stratify=False)
    mean, std = X_train.mean(), X_train.std()
    model = mlp(1, [32, 32], "regression", activation="tanh", optimizer=Adam(0.01), seed=seed)
    history = model.fit((X_train - mean) / std, y_train, epochs=_epochs(quick, 600, 300), batch_size=32,
                        verbose=0)

    def predict(x):
        return model.predict((np.asarray(x, dtype=np.float64).reshape(-1, 1) - mean) / std)[:, 0]

    def truth(x):
        return np.sin(x) + 0.5 * np.cos(2 * x)

    rows = [{"data": name, "samples": len(Xs), "mse": metrics.mse(ys, predict(Xs)), "R²": metrics.r2(ys, predict(Xs))}
            for name, Xs, ys in (("training", X_train, y_train), ("test", X_test, y_test))]
    xs = np.array([-np.pi, -np.pi / 2, 0.0, np.pi / 2, np.pi])
    point_rows = [{"x": float(x), "true f(x)": float(truth(x)), "network": float(p), "error": float(abs(p - truth(x)))}
                  for x, p in zip(xs, predict(xs))]
    fit = plots.plot_function_fit(predict, X_train, y_train, truth=truth, xlabel="input x",
                                  ylabel="output y = sin(x) + 0.5 cos(2x)")
    noise_floor = 0.1 ** 2
    text = (f"A 1-32-32-1 tanh network with a linear output and the mean squared error learns "
            f"y = sin(x) + 0.5 cos(2x) from {len(X_train)} noisy samples (noise standard deviation 0.1) on "
            f"[-2π, 2π], with x standardised first. Test R² is {rows[1]['R²']:.3f} and test MSE "
            f"{rows[1]['mse']:.4f}. The noise alone puts a floor of {noise_floor:.2f} under the MSE: "
            + ("the network is close to it, so it has found the function rather than the noise."
               if rows[1]["mse"] < 3 * noise_floor else
               "the network is still well above it; more epochs or more samples would bring it closer.")
            + "\n\n"
            "The same machinery that classifies also regresses: only the output layer (linear, not sigmoid) and "
            "the loss (squared error, not cross-entropy) change.")
    return ScenarioResult(
        "Sine regression: approximating a function", text,
        tables=[("Fit quality", rows), ("The network at a few points", point_rows)],
        figures=[("The training samples, the learned function and the truth", fit),
                 ("Training loss", plots.plot_training_curves(history))],
        data={"test_r2": rows[1]["R²"], "test_mse": rows[1]["mse"]})


# --------------------------------------------------------------------------------------------------------------
# 7-8. Training
# --------------------------------------------------------------------------------------------------------------

@_scenario("``convergence`` (the 2-3-1 run's convergence report), ``learning_rates`` and "
            '``hidden_sizes`` (the summary tables).')
def training_dynamics(quick: bool, seed: int) -> ScenarioResult:
    """How weights, gradients and the loss move, and what the learning rate and the hidden size change."""
    from . import plots
    from .analysis import TrainingRecorder, analyze_convergence, weight_evolution
    from .analysis.experiments import compare_hidden_sizes, compare_learning_rates

    X, y = datasets.make_xor()
    epochs = _epochs(quick, 300, 200)
    model = mlp(2, [3], "binary", activation="sigmoid", optimizer=SGD(2.0), seed=seed)
    recorder = TrainingRecorder()
    history = model.fit(X, y, epochs=epochs, batch_size=None, verbose=0, callbacks=[recorder])
    report = analyze_convergence(history, window=min(10, epochs))
    convergence = [{"epochs": report.n_epochs, "converged": report.converged,
                    "settled from epoch": report.convergence_epoch, "first loss": report.initial_loss,
                    "final loss": report.final_loss, "loss reduction": report.loss_reduction,
                    "final accuracy": history.history["accuracy"][-1], "trend": report.trend}]
    evolution = [{"layer": f"{k + 1}: {e['name']}", "initial ||W||": e["initial_norm"], "final ||W||": e["final_norm"],
                  "ratio": e["ratio"], "distance travelled": e["relative_change"]}
                 for k, e in enumerate(weight_evolution(recorder))]

    gradients = recorder.series("grad_norm", 0)
    seeds = tuple(range(seed, seed + (3 if quick else 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        lr_rows = compare_learning_rates(X, y, (0.1, 1.0, 5.0, 10.0, 50.0), hidden_layer_sizes=(4,),
                                         activation="sigmoid", optimizer="sgd", epochs=_epochs(quick, 200, 100),
                                         batch_size=None, seeds=seeds)
        size_rows = compare_hidden_sizes(X, y, (1, 2, 3, 4, 8, 16), activation="sigmoid", optimizer="sgd",
                                         learning_rate=5.0, epochs=_epochs(quick, 300, 150), batch_size=None,
                                         seeds=seeds)
    lr_table = _by_setting(lr_rows, "learning rate")
    size_table = _by_setting(size_rows, "hidden units")
    curves = plots.plot_histories({f"learning rate {format_value(r['setting'])}": r["loss_curve"]
                                   for r in lr_rows if r["seed"] == seeds[0]}, logy=True,
                                  title=f"XOR, 2-4-1 sigmoid, plain SGD (seed {seeds[0]})")
    best_lr = max(lr_table, key=lambda r: (r["solved"], -r["mean final loss"]))
    smallest = next((r for r in size_table if r["solved"] == r["runs"]), None)
    first_norm, last_norm = evolution[0]["initial ||W||"], evolution[0]["final ||W||"]
    text = (f"A 2-3-1 sigmoid network learns XOR with plain gradient descent at learning rate 2.0 for {epochs} "
            f"epochs: the loss falls from {report.initial_loss:.3f} to {report.final_loss:.4f} "
            + (f"and settles from epoch {report.convergence_epoch}" if report.converged else
               f"and is still {report.trend}")
            + (f". The weights grow as the units commit to their roles (the norm of the first layer's weights "
               f"goes from {first_norm:.2f} to {last_norm:.2f})" if last_norm > first_norm else
               f". The norm of the first layer's weights goes from {first_norm:.2f} to {last_norm:.2f}")
            + f"; its gradient norm, {gradients[0]:.3g} after the first epoch, "
            + (f"peaks at {np.nanmax(gradients):.3g} while the units commit and ends at {gradients[-1]:.3g}."
               if np.nanargmax(gradients) > 0 else f"falls to {gradients[-1]:.3g} as the loss does.")
            + "\n\n"
            f"The learning rate is the first thing to tune. Over {len(seeds)} seeds each, a 2-4-1 network "
            + (f"solved XOR most reliably at learning rate {format_value(best_lr['learning rate'])} "
               f"({best_lr['solved']}/{best_lr['runs']} runs). " if best_lr["solved"] else
               f"solved XOR at no learning rate within its epochs; it came closest at "
               f"{format_value(best_lr['learning rate'])} (mean final loss {best_lr['mean final loss']:.3f}). ")
            + f"{_rate_extremes(lr_table, lr_rows)} Capacity matters too: "
            + (f"{smallest['hidden units']} hidden units were the fewest that solved it in every run"
               if smallest else "no width solved it in every run")
            + f"; {_capacity_story(size_table)}")
    return ScenarioResult(
        "Training dynamics: weights, learning rate, hidden size", text,
        tables=[("Convergence of the 2-3-1 run", convergence), ("How far each layer's weights moved", evolution),
                (f"Learning rate (2-4-1, {len(seeds)} seeds each)", lr_table),
                (f"Hidden layer size (learning rate 5.0, {len(seeds)} seeds each)", size_table)],
        figures=[("Loss and accuracy of the 2-3-1 run", plots.plot_training_curves(history)),
                 ("Gradient norm of each layer as training goes on", plots.plot_gradient_flow(recorder)),
                 ("Loss curves for each learning rate", curves),
                 ("Final loss by hidden size (mean ± std over seeds)",
                  plots.plot_sweep([{"hidden units": r["setting"], "final training loss": r["final_loss"]}
                                    for r in size_rows], "hidden units", "final training loss"))],
        data={"convergence": report.to_dict(), "learning_rates": lr_table, "hidden_sizes": size_table})


@_scenario('``codes``, the finding codes of each run; ``findings`` holds them all.')
def training_problems(quick: bool, seed: int) -> ScenarioResult:
    """The classic training problems, each produced on purpose and recognised by ``diagnose``."""
    from dataclasses import replace

    from . import plots
    from .analysis import TrainingRecorder
    from .analysis.diagnose import diagnose

    X_xor, y_xor = datasets.make_xor()
    X_moons, y_moons = datasets.make_moons(n_samples=300, noise=0.2, random_state=seed)
    X_circles, y_circles = datasets.make_circles(n_samples=300, noise=0.1, factor=0.5, random_state=seed)
    X_small, y_small = datasets.make_moons(n_samples=60, noise=0.3, random_state=seed)
    X_far = X_moons * np.array([100.0, 1.0]) + np.array([500.0, 0.0])
    cases = [
        ("learning rate too high", "XOR, 2-4-1 sigmoid, SGD lr 20", X_xor, y_xor, [4], "sigmoid", SGD(20.0), 100,
         None, 0.0),
        ("learning rate far too high", "XOR, 2-4-1 sigmoid, SGD lr 50", X_xor, y_xor, [4], "sigmoid", SGD(50.0),
         100, None, 0.0),
        ("learning rate too low", "XOR, 2-4-1 sigmoid, SGD lr 0.01", X_xor, y_xor, [4], "sigmoid", SGD(0.01), 100,
         None, 0.0),
        ("too little capacity", "circles, no hidden layer", X_circles, y_circles, [], "tanh", Adam(0.05), 100, 32,
         0.0),
        ("vanishing gradients", "moons, 8 sigmoid layers of 16, SGD lr 0.1", X_moons, y_moons, [16] * 8,
         "sigmoid", SGD(0.1), 40, 32, 0.0),
        ("dead ReLUs", "moons, 16 ReLU units, SGD lr 10", X_moons, y_moons, [16], "relu", SGD(10.0), 60, 32, 0.0),
        ("overfitting", "60 noisy moons, 128-128 ReLU, half held out", X_small, y_small, [128, 128], "relu",
         Adam(0.01), 200, 16, 0.5),
        ("unscaled inputs", "moons with x1 multiplied by 100 and shifted by 500", X_far, y_moons, [16], "relu",
         Adam(0.01), 60, 32, 0.0),
        ("a healthy run", "moons, 16-16 ReLU, Adam lr 0.01", X_moons, y_moons, [16, 16], "relu", Adam(0.01), 60, 32,
         0.0),
    ]
    rows, findings, curves, codes = [], [], {}, {}
    vanishing = None
    for problem, setup, X, y, hidden, activation, optimizer, epochs, batch_size, split in cases:
        model = mlp(X.shape[1], hidden, "binary", activation=activation, optimizer=optimizer, seed=seed)
        recorder = TrainingRecorder(X=X[:256])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # divergence is one of the problems shown
            history = model.fit(X, y, epochs=_epochs(quick, epochs, epochs), batch_size=batch_size, verbose=0,
                                validation_split=split, callbacks=[recorder])
        found = diagnose(model, history, recorder=recorder, X=X, y=y)
        codes[problem] = [f.code for f in found]
        findings += [replace(f, message=f"[{problem}] {f.message}") for f in found]
        curves[problem] = history.history["loss"]
        if problem == "vanishing gradients":
            vanishing = recorder
        rows.append({"problem": problem, "setup": setup, "final loss": history.history["loss"][-1],
                     "accuracy": history.history["accuracy"][-1],
                     "diagnose says": ", ".join(codes[problem]) or "nothing wrong"})
    caught = [p for p, c in codes.items() if c and p != "a healthy run"]
    n_small = len(X_small) - int(math.ceil(len(X_small) * 0.5))
    text = (f"Each run below goes wrong on purpose, in the classic ways: a learning rate too high (the loss "
            f"bounces or diverges) or too low (it crawls), too little capacity (no hidden layer on circles), "
            f"vanishing gradients (eight sigmoid layers), dead ReLU units, overfitting (a big network on {n_small} "
            f"training points) and unscaled inputs. `diagnose` reads each run's loss curve, a `TrainingRecorder`'s "
            f"per-layer gradient norms and the data, and names the problem with its evidence and what to try: it "
            f"flagged {len(caught)} of the {len(cases) - 1} problem runs, and "
            + ("found nothing wrong with the healthy run." if not codes["a healthy run"] else
               f"on the healthy run said: {', '.join(codes['a healthy run'])}.")
            + "\n\nThe report lists every finding, grouped by run: what it saw, the numbers behind it, and what "
            "to try.")
    figures = [("Every run's training loss, relative to its first epoch",
                plots.plot_histories(curves, logy=True, relative=True))]
    if vanishing is not None:
        norms = [vanishing.series("grad_norm", k) for k in range(len(vanishing.layer_names()))]
        last = np.array([n[np.isfinite(n)][-1] if np.isfinite(n).any() else np.nan for n in norms])
        ratio = last[-1] / last[0] if last[0] > 0 else np.inf
        caption = (f"Vanishing gradients: at the end, the first layer's gradient is {_times(ratio)} times smaller "
                   f"than the last layer's" if ratio > 1 else
                   f"The eight sigmoid layers' gradients: at the end, the first layer's is {_times(1 / ratio)} times "
                   f"the last layer's")
        figures.append((caption, plots.plot_gradient_flow(vanishing)))
    return ScenarioResult(
        "Common training problems, diagnosed", text, tables=[("Problems made on purpose", rows)],
        figures=figures, findings=findings, data={"codes": codes})


# --------------------------------------------------------------------------------------------------------------
# 9-11. Design choices
# --------------------------------------------------------------------------------------------------------------

@_scenario('``rows`` (the comparison) and ``properties`` (range and slopes).')
def activation_functions(quick: bool, seed: int) -> ScenarioResult:
    """The activations side by side: their shapes and gradients, and how each trains the same network."""
    from . import activations, plots
    from .analysis.experiments import compare_activations

    names = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish", "gelu")
    z = np.linspace(-6.0, 6.0, 1201)
    properties = []
    for name in names:
        f = activations.get(name)
        a = f.forward(z)
        d = f.derivative(z, a)
        properties.append({"activation": name, "min on [-6, 6]": float(a.min()), "max on [-6, 6]": float(a.max()),
                           "largest slope": float(np.max(d)),
                           "slope at z = -4": float(d[np.argmin(np.abs(z + 4))]),
                           "slope at z = 4": float(d[np.argmin(np.abs(z - 4))])})
    X, y = datasets.make_moons(n_samples=300 if quick else 500, noise=0.2, random_state=seed)
    compared = names[:4] if quick else names
    rows = compare_activations(X, y, compared, hidden_layer_sizes=(16, 8), optimizer="sgd", learning_rate=0.1,
                               epochs=_epochs(quick, 100, 40), batch_size=32, seeds=(seed,), validation_split=0.3)
    table = [{"activation": r["setting"], "final loss": r["final_loss"], "train accuracy": r["final_accuracy"],
              "validation accuracy": r["final_val_accuracy"], "seconds": r["seconds"]} for r in rows]
    slowest = max(table, key=lambda r: r["final loss"])
    best = max(table, key=lambda r: r["validation accuracy"])
    sigmoid = properties[0]
    text = (f"An activation is what makes a network more than a line. The table gives each one's range and "
            f"slope, the factor by which it passes gradients back: the sigmoid's largest slope is only "
            f"{sigmoid['largest slope']:.2f} and at |z| = 4 it passes {sigmoid['slope at z = 4']:.3f}, so stacked "
            f"sigmoids shrink gradients; ReLU passes 1 wherever it is active and 0 elsewhere (a unit stuck "
            f"below zero is dead); leaky ReLU, ELU, swish and GELU keep a little slope for negative inputs.\n\n"
            f"The same 2-16-8-1 network on moons, plain SGD at learning rate 0.1: {best['activation']} reached the "
            f"best validation accuracy ({best['validation accuracy']:.3f}) and {slowest['activation']} ended with "
            f"the highest loss ({slowest['final loss']:.3f})"
            + (": the sigmoid's small slopes make it the slowest learner, which is why hidden layers use ReLU and "
               "its relatives." if slowest["activation"] == "sigmoid" else "."))
    return ScenarioResult(
        "Activation functions compared", text,
        tables=[("Shape and slope of each activation", properties),
                ("The same network with each activation (moons, 30% held out)", table)],
        figures=[("Each activation (solid) and its derivative (dashed)", plots.plot_activation_functions(names)),
                 ("Validation accuracy by activation",
                  plots.plot_comparison_bars(table, "activation", "validation accuracy")),
                 ("Training loss by activation", plots.plot_histories({r["setting"]: r["loss_curve"] for r in rows}))],
        data={"rows": table, "properties": properties})


@_scenario('``signal`` (activation spread per layer by initial scale) and ``rows``.')
def weight_initialization(quick: bool, seed: int) -> ScenarioResult:
    """Why the scale of the initial weights matters: signals that vanish or explode, and a network that trains."""
    from . import initializers, plots
    from .analysis import hidden_activations
    from .analysis.experiments import compare_initializers

    depth, width = 10, 64
    probe = np.random.default_rng(seed).standard_normal((256, width))
    schemes = {"N(0, 0.01²)": initializers.RandomNormal(stddev=0.01),
               "Glorot (Xavier)": initializers.get("glorot_normal"),
               "N(0, 1)": initializers.RandomNormal(stddev=1.0)}
    signal, spread, probes, saturated = [], {}, {}, {}
    for name, init in schemes.items():
        model = Sequential([Dense(width, activation="tanh", kernel_initializer=init) for _ in range(depth)]
                           + [Dense(1, activation="sigmoid")], input_dim=width, seed=seed)
        outputs = hidden_activations(model, probe)
        stds = [float(np.std(a)) for a in outputs]
        spread[name], probes[name] = stds, model
        saturated[name] = float(np.mean(np.abs(outputs[-1]) > 0.9))
        signal.append({"initialiser": name, **{f"layer {k}": stds[k - 1] for k in (1, 2, 4, 7, 10)}})
    fig = plots.plot_activation_spread(probes, probe, title=f"A {depth}-layer tanh network of width {width}, "
                                                            f"before training")
    X, y = datasets.make_spiral(n_samples=300, n_classes=3, noise=0.2, random_state=seed)
    names = ("zeros", "random_normal", "glorot_uniform", "he_normal") if quick else \
        ("zeros", "random_normal", "random_uniform", "glorot_uniform", "glorot_normal", "he_normal", "lecun_normal")
    rows = compare_initializers(X, y, names, hidden_layer_sizes=(32, 32), activation="tanh", learning_rate=0.01,
                                epochs=_epochs(quick, 150, 60), batch_size=32, seeds=(seed,), validation_split=0.3)
    table = [{"initialiser": r["setting"], "final loss": r["final_loss"], "train accuracy": r["final_accuracy"],
              "validation accuracy": r["final_val_accuracy"]} for r in rows]
    zeros = next(r for r in table if r["initialiser"] == "zeros")
    glorot = next(r for r in table if r["initialiser"] == "glorot_uniform")
    small, large, glorot_spread = spread["N(0, 0.01²)"], spread["N(0, 1)"], spread["Glorot (Xavier)"]
    text = (f"Each layer multiplies its input by W. If the weights are too small the signal shrinks layer after "
            f"layer; too large and tanh units saturate at ±1, where their slope, and so the gradient, vanishes. "
            f"Through {depth} tanh layers of width {width}, weights drawn from N(0, 0.01²) take the "
            f"activations' spread from {small[0]:.3f} after the first layer to {small[-1]:.1e} after the last; "
            f"N(0, 1) holds it at {large[-1]:.2f}"
            + (f", with {saturated['N(0, 1)']:.0%} of the last layer's outputs beyond ±0.9: saturated"
               if saturated["N(0, 1)"] > 0.5 else "")
            + f"; Glorot's scale, variance 2 / (fan_in + fan_out), takes it from {glorot_spread[0]:.2f} to "
            f"{glorot_spread[-1]:.2f}. He's scale, 2 / fan_in, is the same idea for ReLU, which halves the "
            f"variance.\n\n"
            f"Training a 2-32-32-3 tanh network on the spiral from each initialiser: Glorot reaches validation "
            f"accuracy {glorot['validation accuracy']:.3f}, all-zero weights {zeros['validation accuracy']:.3f}"
            + (". With all-zero weights every unit of a layer starts identical, gets the identical gradient and "
               "stays identical, so the layer acts like a single unit: random initialisation exists to break that "
               "symmetry." if zeros["validation accuracy"] < glorot["validation accuracy"] - 0.05 else "."))
    return ScenarioResult(
        "Weight initialisation", text,
        tables=[("Spread (std) of the activations layer by layer, before any training", signal),
                ("Training from each initialiser (spiral, 30% held out)", table)],
        figures=[("The signal through a deep tanh network, by initial scale", fig),
                 ("Validation accuracy by initialiser",
                  plots.plot_comparison_bars(table, "initialiser", "validation accuracy"))],
        data={"signal": spread, "rows": table})


@_scenario('``rows``, one per (depth, width).')
def depth_vs_width(quick: bool, seed: int) -> ScenarioResult:
    """Shallow-and-wide against deep-and-narrow networks on a three-armed spiral."""
    from . import plots
    from .analysis.experiments import compare_depth_width

    X, y = datasets.make_spiral(n_samples=300 if quick else 600, n_classes=3, noise=0.2, random_state=seed)
    configs = ((0, 1), (1, 8), (1, 64), (2, 32), (3, 16), (4, 8))
    models = {}

    def build(config, run_seed):
        depth, width = config
        models[config] = mlp(2, [width] * depth, "multiclass", n_outputs=3, activation="relu",
                             optimizer=Adam(0.01), seed=run_seed)
        return models[config]

    rows = compare_depth_width(X, y, configs, build=build, epochs=_epochs(quick, 150, 60), batch_size=32,
                               seeds=(seed,), validation_split=0.3)
    table = [{"depth": r["depth"], "width": r["width"], "parameters": r["n_params"],
              "train accuracy": r["final_accuracy"], "validation accuracy": r["final_val_accuracy"],
              "seconds": r["seconds"]} for r in rows]
    for r in rows:
        r["network"] = "no hidden layer" if r["depth"] == 0 else f"{r['depth']} x {r['width']}"
    panels = {f"{r['network']} ({r['n_params']} parameters): validation {r['final_val_accuracy']:.2f}":
              models[r["setting"]] for r in rows}
    best = max(table, key=lambda r: r["validation accuracy"])
    linear = table[0]
    wide = next(r for r in table if r["depth"] == 1 and r["width"] == 64)
    deep = next(r for r in table if r["depth"] == 3)
    thrifty = min((r for r in table if r["validation accuracy"] >= best["validation accuracy"] - 0.02),
                  key=lambda r: r["parameters"])
    text = (f"Three spiral arms wind around each other. Without a hidden layer the network draws straight "
            f"boundaries and reaches validation accuracy {linear['validation accuracy']:.3f}. One hidden layer of "
            f"64 ReLU units ({wide['parameters']} parameters) reaches {wide['validation accuracy']:.3f}; three "
            f"layers of 16 ({deep['parameters']} parameters) reach {deep['validation accuracy']:.3f}. The best "
            f"validation accuracy here, {best['validation accuracy']:.3f}, was reached by "
            f"{_listed(_shape(r) for r in table if r['validation accuracy'] == best['validation accuracy'])}.\n\n"
            f"One wide layer can approximate any boundary in principle (the universal approximation theorem), "
            f"but each extra layer folds the plane again, so depth can buy intricate boundaries with fewer "
            f"parameters. Here, the smallest network within 0.02 of the best validation accuracy was "
            f"{_shape(thrifty)} with {thrifty['parameters']} parameters"
            + (f", against {wide['parameters']} for the single layer of 64: depth paid." if thrifty["depth"] > 1
               and thrifty["parameters"] < wide["parameters"] else
               ": on this problem one layer was enough, and depth bought nothing." if thrifty["depth"] == 1 else "."))
    return ScenarioResult(
        "Depth against width on a spiral", text, tables=[("Networks of different shapes (30% held out)", table)],
        figures=[("Decision regions of each shape", plots.plot_decision_boundaries(panels, X, y, resolution=100,
                                                                                  legend=False)),
                 ("Validation accuracy by shape", plots.plot_comparison_bars(
                     [{"network": r["network"], "validation accuracy": r["final_val_accuracy"]} for r in rows],
                     "network", "validation accuracy"))],
        data={"rows": table})


# --------------------------------------------------------------------------------------------------------------
# 12-13. Real data
# --------------------------------------------------------------------------------------------------------------

@_scenario('``test_accuracy``; ``findings`` holds what diagnose found.')
def digits(quick: bool, seed: int) -> ScenarioResult:
    """Handwritten digits: 64 pixels in, 10 classes out, with what it confuses and how noise hurts it."""
    from . import plots
    from .analysis import noise_robustness
    from .analysis.diagnose import diagnose

    X, y = _digits(quick, seed)
    X_train, X_test, y_train, y_test = _split(X, y, seed)
    model = mlp(64, [64], "multiclass", n_outputs=10, activation="relu", dropout=0.1, optimizer=Adam(0.005),
                seed=seed)
    history = model.fit(X_train, y_train, epochs=_epochs(quick, 40, 20), batch_size=32, verbose=0,
                        validation_data=(X_test, y_test))
    predicted = np.argmax(model.predict(X_test), axis=1)
    accuracy = float(np.mean(predicted == y_test))
    summary = [{"train samples": len(X_train), "test samples": len(X_test),
                "parameters": model.param_counts().trainable,
                "train accuracy": model.evaluate(X_train, y_train, return_dict=True)["accuracy"],
                "test accuracy": accuracy}]
    per_class = []
    for digit in range(10):
        mask = y_test == digit
        wrong = predicted[mask & (predicted != digit)]
        confused = np.bincount(wrong, minlength=10)
        per_class.append({"digit": digit, "test samples": int(mask.sum()),
                          "recall": float(np.mean(predicted[mask] == digit)) if mask.any() else None,
                          "most often taken for": int(np.argmax(confused)) if wrong.size else None})
    robustness = noise_robustness(model, X_test, y_test, noise_levels=(0, 0.25, 0.5, 1.0, 2.0), n_repeats=5,
                                  random_state=seed)
    findings = diagnose(model, history, X=X_train, y=y_train)
    worst = min((r for r in per_class if r["recall"] is not None), key=lambda r: r["recall"])
    images = plots.plot_image_predictions(X_test, y_test, predicted)
    text = (f"{len(datasets.load_digits()[0])} images of handwritten digits, 8x8 pixels scaled to [0, 1]"
            + (f" (the quick tour uses {len(X)} of them)" if quick else "")
            + f". A 64-64-10 network (ReLU, 10% dropout, softmax output) reaches test accuracy {accuracy:.3f} "
            f"after {len(history.history['loss'])} epochs. The hardest digit was {worst['digit']} (recall "
            f"{worst['recall']:.3f}"
            + (f", most often taken for {worst['most often taken for']})" if worst["most often taken for"] is not None
               else ")")
            + ". The confusion matrix shows which digits look alike to the network.\n\n"
            f"Gaussian noise on the pixels (in units of each pixel's spread) costs accuracy: from "
            f"{robustness[0]['accuracy_mean']:.3f} without noise to "
            + ", ".join(f"{r['accuracy_mean']:.3f} at {r['noise']:g}" for r in robustness[1:]) + ". "
            + ("`diagnose` found nothing wrong with this run." if not findings else
               f"`diagnose` found: {', '.join(f.code for f in findings)}."))
    return ScenarioResult(
        "Handwritten digits", text,
        tables=[("The digits network", summary), ("Each digit on the test set", per_class),
                ("Test accuracy under pixel noise", [{"noise": r["noise"], "accuracy": r["accuracy_mean"],
                                                      "std": round(r["accuracy_std"], 6)} for r in robustness])],
        figures=[("Training and validation curves", plots.plot_training_curves(history)),
                 ("Confusion matrix on the test set", plots.plot_confusion_matrix(y_test, predicted)),
                 ("Test images with the network's answer (red: wrong)", images),
                 ("Accuracy under pixel noise", plots.plot_noise_robustness(robustness))],
        findings=findings, data={"test_accuracy": accuracy})


@_scenario('``mse``, ``pca_mse``, ``baseline_mse``, ``nearest_centre_accuracy`` and ``codes_shape``.')
def autoencoder(quick: bool, seed: int) -> ScenarioResult:
    """A 64-32-2-32-64 autoencoder squeezes each digit through two numbers; the digits sort themselves."""
    from sklearn.decomposition import PCA

    from . import plots
    from .analysis import hidden_activations

    X, y = _digits(quick, seed)
    model = Sequential([Dense(32, activation="tanh"), Dense(2, activation="linear"), Dense(32, activation="tanh"),
                        Dense(64, activation="sigmoid")], input_dim=64, seed=seed)
    model.compile(loss="mse", optimizer=Adam(0.01))
    history = model.fit(X, X, epochs=_epochs(quick, 100, 30), batch_size=32, verbose=0)
    codes = hidden_activations(model, X)[1].astype(np.float64)
    reconstruction = model.predict(X)
    mse = float(np.mean((reconstruction - X) ** 2))
    baseline = float(np.mean((X - X.mean(axis=0)) ** 2))
    pca = PCA(n_components=2).fit(X)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2))
    quality = [{"reconstruction": "the average image", "numbers kept": 0, "mse": baseline},
               {"reconstruction": "PCA, 2 components (best linear)", "numbers kept": 2, "mse": pca_mse},
               {"reconstruction": "autoencoder, 2-number code", "numbers kept": 2, "mse": mse}]
    centres = []
    for digit in range(10):
        c = codes[y == digit]
        centres.append({"digit": digit, "samples": len(c), "code 1 (mean)": float(c[:, 0].mean()),
                        "code 2 (mean)": float(c[:, 1].mean()),
                        "spread": float(np.sqrt(c.var(axis=0).sum()))})
    separation = _nearest_centre_accuracy(codes, y)
    chance = float(np.bincount(y).max() / len(y))
    text = (f"An autoencoder learns to copy its input through a bottleneck: 64 pixels -> 32 tanh units -> 2 "
            f"numbers -> 32 tanh units -> 64 pixels, trained with the mean squared error between the output and "
            f"the input itself, on {len(X)} digit images and without ever seeing a label. Its reconstructions have "
            f"MSE {mse:.4f}, against {baseline:.4f} for always answering the average image and {pca_mse:.4f} for "
            f"the best linear 2-D projection (PCA)"
            + (": the non-linear code keeps more." if mse < pca_mse else ".")
            + "\n\nColour each image's 2-number code by its digit"
            + (" and the digits form clusters, although no label was used" if separation > 3 * chance else "")
            + f": assigning each code to the nearest digit's centre recovers the label {separation:.0%} of the time "
            f"(always answering the commonest digit: {chance:.0%})"
            + (". The bottleneck forced the network to find what distinguishes digits." if separation > 3 * chance
               else "."))
    return ScenarioResult(
        "An autoencoder: digits through a 2-number bottleneck", text,
        tables=[("Reconstruction error", quality), ("Where each digit's codes lie", centres)],
        figures=[("The 2-number code of every image, coloured by its digit (labels never used in training)",
                  plots.plot_embedding(codes, y, axis_labels=("first number of the code", "second number of the code"),
                                       legend_title="digit")),
                 ("Originals (top) and their reconstructions from two numbers (bottom)",
                  plots.plot_reconstructions(X, reconstruction, y)),
                 ("Reconstruction loss per epoch", plots.plot_training_curves(history))],
        data={"mse": mse, "pca_mse": pca_mse, "baseline_mse": baseline, "nearest_centre_accuracy": separation,
              "codes_shape": codes.shape})


#: The scenarios in the order of the story.
SCENARIOS: list[Callable[[bool, int], ScenarioResult]] = [
    perceptron_logic_gates,
    sigmoid_perceptron_blobs,
    mlp_xor,
    backprop_step,
    circles,
    sine_regression,
    training_dynamics,
    training_problems,
    activation_functions,
    weight_initialization,
    depth_vs_width,
    digits,
    autoencoder,
]


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _epochs(quick: bool, full: int, short: int) -> int:
    """The epoch count of a scenario: ``short`` for the quick tour, ``full`` otherwise, times EPOCH_SCALE."""
    return max(2, int(round((short if quick else full) * EPOCH_SCALE)))


def _digits(quick: bool, seed: int):
    """scikit-learn's bundled digits; a random 900 of them in the quick tour."""
    X, y = datasets.load_digits()
    if quick:
        keep = np.random.default_rng(seed).permutation(len(X))[:900]
        X, y = X[keep], y[keep]
    return X, y


def _split(X, y, seed: int, test_size: float = 0.3, stratify: bool = True):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None)


def _boundary(perceptron) -> str:
    try:
        return perceptron.decision_boundary_equation()
    except ValueError:
        return "none (all weights zero)"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve")


def _number(n: int) -> str:
    """A count as a word up to twelve, in digits above."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _shape(row: dict) -> str:
    """A depth-and-width row as words: "no hidden layer", "one layer of 64", "3 layers of 16"."""
    if row["depth"] == 0:
        return "the one with no hidden layer"
    return f"one layer of {row['width']}" if row["depth"] == 1 else f"{row['depth']} layers of {row['width']}"


def _times(factor: float) -> str:
    """A ratio for a sentence: 14,000 rather than 1.4e+04."""
    if not np.isfinite(factor):
        return "infinitely many"
    return f"{factor:,.0f}" if 10 <= factor < 1e7 else f"{factor:.2g}"


def _listed(items) -> str:
    """``[0, 1, 4]`` as "0, 1 and 4"."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _repeating_from(records: list[dict]) -> int | None:
    """The first epoch from which every epoch of a perceptron's history made the same mistakes and ended on the
    same line as the one before it (so the pass repeats forever); None if the last two epochs differ."""
    def same(a, b):
        return (int(np.sum(a["errors"])) == int(np.sum(b["errors"])) and np.array_equal(a["weights"], b["weights"])
                and np.array_equal(a["bias"], b["bias"]))

    if len(records) < 2 or not same(records[-1], records[-2]):
        return None
    k = len(records) - 1
    while k > 0 and same(records[k], records[k - 1]):
        k -= 1
    return int(records[k]["epoch"])


def _verdict(converged: bool, epochs: int) -> str:
    return f"converged after {epochs} epochs" if converged else f"did not converge in {epochs} epochs"


def _rate_extremes(table: list[dict], rows: list[dict]) -> str:
    """What the smallest and the largest learning rate of a :func:`_by_setting` table did, from their runs."""
    low, high = table[0], table[-1]
    rate = next(iter(low))            # the table's first column names the setting
    best = {setting: np.nanmean([r["best_loss"] for r in rows if r["setting"] == setting])
            for setting in (low[rate], high[rate])}
    out = (f"At the smallest rate, {format_value(low[rate])}, the runs ended at a mean loss of "
           f"{low['mean final loss']:.3f} ({low['solved']}/{low['runs']} solved)")
    start = np.nanmean([r["loss_curve"][0] for r in rows if r["setting"] == low[rate]])
    if low["mean final loss"] > 0.9 * start:
        out += f", hardly below the {start:.3f} they began at: too small a step crawls"
    if high["diverged"]:
        out += (f"; at the largest, {format_value(high[rate])}, {high['diverged']} of {high['runs']} runs diverged "
                f"(the loss stopped being finite).")
    elif high["mean final loss"] > 1.5 * best[high[rate]]:
        out += (f"; at the largest, {format_value(high[rate])}, the loss ended at {high['mean final loss']:.3f} on "
                f"average, above the {best[high[rate]]:.3f} its runs had reached at their best: too large a step "
                f"overshoots and bounces.")
    else:
        out += (f"; at the largest, {format_value(high[rate])}, the runs ended at {high['mean final loss']:.3f} "
                f"({high['solved']}/{high['runs']} solved).")
    return out


def _capacity_story(table: list[dict]) -> str:
    """What one and two hidden units did on XOR, from a :func:`_by_setting` table of hidden sizes."""
    by_size = {r["hidden units"]: r for r in table}
    parts = []
    one, two = by_size.get(1), by_size.get(2)
    if one is not None:
        parts.append(f"a single hidden unit solved it in {one['solved']} of {one['runs']} runs"
                     + (", since one unit draws one line and XOR's classes need two" if one["solved"] == 0 else ""))
    if two is not None:
        wider = [r for size, r in by_size.items() if size > 2]
        if two["solved"] < two["runs"] and any(r["solved"] / r["runs"] > two["solved"] / two["runs"] for r in wider):
            parts.append(f"two units are enough in principle, yet solved it in only {two['solved']} of "
                         f"{two['runs']}: spare units give gradient descent more ways to find a solution")
        elif two["solved"] == two["runs"]:
            parts.append(f"two units, the fewest that can, solved it in all {two['runs']} runs")
        else:
            parts.append(f"two units solved it in {two['solved']} of {two['runs']}")
    return "; ".join(parts) + "." if parts else "."


def _by_setting(rows: list[dict], label: str) -> list[dict]:
    """Experiment rows (one per setting and seed) summarised per setting: mean loss, runs solved."""
    out: dict[Any, dict] = {}
    for r in rows:
        entry = out.setdefault(r["setting"], {label: r["setting"], "parameters": r["n_params"], "runs": 0,
                                              "solved": 0, "diverged": 0, "losses": []})
        entry["runs"] += 1
        entry["solved"] += int(r["final_accuracy"] is not None and r["final_accuracy"] == 1.0)
        entry["diverged"] += int(r["diverged"])
        entry["losses"].append(r["final_loss"])
    table = []
    for entry in out.values():
        losses = np.asarray(entry.pop("losses"), dtype=np.float64)
        finite = losses[np.isfinite(losses)]
        entry["mean final loss"] = float(finite.mean()) if finite.size else math.nan
        table.append(entry)
    return table


def _backprop_example_weights():
    """The worked example's initial ``W1, b1, W2, b2``, drawn as it draws them after ``np.random.seed(42)``."""
    legacy = np.random.RandomState(42)   # the stream np.random.seed(42) starts, without touching global state
    W1 = legacy.randn(2, 2) * 0.5
    W2 = legacy.randn(2, 1) * 0.5
    return W1, np.zeros(2), W2, np.zeros(1)


def _nearest_centre_accuracy(codes: np.ndarray, y: np.ndarray) -> float:
    labels = np.unique(y)
    centres = np.stack([codes[y == c].mean(axis=0) for c in labels])
    nearest = labels[np.argmin(((codes[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)]
    return float(np.mean(nearest == y))
