"""Reminders to the coordinators who owe a report: once before it is due, once when it is late,
never for what is already in, and never twice however often beat runs the task."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from pilots.models import PilotReminder, ReportingRule
from pilots.services import pilot_reminders_send
from pilots.tasks import send_pilot_report_reminders
from score_portal.models import Role
from tests.factories import UserFactory, province
from tests.pilots.factories import PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 4, 15)  # Q1 2026 ends 31 March; due 15 days later
REMIND = DUE - datetime.timedelta(days=5)
LATE = DUE + datetime.timedelta(days=3)


@pytest.fixture
def units():
    return {
        "shaoxing": pilot_unit("ZJ", name_en="Shaoxing Management Centre"),
        "ningbo": pilot_unit("ZJ", name_en="Ningbo Management Centre"),
        "chengdu": pilot_unit("SC", name_en="Chengdu Pilot"),
    }


@pytest.fixture
def second_zj_coordinator():
    return UserFactory(
        email="coord2.zj@example.org",
        role=Role.COORDINATOR,
        provinces=[province("ZJ")],
        preferred_language="zh-hans",
    )


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_beat_schedule_names_the_task():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "pilots.tasks.send_pilot_report_reminders" in tasks
    assert send_pilot_report_reminders.name == "pilots.tasks.send_pilot_report_reminders"


def test_due_soon_goes_once_to_each_coordinator_in_scope(units, coordinator_zj, coordinator_sc, second_zj_coordinator):
    PilotReportFactory(unit=units["chengdu"], status="submitted")  # Sichuan's report is in
    send_pilot_report_reminders.delay(on=REMIND.isoformat())
    send_pilot_report_reminders.delay(on=REMIND.isoformat())
    send_pilot_report_reminders.delay(on=(REMIND + datetime.timedelta(days=2)).isoformat())
    assert sent_to() == sorted([coordinator_zj.email, second_zj_coordinator.email])
    mine = next(m for m in mail.outbox if m.to == [coordinator_zj.email])
    assert "2 pilot-unit reports fall due soon" in mine.subject
    assert "Shaoxing Management Centre" in mine.body and "Ningbo Management Centre" in mine.body
    assert "due on 2026-04-15" in mine.body and "/pilot-reports/" in mine.body
    theirs = next(m for m in mail.outbox if m.to == [second_zj_coordinator.email])
    assert "2026-04-15" in theirs.body and "，您好：" in theirs.body  # in their language
    assert set(PilotReminder.objects.values_list("unit__name_en", "kind")) == {
        ("Shaoxing Management Centre", "due_soon"),
        ("Ningbo Management Centre", "due_soon"),
    }


def test_nothing_before_the_reminder_date_nor_between_due_and_late(units, coordinator_zj):
    assert pilot_reminders_send(today=REMIND - datetime.timedelta(days=1)) == 0
    assert pilot_reminders_send(today=DUE + datetime.timedelta(days=1)) == 0  # too late for "due soon"
    assert mail.outbox == []


def test_a_late_reminder_after_the_due_date_but_not_for_approved_or_submitted(units, coordinator_zj, coordinator_sc):
    PilotReportFactory(unit=units["shaoxing"], status="approved")
    PilotReportFactory(unit=units["ningbo"], status="draft")  # started is not submitted
    PilotReportFactory(unit=units["chengdu"], status="submitted")
    pilot_reminders_send(today=REMIND)
    mail.outbox.clear()
    assert pilot_reminders_send(today=LATE) == 1
    assert pilot_reminders_send(today=LATE + datetime.timedelta(days=10)) == 0
    [message] = mail.outbox
    assert message.to == [coordinator_zj.email]
    assert "1 pilot-unit report is late" in message.subject
    assert "Ningbo Management Centre" in message.body and "LATE: it was due on 2026-04-15" in message.body
    assert "Shaoxing" not in message.body
    assert set(PilotReminder.objects.values_list("unit__name_en", "kind")) == {
        ("Ningbo Management Centre", "due_soon"),
        ("Ningbo Management Centre", "late"),
    }


def test_a_returned_report_is_still_owed(units, coordinator_zj):
    PilotReportFactory(unit=units["ningbo"], status="returned")
    PilotReportFactory(unit=units["shaoxing"], status="submitted")
    pilot_reminders_send(today=LATE)
    [message] = mail.outbox
    assert "Ningbo" in message.body and "Shaoxing" not in message.body


def test_a_province_without_coordinator_is_reminded_once_it_has_one(units, coordinator_zj):
    pilot_reminders_send(today=LATE)
    assert sent_to() == [coordinator_zj.email]
    assert not PilotReminder.objects.filter(unit=units["chengdu"]).exists()
    sc = UserFactory(email="new.sc@example.org", role=Role.COORDINATOR, provinces=[province("SC")])
    mail.outbox.clear()
    pilot_reminders_send(today=LATE + datetime.timedelta(days=1))
    assert sent_to() == [sc.email]


def test_reminders_follow_the_rule(units, coordinator_zj):
    rule = ReportingRule.load()
    rule.period_length, rule.remind_days_before = "month", 2
    rule.save()
    # January 2026 is due on 15 February: reminded on the 13th.
    assert pilot_reminders_send(today=datetime.date(2026, 2, 12)) == 0
    assert pilot_reminders_send(today=datetime.date(2026, 2, 13)) == 2
    assert set(PilotReminder.objects.values_list("period_start", flat=True)) == {datetime.date(2026, 1, 1)}


def test_a_failed_email_leaves_the_reminder_to_the_next_run(units, coordinator_zj, monkeypatch):
    import pilots.services

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(pilots.services, "send_mail", broken)
    with pytest.raises(OSError):
        pilot_reminders_send(today=REMIND)
    assert not PilotReminder.objects.exists()
    monkeypatch.undo()
    assert pilot_reminders_send(today=REMIND) == 2
    assert sent_to() == [coordinator_zj.email]
