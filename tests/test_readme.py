"""README's Python examples run as written, in order, in one namespace (as a reader pastes them)."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import warnings

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_every_python_example_in_the_readme_runs(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)  # the examples write their figures and files here
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("%"))  # notebook magics
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            exec(compile(code, f"README.md python block {i}", "exec"), namespace)
    assert (tmp_path / "moons.onnx").is_file() and (tmp_path / "codes.png").is_file()
