"""Scope matrix: who sees and changes which enterprise, for every registry page."""

import datetime

import pytest

from enterprises.models import EITMeeting, Suggestion
from tests.factories import province

from .factories import EITMemberFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zj_enterprise():
    return EnterpriseFactory(name_en="Hangzhou Valves", name_zh="杭州阀门", province=province("ZJ"))


@pytest.fixture
def sc_enterprise():
    return EnterpriseFactory(name_en="Chengdu Foods", name_zh="成都食品", province=province("SC"))


def pages(enterprise):
    member = EITMemberFactory(enterprise=enterprise)
    meeting = EITMeeting.objects.create(enterprise=enterprise, held_on=datetime.date(2026, 1, 5), topics="5S")
    suggestion = Suggestion.objects.create(
        enterprise=enterprise, submitted_by="王", submitted_on=datetime.date(2026, 1, 5), area="CP", title="LED"
    )
    pk = enterprise.pk
    return [
        f"/enterprises/{pk}/eit/{member.pk}/leave/",
        f"/enterprises/{pk}/meetings/{meeting.pk}/",
        f"/enterprises/{pk}/suggestions/{suggestion.pk}/",
        f"/enterprises/{pk}/restore/",
        f"/enterprises/{pk}/",
        f"/enterprises/{pk}/?tab=history",
        f"/enterprises/{pk}/edit/",
        f"/enterprises/{pk}/archive/",
        f"/enterprises/{pk}/eit/new/",
        f"/enterprises/{pk}/eit/{member.pk}/",
        f"/enterprises/{pk}/meetings/new/",
        f"/enterprises/{pk}/suggestions/new/",
    ]


def test_coordinator_of_the_province_reaches_every_page(client_for, coordinator_zj, zj_enterprise):
    client = client_for(coordinator_zj)
    for url in pages(zj_enterprise):
        assert client.get(url).status_code == 200, url


def test_administrator_reaches_every_page(client_for, admin, sc_enterprise):
    client = client_for(admin)
    for url in pages(sc_enterprise):
        assert client.get(url).status_code == 200, url


def test_coordinator_of_another_province_gets_404_everywhere(client_for, coordinator_sc, zj_enterprise):
    client = client_for(coordinator_sc)
    for url in pages(zj_enterprise):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name_en": "x"}).status_code in (404, 405), url  # 405: a read-only page
    zj_enterprise.refresh_from_db()
    assert zj_enterprise.name_en == "Hangzhou Valves"


def test_consultants_without_assignment_reach_no_enterprise(client_for, consultant1, zj_enterprise):
    client = client_for(consultant1)
    for url in ["/enterprises/export.xlsx", "/enterprises/import/", *pages(zj_enterprise)]:
        assert client.get(url).status_code in (403, 404), url
    assert "杭州阀门" not in client.get("/enterprises/").content.decode()


def test_list_and_export_show_only_the_coordinators_provinces(client_for, coordinator_sc, zj_enterprise, sc_enterprise):
    client = client_for(coordinator_sc)
    page = client.get("/enterprises/").content.decode()
    assert "成都食品" in page
    assert "杭州阀门" not in page
    csv = client.get("/enterprises/export.csv").content.decode("utf-8-sig")
    assert sc_enterprise.credit_code in csv
    assert zj_enterprise.credit_code not in csv


def test_anonymous_is_sent_to_sign_in(client, zj_enterprise):
    response = client.get(f"/enterprises/{zj_enterprise.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
