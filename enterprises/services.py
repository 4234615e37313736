"""Writes to the registry: each in one transaction, with its audit row."""

from django.db import transaction
from django.utils import timezone

from score_portal.audit import audit_log
from score_portal.models import AuditEvent


@transaction.atomic
def enterprise_create(*, actor, form, request=None):
    enterprise = form.save()
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=enterprise, request=request)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor, form, request=None):
    enterprise = form.save()
    if form.changed_data:
        audit_log(
            action=AuditEvent.Action.UPDATED, actor=actor, target=enterprise, request=request, fields=form.changed_data
        )
    return enterprise


@transaction.atomic
def enterprise_archive(*, actor, enterprise, request=None):
    enterprise.archived_at = timezone.now()
    enterprise.save(update_fields=["archived_at", "updated_at"])
    audit_log(action=AuditEvent.Action.ARCHIVED, actor=actor, target=enterprise, request=request)


@transaction.atomic
def enterprise_restore(*, actor, enterprise, request=None):
    enterprise.archived_at = None
    enterprise.save(update_fields=["archived_at", "updated_at"])
    audit_log(action=AuditEvent.Action.RESTORED, actor=actor, target=enterprise, request=request)


@transaction.atomic
def eit_member_save(*, actor, form, enterprise, request=None):
    """Add or change an EIT member. A new secretary takes over: the previous
    one stays in the team but is no longer secretary, so exactly one is active."""
    member = form.save(commit=False)
    member.enterprise = enterprise
    if member.is_secretary and member.left_on is None:
        enterprise.eit_members.current().filter(is_secretary=True).exclude(pk=member.pk).update(is_secretary=False)
    created = member.pk is None
    member.save()
    audit_log(
        action=AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED,
        actor=actor,
        target=member,
        request=request,
        enterprise=enterprise.pk,
    )
    return member


@transaction.atomic
def meeting_record(*, actor, form, enterprise, request=None):
    meeting = form.save(commit=False)
    meeting.enterprise = enterprise
    meeting.recorded_by = actor
    meeting.save()
    form.save_m2m()
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=meeting, request=request, enterprise=enterprise.pk)
    return meeting


@transaction.atomic
def suggestion_save(*, actor, form, enterprise, request=None):
    suggestion = form.save(commit=False)
    suggestion.enterprise = enterprise
    created = suggestion.pk is None
    suggestion.save()
    audit_log(
        action=AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED,
        actor=actor,
        target=suggestion,
        request=request,
        enterprise=enterprise.pk,
    )
    return suggestion
