from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.forms import DATE, NUMBER_ERRORS
from enterprises.models import Province
from score_portal.forms import StyledFormMixin
from score_portal.uploads import AttachmentForm  # noqa: F401  (the report page's upload form)

from .models import PilotReport, ReportingRule, ReportStatus

COUNTS = ["eit_meetings", "suggestions_received", "suggestions_implemented", "hazards_found", "hazards_fixed"]
AMOUNTS = ["training_hours", "savings_cny"]
NOT_NEGATIVE = _("Enter zero or more; this figure cannot be negative.")


class PilotReportForm(StyledFormMixin, forms.ModelForm):
    """The period's figures and narrative. Numbers refuse text such as “N/A” and negatives,
    and a part cannot exceed its whole (implemented suggestions, fixed hazards)."""

    class Meta:
        model = PilotReport
        fields = [*COUNTS, *AMOUNTS, "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in COUNTS + AMOUNTS:
            field = self.fields[name]
            field.error_messages.update(NUMBER_ERRORS)
            field.error_messages["min_value"] = NOT_NEGATIVE
            field.min_value = 0
            step = "1" if name in COUNTS else ("0.5" if name == "training_hours" else "0.01")
            field.widget.attrs.update({"min": "0", "step": step, "inputmode": "numeric" if step == "1" else "decimal"})

    def clean(self):
        data = super().clean()
        for name in COUNTS + AMOUNTS:
            if data.get(name) is not None and data[name] < 0 and name not in self.errors:
                self.add_error(name, NOT_NEGATIVE)
        pairs = [
            ("suggestions_implemented", "suggestions_received", _("More suggestions implemented than received.")),
            ("hazards_fixed", "hazards_found", _("More safety hazards fixed than found.")),
        ]
        for part, whole, message in pairs:
            if data.get(part) is not None and data.get(whole) is not None and data[part] > data[whole]:
                self.add_error(part, message)
        return data

    def validate_constraints(self, exclude=None):
        pass  # unit and period are set by the service; the checks above say the same in words

    SECTIONS = [
        (_("EIT and suggestions"), ["eit_meetings", "suggestions_received", "suggestions_implemented"]),
        (_("Safety"), ["hazards_found", "hazards_fixed"]),
        (_("Training and savings"), ["training_hours", "savings_cny"]),
    ]

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


class ReportingRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ReportingRule
        fields = ["period_length", "first_period_start", "due_days", "remind_days_before", "remind_days_after"]
        widgets = {"first_period_start": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("due_days", "remind_days_before", "remind_days_after"):
            self.fields[name].error_messages.update(NUMBER_ERRORS)

    def clean_first_period_start(self):
        start = self.cleaned_data["first_period_start"]
        if start.day != 1:
            raise forms.ValidationError(_("Periods start on the first day of a month."))
        return start


STATUS_FILTER = [
    ("", _("Any status")),
    ("not_started", _("Not started")),
    *ReportStatus.choices,
]


class DueFilterForm(StyledFormMixin, forms.Form):
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False, empty_label=_("All provinces")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    late = forms.BooleanField(label=_("Late only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = Province.objects.visible_to(user)
        self.fields["province"].queryset = provinces
        self.show_province = user.is_administrator
        if not self.show_province:
            del self.fields["province"]
