import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from score_portal.access import ScopedQuerySet
from score_portal.models import ChoiceDisplayMixin


class ReportKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise progress report")
    PROVINCE = "province", _("Provincial summary")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


LIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class ReportJobQuerySet(ScopedQuerySet):
    """A job is seen by the person who asked for it, and by administrators. Whether its file
    may still be downloaded is asked of the report's subject too (see reports.kinds)."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        return self.filter(requested_by=user)

    def editable_by(self, user):
        return self.visible_to(user).filter(requested_by=user) if user.is_authenticated else self.none()

    def live(self):
        return self.filter(status__in=LIVE)


def job_file_path(instance, filename):
    # Under MEDIA_ROOT, never served by URL: the download view asks the access policy first.
    return f"reports/{instance.pk}/{filename}"


def dedupe_key(kind, params, language, user_id):
    text = json.dumps([kind, params, language, user_id], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class ReportJob(ChoiceDisplayMixin, models.Model):
    """One request for a PDF: what, for whom, in which language; and how far its making got."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    params = models.JSONField(_("parameters"), default=dict)
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE, related_name="report_jobs"
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    file = models.FileField(upload_to=job_file_path, max_length=300, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=50, blank=True)  # the delivery now making it
    dedupe_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    gather_seconds = models.FloatField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Asking twice for the same report while it is being made gives the same job.
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(status__in=LIVE), name="one_live_job_per_request"
            )
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"]), models.Index(fields=["status", "started_at"])]

    def __str__(self):
        return self.title

    @property
    def is_live(self):
        return self.status in LIVE

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
