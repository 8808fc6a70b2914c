"""Self-contained HTML reports: sections of text, tables, figures and diagnosis findings in one file.

A report is a list of :class:`Section` objects (the tour's scenarios are sections too) turned into one HTML page
that needs nothing else: figures are embedded as base64 PNG ``data:`` URIs, the style sheet is inline, and there
are no scripts, web fonts or links to anything outside the page. Every piece of text is escaped with
:func:`html.escape`, so a title or a message holding ``<script>`` is shown, never run.

:func:`model_report` builds the sections that describe one trained model (``glassnet report`` and
``glassnet train --report``): its summary and metrics, its training curves, its decision boundary (2-D data), its
confusion matrix (classifiers), its weight histograms and what :func:`~glassnet.analysis.diagnose` finds.
"""

from __future__ import annotations

import base64
import html
import math
import numbers
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Section", "build_report", "format_value", "model_report", "predicted_labels", "text_table",
           "write_report", "write_text"]

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

    def render_figures(self, dpi: int = 100) -> None:
        """Replace every Figure by its PNG bytes, so the figure's memory can be freed at once."""
        self.figures = [(caption, _png(figure, dpi)) for caption, figure in self.figures]


def build_report(sections: Iterable[Section], title: str = "glassnet report", subtitle: str = "",
                 dpi: int = 100) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    sections : iterable of Section
        The parts of the report, in order. Any object with the attributes of :class:`Section` will do
        (missing ones count as empty).
    title : str, default="glassnet report"
        The page's title and main heading.
    subtitle : str, default=""
        A line under the heading (what was run, when, with which seed).
    dpi : int, default=100
        Resolution of the figures that are still matplotlib Figures.

    Returns
    -------
    str
        The HTML document. It references nothing outside itself.
    """
    sections = list(sections)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_esc(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>", "<main>",
             f"<h1>{_esc(title)}</h1>"]
    if subtitle:
        parts.append(f'<p class="subtitle">{_esc(subtitle)}</p>')
    if len(sections) > 1:
        parts.append('<nav><h2>Contents</h2><ol>')
        parts += [f'<li><a href="#section-{i}">{_esc(_attr(s, "title", ""))}</a></li>'
                  for i, s in enumerate(sections, 1)]
        parts.append("</ol></nav>")
    for i, section in enumerate(sections, 1):
        parts.append(_section_html(section, i, dpi))
    parts += ['<footer>Made by glassnet. This page is self-contained: figures are embedded, nothing is loaded '
              'from elsewhere.</footer>', "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_report(sections: Iterable[Section], path, title: str = "glassnet report", subtitle: str = "",
                 dpi: int = 100) -> Path:
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
    dpi : int, default=100

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
                 class_names: Sequence[str] | None = None, name: str = "the model") -> list[Section]:
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

    Returns
    -------
    list of Section
        Model (summary and metrics), Training (curves, gradient flow), What it learned (decision boundary,
        confusion matrix, weight histograms) and Diagnosis (findings).
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

    rows = [_metrics_row("training data" if has_test else "data", model, X, y, classifier)]
    if has_test:
        rows.append(_metrics_row("held-out data", model, np.asarray(X_test), np.asarray(y_test), classifier))
    first = rows[-1]
    score = (f"accuracy {format_value(first['accuracy'])}" if classifier else f"R² {format_value(first['r2'])}")
    overview = Section(
        "Model",
        text=(f"{name} has {model.count_params():,} parameters in {len(model.layers)} layers and is trained "
              f"with {model.loss.name} and {model.optimizer.name}. On the {first['data']} "
              f"({first['samples']} samples) it reaches {score}."),
        tables=[("Metrics", rows)],
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
        learned.figures.append(("Decision regions (training points filled, held-out points hollow)" if has_test
                                else "Decision regions", plots.plot_decision_boundary(
                                    model, X, y, X_test=X_test if has_test else None,
                                    y_test=y_test if has_test else None)))
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
            out.append(f"<p>{_esc(paragraph.strip())}</p>")
    for caption, rows in _attr(section, "tables", []):
        out.append(_table_html(caption, rows))
    for caption, text in _attr(section, "blocks", []):
        out.append(f'<figure class="block"><figcaption>{_esc(caption)}</figcaption>'
                   f"<pre>{_esc(text)}</pre></figure>")
    figures = _attr(section, "figures", [])
    if figures:
        out.append('<div class="figures">')
        for caption, figure in figures:
            data = base64.b64encode(_png(figure, dpi)).decode("ascii")
            out.append(f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{_esc(caption)}</figcaption></figure>")
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
        out.append(f"<caption>{_esc(caption)}</caption>")
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
           f"<code>{_esc(data.get('code', ''))}</code>: {_esc(data.get('message', ''))}</p>"]
    if evidence:
        out.append(f'<p class="evidence">Evidence: {_esc(evidence)}</p>')
    if data.get("advice"):
        out.append(f'<p class="advice">What to try: {_esc(data["advice"])}</p>')
    out.append("</div>")
    return "".join(out)


_STYLE = """
body { margin: 0; background: #f6f7f9; color: #1d2939; font: 16px/1.55 system-ui, -apple-system, "Segoe UI",
  Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 2rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.4rem; margin: 0 0 0.75rem; }
.subtitle { color: #475467; margin-top: 0; }
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
