"""{% action_rows %} writes the action board's rows in Python. Its HTML must be what the template
loop it replaced gave (kept here as the reference), for rows that can and cannot be updated, late
or not, with or without an owner and a later visit, with text that must be escaped, in both
languages."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils.translation import override

from consultants.models import ImprovementAction
from enterprises.models import EITMember, Enterprise

# The loop of templates/consultants/action_board.html before the rows were written in Python.
LOOP = (Path(__file__).parent / "action_rows_reference.html").read_text()
REFERENCE = Template(
    """{% load i18n %}{% translate "Enterprise" as t_enterprise %}{% translate "Owner" as t_owner %}"""
    """{% translate "Due" as t_due %}{% translate "Overdue" as t_overdue %}"""
    """{% translate "Status and result" as t_status_result %}{% translate "Status" as t_status %}"""
    """{% translate "Result" as t_result %}{% translate "Update" as t_update %}"""
    """{% translate "Agreed on the visit" as t_agreed %}"""
    """{% translate "Last updated on the visit of" as t_last_updated %}""" + LOOP
)
TAG = Template("{% load action_board %}{% action_rows rows here csrf_token %}")
MENU = '<option value="open" selected>Open</option><option value="done">Done</option>'


def same_html(text):
    """Whitespace between elements is not part of what a browser shows."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(text))).strip()


def row(pk, **shown):
    action = ImprovementAction(
        pk=pk,
        description=shown.pop("description", "Mark the walkways"),
        due_on=datetime.date(2026, 11, 2),
        status=shown.pop("status", "open"),
        result=shown.pop("result", ""),
        visit_id=40 + pk,
    )
    action.enterprise = Enterprise(pk=pk, name_en="Ningbo <Tools> & Co", name_zh="宁波工具")
    action.owner = shown.pop("owner", None)
    defaults = {
        "key": str(pk),
        "can_update": True,
        "overdue": False,
        "status_menu": MENU,
        "enterprise_url": f"/enterprises/{pk}/",
        "update_url": f"/actions/{pk}/update/",
        "agreed_url": f"/visits/{40 + pk}/",
        "agreed_on": "2026-10-01",
        "agreed_module": "WC",
        "agreed_by": "Zhang Min",
        "updated_on": "",
        "updated_url": "",
    }
    for name, value in {**defaults, **shown}.items():
        setattr(action, name, value)
    return action


def rows():
    yield row(1)
    yield row(
        2,
        description="Line one\nline <two> & 'three'",
        owner=EITMember(name="王芳 <b>", side="management"),
        overdue=True,
        days_late="12 days late",
        result='Half "done"',
        updated_on="2026-11-20",
        updated_url="/visits/99/",
    )
    yield row(3, can_update=False, status="done", result="Finished <ok>", agreed_by="李 & 王")
    yield row(4, can_update=False, overdue=True, days_late="1 day late", owner=EITMember(name="Li", side="worker"))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_same_html_as_the_template_loop(language):
    context = {"rows": list(rows()), "here": "/actions/?q=a&status=open", "csrf_token": "tok<en>"}
    with override(language):
        expected = REFERENCE.render(Context(context))
        written = TAG.render(Context(context))
    assert same_html(written) == same_html(expected)
    assert written.count('data-testid="action-row"') == 4
    assert "<b>" not in written and "王芳 &lt;b&gt;" in written
    assert 'value="/actions/?q=a&amp;status=open"' in written
