"""Sessions end when idle, and a password change signs out every other session."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_idle_session_expires_and_activity_extends_it(coordinator_zj, password, settings):
    client = Client()
    assert client.login(email=coordinator_zj.email, password=password)
    session = Session.objects.get()
    # Pretend the session was last touched just before the idle limit: a request renews it.
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=5))
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Past the limit the same cookie no longer signs anyone in.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_change_signs_out_other_sessions(consultant1, password):
    laptop, phone = Client(), Client()
    assert laptop.login(email=consultant1.email, password=password)
    assert phone.login(email=consultant1.email, password=password)
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # the session that changed it stays signed in
    assert phone.get("/").status_code == 302  # the other one is signed out


def test_a_session_is_written_again_at_most_once_a_minute(coordinator_zj, password, settings):
    """Renewing the session on every page wrote a row and waited for the disk each time."""
    client = Client()
    assert client.login(email=coordinator_zj.email, password=password)
    assert client.get("/").status_code == 200  # the first page renews: a minute starts
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=30))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/enterprises/").status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    assert Session.objects.get().expire_date < timezone.now() + timedelta(seconds=60)
    # A minute later (here: at once) the page renews it, cookie and row.
    settings.SESSION_RENEW_AFTER = 0
    response = client.get("/enterprises/")
    assert Session.objects.get().expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
