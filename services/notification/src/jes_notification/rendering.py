"""The one environment the mail templates (templates/*.txt) are rendered in."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

# Plain-text mails: HTML escaping would corrupt names such as "A&B 估價".
templates = Environment(
    loader=PackageLoader("jes_notification", "templates"),
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    # The templates ship inside the package and never change while it runs: without this
    # every get_template stat()s the file to see whether it changed (once per mail).
    auto_reload=False,
)
