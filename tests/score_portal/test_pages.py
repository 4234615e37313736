"""Each role's navigation and home page, user management, the audit log, language, error pages."""

import re

import pytest
from django.test import Client

from enterprises.models import Province
from score_portal.models import AuditEvent, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def nav(client):
    page = client.get("/").content.decode()
    return page.split('data-testid="main-nav"')[1].split("</ul>")[0]


def table(response):
    """The rows of the page's table, as text: what the person reads, not the filter's options."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# Navigation and home pages


def test_each_role_sees_its_own_navigation(client_for, admin, coordinator_zj, consultant1):
    admin_nav = nav(client_for(admin))
    for entry in ["Home", "Enterprises", "Progress", "Training", "Modules", "Provinces", "Users", "Audit log"]:
        assert f">{entry}<" in admin_nav
    coordinator_nav = nav(client_for(coordinator_zj))
    assert ">Enterprises<" in coordinator_nav and ">Progress<" in coordinator_nav
    for entry in ["Users", "Audit log", "Provinces"]:
        assert f">{entry}<" not in coordinator_nav
    consultant_nav = nav(client_for(consultant1))
    assert ">Training<" in consultant_nav and ">Enterprises<" in consultant_nav  # the ones assigned to them
    for entry in ["Users", "Audit log", "Provinces", "Progress", "Consultants"]:
        assert f">{entry}<" not in consultant_nav


def test_the_current_page_is_marked_in_the_navigation(client_for, admin):
    page = client_for(admin).get("/users/").content.decode()
    assert 'aria-current="page" href="/users/">Users<' in page
    assert 'aria-current="page" href="/">' not in page


def test_each_role_home_page_says_what_it_can_do(client_for, admin, coordinator_zj, consultant1):
    admin_home = client_for(admin).get("/").content.decode()
    assert "You run the programme across every province" in admin_home
    assert 'data-testid="role">Administrator<' in admin_home
    coordinator_home = client_for(coordinator_zj).get("/").content.decode()
    assert "You manage the enterprises of your provinces" in coordinator_home
    assert "Your provinces" in coordinator_home and "Zhejiang" in coordinator_home
    assert 'data-testid="role">Coordinator<' in coordinator_home
    consultant_home = client_for(consultant1).get("/").content.decode()
    assert "You record your site visits" in consultant_home
    assert 'data-testid="role">Consultant<' in consultant_home


def test_administrator_home_counts_people_and_pending_invitations(client_for, admin, coordinator_zj, consultant1):
    invited = UserFactory(role=Role.CONSULTANT)
    invited.set_unusable_password()
    invited.save()
    text = re.sub(r"<[^>]+>|\s+", " ", client_for(admin).get("/").content.decode())
    assert re.search(r"Consultant\s+2\b", text) and re.search(r"Invitations not yet accepted\s+1\b", text)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ["/", "/users/", "/users/invite/", "/audit/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(f"/accounts/login/?next={url}")


# Administration is for administrators


@pytest.mark.parametrize("url", ["/users/", "/users/invite/", "/audit/", "/provinces/"])
def test_coordinators_and_consultants_cannot_reach_administration(client_for, coordinator_zj, consultant1, url):
    for user in (coordinator_zj, consultant1):
        response = client_for(user).get(url)
        assert response.status_code == 403
        assert "This page is not part of your role" in response.content.decode()


def test_non_administrators_cannot_edit_or_reinvite_anyone(client_for, coordinator_zj, consultant1, mailoutbox):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    client = client_for(coordinator_zj)
    # Not even themselves: their role is not theirs to change.
    for target in (consultant1, coordinator_zj, invited):
        assert client.get(f"/users/{target.pk}/").status_code == 403
        response = client.post(
            f"/users/{target.pk}/",
            {"name": "Taken Over", "email": target.email, "role": Role.ADMINISTRATOR, "is_active": "on"},
        )
        assert response.status_code == 403
    assert client.post(f"/users/{invited.pk}/reinvite/").status_code == 403
    invitation = {"name": "X", "email": "x@example.org", "role": Role.CONSULTANT}
    assert client.post("/users/invite/", invitation).status_code == 403
    assert not User.objects.filter(name="Taken Over").exists()
    assert not User.objects.filter(role=Role.ADMINISTRATOR).exists()
    assert not User.objects.filter(email="x@example.org").exists()
    assert mailoutbox == []


def test_missing_user_is_404(client_for, admin):
    client = client_for(admin)
    assert client.get("/users/999999/").status_code == 404
    assert client.post("/users/999999/", {"name": "X"}).status_code == 404
    assert client.post("/users/999999/reinvite/").status_code == 404


def test_django_admin_is_for_administrators_only(client_for, admin, coordinator_zj, consultant1):
    for user in (coordinator_zj, consultant1):
        response = client_for(user).get("/django-admin/", follow=True)
        assert response.redirect_chain[0][0].startswith("/django-admin/login/")
        page = response.content.decode()
        assert "not authorized to access this page" in page
        assert "Site administration" not in page and "/django-admin/score_portal/" not in page
        assert client_for(user).get("/django-admin/score_portal/user/").status_code == 302
    page = client_for(admin).get("/django-admin/").content.decode()
    assert "Site administration" in page


def test_cancel_on_the_user_form_stays_on_this_site(client_for, admin):
    page = client_for(admin).get("/users/invite/", {"next": "https://evil.example/"}).content.decode()
    assert 'href="https://evil.example/"' not in page and 'href="/users/">Cancel<' in page
    assert 'href="/users/?role=consultant"' in (
        client_for(admin).get("/users/invite/", {"next": "/users/?role=consultant"}).content.decode()
    )


# User list


def test_user_list_searches_and_filters_by_role(client_for, admin):
    UserFactory.create_batch(3)
    UserFactory(name="Xu Coordinator", email="xu@province.cn", role=Role.COORDINATOR)
    client = client_for(admin)
    rows = table(client.get("/users/", {"q": "xu"}))
    assert "Xu Coordinator" in rows and "Person" not in rows
    assert "Xu Coordinator" in table(client.get("/users/", {"q": "PROVINCE.CN"}))
    rows = table(client.get("/users/", {"role": Role.COORDINATOR}))
    assert "Xu Coordinator" in rows and "Person" not in rows and "Ada Admin" not in rows
    rows = table(client.get("/users/", {"role": Role.CONSULTANT, "q": "xu"}))
    assert "Xu Coordinator" not in rows
    # A filter value nobody offered is ignored, not an error.
    assert client.get("/users/", {"role": "emperor"}).status_code == 200


def test_user_list_pages_through_everyone(client_for, admin):
    UserFactory.create_batch(30)
    client = client_for(admin)
    first, second = client.get("/users/"), client.get("/users/", {"page": 2})
    assert first.context["paginator"].count == 31 and len(first.context["object_list"]) == 25
    assert len(second.context["object_list"]) == 6
    first_ids = {u.pk for u in first.context["object_list"]}
    assert first_ids.isdisjoint(u.pk for u in second.context["object_list"])
    assert "Page 2 of 2" in second.content.decode()
    assert client.get("/users/", {"page": 9}).status_code == 404


def test_user_list_query_count_does_not_grow_with_people(client_for, admin, django_assert_max_num_queries):
    provinces = Province.objects.all()[:2]
    for coordinator in UserFactory.create_batch(2, role=Role.COORDINATOR):
        coordinator.provinces.set(provinces)
    UserFactory.create_batch(3)
    client = client_for(admin)
    with django_assert_max_num_queries(15) as few:
        client.get("/users/")
    for coordinator in UserFactory.create_batch(20, role=Role.COORDINATOR):
        coordinator.provinces.set(provinces)
    UserFactory.create_batch(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/users/")
    assert response.context["paginator"].count == 41


# Audit log


def test_audit_log_searches_by_email_and_filters_by_action(client_for, admin, client, consultant1, password):
    client.post("/accounts/login/", {"login": "intruder@example.org", "password": "guess"})
    Client().post("/accounts/login/", {"login": consultant1.email, "password": password})
    log = client_for(admin)
    rows = table(log.get("/audit/", {"q": "intruder"}))
    assert "intruder@example.org" in rows and "consultant1@example.org" not in rows
    rows = table(log.get("/audit/", {"action": "login"}))
    assert "Signed in" in rows and "Failed sign-in" not in rows and "intruder" not in rows
    rows = table(log.get("/audit/", {"q": "intruder", "action": "login_failed"}))
    assert "intruder@example.org" in rows and "Failed sign-in" in rows
    rows = table(log.get("/audit/", {"q": "intruder", "action": "login"}))
    assert "Nothing recorded matches these filters." in rows


def test_audit_log_with_a_bad_date_says_so(client_for, admin):
    response = client_for(admin).get("/audit/", {"date_from": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_audit_log_query_count_does_not_grow(client_for, admin, django_assert_max_num_queries):
    client = client_for(admin)
    with django_assert_max_num_queries(15) as few:
        client.get("/audit/")
    for user in UserFactory.create_batch(30):
        AuditEvent.objects.create(action="login", actor=user, actor_email=user.email)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/audit/")


# Language


def test_language_switch_persists_on_the_user_and_pages_turn_chinese(client_for, coordinator_zj, password):
    client = client_for(coordinator_zj)
    response = client.post("/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.preferred_language == "zh-hans"
    page = client.get("/").content.decode()
    # Chinese from the project's own catalogue: the nav label and the role summary.
    assert 'lang="zh-hans"' in page
    assert ">首页<" in page and ">企业<" in page
    assert "您管理所负责省份的企业" in page
    # Signed out and in again, on a new browser without the language cookie: still Chinese.
    client.post("/accounts/logout/")
    fresh = Client()
    fresh.post("/accounts/login/", {"login": coordinator_zj.email, "password": password})
    page = fresh.get("/").content.decode()
    assert ">首页<" in page and "您管理所负责省份的企业" in page


def test_switching_back_to_english_is_saved_too(client_for, coordinator_zj):
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    client = client_for(coordinator_zj)
    client.post("/language/", {"language": "en", "next": "/"})
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.preferred_language == "en"
    assert ">Home<" in client.get("/").content.decode()


def test_an_unknown_language_changes_nothing(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    client.post("/language/", {"language": "klingon", "next": "/"})
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.preferred_language == ""
    assert ">Home<" in client.get("/").content.decode()


def test_language_switch_does_not_redirect_off_site(client_for, coordinator_zj):
    response = client_for(coordinator_zj).post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_visitors_can_switch_the_sign_in_page_to_chinese(client):
    client.post("/language/", {"language": "zh-hans", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page


def test_a_chinese_browser_gets_chinese_before_signing_in(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page


# Error pages


def test_branded_404_page(client_for, coordinator_zj, client, settings):
    settings.DEBUG = False
    for visitor in (client_for(coordinator_zj), client):
        response = visitor.get("/no/such/page/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Page not found" in page and "Back to your home page" in page
        assert '<a class="btn btn-primary" href="/">' in page


def test_branded_404_page_in_chinese(client_for, coordinator_zj, settings):
    settings.DEBUG = False
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    page = client_for(coordinator_zj).get("/no/such/page/").content.decode()
    assert "页面未找到" in page and "返回首页" in page


def test_branded_403_page_links_home(client_for, consultant1):
    page = client_for(consultant1).get("/users/").content.decode()
    assert "This page is not part of your role" in page and '<a class="btn btn-primary" href="/">' in page


def test_500_page_renders_on_its_own():
    from django.template import loader

    # Rendered with no request and no context processors, as Django does when everything else failed.
    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html and "系统出现错误" in html
    assert "{%" not in html and "{{" not in html
