import datetime

import pytest

from tests.e2e.conftest import login
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import UserFactory, province
from tests.modules.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def matrix_cell(page, enterprise_name, column):
    row = page.get_by_test_id("matrix").get_by_role("row", name=enterprise_name)
    return row.locator("td").nth(column).inner_text()


def test_coordinator_enrols_records_attendance_and_sees_the_matrix_change(page, password):
    UserFactory(email="chen@example.org", name="Chen Jing", role="coordinator", provinces=[province("ZJ")])
    enterprise = EnterpriseFactory(name_en="Huzhou Management Centre", name_zh="湖州管理中心")
    EITMemberFactory(enterprise=enterprise, name="王芳")
    session = SessionFactory(starts_on=datetime.date(2026, 3, 10), ends_on=datetime.date(2026, 3, 11))
    login(page, "chen@example.org", password)

    page.goto(f"/enterprises/{enterprise.pk}/?tab=modules")
    page.get_by_role("link", name="Enrol in a module").click()
    page.get_by_label("Module").select_option(label="WC · Workplace Cooperation: a foundation for business success")
    page.get_by_label("Planned on").fill("2026-02-01")
    page.get_by_role("button", name="Enrol").click()
    page.get_by_role("link", name="Progress").click()
    assert matrix_cell(page, "Huzhou Management Centre", 0).startswith("Planned")

    page.goto(f"/training/{session.pk}/")
    page.get_by_label("Name").fill("周丽华")
    page.get_by_label("Enterprise").select_option(label="Huzhou Management Centre")
    # The member menu now lists this enterprise's EIT (only), and what was typed stays.
    page.locator("#id_eit_member option", has_text="王芳 · Huzhou Management Centre").wait_for(state="attached")
    assert page.locator("#id_eit_member option").count() == 2
    assert page.get_by_label("Name").input_value() == "周丽华"
    page.get_by_label("Side").select_option(label="Worker")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_role("button", name="Register").click()
    page.get_by_label("周丽华 2026-03-10").check()
    page.get_by_label("周丽华 2026-03-11").check()
    page.get_by_role("button", name="Save attendance").click()
    assert page.get_by_text("Attendance saved.").is_visible()
    assert "1" in page.get_by_role("row", name="Female Worker").inner_text()

    page.get_by_role("link", name="Progress").click()
    cell = matrix_cell(page, "Huzhou Management Centre", 0)
    assert cell.startswith("Consulting")
    assert "2026-03-11" in cell
