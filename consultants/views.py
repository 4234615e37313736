import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from enterprises.models import Province
from modules.models import Enrolment, Module
from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.models import Role

from . import services
from .forms import AssignmentForm, CertificationForm, ConsultantForm, VisitPlanForm, VisitRecordForm
from .models import Assignment, Certification, Consultant, Visit, VisitStatus

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)


class ConsultantListView(RoleRequiredMixin, ListView):
    """The directory, with each consultant's certifications and workload."""

    roles = STAFF
    template_name = "consultants/list.html"
    paginate_by = 25

    def get_queryset(self):
        consultants = Consultant.objects.visible_to(self.request.user)
        q = self.request.GET.get("q", "").strip()
        if q:
            consultants = consultants.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
        if province := self.request.GET.get("province", ""):
            consultants = consultants.filter(provinces__pk=province) if province.isdigit() else consultants
        if module := self.request.GET.get("module", ""):
            consultants = consultants.filter(certifications__module__code=module)
        active = Q(assignments__ended_on__isnull=True)
        return (
            Consultant.objects.filter(pk__in=consultants.values("pk"))
            .select_related("user")
            .prefetch_related("provinces", Prefetch("certifications", Certification.objects.select_related("module")))
            .annotate(
                active_assignments=Count("assignments", filter=active, distinct=True),
                enterprises=Count("assignments__enrolment__enterprise", filter=active, distinct=True),
            )
            .order_by("user__name")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            provinces=Province.objects.visible_to(self.request.user), modules=Module.objects.all(), **kwargs
        )


class ConsultantFormView(RoleRequiredMixin, View):
    roles = STAFF

    def instance(self, request, pk):
        return get_editable_or_404(Consultant.objects, request.user, pk=pk) if pk else None

    def show(self, request, form, consultant):
        context = {"form": form, "consultant": consultant, "certification_form": CertificationForm()}
        if consultant:
            context["certifications"] = consultant.certifications.select_related("module")
            context["assignments"] = consultant.assignments.select_related("enrolment__enterprise", "enrolment__module")
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
    can_assign = Enrolment.objects.editable_by(request.user).filter(pk=enrolment.pk).exists()
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


def next_visits_panel(request):
    return {"visits": Visit.objects.visible_to(request.user).upcoming().select_related("enrolment__enterprise")[:5]}


class VisitRecordView(RoleRequiredMixin, View):
    """The record of one visit: its consultant fills it in and submits it; the coordinator
    approves it or returns it with a comment, and may reopen an approved one."""

    def load(self, request, pk):
        return get_visible_or_404(
            Visit.objects.select_related("enrolment__enterprise", "enrolment__module", "consultant__user"),
            request.user,
            pk=pk,
        )

    def show(self, request, visit, form=None, status=200):
        recordable = Visit.objects.recordable_by(request.user).filter(pk=visit.pk).exists()
        context = {
            "visit": visit,
            "form": form or (VisitRecordForm(instance=visit) if recordable else None),
            "can_review": Visit.objects.reviewable_by(request.user).filter(pk=visit.pk).exists(),
            "events": visit.events.select_related("by"),
            "attendees": visit.attendees.all(),
        }
        return render(request, "consultants/visit_record.html", context, status=status)

    def get(self, request, pk):
        return self.show(request, self.load(request, pk))

    def post(self, request, pk):
        action = request.POST.get("action", "save")
        if action not in ACTION_RULES:
            raise PermissionDenied
        visit = get_editable_or_404(
            Visit.objects.select_related("enrolment__enterprise", "consultant__user"),
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


# Which part of the access policy each action needs: the consultant records, staff review.
ACTION_RULES = {
    "save": "recordable_by",
    "submit": "recordable_by",
    "approve": "reviewable_by",
    "return": "reviewable_by",
    "reopen": "reviewable_by",
}

ACTION_MESSAGES = {
    "submit": gettext_lazy("Visit submitted for approval."),
    "approve": gettext_lazy("Visit approved."),
    "return": gettext_lazy("Visit returned to the consultant with your comment."),
    "reopen": gettext_lazy("Visit reopened."),
}
