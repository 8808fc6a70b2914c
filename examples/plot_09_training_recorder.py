"""
Watching training from inside: the recorder
===========================================

The loss curve says whether a network learns; it does not say where. A
:class:`~glassnet.analysis.TrainingRecorder`, passed to ``fit`` as a callback, writes down after every epoch,
for every layer, the size of its weights, of their gradient and of their latest change, and what its units are
doing. Recording changes nothing: the run gives the same weights, bit for bit, with or without it.

This example records two deep networks that differ only in their hidden activation, and finds the
vanishing-gradient problem in the recording.
"""

# %%
import glassnet as gn

# %%
# Two deep networks, recorded
# ---------------------------
# Six hidden layers of 16 units, sigmoid in one network and ReLU in the other, trained with plain SGD on the
# two-moons data. The recorder's probe inputs ``X`` are a fixed sample of the data: its unit statistics come
# from an inference pass over them at every record, so records compare like with like.

X, y = gn.datasets.make_moons(300, noise=0.2, random_state=1)
recorders, histories, models = {}, {}, {}
for activation in ("sigmoid", "relu"):
    model = gn.Sequential([gn.Dense(16, activation=activation) for _ in range(6)]
                          + [gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(learning_rate=0.1), metrics=["accuracy"])
    recorders[activation] = gn.analysis.TrainingRecorder(X=X[:200])
    histories[activation] = model.fit(X, y, epochs=40, batch_size=32, callbacks=[recorders[activation]],
                                      verbose=0)
    models[activation] = model
    print(f"{activation}: final loss {histories[activation].history['loss'][-1]:.4f}, "
          f"accuracy {histories[activation].history['accuracy'][-1]:.3f}")

gn.plots.plot_histories(histories, title="Training loss, 6 hidden layers of 16 units")

# %%
# Gradient flow
# -------------
# :func:`glassnet.plots.plot_gradient_flow` draws ``||dL/dW||`` of every layer over training (left) and at the
# last epoch, layer by layer (right). Backpropagation multiplies the gradient by the activation's slope at
# every layer it passes on its way to the input.

fig = gn.plots.plot_gradient_flow(recorders["sigmoid"])
fig.suptitle("Sigmoid hidden layers")
fig

# %%

fig = gn.plots.plot_gradient_flow(recorders["relu"])
fig.suptitle("ReLU hidden layers")
fig

# %%
# The same numbers from the recording: the gradient norm of the first and of the last layer at the last epoch,
# and their ratio.

for activation, recorder in recorders.items():
    first, last = recorder.series("grad_norm", 0)[-1], recorder.series("grad_norm", -1)[-1]
    print(f"{activation:>8}: ||dL/dW|| {first:.2e} at the first layer, {last:.2e} at the output layer, "
          f"ratio {first / last:.1e}")

# %%
# How far the weights moved
# -------------------------
# :func:`glassnet.analysis.weight_evolution` compares each layer's weights at the end with those at the
# start: ``relative_change`` is ``||W_end - W_start|| / ||W_start||``.

for activation, recorder in recorders.items():
    changes = [f"{row['relative_change']:.3f}" for row in gn.analysis.weight_evolution(recorder)]
    print(f"{activation:>8}, layer by layer from the input: {', '.join(changes)}")

# %%
# The per-epoch series behind these summaries are in ``recorder.series``; every record is also a row of
# ``recorder.to_rows()``, ready for a table. The update ratio of each layer per epoch, for the ReLU network:

relu = recorders["relu"]
print("epoch  " + "  ".join(f"layer {i}" for i in range(len(relu.layer_names()))))
for epoch in (0, 1, 9, 39):
    ratios = [relu.series("update_ratio", i)[epoch] for i in range(len(relu.layer_names()))]
    print(f"{epoch + 1:>5}  " + "  ".join(f"{ratio:7.4f}" for ratio in ratios))

# %%
# Convergence
# -----------
# :func:`glassnet.analysis.analyze_convergence` reads the loss curve alone: how much it fell, and what its last
# ten epochs did. A loss that goes flat has stopped changing, which is not the same as having learned.

for activation, history in histories.items():
    report = gn.analysis.analyze_convergence(history)
    print(f"{activation:>8}: loss fell by {report.loss_reduction:.0%}, from {report.initial_loss:.3f} to "
          f"{report.final_loss:.3f}; its last epochs: {report.trend}")

# %%
# The weights themselves
# ----------------------
# The distribution of each layer's weights and biases after training, for the ReLU network:

gn.plots.plot_weight_histograms(models["relu"])

# %%
# A recording can also be read by :func:`glassnet.analysis.diagnose`, which applies its rules to the loss curve,
# the gradient norms and the units, and names what it finds:

for finding in gn.analysis.diagnose(models["sigmoid"], histories["sigmoid"], recorders["sigmoid"], X=X, y=y):
    print(finding)
print("ReLU network:", [str(f) for f in gn.analysis.diagnose(models["relu"], histories["relu"], recorders["relu"])]
      or "no findings")

# sphinx_gallery_thumbnail_number = 2
