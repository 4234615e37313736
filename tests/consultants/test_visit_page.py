"""The visit page's parts beyond the record: autosave, KPI readings, improvement actions,
the lead rule, and the email notices of the workflow."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from consultants.models import ImprovementAction, VisitReading
from modules.models import Measurement
from tests.consultants.factories import VisitFactory, assigned_visit, certify, profile
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def visit(consultant1):
    enterprise = EnterpriseFactory(name_en="Shaoxing Textiles", province=province("ZJ"))
    return assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise))


def record_data(visit, **extra):
    return {
        "version": visit.version,
        "held_on": TODAY.isoformat(),
        "duration_hours": "3",
        "activities": "Walked the line with the EIT",
        "findings": "Oil on the floor near press 3",
        **extra,
    }


def autosave(client, visit, **extra):
    return client.post(f"/visits/{visit.pk}/autosave/", record_data(visit, **extra), **HTMX)


def test_autosave_keeps_the_draft_and_hands_back_the_new_version(client_for, consultant1, visit):
    client = client_for(consultant1)
    response = autosave(client, visit, findings="Half a sentence")
    page = response.content.decode()
    visit.refresh_from_db()
    assert (visit.status, visit.findings, visit.version) == ("draft", "Half a sentence", 2)
    assert "Draft saved at" in page
    assert 'id="visit-version" value="2" hx-swap-oob="true"' in page
    # The next keystrokes carry version 2 and are saved too.
    visit.refresh_from_db()
    autosave(client, visit, findings="Half a sentence, finished")
    visit.refresh_from_db()
    assert (visit.findings, visit.version) == ("Half a sentence, finished", 3)


def test_autosave_from_a_stale_page_is_refused_with_the_reason(client_for, consultant1, visit):
    client = client_for(consultant1)
    opened = visit.version
    client.post(f"/visits/{visit.pk}/autosave/", record_data(visit, findings="Phone A"), **HTMX)
    visit.version = opened
    page = autosave(client, visit, findings="Phone B").content.decode()
    assert "Someone else saved this visit after you opened it" in page
    assert "hx-swap-oob" not in page  # the stale page keeps its old version: every later save is refused too
    visit.refresh_from_db()
    assert visit.findings == "Phone A"


def test_autosave_of_bad_input_says_what_is_wrong_and_writes_nothing(client_for, consultant1, visit):
    page = autosave(client_for(consultant1), visit, duration_hours="three").content.decode()
    assert "Not saved yet:" in page and "text such as “N/A” is not accepted" in page
    visit.refresh_from_db()
    assert (visit.status, visit.version, visit.findings) == ("planned", 1, "")


def test_autosave_is_only_for_the_visits_own_consultant(client_for, consultant2, coordinator_zj, visit):
    assert autosave(client_for(consultant2), visit).status_code == 404
    assert autosave(client_for(coordinator_zj), visit).status_code == 403
    visit.refresh_from_db()
    assert visit.version == 1


def submit_and_approve(client_for, consultant1, coordinator, visit, **readings):
    client_for(consultant1).post(f"/visits/{visit.pk}/", {"action": "submit", **record_data(visit, **readings)})
    visit.refresh_from_db()
    assert visit.status == "submitted", visit.status
    client_for(coordinator).post(f"/visits/{visit.pk}/", {"action": "approve", "version": visit.version})
    visit.refresh_from_db()
    assert visit.status == "approved"


def test_kpi_readings_become_measurements_when_the_visit_is_approved(client_for, consultant1, coordinator_zj, visit):
    client = client_for(consultant1)
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert kpi.name_en in page and f'name="kpi_{kpi.code}"' in page
    autosave(client, visit, **{f"kpi_{kpi.code}": "12.5"})
    assert VisitReading.objects.get(visit=visit).value == Decimal("12.5")
    assert not Measurement.objects.filter(source="visit").exists()  # not before approval
    visit.refresh_from_db()
    submit_and_approve(client_for, consultant1, coordinator_zj, visit, **{f"kpi_{kpi.code}": "12.5"})
    measurement = Measurement.objects.get(source="visit")
    assert (measurement.enterprise, measurement.indicator, measurement.value) == (
        visit.enrolment.enterprise,
        kpi,
        Decimal("12.5"),
    )
    assert measurement.period == TODAY.replace(day=1)
    kpis_tab = client.get(f"/enterprises/{visit.enrolment.enterprise.pk}/?tab=kpis").content.decode()
    assert kpi.name_en in kpis_tab and "12.5" in kpis_tab
    # Reopened, the figure leaves the KPIs until approved again.
    client_for(coordinator_zj).post(
        f"/visits/{visit.pk}/", {"action": "reopen", "version": visit.version, "comment": "wrong month"}
    )
    assert not Measurement.objects.filter(source="visit").exists()


def test_a_cleared_reading_is_removed_and_text_is_refused(client_for, consultant1, visit):
    client = client_for(consultant1)
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()
    autosave(client, visit, **{f"kpi_{kpi.code}": "7"})
    visit.refresh_from_db()
    page = autosave(client, visit, **{f"kpi_{kpi.code}": "seven"}).content.decode()
    assert "Not saved yet:" in page and kpi.name_en in page
    assert VisitReading.objects.get(visit=visit).value == 7
    autosave(client, visit, **{f"kpi_{kpi.code}": ""})
    assert not VisitReading.objects.filter(visit=visit).exists()


def add_action(client, visit, **extra):
    data = {
        "new-description": "Mark walkways in yellow",
        "new-due_on": (TODAY + datetime.timedelta(days=14)).isoformat(),
        "new-status": "open",
        **extra,
    }
    return client.post(f"/visits/{visit.pk}/actions/", data, **HTMX)


def test_actions_are_added_inline_and_owned_by_an_eit_member(client_for, consultant1, visit):
    owner = EITMemberFactory(enterprise=visit.enrolment.enterprise, name="王静")
    response = add_action(client_for(consultant1), visit, **{"new-owner": owner.pk})
    fragment = response.content.decode()
    assert "Mark walkways in yellow" in fragment and "王静" in fragment and "Action added." in fragment
    assert fragment.lstrip().startswith('<section id="actions"')  # only the section, for htmx to swap
    action = ImprovementAction.objects.get()
    assert (action.enterprise, action.visit, action.owner, action.status) == (
        visit.enrolment.enterprise,
        visit,
        owner,
        "open",
    )


def test_an_action_without_a_due_date_is_refused_and_nothing_written(client_for, consultant1, visit):
    other = EITMemberFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    fragment = add_action(client_for(consultant1), visit, **{"new-due_on": "", "new-owner": other.pk}).content
    assert "nothing has been saved" in fragment.decode()
    assert not ImprovementAction.objects.exists()  # nor an owner from another enterprise


def test_a_follow_up_visit_updates_an_earlier_action(client_for, consultant1, coordinator_zj, visit):
    client = client_for(consultant1)
    add_action(client, visit, **{"new-due_on": (TODAY - datetime.timedelta(days=3)).isoformat()})
    submit_and_approve(client_for, consultant1, coordinator_zj, visit)
    follow_up = VisitFactory(enrolment=visit.enrolment, consultant=visit.consultant, visit_type="follow_up")
    action = ImprovementAction.objects.get()
    page = client.get(f"/visits/{follow_up.pk}/").content.decode()
    assert "Earlier actions to follow up" in page and "Overdue" in page
    client.post(
        f"/visits/{follow_up.pk}/actions/{action.pk}/",
        {f"a{action.pk}-status": "done", f"a{action.pk}-result": "Walkways painted"},
        **HTMX,
    )
    action.refresh_from_db()
    assert (action.status, action.result, action.updated_on_visit, action.closed_on) == (
        "done",
        "Walkways painted",
        follow_up,
        TODAY,
    )
    # An earlier action cannot be deleted from a later visit.
    assert client.post(f"/visits/{follow_up.pk}/actions/{action.pk}/delete/").status_code == 403
    assert ImprovementAction.objects.filter(pk=action.pk).exists()


def test_actions_stay_with_the_visit_scope(client_for, consultant1, consultant2, visit):
    add_action(client_for(consultant1), visit)
    action = ImprovementAction.objects.get()
    intruder = client_for(consultant2)
    assert add_action(intruder, visit).status_code == 404
    assert intruder.post(f"/visits/{visit.pk}/actions/{action.pk}/delete/").status_code == 404
    assert ImprovementAction.objects.visible_to(consultant2).count() == 0
    client_for(consultant1).post(f"/visits/{visit.pk}/actions/{action.pk}/delete/", **HTMX)
    assert not ImprovementAction.objects.exists()


def test_a_candidate_leads_only_with_an_expert_supervising(client_for, consultant1, consultant2, admin):
    enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    visit = assigned_visit(consultant1, enrolment)
    visit.consultant.certifications.update(level="candidate")
    client = client_for(consultant1)
    page = client.post(f"/visits/{visit.pk}/", {"action": "submit", **record_data(visit)}, follow=True)
    assert "is a trainer candidate for" in page.content.decode()
    assert "name a supervising expert trainer" in page.content.decode()
    visit.refresh_from_db()
    assert visit.status == "draft"
    expert = profile(consultant2)
    certify(expert, enrolment.module, level="certified")
    page = client.post(
        f"/visits/{visit.pk}/", {"action": "submit", **record_data(visit, supervisor=expert.pk)}, follow=True
    )
    visit.refresh_from_db()
    assert visit.status == "draft"  # a certified trainer is not an expert: not offered as a supervisor
    certify(expert, enrolment.module, level="expert")
    client.post(f"/visits/{visit.pk}/", {"action": "submit", **record_data(visit, supervisor=expert.pk)})
    visit.refresh_from_db()
    assert (visit.status, visit.supervisor) == ("submitted", expert)


def test_an_uncertified_consultant_cannot_plan_to_lead(client_for, consultant1):
    enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    visit = assigned_visit(consultant1, enrolment)
    visit.consultant.certifications.all().delete()
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    response = client_for(consultant1).post(
        "/visits/plan/",
        {"enrolment": enrolment.pk, "visit_type": "consulting", "planned_at": when, "duration_hours": "2"},
    )
    assert "is not certified for" in response.content.decode()
    assert enrolment.visits.count() == 1


def test_workflow_emails_go_to_the_right_people_in_their_language(
    client_for, consultant1, coordinator_zj, coordinator_sc, visit, django_capture_on_commit_callbacks
):
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(consultant1).post(f"/visits/{visit.pk}/", {"action": "submit", **record_data(visit)})
    assert [m.to for m in mail.outbox] == [[coordinator_zj.email]]
    assert "等待您审批" in mail.outbox[0].subject and f"/visits/{visit.pk}/" in mail.outbox[0].body
    visit.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator_zj).post(
            f"/visits/{visit.pk}/", {"action": "return", "version": visit.version, "comment": "Add the KPIs"}
        )
    assert mail.outbox[1].to == [consultant1.email]
    assert "was returned" in mail.outbox[1].subject and "Add the KPIs" in mail.outbox[1].body
    assert len(mail.outbox) == 2  # nobody else, and the other province's coordinator never


def test_directory_counts_this_quarters_visits(client_for, consultant1, coordinator_zj, visit):
    VisitFactory(enrolment=visit.enrolment, consultant=visit.consultant, status="cancelled")
    VisitFactory(
        enrolment=visit.enrolment,
        consultant=visit.consultant,
        planned_at=timezone.now() - datetime.timedelta(days=400),
    )
    page = client_for(coordinator_zj).get("/consultants/").content.decode()
    assert 'data-testid="quarter-visits">1<' in page


def test_the_visit_page_costs_the_same_queries_with_many_actions(
    client_for, consultant1, visit, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(consultant1)
    for _n in range(2):
        EITMemberFactory(enterprise=visit.enrolment.enterprise)
    add_action(client, visit)
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/visits/{visit.pk}/")
    assert response.status_code == 200, response.status_code
    baseline = len(few)
    earlier = VisitFactory(enrolment=visit.enrolment, consultant=visit.consultant, status="approved")
    # Earlier actions owned by members of the EIT, one of whom has since left it.
    owners = [
        EITMemberFactory(enterprise=visit.enrolment.enterprise, name="Owner Current"),
        EITMemberFactory(
            enterprise=visit.enrolment.enterprise, name="Owner Former", left_on=TODAY - datetime.timedelta(days=30)
        ),
    ]
    for n in range(10):
        add_action(client, visit, **{"new-description": f"Agreed {n}"})
        ImprovementAction.objects.create(
            enterprise=visit.enrolment.enterprise,
            visit=earlier,
            description=f"Earlier {n}",
            due_on=TODAY,
            owner=owners[n % 2],
        )
    with django_assert_max_num_queries(baseline):
        page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "Agreed 9" in page and "Earlier 9" in page
    assert page.count("Owner Current · due") == 5 and page.count("Owner Former · due") == 5


def test_attendance_is_counted_by_sex_and_side(client_for, consultant1, coordinator_zj, visit):
    enterprise = visit.enrolment.enterprise
    present = [
        EITMemberFactory(enterprise=enterprise, sex="female", side="worker"),
        EITMemberFactory(enterprise=enterprise, sex="female", side="management"),
        EITMemberFactory(enterprise=enterprise, sex="male", side="worker"),
    ]
    EITMemberFactory(enterprise=enterprise, sex="male", side="management")  # absent
    fragment = autosave(client_for(consultant1), visit, attendees=[m.pk for m in present]).content.decode()
    expected = "EIT members present: 3 · women 2, men 1 · management 1, workers 2"
    assert (
        expected in fragment
        and 'id="attendee-counts" class="small text-muted mb-0" data-testid="attendee-counts" hx-swap-oob="true"'
        in fragment
    )
    assert expected in client_for(coordinator_zj).get(f"/visits/{visit.pk}/").content.decode()


def test_the_record_form_offers_current_members_and_counts_everyone_present(client_for, consultant1, visit):
    """Members present and current members are read together: one who has left since stays
    counted as present, but is no longer offered; another enterprise's member is never offered."""
    import re

    enterprise = visit.enrolment.enterprise
    stayed = EITMemberFactory(enterprise=enterprise, sex="female", side="worker")
    left = EITMemberFactory(enterprise=enterprise, sex="male", side="management")
    absent = EITMemberFactory(enterprise=enterprise)
    elsewhere = EITMemberFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    visit.attendees.set([stayed, left])
    left.left_on = TODAY
    left.save()
    page = client_for(consultant1).get(f"/visits/{visit.pk}/").content.decode()
    assert "EIT members present: 2 · women 1, men 1 · management 1, workers 1" in page
    boxes = dict(re.findall(r'<input type="checkbox" name="attendees" value="(\d+)"([^>]*)>', page))
    assert set(boxes) == {str(stayed.pk), str(absent.pk)} and elsewhere.pk not in map(int, boxes)
    assert "checked" in boxes[str(stayed.pk)] and "checked" not in boxes[str(absent.pk)]
    owners = re.search(r'<select name="new-owner"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert stayed.name in owners and absent.name in owners and left.name not in owners


def test_the_record_form_shows_each_kpi_with_the_value_read_on_this_visit(client_for, consultant1, visit):
    client = client_for(consultant1)
    first, second = visit.enrolment.module.indicators.filter(is_active=True)[:2]
    other_visit = VisitFactory(enrolment=visit.enrolment, consultant=visit.consultant, status="draft")
    VisitReading.objects.create(visit=other_visit, indicator=second, value=Decimal("99"))
    autosave(client, visit, **{f"kpi_{first.code}": "12.5"})
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f'name="kpi_{first.code}" value="12.5000"' in page
    assert f'name="kpi_{second.code}" value=' not in page  # nothing read on this visit


def test_a_kpi_taken_out_of_use_leaves_the_record_form(client_for, consultant1, visit):
    """The module's KPIs are kept with the figures: changing the catalogue shows at once."""
    client = client_for(consultant1)
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()
    assert f'name="kpi_{kpi.code}"' in client.get(f"/visits/{visit.pk}/").content.decode()
    kpi.is_active = False
    kpi.save()
    assert f'name="kpi_{kpi.code}"' not in client.get(f"/visits/{visit.pk}/").content.decode()
    kpi.name_en = "Renamed productivity"
    kpi.is_active = True
    kpi.save()
    assert "Renamed productivity" in client.get(f"/visits/{visit.pk}/").content.decode()
