"""In a browser: a coordinator files a pilot unit's periodic report from the due list and an
administrator approves it; the late row stops being late."""

import pytest

from pilots.models import PilotReport
from tests.e2e.conftest import login
from tests.factories import UserFactory, province
from tests.pilots.factories import pilot_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _rule():
    # The browser tests flush every table; the rule's row comes from a data migration.
    from pilots.models import ReportingRule

    ReportingRule.load()


def test_a_late_report_is_filed_and_approved(page, password):
    UserFactory(email="chen@example.org", name="Chen Jing", role="coordinator", provinces=[province("ZJ")])
    UserFactory(email="ada@example.org", name="Ada Admin", role="administrator")
    unit = pilot_unit(name_en="Yiwu Airport Park", name_zh="义乌空港园区")
    login(page, "chen@example.org", password)

    page.goto("/pilot-reports/?late=on")
    late_row = page.get_by_test_id("due-row").filter(has_text="Yiwu Airport Park").first
    assert "table-danger" in late_row.get_attribute("class")
    late_row.get_by_role("link").first.click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("EIT meetings held").fill("3")
    form.get_by_label("Suggestions received").fill("12")
    form.get_by_label("Suggestions implemented").fill("15")
    form.get_by_label("Narrative").fill("EIT 每月开会 / The EIT met monthly")
    form.get_by_role("button", name="Submit for approval").click()
    assert page.get_by_text("More suggestions implemented than received.").is_visible()
    assert not PilotReport.objects.filter(status="submitted").exists()

    form = page.get_by_test_id("report-form")
    form.get_by_label("Suggestions implemented").fill("9")
    form.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Report submitted to the administrators for approval.").wait_for()

    page.context.clear_cookies()
    login(page, "ada@example.org", password)
    submitted = PilotReport.objects.get(unit=unit, status="submitted")
    page.goto(f"/pilot-reports/{unit.pk}/{submitted.period_start.isoformat()}/")
    page.get_by_test_id("review").get_by_role("button", name="Approve").click()
    page.get_by_text("Report approved.").wait_for()
    report = PilotReport.objects.get(pk=submitted.pk)
    assert (report.status, report.suggestions_received, report.suggestions_implemented) == ("approved", 12, 9)
