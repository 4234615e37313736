from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Role, User


def options_from(field, records):
    """A model choice field's options from records already read (its queryset would read them
    again, each time the field is drawn); what is submitted is still checked against the queryset."""
    _choices(field, [(record.pk, field.label_from_instance(record)) for record in records])


def _choices(field, pairs):
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = empty + [tuple(pair) for pair in pairs]


def cached_options(field, *parts, records=None):
    """A model choice field's options kept with the figures, for records that are counted:
    ``parts`` name what the options depend on (the user's scope, a module and day); the labels
    are kept per language. ``records()`` reads them when they are not cached (by default the
    field's queryset, which is still what a submitted choice is checked against). Reading and
    building the records cost more than the rest of a filter form."""
    from .datacache import cached

    def read():
        return [(record.pk, field.label_from_instance(record)) for record in (records or field.queryset.all)()]

    _choices(field, cached(["options", *parts, get_language()], read))


class FilterFormMixin:
    """A list's filters: a value the form refuses (not a record the user sees, a NUL character)
    leaves that filter out, as a list ignores a filter it cannot apply."""

    def value_of(self, name):
        """The cleaned value of a field, or None when absent or refused."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)


class StyledFormMixin:
    """Gives every widget the layout's classes, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class UserForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "role", "preferred_language", "phone", "is_active"]
        help_texts = {
            "email": _("The person signs in with this address and receives the invitation there."),
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        clash = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email

    def clean(self):
        data = super().clean()
        was_admin = self.instance.pk and self.instance.is_administrator and self.instance.is_active
        stays_admin = data.get("role") == Role.ADMINISTRATOR and data.get("is_active", True)
        if was_admin and not stays_admin:
            others = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(pk=self.instance.pk)
            if not others.exists():
                raise forms.ValidationError(
                    _("This is the last active administrator: make someone else an administrator first.")
                )
        return data


class InviteForm(UserForm):
    class Meta(UserForm.Meta):
        fields = ["name", "email", "role", "preferred_language", "phone"]


class UserFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])


class AuditFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditEvent.Action.choices]
    )
    date_from = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
