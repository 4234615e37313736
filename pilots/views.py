from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.models import Role
from score_portal.uploads import attachment_response

from . import services
from .due import DueRow, due_rows, filter_rows
from .forms import AttachmentForm, DueFilterForm, PilotReportForm, ReportingRuleForm
from .models import PilotReport, PilotUnit, ReportAttachment, ReportingRule

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)
ROWS_PER_PAGE = 30


class DueListView(RoleRequiredMixin, View):
    """Every pilot unit's report for every period so far: started or not, on time or late."""

    roles = STAFF

    def get(self, request):
        form = DueFilterForm(request.GET or None, user=request.user)
        data = form.cleaned_data if form.is_valid() else {}
        rule = ReportingRule.load()
        rows = due_rows(request.user, province=data.get("province"), rule=rule)
        rows = filter_rows(rows, status=data.get("status", ""), late=data.get("late", False))
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        context = {"form": form, "page_obj": page, "rows": page.object_list, "rule": rule}
        return render(request, "pilots/due_list.html", context)


def report_page_context(request, unit, period, report):
    user = request.user
    if report is None:
        editable = PilotUnit.objects.editable_by(user).holds(unit)
    else:
        editable = PilotReport.objects.editable_by(user).holds(report)
    return {
        "unit": unit,
        "period": period,
        "report": report,
        "row": DueRow(unit, period, report, timezone.localdate()),
        "editable": editable,
        "can_review": report is not None and PilotReport.objects.reviewable_by(user).filter(pk=report.pk).exists(),
        "events": report.events.select_related("by") if report else [],
        "attachments": report.attachments.all() if report else [],
        "attachment_form": AttachmentForm() if editable and report else None,
        "version": report.version if report else 0,
    }


class PilotReportView(RoleRequiredMixin, View):
    """A unit's report for one period: its coordinator writes and submits it (the draft is made
    on the first save, not by opening the page); an administrator approves or returns it."""

    roles = STAFF

    def load(self, request, unit_pk, period_start):
        unit = get_visible_or_404(PilotUnit.objects.select_related("province"), request.user, pk=unit_pk)
        report = PilotReport.objects.visible_to(request.user).filter(unit=unit, period_start=period_start).first()
        rule = ReportingRule.load()
        period = rule.period_of(report) if report else rule.period(period_start)
        if period is None:
            raise Http404
        return unit, period, report

    def show(self, request, loaded, form=None, unsaved=(), status=200):
        context = report_page_context(request, *loaded)
        if context["editable"]:
            context["form"] = form or PilotReportForm(instance=loaded[2])
        context["unsaved"] = unsaved
        return render(request, "pilots/report.html", context, status=status)

    def get(self, request, unit_pk, period_start):
        return self.show(request, self.load(request, unit_pk, period_start))

    def post(self, request, unit_pk, period_start):
        action = request.POST.get("action", "save")
        if action not in ACTION_ROLES:
            raise PermissionDenied
        unit, period, report = self.load(request, unit_pk, period_start)
        if request.user.role != ACTION_ROLES[action]:
            raise PermissionDenied
        version, form, saved = request.POST.get("version", ""), None, False
        try:
            if action in ("save", "submit"):
                form = PilotReportForm(request.POST, instance=report)
                if not form.is_valid():
                    messages.error(request, _("Please correct the errors below; nothing has been saved."))
                    return self.show(request, self.load(request, unit_pk, period_start), form)
                report = services.pilot_report_save(
                    actor=request.user, unit=unit, period=period, form=form, version=version, request=request
                )
                version, saved = report.version, True
            if action != "save":
                services.pilot_report_transition(
                    actor=request.user,
                    report=report,
                    action=action,
                    version=version,
                    comment=request.POST.get("comment", ""),
                    request=request,
                )
        except ValidationError as exc:
            return self.refused(request, exc, unit_pk, period_start, form, saved=saved)
        messages.success(request, ACTION_MESSAGES[action])
        return redirect("pilots:report", unit_pk=unit.pk, period_start=period.start)

    def refused(self, request, exc, unit_pk, period_start, form, saved):
        stale = isinstance(exc, services.StaleReport)
        if saved:
            messages.warning(request, _("Your changes were saved as a draft, but the report was not submitted."))
        messages.error(request, exc.messages[0])
        unsaved = [(form[name].label, form.data.get(name, "")) for name in form.changed_data] if stale and form else []
        loaded = self.load(request, unit_pk, period_start)
        return self.show(request, loaded, unsaved=unsaved, status=409 if stale else 200)


class ReportingRuleView(RoleRequiredMixin, View):
    roles = (Role.ADMINISTRATOR,)

    def get(self, request):
        return render(request, "pilots/rule.html", {"form": ReportingRuleForm(instance=ReportingRule.load())})

    def post(self, request):
        form = ReportingRuleForm(request.POST, instance=ReportingRule.load())
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return render(request, "pilots/rule.html", {"form": form})
        services.reporting_rule_save(actor=request.user, form=form, request=request)
        messages.success(request, _("Reporting rule saved."))
        return redirect("pilots:rule")


class AttachmentAddView(RoleRequiredMixin, View):
    roles = (Role.COORDINATOR,)

    def post(self, request, unit_pk, period_start):
        report = get_editable_or_404(PilotReport.objects, request.user, unit_id=unit_pk, period_start=period_start)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            services.report_attachment_add(actor=request.user, report=report, form=form, request=request)
            messages.success(request, _("File attached."))
        else:
            for errors in form.errors.values():
                messages.error(request, errors[0])
        return redirect(reverse("pilots:report", args=[unit_pk, period_start]) + "#attachments")


class AttachmentView(RoleRequiredMixin, View):
    """Sends a report's file to someone who may see the report, and to nobody else."""

    roles = STAFF

    def get(self, request, pk):
        attachment = get_visible_or_404(ReportAttachment.objects.all(), request.user, pk=pk)
        return attachment_response(attachment, request)


class AttachmentDeleteView(RoleRequiredMixin, View):
    roles = (Role.COORDINATOR,)

    def post(self, request, pk):
        attachment = get_editable_or_404(ReportAttachment.objects.select_related("report"), request.user, pk=pk)
        services.report_attachment_delete(actor=request.user, attachment=attachment, request=request)
        messages.success(request, _("File removed."))
        report = attachment.report
        return redirect(reverse("pilots:report", args=[report.unit_id, report.period_start]) + "#attachments")


# Who may take each step: coordinators write and submit, administrators review.
ACTION_ROLES = {
    "save": Role.COORDINATOR,
    "submit": Role.COORDINATOR,
    "approve": Role.ADMINISTRATOR,
    "return": Role.ADMINISTRATOR,
}

ACTION_MESSAGES = {
    "save": gettext_lazy("Draft saved."),
    "submit": gettext_lazy("Report submitted to the administrators for approval."),
    "approve": gettext_lazy("Report approved."),
    "return": gettext_lazy("Report returned to the coordinator with your comment."),
}
