"""Each demo role signs in through the real page and lands on its own home page;
the screenshots README shows are made here."""

import pytest
from django.core.management import call_command

from tests.e2e.conftest import DOCS, login

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    (
        "admin@score.demo",
        "administrator",
        "Administrator",
        "You run the programme across every province",
        ["Home", "Enterprises", "Provinces", "Users", "Audit log"],
        [],
    ),
    (
        "coordinator.zj@score.demo",
        "coordinator",
        "Coordinator",
        "You manage the enterprises of your provinces",
        ["Home", "Enterprises", "Progress", "Training"],
        ["Users", "Audit log", "Provinces"],
    ),
    (
        "consultant1@score.demo",
        "consultant",
        "Consultant",
        "You record your site visits to the enterprises you are assigned to",
        ["Home", "Enterprises", "Training", "Modules"],
        ["Users", "Audit log", "Provinces", "Progress"],
    ),
]


@pytest.fixture
def demo_data():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def nav_entries(page):
    return [text.strip() for text in page.get_by_test_id("main-nav").locator(".nav-link").all_inner_texts()]


def fits_the_window(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("email", "slug", "role", "summary", "shown", "hidden"), ROLES)
def test_demo_role_lands_on_its_home_page(page, demo_data, email, slug, role, summary, shown, hidden):
    login(page, email, "score-demo")
    assert page.url.endswith("/")
    assert page.get_by_test_id("role").inner_text() == role
    assert summary in page.get_by_test_id("role-summary").inner_text()
    entries = nav_entries(page)
    assert set(shown) <= set(entries)
    assert not set(hidden) & set(entries)
    # Every role's bar fits a desktop window: nothing pushed off to the right.
    assert fits_the_window(page)
    assert page.get_by_test_id("account-menu").is_visible()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / f"home-{slug}.png"), full_page=True)


def test_language_switch_on_a_desktop(page, demo_data):
    login(page, "consultant1@score.demo", "score-demo")
    with page.expect_navigation():
        page.get_by_test_id("language-switcher").get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "首页" in nav_entries(page)
    assert "您记录对所负责企业的现场辅导" in page.get_by_test_id("role-summary").inner_text()
    assert page.get_by_test_id("role").inner_text() == "顾问"
    assert fits_the_window(page)
    # Chosen once, kept: the next page is Chinese too, and English is one click back.
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert "Home" in nav_entries(page)


def test_phone_navigation_and_language_switch(phone_page, demo_data):
    page = phone_page
    login(page, "coordinator.zj@score.demo", "score-demo")
    assert fits_the_window(page)
    nav = page.get_by_test_id("main-nav")
    assert not nav.is_visible()  # folded behind the menu button on a phone
    page.get_by_role("button", name="Menu").tap()
    nav.wait_for(state="visible")
    assert "Enterprises" in nav_entries(page)
    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").tap()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert not page.get_by_test_id("main-nav").is_visible()
    page.get_by_role("button", name="菜单").tap()
    page.get_by_test_id("main-nav").wait_for(state="visible")
    assert "企业" in nav_entries(page)
    assert "您管理所负责省份的企业" in page.get_by_test_id("role-summary").inner_text()
    assert fits_the_window(page)


def test_the_audit_log_reads_as_cards_on_a_phone(phone_page, demo_data):
    """Each event is a card with its cells labelled, and nothing runs off the screen."""
    page = phone_page
    login(page, "admin@score.demo", "score-demo")
    page.goto("/audit/")
    events = page.get_by_test_id("audit-events")
    assert not events.locator("thead").is_visible()
    first = events.locator("tbody tr").first
    labels = first.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"Who"', '"Action"', '"Record"', '"From"']
    assert first.bounding_box()["width"] <= 390
    assert fits_the_window(page)
    page.screenshot(path=str(DOCS / "audit-phone.png"), full_page=False)
