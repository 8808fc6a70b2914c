"""
An autoencoder, and the encoder inside it
=========================================

An autoencoder learns to copy its input through a bottleneck. Here each 8x8 image of a handwritten digit, 64
pixels, is squeezed through two numbers and rebuilt from them: 64 -> 32 -> 2 -> 32 -> 64, trained to make its
output equal its input, without ever seeing a label. The first half is an *encoder* (image to code), the
second a *decoder* (code to image). In glassnet they are slices of the autoencoder that share its layers.
"""

# %%
import numpy as np

import glassnet as gn

# %%
# Training to copy
# ----------------
# The loss is the mean squared error between the output and the input itself, so ``fit`` gets ``X`` twice.

X, y = gn.datasets.load_digits()  # 1797 images, pixels scaled to [0, 1]
autoencoder = gn.Sequential([gn.Dense(32, activation="relu", input_dim=64), gn.Dense(2, activation="linear"),
                             gn.Dense(32, activation="relu"), gn.Dense(64, activation="sigmoid")], seed=0)
autoencoder.compile(loss="mse", optimizer=gn.optimizers.Adam(learning_rate=0.003))
history = autoencoder.fit(X, X, epochs=40, batch_size=64, verbose=0)
print(f"reconstruction error (mean squared, per pixel) after {len(history.history['loss'])} epochs: "
      f"{history.history['loss'][-1]:.4f}")
print(f"for comparison, always answering the average image: {np.mean((X - X.mean(axis=0)) ** 2):.4f}")

# %%
# The encoder and the decoder
# ---------------------------
# Slicing a model, as in Keras, gives a model made of the same layers: ``autoencoder[:2]`` computes with the
# autoencoder's trained weights, not a copy of them.

encoder, decoder = autoencoder[:2], autoencoder[2:]
codes = encoder.predict(X)
print(f"each image becomes {codes.shape[1]} numbers; the first three: {np.round(codes[:3].astype(float), 2).tolist()}")
print("the encoder's first layer is the autoencoder's first layer:", encoder.layers[0] is autoencoder.layers[0])
print("decoding the codes gives the autoencoder's output:",
      bool(np.allclose(decoder.predict(codes), autoencoder.predict(X), atol=1e-6)))

# %%
# The codes of every image, coloured by the digit it shows. The labels were never used in training; whatever
# grouping appears, the network found on its own in the pixels.

gn.plots.plot_embedding(codes, y, axis_labels=("code 1", "code 2"), legend_title="digit")

# %%
# How well the codes separate the digits can be measured: assign each code to the digit whose mean code is
# nearest, and count how often that is the true digit (chance would be about 10%).

centres = np.stack([codes[y == digit].mean(axis=0) for digit in range(10)])
nearest = np.argmin(((codes[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
print(f"nearest digit centre in the code plane is the true digit for {np.mean(nearest == y):.0%} of the images")

# %%
# What survives the bottleneck: the first image of each digit (top) and its reconstruction from two numbers
# (bottom).

gn.plots.plot_reconstructions(X, decoder.predict(codes), labels=y)

# %%
# Shared layers train together
# ----------------------------
# Because the layers are shared, training the encoder alone changes the autoencoder too. Here the encoder is
# trained for a few epochs to place every image at the code its digit's centre has, which changes the
# autoencoder's first two layers, and so its reconstructions.

before = autoencoder.get_weights()[0].copy()
encoder.compile(loss="mse", optimizer=gn.optimizers.Adam(learning_rate=0.003))
encoder.fit(X, centres[y], epochs=5, batch_size=64, verbose=0)
change = np.abs(autoencoder.get_weights()[0] - before).max()
print(f"largest change in the autoencoder's first-layer weights after training the encoder: {change:.4f}")
print(f"the autoencoder's reconstruction error now: {autoencoder.evaluate(X, X):.4f}")
