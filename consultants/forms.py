from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.forms import DATE, NUMBER_ERRORS
from enterprises.models import Province
from modules.models import Enrolment, Module
from score_portal.datacache import cached
from score_portal.forms import FilterFormMixin, StyledFormMixin, cached_options, options_from
from score_portal.models import Role, User
from score_portal.uploads import AttachmentForm  # noqa: F401  (the visit page's upload form)

from .models import (
    Assignment,
    AssignmentRole,
    Certification,
    Consultant,
    ImprovementAction,
    Visit,
    lead_problem,
)


class ConsultantForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Consultant
        fields = ["user", "provinces", "languages", "phone", "notes"]
        widgets = {"provinces": forms.CheckboxSelectMultiple, "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"user": _("People with the consultant role who have no profile yet.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provinces"].queryset = Province.objects.all()
        if self.instance.pk:
            del self.fields["user"]
        else:
            self.fields["user"].queryset = User.objects.filter(
                role=Role.CONSULTANT, is_active=True, consultant__isnull=True
            )


class CertificationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["module", "level", "since", "valid_until"]
        widgets = {"since": DATE, "valid_until": DATE}

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("valid_until") and data["valid_until"] < data["since"]:
            self.add_error("valid_until", _("The end cannot be before the start."))
        return data

    def validate_constraints(self, exclude=None):
        pass  # the consultant is set by the service; a duplicate is caught as a form error there


class AssignmentForm(StyledFormMixin, forms.Form):
    consultant = forms.ModelChoiceField(label=_("Consultant"), queryset=Consultant.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=AssignmentRole.choices)

    def __init__(self, *args, enrolment, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Consultants who work in the enterprise's province (or anywhere) and whom the user may see.
        self.fields["consultant"].queryset = (
            Consultant.objects.visible_to(user).select_related("user").order_by("user__name")
        )


class VisitPlanForm(StyledFormMixin, forms.ModelForm):
    consultant = forms.ModelChoiceField(label=_("Consultant"), queryset=Consultant.objects.none(), required=False)

    class Meta:
        model = Visit
        fields = ["enrolment", "consultant", "supervisor", "visit_type", "planned_at", "duration_hours", "notes"]
        widgets = {
            "planned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        active = Assignment.objects.active()
        if user.is_consultant:
            enrolments = Enrolment.objects.filter(assignments__in=active.filter(consultant__user=user))
            del self.fields["consultant"]
        else:
            enrolments = Enrolment.objects.editable_by(user).filter(assignments__in=active)
            self.fields["consultant"].queryset = Consultant.objects.visible_to(user).select_related("user")
            self.fields["consultant"].required = True
        self.fields["enrolment"].queryset = (
            enrolments.distinct().select_related("enterprise", "module").order_by("enterprise__name_en")
        )
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.enterprise.name} · {e.module.code}"
        self.fields["duration_hours"].error_messages.update(NUMBER_ERRORS)
        self.fields["supervisor"].queryset = (
            Consultant.objects.filter(certifications__level="expert").select_related("user").distinct()
        )
        self.fields["supervisor"].label_from_instance = lambda c: c.user.name

    def clean(self):
        data = super().clean()
        enrolment = data.get("enrolment")
        consultant = data.get("consultant") if not self.user.is_consultant else self.consultant_for()
        assigned = Assignment.objects.active().filter(enrolment=enrolment, consultant=consultant)
        if enrolment and consultant and not assigned.exists():
            self.add_error("consultant", _("This consultant is not assigned to that enterprise's module."))
        elif enrolment and consultant and data.get("planned_at"):
            on = timezone.localtime(data["planned_at"]).date()
            if problem := lead_problem(consultant, data.get("supervisor"), enrolment.module, on):
                self.add_error("supervisor", problem)
        duration = data.get("duration_hours")
        if duration is not None and not 0 < duration <= 12:
            self.add_error("duration_hours", _("A visit lasts between a few minutes and 12 hours."))
        return data

    def consultant_for(self):
        if self.user.is_consultant:
            return Consultant.objects.filter(user=self.user).first()
        return self.cleaned_data["consultant"]


class VisitRecordForm(StyledFormMixin, forms.ModelForm):
    """What happened on the visit, with a value field for each of the module's KPIs."""

    class Meta:
        model = Visit
        fields = ["held_on", "duration_hours", "supervisor", "attendees", "activities", "findings"]
        widgets = {
            "held_on": DATE,
            "attendees": forms.CheckboxSelectMultiple,
            "activities": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, members=None, readings=None, **kwargs):
        """``members``: the EIT's current members with those present (Visit.read_people), and
        ``readings``: {KPI pk: value} read on the visit, when the page has them already."""
        super().__init__(*args, **kwargs)
        if self.is_bound or members is None:  # what a submitted choice is checked against
            self.fields["attendees"].queryset = self.instance.enrolment.enterprise.eit_members.current()
        if members is not None:
            options_from(self.fields["attendees"], members)
        self.fields["duration_hours"].error_messages.update(NUMBER_ERRORS)
        supervisor = self.fields["supervisor"]
        module = self.instance.enrolment.module
        if self.is_bound:  # what a submitted choice is checked against
            supervisor.queryset = supervisors_for(module)
        # The menu, kept with the figures (certifications are counted records) for the module and
        # the day: building the query of expert trainers cost more than showing the page's form.
        supervisor.label_from_instance = lambda consultant: consultant.user.name
        cached_options(
            supervisor, "supervisors", module.pk, timezone.localdate(), records=lambda: supervisors_for(module)
        )
        # The module's KPIs in use, kept with the figures (a KPI is a counted record) like the
        # supervisor menu; the values read on this visit, as plain values.
        self.indicators = cached(["visit-kpis", module.pk], lambda: list(module.indicators.filter(is_active=True)))
        if readings is None:
            readings = dict(self.instance.readings.order_by().values_list("indicator_id", "value"))
        for indicator in self.indicators:
            field = forms.DecimalField(
                label=f"{indicator.name} ({indicator.unit})",
                required=False,
                max_digits=16,
                decimal_places=4,
                initial=readings.get(indicator.pk),
                error_messages=NUMBER_ERRORS,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            field.widget.attrs["class"] = "form-control"
            self.fields[f"kpi_{indicator.code}"] = field

    @property
    def record_fields(self):
        return [self[name] for name in self.Meta.fields]

    @property
    def reading_fields(self):
        return [self[f"kpi_{indicator.code}"] for indicator in self.indicators]

    def readings(self):
        """{indicator: value or None} as entered; None clears a reading."""
        return {i: self.cleaned_data.get(f"kpi_{i.code}") for i in self.indicators}

    def clean_held_on(self):
        held_on = self.cleaned_data.get("held_on")
        if held_on and held_on > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be held in the future."))
        return held_on

    def clean_duration_hours(self):
        # The same bounds as when the visit was planned: the record must not take -1 or 0 hours.
        duration = self.cleaned_data.get("duration_hours")
        if duration is not None and not 0 < duration <= 12:
            raise forms.ValidationError(_("A visit lasts between a few minutes and 12 hours."))
        return duration


def supervisors_for(module):
    """Expert trainers for the module today: who may supervise a trainer candidate's visit."""
    return (
        Consultant.objects.filter(
            certifications__in=Certification.objects.current().filter(module=module, level="expert")
        )
        .select_related("user")
        .distinct()
    )


class ActionForm(StyledFormMixin, forms.ModelForm):
    """An improvement action agreed on a visit."""

    class Meta:
        model = ImprovementAction
        fields = ["description", "owner", "due_on", "status", "result"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "due_on": DATE,
        }

    def __init__(self, *args, enterprise, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or members is None:  # what a submitted choice is checked against
            self.fields["owner"].queryset = enterprise.eit_members.current()
        self.fields["owner"].label_from_instance = owner_label
        if members is not None:
            options_from(self.fields["owner"], members)


class ConsultantFilterForm(FilterFormMixin, StyledFormMixin, forms.Form):
    """The directory's filters; a value the form refuses (not a province the user sees, a NUL
    character) leaves that filter out, as on the other lists."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email")}),
    )
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False, empty_label=_("All provinces")
    )
    module = forms.ModelChoiceField(
        label=_("Certified for"),
        queryset=Module.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Any module"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="%s", **kwargs)
        self.fields["province"].queryset = Province.objects.visible_to(user)
        self.fields["module"].label_from_instance = lambda m: f"{m.code} · {m.name}"
        for name in ("province", "module"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""


def owner_label(member):
    """An EIT member as the owner menus name them: name and side."""
    return f"{member.name} · {member.get_side_display()}"


class ActionUpdateForm(StyledFormMixin, forms.ModelForm):
    """Where an earlier action stands, as seen on a follow-up visit."""

    class Meta:
        model = ImprovementAction
        fields = ["status", "result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 2})}
