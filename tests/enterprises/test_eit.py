"""The Enterprise Improvement Team: one secretary at a time, members who leave, meetings."""

import datetime
import re

import pytest

from enterprises.models import EITMeeting, EITMember
from score_portal.models import AuditEvent

from .factories import EITMemberFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

NEW_MEMBER = {"name": "李强", "side": "worker", "sex": "male", "is_secretary": "on", "joined_on": "2026-03-01"}


def text(response):
    """The page as a reader sees it: tags gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def secretaries(enterprise):
    return list(enterprise.eit_members.current().filter(is_secretary=True).values_list("name", flat=True))


def test_a_second_secretary_is_refused_with_a_message_naming_the_current_one(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    EITMemberFactory(enterprise=enterprise, name="王静", is_secretary=True)
    client = client_for(coordinator_zj)
    form_page = client.get(f"/enterprises/{enterprise.pk}/eit/new/").content.decode()
    assert "王静 is the secretary now" in form_page
    response = client.post(f"/enterprises/{enterprise.pk}/eit/new/", NEW_MEMBER)
    assert response.status_code == 200
    assert "王静 is already the EIT secretary" in response.content.decode()
    assert secretaries(enterprise) == ["王静"]
    assert not EITMember.objects.filter(name="李强").exists()


def test_handing_over_keeps_the_old_secretary_as_a_member_and_in_history(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    old = EITMemberFactory(enterprise=enterprise, name="王静", is_secretary=True)
    client = client_for(coordinator_zj)
    response = client.post(f"/enterprises/{enterprise.pk}/eit/new/", {**NEW_MEMBER, "hand_over": "on"}, follow=True)
    assert "李强 is now the EIT secretary; 王静 stays in the team." in response.content.decode()
    assert secretaries(enterprise) == ["李强"]
    old.refresh_from_db()
    assert old.is_current and not old.is_secretary
    history = text(client.get(f"/enterprises/{enterprise.pk}/?tab=history"))
    # The step down is in the history (a silent update() would leave no trace).
    assert "Zhou Coordinator · EIT member 王静 changed EIT secretary: yes → no" in history
    assert AuditEvent.objects.get(action="created", target_type="enterprises.eitmember").data["secretary_from"] == [
        old.pk
    ]


def test_the_first_secretary_needs_no_hand_over(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    form_page = client_for(coordinator_zj).get(f"/enterprises/{enterprise.pk}/eit/new/").content.decode()
    assert "Hand the secretary role over" not in form_page
    client_for(coordinator_zj).post(f"/enterprises/{enterprise.pk}/eit/new/", NEW_MEMBER)
    assert secretaries(enterprise) == ["李强"]


def test_the_secretary_can_be_edited_without_a_hand_over(client_for, coordinator_zj):
    member = EITMemberFactory(name="王静", is_secretary=True, position="")
    data = {"name": "王静", "position": "班组长", "side": "worker", "sex": "female", "is_secretary": "on"}
    client_for(coordinator_zj).post(
        f"/enterprises/{member.enterprise.pk}/eit/{member.pk}/", {**data, "joined_on": "2025-03-01"}
    )
    member.refresh_from_db()
    assert (member.position, member.is_secretary) == ("班组长", True)


def test_a_secretary_who_leaves_becomes_a_former_member_and_the_team_is_told(client_for, coordinator_zj):
    member = EITMemberFactory(name="王静", is_secretary=True)
    client = client_for(coordinator_zj)
    url = f"/enterprises/{member.enterprise.pk}/eit/{member.pk}/leave/"
    assert "王静 is the EIT secretary" in client.get(url).content.decode()
    page = client.post(url, {"left_on": "2026-01-31"}, follow=True).content.decode()
    assert "The team has no EIT secretary now" in page
    assert "Former members" in page and "2026-01-31" in page
    member.refresh_from_db()
    assert (member.left_on, member.is_secretary) == (datetime.date(2026, 1, 31), False)
    assert client.get(url).status_code == 404  # one cannot leave twice


def test_leaving_before_joining_or_in_the_future_is_refused(client_for, coordinator_zj):
    member = EITMemberFactory(name="王静", joined_on=datetime.date(2025, 3, 1))
    client = client_for(coordinator_zj)
    url = f"/enterprises/{member.enterprise.pk}/eit/{member.pk}/leave/"
    assert "the date left cannot be earlier" in client.post(url, {"left_on": "2025-02-01"}).content.decode()
    assert "cannot be in the future" in client.post(url, {"left_on": "2999-01-01"}).content.decode()
    member.refresh_from_db()
    assert member.left_on is None


def test_leave_page_is_404_outside_scope_and_403_for_consultants(client_for, coordinator_sc, consultant1):
    member = EITMemberFactory()
    url = f"/enterprises/{member.enterprise.pk}/eit/{member.pk}/leave/"
    assert client_for(coordinator_sc).post(url, {"left_on": "2026-01-31"}).status_code == 404
    assert client_for(consultant1).post(url, {"left_on": "2026-01-31"}).status_code == 403
    member.refresh_from_db()
    assert member.left_on is None


def test_correcting_a_meeting_keeps_attendees_who_left_since(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    gone = EITMemberFactory(enterprise=enterprise, name="赵军", left_on=datetime.date(2026, 2, 1))
    here = EITMemberFactory(enterprise=enterprise, name="王静")
    meeting = EITMeeting.objects.create(enterprise=enterprise, held_on=datetime.date(2026, 1, 10), topics="5S")
    meeting.attendees.set([gone, here])
    client = client_for(coordinator_zj)
    url = f"/enterprises/{enterprise.pk}/meetings/{meeting.pk}/"
    client.post(url, {"held_on": "2026-01-10", "topics": "5S audit", "attendees": [gone.pk, here.pk]})
    meeting.refresh_from_db()
    assert meeting.topics == "5S audit"
    assert set(meeting.attendees.values_list("name", flat=True)) == {"赵军", "王静"}
    page = client.get(f"/enterprises/{enterprise.pk}/?tab=meetings").content.decode()
    assert "赵军, 王静" in page or "王静, 赵军" in page
    # A new meeting offers only the current team.
    new_form = client.get(f"/enterprises/{enterprise.pk}/meetings/new/").content.decode()
    assert "王静" in new_form and "赵军" not in new_form


def test_editing_a_suggestion_is_audited_with_the_changed_fields(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    client = client_for(coordinator_zj)
    base = {"title": "LED", "submitted_by": "王", "submitted_on": "2026-05-01", "area": "CP", "status": "accepted"}
    client.post(f"/enterprises/{enterprise.pk}/suggestions/new/", base)
    suggestion = enterprise.suggestions.get()
    client.post(
        f"/enterprises/{enterprise.pk}/suggestions/{suggestion.pk}/",
        {**base, "status": "implemented", "realised_savings": "800"},
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "implemented"
    update = AuditEvent.objects.get(action="updated", target_id=str(suggestion.pk))
    assert sorted(update.data["fields"]) == ["realised_savings", "status"]
