"""The HTML report: self-contained, escaped, atomic; and the model report's sections."""

import base64
import os
import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import glassnet as gn
from glassnet.analysis.diagnose import Finding
from glassnet.report import Section, build_report, format_value, model_report, text_table, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _figure():
    fig = Figure(figsize=(2, 2))
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_report_embeds_figures_tables_and_findings_and_links_nothing_outside():
    finding = Finding("learning_rate_too_high", "warning", "The loss bounces.", {"rise": 2.5}, "Lower it.")
    section = Section("Results", text="First paragraph.\n\nSecond paragraph.",
                      tables=[("Scores", [{"name": "a", "accuracy": 0.98765}, {"name": "b", "accuracy": 1}])],
                      figures=[("A line", _figure()), ("Already a PNG", PNG_SIGNATURE + b"rest")],
                      findings=[finding], blocks=[("Summary", "Layer  Params\n0      12")])
    page = build_report([section, Section("More")], title="Report")
    images = _images(page)
    assert len(images) == 2 and all(image.startswith(PNG_SIGNATURE) for image in images)
    assert "<table>" in page and "<td class=\"num\">0.9877</td>" in page
    assert "<p>First paragraph.</p>" in page and "<p>Second paragraph.</p>" in page
    assert "learning_rate_too_high" in page and "Lower it." in page and "rise = 2.5" in page
    assert "#b54708" in page                                     # the warning colour
    assert "<pre>Layer  Params\n0      12</pre>" in page
    assert 'href="#section-2"' in page                            # a table of contents with in-page links
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page


def test_report_escapes_every_text():
    evil = "<script>alert('x')</script>"
    section = Section(evil, text=evil, tables=[(evil, [{evil: evil}])], blocks=[(evil, evil)],
                      findings=[{"code": evil, "severity": "error", "message": evil, "evidence": {evil: 1.0},
                                 "advice": evil}], figures=[(evil, PNG_SIGNATURE)])
    page = build_report([section], title=evil, subtitle=evil)
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 10


def test_write_report_is_atomic_creates_folders_and_overwrites(tmp_path):
    path = tmp_path / "new" / "report.html"
    assert write_report([Section("One")], path, title="first") == path
    write_report([Section("Two")], path, title="second")
    text = path.read_text(encoding="utf-8")
    assert "second" in text and "first" not in text
    assert sorted(os.listdir(path.parent)) == ["report.html"]      # no temporary file left behind
    assert path.stat().st_mode & 0o044                             # readable by others, as the umask allows
    with pytest.raises(IsADirectoryError):
        write_report([Section("x")], tmp_path)


def test_format_value_and_text_table():
    assert format_value(None) == "—"
    assert format_value(True) == "yes"
    assert format_value(3) == "3"
    assert format_value(0.123456) == "0.1235"
    assert format_value(1.5e-7) == "1.500e-07"
    assert format_value(float("nan")) == "nan"
    assert format_value((16, 8)) == "16x8"
    table = text_table([{"name": "a", "value": 1.0}, {"name": "long name", "value": 12.5}])
    lines = table.splitlines()
    assert lines[0].split() == ["name", "value"]
    assert lines[2].endswith("1") and lines[3].endswith("12.5")
    assert len(lines[2]) == len(lines[3])                          # numbers right-aligned in one column
    assert text_table([]) == "(no rows)"
    assert format_value(()) == "none"                              # no hidden layer
    chosen = text_table([{"a": 1, "b": (4, 4), "c": None}], columns=["c", "b"], indent="  ").splitlines()
    assert chosen[0].split() == ["c", "b"] and chosen[2].split() == ["—", "4x4"]
    assert all(line.startswith("  ") for line in chosen)
    with pytest.raises(ValueError, match=r"unknown column 'd'; available: \['a', 'b', 'c'\]"):
        text_table([{"a": 1, "b": 2, "c": 3}], columns=["a", "d"])


def _trained(X, y, layers, loss, epochs=30):
    model = gn.Sequential(layers, input_dim=X.shape[1], seed=0)
    model.compile(loss=loss, optimizer=gn.optimizers.Adam(0.05), metrics=["accuracy"] if "entropy" in loss else None)
    history = model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
    return model, history


def test_model_report_for_a_2d_classifier_draws_boundary_and_confusion_matrix():
    X, y = gn.datasets.make_moons(n_samples=120, noise=0.2, random_state=0)
    model, history = _trained(X, y, [gn.Dense(8, activation="tanh"), gn.Dense(1, activation="sigmoid")],
                              "binary_crossentropy")
    sections = model_report(model, X[:90], y[:90], X_test=X[90:], y_test=y[90:])
    assert [s.title for s in sections] == ["Model", "Training", "What it learned", "Diagnosis"]
    metrics_rows = sections[0].tables[0][1]
    assert [r["data"] for r in metrics_rows] == ["training data", "held-out data"]
    assert 0.5 < metrics_rows[1]["accuracy"] <= 1.0
    captions = [c for s in sections for c, _ in s.figures]
    assert any("Decision regions" in c for c in captions) and any("Confusion" in c for c in captions)
    assert any("Training curves" in c for c in captions)
    page = build_report(sections)
    assert len(_images(page)) == len(captions)


def test_model_report_for_a_loaded_regressor_has_curves_and_no_confusion_matrix(tmp_path):
    X, y = gn.datasets.make_sine(n_samples=80, random_state=0)
    model, _ = _trained(X, y, [gn.Dense(8, activation="tanh"), gn.Dense(1)], "mse")
    gn.save_model(model, tmp_path / "sine.safetensors")
    loaded = gn.load_model(tmp_path / "sine.safetensors")
    sections = model_report(loaded, X, y, name="sine.safetensors")
    row = sections[0].tables[0][1][0]
    assert set(row) >= {"loss", "mae", "r2"} and np.isfinite(row["r2"])
    captions = [c for s in sections for c, _ in s.figures]
    assert "Training curves" in captions                            # the file keeps the history
    assert not any("Confusion" in c for c in captions)
    assert any("Weights" in c for c in captions)
    loaded.history = None
    assert "No training history" in model_report(loaded, X, y)[1].text


def test_model_report_refuses_what_it_cannot_describe():
    with pytest.raises(TypeError):
        model_report("not a model", [[0.0]], [0])
    unbuilt = gn.Sequential([gn.Dense(1)])
    with pytest.raises(ValueError):
        model_report(unbuilt, [[0.0]], [0])


def test_report_renders_backticks_as_code_and_still_escapes():
    section = Section("Run", text="Run `glassnet tour --quick` again; `<b>` stays text.",
                      figures=[("Made by `plot_sweep`", PNG_SIGNATURE)],
                      findings=[{"code": "x", "severity": "info", "message": "Set `lr` lower.",
                                 "advice": "Try `0.1`."}])
    page = build_report([section], subtitle="`glassnet tour`")
    assert "<code>glassnet tour --quick</code>" in page and "<code>&lt;b&gt;</code>" in page
    assert "<figcaption>Made by <code>plot_sweep</code></figcaption>" in page
    assert "<code>lr</code>" in page and "<code>0.1</code>" in page
    assert '<p class="subtitle"><code>glassnet tour</code></p>' in page
    body = page[page.index("<body>"):]
    assert "`" not in body.replace('alt="Made by `plot_sweep`"', "")   # no backtick is left, bar the alt text


def test_every_report_states_glassnets_version_and_the_date():
    import datetime

    page = build_report([Section("One")])
    today = datetime.date.today().isoformat()
    assert f"Made with glassnet {gn.__version__} on {today}" in page
    made = datetime.datetime(2024, 5, 17, 9, 30)
    assert "on 2024-05-17 at 09:30" in build_report([Section("One")], created=made)


def test_figures_are_rendered_at_twice_their_display_size():
    import struct

    from glassnet.report import CSS_PIXELS_PER_INCH, REPORT_DPI

    assert REPORT_DPI >= 2 * CSS_PIXELS_PER_INCH
    fig = _figure()                                          # 2 x 2 inches
    for dpi in (REPORT_DPI, 100):
        page = build_report([Section("Plot", figures=[("a line", _figure())])], dpi=dpi)
        (image,) = _images(page)
        width, height = struct.unpack(">II", image[16:24])
        assert (width, height) == (2 * dpi, 2 * dpi)
        # whatever the resolution, the page shows the figure at its size in inches times CSS_PIXELS_PER_INCH
        assert f'width="{2 * CSS_PIXELS_PER_INCH}" height="{2 * CSS_PIXELS_PER_INCH}"' in page
    # a PNG rendered earlier (the tour renders as it goes) keeps its own resolution
    png = gn.plots.figure_to_png_bytes(fig, dpi=300)
    page = build_report([Section("Plot", figures=[("early", png)])])
    assert f'width="{2 * CSS_PIXELS_PER_INCH}"' in page


def _held_out_markers(fig, X_test):
    """The marker path and face colours of the scatter that draws X_test."""
    (points,) = [c for c in fig.axes[0].collections
                 if len(c.get_offsets()) == len(X_test) and np.allclose(c.get_offsets(), X_test)]
    return points.get_paths()[0], points.get_facecolors()


def test_model_report_caption_says_what_the_markers_are():
    from matplotlib.markers import MarkerStyle

    X, y = gn.datasets.make_moons(n_samples=120, noise=0.2, random_state=0)
    model, _ = _trained(X, y, [gn.Dense(8, activation="tanh"), gn.Dense(1, activation="sigmoid")],
                        "binary_crossentropy", epochs=5)
    sections = model_report(model, X[:90], y[:90], X_test=X[90:], y_test=y[90:])
    caption, fig = next((c, f) for s in sections for c, f in s.figures if c.startswith("Decision regions"))
    path, faces = _held_out_markers(fig, X[90:])
    marker = {"o": "circles", "^": "triangles", "s": "squares"}
    drawn = [MarkerStyle(code).get_path().transformed(MarkerStyle(code).get_transform()).vertices for code in marker]
    shape = next(word for word, vertices in zip(marker.values(), drawn)
                 if vertices.shape == path.vertices.shape and np.allclose(vertices, path.vertices))
    assert f"{shape}: held-out points" in caption
    if np.all(faces[:, 3] > 0):                                 # filled markers are not "hollow"
        assert "hollow" not in caption
    # the title's accuracies are the model's own on each set, by the same names
    title = fig.axes[0].get_title()
    predicted = (model.predict(X)[:, 0] > 0.5).astype(int)
    assert f"training accuracy {np.mean(predicted[:90] == y[:90]):.3f}" in title
    assert f"held-out accuracy {np.mean(predicted[90:] == y[90:]):.3f}" in title


def test_model_report_states_the_hyperparameters_it_was_trained_with():
    X, y = gn.datasets.make_moons(n_samples=120, noise=0.2, random_state=0)
    model, history = _trained(X, y, [gn.Dense(8, activation="tanh"), gn.Dense(1, activation="sigmoid")],
                              "binary_crossentropy", epochs=7)
    sections = model_report(model, X, y, settings={"batch size": 32, "seed": 0}, data_name="moons data")
    settings = {r["setting"]: r["value"] for r in dict(sections[0].tables)["Settings"]}
    assert settings["learning rate"] == 0.05 and settings["optimizer"] == "Adam"   # _trained's Adam(0.05)
    assert settings["epochs trained"] == 7 == len(history.history["loss"])
    assert settings["batches per epoch"] == int(np.ceil(120 / 32))
    assert settings["batch size"] == 32 and settings["seed"] == 0
    assert settings["loss"] == "binary cross-entropy"
    text = sections[0].text
    assert "binary_crossentropy" not in text and "Adam at learning rate 0.05" in text
    assert "On the moons data (120 samples)" in text
    with pytest.raises(TypeError, match="settings must be a mapping"):
        model_report(model, X, y, settings=[("seed", 0)])
