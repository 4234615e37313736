"""Where visits show up besides their own page: the enterprise's Visits tab, the coordinator's
"waiting for approval" panel, and the visit list's tabs."""

import datetime

import pytest
from django.utils import timezone

from consultants.models import ImprovementAction
from tests.consultants.factories import VisitFactory, assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name_en="Ningbo Valves", province=province("ZJ"))


def visit_with_actions(user, enterprise, status="submitted", overdue=1, open_=1, role="lead"):
    enrolment = enterprise.enrolments.first() or EnrolmentFactory(enterprise=enterprise)
    visit = assigned_visit(user, enrolment, status=status, held_on=YESTERDAY, role=role)
    for n in range(overdue + open_):
        ImprovementAction.objects.create(
            enterprise=enterprise,
            visit=visit,
            description=f"Action {visit.pk}-{n}",
            due_on=YESTERDAY if n < overdue else timezone.localdate() + datetime.timedelta(days=30),
        )
    return visit


def test_the_visits_tab_lists_visits_and_open_actions(client_for, consultant1, coordinator_zj, enterprise):
    visit_with_actions(consultant1, enterprise, overdue=2, open_=1)
    page = client_for(coordinator_zj).get(f"/enterprises/{enterprise.pk}/?tab=visits").content.decode()
    assert YESTERDAY.isoformat() in page and "Submitted" in page
    assert "2 overdue" in page and page.count(">Overdue<") == 2


def test_the_visits_tab_costs_the_same_queries_for_many_visits(
    client_for, consultant1, coordinator_zj, enterprise, django_assert_max_num_queries
):
    client = client_for(coordinator_zj)
    visit_with_actions(consultant1, enterprise)
    url = f"/enterprises/{enterprise.pk}/?tab=visits"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    baseline = len(few)
    for _ in range(8):
        visit_with_actions(consultant1, enterprise)
    with django_assert_max_num_queries(baseline):
        page = client.get(url).content.decode()
    assert page.count('data-testid="enterprise-visits"') == 1 and page.count("/visits/") >= 9


def test_a_consultant_sees_their_own_visits_on_the_tab_not_anothers_draft(
    client_for, consultant1, consultant2, enterprise
):
    mine = visit_with_actions(consultant1, enterprise, status="approved")
    theirs = visit_with_actions(consultant2, enterprise, status="draft", role="support")
    page = client_for(consultant1).get(f"/enterprises/{enterprise.pk}/?tab=visits").content.decode()
    assert f"/visits/{mine.pk}/" in page and f"/visits/{theirs.pk}/" not in page
    assert f"Action {mine.pk}-0" in page and f"Action {theirs.pk}-0" not in page


def test_coordinators_see_what_waits_for_them(client_for, consultant1, coordinator_zj, coordinator_sc, enterprise):
    waiting = visit_with_actions(consultant1, enterprise, status="submitted")
    VisitFactory(enrolment=waiting.enrolment, consultant=waiting.consultant, status="draft")
    home = client_for(coordinator_zj).get("/").content.decode()
    assert "Visits waiting for approval" in home and f"/visits/{waiting.pk}/" in home
    listed = client_for(coordinator_zj).get("/visits/?when=review").content.decode()
    assert listed.count("/visits/") - listed.count("/visits/plan/") - listed.count("/visits/calendar") >= 1
    assert f"/visits/{waiting.pk}/" in listed
    other = client_for(coordinator_sc).get("/").content.decode()
    review = other.split('data-testid="block-review"')[1].split("</section>")[0]
    assert f"/visits/{waiting.pk}/" not in other and "Nothing here." in review


def test_consultants_find_their_drafts_and_returned_visits(client_for, consultant1, enterprise):
    returned = visit_with_actions(consultant1, enterprise, status="returned")
    approved = visit_with_actions(consultant1, enterprise, status="approved")
    page = client_for(consultant1).get("/visits/?when=open").content.decode()
    assert f"/visits/{returned.pk}/" in page and f"/visits/{approved.pk}/" not in page
