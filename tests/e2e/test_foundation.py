"""Each demo role signs in through the real page and lands on its own home page;
the screenshots README shows are made here."""

import pytest
from django.core.management import call_command

from tests.e2e.conftest import DOCS, login

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    ("admin@score.demo", "administrator", "Administrator", ["Users", "Audit log", "Enterprises"]),
    ("coordinator.zj@score.demo", "coordinator", "Coordinator", ["Enterprises", "Progress", "Training"]),
    ("consultant1@score.demo", "consultant", "Consultant", ["Enterprises", "Training", "Modules"]),
]


@pytest.fixture
def demo_data():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(("email", "slug", "role", "entries"), ROLES)
def test_demo_role_lands_on_its_home_page(page, demo_data, email, slug, role, entries):
    login(page, email, "score-demo")
    assert page.url.endswith("/")
    assert page.get_by_test_id("role").inner_text() == role
    assert page.get_by_test_id("role-summary").is_visible()
    nav = page.get_by_test_id("main-nav").inner_text()
    for entry in entries:
        assert entry in nav
    if role != "Administrator":
        assert "Users" not in nav
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / f"home-{slug}.png"), full_page=True)


def test_phone_navigation_and_language_switch(phone_page, demo_data):
    page = phone_page
    login(page, "coordinator.zj@score.demo", "score-demo")
    nav = page.get_by_test_id("main-nav")
    assert not nav.is_visible()  # folded behind the menu button on a phone
    page.get_by_role("button", name="Menu").click()
    assert nav.is_visible()
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("button", name="菜单").click()
    assert "企业" in page.get_by_test_id("main-nav").inner_text()
    assert "您管理所负责省份的企业" in page.get_by_test_id("role-summary").inner_text()
