"""
Inside a trained network: dead units, saturated units, sensitivity and noise
============================================================================

A trained network can score well and still waste half of itself. This example reads trained networks with the
behaviour tools of :mod:`glassnet.analysis`: which hidden units never fire (dead ReLUs), which are stuck at their
limits (saturated sigmoids and tanhs), which units the output depends on, which inputs it listens to, and how
quickly its accuracy falls when the inputs get noisy.
"""

# %%
import numpy as np

import glassnet as gn

# %%
# Two networks, one of them trained too hard
# ------------------------------------------
# Concentric circles, with a third input that is pure noise. Both networks have one hidden layer of 32 ReLU units
# and start from the same weights; one trains with Adam at a learning rate of 0.01, the other at 0.3.

X, y = gn.datasets.make_circles(400, noise=0.1, factor=0.5, random_state=0)
X = np.column_stack([X, np.random.default_rng(0).normal(size=len(X))])
models = {}
for learning_rate in (0.01, 0.3):
    model = gn.builders.mlp(3, [32], "binary", optimizer=gn.optimizers.Adam(learning_rate=learning_rate), seed=0)
    history = model.fit(X, y, epochs=60, batch_size=32, verbose=0)
    models[f"learning rate {learning_rate:g}"] = model
    print(f"learning rate {learning_rate:g}: final loss {history.history['loss'][-1]:.4f}, "
          f"accuracy {history.history['accuracy'][-1]:.3f}")

# %%
# Dead units
# ----------
# A ReLU unit whose input ``z`` is negative for every sample outputs 0 everywhere and passes no gradient back,
# so training can never revive it. :func:`glassnet.analysis.dead_units` lists them per hidden layer;
# :func:`glassnet.analysis.activation_statistics` gives every unit's statistics over the data.

for name, model in models.items():
    dead = gn.analysis.dead_units(model, X)[0]
    stats = gn.analysis.activation_statistics(model, X)
    active = np.mean([row["fraction_active"] for row in stats])
    print(f"{name}: {len(dead)} of 32 hidden units dead; on average a unit is active on {active:.0%} of the "
          f"samples")

# %%
# Which units matter
# ------------------
# :func:`glassnet.analysis.neuron_importance` silences one unit at a time (its output set to zero in an
# inference pass; the model is untouched) and measures how much the loss goes up. A dead unit is silent
# already, so silencing it changes nothing.

aggressive = models["learning rate 0.3"]
dead = set(gn.analysis.dead_units(aggressive, X)[0])
importance = gn.analysis.neuron_importance(aggressive, X, y)
for kind, rows in (("dead", [r for r in importance if r["unit"] in dead]),
                   ("alive", [r for r in importance if r["unit"] not in dead])):
    if rows:
        values = [r["importance"] for r in rows]
        print(f"{len(rows)} {kind} units: loss increase when silenced from {min(values):.3g} to {max(values):.3g}")
top = sorted(importance, key=lambda r: r["importance"], reverse=True)[:3]
print("the three units the output leans on most:",
      ", ".join(f"unit {r['unit']} (+{r['importance']:.3f})" for r in top))

# %%
# The mean importance (the increase of the loss when silenced) of the dead and of the living units, with the
# spread over the units of each kind:

kinds = [{"unit": "dead" if r["unit"] in dead else "alive", "importance": r["importance"]} for r in importance]
gn.plots.plot_comparison_bars(kinds, label="unit", value="importance")

# %%
# Saturated units
# ---------------
# A sigmoid or tanh unit far out on its flat tails has a slope near zero: it passes almost no gradient. Feeding
# a tanh network inputs a hundred times too large drives its units there.
# :func:`glassnet.analysis.saturated_units` lists the units whose slope is below 1e-3 on most samples.

for scale in (1, 100):
    tanh_net = gn.builders.mlp(3, [32], "binary", activation="tanh", seed=0)
    saturated = gn.analysis.saturated_units(tanh_net, X * scale)[0]
    print(f"inputs x {scale}: {len(saturated)} of 32 tanh units saturated before training")

# %%
# Which inputs the network listens to
# -----------------------------------
# :func:`glassnet.analysis.feature_sensitivity` measures how strongly the output responds to each input,
# averaged over the samples: from the gradient of the output by default, or by nudging each feature by a small
# step each way (``method="perturbation"``). The third input is noise that carries no information.

careful = models["learning rate 0.01"]
for method in ("gradient", "perturbation"):
    sensitivity = gn.analysis.feature_sensitivity(careful, X, method=method)
    print(f"{method:>12}: " + ", ".join(f"input {j + 1} {s:.3f}" for j, s in enumerate(sensitivity)))

# %%
# Robustness to noise
# -------------------
# :func:`glassnet.analysis.noise_robustness` adds Gaussian noise to the inputs, in units of each feature's
# spread, and measures the accuracy at each level, averaged over repeated draws.

levels = (0, 0.1, 0.2, 0.3, 0.5, 0.8)
tables = {name: gn.analysis.noise_robustness(model, X, y, noise_levels=levels, random_state=0)
          for name, model in models.items()}
for name, table in tables.items():
    print(f"{name}: " + ", ".join(f"{row['noise']:g} -> {row['accuracy_mean']:.3f}" for row in table))

gn.plots.plot_noise_robustness(tables)

# sphinx_gallery_thumbnail_number = 2
