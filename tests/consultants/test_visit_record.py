"""Recording a visit and its approval: draft -> submitted -> approved, or returned with a comment."""

import datetime

import pytest
from django.utils import timezone

from score_portal.models import AuditEvent
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


@pytest.fixture
def visit(consultant1):
    enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    return assigned_visit(consultant1, enrolment)


def record(client, visit, action="save", version=None, **extra):
    data = {
        "action": action,
        "version": version or visit.version,
        "held_on": TODAY,
        "duration_hours": "3",
        "activities": "Walked the line with the EIT",
        "findings": "Oil on the floor near press 3",
        **extra,
    }
    return client.post(f"/visits/{visit.pk}/", data)


def test_draft_submit_approve_with_history(client_for, consultant1, coordinator_zj, visit):
    member = EITMemberFactory(enterprise=visit.enrolment.enterprise, name="王静")
    mine = client_for(consultant1)
    record(mine, visit, attendees=[member.pk])
    visit.refresh_from_db()
    assert (visit.status, visit.version, list(visit.attendees.all())) == ("draft", 2, [member])
    record(mine, visit, action="submit")
    visit.refresh_from_db()
    assert visit.status == "submitted"
    # Submitted: locked for the consultant.
    assert record(mine, visit).status_code == 403
    client_for(coordinator_zj).post(f"/visits/{visit.pk}/", {"action": "approve", "version": visit.version})
    visit.refresh_from_db()
    assert (visit.status, visit.reviewed_by) == ("approved", coordinator_zj)
    steps = list(visit.events.order_by("pk").values_list("from_status", "to_status", "by__email"))
    assert steps == [("draft", "submitted", consultant1.email), ("submitted", "approved", coordinator_zj.email)]
    assert AuditEvent.objects.filter(target_type="consultants.visit", actor=coordinator_zj).exists()


def test_return_needs_a_comment_and_reopens_editing(client_for, consultant1, coordinator_zj, visit):
    mine, coordinator = client_for(consultant1), client_for(coordinator_zj)
    record(mine, visit, action="submit")
    visit.refresh_from_db()
    refused = coordinator.post(f"/visits/{visit.pk}/", {"action": "return", "version": visit.version}, follow=True)
    assert "Say what needs changing" in refused.content.decode()
    coordinator.post(f"/visits/{visit.pk}/", {"action": "return", "version": visit.version, "comment": "Add KPIs"})
    visit.refresh_from_db()
    assert (visit.status, visit.review_comment) == ("returned", "Add KPIs")
    page = mine.get(f"/visits/{visit.pk}/").content.decode()
    assert "Returned with this comment:" in page and "Add KPIs" in page
    assert record(mine, visit, action="submit").status_code == 302


def test_reopen_is_for_coordinators_and_recorded(client_for, consultant1, coordinator_zj, visit):
    record(client_for(consultant1), visit, action="submit")
    visit.refresh_from_db()
    coordinator = client_for(coordinator_zj)
    coordinator.post(f"/visits/{visit.pk}/", {"action": "approve", "version": visit.version})
    visit.refresh_from_db()
    assert client_for(consultant1).post(f"/visits/{visit.pk}/", {"action": "reopen"}).status_code == 403
    coordinator.post(f"/visits/{visit.pk}/", {"action": "reopen", "version": visit.version, "comment": "typo"})
    visit.refresh_from_db()
    assert visit.status == "draft"
    assert visit.events.first().comment == "typo"


def test_submitting_without_findings_is_refused(client_for, consultant1, visit):
    response = record(client_for(consultant1), visit, action="submit", findings="", follow=True)
    visit.refresh_from_db()
    assert visit.status == "draft"  # what was typed is kept as a draft
    assert "its findings before submitting" in response.content.decode()


def test_a_second_save_from_an_old_page_is_refused_not_lost(client_for, consultant1, visit):
    client = client_for(consultant1)
    opened = visit.version
    record(client, visit, version=opened, findings="First writer")
    response = record(client, visit, version=opened, findings="Second writer")
    assert response.status_code == 409
    assert "Someone else saved this visit after you opened it" in response.content.decode()
    visit.refresh_from_db()
    assert visit.findings == "First writer"


def test_visits_are_out_of_reach_outside_scope(client_for, consultant2, coordinator_sc, visit):
    for user in (consultant2, coordinator_sc):
        client = client_for(user)
        assert client.get(f"/visits/{visit.pk}/").status_code == 404
        assert record(client, visit).status_code == 404
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_future_dates_and_text_numbers_are_refused(client_for, consultant1, visit):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = record(client_for(consultant1), visit, held_on=tomorrow, duration_hours="N/A").content.decode()
    assert "cannot be held in the future" in page and "text such as “N/A” is not accepted" in page


def test_a_planned_visit_can_be_cancelled_but_not_a_submitted_one(client_for, consultant1, coordinator_zj, visit):
    client = client_for(consultant1)
    assert "Cancel this visit" in client.get(f"/visits/{visit.pk}/").content.decode()
    client.post(f"/visits/{visit.pk}/", {"action": "cancel", "version": visit.version})
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert visit.events.first().to_status == "cancelled"
    refused = client_for(coordinator_zj).post(
        f"/visits/{visit.pk}/", {"action": "cancel", "version": visit.version}, follow=True
    )
    assert "cannot be cancelled" in refused.content.decode()


def test_staff_cancel_a_planned_visit_in_scope_only(client_for, consultant1, coordinator_zj, coordinator_sc, visit):
    assert (
        client_for(coordinator_sc).post(f"/visits/{visit.pk}/", {"action": "cancel", "version": 1}).status_code == 404
    )
    client_for(coordinator_zj).post(f"/visits/{visit.pk}/", {"action": "cancel", "version": visit.version})
    visit.refresh_from_db()
    assert visit.status == "cancelled"
