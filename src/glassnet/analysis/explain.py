"""One training step, explained: every number of the forward pass, the loss, the backward pass and the update.

:func:`explain_step` runs exactly the step ``model.train_on_batch(X, y)`` would run — the model's own forward
and backward pass and its own optimiser — records every intermediate value, and (unless ``apply=True``) puts
the model back exactly as it was: weights, BatchNorm statistics, optimiser state, dropout generators and the
layers' caches. The result renders as a worked example, the classic 2-2-1 backpropagation walk-through for any
small network::

    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.Dense(2, "sigmoid"), gn.Dense(1, "sigmoid")], input_dim=2, seed=0)
    >>> model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(0.1))
    >>> step = explain_step(model, [[0.5, 0.3]], [1])
    >>> print(step)                                             # doctest: +SKIP
    Forward pass
      z1 = x @ W1 + b1 = [[...]]  (shape (1, 2))
      a1 = sigmoid(z1) = ...

:func:`explain_perceptron_step` does the same for :class:`~glassnet.Perceptron`: one pass of the learning
rule over the samples, in the order given.

Layers are numbered from 1, every layer counts (Dense, Dropout, BatchNorm, Activation); ``a0`` is the input
``x``, ``z_k`` the pre-activation of layer ``k`` and ``a_k`` its output, ``delta_k = dL/dz_k``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from .. import activations, optimizers
from .._registry import html_of
from ..layers import Activation, BatchNorm, Dense, Dropout
from ..model import Sequential
from ..training import DivergenceError, check_batch_norm_batch
from ._adapt import as_network, is_perceptron, network_targets, require_compiled

__all__ = [
    "LayerTrace",
    "ParameterUpdate",
    "PerceptronSampleTrace",
    "PerceptronStepExplanation",
    "StepExplanation",
    "explain_perceptron_step",
    "explain_step",
]


# --- public API ------------------------------------------------------------------------------------------------

def explain_step(model, X, y, apply: bool = False, sample_weight=None):
    """Explain one training step on ``(X, y)`` number by number, without changing the model unless asked.

    Parameters
    ----------
    model : Sequential, MLPClassifier, MLPRegressor or Perceptron
        A compiled and built :class:`~glassnet.Sequential`, or a fitted scikit-learn estimator of glassnet
        (its network ``model_`` is explained; class labels are encoded as the estimator encodes them). A
        :class:`~glassnet.Perceptron` is passed on to :func:`explain_perceptron_step`.
    X : array-like of shape (n_samples, n_features)
        The batch. Keep it small: the text prints every number.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Its targets, as ``train_on_batch`` takes them.
    apply : bool, default=False
        If True, leave the model exactly as ``model.train_on_batch(X, y)`` would (the step is taken). If False,
        the model, its optimiser state and its dropout generators are restored bit for bit.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights, as for ``train_on_batch``.

    Returns
    -------
    StepExplanation or PerceptronStepExplanation
        The record of the step; ``str()`` (or ``render()``) gives the worked example.

    Raises
    ------
    RuntimeError
        If the model is not compiled, or not built (building draws its weights, a change to the model).
    ValueError
        If ``X`` holds one sample and the model has a BatchNorm layer, which would normalise every feature of it
        to 0 (``train_on_batch`` refuses such a step too).
    FloatingPointError
        If the loss is not finite (``train_on_batch`` refuses such a step too).

    Notes
    -----
    For an MLP estimator the step explained is that of its network, ``model_.train_on_batch``: the estimator's
    own loop additionally adds the L2 gradient ``alpha * W`` (and, with sample weights, divides by their sum
    rather than by the batch size).
    """
    if is_perceptron(model):
        if apply:
            raise ValueError("apply=True is not supported for a Perceptron: its explanation never changes the "
                             "estimator; call partial_fit to train it")
        return explain_perceptron_step(model, X, y)
    net, y = as_network(model, require_built=False), network_targets(model, y)
    apply = bool(apply)
    require_compiled(net, "explain_step", built=False)
    if not net.built:
        raise RuntimeError("the model is not built yet, and building it draws its weights (a change to the "
                           "model): give input_dim to Sequential or call build() before explain_step()")
    X, y, sample_weight = net.check_data(X, y, sample_weight)
    check_batch_norm_batch(net, X.shape[0], f"explain_step received a batch of 1 sample (X of shape {X.shape})")
    snapshot = None if apply else _Snapshot(net)
    try:
        return _run_step(net, X, y, sample_weight, apply)
    finally:
        if snapshot is not None:
            snapshot.restore()


def explain_perceptron_step(perceptron, X, y) -> PerceptronStepExplanation:
    """Explain one pass of the perceptron learning rule over ``(X, y)``, sample by sample, in the order given.

    The rule is the estimator's: ``y_hat = f(w @ x + b)``, ``w <- w + rate * (t - y_hat) * x``,
    ``b <- b + rate * (t - y_hat)`` with ``rate = eta0 * class_weight`` and ``t`` in {0, 1}; for more than two
    classes every one-vs-rest line is updated together. The pass starts from the fitted ``coef_`` and
    ``intercept_``, or from zeros (as ``fit`` does) when the estimator is not fitted. It is the pass
    ``partial_fit(X, y)`` makes with ``shuffle=False``. The estimator is never changed.

    Parameters
    ----------
    perceptron : Perceptron
        A :class:`~glassnet.Perceptron`, fitted or not.
    X : array-like of shape (n_samples, n_features)
        The samples, visited in this order.
    y : array-like of shape (n_samples,)
        Their class labels (among ``classes_`` when fitted).

    Returns
    -------
    PerceptronStepExplanation
        Per sample: ``z = w . x + b``, the prediction, the error, the updates and the weights after it.
    """
    if not is_perceptron(perceptron):
        raise TypeError(f"perceptron must be a glassnet Perceptron, received {type(perceptron).__name__}")
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.validation import check_is_fitted

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X must have shape (n_samples, n_features) and y shape (n_samples,) with n_samples >= 1, "
                         f"received X of shape {X.shape} and y of shape {y.shape}")
    fitted = hasattr(perceptron, "coef_")
    if fitted:
        check_is_fitted(perceptron)
        classes = perceptron.classes_
        unknown = np.setdiff1d(y, classes)
        if unknown.size:
            raise ValueError(f"y contains labels {unknown.tolist()} that are not in classes_ {classes.tolist()}")
        if X.shape[1] != perceptron.coef_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but the perceptron was fitted on "
                             f"{perceptron.coef_.shape[1]}")
        W, b = perceptron.coef_.astype(np.float64), perceptron.intercept_.astype(np.float64)
    else:
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError("an unfitted Perceptron needs samples of at least 2 classes in y to know its classes")
        n_lines = 1 if len(classes) == 2 else len(classes)
        W, b = np.zeros((n_lines, X.shape[1])), np.zeros(n_lines)
    W, b = W.copy(), b.copy()
    binary = len(classes) == 2
    T = (y == classes[1]).astype(np.float64)[:, None] if binary else (y[:, None] == classes).astype(np.float64)
    class_weight = compute_class_weight(perceptron.class_weight, classes=classes, y=y)
    if binary:
        weights = np.where(T == 1, class_weight[1], class_weight[0])
    else:
        weights = np.where(T == 1, class_weight[None, :], 1.0)
    f = activations.get(perceptron.activation).forward
    eta0 = float(perceptron.eta0)
    W0, b0 = W.copy(), b.copy()
    samples = []
    for i in range(len(X)):
        x = X[i]
        z = W @ x + b
        prediction = f(z)
        error = T[i] - prediction
        rate = eta0 * weights[i]
        delta = rate * error
        dW = delta[:, None] * x
        db = delta if perceptron.fit_intercept else np.zeros_like(delta)
        W += dW
        b += db
        samples.append(PerceptronSampleTrace(index=i, x=x.copy(), label=y[i], target=T[i].copy(), z=z,
                                             prediction=prediction, error=error, rate=rate, delta_w=dW,
                                             delta_b=db, w=W.copy(), b=b.copy()))
    return PerceptronStepExplanation(samples=samples, initial_w=W0, initial_b=b0, new_w=W, new_b=b,
                                     activation=perceptron.activation, eta0=eta0, classes=classes,
                                     fit_intercept=bool(perceptron.fit_intercept), fitted=fitted)


# --- records ---------------------------------------------------------------------------------------------------

@dataclass
class LayerTrace:
    """What one layer did in the step: its input, pre-activation, output, and the gradients through it.

    Attributes
    ----------
    index : int
        Position in ``model.layers`` (0-based; the text numbers layers from 1).
    name : str
        E.g. ``"Dense(2, sigmoid)"``.
    kind : str
        The layer's class name.
    activation : str or None
        The activation's name (Dense and Activation layers).
    inputs : ndarray of shape (n_samples, input_dim)
        The layer's input ``a_{k-1}`` (``x`` for the first layer).
    z : ndarray or None
        The pre-activation (Dense: ``x @ W + b``; Activation: its input); None for Dropout and BatchNorm.
    a : ndarray of shape (n_samples, output_dim)
        The layer's output.
    grad_output : ndarray or None
        ``dL/da``, the gradient the layer received from above; None for an output layer on the fused path
        (where the loss gives ``dL/dz`` directly).
    delta : ndarray or None
        ``dL/dz``; None for Dropout and BatchNorm.
    grad_input : ndarray or None
        ``dL/d inputs``, passed to the layer below; None for the first layer (never needed, never computed).
    params : dict of str to ndarray
        The trainable parameters before the step.
    grads : dict of str to ndarray
        Their gradients (Dense: ``W``, ``b``; BatchNorm: ``gamma``, ``beta``), regularisation included.
    extra : dict
        Layer-specific values: Dropout's ``mask``; BatchNorm's batch ``mean``, ``var`` and ``xhat``; a Dense
        layer's non-zero ``l1``/``l2`` penalty factors.
    """

    index: int
    name: str
    kind: str
    activation: str | None
    inputs: np.ndarray
    z: np.ndarray | None
    a: np.ndarray
    grad_output: np.ndarray | None
    delta: np.ndarray | None
    grad_input: np.ndarray | None
    params: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def dW(self) -> np.ndarray | None:
        """``dL/dW`` of a Dense layer (None otherwise)."""
        return self.grads.get("W")

    @property
    def db(self) -> np.ndarray | None:
        """``dL/db`` of a Dense layer (None otherwise)."""
        return self.grads.get("b")

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every recorded array, by name."""
        named = {"inputs": self.inputs, "z": self.z, "a": self.a, "grad_output": self.grad_output,
                 "delta": self.delta, "grad_input": self.grad_input}
        named.update({k: v for k, v in self.params.items()})
        named.update({f"d{k}": v for k, v in self.grads.items()})
        return {k: v.shape for k, v in named.items() if v is not None}


@dataclass
class ParameterUpdate:
    """How the optimiser changed one parameter: old value, gradient, update and new value, with the rule.

    Attributes
    ----------
    layer : int
        Index of the layer in ``model.layers`` (0-based).
    name : str
        The parameter's key (``"W"``, ``"b"``, ``"gamma"``, ``"beta"``).
    label : str
        Its name in the text, numbered by layer from 1 (``"W1"``).
    old, gradient, new : ndarray
        Before the step, ``dL/d param``, after the step.
    update : ndarray
        ``new - old``.
    rule : str
        The optimiser's update rule written for this parameter (e.g. ``"W1 <- W1 - lr * dW1"``).
    slots_before, slots_after : dict of str to ndarray
        The optimiser's per-parameter state (velocity, moments) before and after the step.
    """

    layer: int
    name: str
    label: str
    old: np.ndarray
    gradient: np.ndarray
    new: np.ndarray
    update: np.ndarray
    rule: str
    slots_before: dict = field(default_factory=dict)
    slots_after: dict = field(default_factory=dict)


@dataclass
class StepExplanation:
    """The record of one training step, and its rendering as a worked example (``str()`` or ``render()``).

    Attributes
    ----------
    layers : list of LayerTrace
        One per layer, in order.
    X, y : ndarray
        The batch, as the model saw it (validated; ``y`` as the loss takes it).
    sample_weight : ndarray or None
    loss : float
        The batch loss before the step, regularisation penalties included (what ``train_on_batch`` reports).
    penalty : float
        The regularisation part of ``loss``.
    loss_name : str
    fused : bool
        Whether the loss's gradient was taken straight from the output layer's pre-activation (``a - y``).
    updates : list of ParameterUpdate
        One per trainable parameter, in ``get_weights`` order.
    new_weights : list of ndarray
        ``get_weights()`` after the step (BatchNorm's running statistics included).
    optimizer : str
        The optimiser's name.
    optimizer_rule : str
        Its update rule for a parameter ``p`` with gradient ``g``.
    hyperparameters : dict
        The numbers in the rule (learning rate of this step, momentum, betas, ...).
    iterations : int
        The optimiser's step count after the step.
    applied : bool
        Whether the model was left as after the step.
    """

    layers: list
    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    loss: float
    penalty: float
    loss_name: str
    fused: bool
    updates: list
    new_weights: list
    optimizer: str
    optimizer_rule: str
    hyperparameters: dict
    iterations: int
    applied: bool

    def render(self, precision: int = 4) -> str:
        """The step as a worked example: formulas, shapes and numbers (``precision`` decimals)."""
        return _render_step(self, int(precision))

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def __str__(self) -> str:
        return self.render()


@dataclass
class PerceptronSampleTrace:
    """One sample's visit in a pass of the perceptron rule (arrays hold one value per one-vs-rest line).

    Attributes
    ----------
    index : int
        Row of ``X``.
    x : ndarray of shape (n_features,)
    label : object
        The class label.
    target : ndarray of shape (n_lines,)
        ``t``: 1 for the line of the sample's class (binary: the positive class), else 0.
    z : ndarray of shape (n_lines,)
        ``w . x + b`` before the update.
    prediction : ndarray of shape (n_lines,)
        ``f(z)``: 0/1 for the step, a probability for the sigmoid.
    error : ndarray of shape (n_lines,)
        ``t - f(z)``.
    rate : ndarray of shape (n_lines,)
        ``eta0 * class_weight``.
    delta_w : ndarray of shape (n_lines, n_features)
        ``rate * error * x``.
    delta_b : ndarray of shape (n_lines,)
        ``rate * error`` (0 without ``fit_intercept``).
    w : ndarray of shape (n_lines, n_features)
        The weights after this sample.
    b : ndarray of shape (n_lines,)
        The biases after this sample.
    """

    index: int
    x: np.ndarray
    label: object
    target: np.ndarray
    z: np.ndarray
    prediction: np.ndarray
    error: np.ndarray
    rate: np.ndarray
    delta_w: np.ndarray
    delta_b: np.ndarray
    w: np.ndarray
    b: np.ndarray


@dataclass
class PerceptronStepExplanation:
    """The record of one pass of the perceptron learning rule, and its rendering (``str()`` or ``render()``).

    Attributes
    ----------
    samples : list of PerceptronSampleTrace
    initial_w, initial_b : ndarray
        The weights before the pass, shapes (n_lines, n_features) and (n_lines,).
    new_w, new_b : ndarray
        The weights after the pass.
    activation : str
    eta0 : float
    classes : ndarray
    fit_intercept : bool
    fitted : bool
        Whether the pass started from the fitted weights (else from zeros).
    """

    samples: list
    initial_w: np.ndarray
    initial_b: np.ndarray
    new_w: np.ndarray
    new_b: np.ndarray
    activation: str
    eta0: float
    classes: np.ndarray
    fit_intercept: bool
    fitted: bool

    @property
    def errors(self) -> int:
        """Number of samples misclassified when visited (``f(z) >= 0.5`` against the target, any line)."""
        return sum(int(np.any((s.z >= 0) != (s.target == 1))) for s in self.samples)

    def render(self, precision: int = 4) -> str:
        """The pass as a worked example, sample by sample (``precision`` decimals)."""
        return _render_perceptron(self, int(precision))

    def _repr_html_(self) -> str | None:
        """The notebook's view (see ``glassnet.display``)."""
        return html_of(self)

    def __str__(self) -> str:
        return self.render()


# --- running the step --------------------------------------------------------------------------------------------

class _Snapshot:
    """Everything a training step changes, copied so it can be put back bit for bit."""

    def __init__(self, model: Sequential):
        self.model = model
        self.arrays = [(a, a.copy()) for layer in model.layers
                       for d in (layer.params, layer.grads, layer.state) for a in d.values()]
        self.attributes = [(layer, dict(vars(layer))) for layer in model.layers]
        self.rngs = [(layer.rng, layer.rng.bit_generator.state) for layer in model.layers
                     if isinstance(getattr(layer, "rng", None), np.random.Generator)]
        self.optimizer_state = model.optimizer.get_state()

    def restore(self) -> None:
        for target, saved in self.arrays:
            target[...] = saved
        for layer, attributes in self.attributes:
            for k in [k for k in vars(layer) if k not in attributes]:
                delattr(layer, k)
            vars(layer).update(attributes)
        for rng, state in self.rngs:
            rng.bit_generator.state = state
        self.model.optimizer.set_state(self.optimizer_state)


@contextlib.contextmanager
def _recording(model: Sequential):
    """Record what each layer's backward receives and returns, by wrapping it for the duration of one pass."""
    records = [{} for _ in model.layers]

    def wrap(method, record, arg_key, out_key):
        def recorded(grad):
            record[arg_key] = None if grad is None else np.array(grad, copy=True)
            out = method(grad)
            record[out_key] = None if out is None else np.array(out, copy=True)
            return out
        return recorded

    for layer, record in zip(model.layers, records):
        layer.backward = wrap(layer.backward, record, "grad_output", "grad_input")
        if hasattr(layer, "backward_preactivation"):
            layer.backward_preactivation = wrap(layer.backward_preactivation, record, "delta", "grad_input")
    try:
        yield records
    finally:
        for layer in model.layers:
            vars(layer).pop("backward", None)
            vars(layer).pop("backward_preactivation", None)


def _run_step(model: Sequential, X, y, sample_weight, applied: bool) -> StepExplanation:
    """The step of ``train_on_batch``, recorded: each layer's backward is wrapped to keep what it received and
    returned; the gradients are the layers' after the step, the batch's."""
    opt = model.optimizer
    old_params = [p.copy() for p in model.trainable_weights]
    slots_before = opt.get_state()["slots"]
    rule, hyper = _optimizer_rule(opt, opt.current_learning_rate())
    penalty = model.loss.penalty_scale(len(X), sample_weight) * sum(layer.penalty() for layer in model.layers)
    with _recording(model) as records:
        try:
            loss = model.train_on_batch(X, y, sample_weight=sample_weight)["loss"]
        except DivergenceError as exc:
            raise FloatingPointError(f"the loss is not finite, so train_on_batch refuses this step; lower the "
                                     f"learning rate or scale the inputs ({exc})") from None
    traces = [_layer_trace(i, layer, record) for i, (layer, record) in enumerate(zip(model.layers, records))]
    grads = [g.copy() for layer in model.layers for g in layer.grads.values()]
    slots_after = opt.get_state()["slots"]
    updates = []
    keys = [(i, k) for i, layer in enumerate(model.layers) for k in layer.params]
    for j, ((i, k), old, g, new) in enumerate(zip(keys, old_params, grads, model.trainable_weights)):
        label = f"{k}{i + 1}"
        before = slots_before[j] if j < len(slots_before) else {s: np.zeros_like(new) for s in slots_after[j]}
        updates.append(ParameterUpdate(layer=i, name=k, label=label, old=old, gradient=g, new=new.copy(),
                                       update=new - old, rule=_substitute(rule, label),
                                       slots_before={s: v.copy() for s, v in before.items()},
                                       slots_after=dict(slots_after[j])))
    return StepExplanation(layers=traces, X=X.copy(), y=np.array(y, copy=True),
                           sample_weight=None if sample_weight is None else sample_weight.copy(),
                           loss=float(loss), penalty=float(penalty), loss_name=model.loss.name,
                           fused=bool(model.fused), updates=updates, new_weights=model.get_weights(),
                           optimizer=opt.name, optimizer_rule=rule, hyperparameters=hyper,
                           iterations=opt.iterations, applied=applied)


def _layer_trace(index: int, layer, record: dict) -> LayerTrace:
    act = getattr(layer, "activation", None)
    kind = type(layer).__name__
    if isinstance(layer, Dense):
        name = f"Dense({layer.units}, {act.name})"
    elif isinstance(layer, Dropout):
        name = f"Dropout({layer.rate:g})"
    elif act is not None:
        name = f"{kind}({act.name})"
    else:
        name = f"{kind}()"
    has_z = isinstance(layer, (Dense, Activation))
    extra = {}
    if isinstance(layer, Dropout) and layer.mask is not None:
        extra["mask"] = layer.mask.copy()
    if isinstance(layer, Dense):
        extra.update({key: getattr(layer, key) for key in ("l1", "l2") if getattr(layer, key)})
    if isinstance(layer, BatchNorm) and getattr(layer, "xhat", None) is not None:
        extra.update(mean=layer.inputs.mean(axis=0), var=layer.inputs.var(axis=0), xhat=layer.xhat.copy())
    delta = record.get("delta")
    if delta is None and isinstance(layer, Activation):
        delta = record.get("grad_input")  # an Activation layer's input is its pre-activation
    return LayerTrace(index=index, name=name, kind=kind, activation=None if act is None else act.name,
                      inputs=np.array(layer.inputs, copy=True), z=np.array(layer.preactivation, copy=True)
                      if has_z else None, a=np.array(layer.outputs, copy=True),
                      grad_output=record.get("grad_output"), delta=delta if has_z else None,
                      grad_input=record.get("grad_input"),
                      params={k: v.copy() for k, v in layer.params.items()},
                      grads={k: v.copy() for k, v in layer.grads.items()}, extra=extra)


# --- the optimiser's rule, as text ------------------------------------------------------------------------------

#: the symbols of optimiser slots in the rules
_SLOT_SYMBOLS = {"velocity": "v", "m": "m", "v": "v", "sum": "s", "square_avg": "v", "grad_avg": "m",
                 "momentum": "buf"}


def _optimizer_rule(opt, lr: float) -> tuple[str, dict]:
    """The update rule for a parameter ``p`` with gradient ``g`` (slots as ``v[p]``), and its numbers."""
    hyper = {"lr": lr}
    if isinstance(opt, optimizers.SGD):
        if not opt.momentum:
            rule = "p <- p - lr * g"
        else:
            hyper.update(momentum=opt.momentum)
            rule = "v[p] <- momentum * v[p] - lr * g;  "
            rule += "p <- p + momentum * v[p] - lr * g" if opt.nesterov else "p <- p + v[p]"
    elif isinstance(opt, optimizers.Adagrad):
        hyper.update(epsilon=opt.epsilon)
        rule = "s[p] <- s[p] + g**2;  p <- p - lr * g / (sqrt(s[p]) + epsilon)"
    elif isinstance(opt, optimizers.RMSprop):
        hyper.update(rho=opt.rho, epsilon=opt.epsilon)
        rule = "v[p] <- rho * v[p] + (1 - rho) * g**2;  "
        if opt.centered:
            rule += "m[p] <- rho * m[p] + (1 - rho) * g;  denom = sqrt(v[p] - m[p]**2) + epsilon;  "
        else:
            rule += "denom = sqrt(v[p]) + epsilon;  "
        if opt.momentum:
            hyper.update(momentum=opt.momentum)
            rule += "buf[p] <- momentum * buf[p] + g / denom;  p <- p - lr * buf[p]"
        else:
            rule += "p <- p - lr * g / denom"
    elif isinstance(opt, optimizers.Adam):
        t = opt.iterations + 1
        hyper.update(beta_1=opt.beta_1, beta_2=opt.beta_2, epsilon=opt.epsilon, t=t)
        rule = "m[p] <- beta_1 * m[p] + (1 - beta_1) * g;  v[p] <- beta_2 * v[p] + (1 - beta_2) * g**2;  "
        if opt.epsilon_hat:
            rule += "p <- p - lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m[p] / (sqrt(v[p]) + epsilon)"
        else:
            rule += "p <- p - lr * (m[p] / (1 - beta_1**t)) / (sqrt(v[p] / (1 - beta_2**t)) + epsilon)"
        if isinstance(opt, optimizers.AdamW):
            hyper.update(weight_decay=opt.weight_decay)
            rule = "p <- p * (1 - lr * weight_decay);  " + rule
    else:
        rule = f"p <- {type(opt).__name__}.update_step(p, g)"
    clip = []
    if opt.clipnorm is not None:
        hyper.update(clipnorm=opt.clipnorm)
        clip.append("g <- g * min(1, clipnorm / ||g||)")
    if opt.clipvalue is not None:
        hyper.update(clipvalue=opt.clipvalue)
        clip.append("g <- clip(g, -clipvalue, clipvalue)")
    return ";  ".join(clip + [rule]), hyper


def _substitute(rule: str, label: str) -> str:
    """Write a rule for the parameter ``label``: ``p`` -> ``W1``, ``g`` -> ``dW1``, ``v[p]`` -> ``v_W1``."""
    for symbol in sorted(set(_SLOT_SYMBOLS.values()), key=len, reverse=True):
        rule = rule.replace(f"{symbol}[p]", f"{symbol}_{label}")
    out = []
    for token in _tokens(rule):
        out.append(label if token == "p" else f"d{label}" if token == "g" else token)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    """Split into identifier tokens and the characters between them (so ``p`` is replaced only as a word)."""
    tokens, word = [], ""
    for ch in text:
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


# --- rendering ---------------------------------------------------------------------------------------------------

#: f'(z) written in terms of z and a = f(z), for the text
_DERIVATIVES = {"linear": "1", "sigmoid": "a * (1 - a)", "tanh": "1 - a**2", "relu": "1 if z > 0 else 0",
                "leaky_relu": "1 if z > 0 else alpha", "elu": "1 if z > 0 else a + alpha",
                "softplus": "sigmoid(z)", "exponential": "a", "swish": "sigmoid(z) * (1 + z * (1 - sigmoid(z)))"}

#: the loss's formula and dL/da (before the division by the batch), for the text
_LOSS_FORMULAS = {
    "mse": ("mean((a - y)**2)", "2 * (a - y)"),
    "mae": ("mean(|a - y|)", "sign(a - y)"),
    "huber": ("mean(0.5 * d**2 if |d| <= delta else delta * (|d| - 0.5 * delta)), d = a - y",
              "clip(a - y, -delta, delta)"),
    "binary_crossentropy": ("-mean(y * log(a) + (1 - y) * log(1 - a))", "(a - y) / (a * (1 - a))"),
    "categorical_crossentropy": ("-mean over samples of sum(y * log(a))", "-y / a"),
    "poisson": ("mean(a - y * log(a))", "1 - y / a"),
    # the MLP estimators' scikit-learn losses (fused with their canonical output activation)
    "sklearn_squared_error": ("0.5 * mean((a - y)**2)", None),
    "sklearn_log_loss": ("-mean over samples of sum over outputs of y * log(a) (+ (1 - y) * log(1 - a) for "
                         "sigmoid outputs)", None),
    "sklearn_poisson": ("mean over samples of sum(y * log(y / a) - y + a)", None),
}

#: why the fused pairs give dL/dz = a - y
_FUSED_WHY = {
    "sigmoid": "dL/da = (a - y) / (a (1 - a)) and sigmoid'(z) = a (1 - a), so their product is a - y",
    "softmax": "the softmax Jacobian a_i (delta_ij - a_j) times dL/da = -y / a collapses to a - y (rows of y sum "
               "to 1)",
    "exponential": "dL/da = 1 - y / a and exp'(z) = a, so their product is a - y",
    "linear": "the identity's derivative is 1, and scikit-learn differentiates its half squared error per sample, "
              "dividing by n only",
}


def _fmt(a, precision: int, prefix: str = "") -> str:
    a = np.asarray(a, dtype=np.float64) + 0.0  # + 0.0 turns -0.0 into 0.0
    if a.ndim == 0:
        return f"{float(a):g}" if float(a).is_integer() else f"{float(a):.{precision}f}"
    return np.array2string(a, precision=precision, separator=", ", prefix=prefix,
                           max_line_width=116, threshold=120, edgeitems=3)


def _line(out: list, indent: str, text: str, value, precision: int, shape: bool = True) -> None:
    head = f"{indent}{text} = "
    if len(head) > 64:  # a long formula: the numbers go on the next line
        out.append(head.rstrip())
        head = f"{indent}    = "
    value = np.asarray(value)
    tail = f"  (shape {value.shape})" if shape and value.ndim else ""
    out.append(head + _fmt(value, precision, prefix=head) + tail)


def _render_step(s: StepExplanation, p: int) -> str:
    out = []
    n, K = len(s.X), len(s.layers)
    out.append(f"One training step on a batch of {n} sample(s): loss {s.loss_name!r}, optimiser {s.optimizer!r} "
               f"({'applied to the model' if s.applied else 'not applied: the model is unchanged'})")
    out.append("Layers: " + " -> ".join([str(s.X.shape[1])] + [t.name for t in s.layers]))
    out.append("")
    out.append("Weights before the step")
    for u in s.updates:
        _line(out, "  ", u.label, u.old, p)
    out.append("")
    out.append("Forward pass")
    _line(out, "  ", "x", s.X, p)
    for t in s.layers:
        k = t.index + 1
        inp = "x" if k == 1 else f"a{k - 1}"
        out.append(f"  Layer {k}: {t.name}")
        if t.kind == "Dense":
            _line(out, "    ", f"z{k} = {inp} @ W{k} + b{k}", t.z, p)
            _line(out, "    ", f"a{k} = {t.activation}(z{k})", t.a, p)
        elif t.kind == "Activation":
            out.append(f"    z{k} = {inp}")
            _line(out, "    ", f"a{k} = {t.activation}(z{k})", t.a, p)
        elif t.kind == "Dropout":
            if "mask" in t.extra:
                _line(out, "    ", f"mask{k} = keep / (1 - rate), keep ~ Bernoulli(1 - rate)", t.extra["mask"], p)
                _line(out, "    ", f"a{k} = {inp} * mask{k}", t.a, p)
            else:
                _line(out, "    ", f"a{k} = {inp}  (rate 0: nothing dropped)", t.a, p)
        elif t.kind == "BatchNorm" and "xhat" in t.extra:
            _line(out, "    ", f"mu{k} = mean({inp}, axis=0)", t.extra["mean"], p)
            _line(out, "    ", f"var{k} = var({inp}, axis=0)", t.extra["var"], p)
            _line(out, "    ", f"xhat{k} = ({inp} - mu{k}) / sqrt(var{k} + epsilon)", t.extra["xhat"], p)
            _line(out, "    ", f"a{k} = gamma{k} * xhat{k} + beta{k}", t.a, p)
            out.append("    (running statistics: running = momentum * running + (1 - momentum) * batch)")
        else:
            _line(out, "    ", f"a{k} = {t.name}({inp})", t.a, p)
    out.append("")
    out.append("Loss")
    _line(out, "  ", "y", s.y, p)
    formula = _rename(_LOSS_FORMULAS.get(s.loss_name, (f"{s.loss_name}(y, a)", None))[0], len(s.layers))
    if s.penalty:
        _line(out, "  ", f"L = {formula}  + penalty {s.penalty:.{p}f}", s.loss, p)
    else:
        _line(out, "  ", f"L = {formula}", s.loss, p)
    if s.sample_weight is not None:
        _line(out, "  ", "(weighted by sample_weight w", s.sample_weight, p)
    out.append("")
    out.append("Backward pass")
    out.append(f"  (the loss is a mean over the batch, so every gradient below already carries the 1/{n})")
    for t in reversed(s.layers):
        _render_backward(out, s, t, p, K)
    out.append("")
    out.append(f"Update ({s.optimizer}: " + ", ".join(f"{k} = {v:g}" for k, v in s.hyperparameters.items()) + ")")
    out.append(f"  rule: {s.optimizer_rule}")
    for u in s.updates:
        out.append(f"  {u.rule}")
        _line(out, "    ", f"{u.label} (before)", u.old, p, shape=False)
        _line(out, "    ", f"d{u.label}", u.gradient, p, shape=False)
        for slot, value in u.slots_after.items():
            symbol = _SLOT_SYMBOLS.get(slot, slot)
            _line(out, "    ", f"{symbol}_{u.label} (after)", value, p, shape=False)
        _line(out, "    ", "change", u.update, p, shape=False)
        _line(out, "    ", f"{u.label} (after)", u.new, p, shape=False)
    return "\n".join(out)


def _render_backward(out: list, s: StepExplanation, t: LayerTrace, p: int, K: int) -> None:
    k = t.index + 1
    inp = "x" if k == 1 else f"a{k - 1}"
    out.append(f"  Layer {k}: {t.name}")
    upper = s.layers[t.index + 1] if k < K else None
    n, size = len(s.X), s.layers[-1].a.size
    if upper is None and t.grad_output is None and t.delta is not None:
        # fused output: the loss gives dL/dz directly
        scale = "n" if s.loss_name == "categorical_crossentropy" or s.loss_name.startswith("sklearn_") else "n*d"
        divisor = n if scale == "n" else size
        text = f"(a{k} - y) / {divisor}" if divisor != 1 else f"a{k} - y"
        if s.sample_weight is not None:
            text = f"(a{k} - y) * w / sum(w)" if s.loss_name.startswith("sklearn_") else text + " * w"
        _line(out, "    ", f"delta{k} = dL/dz{k} = {text}", t.delta, p)
        why = _FUSED_WHY.get(t.activation)
        if why:
            out.append(f"      (fused {t.activation} + {s.loss_name}: {why}; computed from z{k} directly, "
                       f"which stays exact when the output saturates)")
    else:
        if upper is None:
            grad = _rename(_LOSS_FORMULAS.get(s.loss_name, (None, "dL/da"))[1], k)
            divisor = n if s.loss_name == "categorical_crossentropy" else size
            text = f"({grad}) / {divisor}" if divisor != 1 else grad
            if s.sample_weight is not None:
                text += " * w"
        else:
            text = _grad_input_text(upper)
        if t.grad_output is not None:
            _line(out, "    ", f"dL/da{k} = {text}", t.grad_output, p)
        if t.kind in ("Dense", "Activation"):
            _render_delta(out, t, k, text, upper, p)
    for name, g in t.grads.items():
        if name == "W":
            reg = "".join(f" + {term}" for key, term in (("l1", f"l1 * sign(W{k})"), ("l2", f"2 * l2 * W{k}"))
                          if t.extra.get(key))
            _line(out, "    ", f"dL/dW{k} = {inp}.T @ delta{k}{reg}", g, p)
        elif name == "b":
            _line(out, "    ", f"dL/db{k} = sum(delta{k}, axis=0)", g, p)
        elif name == "gamma":
            _line(out, "    ", f"dL/dgamma{k} = sum(dL/da{k} * xhat{k}, axis=0)", g, p)
        elif name == "beta":
            _line(out, "    ", f"dL/dbeta{k} = sum(dL/da{k}, axis=0)", g, p)
        else:
            _line(out, "    ", f"dL/d{name}{k}", g, p)
    if t.grad_input is None and k == 1:
        out.append("    (dL/dx is never needed for the first layer, so it is not computed)")


def _render_delta(out: list, t: LayerTrace, k: int, text: str, upper, p: int) -> None:
    act = t.activation
    source = f"({text})" if upper is not None and upper.kind == "Dense" else f"dL/da{k}"
    if act == "linear":
        _line(out, "    ", f"delta{k} = dL/dz{k} = {source}  (linear: f' = 1)", t.delta, p)
    elif act == "softmax":
        _line(out, "    ", f"delta{k} = dL/dz{k} = a{k} * (dL/da{k} - sum(dL/da{k} * a{k}, axis=1))", t.delta, p)
    else:
        _line(out, "    ", f"delta{k} = dL/dz{k} = {source} * {act}'(z{k})", t.delta, p)
        try:
            values = activations.get(act).derivative(t.z, t.a)
        except (NotImplementedError, ValueError):
            values = None
        if values is not None:
            derivative = _DERIVATIVES.get(act)
            formula = f" = {_rename(derivative, k)}" if derivative else ""
            _line(out, "      where ", f"{act}'(z{k}){formula}", values, p, shape=False)


def _rename(formula: str, k: int) -> str:
    """Number the variables of ``formula``: ``a`` -> ``a2``, ``z`` -> ``z2`` (``alpha``, ``sigmoid`` stay)."""
    return "".join(f"{tok}{k}" if tok in ("a", "z") else tok for tok in _tokens(formula))


def _grad_input_text(upper: LayerTrace) -> str:
    """How the layer above turns its gradient into ``dL/d(its input)``, as text."""
    k = upper.index + 1
    if upper.kind == "Dense":
        return f"delta{k} @ W{k}.T"
    if upper.kind == "Activation":
        return f"delta{k}"
    if upper.kind == "Dropout":
        return f"dL/da{k} * mask{k}" if "mask" in upper.extra else f"dL/da{k}"
    if upper.kind == "BatchNorm":
        if "xhat" in upper.extra:
            return (f"(g - mean(g) - xhat{k} * mean(g * xhat{k})) / sqrt(var{k} + epsilon), "
                    f"g = gamma{k} * dL/da{k}")
        return f"dL/da{k} * gamma{k} / sqrt(running_var{k} + epsilon)"
    return f"dL/d(input of layer {k})"


def _render_perceptron(s: PerceptronStepExplanation, p: int) -> str:
    binary = len(s.classes) == 2
    f = s.activation
    out = [f"Perceptron learning rule, one pass over {len(s.samples)} sample(s) in the order given "
           f"({f} activation, eta0 = {s.eta0:g}; the estimator is unchanged)"]
    b_rule = "b <- b + eta0 * (t - y_hat)" if s.fit_intercept else "b stays 0 (fit_intercept=False)"
    out.append(f"  y_hat = {f}(w . x + b);  w <- w + eta0 * (t - y_hat) * x;  {b_rule}")
    if binary:
        out.append(f"  t = 1 for class {_label(s.classes[1])!r}, 0 for class {_label(s.classes[0])!r}")
    else:
        out.append(f"  one-vs-rest: one line per class {s.classes.tolist()}, t = 1 on the sample's own class")
    out.append("  Start: " + ("the fitted weights" if s.fitted else "zeros (the perceptron is not fitted yet)"))

    def w(a):
        return a[0] if binary else a

    _line(out, "    ", "w", w(s.initial_w), p, shape=False)
    _line(out, "    ", "b", w(s.initial_b), p, shape=False)
    for t in s.samples:
        out.append(f"  Sample {t.index + 1}: label {_label(t.label)!r}")
        _line(out, "    ", "x", t.x, p, shape=False)
        _line(out, "    ", "t", w(t.target), p, shape=False)
        _line(out, "    ", "z = w . x + b", w(t.z), p, shape=False)
        _line(out, "    ", f"y_hat = {f}(z)", w(t.prediction), p, shape=False)
        _line(out, "    ", "error = t - y_hat", w(t.error), p, shape=False)
        if not np.any(t.delta_w) and not np.any(t.delta_b):
            out.append("    no change" + (" (correct prediction)" if f == "step" else ""))
            continue
        rate = "eta0" if np.all(t.rate == s.eta0) else "eta0 * class_weight"
        _line(out, "    ", f"dw = {rate} * error * x", w(t.delta_w), p, shape=False)
        _line(out, "    ", f"db = {rate} * error" if s.fit_intercept else "db", w(t.delta_b), p, shape=False)
        _line(out, "    ", "w <- w + dw", w(t.w), p, shape=False)
        _line(out, "    ", "b <- b + db", w(t.b), p, shape=False)
    out.append(f"  After the pass ({s.errors} mistake(s)):")
    _line(out, "    ", "w", w(s.new_w), p, shape=False)
    _line(out, "    ", "b", w(s.new_b), p, shape=False)
    return "\n".join(out)


def _label(value):
    """A class label as the user wrote it (``1``, not ``np.int64(1)``)."""
    return value.item() if isinstance(value, np.generic) else value
