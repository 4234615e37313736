from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from enterprises.models import Province
from modules.models import Enrolment, Module
from score_portal.access import RoleRequiredMixin, get_editable_or_404
from score_portal.models import Role

from . import services
from .forms import AssignmentForm, CertificationForm, ConsultantForm
from .models import Assignment, Certification, Consultant

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
