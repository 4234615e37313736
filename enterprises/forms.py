from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from score_portal.audit import audit_log
from score_portal.forms import StyledFormMixin, cached_options
from score_portal.models import AuditEvent, Role, User

from .credit_code import validate_credit_code
from .models import EITMeeting, EITMember, Enterprise, ProgrammeStatus, Province, Sector, Suggestion


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


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER_ERRORS = {"invalid": _("Enter a number, such as 1200 or 35.5; text such as “N/A” is not accepted.")}


def scope_menus(form, user):
    """The province and group filters of a list of the user's enterprises (the enterprise list,
    the progress matrix): the menus are kept with the figures, one pair for both lists; what a
    choice is checked against stays the querysets."""
    form.fields["province"].queryset = Province.objects.visible_to(user)
    form.fields["province"].empty_label = _("All provinces")
    form.fields["group"].queryset = Enterprise.objects.visible_to(user).groups()
    form.fields["group"].empty_label = _("All groups")
    for name in ("province", "group"):
        cached_options(form.fields[name], "enterprise-filter", name, user.role, user.pk)


class EnterpriseFilterForm(StyledFormMixin, forms.Form):
    SORTS = [
        ("name", _("Name")),
        ("-updated", _("Recently changed")),
        ("province", _("Province")),
        ("status", _("Status")),
        ("-employees", _("Employees")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none(), required=False)
    city = forms.CharField(label=_("City"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    pilot = forms.ChoiceField(
        label=_("Pilot unit"), required=False, choices=[("", _("All")), ("yes", _("Pilot units")), ("no", _("Others"))]
    )
    group = forms.ModelChoiceField(label=_("Group"), queryset=Enterprise.objects.none(), required=False)
    archived = forms.BooleanField(label=_("Show archived"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_menus(self, user)
        self.fields["status"].choices = [("", _("All statuses")), *ProgrammeStatus.choices]
        self.fields["sector"].choices = [("", _("All sectors")), *Sector.choices]
        for name in ("province", "status", "sector", "pilot", "group", "sort"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    ORDERING = {
        "name": ["name_en"],
        "-updated": ["-updated_at"],
        "province": ["province__code", "name_en"],
        "status": ["status", "name_en"],
        "-employees": [(F("employees_female") + F("employees_male")).desc(), "name_en"],
    }

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if not data.get("archived"):
            queryset = queryset.active()
        queryset = queryset.search(data.get("q"))
        if data.get("province"):
            queryset = queryset.filter(province=data["province"])
        if data.get("city"):
            queryset = queryset.filter(city__icontains=data["city"].strip())
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("sector"):
            queryset = queryset.filter(sector=data["sector"])
        if data.get("pilot") == "yes":
            queryset = queryset.filter(is_pilot_unit=True)
        elif data.get("pilot") == "no":
            queryset = queryset.filter(is_pilot_unit=False)
        if data.get("group"):
            group = data["group"]
            queryset = queryset.filter(descendant_of(group))
        return queryset.order_by(*self.ORDERING.get(data.get("sort") or "name", ["name_en"]), "pk")


def descendant_of(group):
    """Enterprises under a group, down to three levels (group -> company -> centre)."""
    return Q(pk=group.pk) | Q(parent=group) | Q(parent__parent=group) | Q(parent__parent__parent=group)


class EnterpriseForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name_en",
            "name_zh",
            "credit_code",
            "sector",
            "province",
            "city",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "employees_female",
            "employees_male",
            "status",
            "status_date",
            "coordinator",
            "parent",
            "is_pilot_unit",
            "notes",
        ]
        widgets = {"status_date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "credit_code": _("18 characters, as on the business licence (统一社会信用代码)."),
            "parent": _("The group or company this enterprise belongs to, if any."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Province.objects.visible_to(user)
        parents = Enterprise.objects.visible_to(user).active()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.select_related(None).only("pk", "name_en", "name_zh")
        if self.instance.parent_id and not parents.filter(pk=self.instance.parent_id).exists():
            # The group is one the user may not see: it is neither shown nor cleared on save.
            del self.fields["parent"]
            self.hidden_parent = True
        # Only coordinators of provinces the user sees: no other province's staff listed.
        self.fields["coordinator"].queryset = User.objects.filter(
            role=Role.COORDINATOR, is_active=True, provinces__in=self.fields["province"].queryset
        ).distinct()
        for name in ("employees_female", "employees_male"):
            self.fields[name].error_messages.update(NUMBER_ERRORS)

    SECTIONS = [
        (_("Enterprise"), ["name_zh", "name_en", "credit_code", "sector"]),
        (_("Place"), ["province", "city", "address"]),
        (_("Contact"), ["contact_name", "contact_phone", "contact_email"]),
        (_("Programme"), ["status", "status_date", "coordinator", "employees_female", "employees_male"]),
        (_("Group and notes"), ["parent", "is_pilot_unit", "notes"]),
    ]
    WIDE = {"address", "notes", "parent"}

    def sections(self):
        """[(title, [(bound field, wide?)])] for the page's grouped layout."""
        return [
            (title, [(self[name], name in self.WIDE) for name in names if name in self.fields])
            for title, names in self.SECTIONS
        ]

    def clean_credit_code(self):
        return validate_credit_code(self.cleaned_data["credit_code"])

    hidden_parent = False

    def clean(self):
        data = super().clean()
        if self.hidden_parent and self.data.get(self.add_prefix("parent")):
            raise forms.ValidationError(
                _("This enterprise belongs to a group you may not see; its group cannot be changed here.")
            )
        coordinator, province = data.get("coordinator"), data.get("province")
        if coordinator and province and not coordinator.provinces.filter(pk=province.pk).exists():
            self.add_error(
                "coordinator",
                _("%(person)s does not coordinate %(province)s.") % {"person": coordinator, "province": province},
            )
        if "status" in self.changed_data and "status_date" not in self.changed_data and data.get("status"):
            # A new status without a date dates from today, so "status since" is never stale.
            data["status_date"] = timezone.localdate()
        parent = data.get("parent")
        if parent and self.instance.pk:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == self.instance.pk:
                    self.add_error("parent", _("An enterprise cannot belong to one of its own members."))
                    break
                seen.add(node.pk)
                node = node.parent
        return data


class EITMemberForm(StyledFormMixin, forms.ModelForm):
    """A member of the team. Exactly one current member is the secretary: naming a
    second one is refused unless the user says the current one hands over."""

    hand_over = forms.BooleanField(label=_("Hand the secretary role over to this member"), required=False)

    class Meta:
        model = EITMember
        fields = ["name", "position", "side", "sex", "phone", "is_secretary", "joined_on", "left_on"]
        widgets = {"joined_on": DATE, "left_on": DATE}

    field_order = ["name", "position", "side", "sex", "phone", "is_secretary", "hand_over", "joined_on", "left_on"]

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        others = enterprise.eit_members.current().filter(is_secretary=True)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.current_secretary = others.first()
        if self.current_secretary is None:
            del self.fields["hand_over"]
        else:
            self.fields["hand_over"].help_text = _(
                "%(name)s is the secretary now and stays in the team as a member."
            ) % {"name": self.current_secretary.name}

    def clean(self):
        data = super().clean()
        if data.get("left_on") and data.get("joined_on") and data["left_on"] < data["joined_on"]:
            self.add_error("left_on", _("The date left cannot be before the date joined."))
        if data.get("left_on") and data.get("is_secretary"):
            self.add_error("is_secretary", _("A member who has left cannot be the secretary."))
        elif data.get("is_secretary") and self.current_secretary and not data.get("hand_over"):
            self.add_error(
                "is_secretary",
                _(
                    "%(name)s is already the EIT secretary, and a team has one at a time. "
                    "Tick “Hand the secretary role over” to make this member the secretary instead."
                )
                % {"name": self.current_secretary.name},
            )
        return data

    def validate_constraints(self, exclude=None):
        # clean() gives the one-secretary rule its message and the service hands over;
        # the database constraint stays as the last guard.
        pass


class EITMemberLeaveForm(StyledFormMixin, forms.Form):
    left_on = forms.DateField(label=_("Left the team on"), widget=DATE)

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on < self.member.joined_on:
            raise forms.ValidationError(
                _("%(name)s joined on %(date)s; the date left cannot be earlier.")
                % {"name": self.member.name, "date": self.member.joined_on.isoformat()}
            )
        if left_on > timezone.localdate():
            raise forms.ValidationError(_("The date left cannot be in the future."))
        return left_on


class EITMeetingForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = EITMeeting
        fields = ["held_on", "attendees", "topics", "decisions"]
        widgets = {
            "held_on": DATE,
            "attendees": forms.CheckboxSelectMultiple,
            "topics": forms.Textarea(attrs={"rows": 3}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        # Current members, and anyone already recorded as present (who may have left since),
        # so correcting an old meeting does not drop them.
        attendees = Q(left_on__isnull=True)
        if self.instance.pk:
            attendees |= Q(meetings=self.instance)
        self.fields["attendees"].queryset = enterprise.eit_members.filter(attendees).distinct()


class SuggestionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = [
            "title",
            "submitted_by",
            "submitted_on",
            "area",
            "status",
            "description",
            "estimated_savings",
            "realised_savings",
        ]
        widgets = {"submitted_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("estimated_savings", "realised_savings"):
            self.fields[name].error_messages.update(NUMBER_ERRORS)
            self.fields[name].min_value = 0
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})

    def clean(self):
        data = super().clean()
        for name in ("estimated_savings", "realised_savings"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("Savings cannot be negative."))
        return data


class ImportForm(StyledFormMixin, forms.Form):
    KIND_CHOICES = [("enterprises", _("Enterprises")), ("eit", _("EIT members"))]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
