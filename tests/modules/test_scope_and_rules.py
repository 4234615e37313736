"""The access matrix of the modules pages, and the rules that hold in the services
whatever page (or race) called them."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from modules import services
from modules.forms import EnrolmentForm, MeasurementForm
from modules.kpi import sparkline
from modules.models import Attendance, Enrolment, Measurement, Practice
from score_portal.models import AuditEvent
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory
from tests.factories import province

from .factories import EnrolmentFactory, ParticipantFactory, SessionFactory, indicator, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhejiang():
    """A Zhejiang enterprise enrolled in WC, and a Zhejiang session it sends someone to."""
    enterprise = EnterpriseFactory(name_en="Ningbo Hengfeng", name_zh="宁波恒丰", province=province("ZJ"))
    enrolment = EnrolmentFactory(enterprise=enterprise)
    session = SessionFactory(province=province("ZJ"))
    ParticipantFactory(session=session, enterprise=enterprise, name="王芳")
    return {"enterprise": enterprise, "enrolment": enrolment, "session": session}


PAGES = [
    "/enrolments/{enrolment}/",
    "/enterprises/{enterprise}/enrol/",
    "/enterprises/{enterprise}/kpis/new/",
    "/enterprises/{enterprise}/practices/",
    "/enterprises/{enterprise}/?tab=modules",
    "/enterprises/{enterprise}/?tab=kpis",
    "/training/{session}/",
    "/training/{session}/edit/",
    "/training/{session}/attendance.pdf",
]


def url(template, records):
    return template.format(**{name: record.pk for name, record in records.items()})


@pytest.mark.parametrize("page", PAGES)
def test_insiders_open_every_page(client_for, admin, coordinator_zj, zhejiang, page):
    for user in (admin, coordinator_zj):
        assert client_for(user).get(url(page, zhejiang)).status_code == 200, user


@pytest.mark.parametrize("page", PAGES)
def test_the_coordinator_of_another_province_gets_404_everywhere(client_for, coordinator_sc, zhejiang, page):
    assert client_for(coordinator_sc).get(url(page, zhejiang)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_consultant_who_is_no_trainer_gets_nothing(client_for, consultant2, zhejiang, page):
    # 403 for the pages no consultant may open at all; 404 for the records themselves.
    assert client_for(consultant2).get(url(page, zhejiang)).status_code in (403, 404)


def test_a_trainer_sees_the_session_and_its_sheet_but_no_enterprise_record(client_for, consultant1, zhejiang):
    zhejiang["session"].trainers.add(consultant1)
    client = client_for(consultant1)
    assert "王芳" in client.get(url("/training/{session}/", zhejiang)).content.decode()
    assert client.get(url("/training/{session}/attendance.pdf", zhejiang)).status_code == 200
    assert client.get(url("/enterprises/{enterprise}/?tab=kpis", zhejiang)).status_code in (403, 404)
    assert client.get(url("/training/{session}/edit/", zhejiang)).status_code == 403


def test_the_coordinator_of_another_province_cannot_write_anything(client_for, coordinator_sc, zhejiang):
    client = client_for(coordinator_sc)
    posts = [
        ("/enterprises/{enterprise}/enrol/", {"module": module("QM").pk, "planned_on": "2026-02-01", "fee": "0"}),
        ("/enrolments/{enrolment}/", {"to_status": "withdrawn", "on_date": "2026-05-01"}),
        (
            "/enterprises/{enterprise}/kpis/new/",
            {"indicator": indicator("defect_rate").pk, "period": "2026-01", "value": "3", "source": "baseline"},
        ),
        ("/enterprises/{enterprise}/practices/", {"assessed_on": "2026-05-01", "in_place": [1]}),
        ("/training/{session}/", {"attendance": "1", "present": []}),
        ("/training/{session}/edit/", {"venue": "elsewhere"}),
    ]
    for page, data in posts:
        assert client.post(url(page, zhejiang), data).status_code == 404, page
    zhejiang["enrolment"].refresh_from_db()
    assert zhejiang["enrolment"].status == "planned"
    assert Enrolment.objects.count() == 1
    assert not Measurement.objects.exists()
    assert not Attendance.objects.exists()


def test_lists_and_panel_show_nothing_of_another_province(client_for, coordinator_sc, consultant2, zhejiang):
    client = client_for(coordinator_sc)
    assert client.get("/progress/").context["rows"] == []
    sessions = client.get("/training/", {"when": "past"}).content.decode()
    assert "Hangzhou training centre" not in sessions
    home = client.get("/").content.decode()
    assert "Hangzhou training centre" not in home
    assert client_for(consultant2).get("/progress/").status_code == 403
    assert "Hangzhou training centre" not in client_for(consultant2).get("/training/?when=past").content.decode()


def test_the_service_refuses_a_second_open_enrolment_that_raced_past_the_form(coordinator_zj):
    enterprise = EnterpriseFactory()
    form = EnrolmentForm({"module": module("WC").pk, "planned_on": "2026-02-01", "fee": "0"}, enterprise=enterprise)
    assert form.is_valid()
    EnrolmentFactory(enterprise=enterprise)  # another coordinator was quicker
    with pytest.raises(ValidationError) as info:
        services.enrolment_create(actor=coordinator_zj, form=form, enterprise=enterprise)
    assert "already has an open enrolment" in info.value.messages[0]
    assert Enrolment.objects.filter(enterprise=enterprise).count() == 1


def test_the_service_keeps_workplace_cooperation_first(coordinator_zj):
    started = EnrolmentFactory().enterprise
    fresh = EnterpriseFactory()
    form = EnrolmentForm({"module": module("OSH").pk, "planned_on": "2026-02-01", "fee": "0"}, enterprise=started)
    assert form.is_valid()
    with pytest.raises(ValidationError) as info:
        services.enrolment_create(actor=coordinator_zj, form=form, enterprise=fresh)
    assert "compulsory and comes first" in info.value.messages[0]
    assert not fresh.enrolments.exists()


def test_a_kpi_value_cannot_be_for_a_month_to_come_nor_pretend_to_be_an_import():
    enterprise = EnterpriseFactory()
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).strftime("%Y-%m")
    data = {"indicator": indicator("defect_rate").pk, "period": next_month, "value": "3", "source": "visit"}
    form = MeasurementForm(data, enterprise=enterprise)
    assert form.errors["period"] == ["The month cannot be in the future."]
    assert [value for value, _label in form.fields["source"].choices] == ["baseline", "visit", "pilot_report"]


def test_a_day_that_has_not_come_cannot_be_ticked(client_for, coordinator_zj):
    today = timezone.localdate()
    session = SessionFactory(starts_on=today, ends_on=today + datetime.timedelta(days=1))
    enrolment = EnrolmentFactory()
    participant = ParticipantFactory(session=session, enterprise=enrolment.enterprise)
    client = client_for(coordinator_zj)
    page = client.get(f"/training/{session.pk}/").content.decode()
    tomorrow = f'value="{participant.pk}:{today + datetime.timedelta(days=1):%Y-%m-%d}"'
    assert tomorrow + " " in page and "disabled" in page.split(tomorrow)[1].split(">")[0]
    ticks = [f"{participant.pk}:{day}" for day in session.days]
    client.post(f"/training/{session.pk}/", {"attendance": "1", "present": ticks})
    assert list(Attendance.objects.filter(present=True).values_list("day", flat=True)) == [today]
    enrolment.refresh_from_db()
    assert enrolment.status == "planned"  # the classroom step is not complete: its second day is still to come


def test_administrators_add_good_practices_and_coordinators_may_not(client_for, admin, coordinator_zj):
    data = {
        "module": module("OSH").pk,
        "code": "ppe_worn",
        "name_en": "Protective equipment is worn",
        "name_zh": "佩戴防护用品",
    }
    assert client_for(coordinator_zj).post("/modules/practices/new/", data).status_code == 403
    assert client_for(admin).post("/modules/practices/new/", data).status_code == 302
    assert Practice.objects.get(code="ppe_worn").name_zh == "佩戴防护用品"
    assert "Protective equipment is worn" in client_for(coordinator_zj).get("/modules/").content.decode()


def test_the_attendance_page_costs_the_same_queries_for_many_participants(
    client_for, coordinator_zj, django_assert_max_num_queries
):
    session = SessionFactory()
    client = client_for(coordinator_zj)
    for _ in range(3):
        ParticipantFactory(session=session)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/training/{session.pk}/")
    for _ in range(27):
        ParticipantFactory(session=session)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/training/{session.pk}/")
    assert len(response.context["grid"]["rows"]) == 30


def test_a_participant_can_be_taken_from_the_enterprises_eit(client_for, coordinator_zj):
    session = SessionFactory()
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    member = EITMemberFactory(
        enterprise=enterprise, name="陈海燕", side="management", sex="female", position="车间主任"
    )
    client = client_for(coordinator_zj)
    wrong = client.post(f"/training/{session.pk}/", {"enterprise": other.pk, "eit_member": member.pk})
    assert "not on the chosen enterprise" in wrong.content.decode()
    client.post(f"/training/{session.pk}/", {"enterprise": enterprise.pk, "eit_member": member.pk})
    participant = session.participants.get()
    assert (participant.name, participant.side, participant.sex, participant.position) == (
        "陈海燕",
        "management",
        "female",
        "车间主任",
    )
    assert list(member.trainings.all()) == [participant]


def test_the_member_menu_lists_the_chosen_enterprises_eit_only(client_for, coordinator_zj):
    """With thousands of enterprises a menu of every member took seconds: it follows the
    enterprise chosen (htmx asks for the form again with it)."""
    session = SessionFactory()
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    mine = EITMemberFactory(enterprise=enterprise, name="陈海燕")
    theirs = EITMemberFactory(enterprise=other, name="Zhao Lei")
    client = client_for(coordinator_zj)

    menu = client.get(f"/training/{session.pk}/").context["participant_form"]["eit_member"]
    assert [c.data["label"] for c in menu] == ["Choose the enterprise first"]

    page = client.get(f"/training/{session.pk}/?enterprise={enterprise.pk}", headers={"HX-Request": "true"})
    labels = [c.data["label"] for c in page.context["participant_form"]["eit_member"]]
    assert labels == ["---------", f"{mine.name} · {enterprise.name}"]
    assert theirs.name not in page.content.decode()
    assert 'hx-select="#id_eit_member"' in page.content.decode()  # what the enterprise menu takes

    # Anything but an enterprise the user may pick is no choice, not an error page.
    elsewhere = EnterpriseFactory(province=province("SC"))
    EITMemberFactory(enterprise=elsewhere, name="Sichuan Member")
    for value in ("²", "99999999999999999999", "abc", str(elsewhere.pk)):
        page = client.get(f"/training/{session.pk}/?enterprise={value}")
        assert page.status_code == 200, value
        assert [c.data["label"] for c in page.context["participant_form"]["eit_member"]] == [
            "Choose the enterprise first"
        ], value

    # A member of the other enterprise is still refused, and one of the chosen enterprise taken.
    assert (
        "not on the chosen enterprise"
        in client.post(
            f"/training/{session.pk}/", {"enterprise": enterprise.pk, "eit_member": theirs.pk}
        ).content.decode()
    )


def test_the_session_page_says_which_enterprises_completed_the_classroom_step(client_for, coordinator_zj):
    session = SessionFactory()
    done = EnterpriseFactory(name_en="Done Ltd")
    partial = EnterpriseFactory(name_en="Partial Ltd")
    ParticipantFactory(session=session, enterprise=done, side="management", sex="female")
    ParticipantFactory(session=session, enterprise=done, side="worker", sex="male")
    missing = ParticipantFactory(session=session, enterprise=partial, side="worker", sex="female")
    ticks = [f"{p.pk}:{day}" for p in session.participants.exclude(pk=missing.pk) for day in session.days]
    client = client_for(coordinator_zj)
    client.post(
        f"/training/{session.pk}/", {"attendance": "1", "present": [*ticks, f"{missing.pk}:{session.starts_on}"]}
    )
    sent = {e["enterprise"].name_en: e for e in client.get(f"/training/{session.pk}/").context["grid"]["enterprises"]}
    assert (sent["Done Ltd"]["management"], sent["Done Ltd"]["worker"], sent["Done Ltd"]["female"]) == (1, 1, 1)
    assert sent["Done Ltd"]["complete"] is True
    assert sent["Partial Ltd"]["complete"] is False


def test_a_full_session_takes_no_one_more(client_for, coordinator_zj):
    session = SessionFactory(capacity=2)
    ParticipantFactory.create_batch(2, session=session)
    enterprise = EnterpriseFactory()
    response = client_for(coordinator_zj).post(
        f"/training/{session.pk}/", {"enterprise": enterprise.pk, "name": "李明", "side": "worker", "sex": "male"}
    )
    assert "This session is full: all 2 places are taken." in response.content.decode()
    assert session.participants.count() == 2


def test_the_kpi_chart_puts_the_target_inside_its_scale():
    # Defects falling from 5 to 4 towards a target of 3: the target line sits below every point.
    chart = sparkline([5, 4.5, 4], target=3, height=32, pad=3)
    ys = [float(point.split(",")[1]) for point in chart["points"].split()]
    assert float(chart["target_y"]) == 29.0  # the bottom of the chart
    assert all(y < float(chart["target_y"]) for y in ys)
    assert chart["last"] == ("117.0", f"{ys[-1]:.1f}")
    assert sparkline([], target=3) == {"points": "", "last": None, "target_y": None}


def test_the_progress_export_writes_formulas_as_text(client_for, coordinator_zj):
    EnrolmentFactory(enterprise=EnterpriseFactory(name_en="=HYPERLINK(1)", name_zh="=HYPERLINK(1)"))
    sheet = load_workbook(io.BytesIO(client_for(coordinator_zj).get("/progress/export.xlsx").content)).active
    [row] = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[0] == "'=HYPERLINK(1)"
    assert row[2].startswith("Planned")


def test_catalogue_edits_and_exports_leave_an_audit_trail(client_for, admin):
    client = client_for(admin)
    wc = module("WC")
    data = {"code": "WC", "order": 1, "name_en": wc.name_en, "name_zh": "职场合作（新版）", "classroom_days": 1}
    data |= {"consulting_visits": 6, "is_compulsory": "on", "is_active": "on", "description": wc.description}
    data["description_zh"] = wc.description_zh
    assert client.post(f"/modules/{wc.pk}/", data).status_code == 302
    wc.refresh_from_db()
    assert (wc.name_zh, wc.classroom_days, wc.consulting_visits) == ("职场合作（新版）", 1, 6)
    event = AuditEvent.objects.get(action="updated", target_type="modules.module")
    assert (event.actor, sorted(event.data["fields"])) == (admin, ["classroom_days", "consulting_visits", "name_zh"])
    client.get("/progress/export.xlsx")
    assert AuditEvent.objects.filter(action="exported", actor=admin, data__what="progress").exists()
