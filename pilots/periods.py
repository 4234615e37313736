"""Reporting periods: computed from the reporting rule, never stored on their own, so a
change of the rule (a month instead of a quarter) changes what is owed from then on."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

MONTHS = {"month": 1, "quarter": 3}


def add_months(day, months):
    """The same day ``months`` later; periods start on the first of a month, so no day overflows."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    due_on: datetime.date
    remind_on: datetime.date  # the "due soon" reminder
    late_remind_on: datetime.date  # the "late" reminder
    length: str  # "month" or "quarter"

    @property
    def label(self):
        if self.length == "month":
            return f"{self.start:%Y-%m}"
        if self.start.month in (1, 4, 7, 10):
            return _("%(year)d Q%(quarter)d") % {"year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        return f"{self.start:%Y-%m} – {self.end:%Y-%m}"

    def __str__(self):
        return self.label


def make_period(rule, start):
    end = add_months(start, MONTHS[rule.period_length]) - datetime.timedelta(days=1)
    due = end + datetime.timedelta(days=rule.due_days)
    return Period(
        start=start,
        end=end,
        due_on=due,
        remind_on=due - datetime.timedelta(days=rule.remind_days_before),
        late_remind_on=due + datetime.timedelta(days=rule.remind_days_after),
        length=rule.period_length,
    )


def periods_until(rule, today):
    """Every period from the rule's first up to the one ``today`` falls in, oldest first."""
    periods, start = [], rule.first_period_start
    while start <= today:
        periods.append(make_period(rule, start))
        start = add_months(start, MONTHS[rule.period_length])
    return periods


def period_starting(rule, start, today):
    """The period beginning on ``start``, if the rule has one there that has already begun."""
    if start < rule.first_period_start or start > today or start.day != 1:
        return None
    months = (start.year - rule.first_period_start.year) * 12 + start.month - rule.first_period_start.month
    if months % MONTHS[rule.period_length]:
        return None
    return make_period(rule, start)
