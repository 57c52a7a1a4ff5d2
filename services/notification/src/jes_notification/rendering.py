"""The one environment the mail templates (templates/*.txt) are rendered in."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

# Plain-text mails: HTML escaping would corrupt names such as "A&B 估價".
templates = Environment(
    loader=PackageLoader("jes_notification", "templates"),
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
