import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from enterprises.models import EITMember, Enterprise, Province
from modules.models import Enrolment, Indicator, Measurement, Module
from score_portal.access import ScopedQuerySet, StaffEditableQuerySet
from score_portal.models import ChoiceDisplayMixin, StoredAttachment


class ConsultantQuerySet(StaffEditableQuerySet):
    """Administrators see every consultant; coordinators those working in their provinces
    (or with none yet, so they can be given work); a consultant sees their own profile."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_coordinator:
            mine = Province.objects.filter(coordinators=user)
            return self.filter(Q(provinces__in=mine) | Q(provinces__isnull=True)).distinct()
        return self.filter(user=user)


def new_calendar_token():
    return secrets.token_urlsafe(24)


class Consultant(models.Model):
    """A SCORE trainer: the profile of a user with the consultant role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="consultant",
        limit_choices_to={"role": "consultant"},
    )
    provinces = models.ManyToManyField(Province, verbose_name=_("provinces"), blank=True, related_name="consultants")
    languages = models.CharField(_("languages"), max_length=100, blank=True, help_text=_("For example: 中文, English"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    objects = ConsultantQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultant")
        verbose_name_plural = _("consultants")
        ordering = ["user__name"]

    def __str__(self):
        return str(self.user)


class Level(models.TextChoices):
    CANDIDATE = "candidate", _("Trainer candidate")
    CERTIFIED = "certified", _("Certified trainer")
    EXPERT = "expert", _("Expert trainer")


class CertificationQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self.filter(consultant__in=Consultant.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(consultant__in=Consultant.objects.editable_by(user))

    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on), since__lte=on)


class Certification(ChoiceDisplayMixin, models.Model):
    """Where a consultant stands on the path candidate -> certified -> expert, per module."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="certifications")
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    since = models.DateField(_("since"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["module__order", "-since"]
        constraints = [
            models.UniqueConstraint(fields=["consultant", "module", "level"], name="one_certification_per_level"),
        ]

    def __str__(self):
        return f"{self.module.code} · {self.get_level_display()}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    SUPPORT = "support", _("Support")


class AssignmentQuerySet(ScopedQuerySet):
    """An assignment is seen with its enrolment's enterprise, and by its own consultant."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_consultant:
            return self.filter(consultant__user=user)
        return self.filter(Enterprise.objects.scope(user, "enrolment__enterprise"))

    def editable_by(self, user):
        if user.is_authenticated and (user.is_administrator or user.is_coordinator):
            return self.filter(Enterprise.objects.scope(user, "enrolment__enterprise", editable=True))
        return self.none()

    def active(self):
        return self.filter(ended_on__isnull=True)


class Assignment(ChoiceDisplayMixin, models.Model):
    """A consultant working on an enterprise's enrolment in a module. While it is
    active the consultant sees that enterprise (see Enterprise.objects.visible_to)."""

    consultant = models.ForeignKey(
        Consultant, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="assignments"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    assigned_on = models.DateField(_("assigned on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["role", "consultant__user__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "enrolment"],
                condition=Q(ended_on__isnull=True),
                name="one_active_assignment_per_consultant",
                violation_error_message=_("This consultant is already assigned to this enrolment."),
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(ended_on__isnull=True, role="lead"),
                name="one_active_lead_per_enrolment",
                violation_error_message=_("This enrolment already has a lead consultant."),
            ),
        ]

    def __str__(self):
        return f"{self.consultant} · {self.enrolment} ({self.get_role_display()})"


class VisitType(models.TextChoices):
    BASELINE = "baseline", _("Baseline assessment")
    CONSULTING = "consulting", _("Consulting")
    FOLLOW_UP = "follow_up", _("Follow-up")
    EIT_MEETING = "eit_meeting", _("EIT meeting support")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


RECORDABLE_STATUSES = (VisitStatus.PLANNED, VisitStatus.DRAFT, VisitStatus.RETURNED)


class VisitQuerySet(ScopedQuerySet):
    """Staff see the visits of the enterprises they see; a consultant sees their own visits
    (and none of another consultant's drafts)."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_consultant:
            return self.filter(consultant__user=user)
        return self.filter(Enterprise.objects.scope(user, "enrolment__enterprise"))

    def recordable_by(self, user):
        """Visits whose record the user fills in: their own, until submitted (the same rule as
        Visit.is_recordable_by, for one visit already read)."""
        if user.is_authenticated and user.is_consultant:
            return self.filter(consultant__user=user, status__in=RECORDABLE_STATUSES)
        return self.none()

    def reviewable_by(self, user):
        """Visits the user approves, returns or reopens: staff, within their scope."""
        if user.is_authenticated and (user.is_administrator or user.is_coordinator):
            return self.visible_to(user)
        return self.none()

    def editable_by(self, user):
        return self.recordable_by(user) | self.reviewable_by(user)

    def upcoming(self):
        return self.filter(status=VisitStatus.PLANNED, planned_at__gte=timezone.now()).order_by("planned_at")


class Visit(ChoiceDisplayMixin, models.Model):
    """A consultant's site visit to an enterprise for one of its enrolments. Planned first;
    the record of what happened (attendees, findings, actions, KPI readings) follows."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="visits"
    )
    consultant = models.ForeignKey(
        Consultant, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="visits"
    )
    supervisor = models.ForeignKey(
        Consultant,
        verbose_name=_("supervising expert trainer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_visits",
        help_text=_("Needed when the consultant is a trainer candidate for the module."),
    )
    visit_type = models.CharField(_("type"), max_length=20, choices=VisitType.choices, default=VisitType.CONSULTING)
    planned_at = models.DateTimeField(_("planned for"))
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=4, decimal_places=1, default=3)
    status = models.CharField(_("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    notes = models.TextField(_("notes for the visit"), blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    attendees = models.ManyToManyField(
        "enterprises.EITMember", verbose_name=_("EIT members present"), blank=True, related_name="visits"
    )
    activities = models.TextField(_("activities"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    review_comment = models.TextField(_("coordinator's comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking of the record
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-planned_at"]
        indexes = [
            models.Index(fields=["consultant", "status", "planned_at"]),
            # Visits waiting for approval, the oldest first (review panel and dashboards).
            models.Index(fields=["status", "held_on", "planned_at"], name="visit_status_order"),
        ]

    def __str__(self):
        return f"{self.enrolment.enterprise} · {self.planned_at:%Y-%m-%d}"

    def is_recordable_by(self, user):
        """VisitQuerySet.recordable_by for this visit, without a query: the visit page has read
        the visit (and its consultant) already."""
        return (
            user.is_authenticated
            and user.is_consultant
            and self.consultant.user_id == user.pk
            and self.status in RECORDABLE_STATUSES
        )

    @property
    def is_locked(self):
        return self.status in (VisitStatus.SUBMITTED, VisitStatus.APPROVED, VisitStatus.CANCELLED)

    def read_people(self):
        """The enterprise's current EIT members, who may be marked present or own an action,
        read in one query with every other member of the EIT (former ones may own earlier
        actions or have been present) and those present on this visit. Those present are kept as
        the visit's prefetched ``attendees`` (as prefetch_related keeps them), which the record
        form, the list and the counts read; every member read is kept in ``people_by_pk``, where
        the page finds the owner of each action. Attendees are members of the visit's
        enterprise: the record form offers no one else."""
        present = Exists(Visit.attendees.through.objects.filter(visit_id=self.pk, eitmember_id=OuterRef("pk")))
        rows = list(EITMember.objects.filter(enterprise=self.enrolment.enterprise_id).annotate(present=present))
        self.people_by_pk = {member.pk: member for member in rows}
        attendees = self.attendees.all()
        attendees._result_cache = [member for member in rows if member.present]
        attendees._prefetch_done = True
        if not hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache = {}
        self._prefetched_objects_cache["attendees"] = attendees
        return [member for member in rows if member.left_on is None]

    def attendee_counts(self):
        """EIT members present, by sex and by side (from the attendees when they have been
        read, otherwise one query: a visit has a handful)."""
        present = list(self.attendees.all())
        return {
            "total": len(present),
            "women": sum(m.sex == "female" for m in present),
            "men": sum(m.sex == "male" for m in present),
            "management": sum(m.side == "management" for m in present),
            "workers": sum(m.side == "worker" for m in present),
        }


def lead_problem(consultant, supervisor, module, on):
    """Why this consultant may not lead a visit for the module on that day, or None. A certified
    or expert trainer leads alone; a trainer candidate needs a supervising expert trainer."""
    current = Certification.objects.current(on).filter(module=module)
    levels = set(current.filter(consultant=consultant).values_list("level", flat=True))
    if levels & {Level.CERTIFIED, Level.EXPERT}:
        return None
    if Level.CANDIDATE not in levels:
        return _gettext("%(name)s is not certified for %(module)s on %(date)s, so cannot lead this visit.") % {
            "name": consultant,
            "module": module.name,
            "date": on.isoformat(),
        }
    if supervisor is None:
        return _gettext(
            "%(name)s is a trainer candidate for %(module)s: name a supervising expert trainer for the visit."
        ) % {"name": consultant, "module": module.name}
    if supervisor.pk == consultant.pk or not current.filter(consultant=supervisor, level=Level.EXPERT).exists():
        return _gettext("%(name)s is not an expert trainer for %(module)s on %(date)s and cannot supervise.") % {
            "name": supervisor,
            "module": module.name,
            "date": on.isoformat(),
        }
    return None


class VisitEvent(ChoiceDisplayMixin, models.Model):
    """Each step of a visit's workflow: who, when, and the comment given."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=VisitStatus.choices)
    to_status = models.CharField(max_length=20, choices=VisitStatus.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.from_status} -> {self.to_status}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
SHARED_STATUSES = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)


class ImprovementActionQuerySet(ScopedQuerySet):
    """Actions are seen with their enterprise; those agreed on a visit another consultant has not
    yet submitted stay with that consultant's draft."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        actions = self.filter(Enterprise.objects.scope(user, "enterprise"))
        if user.is_consultant:
            return actions.filter(Q(visit__consultant__user=user) | Q(visit__status__in=SHARED_STATUSES))
        return actions

    def editable_by(self, user):
        """Staff change actions in their scope; a consultant those at the enterprises assigned to them."""
        return self.visible_to(user)

    def editable_among(self, user, actions):
        """The pks of ``actions``, read through visible_to(user), that editable_by(user) keeps,
        without a query while the two rules are the same (tested to agree with editable_by for
        every role and action). Change this with editable_by."""
        return {action.pk for action in actions}

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on=None):
        return self.open().filter(due_on__lt=on or timezone.localdate())


class ImprovementAction(ChoiceDisplayMixin, models.Model):
    """What the enterprise agreed to change on a visit, whose job it is and by when. Its status is
    brought up to date on later (follow-up) visits."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="improvement_actions"
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("agreed on the visit"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField(pgettext_lazy("improvement action", "action"))
    owner = models.ForeignKey(
        "enterprises.EITMember",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_actions",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    result = models.TextField(_("result"), blank=True)
    updated_on_visit = models.ForeignKey(
        Visit,
        verbose_name=_("last updated on the visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_updates",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ImprovementActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["enterprise", "status", "due_on"]),
            # The action board lists the soonest due first: read in that order, not sorted; the
            # open ones (its first view) from an index of them alone.
            models.Index(fields=["due_on", "id"], name="action_due_order"),
            models.Index(
                fields=["due_on", "id"], name="action_open_due_order", condition=Q(status__in=["open", "in_progress"])
            ),
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def is_overdue(self):
        return self.status in OPEN_STATUSES and self.due_on < timezone.localdate()


class VisitReading(models.Model):
    """A KPI value read on a visit. When the visit is approved it becomes the enterprise's KPI
    measurement for that month (source "visit"), linked here."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="readings")
    indicator = models.ForeignKey(Indicator, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    measurement = models.ForeignKey(
        Measurement, null=True, blank=True, on_delete=models.SET_NULL, related_name="visit_readings"
    )

    class Meta:
        verbose_name = _("KPI reading")
        verbose_name_plural = _("KPI readings")
        ordering = ["indicator__module__order", "indicator__code"]
        constraints = [models.UniqueConstraint(fields=["visit", "indicator"], name="one_reading_per_kpi_and_visit")]

    def __str__(self):
        return f"{self.indicator.code} {self.value}"


class AttachmentQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self.filter(visit__in=Visit.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(visit__in=Visit.objects.recordable_by(user))


def attachment_path(instance, filename):
    # Never under STATIC or served by the web server: a view checks the access policy first.
    return f"visits/{instance.visit_id}/{secrets.token_hex(8)}{instance.extension}"


class Attachment(StoredAttachment):
    """A photo or document from a visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)

    objects = AttachmentQuerySet.as_manager()

    class Meta(StoredAttachment.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
