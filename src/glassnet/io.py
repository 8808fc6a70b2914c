"""Saving and loading models: one ``.safetensors`` file, no pickle, nothing executed on load.

The file holds

* tensors ``layers.{i}.{name}`` — every weight of layer ``i`` (Dense ``W``, ``b``; BatchNorm ``gamma``, ``beta``,
  ``running_mean``, ``running_var``);
* tensors ``optimizer.{j}.{slot}`` — the optimiser's state for its ``j``-th parameter (momentum, moments);
* JSON in the safetensors metadata: ``format`` (``"glassnet"``), ``format_version``, ``model`` (the
  architecture), ``compile`` (loss, optimiser configuration and metric names), ``optimizer_iterations`` and
  ``rng`` (the states of the model's random generators), so that training resumes exactly where it stopped.

Writes are atomic: a temporary file in the same folder, flushed and fsynced, then renamed over the target, so a
crash mid-write leaves the previous file intact. Loading checks the format and version, every tensor's name,
shape and dtype against the architecture, and refuses anything else with :class:`ModelFileError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from . import initializers
from ._registry import get_class
from ._validation import check_instances, check_path
from .callbacks import Callback, History

FORMAT = "glassnet"
FORMAT_VERSION = "1"
#: the largest model file :func:`load_model` (and ``load_onnx``) reads: 1 GiB, 250 million float32 weights
MAX_FILE_BYTES = 2**30

__all__ = ["FORMAT_VERSION", "MAX_FILE_BYTES", "ModelFileError", "load_model", "save_model"]


class ModelFileError(ValueError):
    """A model file that cannot be loaded: not a glassnet file, damaged, altered, or of an unknown version."""


def save_model(model, path, callbacks=None) -> Path:
    """Save ``model`` (architecture, weights, compile settings, optimiser state, RNG state, History) to ``path``.

    Parameters
    ----------
    model : Sequential
        A built model.
    path : str or path-like
        Target file; by convention it ends in ``.safetensors``. Written atomically.
    callbacks : list of Callback, default=None
        Callbacks whose running state (EarlyStopping's wait and best, ReduceLROnPlateau's cooldown, ...)
        should be saved too; give the same list to ``load_model`` to resume them.

    Returns
    -------
    Path
        The path written.
    """
    from safetensors.numpy import save

    if not isinstance(model, get_class("Sequential")):
        raise TypeError(f"model must be a glassnet Sequential, received {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (fit it, or give input_dim) before it can be saved")
    path = check_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; give a file name such as "
                                f"{str(path / 'model.safetensors')!r}")
    tensors = {}
    for i, layer in enumerate(model.layers):
        for name in layer.weight_names():
            tensors[f"layers.{i}.{name}"] = np.ascontiguousarray(layer.weight(name))
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": json.dumps(model.get_config()),
                "rng": json.dumps(_rng_states(model))}
    if model.loss is not None:
        opt_state = model.optimizer.get_state()
        for j, slots in enumerate(opt_state["slots"]):
            for slot, value in slots.items():
                tensors[f"optimizer.{j}.{slot}"] = np.ascontiguousarray(value)
        metadata["compile"] = json.dumps({"loss": model.loss.get_config(),
                                          "optimizer": model.optimizer.get_config(),
                                          "metrics": [m for m in model.metrics]})
        metadata["optimizer_iterations"] = str(opt_state["iterations"])
    if model.history is not None:
        metadata["history"] = json.dumps({"epoch": model.history.epoch, "history": model.history.history,
                                          "diverged": bool(getattr(model.history, "diverged", False))},
                                         default=float)
    if callbacks:
        states = []
        for i, callback in enumerate(check_instances(callbacks, "callbacks", Callback, "glassnet Callback objects")):
            state, arrays = _split_arrays(callback.get_state())
            states.append({"class_name": type(callback).__name__, "state": state})
            tensors.update({f"callbacks.{i}.{key}": np.ascontiguousarray(a) for key, a in arrays.items()})
        metadata["callbacks"] = json.dumps(states, default=float)
    atomic_write_bytes(path, save(tensors, metadata=metadata))
    return path


def load_model(path, callbacks=None):
    """Load a model saved by :func:`save_model`; raises :class:`ModelFileError` for anything else.

    The model comes back built, with the same weights, compiled (if it was) with the same optimiser state, its
    random generators where they were and its History (``model.history``): continuing with
    ``fit(initial_epoch=len(model.history.epoch))`` gives the same result as never stopping. Give
    ``callbacks`` (the same kinds, in the same order as when saving) to restore their running state too.
    """
    path = check_path(path)
    data = read_model_file(path, "model file")
    tensors, metadata = _parse(data, path)
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path} is a safetensors file but not a glassnet model (format="
                             f"{metadata.get('format')!r})")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path} has format_version {metadata.get('format_version')!r}; this glassnet "
                             f"reads version {FORMAT_VERSION!r}")
    try:
        config = json.loads(metadata["model"])
        model = _model_from_config(config)
        if not model.built:
            raise ModelFileError(f"{path}: the architecture has no input_dim")
        compile_config = json.loads(metadata["compile"]) if "compile" in metadata else None
        rng = json.loads(metadata.get("rng", "{}"))
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the stored architecture is invalid: {exc}") from None
    _set_weights(model, tensors, path)
    if compile_config is not None:
        try:
            model.compile(loss=compile_config["loss"], optimizer=compile_config["optimizer"],
                          metrics=compile_config.get("metrics") or None)
            iterations = int(metadata.get("optimizer_iterations", "0"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: the stored compile settings are invalid: {exc}") from None
        _set_optimizer_state(model, tensors, iterations, path)
    _set_rng_states(model, rng, path)
    _set_history(model, metadata.get("history"), path)
    used = _set_callback_states(callbacks, metadata.get("callbacks"), tensors, path)
    leftover = set(tensors) - _expected_names(model) - used
    if leftover:
        raise ModelFileError(f"{path} has tensors the architecture does not use: {sorted(leftover)[:5]}")
    return model


def read_model_file(path: Path, what: str) -> bytes:
    """The bytes of a model file a user hands us (``what`` names the kind in the errors): a missing file is
    FileNotFoundError, one over :data:`MAX_FILE_BYTES` a :class:`ModelFileError`, before anything is read."""
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {str(path)!r}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path} is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a model file may have")
    return path.read_bytes()


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one, never half."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _parse(data: bytes, path):
    from safetensors import SafetensorError
    from safetensors.numpy import load

    if len(data) < 8:
        raise ModelFileError(f"{path} is too short ({len(data)} bytes) to be a safetensors file")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > len(data) - 8:
        raise ModelFileError(f"{path} is not a valid safetensors file (header claims {header_len} bytes, the "
                             f"file has {len(data) - 8}); it may be truncated, or not a model file at all")
    try:
        header = json.loads(data[8:8 + header_len])
        metadata = header.get("__metadata__") or {}
        tensors = load(data)
    except (SafetensorError, ValueError, UnicodeDecodeError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path} is not a valid safetensors file: {exc}") from None
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path} has malformed metadata")
    return tensors, metadata


def _model_from_config(config):
    """The model ``config`` describes, built. An initialiser that was a Python function (a file holds only its
    name) cannot draw: the build uses zeros in its place, which the stored weights then overwrite, and the
    layer gets the function's stand-in back, so the loaded model's config is the saved one."""
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        return get_class("Sequential").from_config(config)
    stand_ins, buildable = {}, []
    for i, layer in enumerate(layers):
        if isinstance(layer, dict):
            found = {key: value for key, value in layer.items()
                     if isinstance(value, dict) and value.get("name") == initializers.CallableInitializer.name}
            if found:
                stand_ins[i] = found
                layer = {**layer, **{key: {"name": "zeros"} for key in found}}
        buildable.append(layer)
    model = get_class("Sequential").from_config({**config, "layers": buildable})
    for i, found in stand_ins.items():
        for key, value in found.items():
            setattr(model.layers[i], key, initializers.get(value))
    return model


def _set_weights(model, tensors, path) -> None:
    for i, layer in enumerate(model.layers):
        for name in layer.weight_names():
            key = f"layers.{i}.{name}"
            target = layer.weight(name)
            value = _tensor(tensors, key, target, path)
            target[...] = value


def _set_optimizer_state(model, tensors, iterations, path) -> None:
    opt = model.optimizer
    if iterations < 0:
        raise ModelFileError(f"{path}: optimizer_iterations must be >= 0, found {iterations}")
    present = any(k.startswith("optimizer.") for k in tensors)
    if not present:
        opt.set_state({"iterations": iterations, "slots": []})
        return
    slots = []
    for j, p in enumerate(model.trainable_weights):
        # a slot may have been widened to float64 (a float32 gradient whose square overflowed: see Optimizer.step)
        slots.append({slot: _tensor(tensors, f"optimizer.{j}.{slot}", p, path, wide_ok=True) for slot in opt.slots})
    opt.set_state({"iterations": iterations, "slots": slots})


def _tensor(tensors, key, like, path, wide_ok=False):
    if key not in tensors:
        raise ModelFileError(f"{path} is missing tensor {key!r}")
    value = tensors[key]
    if value.shape != like.shape:
        raise ModelFileError(f"{path}: tensor {key!r} has shape {value.shape}, the architecture needs "
                             f"{like.shape}")
    if value.dtype != like.dtype and not (wide_ok and value.dtype == np.float64):
        raise ModelFileError(f"{path}: tensor {key!r} has dtype {value.dtype}, the model uses {like.dtype}")
    if not np.isfinite(value).all():
        raise ModelFileError(f"{path}: tensor {key!r} contains NaN or infinite values")
    return value


def _expected_names(model) -> set[str]:
    names = {f"layers.{i}.{k}" for i, layer in enumerate(model.layers) for k in layer.weight_names()}
    if model.optimizer is not None and model.optimizer.get_state()["slots"]:
        names |= {f"optimizer.{j}.{slot}" for j, s in enumerate(model.optimizer.get_state()["slots"]) for slot in s}
    return names


def _split_arrays(state: dict) -> tuple[dict, dict]:
    """Separate a callback state's arrays (saved as tensors) from its JSON-safe values."""
    plain, arrays = {}, {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            arrays[key] = value
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            plain[key] = {"__arrays__": len(value)}
            arrays.update({f"{key}.{j}": v for j, v in enumerate(value)})
        else:
            plain[key] = value
    return plain, arrays


def _set_history(model, text, path) -> None:
    if text is None:
        return
    try:
        data = json.loads(text)
        history = History()
        history.epoch = [int(e) for e in data["epoch"]]
        history.history = {str(k): [float(v) for v in values] for k, values in data["history"].items()}
        history.diverged = bool(data.get("diverged", False))
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path}: the stored training history is invalid: {exc}") from None
    history.set_model(model)
    model.history = history


def _set_callback_states(callbacks, text, tensors, path) -> set[str]:
    """Restore saved callback states into ``callbacks``; returns the tensor names used."""
    if not callbacks:
        return {k for k in tensors if k.startswith("callbacks.")}
    callbacks = check_instances(callbacks, "callbacks", Callback, "glassnet Callback objects")
    try:
        saved = json.loads(text) if text is not None else []
    except ValueError as exc:
        raise ModelFileError(f"{path}: the stored callback states are invalid: {exc}") from None
    if len(saved) != len(callbacks):
        raise ValueError(f"{path} holds the state of {len(saved)} callback(s), received {len(callbacks)}")
    used, states = set(), []
    for i, (callback, entry) in enumerate(zip(callbacks, saved)):
        if not isinstance(entry, dict) or entry.get("class_name") != type(callback).__name__:
            raise ValueError(f"callbacks[{i}] is a {type(callback).__name__}, but the file saved a "
                             f"{entry.get('class_name') if isinstance(entry, dict) else entry!r} there")
        state = dict(entry.get("state") or {})
        for key, value in list(state.items()):
            if isinstance(value, dict) and "__arrays__" in value:
                names = [f"callbacks.{i}.{key}.{j}" for j in range(int(value["__arrays__"]))]
                missing = [n for n in names if n not in tensors]
                if missing:
                    raise ModelFileError(f"{path} is missing tensor {missing[0]!r}")
                state[key] = [tensors[n].copy() for n in names]
                used.update(names)
        unknown = set(state) - set(callback.state_attributes)
        if unknown:
            raise ModelFileError(f"{path}: callbacks[{i}] has unknown state {sorted(unknown)}")
        states.append(state)
    # every entry checked first, so a mismatch changes no callback
    for callback, state in zip(callbacks, states):
        callback.set_state(state)
    return used


def _rng_states(model) -> dict:
    shuffle, init = model.generators()
    states = {"shuffle": shuffle.bit_generator.state, "init": init.bit_generator.state}
    states["layers"] = {str(i): layer.rng.bit_generator.state for i, layer in enumerate(model.layers)
                        if getattr(layer, "rng", None) is not None}
    return states


def _set_rng_states(model, states, path) -> None:
    """Set the model's generators from the file, each state checked first (a damaged one is refused, never
    handed to NumPy, which raises OverflowError or worse for out-of-range integers)."""
    if not isinstance(states, dict):
        raise ModelFileError(f"{path}: the stored random generator states must be an object, found "
                             f"{type(states).__name__}")
    layers = states.get("layers") or {}
    if not isinstance(layers, dict):
        raise ModelFileError(f"{path}: the stored layer generator states must be an object")
    targets = []
    for key, generator in zip(("shuffle", "init"), model.generators()):
        if key in states:
            targets.append((generator, _check_rng_state(states[key], f"rng.{key}", path)))
    for i, state in layers.items():
        index = int(i) if isinstance(i, str) and i.isdigit() else -1
        rng = getattr(model.layers[index], "rng", None) if 0 <= index < len(model.layers) else None
        if rng is None:
            raise ModelFileError(f"{path}: a random generator state is stored for layer {i!r}, which has none")
        targets.append((rng, _check_rng_state(state, f"rng.layers.{i}", path)))
    for generator, state in targets:
        generator.bit_generator.state = state


#: NumPy's PCG64 state: the name, two 128-bit integers, and a buffered 32-bit half
_PCG64_FIELDS = {"state": 2**128, "inc": 2**128}


def _check_rng_state(state, where: str, path) -> dict:
    """A PCG64 state as ``bit_generator.state`` takes it, every field of the right type and range."""
    problem = None
    if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
        problem = "not a PCG64 generator state"
    elif not isinstance(state.get("state"), dict) or set(state["state"]) != set(_PCG64_FIELDS):
        problem = "its 'state' must hold the integers 'state' and 'inc'"
    elif not all(_int_in(state["state"][k], limit) for k, limit in _PCG64_FIELDS.items()):
        problem = "its 'state' and 'inc' must be integers in [0, 2**128)"
    elif not _int_in(state.get("has_uint32"), 2) or not _int_in(state.get("uinteger"), 2**32):
        problem = "'has_uint32' must be 0 or 1 and 'uinteger' an integer in [0, 2**32)"
    if problem:
        raise ModelFileError(f"{path}: the stored random generator state {where} is invalid: {problem}")
    return {"bit_generator": "PCG64", "state": {k: state["state"][k] for k in _PCG64_FIELDS},
            "has_uint32": state["has_uint32"], "uinteger": state["uinteger"]}


def _int_in(value, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit
