"""Writes of the modules app: each in one transaction with its audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from score_portal.audit import audit_log, saved_action
from score_portal.datacache import data_changed
from score_portal.models import AuditEvent

from .models import (
    OPEN_STATUSES,
    STATUS_DATE_FIELD,
    TRANSITIONS,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    Module,
    PracticeAssessment,
    Target,
    enterprises_complete,
)


def compulsory_first_problem(enterprise, module):
    """The message to show when the compulsory module must come first, else None."""
    if module.is_compulsory:
        return None
    compulsory = Module.objects.filter(is_compulsory=True, is_active=True)
    taken = set(
        Enrolment.objects.filter(enterprise=enterprise, module__in=compulsory)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .values_list("module_id", flat=True)
    )
    missing = [m for m in compulsory if m.pk not in taken]
    if missing:
        return _("%(module)s is compulsory and comes first: enrol the enterprise in it before %(other)s.") % {
            "module": missing[0].name,
            "other": module.name,
        }
    return None


@transaction.atomic
def catalogue_save(*, actor, form, request=None):
    """Save a module, KPI or good practice of the catalogue from an administrator's form."""
    created = form.instance.pk is None
    changed = form.changed_data
    item = form.save()
    audit_log(
        action=saved_action(created),
        actor=actor,
        target=item,
        request=request,
        fields=changed,
    )
    return item


@transaction.atomic
def enrolment_create(*, actor, form, enterprise, request=None):
    """Enrol in the form's module; the pipeline's rules hold here too, not only in the form."""
    enrolment = form.save(commit=False)
    # Lock the enterprise so two simultaneous enrolments are checked one after the other.
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    if Enrolment.objects.filter(enterprise=enterprise, module=enrolment.module, status__in=OPEN_STATUSES).exists():
        raise ValidationError(_("This enterprise already has an open enrolment in this module."))
    if problem := compulsory_first_problem(enterprise, enrolment.module):
        raise ValidationError(problem)
    enrolment.enterprise = enterprise
    enrolment.status = EnrolmentStatus.PLANNED
    enrolment.save()
    EnrolmentStatusChange.objects.create(
        enrolment=enrolment, to_status=enrolment.status, on_date=enrolment.planned_on, changed_by=actor
    )
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=enrolment, request=request)
    return enrolment


@transaction.atomic
def enrolment_advance(*, enrolment, to_status, actor, on_date, comment="", request=None):
    """Move an enrolment along the pipeline; refuses a step the pipeline does not allow."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if to_status not in TRANSITIONS[enrolment.status]:
        raise ValidationError(
            _("An enrolment that is “%(from)s” cannot become “%(to)s”.")
            % {"from": EnrolmentStatus(enrolment.status).label, "to": EnrolmentStatus(to_status).label}
        )
    if enrolment.status_date and on_date < enrolment.status_date:
        raise ValidationError(
            _("The date cannot be before the current step's date (%(date)s).")
            % {"date": enrolment.status_date.isoformat()}
        )
    before = enrolment.status
    enrolment.status = to_status
    setattr(enrolment, STATUS_DATE_FIELD[to_status], on_date)
    enrolment.save()
    EnrolmentStatusChange.objects.create(
        enrolment=enrolment, from_status=before, to_status=to_status, on_date=on_date, comment=comment, changed_by=actor
    )
    audit_log(
        action=AuditEvent.Action.UPDATED, actor=actor, target=enrolment, request=request, status=[before, to_status]
    )
    return enrolment


@transaction.atomic
def session_save(*, actor, form, request=None):
    created = form.instance.pk is None
    session = form.save()
    audit_log(
        action=saved_action(created),
        actor=actor,
        target=session,
        request=request,
    )
    return session


def _open_enrolment(enterprise_id, module_id):
    return (
        Enrolment.objects.select_for_update()
        .filter(enterprise_id=enterprise_id, module_id=module_id, status__in=["planned", "classroom"])
        .first()
    )


@transaction.atomic
def participant_add(*, actor, form, session, request=None):
    """Registering someone for the module's classroom session starts the enterprise's classroom step."""
    participant = form.save(commit=False)
    participant.session = session
    participant.save()
    audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=participant, request=request, session=session.pk)
    enrolment = _open_enrolment(participant.enterprise_id, session.module_id)
    if enrolment is not None and enrolment.status == EnrolmentStatus.PLANNED:
        on_date = max(session.starts_on, enrolment.planned_on)
        enrolment_advance(
            enrolment=enrolment,
            to_status=EnrolmentStatus.CLASSROOM,
            actor=actor,
            on_date=on_date,
            comment=_("Registered for the classroom session."),
            request=request,
        )
    return participant


def classroom_complete_enterprises(session):
    """Enterprises whose every participant attended every day of the session."""
    attended = [
        (participant.enterprise_id, {a.day for a in participant.attendance.all() if a.present})
        for participant in session.participants.prefetch_related("attendance")
    ]
    return enterprises_complete(attended, session.days)


@transaction.atomic
def attendance_record(*, actor, session, present, request=None):
    """``present`` is the set of (participant id, day) ticked; every other cell is absent.
    A day that has not come yet cannot be attended, so a tick for it is not kept."""
    today = timezone.localdate()
    present = {(participant, day) for participant, day in present if day <= today}
    participants = list(session.participants.all())
    rows = []
    for participant in participants:
        for day in session.days:
            rows.append(Attendance(participant=participant, day=day, present=(participant.pk, day) in present))
    Attendance.objects.filter(participant__session=session).delete()
    Attendance.objects.bulk_create(rows)
    data_changed()  # bulk_create sends no post_save: the figures that count attendance are out of date
    # The classroom step is complete for an enterprise whose participants all attended: consulting begins.
    for enterprise_id in classroom_complete_enterprises(session):
        enrolment = _open_enrolment(enterprise_id, session.module_id)
        if enrolment is None:
            continue
        if enrolment.status == EnrolmentStatus.PLANNED:
            enrolment = enrolment_advance(
                enrolment=enrolment,
                to_status=EnrolmentStatus.CLASSROOM,
                actor=actor,
                on_date=max(session.starts_on, enrolment.planned_on),
                request=request,
            )
        enrolment_advance(
            enrolment=enrolment,
            to_status=EnrolmentStatus.CONSULTING,
            actor=actor,
            on_date=max(session.ends_on, enrolment.status_date),
            comment=_("Classroom training attended in full."),
            request=request,
        )
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=session, request=request, attendance=len(present))


@transaction.atomic
def measurement_record(*, actor, form, enterprise, request=None):
    measurement = form.save(commit=False)
    measurement.enterprise = enterprise
    measurement.entered_by = actor
    measurement.save()
    audit_log(
        action=AuditEvent.Action.CREATED,
        actor=actor,
        target=enterprise,
        request=request,
        kpi=measurement.indicator.code,
        value=str(measurement.value),
    )
    return measurement


@transaction.atomic
def target_set(*, actor, enterprise, indicator, value, target_date=None, request=None):
    target, _created = Target.objects.update_or_create(
        enterprise=enterprise, indicator=indicator, defaults={"value": value, "target_date": target_date}
    )
    audit_log(
        action=AuditEvent.Action.UPDATED,
        actor=actor,
        target=enterprise,
        request=request,
        kpi=indicator.code,
        target_value=str(value),
    )
    return target


@transaction.atomic
def practices_assess(*, actor, enterprise, practices, in_place, assessed_on, is_baseline, request=None):
    for practice in practices:
        PracticeAssessment.objects.update_or_create(
            enterprise=enterprise,
            practice=practice,
            assessed_on=assessed_on,
            defaults={"in_place": practice.pk in in_place, "is_baseline": is_baseline, "assessed_by": actor},
        )
    audit_log(
        action=AuditEvent.Action.UPDATED, actor=actor, target=enterprise, request=request, practices=len(practices)
    )
