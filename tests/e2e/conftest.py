"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The live server runs in another thread of this process; Playwright's sync API
keeps an event loop running in the test thread, so Django's async-safety guard
must be told that ORM calls from the test are fine.
"""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


# Data the migrations seed (provinces, the module catalogue). A browser test runs on a
# real transaction, and the flush after it empties every table, so each browser test
# seeds them again. (serialized_rollback does not survive Playwright's event loop in
# the test thread: Django's connection objects are context-local.)
SEED_MIGRATIONS = ["enterprises.migrations.0002_seed_provinces", "modules.migrations.0002_catalogue"]


@pytest.fixture(autouse=True)
def _reference_data(request):
    if "live_server" not in request.fixturenames and "page" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/os-deps.sh does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, locale="en-GB", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, email, password):
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
