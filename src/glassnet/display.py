"""What glassnet's objects look like in a notebook: HTML for a model, a training history, findings, reports of
convergence and gradient checks, a worked training step, experiment results and a recorder.

Each renderer is registered by class name (:func:`glassnet._registry.register_html`); the classes' own
``_repr_html_`` look their renderer up there, so the engine never imports this module, and importing glassnet
imports it (it needs nothing but the standard library until a figure is drawn).

The HTML inherits the notebook's colours (text in ``currentColor``, rules half-transparent), so it reads in
light and dark themes alike; numbers are shown to 4 significant digits.
"""

from __future__ import annotations

import base64
import html
import numbers

from ._registry import register_drawer, register_html
from .callbacks import in_notebook

__all__ = ["in_notebook", "table"]

#: scoped styles: colours come from the notebook's theme
_STYLE = """<style>
.glassnet {font-size: 0.92em; line-height: 1.35; max-width: 100%}
.glassnet table {border-collapse: collapse; margin: 0.3em 0}
.glassnet th, .glassnet td {padding: 0.15em 0.8em 0.15em 0; text-align: left; vertical-align: top;
  border-bottom: 1px solid rgba(127, 127, 127, 0.35)}
.glassnet th {font-weight: 600}
.glassnet td.num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap}
.glassnet .title {font-weight: 600; margin: 0.2em 0}
.glassnet .note {opacity: 0.75}
.glassnet pre {white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.2em 0 0.6em 0; font-size: 0.95em}
.glassnet details > summary {cursor: pointer; font-weight: 600; margin-top: 0.4em}
.glassnet .error {color: #e45756; font-weight: 600}
.glassnet .warning {color: #f58518; font-weight: 600}
.glassnet .info {color: #4c9be8; font-weight: 600}
.glassnet img {max-width: 100%; height: auto}
</style>"""


def table(header, rows, numeric=()) -> str:
    """An HTML table; ``numeric`` names the columns (by index) to right-align."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{_cell(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return html.escape(f"{float(value):.4g}")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    return html.escape("" if value is None else str(value))


class _Raw(str):
    """A table cell already in HTML."""


def _box(title: str, *parts: str) -> str:
    return f'{_STYLE}<div class="glassnet"><div class="title">{html.escape(title)}</div>{"".join(parts)}</div>'


def _note(text: str) -> str:
    return f'<div class="note">{html.escape(text)}</div>'


def _image(fig) -> str:
    """A figure as an inline PNG, twice as many pixels as it is shown at (sharp on high-resolution screens)."""
    png, meta = fig._repr_png_() if hasattr(fig, "_repr_png_") else (_png(fig), {})
    size = "".join(f' {k}="{v}"' for k, v in meta.items())
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"{size} alt="">'


def _png(fig) -> bytes:
    from .plots import figure_to_png_bytes

    return figure_to_png_bytes(fig, dpi=200)


# --- the engine ---------------------------------------------------------------------------------------------------
@register_html("Sequential")
def model_html(model) -> str:
    """The model's layers (output shapes, activations, parameters), totals, and loss, optimiser and metrics."""
    rows = []
    for i, layer in enumerate(model.layers):
        activation = getattr(layer, "activation", None)
        shape = f"(None, {layer.output_dim})" if getattr(layer, "built", False) else "not built"
        rows.append((i, type(layer).__name__, shape, activation.name if activation is not None else "",
                     layer.count_params() if getattr(layer, "built", False) else None))
    parts = [table(("#", "Layer", "Output shape", "Activation", "Parameters"), rows, numeric=(0, 4))]
    if model.built:
        trainable, frozen = model.param_counts()
        parts.append(_note(f"{model.input_dim} inputs, {trainable + frozen:,} parameters ({trainable:,} trainable, "
                           f"{frozen:,} not), {model.dtype.name}"))
    else:
        parts.append(_note(f"not built yet: the input width is set by the first fit ({model.dtype.name})"))
    if model.loss is not None:
        opt = model.optimizer
        lr = opt.current_learning_rate() if hasattr(opt, "current_learning_rate") else None
        metrics = ", ".join(model.metrics) or "none"
        parts.append(_note(f"loss {model.loss.name}; optimiser {opt.name}"
                           + (f" (learning rate {lr:.4g})" if lr is not None else "") + f"; metrics {metrics}"))
    else:
        parts.append(_note("not compiled: call compile(loss=..., optimizer=...) to train it"))
    return _box(f"Sequential model, {len(model.layers)} layer{'s' * (len(model.layers) != 1)}", *parts)


@register_html("History")
def history_html(history) -> str:
    """The curves as a figure, and each quantity's first, last and best value."""
    if not history.epoch:
        return _box("Training history", _note("no epochs yet"))
    rows = []
    for key, values in history.history.items():
        finite = [float(v) for v in values if isinstance(v, numbers.Real)]
        if not finite:
            continue
        best = min(finite) if "loss" in key or key in ("mse", "mae") else max(finite)
        rows.append((_quantity(key), finite[0], finite[-1], best))
    parts = []
    try:
        from .plots import plot_training_curves

        parts.append(_image(plot_training_curves(history)))
    except (ImportError, ValueError, TypeError):  # no matplotlib, or nothing drawable: the table still says it
        pass
    parts.append(table(("Quantity", "First", "Last", "Best"), rows, numeric=(1, 2, 3)))
    epochs = len(history.epoch)
    diverged = " (stopped: the loss diverged)" if getattr(history, "diverged", False) else ""
    return _box(f"Training history, {epochs} epoch{'s' * (epochs != 1)}{diverged}", *parts)


def _quantity(key: str) -> str:
    """A history key in words: ``val_loss`` is the validation loss, ``lr`` the learning rate."""
    if key == "lr":
        return "learning rate"
    if key.startswith("val_"):
        return f"validation {key[4:].replace('_', ' ')}"
    return f"training {key.replace('_', ' ')}"


# --- the glass ----------------------------------------------------------------------------------------------------
@register_html("Findings")
def findings_html(findings) -> str:
    if not findings:
        return _box("Diagnosis", _note("No findings: nothing in this run looks wrong to the rules."))
    rows = [(_Raw(f'<span class="{html.escape(f.severity)}">{html.escape(f.severity)}</span>'), f.code, f.message,
             "; ".join(f"{k} {_cell(v)}" for k, v in f.evidence.items()), f.advice) for f in findings]
    return _box(f"Diagnosis: {len(findings)} finding{'s' * (len(findings) != 1)}",
                table(("Severity", "Finding", "What was seen", "Evidence", "What to try"), rows))


@register_html("Finding")
def finding_html(finding) -> str:
    return findings_html([finding])


@register_html("ConvergenceReport")
def convergence_html(report) -> str:
    fields = report.to_dict()
    rows = [(key.replace("_", " "), value) for key, value in fields.items() if not isinstance(value, (list, dict))]
    verdict = "settled" if report.converged else "not settled"
    return _box(f"Convergence of the loss: {verdict}", table(("", "Value"), rows, numeric=(1,)))


@register_html("GradientCheckResult")
def gradient_check_html(result) -> str:
    rows = []
    for r in result.rows:
        if r.skipped:
            rows.append((f"{r.layer}: {r.layer_name}", r.name, str(r.shape), None, None, f"skipped: {r.reason}"))
        else:
            ok = r.relative_error < result.tolerance
            rows.append((f"{r.layer}: {r.layer_name}", r.name, str(r.shape), r.max_abs_diff, r.relative_error,
                         _Raw("ok" if ok else '<span class="error">failed</span>')))
    verdict = "passed" if result.passed else "failed"
    mode = "training" if result.training else "inference"
    return _box(f"Gradient check {verdict}: backpropagation against central differences",
                table(("Layer", "Parameter", "Shape", "Largest difference", "Relative error", ""), rows,
                      numeric=(3, 4)),
                _note(f"{mode} mode, float64, step {result.eps:g}; largest relative error "
                      f"{result.max_relative_error:.3e}, tolerance {result.tolerance:g}"))


@register_html("StepExplanation", "PerceptronStepExplanation")
def explanation_html(step) -> str:
    """The worked step's text, a collapsible section per part (weights, forward, loss, backward, update)."""
    blocks = [b for b in step.render().split("\n\n") if b.strip()]
    title, *intro = blocks[0].splitlines()
    parts = [f"<pre>{html.escape(line)}</pre>" for line in intro]
    for block in blocks[1:]:
        heading, _, body = block.partition("\n")
        parts.append(f"<details open><summary>{html.escape(heading)}</summary><pre>{html.escape(body)}</pre>"
                     f"</details>")
    return _box(title, *parts)


@register_html("Results")
def results_html(rows) -> str:
    """Experiment and sweep rows as a table: every column of plain values (curves and histories left out)."""
    if not rows:
        return _box("Results", _note("no rows"))
    columns = [k for k in rows[0] if all(not isinstance(r.get(k), (list, tuple, dict)) and
                                         not hasattr(r.get(k), "history") for r in rows)]
    numeric = tuple(i for i, k in enumerate(columns) if all(isinstance(r.get(k), numbers.Real) or r.get(k) is None
                                                          for r in rows))
    body = table([c.replace("_", " ") for c in columns], [[r.get(c) for c in columns] for r in rows], numeric)
    hidden = [k for k in rows[0] if k not in columns]
    note = _note(f"{len(rows)} rows; not shown: {', '.join(hidden)} (in each row, and in to_frame())") if hidden \
        else ""
    return _box("Results", body, note)


@register_html("TrainingRecorder")
def recorder_html(recorder) -> str:
    records = recorder.records
    if not records:
        return _box("Training recorder", _note("nothing recorded yet: pass it to fit(callbacks=[...])"))
    names = recorder.layer_names()
    steps = len(records)
    first, last = records[0], records[-1]
    parts = [_note(f"{steps} record{'s' * (steps != 1)}, from epoch {first.get('epoch')} to {last.get('epoch')}; "
                   f"layers: {', '.join(names) if names else 'none'}")]
    return _box("Training recorder", *parts)


# --- live training curves -----------------------------------------------------------------------------------------
@register_drawer("live_plot")
def live_figure(history: dict, metrics, model=None, data=None):
    """The figure :class:`glassnet.callbacks.LivePlot` shows: a panel per metric (training solid, validation
    dashed), and with ``data=(X, y)`` the model's decision boundary on them."""
    from .plots import GlassFigure, plot_decision_boundary

    panels = [m for m in metrics if m in history or f"val_{m}" in history]
    n = len(panels) + (data is not None)
    fig = GlassFigure(figsize=(4.0 * max(n, 1), 3.2), layout="constrained")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    axes = fig.subplots(1, max(n, 1), squeeze=False).ravel()
    for ax, name in zip(axes, panels):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            values = history.get(key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=label, linewidth=1.6)
        ax.set_title(name if name != "loss" else "loss", fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="best")
    if data is not None:
        plot_decision_boundary(model, data[0], data[1], resolution=80, ax=axes[-1])
    return fig


@register_drawer("save_figure")
def save_live_figure(fig, path) -> None:
    """Write a LivePlot figure to ``path`` atomically (PNG unless the suffix says otherwise)."""
    from .plots import save_figure

    save_figure(fig, path, dpi=150)
