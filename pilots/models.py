import dataclasses
import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from score_portal.access import ScopedQuerySet
from score_portal.models import ChoiceDisplayMixin, StoredAttachment

from .periods import make_period, period_starting, periods_until


class PeriodLength(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class ReportingRule(ChoiceDisplayMixin, models.Model):
    """How often pilot units report and when: one row for the whole programme."""

    period_length = models.CharField(
        _("reporting period"), max_length=10, choices=PeriodLength.choices, default=PeriodLength.QUARTER
    )
    first_period_start = models.DateField(
        _("first period starts on"),
        default=datetime.date(2026, 1, 1),
        help_text=_("The first day of a month; periods follow one another from here."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("due (days after the period ends)"), default=15, validators=[MaxValueValidator(120)]
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("reminder (days before the due date)"), default=5, validators=[MaxValueValidator(60)]
    )
    remind_days_after = models.PositiveSmallIntegerField(
        _("late reminder (days after the due date)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reporting rule")
        verbose_name_plural = _("reporting rules")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_reporting_rule")]

    def __str__(self):
        return str(self.get_period_length_display())

    @classmethod
    def load(cls):
        """The rule (the data migration made it; made again with the defaults if someone deleted it)."""
        rule, _created = cls.objects.get_or_create(pk=1)
        return rule

    def periods(self, today=None):
        return periods_until(self, today or timezone.localdate())

    def period(self, start, today=None):
        return period_starting(self, start, today or timezone.localdate())

    def period_of(self, report):
        """The period a report covers, as the rule now sees it (a report keeps its own dates)."""
        after = report.period_end + datetime.timedelta(days=1)
        months = (after.year - report.period_start.year) * 12 + after.month - report.period_start.month
        length = {1: PeriodLength.MONTH, 3: PeriodLength.QUARTER}.get(months, self.period_length)
        return dataclasses.replace(
            make_period(self, report.period_start), end=report.period_end, due_on=report.due_on, length=length
        )


class PilotUnitQuerySet(ScopedQuerySet):
    """Pilot units as their reports see them: administrators all, coordinators those of their
    provinces; consultants none (they work on enterprises' modules, not on these reports)."""

    def visible_to(self, user):
        units = self.filter(is_pilot_unit=True)
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return units
        if user.is_coordinator:
            return units.filter(province__coordinators=user)
        return self.none()

    def editable_by(self, user):
        """Who writes a unit's reports: its province's coordinators."""
        if user.is_authenticated and user.is_coordinator:
            return self.visible_to(user)
        return self.none()


class PilotUnit(Enterprise):
    """An enterprise that is a pilot unit, seen through the reporting scope above."""

    objects = PilotUnitQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("pilot unit")
        verbose_name_plural = _("pilot units")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


OPEN_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)
RECEIVED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


class PilotReportQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_coordinator:
            return self.filter(unit__province__coordinators=user)
        return self.none()

    def editable_by(self, user):
        """The coordinators of the unit's province, while the report is a draft or returned."""
        if user.is_authenticated and user.is_coordinator:
            return self.visible_to(user).filter(status__in=OPEN_STATUSES)
        return self.none()

    def reviewable_by(self, user):
        """Administrators, once the report is submitted."""
        if user.is_authenticated and user.is_administrator:
            return self.filter(status=ReportStatus.SUBMITTED)
        return self.none()

    def received(self):
        return self.filter(status__in=RECEIVED_STATUSES)


class PilotReport(ChoiceDisplayMixin, models.Model):
    """What a pilot unit reports for one period: its figures and narrative, and their review."""

    unit = models.ForeignKey(
        Enterprise,
        verbose_name=_("pilot unit"),
        on_delete=models.PROTECT,
        related_name="pilot_reports",
        limit_choices_to={"is_pilot_unit": True},
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    due_on = models.DateField(_("due on"))
    eit_meetings = models.PositiveIntegerField(_("EIT meetings held"), default=0)
    suggestions_received = models.PositiveIntegerField(_("suggestions received"), default=0)
    suggestions_implemented = models.PositiveIntegerField(_("suggestions implemented"), default=0)
    hazards_found = models.PositiveIntegerField(_("safety hazards found"), default=0)
    hazards_fixed = models.PositiveIntegerField(_("safety hazards fixed"), default=0)
    training_hours = models.DecimalField(_("training hours"), max_digits=9, decimal_places=1, default=0)
    savings_cny = models.DecimalField(_("savings (CNY)"), max_digits=14, decimal_places=2, default=0)
    narrative = models.TextField(
        _("narrative"),
        blank=True,
        help_text=_("What the unit did this period, what worked and what did not, and what comes next."),
    )
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("administrator's comment"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking of the form
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PilotReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("pilot-unit report")
        verbose_name_plural = _("pilot-unit reports")
        ordering = ["-period_start", "unit__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period_start"],
                name="one_pilot_report_per_unit_and_period",
                violation_error_message=_("This pilot unit already has a report for this period."),
            ),
            models.CheckConstraint(
                condition=Q(suggestions_implemented__lte=F("suggestions_received")),
                name="pilot_report_implemented_within_received",
            ),
            models.CheckConstraint(
                condition=Q(hazards_fixed__lte=F("hazards_found")), name="pilot_report_fixed_within_found"
            ),
            models.CheckConstraint(
                condition=Q(training_hours__gte=0, savings_cny__gte=0), name="pilot_report_amounts_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.unit} · {self.period_start:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_received(self):
        return self.status in RECEIVED_STATUSES

    @property
    def submitted_late(self):
        return self.submitted_at is not None and timezone.localdate(self.submitted_at) > self.due_on


class PilotReportEvent(ChoiceDisplayMixin, models.Model):
    """Each step of a report's review: who, when, from which status to which, and why."""

    report = models.ForeignKey(PilotReport, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


class ReportAttachmentQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self.filter(report__in=PilotReport.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(report__in=PilotReport.objects.editable_by(user))


def attachment_path(instance, filename):
    # Under MEDIA_ROOT, never served by URL: the attachment view asks the access policy first.
    return f"pilot-reports/{instance.report_id}/{secrets.token_hex(8)}{instance.extension}"


class ReportAttachment(StoredAttachment):
    """A photo or PDF that backs a report (minutes of an EIT meeting, a hazard fixed)."""

    report = models.ForeignKey(PilotReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)

    objects = ReportAttachmentQuerySet.as_manager()

    class Meta(StoredAttachment.Meta):
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    LATE = "late", _("Late")


class PilotReminder(ChoiceDisplayMixin, models.Model):
    """A reminder sent for a unit's period, so each kind goes out once however often the task runs."""

    unit = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="pilot_reminders")
    period_start = models.DateField(_("period starts"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.TextField(_("sent to"), blank=True)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_start", "kind"], name="one_pilot_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.unit_id} {self.period_start} {self.kind}"
