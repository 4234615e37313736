from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from score_portal.audit import audit_log
from score_portal.models import AuditEvent

from .models import Assignment, AssignmentRole


@transaction.atomic
def consultant_save(*, actor, form, request=None):
    created = form.instance.pk is None
    consultant = form.save()
    audit_log(
        action=AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED,
        actor=actor,
        target=consultant,
        request=request,
    )
    return consultant


@transaction.atomic
def certification_add(*, actor, form, consultant, request=None):
    certification = form.save(commit=False)
    certification.consultant = consultant
    certification.save()
    audit_log(
        action=AuditEvent.Action.CREATED,
        actor=actor,
        target=consultant,
        request=request,
        certification=str(certification),
    )
    return certification


@transaction.atomic
def assignment_create(*, actor, enrolment, consultant, role, request=None):
    """Assign a consultant to an enrolment; refuses a second active assignment of the same
    consultant and a second lead, with the reason, under a lock so two clicks cannot race."""
    active = Assignment.objects.select_for_update().filter(enrolment=enrolment, ended_on__isnull=True)
    if any(a.consultant_id == consultant.pk for a in active):
        raise ValidationError(_("%(name)s is already assigned to this enrolment.") % {"name": consultant})
    if role == AssignmentRole.LEAD and any(a.role == AssignmentRole.LEAD for a in active):
        raise ValidationError(_("This enrolment already has a lead consultant: end that assignment first."))
    assignment = Assignment.objects.create(consultant=consultant, enrolment=enrolment, role=role, assigned_by=actor)
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=assignment, request=request, scope=True)
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment, request=None):
    assignment.ended_on = timezone.localdate()
    assignment.save(update_fields=["ended_on"])
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=assignment, request=request, ended=True)


@transaction.atomic
def visit_plan(*, actor, form, consultant, request=None):
    visit = form.save(commit=False)
    visit.consultant = consultant
    visit.save()
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=visit, request=request)
    return visit


@transaction.atomic
def calendar_token_reset(*, actor, consultant, request=None):
    """A new private feed address; the old one stops working at once."""
    from .models import new_calendar_token

    consultant.calendar_token = new_calendar_token()
    consultant.save(update_fields=["calendar_token"])
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=consultant, request=request, calendar="reset")
