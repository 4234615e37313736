import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from modules.models import Attendance, Measurement
from modules.views import attendance_grid
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province

from .factories import EnrolmentFactory, MeasurementFactory, ParticipantFactory, SessionFactory, indicator, module

pytestmark = pytest.mark.django_db


def test_attendance_counts_by_sex_and_side_and_full_attendance(client_for, coordinator_zj):
    session = SessionFactory()
    a = ParticipantFactory(session=session, sex="female", side="management")
    b = ParticipantFactory(session=session, sex="female", side="management")
    c = ParticipantFactory(session=session, sex="male", side="worker")
    client = client_for(coordinator_zj)
    ticks = [
        f"{a.pk}:2026-03-10",
        f"{a.pk}:2026-03-11",
        f"{b.pk}:2026-03-10",
        f"{c.pk}:2026-03-10",
        f"{c.pk}:2026-03-11",
    ]
    client.post(f"/training/{session.pk}/", {"attendance": "1", "present": ticks})
    assert Attendance.objects.filter(present=True).count() == 5
    assert Attendance.objects.filter(present=False).count() == 1
    counts = attendance_grid(session)["counts"]
    assert counts[("female", "management")] == {"enrolled": 2, "attended": 1}  # b missed day two
    assert counts[("male", "worker")] == {"enrolled": 1, "attended": 1}
    page = client.get(f"/training/{session.pk}/").content.decode()
    assert "People trained, by sex and side" in page


def test_a_participant_is_registered_only_from_enterprises_of_the_session_province(client_for, coordinator_zj):
    session = SessionFactory()
    outside = EnterpriseFactory(province=province("SC"))
    inside = EnterpriseFactory(name_zh="杭州企业")
    client = client_for(coordinator_zj)
    bad = client.post(
        f"/training/{session.pk}/", {"enterprise": outside.pk, "name": "X", "side": "worker", "sex": "male"}
    )
    assert "Select a valid choice" in bad.content.decode()
    client.post(
        f"/training/{session.pk}/", {"enterprise": inside.pk, "name": "王芳", "side": "worker", "sex": "female"}
    )
    assert list(session.participants.values_list("name", flat=True)) == ["王芳"]


def test_sessions_are_seen_by_their_province_and_their_trainers_only(
    client_for, coordinator_sc, consultant1, consultant2
):
    session = SessionFactory()
    session.trainers.add(consultant1)
    assert client_for(consultant1).get(f"/training/{session.pk}/").status_code == 200
    assert client_for(consultant2).get(f"/training/{session.pk}/").status_code == 404
    assert client_for(coordinator_sc).get(f"/training/{session.pk}/").status_code == 404
    assert client_for(coordinator_sc).get(f"/training/{session.pk}/attendance.pdf").status_code == 404
    # A trainer sees the session but cannot change the register.
    response = client_for(consultant1).post(f"/training/{session.pk}/", {"attendance": "1"})
    assert response.status_code == 403


def pdf_text(content, tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_attendance_sheet_pdf_reads_back_in_english_and_chinese(client_for, coordinator_zj, tmp_path):
    session = SessionFactory()
    ParticipantFactory(
        session=session, name="周丽华", enterprise=EnterpriseFactory(name_en="Shaoxing Centre", name_zh="绍兴管理中心")
    )
    client = client_for(coordinator_zj)
    english = client.get(f"/training/{session.pk}/attendance.pdf")
    assert english["Content-Type"] == "application/pdf"
    text = pdf_text(english.content, tmp_path)
    assert "Workplace Cooperation" in text and "周丽华" in text and "2026-03-11" in text
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    chinese = pdf_text(client.get(f"/training/{session.pk}/attendance.pdf").content, tmp_path)
    assert "职场合作" in chinese and "绍兴管理中心" in chinese and "签到表" in chinese


def test_matrix_cells_show_status_and_date_and_columns_count(client_for, coordinator_zj):
    a = EnterpriseFactory(name_en="Alpha")
    b = EnterpriseFactory(name_en="Beta")
    EnrolmentFactory(enterprise=a, status="completed", completed_on=datetime.date(2026, 4, 2))
    EnrolmentFactory(enterprise=a, module=module("OSH"), status="classroom", classroom_on=datetime.date(2026, 5, 6))
    EnrolmentFactory(enterprise=b, status="withdrawn", withdrawn_on=datetime.date(2026, 2, 1))
    EnrolmentFactory(enterprise=b)  # enrolled again after withdrawing: the open one shows
    response = client_for(coordinator_zj).get("/progress/")
    rows = {r["enterprise"].name_en: r["cells"] for r in response.context["rows"]}
    assert [(c.status, c.status_date) if c else None for c in rows["Alpha"]] == [
        ("completed", datetime.date(2026, 4, 2)),
        None,
        None,
        None,
        ("classroom", datetime.date(2026, 5, 6)),
    ]
    assert rows["Beta"][0].status == "planned"
    columns = {m.code: count for m, count in response.context["columns"]}
    assert columns["WC"] == {"planned": 1, "classroom": 0, "consulting": 0, "completed": 1}
    filtered = client_for(coordinator_zj).get("/progress/", {"module": module("OSH").pk, "status": "classroom"})
    assert [r["enterprise"].name_en for r in filtered.context["rows"]] == ["Alpha"]
    none = client_for(coordinator_zj).get("/progress/", {"module": module("OSH").pk, "status": "none"})
    assert [r["enterprise"].name_en for r in none.context["rows"]] == ["Beta"]


def test_matrix_columns_follow_a_module_taken_out_of_the_catalogue(client_for, coordinator_zj):
    """The column counts are cached with the figures; a module is not a counted record, so the
    modules shown are part of their key: the page keeps one count per column it shows."""
    EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Alpha"), module=module("OSH"), status="classroom")
    client = client_for(coordinator_zj)
    before = client.get("/progress/").context["columns"]
    osh = module("OSH")
    osh.is_active = False
    osh.save()
    response = client.get("/progress/")
    assert response.status_code == 200
    codes = [m.code for m, _counts in response.context["columns"]]
    assert "OSH" not in codes
    assert len(codes) == len(before) - 1


def test_matrix_query_count_is_constant(client_for, coordinator_zj, django_assert_max_num_queries):
    client = client_for(coordinator_zj)
    for _ in range(3):
        EnrolmentFactory()
    with django_assert_max_num_queries(20) as few:
        client.get("/progress/")
    for _ in range(30):
        EnrolmentFactory(module=module("WC"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/progress/")


def test_matrix_and_its_export_show_only_the_coordinators_provinces(client_for, coordinator_sc):
    EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Zhejiang firm", province=province("ZJ")))
    EnrolmentFactory(enterprise=EnterpriseFactory(name_en="Sichuan firm", name_zh="四川企业", province=province("SC")))
    client = client_for(coordinator_sc)
    assert [r["enterprise"].name_en for r in client.get("/progress/").context["rows"]] == ["Sichuan firm"]
    sheet = load_workbook(io.BytesIO(client.get("/progress/export.xlsx").content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["Sichuan firm"]


def test_kpi_values_refuse_text_and_show_change_on_the_enterprise_page(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    client = client_for(coordinator_zj)
    url = f"/enterprises/{enterprise.pk}/kpis/new/"
    defect = indicator("defect_rate")
    bad = client.post(url, {"indicator": defect.pk, "period": "2026-01", "value": "N/A", "source": "baseline"})
    assert "text such as “N/A” is not accepted" in bad.content.decode()
    client.post(url, {"indicator": defect.pk, "period": "2026-01", "value": "4.0", "source": "baseline"})
    again = client.post(url, {"indicator": defect.pk, "period": "2026-02", "value": "4.1", "source": "baseline"})
    assert "already has a baseline for this KPI" in again.content.decode()
    MeasurementFactory(enterprise=enterprise, indicator=defect, period=datetime.date(2026, 6, 1), value="3.2")
    client.post(url, {"target": "1", "indicator": defect.pk, "value": "3.0"})
    page = client.get(f"/enterprises/{enterprise.pk}/?tab=kpis")
    [row] = page.context["kpi_rows"]
    assert (row["baseline"].value, row["latest"].value, row["target"].value) == (4, Decimal("3.2"), 3)
    assert row["change"].improved is True
    assert 'data-improved="yes"' in page.content.decode()
    assert Measurement.objects.filter(enterprise=enterprise).count() == 2


def test_full_attendance_completes_the_classroom_step(client_for, coordinator_zj):
    session = SessionFactory()
    done, partial = EnterpriseFactory(name_en="Done"), EnterpriseFactory(name_en="Partial")
    done_enrolment = EnrolmentFactory(enterprise=done)
    partial_enrolment = EnrolmentFactory(enterprise=partial)
    client = client_for(coordinator_zj)
    for enterprise, name in [(done, "甲"), (done, "乙"), (partial, "丙")]:
        client.post(
            f"/training/{session.pk}/", {"enterprise": enterprise.pk, "name": name, "side": "worker", "sex": "male"}
        )
    partial_enrolment.refresh_from_db()
    assert (partial_enrolment.status, partial_enrolment.classroom_on) == ("classroom", session.starts_on)
    ticks = [f"{p.pk}:{day}" for p in session.participants.filter(enterprise=done) for day in session.days]
    ticks += [f"{session.participants.get(enterprise=partial).pk}:{session.starts_on}"]
    client.post(f"/training/{session.pk}/", {"attendance": "1", "present": ticks})
    done_enrolment.refresh_from_db()
    partial_enrolment.refresh_from_db()
    assert (done_enrolment.status, done_enrolment.consulting_on) == ("consulting", session.ends_on)
    assert partial_enrolment.status == "classroom"  # one of its people missed a day


def test_matrix_menus_are_the_users_own_and_follow_changes(client_for, coordinator_sc):
    """The province and group menus are kept with the figures (shared with the enterprise list);
    the module menu is the matrix's columns."""
    import re

    def menu(page, name):
        return re.findall(r">([^<]+)</option>", re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0))

    sichuan = EnterpriseFactory(name_en="Chengdu Group", province=province("SC"))
    EnterpriseFactory(parent=sichuan, province=province("SC"))
    zhejiang = EnterpriseFactory(name_en="Hangzhou Group", province=province("ZJ"))
    EnterpriseFactory(parent=zhejiang, province=province("ZJ"))
    client = client_for(coordinator_sc)
    page = client.get("/progress/").content.decode()
    assert menu(page, "group") == ["All groups", "Chengdu Group"]
    assert menu(page, "province") == ["All provinces", province("SC").name_en]
    assert "OSH" in " ".join(menu(page, "module"))
    assert client.get("/enterprises/").status_code == 200  # the list's menus, from the same cache
    EnterpriseFactory(parent=EnterpriseFactory(name_en="Mianyang Group", province=province("SC")))
    osh = module("OSH")
    osh.is_active = False
    osh.save()
    page = client.get("/progress/").content.decode()
    assert menu(page, "group") == ["All groups", "Chengdu Group", "Mianyang Group"]
    assert "OSH" not in " ".join(menu(page, "module"))
