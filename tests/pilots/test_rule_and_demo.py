"""The reporting rule (one row, made by the migration, changed by administrators) and the demo."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from pilots.models import PilotReport, PilotReportEvent, ReportingRule
from score_portal.models import AuditEvent
from tests.pilots.factories import PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db

RULE = {
    "period_length": "month",
    "first_period_start": "2026-01-01",
    "due_days": "10",
    "remind_days_before": "3",
    "remind_days_after": "2",
}


def test_the_migration_made_the_quarterly_rule():
    rule = ReportingRule.objects.get()
    assert (rule.pk, rule.period_length, rule.first_period_start) == (1, "quarter", datetime.date(2026, 1, 1))
    assert (rule.due_days, rule.remind_days_before, rule.remind_days_after) == (15, 5, 3)
    [q1, q2] = rule.periods(datetime.date(2026, 4, 1))
    assert (q1.label, q1.end, q1.due_on, q1.remind_on, q1.late_remind_on) == (
        "2026 Q1",
        datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 15),
        datetime.date(2026, 4, 10),
        datetime.date(2026, 4, 18),
    )
    assert q2.start == datetime.date(2026, 4, 1)


def test_an_administrator_changes_the_rule_and_open_reports_follow(client_for, admin):
    draft = PilotReportFactory(unit=pilot_unit(), status="draft")
    approved = PilotReportFactory(unit=pilot_unit(), status="approved")
    page = client_for(admin).post("/pilot-reports/rule/", {**RULE, "period_length": "quarter"}, follow=True)
    assert "Reporting rule saved." in page.content.decode()
    rule = ReportingRule.load()
    assert (rule.due_days, rule.remind_days_before, rule.updated_by) == (10, 3, admin)
    draft.refresh_from_db()
    approved.refresh_from_db()
    assert draft.due_on == datetime.date(2026, 4, 10)  # still being written: the new due date
    assert approved.due_on == datetime.date(2026, 4, 15)  # already in: keeps its own
    assert AuditEvent.objects.filter(target_type="pilots.reportingrule", action="updated").exists()


def test_monthly_periods_and_reports_made_under_the_old_rule_keep_their_row(client_for, admin, coordinator_zj):
    unit = pilot_unit(name_en="Huzhou Management Centre")
    PilotReportFactory(unit=unit, status="approved")  # Q1 2026 under the quarterly rule
    response = client_for(admin).post("/pilot-reports/rule/", {**RULE, "first_period_start": "2026-02-01"})
    assert response.status_code == 302, response.content.decode()
    page = client_for(coordinator_zj).get("/pilot-reports/?status=approved").content.decode()
    assert "/2026-01-01/" in page and "2026 Q1" in page
    page = client_for(coordinator_zj).get("/pilot-reports/").content.decode()
    assert "/2026-02-01/" in page and ">2026-02<" in page
    assert client_for(coordinator_zj).get(f"/pilot-reports/{unit.pk}/2026-03-01/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_period_start": "2026-01-15"}, "Periods start on the first day of a month."),
        ({"due_days": "soon"}, "text such as “N/A” is not accepted"),
        ({"due_days": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"remind_days_after": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_rule_is_refused(client_for, admin, changes, message):
    page = client_for(admin).post("/pilot-reports/rule/", {**RULE, **changes}).content.decode()
    assert message in page and "nothing has been saved" in page
    assert ReportingRule.load().period_length == "quarter"


def snapshot():
    return (
        sorted(PilotReport.objects.values_list("unit__name_en", "period_start", "status", "version")),
        PilotReportEvent.objects.count(),
    )


def test_demo_reports_are_seeded_once():
    call_command("seed_demo", stdout=io.StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first
    reports = PilotReport.objects.all()
    due = [p for p in ReportingRule.load().periods() if p.due_on < timezone.localdate()]
    assert reports.count() == 4 * len(due)  # the four Zhejiang pilot units, every period already due
    if due:
        assert reports.filter(status="approved").exists()
        returned = reports.get(status="returned")
        assert "请补充" in returned.review_comment and "Please attach" in returned.review_comment
        late = reports.get(status="draft")
        assert late.due_on < timezone.localdate() and late.submitted_at is None
        approved = reports.filter(status="approved").first()
        assert "\u4e00" <= approved.narrative[0] <= "\u9fff" and "\n\n" in approved.narrative  # Chinese first
        assert approved.suggestions_implemented <= approved.suggestions_received
        assert approved.hazards_fixed <= approved.hazards_found
        assert not approved.submitted_late
