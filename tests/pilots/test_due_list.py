"""The due list: every unit and period in scope with its status, late ones highlighted, filters,
paging, a constant number of queries; the coordinator's home panel and the navigation entry."""

import datetime
import re

import pytest
from django.utils import timezone

from pilots.models import ReportingRule
from tests.pilots.factories import Q1, PilotReportFactory, current_period, pilot_unit

pytestmark = pytest.mark.django_db


def rows(page):
    return re.findall(r'<tr class="([^"]*)" data-testid="due-row">(.*?)</tr>', page, re.S)


def row_for(page, unit_name, start):
    return [(cls, html) for cls, html in rows(page) if unit_name in html and f"/{start.isoformat()}/" in html]


def test_late_reports_are_highlighted(client_for, coordinator_zj):
    unit = pilot_unit("ZJ", name_en="Huzhou Management Centre")
    on_time = pilot_unit("ZJ", name_en="Ningbo Management Centre")
    late_one = pilot_unit("ZJ", name_en="Shaoxing Management Centre")
    due = datetime.datetime(2026, 4, 15, 12, tzinfo=timezone.get_current_timezone())
    PilotReportFactory(unit=on_time, status="approved", submitted_at=due - datetime.timedelta(days=3))
    PilotReportFactory(unit=late_one, status="submitted", submitted_at=due + datetime.timedelta(days=2))
    page = client_for(coordinator_zj).get("/pilot-reports/").content.decode()
    [(cls, html)] = row_for(page, "Huzhou", Q1)
    assert "table-danger" in cls and 'data-testid="late"' in html and "Not started" in html and "2026-04-15" in html
    [(cls, html)] = row_for(page, "Ningbo", Q1)
    assert cls == "" and "Approved" in html and "late" not in html.lower()
    [(cls, html)] = row_for(page, "Shaoxing", Q1)
    assert "table-warning" in cls and "Submitted late" in html
    [(cls, html)] = row_for(page, "Huzhou", current_period().start)  # not due yet
    assert cls == "" and "Not started" in html
    assert unit.pk


def test_filters_and_scope(client_for, admin, coordinator_zj, coordinator_sc):
    zj = pilot_unit("ZJ", name_en="Ningbo Management Centre")
    sc = pilot_unit("SC", name_en="Chengdu Pilot")
    PilotReportFactory(unit=zj, status="approved")
    PilotReportFactory(unit=sc, status="returned")
    assert "Chengdu Pilot" not in client_for(coordinator_zj).get("/pilot-reports/").content.decode()
    assert "Ningbo" not in client_for(coordinator_sc).get("/pilot-reports/").content.decode()
    client = client_for(admin)
    page = client.get(f"/pilot-reports/?province={sc.province_id}").content.decode()
    assert "Chengdu Pilot" in page and "Ningbo" not in page
    page = client.get("/pilot-reports/?status=approved").content.decode()
    assert len(rows(page)) == 1 and "Ningbo" in page
    page = client.get("/pilot-reports/?status=not_started").content.decode()
    assert len(rows(page)) == 2 * len(ReportingRule.load().periods()) - 2
    page = client.get("/pilot-reports/?late=on").content.decode()
    late = rows(page)
    assert late and all("table-danger" in cls or "table-warning" in cls for cls, _html in late)
    assert not row_for(page, "Ningbo", Q1)  # approved on time is not late
    assert row_for(page, "Chengdu", Q1)  # returned and past due: still owed
    assert 'name="province"' not in client_for(coordinator_zj).get("/pilot-reports/").content.decode()


def test_the_list_is_paged(client_for, admin):
    for n in range(12):
        pilot_unit("ZJ", name_en=f"Unit {n:02d}")
    page = client_for(admin).get("/pilot-reports/").content.decode()
    periods = len(ReportingRule.load().periods())
    assert len(rows(page)) == min(30, 12 * periods)
    if 12 * periods > 30:
        assert "Page 1 of" in page
        assert len(rows(client_for(admin).get("/pilot-reports/?page=2").content.decode())) > 0


def test_the_list_costs_the_same_queries_as_units_grow(
    client_for, admin, coordinator_zj, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in (admin, coordinator_zj):
        client = client_for(user)
        PilotReportFactory(unit=pilot_unit("ZJ"), status="approved")
        client.get("/pilot-reports/")
        with CaptureQueriesContext(connection) as few:
            client.get("/pilot-reports/?late=on")
        for _ in range(6):
            PilotReportFactory(unit=pilot_unit("ZJ"), status="submitted")
            pilot_unit("ZJ")
        with django_assert_max_num_queries(len(few)):
            page = client.get("/pilot-reports/?late=on").content.decode()
        assert len(rows(page)) >= 7


def test_the_coordinators_dashboard_lists_what_is_due(client_for, coordinator_zj, coordinator_sc):
    pilot_unit("ZJ", name_en="Huzhou Management Centre")
    page = client_for(coordinator_zj).get("/").content.decode()
    block = page.split('data-testid="block-pilot_reports"')[1].split("</section>")[0]
    assert "Pilot-unit reports due" in block and "Huzhou" in block
    assert "Late by" in block and f"/{Q1.isoformat()}/" in block  # Q1 2026 is long past due
    assert f"/{current_period().start.isoformat()}/" in block  # the next one due
    page = client_for(coordinator_sc).get("/").content.decode()
    block = page.split('data-testid="block-pilot_reports"')[1].split("</section>")[0]
    assert "Huzhou" not in block and "Nothing here." in block


def test_navigation_entry_for_staff_only(client_for, admin, coordinator_zj, consultant1):
    assert 'href="/pilot-reports/"' in client_for(admin).get("/").content.decode()
    assert 'href="/pilot-reports/"' in client_for(coordinator_zj).get("/").content.decode()
    assert 'href="/pilot-reports/"' not in client_for(consultant1).get("/").content.decode()
