"""TrainingRecorder: a callback that watches every layer while a network learns, keeping summaries only.

At the end of every epoch (and, with ``every=k``, after every k-th batch) it writes one *record*: for each layer
the size of its weights, of their latest gradient and of their latest change, and what its units are doing
(mean and spread of the activations, the fraction of dead and of saturated units). A record is a few floats
per layer, so a recording of a long run stays small; ``keep_arrays=True`` also keeps copies of the arrays.

Definitions (per layer, per record)::

    W             = the layer's first trainable parameter: Dense's W, BatchNorm's gamma (None without one)
    weight_norm   = ||W||                                     (Frobenius norm, in float64)
    grad_norm     = ||dL/dW||                                 (the last backward pass: the last batch, unclipped)
    update_ratio  = ||W - W_prev|| / ||W_prev||               (W_prev: W at the previous record, or at train begin)
    dead_fraction = mean over units of [z_j <= 0 on every sample]                    (relu, leaky_relu, elu, selu)
    saturated_fraction = mean over units of [|f'(z_j)| < 1e-3 on more than half the samples]
                                                                                     (sigmoid, tanh, softmax)

The activation statistics come from the last training batch, or, when probe inputs ``X`` are given, from an
inference pass over ``X`` (each layer's ``infer``: no dropout, BatchNorm's running statistics), which leaves the
model exactly as it was.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._registry import html_of
from .._validation import check_array, check_bool, check_int
from ..callbacks import Callback

__all__ = ["DEAD_UNIT_ACTIVATIONS", "LAYER_KEYS", "SATURATING_ACTIVATIONS", "TrainingRecorder"]

#: Activations with a hinge at 0: a unit whose pre-activation is never positive never leaves the negative branch.
DEAD_UNIT_ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu")
#: Activations whose derivative vanishes in both tails.
SATURATING_ACTIVATIONS = ("sigmoid", "tanh", "softmax")
#: A unit's derivative below this counts as saturated on that sample ...
SATURATION_THRESHOLD = 1e-3
#: ... and a unit saturated on more than this fraction of the samples counts as saturated.
SATURATION_MAJORITY = 0.5

#: The summary keys of each layer's entry in a record (``series`` accepts these and the record-level keys).
LAYER_KEYS = ("weight_norm", "grad_norm", "update_ratio", "activation_mean", "activation_std", "dead_fraction",
              "saturated_fraction")
_RECORD_KEYS = ("epoch", "batch", "step", "loss")


class TrainingRecorder(Callback):
    """Records per-layer weight, gradient, update and activation summaries during ``fit``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), default=None
        Probe inputs. When given, the activation statistics of every record come from an inference pass over
        ``X`` (the same inputs each time, so records compare like with like). Otherwise they come from the
        last training batch, as each layer kept it (with dropout masks and batch statistics applied).
    every : int, default=None
        Also record after every ``every``-th training batch, counting batches across epochs. None records at
        the end of each epoch only. scikit-learn estimators call epoch hooks only, so they ignore it.
    keep_arrays : bool, default=False
        Also keep, in each layer entry, copies of the trainable parameters (``"weights"``), of their
        gradients (``"gradients"``) and of the layer's outputs (``"activations"``). Memory then grows with the
        model size times the number of records.

    Attributes
    ----------
    records : list of dict
        One dict per record, oldest first: ``{"epoch": int, "batch": int or None, "step": int,
        "loss": float or None, "layers": [layer entry, ...]}``. ``batch`` is the batch index within the epoch
        for a batch record and None for an end-of-epoch record; ``step`` counts the training batches seen
        since recording began; ``loss`` is the batch loss or the epoch's mean training loss. A layer entry
        holds ``"index"``, ``"name"`` (e.g. ``"Dense(relu)"``) and the keys of ``LAYER_KEYS`` (see below).
    initial_weights : list of ndarray or None
        A copy of each layer's first trainable parameter when recording began (None for a layer without
        parameters); ``weight_evolution`` compares against it.
    latest_weights : list of ndarray or None
        A copy of the same parameters at the latest record (at train begin before the first one): the
        ``W_prev`` of the next ``update_ratio``.

    Notes
    -----
    The layer entry, with ``W`` the layer's first trainable parameter (Dense's ``W``, BatchNorm's ``gamma``):

    - ``weight_norm``: the Frobenius norm ``||W||``; None for layers without parameters (Dropout, Activation).
      Biases are not included.
    - ``grad_norm``: ``||dL/dW||`` from the most recent backward pass (for an epoch record, the epoch's last
      batch), before any gradient clipping, including regularisation terms.
    - ``update_ratio``: ``||W_now - W_prev|| / ||W_prev||``, where ``W_prev`` is ``W`` at the previous record,
      or, for the first record of a ``fit`` call, at that call's ``on_train_begin``. It is the relative change
      over the span between two records (one epoch without ``every``); NaN when ``||W_prev|| = 0``. Rules of
      thumb speak of about 1e-3 per *step*: divide by the number of steps in the span to compare.
    - ``activation_mean``, ``activation_std``: mean and standard deviation of all entries of the layer's
      output (samples x units).
    - ``dead_fraction``: for the activations of ``DEAD_UNIT_ACTIVATIONS``, the fraction of units whose
      pre-activation is ``<= 0`` on every sample. A dead ReLU unit passes no gradient at all; a leaky_relu,
      elu or selu unit in that state still learns through its small negative-side slope, but never uses its
      linear branch, so it is counted too (read it as "stuck on the negative side"). None for other layers.
    - ``saturated_fraction``: for the activations of ``SATURATING_ACTIVATIONS``, the fraction of units whose
      derivative ``|f'(z)|`` is below 1e-3 on more than half of the samples (softmax: the diagonal of its
      Jacobian, ``a (1 - a)``). An output layer trained with cross-entropy is expected to saturate as it grows
      confident (the fused gradient ``a - y`` does not pass through ``f'``); in hidden layers saturation stops
      learning. None for other layers.

    Memory: without ``keep_arrays`` a record holds only ints, floats, strings and None (a few numbers per
    layer); the recorder itself holds two copies of each layer's first parameter (``initial_weights``,
    ``latest_weights``) and the probe inputs, independent of the length of training.

    A new ``fit`` clears the records, except one that continues a run (``fit(..., initial_epoch=k)`` with
    ``k > 0`` on the same model), which appends to them.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> X, y = np.random.default_rng(0).normal(size=(32, 2)), np.arange(32) % 2
    >>> model = gn.Sequential([gn.Dense(4, activation="relu"), gn.Dense(1, activation="sigmoid")],
    ...                       input_dim=2, seed=0)
    >>> model.compile(loss="binary_crossentropy", optimizer="sgd")
    >>> recorder = TrainingRecorder()
    >>> _ = model.fit(X, y, epochs=3, callbacks=[recorder], verbose=0)
    >>> recorder.series("weight_norm", 0).shape
    (3,)
    """

    def __init__(self, X=None, every: int | None = None, keep_arrays: bool = False) -> None:
        super().__init__()
        self.X = None if X is None else check_array(X, "X")
        self.every = check_int(every, "every", minimum=1, allow_none=True)
        self.keep_arrays = check_bool(keep_arrays, "keep_arrays")
        self.records: list[dict[str, Any]] = []
        self.initial_weights: list[np.ndarray | None] = []
        self.latest_weights: list[np.ndarray | None] = []
        self._probe: np.ndarray | None = None
        self._recorded_model = None
        self._epoch = 0
        self._step = 0

    # --- the hooks ---------------------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Prepare the probe inputs and the reference weights; clear the records unless a run continues."""
        model = self.model
        continuing = (self.params.get("initial_epoch", 0) > 0 and self.records
                      and self._recorded_model is model and len(self.latest_weights) == len(model.layers))
        if not continuing:
            self.records = []
            self._step = 0
            self.initial_weights = [_copy_or_none(_main_param(layer)) for layer in model.layers]
            self._recorded_model = model
        self.latest_weights = [_copy_or_none(_main_param(layer)) for layer in model.layers]
        self._probe = None
        if self.X is not None:
            probe = check_array(self.X, "X", dtype=model.dtype)
            if model.input_dim is not None and probe.shape[1] != model.input_dim:
                raise ValueError(f"TrainingRecorder's probe X has {probe.shape[1]} features, but the model "
                                 f"expects {model.input_dim} (input_dim)")
            self._probe = probe
        self._epoch = int(self.params.get("initial_epoch", 0))

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Remember the epoch, for the batch records."""
        self._epoch = int(epoch)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Record after every ``every``-th batch (if ``every`` is set)."""
        self._step += 1
        if self.every is not None and self._step % self.every == 0:
            self._record(self._epoch, int(batch), (logs or {}).get("loss"))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Record the state at the end of the epoch."""
        self._record(int(epoch), None, (logs or {}).get("loss"))

    # --- reading the recording ---------------------------------------------------------------------------------
    def series(self, key: str, layer: int | None = None) -> np.ndarray:
        """One quantity over the records, as a float array (None becomes NaN), ready to plot.

        Parameters
        ----------
        key : str
            A layer key (``"weight_norm"``, ``"grad_norm"``, ``"update_ratio"``, ``"activation_mean"``,
            ``"activation_std"``, ``"dead_fraction"``, ``"saturated_fraction"``), which needs ``layer``, or a
            record key (``"epoch"``, ``"batch"``, ``"step"``, ``"loss"``), which takes none.
        layer : int, default=None
            The layer's index in ``model.layers`` (negative counts from the end).

        Returns
        -------
        ndarray of shape (n_records,)
            With ``every`` set, batch and epoch records are interleaved; ``np.isnan(series("batch"))`` marks
            the end-of-epoch ones.
        """
        if key in _RECORD_KEYS:
            if layer is not None:
                raise ValueError(f"{key!r} is a record-level key; call series({key!r}) without a layer")
            return np.array([_float(r[key]) for r in self.records], dtype=np.float64)
        if key not in LAYER_KEYS:
            raise ValueError(f"unknown key {key!r}; layer keys are {list(LAYER_KEYS)}, record keys are "
                             f"{list(_RECORD_KEYS)}")
        if layer is None:
            raise ValueError(f"{key!r} is a per-layer key; give the layer index, e.g. series({key!r}, 0)")
        n_layers = len(self.layer_names())
        layer = check_int(layer, "layer")
        if not -n_layers <= layer < n_layers:
            raise IndexError(f"layer must be an index into the {n_layers} recorded layers, received layer={layer}")
        index = layer % n_layers
        return np.array([_float(r["layers"][index][key]) for r in self.records], dtype=np.float64)

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def layer_names(self) -> list[str]:
        """The name of each layer (e.g. ``"Dense(relu)"``), in model order."""
        if self.records:
            return [entry["name"] for entry in self.records[0]["layers"]]
        return [] if self.model is None else [_layer_name(layer) for layer in self.model.layers]

    def to_rows(self) -> list[dict[str, Any]]:
        """The recording as a tidy table: one flat dict per (record, layer), arrays left out.

        Each row has ``epoch``, ``batch``, ``step``, ``loss``, ``layer`` (the index), ``name`` and the keys of
        ``LAYER_KEYS``, ready for ``csv.DictWriter`` or ``pandas.DataFrame``.
        """
        rows = []
        for record in self.records:
            head = {key: record[key] for key in _RECORD_KEYS}
            for entry in record["layers"]:
                rows.append({**head, "layer": entry["index"], "name": entry["name"],
                             **{key: entry[key] for key in LAYER_KEYS}})
        return rows

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-safe dict (the probe inputs as nested lists)."""
        return {"X": None if self.X is None else self.X.tolist(), "every": self.every,
                "keep_arrays": self.keep_arrays}

    def __repr__(self) -> str:
        probe = None if self.X is None else f"<{self.X.shape[0]}x{self.X.shape[1]} array>"
        return f"TrainingRecorder(X={probe}, every={self.every}, keep_arrays={self.keep_arrays})"

    # --- recording ---------------------------------------------------------------------------------------------
    def _record(self, epoch: int, batch: int | None, loss) -> None:
        layers = self.model.layers
        activations = self._probe_pass() if self._probe is not None else [
            (layer.preactivation, layer.outputs) for layer in layers]
        entries = []
        for i, (layer, (z, a)) in enumerate(zip(layers, activations)):
            entry: dict[str, Any] = {"index": i, "name": _layer_name(layer)}
            entry.update(self._weight_summary(i, layer))
            entry.update(_activation_summary(layer, z, a))
            if self.keep_arrays:
                entry["weights"] = {k: v.copy() for k, v in layer.params.items()}
                entry["gradients"] = {k: v.copy() for k, v in layer.grads.items()}
                entry["activations"] = None if not isinstance(a, np.ndarray) else a.copy()
            entries.append(entry)
        self.records.append({"epoch": epoch, "batch": batch, "step": self._step,
                             "loss": None if loss is None else float(loss), "layers": entries})

    def _weight_summary(self, i: int, layer) -> dict[str, float | None]:
        W = _main_param(layer)
        if W is None:
            return {"weight_norm": None, "grad_norm": None, "update_ratio": None}
        key = next(iter(layer.params))
        grad = layer.grads.get(key)
        previous = self.latest_weights[i]
        previous_norm = _norm(previous)
        change = _norm(W.astype(np.float64) - previous.astype(np.float64))
        self.latest_weights[i] = W.copy()
        return {"weight_norm": _norm(W), "grad_norm": None if grad is None else _norm(grad),
                "update_ratio": change / previous_norm if previous_norm > 0 else math.nan}

    def _probe_pass(self) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """Each layer's (pre-activation, output) on the probe inputs, by the layers' stateless ``infer``."""
        x = self._probe
        out = []
        for layer in self.model.layers:
            activation = getattr(layer, "activation", None)
            if activation is not None and hasattr(layer, "infer_preactivation"):
                z = layer.infer_preactivation(x)
                x = activation.forward(z)
            else:
                z, x = None, layer.infer(x)
            out.append((z, x))
        return out


def _activation_summary(layer, z, a) -> dict[str, float | None]:
    """Mean/std of the outputs and the dead/saturated unit fractions, from one batch of (z, a)."""
    summary = dict.fromkeys(("activation_mean", "activation_std", "dead_fraction", "saturated_fraction"))
    if not isinstance(a, np.ndarray) or a.ndim != 2 or a.size == 0:
        return summary
    a64 = a.astype(np.float64)
    summary["activation_mean"] = float(a64.mean())
    summary["activation_std"] = float(a64.std())
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "name", None)
    if not isinstance(z, np.ndarray) or z.shape != a.shape:
        return summary
    if name in DEAD_UNIT_ACTIVATIONS:
        summary["dead_fraction"] = float(np.mean(~(z > 0).any(axis=0)))
    elif name in SATURATING_ACTIVATIONS:
        # softmax's Jacobian is not diagonal; its diagonal a(1 - a) is the unit's own slope (sigmoid's formula)
        slope = a64 * (1 - a64) if name == "softmax" else activation.derivative(z, a)
        saturated = np.mean(np.abs(slope) < SATURATION_THRESHOLD, axis=0) > SATURATION_MAJORITY
        summary["saturated_fraction"] = float(np.mean(saturated))
    return summary


def _main_param(layer) -> np.ndarray | None:
    """The layer's first trainable parameter (Dense: W, BatchNorm: gamma), or None."""
    return next(iter(layer.params.values()), None)


def _layer_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    suffix = f"({activation.name})" if activation is not None and hasattr(activation, "name") else ""
    return type(layer).__name__ + suffix


def _norm(x: np.ndarray) -> float:
    return math.sqrt(float(np.sum(np.square(x, dtype=np.float64))))


def _copy_or_none(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else x.copy()


def _float(value) -> float:
    return math.nan if value is None else float(value)
