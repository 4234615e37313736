from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.forms import DATE, NUMBER_ERRORS
from enterprises.models import Province
from modules.models import Enrolment
from score_portal.forms import StyledFormMixin
from score_portal.models import Role, User

from .models import Assignment, AssignmentRole, Certification, Consultant, Visit


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
        fields = ["enrolment", "consultant", "visit_type", "planned_at", "duration_hours", "notes"]
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

    def clean(self):
        data = super().clean()
        enrolment, consultant = data.get("enrolment"), data.get("consultant")
        assigned = Assignment.objects.active().filter(enrolment=enrolment, consultant=consultant)
        if enrolment and consultant and not assigned.exists():
            self.add_error("consultant", _("This consultant is not assigned to that enterprise's module."))
        duration = data.get("duration_hours")
        if duration is not None and not 0 < duration <= 12:
            self.add_error("duration_hours", _("A visit lasts between a few minutes and 12 hours."))
        return data

    def consultant_for(self):
        if self.user.is_consultant:
            return Consultant.objects.get(user=self.user)
        return self.cleaned_data["consultant"]


class VisitRecordForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["held_on", "duration_hours", "attendees", "activities", "findings"]
        widgets = {
            "held_on": DATE,
            "attendees": forms.CheckboxSelectMultiple,
            "activities": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = self.instance.enrolment.enterprise.eit_members.current()
        self.fields["duration_hours"].error_messages.update(NUMBER_ERRORS)

    def clean_held_on(self):
        held_on = self.cleaned_data.get("held_on")
        if held_on and held_on > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be held in the future."))
        return held_on
