"""Two-factor sign-in: optional for everyone, required for administrators when PORTAL_ADMIN_MFA
asks for it (production), with an authenticator app and recovery codes."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache

from score_portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def code_for(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(client, user, password):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def activate_totp(client, password):
    """Set up an authenticator app the way a person does: confirm the password (allauth asks again
    before a change of sign-in methods), read the secret, type its code."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/")
    client.post(page["Location"], {"password": password})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret)})
    assert done.status_code == 302, done.content.decode()[:2000]
    return secret


def test_administrators_must_set_up_a_second_factor_when_required(
    client, admin, password, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_ADMIN_MFA = True
    sign_in(client, admin, password)
    for page in ("/", "/enterprises/", "/audit/", "/dashboard/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/", page
    page = client.get("/", follow=True).content.decode()
    assert "Administrators must sign in with two factors" in page
    with django_capture_on_commit_callbacks(execute=True):
        activate_totp(client, password)
    assert client.get("/").status_code == 200
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(actor=admin, action=AuditEvent.Action.MFA_ADDED).exists()


def test_other_roles_and_the_demo_are_not_forced(client, admin, coordinator_zj, password, settings):
    settings.PORTAL_ADMIN_MFA = True
    sign_in(client, coordinator_zj, password)
    assert client.get("/").status_code == 200
    settings.PORTAL_ADMIN_MFA = False  # the demo of README's first command
    client.post("/accounts/logout/")
    sign_in(client, admin, password)
    assert client.get("/").status_code == 200


def test_signing_in_asks_for_the_code_and_refuses_a_wrong_one(client, consultant1, password):
    sign_in(client, consultant1, password)
    secret = activate_totp(client, password)  # optional for consultants, and it works for them too
    client.post("/accounts/logout/")
    cache.clear()  # allauth refuses a code used once; this test's next code may fall in the same 30 s
    response = sign_in(client, consultant1, password)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED, actor_email=consultant1.email)
    assert failed.data == {"step": "second factor"} and failed.ip_address
    assert client.get("/").status_code == 302
    right = client.post("/accounts/2fa/authenticate/", {"code": code_for(secret)})
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(actor=consultant1, action=AuditEvent.Action.LOGIN).exists()


def test_a_recovery_code_works_once(client, coordinator_zj, password):
    sign_in(client, coordinator_zj, password)
    activate_totp(client, password)
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = re.findall(r"\b[0-9a-f]{8}\b", page)
    assert len(codes) >= 10, page[:3000]
    client.post("/accounts/logout/")
    sign_in(client, coordinator_zj, password)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, coordinator_zj, password)
    again = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert again.status_code == 200 and client.get("/").status_code == 302


def test_the_set_up_page_speaks_chinese(client, admin, password, settings):
    settings.PORTAL_ADMIN_MFA = True
    admin.preferred_language = "zh-hans"
    admin.save()
    sign_in(client, admin, password)
    page = client.get("/", follow=True).content.decode()
    assert "管理员必须使用双因素身份认证登录" in page
    assert "Activate Authenticator App" not in page


def test_the_account_panel_says_whether_it_is_on(client, consultant1, password):
    sign_in(client, consultant1, password)
    page = client.get("/").content.decode()
    assert 'data-testid="mfa-status">Off<' in page and 'href="/accounts/2fa/"' in page
    activate_totp(client, password)
    assert 'data-testid="mfa-status">On: an authenticator app<' in client.get("/").content.decode()
