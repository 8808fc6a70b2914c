"""Sphinx configuration: the user guide, the API reference (numpydoc) and the example gallery (sphinx-gallery).

The site builds offline: no intersphinx, no CDN. Formulas are typeset by the copy of MathJax in
``_static/mathjax`` (Apache-2.0, its licence beside it), and the theme's fonts and icons ship with the theme.
The examples run during the build, so an example that fails fails the build::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))  # the source next to these docs, even where another copy is installed
sys.path.insert(0, str(HERE))  # _scraper, _glassnet_directives

os.environ.setdefault("MPLBACKEND", "Agg")

import glassnet  # noqa: E402

project = "glassnet"
author = "the glassnet authors"
copyright = "the glassnet authors, MIT licence"
release = glassnet.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "_glassnet_directives",  # glassnet's own output (command help, diagnosis rules) rendered at build time
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5", "auto_examples/*.codeobj.json"]
root_doc = "index"
default_role = "py:obj"  # `name` in a docstring links to the object when Sphinx knows it, else reads as code

# -- API reference ---------------------------------------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's __all__ is its public face: document exactly that
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types, in words
autoclass_content = "class"
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_show_inherited_class_members = False
numpydoc_attributes_as_param_list = True
numpydoc_validation_checks: set[str] = set()

# -- Formulas: MathJax from this site, never from a CDN -------------------------------------------------------
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {
    # No context menu: its accessibility tools would fetch their speech rules from a CDN.
    "options": {"enableMenu": False},
}

# -- HTML ------------------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"glassnet {release}"
html_static_path = ["_static"]
html_css_files = ["glassnet.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navbar_end": ["theme-switcher"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # the examples' code is 120 characters wide: their pages give the page's table of contents room to it
    "secondary_sidebar_items": {"api/**": ["page-toc"], "guide/**": ["page-toc"], "install": ["page-toc"],
                                "auto_examples/**": []},
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "pygments_light_style": "tango",
    "pygments_dark_style": "monokai",
}
html_sidebars = {"index": []}

# -- The example gallery ---------------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every example
    "within_subsection_order": "FileNameSortKey",  # plot_01_..., plot_02_...: the learning path in order
    # glassnet's figures are not registered with pyplot: the second scraper finds them in the example's names
    "image_scrapers": ("matplotlib", "_scraper.glassnet_figures"),
    "ignore_repr_types": r"[Ff]igure",  # a figure ending a block is shown as itself (scraped), not as "<Figure>"
    "run_stale_examples": True,  # every build runs every example, so a change in src/ that breaks one fails it
    "abort_on_example_error": False,  # run them all, then fail the build listing every broken one
    "only_warn_on_example_error": False,
    "download_all_examples": True,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "write_computation_times": False,  # its page loads DataTables and Bootstrap from CDNs
    "doc_module": ("glassnet",),
    "backreferences_dir": "api/backreferences",
    "inspect_global_variables": False,
    "thumbnail_size": (400, 280),
    "default_thumb_file": str(HERE / "images" / "xor_hidden_units.png"),
    "reset_modules": ("matplotlib",),
}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn adds to every estimator (metadata routing)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
