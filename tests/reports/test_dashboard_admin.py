"""The administrator's dashboard: the same figures as the provincial summary PDF for the same
filter, the provinces side by side, exports that hold what the page shows, a constant number of
queries, and a cache that never serves figures older than the records."""

import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory
from tests.reports.test_province import D, grow, pdf_text, programme, render  # noqa: F401

pytestmark = pytest.mark.django_db
Q2 = "period=2026-Q2"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def export(client, key, query):
    response = client.get(f"/dashboard/?{query}&export={key}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_dashboard_and_the_pdf_give_the_same_figures(programme, admin, client_for):  # noqa: F811
    zhejiang = province("ZJ").pk
    page = client_for(admin).get(f"/dashboard/?province={zhejiang}&{Q2}").content.decode()
    text = pdf_text(render(admin, "en", zhejiang))
    assert "1 of 3 enterprises with a baseline and a later value improved on more than half" in page
    assert "1 of 3 enterprises with a baseline and a later value improved" in text
    assert "5 people trained: 3 women and 2 men" in page and "5 people trained" in text and "3 women and 2 men" in text
    rows = export(client_for(admin), "provinces", f"province={zhejiang}&{Q2}")
    zj = next(row for row in rows if row[0] == "Zhejiang")
    header = rows[0]
    figures = dict(zip(header, zj, strict=False))
    assert (figures["Enterprises"], figures["Visits held"], figures["Visits planned"]) == (3, 2, 3)
    assert "2 site visits held, against 3 planned" in text
    assert (figures["Trained: women"], figures["Trained: men"]) == (3, 2)
    assert (figures["Savings (CNY)"], figures["Cost (CNY)"], figures["Savings per yuan"]) == (2000.5, 5000, 0.4)
    assert "CNY 2,000.50 savings reported, against a programme cost of CNY 5,000.00" in text


def test_provinces_side_by_side_with_a_drill_down(programme, admin, client_for):  # noqa: F811
    client = client_for(admin)
    rows = export(client, "provinces", Q2)
    names = [row[0] for row in rows[1:] if row and row[0]]
    assert "Zhejiang" in names and "Sichuan" in names
    sichuan = next(row for row in rows if row[0] == "Sichuan")
    assert sichuan[1] == 1  # Chengdu Foods; the archived enterprise counts nowhere
    page = client.get(f"/dashboard/?{Q2}").content.decode()
    assert f'href="/dashboard/?period=2026-Q2&amp;province={province("SC").pk}"' in page
    drilled = client.get(f"/dashboard/?{Q2}&province={province('SC').pk}").content.decode()
    assert ">Sichuan</a>" in drilled and ">Zhejiang</a>" not in drilled


def test_each_chart_has_its_table_and_bad_filters_fall_back(programme, admin, client_for):  # noqa: F811
    client = client_for(admin)
    page = client.get(f"/dashboard/?{Q2}").content.decode()
    for key in ("kpis", "people", "visits", "status", "funnel"):
        assert (
            f'data-chart="chart-{key}"' in page and f'id="chart-{key}"' in page and f'data-testid="table-{key}"' in page
        )
    assert "<script>" not in page.replace("<script src=", "")  # data blocks only, no inline code
    for bad in ("period=1999", "period=<x>", "province=abc", "module=NOPE", "province=999999"):
        assert client.get(f"/dashboard/?{bad}").status_code == 200
    assert client.get("/dashboard/?export=nothing").status_code == 404


def test_the_same_queries_however_many_enterprises(programme, admin, client_for, django_assert_max_num_queries):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/?{Q2}")
    baseline = len(few)
    grow(12, 100)
    cache.clear()
    with django_assert_max_num_queries(baseline):
        assert client.get(f"/?{Q2}").status_code == 200


def test_the_cache_follows_the_records(admin, client_for, consultant1):
    client = client_for(admin)
    enterprise = EnterpriseFactory(province=province("ZJ"))
    visit = assigned_visit(
        consultant1, EnrolmentFactory(enterprise=enterprise), status="submitted", held_on=D(2026, 5, 5)
    )
    zhejiang = lambda rows: next(row for row in rows if row[0] == "Zhejiang")  # noqa: E731
    assert zhejiang(export(client, "provinces", Q2))[6] == 1  # visits held
    visit.status = "cancelled"
    visit.save()
    assert zhejiang(export(client, "provinces", Q2))[6] == 0  # not a stale cached figure


def test_other_roles_do_not_get_the_administrators_dashboard(programme, coordinator_sc, client_for):  # noqa: F811
    page = client_for(coordinator_sc).get(f"/dashboard/?{Q2}&province={province('ZJ').pk}")
    assert "Provinces side by side" not in page.content.decode()
    assert "Shaoxing Textiles" not in page.content.decode()
