"""The documentation: the gallery's figure scraper, and a built site that loads nothing from outside itself.

The site tests read ``docs/_build/html`` and are skipped when the docs have not been built
(``sphinx-build -W --keep-going -b html docs docs/_build/html``; CI builds them after the test suite, then runs
this file again). The scraper tests need sphinx-gallery (the ``docs`` extra) and are skipped without it.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SITE = DOCS / "_build" / "html"
EXAMPLES = ROOT / "examples"

built = pytest.mark.skipif(not (SITE / "index.html").is_file(),
                           reason="the documentation is not built (sphinx-build -b html docs docs/_build/html)")

#: (tag, attribute) pairs whose URL a browser fetches while showing the page
RESOURCE_ATTRIBUTES = {("script", "src"), ("link", "href"), ("img", "src"), ("img", "srcset"), ("iframe", "src"),
                       ("source", "src"), ("source", "srcset"), ("video", "src"), ("video", "poster"),
                       ("audio", "src"), ("embed", "src"), ("object", "data"), ("track", "src"),
                       ("input", "src"), ("image", "href")}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(url\(\s*['"]?\s*(https?:)?//|@import\s+['"]\s*(https?:)?//)""", re.IGNORECASE)


class _Resources(HTMLParser):
    """Collects the URLs a page would fetch: resource attributes, inline styles and style elements."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in RESOURCE_ATTRIBUTES:
                if name == "srcset":  # "url 1x, url 2x"
                    self.urls.extend(part.split()[0] for part in value.split(",") if part.strip())
                else:
                    self.urls.append(value)
            if name == "style":
                self.css.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


@built
def test_no_page_loads_anything_from_outside_the_site():
    pages = sorted(SITE.rglob("*.html"))
    assert len(pages) > 20
    offenders = []
    for page in pages:
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(SITE)}: {url}" for url in parser.urls if EXTERNAL.match(url)]
        offenders += [f"{page.relative_to(SITE)}: style {css[:80]!r}" for css in parser.css if CSS_EXTERNAL.search(css)]
    assert not offenders, "pages fetch resources from outside the site:\n" + "\n".join(offenders)


@built
def test_no_style_sheet_imports_anything_from_outside_the_site():
    offenders = [str(sheet.relative_to(SITE)) for sheet in SITE.rglob("*.css")
                 if CSS_EXTERNAL.search(sheet.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, f"style sheets fetch fonts or sheets from outside the site: {offenders}"


@built
def test_formulas_are_typeset_by_the_mathjax_shipped_with_the_site():
    page = (SITE / "api" / "generated" / "glassnet.activations.html").read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    mathjax = [url for url in parser.urls if "mathjax" in url.lower()]
    assert mathjax and all(not EXTERNAL.match(url) for url in mathjax), mathjax
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (SITE / "_static" / "mathjax" / "LICENSE").is_file()
    assert "enableMenu" in page  # the menu's accessibility tools would fetch speech rules from a CDN


@built
def test_every_example_is_a_page_with_figures_and_a_notebook():
    scripts = sorted(EXAMPLES.glob("plot_*.py"))
    assert len(scripts) >= 12
    for script in scripts:
        page = SITE / "auto_examples" / f"{script.stem}.html"
        assert page.is_file(), f"{script.name} has no page"
        html = page.read_text(encoding="utf-8")
        images = re.findall(r'<img[^>]+src="([^"]*sphx_glr_[^"]+)"', html)
        assert images, f"{script.name}'s page shows no figure"
        for image in images:
            assert (page.parent / image).resolve().is_file(), f"{script.name}'s page shows a missing {image}"
        assert f"{script.stem}.ipynb" in html, f"{script.name}'s page offers no notebook"
        assert list(SITE.rglob(f"{script.stem}.ipynb")), f"{script.stem}.ipynb was not written"


# --------------------------------------------------------------------------------------------------------------
# The scraper that picks up glassnet's figures
# --------------------------------------------------------------------------------------------------------------

@pytest.fixture
def scraper(monkeypatch):
    pytest.importorskip("sphinx_gallery")
    monkeypatch.syspath_prepend(str(DOCS))
    sys.modules.pop("_scraper", None)
    import _scraper

    return _scraper.GlassnetFigureScraper()


def _block_vars(tmp_path, namespace, example="plot_demo.py"):
    from sphinx_gallery.scrapers import ImagePathIterator

    return {"src_file": str(tmp_path / example), "example_globals": namespace,
            "image_path_iterator": ImagePathIterator(str(tmp_path / "images" / "sphx_glr_demo_{0:03}.png"))}


def _conf(tmp_path):
    return {"src_dir": str(tmp_path)}


def test_scraper_saves_glassnet_figures_once_and_again_after_a_change(scraper, tmp_path):
    import glassnet as gn

    (tmp_path / "images").mkdir()
    fig = gn.plots.plot_activation_functions(["relu", "tanh"])
    namespace = {"fig": fig, "___": None}
    block_vars = _block_vars(tmp_path, namespace)
    rst = scraper(None, block_vars, _conf(tmp_path))
    assert "sphx_glr_demo_001.png" in rst and (tmp_path / "images" / "sphx_glr_demo_001.png").is_file()
    assert "relu" in rst  # the figure's titles are its alternative text
    assert scraper(None, block_vars, _conf(tmp_path)) == ""  # unchanged: not shown again
    fig.axes[0].set_title("changed")
    assert "sphx_glr_demo_002.png" in scraper(None, block_vars, _conf(tmp_path))  # drawn on: shown again


def test_scraper_finds_last_expressions_and_figures_in_containers(scraper, tmp_path):
    import glassnet as gn

    (tmp_path / "images").mkdir()
    first, second = (gn.plots.plot_activation_functions([name]) for name in ("relu", "tanh"))
    last = gn.plots.plot_activation_functions(["sigmoid"])
    namespace = {"figures": {"a": first}, "pair": [second, first], "___": last, "__builtins__": {}}
    rst = scraper(None, _block_vars(tmp_path, namespace), _conf(tmp_path))
    assert rst.count("image-sg::") == 3  # each figure once, although ``first`` is held twice
    assert len(list((tmp_path / "images").glob("*.png"))) == 3


def test_scraper_leaves_pyplot_figures_to_the_matplotlib_scraper(scraper, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (tmp_path / "images").mkdir()
    fig = plt.figure()
    try:
        assert scraper(None, _block_vars(tmp_path, {"fig": fig}), _conf(tmp_path)) == ""
        plt.close(fig)  # closed pyplot figures stay pyplot's
        assert scraper(None, _block_vars(tmp_path, {"fig": fig}), _conf(tmp_path)) == ""
    finally:
        plt.close("all")


def test_scraper_starts_afresh_for_each_example(scraper, tmp_path):
    import glassnet as gn

    (tmp_path / "images").mkdir()
    fig = gn.plots.plot_activation_functions(["relu"])
    assert scraper(None, _block_vars(tmp_path, {"fig": fig}, "plot_a.py"), _conf(tmp_path))
    assert scraper(None, _block_vars(tmp_path, {"fig": fig}, "plot_b.py"), _conf(tmp_path))
