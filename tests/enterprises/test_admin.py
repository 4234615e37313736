"""The registry in the Django admin: administrators only, and enterprises are never deleted there."""

import pytest

from .factories import EITMemberFactory

pytestmark = pytest.mark.django_db


def test_administrators_browse_the_registry_in_the_admin(client_for, admin):
    member = EITMemberFactory(name="王静")
    client = client_for(admin)
    assert "王静" in client.get("/django-admin/enterprises/eitmember/").content.decode()
    page = client.get(f"/django-admin/enterprises/enterprise/{member.enterprise.pk}/change/").content.decode()
    assert member.enterprise.credit_code in page
    assert client.get(f"/django-admin/enterprises/enterprise/{member.enterprise.pk}/history/").status_code == 200
    assert client.get(f"/django-admin/enterprises/enterprise/{member.enterprise.pk}/delete/").status_code == 403


def test_coordinators_do_not_reach_the_admin(client_for, coordinator_zj):
    EITMemberFactory()
    response = client_for(coordinator_zj).get("/django-admin/enterprises/enterprise/")
    assert response.status_code in (302, 403)
