"""Escaping for the parts of pages written out in Python.

``escape_html(value)`` gives what Django's ``conditional_escape`` gives (what ``{{ value }}``
writes under autoescaping, for a value that needs no localising): a value that knows its own HTML
keeps it, anything else is escaped as ``html.escape`` does, which is what Django's ``escape``
calls. It skips the wrapper Django puts around ``escape`` for lazy translations (a lazy value is
turned into text here), which cost a select of twenty options more than writing them.
``tests/score_portal/test_escaping.py`` compares the two on every kind of value.
"""

import html


def escape_html(value):
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
