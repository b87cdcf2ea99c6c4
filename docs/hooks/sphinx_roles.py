"""A griffe extension for the API reference: the docstrings' Sphinx roles become links.

The docstrings cross-reference in Sphinx's way (``:func:`~expressivity.functions.parse_function```),
which mkdocstrings does not read. Each role becomes an optional autorefs link: a link where the
object is on some page of the reference, plain code where it is not (a private helper, say), never
a build warning. A name without a dot is looked up in the docstring's own module first.
Loaded by mkdocs.yml (``extensions`` of the python handler); it changes no docstring in the source.
"""
from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|mod|data|meth|attr|exc|obj|const):`(~?)([\w.]+)(\(\))?`")


def link(match: re.Match, module: str) -> str:
    short, target, call = match.group(1), match.group(2), match.group(3) or ""
    title = target.rsplit(".", 1)[-1] if short else target
    identifier = target if "." in target and target.startswith("expressivity") else f"{module}.{target}"
    return f'<autoref identifier="{identifier}" optional><code>{title}{call}</code></autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        docstring = obj.docstring
        if docstring is None or ":`" not in docstring.value:
            return
        module = obj.module.path
        docstring.value = ROLE.sub(lambda match: link(match, module), docstring.value)
