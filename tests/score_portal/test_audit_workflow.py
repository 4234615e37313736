"""Approvals, returns and reopenings are named in the audit log, so an administrator can search
for them: who approved which visit or pilot-unit report, when, from where, and the comment."""

import re

import pytest
from django.utils import timezone

from score_portal.models import AuditEvent
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory
from tests.pilots.factories import FIGURES, Q1, pilot_unit

pytestmark = pytest.mark.django_db


def rows(response):
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>") if "<td" in row]


def visit_step(client, visit, action, **data):
    visit.refresh_from_db()
    fields = {
        "action": action,
        "version": visit.version,
        "held_on": timezone.localdate().isoformat(),
        "duration_hours": "2",
        "activities": "Walked the line",
        "findings": "Oil near press 3",
    }
    return client.post(f"/visits/{visit.pk}/", {**fields, **data}, REMOTE_ADDR="10.1.2.3")


def test_a_visit_and_a_pilot_report_leave_named_steps_an_administrator_can_search(
    client_for, consultant1, coordinator_zj, admin
):
    enterprise = EnterpriseFactory(province=province("ZJ"), name_en="Ningbo Valves", name_zh="宁波阀门")
    visit = assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise))
    mine, coordinator = client_for(consultant1), client_for(coordinator_zj)
    visit_step(mine, visit, "submit")
    visit_step(coordinator, visit, "return", comment="Add the KPI readings")
    visit_step(mine, visit, "submit")
    visit_step(coordinator, visit, "approve")
    visit_step(coordinator, visit, "reopen", comment="Wrong date")

    unit = pilot_unit("ZJ", name_en="Shaoxing Management Centre", name_zh="绍兴管理中心")
    url = f"/pilot-reports/{unit.pk}/{Q1.isoformat()}/"
    figures = FIGURES
    client_for(coordinator_zj).post(url, {**figures, "action": "save", "version": 0})
    client_for(coordinator_zj).post(url, {**figures, "action": "submit", "version": 1})
    client_for(admin).post(url, {"action": "approve", "version": 3})

    steps = list(
        AuditEvent.objects.filter(target_type="consultants.visit", target_id=str(visit.pk))
        .order_by("created_at", "id")
        .values_list("action", "actor__email", "ip_address")
        .exclude(action__in=["created", "updated"])
    )
    assert steps == [
        ("submitted", consultant1.email, "10.1.2.3"),
        ("returned", coordinator_zj.email, "10.1.2.3"),
        ("submitted", consultant1.email, "10.1.2.3"),
        ("approved", coordinator_zj.email, "10.1.2.3"),
        ("reopened", coordinator_zj.email, "10.1.2.3"),
    ]
    report_steps = AuditEvent.objects.filter(target_type="pilots.pilotreport").values_list("action", flat=True)
    assert {"submitted", "approved"} <= set(report_steps)

    log = client_for(admin)
    approved = rows(log.get("/audit/", {"action": "approved"}))
    assert len(approved) == 2
    assert any("Visit:" in row and "Ningbo Valves" in row and coordinator_zj.email in row for row in approved)
    assert any("Pilot-unit report:" in row and admin.email in row for row in approved)
    returned = rows(log.get("/audit/", {"action": "returned"}))
    assert len(returned) == 1 and "“Add the KPI readings”" in returned[0] and "10.1.2.3" in returned[0]
    reopened = rows(log.get("/audit/", {"action": "reopened", "q": "Ningbo"}))
    assert len(reopened) == 1 and "Reopened" in reopened[0] and "“Wrong date”" in reopened[0]

    # The administrator reading Chinese sees the actions and record kinds in Chinese.
    admin.preferred_language = "zh-hans"
    admin.save()
    page = client_for(admin).get("/audit/", {"action": "approved"}).content.decode()
    assert "批准" in page and "试点单位报告" in page


def test_the_audit_log_is_for_administrators_only(client_for, coordinator_zj, consultant1):
    assert client_for(coordinator_zj).get("/audit/", {"action": "approved"}).status_code == 403
    assert client_for(consultant1).get("/audit/").status_code == 403
