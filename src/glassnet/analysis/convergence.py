"""Convergence analysis of a loss curve: where it settled, how far it fell, how steady it is, where it stalled.

Every quantity is defined on the list of per-epoch losses ``L[0], ..., L[n-1]`` (the training loss by default)
with two knobs, ``window`` (how many epochs make a judgement) and ``tol`` (how close counts as "the same")::

    scale             = max(|L[n-1]|, |L[0] - L[n-1]|)     # the larger of the final loss and the total change
    band              = tol * scale
    convergence_epoch = the first e with |L[t] - L[n-1]| <= band for every t >= e,
                        provided the loss stays there for at least `window` epochs (n - e >= window); else None
    loss_reduction    = (L[0] - L[n-1]) / |L[0]|
    stability         = std(last window) / |mean(last window)|                    (coefficient of variation)
    oscillation       = fraction of sign changes between successive differences in the last window
    plateaus          = maximal stretches start..end with every step |L[t] - L[t-1]| < threshold * |L[t-1]|
                        and at least `window` steps (end - start >= window)

Measuring the band against the final loss alone would call a loss that is still falling towards zero
(``exp(-t)``) unconverged forever; measuring it against the total change alone would call a loss that
barely moved converged from the start. Taking the larger says: settled to within ``tol`` of where it ended,
relative to whichever is bigger, the loss itself or how far it travelled. (With ``tol=0.01`` and a loss that
fell a long way, "converged" means 99% of the total reduction was reached and kept.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .._registry import html_of
from .._validation import check_float, check_int
from ..callbacks import History

__all__ = ["ConvergenceReport", "analyze_convergence", "detect_plateaus", "weight_evolution"]

TRENDS = ("decreasing", "increasing", "flat", "oscillating")


@dataclass(frozen=True)
class ConvergenceReport:
    """The result of ``analyze_convergence``: read fields as attributes or as ``report["key"]``.

    Epochs are indices into the loss list, shifted by the first epoch of a ``History`` (a run resumed with
    ``fit(initial_epoch=k)`` starts at ``k``).

    Attributes
    ----------
    n_epochs : int
        The number of losses analysed.
    converged : bool
        Whether the loss settled within the band around its final value for at least ``window`` epochs.
    convergence_epoch : int or None
        The first epoch from which the loss stays within the band until the end; None if not converged.
    initial_loss, final_loss, best_loss : float
        The first, last and smallest loss.
    best_epoch : int
        The epoch of ``best_loss`` (the first one, on ties).
    loss_reduction : float
        ``(initial_loss - final_loss) / |initial_loss|``: 0.9 means the loss fell by 90%; negative if it rose;
        NaN if the initial loss is 0.
    stability : float
        Coefficient of variation of the last ``window`` losses (0 for a constant tail; inf for a tail with
        mean 0 that still moves).
    oscillation : float
        Fraction of sign changes between successive differences of the last ``window`` losses: 0 for a
        monotone tail, 1 for a strictly alternating one, about 2/3 for pure noise.
    plateaus : list of tuple (int, int)
        ``(start, end)`` epochs, inclusive, of each flat stretch (see ``detect_plateaus``). A converged run
        usually ends in one.
    trend : {"decreasing", "increasing", "flat", "oscillating"}
        What the last ``window`` epochs do: "flat" if they span no more than the band; otherwise "oscillating"
        if at least half the successive differences change sign and the net change is less than half the
        distance travelled; otherwise the sign of the least-squares slope.
    diverged : bool
        Whether the curve contains a non-finite loss; everything else then describes the finite part before it.
    """

    n_epochs: int
    converged: bool
    convergence_epoch: int | None
    initial_loss: float
    final_loss: float
    best_loss: float
    best_epoch: int
    loss_reduction: float
    stability: float
    oscillation: float
    plateaus: list[tuple[int, int]] = field(default_factory=list)
    trend: str = "flat"
    diverged: bool = False

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(f"{key!r} is not a field of ConvergenceReport; fields are "
                           f"{list(self.__dataclass_fields__)}")
        return getattr(self, key)

    def keys(self) -> list[str]:
        """The field names, so ``dict(report)`` works."""
        return list(self.__dataclass_fields__)

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def __str__(self) -> str:
        settled = (f"settled from epoch {self.convergence_epoch}" if self.converged else "not settled")
        return (f"Loss over {self.n_epochs} epochs: {settled}; from {self.initial_loss:.4g} to {self.final_loss:.4g} "
                f"(best {self.best_loss:.4g} at epoch {self.best_epoch}), trend {self.trend}, "
                f"{len(self.plateaus)} plateau{'s' * (len(self.plateaus) != 1)}")

    def to_dict(self) -> dict[str, Any]:
        """The report as a plain, JSON-safe dict (plateaus as lists)."""
        out = asdict(self)
        out["plateaus"] = [list(p) for p in self.plateaus]
        return out


def analyze_convergence(history, window: int = 10, tol: float = 0.01, key: str = "loss",
                        plateau_threshold: float = 1e-3) -> ConvergenceReport:
    """Summarise how a training run converged: when, how far, how steadily, and where it stalled.

    Parameters
    ----------
    history : History, dict, list or ndarray, or a fitted model or estimator
        A glassnet ``History`` (what ``fit`` returns), its ``.history`` dict, an estimator's ``history_``
        dict or ``loss_curve_`` list, a plain sequence of per-epoch losses, or a ``Sequential`` (its latest
        History) or fitted ``MLPClassifier``/``MLPRegressor`` (its ``history_``).
    window : int, default=10
        The number of epochs a judgement looks at: the length the loss must stay settled, the tail that
        ``stability``, ``oscillation`` and ``trend`` describe, and the shortest plateau.
    tol : float, default=0.01
        The width of the convergence band, relative to ``max(|final loss|, |initial - final|)``.
    key : str, default="loss"
        The history entry to analyse (e.g. ``"val_loss"``) when ``history`` holds several.
    plateau_threshold : float, default=1e-3
        The relative change per epoch below which an epoch counts as flat (see ``detect_plateaus``).

    Returns
    -------
    ConvergenceReport
        See its attributes for the exact definitions; the module docstring gives them as formulas.

    Examples
    --------
    >>> import numpy as np
    >>> report = analyze_convergence(1 + np.exp(-np.arange(100) / 5))
    >>> report.converged, report.convergence_epoch, report.trend
    (True, 24, 'flat')
    """
    window = check_int(window, "window", minimum=1)
    tol = check_float(tol, "tol", minimum=0.0)
    plateau_threshold = check_float(plateau_threshold, "plateau_threshold", minimum=0.0)
    losses, offset = _losses(history, key)
    finite = np.isfinite(losses)
    diverged = not finite.all()
    if diverged:
        losses = losses[:int(np.argmin(finite))]
        if len(losses) == 0:
            raise ValueError("the first loss is not finite; there is nothing to analyse")
    n = len(losses)
    initial, final = float(losses[0]), float(losses[-1])
    band = tol * max(abs(final), abs(initial - final))

    outside = np.flatnonzero(np.abs(losses - final) > band)
    settled_from = int(outside[-1]) + 1 if len(outside) else 0
    converged = not diverged and n - settled_from >= window

    tail = losses[-window:]
    oscillation = _oscillation(tail)
    best_epoch = int(np.argmin(losses))
    return ConvergenceReport(
        n_epochs=n,
        converged=converged,
        convergence_epoch=settled_from + offset if converged else None,
        initial_loss=initial,
        final_loss=final,
        best_loss=float(losses[best_epoch]),
        best_epoch=best_epoch + offset,
        loss_reduction=(initial - final) / abs(initial) if initial != 0 else math.nan,
        stability=_coefficient_of_variation(tail),
        oscillation=oscillation,
        plateaus=[(s + offset, e + offset) for s, e in detect_plateaus(losses, window, plateau_threshold)],
        trend=_trend(tail, band, oscillation),
        diverged=diverged,
    )


def detect_plateaus(losses, window: int = 10, threshold: float = 1e-3) -> list[tuple[int, int]]:
    """Find the stretches of epochs in which the loss stays flat.

    A step ``t`` (from epoch ``t-1`` to ``t``) is flat when ``|L[t] - L[t-1]| < threshold * |L[t-1]|`` (or
    the loss did not change at all). A plateau is a maximal run of flat steps, at least ``window`` of them,
    reported as the epochs it spans: steps ``s+1 .. e`` give ``(s, e)``, so ``e - s >= window``. A rise or a
    fall faster than ``threshold`` per epoch ends a plateau, so an oscillating loss has none.

    Parameters
    ----------
    losses : array-like of shape (n_epochs,)
        The per-epoch losses.
    window : int, default=10
        The fewest flat steps that make a plateau.
    threshold : float, default=1e-3
        The relative change per epoch below which a step is flat.

    Returns
    -------
    list of tuple (int, int)
        ``(start, end)`` epoch indices, inclusive, in order.
    """
    window = check_int(window, "window", minimum=1)
    threshold = check_float(threshold, "threshold", minimum=0.0)
    losses = np.asarray(losses, dtype=np.float64).ravel()
    if len(losses) < 2:
        return []
    step = np.abs(np.diff(losses))
    with np.errstate(invalid="ignore"):
        flat = (step < threshold * np.abs(losses[:-1])) | (step == 0)
    plateaus = []
    # flat[i] is the step from epoch i to i+1; runs of True are found from the edges of the padded mask
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flat.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start >= window:
            plateaus.append((int(start), int(stop)))
    return plateaus


def weight_evolution(recorder) -> list[dict[str, Any]]:
    """How each layer's weights changed over a recording: initial and final norms, their ratio, the distance.

    Parameters
    ----------
    recorder : TrainingRecorder
        A recorder that has recorded at least once.

    Returns
    -------
    list of dict
        One dict per layer that has weights, in model order, with ``"index"``, ``"name"``,
        ``"initial_norm"`` (``||W||`` when recording began), ``"final_norm"`` (at the latest record),
        ``"ratio"`` (``final_norm / initial_norm``: above 1 the weights grew) and ``"relative_change"``
        (``||W_final - W_initial|| / ||W_initial||``: how far the weights travelled, which the ratio of norms
        cannot show when they rotate without growing). Both are NaN when the initial weights are all zero.
        ``W`` is the layer's first trainable parameter (Dense's W, BatchNorm's gamma).
    """
    records = getattr(recorder, "records", None)
    if not records:
        raise ValueError("the recorder has no records; pass it to fit(callbacks=[recorder]) first")
    out = []
    for entry, initial, latest in zip(records[-1]["layers"], recorder.initial_weights, recorder.latest_weights):
        if initial is None:
            continue
        initial64, latest64 = initial.astype(np.float64), latest.astype(np.float64)
        initial_norm, final_norm = _norm(initial64), _norm(latest64)
        out.append({
            "index": entry["index"],
            "name": entry["name"],
            "initial_norm": initial_norm,
            "final_norm": final_norm,
            "ratio": final_norm / initial_norm if initial_norm > 0 else math.nan,
            "relative_change": _norm(latest64 - initial64) / initial_norm if initial_norm > 0 else math.nan,
        })
    return out


# --- helpers -------------------------------------------------------------------------------------------------
def _losses(history, key: str) -> tuple[np.ndarray, int]:
    """The loss curve as a float array and the epoch number of its first entry."""
    offset = 0
    if isinstance(history, History):
        if len(history.epoch) and all(b - a == 1 for a, b in zip(history.epoch, history.epoch[1:])):
            offset = int(history.epoch[0])
        history = history.history
    elif isinstance(getattr(history, "history", None), History):  # a Sequential after fit
        return _losses(history.history, key)
    elif isinstance(getattr(history, "history_", None), dict):  # a fitted estimator
        history = history.history_ or {"loss": list(getattr(history, "loss_curve_", []))}
    if isinstance(history, dict):
        if key not in history:
            raise KeyError(f"the history has no {key!r}; available keys are {sorted(history)}")
        history = history[key]
    try:
        losses = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"history must be a History, a dict of per-epoch lists or a sequence of losses, "
                        f"received {type(history).__name__}") from None
    if losses.ndim != 1 or len(losses) == 0:
        raise ValueError(f"the loss curve must be a non-empty 1-D sequence, received shape {losses.shape}")
    return losses, offset


def _coefficient_of_variation(x: np.ndarray) -> float:
    std, mean = float(np.std(x)), float(np.mean(x))
    if mean == 0:
        return 0.0 if std == 0 else math.inf
    return std / abs(mean)


def _oscillation(x: np.ndarray) -> float:
    signs = np.sign(np.diff(x))
    signs = signs[signs != 0]
    if len(signs) < 2:
        return 0.0
    return float(np.mean(signs[1:] != signs[:-1]))


def _trend(tail: np.ndarray, band: float, oscillation: float) -> str:
    if len(tail) < 2 or float(np.max(tail) - np.min(tail)) <= band:
        return "flat"
    steps = np.diff(tail)
    if oscillation >= 0.5 and abs(float(tail[-1] - tail[0])) < 0.5 * float(np.sum(np.abs(steps))):
        return "oscillating"
    slope = np.polyfit(np.arange(len(tail), dtype=np.float64), tail, 1)[0]
    return "decreasing" if slope < 0 else "increasing"


def _norm(x: np.ndarray) -> float:
    return math.sqrt(float(np.sum(np.square(x))))
