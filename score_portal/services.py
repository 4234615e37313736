from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .audit import audit_log
from .models import AuditEvent, User


def invitation_url(user):
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


def invitation_email_send(*, user):
    """The set-password link goes out in the invited person's own language."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {"user": user, "url": invitation_url(user), "site_url": settings.SITE_URL}
        subject = render_to_string("account/email/invitation_subject.txt", context).strip()
        body = render_to_string("account/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _queue_invitation(user):
    from .tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(user.pk))


@transaction.atomic
def user_invite(*, actor, form, scope_forms=(), request=None):
    user = form.save(commit=False)
    user.set_unusable_password()
    user.invited_at = timezone.now()
    user.invited_by = actor
    user.save()
    for scope_form in scope_forms:
        scope_form.save(user=user, actor=actor, request=request)
    audit_log(action=AuditEvent.Action.USER_INVITED, actor=actor, target=user, request=request, role=user.role)
    _queue_invitation(user)
    return user


@transaction.atomic
def user_update(*, actor, form, scope_forms=(), request=None):
    before = User.objects.get(pk=form.instance.pk)
    user = form.save()
    if before.role != user.role:
        audit_log(
            action=AuditEvent.Action.ROLE_CHANGED,
            actor=actor,
            target=user,
            request=request,
            before=before.role,
            after=user.role,
        )
    changed = [f for f in form.changed_data if f != "role"]
    if changed:
        audit_log(action=AuditEvent.Action.USER_UPDATED, actor=actor, target=user, request=request, fields=changed)
    for scope_form in scope_forms:
        scope_form.save(user=user, actor=actor, request=request)
    return user


@transaction.atomic
def user_reinvite(*, actor, user, request=None):
    user.invited_at = timezone.now()
    user.save(update_fields=["invited_at"])
    audit_log(action=AuditEvent.Action.USER_INVITED, actor=actor, target=user, request=request, resent=True)
    _queue_invitation(user)


def user_set_language(*, user, language):
    if user.is_authenticated and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
