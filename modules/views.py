from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from enterprises.forms import descendant_of
from enterprises.models import Enterprise
from enterprises.spreadsheets import Column, write_xlsx
from score_portal.access import RoleRequiredMixin, get_editable_or_404, get_visible_or_404
from score_portal.audit import audit_log
from score_portal.datacache import CachedCountMixin, CachedCountPaginator, cached, list_key
from score_portal.models import AuditEvent, Role
from score_portal.registry import registry

from . import services
from .forms import (
    AdvanceForm,
    EnrolmentForm,
    IndicatorForm,
    MatrixFilterForm,
    MeasurementForm,
    ModuleForm,
    ParticipantForm,
    PracticeForm,
    SessionForm,
    TargetForm,
)
from .kpi import kpi_rows
from .models import (
    OPEN_STATUSES,
    Attendance,
    ClassroomSession,
    Enrolment,
    EnrolmentStatus,
    Indicator,
    Module,
    Practice,
    PracticeAssessment,
    enterprises_complete,
)
from .pdf import render_pdf

STAFF = (Role.ADMINISTRATOR, Role.COORDINATOR)
ADMIN = (Role.ADMINISTRATOR,)


def form_error(request):
    messages.error(request, _("Please correct the errors below; nothing has been saved."))


# Catalogue ---------------------------------------------------------------


class ModuleListView(RoleRequiredMixin, ListView):
    template_name = "modules/module_list.html"

    def get_queryset(self):
        return Module.objects.visible_to(self.request.user).prefetch_related("indicators", "practices")

    def get_context_data(self, **kwargs):
        can_edit = Module.objects.editable_by(self.request.user).exists()
        return super().get_context_data(can_edit=can_edit, **kwargs)


class CatalogueFormView(RoleRequiredMixin, View):
    roles = ADMIN
    model = Module
    form_class = ModuleForm

    def get(self, request, pk=None):
        instance = get_editable_or_404(self.model.objects, request.user, pk=pk) if pk else None
        return render(request, "modules/catalogue_form.html", {"form": self.form_class(instance=instance)})

    def post(self, request, pk=None):
        instance = get_editable_or_404(self.model.objects, request.user, pk=pk) if pk else None
        form = self.form_class(request.POST, instance=instance)
        if not form.is_valid():
            form_error(request)
            return render(request, "modules/catalogue_form.html", {"form": form})
        saved = services.catalogue_save(actor=request.user, form=form, request=request)
        messages.success(request, _("%(name)s saved.") % {"name": saved})
        return redirect("modules:catalogue")


class IndicatorFormView(CatalogueFormView):
    model = Indicator
    form_class = IndicatorForm


class PracticeFormView(CatalogueFormView):
    model = Practice
    form_class = PracticeForm


# Enrolment ---------------------------------------------------------------


class EnrolmentCreateView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        return self.show(request, enterprise, EnrolmentForm(enterprise=enterprise))

    def show(self, request, enterprise, form):
        return render(request, "modules/enrolment_form.html", {"form": form, "enterprise": enterprise})

    def post(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        form = EnrolmentForm(request.POST, enterprise=enterprise)
        if not form.is_valid():
            form_error(request)
            return self.show(request, enterprise, form)
        try:
            enrolment = services.enrolment_create(actor=request.user, form=form, enterprise=enterprise, request=request)
        except ValidationError as exc:
            form.add_error("module", exc.messages[0])
            form_error(request)
            return self.show(request, enterprise, form)
        messages.success(
            request, _("%(name)s enrolled in %(module)s.") % {"name": enterprise, "module": enrolment.module}
        )
        return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "?tab=modules")


class EnrolmentDetailView(RoleRequiredMixin, View):
    """Everyone who sees the enterprise sees its enrolments; only staff move them along."""

    def get_enrolment(self, request, pk):
        return get_visible_or_404(Enrolment.objects.select_related("enterprise", "module"), request.user, pk=pk)

    def show(self, request, enrolment, form):
        context = {
            "enrolment": enrolment,
            "form": form,
            "can_edit": Enrolment.objects.editable_by(request.user).holds(enrolment),
            "changes": enrolment.status_changes.select_related("changed_by"),
            "sections": registry.render_sections("enrolment", request, enrolment),
        }
        return render(request, "modules/enrolment_detail.html", context)

    def get(self, request, pk):
        enrolment = self.get_enrolment(request, pk)
        return self.show(request, enrolment, AdvanceForm(enrolment=enrolment))

    def post(self, request, pk):
        enrolment = get_editable_or_404(Enrolment.objects.select_related("module"), request.user, pk=pk)
        form = AdvanceForm(request.POST, enrolment=enrolment)
        if form.is_valid():
            try:
                services.enrolment_advance(
                    enrolment=enrolment,
                    to_status=form.cleaned_data["to_status"],
                    actor=request.user,
                    on_date=form.cleaned_data["on_date"],
                    comment=form.cleaned_data["comment"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("Status changed."))
                return redirect("modules:enrolment", pk=enrolment.pk)
        form_error(request)
        return self.show(request, self.get_enrolment(request, pk), form)


# Classroom sessions --------------------------------------------------------


class SessionListView(CachedCountMixin, RoleRequiredMixin, ListView):
    template_name = "modules/session_list.html"
    paginate_by = 20

    def get_queryset(self):
        sessions = ClassroomSession.objects.visible_to(self.request.user).select_related("module", "province")
        self.when = self.request.GET.get("when", "upcoming")
        today = timezone.localdate()
        # Explicit order: Meta.ordering does not apply to the grouped (annotated) query below.
        if self.when == "past":
            sessions = sessions.filter(ends_on__lt=today).order_by("-starts_on", "-pk")
        else:
            sessions = sessions.filter(ends_on__gte=today).order_by("starts_on", "pk")
        return sessions.annotate(
            participant_count=Count("participants", distinct=True),
            enterprise_count=Count("participants__enterprise", distinct=True),
        )

    def get_context_data(self, **kwargs):
        can_add = self.request.user.role in STAFF
        return super().get_context_data(when=self.when, can_add=can_add, **kwargs)


class SessionFormView(RoleRequiredMixin, View):
    roles = STAFF

    def instance(self, request, pk):
        return get_editable_or_404(ClassroomSession.objects, request.user, pk=pk) if pk else None

    def get(self, request, pk=None):
        form = SessionForm(instance=self.instance(request, pk), user=request.user)
        return render(request, "modules/session_form.html", {"form": form})

    def post(self, request, pk=None):
        form = SessionForm(request.POST, instance=self.instance(request, pk), user=request.user)
        if not form.is_valid():
            form_error(request)
            return render(request, "modules/session_form.html", {"form": form})
        session = services.session_save(actor=request.user, form=form, request=request)
        messages.success(request, _("Session saved."))
        return redirect("modules:session", pk=session.pk)


def attendance_grid(session):
    """Participants with a tick per day, and the counts by sex and side, from two queries."""
    participants = list(
        session.participants.select_related("enterprise").prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.filter(present=True))
        )
    )
    days = session.days
    rows, counts, attended, enterprises = [], {}, [], {}
    for p in participants:
        present_days = {a.day for a in p.attendance.all()}
        rows.append({"participant": p, "cells": [(day, day in present_days) for day in days]})
        key = (p.sex, p.side)
        counts.setdefault(key, {"enrolled": 0, "attended": 0})
        counts[key]["enrolled"] += 1
        counts[key]["attended"] += int(bool(days) and present_days >= set(days))
        attended.append((p.enterprise_id, present_days))
        sent = enterprises.setdefault(p.enterprise_id, {"enterprise": p.enterprise, p.side: 0, p.sex: 0})
        sent[p.side] = sent.get(p.side, 0) + 1
        sent[p.sex] = sent.get(p.sex, 0) + 1
    complete = enterprises_complete(attended, days)
    for enterprise_id, sent in enterprises.items():
        sent["complete"] = enterprise_id in complete
    by_name = sorted(enterprises.values(), key=lambda e: e["enterprise"].name)
    return {"days": days, "rows": rows, "counts": counts, "enterprises": by_name}


def attendance_counts_table(counts):
    from enterprises.models import Sex, Side

    table = []
    for sex in Sex:
        for side in Side:
            c = counts.get((sex.value, side.value), {"enrolled": 0, "attended": 0})
            table.append({"sex": sex.label, "side": side.label, **c})
    return table


class SessionDetailView(RoleRequiredMixin, View):
    def show(self, request, session, participant_form=None):
        can_edit = ClassroomSession.objects.editable_by(request.user).holds(session)
        grid = attendance_grid(session)
        context = {
            "session": session,
            "can_edit": can_edit,
            "grid": grid,
            "today": timezone.localdate(),
            "counts": attendance_counts_table(grid["counts"]),
            "participant_form": participant_form
            or (
                ParticipantForm(
                    session=session, user=request.user, initial={"enterprise": request.GET.get("enterprise")}
                )
                if can_edit
                else None
            ),
        }
        return render(request, "modules/session_detail.html", context)

    def get(self, request, pk):
        session = get_visible_or_404(
            ClassroomSession.objects.select_related("module", "province").prefetch_related("trainers"),
            request.user,
            pk=pk,
        )
        return self.show(request, session)

    def post(self, request, pk):
        session = get_editable_or_404(
            ClassroomSession.objects.select_related("module", "province").prefetch_related("trainers"),
            request.user,
            pk=pk,
        )
        if "attendance" in request.POST:
            ticked = set(request.POST.getlist("present"))
            present = {
                (p.pk, day) for p in session.participants.all() for day in session.days if f"{p.pk}:{day}" in ticked
            }
            services.attendance_record(actor=request.user, session=session, present=present, request=request)
            messages.success(request, _("Attendance saved."))
            return redirect("modules:session", pk=session.pk)
        form = ParticipantForm(request.POST, session=session, user=request.user)
        if not form.is_valid():
            form_error(request)
            return self.show(request, session, form)
        services.participant_add(actor=request.user, form=form, session=session, request=request)
        messages.success(request, _("Participant added."))
        return redirect("modules:session", pk=session.pk)


class AttendanceSheetView(RoleRequiredMixin, View):
    """The printable attendance sheet: a page or two, rendered while the user waits."""

    def get(self, request, pk):
        session = get_visible_or_404(
            ClassroomSession.objects.select_related("module", "province").prefetch_related("trainers"),
            request.user,
            pk=pk,
        )
        grid = attendance_grid(session)
        pdf = render_pdf(
            "modules/pdf/attendance_sheet.html",
            {"session": session, "grid": grid, "counts": attendance_counts_table(grid["counts"])},
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="attendance-{session.pk}.pdf"'
        return response


# Progress matrix -----------------------------------------------------------


def matrix_data(request, modules=None):
    form = MatrixFilterForm(request.GET or None, user=request.user, modules=modules)
    enterprises = Enterprise.objects.visible_to(request.user).active()
    data = form.cleaned_data if form.is_valid() else {}
    enterprises = enterprises.search(data.get("q"))
    if data.get("province"):
        enterprises = enterprises.filter(province=data["province"])
    if data.get("group"):
        enterprises = enterprises.filter(descendant_of(data["group"]))
    if data.get("pilot"):
        enterprises = enterprises.filter(is_pilot_unit=data["pilot"] == "yes")
    status, module = data.get("status"), data.get("module")
    if status:
        in_module = Q(enrolments__module=module) if module else Q()
        if status == "none":
            enrolled = Enrolment.objects.filter(module=module) if module else Enrolment.objects.all()
            enterprises = enterprises.exclude(pk__in=enrolled.values("enterprise"))
        else:
            enterprises = enterprises.filter(in_module & Q(enrolments__status=status)).distinct()
    elif module:
        enterprises = enterprises.filter(enrolments__module=module).distinct()
    return form, enterprises.select_related("province").order_by("name_en", "pk")


def matrix_cells(enterprises, modules):
    """{enterprise id: [enrolment or None per module]}: the open enrolment, else the latest."""
    best = {}
    for e in Enrolment.objects.filter(enterprise__in=enterprises).order_by("created_at", "pk"):
        key = (e.enterprise_id, e.module_id)
        current = best.get(key)
        if current is None or current.status not in OPEN_STATUSES:
            best[key] = e
    return {ent.pk: [best.get((ent.pk, m.pk)) for m in modules] for ent in enterprises}


def column_counts(enterprises, modules):
    rows = (
        Enrolment.objects.filter(enterprise__in=enterprises, status__in=[*OPEN_STATUSES, EnrolmentStatus.COMPLETED])
        .values("module", "status")
        .annotate(n=Count("enterprise", distinct=True))
    )
    counts = {(r["module"], r["status"]): r["n"] for r in rows}
    return [{s: counts.get((m.pk, s), 0) for s in ("planned", "classroom", "consulting", "completed")} for m in modules]


class ProgressMatrixView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request):
        modules = list(Module.objects.filter(is_active=True))
        form, enterprises = matrix_data(request, modules)
        key = list_key(request)
        page = CachedCountPaginator(enterprises, 25, key=key).get_page(request.GET.get("page"))
        cells = matrix_cells(list(page.object_list), modules)
        rows = [{"enterprise": e, "cells": cells[e.pk]} for e in page.object_list]
        context = {
            "filters": form,
            "modules": modules,
            "rows": rows,
            "page_obj": page,
            "columns": list(
                zip(
                    modules,
                    # The modules too: deactivating one changes the columns, and Module is not counted.
                    cached(
                        ["matrix-columns", *key, [m.pk for m in modules]],
                        lambda: column_counts(enterprises, modules),
                    ),
                    strict=True,
                )
            ),
        }
        return render(request, "modules/matrix.html", context)


class ProgressMatrixExportView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request):
        _form, enterprises = matrix_data(request)
        modules = list(Module.objects.filter(is_active=True))
        enterprises = list(enterprises)
        cells = matrix_cells(enterprises, modules)
        columns = [Column("name_zh", _("Enterprise")), Column("province", _("Province"))]
        columns += [Column(m.code, m.code) for m in modules]
        rows = []
        for e in enterprises:
            statuses = [f"{c.get_status_display()} {c.status_date or ''}".strip() if c else "" for c in cells[e.pk]]
            rows.append([e.name, e.province.name, *statuses])
        audit_log(
            action=AuditEvent.Action.EXPORTED, actor=request.user, request=request, rows=len(rows), what="progress"
        )
        response = HttpResponse(
            write_xlsx(columns, rows, _("Progress")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="progress-{timezone.localdate()}.xlsx"'
        return response


# KPIs and practices on the enterprise page --------------------------------


def modules_tab_context(request, enterprise):
    enrolments = list(enterprise.enrolments.select_related("module").order_by("module__order", "-created_at"))
    assessments = list(PracticeAssessment.objects.filter(enterprise=enterprise).select_related("practice__module")[:40])
    return {
        "enrolments": enrolments,
        "assessments": assessments,
        "can_enrol": Enterprise.objects.editable_by(request.user).holds(enterprise),
    }


def kpis_tab_context(request, enterprise):
    return {
        "kpi_rows": kpi_rows(enterprise),
        "can_record": Enterprise.objects.editable_by(request.user).holds(enterprise),
    }


class MeasurementCreateView(RoleRequiredMixin, View):
    roles = STAFF
    template_name = "modules/kpi_form.html"

    def get(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        forms = {"form": MeasurementForm(enterprise=enterprise), "target_form": TargetForm()}
        return render(request, self.template_name, {"enterprise": enterprise, **forms})

    def post(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        back = reverse("enterprises:detail", args=[enterprise.pk]) + "?tab=kpis"
        if "target" in request.POST:
            target_form = TargetForm(request.POST)
            if target_form.is_valid():
                services.target_set(
                    actor=request.user, enterprise=enterprise, request=request, **target_form.cleaned_data
                )
                messages.success(request, _("Target saved."))
                return redirect(back)
            form_error(request)
            context = {"form": MeasurementForm(enterprise=enterprise), "target_form": target_form}
            return render(request, self.template_name, {"enterprise": enterprise, **context})
        form = MeasurementForm(request.POST, enterprise=enterprise)
        if form.is_valid():
            services.measurement_record(actor=request.user, form=form, enterprise=enterprise, request=request)
            messages.success(request, _("KPI value saved."))
            return redirect(back)
        form_error(request)
        return render(
            request, self.template_name, {"enterprise": enterprise, "form": form, "target_form": TargetForm()}
        )


class PracticeAssessView(RoleRequiredMixin, View):
    roles = STAFF

    def get(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        practices = Practice.objects.select_related("module")
        return render(
            request,
            "modules/practice_form.html",
            {"enterprise": enterprise, "practices": practices, "today": timezone.localdate()},
        )

    def post(self, request, pk):
        enterprise = get_editable_or_404(Enterprise.objects, request.user, pk=pk)
        practices = list(Practice.objects.select_related("module"))
        try:
            assessed_on = forms.DateField().clean(request.POST.get("assessed_on"))
        except ValidationError:
            messages.error(request, _("Enter the date of the assessment."))
            return redirect("modules:practices", pk=enterprise.pk)
        # isdigit() alone lets "²" through to int(), which refuses it.
        in_place = {int(v) for v in request.POST.getlist("in_place") if v.isascii() and v.isdigit()}
        services.practices_assess(
            actor=request.user,
            enterprise=enterprise,
            practices=practices,
            in_place=in_place,
            assessed_on=assessed_on,
            is_baseline=bool(request.POST.get("is_baseline")),
            request=request,
        )
        messages.success(request, _("Good practices recorded."))
        return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "?tab=modules")


def modules_panel_context(request):
    enrolments = Enrolment.objects.visible_to(request.user)
    counts = dict(enrolments.order_by().values_list("status").annotate(n=Count("pk")))
    upcoming = (
        ClassroomSession.objects.visible_to(request.user)
        .filter(ends_on__gte=timezone.localdate())
        .select_related("module")
        .order_by("starts_on")[:3]
    )
    return {
        "status_counts": [(label, counts.get(value, 0)) for value, label in EnrolmentStatus.choices],
        "upcoming": upcoming,
    }
