"""Side-by-side training benchmarks: glassnet, scikit-learn and PyTorch in one process, interleaved.

    python -m benchmarks [--rounds 5] [--quick] [--only NAME ...]

Every round runs each implementation once, in turn, so that the machine's noise falls on all of them alike;
the table reports medians over rounds and ratios taken within the run. The "GEMM floor" is the eight matrix
products of one training step (three forward, five backward), timed alone on preallocated arrays: no
implementation can beat it, and the ratio to it says how much time goes elsewhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- the big network: 784-256-128-10 ReLU, batch 256, float32, one epoch ---------------------------------------

def big_data(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=n)
    return X, y


def gemm_floor(X, batch=256, sizes=(784, 256, 128, 10)):
    """The eight GEMMs of each step of one epoch, on preallocated float32 arrays."""
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(a, b)).astype(np.float32) * 0.01 for a, b in zip(sizes[:-1], sizes[1:])]
    h = [np.empty((batch, s), np.float32) for s in sizes[1:]]
    d = [np.empty((batch, s), np.float32) for s in sizes[1:]]
    dW = [np.empty_like(w) for w in W]

    def run():
        for start in range(0, len(X) - batch + 1, batch):
            x = X[start:start + batch]
            np.matmul(x, W[0], out=h[0])
            np.matmul(h[0], W[1], out=h[1])
            np.matmul(h[1], W[2], out=h[2])
            np.matmul(h[1].T, h[2], out=dW[2])
            np.matmul(h[2], W[2].T, out=d[1])
            np.matmul(h[0].T, d[1], out=dW[1])
            np.matmul(d[1], W[1].T, out=d[0])
            np.matmul(x.T, d[0], out=dW[0])
    return run


def numpy_loop(X, y, batch=256, sizes=(784, 256, 128, 10), lr=0.01):
    """A careful hand-written NumPy SGD loop with no library around it: preallocated arrays, batches gathered
    by index, in-place ReLU, fused softmax cross-entropy, -lr folded into the output delta. No loss value,
    no checks, no callbacks: the best this machine's NumPy does with the same passes as glassnet."""
    rng = np.random.default_rng(0)
    W = [(rng.normal(size=(a, b)) * np.sqrt(2 / a)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [np.zeros(s, np.float32) for s in sizes[1:]]
    z = [np.empty((batch, s), np.float32) for s in sizes[1:]]
    a = [np.empty((batch, s), np.float32) for s in sizes[1:]]
    d = [np.empty((batch, s), np.float32) for s in sizes[1:]]
    dx = [np.empty((batch, s), np.float32) for s in sizes[:-1]]
    dW = [np.empty_like(w) for w in W]
    db = [np.empty_like(v) for v in b]
    xb, yb, rows = np.empty((batch, sizes[0]), np.float32), np.empty(batch, np.int64), np.arange(batch)

    def run():
        order = np.random.default_rng(0).permutation(len(X))
        for start in range(0, len(X) - batch + 1, batch):
            idx = order[start:start + batch]
            np.take(X, idx, axis=0, out=xb, mode="clip")
            np.take(y, idx, axis=0, out=yb, mode="clip")
            h = xb
            for i in range(3):
                np.matmul(h, W[i], out=z[i])
                z[i] += b[i]
                if i < 2:
                    h = np.maximum(z[i], 0, out=a[i])
            out = d[2]
            np.subtract(z[2], z[2].max(axis=1, keepdims=True), out=out)
            np.exp(out, out=out)
            out /= out.sum(axis=1, keepdims=True)
            out[rows, yb] -= 1
            out *= np.float32(-lr / batch)
            for i in (2, 1, 0):
                inputs = xb if i == 0 else a[i - 1]
                if i > 0:
                    np.matmul(d[i], W[i].T, out=dx[i])
                np.matmul(inputs.T, d[i], out=dW[i])
                np.sum(d[i], axis=0, out=db[i])
                W[i] += dW[i]
                b[i] += db[i]
                if i > 0:
                    np.multiply(dx[i], z[i - 1] > 0, out=d[i - 1])
    return run


def glassnet_fit(X, y, optimizer="sgd", kernels=True):
    """``kernels=False``: the NumPy path, as where numba is not installed."""
    import glassnet as gn
    from glassnet import _fast

    def run():
        if not kernels:
            with _fast.using("blas" if _fast.blas.available() else "numpy"):
                return glassnet_fit(X, y, optimizer)()
        model = gn.Sequential([gn.Dense(256, activation="relu"), gn.Dense(128, activation="relu"),
                               gn.Dense(10, activation="softmax")], input_dim=784, seed=0)
        opt = gn.optimizers.SGD(0.01) if optimizer == "sgd" else gn.optimizers.Adam(0.001)
        model.compile(loss="categorical_crossentropy", optimizer=opt)
        model.fit(X, y, epochs=1, batch_size=256, verbose=0)
    return run


def sklearn_fit(X, y, estimator="sklearn", solver="sgd"):
    from sklearn.exceptions import ConvergenceWarning

    if estimator == "sklearn":
        from sklearn.neural_network import MLPClassifier
    else:
        from glassnet import MLPClassifier

    def run():
        clf = MLPClassifier((256, 128), solver=solver, batch_size=256, max_iter=1, learning_rate_init=0.01,
                            momentum=0.0, random_state=0, tol=0.0)
        if solver == "lbfgs":
            clf.set_params(max_iter=20)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    return run


def torch_fit(X, y, optimizer="sgd"):
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                  torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = (torch.optim.SGD(net.parameters(), lr=0.01) if optimizer == "sgd"
               else torch.optim.Adam(net.parameters(), lr=0.001))
        loss_fn = torch.nn.CrossEntropyLoss()
        order = torch.randperm(len(Xt))
        for start in range(0, len(Xt), 256):
            idx = order[start:start + 256]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return run


# --- tiny networks: per-step overhead ------------------------------------------------------------------------
# Two workloads of issue 13: the seeds' TinyMLP (XOR 2-4-1, sigmoid hidden units, full batch, SGD) and moons
# 2-16-16-1 ReLU, batch 32, Adam, shuffled each epoch. The hand-written loops do what fit must do per step and
# no more: gather the batch (shuffled runs), forward, the loss value, backward, update.

def xor_data():
    return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32), np.array([0, 1, 1, 0])


def moons_data():
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    return X.astype(np.float32), y


def xor_glassnet(X, y, epochs, lr=0.5):
    import glassnet as gn

    def run():
        model = gn.Sequential([gn.Dense(4, activation="sigmoid"), gn.Dense(1, activation="sigmoid")],
                              input_dim=2, seed=0)
        model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.SGD(lr))
        model.fit(X, y, epochs=epochs, batch_size=None, verbose=0)
    return run


def xor_hand_loop(X, y, epochs, lr=0.5):
    """Full-batch SGD on 2-4-1 sigmoid units with a binary cross-entropy, written out in NumPy."""
    f = np.float32

    def run():
        rng = np.random.default_rng(0)
        W1, b1 = rng.normal(size=(2, 4)).astype(f), np.zeros(4, f)
        W2, b2 = rng.normal(size=(4, 1)).astype(f), np.zeros(1, f)
        Y, n, one, step = y.reshape(-1, 1).astype(f), len(X), f(1), f(lr)
        for _ in range(epochs):
            z1 = X @ W1
            z1 += b1
            a1 = np.exp(-z1)
            a1 += one
            np.reciprocal(a1, out=a1)
            z2 = a1 @ W2
            z2 += b2
            a2 = np.exp(-z2)
            a2 += one
            np.reciprocal(a2, out=a2)
            float(np.mean(np.logaddexp(0, z2) - Y * z2))  # the loss value
            d2 = a2 - Y
            d2 *= f(1 / n)
            gW2, gb2 = a1.T @ d2, d2.sum(0)
            d1 = d2 @ W2.T
            d1 *= a1
            d1 *= one - a1
            gW1, gb1 = X.T @ d1, d1.sum(0)
            for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
                p -= step * g
    return run


def xor_torch(X, y, epochs, lr=0.5):
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)

    def run():
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1))
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for _ in range(epochs):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(Xt), yt).backward()
            opt.step()
    return run


def moons_glassnet(X, y, epochs, lr=0.01, batch=32):
    import glassnet as gn

    def run():
        model = gn.Sequential([gn.Dense(16, activation="relu"), gn.Dense(16, activation="relu"),
                               gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
        model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(lr))
        model.fit(X, y, epochs=epochs, batch_size=batch, verbose=0)
    return run


def moons_hand_loop(X, y, epochs, lr=0.01, batch=32):
    """Adam on 2-16-16-1 (ReLU, ReLU, sigmoid), batches of shuffled rows gathered by index, written out."""
    f = np.float32
    sizes = (2, 16, 16, 1)
    Y = y.reshape(-1, 1).astype(f)
    beta_1, beta_2, eps = 0.9, 0.999, 1e-8

    def run():
        rng = np.random.default_rng(0)
        W = [(rng.normal(size=(a, b)) * np.sqrt(2 / a)).astype(f) for a, b in zip(sizes[:-1], sizes[1:])]
        B = [np.zeros(b, f) for b in sizes[1:]]
        params = [W[0], B[0], W[1], B[1], W[2], B[2]]
        m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        t = 0
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch):
                idx = order[start:start + batch]
                x, yy = np.take(X, idx, axis=0), np.take(Y, idx, axis=0)
                z1 = x @ W[0]
                z1 += B[0]
                a1 = np.maximum(z1, 0)
                z2 = a1 @ W[1]
                z2 += B[1]
                a2 = np.maximum(z2, 0)
                z3 = a2 @ W[2]
                z3 += B[2]
                a3 = 1 / (1 + np.exp(-z3))
                float(np.mean(np.logaddexp(0, z3) - yy * z3))  # the loss value
                d3 = (a3 - yy) / f(len(idx))
                d2 = (d3 @ W[2].T) * (z2 > 0)
                d1 = (d2 @ W[1].T) * (z1 > 0)
                grads = [x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0), a2.T @ d3, d3.sum(0)]
                t += 1
                c1, c2 = 1 - beta_1 ** t, 1 - beta_2 ** t
                for p, g, mi, vi in zip(params, grads, m, v):
                    mi *= f(beta_1)
                    mi += f(1 - beta_1) * g
                    vi *= f(beta_2)
                    vi += f(1 - beta_2) * g * g
                    p -= f(lr / c1) * mi / (np.sqrt(vi / f(c2)) + f(eps))
    return run


def moons_torch(X, y, epochs, lr=0.01, batch=32):
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)

    def run():
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                  torch.nn.ReLU(), torch.nn.Linear(16, 1))
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for _ in range(epochs):
            order = torch.randperm(len(Xt))
            for start in range(0, len(Xt), batch):
                idx = order[start:start + batch]
                opt.zero_grad(set_to_none=True)
                loss_fn(net(Xt[idx]), yt[idx]).backward()
                opt.step()
    return run


# --- start-up: import and a cold first fit, each in a fresh process -----------------------------------------

def fresh_process(code: str) -> float:
    """Wall time of ``python -c code`` in a fresh process (what a user waits for)."""
    import subprocess
    import sys

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


COLD_DATA = "import numpy as np; r = np.random.default_rng(0); X = r.normal(size=(60000, 784)).astype(np.float32); " \
            "y = r.integers(0, 10, 60000)\n"
COLD_GLASSNET = COLD_DATA + """import glassnet as gn
m = gn.Sequential([gn.Dense(256, activation="relu"), gn.Dense(128, activation="relu"),
                   gn.Dense(10, activation="softmax")], input_dim=784, seed=0)
m.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.Adam(0.001))
m.fit(X, y, epochs=1, batch_size=256, verbose=0)
"""
COLD_TORCH = COLD_DATA + """import torch
Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                          torch.nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=0.001)
loss_fn = torch.nn.CrossEntropyLoss()
order = torch.randperm(len(Xt))
for start in range(0, len(Xt), 256):
    idx = order[start:start + 256]
    opt.zero_grad(set_to_none=True)
    loss_fn(net(Xt[idx]), yt[idx]).backward()
    opt.step()
"""


def startup(rounds: int) -> None:
    """Import times (fresh processes, interleaved), `glassnet --help`, and a cold first fit against PyTorch's."""
    import shutil
    import sys

    rows = {"import numpy": "import numpy", "import glassnet": "import glassnet",
            "import glassnet, then gn.MLPClassifier": "import glassnet as gn; gn.MLPClassifier"}
    cli = shutil.which("glassnet")
    times = {k: [] for k in [*rows, "glassnet --help", "cold: import + 1 epoch 784-256-128-10, glassnet Adam",
                             "cold: import + 1 epoch 784-256-128-10, PyTorch Adam"]}
    import subprocess

    for _ in range(rounds):
        for name, code in rows.items():
            times[name].append(fresh_process(code))
        start = time.perf_counter()
        subprocess.run([cli, "--help"] if cli else [sys.executable, "-m", "glassnet.cli", "--help"], check=True,
                       capture_output=True)
        times["glassnet --help"].append(time.perf_counter() - start)
        time.sleep(0.3)
        times["cold: import + 1 epoch 784-256-128-10, glassnet Adam"].append(fresh_process(COLD_GLASSNET))
        time.sleep(0.3)
        times["cold: import + 1 epoch 784-256-128-10, PyTorch Adam"].append(fresh_process(COLD_TORCH))
    numpy_time = statistics.median(times["import numpy"])
    print(f"\n## start-up (s, fresh processes), median of {rounds} interleaved rounds\n")
    print("| what | median | beyond `import numpy` |\n|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.3f} | {med - numpy_time:+.3f} |")
    ratio = statistics.median(times["cold: import + 1 epoch 784-256-128-10, glassnet Adam"]) / statistics.median(
        times["cold: import + 1 epoch 784-256-128-10, PyTorch Adam"])
    print(f"\ncold first fit, glassnet / PyTorch: {ratio:.2f}")


# --- prediction ----------------------------------------------------------------------------------------------

def predict_glassnet(X):
    import glassnet as gn

    model = gn.Sequential([gn.Dense(256, activation="relu"), gn.Dense(128, activation="relu"),
                           gn.Dense(10, activation="softmax")], input_dim=X.shape[1], seed=0)
    return lambda: model.predict(X)


def predict_torch(X):
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10), torch.nn.Softmax(dim=1))
    Xt = torch.from_numpy(X)

    def run():
        with torch.no_grad():
            net(Xt).numpy()
    return run


# --- scaling and memory --------------------------------------------------------------------------------------

def scaling(quick: bool) -> None:
    """Epoch time against the number of samples and the hidden width (seconds per epoch, and per sample)."""
    import glassnet as gn

    sizes = [1_000, 10_000, 50_000] if quick else [1_000, 10_000, 50_000, 100_000, 200_000]
    X, y = big_data(max(sizes), seed=2)
    print("\n## Scaling in samples (784-256-128-10, SGD, batch 256), median of 3\n")
    print("| samples | s/epoch | us/sample |\n|---|---|---|")
    for n in sizes:
        t = statistics.median(_timed(glassnet_fit(X[:n], y[:n])) for _ in range(3))
        print(f"| {n:,} | {t:.4g} | {t / n * 1e6:.3g} |")
    print("\n## Scaling in width (784-W-W-10, 20,000 samples, SGD, batch 256), median of 3\n")
    print("| width | s/epoch | ns per multiply-add |\n|---|---|---|")
    Xw, yw = X[:20_000], y[:20_000]
    for width in ([64, 256, 1024] if quick else [64, 128, 256, 512, 1024]):
        def run(width=width):
            model = gn.Sequential([gn.Dense(width, activation="relu"), gn.Dense(width, activation="relu"),
                                   gn.Dense(10, activation="softmax")], input_dim=784, seed=0)
            model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.SGD(0.01))
            model.fit(Xw, yw, epochs=1, batch_size=256, verbose=0)
        t = statistics.median(_timed(run) for _ in range(3))
        macs = 3 * len(Xw) * (784 * width + width * width + width * 10)
        print(f"| {width} | {t:.4g} | {t / macs * 1e9:.3g} |")


def memmap_memory(quick: bool) -> None:
    """Peak heap growth of fit on a float32 memory-mapped data set, against the data set's size."""
    import tempfile
    import tracemalloc

    import glassnet as gn

    n = 50_000 if quick else 400_000
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "X.npy")
        X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 784))
        rng = np.random.default_rng(0)
        for i in range(0, n, 20_000):
            X[i:i + 20_000] = rng.normal(size=(min(20_000, n - i), 784))
        X.flush()
        del X
        X = np.load(path, mmap_mode="r")
        y = rng.integers(0, 10, size=n)
        model = gn.Sequential([gn.Dense(256, activation="relu"), gn.Dense(128, activation="relu"),
                               gn.Dense(10, activation="softmax")], input_dim=784, seed=0)
        model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.SGD(0.01))
        tracemalloc.start()
        start = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=256, verbose=0)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"\n## fit on a {X.nbytes / 1e6:,.0f} MB float32 np.memmap (one epoch, {seconds:.1f} s)\n")
        print(f"peak heap growth during fit (tracemalloc): {peak / 1e6:.1f} MB = "
              f"{peak / X.nbytes * 100:.2f}% of the data set")
        del X


def soak(steps: int) -> None:
    """``steps`` calls of ``train_on_batch``: traced memory must stay flat (no growth from step to step)."""
    import tracemalloc

    import glassnet as gn

    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 20)).astype(np.float32)
    y = rng.integers(0, 3, size=32)
    model = gn.Sequential([gn.Dense(64, activation="relu"), gn.Dropout(0.1), gn.BatchNorm(),
                           gn.Dense(3, activation="softmax")], input_dim=20, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    for _ in range(1000):  # warm-up: buffers, caches
        model.train_on_batch(X, y)
    tracemalloc.start()
    start = time.perf_counter()
    base, _ = tracemalloc.get_traced_memory()
    marks = []
    for i in range(1, steps + 1):
        model.train_on_batch(X, y)
        if i % (steps // 10) == 0:
            marks.append(tracemalloc.get_traced_memory()[0] - base)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n## Soak: {steps:,} train_on_batch steps (20-64-64-3, batch 32, Adam, dropout, batch norm)\n")
    print(f"{seconds / steps * 1e6:.1f} us/step; traced memory above the start, every {steps // 10:,} steps (bytes): "
          f"{marks}; peak {(peak - base) / 1e3:.1f} kB")


# --- the harness ---------------------------------------------------------------------------------------------

def suites(quick: bool):
    n = 12_000 if quick else 60_000
    X, y = big_data(n)
    xor, moons = xor_data(), moons_data()
    xor_epochs = 1000 if quick else 5000
    X64 = X.astype(np.float64)
    Xp = big_data(20_000 if quick else 100_000, seed=1)[0]
    return {
        "mlp-784-256-128-10 (s/epoch)": {
            "steps": 1,
            "runs": {
                "GEMM floor": gemm_floor(X),
                "hand-written NumPy loop, SGD": numpy_loop(X, y),
                "glassnet Sequential SGD": glassnet_fit(X, y, "sgd"),
                "PyTorch SGD": torch_fit(X, y, "sgd"),
                "glassnet Sequential Adam": glassnet_fit(X, y, "adam"),
                "glassnet Sequential Adam, NumPy path (no numba)": glassnet_fit(X, y, "adam", kernels=False),
                "PyTorch Adam": torch_fit(X, y, "adam"),
                "glassnet MLPClassifier sgd, float32 X": sklearn_fit(X, y, "glassnet"),
                "sklearn MLPClassifier sgd, float32 X": sklearn_fit(X, y, "sklearn"),
                "glassnet MLPClassifier sgd, float64 X": sklearn_fit(X64, y, "glassnet"),
                "sklearn MLPClassifier sgd, float64 X": sklearn_fit(X64, y, "sklearn"),
                "glassnet MLPClassifier adam, float32 X": sklearn_fit(X, y, "glassnet", "adam"),
                "sklearn MLPClassifier adam, float32 X": sklearn_fit(X, y, "sklearn", "adam"),
                "glassnet MLPClassifier adam, float64 X": sklearn_fit(X64, y, "glassnet", "adam"),
                "sklearn MLPClassifier adam, float64 X": sklearn_fit(X64, y, "sklearn", "adam"),
                "glassnet MLPClassifier lbfgs (20 iterations), float32 X": sklearn_fit(X, y, "glassnet", "lbfgs"),
                "sklearn MLPClassifier lbfgs (20 iterations), float32 X": sklearn_fit(X, y, "sklearn", "lbfgs"),
                "glassnet MLPClassifier lbfgs (20 iterations), float64 X": sklearn_fit(X64, y, "glassnet", "lbfgs"),
                "sklearn MLPClassifier lbfgs (20 iterations), float64 X": sklearn_fit(X64, y, "sklearn", "lbfgs"),
            },
        },
        "xor 2-4-1 sigmoid, full batch, SGD (us/step)": {
            "steps": xor_epochs,
            "runs": {"glassnet": xor_glassnet(*xor, xor_epochs), "hand-written NumPy loop": xor_hand_loop(
                *xor, xor_epochs), "PyTorch": xor_torch(*xor, xor_epochs)},
        },
        "moons 2-16-16-1 ReLU, batch 32, Adam, shuffled (us/step)": {
            "steps": 20 * 32,
            "runs": {"glassnet": moons_glassnet(*moons, 20), "hand-written NumPy loop": moons_hand_loop(*moons, 20),
                     "PyTorch": moons_torch(*moons, 20)},
        },
        f"predict {len(Xp):,} rows (s)": {
            "steps": 1,
            "runs": {"glassnet predict": predict_glassnet(Xp), "PyTorch no_grad forward": predict_torch(Xp)},
        },
    }


def _pairs(times: dict) -> list[tuple[str, str, float]]:
    """(glassnet row, its counterpart, ratio of medians) for rows named alike ("glassnet X" / "sklearn X")."""
    out = []
    for ours in times:
        if not ours.startswith("glassnet "):
            continue
        for other in ("sklearn", "PyTorch"):
            name = other + ours[len("glassnet"):].replace("Sequential ", "")
            if name in times:
                out.append((ours, name, statistics.median(times[ours]) / statistics.median(times[name])))
    return out


def machine() -> str:
    import numpy

    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info = threadpool_info()
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in info)
    except ImportError:
        pass
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "absent"
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = "absent (glassnet's NumPy path)"
    import sklearn

    return (f"nproc={os.cpu_count()}, {platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}, NumPy {numpy.__version__}, BLAS: {blas}, scikit-learn "
            f"{sklearn.__version__}, PyTorch {torch_version}, numba {numba_version}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--only", nargs="*", default=None, help="suite names containing these words")
    parser.add_argument("--scaling", action="store_true", help="also run the scaling and memmap memory runs")
    parser.add_argument("--startup", action="store_true", help="also time imports and a cold first fit")
    parser.add_argument("--soak", type=int, default=0, metavar="STEPS",
                        help="only run the soak test: STEPS train_on_batch calls with traced memory")
    args = parser.parse_args(argv)
    if args.soak:
        print(f"# {time.strftime('%Y-%m-%d')}  {machine()}")
        soak(args.soak)
        return
    all_suites = suites(args.quick)
    print(f"# {time.strftime('%Y-%m-%d')}  {machine()}")
    for name, suite in all_suites.items():
        if args.only and not any(word in name for word in args.only):
            continue
        times = {k: [] for k in suite["runs"]}
        for fn in suite["runs"].values():
            fn()  # warm-up: imports, first-touch allocation
        for _ in range(args.rounds):
            for k, fn in suite["runs"].items():
                # BLAS and OpenMP worker threads spin for a while after their last job: let the previous
                # implementation's go idle, so that they do not steal the cores from the next one
                time.sleep(0.3)
                times[k].append(_timed(fn) / suite["steps"])
        scale = 1e6 if "us/step" in name else 1.0
        first = statistics.median(next(iter(times.values())))
        print(f"\n## {name}, median of {args.rounds} interleaved rounds\n")
        print("| implementation | median | vs first row |\n|---|---|---|")
        for k, ts in times.items():
            med = statistics.median(ts)
            print(f"| {k} | {med * scale:.4g} | {med / first:.2f} |")
        pairs = _pairs(times)
        if pairs:
            print("\n| glassnet against | glassnet / other (median) |\n|---|---|")
            for _ours, other, ratio in pairs:
                print(f"| {other} | {ratio:.2f} |")
    if args.startup:
        startup(args.rounds)
    if args.scaling:
        scaling(args.quick)
        memmap_memory(args.quick)


if __name__ == "__main__":
    main()
