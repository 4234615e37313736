"""escape_html must write what Django's conditional_escape writes, for every kind of value the
pages pass it; format_safe and join_safe, built on it, what format_html and joining safe HTML do."""

import datetime
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from score_portal.escaping import escape_html, format_safe, join_safe


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


def test_format_safe_escapes_every_value_and_keeps_html():
    written = format_safe('<p title="{}">{}{k}</p>', 'say "hi"', mark_safe("<b>kept</b>"), k="<i>")
    assert written == '<p title="say &quot;hi&quot;"><b>kept</b>&lt;i&gt;</p>'
    assert written == format_html('<p title="{}">{}{k}</p>', 'say "hi"', mark_safe("<b>kept</b>"), k="<i>")
    assert isinstance(written, SafeString)


def test_join_safe_escapes_text_and_keeps_html():
    joined = join_safe([format_safe("<li>{}</li>", "a & b"), "<raw>", mark_safe("<br>")])
    assert joined == "<li>a &amp; b</li>&lt;raw&gt;<br>"
    assert isinstance(joined, SafeString)
