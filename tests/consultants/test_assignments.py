"""Assignment is what lets a consultant see an enterprise; coordinators manage it."""

import datetime

import pytest

from consultants.models import Assignment, Certification, Consultant
from score_portal.models import AuditEvent
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import UserFactory, province
from tests.modules.factories import EnrolmentFactory, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile1(consultant1):
    return Consultant.objects.create(user=consultant1)


@pytest.fixture
def profile2(consultant2):
    return Consultant.objects.create(user=consultant2)


@pytest.fixture
def enrolment():
    return EnrolmentFactory(enterprise=EnterpriseFactory(name_zh="绍兴管理中心", province=province("ZJ")))


def assign(client, enrolment, consultant, role="lead"):
    return client.post(f"/enrolments/{enrolment.pk}/assign/", {"consultant": consultant.pk, "role": role}, follow=True)


def test_assignment_opens_the_enterprise_to_that_consultant_only(
    client_for, coordinator_zj, consultant1, consultant2, profile1, profile2, enrolment
):
    enterprise = enrolment.enterprise
    assert client_for(consultant1).get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assign(client_for(coordinator_zj), enrolment, profile1)
    mine = client_for(consultant1)
    assert mine.get(f"/enterprises/{enterprise.pk}/").status_code == 200
    assert "绍兴管理中心" in mine.get("/enterprises/").content.decode()
    assert enterprise.name_en in mine.get("/").content.decode()  # "Your enterprises" on the home page
    assert mine.get(f"/enrolments/{enrolment.pk}/").status_code == 200
    # Read-only: a consultant changes nothing in the registry.
    assert mine.get(f"/enterprises/{enterprise.pk}/edit/").status_code == 403
    assert (
        mine.post(f"/enrolments/{enrolment.pk}/", {"to_status": "withdrawn", "on_date": "2026-05-01"}).status_code
        == 403
    )
    other = client_for(consultant2)
    assert other.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert other.get(f"/enrolments/{enrolment.pk}/").status_code == 404


def test_ending_the_assignment_closes_the_enterprise_again(
    client_for, coordinator_zj, consultant1, profile1, enrolment
):
    assign(client_for(coordinator_zj), enrolment, profile1)
    assignment = Assignment.objects.get()
    client_for(coordinator_zj).post(f"/assignments/{assignment.pk}/end/")
    assignment.refresh_from_db()
    assert assignment.ended_on == datetime.date.today()
    assert client_for(consultant1).get(f"/enterprises/{enrolment.enterprise.pk}/").status_code == 404
    assert AuditEvent.objects.filter(target_id=str(assignment.pk)).count() == 2


def test_one_lead_and_no_double_assignment(client_for, coordinator_zj, profile1, profile2, enrolment):
    client = client_for(coordinator_zj)
    assign(client, enrolment, profile1)
    again = assign(client, enrolment, profile1, role="support").content.decode()
    assert "is already assigned to this enrolment" in again
    second_lead = assign(client, enrolment, profile2).content.decode()
    assert "already has a lead consultant" in second_lead
    assign(client, enrolment, profile2, role="support")
    assert sorted(Assignment.objects.values_list("role", flat=True)) == ["lead", "support"]


def test_coordinator_of_another_province_cannot_assign(client_for, coordinator_sc, profile1, enrolment):
    response = client_for(coordinator_sc).post(
        f"/enrolments/{enrolment.pk}/assign/", {"consultant": profile1.pk, "role": "lead"}
    )
    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_directory_shows_certifications_and_workload_with_flat_queries(
    client_for, admin, profile1, enrolment, django_assert_max_num_queries
):
    Certification.objects.create(consultant=profile1, module=module("WC"), level="expert", since="2024-06-01")
    Assignment.objects.create(consultant=profile1, enrolment=enrolment)
    client = client_for(admin)
    response = client.get("/consultants/")
    row = response.context["object_list"][0]
    assert (row.active_assignments, row.enterprises) == (1, 1)
    assert "WC · Expert trainer" in response.content.decode()
    with django_assert_max_num_queries(20) as few:
        client.get("/consultants/")
    for _n in range(15):
        consultant = Consultant.objects.create(user=UserFactory(role="consultant"))
        Certification.objects.create(consultant=consultant, module=module("QM"), level="candidate", since="2025-01-01")
        Assignment.objects.create(consultant=consultant, enrolment=EnrolmentFactory(module=module("WC")))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/consultants/")


def test_directory_is_for_staff(client_for, consultant1):
    assert client_for(consultant1).get("/consultants/").status_code == 403
