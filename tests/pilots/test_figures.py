"""The provincial summary's pilot-unit figures against numbers worked out by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import Province
from pilots.figures import pilot_report_figures
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.pilots.factories import PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 8, 1)  # Q1 and Q2 are past due (15 April, 15 July); Q3 has begun
Q1, Q2, Q3 = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)
SET1 = {
    "eit_meetings": 3,
    "suggestions_received": 10,
    "suggestions_implemented": 6,
    "hazards_found": 5,
    "hazards_fixed": 4,
    "training_hours": Decimal("12.5"),
    "savings_cny": Decimal("5000.00"),
}
SET2 = {
    "eit_meetings": 2,
    "suggestions_received": 8,
    "suggestions_implemented": 8,
    "hazards_found": 3,
    "hazards_fixed": 1,
    "training_hours": Decimal("7.0"),
    "savings_cny": Decimal("1234.56"),
}
SET3 = {
    "eit_meetings": 1,
    "suggestions_received": 4,
    "suggestions_implemented": 2,
    "hazards_found": 2,
    "hazards_fixed": 2,
    "training_hours": Decimal("3.0"),
    "savings_cny": Decimal("800.00"),
}


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def report(unit, start, status, submitted_at=None, **figures):
    return PilotReportFactory(unit=unit, period_start=start, status=status, submitted_at=submitted_at, **figures)


@pytest.fixture
def data():
    a, b = pilot_unit("ZJ", name_en="A"), pilot_unit("ZJ", name_en="B")
    archived = pilot_unit("ZJ", name_en="Archived", archived_at=timezone.now())
    plain = EnterpriseFactory(province=province("ZJ"))
    e = pilot_unit("SC", name_en="E")
    report(a, Q1, "approved", at(datetime.date(2026, 4, 10), 9), **SET1)
    report(a, Q2, "approved", at(datetime.date(2026, 7, 16), 0, 30), **SET2)  # late by 30 minutes, local time
    report(a, Q3, "draft", **SET3)
    report(b, Q1, "submitted", at(datetime.date(2026, 4, 15), 23, 30), **SET3)  # on the due day: on time
    report(e, Q1, "returned", at(datetime.date(2026, 4, 14), 9), **SET1)
    report(e, Q2, "approved", at(datetime.date(2026, 7, 1), 9), **SET3)
    report(archived, Q1, "approved", at(datetime.date(2026, 4, 1), 9), **SET1)
    return plain


def expected(**values):
    zero = dict.fromkeys(SET1, 0) | {"training_hours": Decimal(0), "savings_cny": Decimal(0)}
    return {"expected": 0, "received": 0, "approved": 0, "late": 0, **zero, **values}


def without_province(figures):
    return {code: {k: v for k, v in row.items() if k != "province"} for code, row in figures.items()}


def test_figures_for_the_year(data, django_assert_max_num_queries):
    provinces = Province.objects.filter(code__in=["ZJ", "SC", "LN"]).order_by("code")
    with django_assert_max_num_queries(4):
        figures = pilot_report_figures(provinces, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), today=TODAY)
    by_code = {row["province"].code: row for row in figures.values()}
    assert list(by_code) == ["LN", "SC", "ZJ"]
    assert without_province({c: by_code[c] for c in by_code}) == {
        # 2 units x 3 begun periods; A Q1, A Q2 and B Q1 received; B Q2 missing and A Q2 late.
        "ZJ": expected(
            expected=6,
            received=3,
            approved=2,
            late=2,
            eit_meetings=5,
            suggestions_received=18,
            suggestions_implemented=14,
            hazards_found=8,
            hazards_fixed=5,
            training_hours=Decimal("19.5"),
            savings_cny=Decimal("6234.56"),
        ),
        # 1 unit x 3; E Q2 approved; E Q1 returned and past due is late.
        "SC": expected(expected=3, received=1, approved=1, late=1, **SET3),
        "LN": expected(),
    }


def test_figures_for_one_quarter(data):
    provinces = Province.objects.filter(code="ZJ")
    [row] = pilot_report_figures(provinces, Q2, datetime.date(2026, 6, 30), today=TODAY).values()
    assert (row["expected"], row["received"], row["approved"], row["late"]) == (2, 1, 1, 2)
    assert (row["eit_meetings"], row["savings_cny"]) == (2, Decimal("1234.56"))


def test_periods_not_yet_begun_are_not_expected(data):
    report(Province.objects.get(code="SC").enterprises.get(name_en="E"), Q3, "approved", **SET1)
    provinces = Province.objects.filter(code="SC")
    [row] = pilot_report_figures(provinces, Q1, datetime.date(2026, 12, 31), today=datetime.date(2026, 4, 20)).values()
    # Only Q1 and Q2 have begun (Q3 is not expected yet); only Q1 is past due, and E's was returned.
    assert (row["expected"], row["received"], row["approved"], row["late"]) == (2, 1, 1, 1)
