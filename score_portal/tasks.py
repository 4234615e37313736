from celery import shared_task

from .models import User
from .services import invitation_email_send


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(self, user_id):
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and user.invitation_pending:
        invitation_email_send(user=user)


@shared_task(ignore_result=False)  # the health page waits for its answer
def ping():
    """Answers 'pong' from a worker: the health page and the tests use it."""
    return "pong"
