"""The coordinator's dashboard: the work waiting in their provinces (visits to approve, overdue
visits and actions, pilot-unit reports due, enterprises nobody has visited lately, classroom
sessions coming up), the enrolment pipeline and the KPI trend.

Every list reads through the access policy (``visible_to``) and then the filters; each shows its
first rows and says how many there are in all, with a link to the full list."""

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultants.models import ImprovementAction, Visit, VisitStatus
from enterprises.models import Enterprise
from modules.models import ClassroomSession
from score_portal.models import Role

from . import figures
from .dashboard import Chart, Table, register_dashboard
from .dashboard_admin import funnel_block

SHOWN = 15  # rows shown per list; the headline gives the whole count and the link the whole list
SESSION_DAYS = 60


def _date(value):
    return value.isoformat() if value else None


def _local_date(moment):
    return timezone.localtime(moment).date().isoformat()


def _count_line(shown, total):
    if total > shown:
        return _("The first %(shown)s of %(n)s.") % {"shown": shown, "n": total}
    return ""


@register_dashboard(Role.COORDINATOR)
def coordinator_dashboard(user, form):
    provinces, module, start, end, _period = form.values()
    today = timezone.localdate()
    enterprises = Enterprise.objects.visible_to(user).filter(province__in=provinces)
    visits = Visit.objects.visible_to(user).filter(enrolment__enterprise__in=enterprises)
    actions = ImprovementAction.objects.visible_to(user).filter(enterprise__in=enterprises)
    sessions = ClassroomSession.objects.visible_to(user).filter(province__in=provinces)
    if module:
        visits = visits.filter(enrolment__module=module)
        actions = actions.filter(visit__enrolment__module=module)
        sessions = sessions.filter(module=module)
    work = {
        "review": review_block(visits),
        "overdue_visits": overdue_visits_block(visits, today),
        "overdue_actions": overdue_actions_block(actions, today),
        "pilot_reports": pilot_reports_block(user, provinces, today),
        "no_visit": no_visit_block(enterprises, today, module),
        "sessions": sessions_block(sessions, today),
    }
    return [
        work_block(
            work,
            _("What needs you"),
            _("Waiting for approval: %(review)s. Overdue: %(visits)s visits and %(actions)s improvement actions.")
            % {
                "review": work["review"].total,
                "visits": work["overdue_visits"].total,
                "actions": work["overdue_actions"].total,
            },
        ),
        work["review"],
        work["overdue_visits"],
        work["overdue_actions"],
        work["pilot_reports"],
        work["no_visit"],
        funnel_block(figures.module_funnel(provinces, start, end, module=module)),
        work["sessions"],
        kpi_trend_block(figures.kpi_trend(provinces, end, module=module)),
    ]


def work_block(work, title, headline):
    """One line per list: how many there are, linking to the list on this page."""
    return Table(
        key="work",
        title=title,
        headers=[_("List"), _("How many")],
        rows=[[block.title, block.total] for block in work.values()],
        links=[f"#block-{key}" for key in work],
        headline=headline,
        definition=_("Each list is below, with its definition and a link to the whole list."),
        wide=True,
    )


class WorkTable(Table):
    """A list with its whole count (the table holds the first rows only)."""

    def __init__(self, *, total, more_url="", action_url="", action_label="", **kwargs):
        super().__init__(**kwargs)
        self.total = total
        self.more_url = more_url
        self.action_url, self.action_label = action_url, action_label  # the block's main button


def review_block(visits):
    waiting = visits.filter(status=VisitStatus.SUBMITTED).order_by("held_on", "planned_at", "pk")
    total = waiting.count()
    shown = list(waiting.select_related("enrolment__enterprise", "enrolment__module", "consultant__user")[:SHOWN])
    today = timezone.localdate()
    return WorkTable(
        key="review",
        title=_("Visits waiting for approval"),
        headers=[_("Enterprise"), _("Module"), _("Consultant"), _("Held on"), _("Days since held")],
        rows=[
            [
                v.enrolment.enterprise.name,
                v.enrolment.module.code,
                v.consultant.user.name,
                _date(v.held_on),
                (today - v.held_on).days if v.held_on else None,
            ]
            for v in shown
        ],
        links=[reverse("consultants:visit", args=[v.pk]) for v in shown],
        total=total,
        more_url=reverse("consultants:visits") + "?when=review",
        headline=ngettext(
            "%(n)s visit submitted and waiting for your approval.",
            "%(n)s visits submitted and waiting for your approval.",
            total,
        )
        % {"n": total}
        + " "
        + _count_line(len(shown), total),
        definition=_("Visit records submitted by a consultant and not yet approved or returned, the oldest first."),
    )


def overdue_visits_block(visits, today):
    overdue = figures.visits_overdue(visits, today)
    total = overdue.count()
    shown = list(overdue.select_related("enrolment__enterprise", "enrolment__module", "consultant__user")[:SHOWN])
    return WorkTable(
        key="overdue_visits",
        title=_("Overdue visits"),
        headers=[_("Enterprise"), _("Module"), _("Consultant"), _("Planned for"), _("Status")],
        rows=[
            [
                v.enrolment.enterprise.name,
                v.enrolment.module.code,
                v.consultant.user.name,
                _local_date(v.planned_at),
                v.get_status_display(),
            ]
            for v in shown
        ],
        links=[reverse("consultants:visit", args=[v.pk]) for v in shown],
        total=total,
        more_url=reverse("consultants:visits") + "?when=past",
        headline=ngettext(
            "%(n)s visit planned more than %(days)s days ago has no record submitted yet.",
            "%(n)s visits planned more than %(days)s days ago have no record submitted yet.",
            total,
        )
        % {"n": total, "days": figures.OVERDUE_VISIT_DAYS}
        + " "
        + _count_line(len(shown), total),
        definition=_(
            "Visits planned for more than %(days)s days ago that are still planned, in draft or returned, "
            "the longest overdue first."
        )
        % {"days": figures.OVERDUE_VISIT_DAYS},
    )


def overdue_actions_block(actions, today):
    overdue = actions.overdue(today).order_by("due_on", "pk")
    total = overdue.count()
    open_total = actions.open().count()
    shown = list(overdue.select_related("enterprise", "owner")[:SHOWN])
    return WorkTable(
        key="overdue_actions",
        wide=True,
        title=_("Overdue improvement actions"),
        headers=[_("Enterprise"), _("Action"), _("Owner"), _("Due"), _("Days overdue")],
        rows=[
            [
                a.enterprise.name,
                a.description[:80],
                a.owner.name if a.owner else None,
                _date(a.due_on),
                (today - a.due_on).days,
            ]
            for a in shown
        ],
        links=[
            reverse("consultants:actions") + "?" + urlencode({"status": "overdue", "enterprise": a.enterprise_id})
            for a in shown
        ],
        total=total,
        more_url=reverse("consultants:actions") + "?status=overdue",
        headline=ngettext(
            "%(n)s of %(open)s open improvement actions is past its due date.",
            "%(n)s of %(open)s open improvement actions are past their due date.",
            total,
        )
        % {"n": total, "open": open_total}
        + " "
        + _count_line(len(shown), total),
        definition=_("Actions open or in progress whose due date has passed, the longest overdue first."),
    )


def pilot_reports_block(user, provinces, today):
    from pilots.due import due_rows

    in_scope = {p.pk for p in provinces}
    outstanding = [
        row for row in due_rows(user, today=today) if row.unit.province_id in in_scope and not row.is_received
    ]
    late = sorted((row for row in outstanding if row.is_late), key=lambda row: (row.due_on, row.unit.name_en))
    upcoming = sorted((row for row in outstanding if not row.is_late), key=lambda row: (row.due_on, row.unit.name_en))
    next_due = [row for row in upcoming if row.due_on == upcoming[0].due_on]
    rows = late + next_due
    shown = rows[:SHOWN]
    headline = ngettext("%(n)s pilot-unit report is late.", "%(n)s pilot-unit reports are late.", len(late)) % {
        "n": len(late)
    }
    if next_due:
        headline += " " + ngettext(
            "%(n)s more is due on %(date)s.", "%(n)s more are due on %(date)s.", len(next_due)
        ) % {"n": len(next_due), "date": _date(next_due[0].due_on)}
    return WorkTable(
        key="pilot_reports",
        title=_("Pilot-unit reports due"),
        headers=[_("Pilot unit"), _("Period"), _("Due"), _("Status")],
        rows=[
            [
                row.unit.name,
                str(row.period.label),
                _date(row.due_on),
                _("Late by %(days)s days") % {"days": row.days_overdue} if row.is_late else str(row.status_label),
            ]
            for row in shown
        ],
        links=[reverse("pilots:report", args=[row.unit.pk, row.period.start]) for row in shown],
        total=len(rows),
        more_url=reverse("pilots:due"),
        headline=headline + " " + _count_line(len(shown), len(rows)),
        definition=_(
            "Reports of active pilot units not submitted by their due date, the earliest due first, then those "
            "falling due next."
        ),
    )


def no_visit_block(enterprises, today, module, days=60):
    found = figures.enterprises_without_visit(enterprises, today, days=days, module=module)
    total = found.count()
    shown = list(found.only("name_en", "name_zh", "status")[:SHOWN])
    return WorkTable(
        key="no_visit",
        title=_("Enterprises with no visit in %(days)s days") % {"days": days},
        headers=[_("Enterprise"), _("Status"), _("Last visit held")],
        rows=[[e.name, e.get_status_display(), _date(e.last_visit_on) or _("Never")] for e in shown],
        links=[reverse("enterprises:detail", args=[e.pk]) for e in shown],
        total=total,
        more_url=reverse("enterprises:list"),
        headline=ngettext(
            "%(n)s enterprise in the programme has had no visit held in the last %(days)s days.",
            "%(n)s enterprises in the programme have had no visit held in the last %(days)s days.",
            total,
        )
        % {"n": total, "days": days}
        + " "
        + _count_line(len(shown), total),
        definition=_(
            "Enterprises enrolled or active, not archived, with no visit record submitted or approved for a day in "
            "the last %(days)s days; those never visited first."
        )
        % {"days": days},
    )


def sessions_block(sessions, today):
    coming = (
        sessions.filter(ends_on__gte=today, starts_on__lte=today + datetime.timedelta(days=SESSION_DAYS))
        .select_related("module")
        .annotate(registered=Count("participants"))
        .order_by("starts_on", "pk")
    )
    total = coming.count()
    shown = list(coming[:SHOWN])
    return WorkTable(
        key="sessions",
        title=_("Classroom sessions coming up"),
        headers=[_("Module"), _("Venue"), _("First day"), _("Last day"), _("Registered"), _("Places")],
        rows=[[s.module.code, s.venue, _date(s.starts_on), _date(s.ends_on), s.registered, s.capacity] for s in shown],
        links=[reverse("modules:session", args=[s.pk]) for s in shown],
        total=total,
        more_url=reverse("modules:sessions"),
        headline=ngettext(
            "%(n)s classroom session under way or starting in the next %(days)s days.",
            "%(n)s classroom sessions under way or starting in the next %(days)s days.",
            total,
        )
        % {"n": total, "days": SESSION_DAYS}
        + " "
        + _count_line(len(shown), total),
        definition=_("Sessions that have not ended and start within %(days)s days, the soonest first.")
        % {"days": SESSION_DAYS},
    )


def kpi_trend_block(trend):
    rows = [[t["quarter"], t["enterprises_measured"], t["enterprises_improved_most"], t["share"]] for t in trend]
    latest = trend[-1]
    return Chart(
        key="kpi_trend",
        title=_("KPI trend"),
        kind="line",
        unit="%",
        labels=[t["quarter"] for t in trend],
        datasets=[(_("Improved on most KPIs (%)"), [t["share"] for t in trend])],
        table=Table(
            key="kpi_trend",
            title=_("KPI trend"),
            headers=[
                _("Quarter"),
                _("Enterprises with a baseline and a later value"),
                _("Improved on most of their KPIs"),
                _("Share (%)"),
            ],
            rows=rows,
        ),
        headline=_(
            "At the end of %(quarter)s, %(most)s of %(n)s enterprises with a baseline and a later value had improved "
            "on more than half of the KPIs they measured."
        )
        % {
            "quarter": latest["quarter"],
            "most": latest["enterprises_improved_most"],
            "n": latest["enterprises_measured"],
        },
        definition=_(
            "For each quarter, the KPI values entered up to its last day: the share of enterprises whose latest "
            "values beat their baselines on more than half of the KPIs they measured. Quarters with no enterprise "
            "measured are left blank."
        ),
        wide=True,
    )
