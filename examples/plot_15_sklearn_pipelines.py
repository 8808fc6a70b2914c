"""
scikit-learn pipelines and grid search
======================================

:class:`glassnet.MLPClassifier` and :class:`glassnet.MLPRegressor` take the parameters of scikit-learn's
``sklearn.neural_network`` estimators, with the same defaults, and fit the same weights from the same
``random_state``. So they fit into pipelines, cross-validation and grid searches unchanged, and what they
learned can then be read with every glassnet analysis tool.
"""

# %%
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as ScikitLearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as gn

# %%
# The data: 30 measurements per tumour
# ------------------------------------
# scikit-learn's breast cancer data: 569 tumours, 30 measurements each, on very different scales.

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
print(f"feature means range from {X.mean(axis=0).min():.3g} to {X.mean(axis=0).max():.3g}")

# %%
# A pipeline, cross-validated
# ---------------------------
# Neural networks want inputs of about unit scale, so the pipeline standardises the features first (fitted on
# the training folds only, as a pipeline does). The classifier is Adam with scikit-learn's defaults except for a
# larger learning rate and a looser stopping tolerance, which make it quick on a data set this small.

classifier = gn.MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, tol=1e-3, max_iter=100,
                              random_state=0)
pipeline = make_pipeline(StandardScaler(), classifier)
scores = cross_val_score(pipeline, X_train, y_train, cv=5)
print(f"5-fold accuracy {scores.mean():.3f} ± {scores.std():.3f}")

# %%
# Without the scaler, :func:`glassnet.analysis.diagnose` objects before any network is trained: given no model,
# it runs the rules that read the data alone.

for finding in gn.analysis.diagnose(None, X=X_train, y=y_train):
    print(finding)

# %%
# A grid search
# -------------
# ``GridSearchCV`` tunes the hidden layer size and the L2 penalty ``alpha`` of the pipeline's classifier.

grid = GridSearchCV(pipeline, {"mlpclassifier__hidden_layer_sizes": [(4,), (32,)],
                               "mlpclassifier__alpha": [1e-4, 1e-1, 10.0]}, cv=3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    grid.fit(X_train, y_train)
print(f"best: {grid.best_params_}, cross-validated accuracy {grid.best_score_:.3f}")
print(f"test accuracy of the refitted best pipeline: {grid.score(X_test, y_test):.3f}")
print(f"{len(caught)} of the {len(grid.cv_results_['params']) * 3 + 1} fits stopped at max_iter")

# %%
# The mean cross-validated accuracy of every combination. Each row of ``cv_results_`` becomes a dict for
# :func:`glassnet.plots.plot_sweep_heatmap`:

results = [{"hidden units": params["mlpclassifier__hidden_layer_sizes"][0], "alpha": params["mlpclassifier__alpha"],
            "accuracy": score}
           for params, score in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"])]
gn.plots.plot_sweep_heatmap(results, x="hidden units", y="alpha", value="accuracy")

# %%
# The same weights as scikit-learn
# --------------------------------
# With the same ``random_state``, glassnet's estimator draws the same initial weights as scikit-learn's, visits
# the samples in the same order and makes the same updates. Twenty epochs of Adam on the scaled data, both ways:

scaler = StandardScaler().fit(X_train)
Z_train = scaler.transform(X_train)
settings = {"hidden_layer_sizes": (16,), "max_iter": 20, "random_state": 0}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 20 epochs are deliberately too few to converge
    ours = gn.MLPClassifier(**settings).fit(Z_train, y_train)
    theirs = ScikitLearnMLPClassifier(**settings).fit(Z_train, y_train)
difference = max(np.abs(a - b).max() for a, b in zip(ours.coefs_, theirs.coefs_))
print(f"largest difference between the two estimators' coefs_: {difference:.1e}")
print(f"loss curves agree to {np.max(np.abs(np.subtract(ours.loss_curve_, theirs.loss_curve_))):.1e}")

# %%
# What glassnet adds
# ------------------
# The fitted estimator keeps its per-epoch curves in ``history_`` and its network in ``model_``, a
# :class:`~glassnet.Sequential` that every analysis tool and plot reads.

clf = gn.MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, early_stopping=True, random_state=0)
clf.fit(Z_train, y_train)
print(f"stopped after {clf.n_iter_} epochs; best validation score {clf.best_validation_score_:.3f}")
print("diagnose:", [str(finding) for finding in gn.analysis.diagnose(clf, X=Z_train, y=y_train)] or "no findings")
gn.plots.plot_training_curves(clf)

# %%
# Which of the 30 measurements the trained network is most sensitive to, by the mean gradient of its output
# with respect to each standardised input:

sensitivity = gn.analysis.feature_sensitivity(clf, Z_train)
names = load_breast_cancer().feature_names
for j in np.argsort(sensitivity)[::-1][:5]:
    print(f"{names[j]:<24} {sensitivity[j]:.3f}")
