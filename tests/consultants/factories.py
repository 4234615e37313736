"""Consultants who may lead visits, their assignments and visits."""

import datetime

import factory
from django.utils import timezone

from consultants.models import Assignment, Certification, Consultant, Visit


def certify(consultant, module, level="certified", since=datetime.date(2020, 1, 1)):
    return Certification.objects.create(consultant=consultant, module=module, level=level, since=since)


def profile(user, *modules, level="certified"):
    """The user's consultant profile (made if missing), certified for each module given."""
    consultant, _created = Consultant.objects.get_or_create(user=user)
    for module in modules:
        certify(consultant, module, level)
    return consultant


def assigned_visit(user, enrolment, role="lead", **fields):
    """A planned visit of the user (certified for the module) to an enrolment assigned to them."""
    consultant = profile(user)
    if not Certification.objects.filter(consultant=consultant, module=enrolment.module).exists():
        certify(consultant, enrolment.module)
    if not Assignment.objects.filter(consultant=consultant, enrolment=enrolment, ended_on__isnull=True).exists():
        Assignment.objects.create(consultant=consultant, enrolment=enrolment, role=role)
    return VisitFactory(enrolment=enrolment, consultant=consultant, **fields)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    planned_at = factory.LazyFunction(timezone.now)
    visit_type = "consulting"
