from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import translation

from .audit import audit_log
from .models import AuditEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit_log(action=AuditEvent.Action.LOGIN, actor=user, request=request)
    if user.preferred_language and request is not None:
        translation.activate(user.preferred_language)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_log(action=AuditEvent.Action.LOGIN_FAILED, request=request, email=email)


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    audit_log(action=AuditEvent.Action.PASSWORD_CHANGED, actor=user, target=user, request=request)


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    audit_log(action=AuditEvent.Action.PASSWORD_RESET, actor=user, target=user, request=request)


@receiver(authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    audit_log(action=AuditEvent.Action.MFA_ADDED, actor=user, target=user, request=request, kind=authenticator.type)


@receiver(authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_log(action=AuditEvent.Action.MFA_REMOVED, actor=user, target=user, request=request, kind=authenticator.type)


@receiver(authenticator_reset)
def on_mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_log(action=AuditEvent.Action.MFA_CODES_RENEWED, actor=user, target=user, request=request)


@receiver(authentication_failed)
def on_mfa_failed(sender, request, user, **kwargs):
    """A wrong code after a right password: a failed sign-in, told apart by its data."""
    audit_log(action=AuditEvent.Action.LOGIN_FAILED, request=request, email=user.email, step="second factor")
