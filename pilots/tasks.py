import datetime

from celery import shared_task

from .services import pilot_reminders_send, pilot_report_notice_send

MAIL_TASK = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(bind=True, soft_time_limit=60, time_limit=90, **MAIL_TASK)
def send_pilot_report_notice(self, report_id, event):
    return pilot_report_notice_send(report_id=report_id, event=event)


@shared_task(bind=True, soft_time_limit=300, time_limit=360, **MAIL_TASK)
def send_pilot_report_reminders(self, on=None):
    """Run by beat every few hours (CELERY_BEAT_SCHEDULE); sends only what was not sent before.
    ``on`` (YYYY-MM-DD) runs it as of another day, to catch up after an outage."""
    return pilot_reminders_send(today=datetime.date.fromisoformat(on) if on else None)
