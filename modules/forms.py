from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.forms import DATE, NUMBER_ERRORS, scope_menus
from enterprises.models import EITMember, Enterprise, Province
from score_portal.forms import StyledFormMixin, options_from
from score_portal.models import Role, User

from .models import (
    ClassroomSession,
    Enrolment,
    EnrolmentStatus,
    Indicator,
    Measurement,
    Module,
    Participant,
    Practice,
    Source,
)
from .services import compulsory_first_problem

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month as the browser's month picker sends it (2026-03), or a full date."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = MONTH

    def to_python(self, value):
        date = super().to_python(value)
        return date.replace(day=1) if date else date


class ModuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Module
        fields = [
            "code",
            "order",
            "name_en",
            "name_zh",
            "description",
            "description_zh",
            "is_compulsory",
            "classroom_days",
            "consulting_visits",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
        }


class IndicatorForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["module", "code", "name_en", "name_zh", "unit", "direction", "computation", "is_active"]
        widgets = {"computation": forms.Textarea(attrs={"rows": 2})}


class PracticeForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Practice
        fields = ["module", "code", "name_en", "name_zh"]


class EnrolmentForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["module", "planned_on", "baseline_on", "fee", "fee_paid", "visits_planned"]
        widgets = {"planned_on": DATE, "baseline_on": DATE}
        help_texts = {"visits_planned": _("Leave empty to use the module's usual number.")}

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["module"].queryset = Module.objects.filter(is_active=True)
        self.fields["fee"].error_messages.update(NUMBER_ERRORS)
        self.fields["fee"].min_value = 0
        self.fields["planned_on"].initial = timezone.localdate

    def clean(self):
        data = super().clean()
        module = data.get("module")
        if module is None:
            return data
        if self.enterprise.enrolments.filter(module=module, status__in=["planned", "classroom", "consulting"]).exists():
            self.add_error("module", _("This enterprise already has an open enrolment in this module."))
        elif problem := compulsory_first_problem(self.enterprise, module):
            self.add_error("module", problem)
        if data.get("fee") is not None and data["fee"] < 0:
            self.add_error("fee", _("The fee cannot be negative."))
        return data

    def validate_constraints(self, exclude=None):
        # The enterprise is set by the service after validation; clean() checks the same rule.
        pass


class AdvanceForm(StyledFormMixin, forms.Form):
    to_status = forms.ChoiceField(label=_("Move to"))
    on_date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, EnrolmentStatus(s).label) for s in enrolment.next_statuses]


class SessionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ClassroomSession
        fields = ["module", "province", "venue", "starts_on", "ends_on", "capacity", "trainers", "notes"]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "trainers": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Province.objects.visible_to(user)
        self.fields["module"].queryset = Module.objects.filter(is_active=True)
        self.fields["trainers"].queryset = User.objects.filter(role=Role.CONSULTANT, is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on"):
            if data["ends_on"] < data["starts_on"]:
                self.add_error("ends_on", _("The last day cannot be before the first day."))
            elif (data["ends_on"] - data["starts_on"]).days > 13:
                self.add_error("ends_on", _("A classroom session lasts at most two weeks."))
        return data


class ParticipantForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["enterprise", "eit_member", "name", "side", "sex", "position"]
        help_texts = {"eit_member": _("Pick a member of the enterprise's EIT to fill in the name, side and sex.")}

    def __init__(self, *args, session, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        enterprises = Enterprise.objects.visible_to(user).active().filter(province=session.province)
        self.fields["enterprise"].queryset = enterprises.order_by("name_en")
        # Choosing the enterprise brings its EIT into the member menu: the page is asked for again
        # with that enterprise and only the menu is taken from it, so what was typed stays.
        # Without JavaScript the participant is typed in instead.
        member_menu = f"#{self['eit_member'].auto_id}"
        self.fields["enterprise"].widget.attrs.update(
            {
                "hx-get": reverse("modules:session", args=[session.pk]),
                "hx-select": member_menu,
                "hx-target": member_menu,
                "hx-swap": "outerHTML",
            }
        )
        self.fields["eit_member"].queryset = (
            EITMember.objects.current().filter(enterprise__in=enterprises).select_related("enterprise")
        )
        self.fields["eit_member"].label_from_instance = lambda m: f"{m.name} · {m.enterprise.name}"
        self.offer_members_of(
            self.data.get(self.add_prefix("enterprise")) if self.is_bound else self.initial.get("enterprise")
        )
        if self.data.get(self.add_prefix("eit_member")):
            for name in ("name", "side", "sex"):
                self.fields[name].required = False  # taken from the member

    def offer_members_of(self, value):
        """The member menu lists the EIT of the chosen enterprise only: a province's every member
        (some 35,000 at 5,000 enterprises) made the page take seconds. The choice is read by the
        enterprise field itself (so only an enterprise the user may pick, and anything else is no
        choice); whatever is submitted is still checked against all the members they may pick."""
        field = self.fields["eit_member"]
        try:
            enterprise = self.fields["enterprise"].clean(value)
        except forms.ValidationError:
            enterprise = None
        if enterprise is None:
            field.widget.choices = [("", _("Choose the enterprise first"))]
            return
        options_from(field, field.queryset.filter(enterprise=enterprise).order_by("name"))

    def clean(self):
        data = super().clean()
        if self.session.participants.count() >= self.session.capacity:
            raise forms.ValidationError(
                _("This session is full: all %(capacity)s places are taken.") % {"capacity": self.session.capacity}
            )
        member, enterprise = data.get("eit_member"), data.get("enterprise")
        if member is None:
            return data
        if enterprise is not None and member.enterprise_id != enterprise.pk:
            self.add_error("eit_member", _("This person is not on the chosen enterprise's EIT."))
            return data
        for name in ("name", "side", "sex", "position"):
            if not data.get(name):
                data[name] = getattr(member, name)
                setattr(self.instance, name, data[name])
        return data


class MeasurementForm(StyledFormMixin, forms.ModelForm):
    period = MonthField(label=_("Month"))

    class Meta:
        model = Measurement
        fields = ["indicator", "period", "value", "source"]

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["indicator"].queryset = Indicator.objects.filter(is_active=True).select_related("module")
        self.fields["value"].error_messages.update(NUMBER_ERRORS)
        self.fields["value"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        # Typed in by hand: a baseline, a visit's reading or a pilot unit's report (imports have their own path).
        self.fields["source"].choices = [
            (s.value, s.label) for s in (Source.BASELINE, Source.VISIT, Source.PILOT_REPORT)
        ]

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period > timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("The month cannot be in the future."))
        return period

    def clean(self):
        data = super().clean()
        indicator, source = data.get("indicator"), data.get("source")
        if indicator and source == Source.BASELINE:
            if Measurement.objects.filter(enterprise=self.enterprise, indicator=indicator, source=source).exists():
                self.add_error("source", _("This enterprise already has a baseline for this KPI."))
        elif indicator and source and data.get("period"):
            clash = Measurement.objects.filter(
                enterprise=self.enterprise, indicator=indicator, source=source, period=data["period"]
            )
            if clash.exists():
                self.add_error("period", _("A value for this KPI and month is already recorded."))
        return data

    def validate_constraints(self, exclude=None):
        pass  # checked in clean(): the enterprise is set by the service


class TargetForm(StyledFormMixin, forms.Form):
    indicator = forms.ModelChoiceField(label=_("KPI"), queryset=Indicator.objects.filter(is_active=True))
    value = forms.DecimalField(label=_("Target value"), max_digits=16, decimal_places=4, error_messages=NUMBER_ERRORS)
    target_date = forms.DateField(label=_("To reach by"), required=False, widget=DATE)


class MatrixFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Enterprise.objects.none(), required=False)
    pilot = forms.ChoiceField(
        label=_("Pilot unit"), required=False, choices=[("", _("All")), ("yes", _("Pilot units")), ("no", _("Others"))]
    )
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, user, modules=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_menus(self, user)  # the enterprise list's
        self.fields["module"].queryset = Module.objects.filter(is_active=True)
        self.fields["module"].empty_label = _("Any module")
        if modules is not None:  # the columns the page has read already
            options_from(self.fields["module"], modules)
        self.fields["status"].choices = [("", _("Any status")), ("none", _("Not enrolled")), *EnrolmentStatus.choices]
        for name in ("province", "group", "pilot", "module", "status"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""
