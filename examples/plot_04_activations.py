"""
Activation functions and their derivatives
==========================================

Without a nonlinear activation, stacked layers collapse into one linear map: the hidden layer is what the
activation makes useful. Backpropagation multiplies by the activation's derivative at every layer it passes,
so the derivative matters as much as the function: where it is small, learning slows down.
"""

# %%
import numpy as np

import glassnet as gn

# %%
# The functions and what backpropagation multiplies by
# ----------------------------------------------------
# Each panel draws an activation and the derivative its ``backward`` computes (the library's own code, not a
# formula written again for the picture).

gn.plots.plot_activation_functions()

# %%
# The size of the derivative decides how much gradient gets through. Measured on a grid of inputs from -6 to
# 6: the largest slope, and the slope far out at ``z = 5``.

z = np.linspace(-6.0, 6.0, 1201)
names = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish", "softplus"]
print(f"{'activation':<12}{'largest slope':>15}{'slope at z=5':>15}{'slope at z=-5':>15}")
for name in names:
    activation = gn.activations.get(name)
    slope = activation.derivative(z, activation(z))
    at = {point: float(slope[np.argmin(np.abs(z - point))]) for point in (5.0, -5.0)}
    print(f"{name:<12}{slope.max():>15.3g}{at[5.0]:>15.3g}{at[-5.0]:>15.3g}")

# %%
# The sigmoid's slope never exceeds a quarter, so a gradient that passes back through ``n`` sigmoid layers
# shrinks by at least a factor of 4 at each: after 6 layers, by at least this much:

sigmoid = gn.activations.get("sigmoid")
print(f"largest sigmoid slope {sigmoid.derivative(z, sigmoid(z)).max():.4f}; to the 6th power "
      f"{sigmoid.derivative(z, sigmoid(z)).max() ** 6:.2e}")

# %%
# The same network with each activation
# -------------------------------------
# :func:`glassnet.analysis.compare_activations` trains one network per activation (two hidden layers of 16
# units, Adam, each activation with its usual initialiser) on the two-moons data, holding out 30% of it for
# validation, and returns one row per run, with the first epoch whose training loss reached 0.1.

X, y = gn.datasets.make_moons(300, noise=0.2, random_state=0)
rows = gn.analysis.compare_activations(X, y, ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"],
                                       hidden_layer_sizes=(16, 16), epochs=60, validation_split=0.3,
                                       target_loss=0.1)
print(f"{'activation':<12}{'final loss':>12}{'val accuracy':>14}{'reached loss 0.1 at epoch':>28}")
for row in rows:
    reached = row["convergence_epoch"] if row["convergence_epoch"] is not None else "never"
    print(f"{row['label']:<12}{row['final_loss']:>12.4f}{row['final_val_accuracy']:>14.3f}{reached!s:>28}")

# %%
# The training loss of every run, epoch by epoch. ``plots.plot_histories`` takes the rows as they are: each
# keeps its run's history and its label.

gn.plots.plot_histories(rows, logy=True)

# %%
# The runs with the lowest and the highest final loss, as decision regions over the plane. Each row's history
# remembers the model it trained (``history.model``, as in Keras).

fastest = min(rows, key=lambda row: row["final_loss"])
slowest = max(rows, key=lambda row: row["final_loss"])
gn.plots.plot_decision_boundaries(
    {f"{row['label']}: final loss {row['final_loss']:.3f}": row["history"].model for row in (slowest, fastest)},
    X, y, resolution=120)

# sphinx_gallery_thumbnail_number = 1
