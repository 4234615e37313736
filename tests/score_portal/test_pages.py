"""Each role's navigation and home page, user management, the audit log, language."""

import pytest

from score_portal.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def nav(client):
    page = client.get("/").content.decode()
    return page.split('data-testid="main-nav"')[1].split("</ul>")[0]


def test_each_role_sees_its_own_navigation(client_for, admin, coordinator_zj, consultant1):
    admin_nav = nav(client_for(admin))
    for entry in ["Home", "Enterprises", "Progress", "Training", "Modules", "Provinces", "Users", "Audit log"]:
        assert f">{entry}<" in admin_nav
    coordinator_nav = nav(client_for(coordinator_zj))
    assert ">Enterprises<" in coordinator_nav and ">Progress<" in coordinator_nav
    assert ">Users<" not in coordinator_nav and ">Audit log<" not in coordinator_nav
    consultant_nav = nav(client_for(consultant1))
    assert ">Training<" in consultant_nav and ">Enterprises<" in consultant_nav  # the ones assigned to them
    assert (
        ">Users<" not in consultant_nav and ">Progress<" not in consultant_nav and ">Consultants<" not in consultant_nav
    )


def test_each_role_home_page_says_what_it_can_do(client_for, admin, coordinator_zj, consultant1):
    assert "You run the programme across every province" in client_for(admin).get("/").content.decode()
    coordinator_home = client_for(coordinator_zj).get("/").content.decode()
    assert "Your provinces" in coordinator_home and "Zhejiang" in coordinator_home
    assert "You record your site visits" in client_for(consultant1).get("/").content.decode()


@pytest.mark.parametrize("url", ["/users/", "/users/invite/", "/audit/", "/provinces/"])
def test_coordinators_and_consultants_cannot_reach_administration(client_for, coordinator_zj, consultant1, url):
    for user in (coordinator_zj, consultant1):
        response = client_for(user).get(url)
        assert response.status_code == 403
        assert "This page is not part of your role" in response.content.decode()


def test_django_admin_is_for_administrators_only(client_for, admin, coordinator_zj):
    response = client_for(coordinator_zj).get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]
    assert client_for(admin).get("/django-admin/").status_code == 200


def test_missing_user_is_404(client_for, admin):
    assert client_for(admin).get("/users/999999/").status_code == 404


def test_user_list_searches_filters_and_keeps_queries_flat(client_for, admin, django_assert_max_num_queries):
    UserFactory.create_batch(5)
    UserFactory(name="Xu Coordinator", role="coordinator")
    client = client_for(admin)
    page = client.get("/users/", {"q": "xu"}).content.decode()
    assert "Xu Coordinator" in page and "Person 0" not in page
    assert "Xu Coordinator" in client.get("/users/", {"role": "coordinator"}).content.decode()
    with django_assert_max_num_queries(15) as few:
        client.get("/users/")
    UserFactory.create_batch(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/users/")
    assert response.context["paginator"].count == 47


def test_audit_log_searches_by_email_and_action(client_for, admin, client):
    client.post("/accounts/login/", {"login": "intruder@example.org", "password": "guess"})
    page = client_for(admin).get("/audit/", {"q": "intruder", "action": "login_failed"}).content.decode()
    assert "intruder@example.org" in page and "Failed sign-in" in page
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_language_switch_persists_on_the_user_and_pages_turn_chinese(client_for, coordinator_zj, password):
    client = client_for(coordinator_zj)
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.preferred_language == "zh-hans"
    page = client.get("/").content.decode()
    assert ">首页<" in page and "您管理所负责省份的企业" in page and 'lang="zh-hans"' in page
    # Signing in again, on a new browser, keeps Chinese.
    from django.test import Client

    fresh = Client()
    fresh.post("/accounts/login/", {"login": coordinator_zj.email, "password": password})
    assert ">首页<" in fresh.get("/").content.decode()


def test_branded_404_page(client_for, coordinator_zj, settings):
    settings.DEBUG = False
    response = client_for(coordinator_zj).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Back to your home page" in page


def test_500_page_renders_on_its_own():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html and "系统出现错误" in html
