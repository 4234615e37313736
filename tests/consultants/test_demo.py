"""The demo's consultants: visits in every state with their steps, actions (some overdue),
KPI readings that became the enterprise's figures once approved, and downscaled photos.
Seeding twice changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from PIL import Image

from consultants.models import (
    Attachment,
    ImprovementAction,
    Visit,
    VisitEvent,
    VisitReading,
    VisitStatus,
    lead_problem,
)
from score_portal.uploads import PHOTO_MAX_SIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_demo_visits_cover_every_state_and_seeding_again_changes_nothing(media):
    call_command("seed_demo", stdout=io.StringIO())
    before = counts()

    mine = Visit.objects.filter(consultant__user__email="consultant1@score.demo")
    assert set(mine.values_list("status", flat=True)) == set(VisitStatus.values)
    assert Visit.objects.filter(consultant__user__email="consultant2@score.demo").count() >= 5
    assert Visit.objects.upcoming().filter(consultant__user__email="consultant1@score.demo").exists()

    returned = Visit.objects.filter(status="returned")
    assert returned.exists()
    for visit in returned:
        event = visit.events.get(to_status="returned")
        assert visit.review_comment and event.comment == visit.review_comment
    zj = VisitEvent.objects.filter(visit__enrolment__enterprise__province__code="ZJ", to_status="approved")
    assert set(zj.values_list("by__email", flat=True)) == {"coordinator.zj@score.demo"}
    sc = VisitEvent.objects.filter(visit__enrolment__enterprise__province__code="SC", to_status="approved")
    assert set(sc.values_list("by__email", flat=True)) == {"coordinator.sc@score.demo"}
    submitted = VisitEvent.objects.filter(to_status="submitted").select_related("visit__consultant")
    assert all(event.by_id == event.visit.consultant.user_id for event in submitted)

    for visit in Visit.objects.exclude(held_on=None):
        members = set(visit.enrolment.enterprise.eit_members.current().values_list("pk", flat=True))
        attendees = set(visit.attendees.values_list("pk", flat=True))
        assert attendees and attendees <= members
        assert visit.activities

    assert ImprovementAction.objects.overdue().exists()
    assert set(ImprovementAction.objects.values_list("status", flat=True)) >= {"open", "in_progress", "done"}
    assert not ImprovementAction.objects.filter(status="done", result="").exists()

    for visit in Visit.objects.filter(status__in=["submitted", "approved"]).select_related("enrolment__module"):
        active = set(visit.enrolment.module.indicators.filter(is_active=True).values_list("pk", flat=True))
        assert set(visit.readings.values_list("indicator", flat=True)) == active
    approved = VisitReading.objects.filter(visit__status="approved").select_related("visit__enrolment", "measurement")
    assert approved.exists()
    for reading in approved:
        measurement = reading.measurement
        assert measurement is not None and measurement.source == "visit"
        assert measurement.value == reading.value
        assert measurement.period == reading.visit.held_on.replace(day=1)
        assert measurement.enterprise_id == reading.visit.enrolment.enterprise_id
    assert not VisitReading.objects.exclude(visit__status="approved").exclude(measurement=None).exists()

    assert Attachment.objects.count() >= 3
    for attachment in Attachment.objects.all():
        path = media / attachment.file.name
        assert path.is_file()
        with Image.open(path) as image:
            assert max(image.size) <= PHOTO_MAX_SIDE
            assert image.size == (attachment.width, attachment.height)

    for visit in Visit.objects.select_related("consultant", "supervisor", "enrolment__module"):
        on = visit.held_on or visit.planned_at.date()
        assert lead_problem(visit.consultant, visit.supervisor, visit.enrolment.module, on) is None, visit
    assert Visit.objects.exclude(supervisor=None).exists()  # a trainer candidate, supervised

    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before
