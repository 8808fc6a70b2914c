"""Every input check in one place: arrays, labels, parameters.

Each check raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong value) with a message
that names the parameter, says what was received and what is allowed.
"""

from __future__ import annotations

import difflib
import numbers
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_class_weight",
    "check_dtype",
    "check_features",
    "check_float",
    "check_instances",
    "check_int",
    "check_metrics_can_score",
    "check_name",
    "check_path",
    "check_random_state",
    "check_same_length",
    "check_sample_weight",
    "check_validation_data",
    "check_verbose",
]

_DTYPES = {"float32": np.float32, "float64": np.float64}


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False) -> int | None:
    """Return ``value`` as an ``int`` if it is an integer within ``[minimum, maximum]``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, received {name}={value!r} ({type(value).__name__})")
    value = int(value)
    _check_bounds(value, name, minimum, maximum, "integer")
    return value


def check_float(value, name: str, *, minimum: float | None = None, maximum: float | None = None,
                include_min: bool = True, include_max: bool = True, allow_none: bool = False) -> float | None:
    """Return ``value`` as a finite ``float`` within the given bounds."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, received {name}={value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, received {name}={value!r}")
    too_low = minimum is not None and (value < minimum or (value == minimum and not include_min))
    too_high = maximum is not None and (value > maximum or (value == maximum and not include_max))
    if too_low or too_high:
        low = "-inf" if minimum is None else minimum
        high = "inf" if maximum is None else maximum
        interval = (f"{'[' if include_min and minimum is not None else '('}{low}, {high}"
                     f"{']' if include_max and maximum is not None else ')'}")
        raise ValueError(f"{name} must be in {interval}, received {name}={value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool (NumPy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, received {name}={value!r} ({type(value).__name__})")
    return bool(value)


def check_name(value: str, name: str, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise list them and suggest the closest."""
    allowed = sorted(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {allowed}; received {name}={value!r}")
    if value not in allowed:
        raise ValueError(unknown_name_message(value, name, allowed))
    return value


def unknown_name_message(value: str, name: str, allowed: Iterable[str]) -> str:
    """The message for an unknown name: what was given, what is allowed, and the closest match."""
    allowed = sorted(allowed)
    close = difflib.get_close_matches(str(value).lower(), allowed, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown {name} {value!r}; allowed values are {allowed}.{hint}"


def check_verbose(value, name: str = "verbose") -> int | str:
    """Return ``value`` if it is one of Keras's verbosity settings: ``"auto"``, 0, 1 or 2."""
    message = f"{name} must be 'auto', 0, 1 or 2 (Keras's settings), received {name}={value!r}"
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(message)
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{message} ({type(value).__name__})")
    if value not in (0, 1, 2):
        raise ValueError(message)
    return int(value)


def check_dtype(dtype) -> np.dtype:
    """Return the NumPy float dtype for ``"float32"``/``"float64"`` (or the matching NumPy types)."""
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', received dtype={dtype!r}")
    return resolved


def check_random_state(seed, name: str = "seed") -> np.random.Generator:
    """A fresh ``np.random.Generator`` from ``seed`` (None, an int >= 0, or a Generator, which is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, a non-negative integer or a numpy Generator, "
                        f"received {name}={seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be None, a non-negative integer or a numpy Generator, "
                         f"received {name}={seed!r}")
    return np.random.default_rng(int(seed))


def check_array(X, name: str = "X", *, dtype=np.float64, ndim: int | tuple[int, ...] = 2,
                min_samples: int = 1, allow_nonfinite: bool = False, copy: bool = False) -> np.ndarray:
    """Convert ``X`` to a floating array of ``dtype`` and check its dimensions and values.

    Refuses strings, objects and complex numbers, arrays of the wrong number of dimensions, fewer than
    ``min_samples`` rows, and NaN or infinite values (unless ``allow_nonfinite``). Values that overflow the
    target dtype (1e300 into float32) are refused too, instead of silently becoming inf.
    """
    if X is None:
        raise TypeError(f"{name} must be array-like of numbers, received None")
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be array-like of numbers, received a string")
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(f"{name} is a sparse matrix; this function needs a dense array (use X.toarray())")
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} could not be converted to a numeric array: {exc}") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} has complex values (dtype {arr.dtype}); only real numbers are allowed")
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (ValueError, TypeError):
                raise TypeError(f"{name} must contain only numbers, received an array of dtype object "
                                f"with non-numeric entries") from None
        else:
            raise TypeError(f"{name} must contain only numbers, received an array of dtype {arr.dtype}")
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in ndims:
        allowed = " or ".join(str(d) for d in ndims)
        raise ValueError(f"{name} must be a {allowed}-D array, received an array of shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} sample(s), received shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one feature, received shape {arr.shape}")
    dtype = np.dtype(dtype)
    if not allow_nonfinite and arr.dtype.kind == "f" and not _all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values; clean or impute them first")
    if arr.dtype != dtype:
        with np.errstate(over="ignore"):
            converted = arr.astype(dtype)
        if not allow_nonfinite and not _all_finite(converted):
            raise ValueError(f"{name} has values too large for {dtype.name} (largest magnitude "
                             f"{np.max(np.abs(arr.astype(np.float64))):.3g}); rescale the data")
        arr = converted
    elif copy:
        arr = arr.copy()
    return arr


def check_same_length(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Refuse two arrays whose first dimensions differ."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{name_a} and {name_b} must have the same number of samples, received "
                         f"{a.shape[0]} and {b.shape[0]}")


def check_sample_weight(sample_weight, n: int, dtype, name: str = "sample_weight") -> np.ndarray | None:
    """None, or one finite non-negative weight per sample as a 1-D array of ``dtype``."""
    if sample_weight is None:
        return None
    sw = check_array(sample_weight, name, dtype=dtype, ndim=1, min_samples=0)
    if len(sw) != n:
        raise ValueError(f"{name} must have one weight per sample ({n}), received {len(sw)}")
    if (sw < 0).any():
        raise ValueError(f"{name} must be non-negative, received negative weights")
    return sw


def check_class_weight(class_weight, y: np.ndarray, dtype) -> np.ndarray:
    """The weight of each sample's class from ``{class index: weight}``; ``y`` holds class indices, one-hot rows
    or a 0/1 column."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class: weight}}, received {type(class_weight).__name__}")
    if y.ndim == 1:
        labels = y
    elif y.shape[1] > 1:
        labels = np.argmax(y, axis=1)
    else:
        labels = np.rint(y[:, 0]).astype(np.intp)
    w = np.ones(len(labels), dtype=dtype)
    for cls, weight in class_weight.items():
        if isinstance(cls, bool) or not isinstance(cls, numbers.Integral):
            raise TypeError(f"class_weight keys must be integer class indices, received {cls!r}")
        weight = check_float(weight, f"class_weight[{cls}]", minimum=0.0)
        w[labels == cls] = weight
    return w


def check_instances(values, name: str, cls: type, what: str) -> list:
    """``values`` (None, one ``cls`` instance, or an iterable of them) as a list; ``what`` names ``cls`` for the
    message (e.g. "glassnet Callback objects")."""
    if values is None:
        return []
    if isinstance(values, cls):
        return [values]
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of {what}, received {name}={values!r}")
    values = list(values)
    for value in values:
        if not isinstance(value, cls):
            raise TypeError(f"{name} must be {what}, received {value!r} ({type(value).__name__})")
    return values


def check_path(path, name: str = "path") -> Path:
    """A ``Path`` from a non-empty str or os.PathLike (bytes paths are refused: they are platform-specific)."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, received {name}={path!r} ({type(path).__name__})")
    if not os.fspath(path):
        raise ValueError(f"{name} must not be empty")
    return Path(path)


def check_features(X, dtype, input_dim: int | None, name: str = "X", *, sparse: bool = False):
    """``X`` as a model takes it: a 2-D finite array of ``dtype`` with ``input_dim`` columns (if known). With
    ``sparse=True`` a scipy.sparse matrix is taken too, as CSR of ``dtype`` (a Dense first layer multiplies it)."""
    if sparse and hasattr(X, "tocsr") and hasattr(X, "nnz"):
        if X.ndim != 2 or X.shape[0] < 1:
            raise ValueError(f"{name} must be a 2-D array with at least one sample, received a sparse matrix of "
                             f"shape {X.shape}")
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name} must contain only real numbers, received a sparse matrix of dtype {X.dtype}")
        X = X.tocsr().astype(dtype)
        if not np.isfinite(X.data).all():
            raise ValueError(f"{name} contains NaN or infinite values; clean or impute them first")
    else:
        X = check_array(X, name, dtype=dtype)
    if input_dim is not None and X.shape[1] != input_dim:
        raise ValueError(f"{name} has {X.shape[1]} features, but the model expects {input_dim} (input_dim)")
    return X


def check_metrics_can_score(metrics: dict, y: np.ndarray, n_outputs: int, dtype) -> None:
    """Refuse, before any training step, targets that a metric cannot score (e.g. accuracy on 0.5s)."""
    probe = y[: min(len(y), 8)]
    # outputs a network could give: a probability of 0.5 for one sigmoid, a uniform distribution over several
    # outputs (roc_auc refuses multiclass scores that are not probabilities)
    outputs = np.full((len(probe), n_outputs), 0.5 if n_outputs == 1 else 1 / n_outputs, dtype=dtype)
    for name, fn in metrics.items():
        try:
            with warnings.catch_warnings():
                # the first rows may hold one class only, where roc_auc is undefined and warns: the data as a
                # whole may not, and whether it does is not this check's question
                warnings.simplefilter("ignore")
                fn(probe, outputs)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"metric {name!r} cannot score these targets y: {exc}") from None


def check_validation_data(validation_data, width: int, loss, n_outputs: int, dtype):
    """``(X_val, y_val, sample_weight_val or None)`` from ``fit``'s ``validation_data``, checked as the training
    data is (``loss.prepare_targets`` for the targets)."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight), "
                         f"received {type(validation_data).__name__}")
    Xv = check_array(validation_data[0], "validation_data[0]", dtype=dtype)
    if Xv.shape[1] != width:
        raise ValueError(f"validation_data[0] has {Xv.shape[1]} features, the training data X has {width}")
    yv = loss.prepare_targets(validation_data[1], n_outputs, dtype)
    check_same_length("validation_data[0]", Xv, "validation_data[1]", yv)
    swv = check_sample_weight(validation_data[2] if len(validation_data) == 3 else None, len(Xv), dtype)
    return Xv, yv, swv


def _all_finite(arr: np.ndarray) -> bool:
    """Whether every value is finite, in one pass with no temporary array for the common case.

    A NaN or inf anywhere makes the sum non-finite; a non-finite sum of finite values (overflow) falls back to
    the exact elementwise test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):
            return True
    return bool(np.isfinite(arr).all())


def _check_bounds(value, name, minimum, maximum, kind):
    if minimum is not None and value < minimum:
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an {kind} {bound}, received {name}={value!r}")
    if maximum is not None and value > maximum:
        bound = f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an {kind} {bound}, received {name}={value!r}")
