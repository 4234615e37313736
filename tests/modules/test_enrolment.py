import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from modules import services
from modules.models import Enrolment, EnrolmentStatusChange
from score_portal.models import AuditEvent
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province

from .factories import EnrolmentFactory, module

pytestmark = pytest.mark.django_db


def enrol(client, enterprise, code, **extra):
    data = {"module": module(code).pk, "planned_on": "2026-02-01", "fee": "4500", **extra}
    return client.post(f"/enterprises/{enterprise.pk}/enrol/", data)


def test_enrolment_starts_planned_and_records_who(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    enrol(client_for(coordinator_zj), enterprise, "WC")
    enrolment = Enrolment.objects.get()
    assert (enrolment.status, enrolment.planned_on) == ("planned", datetime.date(2026, 2, 1))
    change = enrolment.status_changes.get()
    assert (change.to_status, change.changed_by) == ("planned", coordinator_zj)


def test_workplace_cooperation_comes_first(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    client = client_for(coordinator_zj)
    response = enrol(client, enterprise, "OSH")
    assert "is compulsory and comes first" in response.content.decode()
    assert not Enrolment.objects.exists()
    enrol(client, enterprise, "WC")
    enrol(client, enterprise, "OSH")
    assert sorted(Enrolment.objects.values_list("module__code", flat=True)) == ["OSH", "WC"]


def test_one_open_enrolment_per_module(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    EnrolmentFactory(enterprise=enterprise)
    response = enrol(client_for(coordinator_zj), enterprise, "WC")
    assert "already has an open enrolment in this module" in response.content.decode()
    with pytest.raises(IntegrityError):
        EnrolmentFactory(enterprise=enterprise)


def test_a_completed_module_can_be_taken_again():
    first = EnrolmentFactory(status="completed")
    EnrolmentFactory(enterprise=first.enterprise)  # no constraint error
    assert Enrolment.objects.filter(enterprise=first.enterprise).count() == 2


def test_the_pipeline_moves_step_by_step_and_records_each_step(coordinator_zj):
    enrolment = EnrolmentFactory()
    for step, day in [("classroom", 10), ("consulting", 20), ("completed", 30)]:
        services.enrolment_advance(
            enrolment=enrolment, to_status=step, actor=coordinator_zj, on_date=datetime.date(2026, 3, day)
        )
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    assert (enrolment.classroom_on.day, enrolment.consulting_on.day, enrolment.completed_on.day) == (10, 20, 30)
    steps = list(EnrolmentStatusChange.objects.order_by("pk").values_list("from_status", "to_status"))
    assert steps == [("planned", "classroom"), ("classroom", "consulting"), ("consulting", "completed")]
    assert AuditEvent.objects.filter(action="updated", actor=coordinator_zj).count() == 3


@pytest.mark.parametrize(
    ("start", "to"),
    [("planned", "completed"), ("planned", "consulting"), ("completed", "classroom"), ("withdrawn", "planned")],
)
def test_refused_transitions_say_why(coordinator_zj, start, to):
    enrolment = EnrolmentFactory(status=start)
    with pytest.raises(ValidationError) as info:
        services.enrolment_advance(
            enrolment=enrolment, to_status=to, actor=coordinator_zj, on_date=datetime.date(2026, 5, 1)
        )
    assert "cannot become" in info.value.messages[0]
    enrolment.refresh_from_db()
    assert enrolment.status == start


def test_status_page_offers_only_allowed_steps_and_refuses_others(client_for, coordinator_zj):
    enrolment = EnrolmentFactory()
    client = client_for(coordinator_zj)
    page = client.get(f"/enrolments/{enrolment.pk}/").content.decode()
    assert 'value="classroom"' in page and 'value="completed"' not in page
    response = client.post(f"/enrolments/{enrolment.pk}/", {"to_status": "completed", "on_date": "2026-05-01"})
    assert "Select a valid choice" in response.content.decode()
    client.post(
        f"/enrolments/{enrolment.pk}/", {"to_status": "withdrawn", "on_date": "2026-05-01", "comment": "closed"}
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawn_on) == ("withdrawn", datetime.date(2026, 5, 1))


def test_enrolments_are_out_of_reach_outside_scope(client_for, coordinator_sc, consultant1):
    enrolment = EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ")))
    for user in (coordinator_sc, consultant1):
        client = client_for(user)
        assert client.get(f"/enrolments/{enrolment.pk}/").status_code in (403, 404)
        assert client.post(
            f"/enrolments/{enrolment.pk}/", {"to_status": "withdrawn", "on_date": "2026-05-01"}
        ).status_code in (403, 404)
        assert client.get(f"/enterprises/{enrolment.enterprise.pk}/enrol/").status_code in (403, 404)
    enrolment.refresh_from_db()
    assert enrolment.status == "planned"
