"""The data completeness page: each count against a small programme built by hand, read off the
page as the user sees it; the links to the pages where each gap is fixed; the scope of each
role; the same few queries however much data; the .xlsx export holding the page's rows."""

import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultants.models import VisitReading
from pilots.models import ReportingRule
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory, MeasurementFactory, indicator
from tests.pilots.factories import Q1, PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db

URL = "/dashboard/completeness/"


def table(response, key):
    """The rows of a table as shown: each a list of cell texts, and the first cell's link."""
    html = response.content.decode()
    body = re.search(rf'data-testid="table-{key}">(.*?)</table>', html, re.S).group(1)
    rows = []
    for tr in re.findall(r"<tbody>.*?</tbody>", body, re.S)[0].split("<tr>")[1:]:
        cells = [unescape(re.sub(r"<[^>]+>", "", td)).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        link = re.search(r'<a href="([^"]+)"', tr)
        rows.append((cells, unescape(link.group(1)) if link else None))
    return rows


def by_first(rows):
    return {cells[0]: (cells[1:], link) for cells, link in rows}


def due_so_far():
    """Periods of the reporting rule whose due date has passed (what one unit owes by now)."""
    today = timezone.localdate()
    return sum(1 for p in ReportingRule.load().periods(today) if p.due_on < today)


def visit(user, enterprise, status, readings=0):
    enrolment = enterprise.enrolments.first() or EnrolmentFactory(enterprise=enterprise)
    found = assigned_visit(user, enrolment, status=status, held_on=timezone.localdate())
    for code in ["defect_rate", "energy_per_unit"][:readings]:
        VisitReading.objects.create(visit=found, indicator=indicator(code), value=3)
    return found


@pytest.fixture
def programme(consultant1, consultant2):
    """Zhejiang: 3 enterprises owe a baseline (e1, e2, e5), 2 have none (e1; e5 has only a visit
    value); e3 (archived) and e4 (prospect) owe none. 3 visits done (v1, v2, v4), 2 without
    readings (v1, v4); v3 is a draft. A pilot unit (completed, so owing no baseline) that has
    handed in its first quarter only.
    Sichuan: s1 owes a baseline and has none; its one submitted visit has no readings."""
    e1 = EnterpriseFactory(name_en="Alpha Works", status="active")
    e2 = EnterpriseFactory(name_en="Beta Mill", status="enrolled")
    e3 = EnterpriseFactory(name_en="Gamma Archived", status="active", archived_at=timezone.now())
    e4 = EnterpriseFactory(name_en="Delta Prospect", status="prospect")
    e5 = EnterpriseFactory(name_en="Epsilon Dye", status="active")
    s1 = EnterpriseFactory(name_en="Sichuan Foods", status="active", province=province("SC"))
    MeasurementFactory(enterprise=e2, source="baseline")
    MeasurementFactory(enterprise=e5, source="visit")
    v1 = visit(consultant1, e1, "submitted")
    v2 = visit(consultant1, e2, "approved", readings=2)
    v3 = visit(consultant1, e1, "draft")
    v4 = visit(consultant2, e5, "submitted")
    vs = visit(consultant2, s1, "submitted")
    unit = pilot_unit("ZJ", name_en="Pilot Plant", status="completed")
    PilotReportFactory(unit=unit, period_start=Q1, status="submitted")
    return locals()


def test_administrator_sees_each_count_with_its_base(client_for, admin, programme):
    response = client_for(admin).get(URL)
    assert response.status_code == 200
    due = due_so_far()
    provinces = by_first(table(response, "by-province"))
    zj, sc = province("ZJ"), province("SC")
    assert provinces[zj.name][0] == ["2", "3", "2", "3", str(due - 1), str(due)]
    assert provinces[zj.name][1] == f"{URL}?province={zj.pk}"
    assert provinces[sc.name][0] == ["1", "1", "1", "1", "0", "0"]
    assert provinces["All"][0] == ["3", "4", "3", "4", str(due - 1), str(due)]
    text = unescape(response.content.decode())
    assert "3 of 4 enrolled or active enterprises have no KPI baseline" in text
    assert "3 of 4 submitted or approved visits have no KPI readings" in text
    assert f"{due - 1} of {due} pilot-unit reports past their due date are not in" in text

    consultants = by_first(table(response, "by-consultant"))
    assert consultants["Cai Consultant"][0] == ["1", "2", "1", "2"]
    assert consultants["Deng Consultant"][0] == ["2", "2", "2", "2"]


def test_each_gap_links_to_where_it_is_fixed(client_for, admin, programme):
    response = client_for(admin).get(URL)
    p = programme
    baseline = by_first(table(response, "no-baseline"))
    assert set(baseline) == {"Alpha Works", "Epsilon Dye", "Sichuan Foods"}
    assert baseline["Alpha Works"][1] == reverse("modules:kpi_add", args=[p["e1"].pk])
    readings = table(response, "no-readings")
    assert sorted(link for _cells, link in readings) == sorted(
        reverse("consultants:visit", args=[v.pk]) for v in (p["v1"], p["v4"], p["vs"])
    )
    reports = table(response, "pilot-reports")
    assert len(reports) == due_so_far() - 1
    assert {cells[0] for cells, _link in reports} == {"Pilot Plant"}
    periods = [p.start for p in ReportingRule.load().periods() if p.due_on < timezone.localdate() and p.start != Q1]
    assert sorted(link for _cells, link in reports) == sorted(
        reverse("pilots:report", args=[p["unit"].pk, start]) for start in periods
    )
    for link in [link for _cells, link in reports] + [baseline["Alpha Works"][1]]:
        assert client_for(admin).get(link).status_code == 200


def test_coordinator_sees_nothing_of_another_province(client_for, coordinator_sc, programme):
    zj = province("ZJ")
    for query in ("", f"?province={zj.pk}"):
        response = client_for(coordinator_sc).get(URL + query)
        assert response.status_code == 200
        text = response.content.decode()
        for name in ("Alpha Works", "Epsilon Dye", "Pilot Plant", zj.name_en, "Cai Consultant"):
            assert name not in text
        assert list(by_first(table(response, "by-province"))) == [province("SC").name]
        assert by_first(table(response, "by-consultant"))["Deng Consultant"][0] == ["1", "1", "1", "1"]


def test_province_filter_narrows_every_table(client_for, coordinator_zj, admin, programme):
    sc = province("SC")
    response = client_for(admin).get(f"{URL}?province={sc.pk}")
    assert list(by_first(table(response, "by-province"))) == [sc.name]
    assert list(by_first(table(response, "no-baseline"))) == ["Sichuan Foods"]
    assert table(response, "pilot-reports")[0][0] == ["Nothing here."]
    response = client_for(coordinator_zj).get(URL)
    assert set(by_first(table(response, "no-baseline"))) == {"Alpha Works", "Epsilon Dye"}
    assert by_first(table(response, "by-consultant"))["Deng Consultant"][0] == ["1", "1", "1", "1"]


def test_consultant_sees_only_their_own(client_for, consultant1, programme):
    response = client_for(consultant1).get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="table-by-province"' not in text
    assert 'data-testid="table-pilot-reports"' not in text
    assert "Deng Consultant" not in text and "Epsilon Dye" not in text and "Sichuan Foods" not in text
    assert by_first(table(response, "by-consultant")) == {"Cai Consultant": (["1", "2", "1", "2"], None)}
    e1 = programme["e1"]
    assert by_first(table(response, "no-baseline")) == {
        "Alpha Works": ([e1.credit_code, province("ZJ").name, "Active"], f"/enterprises/{e1.pk}/?tab=kpis")
    }
    readings = table(response, "no-readings")
    assert [link for _cells, link in readings] == [reverse("consultants:visit", args=[programme["v1"].pk])]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_menu_entry_for_staff_only(client_for, admin, coordinator_zj, consultant1):
    assert URL in client_for(admin).get("/").content.decode()
    assert URL in client_for(coordinator_zj).get("/").content.decode()


def test_same_queries_however_much_data(
    client_for, admin, consultant1, consultant2, programme, django_assert_max_num_queries
):
    client = client_for(admin)
    client.get(URL)  # warm up (session)
    cache.clear()  # the tables are cached: count the queries that compute them
    with django_assert_max_num_queries(20) as first:
        client.get(URL)
    baseline = len(first.captured_queries)
    for n in range(6):
        enterprise = EnterpriseFactory(status="active", province=province("ZJ" if n % 2 else "SC"))
        visit(consultant1 if n % 2 else consultant2, enterprise, "submitted", readings=n % 2)
        pilot_unit("SC", status="completed")
    cache.clear()
    with django_assert_max_num_queries(baseline):
        client.get(URL)
    consultant = client_for(consultant1)
    consultant.get(URL)
    cache.clear()
    with django_assert_max_num_queries(baseline):
        consultant.get(URL)


@pytest.mark.parametrize("key", ["by-province", "by-consultant", "no-baseline", "no-readings", "pilot-reports"])
def test_export_holds_the_page_rows(client_for, admin, programme, key):
    client = client_for(admin)
    shown = [cells for cells, _link in table(client.get(URL), key)]
    response = client.get(f"{URL}?export={key}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    exported = [["—" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    exported = [row for row in exported if any(v not in ("None", "") for v in row)][: len(shown)]
    assert exported == shown
    assert client.get(f"{URL}?export=nope").status_code == 404


def test_long_lists_show_the_first_rows_with_the_count_and_export_all(client_for, admin, programme, monkeypatch):
    monkeypatch.setattr("reports.completeness.LIMIT", 2)
    client = client_for(admin)
    response = client.get(URL)
    assert len(table(response, "no-baseline")) == 2
    assert "Showing the first 2 of 3; the Excel file holds all of them." in unescape(response.content.decode())
    sheet = load_workbook(io.BytesIO(client.get(f"{URL}?export=no-baseline").content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert {"Alpha Works", "Epsilon Dye", "Sichuan Foods"} <= set(names)


def test_menu_entry_hidden_from_consultants(client_for, consultant1):
    assert URL not in client_for(consultant1).get("/").content.decode()
