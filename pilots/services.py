import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from score_portal.audit import audit_log, workflow_action
from score_portal.models import AuditEvent, Role, User
from score_portal.uploads import attachment_remove, attachment_store

from .models import (
    OPEN_STATUSES,
    RECEIVED_STATUSES,
    PilotReminder,
    PilotReport,
    PilotReportEvent,
    PilotUnit,
    ReminderKind,
    ReportAttachment,
    ReportingRule,
    ReportStatus,
)


@transaction.atomic
def reporting_rule_save(*, actor, form, request=None):
    """Change the rule; reports still being written take the new due date of their period."""
    rule = form.save(commit=False)
    rule.pk, rule.updated_by = 1, actor
    rule.save()
    for report in PilotReport.objects.select_for_update().filter(status__in=OPEN_STATUSES):
        due = report.period_end + datetime.timedelta(days=rule.due_days)
        if report.due_on != due:
            report.due_on = due
            report.save(update_fields=["due_on"])
    audit_log(
        action=AuditEvent.Action.UPDATED,
        actor=actor,
        target=rule,
        request=request,
        **{name: str(form.cleaned_data[name]) for name in form.changed_data},
    )
    return rule


class StaleReport(ValidationError):
    """The report was saved by someone else after this user opened it."""


STALE_MESSAGE = gettext_lazy(
    "Someone else saved this report after you opened it. Your changes were not saved: "
    "reload the page to see theirs, then make yours again."
)


def _lock(report, version):
    """The report, locked for this transaction, if nobody saved it since ``version`` was read."""
    current = PilotReport.objects.select_for_update().filter(pk=report.pk).first()
    if current is None or current.version != _as_int(version):
        raise StaleReport(str(STALE_MESSAGE))
    return current


def _as_int(version):
    try:
        return int(version)
    except (TypeError, ValueError):
        return -1


def _event(report, *, actor, to_status, comment="", request=None):
    PilotReportEvent.objects.create(
        report=report, from_status=report.status if report.pk else "", to_status=to_status, comment=comment, by=actor
    )
    audit_log(
        action=workflow_action(report.status, to_status),
        actor=actor,
        target=report,
        request=request,
        status=[report.status, to_status],
        **({"comment": comment} if comment else {}),
    )
    report.status = to_status


@transaction.atomic
def pilot_report_save(*, actor, unit, period, form, version, request=None):
    """Save the figures and narrative: the first save makes the draft; later ones must come
    from a page showing the latest version, and only while the report is open."""
    existing = PilotReport.objects.filter(unit=unit, period_start=period.start).first()
    if existing is None:
        if _as_int(version) != 0:
            raise StaleReport(str(STALE_MESSAGE))  # the report this page showed is gone
        report = form.save(commit=False)
        report.unit, report.period_start, report.period_end = unit, period.start, period.end
        report.due_on, report.created_by, report.status, report.version = period.due_on, actor, "draft", 1
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError as exc:  # another coordinator made it at the same moment
            raise StaleReport(str(STALE_MESSAGE)) from exc
        PilotReportEvent.objects.create(report=report, to_status=ReportStatus.DRAFT, by=actor)
        audit_log(action=AuditEvent.Action.CREATED, actor=actor, target=report, request=request)
        return report
    current = _lock(existing, version)
    if not current.is_open:
        raise ValidationError(
            _("This report is “%(status)s” and can no longer be changed.") % {"status": current.get_status_display()}
        )
    report = form.save(commit=False)
    report.pk, report.unit_id, report.status = current.pk, current.unit_id, current.status
    report.period_start, report.period_end, report.due_on = current.period_start, current.period_end, current.due_on
    report.created_by_id, report.created_at = current.created_by_id, current.created_at
    for name in ("submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at", "review_comment"):
        setattr(report, name, getattr(current, name))
    report.version = current.version + 1
    report.save()
    audit_log(action=AuditEvent.Action.UPDATED, actor=actor, target=report, request=request, fields=form.changed_data)
    return report


TRANSITIONS = {
    "submit": (OPEN_STATUSES, ReportStatus.SUBMITTED),
    "approve": ((ReportStatus.SUBMITTED,), ReportStatus.APPROVED),
    "return": ((ReportStatus.SUBMITTED,), ReportStatus.RETURNED),
}
ACTION_WORDS = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
}


@transaction.atomic
def pilot_report_transition(*, actor, report, action, version, comment="", request=None):
    """submit (a coordinator), approve or return with a comment (an administrator)."""
    if report is None:
        raise ValidationError(_("There is no report to review yet: the coordinator has not started it."))
    current = _lock(report, version)
    allowed_from, to_status = TRANSITIONS[action]
    if current.status not in allowed_from:
        raise ValidationError(
            _("A report that is “%(status)s” cannot be %(action)s.")
            % {"status": current.get_status_display(), "action": ACTION_WORDS[action]}
        )
    comment = comment.strip()
    if action == "submit" and not current.narrative.strip():
        raise ValidationError(_("Write the narrative of the period before submitting the report."))
    if action == "return" and not comment:
        raise ValidationError(_("Say what needs changing when you return a report."))
    _event(current, actor=actor, to_status=to_status, comment=comment, request=request)
    now = timezone.now()
    if action == "submit":
        current.submitted_by, current.submitted_at = actor, now
    else:
        current.reviewed_by, current.reviewed_at, current.review_comment = actor, now, comment
    current.version += 1
    current.save()
    from .tasks import send_pilot_report_notice

    transaction.on_commit(lambda: send_pilot_report_notice.delay(current.pk, action))
    return current


def pilot_report_notice_recipients(report, event):
    if event == "submit":
        return list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True))
    person = report.submitted_by
    return [person] if person is not None and person.is_active else []


def _mail(person, subject_template, body_template, context):
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        context = {**context, "person": person}
        subject = render_to_string(subject_template, context).strip()
        body = render_to_string(body_template, context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def report_url(unit_id, period_start):
    path = reverse("pilots:report", args=[unit_id, period_start.isoformat()])
    return settings.SITE_URL.rstrip("/") + path


def pilot_report_notice_send(*, report_id, event):
    """Tell the administrators a report waits for them, or its coordinator what became of it,
    each in their own language."""
    report = PilotReport.objects.select_related("unit__province", "submitted_by").filter(pk=report_id).first()
    if report is None:
        return 0
    recipients = pilot_report_notice_recipients(report, event)
    context = {"report": report, "event": event, "url": report_url(report.unit_id, report.period_start)}
    for person in recipients:
        _mail(person, "pilots/email/notice_subject.txt", "pilots/email/notice_message.txt", context)
    return len(recipients)


@transaction.atomic
def report_attachment_add(*, actor, report, form, request=None):
    attachment = ReportAttachment(report=report)

    def audit():
        audit_log(
            action=AuditEvent.Action.CREATED,
            actor=actor,
            target=report,
            request=request,
            attachment=attachment.original_name,
        )

    return attachment_store(
        attachment, checked=form.checked, caption=form.cleaned_data["caption"], actor=actor, audit=audit
    )


@transaction.atomic
def report_attachment_delete(*, actor, attachment, request=None):
    audit_log(
        action=AuditEvent.Action.DELETED,
        actor=actor,
        target=attachment.report,
        request=request,
        attachment=attachment.original_name,
    )
    attachment_remove(attachment)


def reminders_due(today, rule=None):
    """[(unit, period, kind)] the reminders the rule calls for on ``today`` that were not sent yet:
    "due soon" from ``remind_days_before`` until the due date, "late" from ``remind_days_after``
    days after it, each only while the report is neither submitted nor approved."""
    rule = rule or ReportingRule.load()
    periods = [p for p in rule.periods(today) if p.remind_on <= today]
    if not periods:
        return []
    units = list(PilotUnit.objects.filter(is_pilot_unit=True, archived_at__isnull=True).select_related("province"))
    starts = [p.start for p in periods]
    received = set(
        PilotReport.objects.filter(period_start__in=starts, status__in=RECEIVED_STATUSES).values_list(
            "unit_id", "period_start"
        )
    )
    sent = set(PilotReminder.objects.filter(period_start__in=starts).values_list("unit_id", "period_start", "kind"))
    due = []
    for period in periods:
        if period.late_remind_on <= today:
            kind = ReminderKind.LATE
        elif today <= period.due_on:
            kind = ReminderKind.DUE_SOON
        else:
            continue  # between the due date and the late reminder
        for unit in units:
            if (unit.pk, period.start) not in received and (unit.pk, period.start, kind) not in sent:
                due.append((unit, period, kind))
    return due


@transaction.atomic
def pilot_reminders_send(*, today=None):
    """Email each coordinator once about the reports of their provinces' pilot units that fall due
    soon or are late; each (unit, period, kind) is recorded, so running again sends nothing new.
    A failed email rolls the records back, so the next run tries again."""
    today = today or timezone.localdate()
    candidates = reminders_due(today)
    coordinators = defaultdict(list)
    provinces = {unit.province_id for unit, _period, _kind in candidates}
    staff = defaultdict(list)
    for person in User.objects.filter(provinces__in=provinces, role=Role.COORDINATOR, is_active=True).annotate(
        province_id=F("provinces__id")
    ):
        staff[person.province_id].append(person)
    for unit, period, kind in candidates:
        people = staff.get(unit.province_id, [])
        if not people:
            continue  # nobody to tell yet: the reminder waits until the province has a coordinator
        try:
            with transaction.atomic():
                PilotReminder.objects.create(
                    unit=unit, period_start=period.start, kind=kind, recipients=", ".join(p.email for p in people)
                )
        except IntegrityError:
            continue  # another run sent this one a moment ago
        for person in people:
            coordinators[person].append(
                {"unit": unit, "period": period, "kind": kind, "url": report_url(unit.pk, period.start)}
            )
    for person, items in coordinators.items():
        items.sort(key=lambda i: (i["kind"] != ReminderKind.LATE, i["period"].start, i["unit"].name_en))
        _mail(
            person,
            "pilots/email/reminder_subject.txt",
            "pilots/email/reminder_message.txt",
            {"items": items, "late": [i for i in items if i["kind"] == ReminderKind.LATE]},
        )
    return sum(len(items) for items in coordinators.values())
