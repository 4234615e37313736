"""Pilot units and their reports."""

import datetime

import factory
from django.utils import timezone

from pilots.models import PilotReport, ReportingRule
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province

Q1 = datetime.date(2026, 1, 1)  # the rule's first quarter: always past due


def pilot_unit(code="ZJ", **fields):
    return EnterpriseFactory(province=province(code), is_pilot_unit=True, **fields)


def period(start=Q1):
    return ReportingRule.load().period(start, today=max(start, timezone.localdate()))


def current_period():
    return ReportingRule.load().periods()[-1]


class PilotReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotReport

    unit = factory.LazyFunction(pilot_unit)
    period_start = Q1
    period_end = factory.LazyAttribute(lambda r: period(r.period_start).end)
    due_on = factory.LazyAttribute(lambda r: period(r.period_start).due_on)
    eit_meetings = 3
    suggestions_received = 10
    suggestions_implemented = 6
    hazards_found = 5
    hazards_fixed = 4
    training_hours = 12
    savings_cny = 5000
    narrative = "本季度 EIT 每月开会。 / The EIT met monthly."


# The figures of a complete pilot-unit report, as the form posts them.
FIGURES = {
    "eit_meetings": "4",
    "suggestions_received": "12",
    "suggestions_implemented": "9",
    "hazards_found": "6",
    "hazards_fixed": "5",
    "training_hours": "24.5",
    "savings_cny": "18000.00",
    "narrative": "班组推行“5C”管理。 / Teams applied the 5C method.",
}
