"""The one Jinja environment of the reports (town pages, the index, the PDF and the shortlist
page) and what every page inlines: the stylesheet, the live diagnostic's script and JSON safe
inside a <script> element.

Autoescaping is on for every template: the templates are `.html.j2`, which `select_autoescape`
would not recognise, so it is forced rather than chosen by extension.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import plotly.io.json as plotly_json
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from reports import fmt

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiling the templates costs more than rendering a page (~0.15 s): Jinja keeps the
        # compiled code in its per-user cache directory, keyed by template path and checked
        # against the source's checksum, so an edited template is compiled again.
        bytecode_cache=FileSystemBytecodeCache(),
    )
    env.filters.update(fmt.FILTERS)
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


@cache
def static(name: str) -> Markup:
    # The repository's own stylesheet and scripts, inlined so that each page is self-contained.
    return Markup((STATIC / name).read_text(encoding="utf-8"))


def css() -> Markup:
    return static("report.css")


def live_js() -> Markup:
    return static("live.js")


def script_json(payload) -> Markup:
    """JSON safe inside a <script> element: '<', '>' and '&' are written as unicode escapes, so
    no data value can close the element."""
    text = plotly_json.to_json_plotly(payload)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
