"""The classic Rosenblatt perceptron as a scikit-learn classifier.

One neuron, ``f(w . x + b)``, trained one sample at a time by the rule every textbook prints::

    y_hat = f(w @ x + b)
    w += eta0 * (y - y_hat) * x
    b += eta0 * (y - y_hat)

with labels ``y`` in {0, 1}. ``f`` is the step function (Rosenblatt's perceptron) or the sigmoid (a
gradient-trained neuron): the same line of code is the perceptron rule for the step and exact stochastic
gradient descent on the log loss for the sigmoid, because ``d/dw log_loss(sigmoid(w . x + b), y) = (p - y) x``.
The weights start at zero, so with ``shuffle=False`` the estimator replays the textbook algorithm sample for
sample; more than two classes are handled one-vs-rest. An optional ``penalty`` (L2, L1 or elastic net) shrinks
the weights at every sample as scikit-learn's SGD does, and ``X`` may be a scipy.sparse matrix.
"""

from __future__ import annotations

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy import sparse, special
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import activations
from .estimators import _validate_data_naming

__all__ = ["Perceptron"]


def _is_sigmoid(estimator: Perceptron) -> bool:
    # available_if's check: probabilities exist only for the sigmoid neuron
    return estimator.activation == "sigmoid"


class Perceptron(ClassifierMixin, BaseEstimator):
    """The classic Rosenblatt perceptron (step or sigmoid neuron), trained online from zero weights.

    Parameters are named like :class:`sklearn.linear_model.Perceptron`'s where they overlap, with the same
    defaults.

    Parameters
    ----------
    activation : {"step", "sigmoid"}, default="step"
        The neuron's output function. ``"step"`` (``1`` if ``z >= 0`` else ``0``) is Rosenblatt's perceptron and
        has no probabilities. ``"sigmoid"`` is the gradient-trained neuron: the same update rule is then
        stochastic gradient descent on the log loss, and :meth:`predict_proba` is available.
    penalty : {"l2", "l1", "elasticnet"} or None, default=None
        The regularisation applied at every visited sample, as scikit-learn's ``Perceptron`` applies it (see
        Notes). None trains the plain textbook rule.
    alpha : float, default=0.0001
        Constant that multiplies the penalty. Ignored when ``penalty`` is None.
    l1_ratio : float, default=0.15
        The elastic-net mixing parameter, ``0 <= l1_ratio <= 1``: the penalty is
        ``alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2)``. Only used with
        ``penalty="elasticnet"``: ``"l1"`` means ``l1_ratio=1`` and ``"l2"`` means ``l1_ratio=0``.
    fit_intercept : bool, default=True
        Whether to learn the bias ``b``. If False, ``b`` stays 0 and every boundary passes through the origin.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data) in :meth:`fit`. :meth:`partial_fit` always
        makes one epoch.
    tol : float or None, default=1e-3
        Stopping criterion besides convergence: training stops when the epoch's mean training loss (see Notes)
        has not fallen below the best so far minus ``tol`` for ``n_iter_no_change`` consecutive epochs (with
        ``early_stopping``: when the validation accuracy has not risen above the best so far plus ``tol``).
        ``None`` disables it, so training stops only on convergence or at ``max_iter``.
    shuffle : bool, default=True
        Whether to visit the training samples in a new random order each epoch. ``False`` visits them in the
        order given, which reproduces the textbook algorithm exactly.
    verbose : int, default=0
        If positive, print one line per epoch.
    eta0 : float, default=1.0
        The learning rate, a constant.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffling and the validation split. The estimator draws from its own
        ``numpy.random.Generator`` and never touches NumPy's global random state.
    early_stopping : bool, default=False
        Whether to set aside a stratified ``validation_fraction`` of the training data and stop when the
        validation accuracy has not improved by ``tol`` for ``n_iter_no_change`` epochs. The last weights are
        kept (as in scikit-learn), not the best ones.
    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping`` is True. Must be in (0, 1).
    n_iter_no_change : int, default=5
        Number of epochs without improvement to wait before stopping.
    class_weight : dict, "balanced" or None, default=None
        Weights ``{class_label: weight}`` that multiply each sample's update; ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``. As in scikit-learn, in a one-vs-rest problem the weight
        of class ``c`` scales the updates of its own samples, while the "rest" samples keep weight 1.
    warm_start : bool, default=False
        If True, :meth:`fit` continues from the previous ``coef_`` and ``intercept_`` (and appends to
        ``training_history_``) instead of starting from zero.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels. ``classes_[1]`` is the positive class (target 1) of a binary problem.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights ``w``: one row for a binary problem, one row per class for one-vs-rest.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The biases ``b``.
    n_iter_ : int
        Number of epochs run by the last call to :meth:`fit` (the most over the one-vs-rest problems), or 1
        after :meth:`partial_fit`.
    converged_ : bool
        Whether the perceptron converged in the textbook sense: an epoch with no mistakes, i.e. every training
        sample was on the right side of the boundary when it was visited (for one-vs-rest: every class's
        perceptron did). For ``activation="sigmoid"`` a mistake is likewise ``p >= 0.5`` for a 0 or
        ``p < 0.5`` for a 1.
    training_history_ : list of dict
        One dict per epoch with keys ``"epoch"`` (numbered from 1, continuing across warm starts and
        :meth:`partial_fit` calls), ``"errors"`` (mistakes made during the pass), ``"accuracy"``
        (``1 - errors / n_train``), ``"loss"`` (mean class-weighted loss during the pass: the perceptron
        criterion ``max(0, -(2y - 1) z)`` for the step, the log loss for the sigmoid; plus the penalty term when
        ``penalty`` is set, see Notes), ``"weights"`` and ``"bias"``
        (copies, after the epoch), and ``"validation_accuracy"`` when ``early_stopping`` is on. For a binary
        problem the values are scalars and ``"weights"`` has shape (n_features,); for one-vs-rest every value
        is stacked per class: arrays of shape (n_classes,), and ``"weights"`` of shape (n_classes, n_features).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.Perceptron : scikit-learn's perceptron (labels +-1, updates on zero margins too; on
        sparse ``X`` its bias and L1 steps differ from its dense ones, see Notes).

    Notes
    -----
    **Update rule.** With ``f`` the step or the sigmoid and ``y`` in {0, 1}, each visited sample does
    ``delta = eta0 * class_weight * (y - f(w @ x + b))``, ``w += delta * x``, ``b += delta``. For the step,
    ``delta`` is 0 on a correct prediction, so only mistakes move the weights.

    **Ties.** The step is ``1`` at ``z = 0`` (the textbook convention), so a point on the boundary is predicted
    as ``classes_[1]``. scikit-learn's ``Perceptron`` uses labels +-1 and updates whenever ``y * z <= 0``, so it
    also updates a positive sample with ``z = 0`` (and predicts the negative class there). From zero weights
    the two algorithms therefore agree exactly unless a positive sample meets ``z = 0`` exactly; the first
    sample always has ``z = 0``, so they agree when it is a negative one and the data are in general position.

    **Penalty.** scikit-learn's ``Perceptron`` is its SGD with the perceptron loss; with a penalty, its
    ``_plain_sgd`` regularises at every visited sample, mistake or not. This class does the same around its own
    update: with ``r`` the L1 ratio (1 for ``"l1"``, 0 for ``"l2"``, ``l1_ratio`` for ``"elasticnet"``), after
    computing ``z`` and ``delta``::

        w *= max(0, 1 - eta0 * alpha * (1 - r))    # L2 part: weight decay ("l2", "elasticnet")
        w += delta * x;  b += delta                 # the update rule above
        u += eta0 * alpha * r                       # L1 part ("l1", "elasticnet"): Tsuruoka et al.'s (2009)
        for every feature j with w_j != 0:          # cumulative truncated gradient, which clips at zero
            w_j = max(0, w_j - (u + q_j))  if w_j > 0 else  min(0, w_j + (u - q_j))
            q_j += (the change just made to w_j)    # q_j: the sum of these changes to w_j so far

    ``u`` and ``q`` start at zero at each call to :meth:`fit` or :meth:`partial_fit`, as in scikit-learn. The
    bias is not penalised, and class weights scale ``delta`` but not the penalty. The objective these steps
    descend, which the history's ``"loss"`` and the ``tol`` rule use (as scikit-learn's ``tol`` does), is the
    mean over the epoch's samples of ``class weight * loss(z) + alpha * (r * ||w||_1 + (1 - r) / 2 * ||w||^2)``,
    with ``w`` as it was when ``z`` was computed. An epoch without mistakes still ends training (rule 1 below),
    although the decay would go on moving the weights. Apart from the tie rule above, this replays
    scikit-learn's arithmetic on dense ``X`` (up to rounding: scikit-learn keeps ``w`` as a scale times a vector).
    On sparse ``X`` scikit-learn multiplies the bias steps by 0.01 and applies the L1 step to the sample's
    nonzero features only; here sparse ``X`` trains exactly as its dense equivalent.

    **Sparse input.** ``X`` may be a scipy.sparse matrix or array (kept as or converted to CSR). Training copies
    one row at a time into a dense vector and makes the same floating-point operations as on dense ``X``, so
    the weights are bit for bit the dense ones, while memory holds ``X`` plus one row. Each sample costs
    ``O(n_features)``, as for dense ``X``. Scores for prediction and for the early-stopping validation come from
    a sparse product, equal to the dense ones up to rounding.

    **Sigmoid.** The seed documents train the sigmoid neuron with the squared-error gradient
    ``(y - p) p (1 - p) x``; this class uses the log-loss gradient ``(y - p) x`` instead: it is convex, it
    does not vanish on confident mistakes, and it makes :meth:`predict_proba` the maximum-likelihood logistic
    model (scikit-learn's ``SGDClassifier(loss="log_loss", learning_rate="constant")`` without penalty).

    **Stopping.** After each epoch, a (one-vs-rest) perceptron stops when

    1. the epoch made no mistakes: converged (for the step, later epochs would not change anything);
    2. ``tol`` is not None and its loss (validation accuracy with ``early_stopping``) has not improved by
       ``tol`` for ``n_iter_no_change`` consecutive epochs, scikit-learn's rule; or
    3. ``max_iter`` epochs have run.

    The loss is the mean over the epoch's samples of ``class weight * loss(z)`` (plus the penalty term, see
    Penalty), each ``z`` taken before that sample's update: the objective the updates descend. (scikit-learn
    averages the unweighted loss; with extreme class weights that counts the negligible drift of the light
    class as improvement and runs to ``max_iter``.)

    Stopped one-vs-rest perceptrons are frozen while the others go on. A :class:`ConvergenceWarning` is
    raised whenever :meth:`fit` ends without converging, whichever of 2 or 3 stopped it: that is how the
    perceptron says the data (XOR, say) are not linearly separable.

    **One-vs-rest.** All ``n_classes`` perceptrons are trained in the same pass, in the same sample order;
    :meth:`predict` takes the class of the largest ``w_c . x + b_c``.

    **Precision.** Inputs are converted to float64, and the learned attributes are float64.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.perceptron import Perceptron
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> clf = Perceptron(shuffle=False).fit(X, [0, 0, 0, 1])
    >>> clf.converged_, clf.predict(X).tolist()
    (True, [0, 0, 0, 1])
    >>> clf.decision_boundary_equation()
    'x2 = -2 * x1 + 3'
    """

    _parameter_constraints: dict = {
        "activation": [StrOptions({"step", "sigmoid"})],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
    }

    def __init__(self, *, activation="step", penalty=None, alpha=0.0001, l1_ratio=0.15, fit_intercept=True,
                 max_iter=1000, tol=1e-3, shuffle=True, verbose=0, eta0=1.0, random_state=0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=5, class_weight=None, warm_start=False):
        self.activation = activation
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> Perceptron:
        """Train from zero weights (or from the previous ones with ``warm_start``) until a stopping rule fires.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : Perceptron
            The fitted estimator.

        Warns
        -----
        ConvergenceWarning
            If no epoch was free of mistakes (the data may not be linearly separable).
        """
        return self._fit(X, y, classes=None, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None) -> Perceptron:
        """Make exactly one epoch over ``X``, starting from the current weights (zero on the first call).

        Stopping rules, early stopping and the convergence warning do not apply; ``converged_`` says whether
        this epoch was free of mistakes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,)
            Its labels, all among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever be seen. Required on the first call, ignored (if equal) afterwards.

        Returns
        -------
        self : Perceptron
            The updated estimator.
        """
        self._validate_params()  # _fit_context checks only before the first call; set_params may act in between
        return self._fit(X, y, classes=classes, incremental=True)

    def decision_function(self, X) -> np.ndarray:
        """The pre-activation ``z = X @ w + b``: its sign says the side of the boundary.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        z : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One score per sample for a binary problem (``>= 0`` means ``classes_[1]``), one per class for
            one-vs-rest.
        """
        check_is_fitted(self)
        X = _validate_data_naming(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        z = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        return z.ravel() if z.shape[1] == 1 else z

    def predict(self, X) -> np.ndarray:
        """The class of each sample: the step of ``z`` for a binary problem, the largest ``z`` for one-vs-rest.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        z = self.decision_function(X)
        index = (z >= 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[index]

    @available_if(_is_sigmoid)
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of the sigmoid neuron (only with ``activation="sigmoid"``).

        For a binary problem ``[1 - p, p]`` with ``p = sigmoid(z)``; for one-vs-rest each class's sigmoid,
        normalised to sum to one (scikit-learn's convention for one-vs-rest logistic models).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    @available_if(_is_sigmoid)
    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed without overflow or ``log(0)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([special.log_expit(-z), special.log_expit(z)])
        log_p = special.log_expit(z)
        return log_p - special.logsumexp(log_p, axis=1, keepdims=True)

    def decision_boundary_equation(self) -> str:
        """The learned boundary ``w1 x1 + w2 x2 + b = 0`` of a two-feature binary problem, as a line to read.

        Returns
        -------
        equation : str
            ``"x2 = a * x1 + b"`` (numbers to 4 significant digits, ``"+ -b"`` written ``"- b"``), or
            ``"x1 = c"`` when the boundary is vertical (``w2 == 0``).

        Raises
        ------
        ValueError
            If the problem is not binary, does not have exactly two features, or all weights are zero.
        """
        check_is_fitted(self)
        n_lines, n_features = self.coef_.shape
        if n_lines != 1:
            raise ValueError(f"decision_boundary_equation needs a binary problem; this perceptron separates "
                             f"{len(self.classes_)} classes one-vs-rest, with one boundary per class in the rows "
                             f"of coef_ and intercept_")
        if n_features != 2:
            raise ValueError(f"decision_boundary_equation needs exactly 2 features to write a line x2 = a * x1 + "
                             f"b; this perceptron was fitted on {n_features}")
        (w1, w2), b = self.coef_[0], self.intercept_[0]
        if w2 != 0:
            return f"x2 = {_number(-w1 / w2)} * x1 {_signed(-b / w2)}"
        if w1 != 0:
            return f"x1 = {_number(-b / w1)}"
        raise ValueError("both weights are zero, so there is no boundary line: every point gets the same class")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- training ------------------------------------------------------------------------------------------

    def _fit(self, X, y, *, classes, incremental: bool) -> Perceptron:
        """The one training loop behind ``fit`` (``max_iter`` epochs) and ``partial_fit`` (one epoch)."""
        first_call = not (incremental and hasattr(self, "classes_"))
        if incremental and self.early_stopping:
            raise ValueError("early_stopping should be False with partial_fit")
        if incremental and self.class_weight == "balanced":
            raise ValueError("class_weight 'balanced' is not supported for partial_fit: the class frequencies of "
                             "one batch are not those of the data. Compute them once with "
                             "sklearn.utils.class_weight.compute_class_weight and pass the resulting dict.")
        y_given = y
        X, y = _validate_data_naming(self, X, y, accept_sparse="csr", dtype=np.float64, reset=first_call)
        check_classification_targets(y)
        show = partial(_as_given, y=y, given=y_given)
        classes_ = self._resolve_classes(y, classes, incremental, first_call, show)

        n_classes, n_features = len(classes_), X.shape[1]
        n_lines = 1 if n_classes == 2 else n_classes
        keep = (incremental and not first_call) or (self.warm_start and hasattr(self, "coef_"))
        if keep:
            self._check_warm_state(classes_, n_lines, n_features, show)
            W, b = self.coef_.astype(np.float64), self.intercept_.astype(np.float64)
            history = list(self.training_history_)
        else:
            W, b = np.zeros((n_lines, n_features)), np.zeros(n_lines)
            history = []
        if incremental and hasattr(self, "_rng"):
            rng = self._rng
        else:
            rng = _make_rng(self.random_state)

        T, weights = _targets_and_weights(y, classes_, _class_weights(self.class_weight, classes_, y, show))
        if sparse.issparse(X) and not X.has_canonical_format:  # summed duplicates and sorted indices, for _rows
            X = X.copy()
            X.sum_duplicates()

        train, val = np.arange(len(y)), None
        if self.early_stopping and not incremental:
            cannot = (f"early_stopping=True cannot hold out validation_fraction={self.validation_fraction} of X and "
                      f"y (n_samples={len(y)}), stratified by class, for validation")
            counts = np.unique(y, return_counts=True)[1]  # in the order of classes_
            if counts.min() < 2:  # said here, as the splitter would say it with y's validated labels (True as 1.0)
                raise ValueError(f"{cannot}: the least populated classes in y have only 1 member, which is too "
                                 f"few; stratifying needs 2 per class. Classes with too few members are: "
                                 f"{show(classes_[counts < 2])}")
            splitter = StratifiedShuffleSplit(test_size=self.validation_fraction,
                                              random_state=int(rng.integers(np.iinfo(np.int32).max)))
            try:
                train, val = next(splitter.split(np.zeros((len(y), 1)), y))
            except ValueError as exc:
                # the splitter speaks of test_size, which the user never passed
                raise ValueError(f"{cannot}: {exc}") from None

        f = activations.get(self.activation).forward
        penalty = None if self.penalty is None else _Penalty(self.penalty, self.alpha, self.l1_ratio, self.eta0,
                                                             W.shape)
        Xt, Tt, St = X[train], T[train], weights[train]
        tol = -np.inf if self.tol is None else self.tol
        active = np.ones(n_lines, dtype=bool)
        converged = np.zeros(n_lines, dtype=bool)
        no_improvement = np.zeros(n_lines, dtype=int)
        best = np.full(n_lines, np.inf if val is None else -np.inf)
        max_iter = 1 if incremental else self.max_iter
        epoch0 = history[-1]["epoch"] if history else 0

        for epoch in range(1, max_iter + 1):
            order = rng.permutation(len(train)) if self.shuffle else np.arange(len(train))
            rates = St * (self.eta0 * active)
            if penalty is not None:
                penalty.start_epoch(active)
            with np.errstate(over="ignore", invalid="ignore"):
                Z = _train_epoch(Xt, Tt, rates, W, b, order, self.fit_intercept, f, penalty)
            if not (np.isfinite(Z).all() and np.isfinite(W).all() and np.isfinite(b).all()):
                raise ValueError(f"Floating-point overflow at epoch {epoch}: the scores w . x + b or the weights "
                                 f"are no longer finite. "
                                 f"Scaling the input data with StandardScaler or MinMaxScaler, or a smaller "
                                 f"eta0 (received eta0={self.eta0!r}), might help.")
            T_seen = Tt[order]
            errors = ((Z >= 0) != (T_seen == 1)).sum(axis=0)
            loss = (St[order] * _loss(Z, T_seen, self.activation)).mean(axis=0)
            if penalty is not None:
                loss = loss + penalty.total / len(order)
            record = {"epoch": epoch0 + epoch, "errors": errors, "accuracy": 1 - errors / len(train),
                      "loss": loss, "weights": W.copy(), "bias": b.copy()}
            converged = converged | (active & (errors == 0))
            if val is None:
                worse = loss > best - tol
                best = np.minimum(best, loss)
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    z_val = safe_sparse_dot(X[val], W.T, dense_output=True) + b
                    score = ((z_val >= 0) == (T[val] == 1)).mean(axis=0)
                record["validation_accuracy"] = score
                worse = score < best + tol
                best = np.maximum(best, score)
            no_improvement = np.where(worse, no_improvement + 1, 0)
            history.append(_squeeze(record) if n_lines == 1 else record)
            if self.verbose:
                print(_epoch_line(history[-1]))
            active &= ~converged & (no_improvement < self.n_iter_no_change)
            if incremental or not active.any():
                break

        self.classes_ = classes_
        self.coef_ = W
        self.intercept_ = b
        self.n_iter_ = epoch
        self.converged_ = bool(converged.all()) if not incremental else bool((errors == 0).all())
        self.training_history_ = history
        self._rng = rng
        if not incremental and not self.converged_:
            warnings.warn(self._not_converged_message(converged, active, show), ConvergenceWarning, stacklevel=4)
        return self

    def _resolve_classes(self, y, classes, incremental: bool, first_call: bool, show) -> np.ndarray:
        """The sorted class labels, checked against ``classes`` and earlier ``partial_fit`` calls.

        ``show`` writes labels for messages as the user gave them (see ``_as_given``).
        """
        if not incremental:
            classes_ = np.unique(y)
        elif first_call:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            classes_ = np.unique(np.asarray(classes))
        else:
            classes_ = self.classes_
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), classes_):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                                 f"was: {classes_.tolist()}")
        if incremental:
            unknown = np.setdiff1d(y, classes_)
            if unknown.size:
                raise ValueError(f"y contains labels {show(unknown)} that are not in classes "
                                 f"{classes_.tolist()}")
        if len(classes_) < 2:
            raise ValueError(f"Perceptron needs samples of at least 2 classes in the data, but the data contain "
                             f"only one class: {show(classes_)[0]!r}")
        return classes_

    def _check_warm_state(self, classes_, n_lines: int, n_features: int, show) -> None:
        """Refuse to continue from weights that belong to other classes or another number of features."""
        if not np.array_equal(classes_, self.classes_):
            raise ValueError(f"cannot continue training (warm_start or partial_fit) on classes "
                             f"{show(classes_)}: the current weights are for classes_ {self.classes_.tolist()}")
        if self.coef_.shape != (n_lines, n_features):
            raise ValueError(f"cannot continue training (warm_start or partial_fit) on {n_features} features: "
                             f"the current weights coef_ have shape {self.coef_.shape}")

    def _not_converged_message(self, converged: np.ndarray, active: np.ndarray, show) -> str:
        """Say which perceptron(s) did not converge and which rule stopped them."""
        if len(converged) == 1:
            who = "Perceptron did not converge"
        else:
            missing = show(self.classes_[~converged])
            who = f"Perceptron did not converge for the one-vs-rest problem(s) of class(es) {missing}"
        if active[~converged].any():
            why = (f"training stopped at max_iter={self.max_iter}; increase max_iter, or the data may not be "
                   f"linearly separable")
        else:
            watched = "validation accuracy" if self.early_stopping else "training loss"
            why = (f"training stopped because the {watched} did not improve by tol={self.tol} for "
                   f"n_iter_no_change={self.n_iter_no_change} epochs; the data may not be linearly separable")
        return (f"{who}: every one of its {self.n_iter_} epoch(s) misclassified at least one training sample; "
                f"{why}.")


def _targets_and_weights(y, classes_, class_weight) -> tuple[np.ndarray, np.ndarray]:
    """Targets ``T`` (n_samples, n_lines) in {0, 1}, and the class weight that scales each sample's update.

    A binary problem has one line, positive ``classes_[1]``; one-vs-rest has a line per class. As in
    scikit-learn, a one-vs-rest line weights its positives by their class weight and the rest by 1.
    """
    if len(classes_) == 2:
        T = (y == classes_[1]).astype(np.float64)[:, None]
        return T, np.where(T == 1, class_weight[1], class_weight[0])
    T = (y[:, None] == classes_[None, :]).astype(np.float64)
    return T, np.where(T == 1, class_weight[None, :], 1.0)


def _train_epoch(X, T, rates, W, b, order, fit_intercept: bool, f, penalty: _Penalty | None = None) -> np.ndarray:
    """One online pass: ``delta = rate * (t - f(w @ x + b))``; ``W += delta x``; ``b += delta``, in place.

    All one-vs-rest lines are updated together; ``rates`` (n_samples, n_lines) holds ``eta0 * class weight``,
    zero for lines that have stopped. ``penalty``, if given, decays ``W`` before each update and truncates it
    after (scikit-learn's order). Returns the pre-update scores ``z`` of the samples in visiting order, from
    which the epoch's mistakes and loss are counted.
    """
    Z = np.empty((len(order), W.shape[0]))
    row = _rows(X)
    for j, i in enumerate(order):
        x = row(i)
        z = W @ x + b
        Z[j] = z
        delta = T[i] - f(z)
        if penalty is not None:
            penalty.decay(W)
        if delta.any():  # the step moves nothing on a correct prediction
            delta *= rates[i]
            W += delta[:, None] * x
            if fit_intercept:
                b += delta
        if penalty is not None:
            penalty.truncate(W)
    return Z


class _Penalty:
    """scikit-learn's per-sample regularisation step with its running state (see Perceptron's Notes, Penalty).

    ``r`` is the L1 ratio. The L2 part multiplies the weights by ``1 - eta0 * alpha * (1 - r)`` (at least 0);
    the L1 part is the cumulative truncated gradient of Tsuruoka, Tsujii and Ananiadou (2009), "Stochastic
    gradient descent training for L1-regularized log-linear models with cumulative penalty": ``u`` is the L1
    penalty every weight could have received so far, ``q`` the sum of the changes the L1 part did make to each
    weight. A positive weight is lowered by ``u + q``, a negative one raised by ``u - q``, neither past zero.
    Lines that have stopped training are left alone.
    """

    def __init__(self, penalty: str, alpha: float, l1_ratio: float, eta0: float, shape: tuple[int, int]):
        r = {"l2": 0.0, "l1": 1.0, "elasticnet": float(l1_ratio)}[penalty]
        self.alpha_l2, self.alpha_l1 = alpha * (1.0 - r), alpha * r
        self.factor = max(0.0, 1.0 - eta0 * self.alpha_l2)
        self.step = eta0 * self.alpha_l1
        self.u = np.zeros(shape[0])
        self.q = np.zeros(shape)
        self.start_epoch(np.ones(shape[0], dtype=bool))

    def start_epoch(self, active: np.ndarray) -> None:
        """Penalise only the ``active`` lines, and start summing the epoch's penalty term afresh."""
        self.factors = np.where(active, self.factor, 1.0)[:, None]
        self.steps = np.where(active, self.step, 0.0)
        self.active = active[:, None]
        self.total = np.zeros(len(active))

    def decay(self, W: np.ndarray) -> None:
        """Add the penalty term at ``W`` to the epoch's sum, then apply the L2 part to ``W`` in place."""
        self.total += self.alpha_l2 / 2 * np.einsum("ij,ij->i", W, W) + self.alpha_l1 * np.abs(W).sum(axis=1)
        if self.alpha_l2:
            W *= self.factors

    def truncate(self, W: np.ndarray) -> None:
        """Apply the L1 part to ``W`` in place (after the sample's update)."""
        if not self.alpha_l1:
            return
        self.u += self.steps
        u = self.u[:, None]
        shrunk = np.where(W > 0, np.maximum(0.0, W - (u + self.q)), np.minimum(0.0, W + (u - self.q)))
        new = np.where(self.active & (W != 0), shrunk, W)
        self.q += new - W
        W[...] = new


def _rows(X):
    """``i -> X[i]`` as a dense 1-D array; for a CSR matrix (canonical), one vector refilled from row ``i``.

    The vector is reused: the row before is zeroed where it had entries, then row ``i``'s entries are written.
    """
    if not sparse.issparse(X):
        return X.__getitem__
    x = np.zeros(X.shape[1])
    indptr, indices, data = X.indptr, X.indices, X.data
    written = indices[:0]

    def row(i):
        nonlocal written
        x[written] = 0.0
        written = indices[indptr[i]:indptr[i + 1]]
        x[written] = data[indptr[i]:indptr[i + 1]]
        return x

    return row


def _class_weights(class_weight, classes_, y, show) -> np.ndarray:
    """The weight of each class in ``classes_``: scikit-learn's ``compute_class_weight``, with a dict read by label.

    scikit-learn looks ``class_weight[int(label)]`` up, which finds no weight for the string labels "1" and "2"
    and names the class False as 0 in its error; here a dict is looked up with the labels themselves. As in
    scikit-learn, a class the dict leaves out weighs 1, and a key that is not a class is an error only when
    some class has no weight (a dict written for all the classes may be reused on data that lack some). A
    weight must be a finite number >= 0: a negative one would turn its class's updates around.
    """
    if not isinstance(class_weight, dict):
        return compute_class_weight(class_weight, classes=classes_, y=y)
    for key, value in class_weight.items():
        if not (isinstance(value, Real) and np.isfinite(value) and value >= 0):
            raise ValueError(f"class_weight must map classes to finite weights >= 0; received {value!r} for "
                             f"class {key!r}")
    labels = classes_.tolist()
    weights = np.array([class_weight.get(label, 1.0) for label in labels], dtype=np.float64)
    unweighted = [label for label in labels if label not in class_weight]
    extra = [key.item() if isinstance(key, np.generic) else key for key in class_weight if key not in labels]
    if unweighted and extra:
        raise ValueError(f"class_weight has weights for {extra}, which are not classes of y, and none for the "
                         f"classes {show(unweighted)}; the classes are {show(classes_)}")
    return weights


def _as_given(labels, *, y: np.ndarray, given) -> list:
    """``labels`` (values of the validated ``y``) as the user wrote them in ``given``, y before validation.

    Validation can change the labels' type: a pandas column of the nullable "boolean" or "Int64" dtype becomes
    float64, so True would read 1.0 in a message. Each label is shown as the first entry of ``given`` where
    ``y`` holds it; a label that ``y`` lacks (one of partial_fit's ``classes``) is shown as it is.
    """
    labels = np.asarray(labels).tolist()
    try:
        given = np.asarray(given, dtype=object).reshape(-1)
    except (TypeError, ValueError):
        return labels
    if len(given) != len(y):
        return labels
    shown = []
    for label in labels:
        where = np.flatnonzero(y == label)
        value = given[where[0]] if where.size else label
        shown.append(value.item() if isinstance(value, np.generic) else value)
    return shown


def _loss(Z: np.ndarray, T: np.ndarray, activation: str) -> np.ndarray:
    """Per-sample loss: the perceptron criterion for the step, the log loss (from ``z``, stably) for the sigmoid."""
    if activation == "step":
        return np.maximum(0.0, -(2 * T - 1) * Z)
    return np.logaddexp(0.0, Z) - T * Z


def _make_rng(random_state) -> np.random.Generator:
    """A private Generator from ``random_state``; never NumPy's global state (which ``None`` means in sklearn)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def _squeeze(record: dict) -> dict:
    """A binary problem's history entry: scalars and a 1-D weight vector, as in the seed documents."""
    out = {"epoch": record["epoch"], "errors": int(record["errors"][0]), "accuracy": float(record["accuracy"][0]),
           "loss": float(record["loss"][0]), "weights": record["weights"][0], "bias": float(record["bias"][0])}
    if "validation_accuracy" in record:
        out["validation_accuracy"] = float(record["validation_accuracy"][0])
    return out


def _epoch_line(record: dict) -> str:
    """The ``verbose`` line for one epoch (one-vs-rest values summed or averaged over the classes)."""
    line = f"-- Epoch {record['epoch']}: errors={np.sum(record['errors'])}, loss={np.mean(record['loss']):.6g}"
    if "validation_accuracy" in record:
        line += f", validation accuracy={np.mean(record['validation_accuracy']):.4f}"
    return line


def _number(value: float) -> str:
    """``value`` to 4 significant digits, without a negative zero."""
    return f"{value + 0.0:.4g}"


def _signed(value: float) -> str:
    """``"+ v"`` or ``"- v"``, so an equation reads ``x2 = 2 * x1 - 1`` rather than ``+ -1``."""
    text = _number(value)
    return f"- {text[1:]}" if text.startswith("-") else f"+ {text}"
