from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from score_portal.audit import audit_log, saved_action
from score_portal.models import AuditEvent

from .models import Assignment, AssignmentRole


@transaction.atomic
def consultant_save(*, actor, form, request=None):
    created = form.instance.pk is None
    consultant = form.save()
    audit_log(
        action=saved_action(created),
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


class StaleVisit(ValidationError):
    """The visit was saved by someone else after this user opened it."""


TRANSITIONS = {
    "submit": ({"planned", "draft", "returned"}, "submitted"),
    "approve": ({"submitted"}, "approved"),
    "return": ({"submitted"}, "returned"),
    "reopen": ({"approved"}, "draft"),
}


def _step(visit, *, actor, to_status, comment="", request=None):
    from .models import VisitEvent

    VisitEvent.objects.create(visit=visit, from_status=visit.status, to_status=to_status, comment=comment, by=actor)
    audit_log(
        action=AuditEvent.Action.UPDATED, actor=actor, target=visit, request=request, status=[visit.status, to_status]
    )
    visit.status = to_status


def _lock(visit, version):
    """The visit, locked for this transaction, if nobody saved it since ``version`` was read."""
    from .models import Visit

    current = Visit.objects.select_for_update().get(pk=visit.pk)
    if current.version != int(version):
        raise StaleVisit(
            _(
                "Someone else saved this visit after you opened it. Your changes were not saved: "
                "reload the page to see theirs, then make yours again."
            )
        )
    return current


@transaction.atomic
def visit_record_save(*, actor, visit, form, version, request=None):
    """Save what happened on the visit; a planned visit becomes a draft."""
    current = _lock(visit, version)
    if current.is_locked:
        raise ValidationError(_("This visit is submitted or approved and can no longer be changed."))
    record = form.save(commit=False)
    record.pk, record.version = current.pk, current.version + 1
    if current.status == "planned":
        record.status = "draft"
    record.save()
    form.save_m2m()
    return record


@transaction.atomic
def visit_transition(*, actor, visit, action, version, comment="", request=None):
    """submit (consultant), approve / return (coordinator, return needs a comment), reopen (coordinator)."""
    current = _lock(visit, version)
    allowed_from, to_status = TRANSITIONS[action]
    if current.status not in allowed_from:
        raise ValidationError(
            _("A visit that is “%(status)s” cannot be %(action)s.")
            % {"status": current.get_status_display(), "action": ACTION_WORDS[action]}
        )
    if action == "submit" and (not current.held_on or not current.findings.strip()):
        raise ValidationError(_("Enter the date the visit was held and its findings before submitting."))
    if action == "return" and not comment.strip():
        raise ValidationError(_("Say what needs changing when you return a visit."))
    _step(current, actor=actor, to_status=to_status, comment=comment, request=request)
    if action in ("approve", "return", "reopen"):
        current.review_comment, current.reviewed_by = comment, actor
    current.version += 1
    current.save()
    return current


ACTION_WORDS = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "reopen": gettext_lazy("reopened"),
}
