"""
Regularisation: L2, dropout and batch normalisation
===================================================

A network with many more weights than training points can memorise them, noise included: the training loss
keeps falling while the loss on new data turns back up. Regularisation makes memorising harder. An L2 penalty
adds ``l2 * sum(W ** 2)`` to the loss, pulling every weight towards zero; dropout switches off a random
fraction of the hidden units at every training step, so no unit can rely on any other; batch normalisation
rescales each unit's inputs over every batch, which also adds a little noise of its own.
"""

# %%
import numpy as np
from sklearn.model_selection import train_test_split

import glassnet as gn

# %%
# A small, noisy problem and a large network
# ------------------------------------------
# 200 points of two noisy concentric circles, half for training and half held out. The network has two hidden
# layers of 64 ReLU units, thousands of weights for a hundred training points. Each variant below differs from
# it in one setting only, and starts from the same seed.

X, y = gn.datasets.make_circles(200, noise=0.2, factor=0.5, random_state=1)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)

variants = {
    "no regularisation": {},
    "L2, 0.001": {"l2": 1e-3},
    "L2, 0.01": {"l2": 1e-2},
    "dropout 0.5": {"dropout": 0.5},
    "batch norm": {"batch_norm": True},
}
models, histories = {}, {}
for name, settings in variants.items():
    model = gn.builders.mlp(2, [64, 64], "binary", optimizer=gn.optimizers.Adam(learning_rate=0.01), seed=0,
                            **settings)
    histories[name] = model.fit(X_train, y_train, epochs=200, batch_size=32, validation_data=(X_test, y_test),
                                verbose=0)
    models[name] = model
print(f"the network has {models['no regularisation'].count_params()} weights and biases "
      f"for {len(X_train)} training points")

# %%
# What each one did
# -----------------
# The training loss (with the L2 penalty included, where there is one), the held-out loss at the end and at its
# lowest, the accuracy on the held-out half, and the size of the first layer's weights (``||W1||``, the
# Frobenius norm).

print(f"{'':<18}{'train loss':>11}{'held-out loss':>15}{'lowest':>8}{'held-out acc.':>15}{'||W1||':>8}")
for name, model in models.items():
    curves = histories[name].history
    accuracy = model.evaluate(X_test, y_test, return_dict=True)["accuracy"]
    W1 = model.get_weights()[0]
    print(f"{name:<18}{curves['loss'][-1]:>11.3f}{curves['val_loss'][-1]:>15.3f}{min(curves['val_loss']):>8.3f}"
          f"{accuracy:>15.3f}{np.linalg.norm(W1):>8.1f}")

# %%
# The held-out loss of every variant, epoch by epoch. Where a curve turns upwards, the network has started to
# fit the noise of its training points.

gn.plots.plot_histories(histories, metric="val_loss", logy=True, title="Loss on the held-out half")

# %%
# The unregularised network's own training and held-out curves; the dot marks the epoch of its lowest
# held-out loss.

gn.plots.plot_training_curves(histories["no regularisation"])

# %%
# The decision regions, with the training points as circles and the held-out points as triangles:

gn.plots.plot_decision_boundaries(models, X_train, y_train, X_test, y_test, resolution=100, legend=False)

# %%
# Stopping early
# --------------
# The cheapest regulariser is to stop when the held-out loss stops improving.
# :class:`glassnet.callbacks.EarlyStopping` watches it and, with ``restore_best_weights=True``, rolls the
# network back to its best epoch.

model = gn.builders.mlp(2, [64, 64], "binary", optimizer=gn.optimizers.Adam(learning_rate=0.01), seed=0)
stopper = gn.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True)
history = model.fit(X_train, y_train, epochs=200, batch_size=32, validation_data=(X_test, y_test),
                    callbacks=[stopper], verbose=0)
print(f"stopped after {len(history.history['loss'])} epochs, restored the weights of epoch "
      f"{int(np.argmin(history.history['val_loss'])) + 1}; held-out loss "
      f"{model.evaluate(X_test, y_test, return_dict=True)['loss']:.3f}")

# sphinx_gallery_thumbnail_number = 3
