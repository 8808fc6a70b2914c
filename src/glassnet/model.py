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
    check_verbose,
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
        Width of the input. With it, or with the first layer's own (Keras's ``Dense(4, input_dim=2)`` or
        ``input_shape=(2,)``), the model is built at once and each added layer as it comes; without either, at
        the first ``fit``. Giving both with different values is a ValueError.
    seed : int, default=None
        Seed for initial weights, dropout masks and shuffling. The same seed gives bit-identical results.
    dtype : {"float32", "float64"}, default=None
        Dtype of every weight and computation; inputs are converted to it. None is float32, or the dtype of
        layers taken from another model.

    Notes
    -----
    Layers of a built model can be shared, as Keras shares them: ``encoder = Sequential(autoencoder.layers[:2])``
    (or ``autoencoder[:2]``) computes with the autoencoder's own weights, and training either one changes both.
    Such a model holds a contiguous run of another model's layers, and only those (new layers on top of shared
    ones are refused: copy the weights into new layers instead, with ``set_weights``).

    Examples
    --------
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.Dense(4, activation="tanh"), gn.Dense(1, activation="sigmoid")],
    ...                       input_dim=2, seed=0)
    >>> model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(0.05), metrics=["accuracy"])

    As Keras writes it, the width on the first layer:

    >>> model = gn.Sequential([gn.Dense(4, activation="tanh", input_dim=2), gn.Dense(1, activation="sigmoid")])
    >>> model.count_params()
    17
    """

    #: defaults for models pickled before these existed
    _shared = False
    _dtype_given = True

    def __init__(self, layers=None, input_dim: int | None = None, seed: int | None = None,
                 dtype: str | None = None):
        self.input_dim = check_int(input_dim, "input_dim", minimum=1, allow_none=True)
        if seed is not None:
            seed = check_int(seed, "seed", minimum=0)
        self.seed = seed
        self.dtype = check_dtype("float32" if dtype is None else dtype)
        self._dtype_given = dtype is not None
        #: whether the layers are a run of another model's, shared with it (see ``add``)
        self._shared = False
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

    # --- building --------------------------------------------------------------------------------------------
    def add(self, layer: layers_module.Layer) -> None:
        """Append a layer; built at once when the input width is known (the model's ``input_dim``, or the first
        layer's own, as Keras's ``Dense(4, input_dim=2)``)."""
        if not isinstance(layer, layers_module.Layer):
            raise TypeError(f"layer must be a glassnet Layer (Dense, Dropout, BatchNorm, Activation), "
                            f"received {layer!r}")
        if any(layer is existing for existing in self.layers):
            raise ValueError(f"layer {layer!r} is already in this model; create a new layer instead")
        if layer.built or self._shared:
            self._share(layer)
            return
        declared = layer.declared_input_dim
        if not self.built:
            if not self.layers and declared is not None and self.input_dim not in (None, declared):
                raise ValueError(f"the model's input_dim={self.input_dim} and its first layer's input_dim="
                                 f"{declared} ({type(layer).__name__}) disagree; give the width once")
            self.layers.append(layer)
            width = self.input_dim if self.input_dim is not None else self.layers[0].declared_input_dim
            if width is not None:
                try:
                    self.build(width)
                except ValueError:
                    self.layers.pop()
                    raise
            return
        dim = self._output_dim()
        if declared is not None and declared != dim:
            raise ValueError(f"{type(layer).__name__} was declared with input_dim={declared}, but the layer "
                             f"before it gives width {dim}")
        self.layers.append(layer)
        try:
            self._check_loss_fits()
        except ValueError:
            self.layers.pop()
            raise
        layer.build(dim, self._init_rng, self.dtype)
        self._collect_params()

    def _share(self, layer) -> None:
        """Add a built layer of another model, sharing its weights (see the class docstring)."""
        name = f"{type(layer).__name__} layer"
        if not layer.built or (self.layers and not self._shared):
            raise ValueError(f"a model holds either layers of its own or a run of another built model's layers, "
                             f"not both (received a {'new' if not layer.built else 'built'} {name} after "
                             f"{'shared' if self._shared else 'new'} ones); to extend a trained network, build new "
                             f"layers and copy the trained weights into them with set_weights")
        if self.layers:
            width = self._output_dim()
            if layer.input_dim != width or layer.dtype != self.dtype:
                raise ValueError(f"the {name} takes {layer.input_dim} {layer.dtype} inputs, but the layer before "
                                 f"it gives {width} {self.dtype}")
        else:
            if self.input_dim not in (None, layer.input_dim):
                raise ValueError(f"the model's input_dim={self.input_dim}, but its first layer (a built {name}) "
                                 f"takes {layer.input_dim} inputs")
            if self._dtype_given and layer.dtype != self.dtype:
                raise ValueError(f"the model's dtype is {self.dtype}, but its first layer (a built {name}) "
                                 f"computes in {layer.dtype}")
        params = [p for existing in self.layers + [layer] for p in existing.params.values()]
        if _contiguous_run(params) is None:
            raise ValueError(f"the {name} is not the next layer of the model whose layers come before it: shared "
                             f"layers must be a contiguous run of one model's layers (such as model.layers[:2])")
        self.layers.append(layer)
        try:
            self._check_loss_fits()
        except ValueError:
            self.layers.pop()
            raise
        if len(self.layers) == 1:
            self.dtype, self.input_dim = layer.dtype, layer.input_dim
        self._shared = self.built = True
        self._collect_params()

    def __getitem__(self, index):
        """``model[i:j]``: a model of layers ``i`` to ``j - 1`` that shares them (their weights) with this one."""
        if not isinstance(index, slice):
            raise TypeError(f"a Sequential is sliced (model[:2]); for one layer use model.layers[{index!r}]")
        if index.step not in (None, 1):
            raise ValueError(f"a slice of a model must be a contiguous run of layers (step 1), received step "
                             f"{index.step}")
        self._require_built("slicing")
        layers = self.layers[index]
        if not layers:
            raise ValueError(f"model[{index.start}:{index.stop}] holds no layer; this model has {len(self.layers)}")
        return Sequential(layers, seed=self.seed)

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
        for i, layer in enumerate(self.layers):  # every declared width checked before any weight is drawn
            if layer.declared_input_dim not in (None, dim):
                raise ValueError(f"layer {i} ({type(layer).__name__}) was declared with input_dim="
                                 f"{layer.declared_input_dim}, but its input has width {dim}")
            dim = getattr(layer, "units", dim)
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
        shared = _contiguous_run([layer.params[k] for layer, k in pairs]) if self._shared else None
        if shared is not None:  # the run of the other model's arrays is this model's: nothing is copied
            self._flat = (shared, _contiguous_run([layer.grads[k] for layer, k in pairs]))
        else:
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
            self._shared = False
        self._params = [layer.params[k] for layer, k in pairs]
        self._grads = [layer.grads[k] for layer, k in pairs]
        self._states = [v for layer in self.layers for v in layer.state.values()]
        self._penalised = [layer for layer in self.layers if layer.has_penalty]
        self._reversed, self._below_last = tuple(self.layers[::-1]), tuple(self.layers[-2::-1])
        self._fused = self.fused
        if self.optimizer is not None and reset_optimizer:
            self.optimizer.reset()

    def _sync_layout(self) -> None:
        """Follow the model whose layers this one shares, if that model has laid its weights out anew (a layer
        added to it): the optimiser must update the arrays the layers compute with."""
        pairs = [(layer, k) for layer in self.layers for k in layer.params]
        if self._shared and any(layer.params[k] is not p for (layer, k), p in zip(pairs, self._params)):
            self._collect_params(reset_optimizer=False)

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
        self.layers[0].needs_input_grad = True  # the layer may be a middle one of a model sharing it
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
        self.layers[0].needs_input_grad = True  # the layer may be a middle one of a model sharing it
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
    def predict(self, X, batch_size: int | None = None, verbose: int | str = "auto") -> np.ndarray:
        """The network's outputs for ``X``, shape ``(n_samples, n_outputs)`` (probabilities for classifiers).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        batch_size : int, default=None
            Rows per pass; None works through the data in chunks of 4096 rows. The outputs do not depend on it.
        verbose : {"auto", 0, 1, 2}, default="auto"
            Accepted as Keras's is; prediction is one quick pass and prints nothing.

        Notes
        -----
        Keeps no state, so several threads may call it at once. ``model(X)`` is the same.
        """
        self._require_built("predict")
        X = self._check_X(X, sparse=True)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        check_verbose(verbose)
        return self._infer(X, batch_size)

    def __call__(self, X, training: bool = False) -> np.ndarray:
        """``model(X)``: the outputs in inference mode, exactly ``predict(X)`` (Keras's call on data).

        ``training=True`` is refused: a training pass changes BatchNorm's running statistics and draws dropout
        masks, which is ``forward(X, training=True)``'s job (on an array of the model's dtype).
        """
        if check_bool(training, "training"):
            raise ValueError("model(X, training=True) is not supported: model(X) is predict(X), the inference "
                             "pass; for a training pass use model.forward(X, training=True) on an array of the "
                             "model's dtype, or train_on_batch/fit")
        return self.predict(X)

    def evaluate(self, X, y, batch_size: int | None = None, verbose: int | str = "auto", sample_weight=None,
                 return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """The loss (with regularisation penalties) and every compiled metric on ``(X, y)``, as Keras returns them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, in the forms ``fit`` takes.
        batch_size : int, default=None
            Rows per pass; the result does not depend on it.
        verbose : {"auto", 0, 1, 2}, default="auto"
            Accepted as Keras's is; evaluation is one pass and prints nothing.
        sample_weight : array-like of shape (n_samples,), default=None
        return_dict : bool, default=False
            Return ``{"loss": ..., metric: ...}`` instead.

        Returns
        -------
        float, list of float, or dict
            Keras's shapes: the loss alone (a float) when the model was compiled without metrics;
            ``[loss, metric_1, ...]`` in ``compile``'s order of metrics when it has some, so that
            ``loss, accuracy = model.evaluate(X, y)`` unpacks; the dict with ``return_dict=True``.
            (glassnet 0.1 always returned the dict: see CHANGELOG.md.)
        """
        self._require_compiled("evaluate")
        self._require_built("evaluate")
        X = self._check_X(X)
        y = self.loss.prepare_targets(y, self._output_dim(), self.dtype)
        check_same_length("X", X, "y", y)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        check_verbose(verbose)
        sample_weight = check_sample_weight(sample_weight, len(X), self.dtype)
        return_dict = check_bool(return_dict, "return_dict")
        logs = self._evaluate(X, y, sample_weight, batch_size)
        if return_dict:
            return logs
        values = list(logs.values())  # "loss" first, then the metrics in compile's order
        return values[0] if len(values) == 1 else values

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
        logs = {"loss": float(loss)}
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

        Notes
        -----
        With ``training=True`` the pass uses training behaviour (dropout masks, batch statistics), but the
        running statistics and the dropout generators are restored afterwards, so repeated calls agree.
        """
        self._require_compiled("loss_and_gradients")
        X, y, sample_weight = self._check_data(X, y, sample_weight, None)
        if not self.built:
            self.build(X.shape[1])
        self._sync_layout()
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
        self._sync_layout()
        with np.errstate(over="ignore", invalid="ignore"):
            return train_on_batch(self, X, y, sample_weight)

    def fit(self, X, y, epochs: int = 1, batch_size: int | None = 32, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, callbacks=None, verbose: int | str = "auto", sample_weight=None,
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
        verbose : {"auto", 0, 1, 2}, default="auto"
            Keras's values: 0 silent; 1 (and "auto") a progress bar (a widget updating in place in a notebook, a
            text bar in a terminal, one line per epoch in a log that is neither); 2 one line per epoch.
        sample_weight : array-like of shape (n_samples,), default=None
        class_weight : dict, default=None
            ``{class: weight}``, multiplied into the sample weights.
        initial_epoch : int, default=0
            Epoch at which to start (to resume an earlier run).

        Returns
        -------
        History
            ``history.history["loss"]``, each metric, ``val_*`` and ``lr``, one entry per epoch.

        Notes
        -----
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

    def count_params(self) -> int:
        """The number of weights, trainable and not, as Keras's ``count_params`` (an int).

        ``param_counts()`` splits it into trainable and non-trainable (glassnet 0.1's ``count_params``).
        """
        return sum(self.param_counts())

    def param_counts(self) -> layers_module.ParamCounts:
        """``(trainable, non_trainable)`` parameter counts: the weights the optimiser updates, and the others
        (BatchNorm's running statistics). A named tuple: ``model.param_counts().trainable``."""
        counts = [layer.param_counts() for layer in self.layers]
        return layers_module.ParamCounts(sum(c.trainable for c in counts), sum(c.non_trainable for c in counts))

    def summary(self, print_fn=None) -> None:
        """Print a table of the layers, their output shapes and parameter counts, with totals (Keras's layout).

        Parameters
        ----------
        print_fn : callable, default=None
            Called with each line of the table instead of ``print`` (Keras's argument): ``summary(print_fn=
            lines.append)`` collects them. ``str(model)`` is the whole table as one string.

        Notes
        -----
        Layers are named as Keras names them, by their class and position among those of their class
        (``dense``, ``dense_1``, ``batch_norm``...); the memory in brackets is the weights' bytes in the model's
        dtype.
        """
        if print_fn is not None and not callable(print_fn):
            raise TypeError(f"print_fn must be a callable taking one line of text (such as print), received "
                            f"print_fn={print_fn!r} ({type(print_fn).__name__})")
        self._require_built("summary")
        for line in self._summary_lines():
            (print if print_fn is None else print_fn)(line)

    def _summary_lines(self) -> list[str]:
        seen: dict[str, int] = {}
        rows = []
        for layer in self.layers:
            kind = type(layer).__name__
            base = _snake_case(kind)
            name = base if base not in seen else f"{base}_{seen[base]}"
            seen[base] = seen.get(base, 0) + 1
            rows.append((f"{name} ({kind})", f"(None, {layer.output_dim})", f"{layer.count_params():,}"))
        header = ("Layer (type)", "Output Shape", "Param #")
        # Keras's columns (a line of 65: 29, 26 and 10 characters), widened for long rows
        widths = [max([width] + [len(r[c]) + 2 for r in rows + [header]]) for c, width in enumerate((28, 26, 10))]
        length = 1 + sum(widths)

        def row(cells):
            return (" " + "".join(f"{cell:<{width}}" for cell, width in zip(cells, widths))).rstrip()

        trainable, frozen = self.param_counts()
        totals = [f"{label} params: {n:,} ({_bytes(n * self.dtype.itemsize)})"
                  for label, n in (("Total", trainable + frozen), ("Trainable", trainable), ("Non-trainable", frozen))]
        return ([f'Model: "{_snake_case(type(self).__name__)}"', "_" * length, row(header), "=" * length]
                + [row(r) for r in rows] + ["=" * length] + totals + ["_" * length])

    def _repr_html_(self) -> str | None:
        """The notebook's view: the summary table, with the loss, optimiser and metrics once compiled."""
        return _registry.html_of(self)

    def __str__(self) -> str:
        """The summary table, once built (what ``summary()`` prints); the repr before."""
        return "\n".join(self._summary_lines()) if self.built else repr(self)

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


def _snake_case(name: str) -> str:
    """``BatchNorm`` -> ``batch_norm``: Keras's layer names."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _bytes(n: int) -> str:
    """A size in bytes as Keras's summary writes it: ``68.00 B``, ``18.01 KB`` (powers of 1024)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _contiguous_run(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The 1-D array that ``arrays`` tile, one after another with no gap (views of one buffer, in order), or None.
    An empty list tiles an empty array."""
    if not arrays:
        return np.empty(0)
    base = arrays[0].base
    if base is None or base.ndim != 1:
        return None
    size = base.itemsize
    start = (arrays[0].__array_interface__["data"][0] - base.__array_interface__["data"][0]) // size
    offset = start
    for a in arrays:
        if a.base is not base or not a.flags.c_contiguous or \
                a.__array_interface__["data"][0] != base.__array_interface__["data"][0] + offset * size:
            return None
        offset += a.size
    return base[start:offset]


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
