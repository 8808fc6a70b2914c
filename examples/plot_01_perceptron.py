"""
The perceptron: AND and OR, but not XOR
=======================================

The perceptron is one neuron: it weighs its inputs, adds a bias and fires when the sum reaches zero,
``y_hat = step(w . x + b)``. Rosenblatt's rule trains it one sample at a time, moving the weights only when the
neuron is wrong::

    w <- w + eta0 * (t - y_hat) * x
    b <- b + eta0 * (t - y_hat)

Its decision boundary, ``w . x + b = 0``, is a straight line. This example trains :class:`glassnet.Perceptron`
on three logic gates and shows what that line can and cannot do.
"""

# %%
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn

# %%
# One pass of the rule, number by number
# --------------------------------------
# :func:`glassnet.analysis.explain_perceptron_step` runs one pass over the data and prints every quantity the
# rule computes. The weights start at zero and the samples are visited in the order given, so the pass below is
# the one a textbook works through by hand for AND.

X, y = gn.datasets.make_and()
print(gn.analysis.explain_perceptron_step(gn.Perceptron(shuffle=False), X, y))

# %%
# Three gates
# -----------
# The same rule on AND, OR and XOR, for at most 20 passes (``tol=None`` keeps it going until a pass makes no
# mistake). The perceptron warns with a ``ConvergenceWarning`` when it never gets there; the warning is caught
# here and its first sentence printed.

gates = {"AND": gn.datasets.make_and, "OR": gn.datasets.make_or, "XOR": gn.datasets.make_xor}
fitted, panels, truth_tables = {}, {}, {}
for gate, make in gates.items():
    X, y = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        perceptron = gn.Perceptron(shuffle=False, max_iter=20, tol=None).fit(X, y)
    verdict = (f"converged after {perceptron.n_iter_} passes" if perceptron.converged_
               else f"did not converge in {perceptron.n_iter_} passes")
    print(f"{gate:>3}: {verdict}; accuracy {perceptron.score(X, y):.2f}; "
          f"learned line {perceptron.decision_boundary_equation()}")
    for warning in caught:
        print(f"     warning: {str(warning.message).split(':')[0]}")
    title = f"{gate}: {'converged' if perceptron.converged_ else 'did not converge'}"
    fitted[gate], panels[title], truth_tables[title] = perceptron, perceptron, y

# %%
# Each panel shows the four corners of the unit square coloured by the gate's truth table, and the regions on
# either side of the perceptron's final line.

gn.plots.plot_decision_boundaries(panels, X, truth_tables, resolution=120)

# %%
# Why XOR fails
# -------------
# XOR puts (0, 1) and (1, 0) in one class and (0, 0) and (1, 1) in the other. No straight line separates
# them, and a line is all one neuron can draw. The rule therefore never stops making mistakes: each mistake moves
# the line, which then misclassifies another corner. Its record of every pass shows it.

xor = fitted["XOR"]
X, y = gn.datasets.make_xor()
for record in xor.training_history_[:6]:
    print(f"pass {record['epoch']}: {record['errors']} mistake(s), weights {record['weights']}, "
          f"bias {record['bias']:g}")
best = max(int(np.sum((X @ record["weights"] + record["bias"] >= 0) == y)) for record in xor.training_history_)
print(f"the best line it held after any pass classified {best} of the 4 corners correctly")

# %%
# The mistakes per pass never reach zero, so the accuracy per pass never settles:

gn.plots.plot_training_curves(xor)

# %%
# Solving XOR takes a hidden layer: the next example builds one.
