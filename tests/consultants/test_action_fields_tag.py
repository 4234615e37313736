"""{% action_fields %} writes each action's form fields on the visit page in Python. Its HTML must
be what the included template it replaced gave (kept here as the reference): for an action agreed
on the visit (every field) and an earlier one (status and result), with or without an owner, with
text that must be escaped, in both languages."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils.translation import override

from consultants.models import ActionStatus, ImprovementAction

REFERENCE = Template(
    """{% load i18n portal %}
{% if full %}
<div class="mb-2">
  <label class="form-label small"
    for="a{{ action.pk }}-description">{% translate "Action" context "improvement action" %}</label>
  <textarea class="form-control" id="a{{ action.pk }}-description"
    name="a{{ action.pk }}-description" rows="2" required>{{ action.description }}</textarea>
</div>
<div class="row g-2 mb-2">
  <div class="col-12 col-sm-6">
    <label class="form-label small" for="a{{ action.pk }}-owner">{% translate "Owner" %}</label>
    <select class="form-select" id="a{{ action.pk }}-owner" name="a{{ action.pk }}-owner">
      <option value="">—</option>
      {% options owner_options action.owner_id %}
    </select>
  </div>
  <div class="col-12 col-sm-6">
    <label class="form-label small" for="a{{ action.pk }}-due_on">{% translate "Due" %}</label>
    <input class="form-control" type="date" id="a{{ action.pk }}-due_on" name="a{{ action.pk }}-due_on"
      value="{{ action.due_on|date:'Y-m-d' }}" required>
  </div>
</div>
{% endif %}
<div class="row g-2 mb-2">
  <div class="col-12 col-sm-4">
    <label class="form-label small" for="a{{ action.pk }}-status">{% translate "Status" %}</label>
    <select class="form-select" id="a{{ action.pk }}-status" name="a{{ action.pk }}-status">
      {% options statuses action.status %}
    </select>
  </div>
  <div class="col-12 col-sm-8">
    <label class="form-label small" for="a{{ action.pk }}-result">{% translate "Result" %}</label>
    <textarea class="form-control" id="a{{ action.pk }}-result" name="a{{ action.pk }}-result"
      rows="1">{{ action.result }}</textarea>
  </div>
</div>"""
)
TAG = Template("{% load visit_page %}{% action_fields action full owner_options statuses %}")
OWNERS = [(11, "王芳 · Management"), (12, 'Li <Wei> & "Co" · Worker'), (13, "马涛 · Worker")]


def same_html(text):
    """Whitespace between elements is not part of what a browser shows."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(text))).strip()


def actions():
    yield ImprovementAction(
        pk=7, description="建立设备点检表", owner_id=12, due_on=datetime.date(2027, 1, 5), status="open"
    )
    yield ImprovementAction(
        pk=2147483646,
        description='Fix the <script>alert("x")</script> & the "5S" board',
        owner_id=None,
        due_on=datetime.date(2026, 3, 9),
        status="in_progress",
        result="Half done <b>not bold</b> & 'quoted'",
    )
    yield ImprovementAction(
        pk=3, description="Line one\nline two", owner_id=99, due_on=datetime.date(999, 1, 2), status="done"
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("action", list(actions()), ids=lambda a: str(a.pk))
def test_the_same_html_as_the_template(language, full, action):
    with override(language):
        statuses = [(value, str(label)) for value, label in ActionStatus.choices]
        context = {"action": action, "full": full, "owner_options": OWNERS, "statuses": statuses}
        expected = REFERENCE.render(Context(context))
        written = TAG.render(Context(context))
    assert same_html(written) == same_html(expected)
    assert ("-description" in written) is full
    if language == "zh-hans":
        assert "状态" in written


def test_what_is_typed_is_escaped_and_the_choices_kept():
    action = list(actions())[1]
    statuses = [(value, str(label)) for value, label in ActionStatus.choices]
    written = TAG.render(Context({"action": action, "full": True, "owner_options": OWNERS, "statuses": statuses}))
    assert "<script>" not in written and "&lt;script&gt;" in written
    assert "<b>" not in written
    assert '<option value="in_progress" selected>' in written
    assert 'value="12">Li &lt;Wei&gt; &amp; &quot;Co&quot; · Worker</option>' in written
    assert 'name="a2147483646-due_on" value="2026-03-09"' in written
