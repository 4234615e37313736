"""The programme's figures: the one definition of each, for the provincial summary PDF and,
later, the dashboards and Excel exports.

Every function takes a queryset of provinces and a period (``start`` and ``end``, dates, both
included) and answers in a fixed number of queries however many enterprises there are: the
counting is done by the database (values/annotate/aggregate, Count with ``filter=``,
Subquery). Where a median is needed, one query fetches the pairs and Python does the rest.

Which enterprises count: those of the provinces that are not archived (``enterprises_in``).
Every share comes with the count it is a share of, so a page never prints a bare percentage.
"""

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Func, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from consultants.models import Visit, VisitStatus
from enterprises.models import Enterprise, ProgrammeStatus, Sector, Sex, Side, Suggestion, SuggestionStatus
from modules.kpi import kpi_change
from modules.models import Attendance, Enrolment, Indicator, Measurement, Module, Participant, Source

DONE_VISITS = (VisitStatus.APPROVED, VisitStatus.SUBMITTED)


def share(part, whole):
    """``part`` as a whole-number percentage of ``whole``; None when there is nothing to divide."""
    if not whole:
        return None
    return round(100 * part / whole)


def enterprises_in(provinces):
    """The enterprises a figure covers: those of the provinces, not archived. A queryset of
    enterprises may stand for the provinces (a consultant's dashboard counts their own)."""
    if provinces.model is Enterprise:
        return provinces.filter(archived_at__isnull=True)
    return Enterprise.objects.filter(province__in=provinces, archived_at__isnull=True)


def enterprises_by_status(provinces):
    """Enterprises by programme status today (a snapshot, not a count over the period), with
    pilot units and employees by sex. One query.

    {"total", "pilot_units", "employees_female", "employees_male",
     "rows": [{"key", "label", "count", "share"}] in the order of ProgrammeStatus}"""
    counts = {
        row["status"]: row
        for row in enterprises_in(provinces)
        .order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            pilots=Count("pk", filter=Q(is_pilot_unit=True)),
            women=Sum("employees_female"),
            men=Sum("employees_male"),
        )
    }
    total = sum(row["n"] for row in counts.values())
    rows = [
        {
            "key": status.value,
            "label": status.label,
            "count": counts.get(status.value, {}).get("n", 0),
            "share": share(counts.get(status.value, {}).get("n", 0), total),
        }
        for status in ProgrammeStatus
    ]
    return {
        "total": total,
        "pilot_units": sum(row["pilots"] for row in counts.values()),
        "employees_female": sum(row["women"] or 0 for row in counts.values()),
        "employees_male": sum(row["men"] or 0 for row in counts.values()),
        "rows": rows,
    }


def enterprises_by_sector(provinces):
    """Enterprises by sector (GB/T 4754 section) today, the largest first; sectors with none
    are left out. One query. {"total", "rows": [{"key", "label", "count", "share"}]}"""
    counts = dict(enterprises_in(provinces).order_by().values_list("sector").annotate(n=Count("pk")))
    total = sum(counts.values())
    labels = dict(Sector.choices)
    rows = [
        {"key": key, "label": labels.get(key, key), "count": n, "share": share(n, total)}
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return {"total": total, "rows": rows}


def module_funnel(provinces, start, end, *, module=None):
    """How far the enrolments live during the period had come by its end, per module.

    enrolled     enrolments planned on or before the end of the period and neither completed
                 nor withdrawn before its start
    classroom    of these, those that had reached the classroom step (or a later one) by the end
    consulting   those that had reached the consulting step (or completed) by the end
    completed    those completed by the end (so: completed within the period)
    withdrawn    those withdrawn within the period

    Steps are read from their dates, so each column is part of the one before it. Two queries
    (the modules, the counts). [{"module", "enrolled", "classroom", "consulting", "completed",
    "withdrawn", "completed_share"}] for every offered module and any other with enrolments."""
    reached_consulting = Q(consulting_on__lte=end) | Q(completed_on__lte=end)
    reached_classroom = Q(classroom_on__lte=end) | reached_consulting
    counts = {
        row.pop("module"): row
        for row in Enrolment.objects.filter(enterprise__in=enterprises_in(provinces), planned_on__lte=end)
        .filter(**({"module": module} if module else {}))
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gte=start))
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=start))
        .order_by()
        .values("module")
        .annotate(
            enrolled=Count("pk"),
            classroom=Count("pk", filter=reached_classroom),
            consulting=Count("pk", filter=reached_consulting),
            completed=Count("pk", filter=Q(completed_on__lte=end)),
            withdrawn=Count("pk", filter=Q(withdrawn_on__lte=end)),
        )
    }
    empty = {"enrolled": 0, "classroom": 0, "consulting": 0, "completed": 0, "withdrawn": 0}
    rows = []
    offered = Module.objects.filter(Q(is_active=True) | Q(pk__in=list(counts)))
    if module:
        offered = offered.filter(pk=module.pk)
    for each in offered.order_by("order", "code"):
        row = {"module": each, **counts.get(each.pk, empty)}
        row["completed_share"] = share(row["completed"], row["enrolled"])
        rows.append(row)
    return rows


class DaysInclusive(Func):
    """Days from the first date to the last, both included (date arithmetic differs by database)."""

    output_field = IntegerField()

    def __init__(self, first, last):
        super().__init__(last, first)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s + 1)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="(CAST(JULIANDAY(%(expressions)s) AS INTEGER) + 1)",
            arg_joiner=") - JULIANDAY(",
            **extra,
        )


def people_trained(provinces, start, end, *, module=None):
    """Participants of the classroom sessions whose first day falls in the period, from the
    enterprises covered, by sex and by side; and of them those present on every day of their
    session. Someone trained in two modules counts twice (a participant is one person at one
    session). One query.

    {"total", "every_day", "every_day_share", "by_sex": {sex: n}, "by_side": {side: n},
     "every_day_by_sex": {sex: n}, "cells": {(sex, side): {"total", "every_day"}},
     "rows": [{"key", "label", "female", "male", "total", "every_day"}] per side}"""
    present_days = (
        Attendance.objects.filter(
            participant=OuterRef("pk"),
            present=True,
            day__gte=OuterRef("session__starts_on"),
            day__lte=OuterRef("session__ends_on"),
        )
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counts = (
        Participant.objects.filter(
            enterprise__in=enterprises_in(provinces), session__starts_on__gte=start, session__starts_on__lte=end
        )
        .filter(**({"session__module": module} if module else {}))
        .annotate(
            days_present=Coalesce(Subquery(present_days, output_field=IntegerField()), Value(0)),
            days=DaysInclusive(F("session__starts_on"), F("session__ends_on")),
        )
        .order_by()
        .values("sex", "side")
        .annotate(total=Count("pk"), every_day=Count("pk", filter=Q(days_present__gte=F("days"))))
    )
    cells = {(sex, side): {"total": 0, "every_day": 0} for sex in Sex.values for side in Side.values}
    for row in counts:
        cells[(row["sex"], row["side"])] = {"total": row["total"], "every_day": row["every_day"]}
    total = sum(c["total"] for c in cells.values())
    every_day = sum(c["every_day"] for c in cells.values())
    rows = [
        {
            "key": side.value,
            "label": side.label,
            **{sex: cells[(sex, side.value)]["total"] for sex in Sex.values},
            "total": sum(cells[(sex, side.value)]["total"] for sex in Sex.values),
            "every_day": sum(cells[(sex, side.value)]["every_day"] for sex in Sex.values),
        }
        for side in Side
    ]
    return {
        "total": total,
        "every_day": every_day,
        "every_day_share": share(every_day, total),
        "rows": rows,
        "by_sex": {sex: sum(cells[(sex, side)]["total"] for side in Side.values) for sex in Sex.values},
        "by_side": {side: sum(cells[(sex, side)]["total"] for sex in Sex.values) for side in Side.values},
        "every_day_by_sex": {sex: sum(cells[(sex, side)]["every_day"] for side in Side.values) for sex in Sex.values},
        "cells": cells,
    }


def _day_bounds(start, end):
    """The period as aware datetimes in the portal's time zone: [start 00:00, the day after end 00:00)."""
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


def visits_done_and_planned(provinces, start, end, *, module=None):
    """Consultants' site visits to the enterprises covered. One query.

    held        visits submitted or approved whose date held falls in the period
    approved    of these, those approved by the coordinator
    planned     visits planned for a day in the period that were not cancelled (whatever
                became of them); a visit planned and held in the period counts in both
    enterprises_visited   enterprises with at least one visit held in the period
    {"held", "approved", "planned", "enterprises_visited", "held_share" (held of planned)}"""
    first, after = _day_bounds(start, end)
    held = Q(status__in=DONE_VISITS, held_on__gte=start, held_on__lte=end)
    visits = Visit.objects.filter(enrolment__enterprise__in=enterprises_in(provinces))
    figures = visits.filter(**({"enrolment__module": module} if module else {})).aggregate(
        held=Count("pk", filter=held),
        approved=Count("pk", filter=held & Q(status=VisitStatus.APPROVED)),
        planned=Count("pk", filter=Q(planned_at__gte=first, planned_at__lt=after) & ~Q(status=VisitStatus.CANCELLED)),
        enterprises_visited=Count("enrolment__enterprise", filter=held, distinct=True),
    )
    figures["held_share"] = share(figures["held"], figures["planned"])
    return figures


def kpi_changes(provinces, start, end, *, module=None):
    """Each baseline of the enterprises covered (measured by the end of the period) with the
    latest value of the same KPI from a later month up to the end of the period, compared the
    way the KPI points (``modules.kpi.kpi_change``). One query.

    [{"enterprise_id", "province_id", "indicator_id", "change": Change}] ("change.improved" is
    None when there is no later value)."""
    later = (
        Measurement.objects.filter(
            enterprise=OuterRef("enterprise"),
            indicator=OuterRef("indicator"),
            period__gt=OuterRef("period"),
            period__lte=end,
        )
        .exclude(source=Source.BASELINE)
        .order_by("-period", "-entered_at", "-pk")
        .values("value")[:1]
    )
    rows = (
        Measurement.objects.filter(enterprise__in=enterprises_in(provinces), source=Source.BASELINE, period__lte=end)
        .filter(**({"indicator__module": module} if module else {}))
        .annotate(latest=Subquery(later))
        .order_by()
        .values_list(
            "enterprise_id", "enterprise__province_id", "indicator_id", "indicator__direction", "value", "latest"
        )
    )
    return [
        {"enterprise_id": e, "province_id": p, "indicator_id": i, "change": kpi_change(baseline, latest, direction)}
        for e, p, i, direction, baseline, latest in rows
    ]


def improvement_percent(change, direction):
    """The change in % of the baseline, signed so that a positive number is better whichever way
    the KPI points; None when the baseline is 0 or a value is missing."""
    if change.percent is None:
        return None
    return change.percent if direction == "higher" else -change.percent


def kpi_outcomes(provinces, start, end, *, changes=None, module=None):
    """Per KPI, among the enterprises covered:

    with_baseline   enterprises with a baseline value (measured by the end of the period)
    measured        of these, those with a value from a later month, up to the end of the period
    improved        of the measured, those whose latest value is better than the baseline
                    (higher or lower, as the KPI points)
    share           improved of measured, in %
    median          median improvement in % of the baseline over the measured enterprises
                    (positive = better, worsening counts as negative); baselines of 0 are left
                    out of the median, ``median_n`` says over how many it is taken

    Plus, across KPIs: enterprises that improved on more than half of the KPIs they measured,
    of the enterprises that measured at least one. Two queries (pairs, KPI names); pass
    ``changes`` from ``kpi_changes`` to share the first with the appendix.

    {"kpis": [{"indicator", "with_baseline", "measured", "improved", "share", "median",
    "median_n"}], "enterprises_measured", "enterprises_improved_most", "share"}"""
    if changes is None:
        changes = kpi_changes(provinces, start, end, module=module)
    by_kpi = defaultdict(list)
    for row in changes:
        by_kpi[row["indicator_id"]].append(row["change"])
    indicators = Indicator.objects.filter(pk__in=list(by_kpi)).select_related("module")
    indicators = indicators.order_by("module__order", "code")
    kpis = []
    for indicator in indicators:
        measured = [c for c in by_kpi[indicator.pk] if c.improved is not None]
        improved = sum(1 for c in measured if c.improved)
        percents = [p for p in (improvement_percent(c, indicator.direction) for c in measured) if p is not None]
        kpis.append(
            {
                "indicator": indicator,
                "with_baseline": len(by_kpi[indicator.pk]),
                "measured": len(measured),
                "improved": improved,
                "share": share(improved, len(measured)),
                "median": statistics.median(percents).quantize(Decimal("0.1")) if percents else None,
                "median_n": len(percents),
            }
        )
    return {"kpis": kpis, **improved_on_most(changes)}


def improved_on_most(changes):
    """The programme's headline result, from ``kpi_changes``: the enterprises that measured at
    least one KPI against its baseline, and of them those that improved on more than half of the
    KPIs they measured. {"enterprises_measured", "enterprises_improved_most", "share"}"""
    measured = [counts for counts in enterprise_kpi_counts(changes).values() if counts["measured"]]
    most = sum(1 for counts in measured if counts["improved"] * 2 > counts["measured"])
    return {
        "enterprises_measured": len(measured),
        "enterprises_improved_most": most,
        "share": share(most, len(measured)),
    }


def enterprise_kpi_counts(changes):
    """{enterprise id: {"measured", "improved"}}: KPIs with a baseline and a later value, and of
    them those improved, per enterprise (from ``kpi_changes``)."""
    counts = defaultdict(lambda: {"measured": 0, "improved": 0})
    for row in changes:
        if row["change"].improved is not None:
            counts[row["enterprise_id"]]["measured"] += 1
            counts[row["enterprise_id"]]["improved"] += int(row["change"].improved)
    return counts


def savings_and_cost(provinces, start, end, *, pilot_savings=None):
    """Reported savings against the programme's cost. Two queries.

    suggestion_savings   realised savings of the suggestions submitted in the period that are
                         now implemented (``suggestions`` of them, ``with_amount`` giving one)
    pilot_savings        savings of the approved pilot-unit reports for periods beginning in the
                         period (passed in from ``pilot_reports``; 0 without them)
    savings              the two together (a pilot unit may report savings it also recorded as
                         suggestions: the PDF says so)
    cost                 the programme's cost, taken as the enterprises' fees of the enrolments
                         planned in the period (paid or not; ``enrolments`` of them)
    roi                  savings per yuan of cost (None when the cost is 0)"""
    scope = enterprises_in(provinces)
    suggestions = Suggestion.objects.filter(
        enterprise__in=scope, status=SuggestionStatus.IMPLEMENTED, submitted_on__gte=start, submitted_on__lte=end
    ).aggregate(
        amount=Coalesce(Sum("realised_savings"), Value(Decimal(0))),
        count=Count("pk"),
        with_amount=Count("pk", filter=Q(realised_savings__isnull=False)),
    )
    cost = Enrolment.objects.filter(enterprise__in=scope, planned_on__gte=start, planned_on__lte=end).aggregate(
        fees=Coalesce(Sum("fee"), Value(Decimal(0))),
        paid=Coalesce(Sum("fee", filter=Q(fee_paid=True)), Value(Decimal(0))),
        count=Count("pk"),
    )
    pilot_savings = Decimal(pilot_savings or 0)
    savings = suggestions["amount"] + pilot_savings
    return {
        "suggestion_savings": suggestions["amount"],
        "suggestions": suggestions["count"],
        "with_amount": suggestions["with_amount"],
        "pilot_savings": pilot_savings,
        "savings": savings,
        "cost": cost["fees"],
        "cost_paid": cost["paid"],
        "enrolments": cost["count"],
        "roi": (savings / cost["fees"]).quantize(Decimal("0.01")) if cost["fees"] else None,
    }


def pilot_reports(provinces, start, end, *, today=None):
    """Pilot-unit reports per province, as ``pilots.figures.pilot_report_figures`` defines them
    (expected, received, approved, late, and the sums of approved reports), with a total row.
    A few queries, the same whatever the number of units."""
    from pilots.figures import AMOUNT_FIGURES, COUNT_FIGURES, pilot_report_figures

    rows = list(pilot_report_figures(provinces, start, end, today=today).values())
    keys = ["expected", "received", "approved", "late", *COUNT_FIGURES, *AMOUNT_FIGURES]
    total = {key: sum((row[key] for row in rows), Decimal(0) if key in AMOUNT_FIGURES else 0) for key in keys}
    for row in [*rows, total]:
        row["received_share"] = share(row["received"], row["expected"])
    return {"rows": rows, "total": total}


def enterprise_appendix(provinces, start, end, *, changes=None):
    """One row per enterprise covered, by province and name: the enterprise (name, credit code,
    status), the modules it had completed by the end of the period, its last visit held
    (submitted or approved) by the end of the period, and the KPIs it improved of the KPIs it
    measured (baseline and a later value, as in ``kpi_outcomes``). Two queries besides the
    KPI pairs. [{"enterprise", "modules_completed": [codes], "last_visit_on", "kpis_measured",
    "kpis_improved"}]"""
    if changes is None:
        changes = kpi_changes(provinces, start, end)
    kpis = enterprise_kpi_counts(changes)
    scope = enterprises_in(provinces)
    completed = defaultdict(list)
    for enterprise_id, code in (
        Enrolment.objects.filter(enterprise__in=scope, completed_on__lte=end)
        .order_by("module__order", "module__code")
        .values_list("enterprise_id", "module__code")
    ):
        completed[enterprise_id].append(code)
    held = Q(enrolments__visits__status__in=DONE_VISITS, enrolments__visits__held_on__lte=end)
    enterprises = (
        scope.select_related("province")
        .only("name_en", "name_zh", "credit_code", "status", "province__code", "province__name_en", "province__name_zh")
        # One pass over the visits grouped by enterprise: a correlated subquery per enterprise
        # was most of the gathering time at a thousand enterprises.
        .annotate(last_visit_on=Max("enrolments__visits__held_on", filter=held))
        .order_by("province__code", "name_en", "pk")
    )
    return [
        {
            "enterprise": enterprise,
            "modules_completed": completed.get(enterprise.pk, []),
            "last_visit_on": enterprise.last_visit_on,
            "kpis_measured": kpis[enterprise.pk]["measured"] if enterprise.pk in kpis else 0,
            "kpis_improved": kpis[enterprise.pk]["improved"] if enterprise.pk in kpis else 0,
        }
        for enterprise in enterprises
    ]


def quarters_back(end, count=8):
    """The ``count`` calendar quarters ending with the one that holds ``end``: [(label, first, last)]."""
    quarters = []
    year, quarter = end.year, (end.month - 1) // 3 + 1
    for _ in range(count):
        first = datetime.date(year, 3 * quarter - 2, 1)
        after = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        quarters.append((f"{year} Q{quarter}", first, after - datetime.timedelta(days=1)))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(quarters))


def visits_by_quarter(provinces, end, *, module=None, count=8):
    """Visits held (submitted or approved) per province per calendar quarter, for the ``count``
    quarters ending with the one that holds ``end``. One query.

    {"quarters": [label], "rows": [{"province_id", "counts": [n per quarter]}]}"""
    quarters = quarters_back(end, count)
    first, last = quarters[0][1], quarters[-1][2]
    visits = Visit.objects.filter(
        enrolment__enterprise__in=enterprises_in(provinces),
        status__in=DONE_VISITS,
        held_on__gte=first,
        held_on__lte=last,
    )
    if module:
        visits = visits.filter(enrolment__module=module)
    counts = defaultdict(lambda: [0] * len(quarters))
    for row in (
        visits.annotate(quarter=TruncQuarter("held_on"))
        .order_by()
        .values("enrolment__enterprise__province", "quarter")
        .annotate(n=Count("pk"))
    ):
        day = row["quarter"]
        index = next(i for i, (_label, q_first, q_last) in enumerate(quarters) if q_first <= day <= q_last)
        counts[row["enrolment__enterprise__province"]][index] += row["n"]
    return {"quarters": [label for label, _first, _last in quarters], "rows": dict(counts)}


def kpi_trend(provinces, end, *, module=None, count=8):
    """The programme's headline result as it stood at the end of each of the ``count`` quarters
    ending with the one that holds ``end``: for each, ``kpi_outcomes`` up to that quarter's last
    day (enterprises with a baseline and a later value by then, and of them those improved on
    more than half of their KPIs, as there). One query per quarter, however many enterprises.

    [{"quarter", "end", "enterprises_measured", "enterprises_improved_most", "share"}]"""
    rows = []
    for label, _first, last in quarters_back(end, count):
        rows.append(
            {"quarter": label, "end": last, **improved_on_most(kpi_changes(provinces, None, last, module=module))}
        )
    return rows


# Work lists: what a coordinator or a consultant has to act on. Each takes a queryset already
# narrowed to the user's scope (``visible_to``) and returns a queryset, so a page can count it
# and show its first rows in two queries.

OVERDUE_VISIT_DAYS = 7
UNRECORDED = (VisitStatus.PLANNED, VisitStatus.DRAFT, VisitStatus.RETURNED)
IN_PROGRAMME = (ProgrammeStatus.ENROLLED, ProgrammeStatus.ACTIVE)


def visits_overdue(visits, today=None):
    """Visits planned for more than ``OVERDUE_VISIT_DAYS`` days ago whose record is still not
    submitted (planned, draft or returned), the longest overdue first."""
    today = today or timezone.localdate()
    before, _after = _day_bounds(today - datetime.timedelta(days=OVERDUE_VISIT_DAYS), today)
    return visits.filter(status__in=UNRECORDED, planned_at__lt=before).order_by("planned_at", "pk")


def enterprises_without_visit(enterprises, today=None, *, days=60, module=None):
    """Enterprises in the programme (enrolled or active, not archived) with no visit held
    (submitted or approved) in the last ``days`` days, annotated ``last_visit_on`` (None for
    never), those never visited first, then the longest since. With a module: its enrolled
    enterprises and its visits only."""
    today = today or timezone.localdate()
    held = Q(enrolments__visits__status__in=DONE_VISITS, enrolments__visits__held_on__lte=today)
    if module:
        # Filtered before the annotation: the latest visit is taken over this module's enrolments.
        enterprises = enterprises.filter(enrolments__module=module)
    return (
        enterprises.filter(archived_at__isnull=True, status__in=IN_PROGRAMME)
        .annotate(last_visit_on=Max("enrolments__visits__held_on", filter=held))
        .filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=today - datetime.timedelta(days=days)))
        .order_by(F("last_visit_on").asc(nulls_first=True), "name_en", "pk")
    )


def province_overview(provinces, start, end, *, module=None, today=None, changes=None):
    """The provinces side by side: for each, the same figures as the provincial summary's
    headlines, counted per province in grouped queries (about eight, however many provinces
    and enterprises). {province id: {...}} with

    enterprises, active, pilot_units      enterprises covered, those "active", pilot units
    enrolled, completed                   module enrolments live in the period, completed in it
    trained, women, men, managers, workers   participants of sessions begun in the period
    visits_held, visits_planned           as ``visits_done_and_planned``
    kpi_measured, kpi_improved_most       enterprises with a baseline and a later value, and of
                                          them those improved on more than half their KPIs
    savings, cost, roi                    as ``savings_and_cost`` (with approved pilot savings)
    pilot_expected, pilot_received, pilot_late   as ``pilot_reports``

    ``changes`` from ``kpi_changes`` (same provinces, period and module) to share them."""
    scope = enterprises_in(provinces)
    rows = defaultdict(lambda: defaultdict(int))
    for row in (
        scope.order_by()
        .values("province")
        .annotate(
            n=Count("pk"),
            active=Count("pk", filter=Q(status=ProgrammeStatus.ACTIVE)),
            pilots=Count("pk", filter=Q(is_pilot_unit=True)),
        )
    ):
        rows[row["province"]].update(enterprises=row["n"], active=row["active"], pilot_units=row["pilots"])
    enrolments = Enrolment.objects.filter(enterprise__in=scope, planned_on__lte=end).filter(
        Q(completed_on__isnull=True) | Q(completed_on__gte=start),
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=start),
    )
    if module:
        enrolments = enrolments.filter(module=module)
    for row in (
        enrolments.order_by()
        .values("enterprise__province")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(completed_on__lte=end)))
    ):
        rows[row["enterprise__province"]].update(enrolled=row["n"], completed=row["done"])
    participants = Participant.objects.filter(
        enterprise__in=scope, session__starts_on__gte=start, session__starts_on__lte=end
    )
    if module:
        participants = participants.filter(session__module=module)
    for row in (
        participants.order_by()
        .values("enterprise__province")
        .annotate(
            n=Count("pk"),
            women=Count("pk", filter=Q(sex=Sex.FEMALE)),
            men=Count("pk", filter=Q(sex=Sex.MALE)),
            managers=Count("pk", filter=Q(side=Side.MANAGEMENT)),
            workers=Count("pk", filter=Q(side=Side.WORKER)),
        )
    ):
        rows[row["enterprise__province"]].update(
            trained=row["n"], women=row["women"], men=row["men"], managers=row["managers"], workers=row["workers"]
        )
    first, after = _day_bounds(start, end)
    held = Q(status__in=DONE_VISITS, held_on__gte=start, held_on__lte=end)
    visits = Visit.objects.filter(enrolment__enterprise__in=scope)
    if module:
        visits = visits.filter(enrolment__module=module)
    for row in (
        visits.order_by()
        .values("enrolment__enterprise__province")
        .annotate(
            held=Count("pk", filter=held),
            planned=Count(
                "pk", filter=Q(planned_at__gte=first, planned_at__lt=after) & ~Q(status=VisitStatus.CANCELLED)
            ),
        )
    ):
        rows[row["enrolment__enterprise__province"]].update(visits_held=row["held"], visits_planned=row["planned"])
    by_province = defaultdict(list)
    if changes is None:
        changes = kpi_changes(provinces, start, end, module=module)
    for change in changes:
        by_province[change["province_id"]].append(change)
    for province_id, changes in by_province.items():
        result = improved_on_most(changes)
        rows[province_id]["kpi_measured"] += result["enterprises_measured"]
        rows[province_id]["kpi_improved_most"] += result["enterprises_improved_most"]
    for row in (
        Suggestion.objects.filter(
            enterprise__in=scope, status=SuggestionStatus.IMPLEMENTED, submitted_on__gte=start, submitted_on__lte=end
        )
        .order_by()
        .values("enterprise__province")
        .annotate(amount=Coalesce(Sum("realised_savings"), Value(Decimal(0))))
    ):
        rows[row["enterprise__province"]]["savings"] = row["amount"]
    for row in (
        Enrolment.objects.filter(enterprise__in=scope, planned_on__gte=start, planned_on__lte=end)
        .order_by()
        .values("enterprise__province")
        .annotate(fees=Coalesce(Sum("fee"), Value(Decimal(0))))
    ):
        rows[row["enterprise__province"]]["cost"] = row["fees"]
    if provinces.model is not Enterprise:
        for row in pilot_reports(provinces, start, end, today=today)["rows"]:
            target = rows[row["province"].pk]
            target.update(pilot_expected=row["expected"], pilot_received=row["received"], pilot_late=row["late"])
            target["savings"] = Decimal(target["savings"] or 0) + Decimal(row["savings_cny"] or 0)
    for row in rows.values():
        row["roi"] = (Decimal(row["savings"]) / row["cost"]).quantize(Decimal("0.01")) if row["cost"] else None
        row["completed_share"] = share(row["completed"], row["enrolled"])
        row["kpi_share"] = share(row["kpi_improved_most"], row["kpi_measured"])
        row["visits_share"] = share(row["visits_held"], row["visits_planned"])
    return rows


# Data completeness (reports/completeness.py): what is entered and what is missing. Each function
# takes querysets already narrowed to the user's scope (``visible_to``) and counts in SQL.

BASELINE_OWED = (ProgrammeStatus.ENROLLED, ProgrammeStatus.ACTIVE)


def _no_baseline(enterprise="pk"):
    """True for an enterprise (the outer row's ``enterprise`` field) with no baseline measurement."""
    from django.db.models import Exists

    return ~Exists(Measurement.objects.filter(enterprise=OuterRef(enterprise), source=Source.BASELINE))


def _no_readings():
    from django.db.models import Exists

    from consultants.models import VisitReading

    return ~Exists(VisitReading.objects.filter(visit=OuterRef("pk")))


def _owing_baseline(enterprises):
    return enterprises.filter(archived_at__isnull=True, status__in=BASELINE_OWED)


def _owing_readings(visits):
    return visits.filter(status__in=DONE_VISITS, enrolment__enterprise__archived_at__isnull=True)


def baseline_owed(enterprises):
    """Enterprises that owe a KPI baseline: not archived, programme status enrolled or active.
    One of them *has no baseline* when it has no Measurement with source "baseline" (any KPI,
    any month). Annotated ``no_baseline``."""
    return _owing_baseline(enterprises).annotate(no_baseline=_no_baseline())


def visits_owing_readings(visits):
    """Visits that should carry KPI readings: submitted or approved (DONE_VISITS), of enterprises
    not archived. One of them *has no readings* when no VisitReading is attached to it.
    Annotated ``no_readings``."""
    return _owing_readings(visits).annotate(no_readings=_no_readings())


def completeness_by_province(enterprises, visits):
    """{province pk: {"owed", "no_baseline", "visits", "no_readings"}}: per province, the enterprises
    owing a baseline and those without one (``baseline_owed``), the visits owing readings and those
    without any (``visits_owing_readings``). Two queries."""
    rows = defaultdict(lambda: {"owed": 0, "no_baseline": 0, "visits": 0, "no_readings": 0})
    for row in (
        _owing_baseline(enterprises)
        .order_by()
        .values("province")
        .annotate(owed=Count("pk"), missing=Count("pk", filter=_no_baseline()))
    ):
        rows[row["province"]].update(owed=row["owed"], no_baseline=row["missing"])
    for row in (
        _owing_readings(visits)
        .order_by()
        .values("enrolment__enterprise__province")
        .annotate(done=Count("pk"), missing=Count("pk", filter=_no_readings()))
    ):
        rows[row["enrolment__enterprise__province"]].update(visits=row["done"], no_readings=row["missing"])
    return rows


def completeness_by_consultant(visits, assignments, enterprises):
    """One row per consultant, by name: "visits" (their visits owing readings, as
    ``visits_owing_readings``), "no_readings" (those without any), "owed" (distinct enterprises
    owing a baseline, as ``baseline_owed``, on whose enrolments they hold an active assignment) and
    "no_baseline" (those of them without one). Two queries."""
    rows = {}

    def row(pk, name):
        return rows.setdefault(
            pk, {"consultant": pk, "name": name, "visits": 0, "no_readings": 0, "owed": 0, "no_baseline": 0}
        )

    for found in (
        _owing_readings(visits)
        .order_by()
        .values("consultant", "consultant__user__name")
        .annotate(done=Count("pk"), missing=Count("pk", filter=_no_readings()))
    ):
        row(found["consultant"], found["consultant__user__name"]).update(
            visits=found["done"], no_readings=found["missing"]
        )
    owed = _owing_baseline(enterprises)
    for found in (
        assignments.filter(ended_on__isnull=True, enrolment__enterprise__in=owed)
        .order_by()
        .values("consultant", "consultant__user__name")
        .annotate(
            owed=Count("enrolment__enterprise", distinct=True),
            missing=Count("enrolment__enterprise", distinct=True, filter=_no_baseline("enrolment__enterprise")),
        )
    ):
        row(found["consultant"], found["consultant__user__name"]).update(
            owed=found["owed"], no_baseline=found["missing"]
        )
    return sorted(rows.values(), key=lambda r: (r["name"] or "", r["consultant"]))


def pilot_reports_not_in(due_rows):
    """Pilot-unit reports owed and not in, from the pilots app's own rows (``pilots.due.due_rows``:
    every active pilot unit in scope x every period of the reporting rule so far). A report is
    *due* once its due date has passed; it is *not in* when it is due and neither submitted nor
    approved (``DueRow.is_late``). Returns ({province pk: {"due", "not_in"}}, [DueRow not in]);
    no query of its own."""
    counts = defaultdict(lambda: {"due": 0, "not_in": 0})
    missing = []
    for due_row in due_rows:
        if due_row.today > due_row.due_on:
            counts[due_row.unit.province_id]["due"] += 1
            if due_row.is_late:
                counts[due_row.unit.province_id]["not_in"] += 1
                missing.append(due_row)
    return counts, missing
