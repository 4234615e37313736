from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from enterprises.models import Enterprise
from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.audit import audit_log
from score_portal.models import AuditEvent, Role

from . import services
from .kinds import KINDS
from .models import JobStatus, ReportJob

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)


def enterprise_report_button(request, enterprise):
    """On the enterprise page: the button that asks for its progress report."""
    allowed = KINDS["enterprise"].may_request(request.user, {"enterprise": enterprise.pk})
    return {"enterprise": enterprise, "allowed": allowed}


class JobListView(RoleRequiredMixin, ListView):
    """My reports: every report the user asked for (administrators may see everyone's)."""

    roles = STAFF
    template_name = "reports/list.html"
    paginate_by = 25

    def get_queryset(self):
        jobs = ReportJob.objects.visible_to(self.request.user).select_related("requested_by")
        self.everyone = self.request.user.is_administrator and self.request.GET.get("who") == "all"
        return jobs if self.everyone else jobs.filter(requested_by=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(everyone=self.everyone, **kwargs)


def _job(request, pk):
    return get_visible_or_404(ReportJob.objects.select_related("requested_by"), request.user, pk=pk)


class JobView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, pk):
        return render(request, "reports/job.html", {"job": _job(request, pk)})


class JobProgressView(RoleRequiredMixin, View):
    """The progress bar alone, polled by htmx until the job is done or failed."""

    roles = STAFF

    def get(self, request, pk):
        return render(request, "reports/_progress.html", {"job": _job(request, pk)})


class JobDownloadView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, pk):
        job = _job(request, pk)
        # The subject is asked again: a coordinator moved off a province loses its old reports.
        if not KINDS[job.kind].may_request(request.user, job.params):
            raise Http404
        if job.status != JobStatus.DONE or not job.file:
            raise Http404
        audit_log(action=AuditEvent.Action.EXPORTED, actor=request.user, target=job, request=request, pdf=job.kind)
        response = FileResponse(
            job.file.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1],
        )
        response["Cache-Control"] = "private, no-store"
        return response


class JobRetryView(RoleRequiredMixin, View):
    roles = STAFF

    def post(self, request, pk):
        job = get_editable_or_404(ReportJob.objects.all(), request.user, pk=pk)
        if not KINDS[job.kind].may_request(request.user, job.params):
            raise Http404
        if job.status != JobStatus.FAILED:
            messages.info(request, _("Only a report that failed can be tried again."))
            return redirect("reports:job", pk=job.pk)
        services.report_retry(actor=request.user, job=job, request=request)
        messages.success(request, _("The report is being made again."))
        return redirect("reports:job", pk=job.pk)


class EnterpriseReportView(RoleRequiredMixin, View):
    """Ask for an enterprise's progress report in a language; the job page shows it being made."""

    roles = STAFF

    def post(self, request, pk):
        enterprise = get_visible_or_404(Enterprise.objects, request.user, pk=pk)
        language = request.POST.get("language") or translation.get_language()
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language()
        job, created = services.report_request(
            actor=request.user,
            kind="enterprise",
            params={"enterprise": enterprise.pk},
            language=language,
            request=request,
        )
        if not created:
            messages.info(request, _("This report is already being made; here is its progress."))
        return redirect("reports:job", pk=job.pk)
