"""The coordinator's and the consultant's dashboards: each list and the KPI trend checked against
a small world counted by hand, nothing outside the user's scope, exports that hold what the page
shows, a constant number of queries, and figures that follow the records at once."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultants import services
from consultants.models import ImprovementAction, Visit
from pilots.models import ReportingRule
from tests.consultants.factories import assigned_visit, profile
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory, MeasurementFactory, SessionFactory, indicator
from tests.pilots.factories import PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOW = timezone.now()


def days(n):
    return datetime.timedelta(days=n)


def export(client, key, query="period=2026"):
    response = client.get(f"/dashboard/?{query}&export={key}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    body = rows[1 : rows.index([None] * len(rows[0]))] if [None] * len(rows[0]) in rows else rows[1:]
    return rows[0], [row for row in body if any(cell is not None for cell in row)]


def first_cells(client, key):
    return [row[0] for row in export(client, key)[1]]


def work(client):
    """The "what needs you" table: {list title: how many}."""
    return dict(export(client, "work")[1])


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def action(visit, due, status="open", text="Mark the walkways"):
    return ImprovementAction.objects.create(
        enterprise=visit.enrolment.enterprise, visit=visit, description=text, due_on=due, status=status
    )


@pytest.fixture
def world(consultant1, consultant2):
    """Zhejiang: Anji Tea (consultant1), Beilun Tools (consultant2), Cixi Paper (never visited),
    Dinghai Fish (archived). Sichuan: Shu Silk (consultant2). Counted by hand in each test."""
    zj, sc = province("ZJ"), province("SC")
    anji = EnterpriseFactory(name_en="Anji Tea", province=zj, status="active")
    beilun = EnterpriseFactory(name_en="Beilun Tools", province=zj, status="active")
    cixi = EnterpriseFactory(name_en="Cixi Paper", province=zj, status="enrolled")
    dinghai = EnterpriseFactory(name_en="Dinghai Fish", province=zj, status="active", archived_at=NOW)
    shu = EnterpriseFactory(name_en="Shu Silk", province=sc, status="active")
    EnrolmentFactory(enterprise=cixi)
    EnrolmentFactory(enterprise=dinghai)
    a, b, s = (EnrolmentFactory(enterprise=e) for e in (anji, beilun, shu))
    v = {
        "waiting": assigned_visit(
            consultant1, a, status="submitted", held_on=TODAY - days(3), planned_at=NOW - days(3)
        ),
        "late_planned": assigned_visit(consultant1, a, status="planned", planned_at=NOW - days(10)),
        "late_draft": assigned_visit(consultant2, b, status="draft", planned_at=NOW - days(20)),
        "next": assigned_visit(consultant1, a, status="planned", planned_at=NOW + days(2)),
        "returned": assigned_visit(
            consultant1,
            a,
            status="returned",
            planned_at=NOW - days(4),
            held_on=TODAY - days(4),
            review_comment="Add the KPI readings",
        ),
        "draft": assigned_visit(consultant1, a, status="draft", planned_at=NOW - days(1)),
        "beilun_held": assigned_visit(
            consultant2, b, status="approved", held_on=TODAY - days(30), planned_at=NOW - days(30)
        ),
        "shu_waiting": assigned_visit(
            consultant2, s, status="submitted", held_on=TODAY - days(2), planned_at=NOW - days(2)
        ),
        "shu_late": assigned_visit(consultant2, s, status="planned", planned_at=NOW - days(15)),
    }
    action(v["waiting"], TODAY - days(5), text="Anji overdue")
    action(v["waiting"], TODAY + days(10), text="Anji open")
    action(v["beilun_held"], TODAY - days(1), status="in_progress", text="Beilun overdue")
    action(v["beilun_held"], TODAY - days(10), status="done", text="Beilun done")
    action(v["shu_waiting"], TODAY - days(3), text="Shu overdue")
    SessionFactory(province=zj, venue="Ningbo hall", starts_on=TODAY + days(7), ends_on=TODAY + days(8))
    SessionFactory(province=zj, venue="Long ago", starts_on=TODAY - days(90), ends_on=TODAY - days(89))
    SessionFactory(province=sc, venue="Chengdu hall", starts_on=TODAY + days(5), ends_on=TODAY + days(5))
    return {"visits": v, "anji": anji, "beilun": beilun, "cixi": cixi, "shu": shu}


def test_the_coordinator_sees_the_work_waiting_in_their_province(world, coordinator_zj, client_for):
    client = client_for(coordinator_zj)
    assert work(client) == {
        "Visits waiting for approval": 1,
        "Overdue visits": 2,
        "Overdue improvement actions": 2,
        "Pilot-unit reports due": 0,
        "Enterprises with no visit in 60 days": 1,
        "Classroom sessions coming up": 1,
    }
    assert first_cells(client, "review") == ["Anji Tea"]
    assert first_cells(client, "overdue_visits") == ["Beilun Tools", "Anji Tea"]  # the longest overdue first
    header, rows = export(client, "overdue_visits")
    assert [row[header.index("Status")] for row in rows] == ["Draft", "Planned"]
    header, rows = export(client, "overdue_actions")
    assert [(row[0], row[1], row[header.index("Days overdue")]) for row in rows] == [
        ("Anji Tea", "Anji overdue", 5),
        ("Beilun Tools", "Beilun overdue", 1),
    ]
    assert first_cells(client, "no_visit") == ["Cixi Paper"]  # never visited; Dinghai is archived
    assert first_cells(client, "sessions") == ["WC"]
    page = client.get("/").content.decode()
    assert "1 visit submitted and waiting for your approval." in page
    assert "2 of 3 open improvement actions are past their due date." in page
    assert "Waiting for approval: 1. Overdue: 2 visits and 2 improvement actions." in page
    assert f'href="{reverse("consultants:visit", args=[world["visits"]["waiting"].pk])}"' in page


def test_the_coordinator_of_another_province_counts_nothing_of_it(world, coordinator_sc, client_for):
    client = client_for(coordinator_sc)
    counts = work(client)
    assert counts["Visits waiting for approval"] == 1 and counts["Overdue visits"] == 1
    assert counts["Overdue improvement actions"] == 1 and counts["Enterprises with no visit in 60 days"] == 0
    page = client.get("/").content.decode()
    for name in ("Anji Tea", "Beilun Tools", "Cixi Paper", "Ningbo hall"):
        assert name not in page
    assert first_cells(client, "review") == ["Shu Silk"]
    # Asking for Zhejiang by its number changes nothing: the filter only offers their provinces.
    assert work(client_for(coordinator_sc)) == dict(
        export(client, "work", f"period=2026&province={province('ZJ').pk}")[1]
    )


def test_the_consultant_sees_their_own_work_only(world, consultant1, consultant2, client_for):
    client = client_for(consultant1)
    assert work(client) == {
        "My next visits": 1,
        "Records not yet submitted": 2,  # the draft, and the planned visit whose day has passed
        "Visits returned to me": 1,
        "Open actions at my enterprises": 2,
    }
    header, rows = export(client, "returned")
    assert rows[0][0] == "Anji Tea" and rows[0][header.index("Comment")] == "Add the KPI readings"
    header, rows = export(client, "actions")
    assert [(row[1], row[header.index("Status")]) for row in rows] == [
        ("Anji overdue", "Overdue by 5 days"),
        ("Anji open", "Open"),
    ]
    page = client.get("/").content.decode()
    assert "Beilun" not in page and "Shu Silk" not in page
    assert 'name="province"' not in page  # a consultant's scope is their enterprises
    other = work(client_for(consultant2))
    assert other["Visits returned to me"] == 0 and other["Records not yet submitted"] == 2


def test_the_module_filter_narrows_every_list(world, coordinator_zj, client_for):
    client = client_for(coordinator_zj)
    counts = dict(export(client, "work", "period=2026&module=QM")[1])
    assert set(counts.values()) == {0}  # every enrolment here is Workplace Cooperation


def test_pilot_unit_reports_due_and_late(coordinator_zj, coordinator_sc, client_for):
    unit = pilot_unit("ZJ", name_en="Haining Leather")
    pilot_unit("SC", name_en="Mianyang Glass")
    periods = ReportingRule.load().periods()
    PilotReportFactory(unit=unit, period_start=periods[0].start, status="approved")
    late = [p for p in periods[1:] if p.due_on < TODAY]
    client = client_for(coordinator_zj)
    header, rows = export(client, "pilot_reports")
    assert [row[0] for row in rows] == ["Haining Leather"] * (len(late) + 1)  # the late ones, then the next due
    assert [row[1] for row in rows] == [p.label for p in late] + [periods[-1].label]
    assert sum(1 for row in rows if str(row[header.index("Status")]).startswith("Late by")) == len(late)
    assert rows[-1][header.index("Status")] == "Not started"
    assert work(client)["Pilot-unit reports due"] == len(late) + 1
    every_late = [p for p in periods if p.due_on < TODAY]  # Mianyang has sent none
    assert work(client_for(coordinator_sc))["Pilot-unit reports due"] == len(every_late) + 1


def test_kpi_trend_counted_by_hand_with_a_lower_is_better_kpi(consultant1, coordinator_zj, client_for):
    """Anji's output rises (higher is better) by Q2; Beilun's defect rate rises (lower is better)
    in Q3. So: Q1 nobody measured, Q2 one of one improved, Q3 and Q4 one of two."""
    anji = EnterpriseFactory(name_en="Anji Tea", province=province("ZJ"))
    beilun = EnterpriseFactory(name_en="Beilun Tools", province=province("ZJ"))
    assigned_visit(consultant1, EnrolmentFactory(enterprise=anji))
    output, defects = indicator("productivity"), indicator("defect_rate")
    assert (output.direction, defects.direction) == ("higher", "lower")
    MeasurementFactory(enterprise=anji, indicator=output, source="baseline", period=datetime.date(2026, 1, 1), value=10)
    MeasurementFactory(enterprise=anji, indicator=output, period=datetime.date(2026, 4, 1), value=12)
    MeasurementFactory(
        enterprise=beilun, indicator=defects, source="baseline", period=datetime.date(2026, 1, 1), value=5
    )
    MeasurementFactory(enterprise=beilun, indicator=defects, period=datetime.date(2026, 7, 1), value=6)
    header, rows = export(client_for(coordinator_zj), "kpi_trend")
    by_quarter = {row[0]: row[1:] for row in rows}
    assert by_quarter["2026 Q1"] == [0, 0, None]
    assert by_quarter["2026 Q2"] == [1, 1, 100]
    assert by_quarter["2026 Q3"] == [2, 1, 50]
    assert by_quarter["2026 Q4"] == [2, 1, 50]
    assert len(rows) == 8 and rows[0][0] == "2025 Q1"
    page = client_for(coordinator_zj).get("/?period=2026").content.decode()
    assert "At the end of 2026 Q4, 1 of 2 enterprises with a baseline and a later value had improved" in page
    # The consultant's trend counts only the enterprise assigned to them.
    _header, rows = export(client_for(consultant1), "kpi_trend")
    assert {row[0]: row[1:] for row in rows}["2026 Q4"] == [1, 1, 100]


def grow(n, consultant_user):
    """n more Zhejiang enterprises assigned to the consultant, each with a visit in every state,
    actions, KPI values and a session: every list grows."""
    for i in range(n):
        e = EnterpriseFactory(name_en=f"Grown {i}", province=province("ZJ"), status="active")
        enrolment = EnrolmentFactory(enterprise=e)
        for status, when in (("submitted", -3), ("planned", -10), ("planned", 3), ("returned", -4), ("draft", -1)):
            visit = assigned_visit(
                consultant_user,
                enrolment,
                status=status,
                planned_at=NOW + days(when),
                held_on=TODAY + days(when) if status in ("submitted", "returned") else None,
            )
        action(visit, TODAY - days(2))
        MeasurementFactory(enterprise=e, source="baseline", value=5)
        MeasurementFactory(enterprise=e, period=datetime.date(2026, 5, 1), value=4)
        SessionFactory(province=province("ZJ"), starts_on=TODAY + days(i + 1), ends_on=TODAY + days(i + 1))


@pytest.mark.parametrize("who", ["coordinator_zj", "consultant1"])
def test_the_same_queries_however_much_work_there_is(world, who, request, consultant1, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = request.getfixturevalue(who)
    client = client_for(user)
    client.get("/")  # the first page after signing in also renews the session: not counted here
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    grow(20, consultant1)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert "The first 15 of" in page  # the lists grew past what a page shows


def test_an_approval_takes_the_visit_off_the_list_at_once(world, coordinator_zj, client_for):
    client = client_for(coordinator_zj)
    assert work(client)["Visits waiting for approval"] == 1
    visit = Visit.objects.get(pk=world["visits"]["waiting"].pk)
    services.visit_transition(actor=coordinator_zj, visit=visit, action="approve", version=visit.version)
    assert work(client)["Visits waiting for approval"] == 0
    assert first_cells(client, "review") == []


def test_consultant_without_assignments_sees_an_empty_dashboard(consultant2, client_for):
    profile(consultant2)
    client = client_for(consultant2)
    assert set(work(client).values()) == {0}
    assert client.get("/dashboard/?module=NOPE&period=bad").status_code == 200
