"""Planned visits, "my next visits" and the private calendar feed."""

import datetime

import pytest
from django.utils import timezone

from consultants.models import Assignment, Visit
from tests.consultants.factories import profile
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(consultant1, consultant2):
    enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Shaoxing Centre", province=province("ZJ")))
    one, two = profile(consultant1, enrolment.module), profile(consultant2, enrolment.module)
    Assignment.objects.create(consultant=one, enrolment=enrolment)
    return one, two, enrolment


def when(days=3):
    return (timezone.localtime() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT09:30")


def plan(client, enrolment, **extra):
    data = {"enrolment": enrolment.pk, "visit_type": "consulting", "planned_at": when(), "duration_hours": "3"}
    return client.post("/visits/plan/", {**data, **extra})


def test_consultant_plans_a_visit_and_sees_it_next(client_for, consultant1, setup):
    one, _two, enrolment = setup
    client = client_for(consultant1)
    assert plan(client, enrolment).status_code == 302
    visit = Visit.objects.get()
    assert (visit.consultant, visit.status) == (one, "planned")
    assert "Shaoxing Centre" in client.get("/visits/").content.decode()
    assert "Shaoxing Centre" in client.get("/").content.decode()  # "My next visits" on the home page


def test_a_consultant_can_only_plan_for_assigned_enrolments(client_for, consultant2, setup):
    _one, _two, enrolment = setup
    response = plan(client_for(consultant2), enrolment)
    assert "Select a valid choice" in response.content.decode()
    assert not Visit.objects.exists()


def test_coordinator_plans_for_an_assigned_consultant_only(client_for, coordinator_zj, setup):
    one, two, enrolment = setup
    client = client_for(coordinator_zj)
    refused = plan(client, enrolment, consultant=two.pk)
    assert "not assigned to that enterprise" in refused.content.decode()
    plan(client, enrolment, consultant=one.pk)
    assert Visit.objects.get().consultant == one


def test_visits_are_seen_in_scope_only(client_for, coordinator_sc, consultant2, setup):
    one, _two, enrolment = setup
    Visit.objects.create(enrolment=enrolment, consultant=one, planned_at=timezone.now() + datetime.timedelta(days=1))
    assert "Shaoxing Centre" not in client_for(consultant2).get("/visits/").content.decode()
    assert "Shaoxing Centre" not in client_for(coordinator_sc).get("/visits/").content.decode()


def test_bad_duration_and_text_are_refused(client_for, consultant1, setup):
    _one, _two, enrolment = setup
    client = client_for(consultant1)
    assert "text such as “N/A” is not accepted" in plan(client, enrolment, duration_hours="N/A").content.decode()
    assert "between a few minutes and 12 hours" in plan(client, enrolment, duration_hours="30").content.decode()
    assert not Visit.objects.exists()


def test_calendar_feed_lists_the_visits_and_its_address_can_be_reset(client, client_for, consultant1, setup):
    one, _two, enrolment = setup
    start = timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 30))
    Visit.objects.create(enrolment=enrolment, consultant=one, planned_at=start, notes="Check 5S; bring forms")
    feed = client.get(f"/calendar/{one.calendar_token}.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    text = feed.content.decode()
    assert "BEGIN:VEVENT" in text and "SUMMARY:Shaoxing Centre · WC · Consulting" in text
    assert "DTSTART:20261203T013000Z" in text  # 09:30 in Shanghai
    assert "DESCRIPTION:Check 5S\\; bring forms" in text
    old = one.calendar_token
    client_for(consultant1).post("/visits/calendar/reset/")
    one.refresh_from_db()
    assert one.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{one.calendar_token}.ics").status_code == 200


def test_visit_list_queries_do_not_grow(client_for, coordinator_zj, setup, django_assert_max_num_queries):
    one, _two, enrolment = setup
    client = client_for(coordinator_zj)
    soon = timezone.now() + datetime.timedelta(days=2)
    Visit.objects.create(enrolment=enrolment, consultant=one, planned_at=soon)
    with django_assert_max_num_queries(20) as few:
        client.get("/visits/")
    for n in range(20):
        other = EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
        Visit.objects.create(enrolment=other, consultant=one, planned_at=soon + datetime.timedelta(hours=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/visits/")
