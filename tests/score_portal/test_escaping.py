"""escape_html must write what Django's conditional_escape writes, for every kind of value the
pages pass it."""

import datetime
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from score_portal.escaping import escape_html


class OwnHTML:
    def __html__(self):
        return "<em>own</em>"


VALUES = [
    "plain",
    "",
    "Wang <b> & 'Li' \"x\"",
    "王芳 · 管理层",
    "'\"<>&",
    mark_safe("<b>kept</b>"),
    SafeString("a & b"),
    format_html("<i>{}</i>", "<x>"),
    gettext_lazy("Province"),
    7,
    0,
    Decimal("12.5000"),
    None,
    datetime.date(2026, 12, 7),
    OwnHTML(),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_same_as_conditional_escape(value, language):
    with override(language):
        assert escape_html(value) == str(conditional_escape(value))


def test_text_is_escaped_and_html_kept():
    assert escape_html("<script>alert('x')</script>") == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert escape_html(mark_safe("<b>kept</b>")) == "<b>kept</b>"
    with override("zh-hans"):
        assert escape_html(gettext_lazy("Province")) == "省份"
