import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from modules.models import Enrolment
from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.models import Role
from score_portal.uploads import attachment_response

from . import services
from .extras import visit_extras
from .forms import (
    ActionForm,
    ActionUpdateForm,
    AssignmentForm,
    AttachmentForm,
    CertificationForm,
    ConsultantFilterForm,
    ConsultantForm,
    VisitPlanForm,
    VisitRecordForm,
    owner_label,
)
from .models import (
    OPEN_STATUSES,
    ActionStatus,
    Assignment,
    Attachment,
    Certification,
    Consultant,
    ImprovementAction,
    Visit,
    VisitStatus,
)

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)


def quarter_start(today=None):
    """Midnight of the first day of the current calendar quarter, in the portal's time zone."""
    today = today or timezone.localdate()
    first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


class ConsultantListView(RoleRequiredMixin, ListView):
    """The directory, with each consultant's certifications and workload."""

    roles = STAFF
    template_name = "consultants/list.html"
    paginate_by = 25

    def get_queryset(self):
        consultants = Consultant.objects.visible_to(self.request.user)
        self.filters = ConsultantFilterForm(self.request.GET, user=self.request.user)
        if q := (self.filters.value_of("q") or "").strip():
            consultants = consultants.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
        if province := self.filters.value_of("province"):
            consultants = consultants.filter(provinces=province)
        if module := self.filters.value_of("module"):
            consultants = consultants.filter(certifications__module=module)
        # Each figure is its own correlated count: joining assignments and visits in one query
        # multiplied their rows (seconds at 10,000 enterprises), and only a page of 25 is counted.
        active = Assignment.objects.filter(consultant=OuterRef("pk"), ended_on__isnull=True).order_by()
        visits = Visit.objects.filter(consultant=OuterRef("pk"), planned_at__gte=quarter_start()).exclude(
            status=VisitStatus.CANCELLED
        )

        def count(queryset, expression="pk"):
            counted = queryset.values("consultant").annotate(n=Count(expression, distinct=True)).values("n")
            return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

        return (
            Consultant.objects.filter(pk__in=consultants.values("pk"))
            .select_related("user")
            .prefetch_related("provinces", Prefetch("certifications", Certification.objects.select_related("module")))
            .annotate(
                active_assignments=count(active),
                enterprises=count(active, "enrolment__enterprise"),
                quarter_visits=count(visits.order_by()),
            )
            .order_by("user__name")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filters=self.filters,
            quarter_start=quarter_start(),
            **kwargs,
        )


class ConsultantFormView(RoleRequiredMixin, View):
    roles = STAFF

    def instance(self, request, pk):
        return get_editable_or_404(Consultant.objects, request.user, pk=pk) if pk else None

    def show(self, request, form, consultant):
        context = {"form": form, "consultant": consultant, "certification_form": CertificationForm()}
        if consultant:
            context["certifications"] = consultant.certifications.select_related("module")
            # Only the assignments the user may see: a consultant working in two provinces shows
            # each coordinator their own province's work, not the other's enterprises.
            context["assignments"] = (
                Assignment.objects.visible_to(request.user)
                .filter(consultant=consultant)
                .select_related("enrolment__enterprise", "enrolment__module")
            )
        return render(request, "consultants/form.html", context)

    def get(self, request, pk=None):
        consultant = self.instance(request, pk)
        return self.show(request, ConsultantForm(instance=consultant, user=request.user), consultant)

    def post(self, request, pk=None):
        consultant = self.instance(request, pk)
        if consultant and "certification" in request.POST:
            form = CertificationForm(request.POST)
            if form.is_valid():
                try:
                    services.certification_add(actor=request.user, form=form, consultant=consultant, request=request)
                except IntegrityError:
                    messages.error(request, _("This certification is already recorded."))
                else:
                    messages.success(request, _("Certification recorded."))
                return redirect("consultants:edit", pk=consultant.pk)
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            context = {
                "form": ConsultantForm(instance=consultant, user=request.user),
                "consultant": consultant,
                "certification_form": form,
                "certifications": consultant.certifications.all(),
            }
            return render(request, "consultants/form.html", context)
        form = ConsultantForm(request.POST, instance=consultant, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return self.show(request, form, consultant)
        consultant = services.consultant_save(actor=request.user, form=form, request=request)
        messages.success(request, _("%(name)s saved.") % {"name": consultant})
        return redirect("consultants:edit", pk=consultant.pk)


class AssignView(RoleRequiredMixin, View):
    roles = STAFF

    def post(self, request, pk):
        enrolment = get_editable_or_404(Enrolment.objects.select_related("enterprise"), request.user, pk=pk)
        form = AssignmentForm(request.POST, enrolment=enrolment, user=request.user)
        if form.is_valid():
            try:
                services.assignment_create(
                    actor=request.user, enrolment=enrolment, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            else:
                messages.success(request, _("Consultant assigned."))
        else:
            messages.error(request, _("Choose a consultant and a role."))
        return redirect("modules:enrolment", pk=enrolment.pk)


class AssignmentEndView(RoleRequiredMixin, View):
    roles = STAFF

    def post(self, request, pk):
        assignment = get_editable_or_404(Assignment.objects.active(), request.user, pk=pk)
        services.assignment_end(actor=request.user, assignment=assignment, request=request)
        messages.success(request, _("Assignment ended."))
        return redirect("modules:enrolment", pk=assignment.enrolment_id)


def enrolment_section(request, enrolment):
    can_assign = Enrolment.objects.editable_by(request.user).holds(enrolment)
    return {
        "enrolment": enrolment,
        "assignments": Assignment.objects.visible_to(request.user)
        .filter(enrolment=enrolment)
        .select_related("consultant__user")
        .order_by("ended_on", "role"),
        "assign_form": AssignmentForm(enrolment=enrolment, user=request.user) if can_assign else None,
    }


def my_enterprises_panel(request):
    assignments = (
        Assignment.objects.visible_to(request.user)
        .active()
        .select_related("enrolment__enterprise", "enrolment__module")
        .order_by("enrolment__enterprise__name_en")
    )
    return {"assignments": assignments}


class VisitListView(RoleRequiredMixin, ListView):
    """Consultants: my next visits; staff: the visits planned in their scope."""

    template_name = "consultants/visit_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.when = self.request.GET.get("when", "upcoming")
        visits = Visit.objects.visible_to(self.request.user).select_related(
            "enrolment__enterprise", "enrolment__module", "consultant__user"
        )
        if self.when == "review":
            return visits.filter(status=VisitStatus.SUBMITTED).order_by("held_on", "planned_at")
        if self.when == "open":
            return visits.filter(status__in=[VisitStatus.DRAFT, VisitStatus.RETURNED]).order_by("planned_at")
        if self.when == "past":
            return visits.filter(planned_at__lt=timezone.now()).order_by("-planned_at")
        return visits.filter(planned_at__gte=timezone.now()).order_by("planned_at")

    def get_context_data(self, **kwargs):
        profile = Consultant.objects.filter(user=self.request.user).first()
        feed = (
            self.request.build_absolute_uri(reverse("consultants:calendar", args=[profile.calendar_token]))
            if profile
            else None
        )
        return super().get_context_data(when=self.when, feed_url=feed, **kwargs)


class VisitPlanView(RoleRequiredMixin, View):
    def get(self, request):
        return render(request, "consultants/visit_plan.html", {"form": VisitPlanForm(user=request.user)})

    def post(self, request):
        form = VisitPlanForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return render(request, "consultants/visit_plan.html", {"form": form})
        services.visit_plan(actor=request.user, form=form, consultant=form.consultant_for(), request=request)
        messages.success(request, _("Visit planned."))
        return redirect("consultants:visits")


class CalendarResetView(RoleRequiredMixin, View):
    roles = (Role.CONSULTANT,)

    def post(self, request):
        profile = get_visible_or_404(Consultant.objects, request.user, user__pk=request.user.pk)
        services.calendar_token_reset(actor=request.user, consultant=profile, request=request)
        messages.success(request, _("Your calendar has a new address; the old one no longer works."))
        return redirect("consultants:visits")


def ics_text(text):
    return str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar_feed(request, token):
    """The consultant's visits as an iCalendar feed; the unguessable token is the only key."""
    profile = Consultant.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    if profile is None:
        raise Http404
    visits = (
        Visit.objects.filter(consultant=profile)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("enrolment__enterprise", "enrolment__module")
        .order_by("planned_at")
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    name = _("SCORE visits")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SCORE Portal//Visits//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_text(name)}",
    ]
    for visit in visits:
        start = visit.planned_at.astimezone(datetime.UTC)
        end = start + datetime.timedelta(hours=float(visit.duration_hours))
        enterprise = visit.enrolment.enterprise
        summary = f"{enterprise.name} · {visit.enrolment.module.code} · {visit.get_visit_type_display()}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:visit-{visit.pk}@score-portal",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{ics_text(summary)}",
            f"LOCATION:{ics_text(' '.join(filter(None, [enterprise.city, enterprise.address])))}",
            f"DESCRIPTION:{ics_text(visit.notes)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


VISITS_ON_TAB = 30


def visits_tab_context(request, enterprise):
    visits = list(
        Visit.objects.visible_to(request.user)
        .filter(enrolment__enterprise=enterprise)
        .select_related("enrolment__module", "consultant__user")
        .order_by("-planned_at")[: VISITS_ON_TAB + 1]
    )
    actions = list(
        ImprovementAction.objects.visible_to(request.user).filter(enterprise=enterprise).open().select_related("owner")
    )
    return {
        "visits": visits[:VISITS_ON_TAB],
        "more_visits": len(visits) > VISITS_ON_TAB,
        "open_actions": actions,
        "overdue_count": sum(a.is_overdue for a in actions),
    }


def review_panel(request):
    waiting = Visit.objects.reviewable_by(request.user).filter(status=VisitStatus.SUBMITTED)
    return {
        "count": waiting.count(),
        "visits": waiting.select_related("enrolment__enterprise", "enrolment__module", "consultant__user").order_by(
            "held_on", "planned_at"
        )[:5],
    }


def visit_page_context(request, visit):
    """Everything the visit page shows besides the record form: actions agreed on it, the
    enterprise's earlier open actions to follow up, readings, attachments and history."""
    recordable = visit.is_recordable_by(request.user)
    # The day each was agreed on (shown for the earlier ones), not the whole visit.
    actions = ImprovementAction.objects.visible_to(request.user).annotate(
        agreed_held_on=F("visit__held_on"), agreed_planned_at=F("visit__planned_at")
    )
    if recordable:
        # The EIT's members, read once for every list of them the page offers, with those
        # present; the actions' owners are among them.
        members = visit.read_people()
    else:
        members = []
        actions = actions.select_related("owner")
        prefetch_related_objects([visit], "attendees")  # the list and the counts read them
    # The actions agreed on this visit and the enterprise's earlier ones still to follow up (or
    # updated on this visit), in one query: all of them the enterprise's (services.action_add
    # gives an action its visit's enterprise), read by the enterprise's index.
    related = list(
        actions.filter(enterprise=visit.enrolment.enterprise_id).filter(
            Q(visit=visit) | Q(status__in=OPEN_STATUSES) | Q(updated_on_visit=visit)
        )
    )
    if recordable:
        for action in related:
            owner = visit.people_by_pk.get(action.owner_id)
            if owner is not None:  # an owner of the enterprise's EIT, as the forms allow
                action.owner = owner
    history, files, readings = visit_extras(visit)  # kept per visit until one of them changes
    return {
        "visit": visit,
        "recordable": recordable,
        "can_review": Visit.objects.reviewable_by(request.user).holds(visit),
        "events": history,
        "attendees": visit.attendees.all(),
        "agreed": [a for a in related if a.visit_id == visit.pk],
        "earlier": [a for a in related if a.visit_id != visit.pk],
        "action_form": ActionForm(enterprise=visit.enrolment.enterprise, prefix="new", members=members)
        if recordable
        else None,
        "owners": members,
        "owner_options": [(m.pk, owner_label(m)) for m in members],
        "statuses": [(value, str(label)) for value, label in ActionStatus.choices],
        # Read only (with their KPIs) where no form shows them: in the record's read-only view.
        "readings": None if recordable else visit.readings.select_related("indicator"),
        "attachments": files,
        "reading_values": readings,
        "attachment_form": AttachmentForm() if recordable else None,
    }


class VisitRecordView(RoleRequiredMixin, View):
    """The record of one visit: its consultant fills it in and submits it; the coordinator
    approves it or returns it with a comment, and may reopen an approved one."""

    def load(self, request, pk):
        user = request.user
        # A consultant sees only their own visits: their user is the one signed in, not read again.
        related = [
            "enrolment__enterprise",
            "enrolment__module",
            "consultant" if user.is_consultant else "consultant__user",
        ]
        visit = get_visible_or_404(Visit.objects.select_related(*related), user, pk=pk)
        if visit.consultant.user_id == user.pk:
            visit.consultant.user = user
        return visit

    def show(self, request, visit, form=None, status=200):
        context = visit_page_context(request, visit)
        if context["recordable"]:
            context["form"] = form or VisitRecordForm(
                instance=visit, members=context["owners"], readings=context["reading_values"]
            )
        return render(request, "consultants/visit_record.html", context, status=status)

    def get(self, request, pk):
        return self.show(request, self.load(request, pk))

    def post(self, request, pk):
        action = request.POST.get("action", "save")
        if action not in ACTION_RULES:
            raise PermissionDenied
        visit = get_editable_or_404(
            Visit.objects.select_related("enrolment__enterprise", "enrolment__module", "consultant__user"),
            request.user,
            rule=ACTION_RULES[action],
            pk=pk,
        )
        version = request.POST.get("version", "0")
        try:
            if action in ("save", "submit"):
                form = VisitRecordForm(request.POST, instance=visit)
                if not form.is_valid():
                    messages.error(request, _("Please correct the errors below; nothing has been saved."))
                    return self.show(request, self.load(request, pk), form)
                visit = services.visit_record_save(actor=request.user, visit=visit, form=form, version=version)
                version = visit.version
            if action != "save":
                services.visit_transition(
                    actor=request.user,
                    visit=visit,
                    action=action,
                    version=version,
                    comment=request.POST.get("comment", ""),
                    request=request,
                )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return self.show(
                request, self.load(request, pk), status=409 if isinstance(exc, services.StaleVisit) else 200
            )
        messages.success(request, ACTION_MESSAGES.get(action, _("Saved.")))
        return redirect("consultants:visit", pk=pk)


class VisitAutosaveView(RoleRequiredMixin, View):
    """Saves the draft as the consultant types (htmx); answers with a one-line status and the
    new version, so the next save is checked against it."""

    roles = (Role.CONSULTANT,)

    def post(self, request, pk):
        visit = get_editable_or_404(
            Visit.objects.select_related("enrolment__enterprise", "enrolment__module"),
            request.user,
            rule="recordable_by",
            pk=pk,
        )
        form = VisitRecordForm(request.POST, instance=visit)
        context = {"visit": visit, "state": "saved"}
        if not form.is_valid():
            context.update(state="invalid", errors=[(form[name].label, e[0]) for name, e in form.errors.items()])
        else:
            try:
                visit = services.visit_record_save(
                    actor=request.user, visit=visit, form=form, version=request.POST.get("version", "0")
                )
            except ValidationError as exc:
                context.update(state="stale" if isinstance(exc, services.StaleVisit) else "refused")
                context["message"] = exc.messages[0]
            else:
                context.update(visit=visit, saved_at=timezone.localtime())
        return render(request, "consultants/_autosave.html", context)


def visit_for_recording(request, pk):
    return get_editable_or_404(
        Visit.objects.select_related("enrolment__enterprise", "enrolment__module"),
        request.user,
        rule="recordable_by",
        pk=pk,
    )


def actions_fragment(request, visit, form=None, status=200):
    """The visit page's actions section, re-rendered after each change (htmx) or the whole page."""
    context = visit_page_context(request, visit)
    if form is not None:
        context["action_form"] = form
    if not request.htmx:
        if status == 200:
            return redirect(reverse("consultants:visit", args=[visit.pk]) + "#actions")
        context["form"] = VisitRecordForm(instance=visit, members=context["owners"], readings=context["reading_values"])
        return render(request, "consultants/visit_record.html", context, status=status)
    return render(request, "consultants/_actions.html", context, status=status)


class VisitActionAddView(RoleRequiredMixin, View):
    roles = (Role.CONSULTANT,)

    def post(self, request, pk):
        visit = visit_for_recording(request, pk)
        form = ActionForm(request.POST, enterprise=visit.enrolment.enterprise, prefix="new")
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return actions_fragment(request, visit, form, status=422 if not request.htmx else 200)
        services.action_add(actor=request.user, visit=visit, form=form, request=request)
        messages.success(request, _("Action added."))
        return actions_fragment(request, visit)


class VisitActionChangeView(RoleRequiredMixin, View):
    """On the visit page: an action agreed on this visit is edited in full (or deleted); an
    earlier one gets its status and result as seen on this follow-up visit."""

    roles = (Role.CONSULTANT,)

    def post(self, request, pk, action_pk, delete=False):
        visit = visit_for_recording(request, pk)
        action = get_editable_or_404(
            ImprovementAction.objects.filter(enterprise=visit.enrolment.enterprise_id), request.user, pk=action_pk
        )
        own = action.visit_id == visit.pk
        if delete:
            if not own:
                raise PermissionDenied
            services.action_delete(actor=request.user, action=action, request=request)
            messages.success(request, _("Action removed."))
            return actions_fragment(request, visit)
        prefix = f"a{action.pk}"
        if own:
            form = ActionForm(request.POST, instance=action, enterprise=visit.enrolment.enterprise, prefix=prefix)
        else:
            form = ActionUpdateForm(request.POST, instance=action, prefix=prefix)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return actions_fragment(request, visit, status=422 if not request.htmx else 200)
        services.action_update(actor=request.user, form=form, visit=visit, request=request)
        messages.success(request, _("Action updated."))
        return actions_fragment(request, visit)


class AttachmentAddView(RoleRequiredMixin, View):
    roles = (Role.CONSULTANT,)

    def post(self, request, pk):
        visit = visit_for_recording(request, pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, errors[0])
            return redirect(reverse("consultants:visit", args=[visit.pk]) + "#attachments")
        services.attachment_add(actor=request.user, visit=visit, form=form, request=request)
        messages.success(request, _("File attached."))
        return redirect(reverse("consultants:visit", args=[visit.pk]) + "#attachments")


class AttachmentView(RoleRequiredMixin, View):
    """Sends a visit's file to someone who may see the visit, and to nobody else."""

    def get(self, request, pk):
        attachment = get_visible_or_404(Attachment.objects.all(), request.user, pk=pk)
        return attachment_response(attachment, request)


class AttachmentDeleteView(RoleRequiredMixin, View):
    roles = (Role.CONSULTANT,)

    def post(self, request, pk):
        attachment = get_editable_or_404(Attachment.objects.select_related("visit"), request.user, pk=pk)
        services.attachment_delete(actor=request.user, attachment=attachment, request=request)
        messages.success(request, _("File removed."))
        return redirect(reverse("consultants:visit", args=[attachment.visit_id]) + "#attachments")


# Which part of the access policy each action needs: the consultant records, staff review.
ACTION_RULES = {
    "save": "recordable_by",
    "submit": "recordable_by",
    "approve": "reviewable_by",
    "return": "reviewable_by",
    "reopen": "reviewable_by",
    "cancel": "editable_by",  # the consultant, or staff in scope, before it is submitted
}

ACTION_MESSAGES = {
    "submit": gettext_lazy("Visit submitted for approval."),
    "approve": gettext_lazy("Visit approved."),
    "return": gettext_lazy("Visit returned to the consultant with your comment."),
    "reopen": gettext_lazy("Visit reopened."),
    "cancel": gettext_lazy("Visit cancelled."),
}
