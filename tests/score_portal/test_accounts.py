"""Signing in and out, password reset, invitations: as a person meets them."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator

from score_portal.models import AuditEvent, Role
from tests.factories import UserFactory, province

pytestmark = pytest.mark.django_db
User = get_user_model()

WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."
RESET_LINK = re.compile(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+")


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def signed_in(client):
    return client.get("/").status_code == 200


def without_tokens(html):
    """The page minus what differs between any two requests (the CSRF token) and what the person typed."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="login" value="[^"]*"', "", html)


# Signing in and out


def test_sign_in_by_email_lands_on_the_role_home_page(client, coordinator_zj, password):
    response = sign_in(client, coordinator_zj.email.upper(), password)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Welcome, Zhou Coordinator" in page
    assert "You manage the enterprises of your provinces" in page
    assert AuditEvent.objects.filter(action="login", actor=coordinator_zj).exists()


def test_sign_in_returns_to_the_page_asked_for(client, admin, password):
    response = client.get("/users/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/users/")
    response = client.post("/accounts/login/?next=/users/", {"login": admin.email, "password": password})
    assert response["Location"] == "/users/"


def test_wrong_password_and_unknown_email_get_the_same_page(client, coordinator_zj):
    wrong = sign_in(client, coordinator_zj.email, "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG_CREDENTIALS in wrong.content.decode()
    # Nothing on the page tells whether the address has an account.
    assert without_tokens(wrong.content.decode()) == without_tokens(unknown.content.decode())
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="login_failed", actor_email="nobody@example.org").exists()
    assert AuditEvent.objects.filter(action="login_failed", actor_email=coordinator_zj.email).exists()


def test_inactive_people_cannot_sign_in(client, consultant1, password):
    consultant1.is_active = False
    consultant1.save()
    response = sign_in(client, consultant1.email, password)
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert "This account is inactive" in client.get(response["Location"]).content.decode()
    assert not signed_in(client)
    # With a wrong password an inactive account looks like any other wrong sign-in.
    assert WRONG_CREDENTIALS in sign_in(client, consultant1.email, "wrong").content.decode()


def test_deactivating_someone_ends_their_session(client_for, consultant1):
    client = client_for(consultant1)
    assert signed_in(client)
    consultant1.is_active = False
    consultant1.save()
    assert not signed_in(client)


def test_sign_out_is_a_post_and_ends_the_session(client_for, consultant1):
    client = client_for(consultant1)
    assert signed_in(client)
    # A link (GET) only asks for confirmation, so an image tag on another site cannot sign anyone out.
    assert client.get("/accounts/logout/").status_code == 200
    assert signed_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="logout", actor=consultant1).exists()


def test_nobody_can_sign_up(client):
    page = client.get("/accounts/signup/").content.decode()
    assert "Sign Up Closed" in page and 'name="password1"' not in page
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "a long pass 9876", "password2": "a long pass 9876"},
    )
    assert not User.objects.filter(email="new@example.org").exists()
    assert not signed_in(client)


def test_sign_in_page_says_how_to_get_an_account(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Accounts are created by the programme" in page
    assert "/accounts/signup/" not in page


def test_repeated_failed_sign_ins_are_rate_limited(client, consultant1, password):
    for _ in range(5):
        sign_in(client, consultant1.email, "wrong guess")
    page = sign_in(client, consultant1.email, password).content.decode()
    assert "Too many failed login attempts" in page
    assert not signed_in(client)  # even the right password waits


# Password reset


def email_link(mailoutbox):
    return RESET_LINK.search(mailoutbox[-1].body).group(0)


def set_password_from_link(client, link, new_password):
    """Open the emailed link and set a password, as a person does; returns the final page."""
    path = re.sub(r"^https?://[^/]+", "", link)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    # allauth moves the key out of the address into the session before showing the form.
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    return client.post(form_url, {"password1": new_password, "password2": new_password}, follow=True)


def test_password_reset_end_to_end(client, consultant1, password, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": consultant1.email.upper()})
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [consultant1.email]
    link = email_link(mailoutbox)
    page = set_password_from_link(client, link, "a brand new passphrase 2026").content.decode()
    assert "Your password is now changed." in page
    assert AuditEvent.objects.filter(action="password_reset", actor=consultant1).exists()
    assert WRONG_CREDENTIALS in sign_in(client, consultant1.email, password).content.decode()
    assert sign_in(client, consultant1.email, "a brand new passphrase 2026").status_code == 302
    assert signed_in(client)
    # The link worked once; now it is spent.
    client.post("/accounts/logout/")
    page = client.get(re.sub(r"^https?://[^/]+", "", link), follow=True).content.decode()
    assert "Bad Token" in page and 'name="password1"' not in page


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, consultant1, mailoutbox):
    known = client.post("/accounts/password/reset/", {"email": consultant1.email})
    mailoutbox.clear()
    unknown = client.post("/accounts/password/reset/", {"email": "ghost@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert not User.objects.filter(email="ghost@example.org").exists()
    # No mail to the stranger (allauth's would invite them to a sign-up page this portal has not).
    assert mailoutbox == []


def test_password_reset_mends_a_lost_invitation(client, mailoutbox):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    client.post("/accounts/password/reset/", {"email": invited.email})
    set_password_from_link(client, email_link(mailoutbox), "found my way in 77")
    assert sign_in(client, invited.email, "found my way in 77").status_code == 302


# Invitations


def invite(client, mailoutbox_capture, **data):
    form = {"name": "Gao Ming", "email": "gao.ming@example.org", "role": Role.CONSULTANT, **data}
    with mailoutbox_capture(execute=True):
        return client.post("/users/invite/", form)


def test_invitation_flow(client_for, client, admin, mailoutbox, django_capture_on_commit_callbacks):
    response = invite(
        client_for(admin),
        django_capture_on_commit_callbacks,
        email="Gao.Ming@Example.org",
        role=Role.COORDINATOR,
        preferred_language="zh-hans",
        **{"scope-provinces": [province("CQ").pk]},
    )
    assert response.status_code == 302 and response["Location"] == "/users/"
    invited = User.objects.get(email="gao.ming@example.org")
    assert not invited.has_usable_password()
    assert invited.invited_by == admin
    assert list(invited.provinces.values_list("code", flat=True)) == ["CQ"]
    assert AuditEvent.objects.filter(action="user_invited", actor=admin, target_id=str(invited.pk)).exists()
    [email] = mailoutbox
    assert email.to == ["gao.ming@example.org"]
    assert email.subject == "[SCORE] 邀请您加入 SCORE 项目平台"
    assert "我们已在国际劳工组织 SCORE 项目平台为您创建账户" in email.body
    # The invited person cannot sign in before setting a password.
    assert not signed_in(client)
    set_password_from_link(client, email_link(mailoutbox), "gao ming sets a password 1")
    assert sign_in(client, "gao.ming@example.org", "gao ming sets a password 1").status_code == 302
    assert "您管理所负责省份的企业" in client.get("/").content.decode()  # her home page, in her language
    invited.refresh_from_db()
    assert not invited.invitation_pending


def test_invitation_in_english_by_default(client_for, admin, mailoutbox, django_capture_on_commit_callbacks):
    invite(client_for(admin), django_capture_on_commit_callbacks)
    [email] = mailoutbox
    assert "An account has been created for you on the SCORE Portal" in email.body
    assert "with the role: Consultant" in email.body
    assert RESET_LINK.search(email.body)


def test_invitation_link_expires_after_three_days(
    client_for, client, admin, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    invite(client_for(admin), django_capture_on_commit_callbacks)
    later = datetime.now() + timedelta(days=3, hours=1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    page = client.get(re.sub(r"^https?://[^/]+", "", email_link(mailoutbox)), follow=True).content.decode()
    assert "Bad Token" in page and 'name="password1"' not in page


def test_invitation_can_be_sent_again(client_for, client, admin, mailoutbox, django_capture_on_commit_callbacks):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(f"/users/{invited.pk}/reinvite/", follow=True)
    assert "has been sent again" in response.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [invited.email]
    assert AuditEvent.objects.get(action="user_invited", target_id=str(invited.pk)).data["resent"] is True
    set_password_from_link(client, email_link(mailoutbox), "second time lucky 55")
    assert sign_in(client, invited.email, "second time lucky 55").status_code == 302


def test_no_invitation_again_once_a_password_is_set(
    client_for, admin, consultant1, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(f"/users/{consultant1.pk}/reinvite/", follow=True)
    assert "has already set a password" in response.content.decode()
    assert mailoutbox == [] and not AuditEvent.objects.filter(action="user_invited").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "admin@example.org"}, "A user with this email address already exists."),
        ({"email": "ADMIN@example.org"}, "A user with this email address already exists."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"role": Role.COORDINATOR}, "A coordinator needs at least one province."),
        ({"role": "superhero"}, "Select a valid choice."),
    ],
)
def test_bad_invitations_are_refused_and_write_nothing(
    client_for, admin, mailoutbox, data, message, django_capture_on_commit_callbacks
):
    response = invite(client_for(admin), django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "nothing has been saved" in page
    assert User.objects.count() == 1 and mailoutbox == []
    assert not AuditEvent.objects.filter(action="user_invited").exists()


def test_a_consultant_is_given_no_provinces(client_for, admin, mailoutbox, django_capture_on_commit_callbacks):
    invite(client_for(admin), django_capture_on_commit_callbacks, **{"scope-provinces": [province("ZJ").pk]})
    assert not User.objects.get(email="gao.ming@example.org").provinces.exists()


# Changes to people


def edit(client, user, **changes):
    data = {"name": user.name, "email": user.email, "role": user.role, "is_active": "on", **changes}
    return client.post(f"/users/{user.pk}/", {k: v for k, v in data.items() if v is not None})


def test_role_and_scope_changes_are_audited(client_for, admin, coordinator_zj):
    client = client_for(admin)
    edit(client, coordinator_zj, **{"scope-provinces": [province("ZJ").pk, province("LN").pk]})
    edit(client, coordinator_zj, role=Role.CONSULTANT)
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.role == Role.CONSULTANT
    assert not coordinator_zj.provinces.exists()
    scope = AuditEvent.objects.filter(action="scope_changed").order_by("pk")
    assert [e.data["after"] for e in scope] == [["LN", "ZJ"], []]
    assert all(e.actor == admin for e in scope)
    assert AuditEvent.objects.get(action="role_changed").data == {"before": "coordinator", "after": "consultant"}
    # What the administrator then sees in the audit log.
    page = client.get("/audit/", {"action": "role_changed"}).content.decode()
    assert "Role changed" in page and "Zhou Coordinator" in page


def test_other_changes_are_audited_by_field(client_for, admin, consultant1):
    edit(client_for(admin), consultant1, name="Cai Xiaoming", is_active=None)
    consultant1.refresh_from_db()
    assert consultant1.name == "Cai Xiaoming" and not consultant1.is_active
    event = AuditEvent.objects.get(action="user_updated")
    assert sorted(event.data["fields"]) == ["is_active", "name"]


def test_a_bad_edit_changes_nothing(client_for, admin, coordinator_zj):
    UserFactory(email="taken@example.org")
    response = edit(client_for(admin), coordinator_zj, email="taken@example.org", role=Role.ADMINISTRATOR)
    assert "A user with this email address already exists." in response.content.decode()
    coordinator_zj.refresh_from_db()
    assert coordinator_zj.role == Role.COORDINATOR
    assert not AuditEvent.objects.filter(action__in=["role_changed", "user_updated"]).exists()


def test_the_last_administrator_cannot_demote_or_deactivate_themselves(client_for, admin):
    form = {"name": admin.name, "email": admin.email, "role": Role.CONSULTANT, "is_active": "on"}
    page = client_for(admin).post(f"/users/{admin.pk}/", form).content.decode()
    assert "This is the last active administrator" in page
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR
    UserFactory(role=Role.ADMINISTRATOR)
    client_for(admin).post(f"/users/{admin.pk}/", form)
    admin.refresh_from_db()
    assert admin.role == Role.CONSULTANT


def test_no_invitation_is_sent_to_an_inactive_account(
    client_for, admin, mailoutbox, django_capture_on_commit_callbacks
):
    invited = UserFactory(is_active=False)
    invited.set_unusable_password()
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(f"/users/{invited.pk}/reinvite/", follow=True)
    assert "is inactive" in response.content.decode()
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="user_invited", target_id=str(invited.pk)).exists()
