"""Two source trees of glassnet side by side: the 784-256-128-10 SGD and Adam epochs of each, in alternating fresh
processes (the same machine, the same minutes), to tell a change's effect from the machine's.

    python -m benchmarks.ab OLD_SRC NEW_SRC [--rounds 2] [--lbfgs]

Each process imports glassnet from the tree given (``PYTHONPATH``), trains four warm-up epochs per optimiser (so
that numba, where installed, is loaded: both trees' compiled loops run) and then times five interleaved epochs of
each; the medians are printed per tree and round. ``--lbfgs`` times ``MLPClassifier(solver="lbfgs")`` (20
iterations, float32 and float64 X; median of three fits) instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CODE = """
import statistics, sys, time
import numpy as np
import glassnet as gn
r = np.random.default_rng(0)
X, y = r.normal(size=(60000, 784)).astype(np.float32), r.integers(0, 10, 60000)

def fit(name):
    m = gn.Sequential([gn.Dense(256, activation="relu"), gn.Dense(128, activation="relu"),
                       gn.Dense(10, activation="softmax")], input_dim=784, seed=0)
    m.compile(loss="categorical_crossentropy",
              optimizer=gn.optimizers.SGD(0.01) if name == "sgd" else gn.optimizers.Adam(0.001))
    start = time.perf_counter()
    m.fit(X, y, epochs=1, batch_size=256, verbose=0)
    return time.perf_counter() - start

for name in ("sgd", "adam"):
    for _ in range(4):
        fit(name)
times = {"sgd": [], "adam": []}
for _ in range(5):
    for name in times:
        time.sleep(0.3)
        times[name].append(fit(name))
print(" ".join(f"{name}={statistics.median(ts):.4f}" for name, ts in times.items()))
"""


LBFGS = """
import statistics, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from glassnet import MLPClassifier
r = np.random.default_rng(0)
X, y = r.normal(size=(60000, 784)).astype(np.float32), r.integers(0, 10, 60000)
medians = {}
for dtype in ("float32", "float64"):
    times = []
    for _ in range(3):
        clf = MLPClassifier((256, 128), solver="lbfgs", max_iter=20, random_state=0, tol=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            clf.fit(X.astype(dtype), y)
            times.append(time.perf_counter() - start)
    medians[dtype] = statistics.median(times)
print(" ".join(f"lbfgs_{dtype}={t:.3f}" for dtype, t in medians.items()))
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--lbfgs", action="store_true", help="time MLPClassifier's lbfgs fit instead")
    args = parser.parse_args(argv)
    for round_ in range(args.rounds):
        for label, tree in (("old", args.old), ("new", args.new)):
            env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
            code = LBFGS if args.lbfgs else CODE
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            print(f"round {round_ + 1} {label} ({tree}): {out.stdout.strip()} {'s/fit' if args.lbfgs else 's/epoch'}")


if __name__ == "__main__":
    main()
