from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.forms import DATE
from enterprises.models import Province
from score_portal.forms import StyledFormMixin
from score_portal.models import Role, User

from .models import AssignmentRole, Certification, Consultant


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
