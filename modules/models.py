import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from enterprises.models import EITMember, Enterprise, EnterpriseChildQuerySet, Province, Sex, Side
from score_portal.access import ScopedQuerySet, StaffEditableQuerySet
from score_portal.models import BilingualNameMixin, ChoiceDisplayMixin


class CatalogueQuerySet(ScopedQuerySet):
    """The catalogue is for everyone signed in to read and for administrators to change."""

    def visible_to(self, user):
        return self.all() if user.is_authenticated else self.none()

    def editable_by(self, user):
        return self.all() if user.is_authenticated and user.is_administrator else self.none()


class Module(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    description = models.TextField(_("description (English)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    is_compulsory = models.BooleanField(
        _("compulsory and first"), default=False, help_text=_("Enterprises start with this module.")
    )
    classroom_days = models.PositiveSmallIntegerField(_("usual classroom days"), default=2)
    consulting_visits = models.PositiveSmallIntegerField(_("usual consulting visits"), default=4)
    is_active = models.BooleanField(_("offered"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} · {self.name}"

    @property
    def description_text(self):
        if (get_language() or "").startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Indicator(ChoiceDisplayMixin, BilingualNameMixin, models.Model):
    """A KPI: what is measured, in which unit, and which way is better."""

    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    computation = models.TextField(_("how it is computed"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["module__order", "code"]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class Practice(BilingualNameMixin, models.Model):
    """A yes/no good practice, such as "the EIT meets monthly"."""

    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="practices")
    code = models.CharField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        ordering = ["module__order", "code"]

    def __str__(self):
        return self.name


class PracticeAssessment(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="practice_assessments")
    practice = models.ForeignKey(Practice, verbose_name=_("good practice"), on_delete=models.PROTECT)
    assessed_on = models.DateField(_("assessed on"))
    is_baseline = models.BooleanField(_("baseline assessment"), default=False)
    in_place = models.BooleanField(_("in place"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("good practice assessment")
        verbose_name_plural = _("good practice assessments")
        ordering = ["-assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "practice", "assessed_on"], name="one_assessment_a_day")
        ]

    def __str__(self):
        return f"{self.practice} {self.assessed_on}"


class EnrolmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CLASSROOM = "classroom", _("Classroom")
    CONSULTING = "consulting", _("Consulting")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [EnrolmentStatus.PLANNED, EnrolmentStatus.CLASSROOM, EnrolmentStatus.CONSULTING]
# The pipeline: each status and the ones it may move to. Withdrawal is possible from any open step.
TRANSITIONS = {
    EnrolmentStatus.PLANNED: [EnrolmentStatus.CLASSROOM, EnrolmentStatus.WITHDRAWN],
    EnrolmentStatus.CLASSROOM: [EnrolmentStatus.CONSULTING, EnrolmentStatus.WITHDRAWN],
    EnrolmentStatus.CONSULTING: [EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN],
    EnrolmentStatus.COMPLETED: [],
    EnrolmentStatus.WITHDRAWN: [],
}
STATUS_DATE_FIELD = {
    EnrolmentStatus.PLANNED: "planned_on",
    EnrolmentStatus.CLASSROOM: "classroom_on",
    EnrolmentStatus.CONSULTING: "consulting_on",
    EnrolmentStatus.COMPLETED: "completed_on",
    EnrolmentStatus.WITHDRAWN: "withdrawn_on",
}


class Enrolment(ChoiceDisplayMixin, models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="enrolments"
    )
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PLANNED
    )
    planned_on = models.DateField(_("planned on"))
    classroom_on = models.DateField(_("classroom from"), null=True, blank=True)
    consulting_on = models.DateField(_("consulting from"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    baseline_on = models.DateField(_("baseline assessment on"), null=True, blank=True)
    fee = models.DecimalField(_("enterprise's fee (CNY)"), max_digits=12, decimal_places=2, default=0)
    fee_paid = models.BooleanField(_("fee paid"), default=False)
    visits_planned = models.PositiveSmallIntegerField(_("consulting visits planned"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["enterprise__name_en", "module__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "module"],
                condition=Q(status__in=["planned", "classroom", "consulting"]),
                name="one_open_enrolment_per_module",
                violation_error_message=_("This enterprise already has an open enrolment in this module."),
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="enrolment_fee_not_negative"),
        ]
        indexes = [models.Index(fields=["module", "status"])]

    def __str__(self):
        return f"{self.enterprise} · {self.module.code}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def status_date(self):
        return getattr(self, STATUS_DATE_FIELD[self.status])

    @property
    def next_statuses(self):
        return TRANSITIONS[self.status]

    @property
    def visits_expected(self):
        return self.visits_planned if self.visits_planned is not None else self.module.consulting_visits


class EnrolmentStatusChange(ChoiceDisplayMixin, models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=EnrolmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=EnrolmentStatus.choices)
    on_date = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.from_status} -> {self.to_status}"


class SessionQuerySet(StaffEditableQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_coordinator:
            return self.filter(province__coordinators=user)
        return self.filter(trainers=user)


class ClassroomSession(models.Model):
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="sessions")
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    venue = models.CharField(_("venue"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    capacity = models.PositiveSmallIntegerField(_("places"), default=20)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("trainers"), blank=True, related_name="training_sessions"
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("classroom session")
        verbose_name_plural = _("classroom sessions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="session_ends_after_start")
        ]

    def __str__(self):
        return f"{self.module.code} · {self.venue} · {self.starts_on:%Y-%m-%d}"

    @property
    def days(self):
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + datetime.timedelta(days=n) for n in range(count)]


def enterprises_complete(attended, days):
    """The classroom rule: an enterprise's classroom step is complete when every
    participant it sent attended every day of the session.

    ``attended`` is (enterprise id, set of days present) per participant.
    """
    days = set(days)
    complete = {}
    for enterprise_id, present in attended:
        complete[enterprise_id] = complete.get(enterprise_id, True) and bool(days) and present >= days
    return {enterprise_id for enterprise_id, done in complete.items() if done}


class ParticipantQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self.filter(session__in=ClassroomSession.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(session__in=ClassroomSession.objects.editable_by(user))


class Participant(ChoiceDisplayMixin, models.Model):
    session = models.ForeignKey(ClassroomSession, on_delete=models.CASCADE, related_name="participants")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="trainees"
    )
    name = models.CharField(_("name"), max_length=100)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    position = models.CharField(_("position"), max_length=100, blank=True)
    # Most trainees sit on their enterprise's EIT; the link lets its page show who was trained.
    eit_member = models.ForeignKey(
        EITMember,
        verbose_name=_("EIT member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainings",
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["enterprise__name_en", "side", "name"]

    def __str__(self):
        return self.name


class Attendance(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance")
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "day"], name="one_attendance_a_day")]

    def __str__(self):
        return f"{self.participant} {self.day}"


class Source(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    VISIT = "visit", _("Visit")
    PILOT_REPORT = "pilot_report", _("Pilot-unit report")
    IMPORT = "import", _("Import")


class Measurement(ChoiceDisplayMixin, models.Model):
    """A KPI value of an enterprise for a month."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="measurements"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="measurements"
    )
    period = models.DateField(_("month"), help_text=_("Any day of the month; it is stored as the first."))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI measurement")
        verbose_name_plural = _("KPI measurements")
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "indicator"],
                condition=Q(source="baseline"),
                name="one_baseline_per_kpi",
                violation_error_message=_("This enterprise already has a baseline for this KPI."),
            ),
            models.UniqueConstraint(
                fields=["enterprise", "indicator", "period", "source"], name="one_value_per_month_and_source"
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "indicator", "period"])]

    def __str__(self):
        return f"{self.indicator.code} {self.period:%Y-%m} {self.value}"

    def save(self, *args, **kwargs):
        self.period = self.period.replace(day=1)
        super().save(*args, **kwargs)


class Target(models.Model):
    """The value an enterprise's improvement plan aims at for a KPI."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="kpi_targets")
    indicator = models.ForeignKey(Indicator, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("target value"), max_digits=16, decimal_places=4)
    target_date = models.DateField(_("to reach by"), null=True, blank=True)

    objects = EnterpriseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [models.UniqueConstraint(fields=["enterprise", "indicator"], name="one_target_per_kpi")]

    def __str__(self):
        return f"{self.indicator.code} {self.value}"
