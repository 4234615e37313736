from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.models import Measurement, Source
from score_portal.audit import audit_log, saved_action, workflow_action
from score_portal.models import AuditEvent
from score_portal.uploads import attachment_remove, attachment_store

from .models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Attachment,
    Visit,
    VisitReading,
    lead_problem,
)


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
    "cancel": ({"planned", "draft"}, "cancelled"),
}


def _step(visit, *, actor, to_status, comment="", request=None):
    from .models import VisitEvent

    VisitEvent.objects.create(visit=visit, from_status=visit.status, to_status=to_status, comment=comment, by=actor)
    audit_log(
        action=workflow_action(visit.status, to_status),
        actor=actor,
        target=visit,
        request=request,
        status=[visit.status, to_status],
        **({"comment": comment} if comment else {}),
    )
    visit.status = to_status


def _lock(visit, version):
    """The visit, locked for this transaction, if nobody saved it since ``version`` was read."""
    from .models import Visit

    current = Visit.objects.select_for_update().get(pk=visit.pk)
    if current.version != _as_int(version):
        raise StaleVisit(
            _(
                "Someone else saved this visit after you opened it. Your changes were not saved: "
                "reload the page to see theirs, then make yours again."
            )
        )
    return current


def _as_int(version):
    """The version the page was read at; one that is not a number (a damaged or forged form)
    matches no version, so the save is refused as stale rather than failing."""
    try:
        return int(version)
    except (TypeError, ValueError):
        return -1


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
    _readings_save(record, form.readings())
    return record


def _readings_save(visit, readings):
    existing = {r.indicator_id: r for r in visit.readings.all()}
    for indicator, value in readings.items():
        reading = existing.get(indicator.pk)
        if value is None:
            if reading is not None:
                reading.delete()
        elif reading is None:
            VisitReading.objects.create(visit=visit, indicator=indicator, value=value)
        elif reading.value != value:
            reading.value = value
            reading.save(update_fields=["value"])


def _readings_to_measurements(visit, actor):
    """An approved visit's readings become the enterprise's KPI values for the month it was held
    (source "visit"); a later approved visit in the same month replaces the value."""
    period = visit.held_on.replace(day=1)
    for reading in visit.readings.select_related("indicator"):
        measurement, _created = Measurement.objects.update_or_create(
            enterprise_id=visit.enrolment.enterprise_id,
            indicator=reading.indicator,
            period=period,
            source=Source.VISIT,
            defaults={"value": reading.value, "entered_by": actor},
        )
        reading.measurement = measurement
        reading.save(update_fields=["measurement"])


def _readings_withdraw(visit):
    """A reopened visit's figures leave the KPIs until it is approved again."""
    Measurement.objects.filter(visit_readings__visit=visit, source=Source.VISIT).delete()


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
    if action == "submit" and (
        problem := lead_problem(current.consultant, current.supervisor, current.enrolment.module, current.held_on)
    ):
        raise ValidationError(problem)
    if action == "return" and not comment.strip():
        raise ValidationError(_("Say what needs changing when you return a visit."))
    _step(current, actor=actor, to_status=to_status, comment=comment, request=request)
    if action in ("approve", "return", "reopen"):
        current.review_comment, current.reviewed_by = comment, actor
    if action == "approve":
        _readings_to_measurements(current, actor)
    elif action == "reopen":
        _readings_withdraw(current)
    current.version += 1
    current.save()
    if action in NOTICES:
        from .tasks import send_visit_notice

        transaction.on_commit(lambda: send_visit_notice.delay(current.pk, action))
    return current


NOTICES = ("submit", "approve", "return")


def visit_notice_recipients(visit, event):
    if event == "submit":
        province = visit.enrolment.enterprise.province
        return list(province.coordinators.filter(is_active=True))
    return [visit.consultant.user] if visit.consultant.user.is_active else []


def visit_notice_send(*, visit_id, event):
    """Tell the coordinators a visit waits for them, or the consultant what became of theirs,
    each in their own language."""
    visit = (
        Visit.objects.select_related("enrolment__enterprise__province", "enrolment__module", "consultant__user")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        return 0
    url = settings.SITE_URL.rstrip("/") + reverse("consultants:visit", args=[visit.pk])
    sent = 0
    for person in visit_notice_recipients(visit, event):
        with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
            context = {"visit": visit, "event": event, "person": person, "url": url}
            subject = render_to_string("consultants/email/visit_notice_subject.txt", context).strip()
            body = render_to_string("consultants/email/visit_notice_message.txt", context)
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        sent += 1
    return sent


def _action_close(action):
    if action.status in OPEN_STATUSES:
        action.closed_on = None
    elif action.closed_on is None:
        action.closed_on = timezone.localdate()


@transaction.atomic
def action_add(*, actor, visit, form, request=None):
    """An action agreed on this visit, owned by someone of the enterprise's EIT."""
    action = form.save(commit=False)
    action.visit = visit
    action.enterprise_id = visit.enrolment.enterprise_id
    _action_close(action)
    action.save()
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=action, request=request)
    return action


@transaction.atomic
def action_update(*, actor, form, visit=None, request=None):
    """A change to an action; on a follow-up visit, that visit is recorded as where it was seen."""
    action = form.save(commit=False)
    if visit is not None and visit.pk != action.visit_id:
        action.updated_on_visit = visit
    _action_close(action)
    action.save()
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=action, request=request, status=action.status)
    return action


@transaction.atomic
def action_delete(*, actor, action, request=None):
    audit_log(action=AuditEvent.Action.DELETED, actor=actor, target=action, request=request)
    action.delete()


@transaction.atomic
def attachment_add(*, actor, visit, form, request=None):
    attachment = Attachment(visit=visit)

    def audit():
        audit_log(
            action=AuditEvent.Action.CREATED,
            actor=actor,
            target=visit,
            request=request,
            attachment=attachment.original_name,
        )

    return attachment_store(
        attachment, checked=form.checked, caption=form.cleaned_data["caption"], actor=actor, audit=audit
    )


@transaction.atomic
def attachment_delete(*, actor, attachment, request=None):
    audit_log(
        action=AuditEvent.Action.DELETED,
        actor=actor,
        target=attachment.visit,
        request=request,
        attachment=attachment.original_name,
    )
    attachment_remove(attachment)


ACTION_WORDS = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "reopen": gettext_lazy("reopened"),
    "cancel": gettext_lazy("cancelled"),
}
