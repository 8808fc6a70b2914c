"""Diagnosis: rules that read a training run and say what went wrong, with the numbers and what to try.

``diagnose(model, history, recorder, X, y)`` runs every rule of :data:`RULES` over what it is given and returns
a list of :class:`Finding`, most severe first. A rule reads only what it needs (the loss curve, the validation
curve, a :class:`~glassnet.analysis.TrainingRecorder`, the inputs ``X``, the targets ``y``, the model) and is
skipped, silently, when that is missing: without a recorder there are no gradient findings, without ``X`` no
finding about input scales. Every number a rule compares against is a key of :data:`DEFAULT_THRESHOLDS`, which
``diagnose(..., thresholds={...})`` overrides.

The rules, in the order they are checked (the trigger and the advice are the rules' own metadata; the README
table :data:`DIAGNOSIS_TABLE` is generated from them)::

    diverging_loss          the loss stopped being finite, or ended far above where it started
    learning_rate_too_high  the loss keeps bouncing back up instead of settling
    learning_rate_too_low   the loss falls steadily, but so slowly that it is still far from done
    plateau                 the loss sat flat for many epochs, well above where it could go
    insufficient_capacity   the network can only draw straight boundaries, and the classes need a curved one
    underfitting            the loss levelled off near what predicting the average/prior gives
    overfitting             the validation loss climbs while the training loss keeps falling
    dead_units              most ReLU-family units of a hidden layer never activate
    saturated_units         most sigmoid/tanh units of a hidden layer sit in their flat tails
    vanishing_gradients     the first layer's gradients are orders of magnitude smaller than the last's
    exploding_gradients     gradients are huge, or grew by orders of magnitude
    unscaled_inputs         features far from zero mean / unit scale, or on very different scales
    class_imbalance         one class is much rarer than another

The unit rules count on ``X`` when the model and ``X`` are given (an inference pass, exact); otherwise they read
the recording: its last record when the recorder has probe inputs, else the smallest fraction over the second
half of the records (each then describes one training batch, on which a live unit can look dead by chance; a
dead unit stays dead in every record).

Some findings explain others: a diverging loss also bounces, a learning rate that is too low also looks like
a plateau and like underfitting. A rule lists the rules that *supersede* it (``Rule.superseded_by``); when one
of those fires, its finding is dropped, so a run gets one diagnosis per symptom. Nothing supersedes
``insufficient_capacity``: when a network cannot fit its training data, the finding says so whatever
else is wrong, and it drops the findings whose advice would point elsewhere (a learning rate too low, a plateau,
underfitting, saturated units: a single sigmoid unit on XOR saturates because a hard step is the best it can do,
not because the inputs need scaling).

*Insufficient capacity* is a matter of geometry. A network whose signal, before its output layer, is an affine
map of the inputs, or one value ``s = g(w . x + b)`` of a single unit with a monotone activation, scores each
class by an affine function of that map (or of ``s``) and predicts the largest score: two classes meet where
their scores are equal, on a hyperplane, so classes that no hyperplane separates cannot all be classified
correctly, however long it trains. Given ``X`` and ``y``, the rule proves that two classes are inseparable with a
linear programme (a linear SVM's hinge loss, minimised exactly, is zero only for separable classes); so that a
run early in training on nearly separable data is not blamed on capacity, it also asks whether a linear
classifier would classify enough of the samples: when one does, training is what falls short. Without ``X``
and ``y`` it can only see that such a network levelled off far from fitting, which is what non-separable
classes do to it.

The *trivial baseline* is the loss of a model that ignores its inputs and predicts the best constant: the
entropy of the class prior for cross-entropy (``log k`` for ``k`` balanced classes; computed from ``y`` when
given, else assumed balanced), the variance of ``y`` for the squared error, the mean absolute deviation from
the median for the absolute error. A loss near the baseline means the network learned (almost) nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._registry import html_of
from .._validation import check_array, check_float
from ..callbacks import History
from ._adapt import as_network
from .convergence import analyze_convergence, detect_plateaus

__all__ = ["DEFAULT_THRESHOLDS", "DIAGNOSIS_TABLE", "RULES", "SEVERITIES", "Finding", "Findings", "Rule", "diagnose",
           "diagnosis_table", "render_findings"]

#: The severities, most severe first: ``error`` (training failed), ``warning`` (training is being held back),
#: ``info`` (worth knowing, may be fine).
SEVERITIES = ("error", "warning", "info")

#: Every number the rules compare against; override any of them with ``diagnose(..., thresholds={...})``.
DEFAULT_THRESHOLDS: dict[str, float] = {
    # the number of epochs that make a judgement: the tail the curve rules look at, the shortest plateau
    "window": 10,
    # diverging_loss: final loss above this multiple of the first loss
    "diverging_growth": 2.0,
    # learning_rate_too_high: in the second half of the run, the loss climbed back (summing every rise) more than
    # this fraction of all the progress it ever made (first loss - best loss, counted as at least a tenth of the
    # best loss, so that noise on a flat curve is not mistaken for bouncing) ...
    "lr_high_rise": 0.5,
    # ... the last quarter of the run is no lower, on average, than the quarter before it by more than this
    # fraction of that progress ...
    "lr_high_progress": 0.25,
    # ... and the last `window` epochs stay above the best loss, on average, by more than this fraction of it
    # (a single spike that training recovers from is not a learning rate that is too high)
    "lr_high_gap": 0.1,
    # learning_rate_too_low: at least this fraction of the epochs lowered the loss ...
    "lr_low_monotone": 0.9,
    # ... the loss fell by less than this fraction of its first value ...
    "lr_low_reduction": 0.5,
    # ... and the last quarter of the run still made at least this fraction of the total reduction
    # (a straight line makes 0.25; a curve that has levelled off makes almost 0)
    "lr_low_tail_share": 0.1,
    # plateau: a flat epoch changes the loss by less than this fraction of its value (see detect_plateaus) ...
    "plateau_flatness": 1e-3,
    # ... and a flat stretch counts if the loss later fell below it by more than this fraction of its level ...
    "plateau_drop": 0.25,
    # ... or if the run ends on it at no less than this fraction of the trivial baseline
    "plateau_baseline": 0.9,
    # insufficient_capacity: neither the network nor a linear classifier classifies more of the training samples
    # than chance + this fraction of the way from chance to 1 (0.8 for two balanced classes)
    "capacity_accuracy": 0.6,
    # underfitting: the final training loss is at least this fraction of the trivial baseline ...
    "underfit_loss": 0.5,
    # ... or the final training accuracy is below chance + this fraction of the way from chance to 1 ...
    "underfit_accuracy": 0.5,
    # ... and the loss has levelled off: the last quarter made less than this fraction of the total reduction
    "underfit_tail_share": 0.1,
    # overfitting: the validation loss's best epoch lies at least this many epochs before the end ...
    "overfit_patience": 5,
    # ... and the mean validation loss of those last epochs is above its best by more than this fraction of
    # max(best validation loss, how far the validation loss had fallen)
    "overfit_rise": 0.1,
    # dead_units: the fraction of a hidden ReLU-family layer's units that never activate
    "dead_fraction": 0.5,
    # saturated_units: the fraction of a hidden sigmoid/tanh layer's units saturated on most samples
    "saturated_fraction": 0.5,
    # vanishing_gradients: the first layer's gradient per weight (RMS) over the last layer's, below this
    "vanishing_ratio": 1e-3,
    # exploding_gradients: a layer's gradient norm above this ...
    "exploding_norm": 1e3,
    # ... or growing by more than this factor from the first records to a later value ...
    "exploding_growth": 1e3,
    # ... that is at least this large (a gradient that grows from 1e-5 to 1e-2 while escaping a plateau is fine)
    "exploding_floor": 10.0,
    # unscaled_inputs: a feature's |mean| above this ...
    "unscaled_mean": 10.0,
    # ... or its standard deviation above this ...
    "unscaled_std": 10.0,
    # ... or the widest feature's range over the narrowest (non-constant) one's above this
    "unscaled_ratio": 100.0,
    # class_imbalance: the rarest class's count over the most common one's, below this
    "imbalance_ratio": 0.2,
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a training run: what it is, how sure the numbers are, and what to try.

    Attributes
    ----------
    code : str
        The rule's stable identifier (a key of :data:`RULES`), e.g. ``"learning_rate_too_high"``.
    severity : {"error", "warning", "info"}
        ``error``: training failed; ``warning``: training is held back; ``info``: worth knowing.
    message : str
        One sentence, with the key numbers, that a learner can read without the rest.
    evidence : dict of str to float
        The numbers the rule compared against its thresholds (and the thresholds themselves).
    advice : str
        What to try, in order.
    """

    code: str
    severity: str
    message: str
    evidence: dict[str, float] = field(default_factory=dict)
    advice: str = ""

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def to_dict(self) -> dict[str, Any]:
        """The finding as a plain, JSON-safe dict."""
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "evidence": dict(self.evidence), "advice": self.advice}

    def __str__(self) -> str:
        return f"[{self.severity}] {self.code}: {self.message}"


class Findings(list):
    """What :func:`diagnose` found: a list of :class:`Finding`, most severe first, shown in a notebook as a table
    (severity, finding, what was seen, evidence, what to try) and printed as :func:`render_findings` writes it."""

    def __str__(self) -> str:
        return render_findings(self)

    __repr__ = __str__  # the terminal's view: the findings as text, not dataclass fields

    def _repr_html_(self) -> str | None:
        return html_of(self)


@dataclass(frozen=True)
class Rule:
    """A diagnosis rule: its code, what triggers it, what to try, and the check itself.

    Attributes
    ----------
    code : str
        The stable identifier its findings carry.
    severity : {"error", "warning", "info"}
    trigger : str
        When it fires, in words; ``{name}`` fields are filled from the thresholds.
    advice : str
        What to try when it fires.
    needs : tuple of str
        What it reads; the rule is skipped when one is missing. ``"history"``: a loss curve (or the divergence
        flag); ``"curve"``: a loss curve of at least ``2 * window`` epochs; ``"validation"``: a ``val_loss``
        curve; ``"recorder"``: a TrainingRecorder with records; ``"units"``: the model and ``X``, or a
        recorder; ``"model"``: the network; ``"X"``: the inputs; ``"labels"``: ``y`` as one class label per
        sample (classification only).
    superseded_by : tuple of str
        Codes of rules whose finding explains this one's; when one of them fires, this one is dropped.
    check : callable
        ``check(run) -> (message, evidence) or None``.
    """

    code: str
    severity: str
    trigger: str
    advice: str
    needs: tuple[str, ...]
    superseded_by: tuple[str, ...]
    check: Callable[[_Run], tuple[str, dict[str, float]] | None]

    def describe(self, thresholds: Mapping[str, float] | None = None) -> str:
        """The trigger with the threshold values filled in."""
        values = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        return self.trigger.format(**{k: f"{v:g}" for k, v in values.items()})


#: Every rule by code, in the order they are checked.
RULES: dict[str, Rule] = {}


def diagnose(model, history=None, recorder=None, X=None, y=None, *,
             thresholds: Mapping[str, float] | None = None) -> list[Finding]:
    """Read a training run and list what went wrong, with the evidence and what to try.

    Parameters
    ----------
    model : Sequential, fitted MLPClassifier/MLPRegressor, or None
        The trained network (an estimator's ``model_`` is read, and its ``history_`` when ``history`` is None).
        None runs only the rules that need no model.
    history : History, dict of str to list, sequence of float, or None
        What ``fit`` returned, its ``.history`` dict, an estimator's ``history_``, or the per-epoch training
        losses alone. None takes the model's latest History (or the estimator's ``history_``).
    recorder : TrainingRecorder, default=None
        A recorder that watched the training; without one the gradient rules are skipped and the unit rules
        need ``X``.
    X : array-like of shape (n_samples, n_features), default=None
        The training inputs, as given to ``fit``: for the input-scale rule and for counting dead and saturated
        units exactly (an inference pass over ``X``).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        The training targets: for the class-balance rule and for the trivial baseline loss.
    thresholds : dict of str to float, default=None
        Overrides for :data:`DEFAULT_THRESHOLDS`.

    Returns
    -------
    list of Finding
        Most severe first (``error``, ``warning``, ``info``), in :data:`RULES` order within a severity; empty
        when nothing is wrong.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.make_xor()
    >>> model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")],
    ...                       input_dim=2, seed=0)
    >>> model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.5, momentum=0.9))
    >>> history = model.fit(X, y, epochs=300, batch_size=None, verbose=0)
    >>> diagnose(model, history, X=X, y=y)
    []
    """
    run = _Run(model, history, recorder, X, y, _check_thresholds(thresholds))
    fired: dict[str, Finding] = {}
    for code, rule in RULES.items():
        if not all(run.has(need) for need in rule.needs):
            continue
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = rule.check(run)
        if result is not None:
            message, evidence = result
            fired[code] = Finding(code, rule.severity, message, {k: _number(v) for k, v in evidence.items()},
                                  rule.advice)
    kept = [f for f in fired.values() if not any(c in fired for c in RULES[f.code].superseded_by)]
    return Findings(sorted(kept, key=lambda f: SEVERITIES.index(f.severity)))


def render_findings(findings: list[Finding]) -> str:
    """The findings as plain text: one block per finding with its message, evidence and advice.

    Parameters
    ----------
    findings : list of Finding
        What :func:`diagnose` returned.

    Returns
    -------
    str
        ``"No problems found."`` for an empty list.
    """
    if not findings:
        return "No problems found."
    blocks = []
    for f in findings:
        evidence = ", ".join(f"{k}={_format_number(v)}" for k, v in f.evidence.items())
        blocks.append(f"[{f.severity.upper()}] {f.code}: {f.message}\n"
                      f"    evidence: {evidence}\n"
                      f"    advice: {f.advice}")
    return "\n\n".join(blocks)


def diagnosis_table(thresholds: Mapping[str, float] | None = None) -> str:
    """The rules as a Markdown table: code, severity, what triggers it (with the thresholds), what it reads, advice.

    Parameters
    ----------
    thresholds : dict of str to float, default=None
        Overrides for :data:`DEFAULT_THRESHOLDS`, filled into the trigger column.

    Returns
    -------
    str
        A GitHub-flavoured Markdown table, one row per rule in :data:`RULES` order.
    """
    thresholds = _check_thresholds(thresholds)
    lines = ["| Code | Severity | Triggered when | Reads | Advice |", "| --- | --- | --- | --- | --- |"]
    for rule in RULES.values():
        cells = [f"`{rule.code}`", rule.severity, rule.describe(thresholds),
                 ", ".join(_NEEDS[need] for need in rule.needs), rule.advice]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# What a rule reads
# --------------------------------------------------------------------------------------------------------------

_CROSS_ENTROPY = ("binary_crossentropy", "categorical_crossentropy", "sklearn_log_loss")
#: What each kind of input a rule ``needs`` means, in the words of the README table.
_NEEDS = {
    "history": "the loss curve",
    "curve": "the loss curve (at least 2 x window epochs)",
    "validation": "`val_loss`",
    "recorder": "a TrainingRecorder",
    "units": "X and the model, or a TrainingRecorder",
    "fit": "the model, and X and y (class labels) or the loss curve",
    "model": "the model",
    "X": "X",
    "labels": "y (class labels)",
}


class _Run:
    """Everything the rules read, normalised once: the loss curves, the recording, the data, the baseline."""

    def __init__(self, model, history, recorder, X, y, thresholds):
        self.thresholds = thresholds
        self.window = int(thresholds["window"])
        self.estimator = None
        if model is not None:
            network = as_network(model, require_built=False)
            if network is not model:
                self.estimator, model = model, network
                if history is None:
                    history = getattr(self.estimator, "history_", None)
        if history is None and model is not None:
            history = getattr(model, "history", None)
        self.model = model
        self.diverged, self.curves = _curves(history)
        losses = np.asarray(self.curves.get("loss", []), dtype=np.float64)
        finite = np.isfinite(losses)
        if not finite.all():
            self.diverged = True
            losses = losses[:int(np.argmin(finite))]
        self.losses = losses
        self.recorder = recorder if recorder is not None and getattr(recorder, "records", None) else None
        self.X = None if X is None else check_array(X, "X")
        self.y = None if y is None else np.asarray(y)
        if self.X is not None and self.y is not None and len(self.y) != len(self.X):
            raise ValueError(f"X and y must have the same number of samples, received {len(self.X)} and "
                             f"{len(self.y)}")
        self._report = None

    def has(self, need: str) -> bool:
        if need == "history":
            return len(self.losses) > 0 or self.diverged
        if need == "curve":
            return len(self.losses) >= 2 * self.window
        if need == "validation":
            return "val_loss" in self.curves and len(self.curves["val_loss"]) == len(self.curves.get("loss", ()))
        if need == "recorder":
            return self.recorder is not None
        if need == "units":
            return self.recorder is not None or (self.model is not None and self.X is not None)
        if need == "model":
            return self.model is not None
        if need == "fit":
            return (self.model is not None and getattr(self.model, "built", False)
                    and (self.X is not None or len(self.losses) >= 2 * self.window))
        if need == "X":
            return self.X is not None
        if need == "labels":
            return self.labels() is not None
        raise ValueError(f"unknown need {need!r}; rules may need one of {sorted(_NEEDS)}")

    # --- the loss curve ----------------------------------------------------------------------------------------
    @property
    def report(self):
        if self._report is None:
            self._report = analyze_convergence(self.losses, window=min(self.window, len(self.losses)))
        return self._report

    def tail_share(self) -> float:
        """The fraction of the total reduction made in the last quarter of the run (NaN if nothing fell)."""
        L = self.losses
        total = L[0] - L[-1]
        if total <= 0:
            return math.nan
        return float((L[(3 * len(L)) // 4] - L[-1]) / total)

    # --- what the model is ---------------------------------------------------------------------------------------
    @property
    def loss_name(self) -> str | None:
        loss = getattr(self.model, "loss", None)
        return getattr(loss, "name", None)

    @property
    def classification(self) -> bool:
        """Whether the targets are classes: from the estimator or the loss, else from an integer ``y``."""
        if self.estimator is not None:
            return hasattr(self.estimator, "classes_")
        if self.loss_name is not None:
            return self.loss_name in _CROSS_ENTROPY
        return self.y is not None and self.y.dtype.kind in "iub"

    @property
    def n_outputs(self) -> int | None:
        if self.model is None or not getattr(self.model, "built", False):
            return None
        return int(self.model.layers[-1].output_dim)

    def labels(self) -> np.ndarray | None:
        """``y`` as class indices 0..k-1 (one label per sample), or None (no ``y``, regression, multi-label)."""
        y = self.y
        if y is None or not self.classification:
            return None
        if y.ndim == 2 and y.shape[1] > 1:
            softmax = getattr(getattr(self.model, "loss", None), "fused_activation", None) == "softmax"
            return np.argmax(y, axis=1) if softmax else None
        y = y.ravel()
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            return None
        return np.unique(y, return_inverse=True)[1].ravel()

    def class_counts(self) -> np.ndarray | None:
        """Samples per class (of the classes present in ``y``), or None."""
        labels = self.labels()
        return None if labels is None else np.bincount(labels)

    def baseline(self) -> float | None:
        """The trivial baseline loss (see the module docstring), or None when it cannot be told."""
        name = self.loss_name
        if name is None:
            return None
        if name in _CROSS_ENTROPY:
            counts = self.class_counts()
            if counts is not None:
                return _entropy(counts / counts.sum())
            if self.y is not None and self.y.dtype.kind in "iubf" and name != "categorical_crossentropy":
                p = np.clip(np.mean(self.y.reshape(len(self.y), -1), axis=0), 1e-12, 1 - 1e-12)
                per_output = -(p * np.log(p) + (1 - p) * np.log(1 - p))  # multi-label: one Bernoulli per output
                return float(per_output.mean() if name == "binary_crossentropy" else per_output.sum())
            n = self.n_outputs
            return math.log(2.0) if n == 1 else (math.log(n) if n else None)
        if self.y is None or self.y.dtype.kind not in "iubf":
            return None
        y = self.y.reshape(len(self.y), -1).astype(np.float64)
        if name == "mse":
            return float(y.var(axis=0).mean())
        if name == "sklearn_squared_error":
            return float(0.5 * y.var(axis=0).mean())
        if name == "mae":
            return float(np.abs(y - np.median(y, axis=0)).mean())
        return None

    def accuracy_curve(self) -> list[float] | None:
        if "accuracy" in self.curves:
            return self.curves["accuracy"]
        if self.estimator is not None and hasattr(self.estimator, "classes_"):
            return self.curves.get("score")
        return None

    def chance_accuracy(self) -> float | None:
        """The accuracy of always predicting the most common class (or 1/k when ``y`` is unknown)."""
        counts = self.class_counts()
        if counts is not None:
            return float(counts.max() / counts.sum())
        n = self.n_outputs
        if n is None or self.y is not None:
            return None
        return 0.5 if n == 1 else 1.0 / n

    # --- the units ---------------------------------------------------------------------------------------------
    def unit_fractions(self, kind: str) -> dict[int, tuple[str, int, float, dict[str, int]]]:
        """``{layer: (name, n_units, fraction, counts)}`` of dead (``kind="dead"``) or saturated units per hidden
        layer; ``counts`` breaks the saturated units down by definition (on ``X`` only, else empty).

        From an inference pass over ``X`` when the model and ``X`` are known; else from the recording: its last
        record when it has probe inputs, otherwise the smallest fraction over the records of the second half
        of training (a recorder without probe inputs sees one training batch per record, where a live unit can
        look dead by chance; a unit that is really dead stays dead in every record).
        """
        if self.model is not None and self.X is not None:
            return _units_on_data(self.model, self.X, kind)
        key = "dead_fraction" if kind == "dead" else "saturated_fraction"
        records = self.recorder.records
        if getattr(self.recorder, "X", None) is None:
            records = records[len(records) // 2:]
        else:
            records = records[-1:]
        entries = records[-1]["layers"]
        dense_after = _hidden_flags([entry["name"].startswith("Dense") for entry in entries])
        out = {}
        for i, entry in enumerate(entries):
            values = [r["layers"][i][key] for r in records]
            if not dense_after[i] or any(v is None or not math.isfinite(v) for v in values):
                continue
            model = self.model if self.model is not None else getattr(self.recorder, "model", None)
            units = int(model.layers[i].output_dim) if model is not None else -1
            out[i] = (entry["name"], units, min(values), {})
        return out


def _curves(history) -> tuple[bool, dict[str, list[float]]]:
    diverged = bool(getattr(history, "diverged", False))
    if isinstance(history, History):
        return diverged, dict(history.history)
    if history is None:
        return False, {}
    if isinstance(history, Mapping):
        return diverged, {k: list(v) for k, v in history.items() if np.ndim(v) == 1}
    if np.ndim(history) == 1:
        return False, {"loss": [float(v) for v in history]}
    raise TypeError(f"history must be a History, a dict of per-epoch lists or a sequence of losses, received "
                    f"{type(history).__name__}")


def _hidden_flags(is_dense: list[bool]) -> list[bool]:
    """For each layer, whether a Dense layer comes after it (the definition of a hidden layer)."""
    flags, later = [], False
    for dense in reversed(is_dense):
        flags.append(later)
        later = later or dense
    return flags[::-1]


def _units_on_data(model, X: np.ndarray, kind: str) -> dict[int, tuple[str, int, float, dict[str, int]]]:
    """Dead or saturated unit fractions per hidden layer, from an inference pass over ``X`` (neurons.py).

    A unit counts as saturated by its slope (``saturated``) or when it is stuck in one tail on every sample
    (``never_activates``, ``always_saturated``); the counts of each come along.
    """
    from .neurons import activation_statistics

    keys = ("saturated", "never_activates", "always_saturated") if kind == "saturated" else (kind,)
    rows: dict[int, list[dict]] = {}
    for row in activation_statistics(model, X):
        rows.setdefault(row["layer"], []).append(row)
    out = {}
    for i, layer_rows in rows.items():
        flags = [any(row[key] for key in keys) for row in layer_rows]
        counts = {key: sum(row[key] for row in layer_rows) for key in keys} if kind == "saturated" else {}
        out[i] = (_layer_name(model.layers[i]), len(flags), float(np.mean(flags)), counts)
    return out


def _layer_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    return type(layer).__name__ + (f"({activation.name})" if activation is not None else "")


# --------------------------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------------------------

def _rule(code: str, severity: str, needs: tuple[str, ...], trigger: str, advice: str,
          superseded_by: tuple[str, ...] = ()):
    """Register the decorated check as the rule ``code``."""
    def register(check):
        RULES[code] = Rule(code, severity, trigger, advice, needs, superseded_by, check)
        return check
    return register


@_rule("diverging_loss", "error", ("history",),
       "the loss became non-finite (`history.diverged`), or the final loss is more than {diverging_growth}x the "
       "first",
       "Lower the learning rate (divide it by 10); scale the inputs (and regression targets) to about unit "
       "variance; clip gradients (`clipnorm=1.0`).")
def _diverging_loss(run: _Run):
    growth = run.thresholds["diverging_growth"]
    L = run.losses
    if run.diverged:
        evidence = {"diverged": 1.0, "epochs_completed": len(L)}
        if len(L):
            evidence.update(initial_loss=L[0], last_finite_loss=L[-1])
        return (f"The loss stopped being a finite number after {len(L)} completed epoch(s): training blew up.",
                evidence)
    if L[0] > 0 and L[-1] > growth * L[0]:
        return (f"The loss rose from {L[0]:.4g} to {L[-1]:.4g} ({L[-1] / L[0]:.3g}x): training is moving away "
                f"from a solution.",
                {"initial_loss": L[0], "final_loss": L[-1], "growth": L[-1] / L[0], "threshold": growth})
    return None


@_rule("learning_rate_too_high", "warning", ("curve",),
       "in the second half of the run the loss climbs back up, summed over its rises, by more than "
       "{lr_high_rise} of all the progress it made (first loss - best loss, at least a tenth of the best loss), "
       "its last quarter is no lower than the quarter before by more than {lr_high_progress} of that progress, "
       "and its last {window} epochs stay above the best loss by more than {lr_high_gap} of it on average",
       "Lower the learning rate (divide it by 3 to 10), or decay it (`schedules`, `ReduceLROnPlateau`); "
       "with SGD, lower the momentum or use Adam.",
       superseded_by=("diverging_loss",))
def _learning_rate_too_high(run: _Run):
    L = run.losses
    progress = max(L[0] - float(L.min()), 0.1 * abs(float(L.min())), 1e-300)
    half = L[len(L) // 2:]
    steps = np.diff(half)
    rise = float(steps[steps > 0].sum()) / progress
    q = len(half) // 2
    gain = float(half[:q].mean() - half[q:].mean()) / progress
    gap = float(L[-run.window:].mean() - L.min()) / progress
    t = run.thresholds
    if rise <= t["lr_high_rise"] or gain >= t["lr_high_progress"] or gap <= t["lr_high_gap"]:
        return None
    return (f"The loss keeps bouncing back up: in the second half of training it rose, in total, {rise:.2g}x "
            f"the progress made since the start, without getting lower (it ended at {L[-1]:.4g}; its best "
            f"was {L.min():.4g}). The steps overshoot the minimum.",
            {"rise_over_progress": rise, "recent_progress": gain, "gap_to_best": gap,
             "oscillation": run.report.oscillation,
             "final_loss": L[-1], "best_loss": float(L.min()), "threshold": run.thresholds["lr_high_rise"],
             **_current_lr(run)})


@_rule("learning_rate_too_low", "warning", ("curve",),
       "at least {lr_low_monotone} of the epochs lowered the loss, yet it fell by less than {lr_low_reduction} "
       "of its first value and is still falling (the last quarter of the run made at least "
       "{lr_low_tail_share} of the total reduction)",
       "Raise the learning rate (multiply it by 10) or train for more epochs; try Adam, or SGD with momentum.",
       superseded_by=("diverging_loss", "insufficient_capacity"))
def _learning_rate_too_low(run: _Run):
    t = run.thresholds
    L = run.losses
    falling = float(np.mean(np.diff(L) < 0))
    reduction = (L[0] - L[-1]) / abs(L[0]) if L[0] != 0 else math.nan
    share = run.tail_share()
    if not (falling >= t["lr_low_monotone"] and reduction < t["lr_low_reduction"]
            and share >= t["lr_low_tail_share"]):
        return None
    baseline = run.baseline()
    if baseline is not None and L[-1] < 0.1 * baseline:
        return None  # steady but small progress near a good loss: fine-tuning, not a slow start
    return (f"The loss falls on almost every epoch ({falling:.0%} of them) but has only fallen by {reduction:.1%} "
            f"(from {L[0]:.4g} to {L[-1]:.4g}), and it is still falling: the steps are too small.",
            {"fraction_of_epochs_falling": falling, "loss_reduction": reduction, "last_quarter_share": share,
             "initial_loss": L[0], "final_loss": L[-1], **_current_lr(run)})


@_rule("plateau", "warning", ("curve",),
       "the loss changed by less than {plateau_flatness} of its value per epoch for at least {window} epochs, "
       "at a level it later fell below by more than {plateau_drop} of that level, or at which the run ends "
       "while still at least {plateau_baseline} of the trivial baseline",
       "Use momentum or Adam to cross flat regions; break the symmetry with a larger (Glorot/He) "
       "initialisation; raise the learning rate; train for longer.",
       superseded_by=("diverging_loss", "learning_rate_too_low", "learning_rate_too_high", "insufficient_capacity",
                      "dead_units", "vanishing_gradients"))
def _plateau(run: _Run):
    t = run.thresholds
    L = run.losses
    best = float(L.min())
    baseline = run.baseline()
    for start, end in detect_plateaus(L, run.window, t["plateau_flatness"]):
        level = float(np.mean(L[start:end + 1]))
        later = float(L[end:].min())
        if level > 0 and level - later > t["plateau_drop"] * level:
            return (f"The loss sat flat at about {level:.4g} for {end - start} epochs (epochs {start}-{end}) "
                    f"before falling to {best:.4g}: training lost those epochs on a plateau.",
                    {"start_epoch": start, "end_epoch": end, "length": end - start, "plateau_loss": level,
                     "best_loss": best})
        if end == len(L) - 1 and baseline and level >= t["plateau_baseline"] * baseline:
            return (f"The loss has been flat at {level:.4g} for the last {end - start} epochs, the level of a "
                    f"model that ignores its inputs ({baseline:.4g}): training is stuck.",
                    {"start_epoch": start, "end_epoch": end, "length": end - start, "plateau_loss": level,
                     "baseline_loss": baseline})
    return None


@_rule("insufficient_capacity", "warning", ("fit",),
       "the network can only draw straight boundaries between classes (no hidden layer, only linear hidden "
       "layers, or a single unit with a monotone activation where it first turns nonlinear and no wider layer "
       "after it) and cannot fit its training data: with `X` and `y`, some two classes are not linearly separable "
       "(linear programming) and neither the network nor a linear classifier (least squares, or that "
       "programme's linear SVM) classifies more than chance + {capacity_accuracy} x (1 - chance) of the training "
       "samples; without them, the loss has levelled off as `underfitting` requires",
       "Give the network more capacity: more hidden units or more hidden layers, with a nonlinear activation (two "
       "tanh or sigmoid units solve XOR); training longer or with another learning rate cannot help. If the "
       "classes overlap by nature, a curved boundary only fits the noise: judge it on held-out data.")
def _insufficient_capacity(run: _Run):
    shape = _straight_boundaries(run.model)
    if shape is None:
        return None
    reason, units, scalar = shape
    labels = _class_labels(run)
    if run.X is not None and labels is not None:
        return _capacity_on_data(run, reason, units, scalar, labels)
    if not run.classification or not run.has("curve"):
        return None
    levelled = _levelled_off_unfitted(run)
    if levelled is None:
        return None
    reasons, evidence = levelled
    return ("The network cannot fit even its training data: " + " and ".join(reasons) + ". "
            + reason[0].upper() + reason[1:] + ", so it can separate the classes only by straight lines "
            "(hyperplanes): such a network levels off like this when no hyperplane separates the classes (pass X "
            "and y to diagnose to have that checked).", {**evidence, "narrowest_hidden_units": units})


@_rule("underfitting", "warning", ("curve", "model"),
       "the training loss has levelled off (the last quarter made less than {underfit_tail_share} of the total "
       "reduction) at no less than {underfit_loss} of the trivial baseline, or with a training accuracy below "
       "chance + {underfit_accuracy} x (1 - chance)",
       "Give the network more capacity (more hidden units or layers), use a nonlinear activation, or "
       "reduce regularisation (l2, dropout).",
       superseded_by=("diverging_loss", "learning_rate_too_high", "learning_rate_too_low", "plateau",
                      "insufficient_capacity", "dead_units", "saturated_units", "vanishing_gradients",
                      "exploding_gradients", "unscaled_inputs"))
def _underfitting(run: _Run):
    levelled = _levelled_off_unfitted(run)
    if levelled is None:
        return None
    reasons, evidence = levelled
    return "The network cannot fit even its training data: " + " and ".join(reasons) + ".", evidence


def _levelled_off_unfitted(run: _Run) -> tuple[list[str], dict[str, float]] | None:
    """The underfitting conditions: why the levelled-off loss or accuracy is far from fitting, and the evidence."""
    t = run.thresholds
    L = run.losses
    share = run.tail_share()
    if math.isfinite(share) and share >= t["underfit_tail_share"]:
        return None  # still improving: not done yet, so no verdict on capacity
    evidence: dict[str, float] = {"final_loss": L[-1]}
    reasons = []
    baseline = run.baseline()
    if baseline:
        ratio = L[-1] / baseline
        evidence.update(baseline_loss=baseline, loss_over_baseline=ratio)
        if ratio >= t["underfit_loss"]:
            reasons.append(f"the loss levelled off at {L[-1]:.4g}, {ratio:.0%} of what predicting "
                           f"{'the class prior' if run.classification else 'the mean'} gives ({baseline:.4g})")
    accuracy, chance = run.accuracy_curve(), run.chance_accuracy()
    if accuracy and chance is not None:
        bar = chance + t["underfit_accuracy"] * (1 - chance)
        evidence.update(final_accuracy=accuracy[-1], chance_accuracy=chance, accuracy_bar=bar)
        if accuracy[-1] < bar:
            reasons.append(f"the training accuracy is only {accuracy[-1]:.1%} (chance: {chance:.1%})")
    return (reasons, evidence) if reasons else None


@_rule("overfitting", "warning", ("curve", "validation"),
       "the validation loss's minimum lies at least {overfit_patience} epochs before the end, its mean over "
       "those epochs is above the minimum by more than {overfit_rise} of max(minimum, how far it had fallen), "
       "while the training loss kept falling and the gap between them grew",
       "Stop earlier (`EarlyStopping(restore_best_weights=True)`); add regularisation (l2, dropout); get more "
       "data; use a smaller network.",
       superseded_by=("diverging_loss",))
def _overfitting(run: _Run):
    t = run.thresholds
    n = len(run.losses)
    val = np.asarray(run.curves["val_loss"][:n], dtype=np.float64)
    train = run.losses
    if not np.isfinite(val).all():
        return None
    best = int(np.argmin(val))
    patience = int(t["overfit_patience"])
    if n - 1 - best < patience:
        return None
    recent = float(val[-patience:].mean())
    scale = max(float(val[best]), float(val[0] - val[best]))
    rise = (recent - val[best]) / scale if scale > 0 else math.nan
    gap_then, gap_now = float(val[best] - train[best]), float(val[-1] - train[-1])
    if not (rise > t["overfit_rise"] and train[-1] < train[best] and gap_now > gap_then):
        return None
    return (f"The validation loss was lowest at epoch {best} ({val[best]:.4g}) and has risen since (to "
            f"{val[-1]:.4g}) while the training loss kept falling ({train[best]:.4g} -> {train[-1]:.4g}): the "
            f"network is memorising the training data.",
            {"best_val_epoch": best, "best_val_loss": val[best], "final_val_loss": val[-1],
             "relative_rise": rise, "train_loss_at_best": train[best], "final_train_loss": train[-1],
             "gap_at_best": gap_then, "final_gap": gap_now})


@_rule("dead_units", "warning", ("units",),
       "more than {dead_fraction} of a hidden ReLU-family layer's units have a pre-activation that is never "
       "positive (on `X`, or in the recording)",
       "Lower the learning rate; use He initialisation and zero biases; try `leaky_relu` or `elu`; add "
       "BatchNorm before the activation.")
def _dead_units(run: _Run):
    return _units_finding(run, "dead", "never activate on any sample: they are dead and no longer learn")


@_rule("saturated_units", "warning", ("units",),
       "more than {saturated_fraction} of a hidden sigmoid/tanh layer's units have a slope below 1e-3 on most "
       "samples or, counted on `X`, are stuck in one tail on every sample: they never activate (a sigmoid's "
       "largest output below 0.1, a tanh's below -0.8) or are always saturated (the smallest above 0.9, for tanh "
       "0.8); output layers are not checked, as a confident output is supposed to saturate",
       "Scale the inputs; use a smaller (Glorot) initialisation; use `relu` in hidden layers; add BatchNorm "
       "before the activation.",
       superseded_by=("insufficient_capacity",))
def _saturated_units(run: _Run):
    return _units_finding(run, "saturated", "sit in the flat tails of their activation, where their gradient is "
                                            "small")


@_rule("vanishing_gradients", "warning", ("recorder",),
       "the first layer's gradient per weight (RMS) is below {vanishing_ratio} of the last layer's "
       "(median over the records)",
       "Use `relu` (or another non-saturating activation) in hidden layers with He initialisation; use fewer "
       "layers; add BatchNorm; use Adam.")
def _vanishing_gradients(run: _Run):
    norms = [n for n in _gradient_norms(run) if n[1].startswith("Dense")]
    if len(norms) < 2:
        return None
    (first, _, g_first, size_first), (last, _, g_last, size_last) = norms[0], norms[-1]
    ratios = (g_first / math.sqrt(size_first)) / (g_last / math.sqrt(size_last))
    ratios = ratios[np.isfinite(ratios)]
    if not len(ratios):
        return None
    ratio = float(np.median(ratios))
    if ratio >= run.thresholds["vanishing_ratio"]:
        return None
    return (f"The gradient reaching the first layer is {ratio:.2g} times the last layer's (per weight): the early "
            f"layers of this {len(norms)}-layer network barely learn.",
            {"first_layer": first, "last_layer": last, "gradient_ratio": ratio,
             "first_layer_grad_norm": float(np.nanmedian(g_first)),
             "last_layer_grad_norm": float(np.nanmedian(g_last)), "threshold": run.thresholds["vanishing_ratio"]})


@_rule("exploding_gradients", "error", ("recorder",),
       "a layer's gradient norm exceeds {exploding_norm}, or grows more than {exploding_growth}x from its first "
       "records to a later value of at least {exploding_floor}",
       "Clip gradients (`clipnorm=1.0`); lower the learning rate; use a smaller (Glorot/He) initialisation; "
       "scale the inputs and regression targets.")
def _exploding_gradients(run: _Run):
    t = run.thresholds
    worst = None
    for index, name, g, _ in _gradient_norms(run):
        finite = g[np.isfinite(g)]
        peak, start = float(finite.max()), float(np.median(finite[:3]))
        growth = peak / start if start > 0 else math.inf
        if peak > t["exploding_norm"] or (peak >= t["exploding_floor"] and growth > t["exploding_growth"]):
            if worst is None or peak > worst[2]:
                worst = (index, name, peak, start, growth)
    if worst is None:
        return None
    index, name, peak, start, growth = worst
    return (f"The gradient of layer {index} ({name}) reached a norm of {peak:.3g} ({growth:.3g}x its first value, "
            f"{start:.3g}): the updates are huge.",
            {"layer": index, "max_grad_norm": peak, "initial_grad_norm": start, "growth": growth,
             "norm_threshold": t["exploding_norm"], "growth_threshold": t["exploding_growth"]})


@_rule("unscaled_inputs", "warning", ("X",),
       "a feature's |mean| exceeds {unscaled_mean} or its standard deviation exceeds {unscaled_std}, or the "
       "widest feature's range is more than {unscaled_ratio}x the narrowest's",
       "Standardise the features (`sklearn.preprocessing.StandardScaler`: zero mean, unit variance) or scale "
       "them to [0, 1]; fit the scaler on the training data only.")
def _unscaled_inputs(run: _Run):
    t = run.thresholds
    X = run.X
    means, stds, ranges = X.mean(axis=0), X.std(axis=0), np.ptp(X, axis=0)
    varying = ranges[ranges > 0]
    spread = float(varying.max() / varying.min()) if len(varying) else 1.0
    worst_mean, worst_std = float(np.abs(means).max()), float(stds.max())
    if worst_mean <= t["unscaled_mean"] and worst_std <= t["unscaled_std"] and spread <= t["unscaled_ratio"]:
        return None
    return (f"The inputs are not scaled: the largest feature mean is {worst_mean:.3g} and the largest standard "
            f"deviation {worst_std:.3g} (about 0 and 1 work best), and feature ranges differ {spread:.3g}x.",
            {"max_abs_mean": worst_mean, "max_std": worst_std, "range_ratio": spread,
             "mean_threshold": t["unscaled_mean"], "std_threshold": t["unscaled_std"],
             "ratio_threshold": t["unscaled_ratio"]})


@_rule("class_imbalance", "info", ("labels",),
       "the rarest class has fewer than {imbalance_ratio}x as many samples as the most common one",
       "Weight the classes (`fit(class_weight=...)`, or `class_weight='balanced'` for MLPClassifier); judge "
       "the model by balanced accuracy, F1 or ROC AUC rather than accuracy; resample.")
def _class_imbalance(run: _Run):
    counts = run.class_counts()
    if counts is None or len(counts) < 2 or counts.max() == 0:
        return None
    ratio = float(counts.min() / counts.max())
    if ratio >= run.thresholds["imbalance_ratio"]:
        return None
    return (f"The classes are imbalanced: the rarest has {int(counts.min())} samples, the most common "
            f"{int(counts.max())} ({ratio:.2g}x); accuracy alone will look good for a model that ignores the "
            f"rare class.",
            {"minority_count": int(counts.min()), "majority_count": int(counts.max()), "ratio": ratio,
             "threshold": run.thresholds["imbalance_ratio"]})


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

#: activations that never decrease: a single unit with one of these keeps the order of the one value it receives
_MONOTONE = ("linear", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "exponential")
#: output activations that keep the order of the output units' pre-activations, so that the predicted class is
#: the largest of affine functions of what the output layer receives
_ORDER_KEEPING = ("linear", "sigmoid", "tanh", "softmax")
#: the separability check's budget (see ``_inseparable_pair``): the most samples of a pair of classes one linear
#: programme reads (evenly spaced; classes that no hyperplane separates on a subset are not separable on the
#: whole either), the most entries of its constraint matrix, and the most pairs of classes checked
_SEPARABILITY_SAMPLES = 2000
_SEPARABILITY_ENTRIES = 200_000
_SEPARABILITY_PAIRS = 5
#: the most samples the least-squares linear classifier is fitted on
_LEAST_SQUARES_SAMPLES = 20_000


def _straight_boundaries(model) -> tuple[str, int, bool] | None:
    """Why ``model`` separates classes only by hyperplanes: (reason, narrowest hidden width, whether a single
    nonlinear unit carries the signal); None when it can draw more (or that cannot be told from its layers).

    Walking from the input, the signal stays an affine map of ``x`` through linear layers, Dropout and BatchNorm
    (affine at inference). The first nonlinear activation must act on a single value, ``s = g(w . x + b)`` with
    ``g`` monotone, and every later hidden layer must keep it one value. The output layer then computes affine
    functions of ``x`` (or of ``s``), and a class wins where its function is the largest: two classes meet on a
    hyperplane. (A non-monotone ``g`` such as GELU's, or a wide layer after ``s``, can carve ``s`` into several
    intervals: a single GELU unit can solve XOR.)
    """
    from ..layers import Activation, BatchNorm, Dense, Dropout

    if model is None or not getattr(model, "built", False):
        return None
    layers = model.layers
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if not dense:
        return None
    width, single, widths = model.input_dim, None, []
    for i, layer in enumerate(layers[:dense[-1]]):
        if isinstance(layer, (Dropout, BatchNorm)):
            continue
        if isinstance(layer, Dense):
            width = layer.output_dim
            widths.append(width)
            if single is not None and width != 1:
                return None
        elif not isinstance(layer, Activation):
            return None
        name = layer.activation.name
        if name == "linear":
            continue
        if name not in _MONOTONE or width != 1:
            return None
        single = i if single is None else single
    for layer in layers[dense[-1]:]:
        if isinstance(layer, Dropout):
            continue
        if not isinstance(layer, (Dense, Activation)) or layer.activation.name not in _ORDER_KEEPING:
            return None
    if single is not None:
        reason = f"hidden layer {single} ({_layer_name(layers[single])}) has a single unit"
    elif widths:
        reason = "its hidden layers are linear, so the whole network is one linear map"
    else:
        reason = "it has no hidden layer"
    return reason, min(widths, default=0), single is not None


def _class_labels(run: _Run) -> np.ndarray | None:
    """``y`` as class indices 0..k-1: the labels of a classification run, or 0/1 targets of a sigmoid output
    (a classifier, whatever its loss: the mean squared error of the classic tutorials)."""
    labels = run.labels()
    if labels is not None or run.y is None or run.n_outputs != 1:
        return labels
    if run.model.output_activation.name != "sigmoid" or run.y.size != len(run.y):
        return None
    values = np.unique(run.y)
    if not (np.isin(values, (0, 1)).all() and run.y.dtype.kind in "biuf"):
        return None
    return run.y.ravel().astype(np.intp)


def _capacity_on_data(run: _Run, reason: str, units: int, scalar: bool, labels: np.ndarray):
    """The insufficient_capacity check on ``X`` and the class labels (see the rule's trigger)."""
    from .. import metrics as metrics_module
    from ._adapt import network_targets

    present, labels = np.unique(labels, return_inverse=True)
    labels = labels.ravel()
    k = len(present)
    if k < 2:
        return None
    y = run.y
    names = np.unique(y.ravel()) if y.ndim == 1 or y.shape[1] == 1 else present
    counts = np.bincount(labels)
    chance = float(counts.max() / counts.sum())
    bar = chance + run.thresholds["capacity_accuracy"] * (1 - chance)
    outputs = run.model.predict(run.X)
    accuracy = metrics_module.accuracy(network_targets(run.estimator or run.model, y), outputs)
    if accuracy >= bar:
        return None
    # a linear classifier's boundary is one this network can draw too (unless a single unit carries three or more
    # classes: they must then lie in order along one direction); when it classifies enough, training falls short
    can_draw = not scalar or k == 2
    Z = _standardised(run.X)
    scores = _least_squares_scores(Z, labels)
    line_accuracy = float(np.mean(np.argmax(scores, axis=1) == labels))
    if can_draw and line_accuracy >= bar:
        return None
    verdict = _inseparable_pair(Z, labels, scores)
    if verdict is None:
        return None
    pair, svm_accuracy, checked = verdict
    if svm_accuracy is not None:
        line_accuracy = max(line_accuracy, svm_accuracy)
    if pair is None or (can_draw and line_accuracy >= bar):
        return None
    which = ("the two classes" if k == 2 else
             f"classes {_label_text(names[pair[0]])} and {_label_text(names[pair[1]])}")
    evidence = {"training_accuracy": accuracy, "chance_accuracy": chance, "accuracy_bar": bar,
                "linear_classifier_accuracy": line_accuracy, "samples_checked": checked,
                "narrowest_hidden_units": units}
    baseline = run.baseline()
    if len(run.losses):
        evidence["final_loss"] = run.losses[-1]
        if baseline:
            evidence.update(baseline_loss=baseline, loss_over_baseline=run.losses[-1] / baseline)
    return (f"The network cannot fit its training data, however long it trains: {reason}, so it can separate the "
            f"classes only by straight lines (hyperplanes), and no hyperplane separates {which} of these training "
            f"samples (checked by linear programming). Its training accuracy is {accuracy:.1%} (chance: "
            f"{chance:.1%}).", evidence)


def _standardised(X: np.ndarray) -> np.ndarray:
    """``X`` with zero-mean, unit-variance columns (constant columns only centred) and a column of ones."""
    std = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return np.hstack([Z, np.ones((len(Z), 1))])


def _least_squares_scores(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every sample's class scores under the least-squares linear classifier (one +-1 target column per class),
    fitted on at most ``_LEAST_SQUARES_SAMPLES`` evenly spaced samples of the standardised ``Z``."""
    k = int(labels.max()) + 1
    fit = _evenly_spaced(np.arange(len(Z)), _LEAST_SQUARES_SAMPLES)
    targets = np.where(np.arange(k) == labels[fit, None], 1.0, -1.0)
    # the normal equations, with a ridge of a millionth per sample against repeated or constant columns
    gram = Z[fit].T @ Z[fit] + 1e-6 * len(fit) * np.eye(Z.shape[1])
    return Z @ np.linalg.solve(gram, Z[fit].T @ targets)


def _inseparable_pair(Z: np.ndarray, labels: np.ndarray, scores: np.ndarray):
    """Two classes that no hyperplane separates, found by the hinge-loss linear programme of a linear SVM.

    A pair whose least-squares scores (``scores``) already tell its two classes apart on every sample is
    separable (the hyperplane where their two scores are equal separates them). The others are checked in
    order of how many samples those scores confuse, at most ``_SEPARABILITY_PAIRS`` of them: minimise
    ``sum(xi)`` subject to ``s_i (w . z_i) >= 1 - xi_i`` and ``xi >= 0``, with ``s_i = +-1`` the sample's class
    and ``z_i`` the standardised sample with a 1 appended, on evenly spaced samples of the pair (at most
    ``_SEPARABILITY_SAMPLES``, and at most ``_SEPARABILITY_ENTRIES`` matrix entries; a pair with no more samples
    than dimensions is left out, as it is always separable in general position). Separable classes make the
    minimum 0 and every margin at least 1, so an optimal solution that leaves a sample on the wrong side (or on
    the hyperplane) proves the pair inseparable, on those samples and so on all of them.

    Returns ``(pair, accuracy, samples)``: the first inseparable pair found (or None), the accuracy on all
    samples of the programme's hyperplane when there are two classes (else None), and the most samples one
    programme read; or None when the solver reports no optimum.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    k = int(labels.max()) + 1
    d = Z.shape[1]
    limit = min(_SEPARABILITY_SAMPLES, _SEPARABILITY_ENTRIES // d)
    candidates = []
    for a in range(k):
        for b in range(a + 1, k):
            members = np.flatnonzero((labels == a) | (labels == b))
            margin = np.where(labels[members] == b, 1.0, -1.0) * (scores[members, b] - scores[members, a])
            if (margin <= 0).any():
                candidates.append((-int(np.sum(margin <= 0)), a, b, members))
    checked = 0
    for _, a, b, members in sorted(candidates, key=lambda c: c[:3])[:_SEPARABILITY_PAIRS]:
        members = _evenly_spaced(members, limit)
        m = len(members)
        if m <= d:
            continue
        checked = max(checked, m)
        sign = np.where(labels[members] == b, 1.0, -1.0)
        A = sparse.hstack([sparse.csr_matrix(-sign[:, None] * Z[members]), -sparse.identity(m)]).tocsr()
        cost = np.concatenate([np.zeros(d), np.ones(m)])
        bounds = [(None, None)] * d + [(0, None)] * m
        result = linprog(cost, A_ub=A, b_ub=-np.ones(m), bounds=bounds, method="highs")
        if result.status != 0:
            return None
        w = result.x[:d]
        if not (sign * (Z[members] @ w) > 0).all():
            accuracy = float(np.mean((Z @ w > 0) == (labels == 1))) if k == 2 else None
            return (a, b), accuracy, checked
    return None, None, checked


def _evenly_spaced(index: np.ndarray, n: int) -> np.ndarray:
    """At most ``n`` entries of ``index``, evenly spaced (all of them when there are no more)."""
    if len(index) <= n:
        return index
    return index[np.unique(np.linspace(0, len(index) - 1, n).round().astype(np.intp))]


def _units_finding(run: _Run, kind: str, what: str):
    threshold = run.thresholds[f"{kind}_fraction"]
    fractions = run.unit_fractions(kind)
    flagged = [(i, v) for i, v in fractions.items() if v[2] > threshold]
    if not flagged:
        return None
    index, (name, units, fraction, counts) = max(flagged, key=lambda item: item[1][2])
    evidence = {"layer": index, "fraction": fraction, "units": units, "threshold": threshold,
                "layers_flagged": len(flagged)}
    if not counts:
        return f"{fraction:.0%} of the units in hidden layer {index} ({name}) {what}.", evidence
    evidence.update(slope_saturated=counts["saturated"], never_activate=counts["never_activates"],
                    always_saturated=counts["always_saturated"])
    low, high = ("-0.8", "0.8") if name.endswith("(tanh)") else ("0.1", "0.9")
    parts = [text for count, text in (
        (counts["saturated"], f"{counts['saturated']} have a slope below 1e-3 on most samples"),
        (counts["never_activates"], f"{counts['never_activates']} never activate (largest output below {low})"),
        (counts["always_saturated"], f"{counts['always_saturated']} are always saturated (smallest output above "
                                     f"{high})")) if count]
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"{fraction:.0%} of the units in hidden layer {index} ({name}) {what}: {listed}.", evidence


def _gradient_norms(run: _Run) -> list[tuple[int, str, np.ndarray, int]]:
    """(layer index, name, grad_norm over the records, weight count) for each recorded layer with weights."""
    recorder = run.recorder
    names = recorder.layer_names()
    out = []
    for i, initial in enumerate(recorder.initial_weights):
        if initial is None or initial.size == 0:
            continue
        g = recorder.series("grad_norm", i)
        if np.isfinite(g).any():
            out.append((i, names[i], g, int(initial.size)))
    return out


def _current_lr(run: _Run) -> dict[str, float]:
    lr = run.curves.get("lr")
    return {"learning_rate": float(lr[-1])} if lr else {}


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _check_thresholds(thresholds) -> dict[str, float]:
    merged = dict(DEFAULT_THRESHOLDS)
    if thresholds is None:
        return merged
    if not isinstance(thresholds, Mapping):
        raise TypeError(f"thresholds must be a dict of threshold name to number, received "
                        f"{type(thresholds).__name__}")
    for key, value in thresholds.items():
        if key not in DEFAULT_THRESHOLDS:
            raise ValueError(f"unknown threshold {key!r}; valid thresholds are {sorted(DEFAULT_THRESHOLDS)}")
        merged[key] = check_float(value, f"thresholds[{key!r}]", minimum=0.0)
    if merged["window"] < 1 or merged["window"] != int(merged["window"]):
        raise ValueError(f"thresholds['window'] must be a positive integer, received {merged['window']!r}")
    return merged


def _label_text(value) -> str:
    """A class label as text: ``1`` for the integer-valued float 1.0, strings as they are."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def _number(value) -> float | int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


def _format_number(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:.4g}"


#: The README's diagnosis table (Markdown), generated from :data:`RULES` with the default thresholds.
DIAGNOSIS_TABLE = diagnosis_table()
