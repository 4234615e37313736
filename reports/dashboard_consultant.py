"""The consultant's dashboard: my next visits, the records I still owe (drafts, visits held but not
written up, visits returned to me), the open and overdue actions at my enterprises, and how my
enterprises' KPIs are moving.

The scope is the consultant's own: their visits (``Visit.objects.visible_to``) and the enterprises
they are assigned to (``Enterprise.objects.visible_to``); the module filter narrows both."""

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultants.models import ImprovementAction, Visit, VisitStatus
from enterprises.models import Enterprise
from score_portal.models import Role

from . import figures
from .dashboard import register_dashboard
from .dashboard_coordinator import SHOWN, WorkTable, _count_line, _date, _local_date, kpi_trend_block, work_block


@register_dashboard(Role.CONSULTANT)
def consultant_dashboard(user, form):
    _provinces, module, _start, end, _period = form.values()
    today = timezone.localdate()
    enterprises = Enterprise.objects.visible_to(user)
    visits = Visit.objects.visible_to(user)
    actions = ImprovementAction.objects.visible_to(user)
    if module:
        visits = visits.filter(enrolment__module=module)
        actions = actions.filter(visit__enrolment__module=module)
    work = {
        "next_visits": next_visits_block(visits),
        "drafts": drafts_block(visits),
        "returned": returned_block(visits),
        "actions": actions_block(actions, today),
    }
    return [
        work_block(
            work,
            _("My work"),
            _(
                "Visits coming up: %(next)s. Records to finish: %(drafts)s. Returned to you: %(returned)s. "
                "Open actions at your enterprises: %(open)s."
            )
            % {
                "next": work["next_visits"].total,
                "drafts": work["drafts"].total,
                "returned": work["returned"].total,
                "open": work["actions"].total,
            },
        ),
        work["next_visits"],
        work["drafts"],
        work["returned"],
        work["actions"],
        kpi_trend_block(figures.kpi_trend(enterprises, end, module=module)),
    ]


def _visit_rows(shown, *extra):
    return [
        [v.enrolment.enterprise.name, v.enrolment.module.code, v.get_visit_type_display(), *[f(v) for f in extra]]
        for v in shown
    ]


def _related(visits):
    return visits.select_related("enrolment__enterprise", "enrolment__module")


def next_visits_block(visits):
    coming = visits.upcoming()
    total = coming.count()
    shown = list(_related(coming)[:SHOWN])
    return WorkTable(
        key="next_visits",
        title=_("My next visits"),
        headers=[_("Enterprise"), _("Module"), _("Type"), _("Planned for")],
        rows=_visit_rows(shown, lambda v: timezone.localtime(v.planned_at).strftime("%Y-%m-%d %H:%M")),
        links=[reverse("consultants:visit", args=[v.pk]) for v in shown],
        total=total,
        more_url=reverse("consultants:visits"),
        action_url=reverse("consultants:visit_plan"),
        action_label=_("Plan a visit"),
        headline=ngettext("%(n)s visit planned from now on.", "%(n)s visits planned from now on.", total) % {"n": total}
        + " "
        + _count_line(len(shown), total),
        definition=_("Your planned visits from today on, the soonest first."),
    )


def drafts_block(visits):
    """Records the consultant still owes: drafts, and planned visits whose day has passed."""
    owed = visits.filter(status=VisitStatus.DRAFT) | visits.filter(
        status=VisitStatus.PLANNED, planned_at__lt=timezone.now()
    )
    owed = owed.order_by("planned_at", "pk")
    total = owed.count()
    shown = list(_related(owed)[:SHOWN])
    return WorkTable(
        key="drafts",
        title=_("Records not yet submitted"),
        headers=[_("Enterprise"), _("Module"), _("Type"), _("Planned for"), _("Status")],
        rows=_visit_rows(shown, lambda v: _local_date(v.planned_at), lambda v: v.get_status_display()),
        links=[reverse("consultants:visit", args=[v.pk]) for v in shown],
        total=total,
        more_url=reverse("consultants:visits") + "?when=open",
        headline=ngettext(
            "%(n)s visit record to finish and submit.", "%(n)s visit records to finish and submit.", total
        )
        % {"n": total}
        + " "
        + _count_line(len(shown), total),
        definition=_(
            "Drafts, and planned visits whose time has passed with no record started, the oldest first. "
            "A draft is saved as you type; submit it when it is complete."
        ),
    )


def returned_block(visits):
    returned = visits.filter(status=VisitStatus.RETURNED).order_by("planned_at", "pk")
    total = returned.count()
    shown = list(_related(returned).select_related("reviewed_by")[:SHOWN])
    return WorkTable(
        key="returned",
        title=_("Visits returned to me"),
        headers=[_("Enterprise"), _("Module"), _("Type"), _("Held on"), _("Returned by"), _("Comment")],
        rows=_visit_rows(
            shown,
            lambda v: _date(v.held_on),
            lambda v: v.reviewed_by.name if v.reviewed_by else None,
            lambda v: v.review_comment,
        ),
        links=[reverse("consultants:visit", args=[v.pk]) for v in shown],
        total=total,
        more_url=reverse("consultants:visits") + "?when=open",
        headline=ngettext(
            "%(n)s visit record returned with a comment to address.",
            "%(n)s visit records returned with a comment to address.",
            total,
        )
        % {"n": total}
        + " "
        + _count_line(len(shown), total),
        definition=_("Records a coordinator returned to you; correct them and submit again."),
    )


def actions_block(actions, today):
    open_actions = actions.open().order_by("due_on", "pk")
    total = open_actions.count()
    overdue = actions.overdue(today).count()
    shown = list(open_actions.select_related("enterprise", "owner")[:SHOWN])
    return WorkTable(
        key="actions",
        title=_("Open actions at my enterprises"),
        headers=[_("Enterprise"), _("Action"), _("Owner"), _("Due"), _("Status")],
        rows=[
            [
                a.enterprise.name,
                a.description[:80],
                a.owner.name if a.owner else None,
                _date(a.due_on),
                _("Overdue by %(days)s days") % {"days": (today - a.due_on).days}
                if a.due_on < today
                else a.get_status_display(),
            ]
            for a in shown
        ],
        links=[
            reverse("consultants:actions") + "?" + urlencode({"status": "open", "enterprise": a.enterprise_id})
            for a in shown
        ],
        total=total,
        more_url=reverse("consultants:actions"),
        headline=ngettext(
            "%(n)s open improvement action, %(overdue)s of them overdue.",
            "%(n)s open improvement actions, %(overdue)s of them overdue.",
            total,
        )
        % {"n": total, "overdue": overdue}
        + " "
        + _count_line(len(shown), total),
        definition=_(
            "Actions open or in progress at the enterprises you are assigned to, the soonest due first; "
            "update them on your follow-up visits."
        ),
    )
