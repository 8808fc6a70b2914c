"""Data sets to learn from: logic gates, toy problems, scikit-learn's bundled data, and CSV/IDX file loaders.

Everything here is generated or read from local files; nothing is ever downloaded. Every function returns
``(X, y)`` with ``X`` a float64 array of shape ``(n_samples, n_features)`` (:func:`load_idx` returns the array
stored in the file). Generators that draw random numbers take ``random_state`` (None, an int or a
``np.random.Generator``) and never touch NumPy's global random state: the same ``random_state`` gives the same
arrays.

Sorted from simple to complex: truth tables, then point clouds, then bundled data, then file formats.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ._validation import (
    check_array,
    check_bool,
    check_dtype,
    check_float,
    check_int,
    check_path,
    check_random_state,
    unknown_name_message,
)

__all__ = [
    "load_csv",
    "load_digits",
    "load_idx",
    "load_idx_pair",
    "load_iris",
    "make_and",
    "make_blobs",
    "make_circles",
    "make_gaussian_quantiles",
    "make_moons",
    "make_nand",
    "make_or",
    "make_sine",
    "make_spiral",
    "make_xor",
]

MAX_GATE_INPUTS = 16
"""Logic gates take at most this many inputs (2**16 rows), so a typo cannot ask for a huge table."""


# ---------------------------------------------------------------------------------------------------------
# Logic gates: the classic first problems for a perceptron (AND, OR, NAND) and for an MLP (XOR)
# ---------------------------------------------------------------------------------------------------------

def make_and(n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of AND: 1 only when every input is 1. Linearly separable, so a perceptron learns it.

    Parameters
    ----------
    n_inputs : int, default=2
        Number of inputs, in [2, 16]; the table has ``2 ** n_inputs`` rows.

    Returns
    -------
    X : ndarray of shape (2 ** n_inputs, n_inputs)
        Every combination of 0.0 and 1.0, in binary counting order (the last column changes fastest).
    y : ndarray of shape (2 ** n_inputs,), int64
        0 or 1.
    """
    return _truth_table(n_inputs, lambda bits: bits.all(axis=1))


def make_or(n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of OR: 1 when any input is 1. Linearly separable.

    Parameters
    ----------
    n_inputs : int, default=2
        Number of inputs, in [2, 16]; the table has ``2 ** n_inputs`` rows.

    Returns
    -------
    X : ndarray of shape (2 ** n_inputs, n_inputs)
        Every combination of 0.0 and 1.0, in binary counting order.
    y : ndarray of shape (2 ** n_inputs,), int64
    """
    return _truth_table(n_inputs, lambda bits: bits.any(axis=1))


def make_nand(n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of NAND: 0 only when every input is 1. Linearly separable, and enough to build any gate.

    Parameters
    ----------
    n_inputs : int, default=2
        Number of inputs, in [2, 16]; the table has ``2 ** n_inputs`` rows.

    Returns
    -------
    X : ndarray of shape (2 ** n_inputs, n_inputs)
        Every combination of 0.0 and 1.0, in binary counting order.
    y : ndarray of shape (2 ** n_inputs,), int64
    """
    return _truth_table(n_inputs, lambda bits: ~bits.all(axis=1))


def make_xor(n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of XOR (parity for more inputs): 1 when an odd number of inputs are 1.

    Not linearly separable: the problem a single perceptron cannot learn and a hidden layer can.

    Parameters
    ----------
    n_inputs : int, default=2
        Number of inputs, in [2, 16]; the table has ``2 ** n_inputs`` rows.

    Returns
    -------
    X : ndarray of shape (2 ** n_inputs, n_inputs)
        Every combination of 0.0 and 1.0, in binary counting order.
    y : ndarray of shape (2 ** n_inputs,), int64
    """
    return _truth_table(n_inputs, lambda bits: bits.sum(axis=1) % 2 == 1)


# ---------------------------------------------------------------------------------------------------------
# Point clouds from scikit-learn's generators
# ---------------------------------------------------------------------------------------------------------

def make_blobs(n_samples: int = 200, centers: int | ArrayLike = 2, n_features: int = 2,
               cluster_std: float = 1.0, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one per class: the easy case, usually linearly separable.

    Wraps :func:`sklearn.datasets.make_blobs`. With random centres in the box [-10, 10] and the default
    ``cluster_std`` the blobs rarely overlap, but nothing guarantees it: check before relying on separability.

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points, split evenly over the blobs.
    centers : int or array-like of shape (n_centers, n_features), default=2
        Number of blobs (centres drawn at random), or their centres.
    n_features : int, default=2
        Dimension of each point. Ignored when ``centers`` gives coordinates.
    cluster_std : float, default=1.0
        Standard deviation of each blob, >= 0.
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int64
        The blob of each point, 0 to ``n_centers - 1``.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_features = check_int(n_features, "n_features", minimum=1)
    if np.ndim(centers) == 0:
        centers = check_int(centers, "centers", minimum=1)
    else:
        centers = check_array(centers, "centers", ndim=2)
    cluster_std = check_float(cluster_std, "cluster_std", minimum=0.0)
    seed = _sklearn_seed(random_state)
    X, y = _sklearn_datasets().make_blobs(n_samples=n_samples, n_features=n_features, centers=centers,
                                          cluster_std=cluster_std, random_state=seed)
    return _as_xy(X, y)


def make_circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5,
                 random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one: not linearly separable, but separable by radius.

    Wraps :func:`sklearn.datasets.make_circles`.

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points; the outer circle gets the odd one.
    noise : float, default=0.1
        Standard deviation of Gaussian noise added to each coordinate, >= 0.
    factor : float, default=0.5
        Radius of the inner circle relative to the outer one (radius 1), in [0, 1).
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64
        0 for the outer circle, 1 for the inner one.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    noise = check_float(noise, "noise", minimum=0.0)
    factor = check_float(factor, "factor", minimum=0.0, maximum=1.0, include_max=False)
    seed = _sklearn_seed(random_state)
    X, y = _sklearn_datasets().make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return _as_xy(X, y)


def make_moons(n_samples: int = 200, noise: float = 0.1, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: a curved boundary that one hidden layer can draw.

    Wraps :func:`sklearn.datasets.make_moons`.

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points; the first moon gets the odd one.
    noise : float, default=0.1
        Standard deviation of Gaussian noise added to each coordinate, >= 0.
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64
        The moon of each point, 0 or 1.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    noise = check_float(noise, "noise", minimum=0.0)
    seed = _sklearn_seed(random_state)
    X, y = _sklearn_datasets().make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _as_xy(X, y)


def make_gaussian_quantiles(n_samples: int = 200, n_features: int = 2, n_classes: int = 2,
                            mean: ArrayLike | None = None, cov: float = 1.0,
                            random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Concentric shells of one Gaussian, one class per shell: nested classes with equal counts.

    Wraps :func:`sklearn.datasets.make_gaussian_quantiles`: points are drawn from one isotropic Gaussian and
    labelled by which quantile of distance from the mean they fall in.

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points, at least ``n_classes``.
    n_features : int, default=2
        Dimension of each point.
    n_classes : int, default=2
        Number of shells, >= 2.
    mean : array-like of shape (n_features,), default=None
        Centre of the Gaussian; None means the origin.
    cov : float, default=1.0
        Variance of each coordinate (the covariance is ``cov * I``), > 0.
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int64
        The shell of each point, 0 (innermost) to ``n_classes - 1``.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_features = check_int(n_features, "n_features", minimum=1)
    n_classes = _check_n_classes(n_classes, n_samples)
    if mean is not None:
        mean = check_array(mean, "mean", ndim=1)
        if mean.shape[0] != n_features:
            raise ValueError(f"mean must have n_features={n_features} entries, received shape {mean.shape}")
    cov = check_float(cov, "cov", minimum=0.0, include_min=False)
    seed = _sklearn_seed(random_state)
    X, y = _sklearn_datasets().make_gaussian_quantiles(mean=mean, cov=cov, n_samples=n_samples,
                                                       n_features=n_features, n_classes=n_classes,
                                                       random_state=seed)
    return _as_xy(X, y)


# ---------------------------------------------------------------------------------------------------------
# Point clouds of our own
# ---------------------------------------------------------------------------------------------------------

def make_spiral(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, random_state=None,
                shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: the classic test of a network's capacity (CS231n).

    Class ``j`` has points at radius ``r`` evenly spaced over [0, 1] and angle ``t`` evenly spaced over
    ``[4 j, 4 (j + 1)]`` radians plus Gaussian noise; the point is ``(r sin t, r cos t)``.

    Parameters
    ----------
    n_samples : int, default=300
        Total number of points, split evenly over the classes (the first classes get one more when it does
        not divide); at least ``n_classes``.
    n_classes : int, default=3
        Number of arms, >= 2.
    noise : float, default=0.2
        Standard deviation of the angle noise in radians, >= 0.
    random_state : None, int or numpy.random.Generator, default=None
    shuffle : bool, default=True
        Shuffle the rows. Unshuffled, the classes come in blocks, and a validation split taken from the end
        would hold one class only.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Inside the unit disc.
    y : ndarray of shape (n_samples,), int64
        The arm of each point, 0 to ``n_classes - 1``.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_classes = _check_n_classes(n_classes, n_samples)
    noise = check_float(noise, "noise", minimum=0.0)
    shuffle = check_bool(shuffle, "shuffle")
    rng = check_random_state(random_state, "random_state")

    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    arms = []
    for j, size in enumerate(sizes):
        r = np.linspace(0.0, 1.0, size)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), size) + noise * rng.standard_normal(size)
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.concatenate(arms)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X, y


def make_sine(n_samples: int = 200, noise: float = 0.1, x_range: tuple[float, float] = (-np.pi, np.pi),
              random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """A smooth one-dimensional regression problem: ``y = sin(x) + 0.5 cos(2x)`` plus Gaussian noise.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to ``y``, >= 0.
    x_range : (float, float), default=(-pi, pi)
        ``x`` is drawn uniformly from ``[low, high)``; ``low < high``.
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The inputs ``x``, in random order.
    y : ndarray of shape (n_samples,), float64
        ``sin(x) + 0.5 * cos(2 * x) + noise * N(0, 1)``.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    noise = check_float(noise, "noise", minimum=0.0)
    low, high = _check_range(x_range, "x_range")
    rng = check_random_state(random_state, "random_state")
    x = rng.uniform(low, high, n_samples)
    y = np.sin(x) + 0.5 * np.cos(2.0 * x) + noise * rng.standard_normal(n_samples)
    return x[:, np.newaxis], y


# ---------------------------------------------------------------------------------------------------------
# scikit-learn's bundled data
# ---------------------------------------------------------------------------------------------------------

def load_iris(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris flowers (150 samples, 4 measurements, 3 species), from scikit-learn's bundled copy.

    Parameters
    ----------
    scale : bool, default=True
        Standardise each feature to mean 0 and standard deviation 1, which gradient descent needs.

    Returns
    -------
    X : ndarray of shape (150, 4)
        Sepal length, sepal width, petal length, petal width (cm, or standardised).
    y : ndarray of shape (150,), int64
        Species: 0 setosa, 1 versicolor, 2 virginica.
    """
    scale = check_bool(scale, "scale")
    X, y = _sklearn_datasets().load_iris(return_X_y=True)
    if scale:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return _as_xy(X, y)


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits as 8x8 images (1797 samples, 10 classes), from scikit-learn's bundled copy.

    Parameters
    ----------
    scale : bool, default=True
        Divide the pixel values (0 to 16) by 16, so they lie in [0, 1].

    Returns
    -------
    X : ndarray of shape (1797, 64)
        The images, row by row.
    y : ndarray of shape (1797,), int64
        The digit, 0 to 9.
    """
    scale = check_bool(scale, "scale")
    X, y = _sklearn_datasets().load_digits(return_X_y=True)
    if scale:
        X = X / 16.0
    return _as_xy(X, y)


# ---------------------------------------------------------------------------------------------------------
# Files: CSV tables and MNIST's IDX format
# ---------------------------------------------------------------------------------------------------------

def load_csv(path: str | os.PathLike, target: int | str = -1, delimiter: str = ",", header="infer",
             dtype=float) -> tuple[np.ndarray, np.ndarray]:
    """Read a table of numbers from a CSV file (optionally gzip-compressed) as features and a target column.

    Blank lines are skipped; quoted fields follow the :mod:`csv` module's rules.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip-compressed files are recognised by their content, whatever their name.
    target : int or str, default=-1
        The target column: an index (negative counts from the end) or a name from the header row.
    delimiter : str, default=","
        One character separating fields.
    header : {"infer", True, False}, default="infer"
        Whether the first row names the columns. ``"infer"`` takes it as a header only when none of its fields
        is a number (and not all are empty), since a data row always holds at least one number, its features,
        and only when it is a proper header: as many fields as the row below it, no name given twice. Any other
        first row with a number is data and is checked like every other row; a first row without any number
        that is not a proper header is refused (it is neither a header nor data). One case stays ambiguous and
        is refused rather than guessed: a first row whose only non-number is the target while every target
        below it is a number (a header naming columns with numbers, or a malformed first row?). Pass True or
        False to decide. None means False.
    dtype : {float, "float64", "float32"}, default=float
        The dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_rows, n_columns - 1)
        Every column but the target, in file order.
    y : ndarray of shape (n_rows,)
        The target column: int64 when every value is written as an integer, float64 when every value is a
        number, otherwise the strings themselves (class names such as ``"setosa"``).

    Raises
    ------
    ValueError
        For a row with the wrong number of fields, a feature that is not a number or an empty target, naming
        the file, the line and the problem (the first row included: with ``header="infer"`` a first row that
        mixes numbers and non-numbers is data, never silently dropped); for a cell that reads as NaN or an
        infinity (``nan``, ``inf``, ``1e999``; a feature beyond ``dtype``'s range too), features and target
        alike, with its file and line; for a first row that is neither a header nor data, or ambiguous (above);
        for a file without data rows; for an unknown ``target``.
    """
    path = check_path(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, received delimiter={delimiter!r}")
    if header is None:
        header = False
    if not (isinstance(header, bool) or header == "infer"):
        raise ValueError(f"header must be 'infer', True or False, received header={header!r}")
    if isinstance(target, bool) or not isinstance(target, (int, np.integer, str)):
        raise TypeError(f"target must be a column index (int) or a column name (str), received "
                        f"target={target!r} ({type(target).__name__})")
    dtype = check_dtype(dtype)

    rows = _read_csv_rows(path, delimiter)
    if not rows:
        raise ValueError(f"{path}: the file has no rows")
    names = None
    inferred = header == "infer"
    if header is True or (inferred and _looks_like_header(rows[0][1])):
        if inferred:
            _check_proper_header(rows, path)
        names = rows.pop(0)[1]
        inferred = False
    if not rows:
        raise ValueError(f"{path}: the file has a header but no data rows")
    n_columns = len(names) if names is not None else len(rows[0][1])
    if n_columns < 2:
        raise ValueError(f"{path}: need at least two columns (features and a target), found {n_columns}")
    column = _target_column(target, names, n_columns, path)
    features = [j for j in range(n_columns) if j != column]
    if inferred:
        _refuse_ambiguous_first_row(rows, column, features, path)

    def label(j):
        return f"column {j}" if names is None else f"column {j} ({names[j]!r})"

    X = np.empty((len(rows), n_columns - 1), dtype=dtype)
    targets = []
    for i, (line, fields) in enumerate(rows):
        if len(fields) != n_columns:
            raise ValueError(f"{path}, line {line}: expected {n_columns} fields, found {len(fields)}")
        try:
            with np.errstate(over="ignore"):  # a value beyond float32's range: refused below, with its line
                X[i] = [float(fields[j]) for j in features]
        except ValueError:
            j = next(j for j in features if not _is_number(fields[j]))
            hint = (" (read as data: header='infer' takes a first row as a header only when none of its fields is "
                    "a number; pass header=True if it names the columns)") if inferred and i == 0 else ""
            raise ValueError(f"{path}, line {line}: {label(j)} is not a number: {fields[j]!r}{hint}") from None
        if not fields[column].strip():
            raise ValueError(f"{path}, line {line}: the target (column {column}) is empty")
        targets.append(fields[column].strip())
    finite = np.isfinite(X)
    if not finite.all():
        i, k = np.argwhere(~finite)[0]
        line, field = rows[i][0], rows[i][1][features[k]]
        what = (f"beyond {dtype.name}'s range (largest {np.finfo(dtype).max:.3g})" if _is_finite_number(field)
                else "not a finite number")
        raise ValueError(f"{path}, line {line}: {label(features[k])} is {field!r}, {what}; NaN and infinite "
                         f"values are refused: clean or impute them first")
    for i, field in enumerate(targets):
        if _is_number(field) and not _is_finite_number(field):
            raise ValueError(f"{path}, line {rows[i][0]}: the target ({label(column)}) is {field!r}, not a finite "
                             f"number; NaN and infinite values are refused: clean or impute them first")
    return X, _parse_targets(targets)


_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX type byte -> big-endian NumPy dtype."""


def load_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an array from a file in the IDX format of MNIST (optionally gzip-compressed).

    The format: two zero bytes; a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64); a byte giving the number of dimensions; one big-endian 4-byte size per
    dimension; then the values, big-endian, in C order. See http://yann.lecun.com/exdb/mnist/ (the format
    is described there; this function reads local files only).

    Parameters
    ----------
    path : str or os.PathLike
        The file, such as ``train-images-idx3-ubyte`` or ``train-images-idx3-ubyte.gz``. Gzip-compressed
        files are recognised by their content, whatever their name.

    Returns
    -------
    ndarray of the declared shape
        In native byte order, of the declared type (``uint8`` for MNIST).

    Raises
    ------
    ValueError
        Naming the path, for a bad magic number, a truncated header or data, a header declaring more data
        than the file holds (checked before any array is made), bytes left over after the data, or a
        corrupt gzip stream.
    """
    path = check_path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path}: only {len(data)} bytes, too short for an IDX header (truncated file?)")
    type_code, ndim = data[2], data[3]
    if data[:2] != b"\x00\x00" or type_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: bad magic number 0x{data[:4].hex()}; an IDX file starts with two zero "
                         f"bytes, a type byte (0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E) and a dimension count "
                         f"of at least 1")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{path}: truncated header: {ndim} dimensions need {header_size} header bytes, the "
                         f"file has {len(data)}")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = np.dtype(_IDX_TYPES[type_code])
    count = math.prod(shape)
    declared, available = count * dtype.itemsize, len(data) - header_size
    if declared > available:
        raise ValueError(f"{path}: truncated or corrupt: the header declares shape {shape} of {dtype.name} "
                         f"({declared} bytes of data) but only {available} bytes follow")
    if declared < available:
        raise ValueError(f"{path}: {available - declared} unexpected bytes after the data the header "
                         f"declares (shape {shape} of {dtype.name})")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header_size)
    return values.astype(dtype.newbyteorder("=")).reshape(shape)


def load_idx_pair(images_path: str | os.PathLike,
                  labels_path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read MNIST-style images and labels from two IDX files as ``(X, y)`` ready for training.

    Parameters
    ----------
    images_path : str or os.PathLike
        IDX file of unsigned bytes with shape ``(n_images, ...)``, such as ``(60000, 28, 28)``.
    labels_path : str or os.PathLike
        IDX file of integers with shape ``(n_images,)``.

    Returns
    -------
    X : ndarray of shape (n_images, n_pixels), float64
        Each image flattened in C order, pixel values divided by 255 so they lie in [0, 1].
    y : ndarray of shape (n_images,), int64
    """
    images = load_idx(images_path)
    labels = load_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim < 2:
        raise ValueError(f"{images_path}: images must be unsigned bytes (IDX type 0x08) with at least two "
                         f"dimensions, found {images.dtype.name} of shape {images.shape}")
    if labels.dtype.kind not in "iu" or labels.ndim != 1:
        raise ValueError(f"{labels_path}: labels must be integers with one dimension, found "
                         f"{labels.dtype.name} of shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
                         f"{labels.shape[0]} labels")
    X = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    return X, labels.astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------

def _truth_table(n_inputs: int, gate: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All ``2 ** n_inputs`` rows of bits in counting order, and ``gate`` applied to each row."""
    n_inputs = check_int(n_inputs, "n_inputs", minimum=2, maximum=MAX_GATE_INPUTS)
    rows = np.arange(2**n_inputs)[:, np.newaxis]
    bits = ((rows >> np.arange(n_inputs - 1, -1, -1)) & 1) == 1
    return bits.astype(np.float64), gate(bits).astype(np.int64)


def _as_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The package's convention for classification data: X float64, y int64."""
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def _sklearn_datasets():
    """:mod:`sklearn.datasets`, imported on first use: scikit-learn's second of start-up is paid by the first
    generator or bundled data set that needs it, not by ``import glassnet``."""
    from sklearn import datasets

    return datasets


def _sklearn_seed(random_state) -> int:
    """An int seed for scikit-learn's generators, drawn from our Generator (their RandomState is private)."""
    return int(check_random_state(random_state, "random_state").integers(2**32))


def _check_n_classes(n_classes, n_samples: int) -> int:
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    if n_samples < n_classes:
        raise ValueError(f"n_samples must be at least n_classes={n_classes}, received n_samples={n_samples}")
    return n_classes


def _check_range(value, name: str) -> tuple[float, float]:
    """A pair of finite floats ``(low, high)`` with ``low < high``."""
    if isinstance(value, (str, bytes)) or np.ndim(value) != 1 or len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high), received {name}={value!r}")
    low = check_float(value[0], f"{name}[0]")
    high = check_float(value[1], f"{name}[1]")
    if not low < high:
        raise ValueError(f"{name} must have low < high, received {name}={value!r}")
    return low, high


def _read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it starts with gzip's magic bytes."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: corrupt or truncated gzip data: {exc}") from None


def _read_csv_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """``(line number, fields)`` for every non-blank row."""
    try:
        text = _read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a UTF-8 text file ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # a blank line is [] to the csv module; ",," is a row of empty fields, which is malformed, not blank
        return [(reader.line_num, row) for row in reader if len(row) > 1 or (row and row[0].strip())]
    except csv.Error as exc:
        raise ValueError(f"{path}, line {reader.line_num}: {exc}") from None


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _is_finite_number(field: str) -> bool:
    try:
        return math.isfinite(float(field))
    except ValueError:
        return False


def _looks_like_header(first: list[str]) -> bool:
    """Whether a first row is a header: no field is a number, and not every field is empty.

    Strict on purpose. A data row needs at least one number (its features), so a row without any cannot be data;
    a row with one can be, and is then read and checked as data. The older guess ("a non-number above a
    number") took a first data row with one malformed field for a header and dropped it without a word.
    """
    return any(field.strip() for field in first) and not any(_is_number(field) for field in first)


def _check_proper_header(rows: list[tuple[int, list[str]]], path: Path) -> None:
    """Refuse a first row without numbers that cannot be a header either: its field count differs from the row
    below it, or it gives a name twice. Taken for a header, it would be dropped without a word (and a count
    mismatch reported against the row below, which is fine)."""
    line, first = rows[0]
    names = [name.strip() for name in first]
    advice = "fix that line, or pass header=True or header=False to say what it is"
    if len(rows) > 1 and len(first) != len(rows[1][1]):
        raise ValueError(f"{path}, line {line}: the first row holds no number, so it is no data row, but it has "
                         f"{len(first)} fields while line {rows[1][0]} below it has {len(rows[1][1])}: it is no "
                         f"header for these columns either; {advice}")
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ValueError(f"{path}, line {line}: the first row holds no number, so it is no data row, but it names "
                         f"{repeated[0]!r} twice, so it is no header either (a header names each column once); "
                         f"{advice}")


def _refuse_ambiguous_first_row(rows: list[tuple[int, list[str]]], column: int, features: list[int],
                                path: Path) -> None:
    """Refuse to guess when only the first row's target is not a number and every target below it is one.

    Such a row is either a header whose feature columns are named by numbers, or a data row whose target is
    malformed: two readings that give different data, so the caller must say which (``header=True/False``).
    """
    line, first = rows[0]  # without a header the first row sets the column count, so every index is in range
    if len(rows) < 2 or _is_number(first[column]) or not first[column].strip():
        return
    if not all(_is_number(first[j]) for j in features):
        return  # a feature that is not a number: the caller reports it, with a hint about header=True
    if all(column < len(fields) and _is_number(fields[column]) for _, fields in rows[1:]):
        raise ValueError(f"{path}, line {line}: cannot tell whether the first row is a header: its target "
                         f"(column {column}) is {first[column]!r}, not a number, while every target below it is "
                         f"a number. Pass header=True if line {line} names the columns, header=False if it is "
                         f"data (its target then reads as a class name)")


def _target_column(target: int | str, names: list[str] | None, n_columns: int, path: Path) -> int:
    """The non-negative index of the target column."""
    if isinstance(target, str):
        if names is None:
            raise ValueError(f"target={target!r} names a column, but {path} has no header row (pass "
                             f"header=True if its first row names the columns, or a column index)")
        stripped = [name.strip() for name in names]
        if target not in stripped:
            raise ValueError(unknown_name_message(target, "target column", stripped))
        return stripped.index(target)
    if not -n_columns <= target < n_columns:
        raise ValueError(f"target must be a column index in [{-n_columns}, {n_columns - 1}] for {path}'s "
                         f"{n_columns} columns, received target={target}")
    return int(target) % n_columns


def _parse_targets(fields: list[str]) -> np.ndarray:
    """int64 if every field is an integer, float64 if every field is a number, else the strings."""
    for kind in (int, float):
        try:
            return np.array([kind(field) for field in fields], dtype=np.int64 if kind is int else np.float64)
        except (ValueError, OverflowError):
            pass
    return np.array(fields, dtype=str)
