"""Signing in and out, password reset, invitations: as a person meets them."""

import re

import pytest
from django.contrib.auth import get_user_model

from score_portal.models import AuditEvent, Role
from tests.factories import UserFactory, province

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_by_email_lands_on_the_role_home_page(client, coordinator_zj, password):
    response = sign_in(client, coordinator_zj.email.upper(), password)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Welcome, Zhou Coordinator" in page
    assert "You manage the enterprises of your provinces" in page
    assert AuditEvent.objects.filter(action="login", actor=coordinator_zj).exists()


def test_wrong_password_and_unknown_email_get_the_same_message(client, coordinator_zj):
    wrong = sign_in(client, coordinator_zj.email, "not the password").content.decode()
    unknown = sign_in(client, "nobody@example.org", "not the password").content.decode()
    message = "The email address and/or password you specified are not correct."
    assert message in wrong and message in unknown
    assert AuditEvent.objects.filter(action="login_failed", actor_email="nobody@example.org").exists()


def test_inactive_people_cannot_sign_in(client, consultant1, password):
    consultant1.is_active = False
    consultant1.save()
    sign_in(client, consultant1.email, password)
    assert client.get("/").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(client_for, consultant1):
    client = client_for(consultant1)
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_nobody_can_sign_up(client):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "a long pass 9876", "password2": "a long pass 9876"},
    )
    assert not User.objects.filter(email="new@example.org").exists()


def follow_email_link(client, mailoutbox, new_password):
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mailoutbox[-1].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": new_password, "password2": new_password},
    )


def test_password_reset_end_to_end(client, consultant1, mailoutbox):
    client.post("/accounts/password/reset/", {"email": consultant1.email})
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [consultant1.email]
    follow_email_link(client, mailoutbox, "a brand new passphrase 2026")
    assert sign_in(client, consultant1.email, "a brand new passphrase 2026").status_code == 302
    assert client.get("/").status_code == 200


def test_password_reset_for_an_unknown_email_looks_the_same_and_creates_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "ghost@example.org"}, follow=True)
    assert response.status_code == 200
    assert not User.objects.filter(email="ghost@example.org").exists()


def test_invitation_flow(client_for, client, admin, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            "/users/invite/",
            {
                "name": "Gao Ming",
                "email": "Gao.Ming@Example.org",
                "role": Role.COORDINATOR,
                "preferred_language": "zh-hans",
                "scope-provinces": [province("CQ").pk],
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(email="gao.ming@example.org")
    assert not invited.has_usable_password()
    assert list(invited.provinces.values_list("code", flat=True)) == ["CQ"]
    assert AuditEvent.objects.filter(action="user_invited", target_id=str(invited.pk)).exists()
    [email] = mailoutbox
    assert email.subject == "[SCORE] 邀请您加入 SCORE 项目平台"
    assert "我们已在国际劳工组织 SCORE 项目平台为您创建账户" in email.body
    follow_email_link(client, mailoutbox, "gao ming sets a password 1")
    assert sign_in(client, "gao.ming@example.org", "gao ming sets a password 1").status_code == 302
    invited.refresh_from_db()
    assert not invited.invitation_pending


def test_invitation_can_be_sent_again(client_for, admin, mailoutbox, django_capture_on_commit_callbacks):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(f"/users/{invited.pk}/reinvite/")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [invited.email]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "admin@example.org"}, "A user with this email address already exists."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"role": Role.COORDINATOR}, "A coordinator needs at least one province."),
    ],
)
def test_bad_invitations_are_refused_and_write_nothing(
    client_for, admin, mailoutbox, data, message, django_capture_on_commit_callbacks
):
    form = {"name": "Someone", "email": "someone@example.org", "role": Role.CONSULTANT, **data}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/users/invite/", form)
    assert message in response.content.decode()
    assert User.objects.count() == 1 and mailoutbox == []


def test_role_and_scope_changes_are_audited(client_for, admin, coordinator_zj):
    client_for(admin).post(
        f"/users/{coordinator_zj.pk}/",
        {
            "name": coordinator_zj.name,
            "email": coordinator_zj.email,
            "role": Role.COORDINATOR,
            "is_active": "on",
            "scope-provinces": [province("ZJ").pk, province("LN").pk],
        },
    )
    client_for(admin).post(
        f"/users/{coordinator_zj.pk}/",
        {"name": coordinator_zj.name, "email": coordinator_zj.email, "role": Role.CONSULTANT, "is_active": "on"},
    )
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.role == Role.CONSULTANT
    assert not coordinator_zj.provinces.exists()
    scope = AuditEvent.objects.filter(action="scope_changed").order_by("pk")
    assert [e.data["after"] for e in scope] == [["LN", "ZJ"], []]
    assert AuditEvent.objects.get(action="role_changed").data == {"before": "coordinator", "after": "consultant"}


def test_repeated_failed_sign_ins_are_rate_limited(client, consultant1, password):
    for _ in range(5):
        sign_in(client, consultant1.email, "wrong guess")
    page = sign_in(client, consultant1.email, password).content.decode()
    assert "Too many failed login attempts" in page
    assert client.get("/").status_code == 302  # even the right password waits
