"""An image scraper for sphinx-gallery that picks up glassnet's figures.

``glassnet.plots`` builds every figure directly on an Agg canvas and never registers it with pyplot, so
sphinx-gallery's own matplotlib scraper, which asks pyplot for its open figures, never sees them. This one looks
where an example keeps its figures instead: after each code block it reads the example's global names (the value
of a block's last expression is among them, as ``___``, and so are figures held in a list, tuple or dict) and
saves every figure it has not saved before, or has saved but that the block has drawn on since (an ``ax=``
argument drew into it, a title was added).

A figure is shown after the block that made it or changed it, once. Figures that pyplot made are left to the
matplotlib scraper. A figure that a block creates and drops without binding it to a name is not shown: end the
block with it, or keep it in a variable.

sphinx-gallery's contract: ``scraper(block, block_vars, gallery_conf) -> str``, the reST for the images, each
saved at the next path of ``block_vars["image_path_iterator"]`` (see sphinx-gallery's "Write a custom image
scraper").
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from matplotlib.figure import Figure
from sphinx_gallery.scrapers import figure_rst

__all__ = ["GlassnetFigureScraper", "glassnet_figures"]


class GlassnetFigureScraper:
    """Save the figures an example's code block made or changed, which pyplot does not know about."""

    def __init__(self) -> None:
        self._example: str | None = None
        self._saved: weakref.WeakSet[Figure] = weakref.WeakSet()

    def __repr__(self) -> str:  # sphinx-gallery names the scraper in its messages
        return "glassnet_figures"

    def __call__(self, block: Any, block_vars: dict[str, Any], gallery_conf: Mapping[str, Any]) -> str:
        example = str(block_vars.get("src_file"))
        if example != self._example:  # a new example starts with nothing shown
            self._example = example
            self._saved = weakref.WeakSet()
        paths = block_vars["image_path_iterator"]
        rst = []
        for fig in _figures(block_vars["example_globals"]):
            if _made_by_pyplot(fig) or (fig in self._saved and not fig.stale):
                continue
            path = paths.next()
            fig.savefig(path)
            # Saving draws every artist; drawing on the figure later marks it stale again, so a figure is saved
            # once more only when a later block changes it.
            fig.stale = False
            self._saved.add(fig)
            rst.append(figure_rst([path], gallery_conf["src_dir"], _titles(fig)))
        return "".join(rst)


#: the scraper conf.py names: ``"image_scrapers": ("matplotlib", "_scraper.glassnet_figures")``
glassnet_figures = GlassnetFigureScraper()


def _figures(namespace: Mapping[str, Any]) -> Iterator[Figure]:
    """Each Figure among the values of ``namespace`` and inside its lists, tuples and dicts, once, in order."""
    seen = set()
    for name, value in list(namespace.items()):
        if name.startswith("__") and name != "___":
            continue
        if isinstance(value, Mapping):
            candidates = list(value.values())
        elif isinstance(value, (list, tuple)):
            candidates = list(value)
        else:
            candidates = [value]
        for candidate in candidates:
            if isinstance(candidate, Figure) and id(candidate) not in seen:
                seen.add(id(candidate))
                yield candidate


def _made_by_pyplot(fig: Figure) -> bool:
    """Whether pyplot made the figure: pyplot numbers its figures, and the number outlives ``plt.close``."""
    return getattr(fig, "number", None) is not None or getattr(fig.canvas, "manager", None) is not None


def _titles(fig: Figure) -> str:
    """The figure's titles, for the image's alternative text."""
    titles = [fig.get_suptitle()] if hasattr(fig, "get_suptitle") and fig.get_suptitle() else []
    for ax in fig.axes:
        titles.extend(text for loc in ("left", "center", "right") if (text := ax.get_title(loc=loc)))
    return ", ".join(titles)
