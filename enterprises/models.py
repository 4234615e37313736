from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from score_portal.access import ScopedQuerySet, StaffEditableQuerySet
from score_portal.models import BilingualNameMixin, ChoiceDisplayMixin

from .credit_code import normalise, validate_credit_code


class ProvinceQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_coordinator:
            return self.filter(coordinators=user)
        return self.none()

    def editable_by(self, user):
        if user.is_authenticated and user.is_administrator:
            return self.all()
        return self.none()


class Province(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="provinces",
        blank=True,
        limit_choices_to={"role": "coordinator"},
    )

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Sector(models.TextChoices):
    """Sections of GB/T 4754-2017 (they follow ISIC Rev. 4)."""

    A = "A", _("A · Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("B · Mining")
    C = "C", _("C · Manufacturing")
    D = "D", _("D · Electricity, heat, gas and water supply")
    E = "E", _("E · Construction")
    F = "F", _("F · Wholesale and retail trade")
    G = "G", _("G · Transport, storage and postal services")
    H = "H", _("H · Accommodation and catering")
    I = "I", _("I · Information transmission, software and IT services")  # noqa: E741
    J = "J", _("J · Finance")
    K = "K", _("K · Real estate")
    L = "L", _("L · Leasing and business services")
    M = "M", _("M · Scientific research and technical services")
    N = "N", _("N · Water, environment and public facilities management")
    O = "O", _("O · Resident, repair and other services")  # noqa: E741
    P = "P", _("P · Education")
    Q = "Q", _("Q · Health and social work")
    R = "R", _("R · Culture, sports and entertainment")
    S = "S", _("S · Public administration and social organisations")
    T = "T", _("T · International organisations")


class ProgrammeStatus(models.TextChoices):
    PROSPECT = "prospect", pgettext_lazy("programme status", "Prospect")
    ENROLLED = "enrolled", pgettext_lazy("programme status", "Enrolled")
    ACTIVE = "active", pgettext_lazy("programme status", "Active")
    COMPLETED = "completed", pgettext_lazy("programme status", "Completed")
    WITHDRAWN = "withdrawn", pgettext_lazy("programme status", "Withdrawn")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Side(models.TextChoices):
    MANAGEMENT = "management", _("Management")
    WORKER = "worker", _("Worker")


class EnterpriseQuerySet(StaffEditableQuerySet):
    def visible_to(self, user):
        """Administrators all; coordinators their provinces; consultants the enterprises they
        are assigned to (see ``scope``, which holds the rule)."""
        return self.filter(self.scope(user))

    def scope(self, user, via=None, editable=False):
        """visible_to (or, with ``editable``, editable_by) as a condition: on the enterprise
        itself, or on records that reach their enterprise by the lookup ``via`` ("enterprise",
        "enrolment__enterprise"), so that their own visible_to reads no more tables than the rule
        needs: no condition at all for an administrator, the province links (not the provinces)
        for a coordinator, the assigned enrolments' enterprises for a consultant."""
        if not user.is_authenticated or (editable and not (user.is_administrator or user.is_coordinator)):
            return Q(pk__in=[])
        if user.is_administrator:
            return Q()
        if user.is_coordinator:
            return Q(**{f"{via}__province__in" if via else "province__in": self._coordinated(user)})
        return Q(**{f"{via}__in" if via else "pk__in": self._assigned(user)})

    def _coordinated(self, user):
        # The coordinator's provinces, from the table that links them (not joined to the provinces).
        return Province.coordinators.through.objects.filter(user=user).values("province_id")

    def _assigned(self, user):
        # A consultant sees the enterprises of the enrolments they are actively assigned to
        # (consultants.Assignment, reached from the enrolment; both conditions on one row).
        enrolments = self.model.enrolments.rel.related_model.objects
        return enrolments.filter(assignments__consultant__user=user, assignments__ended_on__isnull=True).values(
            "enterprise_id"
        )

    def active(self):
        return self.filter(archived_at__isnull=True)

    def groups(self):
        """Enterprises that are the group (parent) of another: a semi-join on the parent index
        rather than a join over every child."""
        return self.filter(pk__in=Enterprise.objects.filter(parent__isnull=False).values("parent_id"))

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        code = normalise(text)
        return self.filter(Q(name_en__icontains=text) | Q(name_zh__icontains=text) | Q(credit_code__startswith=code))


class Enterprise(ChoiceDisplayMixin, BilingualNameMixin, models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices, default=Sector.C)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="enterprises"
    )
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    employees_female = models.PositiveIntegerField(_("female employees"), default=0)
    employees_male = models.PositiveIntegerField(_("male employees"), default=0)
    status = models.CharField(
        _("programme status"), max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.PROSPECT
    )
    status_date = models.DateField(_("status since"), null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible coordinator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_enterprises",
        limit_choices_to={"role": "coordinator"},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("belongs to (group)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_pilot_unit = models.BooleanField(_("pilot unit"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name_en"]
        indexes = [
            models.Index(fields=["province", "status"]),
            models.Index(fields=["name_en"]),
            models.Index(fields=["archived_at"]),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = normalise(self.credit_code)
        super().save(*args, **kwargs)

    @property
    def employees_total(self):
        return self.employees_female + self.employees_male

    @property
    def is_archived(self):
        return self.archived_at is not None

    def ancestors(self):
        """Parents up to the top group, nearest first (a handful of rows at most)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class EnterpriseChildQuerySet(ScopedQuerySet):
    """Records that belong to an enterprise are seen and changed with it."""

    def visible_to(self, user):
        return self.filter(Enterprise.objects.scope(user, "enterprise"))

    def editable_by(self, user):
        return self.filter(Enterprise.objects.scope(user, "enterprise", editable=True))


class EITMemberQuerySet(EnterpriseChildQuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)


class EITMember(ChoiceDisplayMixin, models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="eit_members"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_secretary = models.BooleanField(_("EIT secretary"), default=False)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = EITMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("EIT member")
        verbose_name_plural = _("EIT members")
        ordering = ["-is_secretary", "side", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_secretary=True, left_on__isnull=True),
                name="one_active_eit_secretary",
                violation_error_message=_("This enterprise already has an EIT secretary."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="eit_member_left_after_joined",
                violation_error_message=_("The date left cannot be before the date joined."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_current(self):
        return self.left_on is None


class EITMeeting(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="eit_meetings"
    )
    held_on = models.DateField(_("date"))
    attendees = models.ManyToManyField(EITMember, verbose_name=_("attendees"), blank=True, related_name="meetings")
    topics = models.TextField(_("topics"))
    decisions = models.TextField(_("decisions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("EIT meeting")
        verbose_name_plural = _("EIT meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d}"


class ModuleArea(models.TextChoices):
    """The five SCORE modules, as areas a suggestion belongs to."""

    WC = "WC", _("Workplace cooperation")
    QM = "QM", _("Quality management")
    CP = "CP", _("Cleaner production")
    WM = "WM", _("Workforce management")
    OSH = "OSH", _("Occupational safety and health")


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected")


class Suggestion(ChoiceDisplayMixin, models.Model):
    """A staff suggestion on the enterprise's "golden ideas" board (金点子)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="suggestions"
    )
    submitted_by = models.CharField(_("suggested by"), max_length=100)
    submitted_on = models.DateField(_("date"))
    area = models.CharField(_("module area"), max_length=4, choices=ModuleArea.choices)
    title = models.CharField(_("suggestion"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.SUBMITTED
    )
    estimated_savings = models.DecimalField(
        _("estimated savings (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    realised_savings = models.DecimalField(
        _("realised savings (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_savings__isnull=True) | Q(estimated_savings__gte=0),
                name="suggestion_estimated_savings_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(realised_savings__isnull=True) | Q(realised_savings__gte=0),
                name="suggestion_realised_savings_not_negative",
            ),
        ]

    def __str__(self):
        return self.title
