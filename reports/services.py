import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from modules.pdf import render_pdf
from score_portal.audit import audit_log
from score_portal.models import AuditEvent

from .kinds import KINDS
from .models import JobStatus, ReportJob, dedupe_key

log = logging.getLogger(__name__)


def report_request(*, actor, kind, params, language, request=None):
    """Queue a report; asking again for the same one while it is being made returns that job.
    Returns (job, created)."""
    spec = KINDS[kind]
    params = spec.clean(params)
    if not spec.may_request(actor, params):
        raise PermissionDenied
    key = dedupe_key(kind, params, language, actor.pk)
    existing = ReportJob.objects.live().filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    with translation.override(language):
        title = spec.title(params)
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                kind=kind, params=params, language=language, requested_by=actor, title=title, dedupe_key=key
            )
            audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=job, request=request, report=kind)
            transaction.on_commit(lambda: report_enqueue(job_id=job.pk))
    except IntegrityError:  # the same request, a moment earlier, from another tab
        return ReportJob.objects.live().get(dedupe_key=key), False
    return job, True


QUEUE_DOWN = "queue-down"  # the step of a queued job that could not be handed to the queue yet


def report_enqueue(*, job_id):
    """Hand the job to a worker. With the queue down the job stays queued, and the periodic
    check sends it again once the queue is back: nothing is lost."""
    from .tasks import render_report

    try:
        render_report.delay(job_id)
    except Exception:  # the broker is unreachable: kombu and redis raise several kinds
        log.warning("report job %s could not be queued now; it will be sent again", job_id, exc_info=True)
        ReportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(step=QUEUE_DOWN)
        return False
    ReportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, step=QUEUE_DOWN).update(step="")
    return True


@transaction.atomic
def report_retry(*, actor, job, request=None):
    if job.status != JobStatus.FAILED:
        raise PermissionDenied
    job.status, job.progress, job.error, job.step = JobStatus.QUEUED, 0, "", ""
    job.started_at = job.finished_at = None
    job.save()
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=job, request=request, retried=True)
    transaction.on_commit(lambda: report_enqueue(job_id=job.pk))
    return job


def _claim(job_id, task_id):
    """Mark the job running for this delivery of the task, or None when there is nothing to
    do: it is finished, or another worker is making it right now."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING and job.task_id and job.task_id != task_id and not _stalled(job):
            return None
        job.status, job.started_at, job.progress = JobStatus.RUNNING, timezone.now(), 1
        job.attempts += 1
        job.task_id = task_id or ""
        job.error = ""
        job.save()
        return job


def _stalled(job):
    limit = settings.CELERY_TASK_TIME_LIMIT + 60
    return job.started_at is None or (timezone.now() - job.started_at).total_seconds() > limit


def report_render(*, job_id, task_id=None):
    """Make the job's PDF. Safe to run again for the same job (a redelivered task after a
    worker died): it starts over and overwrites the same file."""
    job = _claim(job_id, task_id)
    if job is None:
        return None
    spec = KINDS[job.kind]

    def progress(percent, step=""):
        ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=min(int(percent), 99), step=step)

    with translation.override(job.language):
        started = time.monotonic()
        progress(5, _("Gathering the figures"))
        context = spec.gather(job.params, progress)
        gathered = time.monotonic()
        progress(70, _("Laying out the PDF"))
        pdf = render_pdf(spec.template, {**context, "job": job, "generated_at": timezone.localtime()})
        rendered = time.monotonic()
        name = spec.filename(job.params)
    if job.file:
        job.file.storage.delete(job.file.name)
    job.file.save(name, ContentFile(pdf), save=False)
    job.status, job.progress, job.step = JobStatus.DONE, 100, ""
    job.finished_at = timezone.now()
    job.size = len(pdf)
    job.gather_seconds, job.render_seconds = gathered - started, rendered - gathered
    job.save()
    if job.duration and job.duration >= settings.REPORT_EMAIL_AFTER_SECONDS:
        transaction.on_commit(lambda: report_ready_email(job_id=job.pk))
    return job


def report_fail(*, job_id, reason):
    ReportJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=reason, finished_at=timezone.now(), step=""
    )


def report_requeue(*, job_id):
    """A transient fault (the database restarting, a full disk): back in the queue for a retry."""
    ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, step="")


def report_ready_email(*, job_id):
    job = ReportJob.objects.select_related("requested_by").filter(pk=job_id, status=JobStatus.DONE).first()
    if job is None or not job.requested_by.is_active:
        return
    person = job.requested_by
    with translation.override(person.preferred_language or job.language):
        url = settings.SITE_URL.rstrip("/") + reverse("reports:job", args=[job.pk])
        context = {"job": job, "person": person, "url": url}
        subject = render_to_string("reports/email/ready_subject.txt", context).strip()
        body = render_to_string("reports/email/ready_message.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def jobs_check_stale():
    """No job stays "running" forever, and none stays queued because the queue was down:
    running past the time limit -> tried again (three attempts) or failed with the reason;
    queued for long without starting -> sent to the queue again."""
    now = timezone.now()
    limit = settings.CELERY_TASK_TIME_LIMIT + 60
    stalled = ReportJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - timezone.timedelta(seconds=limit))
    failed = requeued = 0
    for job in stalled:
        if job.attempts >= settings.REPORT_MAX_ATTEMPTS:
            with translation.override(job.language):
                reason = _(
                    "The report was started %(n)d times and could not be finished; the worker stopped or ran out "
                    "of time. Ask for it again, and tell the administrator if it fails again."
                ) % {"n": job.attempts}
            report_fail(job_id=job.pk, reason=reason)
            failed += 1
        else:
            ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, step="")
            report_enqueue(job_id=job.pk)
            requeued += 1
    long_queued = Q(created_at__lt=now - timezone.timedelta(seconds=settings.REPORT_REQUEUE_AFTER_SECONDS))
    waiting = ReportJob.objects.filter(
        long_queued | Q(step=QUEUE_DOWN), status=JobStatus.QUEUED, started_at__isnull=True
    )
    for job in waiting:
        report_enqueue(job_id=job.pk)
        requeued += 1
    return {"failed": failed, "requeued": requeued}


def reports_delete_expired():
    """Files older than the retention period are deleted; the job stays listed as expired."""
    before = timezone.now() - timezone.timedelta(days=settings.REPORT_RETENTION_DAYS)
    deleted = 0
    for job in ReportJob.objects.filter(status=JobStatus.DONE, finished_at__lt=before).exclude(file=""):
        job.file.storage.delete(job.file.name)
        ReportJob.objects.filter(pk=job.pk).update(file="", size=None)
        deleted += 1
    return deleted
