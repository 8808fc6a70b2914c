"""Sequential: a stack of layers that builds, computes, learns and reports.

The walk of one training step (run by :mod:`glassnet.training`, the one loop)::

    out = forward(X_batch, training=True)         # each layer keeps what its backward needs
    loss, delta = loss(y_batch, out)               # fused with a sigmoid/softmax/exponential output (losses.py)
    backward(delta)                                # each layer fills its grads
    optimizer.step(params, grads)                  # the one place parameters change

Randomness comes from one ``numpy.random.SeedSequence(seed)``, split into a stream for initial weights (and
each Dropout layer's own generator) and a stream for shuffling, so the same seed gives bit-identical training
and NumPy's global random state is never touched.
"""

from __future__ import annotations

import numpy as np

from . import _registry, losses, metrics, optimizers
from . import layers as layers_module
from ._validation import (
    check_array,
    check_bool,
    check_class_weight,
    check_dtype,
    check_features,
    check_float,
    check_int,
    check_same_length,
    check_sample_weight,
)
from .activations import Linear
from .callbacks import History
from .training import (
    DivergenceError,
    DivergenceWarning,
    Trainer,
    check_batch_norm_batch,
    preserved_state,
    train_on_batch,
)

__all__ = ["DivergenceError", "DivergenceWarning", "Sequential"]


_INFER_CHUNK = 4096
_LINEAR = Linear()


class Sequential:
    """A feed-forward network: layers applied one after another.

    Parameters
    ----------
    layers : list of Layer, default=None
    input_dim : int, default=None
        Width of the input. With it the model is built at once; without it, at the first ``fit``/``predict``.
    seed : int, default=None
        Seed for initial weights, dropout masks and shuffling. The same seed gives bit-identical results.
    dtype : {"float32", "float64"}, default="float32"
        Dtype of every weight and computation. Inputs are converted to it.

    Examples
    --------
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")],
    ...                       input_dim=2, seed=0)
    >>> model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05), metrics=["accuracy"])
    """

    def __init__(self, layers=None, input_dim: int | None = None, seed: int | None = None,
                 dtype: str = "float32"):
        self.input_dim = check_int(input_dim, "input_dim", minimum=1, allow_none=True)
        if seed is not None:
            seed = check_int(seed, "seed", minimum=0)
        self.seed = seed
        self.dtype = check_dtype(dtype)
        self.layers: list[layers_module.Layer] = []
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metrics: dict[str, callable] = {}
        self.stop_training = False
        self.history: History | None = None
        self.built = False
        self._params: list[np.ndarray] = []
        self._grads: list[np.ndarray] = []
        self._flat: tuple[np.ndarray, np.ndarray] | None = None
        self._states: list[np.ndarray] = []
        self._penalised: list[layers_module.Layer] = []
        self._reversed: tuple = ()
        self._below_last: tuple = ()
        self._fused = False
        init_seq, shuffle_seq = np.random.SeedSequence(seed).spawn(2)
        self._init_rng = np.random.default_rng(init_seq)
        self._rng = np.random.default_rng(shuffle_seq)
        if layers is not None:
            if isinstance(layers, (layers_module.Layer, str, bytes)) or not hasattr(layers, "__iter__"):
                raise TypeError(f"layers must be a list of Layer objects, received {layers!r}")
            for layer in layers:
                self.add(layer)
        if self.input_dim is not None and self.layers:
            self.build(self.input_dim)

    # --- building --------------------------------------------------------------------------------------------
    def add(self, layer: layers_module.Layer) -> None:
        """Append a layer (built at once if the model already is)."""
        if not isinstance(layer, layers_module.Layer):
            raise TypeError(f"layer must be a glassnet Layer (Dense, Dropout, BatchNorm, Activation), "
                            f"received {layer!r}")
        if layer.built or any(layer is existing for existing in self.layers):
            raise ValueError(f"layer {layer!r} already belongs to a model; create a new layer instead")
        if not self.built:
            self.layers.append(layer)
            return
        dim = self._output_dim()
        self.layers.append(layer)
        try:
            self._check_loss_fits()
        except ValueError:
            self.layers.pop()
            raise
        layer.build(dim, self._init_rng, self.dtype)
        self._collect_params()

    def build(self, input_dim: int) -> None:
        """Create every layer's weights for inputs of width ``input_dim``."""
        input_dim = check_int(input_dim, "input_dim", minimum=1)
        if not self.layers:
            raise ValueError("the model has no layers; add at least one (e.g. Dense) before building")
        if self.built:
            if input_dim != self.input_dim:
                raise ValueError(f"the model was built for input_dim={self.input_dim}, received {input_dim}")
            return
        self._check_loss_fits()
        dim = input_dim
        for layer in self.layers:
            layer.build(dim, self._init_rng, self.dtype)
            dim = layer.output_dim
        self.input_dim = input_dim
        self.built = True
        self._collect_params()

    def __getstate__(self):
        # the layers' parameters and gradients are views of two contiguous arrays (_collect_params); a pickler that
        # stores arrays apart (joblib) would turn the views into separate copies, so the layout is rebuilt on
        # unpickling instead
        state = self.__dict__.copy()
        for key in ("_params", "_grads", "_flat"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._collect_params(reset_optimizer=False)

    def __copy__(self):
        # a shallow copy shares the layers, and so their layout: nothing to rebuild (and nothing of the original's
        # to touch, which __setstate__ would)
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def _collect_params(self, reset_optimizer: bool = True) -> None:
        """Lay every trainable parameter, and every gradient, out as views of one contiguous array each, in
        layer order: the optimiser then updates all of them in one pass (see ``Optimizer._update``), and a copy
        of the weights is one copy."""
        pairs = [(layer, k) for layer in self.layers for k in layer.params]
        total = sum(layer.params[k].size for layer, k in pairs)
        flat_params, flat_grads = np.empty(total, self.dtype), np.zeros(total, self.dtype)
        offset = 0
        for layer, k in pairs:
            p = layer.params[k]
            view = flat_params[offset:offset + p.size].reshape(p.shape)
            view[...] = p
            layer.params[k] = view
            layer.grads[k] = flat_grads[offset:offset + p.size].reshape(p.shape)
            offset += p.size
        self._flat = (flat_params, flat_grads)
        self._params = [layer.params[k] for layer, k in pairs]
        self._grads = [layer.grads[k] for layer, k in pairs]
        self._states = [v for layer in self.layers for v in layer.state.values()]
        self._penalised = [layer for layer in self.layers if layer.has_penalty]
        self._reversed, self._below_last = tuple(self.layers[::-1]), tuple(self.layers[-2::-1])
        self._fused = self.fused
        if self.optimizer is not None and reset_optimizer:
            self.optimizer.reset()

    def _output_dim(self, input_dim: int | None = None) -> int:
        dim = self.input_dim if input_dim is None else input_dim
        for layer in self.layers:
            dim = getattr(layer, "units", dim)
        return dim

    # --- compiling -------------------------------------------------------------------------------------------
    def compile(self, loss="mse", optimizer="rmsprop", metrics=None) -> None:
        """Choose the loss, the optimiser and the metrics to report (names or instances)."""
        loss = losses.get(loss)
        optimizer = optimizers.get(optimizer)
        resolved = _resolve_metrics(metrics)
        self._check_loss_fits(loss)
        self.loss, self.optimizer, self.metrics = loss, optimizer, resolved
        self._fused = self.fused

    @property
    def output_activation(self):
        """The activation of the last layer (linear if the last layer has none)."""
        return getattr(self.layers[-1], "activation", _LINEAR) if self.layers else _LINEAR

    @property
    def fused(self) -> bool:
        """Whether the loss's gradient is taken from the output layer's pre-activation (see losses.py)."""
        return self.loss is not None and self.loss.fused_activation == self.output_activation.name

    def _check_loss_fits(self, loss=None) -> None:
        loss = loss or self.loss
        if loss is not None and self.layers:
            loss.check_output(self.output_activation, self._output_dim())

    # --- computing -------------------------------------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Forward pass that keeps each layer's intermediate values (for ``backward`` and the analysis tools).

        ``X`` must already be a validated array of the model's dtype; use ``predict`` for user data. The
        returned array, like every layer's ``outputs``, is the layer's work array, overwritten by the next
        ``forward`` with as many rows: copy it to keep it. An overflow (a sigmoid's ``exp(-z)`` for very
        negative ``z``) gives the limit it tends to, silently.
        """
        with np.errstate(over="ignore"):
            return self._forward(X, training)

    def _forward(self, X, training):
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def backward(self, grad_output: np.ndarray, input_gradient: bool = False, penalty_scale: float = 1.0,
                 from_logits: bool = False) -> np.ndarray | None:
        """Backward pass from ``dL/d output``; fills every layer's ``grads``. Returns ``dL/dX`` if asked.

        ``from_logits=True`` takes ``grad_output`` as ``dL/dz`` of the last layer's pre-activation (the fused
        loss pairs' gradient), skipping its activation's backward. ``penalty_scale`` multiplies the gradients of
        the layers' penalties (their weight in the loss: 1 for glassnet's losses; scikit-learn's estimators
        divide their L2 term by the batch's sum of sample weights).
        """
        input_gradient, from_logits = check_bool(input_gradient, "input_gradient"), check_bool(from_logits,
                                                                                               "from_logits")
        self._set_penalty_scale(check_float(penalty_scale, "penalty_scale", minimum=0.0))
        self.layers[0].needs_input_grad = input_gradient
        layers = self.layers[::-1]
        if from_logits:
            grad_output = layers[0].backward_preactivation(grad_output)
            layers = layers[1:]
        for layer in layers:
            grad_output = layer.backward(grad_output)
        return grad_output

    def _forward_backward(self, X, y, sample_weight, training, input_gradient=False):
        """One forward and backward pass: returns (loss including penalties, outputs, dL/dX or None)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._pass(X, y, sample_weight, training, input_gradient)

    def _pass(self, X, y, sample_weight, training, input_gradient=False):
        """``_forward_backward`` for callers that silence overflow themselves (the training loop)."""
        out, loss_fn = self._forward(X, training), self.loss
        scale = self._set_penalty_scale(loss_fn.penalty_scale(X.shape[0], sample_weight)) \
            if self._penalised else 1.0
        self.layers[0].needs_input_grad = input_gradient
        if self._fused:
            # the fused pair's gradient is dL/dz of the last layer: its activation's backward is skipped
            last = self.layers[-1]
            z = last.preactivation
            loss = loss_fn.value_from_logits(y, z, sample_weight, a=out)
            grad = last.backward_preactivation(loss_fn.gradient_from_logits(y, z, out, sample_weight))
            for layer in self._below_last:
                grad = layer.backward(grad)
        else:
            loss = loss_fn.value(y, out, sample_weight)
            grad = loss_fn.gradient(y, out, sample_weight)
            for layer in self._reversed:
                grad = layer.backward(grad)
        if self._penalised:
            self._last_penalty = scale * self._penalty()
            loss += self._last_penalty
        return loss, out, grad

    def _apply_gradients(self) -> None:
        """The optimiser's step from the gradients the last pass left in the layers."""
        self.optimizer._update(self._params, self._grads, self._flat)

    def _set_penalty_scale(self, scale: float) -> float:
        for layer in self._penalised:
            layer.penalty_scale = scale
        return scale

    def _penalty(self) -> float:
        return sum(layer.penalty() for layer in self._penalised)

    def _infer(self, X: np.ndarray, batch_size: int | None = None, logits: bool = False):
        """Inference in chunks, keeping no state. Returns outputs, or (pre-activation, outputs) with logits."""
        # chunks keep the intermediate arrays small enough to be reused from one chunk to the next, which is
        # faster than one pass over everything (measured: 100k rows, 784-256-128-10, ~1.5x) and bounds memory
        batch_size = batch_size or _INFER_CHUNK
        if batch_size >= X.shape[0]:
            return self._infer_chunk(X, logits)
        parts = [self._infer_chunk(X[i:i + batch_size], logits) for i in range(0, X.shape[0], batch_size)]
        if logits:
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        return np.concatenate(parts)

    def _infer_chunk(self, X, logits):
        for layer in self.layers[:-1]:
            X = layer.infer(X)
        last = self.layers[-1]
        if not logits:
            return last.infer(X)
        z = last.infer_preactivation(X) if hasattr(last, "infer_preactivation") else last.infer(X)
        return z, (last.activation.forward(z) if hasattr(last, "activation") else z)

    # --- the public API --------------------------------------------------------------------------------------
    def predict(self, X, batch_size: int | None = None) -> np.ndarray:
        """The network's outputs for ``X``, shape ``(n_samples, n_outputs)`` (probabilities for classifiers).

        Keeps no state, so several threads may call it at once. ``batch_size=None`` works through the data in
        chunks of 4096 rows.
        """
        self._require_built("predict")
        X = self._check_X(X, sparse=True)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        return self._infer(X, batch_size)

    def evaluate(self, X, y, batch_size: int | None = None, sample_weight=None) -> dict[str, float]:
        """The loss (with regularisation penalties) and every compiled metric on ``(X, y)``."""
        self._require_compiled("evaluate")
        self._require_built("evaluate")
        X = self._check_X(X)
        y = self.loss.prepare_targets(y, self._output_dim(), self.dtype)
        check_same_length("X", X, "y", y)
        sample_weight = check_sample_weight(sample_weight, len(X), self.dtype)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        return self._evaluate(X, y, sample_weight, batch_size)

    def _evaluate(self, X, y, sample_weight=None, batch_size=None) -> dict[str, float]:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing loss is reported as inf, silently
            return self._evaluate_unchecked(X, y, sample_weight, batch_size)

    def _evaluate_unchecked(self, X, y, sample_weight, batch_size) -> dict[str, float]:
        z, out = self._infer(X, batch_size, logits=True)
        if self._fused:
            loss = self.loss.value_from_logits(y, z, sample_weight)
        else:
            loss = self.loss.value(y, out, sample_weight)
        if self._penalised:
            loss += self.loss.penalty_scale(X.shape[0], sample_weight) * self._penalty()
        logs = {"loss": loss}
        logs.update({name: float(fn(y, out)) for name, fn in self.metrics.items()})
        return logs

    def loss_and_gradients(self, X, y, training: bool = False, sample_weight=None):
        """The loss and its gradient with respect to every weight, without changing the model.

        Returns
        -------
        loss : float
            The batch-mean loss plus regularisation penalties.
        grads : list of ndarray
            In ``get_weights()`` order; non-trainable weights (BatchNorm's running statistics) get zeros.

        With ``training=True`` the pass uses training behaviour (dropout masks, batch statistics), but the
        running statistics and the dropout generators are restored afterwards, so repeated calls agree.
        """
        self._require_compiled("loss_and_gradients")
        X, y, sample_weight = self._check_data(X, y, sample_weight, None)
        if not self.built:
            self.build(X.shape[1])
        training = check_bool(training, "training")
        with preserved_state(self), np.errstate(over="ignore", invalid="ignore"):
            loss, _, _ = self._forward_backward(X, y, sample_weight, training)
        grads = []
        for layer in self.layers:
            grads.extend(layer.grads[k].copy() for k in layer.params)
            grads.extend(np.zeros_like(v) for v in layer.state.values())
        return loss, grads

    def train_on_batch(self, X, y, sample_weight=None, class_weight=None) -> dict[str, float]:
        """Exactly one optimiser step on ``(X, y)``. Returns the batch's loss and metrics (before the step).

        A non-finite loss raises :class:`DivergenceError` and changes nothing. A batch of one sample for a model
        with a BatchNorm layer raises ValueError (BatchNorm would normalise every feature of it to 0).
        """
        self._require_compiled("train_on_batch")
        X, y, sample_weight = self._check_data(X, y, sample_weight, class_weight)
        check_batch_norm_batch(self, X.shape[0], "train_on_batch received a batch of 1 sample")
        if not self.built:
            self.build(X.shape[1])
        with np.errstate(over="ignore", invalid="ignore"):
            return train_on_batch(self, X, y, sample_weight)

    def fit(self, X, y, epochs: int = 1, batch_size: int | None = 32, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, callbacks=None, verbose: int = 1, sample_weight=None,
            class_weight=None, initial_epoch: int = 0) -> History:
        """Train for ``epochs`` passes over ``(X, y)``; returns a History (``.history`` = per-epoch lists).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels or one-hot rows for categorical cross-entropy, 0/1 for binary cross-entropy,
            targets for regression.
        epochs : int, default=1
            Index of the last epoch (exclusive), as Keras: training runs epochs ``initial_epoch .. epochs-1``.
        batch_size : int or None, default=32
            None trains on the whole data set at each step (full batch). With a BatchNorm layer, a final batch
            of one sample is left out of every epoch (with one warning), and batches of one are refused.
        validation_split : float, default=0.0
            Fraction of the data, taken from the end before shuffling (Keras's rule), held out for validation.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), default=None
            Overrides ``validation_split``.
        shuffle : bool, default=True
            Reshuffle the training data every epoch (the permutation comes from the model's seed).
        callbacks : list of Callback, default=None
        verbose : {0, 1, 2}, default=1
            0 silent, 1 a progress bar, 2 one line per epoch.
        sample_weight : array-like of shape (n_samples,), default=None
        class_weight : dict, default=None
            ``{class: weight}``, multiplied into the sample weights.
        initial_epoch : int, default=0
            Epoch at which to start (to resume an earlier run).

        Returns
        -------
        History
            ``history.history["loss"]``, each metric, ``val_*`` and ``lr``, one entry per epoch.

        A failed validation leaves the model exactly as it was. If the loss stops being finite, training
        stops with a ``DivergenceWarning``, the update that would have used it is not applied, and
        ``history.diverged`` is set; the weights are the last finite ones.
        """
        trainer = Trainer(self, X, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
                          validation_data=validation_data, shuffle=shuffle, callbacks=callbacks, verbose=verbose,
                          sample_weight=sample_weight, class_weight=class_weight, initial_epoch=initial_epoch)
        return trainer.run()

    def save(self, path) -> None:
        """Save the model to ``path`` (one ``.safetensors`` file); the same as ``glassnet.save_model``."""
        from .io import save_model

        save_model(self, path)

    # --- weights ---------------------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, layer by layer (Dense: W of shape (in, out), b; BatchNorm: gamma, beta,
        running_mean, running_var)."""
        self._require_built("get_weights")
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        """Set every weight from a list in ``get_weights()`` order; checks everything before changing any."""
        self._require_built("set_weights")
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"weights must be a list of arrays, received {type(weights).__name__}")
        names = [(layer, k) for layer in self.layers for k in layer.weight_names()]
        if len(weights) != len(names):
            raise ValueError(f"weights must have {len(names)} arrays (in get_weights() order), "
                             f"received {len(weights)}")
        arrays = []
        for i, ((layer, k), w) in enumerate(zip(names, weights)):
            target = layer.weight(k)
            w = check_array(w, f"weights[{i}]", dtype=self.dtype, ndim=target.ndim, min_samples=0)
            if w.shape != target.shape:
                raise ValueError(f"weights[{i}] ({type(layer).__name__} {k!r}) must have shape {target.shape}, "
                                 f"received shape {w.shape}")
            arrays.append(w)
        for (layer, k), w in zip(names, arrays):
            layer.weight(k)[...] = w

    def count_params(self) -> tuple[int, int]:
        """(trainable, non-trainable) parameter counts."""
        counts = [layer.count_params() for layer in self.layers]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def summary(self) -> str:
        """A table of layers, output shapes and parameter counts, with totals."""
        self._require_built("summary")
        rows = [("Layer", "Output shape", "Params")]
        for i, layer in enumerate(self.layers):
            act = getattr(layer, "activation", None)
            label = type(layer).__name__ + (f" ({act.name})" if act is not None else "")
            rows.append((f"{i}: {label}", f"(None, {layer.output_dim})", f"{sum(layer.count_params()):,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 6)
        trainable, frozen = self.count_params()

        def fmt(r):
            return f"{r[0]:<{widths[0]}}   {r[1]:<{widths[1]}}   {r[2]:>{widths[2]}}"

        out = [line, fmt(rows[0]), line] + [fmt(r) for r in rows[1:]] + [line]
        out += [f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
                f"Non-trainable params: {frozen:,}", line]
        return "\n".join(out)

    # --- config ----------------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Architecture as a JSON-safe dict (layers, input_dim, seed, dtype)."""
        return {"layers": [layer.get_config() for layer in self.layers], "input_dim": self.input_dim,
                "seed": self.seed, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        return cls([layers_module.get(c) for c in config["layers"]], input_dim=config.get("input_dim"),
                   seed=config.get("seed"), dtype=config.get("dtype", "float32"))

    def __repr__(self) -> str:
        return f"Sequential({len(self.layers)} layers, input_dim={self.input_dim}, dtype={self.dtype.name})"

    # --- checks ----------------------------------------------------------------------------------------------
    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(f"call compile(loss=..., optimizer=...) before {what}()")
        if not self.layers:
            raise RuntimeError(f"the model has no layers; add some before {what}()")

    def _require_built(self, what):
        if not self.built:
            raise RuntimeError(f"the model is not built yet: give input_dim to Sequential, call build(), or "
                               f"fit() before {what}()")

    def _check_X(self, X, sparse: bool = False):
        if sparse and not isinstance(self.layers[0], layers_module.Dense) and hasattr(X, "nnz"):
            raise TypeError(f"a sparse X needs a Dense first layer, this model starts with "
                            f"{type(self.layers[0]).__name__}; use X.toarray()")
        return check_features(X, self.dtype, self.input_dim, sparse=sparse)

    def check_data(self, X, y, sample_weight=None, class_weight=None):
        """``(X, y, sample_weight)`` as ``fit`` trains on them: ``X`` in the model's dtype, ``y`` in the form the
        compiled loss takes (class labels kept, one column per output), sample weights times class weights.
        Raises what ``fit`` raises for bad data. For tools that run the model's own passes (explain_step,
        gradient_check)."""
        self._require_compiled("check_data")
        return self._check_data(X, y, sample_weight, class_weight)

    def generators(self) -> tuple[np.random.Generator, np.random.Generator]:
        """The model's own random generators, ``(shuffling, initial weights)``, both from ``seed`` (Dropout
        layers keep their own, ``layer.rng``). Saving a model stores their states, so training resumes exactly."""
        return self._rng, self._init_rng

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """The live trainable arrays, layer by layer (Dense: W, b); what the optimiser updates (Keras's name)."""
        return list(self._params)

    def _check_data(self, X, y, sample_weight, class_weight):
        X = self._check_X(X)
        y = self.loss.prepare_targets(y, self._output_dim(X.shape[1]), self.dtype)
        check_same_length("X", X, "y", y)
        sample_weight = check_sample_weight(sample_weight, len(X), self.dtype)
        if class_weight is not None:
            cw = check_class_weight(class_weight, y, self.dtype)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        return X, y, sample_weight


def _resolve_metrics(metric_list) -> dict:
    if metric_list is None:
        return {}
    if isinstance(metric_list, str) or callable(metric_list):
        metric_list = [metric_list]
    resolved = {}
    for m in metric_list:
        fn = metrics.get(m)
        resolved[m if isinstance(m, str) else getattr(fn, "__name__", repr(fn))] = fn
    return resolved


_registry.register_class(Sequential)
