"""Networks in and out: ONNX files (:func:`export_onnx`, :func:`load_onnx`), scikit-learn's and PyTorch's MLPs
(:func:`from_sklearn`, :func:`from_torch`).

Every import returns a compiled :class:`~glassnet.Sequential` whose ``predict`` gives the source's outputs, so
every analysis tool, plot and report works on a network trained elsewhere. ``onnx``, ``onnxruntime`` and
``torch`` are imported only inside these functions (``pip install glassnet[onnx]`` for the first two).
"""

from __future__ import annotations

from .convert import from_sklearn, from_torch
from .onnx import export_onnx, load_onnx

__all__ = ["export_onnx", "from_sklearn", "from_torch", "load_onnx"]
