"""Escaping for the parts of pages written out in Python.

``escape_html(value)`` gives what Django's ``conditional_escape`` gives (what ``{{ value }}``
writes under autoescaping, for a value that needs no localising): a value that knows its own HTML
keeps it, anything else is escaped as ``html.escape`` does, which is what Django's ``escape``
calls. It skips the wrapper Django puts around ``escape`` for lazy translations (a lazy value is
turned into text here), which cost a select of twenty options more than writing them.
``tests/score_portal/test_escaping.py`` compares the two on every kind of value.
"""

import html

from django.utils.safestring import SafeString


def escape_html(value):
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def format_safe(template, *args, **kwargs):
    """``format_html`` with ``escape_html``: ``template`` is the page's own HTML; every value put
    into it is escaped, or kept when it is HTML already."""
    values = [escape_html(value) for value in args]
    named = {name: escape_html(value) for name, value in kwargs.items()}
    return SafeString(template.format(*values, **named))  # nosec B703 B308  # every value escaped above


def join_safe(pieces):
    """The pieces one after the other, each escaped unless it is HTML already."""
    return SafeString("".join(escape_html(piece) for piece in pieces))  # nosec B703 B308  # escaped
