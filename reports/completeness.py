"""The data completeness page: what is entered and what is missing, with a link to fix each gap.

The figures are ``reports.figures``' completeness functions (the one definition of each); this
module lays them out as dashboard ``Table`` blocks, so the page looks like the dashboards and
every table exports to .xlsx. Everything is read through ``visible_to``: a coordinator sees their
provinces, a consultant their own visits and the enterprises assigned to them.
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from consultants.models import Assignment, Visit
from enterprises.models import Enterprise, Province
from score_portal.access import RoleRequiredMixin
from score_portal.datacache import cached, cached_html
from score_portal.forms import StyledFormMixin
from score_portal.models import Role

from . import figures
from .dashboard import Table, find_block, scope_parts
from .dashboard_views import xlsx_response

LIMIT = 50  # rows of each list on the page; the .xlsx export holds all of them


class CompletenessFilterForm(StyledFormMixin, forms.Form):
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.scope = Province.objects.visible_to(user).order_by("code")
        everything = _("All provinces") if user.is_administrator else _("All my provinces")
        self.fields["province"].choices = [("", everything)] + [(str(p.pk), p.name) for p in self.scope]
        self.fields["province"].widget.attrs["data-autosubmit"] = ""

    def provinces(self):
        """The provinces chosen, within the user's scope (a bad value falls back to all of it)."""
        chosen = self.cleaned_data.get("province") if self.is_bound and self.is_valid() else ""
        return self.scope.filter(pk=chosen) if chosen else self.scope


def of_total(part, whole, what):
    return _("%(part)d of %(whole)d %(what)s") % {"part": part, "whole": whole, "what": what}


def listed(total, limit):
    if limit is not None and total > limit:
        return _("Showing the first %(limit)d of %(total)d; the Excel file holds all of them.") % {
            "limit": limit,
            "total": total,
        }
    return _("%(total)d in all.") % {"total": total}


def completeness_parts(user, provinces, limit):
    return [*scope_parts(user, provinces), limit, translation.get_language(), timezone.localdate()]


def completeness_blocks(user, provinces, *, limit=LIMIT):
    """The page's tables for the user, within ``provinces`` for staff: cached like the dashboard's
    blocks until a record they count changes (see ``score_portal.datacache``)."""
    provinces = list(provinces)
    parts = ["completeness", *completeness_parts(user, provinces, limit)]
    return cached(parts, lambda: build_completeness(user, provinces, limit=limit))


def completeness_body(user, provinces, *, query):
    """The page's tables as HTML, cached with them: rendering them costs more than reading them."""
    provinces = list(provinces)
    return cached_html(
        [*completeness_parts(user, provinces, LIMIT), query],
        "reports/_completeness_body.html",
        lambda: {"blocks": completeness_blocks(user, provinces, limit=LIMIT), "query": query},
    )


def build_completeness(user, provinces, *, limit=LIMIT):
    """The tables themselves, in a fixed number of queries."""
    staff = user.role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    enterprises = Enterprise.objects.visible_to(user)
    visits = Visit.objects.visible_to(user)
    assignments = Assignment.objects.visible_to(user)
    if staff:
        provinces = list(provinces)
        enterprises = enterprises.filter(province__in=provinces)
        visits = visits.filter(enrolment__enterprise__province__in=provinces)
        assignments = assignments.filter(enrolment__enterprise__province__in=provinces)
    by_province = figures.completeness_by_province(enterprises, visits)
    total = {
        key: sum(row[key] for row in by_province.values()) for key in ("owed", "no_baseline", "visits", "no_readings")
    }
    blocks = []
    if staff:
        from pilots.due import due_rows

        chosen = provinces[0] if len(provinces) == 1 else None
        pks = {p.pk for p in provinces}
        rows = [r for r in due_rows(user, province=chosen) if r.unit.province_id in pks]
        pilots, not_in = figures.pilot_reports_not_in(rows)
        total.update(due=sum(c["due"] for c in pilots.values()), not_in=len(not_in))
        blocks.append(province_table(provinces, by_province, pilots, total))
    blocks.append(consultant_table(figures.completeness_by_consultant(visits, assignments, enterprises)))
    blocks.append(baseline_list(user, enterprises, total, limit))
    blocks.append(readings_list(visits, total, limit))
    if staff:
        blocks.append(pilot_list(not_in, limit))
    return blocks


def province_table(provinces, by_province, pilots, total):
    rows, links = [], []
    for province in provinces:
        row, reports = by_province[province.pk], pilots[province.pk]
        rows.append(
            [province.name, row["no_baseline"], row["owed"], row["no_readings"], row["visits"]]
            + [reports["not_in"], reports["due"]]
        )
        links.append(f"{reverse('reports:completeness')}?province={province.pk}")
    if len(rows) > 1:
        keys = ("no_baseline", "owed", "no_readings", "visits", "not_in", "due")
        rows.append([_("All"), *(total[key] for key in keys)])
    headline = "; ".join(
        [
            of_total(total["no_baseline"], total["owed"], _("enrolled or active enterprises have no KPI baseline")),
            of_total(total["no_readings"], total["visits"], _("submitted or approved visits have no KPI readings")),
            of_total(total["not_in"], total["due"], _("pilot-unit reports past their due date are not in")),
        ]
    )
    return Table(
        key="by-province",
        title=_("By province"),
        headers=[
            _("Province"),
            _("Enterprises without a KPI baseline"),
            _("Enterprises owing one (enrolled or active)"),
            _("Visits without KPI readings"),
            _("Visits submitted or approved"),
            _("Pilot-unit reports not in"),
            _("Pilot-unit reports due"),
        ],
        rows=rows,
        links=links,
        headline=headline,
        definition=DEFINITION,
        wide=True,
    )


def consultant_table(by_consultant):
    return Table(
        key="by-consultant",
        title=_("By consultant"),
        headers=[
            _("Consultant"),
            _("Visits without KPI readings"),
            _("Their visits submitted or approved"),
            _("Assigned enterprises without a KPI baseline"),
            _("Assigned enterprises owing one"),
        ],
        rows=[[r["name"], r["no_readings"], r["visits"], r["no_baseline"], r["owed"]] for r in by_consultant],
        definition=_("Assigned: an active assignment on one of the enterprise's enrolments."),
        wide=True,
    )


def baseline_list(user, enterprises, total, limit):
    found = figures.baseline_owed(enterprises).filter(no_baseline=True).select_related("province")
    found = found.order_by("province__code", "name_en", "pk")[:limit]
    staff = user.role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    return Table(
        key="no-baseline",
        title=_("Enterprises without a KPI baseline"),
        headers=[_("Enterprise"), _("Credit code"), _("Province"), _("Status")],
        rows=[[e.name, e.credit_code, e.province.name, e.get_status_display()] for e in found],
        links=[
            reverse("modules:kpi_add", args=[e.pk])
            if staff
            else reverse("enterprises:detail", args=[e.pk]) + "?tab=kpis"
            for e in found
        ],
        headline=listed(total["no_baseline"], limit),
        definition=_("Record a baseline value (source “Baseline”) for at least one KPI."),
        wide=True,
    )


def readings_list(visits, total, limit):
    found = figures.visits_owing_readings(visits).filter(no_readings=True)
    found = found.select_related("enrolment__enterprise", "enrolment__module", "consultant__user")
    found = found.order_by("-held_on", "-planned_at", "pk")[:limit]
    return Table(
        key="no-readings",
        title=_("Visits without KPI readings"),
        headers=[_("Enterprise"), _("Module"), _("Consultant"), _("Held on"), _("Status")],
        rows=[
            [
                v.enrolment.enterprise.name,
                v.enrolment.module.code,
                v.consultant.user.name,
                v.held_on.isoformat() if v.held_on else None,
                v.get_status_display(),
            ]
            for v in found
        ],
        links=[reverse("consultants:visit", args=[v.pk]) for v in found],
        headline=listed(total["no_readings"], limit),
        wide=True,
    )


def pilot_list(not_in, limit):
    shown = not_in[:limit]
    return Table(
        key="pilot-reports",
        title=_("Pilot-unit reports not in"),
        headers=[_("Pilot unit"), _("Province"), _("Period"), _("Due on"), _("Status"), _("Days overdue")],
        rows=[
            [r.unit.name, r.unit.province.name, str(r.period.label), r.due_on.isoformat(), str(r.status_label)]
            + [r.days_overdue]
            for r in shown
        ],
        links=[reverse("pilots:report", args=[r.unit.pk, r.period.start]) for r in shown],
        headline=listed(len(not_in), limit),
        wide=True,
    )


DEFINITION = gettext_lazy(
    "Owing a baseline: enterprises not archived, enrolled or active; without one: no KPI value with "
    "source “Baseline”. Visits owing readings: submitted or approved; without: no KPI reading recorded "
    "on the visit. Pilot-unit reports due: past their due date under the reporting rule; not in: "
    "neither submitted nor approved."
)


class CompletenessView(RoleRequiredMixin, View):
    """The page for staff and consultants; ``?export=<key>`` sends that table, in full, as .xlsx."""

    def get(self, request):
        form = CompletenessFilterForm(request.GET or None, user=request.user)
        today = timezone.localdate()
        if export := request.GET.get("export"):
            block = find_block(completeness_blocks(request.user, form.provinces(), limit=None), export)
            if block is None:
                raise Http404
            return xlsx_response(block, {"start": today, "end": today})
        query = request.GET.copy()
        query.pop("export", None)
        body = completeness_body(request.user, form.provinces(), query=query.urlencode())
        context = {"form": form, "body": body, "today": today}
        context["show_filter"] = bool(form.scope)
        return render(request, "reports/completeness.html", context)
