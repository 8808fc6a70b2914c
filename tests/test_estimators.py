"""MLPClassifier / MLPRegressor: scikit-learn's conformance checks, and the same answers as scikit-learn's MLP."""

import io
import pickle
import warnings
from contextlib import redirect_stdout

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_digits, make_circles, make_moons, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as gn


@parametrize_with_checks([
    gn.MLPClassifier(max_iter=100),
    gn.MLPClassifier(solver="lbfgs", max_iter=100),
    gn.MLPClassifier(solver="sgd", max_iter=100, learning_rate="adaptive"),
    gn.MLPClassifier(max_iter=100, activation="gelu", kernel_initializer="he_uniform"),
    gn.MLPRegressor(max_iter=100),
    gn.MLPRegressor(solver="lbfgs", max_iter=100),
    gn.MLPRegressor(solver="sgd", max_iter=100),
])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def _params(est):
    return est.coefs_ + est.intercepts_


def _max_diff(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(_params(a), _params(b)))


SETTINGS = [
    {"solver": "sgd"}, {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
    {"solver": "sgd", "learning_rate": "invscaling"}, {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.1},
    {"solver": "adam"}, {"solver": "adam", "early_stopping": True}, {"solver": "lbfgs"},
    {"solver": "adam", "alpha": 0.1, "batch_size": 17},
    # plain SGD takes each kernel's step, L2 decay included, inside the product that computes its gradient
    {"solver": "sgd", "momentum": 0.0}, {"solver": "sgd", "momentum": 0.0, "alpha": 0.1, "batch_size": 17},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_classifier_gives_scikit_learns_coefs_from_the_same_random_state(settings):
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    kwargs = {"hidden_layer_sizes": (7, 5), "random_state": 3, "max_iter": 40, **settings}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = gn.MLPClassifier(**kwargs).fit(X, y)
        theirs = sk.MLPClassifier(**kwargs).fit(X, y)
    assert _max_diff(ours, theirs) < 1e-6
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)
    for attr in ("loss_curve_", "validation_scores_"):
        if hasattr(theirs, attr) and getattr(theirs, attr) is not None:
            np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), rtol=1e-6)


def test_plain_sgd_on_kernels_large_enough_for_blas_matches_scikit_learn():
    """A 130x130 kernel is large enough for its SGD step and L2 term to go through BLAS's axpby (where NumPy's
    BLAS can be called), the others through NumPy: the same coefs_ as scikit-learn's."""
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    kwargs = {"hidden_layer_sizes": (130, 130), "random_state": 3, "max_iter": 15, "solver": "sgd",
              "momentum": 0.0, "alpha": 0.1, "batch_size": 17}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = gn.MLPClassifier(**kwargs).fit(X, y)
        theirs = sk.MLPClassifier(**kwargs).fit(X, y)
    assert _max_diff(ours, theirs) < 1e-6
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_from_given_starting_weights_matches_scikit_learn(solver, loss):
    """The issue's recipe: set coefs_/intercepts_, warm_start=True, shuffle=False; same data -> same coefs_."""
    X, y = make_regression(n_samples=120, n_features=4, n_targets=2, noise=1.0, random_state=0)
    y = np.abs(y) / 100 if loss == "poisson" else y / 100
    rng = np.random.default_rng(0)
    start = [rng.normal(scale=0.3, size=s) for s in [(4, 6), (6, 2)]], [rng.normal(scale=0.1, size=s)
                                                                         for s in [6, 2]]
    fitted = []
    for cls in (gn.MLPRegressor, sk.MLPRegressor):
        est = cls(loss=loss, hidden_layer_sizes=(6,), activation="tanh", solver=solver, warm_start=True,
                  shuffle=False, max_iter=1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
            est.coefs_ = [c.copy() for c in start[0]]
            est.intercepts_ = [b.copy() for b in start[1]]
            est.set_params(max_iter=30)
            est.fit(X, y)
        fitted.append(est)
    assert _max_diff(*fitted) < 1e-6


@pytest.mark.parametrize("settings", [{}, {"solver": "sgd", "momentum": 0.0, "alpha": 0.01}], ids=["adam", "sgd"])
def test_multilabel_sample_weight_and_sparse_input_match_scikit_learn(settings):
    """Sparse input takes NumPy's product for the first kernel, not BLAS's in-place one: plain SGD's decay and
    step then follow separately, and must come to the same."""
    X, Y = make_multilabel_classification(n_samples=150, n_features=6, n_classes=3, random_state=0)
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=150)
    kwargs = {"hidden_layer_sizes": (8,), "random_state": 0, "max_iter": 25, **settings}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = gn.MLPClassifier(**kwargs).fit(sp.csr_matrix(X), Y, sample_weight=w)
        theirs = sk.MLPClassifier(**kwargs).fit(sp.csr_matrix(X), Y, sample_weight=w)
    assert _max_diff(ours, theirs) < 1e-6
    assert np.array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6)


def test_partial_fit_matches_scikit_learn_and_needs_classes_first():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    ours, theirs = gn.MLPClassifier((16,), random_state=0), sk.MLPClassifier((16,), random_state=0)
    for est in (ours, theirs):
        for chunk in np.array_split(np.arange(len(X)), 4):
            est.partial_fit(X[chunk], y[chunk], classes=np.arange(10))
    assert _max_diff(ours, theirs) < 1e-6
    with pytest.raises(ValueError, match="classes"):
        gn.MLPClassifier().partial_fit(X, y)
    assert not hasattr(gn.MLPClassifier(solver="lbfgs"), "partial_fit")


def test_float32_input_keeps_float32_parameters_and_predictions():
    X, y = make_moons(n_samples=100, random_state=0)
    est = gn.MLPClassifier((5,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(np.float32), y)
    assert all(p.dtype == np.float32 for p in _params(est))
    assert est.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_pickle_and_joblib_round_trip_and_clone():
    X, y = make_moons(n_samples=100, random_state=0)
    est = gn.MLPClassifier((5,), solver="lbfgs", random_state=0).fit(X, y)
    for restored in (pickle.loads(pickle.dumps(est)), joblib.load(_joblib_dump(est))):
        assert np.array_equal(restored.predict_proba(X), est.predict_proba(X))
        assert restored.coefs_[0] is restored.model_.layers[0].params["W"]
    assert not hasattr(clone(est), "coefs_")


def _joblib_dump(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.slow
def test_pipeline_grid_search_with_two_jobs_and_cross_val_score():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    pipe = make_pipeline(StandardScaler(), gn.MLPClassifier(solver="lbfgs", random_state=0, max_iter=300))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)]}, cv=3, n_jobs=2)
    grid.fit(X, y)
    assert grid.best_score_ > 0.85
    scores = cross_val_score(gn.MLPRegressor(solver="lbfgs", random_state=0, max_iter=500),
                             X, X[:, 0] ** 2, cv=3)
    assert scores.mean() > 0.8


def test_convergence_warning_and_verbose_output_like_scikit_learn():
    X, y = make_moons(n_samples=100, random_state=0)
    out = io.StringIO()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"), redirect_stdout(out):
        gn.MLPClassifier((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and len(lines) == 3


def test_history_model_and_analysis_work_on_a_fitted_estimator():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    est = gn.MLPClassifier((8,), early_stopping=True, random_state=0, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    h = est.history_
    assert set(h) >= {"loss", "score", "val_loss", "val_score", "lr"}
    assert len(h["loss"]) == est.n_iter_
    assert h["loss"] == est.loss_curve_ and h["val_score"] == est.validation_scores_
    assert isinstance(est.model_, gn.Sequential)
    assert est.coefs_[0] is est.model_.layers[0].params["W"]
    np.testing.assert_allclose(est.model_.predict(X)[:, 0], est.predict_proba(X)[:, 1], rtol=1e-12)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_callbacks_see_each_batchs_true_gradient(solver):
    """On the one loop a batch callback sees, at each batch's end, the gradients of that batch's loss (L2 term
    included) at the weights before the step: what central differences of the network's loss give."""
    X, y = make_moons(n_samples=120, noise=0.2, random_state=0)
    lr, alpha = 0.05, 0.3
    seen = []

    def grab(batch, logs):
        model = est.model_
        seen.append(([w.copy() for w in model.get_weights()],
                     [layer.grads[k].copy() for layer in model.layers for k in layer.params]))

    record = gn.callbacks.LambdaCallback(on_batch_end=grab)
    est = gn.MLPClassifier((5,), solver=solver, momentum=0.0, learning_rate_init=lr, alpha=alpha, batch_size=50,
                           shuffle=False, max_iter=2, random_state=0, callbacks=[record])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert len(seen) == 6  # 3 batches (50, 50, 20 rows) in each of 2 epochs
    model = est.model_
    Xb, yb = X[100:], y[100:, None].astype(float)  # epoch 2's last batch: 20 rows
    # the weights before that batch's step are those after the previous batch
    before, grads = seen[-2][0], seen[-1][1]
    model.set_weights(before)
    loss = model.loss
    rng = np.random.default_rng(0)
    params = [layer.params[k] for layer in model.layers for k in layer.params]

    def batch_loss():
        out = model.predict(Xb)
        return loss.value(yb, out) + loss.penalty_scale(len(Xb)) * sum(layer.penalty() for layer in model.layers)

    for p, g in zip(params, grads):
        for flat in rng.choice(p.size, size=min(4, p.size), replace=False):
            i = np.unravel_index(flat, p.shape)
            old = p[i]
            p[i] = old + 1e-6
            up = batch_loss()
            p[i] = old - 1e-6
            down = batch_loss()
            p[i] = old
            assert g[i] == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls", [gn.MLPClassifier, gn.MLPRegressor])
def test_lbfgs_full_batch_in_chunks_gives_the_whole_batch_loss_and_gradients(cls, weighted, monkeypatch):
    """L-BFGS sums its full-batch pass over chunks of rows (bounded work arrays): the loss and every gradient,
    L2 term included once, equal one pass over all rows, which the tests above compare with scikit-learn."""
    X, y = make_moons(n_samples=203, noise=0.2, random_state=0)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X)) if weighted else None
    est = cls(hidden_layer_sizes=(6, 4), solver="lbfgs", alpha=0.3, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=w)
    Y = y[:, None].astype(float)
    grads = [layer.grads[k] for layer in est.model_.layers for k in layer.params]
    whole = est._full_batch_pass(X, Y, w)
    expected = [g.copy() for g in grads]
    monkeypatch.setattr(gn.estimators, "_FULL_BATCH_CHUNK", 16)  # 13 chunks of 15 or 16 rows
    chunked = est._full_batch_pass(X, Y, w)
    assert chunked == pytest.approx(whole, rel=1e-13)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-15)
    # and the whole pass is the network's loss and gradients (an independent path through loss_and_gradients)
    loss, reference = est.model_.loss_and_gradients(X, Y, training=True, sample_weight=w)
    assert whole == pytest.approx(loss, rel=1e-12)
    for g, e in zip(expected, reference):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-14)


def test_validation_data_gives_per_epoch_curves_without_changing_training():
    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    X_val, y_val = make_moons(n_samples=100, noise=0.2, random_state=1)
    kwargs = {"hidden_layer_sizes": (8,), "random_state": 0, "max_iter": 15}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = gn.MLPClassifier(**kwargs).fit(X, y)
        seen = []
        record = gn.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs: seen.append((est.score(X_val, y_val), est.model_.evaluate(
                X_val, y_val[:, None], return_dict=True)["loss"])))
        est = gn.MLPClassifier(callbacks=[record], **kwargs)
        est.fit(X, y, validation_data=(X_val, y_val))
    assert _max_diff(plain, est) == 0
    assert len(est.history_["val_score"]) == est.n_iter_ == 15
    np.testing.assert_allclose(est.history_["val_score"], [s for s, _ in seen], rtol=1e-12)
    np.testing.assert_allclose(est.history_["val_loss"], [v for _, v in seen], rtol=1e-12)
    with pytest.raises(ValueError, match="classes not in"):
        gn.MLPClassifier(**kwargs).fit(X, y, validation_data=(X_val, y_val + 5))


def test_glassnet_callbacks_run_each_epoch_and_can_stop_training():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    seen = []
    stop = gn.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: (
        seen.append(logs["loss"]), setattr(est.model_, "stop_training", epoch == 4)))
    est = gn.MLPClassifier((8,), random_state=0, callbacks=[stop])
    est.fit(X, y)
    assert est.n_iter_ == 5 and seen == est.loss_curve_


def test_batch_norm_drops_a_final_batch_of_one_with_one_warning_per_fit():
    """65 rows in batches of 32, in order: the fit is the fit on the first 64 rows (the 65th would be a batch of
    one, which BatchNorm normalises to 0), and says so once for the whole fit, at the caller's line."""
    X, y = make_moons(n_samples=65, noise=0.2, random_state=0)
    kwargs = dict(hidden_layer_sizes=(6,), batch_norm=True, solver="sgd", batch_size=32, shuffle=False,
                  max_iter=4, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped = gn.MLPClassifier(**kwargs).fit(X, y)
    found = [w for w in caught if "BatchNorm" in str(w.message)]
    assert len(found) == 1 and found[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)   # (a UserWarning; the filter added last wins)
        kept = gn.MLPClassifier(**kwargs).fit(X[:64], y[:64])
    for a, b in zip(_params(dropped), _params(kept), strict=True):
        np.testing.assert_array_equal(a, b)
    assert dropped.loss_curve_ == kept.loss_curve_
    with pytest.warns(UserWarning, match="final batch of one"):
        dropped.partial_fit(X, y)                  # each call is a fit of its own


@pytest.mark.parametrize("Estimator, kwargs, n", [
    (gn.MLPClassifier, {"batch_size": 1}, 20),
    (gn.MLPRegressor, {"batch_size": 1}, 20),
    (gn.MLPRegressor, {"solver": "lbfgs"}, 1),
    (gn.MLPRegressor, {"solver": "adam"}, 1),
])
def test_batch_norm_refuses_batches_of_one_and_leaves_the_estimator_unfitted(Estimator, kwargs, n):
    X, y = make_moons(n_samples=20, noise=0.2, random_state=0)
    est = Estimator(hidden_layer_sizes=(4,), batch_norm=True, max_iter=3, random_state=0, **kwargs)
    with pytest.raises(ValueError, match="BatchNorm.*at least 2 samples"):
        est.fit(X[:n], y[:n])
    assert not hasattr(est, "coefs_") and not hasattr(est, "model_")


def test_extras_dropout_batch_norm_activation_and_initializer_are_used():
    est = gn.MLPClassifier((16, 8), activation="gelu", dropout=[0.2, 0.1], batch_norm=True,
                           kernel_initializer="he_normal", random_state=0, max_iter=5)
    X, y = make_moons(n_samples=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    names = [type(layer).__name__ for layer in est.model_.layers]
    assert names == ["Dense", "BatchNorm", "Dropout", "Dense", "BatchNorm", "Dropout", "Dense"]
    assert [layer.rate for layer in est.model_.layers if isinstance(layer, gn.Dropout)] == [0.2, 0.1]
    assert est.model_.layers[0].activation.name == "gelu"
    assert est.model_.layers[0].kernel_initializer.name == "he_normal"
    with pytest.raises(ValueError, match="dropout"):
        gn.MLPClassifier((4, 4), dropout=[0.1]).fit(X, y)
    with pytest.raises(ValueError, match="stochastic"):
        gn.MLPClassifier((4,), solver="lbfgs", dropout=0.1).fit(X, y)


def test_kernel_initializer_may_be_a_keras_style_function():
    shapes = []

    def constant(shape, dtype=None):
        shapes.append(shape)
        return np.full(shape, 0.1)

    X, y = make_moons(n_samples=60, random_state=0)
    est = gn.MLPRegressor(hidden_layer_sizes=(5,), kernel_initializer=constant, solver="sgd",
                          learning_rate_init=1e-12, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert shapes == [(2, 5), (5, 1)]  # the kernels only: the biases start at zero
    np.testing.assert_allclose(est.coefs_[0], 0.1, atol=1e-9)  # one step of a 1e-12 learning rate
    np.testing.assert_allclose(est.intercepts_[0], 0.0, atol=1e-9)


def test_class_weight_equals_the_matching_sample_weight():
    X, y = make_moons(n_samples=120, noise=0.3, random_state=0)
    kwargs = {"hidden_layer_sizes": (6,), "solver": "lbfgs", "random_state": 0, "max_iter": 50}
    a = gn.MLPClassifier(class_weight={0: 1.0, 1: 3.0}, **kwargs).fit(X, y)
    b = gn.MLPClassifier(**kwargs).fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    assert _max_diff(a, b) < 1e-12


@pytest.mark.parametrize("maker", [
    lambda s: make_moons(n_samples=500, noise=0.25, random_state=s),
    lambda s: make_circles(n_samples=500, noise=0.1, factor=0.5, random_state=s),
    lambda s: load_digits(return_X_y=True),
], ids=["moons", "circles", "digits"])
@pytest.mark.slow
def test_test_accuracy_at_least_scikit_learns_and_better_with_extras(maker):
    ours_plain, ours_extra, theirs = [], [], []
    for seed in range(2):
        X, y = maker(seed)
        X = StandardScaler().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
        kwargs = {"hidden_layer_sizes": (64,), "random_state": seed, "max_iter": 60}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs.append(sk.MLPClassifier(**kwargs).fit(X_train, y_train).score(X_test, y_test))
            ours_plain.append(gn.MLPClassifier(**kwargs).fit(X_train, y_train).score(X_test, y_test))
            ours_extra.append(gn.MLPClassifier(dropout=0.2, batch_norm=True, **kwargs)
                              .fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(ours_plain) >= np.mean(theirs) - 1e-12
    assert np.mean(ours_extra) >= np.mean(theirs) - 0.01


def test_bad_parameters_get_scikit_learns_messages():
    X, y = make_moons(n_samples=50, random_state=0)
    with pytest.raises(ValueError, match="The 'solver' parameter of MLPClassifier must be"):
        gn.MLPClassifier(solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        gn.MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        gn.MLPClassifier().fit(np.where(X > 1.5, np.nan, X), y)
    est = gn.MLPClassifier((4,), solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        est.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="classes not in"):
        gn.MLPClassifier((4,)).partial_fit(X, y, classes=[0, 1]).partial_fit(X, y + 1)


def test_callbacks_see_partial_fit_calls_as_one_continuing_run():
    X, y = make_moons(n_samples=120, noise=0.2, random_state=0)
    recorder = gn.analysis.TrainingRecorder()
    est = gn.MLPClassifier((6,), random_state=0, callbacks=[recorder])
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1])
    assert [r["epoch"] for r in recorder.records] == [0, 1, 2]
    assert len(est.loss_curve_) == 3


@pytest.mark.parametrize("cls, bad", [(gn.MLPClassifier, {"alpha": -1.0}), (gn.MLPRegressor, {"momentum": 5})])
def test_partial_fit_checks_parameters_changed_after_a_fit(cls, bad):
    """scikit-learn's _fit_context skips the parameter check once an estimator is fitted; partial_fit checks them
    itself, and a refused call leaves the weights as they were."""
    X, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    est = cls(hidden_layer_sizes=(4,), solver="sgd", max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    before = [w.copy() for w in est.coefs_]
    est.set_params(**bad)
    with pytest.raises(ValueError, match=next(iter(bad))):
        est.partial_fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, est.coefs_))


def test_regressor_partial_fit_on_one_row_scores_nan_without_warnings():
    est = gn.MLPRegressor(hidden_layer_sizes=(3,), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.partial_fit(np.ones((1, 2)), [1.0])
    assert np.isnan(est.history_["score"][-1])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_partial_fit_that_fails_midway_leaves_every_curve_as_it_was(solver):
    """A callback failing at the epoch's end, after scikit-learn's bookkeeping grew loss_curve_ and history_:
    the estimator is restored, curves included (not only its weights)."""
    X, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    est = gn.MLPClassifier(hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    before = (list(est.loss_curve_), {k: list(v) for k, v in est.history_.items()}, est.n_iter_, est.t_,
              [w.copy() for w in est.coefs_], est.model_.history.epoch[:])

    def fail(epoch, logs):
        raise RuntimeError("a callback failed")

    est.set_params(callbacks=[gn.callbacks.LambdaCallback(on_epoch_end=fail)])
    with pytest.raises(RuntimeError, match="a callback failed"):
        est.partial_fit(X, y)
    assert est.loss_curve_ == before[0] and est.history_ == before[1]
    assert (est.n_iter_, est.t_) == before[2:4] and est.model_.history.epoch == before[5]
    assert all(np.array_equal(a, b) for a, b in zip(est.coefs_, before[4]))
