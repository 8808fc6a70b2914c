"""Rows of results, as the experiments (``analysis.compare_*``) and sweeps return them.

A :class:`Results` is a plain list of dicts (one dict per run, one key per column), so code that loops over
rows, indexes them or reads ``row["final_loss"]`` keeps working; in a notebook it shows as a table, and
``to_frame()`` gives a pandas DataFrame.
"""

from __future__ import annotations

from ._registry import html_of

__all__ = ["Results"]


class Results(list):
    """A list of result rows (dicts) that shows itself as a table in a notebook."""

    def to_frame(self):
        """The rows as a pandas DataFrame, one column per key.

        Raises
        ------
        ImportError
            Without pandas (``pip install pandas``).
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("Results.to_frame needs pandas: pip install pandas") from exc
        return pandas.DataFrame(list(self))

    def _repr_html_(self) -> str | None:
        """The notebook's view: a table of every plain column (curves and histories stay in the rows)."""
        return html_of(self)
