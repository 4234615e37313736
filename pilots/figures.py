"""The pilot-unit report figures of the provincial summary: one definition, counted in SQL.

Which periods count: those of the reporting rule that begin between ``start`` and ``end``
(both included) and have begun by ``today``. For each province:

expected              active pilot units x those periods
received              reports submitted or approved
approved              reports approved
late                  expected reports past their due date and not received, plus reports
                      received after their due date
eit_meetings ...      sums over the approved reports only (figures not yet reviewed do not count)
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import RECEIVED_STATUSES, PilotReport, PilotUnit, ReportingRule, ReportStatus

COUNT_FIGURES = ["eit_meetings", "suggestions_received", "suggestions_implemented", "hazards_found", "hazards_fixed"]
AMOUNT_FIGURES = ["training_hours", "savings_cny"]


def pilot_report_figures(provinces, start, end, *, today=None):
    """{province pk: {"province": Province, "expected", "received", "approved", "late", and the sums
    of COUNT_FIGURES and AMOUNT_FIGURES}} for each province of the queryset, in its order."""
    today = today or timezone.localdate()
    periods = [p for p in ReportingRule.load().periods(min(end, today)) if p.start >= start]
    past_due = sum(1 for p in periods if p.due_on < today)
    units = dict(
        PilotUnit.objects.filter(is_pilot_unit=True, archived_at__isnull=True, province__in=provinces)
        .order_by()
        .values_list("province")
        .annotate(n=Count("pk"))
    )
    received, approved = Q(status__in=RECEIVED_STATUSES), Q(status=ReportStatus.APPROVED)
    sums = {name: Coalesce(Sum(name, filter=approved), Value(0), output_field=IntegerField()) for name in COUNT_FIGURES}
    sums.update(
        {
            name: Coalesce(Sum(name, filter=approved), Value(Decimal(0)), output_field=DecimalField())
            for name in AMOUNT_FIGURES
        }
    )
    rows = (
        PilotReport.objects.filter(
            unit__province__in=provinces,
            unit__is_pilot_unit=True,
            unit__archived_at__isnull=True,
            period_start__in=[p.start for p in periods],
        )
        .order_by()
        .values("unit__province")
        .annotate(
            received=Count("pk", filter=received),
            approved=Count("pk", filter=approved),
            received_past_due=Count("pk", filter=received & Q(due_on__lt=today)),
            received_late=Count("pk", filter=received & Q(submitted_at__date__gt=F("due_on"))),
            **sums,
        )
    )
    by_province = {row.pop("unit__province"): row for row in rows}
    figures = {}
    for province in provinces:
        row = by_province.get(province.pk, {})
        n = units.get(province.pk, 0)
        outstanding = max(n * past_due - row.get("received_past_due", 0), 0)
        figures[province.pk] = {
            "province": province,
            "expected": n * len(periods),
            "received": row.get("received", 0),
            "approved": row.get("approved", 0),
            "late": outstanding + row.get("received_late", 0),
            **{name: row.get(name, 0) for name in COUNT_FIGURES},
            **{name: row.get(name, Decimal(0)) for name in AMOUNT_FIGURES},
        }
    return figures
