"""
A hidden layer solves XOR
=========================

One neuron draws one line, and XOR needs two. A network with a hidden layer of two sigmoid units draws a line
with each of them, and its output neuron combines the two answers. This example trains that 2-2-1 network,
reads off which logic gate each hidden unit has learned to compute, and shows why a network this small does not
always get there.
"""

# %%
import numpy as np

import glassnet as gn

X, y = gn.datasets.make_xor()

# %%
# The same network from six starting points
# ------------------------------------------
# Each run starts from different random weights (``seed``) and trains on the four points with gradient descent
# and momentum. A run solves XOR when all four outputs fall on the right side of 0.5.


def xor_network(seed):
    model = gn.Sequential([gn.Dense(2, activation="sigmoid"), gn.Dense(1, activation="sigmoid")],
                          input_dim=2, seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(learning_rate=0.5, momentum=0.9),
                  metrics=["accuracy"])
    return model


runs = {}
for seed in range(6):
    model = xor_network(seed)
    history = model.fit(X, y, epochs=1000, batch_size=None, verbose=0)
    outputs = model.predict(X)[:, 0]
    solved = bool(np.array_equal(outputs > 0.5, y == 1))
    runs[seed] = (model, history, solved)
    print(f"seed {seed}: final loss {history.history['loss'][-1]:.4f}, outputs {np.round(outputs, 3)}, "
          f"{'solved' if solved else 'stuck'}")
print(f"{sum(solved for _, _, solved in runs.values())} of {len(runs)} runs solved XOR")

# %%
# The loss curves side by side: a run that solves XOR drives its loss towards zero, while a stuck run levels
# off in a local minimum, where a small step in any direction makes the loss worse.

gn.plots.plot_histories({f"seed {seed}": history for seed, (_, history, _) in runs.items()}, logy=True)

# %%
# What each hidden unit computes
# ------------------------------
# Take the first run that solved XOR. :func:`glassnet.analysis.logic_roles` evaluates each hidden unit on the
# four inputs and names the truth table it computes (a unit is *on* where its output exceeds 0.5).

seed = next(seed for seed, (_, _, solved) in runs.items() if solved)
model = runs[seed][0]
for role in gn.analysis.logic_roles(model):
    values = ", ".join(f"{v:.3f}" for v in role["values"])
    print(f"hidden unit {role['unit']}: outputs {values} on 00, 01, 10, 11 -> {role['name']}")

# %%
# :func:`glassnet.analysis.layer_strategy` then replaces each unit by its on or off value and reads how the
# output combines them:

print(gn.analysis.layer_strategy(model))

# %%
# Each hidden unit's output over the whole plane is a soft half-plane: one line each, with the sigmoid's ramp
# across it.

gn.plots.plot_hidden_neuron_maps(model, X, y)

# %%
# The output combines the two half-planes into a region that no single line could draw: a band that holds
# (0, 1) and (1, 0) and leaves out the other two corners.

gn.plots.plot_decision_boundary(model, X, y, resolution=120)

# %%
# A stuck run
# -----------
# Where a run got stuck, the same reading explains why: its hidden units compute gates from which the output
# cannot assemble XOR.

stuck = [seed for seed, (_, _, solved) in runs.items() if not solved]
if stuck:
    print(f"seed {stuck[0]}:", gn.analysis.layer_strategy(runs[stuck[0]][0]))
else:
    print("every run solved XOR this time")

# sphinx_gallery_thumbnail_number = 2
