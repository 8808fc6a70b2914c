"""
Diagnosing a broken training run
================================

Most failed training runs fail in a handful of well-known ways: a learning rate too high or too low, units
that died, inputs on wildly different scales, a network that memorised its training set.
:func:`glassnet.analysis.diagnose` reads a run (the loss curves, optionally a
:class:`~glassnet.analysis.TrainingRecorder`'s per-layer record and the training data) and reports each
problem it recognises with the numbers behind it and what to try. This example breaks runs on purpose and
asks it what went wrong.
"""

# %%
import warnings

import numpy as np

import glassnet as gn

# %%
# Runs broken on purpose
# ----------------------
# Each case is a data set, a network and an optimiser. Every run is recorded, and ``diagnose`` gets the model,
# the history, the recording and the training data.

X_xor, y_xor = gn.datasets.make_xor()
X_moons, y_moons = gn.datasets.make_moons(300, noise=0.2, random_state=0)
X_small, y_small = gn.datasets.make_moons(60, noise=0.3, random_state=0)
rare = np.flatnonzero(y_moons == 1)[:15]  # keep 15 points of class 1 and all of class 0
keep = np.concatenate([np.flatnonzero(y_moons == 0), rare])

cases = {
    "learning rate too high": (X_xor, y_xor, [4], "sigmoid", gn.optimizers.SGD(20.0), 100, None, 0.0),
    "learning rate too low": (X_xor, y_xor, [4], "sigmoid", gn.optimizers.SGD(0.01), 100, None, 0.0),
    "dead ReLU units": (X_moons, y_moons, [16], "relu", gn.optimizers.SGD(10.0), 60, 32, 0.0),
    "unscaled inputs": (X_moons * [100.0, 1.0] + [500.0, 0.0], y_moons, [16], "relu", gn.optimizers.Adam(0.01),
                        60, 32, 0.0),
    "overfitting": (X_small, y_small, [128, 128], "relu", gn.optimizers.Adam(0.01), 200, 16, 0.5),
    "rare class": (X_moons[keep], y_moons[keep], [16, 16], "relu", gn.optimizers.Adam(0.01), 60, 32, 0.0),
    "a healthy run": (X_moons, y_moons, [16, 16], "relu", gn.optimizers.Adam(0.01), 60, 32, 0.0),
}

histories, findings = {}, {}
for problem, (X, y, hidden, activation, optimizer, epochs, batch_size, split) in cases.items():
    model = gn.builders.mlp(X.shape[1], hidden, "binary", activation=activation, optimizer=optimizer, seed=0)
    recorder = gn.analysis.TrainingRecorder(X=X[:256])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gn.DivergenceWarning)  # a diverging run is one of the cases
        histories[problem] = model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_split=split,
                                       callbacks=[recorder], verbose=0)
    findings[problem] = gn.analysis.diagnose(model, histories[problem], recorder, X=X, y=y)
    said = ", ".join(finding.code for finding in findings[problem]) or "nothing wrong"
    print(f"{problem:<24} final loss {histories[problem].history['loss'][-1]:>9.4f}   diagnose: {said}")

# %%
# Every run's training loss, each divided by its first value so that runs on different data compare:

gn.plots.plot_histories(histories, logy=True, relative=True)

# %%
# What the findings say
# ---------------------
# A finding has a ``code``, a ``severity`` (``error``, ``warning`` or ``info``), a ``message`` with the key
# numbers, the ``evidence`` the rule compared against its thresholds, and ``advice``.
# :func:`glassnet.analysis.render_findings` writes them out in full:

for problem in ("learning rate too high", "dead ReLU units"):
    print(f"=== {problem}")
    print(gn.analysis.render_findings(findings[problem]) if findings[problem] else "no findings")
    print()

# %%
# The one-line form of every finding, by run:

for problem, found in findings.items():
    for finding in found:
        print(f"{problem}: {finding}")

# %%
# The rules
# ---------
# Every rule, from ``gn.analysis.RULES``, with what triggers it (``rule.describe()``; thresholds can be
# overridden with ``diagnose(..., thresholds={...})``):

for code, rule in gn.analysis.RULES.items():
    print(f"{code} ({rule.severity}): {rule.describe()}")
