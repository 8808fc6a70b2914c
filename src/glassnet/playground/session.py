"""One browser tab's run: its validated setup, its data, its model on the one training loop, and its frames.

A :class:`Session` holds a setup (:data:`DEFAULTS`, changed only through :func:`check_setup`, which checks every
field against :data:`LIMITS` and the allowed names), the data it makes, and a
:class:`~glassnet.training.Trainer` over a :class:`~glassnet.Sequential` built from it. ``step()`` trains one
epoch; ``frame()`` reads what the page draws from the model: the heatmap of every neuron over the plane, the
weights, the losses, the per-layer gradient norms, the dead and saturated units and (``findings=True``) what
:func:`~glassnet.analysis.diagnose` says. Reading changes nothing: the frame uses the layers' stateless
``infer`` and the analysis functions, never a training pass, so a run watched every epoch ends with weights
bit-identical to the same run unwatched (and to the script :meth:`Session.script` writes).

Every change of setup starts the run again from epoch 0 (a new model with the setup's seed), so that the page's
URL and the run on screen describe the same training, with two kinds of exception: ``show_test`` and
``discretize`` change what the page draws and nothing the network learns; a new learning rate applies to the
running network from the next epoch, as in TensorFlow Playground, and is recorded so that the downloaded script
changes it at the same epoch.

No web code lives here: the server (``server.py``) turns messages into these calls and frames into JSON.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import numbers
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .. import activations, optimizers
from ..analysis import TrainingRecorder, diagnose, explain_step
from ..analysis.neurons import activation_statistics
from ..io import save_model
from ..layers import Dense
from ..model import Sequential
from ..training import DivergenceWarning, Trainer
from . import data

__all__ = ["ACTIVATIONS", "DEFAULTS", "LEARNING_RATES", "LIMITS", "OPTIMIZERS", "SetupError", "Session",
           "check_setup", "parse_csv"]

#: Every limit the server enforces (the page enforces the same ones, but the server never trusts it).
LIMITS = {
    "hidden_layers": 6,          # hidden layers, at most (TensorFlow Playground's)
    "neurons": 8,                # neurons per hidden layer, at most
    "large_hidden_layers": 8,    # ... and, on request ("large": true), these
    "large_neurons": 16,
    "points_min": 10,            # points of a data set (generated or uploaded), at least ...
    "points_max": 2000,          # ... and at most
    "batch_size": 500,           # samples per step, at most
    "upload_bytes": 256 * 1024,  # size of an uploaded CSV text
    "message_bytes": 512 * 1024,  # size of any one message from the page
    "epochs": 100_000,           # epochs of one run; training pauses there
    "explain_params": 150,       # parameters of a network that "explain this step" prints in full
    "explain_batch": 32,         # points of a batch it prints in full
    "fps": 30,                   # frames a second, at most, while playing
    "messages_per_second": 50,   # messages from one tab, on average (bursts of twice as many pass)
}

#: The hidden-layer activations offered: every glassnet activation that backpropagation can train.
ACTIVATIONS = tuple(name for name in activations.ACTIVATIONS if name != "step")
#: The optimisers offered, as the page names them.
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
#: The learning rates the page's select offers (TensorFlow Playground's list); the server accepts any in range.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATIONS = ("none", "l1", "l2")

#: The setup a new tab starts with: TensorFlow Playground's defaults (learning rate 0.03, SGD, 4-2 tanh).
DEFAULTS: dict[str, Any] = {
    "problem": "classification",   # or "regression"
    "dataset": "circle",           # a name of data.CLASSIFICATION or data.REGRESSION, or "upload"
    "points": 500,
    "noise": 0,                    # percent, 0 to 50
    "train_percent": 50,           # percent of the points trained on, 10 to 90
    "batch_size": 10,
    "seed": 0,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "optimizer": "sgd",
    "regularization": "none",
    "reg_rate": 0.0,
    "show_test": False,
    "discretize": False,           # draw the output as its class (TensorFlow Playground's "discretize output")
    "large": False,                # allow larger networks: LIMITS' large_* instead of hidden_layers and neurons
}

#: Fields that change what the page draws and nothing the network learns: changing them keeps the run.
VIEW_ONLY = ("show_test", "discretize")
#: Fields a running network takes on as it goes (TensorFlow Playground's live learning rate): the run goes on.
LIVE = ("learning_rate",)

#: Heatmap resolution: the output's picture and each neuron's, in cells per side.
OUTPUT_GRID = 48
NEURON_GRID = 16


class SetupError(ValueError):
    """A setup or message refused: the text says which field, what was received and what is allowed."""


# --------------------------------------------------------------------------------------------------------------
# Checking a setup
# --------------------------------------------------------------------------------------------------------------

def check_setup(changes: Any, current: dict | None = None, uploaded: str | None = None) -> dict:
    """``current`` (default :data:`DEFAULTS`) with ``changes`` applied, every field checked; raises
    :class:`SetupError` naming the first problem. ``uploaded`` is the problem of the session's uploaded data
    ("classification" or "regression"), None without any: ``dataset="upload"`` needs it, and its problem."""
    if not isinstance(changes, dict):
        raise SetupError(f"the setup must be an object of fields, received {_kind(changes)}")
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise SetupError(f"unknown setup field {unknown[0]!r}; the fields are {', '.join(DEFAULTS)}")
    setup = dict(DEFAULTS if current is None else current)
    for key, value in changes.items():
        setup[key] = _CHECKS[key](key, value)
    if changes.get("large") is False and "hidden" not in changes:  # back to the usual limits: the network shrinks
        setup["hidden"] = [min(units, LIMITS["neurons"]) for units in setup["hidden"][:LIMITS["hidden_layers"]]]
    setup["hidden"] = _hidden("hidden", setup["hidden"], large=setup["large"])  # its limits depend on "large"
    problem, dataset = setup["problem"], setup["dataset"]
    allowed = data.CLASSIFICATION if problem == "classification" else data.REGRESSION
    if dataset == "upload":
        if not uploaded:
            raise SetupError("dataset='upload' needs uploaded data; upload a CSV file first (uploaded data is "
                             "never part of a link)")
        if problem != uploaded:
            raise SetupError(f"the uploaded data is a {uploaded} problem, so problem={problem!r} does not fit it; "
                             f"choose one of the {problem} data sets instead")
    elif dataset not in allowed:
        raise SetupError(f"dataset={dataset!r} is not a {problem} data set; the {problem} data sets are "
                         f"{', '.join(allowed)}")
    return setup


def _int_in(low: int, high: int):
    def check(key, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise SetupError(f"{key} must be a whole number from {low} to {high}, received {_show(value)}")
        if not low <= value <= high:
            raise SetupError(f"{key} must be from {low} to {high}, received {key}={value}")
        return int(value)
    return check


def _float_in(low: float, high: float, open_low: bool = False):
    def check(key, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise SetupError(f"{key} must be a finite number, received {_show(value)}")
        if value < low or value > high or (open_low and value == low):
            side = f"above {low:g}" if open_low else f"from {low:g}"
            raise SetupError(f"{key} must be {side} to {high:g}, received {key}={value!r}")
        return float(value)
    return check


def _one_of(choices):
    def check(key, value):
        if not isinstance(value, str) or value not in choices:
            raise SetupError(f"{key} must be one of {', '.join(choices)}; received {_show(value)}")
        return value
    return check


def _bool(key, value):
    if not isinstance(value, bool):
        raise SetupError(f"{key} must be true or false, received {_show(value)}")
    return value


def _features(key, value):
    if not isinstance(value, list) or not value:
        raise SetupError(f"{key} must be a non-empty list of feature names ({', '.join(data.FEATURES)}), "
                         f"received {_show(value)}")
    for name in value:
        if not isinstance(name, str) or name not in data.FEATURES:
            raise SetupError(f"{key} holds {_show(name)}, which is not a feature; the features are "
                             f"{', '.join(data.FEATURES)}")
    if len(set(value)) != len(value):
        raise SetupError(f"{key} names a feature twice: {value}")
    return [name for name in data.FEATURES if name in value]  # the page's order, whatever the message's


def _hidden(key, value, large: bool = True):
    n, m = (LIMITS["large_hidden_layers"], LIMITS["large_neurons"]) if large else (LIMITS["hidden_layers"],
                                                                                  LIMITS["neurons"])
    more = "" if large else (f" (tick 'Allow larger networks' for up to {LIMITS['large_hidden_layers']} layers of "
                             f"{LIMITS['large_neurons']})")
    if not isinstance(value, list):
        raise SetupError(f"{key} must be a list of neuron counts, one per hidden layer, received {_show(value)}")
    if len(value) > n:
        raise SetupError(f"{key} has {len(value)} hidden layers; the playground allows at most {n}{more}")
    for i, units in enumerate(value):
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or not 1 <= units <= m:
            raise SetupError(f"hidden layer {i} must have from 1 to {m} neurons{more}, received {_show(units)}")
    return [int(units) for units in value]


_CHECKS = {
    "problem": _one_of(("classification", "regression")),
    "dataset": _one_of((*data.CLASSIFICATION, *data.REGRESSION, "upload")),
    "points": _int_in(LIMITS["points_min"], LIMITS["points_max"]),
    "noise": _int_in(0, 50),
    "train_percent": _int_in(10, 90),
    "batch_size": _int_in(1, LIMITS["batch_size"]),
    "seed": _int_in(0, 2**31 - 1),
    "features": _features,
    "hidden": lambda key, value: value,  # checked after the loop: its limits depend on "large"
    "activation": _one_of(ACTIVATIONS),
    "learning_rate": _float_in(0.0, 100.0, open_low=True),
    "optimizer": _one_of(OPTIMIZERS),
    "regularization": _one_of(REGULARIZATIONS),
    "reg_rate": _float_in(0.0, 10.0),
    "show_test": _bool,
    "discretize": _bool,
    "large": _bool,
}


def parse_csv(text: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """An uploaded CSV's points ``X`` (n, 2), targets ``y`` and problem: two numeric feature columns, then a label.

    A label column of exactly two distinct values is a classification (the values sorted, the first is class 0);
    a numeric one of more is a regression. An optional header row is skipped. Raises :class:`SetupError`.
    """
    if not isinstance(text, str):
        raise SetupError(f"the CSV must be sent as text, received {_kind(text)}")
    size = len(text.encode("utf-8"))
    if size > LIMITS["upload_bytes"]:
        raise SetupError(f"the CSV is {size} bytes; the playground takes files of at most "
                         f"{LIMITS['upload_bytes']} bytes")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(field.strip() for field in row)]
    if rows and not all(_is_number(field) for field in rows[0][:2]):
        rows = rows[1:]  # a header
    if not LIMITS["points_min"] <= len(rows) <= LIMITS["points_max"]:
        raise SetupError(f"the CSV has {len(rows)} data rows; the playground takes from {LIMITS['points_min']} "
                         f"to {LIMITS['points_max']}")
    X = np.empty((len(rows), 2))
    labels = []
    for i, row in enumerate(rows, start=1):
        if len(row) != 3:
            raise SetupError(f"data row {i} has {len(row)} columns; the CSV needs exactly 3: two numeric "
                             f"features, then the label")
        for j in range(2):
            if not _is_number(row[j]) or not math.isfinite(float(row[j])):
                raise SetupError(f"data row {i}, column {j + 1}: {row[j].strip()!r} is not a finite number")
            X[i - 1, j] = float(row[j])
        labels.append(row[2].strip())
    classes = sorted(set(labels), key=lambda v: (not _is_number(v), float(v) if _is_number(v) else 0.0, v))
    if len(classes) == 2:
        y = (np.array(labels) == classes[1]).astype(np.int64)
        problem = "classification"
    elif len(classes) > 2 and all(_is_number(v) and math.isfinite(float(v)) for v in labels):
        y = np.array([float(v) for v in labels])
        problem = "regression"
    else:
        raise SetupError(f"the label column has {len(classes)} distinct value(s) "
                         f"({', '.join(classes[:5])}{', ...' if len(classes) > 5 else ''}); the playground needs "
                         f"two classes, or numbers for a regression")
    return X, y, problem


# --------------------------------------------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------------------------------------------

class Session:
    """One tab's run. ``Session(setup_changes)`` starts at epoch 0; ``step()`` trains an epoch; ``frame()`` reads."""

    def __init__(self, setup: dict | None = None):
        self.upload: dict | None = None
        self.setup = check_setup(setup or {})
        self.reset()

    # --- changing the setup --------------------------------------------------------------------------------
    def configure(self, changes: Any) -> bool:
        """Apply setup changes (checked; a refused one changes nothing). Returns whether the run restarted."""
        setup = check_setup(changes, self.setup, uploaded=self.upload and self.upload["problem"])
        kept = VIEW_ONLY + LIVE
        if {k: v for k, v in setup.items() if k not in kept} == {k: v for k, v in self.setup.items() if k not in kept}:
            if setup["learning_rate"] != self.setup["learning_rate"]:
                # as TensorFlow Playground: the run goes on at the new rate (recorded, so the script repeats it)
                self.model.optimizer.learning_rate = setup["learning_rate"]
                self.rate_changes = [(e, r) for e, r in self.rate_changes if e != self.trainer.epoch]
                self.rate_changes.append((self.trainer.epoch, setup["learning_rate"]))
            self.setup = setup
            return False
        self.setup = setup
        self.reset()
        return True

    def regenerate(self) -> None:
        """New points: the next seed (TensorFlow Playground's "regenerate"), and the run starts again."""
        self.configure({"seed": (self.setup["seed"] + 1) % 2**31})

    def load_csv(self, text: Any, name: Any = "upload.csv") -> None:
        """Train on an uploaded CSV from now on (see :func:`parse_csv`). Each feature column is scaled linearly
        to [-5, 5], so that the points fill the plane the page draws; regression targets to [-1, 1]."""
        X, y, problem = parse_csv(text)
        low, high = X.min(axis=0), X.max(axis=0)
        X = np.where(high > low, (X - low) / np.where(high > low, high - low, 1) * 10 - 5, 0.0)
        if problem == "regression":
            y = (y - y.min()) / (y.max() - y.min()) * 2 - 1
        name = name if isinstance(name, str) and len(name) <= 200 else "upload.csv"
        self.upload = {"X": X, "y": y, "problem": problem, "name": name}
        self.setup = check_setup({"problem": problem, "dataset": "upload"}, self.setup, uploaded=problem)
        self.reset()

    def reset(self) -> None:
        """Start the run again from epoch 0: the data, a new model from the setup's seed, a new Trainer."""
        s = self.setup
        if s["dataset"] == "upload":
            X, y = self.upload["X"], self.upload["y"]
        else:
            X, y = data.make_dataset(s["dataset"], s["points"], s["noise"] / 100, s["seed"])
        train, test = data.split(len(X), s["train_percent"], s["seed"])
        self.points, self.targets, self.train_rows, self.test_rows = X, y, train, test
        self.X_train, self.y_train = data.features(X[train], s["features"]), y[train]
        self.X_test, self.y_test = data.features(X[test], s["features"]), y[test]
        self.model = build_model(s)
        self.initial_learning_rate = s["learning_rate"]
        #: (epoch, learning rate) from which each later rate applied, for the script that repeats the run
        self.rate_changes: list[tuple[int, float]] = []
        self.recorder = TrainingRecorder()
        self.trainer = Trainer(self.model, self.X_train, self.y_train, epochs=None, batch_size=s["batch_size"],
                               validation_data=(self.X_test, self.y_test), callbacks=[self.recorder])
        self.trainer.begin()
        self.message = ""
        self.findings: list[dict] = []
        self._grid_inputs = {n: data.features(_grid(n), s["features"]) for n in (OUTPUT_GRID, NEURON_GRID)}

    # --- training -------------------------------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def status(self) -> str:
        """``"ready"`` to train on, ``"diverged"`` (the loss stopped being finite), or ``"limit"`` (epoch limit)."""
        if self.model.history.diverged:
            return "diverged"
        if self.trainer.epoch >= LIMITS["epochs"]:
            return "limit"
        return "ready"

    def step(self) -> bool:
        """Train one epoch. Returns False (and trains nothing) once the run has diverged or hit the epoch limit."""
        if self.status != "ready":
            return False
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DivergenceWarning)
            self.trainer.step_epoch()
        for w in caught:
            if issubclass(w.category, DivergenceWarning):
                self.message = str(w.message)
        if self.status == "limit":
            self.message = (f"This run reached the playground's limit of {LIMITS['epochs']} epochs; reset or "
                            f"change the setup to train again.")
        # the recording keeps its latest epochs only, so a long run's memory stays bounded
        del self.recorder.records[:-500]
        return True

    # --- reading ----------------------------------------------------------------------------------------------
    def frame(self, findings: bool = False) -> dict:
        """What the page draws now, as JSON-safe values (every non-finite number becomes None)."""
        model, s = self.model, self.setup
        dense = [layer for layer in model.layers if isinstance(layer, Dense)]
        # the output's picture and each hidden neuron's, by the layers' stateless inference
        outputs = _layer_outputs(dense, self._grid_inputs[OUTPUT_GRID])[-1][:, 0]
        classification = s["problem"] == "classification"
        picture = outputs * 2 - 1 if classification else outputs
        hidden = _layer_outputs(dense, self._grid_inputs[NEURON_GRID])[:-1]
        history = model.history.history
        frame = {
            "type": "frame",
            "epoch": self.trainer.epoch,
            "status": self.status,
            "message": self.message,
            "train_loss": _finite(self._loss(self.X_train, self.y_train)),
            "test_loss": _finite(self._loss(self.X_test, self.y_test)),
            "output": _bytes(picture),
            "neurons": [[_bytes(a[:, i]) for i in range(a.shape[1])] for a in hidden],
            "weights": [{"W": _rounded(layer.params["W"]), "b": _rounded(layer.params["b"])} for layer in dense],
            "grad_norms": [_finite(math.sqrt(float(np.sum(np.square(layer.grads["W"], dtype=np.float64)))))
                           if self.trainer.epoch else None for layer in dense],
            "units": self._units(),
            "curve_length": len(history.get("loss", [])),
        }
        if findings:
            self.findings = self.diagnose()
            frame["findings"] = self.findings
        return frame

    def diagnose(self) -> list[dict]:
        """What :func:`~glassnet.analysis.diagnose` finds in the run so far, as JSON-safe dicts."""
        if not self.trainer.epoch and not self.model.history.diverged:
            return []
        found = diagnose(self.model, self.model.history, self.recorder, X=self.X_train, y=self.y_train)
        return [_clean(f.to_dict()) for f in found]

    def data_frame(self) -> dict:
        """The points, for the page to draw: each with its coordinates, its label and whether it is a test point."""
        return {"type": "data", "setup": self.setup, "upload": None if self.upload is None else
                self.upload["name"], "problem": self.setup["problem"],
                "train": _rounded(np.column_stack([self.points[self.train_rows], self.targets[self.train_rows]])),
                "test": _rounded(np.column_stack([self.points[self.test_rows], self.targets[self.test_rows]])),
                "domain": data.DOMAIN, "limits": LIMITS}

    def explain(self) -> str:
        """The next step worked through, every number printed: the very batch the next step trains on, not
        applied. Refused (:class:`SetupError`) for a network or a batch too large to read."""
        n = self.model.count_params()
        if n > LIMITS["explain_params"]:
            raise SetupError(f"explain-this-step prints every number, so it is for networks of at most "
                             f"{LIMITS['explain_params']} parameters; this one has {n}. Remove neurons or layers")
        rows = self.trainer.next_batch_rows()
        if len(rows) > LIMITS["explain_batch"]:
            raise SetupError(f"explain-this-step prints every number, so it is for batches of at most "
                             f"{LIMITS['explain_batch']} points; this one has {len(rows)}. Lower the batch size")
        step = explain_step(self.model, self.X_train[rows], self.y_train[rows])
        return (f"The next training step (epoch {self.trainer.epoch + 1}, batch {self.trainer.batch + 1} of "
                f"{self.trainer.steps}) on its {len(rows)} training points, worked through; it is not applied, "
                f"so the run goes on as if you had not asked.\n\n{step.render(4)}")

    def model_bytes(self) -> bytes:
        """The trained model as a ``.safetensors`` file (:func:`glassnet.save_model`)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.safetensors"
            save_model(self.model, path)
            return path.read_bytes()

    def script(self) -> str:
        """A Python script that reproduces this run with glassnet: the same data, network and epochs."""
        return _script(self)

    def _loss(self, X, y) -> float:
        with np.errstate(all="ignore"):
            return float(self.model.evaluate(X, y, verbose=0))

    def _units(self) -> list[list[str]]:
        """For each hidden layer, each neuron's state on the training inputs: "dead", "saturated" or ""."""
        dense = [i for i, layer in enumerate(self.model.layers) if isinstance(layer, Dense)][:-1]
        marks = {i: [""] * self.model.layers[i].units for i in dense}
        with np.errstate(all="ignore"):
            for row in activation_statistics(self.model, self.X_train):
                marks[row["layer"]][row["unit"]] = "dead" if row["dead"] else "saturated" if row["saturated"] else ""
        return [marks[i] for i in dense]


def build_model(setup: dict) -> Sequential:
    """The compiled network of a setup: its hidden layers, then one sigmoid (classification) or linear unit."""
    kind, rate = setup["regularization"], setup["reg_rate"]
    penalty = {kind: rate} if kind != "none" else {}
    layers = [Dense(units, activation=setup["activation"], **penalty) for units in setup["hidden"]]
    classification = setup["problem"] == "classification"
    layers.append(Dense(1, activation="sigmoid" if classification else "linear", **penalty))
    model = Sequential(layers, input_dim=len(setup["features"]), seed=setup["seed"])
    model.compile(loss="binary_crossentropy" if classification else "mse", optimizer=make_optimizer(setup))
    return model


def make_optimizer(setup: dict) -> optimizers.Optimizer:
    """The setup's optimiser: "momentum" is SGD with momentum 0.9."""
    lr, name = setup["learning_rate"], setup["optimizer"]
    if name == "momentum":
        return optimizers.SGD(learning_rate=lr, momentum=0.9)
    return optimizers.get({"name": name, "learning_rate": lr})


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _grid(n: int) -> np.ndarray:
    """The centres of an n x n grid of cells over the plane, row by row from the top (x2 = +DOMAIN) down."""
    centres = (np.arange(n) + 0.5) / n * 2 * data.DOMAIN - data.DOMAIN
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def _layer_outputs(dense: list, x: np.ndarray) -> list[np.ndarray]:
    """Each Dense layer's output on ``x``, by ``infer`` (no cache, no state touched)."""
    out = []
    with np.errstate(all="ignore"):
        for layer in dense:
            x = layer.infer(x.astype(layer.params["W"].dtype, copy=False))
            out.append(x)
    return out


def _bytes(values: np.ndarray) -> str:
    """A picture as base64 bytes: each value clipped to [-1, 1] and mapped to 0..255 (NaN to the middle)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    return base64.b64encode(np.round((np.clip(v, -1, 1) + 1) * 127.5).astype(np.uint8).tobytes()).decode("ascii")


def _rounded(a: np.ndarray) -> list:
    """An array as nested lists of floats with 5 significant digits, non-finite ones as None."""
    a = np.asarray(a, dtype=np.float64)
    return _clean(np.vectorize(lambda v: float(f"{v:.5g}"), otypes=[float])(a).tolist() if a.size else a.tolist())


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _clean(value):
    """A JSON-safe copy: non-finite floats become None (the page never receives NaN)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, numbers.Real) else type(value).__name__)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _script(session: Session) -> str:
    s, epochs = session.setup, session.trainer.epoch
    classification = s["problem"] == "classification"
    kind, rate = s["regularization"], s["reg_rate"]
    penalty = f", {kind}={rate!r}" if kind != "none" else ""
    hidden = "".join(f'    gn.Dense({units}, activation="{s["activation"]}"{penalty}),\n' for units in s["hidden"])
    output = f'    gn.Dense(1, activation="{"sigmoid" if classification else "linear"}"{penalty}),\n'
    optimizer = {"sgd": "SGD({lr})", "momentum": "SGD({lr}, momentum=0.9)", "adam": "Adam({lr})",
                 "rmsprop": "RMSprop({lr})", "adagrad": "Adagrad({lr})"}[s["optimizer"]].format(
        lr=f"learning_rate={session.initial_learning_rate!r}")
    changes = [(e, r) for e, r in session.rate_changes if e < epochs]
    callbacks = ""
    if changes:
        callbacks = (f"# the learning rate as it was changed during the run: from these epochs on (0-based)\n"
                     f"rates = {dict(changes)!r}\n"
                     f"set_rate = gn.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: setattr(\n"
                     f"    model.optimizer, 'learning_rate', rates.get(epoch, model.optimizer.learning_rate)))\n")
    if s["dataset"] == "upload":
        up = session.upload
        data_code = (f"# the points of {up['name']!r}, each column scaled to [-5, 5] as the playground scaled "
                     f"them{' (targets to [-1, 1])' if not classification else ''}\n"
                     f"X = np.array({_rounded(up['X'])!r})\n"
                     f"y = np.array({(up['y'].tolist() if classification else _rounded(up['y']))!r})\n")
        data_code = data_code.replace("), [", "),\n [")
    else:
        data_code = (f'X, y = make_dataset("{s["dataset"]}", n_samples={s["points"]}, noise={s["noise"] / 100!r}, '
                     f'seed={s["seed"]})\n')
    changed = " (changed during the run, as below)" if changes else ""
    train = (f"{callbacks}history = model.fit(X_train, y_train, epochs={epochs}, batch_size={s['batch_size']}, "
             f"validation_data=(X_test, y_test), verbose=0{', callbacks=[set_rate]' if changes else ''})\n"
             if epochs else
             "# the playground's run had not trained yet (epoch 0): add model.fit(...) to train\n")
    return f'''"""Reproduces a glassnet playground run: {s["dataset"]} ({s["problem"]}), inputs {", ".join(
        data.FEATURES[f] for f in s["features"])}, hidden layers {s["hidden"] or "none"} ({s["activation"]}),
{s["optimizer"]} at learning rate {session.initial_learning_rate:g}{changed}, {epochs} epoch(s) of batches of \
{s["batch_size"]}.

The playground trains on the same loop as ``fit``, so the weights this script ends with are those the page showed.
"""

import numpy as np

import glassnet as gn
from glassnet.playground.data import features, make_dataset, split

{data_code}train, test = split(len(X), train_percent={s["train_percent"]}, seed={s["seed"]})
inputs = {s["features"]!r}
X_train, y_train = features(X[train], inputs), y[train]
X_test, y_test = features(X[test], inputs), y[test]

model = gn.Sequential([
{hidden}{output}], input_dim={len(s["features"])}, seed={s["seed"]})
model.compile(loss="{"binary_crossentropy" if classification else "mse"}", optimizer=gn.optimizers.{optimizer})
{train}
print(f"train loss {{model.evaluate(X_train, y_train, verbose=0):.6g}}, "
      f"test loss {{model.evaluate(X_test, y_test, verbose=0):.6g}}")
model.save("playground-model.safetensors")
'''
