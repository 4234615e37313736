"""A consultant's visit on a phone, from the first keystroke to the coordinator's approval."""

import datetime

import pytest
from django.utils import timezone

from consultants.models import ImprovementAction, Visit
from modules.models import Measurement
from tests.consultants.factories import assigned_visit
from tests.e2e.conftest import DOCS, login
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import UserFactory, province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_records_a_visit_on_a_phone_and_the_coordinator_approves_it(browser, phone_page, password):
    page = phone_page
    consultant = UserFactory(email="cai@example.org", name="Cai Min", role="consultant")
    UserFactory(email="zhou@example.org", name="Zhou Jing", role="coordinator", provinces=[province("ZJ")])
    enterprise = EnterpriseFactory(name_en="Shaoxing Textiles", name_zh="绍兴纺织", province=province("ZJ"))
    EITMemberFactory(enterprise=enterprise, name="王静", side="worker", sex="female")
    soon = timezone.now() + datetime.timedelta(hours=1)
    visit = assigned_visit(consultant, EnrolmentFactory(enterprise=enterprise), planned_at=soon)
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()

    login(page, "cai@example.org", password)
    page.goto("/visits/")
    page.get_by_test_id("visits").get_by_role("link").first.click()
    page.get_by_label("Held on").fill(timezone.localdate().isoformat())
    page.get_by_label("王静").check()
    page.get_by_label("Findings").fill("Oil on the floor near press 3")
    page.get_by_label(f"{kpi.name_en} ({kpi.unit})").fill("4")
    # Saved as typed: nothing is clicked, the status line says so and the database has it.
    page.locator("[data-testid=autosave][data-state=saved]").wait_for()
    visit.refresh_from_db()
    assert (visit.status, visit.findings) == ("draft", "Oil on the floor near press 3")

    add = page.get_by_test_id("action-add")
    add.get_by_label("Action").fill("Mark the walkways in yellow")
    add.get_by_label("Owner").select_option(label="王静 · Worker")
    add.get_by_label("Due").fill("2026-12-31")
    add.get_by_role("button", name="Add action").click()
    page.get_by_test_id("action").filter(has_text="Mark the walkways in yellow").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    page.screenshot(path=str(DOCS / "visit-phone.png"), full_page=False)

    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Visit submitted for approval.").wait_for()
    assert page.get_by_test_id("visit-status").inner_text() == "Submitted"

    page.context.clear_cookies()
    login(page, "zhou@example.org", password)
    page.goto(f"/visits/{visit.pk}/")
    assert page.get_by_text("Mark the walkways in yellow").is_visible()
    page.get_by_test_id("review").get_by_role("button", name="Approve").click()
    page.get_by_text("Visit approved.").wait_for()
    assert page.get_by_test_id("visit-status").inner_text() == "Approved"

    visit.refresh_from_db()
    assert visit.status == "approved"
    action = ImprovementAction.objects.get()
    assert (action.description, action.owner.name, action.visit) == ("Mark the walkways in yellow", "王静", visit)
    assert Measurement.objects.get(source="visit", indicator=kpi).value == 4
    assert Visit.objects.count() == 1


def test_a_dropped_connection_loses_nothing(phone_page, password):
    page = phone_page
    consultant = UserFactory(email="cai@example.org", name="Cai Min", role="consultant")
    enterprise = EnterpriseFactory(name_en="Huzhou Silk", province=province("ZJ"))
    visit = assigned_visit(consultant, EnrolmentFactory(enterprise=enterprise))
    login(page, "cai@example.org", password)
    page.goto(f"/visits/{visit.pk}/")

    page.context.set_offline(True)
    page.get_by_label("Findings").fill("Typed in the basement, with no signal")
    page.locator("[data-testid=autosave][data-state=offline]").wait_for()
    assert "No connection" in page.get_by_test_id("autosave").inner_text()
    visit.refresh_from_db()
    assert visit.findings == ""

    # The page is closed before the signal returns; the text waits on the phone.
    page.goto("about:blank")
    page.context.set_offline(False)
    page.goto(f"/visits/{visit.pk}/")
    page.locator("[data-testid=autosave][data-state=saved]").wait_for()
    assert page.get_by_label("Findings").input_value() == "Typed in the basement, with no signal"
    visit.refresh_from_db()
    assert (visit.findings, visit.status) == ("Typed in the basement, with no signal", "draft")
