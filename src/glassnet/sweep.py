"""Parameter sweeps: train one small network per grid point and seed, locally with joblib or on a Dask cluster.

The hand-written comparisons of learning rates, hidden sizes, initialisers and activations become one call::

    rows = run_sweep("moons", {"learning_rate": [0.001, 0.01, 0.1], "hidden": [4, 16, 64]}, seeds=range(3),
                     epochs=50, n_jobs=2)
    print(text_table(summarize(rows, metric="test_accuracy")))   # glassnet.report.text_table

Every task is one grid point x one seed and is a pure function of ``(params, seed, data)``: the seed makes the
data set (for the named generators), the stratified train/test split, the initial weights, the dropout masks
and the shuffling, and each task runs with one BLAS thread. So the numbers do not depend on where a task runs,
on how many run at once, or in which order they finish: ``n_jobs=1``, ``n_jobs=8`` and a Dask cluster return the
same rows, bit for bit (on machines with the same NumPy build and CPU features). Only ``seconds`` varies.
Give Dask workers one thread each (``--nthreads 1``): the BLAS thread limit is per process.

``backend="dask"`` needs Dask's ``distributed`` package (``pip install glassnet[dask]``) on this machine and
glassnet on every worker; the data is scattered to the cluster once, not sent with each task.
"""

from __future__ import annotations

import contextlib
import itertools
import numbers
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import joblib
import numpy as np
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from . import datasets, metrics, optimizers
from ._validation import check_array, check_float, check_int, check_name
from .builders import mlp
from .model import DivergenceWarning, Sequential
from .report import text_table
from .results import Results

__all__ = ["DATASETS", "DEFAULTS", "as_dataframe", "format_table", "parse_grid", "run_sweep", "summarize"]

DATASETS: Mapping[str, Callable[[int], tuple[np.ndarray, np.ndarray]]] = MappingProxyType({
    "xor": lambda seed: datasets.make_xor(),
    "moons": lambda seed: datasets.make_moons(random_state=seed),
    "circles": lambda seed: datasets.make_circles(random_state=seed),
    "spiral": lambda seed: datasets.make_spiral(random_state=seed),
    "digits": lambda seed: datasets.load_digits(),
    "sine": lambda seed: datasets.make_sine(random_state=seed),
})
"""The data sets ``run_sweep`` knows by name: each makes ``(X, y)`` from a seed, with glassnet.datasets'
defaults. ``xor`` and ``digits`` do not depend on the seed (only the split and the network do)."""

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "hidden": (16,),
    "activation": "relu",
    "optimizer": "adam",
    "learning_rate": 0.01,
    "momentum": 0.0,
    "initializer": None,
    "dropout": 0.0,
    "batch_norm": False,
    "l2": 0.0,
})
"""The default builder's value for each parameter the grid does not set. ``initializer=None`` is the
activation's own default (He for the ReLU family, Glorot otherwise). ``epochs`` and ``batch_size`` may also be
grid parameters; their defaults are ``run_sweep``'s arguments. Read-only: a task must not depend on state
that differs between the machine that starts a sweep and the ones that run it."""

_TRAINING_PARAMETERS = ("epochs", "batch_size")
_KNOWN_PARAMETERS = tuple(DEFAULTS) + _TRAINING_PARAMETERS
_BACKENDS = ("joblib", "dask")
_NO_HOLDOUT = frozenset({"xor"})          # the truth table is the whole domain: nothing is left to hold out
_SEEDLESS = frozenset({"xor", "digits"})  # made once, whatever the seed
_MAX_CLASSES = 50                         # integer targets with more distinct values are a regression
_CLASSIFICATION_METRICS = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc"})
_MOMENTUM_OPTIMIZERS = frozenset({"sgd", "rmsprop"})
_RESERVED = frozenset({"seed", "train_loss", "test_loss", "epochs_run", "seconds", "n_params", "diverged"})


# ---------------------------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------------------------

def run_sweep(data, grid: Mapping[str, Sequence], *, seeds: int | Iterable[int] = (0,),
              build: Callable | None = None, epochs: int = 100, batch_size: int | None = 32,
              test_size: float = 0.3, metric=None, n_jobs: int = 1, backend: str = "joblib", scheduler=None,
              verbose: int = 0) -> list[dict]:
    """Train one network per grid point and seed; return one row of results per run.

    Parameters
    ----------
    data : str or tuple (X, y)
        A name in :data:`DATASETS` (``"xor"``, ``"moons"``, ``"circles"``, ``"spiral"``, ``"digits"``,
        ``"sine"``), made with each seed, or arrays ``X`` of shape (n_samples, n_features) and ``y`` of shape
        (n_samples,) or (n_samples, n_outputs). Integer, boolean or string labels with at most 50 distinct
        values, or integer one-hot rows, make a classification task (labels are encoded as 0..k-1); anything
        else (float targets included) is a regression.
    grid : dict of str to list
        Parameter name -> the values to try; every combination is a grid point (the last name varies
        fastest). The default builder knows ``hidden`` (int, or tuple of ints for several hidden layers;
        ``()`` for none), ``activation``, ``optimizer`` (a name in glassnet.optimizers), ``learning_rate``,
        ``momentum`` (sgd and rmsprop only), ``initializer`` (the kernel initialiser), ``dropout``,
        ``batch_norm``, ``l2``, and the training settings ``epochs`` and ``batch_size``; see :data:`DEFAULTS`.
        To sweep one multi-layer architecture write ``{"hidden": [(16, 16)]}``.
    seeds : int or iterable of int, default=(0,)
        The seeds each grid point is repeated over (non-negative, distinct). An int ``n`` means
        ``range(n)``.
    build : callable, default=None
        ``build(params, n_features, n_outputs, seed) -> Sequential``, compiled, for a network of your own;
        ``params`` is the grid point. ``n_outputs`` is the number of classes (also 2 for a binary task) or of
        target columns. Then any parameter names are allowed. It must be picklable for ``n_jobs != 1`` and
        Dask (a module-level function, not a lambda defined in ``__main__``).
    epochs : int, default=100
        Training epochs, unless the grid sets ``epochs``.
    batch_size : int or None, default=32
        Mini-batch size, unless the grid sets ``batch_size``; None trains on the whole training set at once.
    test_size : float, default=0.3
        Fraction of the data held out for the test columns, in [0, 1); the split is stratified for
        classification. 0 holds nothing out: the test columns are computed on the training data. ``xor`` is
        never split: its four rows are the whole problem, so its test columns are computed on the same truth
        table.
    metric : str, callable or list of them, default=None
        Metrics reported besides the default one (``accuracy`` for classification, ``r2`` for regression):
        names in glassnet.metrics or functions ``metric(y_true, y_pred) -> float``. Each adds the columns
        ``train_<name>`` and ``test_<name>``.
    n_jobs : int, default=1
        Processes for ``backend="joblib"`` (joblib's convention: -1 uses every CPU). Ignored by Dask, whose
        workers decide.
    backend : {"joblib", "dask"}, default="joblib"
    scheduler : str or distributed.Client, default=None
        With ``backend="dask"`` (where it is required): the scheduler's address (``"tcp://host:8786"``), a
        ``distributed.Client``, or a cluster object such as ``distributed.LocalCluster``. A client made here is
        closed at the end; one passed in is left open.
    verbose : int, default=0
        joblib's verbosity; with Dask, > 0 prints a line per finished task to stderr.

    Returns
    -------
    rows : list of dict
        One per grid point and seed, ordered by grid point and then seed whatever order the tasks finish in.
        Keys: every grid parameter, ``seed``, ``train_loss``, ``test_loss`` (with regularisation penalties),
        ``train_accuracy``/``test_accuracy`` or ``train_r2``/``test_r2`` (then any extra metrics),
        ``epochs_run``, ``seconds`` (build, training and evaluation), ``n_params`` (trainable) and
        ``diverged`` (training stopped on a non-finite loss; the weights are those of the last finite epoch).

    Raises
    ------
    ValueError, TypeError
        For a bad argument, before anything is trained; each message names the argument.
    ImportError
        For ``backend="dask"`` without the ``distributed`` package.

    Examples
    --------
    >>> rows = run_sweep("xor", {"learning_rate": [0.01, 0.1]}, seeds=2, epochs=5)
    >>> len(rows), sorted(rows[0])[:3]
    (4, ['diverged', 'epochs_run', 'learning_rate'])
    """
    backend = check_name(backend, "backend", _BACKENDS)
    if build is not None and not callable(build):
        raise TypeError(f"build must be a callable build(params, n_features, n_outputs, seed) -> Sequential, "
                        f"received build={build!r}")
    grid = _check_grid(grid, custom=build is not None)
    seeds = _check_seeds(seeds)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    test_size = check_float(test_size, "test_size", minimum=0.0, maximum=1.0, include_max=False)
    n_jobs = _check_n_jobs(n_jobs)
    verbose = check_int(verbose, "verbose", minimum=0)
    if backend == "dask" and scheduler is None:
        raise ValueError("backend='dask' needs scheduler: the scheduler's address (e.g. 'tcp://host:8786'), "
                         "a distributed.Client or a cluster object")
    if backend == "joblib" and scheduler is not None:
        raise ValueError(f"scheduler is only used with backend='dask', received scheduler={scheduler!r} with "
                         f"backend='joblib'")

    data_list, data_index = _resolve_data(data, seeds)
    task = data_list[0].task
    extra_metrics = _check_metrics(metric, task)
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    if build is None:
        for point in points:  # build each network once here, so a bad value fails now, not on a worker
            _check_point(point, data_list[0])
    config = _Config(build=build, epochs=epochs, batch_size=batch_size, test_size=test_size,
                     metrics=((_DEFAULT_METRIC[task], metrics.get(_DEFAULT_METRIC[task])),) + extra_metrics)
    tasks = [(point, seed, data_index[seed]) for point in points for seed in seeds]
    if backend == "joblib":
        results = _run_joblib(tasks, data_list, config, n_jobs, verbose)
    else:
        results = _run_dask(tasks, data_list, config, scheduler, verbose)
    return Results({**point, "seed": seed, **result} for (point, seed, _), result in zip(tasks, results))


def summarize(rows: Sequence[Mapping], by: str | Sequence[str] | None = None,
              metric: str | Sequence[str] | None = None) -> list[dict]:
    """Mean and standard deviation of the results over the seeds of each grid point (or over groups).

    Parameters
    ----------
    rows : list of dict
        ``run_sweep``'s rows: parameters first, then ``seed``, then the results.
    by : str or list of str, default=None
        The parameters to group by; None groups by every grid parameter (one group per grid point). With
        fewer, each group pools the other parameters' runs too.
    metric : str or list of str, default=None
        The result columns to summarise (``"test_accuracy"``), or a metric name that stands for its
        ``train_`` and ``test_`` columns (``"accuracy"``); None summarises every numeric result column.

    Returns
    -------
    list of dict
        One per group, in order of first appearance: the ``by`` parameters, ``n_runs``, then
        ``<column>_mean`` and ``<column>_std`` for each column. The standard deviation is NumPy's default, the
        population one (``ddof=0``), so one seed gives 0.
    """
    rows = _check_rows(rows)
    params = _parameter_names(rows[0])
    by = params if by is None else _check_names([by] if isinstance(by, str) else by, "by", params)
    results = [k for k in rows[0] if k not in params and k != "seed"]
    if metric is None:
        columns = [k for k in results if _is_number(rows[0][k])]
    else:
        columns = []
        for name in [metric] if isinstance(metric, str) else list(metric):
            split = [f"train_{name}", f"test_{name}"]
            columns += split if name not in results and all(c in results for c in split) else [name]
        _check_names(columns, "metric", results)
    groups: dict[tuple, list[Mapping]] = {}
    for row in rows:
        groups.setdefault(tuple(_hashable(row[b]) for b in by), []).append(row)
    summary = []
    for members in groups.values():
        out = {b: members[0][b] for b in by}
        out["n_runs"] = len(members)
        for column in columns:
            values = np.array([row[column] for row in members], dtype=np.float64)
            out[f"{column}_mean"] = float(np.mean(values))
            out[f"{column}_std"] = float(np.std(values))
        summary.append(out)
    return Results(summary)


def as_dataframe(rows: Sequence[Mapping]):
    """The rows as a pandas DataFrame when pandas is installed, otherwise the rows unchanged.

    Parameters
    ----------
    rows : list of dict

    Returns
    -------
    pandas.DataFrame or list of dict
    """
    try:
        return Results(rows).to_frame()
    except ImportError:
        return rows


#: The sweep's tables are printed by the one table formatter, :func:`glassnet.report.text_table`, exported here
#: under the name the sweep has always had.
format_table = text_table


def parse_grid(specs: Iterable[str]) -> dict[str, list]:
    """Read a grid from ``name=value,value,...`` strings (the CLI's ``--param``), typing known parameters.

    ``hidden`` values are ints, or sizes joined by ``x`` for several layers (``16x16``; ``none`` for no hidden
    layer); ``learning_rate``, ``momentum``, ``dropout``, ``l2`` are floats; ``epochs``, ``batch_size`` ints;
    ``batch_norm`` a boolean (``true``/``false``, ``1``/``0``, ``yes``/``no``); ``initializer`` ``none`` is the
    default one. Other names' values become ints, floats or strings, whichever reads first.

    Parameters
    ----------
    specs : iterable of str
        E.g. ``["learning_rate=0.001,0.01", "hidden=4,16x16"]``.

    Returns
    -------
    dict of str to list
        E.g. ``{"learning_rate": [0.001, 0.01], "hidden": [4, (16, 16)]}``.
    """
    if isinstance(specs, str):
        specs = [specs]
    grid: dict[str, list] = {}
    for spec in specs:
        if not isinstance(spec, str) or "=" not in spec:
            raise ValueError(f"a grid parameter is written name=value,value,..., received {spec!r}")
        name, _, text = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not name:
            raise ValueError(f"a grid parameter is written name=value,value,..., received {spec!r} (no name)")
        if name in grid:
            raise ValueError(f"parameter {name!r} is given twice; list all its values once: {name}=a,b,c")
        parts = [p.strip() for p in text.split(",")]
        if not any(parts) or not all(parts):
            raise ValueError(f"parameter {name!r} needs comma-separated values, received {spec!r}")
        parse = _PARSERS.get(name, _parse_any)
        try:
            grid[name] = [parse(p) for p in parts]
        except ValueError as exc:
            raise ValueError(f"cannot read {spec!r}: {exc}") from None
    return grid


# ---------------------------------------------------------------------------------------------------------
# One task: split, build, train, evaluate
# ---------------------------------------------------------------------------------------------------------

class _Data(NamedTuple):
    """A data set as tasks receive it: labels already encoded, task kind and width already decided."""

    X: np.ndarray
    y: np.ndarray
    task: str        # "classification" or "regression"
    n_outputs: int   # classes, or target columns
    holdout: bool    # False: train and test on all rows (xor's truth table)


class _Config(NamedTuple):
    """Everything a task needs besides its grid point, seed and data; the same for every task."""

    build: Callable | None
    epochs: int
    batch_size: int | None
    test_size: float
    metrics: tuple[tuple[str, Callable], ...]


_DEFAULT_METRIC = {"classification": "accuracy", "regression": "r2"}


def _run_task(params: dict, seed: int, data: _Data, config: _Config) -> dict:
    """Train and evaluate one network. A pure function of its arguments, wherever it runs."""
    start = time.perf_counter()
    # one BLAS thread: the same arithmetic in every process, and no oversubscription next to other workers
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # a diverging run is reported in the row's "diverged" column, not once per worker on its stderr
        warnings.simplefilter("ignore", DivergenceWarning)
        if data.holdout and config.test_size > 0:
            stratify = data.y if data.task == "classification" else None
            X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=config.test_size,
                                                                random_state=seed, stratify=stratify)
        else:
            X_train = X_test = data.X
            y_train = y_test = data.y
        n_features = data.X.shape[1]
        if config.build is None:
            model = _build_mlp(params, n_features, data.n_outputs, seed, task=data.task)
        else:
            model = config.build(dict(params), n_features, data.n_outputs, seed)
            if not isinstance(model, Sequential) or model.loss is None:
                raise TypeError(f"build must return a compiled glassnet Sequential, received {model!r} for "
                                f"params={params}")
        history = model.fit(X_train, y_train, epochs=params.get("epochs", config.epochs),
                            batch_size=params.get("batch_size", config.batch_size), verbose=0)
        parts = {"train": (X_train, y_train), "test": (X_test, y_test)}
        result = {f"{part}_loss": model.evaluate(X, y, return_dict=True)["loss"] for part, (X, y) in parts.items()}
        outputs = {part: model.predict(X) for part, (X, _) in parts.items()}
        for name, fn in config.metrics:
            for part, (_, y) in parts.items():
                result[f"{part}_{name}"] = float(fn(y, outputs[part]))
    result["epochs_run"] = len(history.history.get("loss", []))
    result["seconds"] = time.perf_counter() - start
    result["n_params"] = model.param_counts().trainable
    result["diverged"] = bool(history.diverged)
    return result


def _build_mlp(params: Mapping, n_features: int, n_outputs: int, seed: int, *, task: str) -> Sequential:
    """The default network: :func:`glassnet.builders.mlp` with the grid point's settings over :data:`DEFAULTS`,
    compiled without metrics (the sweep computes its own after training)."""
    p = {**DEFAULTS, **{k: v for k, v in params.items() if k in DEFAULTS}}
    return mlp(n_features, p["hidden"], task, n_outputs=n_outputs, activation=p["activation"],
               dropout=p["dropout"], batch_norm=p["batch_norm"], initializer=p["initializer"], l2=p["l2"],
               optimizer=_optimizer(p), metrics=None, seed=seed)


def _optimizer(p: Mapping) -> optimizers.Optimizer:
    name = p["optimizer"]
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name, one of {sorted(optimizers.OPTIMIZERS)}, received "
                        f"optimizer={name!r} (an instance would carry its state from run to run)")
    name = check_name(name.lower(), "optimizer", optimizers.OPTIMIZERS)
    momentum = check_float(p["momentum"], "momentum", minimum=0.0, maximum=1.0, include_max=False)
    kwargs = {"learning_rate": p["learning_rate"]}
    if name in _MOMENTUM_OPTIMIZERS:
        kwargs["momentum"] = momentum
    elif momentum:
        raise ValueError(f"momentum={momentum} applies only to optimizer in {sorted(_MOMENTUM_OPTIMIZERS)}, "
                         f"received optimizer={name!r}")
    return optimizers.OPTIMIZERS[name](**kwargs)


# ---------------------------------------------------------------------------------------------------------
# Backends: the same tasks, run here or on a cluster
# ---------------------------------------------------------------------------------------------------------

def _run_joblib(tasks, data_list, config, n_jobs, verbose) -> list[dict]:
    # loky memory-maps large arrays, so the data is not pickled once per task
    parallel = joblib.Parallel(n_jobs=n_jobs, backend="loky", verbose=verbose)
    return parallel(joblib.delayed(_run_task)(point, seed, data_list[d], config) for point, seed, d in tasks)


def _run_dask(tasks, data_list, config, scheduler, verbose) -> list[dict]:
    distributed = _import_distributed()
    with contextlib.ExitStack() as stack:
        if isinstance(scheduler, distributed.Client):
            client = scheduler
        elif isinstance(scheduler, str) or hasattr(scheduler, "scheduler_address"):
            client = stack.enter_context(distributed.Client(scheduler, set_as_default=False))
        else:
            raise TypeError(f"scheduler must be an address string, a distributed.Client or a cluster, received "
                            f"scheduler={scheduler!r}")
        # each data set travels to the cluster once; the tasks refer to it
        shared = client.scatter(list(data_list))
        futures = client.map(_run_task, [t[0] for t in tasks], [t[1] for t in tasks],
                             [shared[t[2]] for t in tasks], config=config, pure=False)
        slot = {future.key: i for i, future in enumerate(futures)}
        results: list[dict | None] = [None] * len(futures)
        finished = distributed.as_completed(futures, loop=client.loop, with_results=True)
        for done, (future, result) in enumerate(finished, 1):
            results[slot[future.key]] = result
            if verbose:
                print(f"[glassnet.sweep] {done}/{len(futures)} tasks done", file=sys.stderr)
        return results


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ImportError("backend='dask' needs Dask's distributed package: pip install 'glassnet[dask]' "
                          "(or pip install distributed)") from exc
    return distributed


# ---------------------------------------------------------------------------------------------------------
# Checks and helpers
# ---------------------------------------------------------------------------------------------------------

def _check_grid(grid, custom: bool) -> dict[str, list]:
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict of parameter name -> list of values, received "
                        f"{type(grid).__name__}")
    if not grid:
        raise ValueError("grid must name at least one parameter, received an empty grid")
    checked = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"grid keys must be parameter names (str), received {name!r}")
        if name in _RESERVED or name.startswith(("train_", "test_")):
            raise ValueError(f"grid parameter {name!r} would clash with a result column; rename it")
        if not custom and name not in _KNOWN_PARAMETERS:
            raise ValueError(f"unknown grid parameter {name!r} for the default network; known parameters are "
                             f"{sorted(_KNOWN_PARAMETERS)} (pass build=... to sweep parameters of your own)")
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (Sequence, np.ndarray, range)):
            raise TypeError(f"grid[{name!r}] must be a list of values, received {values!r}; write [value] for "
                            f"one value")
        values = [tuple(v) if isinstance(v, list) else v for v in values]
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            raise ValueError(f"grid[{name!r}] must hold at least one value, received an empty list")
        if any(a == b for a, b in itertools.combinations(values, 2)):
            raise ValueError(f"grid[{name!r}] holds a value twice: {values!r}")
        if name in _TRAINING_PARAMETERS:
            for v in values:
                check_int(v, f"grid[{name!r}] value", minimum=1)
        checked[name] = values
    return checked


def _check_point(point: dict, data: _Data) -> None:
    try:
        _build_mlp(point, data.X.shape[1], data.n_outputs, 0, task=data.task)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"grid point {point}: {exc}") from exc


def _check_seeds(seeds) -> tuple[int, ...]:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        seeds = range(check_int(seeds, "seeds", minimum=1))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be an int (how many) or a list of ints, received seeds={seeds!r}")
    seeds = tuple(check_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds))
    if not seeds:
        raise ValueError("seeds must hold at least one seed, received none")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, received seeds={list(seeds)}")
    return seeds


def _check_n_jobs(n_jobs) -> int:
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of processes, or negative to count back from the "
                         "number of CPUs (-1: all), received n_jobs=0")
    return n_jobs


def _resolve_data(data, seeds) -> tuple[list[_Data], dict[int, int]]:
    """The distinct data sets and, for each seed, which one it uses (a seed-free data set is made once)."""
    if isinstance(data, str):
        name = check_name(data.lower(), "data", DATASETS)
        holdout = name not in _NO_HOLDOUT
        if name in _SEEDLESS:
            return [_prepare(*DATASETS[name](seeds[0]), holdout)], dict.fromkeys(seeds, 0)
        return [_prepare(*DATASETS[name](s), holdout) for s in seeds], {s: i for i, s in enumerate(seeds)}
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be a data set name, one of {sorted(DATASETS)}, or a tuple (X, y), received "
                        f"{type(data).__name__}")
    return [_prepare(data[0], data[1], True)], dict.fromkeys(seeds, 0)


def _prepare(X, y, holdout: bool) -> _Data:
    X = check_array(X, "X")
    y_raw = np.asarray(y)
    if y_raw.ndim == 2 and y_raw.dtype.kind in "biu" and y_raw.shape[1] > 1 and np.all(y_raw.sum(axis=1) == 1) \
            and np.all((y_raw == 0) | (y_raw == 1)):
        y_raw = np.argmax(y_raw, axis=1)  # one-hot rows are class labels
    if len(y_raw) != len(X):
        raise ValueError(f"X and y must have the same number of samples, received {len(X)} and {len(y_raw)}")
    if y_raw.ndim == 1 and y_raw.dtype.kind in "biuUSO":
        classes, labels = np.unique(y_raw, return_inverse=True)
        if y_raw.dtype.kind in "USO" or len(classes) <= _MAX_CLASSES:
            if len(classes) < 2:
                raise ValueError(f"y holds a single class ({classes[0]!r}); classification needs at least two")
            return _Data(X, labels.astype(np.int64), "classification", len(classes), holdout)
    y = check_array(y_raw, "y", ndim=(1, 2))
    return _Data(X, y, "regression", 1 if y.ndim == 1 else y.shape[1], holdout)


def _check_metrics(metric, task: str) -> tuple[tuple[str, Callable], ...]:
    if metric is None:
        return ()
    given = [metric] if isinstance(metric, str) or callable(metric) else list(metric)
    resolved = []
    for m in given:
        fn = metrics.get(m)
        name = m if isinstance(m, str) else getattr(fn, "__name__", repr(fn))
        if isinstance(m, str) and (m in _CLASSIFICATION_METRICS) != (task == "classification"):
            raise ValueError(f"metric {m!r} does not fit a {task} task")
        if name != _DEFAULT_METRIC[task] and all(name != r[0] for r in resolved):
            resolved.append((name, fn))
    return tuple(resolved)


def _check_rows(rows) -> list[Mapping]:
    rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one row, received none")
    if not all(isinstance(r, Mapping) for r in rows) or "seed" not in rows[0]:
        raise TypeError("rows must be run_sweep's rows: dicts with the grid parameters, 'seed' and the results")
    return rows


def _check_names(names: list, what: str, allowed: list) -> list:
    for name in names:
        if name not in allowed:
            raise ValueError(f"{what} names an unknown column {name!r}; available: {allowed}")
    return names


def _parameter_names(row: Mapping) -> list[str]:
    keys = list(row)
    return keys[:keys.index("seed")]


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Real, np.bool_))


def _parse_hidden(text: str) -> int | tuple[int, ...]:
    if text.lower() in ("none", "()"):
        return ()
    sizes = tuple(int(s) for s in text.lower().replace("-", "x").split("x"))
    return sizes[0] if len(sizes) == 1 else sizes


def _parse_bool(text: str) -> bool:
    words = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False,
             "off": False}
    if text.lower() not in words:
        raise ValueError(f"{text!r} is not a boolean (true/false)")
    return words[text.lower()]


def _parse_initializer(text: str) -> str | None:
    return None if text.lower() in ("none", "default") else text


def _parse_any(text: str):
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


_PARSERS: dict[str, Callable[[str], Any]] = {
    "hidden": _parse_hidden,
    "learning_rate": float,
    "momentum": float,
    "dropout": float,
    "l2": float,
    "epochs": int,
    "batch_size": int,
    "batch_norm": _parse_bool,
    "initializer": _parse_initializer,
    "activation": str,
    "optimizer": str,
}
