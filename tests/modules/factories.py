import datetime

import factory

from modules.models import ClassroomSession, Enrolment, Indicator, Measurement, Module, Participant
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province


def module(code):
    return Module.objects.get(code=code)


def indicator(code):
    return Indicator.objects.get(code=code)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    enterprise = factory.SubFactory(EnterpriseFactory)
    module = factory.LazyFunction(lambda: module("WC"))
    planned_on = datetime.date(2026, 1, 5)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassroomSession

    module = factory.LazyFunction(lambda: module("WC"))
    province = factory.LazyFunction(lambda: province("ZJ"))
    venue = "Hangzhou training centre"
    starts_on = datetime.date(2026, 3, 10)
    ends_on = datetime.date(2026, 3, 11)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    session = factory.SubFactory(SessionFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"Trainee {n}")
    side = "worker"
    sex = "female"


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    enterprise = factory.SubFactory(EnterpriseFactory)
    indicator = factory.LazyFunction(lambda: indicator("defect_rate"))
    period = datetime.date(2026, 1, 1)
    value = 5
    source = "visit"
