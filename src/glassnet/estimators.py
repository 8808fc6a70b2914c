"""MLPClassifier and MLPRegressor: drop-ins for scikit-learn's, built on glassnet's Sequential.

Same constructor parameters, defaults and meanings as ``sklearn.neural_network.MLPClassifier``/``MLPRegressor``
(scikit-learn 1.9), the same fitted attributes and warnings, and the same mathematics: with an integer
``random_state`` the initial weights, the shuffling and the early-stopping split are drawn exactly as
scikit-learn draws them, the losses and their gradients follow scikit-learn's conventions (below), and the
optimisers are the same algorithms, so a fit gives the same ``coefs_`` as scikit-learn's to rounding.

Beyond scikit-learn: every glassnet activation, ``dropout``, ``batch_norm``, ``kernel_initializer``,
``callbacks`` (glassnet callbacks, run by the one training loop), ``class_weight``, ``history_`` (per-epoch curves) and
``model_``, the fitted :class:`~glassnet.Sequential`, so every analysis tool and plot works on the estimator.

scikit-learn's conventions, reproduced here and not in :mod:`glassnet.losses`
------------------------------------------------------------------------------
* the output activation is the canonical link of the loss (identity for squared error, logistic for binary and
  multi-label, softmax for multi-class, exp for Poisson), so the gradient with respect to the output layer's
  pre-activation is ``(a - y) * w / sum(w)`` for every pair;
* the squared error is *half* the mean squared error (averaged over outputs); the log losses and the Poisson
  deviance are summed over outputs; all are weighted averages over samples;
* the L2 term ``0.5 * alpha * sum(W ** 2)`` on the weights (not the biases) is divided by the batch's sum of
  sample weights, so its gradient is ``alpha * W / sum(w)``.
"""

from __future__ import annotations

import re
import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from scipy import special
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import compute_sample_weight, shuffle
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import activations as activations_module
from . import initializers
from ._validation import check_instances
from .builders import mlp
from .callbacks import Callback, History
from .layers import Dense
from .losses import Loss
from .optimizers import SGD, Adam
from .training import Trainer, check_batch_norm_batch

__all__ = ["MLPClassifier", "MLPRegressor"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")
_FULL_BATCH_CHUNK = 4096  # rows per chunk of L-BFGS's full-batch pass
#: scikit-learn's names for glassnet's output activations
_SKLEARN_NAMES = {"linear": "identity", "sigmoid": "logistic", "softmax": "softmax", "exponential": "exp"}


class _CanonicalLoss(Loss):
    """scikit-learn's MLP losses, each paired with its canonical output activation (see the module docstring).

    Valid only for the pairs (linear, squared_error), (sigmoid, log_loss), (softmax, log_loss) and
    (exponential, poisson): for these ``d loss / d z = (a - y) * w / sum(w)``. Values are computed from the
    output probabilities exactly as scikit-learn computes them (clipped at machine epsilon), so that L-BFGS,
    whose path depends on every rounding, follows scikit-learn's.

    scikit-learn trains the squared error of ``d`` outputs with the delta ``a - y`` for each output, the gradient
    of half the squared error *summed* over outputs, but reports it *averaged* over outputs (``loss_``). So
    that value and gradient agree (``gradient_check``, ``loss_and_gradients``), ``value`` here is the sum, as
    for the log losses, and ``reported`` turns a loss into scikit-learn's figure.
    """

    def __init__(self, kind: str, output: str):
        self.kind, self.fused_activation, self.name = kind, output, f"sklearn_{kind}"
        self._activation = activations_module.get(output)

    def value(self, y, a, sample_weight=None) -> float:
        if self.kind == "squared_error":
            return float(0.5 * np.average(((y - a) ** 2).sum(axis=1), weights=sample_weight))
        if self.kind == "poisson":
            # a rate that underflowed to 0 under a positive count: the deviance is +inf, its true limit, which
            # the fit then reports as a non-finite loss
            with np.errstate(divide="ignore"):
                return float(np.average(special.xlogy(y, y / a) - y + a, weights=sample_weight, axis=0).sum())
        eps = np.finfo(a.dtype).eps
        p = np.clip(a, eps, 1 - eps)
        if self.fused_activation == "softmax":
            return float(-np.average(special.xlogy(y, p), weights=sample_weight, axis=0).sum())
        return float(-np.average(special.xlogy(y, p) + special.xlogy(1 - y, 1 - p), weights=sample_weight,
                                 axis=0).sum())

    def value_from_logits(self, y, z, sample_weight=None, a=None):
        return self.value(y, self._activation.forward(z) if a is None else a, sample_weight)

    def gradient_from_logits(self, y, z, a, sample_weight=None):
        """``d value / d z = (a - y) * w / sum(w)``: scikit-learn's delta, divided by ``sum(w)`` here rather than
        every gradient afterwards (the same numbers up to rounding)."""
        g = a - y
        if sample_weight is None:
            g *= g.dtype.type(1.0 / len(g))
        else:
            g *= (sample_weight / sample_weight.sum()).astype(g.dtype)[:, None]
        return g

    def penalty_scale(self, n, sample_weight=None) -> float:
        # scikit-learn's L2 term, 0.5 * alpha * sum(W ** 2), is divided by the batch's sum of sample weights
        return 1.0 / (n if sample_weight is None else float(sample_weight.sum()))

    def reported(self, loss: float, penalty: float, n_outputs: int) -> float:
        """scikit-learn's figure for a loss (penalty included) whose penalty part is ``penalty``."""
        if self.kind != "squared_error" or n_outputs == 1:
            return loss
        return (loss - penalty) / n_outputs + penalty

    def get_config(self):
        return {"name": self.name, "kind": self.kind, "output": self.fused_activation}


class _BaseMLP(BaseEstimator):
    """The shared machinery: building the network, the two solvers, and scikit-learn's stopping rules."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(activations_module.ACTIVATIONS) - {"step", "softmax"}
                                  | {"identity", "logistic", "silu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [None, Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "kernel_initializer": [None, StrOptions(set(initializers.INITIALIZERS)), initializers.Initializer, callable],
        "callbacks": [None, list],
    }

    # --- building the network ----------------------------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _dropout_rates(self, n_hidden: int) -> list[float]:
        if self.dropout is None:
            return [0.0] * n_hidden
        if np.ndim(self.dropout) == 0:
            return [float(self.dropout)] * n_hidden
        rates = [float(r) for r in self.dropout]
        if len(rates) != n_hidden or not all(0 <= r < 1 for r in rates):
            raise ValueError(f"dropout must be a rate in [0, 1) or one rate per hidden layer ({n_hidden}), "
                             f"got {self.dropout!r}")
        return rates

    def _initialize(self, y, n_features, dtype):
        """Build ``model_`` and draw its initial weights as scikit-learn does (Glorot uniform, biases too)."""
        hidden = self._hidden_sizes()
        rates = self._dropout_rates(len(hidden))
        if self.solver == "lbfgs" and any(rates):
            raise ValueError("dropout needs a stochastic solver ('sgd' or 'adam'); L-BFGS needs a deterministic "
                             "loss")
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        units = [n_features] + hidden + [self.n_outputs_]
        self.n_layers_ = len(units)
        self.out_activation_ = self._output_activation()
        output = {v: k for k, v in _SKLEARN_NAMES.items()}[self.out_activation_]
        task = {"linear": "regression", "exponential": "poisson", "softmax": "multiclass",
                "sigmoid": "binary" if self.n_outputs_ == 1 else "multilabel"}[output]
        seed = int(self._random_state.randint(np.iinfo(np.int32).max)) if (
            any(rates) or self.kernel_initializer is not None) else None
        # the one recipe (builders.mlp), with scikit-learn's L2 term on every kernel and its loss (below)
        model = mlp(n_features, hidden, task, n_outputs=self.n_outputs_ if task != "binary" else None,
                    activation=self.activation, dropout=rates, batch_norm=self.batch_norm,
                    initializer=self.kernel_initializer, l2=0.5 * self.alpha, optimizer=self._make_optimizer(),
                    metrics=None, seed=seed, dtype=np.dtype(dtype).name)
        if self.kernel_initializer is None:
            factor = 2.0 if self.activation in ("logistic", "sigmoid") else 6.0
            for fan_in, fan_out, dense in zip(units[:-1], units[1:], self._dense_layers(model)):
                bound = np.sqrt(factor / (fan_in + fan_out))
                dense.params["W"][...] = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
                dense.params["b"][...] = self._random_state.uniform(-bound, bound, fan_out)
        loss = "log_loss" if is_classifier(self) else self.loss
        model.compile(loss=_CanonicalLoss(loss, output), optimizer=self._make_optimizer())
        self.model_ = model
        self._link_coefs()
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        self._best_weights = model.get_weights()
        self.history_ = {}
        self._history = History()

    @staticmethod
    def _dense_layers(model):
        return [layer for layer in model.layers if isinstance(layer, Dense)]

    def _link_coefs(self):
        dense = self._dense_layers(self.model_)
        self.coefs_ = [d.params["W"] for d in dense]
        self.intercepts_ = [d.params["b"] for d in dense]

    def __setstate__(self, state):
        # joblib stores arrays apart, so coefs_ would come back as copies: point them at model_'s again
        super().__setstate__(state)
        if "model_" in self.__dict__:
            self._link_coefs()

    def _sync_user_coefs(self):
        """Copy coefs_/intercepts_ into the network if the user replaced them (warm start from given weights)."""
        for layer, W, b in zip(self._dense_layers(self.model_), self.coefs_, self.intercepts_):
            for key, value in (("W", W), ("b", b)):
                target = layer.params[key]
                if value is not target:
                    value = np.asarray(value)
                    if value.shape != target.shape:
                        raise ValueError(f"coefs_/intercepts_ have shape {value.shape}, the network needs "
                                         f"{target.shape}")
                    target[...] = value
        self._link_coefs()

    def _make_optimizer(self):
        if self.solver == "sgd":
            return SGD(self.learning_rate_init, momentum=self.momentum, nesterov=self.nesterovs_momentum)
        # lbfgs does not use an optimiser object; Adam stands in so model_ stays a compiled Sequential
        return Adam(self.learning_rate_init, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                    epsilon_hat=True)

    # --- fitting -----------------------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False, validation_data=None):
        """Validate, train, check; a fit that fails leaves the estimator as it was (attributes and weights)."""
        # lists grow in place during training (loss_curve_, validation_scores_): kept as copies
        saved = {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()}
        model = saved.get("model_")
        weights = model.get_weights() if model is not None else None
        optimizer_state = model.optimizer.get_state() if model is not None else None
        history = saved.get("_history")
        recorded = (list(history.epoch), {k: list(v) for k, v in history.history.items()}) if history else None
        model_history = model.history if model is not None else None
        try:
            # overflow in a diverging run ends in scikit-learn's "non-finite parameter weights" error instead
            with np.errstate(over="ignore", invalid="ignore"):
                return self._fit_unsafe(X, y, sample_weight, incremental, validation_data)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if history is not None:
                curves = history.history
                history.epoch, history.history = recorded
                if saved.get("history_") is curves:  # history_ is the History's dict (stochastic solvers)
                    self.history_ = history.history
            if model is not None:
                model.set_weights(weights)
                model.optimizer.set_state(optimizer_state)
                model.history = model_history
                self._link_coefs()
            raise

    def _fit_unsafe(self, X, y, sample_weight, incremental, validation_data):
        self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        sample_weight = self._apply_class_weight(y, sample_weight, X.dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        y = y.astype(X.dtype)
        self._check_callbacks()
        self._random_state = _random_state(self.random_state)
        if first_pass:
            self._initialize(y, X.shape[1], X.dtype)
        elif "model_" not in self.__dict__:
            # coefs_ and intercepts_ set by hand on an unfitted estimator (scikit-learn's worked example): the
            # network first, then the given weights in it
            given = self.coefs_, self.intercepts_
            self._initialize(y, X.shape[1], X.dtype)
            self.coefs_, self.intercepts_ = list(given[0]), list(given[1])
            self._sync_user_coefs()
        else:
            if y.shape[1] != self.n_outputs_:
                raise ValueError(f"y has {y.shape[1]} outputs but the network was fitted with {self.n_outputs_}")
            self._sync_user_coefs()
            if self.model_.dtype != X.dtype:
                X = X.astype(self.model_.dtype)
                y = y.astype(self.model_.dtype)
        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, y, sample_weight, incremental, self._check_validation_data(validation_data))
        else:
            self._fit_lbfgs(X, y, sample_weight)
        if not all(np.isfinite(w).all() for w in self.model_.get_weights()):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        if not np.isfinite(self.loss_) and not (self.early_stopping and self.solver in _STOCHASTIC_SOLVERS):
            # finite weights whose loss overflows: a fit that ends so is refused as loudly as non-finite weights
            # (early stopping keeps the best validation epoch's weights, not those loss_ was measured on, and
            # scikit-learn accepts such a run: its test_mlp_diverging_loss)
            rescale = "X and y" if not is_classifier(self) else "X"
            raise ValueError(f"The training loss is {self.loss_} (not finite): the values are too large for the "
                             f"solver to compute with in {self.model_.dtype.name}. Rescale {rescale} (for example "
                             f"with sklearn.preprocessing.StandardScaler), or lower learning_rate_init.")
        return self

    def _apply_class_weight(self, y, sample_weight, dtype):
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return sample_weight
        labels = self._label_binarizer.inverse_transform(y) if y.ndim == 2 else y
        if y.ndim == 2 and y.shape[1] > 1 and type_of_target(labels).startswith("multilabel"):
            raise ValueError("class_weight is not supported for multilabel targets")
        cw = compute_sample_weight(class_weight, labels).astype(dtype)
        return cw if sample_weight is None else sample_weight * cw

    def _check_callbacks(self) -> list:
        return check_instances(self.callbacks, "callbacks", Callback, "glassnet Callback objects")

    def _check_validation_data(self, validation_data):
        """Validate ``fit``'s ``validation_data=(X_val, y_val)``: network-ready arrays, or None."""
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (X_val, y_val)")
        X_val = _validate_data_naming(self, validation_data[0], accept_sparse=["csr", "csc"], reset=False,
                                      dtype=self.model_.dtype, x_name="validation_data's X_val")
        y_val = np.asarray(validation_data[1])
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(f"validation_data has {X_val.shape[0]} rows in X_val but {y_val.shape[0]} in y_val")
        y_val = self._encode_targets(y_val)
        return X_val, (y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val).astype(self.model_.dtype)

    def _fit_stochastic(self, X, y, sample_weight, incremental, validation=None):
        """scikit-learn's sgd and adam solvers on the one training loop: its batching and shuffling, and its
        stopping rules as the first callback of the run (``_SklearnRules``)."""
        model, opt = self.model_, self.model_.optimizer
        if not incremental or not hasattr(self, "_optimizer_ready"):
            opt.reset()
            opt.learning_rate = float(self.learning_rate_init)
            self._optimizer_ready = True
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        held_out = None
        if self.early_stopping:
            X, y, sample_weight, held_out = self._hold_out(X, y, sample_weight)
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                              stacklevel=3)
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        order = None
        if self.shuffle:
            sample_idx = np.arange(n_samples, dtype=int)

            def order(epoch):
                # scikit-learn shuffles the previous epoch's order again, from its RandomState
                nonlocal sample_idx
                sample_idx = shuffle(sample_idx, random_state=self._random_state)
                return sample_idx

        rules = _SklearnRules(self, held_out, validation, incremental)
        # epochs are numbered across calls (warm_start, partial_fit), so callbacks such as a TrainingRecorder
        # see one continuing run, as loss_curve_ does
        first_epoch = len(self.loss_curve_)
        trainer = Trainer.from_arrays(
            model, X, y, sample_weight, epochs=first_epoch + (1 if incremental else self.max_iter),
            initial_epoch=first_epoch, batch_size=batch_size, order=order,
            callbacks=[rules] + self._check_callbacks(), epoch_metrics=self._epoch_score,
            history=self._history, on_divergence="continue")
        rules.trainer = trainer
        self.n_iter_ = 0
        try:
            trainer.run()
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
            trainer.end()
        self.history_ = self._history.history
        if not incremental and not rules.stopped and not model.stop_training and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                          "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        if self.early_stopping:
            model.set_weights(self._best_weights)

    def _hold_out(self, X, y, sample_weight):
        """scikit-learn's early-stopping split: the training part, and the validation part (X, y, weights)."""
        # stratified on the labels as the user gave them, so that an error names them so
        stratify = self.classes_[y[:, 0].astype(int)] if (is_classifier(self) and self.n_outputs_ == 1) else None
        try:
            parts = train_test_split(X, y, *(() if sample_weight is None else (sample_weight,)),
                                     random_state=self._random_state, test_size=self.validation_fraction,
                                     stratify=stratify)
        except ValueError as exc:
            # train_test_split speaks of test_size, which the user never passed
            raise ValueError(f"early_stopping=True cannot hold out validation_fraction="
                             f"{self.validation_fraction} of X and y (n_samples={X.shape[0]}) for validation: "
                             f"{exc}") from None
        X, X_val, y, y_val = parts[:4]
        sample_weight, sw_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(f"The validation set is too small: early_stopping=True with validation_fraction="
                             f"{self.validation_fraction} holds out {X_val.shape[0]} of X and y's "
                             f"n_samples={X_val.shape[0] + X.shape[0]}, and the validation score needs at least "
                             f"2. Increase 'validation_fraction' or the size of your dataset.")
        return X, y, sample_weight, (X_val, y_val, sw_val)

    def _epoch_score(self, y, out, sample_weight) -> dict:
        """The epoch's running score (accuracy or R²) over its batches' outputs, for ``history_``."""
        return {"score": self._score_outputs(y, out, sample_weight)}

    def _reported_loss(self, loss: float, penalty: float) -> float:
        return self.model_.loss.reported(loss, penalty, self.n_outputs_)

    def _evaluate_loss(self, X, y, sample_weight=None) -> float:
        """scikit-learn's loss (L2 term included) of the network on ``(X, y)``, and the outputs."""
        model = self.model_
        out = model.predict(X)
        loss = model.loss.value(y, out, sample_weight)
        penalty = model.loss.penalty_scale(X.shape[0], sample_weight) * sum(
            layer.penalty() for layer in model.layers)
        return self._reported_loss(loss + penalty, penalty), out

    def _trigger_stopping(self, msg) -> bool:
        """scikit-learn's rule: stop, unless the learning rate is adaptive and can still be divided by 5."""
        opt = self.model_.optimizer
        if self.solver != "sgd" or self.learning_rate != "adaptive":
            if self.verbose:
                print(msg + " Stopping.")
            return True
        if opt.learning_rate <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        opt.learning_rate /= 5.0
        if self.verbose:
            print(msg + f" Setting learning rate to {opt.learning_rate:f}")
        return False

    def _update_no_improvement_count(self, held_out):
        """scikit-learn's bookkeeping after an epoch: the validation score (early stopping) or the best loss."""
        if held_out is not None:
            X_val, y_val, sw_val = held_out
            val_score = self._score_outputs(y_val, self.model_.predict(X_val), sw_val)
            self.validation_scores_.append(val_score)
            if self.verbose:
                print(f"Validation score: {self.validation_scores_[-1]:f}")
            if val_score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if val_score > self.best_validation_score_:
                self.best_validation_score_ = val_score
                self._best_weights = self.model_.get_weights()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _fit_lbfgs(self, X, y, sample_weight):
        model = self.model_
        check_batch_norm_batch(model, X.shape[0], "solver='lbfgs' with batch_norm=True received 1 sample")
        # scikit-learn's packing order (every W, then every b; then BatchNorm's), so L-BFGS does the same sums
        keys = [(layer, k) for k in ("W", "b") for layer in self._dense_layers(model)]
        keys += [(layer, k) for layer in model.layers if not isinstance(layer, Dense) for k in layer.params]
        params = [layer.params[k] for layer, k in keys]
        grads = [layer.grads[k] for layer, k in keys]
        sizes = np.cumsum([0] + [p.size for p in params])
        losses = []

        def unpack(packed):
            for p, start, stop in zip(params, sizes[:-1], sizes[1:]):
                p[...] = packed[start:stop].reshape(p.shape)

        def loss_and_grad(packed):
            unpack(packed)
            loss = self._full_batch_pass(X, y, sample_weight)
            return loss, np.concatenate([g.ravel() for g in grads]).astype(np.float64)

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        result = scipy.optimize.minimize(
            loss_and_grad, np.concatenate([p.ravel() for p in params]).astype(np.float64), method="L-BFGS-B",
            jac=True, callback=lambda intermediate_result: losses.append(float(intermediate_result.fun)),
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol,
                     **_get_additional_lbfgs_options_dict("iprint", iprint)})
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = result.fun
        unpack(result.x)  # as scikit-learn: the solution's weights, without another pass over the data
        self.history_ = {"loss": losses}

    def _full_batch_pass(self, X, y, sample_weight) -> float:
        """L-BFGS's loss and gradient on all of ``X``: returns scikit-learn's loss and leaves the gradient in every
        layer's ``grads``. A training pass of the model (forward, the loss's gradient, backward), summed over
        chunks of ``_FULL_BATCH_CHUNK`` rows where the layers allow (no batch statistics): the same loss and
        gradients up to rounding, with work arrays of a chunk's size instead of the data set's (fit on
        30 000 x 784 float32, 256-128 units: 100 MB traced at the peak instead of 270 MB)."""
        model, loss_fn = self.model_, self.model_.loss
        n = X.shape[0]
        sw_sum = n if sample_weight is None else float(sample_weight.sum())
        pieces = 1
        if n > 2 * _FULL_BATCH_CHUNK and all(isinstance(layer, Dense) for layer in model.layers):
            pieces = -(-n // _FULL_BATCH_CHUNK)
        bounds = [n * k // pieces for k in range(pieces + 1)]  # equal chunks share their work arrays
        penalty = loss_fn.penalty_scale(n, sample_weight) * sum(layer.penalty() for layer in model.layers)
        loss, totals = penalty, None
        for start, stop in zip(bounds[:-1], bounds[1:]):
            part = slice(start, stop)
            Xc, yc = X[part], y[part]
            swc = None if sample_weight is None else sample_weight[part]
            out = model.forward(Xc, training=True)
            delta = loss_fn.gradient_from_logits(yc, model.layers[-1].preactivation, out, swc)
            share = 1.0
            if pieces > 1:  # the chunk's share of the mean over all rows
                share = (stop - start if swc is None else float(swc.sum())) / sw_sum
                delta *= delta.dtype.type(share)
            loss += loss_fn.value(yc, out, swc) * share
            # the L2 term's gradient once, with the first chunk
            model.backward(delta, from_logits=True, penalty_scale=1.0 / sw_sum if start == 0 else 0.0)
            if pieces > 1:
                if totals is None:
                    totals = [g.copy() for layer in model.layers for g in layer.grads.values()]
                else:
                    for total, g in zip(totals, (g for layer in model.layers for g in layer.grads.values())):
                        total += g
        if totals is not None:
            for g, total in zip((g for layer in model.layers for g in layer.grads.values()), totals):
                g[...] = total
        return self._reported_loss(loss, penalty)

    # --- predicting --------------------------------------------------------------------------------------
    def _forward_pass_fast(self, X, check_input=True):
        if check_input:
            X = _validate_data_naming(self, X, accept_sparse=["csr", "csc"], reset=False)
        return self.model_.predict(X)

    def _score_outputs(self, y, out, sample_weight):
        """The estimator's score (accuracy or R²) from network outputs; NaN if they are not finite."""
        if not np.isfinite(out).all():
            return np.nan
        return self._score_function(y, out, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _loss_grad_lbfgs(self, packed_coef_inter, X, y, sample_weight, *work_arrays):
        """scikit-learn's private L-BFGS objective, which its own tests call: the loss and gradient at the weights
        packed as scikit-learn packs them (every W, then every b), which the network takes. (scikit-learn's work
        arrays are not needed.)"""
        dense = self._dense_layers(self.model_)
        params = [d.params["W"] for d in dense] + [d.params["b"] for d in dense]
        grads = [d.grads["W"] for d in dense] + [d.grads["b"] for d in dense]
        start = 0
        for p in params:
            p[...] = np.asarray(packed_coef_inter[start:start + p.size]).reshape(p.shape)
            start += p.size
        dtype = self.model_.dtype
        y = np.asarray(y, dtype=dtype)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        loss = self._full_batch_pass(np.asarray(X, dtype=dtype), y, sample_weight)
        return loss, np.concatenate([g.ravel() for g in grads]).astype(np.float64)

    @property
    def _optimizer(self):
        """The fitted network's optimiser (scikit-learn's private name for it, which its own tests read)."""
        return self.model_.optimizer

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is "
                                 "not stochastic.")
        return True


class _SklearnRules(Callback):
    """scikit-learn's stochastic solvers' rules, as the first callback of the one training loop: at each epoch's
    end, its bookkeeping (``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, verbose lines), the validation score
    and best weights of early stopping, the ``invscaling`` and ``adaptive`` learning rates, and its stopping
    rule (``tol`` / ``n_iter_no_change``). The epoch's logs become ``history_``'s row (``loss`` as scikit-learn
    reports it, ``score``, ``val_loss``/``val_score``, ``lr``). It only reads the weights: nothing it does
    changes a number of the run but what scikit-learn's own rules change (the learning rate, stopping)."""

    def __init__(self, estimator, held_out, validation, incremental):
        super().__init__()
        self.estimator, self.held_out, self.validation = estimator, held_out, validation
        self.incremental = incremental
        self.trainer = None
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        est, opt = self.estimator, self.estimator.model_.optimizer
        n_samples = self.trainer.X.shape[0]
        est.n_iter_ += 1
        est.loss_ = est._reported_loss(logs["loss"], self.trainer.epoch_penalty)
        est.t_ += n_samples
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        est._update_no_improvement_count(self.held_out)
        lr = logs.pop("lr")
        logs["loss"] = est.loss_
        if self.validation is not None:
            logs["val_loss"], out = est._evaluate_loss(*self.validation)
            logs["val_score"] = est._score_outputs(self.validation[1], out, None)
        elif self.held_out is not None:
            logs["val_loss"] = est._evaluate_loss(*self.held_out)[0]
            logs["val_score"] = est.validation_scores_[-1]
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            opt.learning_rate = float(est.learning_rate_init) / (est.t_ + 1) ** est.power_t
            lr = opt.current_learning_rate()
        logs["lr"] = lr
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.held_out is not None else "Training loss"
            msg = (f"{what} did not improve more than tol={est.tol:f} for {est.n_iter_no_change} consecutive "
                   f"epochs.")
            if est._trigger_stopping(msg):
                self.stopped = True
                self.model.stop_training = True
            else:
                est._no_improvement_count = 0


def _random_state(random_state) -> np.random.RandomState:
    """A RandomState as scikit-learn's ``check_random_state`` makes, except that None gets a fresh one.

    (scikit-learn's None means NumPy's global RandomState; glassnet never touches global random state.)
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _validate_data_naming(estimator, X, y="no_validation", *, reset: bool, x_name: str = "X", **kwargs):
    """scikit-learn's ``validate_data``, whose errors say which input failed: X or y.

    Some of scikit-learn's messages name neither ("could not convert string to float: 'a'", "Complex data not
    supported"). Those are raised again, as the same exception type, with the input named first and
    scikit-learn's text kept after it: its conformance checks search that text. Only a failure pays for telling
    X from y (X is checked again alone); a success validates once.
    """
    try:
        return validate_data(estimator, X, y, reset=reset, **kwargs)
    except (TypeError, ValueError) as exc:
        if type(exc) not in (TypeError, ValueError):  # a subclass may take other constructor arguments
            raise
        message = _message_naming_the_input(str(exc), partial(_input_at_fault, estimator, X, y, reset, x_name,
                                                              kwargs))
        if message is None:
            raise
        raise type(exc)(message) from None


# a standalone X or y, as in "Input X contains NaN" or "X has 1 features", but not a quoted value such as 'X'
_NAMES_AN_INPUT = re.compile(r"(?<![\w'\"`])[Xy](?![\w'\"`])")


def _message_naming_the_input(message: str, input_at_fault) -> str | None:
    """A validation message that names its input, or None when scikit-learn's already does."""
    if _NAMES_AN_INPUT.search(message):
        return None
    if "inconsistent numbers of samples" in message:
        return f"X and y have different numbers of samples: {message}"
    name = input_at_fault()
    if message.startswith("Complex data not supported"):
        # scikit-learn appends the whole array; the first line says what is wrong
        return f"{name} contains complex numbers: {message.splitlines()[0]}"
    if any(sign in message for sign in ("convert string to float", "must be a string or a", "bytes/strings")):
        return f"{name} contains strings or objects that are not numbers: {message}"
    return f"invalid {name}: {message}"


def _input_at_fault(estimator, X, y, reset: bool, x_name: str, kwargs) -> str:
    """The name of the input that failed validation: X's name if X fails alone, else "y"."""
    if isinstance(y, str) and y == "no_validation":
        return x_name
    x_kwargs = {key: value for key, value in kwargs.items() if key not in ("multi_output", "y_numeric")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the failed call has warned already
            if reset:  # validate_data would record X's width and feature names
                check_array(X, input_name="X", estimator=estimator, **x_kwargs)
            else:
                validate_data(estimator, X, reset=False, **x_kwargs)
    except (TypeError, ValueError):
        return x_name
    return "y"


def _check_target_scale(y, loss: str, dtype, name: str = "y", training: bool = True) -> None:
    """Refuse regression targets whose loss or its gradient cannot be represented in ``dtype``, rather than end
    with inf or NaN.

    The network starts with outputs near 0, so the squared error starts as a sum of ``y.size`` terms near
    ``y ** 2``: finite while ``max|y| <= sqrt(finfo(dtype).max / y.size)`` (at most about 1.3e154 in float64
    and 1.8e19 in float32, less for more values). The Poisson loss grows only as ``y log y``, but its gradient
    is of the order of ``y`` and the optimisers square it (Adam's second moment, L-BFGS's inner products), so
    training on it needs the same bound; targets only evaluated (``training=False``: validation data) need only
    fit in ``dtype``.
    """
    dtype = np.dtype(dtype)
    if y.size == 0:
        return
    largest = max(abs(float(y.max())), abs(float(y.min())))
    finfo = np.finfo(dtype)
    if loss == "squared_error":
        limit = float(np.sqrt(finfo.max / y.size))
        why = f"the squared error of {y.size} such values overflows {dtype.name}"
    elif largest > finfo.max or not training:
        limit = float(finfo.max)
        why = f"{dtype.name} cannot represent it"
    else:
        limit = float(np.sqrt(finfo.max / y.size))
        why = (f"the Poisson loss's gradient is of the order of y and the solvers square it, which overflows "
               f"{dtype.name} for {y.size} such values")
    if largest <= limit:
        return
    advice = ("Rescale the targets, for example with sklearn.compose.TransformedTargetRegressor("
              "regressor=MLPRegressor(...), transformer=sklearn.preprocessing.StandardScaler())")
    if dtype != np.float64:
        advice += ", or fit the model on float64 X"
    raise ValueError(f"{name} is too large for loss={loss!r}: its largest absolute value is {largest:.6g}, above "
                     f"{limit:.3g}, where {why}. {advice}.")


_EXTRA_DOC = """
    dropout : float or list of float, default=None
        Dropout rate after every hidden layer, or one rate per hidden layer (glassnet extra).
    batch_norm : bool, default=False
        Batch normalisation after every hidden layer (glassnet extra). BatchNorm cannot learn from a batch of
        one sample: a final batch of one is left out of every epoch (with one warning per fit), and
        ``batch_size=1`` or a single training sample is refused.
    kernel_initializer : str, Initializer or callable, default=None
        None draws weights and biases exactly as scikit-learn does; a glassnet initialiser (a name, an instance,
        or a function with Keras's signature ``f(shape, dtype=None)``) draws the weights instead, with zero
        biases (glassnet extra).
    callbacks : list of Callback, default=None
        glassnet callbacks, run by the stochastic solvers' training loop, every hook (glassnet extra).
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, glass included.

    Parameters are scikit-learn's (see its documentation for each), plus the glassnet extras below and
    ``class_weight`` (None, "balanced" or a dict, as scikit-learn's other classifiers take it).
    """ + _EXTRA_DOC + """
    Attributes
    ----------
    classes_, loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_, t_, coefs_,
    intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_, n_outputs_, out_activation_
        As scikit-learn's.
    model_ : Sequential
        The fitted network; ``coefs_`` and ``intercepts_`` are its Dense weights (the same arrays).
    history_ : dict of str to list
        Per epoch: ``loss``, ``score`` (running accuracy over the epoch's batches), ``lr``, and ``val_loss`` and
        ``val_score`` on ``fit(..., validation_data=(X_val, y_val))``, or else on the early-stopping split when
        ``early_stopping=True``. For lbfgs: ``loss`` per iteration.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, dropout=None,
                 batch_norm=False, kernel_initializer=None, callbacks=None, class_weight=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.kernel_initializer = kernel_initializer
        self.callbacks = callbacks
        self.class_weight = class_weight

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "class_weight": [None, dict, StrOptions({"balanced"})]}

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data_naming(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                                     dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                     f"previous call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(bool)

    def _score_function(self, y, out, sample_weight):
        if y.ndim == 2:
            y = self._label_binarizer.inverse_transform(y if y.shape[1] > 1 else y.ravel())
        return accuracy_score(y, self._labels(out), sample_weight=sample_weight)

    def _labels(self, out):
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, validation_data=None):
        """Fit the model to data matrix X and target(s) y (class labels, or an indicator matrix).

        ``validation_data=(X_val, y_val)`` (glassnet extra) records ``val_loss`` and ``val_score`` in ``history_``
        every epoch without changing the training (stochastic solvers).
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False, validation_data=validation_data)

    def _encode_targets(self, y):
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unseen):
            raise ValueError(f"validation_data has classes not in `self.classes_`: {unseen}")
        return self._label_binarizer.transform(y)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over the given data; ``classes`` is required on the first call."""
        self._validate_params()  # _fit_context skips it once fitted; set_params may have changed them since
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predicted class labels (or indicator rows for multi-label)."""
        check_is_fitted(self)
        return self._labels(self._forward_pass_fast(X))

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor`` (``loss`` "squared_error" or
    "poisson"), glass included. Parameters are scikit-learn's, plus the glassnet extras below.
    """ + _EXTRA_DOC + """
    Attributes
    ----------
    As :class:`MLPClassifier`, without ``classes_``; ``history_["score"]`` is the running R².
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, dropout=None,
                 batch_norm=False, kernel_initializer=None, callbacks=None):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.kernel_initializer = kernel_initializer
        self.callbacks = callbacks

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "loss": [StrOptions({"squared_error", "poisson"})]}

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data_naming(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                                     dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.dtype.kind not in "biuf":  # y_numeric converts object arrays only; strings get through
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"y contains strings or objects that are not numbers: {exc}") from None
        if self.loss == "poisson" and np.min(y) < 0:
            raise ValueError("loss='poisson' requires non-negative y")
        # the dtype training will run in: X's on a first fit, the network's when training continues
        model = getattr(self, "model_", None) if not reset else None
        _check_target_scale(y, self.loss, X.dtype if model is None else model.dtype)
        return X, y

    def _score_function(self, y, out, sample_weight):
        if len(y) < 2:  # R² is undefined for one sample (a partial_fit on one row)
            return np.nan
        return r2_score(y, out, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, validation_data=None):
        """Fit the model to data matrix X and target(s) y.

        ``validation_data=(X_val, y_val)`` (glassnet extra) records ``val_loss`` and ``val_score`` in ``history_``
        every epoch without changing the training (stochastic solvers). Targets so large that the loss or its
        gradient would overflow the working dtype (``max|y| > sqrt(finfo(dtype).max / y.size)``, for the squared
        error and the Poisson loss alike: at most about 1.3e154 in float64 and 1.8e19 in float32, less for more
        values) raise ValueError before training, and a fit that still ends with a non-finite ``loss_`` raises
        ValueError (the estimator left as it was) rather than end with ``loss_ = inf``.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False, validation_data=validation_data)

    def _encode_targets(self, y):
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"validation_data's y_val contains strings or objects that are not numbers: {exc}") \
                from None
        _check_target_scale(y, self.loss, self.model_.dtype, name="validation_data's y_val", training=False)
        return y

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over the given data."""
        self._validate_params()  # _fit_context skips it once fitted; set_params may have changed them since
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predicted values, shape (n_samples,) or (n_samples, n_outputs)."""
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred
