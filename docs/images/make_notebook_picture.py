"""Makes the picture of docs/images/notebook.png: a notebook run in a real kernel (nbclient), its cells and
outputs laid out as Jupyter shows them, written to nb.html in the current folder. Then screenshot it:
``chromium --headless --no-sandbox --window-size=940,1480 --screenshot=notebook.png file://$PWD/nb.html``.
"""

import html
import os
import sys

import nbclient
import nbformat

CELLS = [
    "import glassnet as gn\nX, y = gn.datasets.make_moons(300, noise=0.2, random_state=0)\n"
    "model = gn.builders.mlp(2, (8, 8), 'binary', activation='tanh', learning_rate=0.03, seed=0)\nmodel",
    "history = model.fit(X, y, epochs=60, validation_split=0.25, verbose=0)\nhistory",
    "gn.plots.plot_decision_boundary(model, X, y)",
    "gn.analysis.diagnose(model, history, X=X, y=y)",
]
STYLE = """body{font-family:sans-serif;background:#fff;color:#111;margin:16px;width:900px}
.cell{display:flex;gap:8px;margin-top:14px}.in{color:#307fc1;font-family:monospace;width:60px}
.code{background:#f5f5f5;border:1px solid #ddd;padding:6px;margin:0;flex:1;font-size:13px}.out{margin-left:68px}"""


def output_html(output) -> str:
    data = output.get("data", {})
    if "text/html" in data:
        return data["text/html"]
    if "image/png" in data:
        width = output.get("metadata", {}).get("image/png", {}).get("width", "")
        return f"<img width={width} src='data:image/png;base64,{data['image/png']}'>"
    return f"<pre>{html.escape(output.get('text', ''))}</pre>"


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in CELLS]
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    parts = []
    for i, cell in enumerate(nb.cells, 1):
        parts.append(f"<div class=cell><div class=in>In [{i}]:</div><pre class=code>{html.escape(cell.source)}</pre>"
                     f"</div>")
        parts += [f"<div class=out>{output_html(o)}</div>" for o in cell.outputs]
    with open("nb.html", "w") as f:
        f.write(f"<html><head><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")


if __name__ == "__main__":
    main()
