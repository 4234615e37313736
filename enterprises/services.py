"""Writes to the registry: each in one transaction, with its audit row.

Views validate with a form and hand the form (or plain values) here; nothing
else in the app writes these models, so the audit trail and the one-secretary
rule hold everywhere.
"""

from django.db import transaction
from django.utils import timezone

from score_portal.audit import audit_log, saved_action
from score_portal.models import AuditEvent

from .models import Enterprise


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
def enterprise_import(*, actor, kind, table, filename, request=None):
    """Check the stored table against the database as it is now and write it, all
    or nothing: (summary, errors); nothing is written when there are errors."""
    from . import importing  # importing reads the models; kept out of module import order

    rows, errors, summary = importing.check(kind, table, actor)
    if errors:
        transaction.set_rollback(True)
        return summary, errors
    importing.write(kind, rows)
    audit_log(action=AuditEvent.Action.IMPORTED, actor=actor, request=request, kind=kind, filename=filename, **summary)
    return summary, []


def lock_team(enterprise):
    """Serialise changes to one enterprise's team, so two people naming a secretary at
    the same moment meet the form's rule instead of the database's constraint."""
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()


def secretary_hand_over(*, enterprise, to_member):
    """The current secretary steps down (and stays in the team). Saved row by row,
    not with update(), so the step down is in the team's history."""
    previous = list(enterprise.eit_members.current().filter(is_secretary=True).exclude(pk=to_member.pk))
    for member in previous:
        member.is_secretary = False
        member.save(update_fields=["is_secretary"])
    return previous


def _save_member(*, actor, form, enterprise, action, request):
    lock_team(enterprise)
    member = form.save(commit=False)
    member.enterprise = enterprise
    previous = []
    if member.is_secretary and member.left_on is None:
        previous = secretary_hand_over(enterprise=enterprise, to_member=member)
    member.save()
    audit_log(
        action=action,
        actor=actor,
        target=member,
        request=request,
        enterprise=enterprise.pk,
        fields=form.changed_data,
        secretary_from=[m.pk for m in previous],
    )
    return member


@transaction.atomic
def eit_member_add(*, actor, form, enterprise, request=None):
    return _save_member(
        actor=actor, form=form, enterprise=enterprise, action=AuditEvent.Action.CREATED, request=request
    )


@transaction.atomic
def eit_member_update(*, actor, form, enterprise, request=None):
    return _save_member(
        actor=actor, form=form, enterprise=enterprise, action=AuditEvent.Action.UPDATED, request=request
    )


@transaction.atomic
def eit_member_leave(*, actor, member, left_on, request=None):
    """The member leaves the team; a secretary who leaves is no longer secretary,
    and the team then has none until another member is named."""
    lock_team(member.enterprise)
    was_secretary = member.is_secretary
    member.left_on = left_on
    member.is_secretary = False
    member.save(update_fields=["left_on", "is_secretary"])
    audit_log(
        action=AuditEvent.Action.UPDATED,
        actor=actor,
        target=member,
        request=request,
        enterprise=member.enterprise_id,
        left_on=left_on.isoformat(),
        was_secretary=was_secretary,
    )
    return member


@transaction.atomic
def meeting_record(*, actor, form, enterprise, request=None):
    """Record a new EIT meeting or correct one already recorded."""
    meeting = form.save(commit=False)
    created = meeting.pk is None
    meeting.enterprise = enterprise
    if created:
        meeting.recorded_by = actor
    meeting.save()
    form.save_m2m()
    audit_log(
        action=saved_action(created),
        actor=actor,
        target=meeting,
        request=request,
        enterprise=enterprise.pk,
    )
    return meeting


@transaction.atomic
def suggestion_record(*, actor, form, enterprise, request=None):
    suggestion = form.save(commit=False)
    suggestion.enterprise = enterprise
    suggestion.save()
    audit_log(
        action=AuditEvent.Action.CREATED, actor=actor, target=suggestion, request=request, enterprise=enterprise.pk
    )
    return suggestion


@transaction.atomic
def suggestion_update(*, actor, form, enterprise, request=None):
    suggestion = form.save()
    if form.changed_data:
        audit_log(
            action=AuditEvent.Action.UPDATED,
            actor=actor,
            target=suggestion,
            request=request,
            enterprise=enterprise.pk,
            fields=form.changed_data,
        )
    return suggestion
