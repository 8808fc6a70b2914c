"""
Deep or wide? Networks on a spiral
==================================

One hidden layer with enough units can draw any boundary, in principle; in practice the number of units it
needs can be large. Stacking layers lets later units combine the shapes earlier units drew, so a deep network
may do with fewer weights, and may also be harder to train. This example puts shallow-and-wide networks
against deep-and-narrow ones on a five-armed spiral.
"""

# %%
import numpy as np
from sklearn.model_selection import train_test_split

import glassnet as gn

# %%
# The data
# --------
# Five interleaved spiral arms of 100 points each; 30% of the points are held out to test on.

X, y = gn.datasets.make_spiral(n_samples=500, n_classes=5, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

# %%
# Eight shapes of network, three seeds each
# -----------------------------------------
# :func:`glassnet.analysis.compare_depth_width` trains ``depth`` hidden layers of ``width`` ReLU units each
# (Adam, 150 epochs), once per seed. Each row keeps its run's history, and the history keeps the trained model,
# so the held-out accuracy can be added to the rows.

configs = [(1, 8), (1, 32), (1, 128), (2, 8), (2, 16), (2, 32), (4, 8), (4, 16)]
rows = gn.analysis.compare_depth_width(X_train, y_train, configs, epochs=150, seeds=(0, 1, 2))
for row in rows:
    row["test_accuracy"] = row["history"].model.evaluate(X_test, y_test, return_dict=True)["accuracy"]

print(f"{'network':<10}{'parameters':>11}{'train loss (mean of 3)':>24}{'test accuracy (mean ± std)':>29}")
for depth, width in configs:
    runs = [row for row in rows if (row["depth"], row["width"]) == (depth, width)]
    losses = [row["final_loss"] for row in runs]
    accuracies = [row["test_accuracy"] for row in runs]
    print(f"{runs[0]['label']:<10}{runs[0]['n_params']:>11}{np.mean(losses):>24.4f}"
          f"{np.mean(accuracies):>22.3f} ± {np.std(accuracies):.3f}")

# %%
# Held-out accuracy against the number of parameters, one curve per depth (the band spans the three runs of
# each network):

gn.plots.plot_sweep(rows, x="n_params", y="test_accuracy", hue="depth")

# %%
# The training loss of each network's first run (seed 0):

gn.plots.plot_histories([row for row in rows if row["seed"] == 0], logy=True)

# %%
# What the boundaries look like
# -----------------------------
# The first seed's network of each shape, with the training points as circles and the held-out points as
# triangles:

first_seed = {f"{row['label']}, {row['n_params']} parameters": row["history"].model for row in rows
              if row["seed"] == 0}
gn.plots.plot_decision_boundaries(first_seed, X_train, y_train, X_test, y_test, resolution=100, legend=False)

# sphinx_gallery_thumbnail_number = 3
