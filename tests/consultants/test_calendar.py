"""The month calendar of visits: each visit on its day, in the user's scope only, cancelled ones
left out, months to step through, and a bad month that falls back to this one."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=9, minute=30):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def cell(page, day):
    """The grid cell of a day (YYYY-MM-DD), as HTML."""
    start = page.index(f'data-day="{day}"')
    return page[start : page.index("</td>", start)]


@pytest.fixture
def visits(consultant1, consultant2):
    zj = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Ningbo Valves"))
    sc = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Chengdu Foods", province=province("SC")))
    return {
        "ningbo": assigned_visit(consultant1, zj, planned_at=at(2026, 11, 18, 14, 0)),
        "cancelled": assigned_visit(consultant1, zj, planned_at=at(2026, 11, 20), status="cancelled"),
        "chengdu": assigned_visit(consultant2, sc, planned_at=at(2026, 11, 18), status="approved"),
    }


def test_a_visit_shows_on_its_day_and_links_to_it(client_for, consultant1, visits):
    page = client_for(consultant1).get("/visits/calendar/?month=2026-11").content.decode()
    assert "November 2026" in page
    day = cell(page, "2026-11-18")
    assert "14:00" in day and "Ningbo Valves" in day and f'href="/visits/{visits["ningbo"].pk}/"' in day
    assert "Planned" in day and "text-bg-primary" in day
    assert "Ningbo" not in cell(page, "2026-11-17") and "Ningbo" not in cell(page, "2026-11-19")
    assert "Ningbo" not in cell(page, "2026-11-20")  # the cancelled visit is left out
    assert page.count(f'href="/visits/{visits["ningbo"].pk}/"') == 2  # once in the grid, once in the phone list
    assert "Chengdu" not in page


def test_the_grid_starts_on_monday_and_has_prev_and_next_months(client_for, consultant1, visits):
    page = client_for(consultant1).get("/visits/calendar/?month=2026-11").content.decode()
    # November 2026 begins on a Sunday: the first row starts on Monday 26 October.
    assert re.findall(r'data-day="([\d-]+)"', page)[0] == "2026-10-26"
    assert "Mon" in page[page.index("<thead>") : page.index("</thead>")].split("</th>")[0]
    assert 'href="?month=2026-10"' in page and 'href="?month=2026-12"' in page
    december = client_for(consultant1).get("/visits/calendar/?month=2026-12").content.decode()
    assert "Ningbo Valves" not in december and "No visit this month." in december


def test_a_coordinator_sees_their_province_only(client_for, coordinator_sc, coordinator_zj, visits):
    sc = client_for(coordinator_sc).get("/visits/calendar/?month=2026-11").content.decode()
    assert "Chengdu Foods" in cell(sc, "2026-11-18") and "Ningbo" not in sc
    assert "text-bg-success" in cell(sc, "2026-11-18")  # approved
    zj = client_for(coordinator_zj).get("/visits/calendar/?month=2026-11").content.decode()
    assert "Ningbo Valves" in cell(zj, "2026-11-18") and "Chengdu" not in zj


def test_another_consultants_visit_is_not_shown(client_for, consultant2, visits):
    page = client_for(consultant2).get("/visits/calendar/?month=2026-11").content.decode()
    assert "Chengdu Foods" in page and "Ningbo" not in page


@pytest.mark.parametrize("month", ["2026-13", "november", "0000-01", "2026-11-01", "99999-01", ""])
def test_a_bad_month_shows_this_month(client_for, consultant1, month):
    response = client_for(consultant1).get("/visits/calendar/", {"month": month})
    assert response.status_code == 200
    today = timezone.localdate()
    page = response.content.decode()
    assert 'data-testid="today"' in page and f'data-day="{today:%Y-%m-%d}"' in page
    assert f'href="?month={today:%Y-%m}"' not in page  # no "This month" link when already there


def test_the_month_costs_one_query_for_its_visits(client_for, consultant1, visits, django_assert_max_num_queries):
    client = client_for(consultant1)
    client.get("/visits/calendar/?month=2026-11")
    with django_assert_max_num_queries(20) as few:
        client.get("/visits/calendar/?month=2026-11")
    enrolment = visits["ningbo"].enrolment
    for day in range(1, 29):
        assigned_visit(consultant1, enrolment, planned_at=at(2026, 11, day, 8, 0))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/visits/calendar/?month=2026-11").content.decode()
    assert page.count("08:00") == 56  # 28 visits, each in the grid and in the phone list


def test_the_visit_list_links_to_the_calendar(client_for, consultant1):
    assert 'href="/visits/calendar/"' in client_for(consultant1).get("/visits/").content.decode()
