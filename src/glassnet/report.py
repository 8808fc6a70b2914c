"""Self-contained HTML reports: sections of text, tables, figures and diagnosis findings in one file.

A report is a list of :class:`Section` objects (the tour's scenarios are sections too) turned into one HTML page
that needs nothing else: figures are embedded as base64 PNG ``data:`` URIs, the style sheet is inline, and there
are no scripts, web fonts or links to anything outside the page. Every piece of text is escaped with
:func:`html.escape`, so a title or a message holding ``<script>`` is shown, never run; text between backticks
(Markdown's inline code) is shown as code. Figures are rendered at :data:`REPORT_DPI` and displayed at
:data:`CSS_PIXELS_PER_INCH`, so they stay sharp on high-resolution screens. Every page says which glassnet
made it, and when.

:func:`model_report` builds the sections that describe one trained model (``glassnet report`` and
``glassnet train --report``): its summary and metrics, its training curves, its decision boundary (2-D data), its
confusion matrix (classifiers), its weight histograms and what :func:`~glassnet.analysis.diagnose` finds.
"""

from __future__ import annotations

import base64
import datetime
import html
import math
import numbers
import os
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CSS_PIXELS_PER_INCH", "REPORT_DPI", "Section", "build_report", "format_value", "model_report",
           "predicted_labels", "text_table", "write_report", "write_text"]

#: Pixels per inch of the figures embedded in a report: twice their display size, so a high-resolution
#: ("retina") screen shows them sharp.
REPORT_DPI = 200
#: CSS pixels per inch of figure at which a report displays its figures, whatever their resolution.
CSS_PIXELS_PER_INCH = 100

#: Border and background colours of a finding, by severity.
SEVERITY_COLOURS = {"error": ("#b42318", "#fef3f2"), "warning": ("#b54708", "#fffaeb"),
                    "info": ("#175cd3", "#eff8ff")}


@dataclass
class Section:
    """One part of a report: a heading, a few paragraphs, tables, figures, findings and preformatted text.

    Attributes
    ----------
    title : str
        The heading.
    text : str, default=""
        What a reader should take from the section; blank lines separate paragraphs.
    tables : list of (str, list of dict)
        ``(caption, rows)``: each row a dict from column name to value, the columns taken in first-seen order.
    figures : list of (str, matplotlib Figure or bytes)
        ``(caption, figure)``: a Figure is rendered to PNG when the report is built; bytes are a PNG already.
    findings : list of Finding or dict
        Diagnosis findings (``code``, ``severity``, ``message``, ``evidence``, ``advice``).
    blocks : list of (str, str)
        ``(caption, text)`` shown as preformatted text (a model summary, a worked example).
    """

    title: str
    text: str = ""
    tables: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)

    def render_figures(self, dpi: int = REPORT_DPI) -> None:
        """Replace every Figure by its PNG bytes, so the figure's memory can be freed at once."""
        self.figures = [(caption, _png(figure, dpi)) for caption, figure in self.figures]


def build_report(sections: Iterable[Section], title: str = "glassnet report", subtitle: str = "",
                 dpi: int = REPORT_DPI, created: datetime.datetime | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    sections : iterable of Section
        The parts of the report, in order. Any object with the attributes of :class:`Section` will do
        (missing ones count as empty).
    title : str, default="glassnet report"
        The page's title and main heading.
    subtitle : str, default=""
        A line under the heading (what was run, with which seed).
    dpi : int, default=REPORT_DPI
        Resolution of the figures that are still matplotlib Figures. Every figure is displayed at
        :data:`CSS_PIXELS_PER_INCH` whatever its resolution.
    created : datetime, default=None
        When the report was made, stated under the heading with glassnet's version; None is now.

    Returns
    -------
    str
        The HTML document. It references nothing outside itself.
    """
    from . import __version__

    sections = list(sections)
    created = datetime.datetime.now().astimezone() if created is None else created
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_esc(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>", "<main>",
             f"<h1>{_esc(title)}</h1>"]
    if subtitle:
        parts.append(f'<p class="subtitle">{_inline(subtitle)}</p>')
    parts.append(f'<p class="made">Made with glassnet {_esc(__version__)} on '
                 f'{_esc(created.strftime("%Y-%m-%d at %H:%M"))}.</p>')
    if len(sections) > 1:
        parts.append('<nav><h2>Contents</h2><ol>')
        parts += [f'<li><a href="#section-{i}">{_esc(_attr(s, "title", ""))}</a></li>'
                  for i, s in enumerate(sections, 1)]
        parts.append("</ol></nav>")
    for i, section in enumerate(sections, 1):
        parts.append(_section_html(section, i, dpi))
    parts += [f'<footer>Made with glassnet {_esc(__version__)}. This page is self-contained: figures are embedded, '
              'nothing is loaded from elsewhere.</footer>', "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_report(sections: Iterable[Section], path, title: str = "glassnet report", subtitle: str = "",
                 dpi: int = REPORT_DPI) -> Path:
    """Build the report and write it to ``path`` atomically (a temporary file, then a rename).

    A crash while writing leaves the previous file untouched, never half a page. Missing parent folders are
    created.

    Parameters
    ----------
    sections : iterable of Section
    path : str or path-like
        The HTML file to write.
    title, subtitle : str
        As for :func:`build_report`.
    dpi : int, default=REPORT_DPI

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give the path of the HTML file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, build_report(sections, title, subtitle, dpi))
    return path


def write_text(path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically, readable as any file the user makes (the umask decides).

    Parameters
    ----------
    path : str or path-like
        The file; its folder must exist.
    text : str

    Returns
    -------
    Path
    """
    from .io import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, text.encode("utf-8"))
    # the temporary file behind the atomic write is private (0600); a report is meant to be opened and shared
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
    return path


def model_report(model, X, y, *, history=None, recorder=None, X_test=None, y_test=None,
                 class_names: Sequence[str] | None = None, name: str = "the model", data_name: str | None = None,
                 settings: Mapping[str, Any] | None = None) -> list[Section]:
    """The sections that describe one trained model on data ``(X, y)``.

    Parameters
    ----------
    model : Sequential
        A built and compiled model (as :func:`glassnet.load_model` returns it).
    X : array-like of shape (n_samples, n_features)
        The data the model is judged on (its training data, when ``X_test`` is given too).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Integer class labels for a classifier, targets for a regressor.
    history : History or dict, default=None
        The training history; None takes ``model.history`` (saved model files keep it).
    recorder : TrainingRecorder, default=None
        A recording of the training: adds the gradient-flow figure and the gradient findings.
    X_test, y_test : array-like, default=None
        Held-out data, reported beside ``(X, y)``.
    class_names : sequence of str, default=None
        Names of the classes 0, 1, ... for the confusion matrix.
    name : str, default="the model"
        How the text refers to the model (a file name, say).
    data_name : str, default=None
        What ``(X, y)`` is, for the text, the tables and the figures (e.g. ``"moons, 600 points"``); None says
        "training data" when ``X_test`` is given, else "data".
    settings : mapping of str to value, default=None
        How the model was made and trained, beyond what the model itself tells (the data, the batch size, the
        seed, ...): shown in the Settings table after what is read from the model (its loss, optimiser and
        hyperparameters, the epochs of its history), and replacing those of the same name.

    Returns
    -------
    list of Section
        Model (metrics, settings and summary), Training (curves, gradient flow), What it learned (decision
        boundary, confusion matrix, weight histograms) and Diagnosis (findings).
    """
    from . import plots
    from .analysis.diagnose import diagnose
    from .model import Sequential

    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential, received {type(model).__name__}")
    if not model.built or model.loss is None:
        raise ValueError("model_report needs a built and compiled model (fit it, or load a saved one)")
    X = np.asarray(X)
    y = np.asarray(y)
    has_test = X_test is not None and y_test is not None
    classifier = _is_classifier(model)
    history = history if history is not None else model.history
    curves = getattr(history, "history", history) or {}

    data_name = str(data_name) if data_name is not None else ("training data" if has_test else "data")
    rows = [_metrics_row(data_name, model, X, y, classifier)]
    if has_test:
        rows.append(_metrics_row("held-out data", model, np.asarray(X_test), np.asarray(y_test), classifier))
    first = rows[-1]
    score = (f"accuracy {format_value(first['accuracy'])}" if classifier else f"R² {format_value(first['r2'])}")
    overview = Section(
        "Model",
        text=(f"{name} has {model.count_params():,} parameters in {len(model.layers)} layers and was trained "
              f"with the {_loss_words(model.loss)} and {_optimizer_words(model.optimizer)}. On the "
              f"{first['data']} ({first['samples']} samples) it reaches {score}."),
        tables=[("Metrics", rows), ("Settings", _settings_rows(model, history, settings))],
        blocks=[("Summary", str(model))])
    sections = [overview]

    training = Section("Training")
    if curves.get("loss"):
        epochs = len(curves["loss"])
        training.text = (f"{epochs} epochs: the loss went from {format_value(curves['loss'][0])} to "
                         f"{format_value(curves['loss'][-1])}.")
        training.figures.append(("Training curves", plots.plot_training_curves(history)))
    else:
        training.text = "No training history: this model has not been trained with fit."
    if recorder is not None and getattr(recorder, "records", None):
        training.figures.append(("Gradient norm of each layer over training", plots.plot_gradient_flow(recorder)))
    sections.append(training)

    learned = Section("What it learned")
    X_shown, y_shown = (np.asarray(X_test), np.asarray(y_test)) if has_test else (X, y)
    if classifier and X.shape[1] == 2:
        # plot_decision_boundary draws training points as circles and test points as larger triangles, both
        # filled with their class's colour
        caption = (f"Decision regions (circles: {_short(data_name)} points, triangles: held-out points)" if has_test
                   else f"Decision regions, with the {data_name}")
        names = (_short(data_name), "held-out") if has_test else (_short(data_name),)
        learned.figures.append((caption, plots.plot_decision_boundary(
            model, X, y, X_test=X_test if has_test else None, y_test=y_test if has_test else None, names=names)))
    if classifier:
        y_true = _labels(y_shown)
        y_pred = predicted_labels(model, X_shown)
        labels = list(class_names) if class_names is not None else None
        learned.figures.append((f"Confusion matrix on the {first['data']}",
                                plots.plot_confusion_matrix(y_true, y_pred, labels=labels)))
        wrong = int(np.sum(y_true != y_pred))
        learned.text = (f"{wrong} of {len(y_true)} samples of the {first['data']} are misclassified. The weight "
                        "histograms show how far each layer's weights spread.")
    else:
        learned.text = "The weight histograms show how far each layer's weights spread."
    learned.figures.append(("Weights of each layer", plots.plot_weight_histograms(model)))
    sections.append(learned)

    findings = diagnose(model, history if curves else None, recorder=recorder, X=X, y=y)
    sections.append(Section(
        "Diagnosis",
        text=("No problems found: none of the diagnosis rules fired." if not findings else
              f"{len(findings)} finding(s), most severe first, each with the numbers behind it and what to try."),
        findings=findings))
    return sections


def predicted_labels(model, X) -> np.ndarray:
    """A classifier's predicted class indices: ``> 0.5`` for one sigmoid output, the argmax for several.

    Parameters
    ----------
    model : Sequential
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,), int64
    """
    out = model.predict(X)
    if out.shape[1] == 1:
        return (out[:, 0] > 0.5).astype(np.int64)
    return np.argmax(out, axis=1)


def format_value(value: Any) -> str:
    """A table cell as text: floats to 4 significant digits, tuples as ``16x8`` (``none`` if empty), lists in
    brackets, booleans as yes/no, None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):  # layer sizes or a shape: 16x8, and () for no layer at all
        return "x".join(format_value(v) for v in value) if value else "none"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def text_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, indent: str = "") -> str:
    """Rows of dicts as a plain-text table with aligned columns (numbers right-aligned): the one table formatter.

    The command line, the tour and the sweeps print every table with it; cells are written by
    :func:`format_value`, as in the HTML report.

    Parameters
    ----------
    rows : sequence of dict
        One dict per row, column name to value (e.g. ``run_sweep``'s or ``summarize``'s rows).
    columns : sequence of str, default=None
        The columns to show, in order; None shows every key, in first-seen order.
    indent : str, default=""
        Put in front of every line.

    Returns
    -------
    str
        The header, a rule, and one line per row (``"(no rows)"`` for none).

    Raises
    ------
    ValueError
        For a name in ``columns`` that no row has.
    """
    rows = list(rows)
    if columns is not None:
        available = _columns(rows)
        columns = list(columns)
        for name in columns:
            if rows and name not in available:
                raise ValueError(f"columns names an unknown column {name!r}; available: {available}")
    else:
        columns = _columns(rows)
    if not rows or not columns:
        return f"{indent}(no rows)"
    cells = [[format_value(row.get(c)) for c in columns] for row in rows]
    numeric = [all(isinstance(row.get(c), numbers.Number) or row.get(c) is None for row in rows) for c in columns]
    widths = [max(len(str(c)), *(len(r[j]) for r in cells)) for j, c in enumerate(columns)]

    def line(values):
        return indent + "  ".join(v.rjust(w) if num else v.ljust(w)
                                  for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line([str(c) for c in columns]), indent + "  ".join("-" * w for w in widths)]
                     + [line(r) for r in cells])


# --------------------------------------------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------------------------------------------

def _section_html(section, index: int, dpi: int) -> str:
    out = [f'<section id="section-{index}">', f"<h2>{_esc(_attr(section, 'title', ''))}</h2>"]
    for paragraph in str(_attr(section, "text", "") or "").split("\n\n"):
        if paragraph.strip():
            out.append(f"<p>{_inline(paragraph.strip())}</p>")
    for caption, rows in _attr(section, "tables", []):
        out.append(_table_html(caption, rows))
    for caption, text in _attr(section, "blocks", []):
        out.append(f'<figure class="block"><figcaption>{_inline(caption)}</figcaption>'
                   f"<pre>{_esc(text)}</pre></figure>")
    figures = _attr(section, "figures", [])
    if figures:
        out.append('<div class="figures">')
        for caption, figure in figures:
            png = _png(figure, dpi)
            data = base64.b64encode(png).decode("ascii")
            size = _css_size(png, dpi)
            out.append(f'<figure><img alt="{_esc(caption)}"{size} src="data:image/png;base64,{data}">'
                       f"<figcaption>{_inline(caption)}</figcaption></figure>")
        out.append("</div>")
    findings = _attr(section, "findings", [])
    if findings:
        out.append('<div class="findings">')
        out += [_finding_html(f) for f in findings]
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _table_html(caption: str, rows: Sequence[dict[str, Any]]) -> str:
    columns = _columns(rows)
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_inline(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_esc(c)}</th>" for c in columns) + "</tr></thead><tbody>")
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            cls = ' class="num"' if isinstance(value, numbers.Number) else ""
            cells.append(f"<td{cls}>{_esc(format_value(value))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _finding_html(finding) -> str:
    data = finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)
    severity = str(data.get("severity", "info"))
    border, background = SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["info"])
    evidence = ", ".join(f"{k} = {format_value(v)}" for k, v in (data.get("evidence") or {}).items())
    out = [f'<div class="finding" style="border-left-color:{border};background:{background}">',
           f'<p><span class="severity" style="color:{border}">{_esc(severity.upper())}</span> '
           f"<code>{_esc(data.get('code', ''))}</code>: {_inline(data.get('message', ''))}</p>"]
    if evidence:
        out.append(f'<p class="evidence">Evidence: {_esc(evidence)}</p>')
    if data.get("advice"):
        out.append(f'<p class="advice">What to try: {_inline(data["advice"])}</p>')
    out.append("</div>")
    return "".join(out)


_STYLE = """
body { margin: 0; background: #f6f7f9; color: #1d2939; font: 16px/1.55 system-ui, -apple-system, "Segoe UI",
  Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 2rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.4rem; margin: 0 0 0.75rem; }
.subtitle, .made { color: #475467; margin: 0 0 0.25rem; }
code { background: #f2f4f7; padding: 0.05rem 0.3rem; border-radius: 3px; font-size: 0.92em; }
nav, section { background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: 1rem 1.5rem;
  margin: 1.25rem 0; }
nav ol { columns: 2; margin: 0; }
a { color: #175cd3; }
table { border-collapse: collapse; margin: 0.75rem 0 1rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid #e4e7ec; padding: 0.25rem 0.75rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e7ec; border-radius: 4px; }
figcaption { font-size: 0.9rem; color: #475467; }
pre { background: #f2f4f7; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; border-radius: 4px; }
.finding { border-left: 5px solid; padding: 0.5rem 1rem; margin: 0.75rem 0; border-radius: 4px; }
.finding p { margin: 0.2rem 0; }
.severity { font-weight: 700; }
.evidence { font-size: 0.88rem; color: #475467; }
footer { color: #667085; font-size: 0.85rem; margin-top: 2rem; }
"""


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------

def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


_BACKTICKS = re.compile(r"`([^`\n]+)`")


def _inline(value: Any) -> str:
    """Text escaped for HTML, with Markdown's inline code (between backticks) as ``<code>``."""
    return _BACKTICKS.sub(lambda match: f"<code>{match.group(1)}</code>", _esc(value))


def _css_size(png: bytes, dpi: int) -> str:
    """The ``width``/``height`` attributes that show a PNG at :data:`CSS_PIXELS_PER_INCH`: its own resolution
    (the pHYs chunk matplotlib writes), else ``dpi``; nothing for bytes that are not a PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24 or png[12:16] != b"IHDR":
        return ""
    width, height = struct.unpack(">II", png[16:24])
    per_inch = float(dpi)
    found = png.find(b"pHYs", 24)
    if found >= 0 and len(png) >= found + 13 and png[found + 12] == 1:   # unit 1: pixels per metre
        per_metre = struct.unpack(">I", png[found + 4:found + 8])[0]
        per_inch = per_metre * 0.0254 if per_metre else per_inch
    scale = CSS_PIXELS_PER_INCH / per_inch
    return f' width="{round(width * scale)}" height="{round(height * scale)}"'


def _attr(obj, name: str, default):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns


def _png(figure, dpi: int) -> bytes:
    """PNG bytes of a Figure, or the bytes themselves when the figure is already encoded."""
    if isinstance(figure, (bytes, bytearray)):
        return bytes(figure)
    from . import plots

    return plots.figure_to_png_bytes(figure, dpi=dpi)


def _is_classifier(model) -> bool:
    name = getattr(model.loss, "name", "")
    if name in ("binary_crossentropy", "categorical_crossentropy"):
        return True
    return name not in ("mse", "mae", "huber", "poisson") and model.output_activation.name in ("sigmoid", "softmax")


def _labels(y: np.ndarray) -> np.ndarray:
    """Integer class labels from labels, a 0/1 column or one-hot rows."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return np.rint(y.reshape(len(y))).astype(np.int64)


#: losses and optimisers by name, as the text says them
_LOSS_WORDS = {"binary_crossentropy": "binary cross-entropy", "categorical_crossentropy": "categorical cross-entropy",
               "mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber loss",
               "poisson": "Poisson loss"}
_OPTIMIZER_WORDS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def _loss_words(loss) -> str:
    name = getattr(loss, "name", str(loss))
    return _LOSS_WORDS.get(name, name.replace("_", " "))


def _optimizer_words(optimizer) -> str:
    name = getattr(optimizer, "name", str(optimizer))
    words = _OPTIMIZER_WORDS.get(name, name)
    rate = getattr(optimizer, "learning_rate", None)
    return f"{words} at learning rate {format_value(rate)}" if isinstance(rate, numbers.Real) else words


def _settings_rows(model, history, settings) -> list[dict[str, Any]]:
    """What the model says about how it was made, then ``settings``: rows of setting and value."""
    found: dict[str, Any] = {"loss": _loss_words(model.loss)}
    optimizer = model.optimizer
    config = optimizer.get_config() if hasattr(optimizer, "get_config") else {}
    found["optimizer"] = _OPTIMIZER_WORDS.get(getattr(optimizer, "name", ""), getattr(optimizer, "name", ""))
    if isinstance(config.get("learning_rate"), numbers.Real):
        found["learning rate"] = config["learning_rate"]
    # the rest as the optimiser's own parameters, left out where they are off (None, False)
    others = [f"{key}={format_value(value)}" for key, value in config.items()
              if key not in ("name", "learning_rate") and value is not None and value is not False
              and not isinstance(value, (dict, list))]
    if others:
        found["optimizer's other parameters"] = ", ".join(others)
    curves = getattr(history, "history", history) or {}
    if curves.get("loss"):
        found["epochs trained"] = len(curves["loss"])
    steps = (getattr(history, "params", None) or {}).get("steps")
    if steps:
        found["batches per epoch"] = steps
    if settings is not None:
        if not isinstance(settings, Mapping):
            raise TypeError(f"settings must be a mapping of name to value, received {type(settings).__name__}")
        found.update({str(k): v for k, v in settings.items()})
    return [{"setting": key, "value": value if isinstance(value, (numbers.Number, type(None))) else
             format_value(value)} for key, value in found.items()]


def _short(name: str) -> str:
    """A data name for a legend: "training data" is "training", "moons, 600 points" stays."""
    return name[:-len(" data")] if name.endswith(" data") and len(name) > len(" data") else name


def _metrics_row(label: str, model, X: np.ndarray, y: np.ndarray, classifier: bool) -> dict[str, Any]:
    from . import metrics

    out = model.predict(X)
    row: dict[str, Any] = {"data": label, "samples": len(X), "loss": model.evaluate(X, y, return_dict=True)["loss"]}
    if classifier:
        row["accuracy"] = float(np.mean(predicted_labels(model, X) == _labels(y)))
    else:
        target = y.reshape(out.shape) if y.size == out.size else y
        row["mae"] = metrics.mae(target, out)
        row["r2"] = metrics.r2(target, out)
    return row
