"""
Handwritten digits
==================

A real task at last: 1797 images of handwritten digits, 8x8 pixels each, ten classes. The network reads the
64 pixels as a row of numbers, passes them through a hidden layer and ends in ten softmax units, one
probability per digit. This example trains it, looks at what it confuses, and at how noise hurts it.
"""

# %%
from sklearn.model_selection import train_test_split

import glassnet as gn

# %%
# Training
# --------
# A quarter of the images are held out for testing. Of the rest, 20% are used for validation during training:
# :class:`~glassnet.callbacks.EarlyStopping` stops when the validation loss has not improved for 10 epochs, and
# goes back to the best weights.

X, y = gn.datasets.load_digits()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

model = gn.Sequential([gn.Dense(64, activation="relu"), gn.Dropout(0.2), gn.Dense(10, activation="softmax")],
                      input_dim=64, seed=0)
model.compile(loss="categorical_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.003),
              metrics=["accuracy"])
model.summary()
history = model.fit(X_train, y_train, epochs=100, batch_size=32, validation_split=0.2, verbose=0,
                    callbacks=[gn.callbacks.EarlyStopping(patience=10, restore_best_weights=True)])
test = model.evaluate(X_test, y_test, return_dict=True)
print(f"trained for {len(history.history['loss'])} epochs; test loss {test['loss']:.3f}, "
      f"test accuracy {test['accuracy']:.3f} on {len(X_test)} images")

# %%
# The curves, training against validation; the dot marks the best validation loss, whose weights the model
# kept.

gn.plots.plot_training_curves(history)

# %%
# What it gets wrong
# ------------------
# The confusion matrix counts, for each true digit (row), what the network answered (column).

predicted = model.predict(X_test).argmax(axis=1)
gn.plots.plot_confusion_matrix(y_test, predicted)

# %%
# The mistakes themselves, each titled with the answer and the truth:

wrong = predicted != y_test
print(f"{wrong.sum()} mistakes on {len(y_test)} test images")
gn.plots.plot_image_predictions(X_test, y_test, predicted)

# %%
# The pairs it mixes up most often:

pairs = {}
for truth, answer in zip(y_test[wrong], predicted[wrong]):
    pairs[(int(truth), int(answer))] = pairs.get((int(truth), int(answer)), 0) + 1
for (truth, answer), count in sorted(pairs.items(), key=lambda item: -item[1])[:5]:
    print(f"true digit {truth}, answered {answer}: {count} time(s)")

# %%
# Noisy pixels
# ------------
# :func:`glassnet.analysis.noise_robustness` adds Gaussian noise to every pixel, in units of that pixel's spread
# over the test images, and measures the accuracy at each level over ten draws.

table = gn.analysis.noise_robustness(model, X_test, y_test, noise_levels=(0, 0.25, 0.5, 1.0, 1.5),
                                     random_state=0)
for row in table:
    print(f"noise {row['noise']:g} x each pixel's spread: accuracy {row['accuracy_mean']:.3f}")
gn.plots.plot_noise_robustness(table)

# sphinx_gallery_thumbnail_number = 3
