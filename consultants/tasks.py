from celery import shared_task

from .services import visit_notice_send


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, soft_time_limit=60, time_limit=90)
def send_visit_notice(self, visit_id, event):
    return visit_notice_send(visit_id=visit_id, event=event)
