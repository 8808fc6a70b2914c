"""
Weight initialisation
=====================

Before training can start, every weight needs a value. All equal, and every unit of a layer computes the same
thing forever; too small, and the signal fades away layer after layer; too large, and saturating units pin it
at their limits. The Glorot and He initialisers scale the random weights by each layer's fan-in (and fan-out)
so that the spread of the signal holds from the first layer to the last.
"""

# %%
import numpy as np

import glassnet as gn

# %%
# The signal through a deep network, before any training
# ------------------------------------------------------
# Three networks of eight tanh layers of 64 units, identical except for the scale of their initial weights.
# 500 random inputs go through each, and :func:`glassnet.plots.plot_activation_spread` follows the standard
# deviation of every hidden layer's outputs.

initializers = {
    "normal, std 0.01": gn.initializers.RandomNormal(stddev=0.01),
    "normal, std 1": gn.initializers.RandomNormal(stddev=1.0),
    "Glorot uniform": gn.initializers.get("glorot_uniform"),
}
X_probe = np.random.default_rng(0).normal(size=(500, 2))
deep = {}
for name, initializer in initializers.items():
    layers = [gn.Dense(64, activation="tanh", kernel_initializer=initializer) for _ in range(8)]
    deep[name] = gn.Sequential(layers + [gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)

gn.plots.plot_activation_spread(deep, X_probe, title="8 tanh layers of 64 units, at initialisation")

# %%
# The same in numbers: the spread at the first and the last hidden layer, and how many units of the last one
# are saturated (their slope below 1e-3 on most inputs), where no gradient gets through.

for name, model in deep.items():
    spreads = [float(np.std(a)) for a in gn.analysis.hidden_activations(model, X_probe)]
    saturated = gn.analysis.saturated_units(model, X_probe)
    last = max(saturated)
    print(f"{name:<18} spread {spreads[0]:.2e} at layer 1, {spreads[-1]:.2e} at layer 8; "
          f"{len(saturated[last])} of 64 units of the last hidden layer saturated")

# %%
# Training from each starting point
# ---------------------------------
# :func:`glassnet.analysis.compare_initializers` trains the same network (six tanh layers of 32 units, Adam)
# on a three-armed spiral from each initialiser. Initialisers can be given by name or as instances;
# ``labels=`` names them in the rows and in the legend. All-zero weights are included to show symmetry at work.

X, y = gn.datasets.make_spiral(n_samples=300, noise=0.2, random_state=0)
rows = gn.analysis.compare_initializers(
    X, y, [gn.initializers.get("zeros"), *initializers.values()], labels=["zeros", *initializers],
    hidden_layer_sizes=(32,) * 6, activation="tanh", epochs=100, learning_rate=0.01)
for row in rows:
    print(f"{row['label']:<18} final loss {row['final_loss']:.4f}, training accuracy {row['final_accuracy']:.3f}")

gn.plots.plot_histories(rows, logy=True)

# %%
# Why all-zero weights never learn
# --------------------------------
# With every weight zero, every tanh unit outputs 0 for every input, so every weight's gradient into the hidden
# layers is zero as well. The first layer's weights after training:

zeros_model = rows[0]["history"].model
W1 = zeros_model.get_weights()[0]
print(f"largest |weight| of the first layer after {rows[0]['epochs']} epochs: {np.abs(W1).max():g}")
print(f"distinct columns (units) in it: {len(np.unique(W1, axis=1).T)} of {W1.shape[1]}")
