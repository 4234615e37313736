"""What each pilot unit owes: one row per unit and period, whether or not a report was started.

The rows are built from three queries however many units and periods there are: the rule,
the units in scope, and their reports; the periods themselves are computed from the rule."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PilotReport, PilotUnit, ReportingRule

NOT_STARTED = "not_started"
NOT_STARTED_LABEL = _("Not started")


@dataclass
class DueRow:
    unit: object
    period: object
    report: object  # PilotReport or None
    today: object

    @property
    def status(self):
        return self.report.status if self.report else NOT_STARTED

    @property
    def status_label(self):
        return self.report.get_status_display() if self.report else NOT_STARTED_LABEL

    @property
    def due_on(self):
        return self.report.due_on if self.report else self.period.due_on

    @property
    def is_received(self):
        return self.report is not None and self.report.is_received

    @property
    def is_late(self):
        """Past due and not submitted (nor approved)."""
        return not self.is_received and self.today > self.due_on

    @property
    def submitted_late(self):
        return self.is_received and self.report.submitted_late

    @property
    def days_overdue(self):
        return (self.today - self.due_on).days


def due_rows(user, *, today=None, province=None, rule=None):
    """Every (pilot unit, period) in the user's scope, newest period first, from the rule's first
    period up to the current one; reports made under an earlier rule keep their own row."""
    today = today or timezone.localdate()
    rule = rule or ReportingRule.load()
    units = PilotUnit.objects.visible_to(user).filter(archived_at__isnull=True).select_related("province")
    reports = PilotReport.objects.visible_to(user).filter(unit__archived_at__isnull=True)
    if province is not None:
        units, reports = units.filter(province=province), reports.filter(unit__province=province)
    units = {unit.pk: unit for unit in units}
    by_key = {(r.unit_id, r.period_start): r for r in reports.defer("narrative")}
    periods = {p.start: p for p in rule.periods(today)}
    rows = [
        DueRow(unit, period, by_key.pop((unit.pk, start), None), today)
        for start, period in periods.items()
        for unit in units.values()
    ]
    for (unit_id, _start), report in by_key.items():  # periods the rule no longer has
        if unit_id in units:
            rows.append(DueRow(units[unit_id], rule.period_of(report), report, today))
    rows.sort(key=lambda r: (-r.period.start.toordinal(), r.unit.province.code, r.unit.name_en))
    return rows


def filter_rows(rows, *, status="", late=False):
    if status:
        rows = [r for r in rows if r.status == status]
    if late:
        rows = [r for r in rows if r.is_late or r.submitted_late]
    return rows
