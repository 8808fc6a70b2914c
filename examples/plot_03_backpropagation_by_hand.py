"""
Backpropagation, number by number
=================================

One training step of the smallest interesting network, two inputs, two hidden sigmoid units and one sigmoid
output, on a single sample: input (0.5, 0.3), target 1. Every number of the forward pass, the loss, the backward
pass and the update is printed by :func:`glassnet.analysis.explain_step`, then computed again by hand in NumPy,
then checked against central differences.
"""

# %%
import numpy as np

import glassnet as gn

# %%
# The network and its starting weights
# ------------------------------------
# The weights are drawn here, small and random, and handed to the model with ``set_weights`` (in layer order:
# ``W1`` of shape (inputs, units), ``b1``, ``W2``, ``b2``), so the same numbers can be followed by hand.
# ``float64`` keeps the arithmetic exact enough to compare digit for digit.

rng = np.random.default_rng(42)
W1, b1 = rng.normal(0.0, 0.5, size=(2, 2)), np.zeros(2)
W2, b2 = rng.normal(0.0, 0.5, size=(2, 1)), np.zeros(1)

model = gn.Sequential([gn.Dense(2, activation="sigmoid"), gn.Dense(1, activation="sigmoid")],
                      input_dim=2, dtype="float64")
model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(learning_rate=0.1))
model.set_weights([W1, b1, W2, b2])

X = np.array([[0.5, 0.3]])
y = np.array([1])

# %%
# One step, every number shown
# ----------------------------
# The forward pass computes ``z = x @ W + b`` and ``a = sigmoid(z)`` layer by layer. The backward pass starts
# from ``delta2 = dL/dz2``; for a sigmoid output with binary cross-entropy that is simply ``a2 - y``. It then
# sends ``delta`` back through each layer: ``dL/dW = a_prev.T @ delta``, and
# ``delta1 = (delta2 @ W2.T) * sigmoid'(z1)``. The update subtracts the learning rate times each gradient.

step = gn.analysis.explain_step(model, X, y)
print(step)

# %%
# The same numbers by hand
# ------------------------
# Eight lines of NumPy repeat the computation. The model's own ``loss_and_gradients`` returns the gradients in
# ``get_weights`` order, so the two can be compared entry by entry.


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


t = y.reshape(-1, 1).astype(float)
z1 = X @ W1 + b1
a1 = sigmoid(z1)
z2 = a1 @ W2 + b2
a2 = sigmoid(z2)
loss = -np.mean(t * np.log(a2) + (1 - t) * np.log(1 - a2))
delta2 = (a2 - t) / len(X)
delta1 = (delta2 @ W2.T) * a1 * (1 - a1)
by_hand = [X.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)]

model_loss, model_grads = model.loss_and_gradients(X, y)
print(f"loss by hand {loss:.10f}, by the model {model_loss:.10f}")
for name, mine, theirs in zip(["dW1", "db1", "dW2", "db2"], by_hand, model_grads):
    print(f"{name}: largest difference {np.max(np.abs(mine - theirs)):.1e}")

# %%
# Are the gradients right?
# ------------------------
# Backpropagation is the chain rule, organised so that each layer's gradient reuses the next layer's ``delta``.
# :func:`glassnet.analysis.gradient_check` checks it independently: it nudges every weight by a tiny amount
# in each direction and measures how the loss changes (central differences).

check = gn.analysis.gradient_check(model, X, y)
print(check.render())

# %%
# Taking the step
# ---------------
# With ``apply=True`` the step is applied to the model. The loss on the same sample before and after shows the
# step went downhill.

before = model.evaluate(X, y)
gn.analysis.explain_step(model, X, y, apply=True)
after = model.evaluate(X, y)
print(f"loss before the step {before:.4f}, after {after:.4f} (change {after - before:+.4f})")

# %%
# Repeating the step is training. Fifty more steps on this one sample, and the loss after each:

history = model.fit(X, y, epochs=50, batch_size=1, verbose=0)
print(f"loss after 50 more steps: {history.history['loss'][-1]:.4f}; "
      f"the network now outputs {model.predict(X)[0, 0]:.3f} for a target of 1")
gn.plots.plot_training_curves(history)
