"""Two overviews across visits: the improvement actions board (what enterprises agreed to change,
what is late, who follows it up) and the month calendar of visits.

Both read through the access policy (``visible_to``) and stay at a fixed number of queries however
many rows there are: the summaries are aggregated in SQL, the rows come with their relations.
"""

import calendar
import datetime
import re

from django import forms
from django.contrib import messages
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from enterprises.models import Enterprise, Province
from score_portal.access import RoleRequiredMixin, get_editable_or_404
from score_portal.datacache import CachedCountMixin, cached_html
from score_portal.forms import FilterFormMixin, StyledFormMixin, cached_options
from score_portal.models import User
from score_portal.templatetags.portal import options, pk_url
from score_portal.views import next_url

from . import services
from .forms import ActionUpdateForm
from .models import OPEN_STATUSES, ActionStatus, Consultant, ImprovementAction, Visit, VisitStatus

CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.DROPPED)
ACTION_FIELDS = [field.attname for field in ImprovementAction._meta.concrete_fields]


def _bilingual(name_en, name_zh):
    """The name of the active language, as BilingualNameMixin.name does for objects."""
    if (get_language() or "").startswith("zh") and name_zh:
        return name_zh
    return name_en or name_zh


def _counts(today):
    """Open and overdue actions, to be aggregated in SQL."""
    return {
        "open_count": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue_count": Count("pk", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
    }


def day_of(held_on, planned_at):
    """The day a visit was held, or is planned for, as YYYY-MM-DD."""
    return (held_on or timezone.localtime(planned_at).date()).isoformat()


def with_visits(actions):
    """What each action's row shows of the visit it was agreed on (day, module, consultant) and
    of the one it was last updated on (day), read in one query as plain values: building the
    visits as objects, with their consultant and module, cost more than reading them."""
    ids = {a.visit_id for a in actions} | {a.updated_on_visit_id for a in actions if a.updated_on_visit_id}
    visits = {
        pk: rest
        for pk, *rest in Visit.objects.filter(pk__in=ids)
        .order_by()  # read into a dict: the visits' own order would only cost a sort
        .values_list("pk", "held_on", "planned_at", "enrolment__module__code", "consultant__user__name")
    }
    for action in actions:
        held_on, planned_at, action.agreed_module, action.agreed_by = visits[action.visit_id]
        action.agreed_on = day_of(held_on, planned_at)
        updated = visits.get(action.updated_on_visit_id)
        action.updated_on = day_of(*updated[:2]) if updated else ""
    return actions


class ActionFilterForm(FilterFormMixin, StyledFormMixin, forms.Form):
    STATUSES = [
        ("open", gettext_lazy("Open and in progress")),
        ("overdue", gettext_lazy("Overdue")),
        ("done", gettext_lazy("Done and dropped")),
        ("all", gettext_lazy("All")),
    ]
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUSES)
    consultant = forms.ModelChoiceField(
        label=gettext_lazy("Consultant"), queryset=Consultant.objects.none(), required=False
    )
    province = forms.ModelChoiceField(label=gettext_lazy("Province"), queryset=Province.objects.none(), required=False)
    enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_consultant:
            del self.fields["consultant"]
        else:
            field = self.fields["consultant"]
            field.queryset = Consultant.objects.visible_to(user).select_related("user").order_by("user__name")
            field.label_from_instance = lambda consultant: consultant.user.name
            field.empty_label = _("All consultants")
            # The user's scope is theirs alone (a change to it moves the data version).
            cached_options(field, "board-consultants", user.role, user.pk)
        if user.is_administrator:
            self.fields["province"].queryset = Province.objects.visible_to(user)
            self.fields["province"].empty_label = _("All provinces")
        else:
            del self.fields["province"]
        for name in ("status", "consultant", "province"):
            if name in self.fields:
                self.fields[name].widget.attrs["data-autosubmit"] = ""


class ActionBoardView(CachedCountMixin, RoleRequiredMixin, ListView):
    """Improvement actions across the user's enterprises: what is open, what is late, by whom."""

    template_name = "consultants/action_board.html"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.today = timezone.localdate()
        self.scope = ImprovementAction.objects.visible_to(user)
        self.filters = ActionFilterForm(self.request.GET, user=user)
        self.status = self.filters.value_of("status") or "open"
        # The visits (agreed on, last updated on) are read after, for the page's rows only (see
        # with_visits): joining all nine tables in one query cost PostgreSQL more to plan (some
        # 14 ms at 10,000 enterprises) than the two queries take to run. Of the enterprise and
        # the owner, only the columns the board shows.
        actions = self.scope.select_related("enterprise", "owner").only(
            *ACTION_FIELDS, "enterprise__name_en", "enterprise__name_zh", "owner__name", "owner__side"
        )
        if self.status == "open":
            actions = actions.filter(status__in=OPEN_STATUSES)
        elif self.status == "overdue":
            actions = actions.filter(status__in=OPEN_STATUSES, due_on__lt=self.today)
        elif self.status == "done":
            actions = actions.filter(status__in=CLOSED_STATUSES)
        if text := (self.filters.value_of("q") or "").strip():
            actions = actions.filter(
                Q(description__icontains=text)
                | Q(enterprise__name_en__icontains=text)
                | Q(enterprise__name_zh__icontains=text)
            )
        if consultant := self.filters.value_of("consultant"):
            actions = actions.filter(visit__consultant=consultant)
        if province := self.filters.value_of("province"):
            actions = actions.filter(enterprise__province=province)
        if enterprise := self.filters.value_of("enterprise"):
            actions = actions.filter(enterprise_id=enterprise)
        # Open actions: the soonest due first; closed ones: the most recently due first. A list
        # of one kind is ordered by plain columns, so PostgreSQL reads it from the index.
        if self.status in ("open", "overdue"):
            return actions.order_by("due_on", "-pk")
        if self.status == "done":
            return actions.order_by("-due_on", "-pk")
        is_open = Q(status__in=OPEN_STATUSES)
        return actions.annotate(
            closed=Case(When(is_open, then=Value(0)), default=Value(1), output_field=IntegerField()),
            open_due=Case(When(is_open, then=F("due_on"))),
            closed_due=Case(When(~is_open, then=F("due_on"))),
        ).order_by("closed", "open_due", "-closed_due", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = with_visits(list(context["object_list"]))
        editable = ImprovementAction.objects.editable_among(user, rows)
        statuses = [(value, str(label)) for value, label in ActionStatus.choices]  # translated once
        # The status menu with each status chosen, written once for the page, not once a row.
        menus = {value: options(statuses, value) for value, _label in statuses}
        for action in rows:
            # What each row shows, worked out once here rather than again by the template for
            # every cell that uses it (a key is text, so the template need not localise a number).
            action.key = str(action.pk)
            action.can_update = action.pk in editable
            action.overdue = action.is_overdue
            if action.overdue:
                days = (self.today - action.due_on).days
                action.days_late = ngettext("%(days)s day late", "%(days)s days late", days) % {"days": days}
            action.status_menu = menus.get(action.status) or options(statuses, action.status)
            action.enterprise_url = pk_url("enterprises:detail", action.enterprise_id)
            action.update_url = pk_url("consultants:action_update", action.pk)
            action.agreed_url = pk_url("consultants:visit", action.visit_id)
            action.updated_url = pk_url("consultants:visit", action.updated_on_visit_id) if action.updated_on else ""
        context.update(
            rows=rows,
            filters=self.filters,
            status=self.status,
            statuses=statuses,
            summary_html=self.summary_html(),
            enterprise_filter=self.enterprise_filter(),
            here=self.request.get_full_path(),
        )
        return context

    def summary_html(self):
        """The totals and the tables by enterprise, consultant and province: the same for every
        page and filter of the board, so computed and rendered once per user until an action
        changes."""
        from django.utils import translation

        user = self.request.user

        def summaries():
            return {
                "totals": self.scope.aggregate(**_counts(self.today)),
                "by_enterprise": self.by_enterprise(),
                "by_consultant": None if user.is_consultant else self.by_consultant(),
                "by_province": self.by_province() if user.is_administrator else None,
            }

        # The user's scope is theirs alone: a change to their provinces or assignments moves the
        # data version, so the key need not name them.
        parts = [user.role, user.pk, translation.get_language(), self.today]
        return cached_html(parts, "consultants/_action_summaries.html", summaries)

    def by_enterprise(self):
        rows = (
            self.scope.values("enterprise", "enterprise__name_en", "enterprise__name_zh")
            .annotate(**_counts(self.today))
            .filter(open_count__gt=0)
            .order_by("-overdue_count", "-open_count", "enterprise__name_en")[:10]
        )
        return [
            {
                **r,
                "name": _bilingual(r["enterprise__name_en"], r["enterprise__name_zh"]),
                "filter": f"enterprise={r['enterprise']}",
            }
            for r in rows
        ]

    def by_consultant(self):
        rows = (
            self.scope.values("visit__consultant", "visit__consultant__user__name")
            .annotate(**_counts(self.today))
            .filter(open_count__gt=0)
            .order_by("-overdue_count", "-open_count", "visit__consultant__user__name")
        )
        return [
            {**r, "name": r["visit__consultant__user__name"], "filter": f"consultant={r['visit__consultant']}"}
            for r in rows
        ]

    def by_province(self):
        rows = list(
            self.scope.values("enterprise__province", "enterprise__province__name_en", "enterprise__province__name_zh")
            .annotate(**_counts(self.today))
            .filter(open_count__gt=0)
            .order_by("-overdue_count", "-open_count", "enterprise__province__code")
        )
        coordinators = {}
        people = User.objects.filter(provinces__in=[r["enterprise__province"] for r in rows]).order_by("name")
        for province_id, name in people.values_list("provinces", "name"):
            coordinators.setdefault(province_id, []).append(name)
        return [
            {
                **r,
                "name": _bilingual(r["enterprise__province__name_en"], r["enterprise__province__name_zh"]),
                "coordinators": coordinators.get(r["enterprise__province"], []),
                "filter": f"province={r['enterprise__province']}",
            }
            for r in rows
        ]

    def enterprise_filter(self):
        """The enterprise the board is narrowed to (from a summary link), if the user sees it."""
        if pk := self.filters.value_of("enterprise"):
            return Enterprise.objects.visible_to(self.request.user).filter(pk=pk).first()
        return None


class ActionUpdateView(RoleRequiredMixin, View):
    """Where an action stands, changed from the board; back to the board with its filters."""

    def post(self, request, pk):
        action = get_editable_or_404(ImprovementAction.objects, request.user, pk=pk)
        form = ActionUpdateForm(request.POST, instance=action)
        if form.is_valid():
            services.action_update(actor=request.user, form=form, request=request)
            messages.success(request, _("Action updated."))
        else:
            problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, _("The action was not changed: %(problems)s") % {"problems": problems})
        return redirect(next_url(request, reverse("consultants:actions")))


MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
STATUS_COLOURS = {
    VisitStatus.PLANNED: "primary",
    VisitStatus.DRAFT: "warning",
    VisitStatus.SUBMITTED: "info",
    VisitStatus.RETURNED: "danger",
    VisitStatus.APPROVED: "success",
}


def parse_month(value, today):
    """The first day of ``?month=YYYY-MM``; the current month when missing or not a month."""
    if match := MONTH.match(value or ""):
        year, month = int(match[1]), int(match[2])
        if 1000 <= year <= 9998 and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    return today.replace(day=1)


class VisitCalendarView(RoleRequiredMixin, TemplateView):
    """A month of visits, Monday first; on a phone, a list by day."""

    template_name = "consultants/visit_calendar.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        first = parse_month(self.request.GET.get("month"), today)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        visits = (
            Visit.objects.visible_to(self.request.user)
            .exclude(status=VisitStatus.CANCELLED)
            .filter(
                planned_at__gte=timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
                planned_at__lt=timezone.make_aware(datetime.datetime.combine(following, datetime.time.min)),
            )
            .select_related("enrolment__enterprise", "enrolment__module")
            .order_by("planned_at")
        )
        by_day = {}
        for visit in visits:
            visit.colour = STATUS_COLOURS.get(visit.status, "secondary")
            by_day.setdefault(timezone.localtime(visit.planned_at).date(), []).append(visit)
        weeks = [
            [
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "today": day == today,
                    "visits": by_day.get(day, []),
                }
                for day in week
            ]
            for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
        ]
        return super().get_context_data(
            month=first,
            weeks=weeks,
            weekdays=[day["date"] for day in weeks[0]],
            days=[{"date": day, "today": day == today, "visits": by_day[day]} for day in sorted(by_day)],
            previous=f"{previous:%Y-%m}",
            following=f"{following:%Y-%m}",
            this_month=f"{today:%Y-%m}",
            is_this_month=first == today.replace(day=1),
            **kwargs,
        )
