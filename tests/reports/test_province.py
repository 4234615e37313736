"""The provincial summary: each figure against numbers worked out by hand on a small
programme, the same few queries however many enterprises, administrators only, and the PDF
read back in English and in Chinese."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from pypdf import PdfReader

from enterprises.models import Province, Suggestion
from modules.models import Attendance
from reports import figures, services
from reports.kinds import KINDS
from reports.models import ReportJob
from reports.province import clean, gather, period_bounds, period_label
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import (
    EnrolmentFactory,
    MeasurementFactory,
    ParticipantFactory,
    SessionFactory,
    indicator,
    module,
)
from tests.pilots.factories import PilotReportFactory

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)  # 2026-Q2
PARAMS = {"province": None, "start": "2026-04-01", "end": "2026-06-30"}
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def zj():
    return Province.objects.filter(code="ZJ")


def attend(participant, *days, present=True):
    for day in days:
        Attendance.objects.create(participant=participant, day=day, present=present)


@pytest.fixture
def programme(consultant1):
    """Three enterprises in Zhejiang (one archived besides), one in Sichuan that must never count.
    The expected figures for 2026-Q2 are written beside each record."""
    e1 = EnterpriseFactory(name_en="Shaoxing Textiles", name_zh="绍兴纺织", sector="C", status="active")
    e2 = EnterpriseFactory(name_en="Ningbo Parts", name_zh="宁波零件", sector="C", status="enrolled")
    e3 = EnterpriseFactory(
        name_en="Huzhou Logistics", name_zh="湖州物流", sector="G", status="completed", is_pilot_unit=True
    )
    gone = EnterpriseFactory(name_en="Archived Works", sector="C", archived_at=timezone.now())
    s1 = EnterpriseFactory(name_en="Chengdu Foods", province=province("SC"), sector="C")
    wc, qm, osh = module("WC"), module("QM"), module("OSH")

    # Funnel: WC enrolled 2 (e1, e2), classroom 2, consulting 1, completed 1; QM enrolled 1, withdrawn 1;
    # OSH enrolled 1. Cost: the fees of e2's WC (3000, paid) and e1's OSH (2000) planned in Q2.
    e1_wc = EnrolmentFactory(
        enterprise=e1,
        module=wc,
        status="completed",
        planned_on=D(2026, 1, 5),
        classroom_on=D(2026, 3, 10),
        consulting_on=D(2026, 4, 15),
        completed_on=D(2026, 6, 20),
        fee=1000,
    )
    e2_wc = EnrolmentFactory(
        enterprise=e2, module=wc, status="classroom", planned_on=D(2026, 4, 2), classroom_on=D(2026, 5, 10), fee=3000
    )
    e2_wc.fee_paid = True
    e2_wc.save()
    EnrolmentFactory(enterprise=e1, module=osh, planned_on=D(2026, 5, 1), fee=2000)
    EnrolmentFactory(  # completed before the quarter: not live in it
        enterprise=e3,
        module=wc,
        status="completed",
        planned_on=D(2025, 1, 5),
        classroom_on=D(2025, 3, 1),
        consulting_on=D(2025, 4, 1),
        completed_on=D(2025, 12, 1),
    )
    EnrolmentFactory(
        enterprise=e3, module=qm, status="withdrawn", planned_on=D(2026, 2, 1), withdrawn_on=D(2026, 4, 10)
    )
    EnrolmentFactory(enterprise=e2, module=qm, planned_on=D(2026, 7, 5), fee=9000)  # after the quarter
    s1_wc = EnrolmentFactory(enterprise=s1, module=wc, planned_on=D(2026, 4, 1), fee=7000)
    EnrolmentFactory(enterprise=gone, module=wc, planned_on=D(2026, 4, 1), fee=7000)

    # People trained in Q2: 5 (3 women, 2 men; 2 management, 3 workers); every day: 3 women.
    session = SessionFactory(starts_on=D(2026, 4, 20), ends_on=D(2026, 4, 21))
    days = (D(2026, 4, 20), D(2026, 4, 21))
    attend(ParticipantFactory(session=session, enterprise=e1, sex="female", side="management"), *days)
    p2 = ParticipantFactory(session=session, enterprise=e1, sex="male", side="worker")
    attend(p2, days[0], D(2026, 4, 22))  # a day outside the session does not make up for the missed one
    attend(p2, days[1], present=False)
    attend(ParticipantFactory(session=session, enterprise=e2, sex="female", side="worker"), *days)
    attend(ParticipantFactory(session=session, enterprise=e2, sex="female", side="worker"), *days)
    ParticipantFactory(session=session, enterprise=e2, sex="male", side="management")  # no attendance taken
    attend(ParticipantFactory(session=session, enterprise=s1, sex="female", side="worker"), *days)
    ParticipantFactory(session=SessionFactory(starts_on=D(2026, 3, 10)), enterprise=e1)  # Q1

    # Visits: held 2 (approved 1), planned 3, enterprises visited 1 (e1).
    visit = lambda enrolment, planned, status, held=None: assigned_visit(  # noqa: E731
        consultant1, enrolment, planned_at=planned, status=status, held_on=held
    )
    visit(e1_wc, at(D(2026, 4, 10)), "approved", D(2026, 4, 10))
    visit(e1_wc, at(D(2026, 3, 28)), "submitted", D(2026, 4, 2))
    visit(e2_wc, at(D(2026, 6, 30), 23, 30), "planned")
    visit(e2_wc, at(D(2026, 5, 5)), "cancelled")
    visit(e2_wc, at(D(2026, 5, 6)), "draft")
    visit(e1_wc, at(D(2026, 7, 1), 0, 30), "planned")
    visit(s1_wc, at(D(2026, 4, 10)), "approved", D(2026, 4, 10))

    # KPIs. Defect rate (lower is better): e1 8 -> 5 improved (+37.5 %), e2 4 -> 4.5 worse (-12.5 %),
    # e3 0 -> 0 not improved, no percentage. Productivity (higher): e1 10 -> 12 (+20 %), e2 baseline only.
    defect, productivity = indicator("defect_rate"), indicator("productivity")
    m = MeasurementFactory
    m(enterprise=e1, indicator=defect, source="baseline", period=D(2026, 1, 1), value=8)
    m(enterprise=e1, indicator=defect, period=D(2026, 3, 1), value=6)
    m(enterprise=e1, indicator=defect, period=D(2026, 5, 1), value=5)
    m(enterprise=e1, indicator=defect, period=D(2026, 8, 1), value=9)  # after the quarter
    m(enterprise=e2, indicator=defect, source="baseline", period=D(2026, 2, 1), value=4)
    m(enterprise=e2, indicator=defect, period=D(2026, 4, 1), value="4.5")
    m(enterprise=e3, indicator=defect, source="baseline", period=D(2026, 3, 1), value=0)
    m(enterprise=e3, indicator=defect, period=D(2026, 5, 1), value=0)
    m(enterprise=e1, indicator=productivity, source="baseline", period=D(2026, 1, 1), value=10)
    m(enterprise=e1, indicator=productivity, period=D(2026, 6, 1), value=12)
    m(enterprise=e2, indicator=productivity, source="baseline", period=D(2026, 2, 1), value=20)
    m(enterprise=e3, indicator=productivity, source="baseline", period=D(2026, 7, 1), value=5)  # after
    m(enterprise=s1, indicator=defect, source="baseline", period=D(2026, 1, 1), value=8)
    m(enterprise=s1, indicator=defect, period=D(2026, 5, 1), value=1)

    # Savings: 1200.50 from e1's implemented suggestions of Q2 (one gives no amount).
    def suggestion(enterprise, on, status, amount):
        Suggestion.objects.create(
            enterprise=enterprise,
            submitted_by="Li",
            submitted_on=on,
            area="WC",
            title="Idea",
            status=status,
            realised_savings=amount,
        )

    suggestion(e1, D(2026, 5, 1), "implemented", Decimal("1200.50"))
    suggestion(e1, D(2026, 5, 2), "implemented", None)
    suggestion(e2, D(2026, 5, 3), "accepted", Decimal(999))
    suggestion(e2, D(2026, 3, 1), "implemented", Decimal(500))
    suggestion(s1, D(2026, 5, 1), "implemented", Decimal(700))

    # e3 is a pilot unit: its Q2 report is approved, on time, with 800 yuan of savings.
    PilotReportFactory(unit=e3, period_start=START, status="approved", submitted_at=at(D(2026, 7, 10)), savings_cny=800)
    return {"e1": e1, "e2": e2, "e3": e3, "s1": s1}


def test_enterprises_by_status_and_sector(programme):
    status = figures.enterprises_by_status(zj())
    assert status["total"] == 3 and status["pilot_units"] == 1
    assert (status["employees_female"], status["employees_male"]) == (120, 180)
    assert {row["key"]: row["count"] for row in status["rows"]} == {
        "prospect": 0,
        "enrolled": 1,
        "active": 1,
        "completed": 1,
        "withdrawn": 0,
    }
    sector = figures.enterprises_by_sector(zj())
    assert [(row["key"], row["count"], row["share"]) for row in sector["rows"]] == [("C", 2, 67), ("G", 1, 33)]


def test_module_funnel(programme):
    rows = {row["module"].code: row for row in figures.module_funnel(zj(), START, END)}
    keys = ("enrolled", "classroom", "consulting", "completed", "withdrawn")
    assert [rows["WC"][k] for k in keys] == [2, 2, 1, 1, 0]
    assert [rows["QM"][k] for k in keys] == [1, 0, 0, 0, 1]
    assert [rows["OSH"][k] for k in keys] == [1, 0, 0, 0, 0]
    assert rows["CP"]["enrolled"] == 0 and rows["WC"]["completed_share"] == 50


def test_people_trained_by_sex_and_side(programme):
    people = figures.people_trained(zj(), START, END)
    assert (people["total"], people["every_day"]) == (5, 3)
    assert people["by_sex"] == {"female": 3, "male": 2}
    assert people["by_side"] == {"management": 2, "worker": 3}
    assert people["every_day_by_sex"] == {"female": 3, "male": 0}
    assert people["cells"][("female", "worker")] == {"total": 2, "every_day": 2}
    assert people["cells"][("male", "worker")] == {"total": 1, "every_day": 0}
    assert [(r["key"], r["female"], r["male"], r["every_day"]) for r in people["rows"]] == [
        ("management", 1, 1, 1),
        ("worker", 2, 1, 2),
    ]


def test_visits_done_and_planned(programme):
    visits = figures.visits_done_and_planned(zj(), START, END)
    assert visits == {"held": 2, "approved": 1, "planned": 3, "enterprises_visited": 1, "held_share": 67}


def test_kpi_outcomes_point_the_right_way(programme):
    outcomes = figures.kpi_outcomes(zj(), START, END)
    rows = {row["indicator"].code: row for row in outcomes["kpis"]}
    defect = rows["defect_rate"]
    assert (defect["with_baseline"], defect["measured"], defect["improved"], defect["share"]) == (3, 3, 1, 33)
    assert (defect["median"], defect["median_n"]) == (Decimal("12.5"), 2)  # +37.5 and -12.5; the 0 baseline left out
    productivity = rows["productivity"]
    assert (productivity["with_baseline"], productivity["measured"], productivity["improved"]) == (2, 1, 1)
    assert productivity["median"] == Decimal("20.0")
    assert (outcomes["enterprises_measured"], outcomes["enterprises_improved_most"], outcomes["share"]) == (3, 1, 33)


def test_savings_against_cost(programme):
    pilots = figures.pilot_reports(zj(), START, END, today=D(2026, 8, 1))
    assert (pilots["total"]["expected"], pilots["total"]["received"], pilots["total"]["late"]) == (1, 1, 0)
    money = figures.savings_and_cost(zj(), START, END, pilot_savings=pilots["total"]["savings_cny"])
    assert money["suggestion_savings"] == Decimal("1200.50")
    assert (money["suggestions"], money["with_amount"]) == (2, 1)
    assert money["pilot_savings"] == Decimal(800) and money["savings"] == Decimal("2000.50")
    assert (money["cost"], money["cost_paid"], money["enrolments"]) == (Decimal(5000), Decimal(3000), 2)
    assert money["roi"] == Decimal("0.40")


def test_no_cost_no_ratio(db):
    money = figures.savings_and_cost(zj(), START, END)
    assert money["roi"] is None and money["savings"] == 0


def test_appendix_row_per_enterprise(programme):
    rows = figures.enterprise_appendix(zj(), START, END)
    assert [r["enterprise"].name_en for r in rows] == ["Huzhou Logistics", "Ningbo Parts", "Shaoxing Textiles"]
    e3, e2, e1 = rows
    assert (e1["modules_completed"], e1["last_visit_on"], e1["kpis_improved"], e1["kpis_measured"]) == (
        ["WC"],
        D(2026, 4, 10),
        2,
        2,
    )
    assert (e2["modules_completed"], e2["last_visit_on"], e2["kpis_improved"], e2["kpis_measured"]) == ([], None, 0, 1)
    assert (e3["modules_completed"], e3["kpis_measured"]) == (["WC"], 1)


def test_all_provinces_add_up(programme):
    status = figures.enterprises_by_status(Province.objects.all())
    people = figures.people_trained(Province.objects.all(), START, END)
    assert (status["total"], people["total"]) == (4, 6)


def grow(n, offset):
    """n more enterprises, each with an enrolment, trainees with attendance, visits, KPI values,
    a suggestion: everything the summary counts."""
    session = SessionFactory(starts_on=D(2026, 4, 20), ends_on=D(2026, 4, 21))
    for i in range(n):
        e = EnterpriseFactory(name_en=f"Grown {offset + i}")
        EnrolmentFactory(enterprise=e, planned_on=D(2026, 4, 1), classroom_on=D(2026, 4, 20), status="classroom")
        for sex in ("female", "male"):
            attend(ParticipantFactory(session=session, enterprise=e, sex=sex), D(2026, 4, 20), D(2026, 4, 21))
        MeasurementFactory(enterprise=e, indicator=indicator("defect_rate"), source="baseline", value=5)
        MeasurementFactory(enterprise=e, indicator=indicator("defect_rate"), period=D(2026, 5, 1), value=4)
        Suggestion.objects.create(
            enterprise=e, submitted_by="Li", submitted_on=D(2026, 5, 1), area="WC", title="x", status="implemented"
        )


def test_gathering_takes_the_same_few_queries_however_many_enterprises(programme, django_assert_max_num_queries):
    params = clean({**PARAMS, "province": province("ZJ").pk})
    with django_assert_max_num_queries(16):
        small = gather(params, lambda *a: None)
    grow(12, 0)
    with django_assert_max_num_queries(16):
        large = gather(params, lambda *a: None)
    assert len(large["appendix"]) == len(small["appendix"]) + 12
    assert large["people"]["total"] == small["people"]["total"] + 24


def test_clean_normalises_and_refuses_bad_input(db):
    zj_pk = province("ZJ").pk
    assert clean({"province": str(zj_pk), "start": "2026-04-01", "end": "2026-06-30"}) == {
        "province": zj_pk,
        "start": "2026-04-01",
        "end": "2026-06-30",
    }
    assert clean({"province": "all", "start": "2026-01-01", "end": "2026-12-31"})["province"] == "all"
    for bad in (
        {"province": "zj", "start": "2026-01-01", "end": "2026-12-31"},
        {"province": 999999, "start": "2026-01-01", "end": "2026-12-31"},
        {"province": True, "start": "2026-01-01", "end": "2026-12-31"},
        {"province": zj_pk, "start": "2026-07-01", "end": "2026-06-30"},
        {"province": zj_pk, "start": "2026-02-30", "end": "2026-06-30"},
        {"province": zj_pk, "start": "2026-01-01"},
        {"province": zj_pk, "start": "1990-01-01", "end": "2026-06-30"},
    ):
        with pytest.raises(ValueError):
            clean(bad)


def test_periods_and_titles(db):
    assert period_bounds("2026") == (D(2026, 1, 1), D(2026, 12, 31))
    assert period_bounds("2026-Q4") == (D(2026, 10, 1), D(2026, 12, 31))
    assert period_label(D(2026, 7, 1), D(2026, 9, 30)) == "2026-Q3"
    assert period_label(D(2026, 7, 1), D(2026, 9, 29)) == "2026-07-01 – 2026-09-29"
    for bad in ("2026-Q5", "26", "2026-Q", "x"):
        with pytest.raises(ValueError):
            period_bounds(bad)
    spec = KINDS["province"]
    params = clean({"province": province("ZJ").pk, "start": "2026-07-01", "end": "2026-09-30"})
    assert spec.title(params) == "Provincial summary: Zhejiang, 2026-Q3"
    assert spec.filename(params) == "provincial-summary-ZJ-2026-Q3.pdf"
    with translation.override("zh-hans"):
        assert "浙江省" in spec.title(params)


@pytest.mark.parametrize("who", ["coordinator_zj", "coordinator_sc", "consultant1"])
def test_only_administrators_may_ask(request, client_for, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get("/reports/province/").status_code == 403
    response = client.post("/reports/province/", {"province": "all", "period": "2026-Q2", "language": "en"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_request(actor=user, kind="province", params={**PARAMS, "province": "all"}, language="en")
    assert not ReportJob.objects.exists()


def test_the_menu_offers_it_to_administrators_only(admin_client, client_for, coordinator_zj):
    assert 'href="/reports/province/"' in admin_client.get("/").content.decode()
    assert 'href="/reports/province/"' not in client_for(coordinator_zj).get("/").content.decode()


def test_an_administrator_asks_from_the_form(admin_client, admin):
    page = admin_client.get("/reports/province/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "All provinces" in body and "Zhejiang" in body and "2026-Q2" in body
    zj_pk = province("ZJ").pk
    response = admin_client.post(
        "/reports/province/", {"province": str(zj_pk), "period": "2026-Q2", "language": "zh-hans"}
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{job.pk}/"
    assert (job.kind, job.language, job.requested_by) == ("province", "zh-hans", admin)
    assert job.params == {"province": zj_pk, "start": "2026-04-01", "end": "2026-06-30"}
    again = admin_client.post(
        "/reports/province/", {"province": str(zj_pk), "period": "2026-Q2", "language": "zh-hans"}
    )
    assert again["Location"] == f"/reports/{job.pk}/" and ReportJob.objects.count() == 1
    bad = admin_client.post("/reports/province/", {"province": "999999", "period": "2026-Q9", "language": "en"})
    assert bad.status_code == 200 and ReportJob.objects.count() == 1


def pdf_text(job):
    job.refresh_from_db()
    assert job.status == "done", job.error
    with job.file.open("rb") as f:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)
    return " ".join(text.split())  # lines wrap where the page ends them


def render(admin, language, province_pk):
    job, _created = services.report_request(
        actor=admin, kind="province", params={**PARAMS, "province": province_pk}, language=language
    )
    services.report_render(job_id=job.pk)
    return job


def test_the_pdf_reads_back_with_the_figures(programme, admin):
    job = render(admin, "en", province("ZJ").pk)
    text = pdf_text(job)
    assert "Provincial summary" in text and "Zhejiang" in text and "2026-Q2" in text
    assert "3 enterprises in the programme (pilot units among them: 1)" in text
    assert "5 people trained" in text and "3 women and 2 men" in text
    assert "1 of 3 enterprises with a baseline and a later value improved" in text
    assert "2 site visits held, against 3 planned" in text
    assert "Shaoxing Textiles" in text and "Chengdu Foods" not in text and "Archived Works" not in text
    assert "CNY 2,000.50 savings reported, against a programme cost of CNY 5,000.00" in text
    assert "0.40 yuan saved per yuan of cost" in text and "sum of the enterprises' fees" in text
    assert job.gather_seconds is not None and job.render_seconds is not None


def test_a_chinese_summary_has_chinese_names_as_text(programme, admin):
    text = pdf_text(render(admin, "zh-hans", "all"))
    assert "职场合作" in text and "不良品率" in text and "劳动生产率" in text
    assert "绍兴纺织" in text and programme["s1"].name_zh in text  # every province: Sichuan's enterprise too
