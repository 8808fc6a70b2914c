"""
Networks from elsewhere, and out to ONNX
========================================

glassnet's analysis tools read any :class:`~glassnet.Sequential`, so a network trained in another library can
be examined once it is one. :func:`glassnet.from_sklearn` converts a fitted scikit-learn ``MLPClassifier``,
``MLPRegressor`` or ``Perceptron`` (and :func:`glassnet.from_torch` a ``torch.nn.Sequential``; ONNX files come
in through :func:`glassnet.load_onnx`). In the other direction, :func:`glassnet.export_onnx` writes a model or a
fitted estimator as an ONNX file that any ONNX runtime can execute. This needs the ``onnx`` extra:
``pip install "glassnet[onnx]"``.
"""

# %%
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnxruntime
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import glassnet as gn

# %%
# A network trained by scikit-learn
# ---------------------------------
# scikit-learn's own ``MLPClassifier`` on the two-moons data, with a learning rate far too large.

X, y = gn.datasets.make_moons(400, noise=0.15, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    sklearn_mlp = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.5, max_iter=50,
                                random_state=0).fit(X, y)
print(f"scikit-learn's accuracy on the training data: {sklearn_mlp.score(X, y):.3f}")

# %%
# Converted, it is a compiled Sequential whose ``predict`` gives scikit-learn's probabilities:

model = gn.from_sklearn(sklearn_mlp)
model.summary()
difference = np.abs(model.predict(X)[:, 0] - sklearn_mlp.predict_proba(X)[:, 1]).max()
print(f"largest difference from scikit-learn's predict_proba: {difference:.1e}")

# %%
# Now every glassnet tool applies. :func:`glassnet.analysis.diagnose` looks at the units on the data:

for finding in gn.analysis.diagnose(model, X=X, y=y):
    print(finding)
dead = gn.analysis.dead_units(model, X)[0]
print(f"dead hidden units: {dead}")

# %%
# Each hidden unit's output over the plane; a dead unit's map is flat:

gn.plots.plot_hidden_neuron_maps(model, X, y)

# %%
# The converted weights are copies: training the glassnet model leaves scikit-learn's estimator as it was.

model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.01), metrics=["accuracy"])
history = model.fit(X, y, epochs=30, batch_size=32, verbose=0)
print(f"after 30 more epochs in glassnet: accuracy {history.history['accuracy'][-1]:.3f}; "
      f"scikit-learn's estimator still scores {sklearn_mlp.score(X, y):.3f}")

# %%
# Out to ONNX
# -----------
# A glassnet estimator exported as ONNX gives the outputs scikit-learn's own converter gives for scikit-learn's
# MLPs: ``label`` and ``probabilities``. Here it runs in onnxruntime, with no glassnet involved, and the answers
# are compared with the estimator's.

clf = gn.MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0).fit(X, y)
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "moons.onnx"
    gn.export_onnx(clf, path)
    print(f"wrote {path.name}, {path.stat().st_size} bytes")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    print("inputs:", [i.name for i in session.get_inputs()], "outputs:", [o.name for o in session.get_outputs()])
    labels, probabilities = session.run(None, {"input": X})
    restored = gn.load_onnx(path)

print(f"onnxruntime's labels equal the estimator's: {bool((labels == clf.predict(X)).all())}")
print(f"largest probability difference: {np.abs(probabilities - clf.predict_proba(X)).max():.1e}")

# %%
# :func:`glassnet.load_onnx` reads the file back as a Sequential, ready for analysis again:

print(f"restored model's largest difference from the estimator: "
      f"{np.abs(restored.predict(X)[:, 0] - clf.predict_proba(X)[:, 1]).max():.1e}")
gn.plots.plot_decision_boundary(restored, X, y, resolution=120)
