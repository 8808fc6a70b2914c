"""
Learning rates
==============

Gradient descent moves every weight a step against its gradient, ``w <- w - lr * dL/dw``. The learning rate
``lr`` sets the size of that step: too small and training crawls, too large and each step overshoots the
valley it was heading for, so the loss bounces or blows up. This example trains one network with learning rates
a factor of ten apart and overlays their loss curves.
"""

# %%
import glassnet as gn

# %%
# Six learning rates, one network
# -------------------------------
# :func:`glassnet.analysis.compare_learning_rates` trains the same network (one hidden layer of 16 tanh units,
# plain SGD in batches of 32, the same initial weights) on the two-moons data with each learning rate.

X, y = gn.datasets.make_moons(300, noise=0.2, random_state=0)
learning_rates = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
rows = gn.analysis.compare_learning_rates(X, y, learning_rates, epochs=100)

# %%
# The loss curves overlaid, on a logarithmic axis so that slow and fast runs both show:

gn.plots.plot_histories(rows, logy=True, title="SGD on two moons, one curve per learning rate")

# %%
# Reading the curves
# ------------------
# :func:`glassnet.analysis.analyze_convergence` turns each curve into numbers: how far the loss fell, its
# lowest point, what its last ten epochs did (``trend``) and how often they changed direction (``oscillation``:
# 0 for a steady slide, 1 for a loss that goes up and down every epoch).

print(f"{'learning rate':>14}{'first loss':>12}{'final loss':>12}{'best loss':>11}{'oscillation':>13}  trend")
for row in rows:
    report = gn.analysis.analyze_convergence(row["history"])
    print(f"{row['setting']:>14g}{report.initial_loss:>12.4f}{report.final_loss:>12.4f}{report.best_loss:>11.4f}"
          f"{report.oscillation:>13.2f}  {report.trend}")

best = min(rows, key=lambda row: row["final_loss"])
print(f"\nthe lowest final loss came from learning rate {best['setting']:g}: {best['final_loss']:.4f}")

# %%
# Large steps early, small steps late
# -----------------------------------
# A schedule changes the learning rate as training goes on. Here an exponential decay starts from a learning
# rate of 10 and halves it every 300 steps (about 30 epochs); any optimiser takes a schedule as its
# ``learning_rate``. The run at a constant 10 is the one in the table above.

constant = next(row for row in rows if row["setting"] == 10.0)
schedule = gn.schedules.ExponentialDecay(10.0, decay_steps=300, decay_rate=0.5)
model = gn.builders.mlp(2, [16], "binary", activation="tanh", optimizer=gn.optimizers.SGD(schedule), seed=0)
decayed = model.fit(X, y, epochs=100, batch_size=32, verbose=0)
print(f"learning rate 10 held constant: final loss {constant['final_loss']:.4f}")
print(f"learning rate 10 halved every 300 steps: final loss {decayed.history['loss'][-1]:.4f}")

gn.plots.plot_histories({"constant 10": constant["history"], "from 10, halved every 300 steps": decayed},
                        logy=True)
