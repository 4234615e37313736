"""``seed_demo --scale N``: N more enterprises with proportional data in every app (EITs,
enrolments, sessions, consultants' visits in every state, actions, KPIs, pilot-unit reports),
coherent with the portal's rules, seen by the demo roles, and not doubled by a second run."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from consultants.models import Assignment, ImprovementAction, Visit, VisitReading, lead_problem
from enterprises.demo import scale_enterprises
from enterprises.models import EITMember, Enterprise, Province
from modules.models import ClassroomSession, Enrolment, Measurement, Participant
from pilots.models import PilotReport, ReportingRule
from score_portal.models import User

pytestmark = pytest.mark.django_db
N = 40


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo's visit photos
    call_command("seed_demo", "--scale", str(N), stdout=io.StringIO())


def counts():
    tables = {m._meta.label: m.objects.count() for m in apps.get_models()}
    tables["visit attendees"] = Visit.attendees.through.objects.count()
    tables["session trainers"] = ClassroomSession.trainers.through.objects.count()
    return tables


def test_scale_enterprises_have_proportional_coherent_data_and_a_second_run_adds_nothing(seeded):
    scale = scale_enterprises()
    assert scale.count() == N
    by_province = dict(scale.values_list("province__code").annotate(n=Count("pk")))
    assert by_province["ZJ"] + by_province["SC"] >= 0.7 * N  # the demo coordinators' provinces

    # Every enterprise has its EIT, with one secretary; those in the programme meet and make suggestions.
    assert not scale.filter(eit_members__isnull=True).exists()
    for enterprise in scale.annotate(
        secretaries=Count("eit_members", filter=Q(eit_members__is_secretary=True, eit_members__left_on=None))
    ):
        assert enterprise.secretaries == 1
    assert 5 * N <= EITMember.objects.filter(enterprise__in=scale).count() <= 9 * N
    joined = scale.exclude(status="prospect")
    assert joined.filter(eit_meetings__isnull=False).distinct().count() == joined.count()
    assert joined.filter(suggestions__isnull=False).exists()

    # Enrolments: WC for every enterprise in the programme, none for prospects, in several statuses.
    enrolments = Enrolment.objects.filter(enterprise__in=scale)
    assert not enrolments.filter(enterprise__status="prospect").exists()
    assert enrolments.filter(module__code="WC").values("enterprise").distinct().count() == joined.count()
    assert joined.count() <= enrolments.count() <= 3 * joined.count()
    assert set(enrolments.values_list("status", flat=True)) >= {"planned", "classroom", "consulting", "completed"}
    assert len(set(enrolments.values_list("module__code", flat=True))) >= 3

    # Everyone who reached the classroom sat in a session of their module and province.
    for enrolment in enrolments.exclude(classroom_on=None).select_related("enterprise"):
        sessions = ClassroomSession.objects.filter(
            participants__enterprise=enrolment.enterprise,
            module=enrolment.module_id,
            province=enrolment.enterprise.province_id,
            starts_on=enrolment.classroom_on,
        )
        assert sessions.exists(), enrolment
    participants = Participant.objects.filter(enterprise__in=scale)
    assert participants.filter(attendance__isnull=False).exists()
    assert not ClassroomSession.objects.filter(participants__in=participants, trainers__isnull=True).exists()

    # One lead per enrolment past the classroom, certified for the module; a few support.
    reached = enrolments.exclude(classroom_on=None)
    leads = Assignment.objects.filter(enrolment__in=reached, role="lead")
    assert leads.count() == reached.count()
    for lead in leads.select_related("consultant", "enrolment__module"):
        assert lead_problem(lead.consultant, None, lead.enrolment.module, lead.enrolment.classroom_on) is None
        assert (lead.ended_on is None) == lead.enrolment.is_open

    # Visits in every state, by the lead, with EIT attendees; KPI readings; actions, some overdue.
    visits = Visit.objects.filter(enrolment__enterprise__in=scale)
    assert set(visits.values_list("status", flat=True)) >= {"planned", "draft", "submitted", "returned", "approved"}
    assert 2 * reached.count() <= visits.count() <= 8 * reached.count()
    for visit in visits.exclude(held_on=None).select_related("enrolment"):
        members = set(visit.enrolment.enterprise.eit_members.current().values_list("pk", flat=True))
        attendees = set(visit.attendees.values_list("pk", flat=True))
        assert attendees and attendees <= members
    for visit in visits.filter(status__in=["returned", "approved"]):
        assert visit.reviewed_by is not None and visit.events.filter(to_status=visit.status).exists()
    held = visits.filter(status__in=["draft", "submitted", "returned", "approved"]).count()
    actions = ImprovementAction.objects.filter(enterprise__in=scale)
    assert 0.8 * held <= actions.count() <= 2.5 * held
    assert actions.overdue().exists() and actions.filter(status="done").exists()

    # KPIs: a baseline for most enrolments, and an approved visit's readings as the month's values.
    baselines = Measurement.objects.filter(enterprise__in=scale, source="baseline")
    assert baselines.values("enterprise").distinct().count() >= 0.7 * joined.count()
    approved_readings = VisitReading.objects.filter(visit__in=visits.filter(status="approved"))
    assert approved_readings.exists() and not approved_readings.filter(measurement=None).exists()
    assert Measurement.objects.filter(enterprise__in=scale, source="visit").count() == approved_readings.count()

    # Pilot units, about one in ten, with reports for the periods already due.
    units = scale.filter(is_pilot_unit=True)
    assert 1 <= units.count() <= 0.25 * N
    due = [p for p in ReportingRule.load().periods() if p.due_on < timezone.localdate()]
    reports = PilotReport.objects.filter(unit__in=units)
    assert 0.7 * units.count() * len(due) <= reports.count() <= units.count() * len(due)
    assert reports.filter(status="approved").exists()

    # The demo consultant of Zhejiang now also works for some scale enterprises.
    consultant1 = User.objects.get(email="consultant1@score.demo")
    mine = Enterprise.objects.visible_to(consultant1).filter(pk__in=scale)
    assert mine.exists()
    assert set(mine.values_list("province__code", flat=True)) == {"ZJ"}
    assert Visit.objects.visible_to(consultant1).filter(enrolment__enterprise__in=scale).exists()
    coordinator = User.objects.get(email="coordinator.zj@score.demo")
    assert Enterprise.objects.visible_to(coordinator).filter(pk__in=scale).count() == by_province["ZJ"]

    before = counts()
    call_command("seed_demo", "--scale", str(N), stdout=io.StringIO())
    assert counts() == before


def test_pages_and_dashboards_work_on_the_scale_data(seeded, client_for):
    scale = scale_enterprises()
    enterprise = scale.filter(province__code="ZJ", enrolments__status="consulting").first()
    people = {
        email: User.objects.get(email=email)
        for email in ["admin@score.demo", "coordinator.zj@score.demo", "consultant1@score.demo"]
    }
    pages = [
        "/",
        "/dashboard/",
        "/dashboard/?period=2026",
        "/enterprises/?status=active&q=Scale",
        "/visits/",
        "/actions/",
        "/visits/calendar/",
        "/training/",
    ]
    staff_pages = [
        f"/enterprises/{enterprise.pk}/",
        f"/enterprises/{enterprise.pk}/?tab=kpis",
        f"/enterprises/{enterprise.pk}/?tab=visits",
        f"/enterprises/{enterprise.pk}/?tab=history",
        "/progress/",
        "/progress/?status=consulting",
        "/pilot-reports/",
        "/dashboard/completeness/",
    ]
    for email, user in people.items():
        client = client_for(user)
        mine = pages + ([] if user.is_consultant else staff_pages)
        if user.is_consultant:
            assigned = Enterprise.objects.visible_to(user).filter(pk__in=scale).first()
            mine += [f"/enterprises/{assigned.pk}/", f"/enterprises/{assigned.pk}/?tab=kpis"]
        for status in ["draft", "returned", "approved"]:
            visit = Visit.objects.visible_to(user).filter(enrolment__enterprise__in=scale, status=status).first()
            if visit:
                mine.append(f"/visits/{visit.pk}/")
        for url in mine:
            response = client.get(url)
            assert response.status_code == 200, (email, url, response.status_code)
        text = client.get("/enterprises/?q=Scale").content.decode()
        assert "Scale enterprise" in text, email

    # The provincial summary's figures count the scale enterprises.
    from reports.kinds import KINDS

    spec = KINDS["province"]
    params = spec.clean({"province": Province.objects.get(code="ZJ").pk, "start": "2026-01-01", "end": "2026-12-31"})
    context = spec.gather(params, lambda *args: None)
    rows = [row for row in context["appendix"] if row["enterprise"].pk in set(scale.values_list("pk", flat=True))]
    assert len(rows) == scale.filter(province__code="ZJ").count()
    assert any(row["kpis_improved"] for row in rows) and any(row["last_visit_on"] for row in rows)
