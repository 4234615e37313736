from django import forms
from django.utils.translation import gettext_lazy as _

from score_portal.audit import audit_log
from score_portal.forms import StyledFormMixin
from score_portal.models import AuditEvent, Role

from .models import Province


class CoordinatorProvincesForm(StyledFormMixin, forms.Form):
    """The provinces a coordinator manages, shown on the user form of the core."""

    prefix = "scope"
    title = _("Provinces")
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces this coordinator manages"),
        queryset=Province.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {"provinces": list(instance.provinces.all())}
        super().__init__(*args, **kwargs)

    def is_valid_for(self, role):
        if not self.is_valid():
            return False
        if role == Role.COORDINATOR and not self.cleaned_data["provinces"]:
            self.add_error("provinces", _("A coordinator needs at least one province."))
            return False
        return True

    def save(self, *, user, actor, request=None):
        chosen = set(self.cleaned_data["provinces"]) if user.role == Role.COORDINATOR else set()
        current = set(user.provinces.all())
        if chosen == current:
            return
        user.provinces.set(chosen)
        audit_log(
            action=AuditEvent.Action.SCOPE_CHANGED,
            actor=actor,
            target=user,
            request=request,
            before=sorted(p.code for p in current),
            after=sorted(p.code for p in chosen),
        )
