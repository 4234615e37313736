"""A list's total is kept with the figures (score_portal.datacache.CachedCountMixin): it must
change as soon as a record it counts does, and never be another user's total."""

import re

import pytest

from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province

pytestmark = pytest.mark.django_db


def total(client, url):
    page = client.get(url).content.decode()
    return int(re.search(r'data-testid="result-count">(\d+) enterprise', page)[1])


def test_the_total_follows_the_records_and_the_users_scope(client_for, coordinator_zj, coordinator_sc):
    EnterpriseFactory(province=province("ZJ"), status="active")
    zj, sc = client_for(coordinator_zj), client_for(coordinator_sc)
    url = "/enterprises/?status=active"
    assert total(zj, url) == 1
    assert total(sc, url) == 0  # the same list for another user is their own total

    EnterpriseFactory(province=province("ZJ"), status="active")
    assert total(zj, url) == 2  # a new enterprise is counted at once
    assert total(zj, "/enterprises/?status=prospect") == 0  # each query string has its total

    coordinator_sc.provinces.add(province("ZJ"))  # a wider scope is counted at once too
    assert total(sc, url) == 2
