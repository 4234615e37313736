from django.contrib import messages
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.audit import audit_log
from score_portal.datacache import CachedCountMixin
from score_portal.models import AuditEvent, Role, User
from score_portal.registry import registry
from score_portal.views import next_url

from . import importing, services
from .forms import (
    EITMeetingForm,
    EITMemberForm,
    EITMemberLeaveForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    ImportForm,
    SuggestionForm,
)
from .history import enterprise_history
from .models import EITMeeting, EITMember, Enterprise, ProgrammeStatus, Province, Suggestion, SuggestionStatus
from .spreadsheets import EIT_COLUMNS, ENTERPRISE_COLUMNS, SpreadsheetError, read_table, write_csv, write_xlsx

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)


def provinces_panel_context(request):
    coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
    provinces = Province.objects.visible_to(request.user).prefetch_related(
        Prefetch("coordinators", queryset=coordinators)
    )
    return {"provinces": provinces}


def enterprises_panel_context(request):
    enterprises = Enterprise.objects.visible_to(request.user).active()
    counts = dict(enterprises.order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in ProgrammeStatus.choices],
        "total": sum(counts.values()),
        "pilot_units": enterprises.filter(is_pilot_unit=True).count(),
    }


class ProvinceListView(RoleRequiredMixin, ListView):
    roles = (Role.ADMINISTRATOR,)
    template_name = "enterprises/province_list.html"

    def get_queryset(self):
        coordinators = User.objects.filter(role=Role.COORDINATOR)
        return (
            Province.objects.visible_to(self.request.user)
            .annotate(enterprise_count=Count("enterprises", filter=Q(enterprises__archived_at__isnull=True)))
            .prefetch_related(Prefetch("coordinators", queryset=coordinators))
        )


def filtered_enterprises(request):
    form = EnterpriseFilterForm(request.GET or None, user=request.user)
    queryset = form.filter(Enterprise.objects.visible_to(request.user))
    return form, queryset


def with_visible_parent(queryset, user):
    """Each enterprise's group (parent) read through the access policy too: a group outside the
    user's scope (a consultant not assigned to it, another province's) reads as none, so its
    name is not listed nor its credit code exported."""
    return queryset.prefetch_related(Prefetch("parent", queryset=Enterprise.objects.visible_to(user)))


class EnterpriseListView(CachedCountMixin, RoleRequiredMixin, ListView):
    """Staff manage the registry here; consultants see the enterprises they are assigned to."""

    template_name = "enterprises/list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filters, queryset = filtered_enterprises(self.request)
        return with_visible_parent(queryset.select_related("province"), self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


class EnterpriseExportView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, fmt):
        if fmt not in {"csv", "xlsx"}:
            raise Http404
        _filters, queryset = filtered_enterprises(request)
        rows = [export_row(e) for e in with_visible_parent(queryset.select_related("province"), request.user)]
        stamp = timezone.localdate().isoformat()
        audit_log(action=AuditEvent.Action.EXPORTED, actor=request.user, request=request, rows=len(rows), format=fmt)
        if fmt == "csv":
            response = HttpResponse(write_csv(ENTERPRISE_COLUMNS, rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                write_xlsx(ENTERPRISE_COLUMNS, rows, _("Enterprises")),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="enterprises-{stamp}.{fmt}"'
        return response


def export_row(e):
    return [
        e.credit_code,
        e.name_en,
        e.name_zh,
        e.province.code,
        e.city,
        e.sector,
        e.get_status_display(),
        e.status_date.isoformat() if e.status_date else "",
        e.parent.credit_code if e.parent else "",
        _("yes") if e.is_pilot_unit else _("no"),
        e.address,
        e.contact_name,
        e.contact_phone,
        e.contact_email,
        e.employees_female,
        e.employees_male,
        e.notes,
    ]


class EnterpriseDetailView(RoleRequiredMixin, View):
    def get(self, request, pk):
        enterprise = get_visible_or_404(
            Enterprise.objects.select_related("province", "coordinator", "parent__parent__parent"), request.user, pk=pk
        )
        tab = request.GET.get("tab", "overview")
        members = enterprise.eit_members.all()
        suggestions = enterprise.suggestions.all()
        totals = suggestions.aggregate(
            estimated=Sum("estimated_savings"),
            realised=Sum("realised_savings"),
            implemented=Count("pk", filter=Q(status=SuggestionStatus.IMPLEMENTED)),
        )
        ancestors = enterprise.ancestors()
        # The groups above it go through the access policy too: one outside scope is left out.
        shown = set(
            Enterprise.objects.visible_to(request.user)
            .filter(pk__in=[a.pk for a in ancestors])
            .values_list("pk", flat=True)
        )
        context = {
            "enterprise": enterprise,
            "can_edit": Enterprise.objects.editable_by(request.user).holds(enterprise),
            "ancestors": [a for a in reversed(ancestors) if a.pk in shown],
            "children": Enterprise.objects.visible_to(request.user).filter(parent=enterprise).order_by("name_en"),
            "current_members": [m for m in members if m.is_current],
            "former_members": [m for m in members if not m.is_current],
            "meetings": enterprise.eit_meetings.prefetch_related("attendees"),
            "suggestions": suggestions,
            "suggestion_totals": totals,
            "tab": tab,
            "extra_tabs": registry.enterprise_tabs,
            "header_sections": registry.render_sections("enterprise_header", request, enterprise),
        }
        if tab == "history":
            context["history"] = enterprise_history(enterprise, request.user)
        for extra in registry.enterprise_tabs:
            if extra.key == tab:
                context.update(extra_tab=extra, **extra.context(request, enterprise))
        return render(request, "enterprises/detail.html", context)


class EnterpriseFormView(RoleRequiredMixin, View):
    roles = STAFF
    template_name = "enterprises/form.html"

    def get_instance(self, request, pk):
        return get_editable_or_404(Enterprise.objects, request.user, pk=pk) if pk else None

    def get(self, request, pk=None):
        instance = self.get_instance(request, pk)
        return render(request, self.template_name, {"form": EnterpriseForm(instance=instance, user=request.user)})

    def post(self, request, pk=None):
        instance = self.get_instance(request, pk)
        form = EnterpriseForm(request.POST, instance=instance, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return render(request, self.template_name, {"form": form})
        service = services.enterprise_update if instance else services.enterprise_create
        enterprise = service(actor=request.user, form=form, request=request)
        messages.success(request, _("%(name)s saved.") % {"name": enterprise})
        return redirect(next_url(request, reverse("enterprises:detail", args=[enterprise.pk])))


class EnterpriseArchiveView(RoleRequiredMixin, View):
    """GET asks for confirmation; POST archives (or restores)."""

    roles = STAFF
    restore = False

    def get(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        return render(request, "enterprises/archive_confirm.html", {"enterprise": enterprise, "restore": self.restore})

    def post(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        if self.restore:
            services.enterprise_restore(actor=request.user, enterprise=enterprise, request=request)
            messages.success(request, _("%(name)s restored.") % {"name": enterprise})
        else:
            services.enterprise_archive(actor=request.user, enterprise=enterprise, request=request)
            messages.success(
                request, _("%(name)s archived; it is hidden from lists until restored.") % {"name": enterprise}
            )
        return redirect("enterprises:detail", pk=enterprise.pk)


class EnterpriseChildFormView(RoleRequiredMixin, View):
    """Add or edit a record that belongs to an enterprise (EIT member, meeting, suggestion)."""

    roles = STAFF
    template_name = "enterprises/child_form.html"
    model = None
    form_class = None
    tab = ""
    title = ""

    def setup_objects(self, request, pk, item=None):
        self.enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        self.instance = (
            get_editable_or_404(self.model.objects.filter(enterprise=self.enterprise), request.user, pk=item)
            if item
            else None
        )

    def make_form(self, data=None):
        return self.form_class(data, instance=self.instance)

    def save(self, request, form):
        raise NotImplementedError

    def render_form(self, request, form):
        context = {"form": form, "enterprise": self.enterprise, "title": self.title, "tab": self.tab}
        return render(request, self.template_name, context)

    def get(self, request, pk, item=None):
        self.setup_objects(request, pk, item)
        return self.render_form(request, self.make_form())

    def post(self, request, pk, item=None):
        self.setup_objects(request, pk, item)
        form = self.make_form(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing has been saved."))
            return self.render_form(request, form)
        self.save(request, form)
        messages.success(request, _("Saved."))
        return redirect(reverse("enterprises:detail", args=[self.enterprise.pk]) + f"?tab={self.tab}#{self.tab}")


class EITMemberFormView(EnterpriseChildFormView):
    model = EITMember
    form_class = EITMemberForm
    tab = "eit"
    title = gettext_lazy("EIT member")

    def make_form(self, data=None):
        return self.form_class(data, instance=self.instance, enterprise=self.enterprise)

    def save(self, request, form):
        service = services.eit_member_update if self.instance else services.eit_member_add
        member = service(actor=request.user, form=form, enterprise=self.enterprise, request=request)
        if form.cleaned_data.get("hand_over") and member.is_secretary:
            messages.info(
                request,
                _("%(new)s is now the EIT secretary; %(old)s stays in the team.")
                % {"new": member.name, "old": form.current_secretary.name},
            )


class EITMemberLeaveView(EnterpriseChildFormView):
    """A member leaves the team: kept as a former member, with the date."""

    model = EITMember
    form_class = EITMemberLeaveForm
    template_name = "enterprises/eit_leave.html"
    tab = "eit"
    title = gettext_lazy("Left the team")

    def setup_objects(self, request, pk, item=None):
        super().setup_objects(request, pk, item)
        if not self.instance.is_current:
            raise Http404

    def make_form(self, data=None):
        return self.form_class(data, member=self.instance)

    def render_form(self, request, form):
        context = {"form": form, "enterprise": self.enterprise, "member": self.instance, "tab": self.tab}
        return render(request, self.template_name, context)

    def save(self, request, form):
        was_secretary = self.instance.is_secretary
        services.eit_member_leave(
            actor=request.user, member=self.instance, left_on=form.cleaned_data["left_on"], request=request
        )
        if was_secretary:
            messages.warning(request, _("The team has no EIT secretary now: name one of its members."))


class EITMeetingFormView(EnterpriseChildFormView):
    model = EITMeeting
    form_class = EITMeetingForm
    tab = "meetings"
    title = gettext_lazy("EIT meeting")

    def make_form(self, data=None):
        return self.form_class(data, instance=self.instance, enterprise=self.enterprise)

    def save(self, request, form):
        services.meeting_record(actor=request.user, form=form, enterprise=self.enterprise, request=request)


class SuggestionFormView(EnterpriseChildFormView):
    model = Suggestion
    form_class = SuggestionForm
    tab = "suggestions"
    title = gettext_lazy("Suggestion")

    def save(self, request, form):
        service = services.suggestion_update if self.instance else services.suggestion_record
        service(actor=request.user, form=form, enterprise=self.enterprise, request=request)


class ImportView(RoleRequiredMixin, View):
    roles = STAFF
    session_key = "enterprise_import"

    def get(self, request):
        return render(request, "enterprises/import.html", {"form": ImportForm(initial={"kind": "enterprises"})})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        context = {"form": form}
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            upload = form.cleaned_data["file"]
            columns = importing.columns(kind)
            try:
                table, unknown = read_table(upload, columns)
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            else:
                _rows, errors, summary = importing.check(kind, table, request.user)
                context.update({"errors": errors, "summary": summary, "unknown": unknown, "kind": kind})
                if not errors:
                    token = importing.stash(user=request.user, kind=kind, table=table, filename=upload.name)
                    request.session[self.session_key] = token
                    context.update({"token": token, "preview": table[:10], "columns": columns, "total": len(table)})
        return render(request, "enterprises/import.html", context)


class ImportConfirmView(RoleRequiredMixin, View):
    roles = STAFF

    def post(self, request):
        token = request.POST.get("token", "")
        payload = importing.unstash(user=request.user, token=token)
        if payload is None or request.session.get(ImportView.session_key) != token:
            messages.error(request, _("This import has expired or was already done; upload the file again."))
            return redirect("enterprises:import")
        summary, errors = services.enterprise_import(
            actor=request.user,
            kind=payload["kind"],
            table=payload["table"],
            filename=payload["filename"],
            request=request,
        )
        if errors:
            context = {"form": ImportForm(initial={"kind": payload["kind"]}), "errors": errors, "summary": summary}
            return render(request, "enterprises/import.html", context)
        importing.discard(token)
        request.session.pop(ImportView.session_key, None)
        messages.success(request, _("Import done: %(added)s added, %(updated)s updated.") % summary)
        return redirect("enterprises:list")


class ImportTemplateView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, kind):
        columns = EIT_COLUMNS if kind == "eit" else ENTERPRISE_COLUMNS
        title = _("EIT members") if kind == "eit" else _("Enterprises")
        response = HttpResponse(
            write_xlsx(columns, [], title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
        return response
