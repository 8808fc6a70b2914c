"""Sphinx helpers for glassnet's pages: two directives, and links for the names ``glassnet`` re-exports.

The directives fill pages with what glassnet itself says, at build time, so the pages cannot drift.

``.. glassnet-command:: ARGS`` runs ``glassnet ARGS`` in-process (click's test runner) and shows the command
line with its output; a command that fails fails the build.

``.. glassnet-diagnosis-rules::`` renders the rules of :func:`glassnet.analysis.diagnose` as a table, from
``glassnet.analysis.DIAGNOSIS_TABLE``.

A name written as ``glassnet.MLPClassifier`` (as users write it, ``gn.MLPClassifier``) is documented where it is
defined, ``glassnet.estimators.MLPClassifier``; references to the short name are resolved to the documented one.
"""

from __future__ import annotations

import re
import shlex

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList


class GlassnetCommand(Directive):
    """Run ``glassnet ARGS`` and show ``$ glassnet ARGS`` followed by what it printed."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self):
        from click.testing import CliRunner

        from glassnet.cli import cli

        args = shlex.split(self.arguments[0])
        result = CliRunner().invoke(cli, args, prog_name="glassnet", catch_exceptions=True)
        if result.exit_code != 0:
            raise self.error(f"glassnet {self.arguments[0]} exited with {result.exit_code}:\n{result.output}"
                             + (f"\n{result.exception!r}" if result.exception else ""))
        text = f"$ glassnet {self.arguments[0]}\n{result.output.rstrip()}"
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


class GlassnetDiagnosisRules(Directive):
    """The diagnosis rules as a list-table: code, severity, when it fires, what it reads, advice."""

    has_content = False

    def run(self):
        import glassnet as gn

        lines = [line for line in gn.analysis.DIAGNOSIS_TABLE.splitlines() if line.strip()]
        header, rows = _cells(lines[0]), [_cells(line) for line in lines[2:]]
        rst = [".. list-table::", "   :header-rows: 1", "   :widths: 19 9 34 14 24", "   :class: glassnet-rules", ""]
        for row in [header, *rows]:
            for k, cell in enumerate(row):
                rst.append(f"   {'* -' if k == 0 else '  -'} {_literal(cell)}")
        container = nodes.container()
        self.state.nested_parse(StringList(rst, source="glassnet.analysis.DIAGNOSIS_TABLE"), self.content_offset,
                                container)
        return container.children


def _cells(line: str) -> list[str]:
    """The cells of one Markdown table row (``\\|`` is a literal bar inside a cell)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _literal(cell: str) -> str:
    """Markdown's `code` as reST's ``code``; a bar outside code is escaped (reST reads ``|x|`` as a substitution)."""
    parts = re.split(r"(`[^`]+`)", cell)
    return "".join(f"`{part}`" if part.startswith("`") else part.replace("|", "\\|") for part in parts)


#: the modules whose names ``glassnet`` re-exports, where a reference to ``glassnet.NAME`` is looked up
REEXPORTED_FROM = ("layers", "training", "io", "perceptron", "estimators", "interop")


def _resolve_reexport(app, env, node, contnode):
    """Resolve ``glassnet.NAME`` to the documented ``glassnet.MODULE.NAME`` of the module that re-exports it."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    prefix, _, name = target.rpartition(".")
    if prefix != "glassnet" or not name:
        return None
    domain = env.get_domain("py")
    for module in REEXPORTED_FROM:
        candidate = f"glassnet.{module}.{name}"
        if candidate in domain.objects:
            return domain.resolve_xref(env, node.get("refdoc", ""), app.builder, node.get("reftype", "obj"),
                                       candidate, node, contnode)
    return None


def setup(app):
    app.add_directive("glassnet-command", GlassnetCommand)
    app.add_directive("glassnet-diagnosis-rules", GlassnetDiagnosisRules)
    app.connect("missing-reference", _resolve_reexport)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
