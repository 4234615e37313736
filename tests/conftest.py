"""Shared fixtures: the named people every view is tested against.

admin            sees everything
coordinator_zj   coordinator in scope (Zhejiang)
coordinator_sc   coordinator outside (Sichuan)
consultant1      the consultant assigned (assignments arrive with visits)
consultant2      a consultant not assigned
"""

import pytest
from django.test import Client

from score_portal.celery import app as celery_app
from score_portal.models import Role

from .factories import PASSWORD, UserFactory, province


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Unit tests run tasks in-process; the worker tests start a real worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, so allauth's sign-in rate limits of one test
    (counted per address in the cache) do not lock out the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def reference_data():
    """A test on real transactions starts after others have flushed the tables: the provinces
    and the module catalogue that migrations seed are put back."""
    import importlib

    from django.apps import apps

    from tests.e2e.conftest import SEED_MIGRATIONS

    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def admin(db):
    return UserFactory(email="admin@example.org", name="Ada Admin", role=Role.ADMINISTRATOR)


@pytest.fixture
def coordinator_zj(db):
    return UserFactory(
        email="coord.zj@example.org", name="Zhou Coordinator", role=Role.COORDINATOR, provinces=[province("ZJ")]
    )


@pytest.fixture
def coordinator_sc(db):
    return UserFactory(
        email="coord.sc@example.org", name="Sun Coordinator", role=Role.COORDINATOR, provinces=[province("SC")]
    )


@pytest.fixture
def consultant1(db):
    return UserFactory(email="consultant1@example.org", name="Cai Consultant", role=Role.CONSULTANT)


@pytest.fixture
def consultant2(db):
    return UserFactory(email="consultant2@example.org", name="Deng Consultant", role=Role.CONSULTANT)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin):  # noqa: F811 - replaces pytest-django's superuser client on purpose
    return _client_for(admin)


@pytest.fixture
def client_for():
    return _client_for
