"""Each demo role's dashboard draws its charts, in English and in Chinese, and a filter redraws
them in place."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from score_portal.models import User
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    ("admin@score.demo", "Provinces side by side", "各省对比"),
    ("coordinator.zj@score.demo", "Visits waiting for approval", "等待审批的现场辅导"),
    ("consultant1@score.demo", "My next visits", "我即将进行的辅导"),
]
DRAWN = "Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => !!(window.Chart && Chart.getChart(c)))"


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    cache.clear()


@pytest.mark.parametrize(("email", "english", "chinese"), ROLES)
def test_each_role_sees_its_charts_in_both_languages(page, demo_data, email, english, chinese):
    for language, title in (("en", english), ("zh-hans", chinese)):
        User.objects.filter(email=email).update(preferred_language=language)
        page.context.clear_cookies()
        login(page, email, "score-demo")
        page.get_by_test_id("dashboard").wait_for()
        drawn = page.evaluate(DRAWN)
        assert drawn and all(drawn), (email, language, drawn)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if title:
            assert page.get_by_text(title).first.is_visible()


def test_a_filter_redraws_the_dashboard_in_place(page, demo_data):
    login(page, "admin@score.demo", "score-demo")
    body = page.get_by_test_id("dashboard-body")
    body.wait_for()
    page.evaluate("document.getElementById('dashboard-body').dataset.marker = 'first'")
    page.get_by_test_id("dashboard-filters").get_by_label("Province").select_option(label="Sichuan")
    page.wait_for_selector("#dashboard-body:not([data-marker])")  # swapped, not reloaded
    assert page.url.endswith("/")
    table = page.get_by_test_id("table-provinces")
    assert table.get_by_role("link", name="Sichuan").is_visible()
    assert table.get_by_role("link", name="Zhejiang").count() == 0
    assert all(page.evaluate(DRAWN))
