"""A pilot unit's report from the coordinator's first save to the administrator's approval, with
the steps refused on the way, a save from a stale page, and bad figures that write nothing."""

import pytest
from django.core import mail

from pilots.models import PilotReport, PilotReportEvent
from score_portal.models import AuditEvent
from tests.pilots.factories import FIGURES, Q1, PilotReportFactory, current_period, pilot_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return pilot_unit("ZJ", name_en="Shaoxing Management Centre", name_zh="绍兴管理中心")


def url(unit, start=Q1):
    return f"/pilot-reports/{unit.pk}/{start.isoformat()}/"


def post(client, unit, action="save", version=0, start=Q1, **changes):
    return client.post(url(unit, start), {**FIGURES, **changes, "action": action, "version": version}, follow=True)


def test_opening_the_page_creates_nothing_the_first_save_makes_the_draft(client_for, coordinator_zj, unit):
    client = client_for(coordinator_zj)
    page = client.get(url(unit))
    assert page.status_code == 200 and 'data-testid="report-form"' in page.content.decode()
    assert not PilotReport.objects.exists()
    page = post(client, unit).content.decode()
    assert "Draft saved." in page
    report = PilotReport.objects.get()
    assert (report.status, report.version, report.suggestions_implemented) == ("draft", 1, 9)
    assert (report.period_end.isoformat(), report.due_on.isoformat()) == ("2026-03-31", "2026-04-15")
    assert report.created_by == coordinator_zj
    assert AuditEvent.objects.filter(action="created", target_type="pilots.pilotreport").count() == 1


def test_draft_submit_return_submit_approve(
    client_for, coordinator_zj, admin, unit, django_capture_on_commit_callbacks
):
    coordinator, administrator = client_for(coordinator_zj), client_for(admin)
    admin.preferred_language = "zh-hans"
    admin.save()
    post(coordinator, unit)
    with django_capture_on_commit_callbacks(execute=True):
        page = post(coordinator, unit, action="submit", version=1).content.decode()
    assert "Report submitted to the administrators for approval." in page
    report = PilotReport.objects.get()
    assert (report.status, report.submitted_by, report.version) == ("submitted", coordinator_zj, 3)
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "绍兴管理中心" in mail.outbox[0].subject  # the administrator reads Chinese

    # Submitted: the coordinator can no longer change it.
    page = post(coordinator, unit, version=3, eit_meetings="99").content.decode()
    assert "This report is “Submitted” and can no longer be changed." in page
    assert PilotReport.objects.get().eit_meetings == 4

    # Returning needs a comment.
    page = administrator.post(url(unit), {"action": "return", "version": 3, "comment": " "}, follow=True)
    assert "退回报告时请说明需要修改的地方。" in page.content.decode()  # the administrator reads Chinese
    assert PilotReport.objects.get().status == "submitted"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = administrator.post(
            url(unit), {"action": "return", "version": 3, "comment": "Add the hazard photos."}, follow=True
        )
    assert "报告已附您的意见退回给协调员。" in page.content.decode()
    report = PilotReport.objects.get()
    assert (report.status, report.review_comment, report.reviewed_by) == ("returned", "Add the hazard photos.", admin)
    assert [m.to for m in mail.outbox] == [[coordinator_zj.email]]
    assert "Add the hazard photos." in mail.outbox[0].body and "was returned" in mail.outbox[0].subject

    page = coordinator.get(url(unit)).content.decode()
    assert "Returned with this comment:" in page and "Add the hazard photos." in page
    with django_capture_on_commit_callbacks(execute=True):
        post(coordinator, unit, action="submit", version=4, hazards_fixed="6")
    assert PilotReport.objects.get().status == "submitted"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = administrator.post(url(unit), {"action": "approve", "version": 6}, follow=True).content.decode()
    assert "报告已批准。" in page
    report = PilotReport.objects.get()
    assert (report.status, report.hazards_fixed) == ("approved", 6)
    assert [m.to for m in mail.outbox] == [[coordinator_zj.email]] and "is approved" in mail.outbox[0].subject
    steps = list(PilotReportEvent.objects.order_by("at", "id").values_list("from_status", "to_status"))
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "approved"),
    ]
    history = administrator.get(url(unit)).content.decode()
    assert "Add the hazard photos." in history and 'data-testid="review"' not in history


def test_refused_steps_say_why(client_for, coordinator_zj, admin, unit):
    report = PilotReportFactory(unit=unit, status="approved", version=5)
    administrator = client_for(admin)
    page = administrator.post(url(unit), {"action": "approve", "version": 5}, follow=True).content.decode()
    assert "A report that is “Approved” cannot be approved." in page
    page = client_for(coordinator_zj).post(url(unit), {"action": "submit", "version": 5, **FIGURES}).content.decode()
    assert "A report that is “Approved” cannot be submitted." in page or "can no longer be changed" in page
    report.refresh_from_db()
    assert (report.status, report.version) == ("approved", 5)
    # A coordinator cannot approve, an administrator cannot write the figures.
    assert client_for(coordinator_zj).post(url(unit), {"action": "approve", "version": 5}).status_code == 403
    assert administrator.post(url(unit), {"action": "save", "version": 5, **FIGURES}).status_code == 403
    assert client_for(coordinator_zj).post(url(unit), {"action": "delete"}).status_code == 403


def test_nothing_to_review_before_the_coordinator_starts(client_for, admin, unit):
    response = client_for(admin).post(url(unit), {"action": "approve", "version": 0})
    assert response.status_code == 200
    assert "There is no report to review yet" in response.content.decode()
    assert not PilotReport.objects.exists()


def test_submitting_without_a_narrative_keeps_the_draft_and_says_so(client_for, coordinator_zj, unit):
    page = post(client_for(coordinator_zj), unit, action="submit", narrative="").content.decode()
    assert "Write the narrative of the period before submitting the report." in page
    assert "Your changes were saved as a draft, but the report was not submitted." in page
    assert PilotReport.objects.get().status == "draft"


def test_a_save_from_a_stale_page_is_refused_and_loses_nothing(client_for, coordinator_zj, unit):
    other = client_for(coordinator_zj)
    report = PilotReportFactory(unit=unit, status="draft", version=2, eit_meetings=7)
    response = post(other, unit, version=1, eit_meetings="3")  # the page was opened at version 1
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this report after you opened it." in page
    report.refresh_from_db()
    assert (report.eit_meetings, report.version) == (7, 2)  # theirs is kept
    assert 'data-testid="unsaved"' in page and "EIT meetings held" in page  # and what this user typed is shown
    assert 'name="version" value="2"' in page


def test_two_first_saves_of_the_same_report_do_not_both_win(client_for, coordinator_zj, unit):
    client = client_for(coordinator_zj)
    post(client, unit, eit_meetings="2")
    response = post(client, unit, version=0, eit_meetings="8")  # a second page opened before the first save
    assert response.status_code == 409
    assert PilotReport.objects.get().eit_meetings == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"suggestions_implemented": "13"}, "More suggestions implemented than received."),
        ({"hazards_fixed": "7"}, "More safety hazards fixed than found."),
        ({"savings_cny": "N/A"}, "text such as “N/A” is not accepted"),
        ({"eit_meetings": "three"}, "text such as “N/A” is not accepted"),
        ({"hazards_found": "-1"}, "this figure cannot be negative"),
        ({"training_hours": "-2.5"}, "this figure cannot be negative"),
    ],
    ids=["implemented>received", "fixed>found", "text-savings", "text-count", "negative-count", "negative-hours"],
)
def test_bad_figures_are_refused_and_write_nothing(client_for, coordinator_zj, unit, changes, message):
    page = post(client_for(coordinator_zj), unit, action="submit", **changes).content.decode()
    assert message in page and "nothing has been saved" in page
    assert not PilotReport.objects.exists()
    assert not AuditEvent.objects.filter(target_type="pilots.pilotreport").exists()


def test_bad_figures_leave_an_existing_draft_as_it_was(client_for, coordinator_zj, unit):
    report = PilotReportFactory(unit=unit, status="draft", version=1)
    post(client_for(coordinator_zj), unit, version=1, suggestions_implemented="50")
    report.refresh_from_db()
    assert (report.suggestions_implemented, report.version) == (6, 1)


def test_a_period_the_rule_does_not_have_is_not_found(client_for, coordinator_zj, unit):
    client = client_for(coordinator_zj)
    assert client.get(url(unit).replace("2026-01-01", "2026-02-01")).status_code == 404  # not a quarter's start
    assert client.get(url(unit).replace("2026-01-01", "2025-10-01")).status_code == 404  # before the first
    assert client.get(url(unit).replace("2026-01-01", "2026-02-30")).status_code == 404
    future = current_period().end.replace(day=1)
    assert client.get(url(unit, future.replace(year=future.year + 1))).status_code == 404
    assert client.get(url(unit, current_period().start)).status_code == 200
