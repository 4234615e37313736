import pytest

from tests.e2e.conftest import login
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import UserFactory, province

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_finds_by_chinese_name_adds_member_and_sees_history(phone_page, password):
    page = phone_page
    UserFactory(email="chen@example.org", name="Chen Jing", role="coordinator", provinces=[province("ZJ")])
    EnterpriseFactory(name_en="Shaoxing Management Centre", name_zh="绍兴管理中心", is_pilot_unit=True)
    EnterpriseFactory(name_en="Ningbo Management Centre", name_zh="宁波管理中心")
    login(page, "chen@example.org", password)

    page.get_by_role("button", name="Menu").click()
    page.get_by_test_id("main-nav").get_by_role("link", name="Enterprises").click()
    page.get_by_label("Search").fill("绍兴")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_test_id("result-count").inner_text() == "1 enterprise found"
    page.get_by_role("link", name="绍兴管理中心").click()

    page.get_by_role("link", name="EIT").click()
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Name").fill("周丽")
    page.get_by_label("Position").fill("班组长")
    page.get_by_label("Side").select_option(label="Worker")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("EIT secretary").check()
    page.get_by_label("Joined on").fill("2026-03-02")
    page.get_by_role("button", name="Save").click()

    assert page.get_by_text("Saved.").is_visible()
    row = page.get_by_role("row", name="周丽")
    assert "EIT secretary" in row.inner_text()

    page.get_by_role("link", name="History").click()
    history = page.get_by_test_id("history").inner_text()
    assert "EIT member 周丽 added" in history
    assert "Chen Jing" in history
    assert "Position: 班组长" in history


def test_coordinator_imports_a_spreadsheet_after_fixing_the_rows_it_lists(page, password, tmp_path, settings):
    import io

    from openpyxl import Workbook

    from enterprises.models import Enterprise
    from enterprises.spreadsheets import ENTERPRISE_COLUMNS
    from tests.enterprises.factories import credit_code

    settings.MEDIA_ROOT = tmp_path
    UserFactory(email="chen@example.org", name="Chen Jing", role="coordinator", provinces=[province("ZJ")])

    def workbook(female):
        values = {"credit_code": credit_code(40), "name_en": "Huzhou Bamboo", "name_zh": "湖州竹制品", "province": "ZJ"}
        values.update({"city": "Huzhou", "sector": "C", "status": "Enrolled", "employees_female": female})
        book = Workbook()
        book.active.append([c.header() for c in ENTERPRISE_COLUMNS])
        book.active.append([values.get(c.field, "") for c in ENTERPRISE_COLUMNS])
        out = io.BytesIO()
        book.save(out)
        return {"name": "enterprises.xlsx", "mimeType": "application/octet-stream", "buffer": out.getvalue()}

    login(page, "chen@example.org", password)
    page.goto("/enterprises/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Enterprises").check()
    page.get_by_label("File (.xlsx or .csv)").set_input_files(workbook("N/A"))
    page.get_by_role("button", name="Check the file").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "nothing has been saved" in errors
    assert "Female employees" in errors and "“N/A” is not a number." in errors

    page.get_by_label("Enterprises").check()
    page.get_by_label("File (.xlsx or .csv)").set_input_files(workbook("35"))
    page.get_by_role("button", name="Check the file").click()
    assert "1 will be added and 0 updated" in page.get_by_test_id("import-preview").inner_text()
    assert not Enterprise.objects.exists()
    page.get_by_role("button", name="Confirm the import").click()

    assert page.get_by_text("Import done: 1 added, 0 updated.").is_visible()
    assert page.get_by_role("link", name="湖州竹制品").is_visible()
    assert Enterprise.objects.get().employees_female == 35
