"""
Optimisers
==========

Backpropagation gives the gradient; the optimiser decides what step to take with it. Plain SGD steps straight
down the gradient. Momentum keeps a running velocity, so steps that agree build up speed and steps that
disagree cancel. Adagrad, RMSprop and Adam give every weight a step size of its own, scaled by the size of that
weight's recent gradients. This example prints each optimiser's update rule and trains the same network with
each of them.
"""

# %%
import glassnet as gn

X, y = gn.datasets.make_spiral(n_samples=300, noise=0.2, random_state=0)

# %%
# The update rules
# ----------------
# :func:`glassnet.analysis.explain_step` reports the rule an optimiser applies, in code, with its settings.
# Each optimiser gets a learning rate in its usual range: Adam-like optimisers normalise the gradient, so their
# learning rate is roughly the size of each step, and they take smaller ones.

optimizers = {
    "SGD": gn.optimizers.SGD(learning_rate=0.05),
    "SGD + momentum": gn.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "SGD + Nesterov": gn.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "Adagrad": gn.optimizers.Adagrad(learning_rate=0.05),
    "RMSprop": gn.optimizers.RMSprop(learning_rate=0.005),
    "Adam": gn.optimizers.Adam(learning_rate=0.005),
    "AdamW": gn.optimizers.AdamW(learning_rate=0.005),
}


def spiral_network(optimizer):
    """Two hidden ReLU layers of 32 units and a softmax over the three arms, always from the same weights."""
    return gn.builders.mlp(2, [32, 32], "multiclass", n_outputs=3, optimizer=optimizer, seed=0)


for name, optimizer in optimizers.items():
    step = gn.analysis.explain_step(spiral_network(optimizer), X[:8], y[:8])
    settings = ", ".join(f"{key}={value:g}" for key, value in step.hyperparameters.items() if key != "t")
    print(f"{name} ({settings}):")
    for statement in step.optimizer_rule.split(";"):
        print(f"    {statement.strip()}")

# %%
# The same network, each optimiser
# ---------------------------------
# Every run starts from the same initial weights and sees the same batches in the same order, so the optimiser
# is the only difference.

histories = {}
for name, optimizer in optimizers.items():
    histories[name] = spiral_network(optimizer).fit(X, y, epochs=100, batch_size=32, verbose=0)
    final = histories[name].history
    print(f"{name:<16} final loss {final['loss'][-1]:.4f}, training accuracy {final['accuracy'][-1]:.3f}")

gn.plots.plot_histories(histories, logy=True, title="Training loss on the spiral")

# %%
# The accuracy during the first 30 epochs shows which optimisers get going fastest:

first_epochs = {name: history.history["accuracy"][:30] for name, history in histories.items()}
gn.plots.plot_histories(first_epochs, title="Training accuracy, first 30 epochs")
