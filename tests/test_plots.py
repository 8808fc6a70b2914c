"""Pictures: every figure renders to a PNG that is not blank, and the numbers drawn are the numbers computed.

The decision-boundary pictures are checked by reading pixels back: for hand-built models whose boundaries are
known, the colour at sampled points of the rendered image is mapped back (through the fixed colormaps) to a
probability or a class and compared with the model's own prediction at that point.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import warnings

import matplotlib
import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import confusion_matrix

import glassnet as gn
from glassnet import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------------

def render(fig: Figure, dpi: int = 50) -> np.ndarray:
    """The figure as an RGB image (rows top to bottom), after checking it is a PNG that is not blank.

    Pixel-reading tests render at ``fig.dpi``, where ``ax.transData`` gives the image's pixel coordinates.
    """
    data = plots.figure_to_png_bytes(fig, dpi=dpi)
    assert data[:8] == PNG_SIGNATURE
    image = mpimg.imread(io.BytesIO(data))[..., :3]
    width, height = fig.get_size_inches() * dpi
    assert image.shape[:2] == (round(height), round(width))
    assert image.std() > 0.02
    assert len(np.unique((image * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)) > 20
    return image


def pixel_colours(fig: Figure, ax, image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The RGB colour of the rendered image at each data-coordinate point of ``ax``."""
    display = ax.transData.transform(points)  # pixels from the bottom-left corner, at fig.dpi
    cols = np.floor(display[:, 0]).astype(int)
    rows = np.floor(image.shape[0] - display[:, 1]).astype(int)  # the image's rows run top to bottom
    return image[rows, cols]


def blended(colour) -> np.ndarray:
    """A region colour as rendered: drawn at REGION_ALPHA over the white axes."""
    rgb = np.asarray(matplotlib.colors.to_rgba(colour)[:3])
    return plots.REGION_ALPHA * rgb + (1 - plots.REGION_ALPHA)


def sample_points(ax, n: int = 25, inset: float = 0.04) -> np.ndarray:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    dx, dy = inset * (x1 - x0), inset * (y1 - y0)
    xx, yy = np.meshgrid(np.linspace(x0 + dx, x1 - dx, n), np.linspace(y0 + dy, y1 - dy, n))
    return np.column_stack([xx.ravel(), yy.ravel()])


def away_from_markers(ax, points: np.ndarray, X: np.ndarray, pixels: float = 9.0) -> np.ndarray:
    """Which points are far (in pixels) from every data marker and outside the legend."""
    p, d = ax.transData.transform(points), ax.transData.transform(X)
    far = np.min(np.linalg.norm(p[:, None, :] - d[None, :, :], axis=2), axis=1) > pixels
    legend = ax.get_legend()
    if legend is not None:
        box = legend.get_window_extent()
        inside = (p[:, 0] >= box.x0 - 2) & (p[:, 0] <= box.x1 + 2) & (p[:, 1] >= box.y0 - 2) & (p[:, 1] <= box.y1 + 2)
        far &= ~inside
    return far


def visible_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_visible()]


def sigmoid_model(W, b) -> gn.Sequential:
    model = gn.Sequential([gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0, dtype="float64")
    model.set_weights([np.asarray(W, dtype=np.float64).reshape(2, 1), np.asarray(b, dtype=np.float64)])
    return model


CORNERS = np.array([[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]])


@pytest.fixture(scope="module")
def trained():
    """A small tanh network on moons, trained briefly with a recorder and a validation split."""
    X, y = gn.datasets.make_moons(120, noise=0.2, random_state=0)
    model = gn.Sequential([gn.Dense(6, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(loss="binary_crossentropy", optimizer=gn.optimizers.Adam(learning_rate=0.05), metrics=["accuracy"])
    recorder = gn.analysis.TrainingRecorder()
    history = model.fit(X, y, epochs=8, batch_size=32, validation_split=0.25, callbacks=[recorder], verbose=0)
    return model, history, recorder, X, y


# ----------------------------------------------------------------------------------------------------------------
# Output and hygiene
# ----------------------------------------------------------------------------------------------------------------

def test_module_uses_no_pyplot_and_never_prints():
    tree = ast.parse(inspect.getsource(plots))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 for alias in node.names]
    assert not [name for name in imported if "pyplot" in name]
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert not [f for f in calls if isinstance(f, ast.Name) and f.id == "print"]
    assert not [f for f in calls if isinstance(f, ast.Attribute) and f.attr == "show"]


def test_figure_to_png_bytes_scales_with_dpi(trained):
    fig = plots.plot_activation_functions(["relu"])
    small = mpimg.imread(io.BytesIO(plots.figure_to_png_bytes(fig, dpi=50)))
    large = mpimg.imread(io.BytesIO(plots.figure_to_png_bytes(fig, dpi=100)))
    assert large.shape[0] == pytest.approx(2 * small.shape[0], abs=1)
    with pytest.raises(TypeError, match="fig"):
        plots.figure_to_png_bytes("not a figure")
    with pytest.raises(ValueError, match="dpi"):
        plots.figure_to_png_bytes(fig, dpi=0)


def test_save_figure_is_atomic(tmp_path):
    fig = plots.plot_activation_functions(["tanh"])
    path = plots.save_figure(fig, tmp_path / "tanh.png", dpi=50)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    if os.name == "posix":  # a new file's permissions follow the umask, as open() would make them
        umask = os.umask(0)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    before = path.read_bytes()
    with pytest.raises(ValueError):
        plots.save_figure(fig, tmp_path / "tanh.notaformat", dpi=50)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["tanh.png"]  # no temporary file left behind
    with pytest.raises(FileNotFoundError, match="folder"):
        plots.save_figure(fig, tmp_path / "missing" / "x.png")
    with pytest.raises(TypeError, match="path"):
        plots.save_figure(fig, 42)


# ----------------------------------------------------------------------------------------------------------------
# Training curves, activations, weights, gradients
# ----------------------------------------------------------------------------------------------------------------

def test_training_curves_from_every_kind_of_history(trained):
    model, history, _, X, y = trained
    for source in (history, history.history, model):
        fig = plots.plot_training_curves(source)
        loss_ax, accuracy_ax = visible_axes(fig)
        assert [ax.get_title() for ax in (loss_ax, accuracy_ax)] == ["loss", "accuracy"]
        training, validation = loss_ax.get_lines()[:2]
        np.testing.assert_allclose(training.get_ydata(), history.history["loss"])
        np.testing.assert_allclose(validation.get_ydata(), history.history["val_loss"])
        np.testing.assert_allclose(training.get_xdata(), np.arange(1, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = gn.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, y)
        lbfgs = gn.MLPClassifier((4,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
        perceptron = gn.Perceptron(max_iter=5).fit(X, y)
    fig = plots.plot_training_curves(estimator)
    render(fig)
    assert [ax.get_title() for ax in visible_axes(fig)] == ["loss", "score"]
    fig = plots.plot_training_curves(estimator, metrics=["lr"])
    assert [ax.get_title() for ax in visible_axes(fig)] == ["loss", "learning rate"]   # words, not the key
    np.testing.assert_allclose(visible_axes(fig)[1].get_lines()[0].get_ydata(), estimator.history_["lr"])
    assert [ax.get_title() for ax in visible_axes(plots.plot_training_curves(lbfgs))] == ["loss"]
    # a perceptron counts its loss and mistakes while the pass moves the line: the titles say so
    fig = plots.plot_training_curves(perceptron)
    assert [ax.get_title() for ax in visible_axes(fig)] == ["loss during each pass", "accuracy during each pass"]
    np.testing.assert_allclose(visible_axes(fig)[1].get_lines()[0].get_ydata(),
                               [r["accuracy"] for r in perceptron.training_history_])


def test_training_curves_refuse_bad_input(trained):
    _, history, _, _, _ = trained
    with pytest.raises(ValueError, match="'f1'.*keys"):
        plots.plot_training_curves(history, metrics=["f1"])
    with pytest.raises(ValueError, match="fit it first"):
        plots.plot_training_curves(gn.Sequential([gn.Dense(1)], input_dim=2))
    with pytest.raises(ValueError, match="empty"):
        plots.plot_training_curves({})
    with pytest.raises(TypeError, match="history"):
        plots.plot_training_curves(3.0)
    with pytest.raises(ValueError, match="numbers"):
        plots.plot_training_curves({"loss": ["a", "b"]})


def test_activation_derivatives_are_the_librarys_backward():
    z = np.linspace(-4, 4, 81)
    fig = plots.plot_activation_functions(["sigmoid", "relu", "step", "logistic"], z=z)
    render(fig)
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == ["sigmoid", "relu", "step", "sigmoid"]
    value, derivative = axes[0].get_lines()[-2:]
    np.testing.assert_allclose(value.get_ydata(), expit(z))
    np.testing.assert_allclose(derivative.get_ydata(), expit(z) * (1 - expit(z)))
    np.testing.assert_array_equal(axes[2].get_lines()[-1].get_ydata(), np.zeros_like(z))
    assert len(visible_axes(plots.plot_activation_functions())) == len(plots.DEFAULT_ACTIVATIONS)
    with pytest.raises(ValueError, match="softmax"):
        plots.plot_activation_functions(["softmax"])
    with pytest.raises(ValueError, match="activation"):
        plots.plot_activation_functions(["nope"])
    with pytest.raises(ValueError, match="z"):
        plots.plot_activation_functions(z=[1.0])


def test_weight_histograms_one_panel_per_dense_layer(trained):
    model = trained[0]
    fig = plots.plot_weight_histograms(model)
    render(fig)
    axes = visible_axes(fig)
    assert len(axes) == 2
    counts = sum(patch.get_height() for patch in axes[0].patches)
    assert counts == model.layers[0].params["W"].size + model.layers[0].params["b"].size
    with pytest.raises(TypeError, match="model"):
        plots.plot_weight_histograms(gn.Perceptron())
    with pytest.raises(ValueError, match="not built"):
        plots.plot_weight_histograms(gn.Sequential([gn.Dense(2)]))


def test_gradient_flow_draws_the_recorded_norms(trained):
    _, _, recorder, _, _ = trained
    fig = plots.plot_gradient_flow(recorder)
    render(fig)
    left = fig.axes[0]
    assert left.get_yscale() == "log"
    lines = left.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), recorder.series("grad_norm", 0))
    np.testing.assert_allclose(lines[1].get_xdata(), np.arange(1, 9))
    with pytest.raises(ValueError, match="no records"):
        plots.plot_gradient_flow(gn.analysis.TrainingRecorder())
    with pytest.raises(TypeError, match="recorder"):
        plots.plot_gradient_flow({"grad_norm": [1.0]})


# ----------------------------------------------------------------------------------------------------------------
# Decision boundaries: colours read back from the pixels
# ----------------------------------------------------------------------------------------------------------------

def test_binary_probability_colours_match_the_model():
    model = sigmoid_model([3.0, 0.0], [0.0])  # p = sigmoid(3 x1): the boundary is the line x1 = 0
    fig = plots.plot_decision_boundary(model, CORNERS, [0, 0, 1, 1], resolution=120)
    image = render(fig, dpi=int(fig.dpi))
    ax = fig.axes[0]
    points = sample_points(ax)
    points = points[away_from_markers(ax, points, CORNERS) & (np.abs(points[:, 0]) > 0.25)]
    assert len(points) > 300
    p = model.predict(points)[:, 0]
    cmap = matplotlib.colormaps[plots.BINARY_CMAP]
    t = np.linspace(0, 1, 1001)
    table = plots.REGION_ALPHA * cmap(t)[:, :3] + (1 - plots.REGION_ALPHA)
    colours = pixel_colours(fig, ax, image, points)
    read = t[np.argmin(np.linalg.norm(colours[:, None, :] - table[None], axis=2), axis=1)]
    agree = np.abs(read - p) < 0.06
    assert agree.mean() > 0.95, np.column_stack([points, p, read])[~agree][:10]
    # the picture is not symmetric by accident: the left half reads as class 0, the right half as class 1
    assert np.all(read[points[:, 0] < -1] < 0.1) and np.all(read[points[:, 0] > 1] > 0.9)


def test_multiclass_region_colours_match_the_model():
    # three classes by the largest of x1, x2 and -(x1 + x2): three sectors meeting at the origin
    model = gn.Sequential([gn.Dense(3, activation="softmax")], input_dim=2, seed=0, dtype="float64")
    model.set_weights([np.array([[2.0, 0.0, -2.0], [0.0, 2.0, -2.0]]), np.zeros(3)])
    X = np.array([[2.0, -1.0], [-1.0, 2.0], [-2.0, -2.0], [2.5, 2.5]])
    y = np.array([0, 1, 2, 0])
    fig = plots.plot_decision_boundary(model, X, y, resolution=150)
    image = render(fig, dpi=int(fig.dpi))
    ax = fig.axes[0]
    points = sample_points(ax)
    logits = points @ np.array([[2.0, 0.0, -2.0], [0.0, 2.0, -2.0]])
    top2 = np.sort(logits, axis=1)[:, -2:]
    points = points[away_from_markers(ax, points, X) & (top2[:, 1] - top2[:, 0] > 0.4)]
    predicted = model.predict(points).argmax(axis=1)
    assert set(predicted) == {0, 1, 2}
    table = np.array([blended(c) for c in plots.CLASS_COLORS[:3]])
    colours = pixel_colours(fig, ax, image, points)
    distance = np.linalg.norm(colours[:, None, :] - table[None], axis=2)
    agree = (distance.argmin(axis=1) == predicted) & (distance.min(axis=1) < 0.03)
    assert agree.mean() > 0.95


def test_perceptron_regions_line_and_test_points():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(60, 2))
    X = X[np.abs(X[:, 0] + X[:, 1]) > 0.3]
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    perceptron = gn.Perceptron(random_state=0).fit(X, y)
    assert perceptron.converged_
    fig = plots.plot_decision_boundary(perceptron, X[:40], y[:40], X[40:], y[40:], resolution=100)
    image = render(fig, dpi=int(fig.dpi))
    ax = fig.axes[0]
    assert "train accuracy 1.000, test accuracy 1.000" in ax.get_title()
    assert len(ax.get_lines()) == 1  # the boundary line w1 x1 + w2 x2 + b = 0
    markers = [c.get_paths()[0] for c in ax.collections[-2:]]
    assert len(markers[0].vertices) != len(markers[1].vertices)  # circles for train, triangles for test
    points = sample_points(ax)
    z = perceptron.decision_function(points)
    points = points[away_from_markers(ax, points, X) & (np.abs(z) > 0.3 * np.abs(z).max() / 4)]
    predicted = perceptron.predict(points)
    cmap = matplotlib.colormaps[plots.BINARY_CMAP]
    table = np.array([blended(cmap(0.15)), blended(cmap(0.85))])
    colours = pixel_colours(fig, ax, image, points)
    read = np.linalg.norm(colours[:, None, :] - table[None], axis=2).argmin(axis=1)
    assert (read == predicted).mean() > 0.95


def _assert_off_the_data(fig, legend, axes, X) -> None:
    """The legend covers none of the panels, so none of their data."""
    fig.canvas.draw()
    box = legend.get_window_extent()
    for ax in axes:
        assert not box.overlaps(ax.get_window_extent())
        display = ax.transData.transform(X)
        assert not [p for p in display if box.contains(*p)]


def test_decision_boundary_legend_stands_beside_the_data_and_names_the_points():
    X, y = gn.datasets.make_circles(300, noise=0.1, factor=0.5, random_state=0)
    model = sigmoid_model([1.0, 0.0], [0.0])
    fig = plots.plot_decision_boundary(model, X[:200], y[:200], X[200:], y[200:], names=("training", "held-out"),
                                       resolution=30)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "training", "held-out"]
    _assert_off_the_data(fig, legend, [ax], X)
    accuracy = np.mean((X[200:, 0] > 0) == y[200:])
    assert ax.get_title().endswith(f"held-out accuracy {accuracy:.3f})")
    with pytest.raises(TypeError, match="names must be a pair"):
        plots.plot_decision_boundary(model, X, y, names="train")


def test_dataset_draws_each_class_in_the_decision_boundary_colours_with_the_legend_off_the_data():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(4, 1, (30, 2))])
    y = np.repeat([1, 0], 30)  # given out of order: the classes are sorted
    open_figures = plt.get_fignums()
    fig = plots.plot_dataset(X, y, class_names=["healthy", "ill"], axis_labels=("age (decades)", "dose (mg)"))
    assert isinstance(fig, Figure) and plt.get_fignums() == open_figures  # pyplot never saw it
    render(fig)
    ax = fig.axes[0]
    # the figure's own data: one scatter per class, in sorted label order, at exactly that class's samples
    for scatter, label in zip(ax.collections, (0, 1)):
        np.testing.assert_allclose(scatter.get_offsets(), X[y == label])
    # coloured as plot_decision_boundary colours the same classes' samples
    model = gn.Sequential([gn.Dense(1, activation="sigmoid")], input_dim=2, dtype="float64")
    model.set_weights([np.array([[-1.0], [-1.0]]), np.array([4.0])])
    boundary = plots.plot_decision_boundary(model, X, y).axes[0].collections[-1].get_facecolors()
    for scatter, label in zip(ax.collections, (0, 1)):
        np.testing.assert_allclose(scatter.get_facecolors()[0], boundary[np.flatnonzero(y == label)[0]])
    cmap = matplotlib.colormaps[plots.BINARY_CMAP]
    np.testing.assert_allclose(ax.collections[0].get_facecolors()[0], cmap(0.15))
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["healthy", "ill"]
    assert legend.get_title().get_text() == "class"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("age (decades)", "dose (mg)")
    assert ax.get_title() == "60 samples in 2 classes"
    # off the data: the legend's box lies right of the axes, and no sample is drawn under it
    renderer = fig.canvas.get_renderer()
    box, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert box.x0 >= frame.x1
    points = ax.transData.transform(X)
    assert not ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)).any()


def test_dataset_takes_any_labels_one_hot_rows_and_given_axes():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]])
    labels = np.array(["eel", "cat", "dog", "cat", "eel"])
    fig = plots.plot_dataset(X, labels, class_names={"cat": "Cat", "dog": "Dog", "eel": "Eel"},
                             legend_title="animal")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Cat", "Dog", "Eel"]
    for scatter, name, colour in zip(ax.collections, ("cat", "dog", "eel"), plots.CLASS_COLORS):
        np.testing.assert_allclose(scatter.get_offsets(), X[labels == name])
        np.testing.assert_allclose(scatter.get_facecolors()[0], matplotlib.colors.to_rgba(colour))
    one_hot = np.eye(3)[[2, 0, 1, 0, 2]]
    by_rows = plots.plot_dataset(X, one_hot).axes[0]
    assert [t.get_text() for t in by_rows.get_legend().get_texts()] == ["0", "1", "2"]
    np.testing.assert_allclose(by_rows.collections[2].get_offsets(), X[[0, 4]])
    own = Figure()
    target = own.add_subplot()
    assert plots.plot_dataset(X, np.arange(5) % 2, ax=target, title="five points") is own
    assert target.get_title() == "five points" and len(target.collections) == 2


def test_dataset_refuses_bad_input():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="X must have exactly 2 features"):
        plots.plot_dataset(np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="NaN"):
        plots.plot_dataset([[np.nan, 0.0]] * 4, y)
    with pytest.raises(ValueError, match=r"y must hold one label per sample of X \(4\)"):
        plots.plot_dataset(X, y[:3])
    with pytest.raises(ValueError, match="y must not contain NaN"):
        plots.plot_dataset(X, [0.0, 1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="one-hot"):
        plots.plot_dataset(X, np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="class_names must name each of the 2 classes"):
        plots.plot_dataset(X, y, class_names=["a"])
    with pytest.raises(ValueError, match=r"class_names has no name for the classes \[1\]"):
        plots.plot_dataset(X, y, class_names={0: "a"})
    with pytest.raises(TypeError, match="class_names must be a list"):
        plots.plot_dataset(X, y, class_names="ab")
    with pytest.raises(TypeError, match="axis_labels must be a pair"):
        plots.plot_dataset(X, y, axis_labels="xy")
    with pytest.raises(TypeError, match="legend_title must be a str"):
        plots.plot_dataset(X, y, legend_title=3)
    with pytest.raises(TypeError, match="title must be a str"):
        plots.plot_dataset(X, y, title=3)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.plot_dataset(X, y, ax="axes")


def test_decision_boundary_for_estimators_and_given_axes():
    X, y = gn.datasets.make_blobs(80, centers=2, random_state=1)
    labels = np.where(y == 1, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = gn.MLPClassifier((4,), max_iter=20, random_state=0).fit(X, labels)
    figure = plots._figure((8, 4))
    left, right = figure.subplots(1, 2)
    assert plots.plot_decision_boundary(estimator, X, labels, resolution=40, ax=right) is figure
    assert right.get_xlabel() == "x1" and not left.has_data()
    render(figure)


def test_decision_boundary_refuses_bad_input():
    model = sigmoid_model([1.0, 0.0], [0.0])
    with pytest.raises(ValueError, match="X must have exactly 2 features"):
        plots.plot_decision_boundary(model, np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y must hold one label per sample"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1])
    with pytest.raises(ValueError, match="class indices"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="both X_test and y_test"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1, 0, 1], X_test=CORNERS)
    with pytest.raises(ValueError, match="X_test must have exactly 2 features"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1, 0, 1], X_test=np.zeros((2, 1)), y_test=[0, 1])
    with pytest.raises(ValueError, match="resolution"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1, 0, 1], resolution=1)
    with pytest.raises(TypeError, match="ax"):
        plots.plot_decision_boundary(model, CORNERS, [0, 1, 0, 1], ax="left")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regressor = gn.MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
        regressor.fit(CORNERS, [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="classifier"):
        plots.plot_decision_boundary(regressor, CORNERS, [0, 1, 0, 1])


# ----------------------------------------------------------------------------------------------------------------
# Hidden-unit maps
# ----------------------------------------------------------------------------------------------------------------

def test_hidden_neuron_maps_show_each_units_output():
    model = gn.Sequential([gn.Dense(5, activation="tanh"), gn.Dense(1, activation="sigmoid")], input_dim=2, seed=3,
                          dtype="float64")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fig = plots.plot_hidden_neuron_maps(model, X, y=[0, 1, 1, 0], resolution=30, max_units=4)
    render(fig)
    maps = [ax for ax in visible_axes(fig) if ax.get_images()]
    assert len(maps) == 4 and "(first 4 of 5)" in fig.get_suptitle()
    assert fig.get_suptitle().startswith("The hidden layer: 5 ") and "model.layers" not in fig.get_suptitle()
    W, b = model.layers[0].params["W"], model.layers[0].params["b"]
    for unit, ax in enumerate(maps):
        image = ax.get_images()[0]
        x0, x1, y0, y1 = image.get_extent()
        array = np.asarray(image.get_array())
        assert array.shape == (30, 30)
        for (row, col), point in (((0, 0), (x0, y0)), ((0, -1), (x1, y0)), ((-1, 0), (x0, y1)), ((-1, -1), (x1, y1))):
            assert array[row, col] == pytest.approx(np.tanh(np.array(point) @ W[:, unit] + b[unit]))
    with pytest.raises(ValueError, match="X must have exactly 2 features"):
        plots.plot_hidden_neuron_maps(model, np.zeros((3, 3)))
    with pytest.raises(IndexError, match="layer"):
        plots.plot_hidden_neuron_maps(model, X, layer=1)
    with pytest.raises(ValueError, match="no hidden layer"):
        plots.plot_hidden_neuron_maps(sigmoid_model([1.0, 1.0], [0.0]), X)
    wide = gn.Sequential([gn.Dense(3, activation="relu"), gn.Dense(1)], input_dim=3, seed=0)
    with pytest.raises(ValueError, match="2 input features"):
        plots.plot_hidden_neuron_maps(wide, X)


# ----------------------------------------------------------------------------------------------------------------
# Experiments
# ----------------------------------------------------------------------------------------------------------------

def test_confusion_matrix_annotates_sklearns_numbers():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
    y_pred = np.array([0, 1, 1, 1, 0, 2, 2, 1, 2, 0])
    fig = plots.plot_confusion_matrix(y_true, y_pred)
    render(fig)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [str(v) for v in confusion_matrix(y_true, y_pred).ravel()]
    fig = plots.plot_confusion_matrix(y_true, y_pred, normalize=True, labels=[2, 1, 0])
    expected = confusion_matrix(y_true, y_pred, labels=[2, 1, 0], normalize="true")
    assert [t.get_text() for t in fig.axes[0].texts] == [f"{v:.2f}" for v in expected.ravel()]
    with pytest.raises(ValueError, match="normalize"):
        plots.plot_confusion_matrix(y_true, y_pred, normalize="rows")
    with pytest.raises(ValueError, match="same length"):
        plots.plot_confusion_matrix(y_true, y_pred[:-1])
    with pytest.raises(ValueError, match="y_pred must be a 1-D"):
        plots.plot_confusion_matrix(y_true, np.eye(10))


SWEEP = [{"learning_rate": lr, "seed": seed, "optimizer": opt,
          "accuracy": 0.5 + 2 * lr + 0.01 * seed + (opt == "adam") * 0.1}
         for lr in (0.001, 0.01, 0.1) for seed in range(3) for opt in ("sgd", "adam")]


def test_sweep_curves_are_means_over_repeats():
    fig = plots.plot_sweep(SWEEP, "learning_rate", "accuracy", hue="optimizer")
    render(fig)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    sgd, adam = ax.get_lines()
    np.testing.assert_allclose(sgd.get_xdata(), [0.001, 0.01, 0.1])
    np.testing.assert_allclose(sgd.get_ydata(), [0.5 + 2 * lr + 0.01 for lr in (0.001, 0.01, 0.1)])
    np.testing.assert_allclose(adam.get_ydata() - sgd.get_ydata(), 0.1)
    assert len(ax.collections) == 2  # a std band per curve
    layers = [{"hidden": (4,), "acc": 0.7}, {"hidden": (8, 8), "acc": 0.9}, {"hidden": (4,), "acc": float("nan")}]
    fig = plots.plot_sweep(layers, "hidden", "acc")
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [0.7, 0.9])  # the diverged run is left out
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["(4,)", "(8, 8)"]
    with pytest.raises(ValueError, match=r"rows\[0\] has no key 'loss'"):
        plots.plot_sweep(SWEEP, "learning_rate", "loss")
    with pytest.raises(ValueError, match="rows is empty"):
        plots.plot_sweep([], "a", "b")
    with pytest.raises(TypeError, match="rows"):
        plots.plot_sweep({"a": 1}, "a", "b")


def test_sweep_heatmap_cells_are_means():
    rows = [row for row in SWEEP if not (row["optimizer"] == "adam" and row["learning_rate"] == 0.1)]
    fig = plots.plot_sweep_heatmap(rows, "learning_rate", "optimizer", "accuracy")
    render(fig)
    array = fig.axes[0].get_images()[0].get_array()
    assert array.shape == (2, 3)
    np.testing.assert_allclose(array[0].data, [0.5 + 2 * lr + 0.01 for lr in (0.001, 0.01, 0.1)])
    assert array.mask[1, 2] and not array.mask[1, 1]
    assert len(fig.axes[0].texts) == 5
    with pytest.raises(ValueError, match="no key 'loss'"):
        plots.plot_sweep_heatmap(rows, "learning_rate", "optimizer", "loss")


def test_noise_robustness_from_the_analysis_table(trained):
    model, _, _, X, y = trained
    rows = gn.analysis.noise_robustness(model, X, y, noise_levels=(0, 0.2, 0.5), n_repeats=3, random_state=0)
    fig = plots.plot_noise_robustness(rows)
    render(fig)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [row["accuracy_mean"] for row in rows])
    fig = plots.plot_noise_robustness({"tanh": rows, "copy": rows})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["tanh", "copy"]
    with pytest.raises(ValueError, match="accuracy_std"):
        plots.plot_noise_robustness([{"noise": 0.0, "accuracy_mean": 1.0}])


def test_comparison_bars_heights_and_repeats():
    rows = [{"activation": a, "accuracy": v, "std": 0.01} for a, v in (("relu", 0.9), ("tanh", 0.95), ("sigmoid", 0.8))]
    fig = plots.plot_comparison_bars(rows, "activation", "accuracy", error="std")
    render(fig)
    ax = fig.axes[0]
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], [0.9, 0.95, 0.8])
    assert [t.get_text() for t in ax.texts] == ["0.9", "0.95", "0.8"]
    repeats = [{"activation": "relu", "accuracy": 0.8}, {"activation": "relu", "accuracy": 1.0},
               {"activation": "tanh", "accuracy": 0.9}]
    fig = plots.plot_comparison_bars(repeats, "activation", "accuracy")
    np.testing.assert_allclose([bar.get_height() for bar in fig.axes[0].patches], [0.9, 0.9])
    with pytest.raises(ValueError, match="repeat"):
        plots.plot_comparison_bars([dict(r, std=0.1) for r in repeats], "activation", "accuracy", error="std")
    with pytest.raises(ValueError, match="no key 'error'"):
        plots.plot_comparison_bars(rows, "activation", "accuracy", error="error")


def _band_edges(collection) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest y of a fill_between band, at each x where it is drawn."""
    vertices = collection.get_paths()[0].vertices
    xs = np.unique(vertices[:, 0])
    return (np.array([vertices[vertices[:, 0] == x, 1].min() for x in xs]),
            np.array([vertices[vertices[:, 0] == x, 1].max() for x in xs]))


def test_sweep_of_experiment_rows_speaks_in_words_and_never_bands_a_loss_below_zero():
    X, y = gn.datasets.make_xor()
    rows = gn.analysis.experiments.compare_hidden_sizes(X, y, (1, 4), activation="sigmoid", optimizer="sgd",
                                                        learning_rate=5.0, epochs=40, batch_size=None, seeds=(0, 1, 2))
    fig = plots.plot_sweep(rows, "setting", "final_loss")
    render(fig)
    ax = fig.axes[0]
    # what the experiment varied and what it measured, in words; never the rows' keys
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("hidden units", "final loss")
    assert "setting" not in ax.get_title() and "_" not in ax.get_title()
    # the band is the mean ± std of the runs (computed here from the rows), cut at 0 where it would go below
    for k, size in enumerate((1, 4)):
        losses = np.array([r["final_loss"] for r in rows if r["setting"] == size])
        low, high = _band_edges(ax.collections[0])
        assert low[k] == pytest.approx(max(losses.mean() - losses.std(), 0.0))
        assert high[k] == pytest.approx(losses.mean() + losses.std())
    spread = [{"x": 1, "loss": 0.0}, {"x": 1, "loss": 0.0}, {"x": 1, "loss": 0.9}, {"x": 2, "loss": 0.2},
              {"x": 2, "loss": 0.4}]
    low, high = _band_edges(plots.plot_sweep(spread, "x", "loss").axes[0].collections[0])
    np.testing.assert_allclose(low, [0.0, 0.2])                       # 0.3 - 0.424 would be below zero
    np.testing.assert_allclose(high, [0.3 + np.std([0, 0, 0.9]), 0.4])
    scores = [{"x": 1, "test_accuracy": a} for a in (1.0, 1.0, 0.7)]
    ax = plots.plot_sweep(scores, "x", "test_accuracy").axes[0]
    assert _band_edges(ax.collections[0])[1][0] == 1.0 and ax.get_ylabel() == "test accuracy"
    signed = [{"x": 1, "margin": m} for m in (0.0, 0.0, 0.9)]      # a quantity of unknown sign keeps its band
    assert _band_edges(plots.plot_sweep(signed, "x", "margin").axes[0].collections[0])[0][0] < 0
    assert _band_edges(plots.plot_sweep(signed, "x", "margin", bounds=(0, None)).axes[0].collections[0])[0][0] == 0
    with pytest.raises(TypeError, match="bounds must be a pair"):
        plots.plot_sweep(signed, "x", "margin", bounds=0)


def test_heatmap_and_bars_name_their_keys_in_words_and_cut_error_bars():
    fig = plots.plot_sweep_heatmap(SWEEP, "learning_rate", "optimizer", "accuracy")
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning rate", "optimizer")
    assert fig.axes[1].get_ylabel() == "accuracy"                    # the colour bar
    rows = [{"network": n, "final_val_accuracy": a} for n, a in (("a", 1.0), ("a", 1.0), ("a", 0.7), ("b", 0.5))]
    fig = plots.plot_comparison_bars(rows, "network", "final_val_accuracy")
    render(fig)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "final validation accuracy"
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], [0.9, 0.5])
    container = next(c for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer))
    segments = container.lines[2][0].get_segments()
    mean, std = 0.9, np.std([1.0, 1.0, 0.7])
    np.testing.assert_allclose(segments[0][:, 1], [mean - std, 1.0])   # cut at 1, where accuracy ends


# ----------------------------------------------------------------------------------------------------------------
# Several runs overlaid, the spread of activations, several decision boundaries
# ----------------------------------------------------------------------------------------------------------------

def test_histories_overlay_one_line_per_run_with_its_values(trained):
    model, history, _, _, _ = trained
    curves = {"fit's History": history, "its dict": history.history, "a plain list": [4.0, 2.0, 1.0]}
    fig = plots.plot_histories(curves)
    render(fig)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)
    np.testing.assert_allclose(lines[0].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(lines[1].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(lines[2].get_xdata(), [1, 2, 3])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "training loss" and ax.get_yscale() == "linear"
    # the validation accuracy of a run, and curves relative to their first value on a log axis
    fig = plots.plot_histories([history], labels=["moons"], metric="val_accuracy")
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), history.history["val_accuracy"])
    assert fig.axes[0].get_ylabel() == "validation accuracy"
    fig = plots.plot_histories([[4.0, 2.0, 1.0], [10.0, 1.0]], logy=True, relative=True, title="two runs")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [1.0, 0.1])
    assert ax.get_yscale() == "log" and ax.get_title() == "two runs" and "first value" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1", "2"]


def test_histories_draw_into_a_given_axes_and_keep_many_runs_apart():
    fig = plots._figure((4, 3))
    ax = fig.add_subplot()
    assert plots.plot_histories([[1.0, 0.5]], ax=ax) is fig and len(ax.get_lines()) == 1
    many = plots.plot_histories([[1.0, 1.0 / k] for k in range(1, 10)]).axes[0].get_lines()
    assert [line.get_linestyle() for line in many] == ["-"] * 5 + ["--"] * 4


def test_histories_refuse_bad_input(trained):
    _, history, _, _, _ = trained
    with pytest.raises(ValueError, match="histories must hold at least one"):
        plots.plot_histories([])
    with pytest.raises(ValueError, match="labels must name each of the 2"):
        plots.plot_histories([[1.0], [2.0]], labels=["one"])
    with pytest.raises(ValueError, match=r"run '1' has no 'auc' curve; its keys are \['loss'"):
        plots.plot_histories([history], metric="auc")
    with pytest.raises(ValueError, match="relative=True divides by the first value, but run 'flat' starts at 0"):
        plots.plot_histories({"flat": [0.0, 1.0]}, relative=True)
    with pytest.raises(TypeError, match="run '1': history must be"):
        plots.plot_histories([object()])
    with pytest.raises(TypeError, match="histories must be a list or a dict"):
        plots.plot_histories("loss")


def _tanh_stack(scale, depth=4, width=8, seed=0):
    init = gn.initializers.RandomNormal(stddev=scale)
    return gn.Sequential([gn.Dense(width, "tanh", kernel_initializer=init) for _ in range(depth)]
                         + [gn.Dense(1, "sigmoid")], input_dim=width, seed=seed, dtype="float64")


def test_activation_spread_is_the_std_of_each_hidden_layer():
    X = np.random.default_rng(0).standard_normal((50, 8))
    models = {"small": _tanh_stack(0.1), "large": _tanh_stack(2.0)}
    fig = plots.plot_activation_spread(models, X)
    render(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["small", "large"]
    for line, model in zip(ax.get_lines(), models.values()):
        weights, a, expected = model.get_weights(), X, []
        for k in range(4):  # the forward pass written out: tanh(a W + b), layer by layer
            a = np.tanh(a @ weights[2 * k] + weights[2 * k + 1])
            expected.append(a.std())
        np.testing.assert_allclose(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    assert ax.get_yscale() == "log" and "hidden layer" in ax.get_xlabel() and "spread" in ax.get_ylabel()
    with pytest.raises(ValueError, match="'linear' has no hidden layer"):
        plots.plot_activation_spread({"linear": gn.Sequential([gn.Dense(1)], input_dim=8)}, X)
    with pytest.raises(ValueError, match="8"):
        plots.plot_activation_spread([_tanh_stack(1.0)], X[:, :3])
    with pytest.raises(TypeError, match="model must be a glassnet Sequential"):
        plots.plot_activation_spread(["not a model"], X)


def _scatter_colours(ax, n):
    """The face colours of the panel's training points (the scatter with ``n`` points)."""
    points = next(c for c in ax.collections if len(c.get_offsets()) == n and c.get_facecolors().shape[0] == n)
    return points.get_facecolors()


def test_decision_boundaries_one_panel_per_model_each_with_its_labels():
    X = CORNERS
    models = {"x1 > 0": sigmoid_model([3.0, 0.0], [0.0]), "x2 > 0": sigmoid_model([0.0, 3.0], [0.0]),
              "x1 + x2 > 0": sigmoid_model([3.0, 3.0], [0.0])}
    truths = {"x1 > 0": (X[:, 0] > 0).astype(int), "x2 > 0": (X[:, 1] > 0).astype(int),
              "x1 + x2 > 0": (X.sum(axis=1) > 0).astype(int)}
    fig = plots.plot_decision_boundaries(models, X, truths, ncols=2)
    render(fig)
    axes = visible_axes(fig)
    assert len(axes) == 3 and len(fig.axes) == 4                   # a 2 x 2 grid, the last cell hidden
    assert [ax.get_title() for ax in axes] == list(truths)
    for ax, y in zip(axes, truths.values()):
        colours = _scatter_colours(ax, len(X))
        for i in range(len(X)):
            for j in range(len(X)):
                assert np.allclose(colours[i], colours[j]) == (y[i] == y[j])
        assert ax.get_legend() is None                              # every panel's legend is the same: one beside them
    (shared,) = fig.legends
    assert [t.get_text() for t in shared.get_texts()] == ["0", "1", "train"]
    _assert_off_the_data(fig, shared, axes, X)
    # shared labels, default titles (each panel's accuracies), no legends
    y = truths["x1 > 0"]
    fig = plots.plot_decision_boundaries(list(models.values()), X, y, legend=False, resolution=20)
    titles = [ax.get_title() for ax in visible_axes(fig)]
    assert titles[0] == "Decision boundary (train accuracy 1.000)"
    assert titles[1] == f"Decision boundary (train accuracy {np.mean((X[:, 1] > 0) == y):.3f})"
    assert all(ax.get_legend() is None for ax in visible_axes(fig)) and not fig.legends


def test_decision_boundaries_refuse_bad_input():
    model = sigmoid_model([1.0, 0.0], [0.0])
    y = (CORNERS[:, 0] > 0).astype(int)
    with pytest.raises(TypeError, match="y may be a dict .* only when models is a dict"):
        plots.plot_decision_boundaries([model], CORNERS, {"a": y})
    with pytest.raises(ValueError, match=r"it has none for \['b'\]"):
        plots.plot_decision_boundaries({"a": model, "b": model}, CORNERS, {"a": y})
    with pytest.raises(ValueError, match="ncols"):
        plots.plot_decision_boundaries([model], CORNERS, y, ncols=0)
    with pytest.raises(TypeError, match="legend must be True or False"):
        plots.plot_decision_boundaries([model], CORNERS, y, legend="no")
    with pytest.raises(ValueError, match="exactly 2 features"):
        plots.plot_decision_boundaries([model], np.zeros((4, 3)), y)


# ----------------------------------------------------------------------------------------------------------------
# A fitted curve, 2-D codes, images
# ----------------------------------------------------------------------------------------------------------------

def test_function_fit_draws_the_samples_the_truth_and_the_model():
    model = gn.Sequential([gn.Dense(1)], input_dim=1, dtype="float64")
    model.set_weights([np.array([[2.0]]), np.array([1.0])])        # the line 2x + 1
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    fig = plots.plot_function_fit(model, x[:, None], 2 * x + 1.1, truth=np.sin, resolution=50,
                                  xlabel="dose", ylabel="response")
    render(fig)
    ax = fig.axes[0]
    truth, fitted = ax.get_lines()
    grid = np.linspace(-1.0, 2.0, 50)
    np.testing.assert_allclose(truth.get_xdata(), grid)
    np.testing.assert_allclose(truth.get_ydata(), np.sin(grid))
    np.testing.assert_allclose(fitted.get_ydata(), 2 * grid + 1)
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.column_stack([x, 2 * x + 1.1]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("dose", "response")
    # a function of X works as the model, e.g. one that scales the input first
    fig = plots.plot_function_fit(lambda X: 3 * X[:, 0], x, x, resolution=5)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), 3 * np.linspace(-1, 2, 5))
    with pytest.raises(ValueError, match="X must have one feature"):
        plots.plot_function_fit(model, np.zeros((4, 2)), x)
    with pytest.raises(ValueError, match=r"y must hold one target per sample of X \(4\)"):
        plots.plot_function_fit(model, x, x[:3])
    with pytest.raises(TypeError, match="model must have predict or be a function"):
        plots.plot_function_fit(3, x, x)
    with pytest.raises(TypeError, match="truth must be a function"):
        plots.plot_function_fit(model, x, x, truth=1.0)
    with pytest.raises(ValueError, match="the model must give one value per input row"):
        plots.plot_function_fit(lambda X: X[:2], x, x)


def test_embedding_colours_each_class_and_names_it_at_its_median():
    rng = np.random.default_rng(0)
    labels = np.repeat(["cat", "dog", "eel"], 20)
    points = rng.standard_normal((60, 2)) + np.repeat([[0, 0], [5, 0], [0, 5]], 20, axis=0)
    fig = plots.plot_embedding(points, labels, axis_labels=("first code", "second code"), legend_title="animal")
    render(fig)
    ax = fig.axes[0]
    assert len(ax.collections) == 3
    for text, name in zip(ax.texts, ("cat", "dog", "eel")):
        assert text.get_text() == name
        np.testing.assert_allclose(text.get_position(), np.median(points[labels == name], axis=0))
    for scatter, name in zip(ax.collections, ("cat", "dog", "eel")):
        np.testing.assert_allclose(scatter.get_offsets(), points[labels == name])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("first code", "second code")
    assert ax.get_legend().get_title().get_text() == "animal"
    with pytest.raises(ValueError, match="points must have 2 columns"):
        plots.plot_embedding(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"labels must hold one label per point \(5\)"):
        plots.plot_embedding(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="axis_labels must be a pair"):
        plots.plot_embedding(np.zeros((5, 2)), np.zeros(5), axis_labels="xy")


def test_reconstructions_show_each_class_above_its_reconstruction():
    rng = np.random.default_rng(1)
    originals = rng.random((12, 6))
    reconstructions = 1 - originals
    labels = np.array([2, 0, 1, 0, 2, 1, 1, 0, 2, 2, 0, 1])
    fig = plots.plot_reconstructions(originals, reconstructions, labels, image_shape=(2, 3))
    render(fig)
    axes = np.array(fig.axes).reshape(2, 3)
    assert [ax.get_title() for ax in axes[0]] == ["0", "1", "2"]
    for column, first in enumerate((1, 2, 0)):                     # the first image of classes 0, 1, 2
        np.testing.assert_array_equal(axes[0, column].get_images()[0].get_array(), originals[first].reshape(2, 3))
        np.testing.assert_array_equal(axes[1, column].get_images()[0].get_array(),
                                      reconstructions[first].reshape(2, 3))
    assert (axes[0, 0].get_ylabel(), axes[1, 0].get_ylabel()) == ("original", "reconstruction")
    square = plots.plot_reconstructions(rng.random((5, 4)), rng.random((5, 4)), n=3)
    assert len(square.axes) == 6 and square.axes[0].get_images()[0].get_array().shape == (2, 2)
    with pytest.raises(ValueError, match="reconstructions must have the shape of originals"):
        plots.plot_reconstructions(originals, reconstructions[:, :5])
    with pytest.raises(ValueError, match="not square; give image_shape"):
        plots.plot_reconstructions(originals, reconstructions)
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) holds 9 pixels, but each image has 6"):
        plots.plot_reconstructions(originals, reconstructions, image_shape=(3, 3))
    with pytest.raises(ValueError, match="labels must hold one label per image"):
        plots.plot_reconstructions(originals, reconstructions, labels[:5], image_shape=(2, 3))


def test_image_predictions_show_mistakes_first_in_red():
    images = np.arange(10 * 4, dtype=float).reshape(10, 4)
    y_true = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    y_pred = np.array([0, 1, 5, 3, 4, 5, 6, 1, 8, 9])               # images 2 and 7 are wrong
    fig = plots.plot_image_predictions(images, y_true, y_pred, n=12)
    render(fig)
    shown = visible_axes(fig)
    assert len(shown) == 10 and len(fig.axes) == 16                # two rows of eight
    titles = [ax.get_title() for ax in shown]
    assert titles[:2] == ["5 (is 2)", "1 (is 7)"] and titles[2:] == ["0", "1", "3", "4", "5", "6", "8", "9"]
    red = matplotlib.colors.to_rgba("C3")
    assert [matplotlib.colors.to_rgba(ax.title.get_color()) == red for ax in shown] == [True, True] + [False] * 8
    np.testing.assert_array_equal(shown[0].get_images()[0].get_array(), images[2].reshape(2, 2))
    assert len(visible_axes(plots.plot_image_predictions(images, y_true, y_pred, n=3))) == 3
    with pytest.raises(ValueError, match=r"y_pred must hold one label per image \(10\)"):
        plots.plot_image_predictions(images, y_true, y_pred[:4])
    with pytest.raises(ValueError, match="n must be"):
        plots.plot_image_predictions(images, y_true, y_pred, n=0)


def test_many_overlaid_runs_put_their_legend_beside_the_panel():
    curves = {f"run {k}": list(np.linspace(1.0, 0.1 * (k + 1), 30)) for k in range(9)}
    fig = plots.plot_histories(curves)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(curves)
    fig.canvas.draw()
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())
    few = plots.plot_histories(dict(list(curves.items())[:3]))
    few.canvas.draw()
    box, ax = few.axes[0].get_legend().get_window_extent(), few.axes[0]
    for line in ax.get_lines():                                    # "best": clear of every drawn point
        assert not [p for p in ax.transData.transform(line.get_xydata()) if box.contains(*p)]
