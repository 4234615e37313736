"""Spreadsheet exports cannot carry a formula: text that a spreadsheet would run (it starts with
=, +, -, @, a tab or a carriage return) is written as text, with a leading apostrophe, in every
export: the enterprise list (.csv and .xlsx), the progress matrix, every table of every role's
dashboard and of the completeness page.

A world whose every name, description and comment starts like a formula is exported by each
role; every cell read back with ``csv`` and ``openpyxl`` must be plain text or a number. The
helper that does it, ``enterprises.spreadsheets.neutralise``, is tested for any string.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from enterprises.spreadsheets import FORMULA_START, neutralise, unneutralise, xlsx_cell
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory, MeasurementFactory, SessionFactory, indicator, module

pytestmark = pytest.mark.django_db

FORMULA = ("=", "+", "-", "@", "\t", "\r")
TODAY = timezone.localdate()

# Text a spreadsheet would run, put in every field an export shows.
ENTERPRISE = '=HYPERLINK("http://x","click")'
ENTERPRISE_ZH = "@SUM(A1)企业"
PILOT_UNIT = "\tTAB pilot unit"
OTHER = "\rCR enterprise"
CONSULTANT = "=cmd|'/C calc'!A0"
MEMBER = "@SUM(A1)"
ACTION = "+1+1 mark the walkways"
COMMENT = "-2+3 redo the readings"
MODULE = "+Workplace cooperation"
KPI = "@Productivity"
VENUE = "=Venue"
NOTES = "-notes"


@pytest.fixture
def world(coordinator_zj, consultant1):
    """One enterprise of each kind, with visits in every state, an overdue action, a KPI that
    moved, a session coming up and a pilot unit behind with its report, all named like formulas."""
    consultant1.name = CONSULTANT
    consultant1.save()
    wc = module("WC")
    wc.name_en = MODULE
    wc.save()
    kpi = indicator("productivity")
    kpi.name_en = KPI
    kpi.save()
    enterprise = EnterpriseFactory(
        name_en=ENTERPRISE, name_zh=ENTERPRISE_ZH, notes=NOTES, contact_name="+86 571", province=province("ZJ")
    )
    EnterpriseFactory(name_en=OTHER, name_zh="=其他", city="-Ningbo")
    EnterpriseFactory(name_en=PILOT_UNIT, name_zh="\t试点", is_pilot_unit=True, status_date=datetime.date(2026, 1, 5))
    enrolment = EnrolmentFactory(enterprise=enterprise, module=wc)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assigned_visit(
        consultant1,
        enrolment,
        status="submitted",
        held_on=TODAY - datetime.timedelta(days=3),
        findings="-found",
        planned_at=week_ago,
    )
    returned = assigned_visit(
        consultant1,
        enrolment,
        status="returned",
        held_on=TODAY - datetime.timedelta(days=5),
        planned_at=week_ago,
        review_comment=COMMENT,
    )
    assigned_visit(consultant1, enrolment, status="draft", planned_at=timezone.now() - datetime.timedelta(days=40))
    assigned_visit(consultant1, enrolment, status="planned", planned_at=timezone.now() + datetime.timedelta(days=3))
    owner = EITMemberFactory(enterprise=enterprise, name=MEMBER)
    from consultants.models import ImprovementAction

    ImprovementAction.objects.create(
        enterprise=enterprise,
        visit=returned,
        description=ACTION,
        owner=owner,
        due_on=TODAY - datetime.timedelta(days=9),
    )
    for month, value, source in ((1, 10, "baseline"), (2, 14, "visit")):
        MeasurementFactory(
            enterprise=enterprise, indicator=kpi, period=datetime.date(TODAY.year, month, 1), value=value, source=source
        )
    session = SessionFactory(
        venue=VENUE, starts_on=TODAY + datetime.timedelta(days=5), ends_on=TODAY + datetime.timedelta(days=6)
    )
    return enterprise, session


def xlsx_cells(content):
    """Every cell of every sheet: (value, data type)."""
    workbook = load_workbook(io.BytesIO(content))
    return [(cell.value, cell.data_type) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def in_xlsx(value):
    """Text as an .xlsx gives it back: XML reads a carriage return as a line feed."""
    return value.replace("\r", "\n")


def assert_no_formula(cells, where):
    for value, data_type in cells:
        assert data_type != "f", f"{where}: a formula cell {value!r}"
        assert not (isinstance(value, str) and value.startswith(FORMULA)), f"{where}: {value!r} would run"


def texts(cells):
    return {value for value, _type in cells if isinstance(value, str)}


def dashboard_exports(client, url="/dashboard/"):
    """{block key: cells} for every table the page offers as .xlsx."""
    page = client.get(url)
    assert page.status_code == 200
    keys = sorted({block.key if not block.is_chart else block.table.key for block in page.context["blocks"]})
    keys += re.findall(r"[?&]export=([\w-]+)", page.content.decode())
    found = {}
    for key in sorted(set(keys)):
        response = client.get(url, {"export": key})
        assert response.status_code == 200, (url, key)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), (url, key)
        found[key] = xlsx_cells(response.content)
    return found


def test_the_enterprise_list_exports_formulas_as_text(client_for, coordinator_zj, world):
    client = client_for(coordinator_zj)
    xlsx = xlsx_cells(client.get("/enterprises/export.xlsx").content)
    assert_no_formula(xlsx, "enterprises.xlsx")
    for value in (ENTERPRISE, ENTERPRISE_ZH, OTHER, PILOT_UNIT, NOTES, "+86 571", "-Ningbo", "=其他"):
        assert in_xlsx("'" + value) in texts(xlsx), value
    text = client.get("/enterprises/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [(cell, "s") for row in rows for cell in row]
    assert_no_formula(cells, "enterprises.csv")
    for value in (ENTERPRISE, ENTERPRISE_ZH, OTHER, PILOT_UNIT, NOTES, "\t试点"):
        assert "'" + value in texts(cells), value


def test_the_progress_matrix_exports_formulas_as_text(client_for, coordinator_zj, world):
    cells = xlsx_cells(client_for(coordinator_zj).get("/progress/export.xlsx").content)
    assert_no_formula(cells, "progress.xlsx")
    assert {"'" + ENTERPRISE, "'" + PILOT_UNIT, in_xlsx("'" + OTHER)} <= texts(cells)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {KPI}),
        ("coordinator", {ENTERPRISE, CONSULTANT, ACTION, MEMBER, PILOT_UNIT, VENUE}),
        ("consultant", {ENTERPRISE, COMMENT, ACTION, MEMBER}),
    ],
)
def test_every_dashboard_table_exports_formulas_as_text(
    client_for, admin, coordinator_zj, consultant1, world, who, expected
):
    user = {"admin": admin, "coordinator": coordinator_zj, "consultant": consultant1}[who]
    exports = dashboard_exports(client_for(user))
    assert exports, "the dashboard offers no export"
    every = set()
    for key, cells in exports.items():
        assert_no_formula(cells, f"{who} dashboard, {key}")
        every |= texts(cells)
    missing = {value for value in expected if not any(text.startswith("'" + value[:20]) for text in every)}
    assert not missing, f"not in any export, so not checked: {missing}"


@pytest.mark.parametrize("who", ["admin", "coordinator", "consultant"])
def test_every_completeness_table_exports_formulas_as_text(client_for, admin, coordinator_zj, consultant1, world, who):
    user = {"admin": admin, "coordinator": coordinator_zj, "consultant": consultant1}[who]
    exports = dashboard_exports(client_for(user), "/dashboard/completeness/")
    assert exports
    every = set()
    for key, cells in exports.items():
        assert_no_formula(cells, f"{who} completeness, {key}")
        every |= texts(cells)
    if who != "consultant":
        assert any(text.startswith("'" + PILOT_UNIT) for text in every)
        assert any(text.startswith("'" + ENTERPRISE[:20]) for text in every)


def test_characters_an_xlsx_cannot_hold_do_not_break_an_export(client_for, coordinator_zj, world):
    """A name with a control character (the form lets it through) exports without it, and a
    formula hidden behind one ("\\x01=...") is still written as text."""
    EnterpriseFactory(name_en="\x01=HYPERLINK(1)", name_zh="控制\x0b字符", notes="\x1f+1")
    client = client_for(coordinator_zj)
    for url in ("/enterprises/export.xlsx", "/progress/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = xlsx_cells(response.content)
        assert_no_formula(cells, url)
        assert "'=HYPERLINK(1)" in texts(cells)
    assert "'+1" in texts(xlsx_cells(client.get("/enterprises/export.xlsx").content))
    assert "控制字符" in texts(xlsx_cells(client.get("/enterprises/export.xlsx").content))


def test_an_exported_file_imports_back_unchanged(client_for, coordinator_zj, world):
    """Neutralised on the way out, restored on the way in: the round trip changes nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.models import Enterprise

    EnterpriseFactory(name_en="'=already quoted", name_zh="''@两个")
    # Leading white space never reaches the registry (forms and imports trim it).
    Enterprise.objects.filter(name_en__in=[PILOT_UNIT, OTHER]).delete()
    client = client_for(coordinator_zj)
    before = {e.credit_code: (e.name_en, e.name_zh, e.notes) for e in Enterprise.objects.all()}
    for fmt in ("xlsx", "csv"):
        exported = client.get(f"/enterprises/export.{fmt}").content
        page = client.post(
            "/enterprises/import/", {"kind": "enterprises", "file": SimpleUploadedFile(f"e.{fmt}", exported)}
        )
        assert "token" in page.context, page.context.get("errors")
        assert client.post("/enterprises/import/confirm/", {"token": page.context["token"]}).status_code == 302
        after = {e.credit_code: (e.name_en, e.name_zh, e.notes) for e in Enterprise.objects.all()}
        assert after == before, fmt


# The helper itself -------------------------------------------------------------------------

PROPERTIES = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(start=st.sampled_from(FORMULA), rest=st.text(), quotes=st.integers(0, 2))
def test_text_starting_like_a_formula_comes_out_as_text(start, rest, quotes):
    value = "'" * quotes + start + rest
    written = neutralise(value)
    assert not written.startswith(FORMULA)
    assert written == "'" + value
    assert unneutralise(written) == value


@PROPERTIES
@given(value=st.text().filter(lambda s: not s.lstrip("'").startswith(FORMULA)))
def test_plain_text_is_unchanged(value):
    assert neutralise(value) == value
    assert unneutralise(value) == value


@PROPERTIES
@given(value=st.text())
def test_any_text_survives_the_round_trip_and_never_starts_a_formula(value):
    assert not neutralise(value).startswith(FORMULA)
    assert unneutralise(neutralise(value)) == value


@PROPERTIES
@given(
    value=st.one_of(
        st.none(),
        st.integers(),
        st.floats(allow_nan=False),
        st.decimals(allow_nan=False),
        st.dates(),
        st.datetimes(),
        st.booleans(),
    )
)
def test_numbers_and_dates_are_unchanged(value):
    assert neutralise(value) is value
    assert xlsx_cell(value) is value


@PROPERTIES
@given(value=st.text())
def test_an_xlsx_cell_holds_only_what_a_workbook_can_and_never_a_formula(value):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    written = xlsx_cell(value)
    assert not ILLEGAL_CHARACTERS_RE.search(written)
    assert not written.startswith(FORMULA)
    Workbook().active.append([written])  # openpyxl refuses what a workbook cannot hold


def test_the_formula_characters_are_the_ones_spreadsheets_run():
    assert set(FORMULA_START) == set(FORMULA)
    assert neutralise(Decimal("-1.5")) == Decimal("-1.5")
    assert neutralise(-3) == -3
