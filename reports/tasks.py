import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from . import services
from .models import ReportJob

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, OSError)


@shared_task(
    bind=True,
    acks_late=True,  # a worker killed mid-render leaves the message in the queue: another picks it up
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def render_report(self, job_id):
    try:
        services.report_render(job_id=job_id, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        services.report_fail(job_id=job_id, reason=_reason(job_id, "timeout"))
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            services.report_requeue(job_id=job_id)
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        log.exception("report job %s failed after retries", job_id)
        services.report_fail(job_id=job_id, reason=_reason(job_id, "transient"))
    except Exception:
        log.exception("report job %s failed", job_id)
        services.report_fail(job_id=job_id, reason=_reason(job_id, "error"))


def _reason(job_id, what):
    job = ReportJob.objects.filter(pk=job_id).only("language").first()
    with translation.override(job.language if job else settings.LANGUAGE_CODE):
        if what == "timeout":
            return _("The report took longer than %(n)d minutes and was stopped. Ask for a shorter period.") % {
                "n": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60
            }
        if what == "transient":
            return _("The database or the file store was not answering. Try again in a few minutes.")
        return _(
            "The report could not be made because of an error in the portal; the administrator can see it in the log."
        )


@shared_task
def fail_stale_jobs():
    return services.jobs_check_stale()


@shared_task
def delete_expired_reports():
    return services.reports_delete_expired()
