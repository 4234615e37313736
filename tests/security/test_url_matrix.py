"""The access matrix, generated from the URL configuration.

Every URL pattern of the project is walked (``get_resolver()``, through every include; the
admin site, static files and most of allauth's pages left out) and asked for, by GET and by
POST, as each of the named people: anonymous, consultant1 (assigned in Zhejiang), consultant2
(assigned only in Sichuan), the Sichuan and the Zhejiang coordinator, and an administrator.

A pattern's arguments are filled with real objects (``ARGUMENTS`` maps each argument, by its
name and the route before it, to a kind of object): one set in Zhejiang (``zj``: consultant1's
and coordinator_zj's), one in Sichuan (``sc``: consultant2's and coordinator_sc's), a colleague's
draft visit at the Zhejiang enterprise (``zjc``: the Zhejiang staff's, not consultant1's), and
addresses mixing two sets (a visit of one, an action of the other). Both enterprises belong to a
Zhejiang group, and a consultant works in both provinces, so what a page shows of records linked
across scopes is tested too. Besides the empty POST, many forms are also sent filled in
(``PLAUSIBLE``), and with a choice naming another set's record (``CROSS``).

What must hold, for every request:

- a request that must be refused (anonymous on a page that is not public; a role the page is not
  for, per ``ACCESS``; an object outside the person's scope) answers 401/403/404/405 or sends to
  the sign-in page: never 200, never another redirect (that is an action that happened), never
  500; and it writes nothing to the database;
- a POST whose form names a record outside the person's scope writes nothing;
- no answer, whatever its status, carries text of a record the person may not see (each record
  holds a marker such as ``SCMARK-FINDINGS``; files are read, .xlsx workbooks unzipped);
- nothing answers 500; and the people in scope do get in (so a refusal is the policy at work,
  not a missing object).

Each request runs in a savepoint that is rolled back, so every one starts from the same world.
Each person's test collects every failure and reports them together, one line each
("GET /visits/12/ as consultant2 → 200 (outside scope: zj)").

A new URL is covered automatically when its arguments are of a known kind; an argument of an
unknown kind, or a URL name missing from ``ACCESS``, fails ``test_every_url_is_in_the_matrix``
until the tables below say what it is and who may use it.
"""

import datetime
import io
import logging
import re
import sys
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import DatabaseError, connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from consultants.models import Assignment, Attachment, Consultant, ImprovementAction, VisitReading
from enterprises.models import EITMeeting, Suggestion
from modules.models import Practice
from modules.models import Target as KpiTarget
from pilots.models import ReportAttachment
from reports.models import ReportJob, dedupe_key
from score_portal.models import Role
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory, credit_code
from tests.factories import UserFactory, province
from tests.modules.factories import EnrolmentFactory, MeasurementFactory, ParticipantFactory, SessionFactory, indicator
from tests.modules.factories import module as catalogue_module
from tests.pilots.factories import PilotReportFactory

# --------------------------------------------------------------------------------------------
# The people
# --------------------------------------------------------------------------------------------

PEOPLE = ["anonymous", "consultant1", "consultant2", "coordinator_sc", "coordinator_zj", "admin"]
ROLE_OF = {
    "anonymous": None,
    "consultant1": Role.CONSULTANT,
    "consultant2": Role.CONSULTANT,
    "coordinator_zj": Role.COORDINATOR,
    "coordinator_sc": Role.COORDINATOR,
    "admin": Role.ADMINISTRATOR,
}
# Who sees the objects of each set. "zjc" is a colleague's draft visit at the Zhejiang enterprise
# (its consultant is not one of the people): consultant1 works there too but must not see it.
PROVINCES = ("zj", "sc")
OWNERS = {
    "zj": {"consultant1", "coordinator_zj", "admin"},
    "sc": {"consultant2", "coordinator_sc", "admin"},
    "zjc": {"coordinator_zj", "admin"},
    "nobody": set(),
}
# Addresses whose first object comes from one set and the others from another ("zj+sc"):
# only who sees both sets may be let in.
MIXES = [("zj", "sc"), ("sc", "zj"), ("zj", "zjc")]


def owners(key):
    return set.intersection(*(OWNERS[part] for part in key.split("+")))


# --------------------------------------------------------------------------------------------
# Which URLs are skipped, and who may use each of the others at all
# --------------------------------------------------------------------------------------------

SKIPPED_PREFIXES = ("django-admin/", "static/", "media/")  # the admin site: its own test below
ALLAUTH_KEPT = {"account_login", "account_signup", "account_change_password", "account_email", "mfa_index"}

PUBLIC = frozenset({None, Role.CONSULTANT, Role.COORDINATOR, Role.ADMINISTRATOR})
SIGNED_IN = frozenset({Role.CONSULTANT, Role.COORDINATOR, Role.ADMINISTRATOR})
STAFF = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
ADMIN = frozenset({Role.ADMINISTRATOR})
CONSULTANT = frozenset({Role.CONSULTANT})
COORDINATOR = frozenset({Role.COORDINATOR})

# url name -> the roles that may reach the page at all (scope is checked on top of this).
ACCESS = {
    # public: anyone, signed in or not
    "account_login": PUBLIC,
    "account_signup": PUBLIC,
    "set_language": PUBLIC,
    "health": PUBLIC,
    "consultants:calendar": PUBLIC,  # the unguessable token in the address is the key
    # everyone signed in (what they see is narrowed by visible_to)
    "home": SIGNED_IN,
    "account_change_password": SIGNED_IN,
    "account_email": SIGNED_IN,
    "mfa_index": SIGNED_IN,
    "enterprises:list": SIGNED_IN,
    "enterprises:detail": SIGNED_IN,
    "modules:catalogue": SIGNED_IN,
    "modules:sessions": SIGNED_IN,
    "modules:session": SIGNED_IN,
    "modules:attendance_pdf": SIGNED_IN,
    "modules:enrolment": SIGNED_IN,
    "consultants:visits": SIGNED_IN,
    "consultants:visit_plan": SIGNED_IN,
    "consultants:visit": SIGNED_IN,
    "consultants:visit_calendar": SIGNED_IN,
    "consultants:attachment": SIGNED_IN,
    "consultants:actions": SIGNED_IN,
    "consultants:action_update": SIGNED_IN,
    "reports:dashboard": SIGNED_IN,
    "reports:completeness": SIGNED_IN,
    # the consultant's own work on a visit
    "consultants:visit_autosave": CONSULTANT,
    "consultants:visit_action_add": CONSULTANT,
    "consultants:visit_action": CONSULTANT,
    "consultants:visit_action_delete": CONSULTANT,
    "consultants:attachment_add": CONSULTANT,
    "consultants:attachment_delete": CONSULTANT,
    "consultants:calendar_reset": CONSULTANT,
    # coordinators and administrators
    "enterprises:create": STAFF,
    "enterprises:export": STAFF,
    "enterprises:import": STAFF,
    "enterprises:import_confirm": STAFF,
    "enterprises:import_template": STAFF,
    "enterprises:edit": STAFF,
    "enterprises:archive": STAFF,
    "enterprises:restore": STAFF,
    "enterprises:eit_add": STAFF,
    "enterprises:eit_edit": STAFF,
    "enterprises:eit_leave": STAFF,
    "enterprises:meeting_add": STAFF,
    "enterprises:meeting_edit": STAFF,
    "enterprises:suggestion_add": STAFF,
    "enterprises:suggestion_edit": STAFF,
    "modules:matrix": STAFF,
    "modules:matrix_export": STAFF,
    "modules:session_add": STAFF,
    "modules:session_edit": STAFF,
    "modules:enrol": STAFF,
    "modules:kpi_add": STAFF,
    "modules:practices": STAFF,
    "consultants:list": STAFF,
    "consultants:create": STAFF,
    "consultants:edit": STAFF,
    "consultants:assign": STAFF,
    "consultants:end": STAFF,
    "pilots:due": STAFF,
    "pilots:report": STAFF,
    "pilots:attachment": STAFF,
    "reports:list": STAFF,
    "reports:job": STAFF,
    "reports:progress": STAFF,
    "reports:download": STAFF,
    "reports:retry": STAFF,
    "reports:enterprise": STAFF,
    # coordinators only: they write the pilot-unit reports
    "pilots:attachment_add": COORDINATOR,
    "pilots:attachment_delete": COORDINATOR,
    # administrators only
    "users:list": ADMIN,
    "users:invite": ADMIN,
    "users:edit": ADMIN,
    "users:reinvite": ADMIN,
    "audit_log": ADMIN,
    "enterprises:provinces": ADMIN,
    "modules:module_add": ADMIN,
    "modules:module_edit": ADMIN,
    "modules:indicator_add": ADMIN,
    "modules:indicator_edit": ADMIN,
    "modules:practice_add": ADMIN,
    "modules:practice_edit": ADMIN,
    "pilots:rule": ADMIN,
    "reports:province": ADMIN,
}
# Public URLs keyed by a secret in the address: whoever holds it is let in, but what they get
# must be the secret's owner's (checked against the owner's scope, not the requester's).
BEARER = {"consultants:calendar"}

# --------------------------------------------------------------------------------------------
# What fills each URL argument
# --------------------------------------------------------------------------------------------

# (argument, the route before it, earlier arguments written <name>) -> the kind of object.
ARGUMENTS = {
    ("pk", "users/"): "user",
    ("pk", "enterprises/"): "enterprise",
    ("item", "enterprises/<pk>/eit/"): "eit_member",
    ("item", "enterprises/<pk>/meetings/"): "eit_meeting",
    ("item", "enterprises/<pk>/suggestions/"): "suggestion",
    ("fmt", "enterprises/export."): "export_format",
    ("kind", "enterprises/import/template-"): "import_kind",
    ("pk", "modules/"): "module",
    ("pk", "modules/kpis/"): "indicator",
    ("pk", "modules/practices/"): "practice",
    ("pk", "training/"): "session",
    ("pk", "enrolments/"): "enrolment",
    ("pk", "consultants/"): "consultant",
    ("pk", "assignments/"): "assignment",
    ("pk", "visits/"): "visit",
    ("action_pk", "visits/<pk>/actions/"): "action",
    ("pk", "actions/"): "action",
    ("pk", "attachments/"): "visit_attachment",
    ("token", "calendar/"): "calendar_token",
    ("unit_pk", "pilot-reports/"): "pilot_unit",
    ("period_start", "pilot-reports/<unit_pk>/"): "pilot_period",
    ("pk", "pilot-reports/attachments/"): "report_attachment",
    ("pk", "reports/"): "report_job",
    ("pk", "reports/enterprise/"): "enterprise",
}
# Kinds that belong to a province's set; the others are the same for everyone.
SCOPED_KINDS = {
    "user": lambda s: s.user.pk,
    "enterprise": lambda s: s.enterprise.pk,
    "eit_member": lambda s: s.member.pk,
    "eit_meeting": lambda s: s.meeting.pk,
    "suggestion": lambda s: s.suggestion.pk,
    "session": lambda s: s.session.pk,
    "enrolment": lambda s: s.enrolment.pk,
    "consultant": lambda s: s.consultant.pk,
    "assignment": lambda s: s.assignment.pk,
    "visit": lambda s: s.visit.pk,
    "action": lambda s: s.action.pk,
    "visit_attachment": lambda s: s.attachment.pk,
    "calendar_token": lambda s: s.consultant.calendar_token,
    "pilot_unit": lambda s: s.enterprise.pk,
    "pilot_period": lambda s: s.report.period_start,
    "report_attachment": lambda s: s.report_attachment.pk,
    "report_job": lambda s: s.job.pk,
}
SHARED_KINDS = {
    "export_format": lambda shared: ["csv", "xlsx"],
    "import_kind": lambda shared: ["enterprises", "eit"],
    "module": lambda shared: [shared.module.pk],
    "indicator": lambda shared: [shared.indicator.pk],
    "practice": lambda shared: [shared.practice.pk],
}
# Addresses of records shared by both provinces, asked for besides the sets' own (what they
# show must still be cut to the reader's scope).
EXTRA_ADDRESSES = {
    "consultants:edit": lambda world: [{"pk": world.shared.roamer.pk}],  # works in both provinces
}

# Bearer URLs also get a made-up secret: nobody may be let in with it.
MADE_UP = {"calendar_token": "made-up-token-0000"}

# A query string always added (the health page would otherwise wait for a Celery worker).
ALWAYS_QUERY = {"health": "?parts=database,cache"}

# Dashboard and completeness tables that list records, each sent as .xlsx by ?export=<key>
# (a key the role's page does not have answers 404).
DASHBOARD_LISTS = ["provinces", "kpis", "kpi_trend", "no_visit", "overdue_actions", "overdue_visits"]
DASHBOARD_LISTS += ["pilot_reports", "review", "sessions", "work", "actions", "drafts", "next_visits", "returned"]
COMPLETENESS_LISTS = ["by-consultant", "by-province", "no-baseline", "no-readings", "pilot-reports"]

# Further GETs: {pk}-style fields come from a set (the address's set, or each set in turn for
# a list page, where a filter naming another province's record must not show it).
EXTRA_GETS = {
    "enterprises:detail": [f"?tab={tab}" for tab in ("eit", "meetings", "suggestions", "history")]
    + [f"?tab={tab}" for tab in ("modules", "kpis", "visits")],
    "enterprises:list": ["?province={province}", "?q={enterprise_name}&archived=all", "?group={group}"],
    "enterprises:export": ["?province={province}"],
    "modules:matrix": ["?province={province}", "?group={group}"],
    "modules:matrix_export": ["?province={province}"],
    "modules:sessions": ["?when=past"],
    "consultants:list": ["?province={province}"],
    "consultants:visits": ["?when=open", "?when=past", "?when=review"],
    "consultants:visit_calendar": ["?month={visit_month}"],
    "consultants:actions": ["?status=all&enterprise={enterprise}", "?status=all&consultant={consultant}"],
    "pilots:due": ["?province={province}"],
    "reports:list": ["?who=all"],
    "reports:dashboard": ["?province={province}", *(f"?export={key}" for key in DASHBOARD_LISTS)],
    "reports:completeness": ["?province={province}", *(f"?export={key}" for key in COMPLETENESS_LISTS)],
    "audit_log": ["?q={enterprise_name}"],
}


def jpeg(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def enterprise_form(s):
    e = s.enterprise
    return {
        "name_en": "Tampered name",
        "name_zh": "篡改",
        "credit_code": e.credit_code,
        "sector": e.sector,
        "province": e.province_id,
        "city": "Tampered city",
        "employees_female": 1,
        "employees_male": 1,
        "status": "active",
        "notes": "tampered",
    }


def new_enterprise_form(s):
    return {**enterprise_form(s), "credit_code": credit_code(10**6 + 7)}


def visit_record(s):
    return {
        "action": "save",
        "version": s.visit.version,
        "held_on": timezone.localdate().isoformat(),
        "duration_hours": "2",
        "activities": "tampered",
        "findings": "tampered",
    }


def pilot_report(s, action="save"):
    figures = {"eit_meetings": 9, "suggestions_received": 9, "suggestions_implemented": 1}
    figures |= {"hazards_found": 1, "hazards_fixed": 1, "training_hours": 1, "savings_cny": 1}
    return {"action": action, "version": s.report.version, "narrative": "tampered", **figures}


# url name -> [(label, data builder)] POSTed besides the empty POST: what a real form sends,
# so a view that forgets its check on a valid form is caught too.
PLAUSIBLE = {
    "users:invite": [
        ("invite", lambda s: {"name": "Intruder", "email": "intruder@example.org", "role": "administrator"})
    ],
    "users:edit": [
        (
            "make-admin",
            lambda s: {"name": "Made Admin", "email": s.user.email, "role": "administrator", "is_active": "on"},
        )
    ],
    "enterprises:create": [("in-province", new_enterprise_form)],
    "enterprises:edit": [("form", enterprise_form)],
    "enterprises:eit_add": [
        ("member", lambda s: {"name": "Intruder", "side": "worker", "sex": "male", "joined_on": "2026-02-01"})
    ],
    "enterprises:eit_edit": [
        ("member", lambda s: {"name": "Tampered", "side": "worker", "sex": "male", "joined_on": "2025-03-01"})
    ],
    "enterprises:eit_leave": [("leave", lambda s: {"left_on": timezone.localdate().isoformat()})],
    "enterprises:meeting_add": [("meeting", lambda s: {"held_on": "2026-03-01", "topics": "tampered"})],
    "enterprises:meeting_edit": [("meeting", lambda s: {"held_on": "2026-03-01", "topics": "tampered"})],
    "enterprises:suggestion_add": [("suggestion", lambda s: suggestion_form())],
    "enterprises:suggestion_edit": [("suggestion", lambda s: suggestion_form())],
    "modules:enrol": [("enrol", lambda s: {"module": s.other_module.pk, "planned_on": "2026-05-01", "fee": "0"})],
    "modules:enrolment": [("advance", lambda s: {"to_status": "classroom", "on_date": "2026-05-01"})],
    "modules:kpi_add": [
        ("value", lambda s: {"indicator": s.indicator.pk, "period": "2026-05", "value": "3", "source": "visit"}),
        ("target", lambda s: {"target": "1", "indicator": s.indicator.pk, "value": "2"}),
    ],
    "modules:practices": [("assess", lambda s: {"assessed_on": "2026-05-01", "in_place": [s.practice.pk]})],
    "modules:session": [
        ("attendance", lambda s: {"attendance": "1", "present": [f"{s.participant.pk}:{s.session.starts_on}"]}),
        ("participant", lambda s: {"enterprise": s.enterprise.pk, "name": "Intruder", "side": "worker", "sex": "male"}),
    ],
    "modules:session_add": [("in-province", lambda s: session_form(s))],
    "modules:session_edit": [("form", lambda s: session_form(s))],
    "consultants:edit": [
        (
            "certify",
            lambda s: {"certification": "1", "module": s.other_module.pk, "level": "expert", "since": "2020-01-01"},
        )
    ],
    "consultants:assign": [("assign", lambda s: {"consultant": s.free_consultant.pk, "role": "support"})],
    "consultants:visit_plan": [
        (
            "in-province",
            lambda s: {
                "enrolment": s.enrolment.pk,
                "consultant": s.consultant.pk,
                "visit_type": "consulting",
                "planned_at": "2026-12-01T09:00",
                "duration_hours": "3",
            },
        )
    ],
    "consultants:visit": [
        ("save", visit_record),
        ("submit", lambda s: {**visit_record(s), "action": "submit"}),
        ("cancel", lambda s: {"action": "cancel", "version": s.visit.version}),
        ("approve", lambda s: {"action": "approve", "version": s.visit.version}),
    ],
    "consultants:visit_autosave": [("save", visit_record)],
    "consultants:visit_action_add": [
        ("action", lambda s: {"new-description": "Intruder", "new-due_on": "2026-12-01", "new-status": "open"})
    ],
    "consultants:visit_action": [
        (
            "action",
            lambda s: {
                f"a{s.action.pk}-description": "tampered",
                f"a{s.action.pk}-due_on": "2026-12-01",
                f"a{s.action.pk}-status": "done",
                f"a{s.action.pk}-result": "tampered",
            },
        )
    ],
    "consultants:action_update": [("status", lambda s: {"status": "done", "result": "tampered"})],
    "consultants:attachment_add": [("photo", lambda s: {"file": jpeg(), "caption": "intruder"})],
    "pilots:report": [("save", pilot_report), ("submit", lambda s: pilot_report(s, "submit"))],
    "pilots:attachment_add": [("photo", lambda s: {"file": jpeg(), "caption": "intruder"})],
    "reports:enterprise": [("ask", lambda s: {"language": "en"})],
    "reports:province": [("ask", lambda s: {"province": "all", "period": "2026", "language": "en"})],
}


def suggestion_form():
    return {"title": "tampered", "submitted_by": "Intruder", "submitted_on": "2026-02-01", "area": "WC"} | {
        "status": "submitted"
    }


def session_form(s):
    return {
        "module": s.session.module_id,
        "province": s.enterprise.province_id,
        "venue": "tampered",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-02",
        "capacity": "20",
    }


def meeting_form(s, d):
    return {"held_on": "2026-03-01", "topics": "tampered", "attendees": [d.member.pk]}


def new_action(s, d):
    return {"new-description": "Intruder", "new-due_on": "2026-12-01", "new-status": "open", "new-owner": d.member.pk}


def changed_action(s, d):
    prefix = f"a{s.action.pk}"
    fields = {"description": "tampered", "due_on": "2026-12-01", "status": "open", "owner": d.member.pk}
    return {f"{prefix}-{name}": value for name, value in fields.items()}


# url name -> [(label, data builder (s, d)[, roles])]: a form on a page of set s (or a page
# without objects) that names a record of another set d. Nobody but an administrator (who sees
# both) may get it written (for the roles given, if any): the form's choices come through
# visible_to too.
CROSS = {
    "enterprises:create": [
        ("parent", lambda s, d: {**new_enterprise_form(s), "parent": d.enterprise.pk}),
        ("coordinator", lambda s, d: {**new_enterprise_form(s), "coordinator": d.coordinator.pk}),
    ],
    "enterprises:edit": [
        ("parent", lambda s, d: {**enterprise_form(s), "parent": d.enterprise.pk}),
        ("province", lambda s, d: {**enterprise_form(s), "province": d.province.pk}),
        ("coordinator", lambda s, d: {**enterprise_form(s), "coordinator": d.coordinator.pk}),
    ],
    "enterprises:meeting_add": [("attendee", meeting_form)],
    "enterprises:meeting_edit": [("attendee", meeting_form)],
    "modules:session": [
        (
            "participant",
            lambda s, d: {"enterprise": d.enterprise.pk, "name": "Intruder", "side": "worker", "sex": "male"},
        ),
        ("member", lambda s, d: {"enterprise": s.enterprise.pk, "eit_member": d.member.pk}),
    ],
    "modules:session_edit": [("province", lambda s, d: {**session_form(s), "province": d.province.pk})],
    "consultants:assign": [("consultant", lambda s, d: {"consultant": d.consultant.pk, "role": "support"})],
    "consultants:visit_plan": [
        (
            "consultant",
            lambda s, d: {
                "enrolment": s.enrolment.pk,
                "consultant": d.consultant.pk,
                "visit_type": "consulting",
                "planned_at": "2026-12-01T09:00",
                "duration_hours": "3",
            },
            STAFF,  # a consultant's form has no consultant field: they plan their own visits
        )
    ],
    "consultants:visit": [("attendee", lambda s, d: {**visit_record(s), "attendees": [d.member.pk]})],
    "consultants:visit_autosave": [("attendee", lambda s, d: {**visit_record(s), "attendees": [d.member.pk]})],
    "consultants:visit_action_add": [("owner", new_action)],
    "consultants:visit_action": [("owner", changed_action)],
}


# --------------------------------------------------------------------------------------------
# Walking the URL configuration
# --------------------------------------------------------------------------------------------

ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>")


@dataclass
class Pattern:
    name: str
    route: str
    arguments: list  # [(argument, context)]


def walk(patterns=None, prefix="", namespace=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, route


def arguments_of(route):
    """[(argument, the route before it with earlier arguments written <name>)]."""
    found, context, position = [], "", 0
    clean = route.lstrip("^")
    for match in ARGUMENT.finditer(clean):
        argument = match["name"] or match["group"]
        context += clean[position : match.start()]
        found.append((argument, context))
        context += f"<{argument}>"
        position = match.end()
    return found


def is_skipped(name, route):
    if route.startswith(SKIPPED_PREFIXES):
        return True
    return bool(name) and name.startswith(("account_", "mfa_")) and name not in ALLAUTH_KEPT


def project_patterns():
    """The patterns the matrix covers, and the problems that stop it covering one."""
    patterns, problems = [], []
    for name, route in walk():
        if is_skipped(name, route):
            continue
        if not name:
            problems.append(f"{route}: has no name; the matrix reverses URLs by name")
            continue
        if name not in ACCESS:
            problems.append(f"{name} ({route}): not in ACCESS; say which roles may use it")
        arguments = arguments_of(route)
        for argument, context in arguments:
            if (argument, context) not in ARGUMENTS:
                problems.append(
                    f"{name} ({route}): argument {argument!r} after {context!r} is unknown; "
                    "add it to ARGUMENTS with the kind of object it names"
                )
        patterns.append(Pattern(name, route, arguments))
    return patterns, problems


# --------------------------------------------------------------------------------------------
# The world: one set of objects per province
# --------------------------------------------------------------------------------------------


CONSULTANT_NAMES = {"consultant1", "consultant2"}


def stored(model_instance, content, name):
    model_instance.file.save(name, ContentFile(content), save=False)
    model_instance.save()
    return model_instance


def stored_photo(visit, name, marker, uploaded_by):
    """A visit photo whose caption and bytes carry ``marker``, so a leak of either is found."""
    photo = Attachment(
        visit=visit,
        kind="photo",
        content_type="image/jpeg",
        original_name=name,
        caption=f"{marker}CAPTION",
        size=20,
        uploaded_by=uploaded_by,
    )
    return stored(photo, b"\xff\xd8\xff\xe0" + f"{marker}PHOTOBYTES".encode() + b"\xff\xd9", "upload")


def build_set(key, code, consultant_user, coordinator, shared):
    tag = f"{key.upper()}MARK"
    yesterday = timezone.now() - datetime.timedelta(days=1)
    place = province(code)
    enterprise = EnterpriseFactory(
        name_en=f"{tag}-ENTERPRISE Valve Works",
        name_zh=f"{tag}-QIYE 阀门厂",
        province=place,
        is_pilot_unit=True,
        parent=shared.group,
    )
    member = EITMemberFactory(enterprise=enterprise, name=f"{tag}-EITMEMBER")
    meeting = EITMeeting.objects.create(
        enterprise=enterprise, held_on=datetime.date(2026, 2, 3), topics=f"{tag}-MEETING", recorded_by=coordinator
    )
    suggestion = Suggestion.objects.create(
        enterprise=enterprise,
        submitted_by=f"{tag}-SUGGESTER",
        submitted_on=datetime.date(2026, 2, 4),
        area="WC",
        title=f"{tag}-SUGGESTION",
    )
    enrolment = EnrolmentFactory(enterprise=enterprise)
    visit = assigned_visit(
        consultant_user,
        enrolment,
        status="draft",
        planned_at=yesterday,
        held_on=yesterday.date(),
        activities=f"{tag}-ACTIVITIES",
        findings=f"{tag}-FINDINGS",
    )
    profile = visit.consultant
    profile.provinces.set([place])
    VisitReading.objects.create(visit=visit, indicator=indicator("productivity"), value="41.5")
    action = ImprovementAction.objects.create(
        enterprise=enterprise,
        visit=visit,
        description=f"{tag}-ACTION",
        owner=member,
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    attachment = stored_photo(visit, "press.jpg", f"{tag}-", consultant_user)
    MeasurementFactory(enterprise=enterprise, indicator=indicator("defect_rate"), source="baseline", value=8)
    MeasurementFactory(enterprise=enterprise, indicator=indicator("defect_rate"), period=datetime.date(2026, 6, 1))
    KpiTarget.objects.create(enterprise=enterprise, indicator=indicator("defect_rate"), value=3)
    session = SessionFactory(province=place, venue=f"{tag}-VENUE")
    session.trainers.add(consultant_user)
    participant = ParticipantFactory(session=session, enterprise=enterprise, eit_member=member, name=f"{tag}-TRAINEE")
    report = PilotReportFactory(unit=enterprise, status="draft", narrative=f"{tag}-NARRATIVE", created_by=coordinator)
    report_attachment = stored(
        ReportAttachment(
            report=report,
            kind="pdf",
            content_type="application/pdf",
            original_name="minutes.pdf",
            caption=f"{tag}-REPORTCAPTION",
            size=30,
            uploaded_by=coordinator,
        ),
        f"%PDF-1.4 {tag}-REPORTFILE %%EOF".encode(),
        "upload",
    )
    params = {"enterprise": enterprise.pk}
    job = ReportJob.objects.create(
        kind="enterprise",
        params=params,
        title=f"{tag}-JOBTITLE",
        language="en",
        requested_by=coordinator,
        status="done",
        progress=100,
        finished_at=timezone.now(),
        dedupe_key=dedupe_key("enterprise", params, "en", coordinator.pk),
    )
    stored(job, f"%PDF-1.4 {tag}-JOBFILE %%EOF".encode(), "report.pdf")
    return SimpleNamespace(
        key=key,
        tag=tag,
        province=place,
        coordinator=coordinator,
        user=consultant_user,
        consultant=profile,
        enterprise=enterprise,
        member=member,
        meeting=meeting,
        suggestion=suggestion,
        enrolment=enrolment,
        assignment=Assignment.objects.get(consultant=profile, enrolment=enrolment),
        visit=visit,
        action=action,
        attachment=attachment,
        session=session,
        participant=participant,
        report=report,
        report_attachment=report_attachment,
        job=job,
        module=shared.module,
        other_module=shared.other_module,
        indicator=shared.indicator,
        practice=shared.practice,
        free_consultant=shared.free_consultant,
        # what a list filter may name
        fields={
            "province": place.pk,
            "enterprise": enterprise.pk,
            "group": shared.group.pk,
            "consultant": profile.pk,
            "enterprise_name": f"{tag}-ENTERPRISE"[1:],  # matches this set only, and its echo is no marker
            "visit_month": f"{timezone.localtime(visit.planned_at):%Y-%m}",
        },
        # marker -> who may read it
        markers={
            f"{tag}-ENTERPRISE": OWNERS[key],
            f"{tag}-QIYE": OWNERS[key],
            f"{tag}-EITMEMBER": OWNERS[key],
            f"{tag}-MEETING": OWNERS[key],
            f"{tag}-SUGGESTION": OWNERS[key],
            f"{tag}-SUGGESTER": OWNERS[key],
            f"{tag}-ACTIVITIES": OWNERS[key],
            f"{tag}-FINDINGS": OWNERS[key],
            f"{tag}-ACTION": OWNERS[key],
            f"{tag}-CAPTION": OWNERS[key],
            f"{tag}-PHOTOBYTES": OWNERS[key],
            f"{tag}-VENUE": OWNERS[key],  # the consultant is its trainer
            f"{tag}-TRAINEE": OWNERS[key],
            # pilot-unit reports and report jobs are staff business
            f"{tag}-NARRATIVE": OWNERS[key] - CONSULTANT_NAMES,
            f"{tag}-REPORTCAPTION": OWNERS[key] - CONSULTANT_NAMES,
            f"{tag}-REPORTFILE": OWNERS[key] - CONSULTANT_NAMES,
            f"{tag}-JOBTITLE": OWNERS[key] - CONSULTANT_NAMES,
            f"{tag}-JOBFILE": OWNERS[key] - CONSULTANT_NAMES,
            # the credit code is on the pages and in the exports
            enterprise.credit_code: OWNERS[key],
        },
    )


def colleague_set(zj):
    """A draft visit of another consultant to the Zhejiang enterprise, with an action agreed on
    it and a photo: the Zhejiang staff see them, consultant1 (who works there too) does not."""
    tag, yesterday = f"{zj.tag}-COLLEAGUE", timezone.now() - datetime.timedelta(days=2)
    colleague = UserFactory(email="colleague@example.org", name="Colleague Consultant", role=Role.CONSULTANT)
    visit = assigned_visit(
        colleague,
        zj.enrolment,
        role="support",
        status="draft",
        planned_at=yesterday,
        held_on=yesterday.date(),
        notes=f"{tag}NOTES",
        activities=f"{tag}ACTIVITIES",
        findings=f"{tag}FINDINGS",
    )
    visit.consultant.provinces.set([zj.province])
    action = ImprovementAction.objects.create(
        enterprise=zj.enterprise, visit=visit, description=f"{tag}ACTION", owner=zj.member, due_on=yesterday.date()
    )
    attachment = stored_photo(visit, "draft.jpg", tag, colleague)
    markers = ("NOTES", "ACTIVITIES", "FINDINGS", "ACTION", "CAPTION", "PHOTOBYTES")
    return SimpleNamespace(
        **{
            **vars(zj),
            "key": "zjc",
            "visit": visit,
            "action": action,
            "attachment": attachment,
            "markers": {f"{tag}{m}": OWNERS["zjc"] for m in markers},
        }
    )


def build_world(people):
    free = UserFactory(email="free@example.org", name="Free Consultant", role=Role.CONSULTANT)
    # A Zhejiang group that both enterprises belong to (an administrator may link across
    # provinces). Nobody is assigned to it: only the Zhejiang coordinator and administrators
    # see it, neither consultant nor the Sichuan coordinator.
    group = EnterpriseFactory(name_en="ZJMARK-GROUP Holdings", name_zh="ZJMARK-JITUAN 集团", province=province("ZJ"))
    shared = SimpleNamespace(
        group=group,
        module=catalogue_module("WC"),
        other_module=catalogue_module("QM"),
        indicator=indicator("defect_rate"),
        practice=Practice.objects.order_by("pk").first(),
        free_consultant=Consultant.objects.create(user=free),  # no province: any coordinator may assign them
    )
    sets = {
        "zj": build_set("zj", "ZJ", people["consultant1"], people["coordinator_zj"], shared),
        "sc": build_set("sc", "SC", people["consultant2"], people["coordinator_sc"], shared),
    }
    sets["zjc"] = colleague_set(sets["zj"])  # last: its addresses that equal zj's are asked as zj's
    # A consultant who works in both provinces: each coordinator sees them, and only the
    # assignments in their own province.
    roamer = Consultant.objects.create(
        user=UserFactory(email="roamer@example.org", name="Roaming Consultant", role=Role.CONSULTANT)
    )
    roamer.provinces.set([sets["zj"].province, sets["sc"].province])
    for key in PROVINCES:
        Assignment.objects.create(consultant=roamer, enrolment=sets[key].enrolment, role="support")
    shared.roamer = roamer
    group_readers = {"coordinator_zj", "admin"}
    sets["zj"].markers |= {
        "ZJMARK-GROUP": group_readers,
        "ZJMARK-JITUAN": group_readers,
        group.credit_code: group_readers,
    }
    return SimpleNamespace(shared=shared, sets=sets)


# --------------------------------------------------------------------------------------------
# The requests
# --------------------------------------------------------------------------------------------


@dataclass
class Request:
    name: str
    path: str
    owner: str | None = None  # the set of the objects in the address ("zj", "sc", "zj+sc", ...)
    data_owner: str | None = None  # the set the form data or filter names
    method: str = "get"
    label: str = ""
    data: object = None  # a callable: () -> dict
    bearer_of: str | None = None  # a bearer URL: the set whose secret is in the address
    data_roles: frozenset = SIGNED_IN  # whose forms the data_owner rule applies to


def fill(pattern, world):
    """[(kwargs, owner, set)] for the pattern: each set, mixed sets, or the shared values."""
    kinds = [(argument, ARGUMENTS[(argument, context)]) for argument, context in pattern.arguments]
    scoped = [argument for argument, kind in kinds if kind in SCOPED_KINDS]
    shared_values = [[]]
    for argument, kind in kinds:
        if kind in SHARED_KINDS:
            shared_values = [[*v, (argument, x)] for v in shared_values for x in SHARED_KINDS[kind](world.shared)]
    fillings = []
    for values in shared_values:
        base = dict(values)
        if not scoped:
            fillings.append((base, None, None))
            continue
        for key, s in world.sets.items():
            kwargs = {**base, **{a: SCOPED_KINDS[k](s) for a, k in kinds if k in SCOPED_KINDS}}
            fillings.append((kwargs, key, s))
        if len(scoped) > 1:
            for first, rest in MIXES:
                kwargs = dict(base)
                for argument, kind in kinds:
                    if kind in SCOPED_KINDS:
                        source = world.sets[first if argument == scoped[0] else rest]
                        kwargs[argument] = SCOPED_KINDS[kind](source)
                fillings.append((kwargs, f"{first}+{rest}", world.sets[rest]))
        if pattern.name in BEARER:
            made_up = {a: MADE_UP[k] for a, k in kinds if k in MADE_UP}
            fillings.append(({**base, **made_up}, "nobody", None))
    return fillings


def targets_for(patterns, world):
    targets, seen = [], set()

    def add(target):
        key = (target.method, target.path, target.label)
        if key not in seen:  # a mixed address equal to a one-set one is asked once, as the latter
            seen.add(key)
            targets.append(target)

    for pattern in patterns:
        name, query = pattern.name, ALWAYS_QUERY.get(pattern.name, "")
        for kwargs in EXTRA_ADDRESSES.get(name, lambda world: [])(world):
            path = reverse(name, kwargs=kwargs) + query
            add(Request(name, path))
            add(Request(name, path, method="post", label="empty"))
        for kwargs, owner, s in fill(pattern, world):
            path = reverse(name, kwargs=kwargs or None) + query
            bearer_of = None
            if name in BEARER:  # a real secret opens its owner's feed to anyone; a made-up one, nothing
                bearer_of, owner = (None, owner) if owner == "nobody" else (owner, None)
            add(Request(name, path, owner=owner, bearer_of=bearer_of))
            add(Request(name, path, owner=owner, bearer_of=bearer_of, method="post", label="empty"))
            for extra in EXTRA_GETS.get(name, []):
                if s is not None:
                    add(Request(name, path + extra.format(**s.fields), owner=owner))
                elif "{" in extra:
                    for key in PROVINCES:
                        source = world.sets[key]
                        add(Request(name, path + extra.format(**source.fields), owner=owner, data_owner=key))
                else:
                    add(Request(name, path + extra, owner=owner))
            for label, builder in PLAUSIBLE.get(name, []):
                if s is not None:
                    add(Request(name, path, owner=owner, method="post", label=label, data=partial(builder, s)))
                    continue
                for key in PROVINCES:
                    data = partial(builder, world.sets[key])
                    add(Request(name, path, owner, data_owner=key, method="post", label=f"{label}:{key}", data=data))
            if s is None:
                pairs = [(world.sets[a], world.sets[b]) for a, b in (PROVINCES, PROVINCES[::-1])]
            else:
                pairs = [(s, world.sets[PROVINCES[s.key == "zj"]])] if owner in PROVINCES else []
            for label, builder, *roles in CROSS.get(name, []):
                for a, b in pairs:
                    add(
                        Request(
                            name,
                            path,
                            owner,
                            data_owner=f"{a.key}+{b.key}",
                            method="post",
                            label=f"{label}:{a.key}-page-{b.key}-data",
                            data=partial(builder, a, b),
                            data_roles=roles[0] if roles else SIGNED_IN,
                        )
                    )
    return targets


# --------------------------------------------------------------------------------------------
# Reading the answers
# --------------------------------------------------------------------------------------------

IGNORED_TABLES = {"django_session"}


class Writes:
    """Rows written since the last look. On PostgreSQL the transaction's own counters (one
    query, every insert, update and delete, even of the same values); elsewhere a snapshot of
    every project table."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        if not self.postgres:
            labels = {"score_portal", "enterprises", "modules", "consultants", "pilots", "reports", "account", "mfa"}
            self.models = [
                m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in labels and m._meta.managed
            ]

    def look(self):
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
                return {table: n for table, n in cursor.fetchall() if table not in IGNORED_TABLES}
        return {m._meta.db_table: list(m._base_manager.order_by("pk").values_list()) for m in self.models}

    @staticmethod
    def changed(before, after):
        return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def body_text(response):
    """The answer's text, whatever it is: a page, a file, an .xlsx workbook (unzipped)."""
    # Reading a file to its end closes it (the test client's wrapper); response.close() here
    # would send request_finished and close the test's database connection.
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                raw = b"".join(book.read(n) for n in book.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", errors="replace")


def login_url():
    return resolve_url(settings.LOGIN_URL)


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(login_url())


REFUSALS = {401, 403, 404, 405}


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def test_every_url_is_in_the_matrix():
    """A new URL is either covered (its arguments are of a known kind, ACCESS says who may use
    it) or breaks here, loudly, with what to add."""
    patterns, problems = project_patterns()
    assert not problems, "URLs the access matrix cannot cover:\n" + "\n".join(problems)
    names = {p.name for p in patterns}
    stale = sorted(set(ACCESS) - names)
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"
    assert len(patterns) > 80  # the walk went through every include


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_ADMIN_MFA = False  # administrators reach the pages, not the 2FA set-up


@pytest.fixture
def people(admin, coordinator_zj, coordinator_sc, consultant1, consultant2):
    return {
        "admin": admin,
        "coordinator_zj": coordinator_zj,
        "coordinator_sc": coordinator_sc,
        "consultant1": consultant1,
        "consultant2": consultant2,
    }


def must_refuse(person, target):
    role = ROLE_OF[person]
    if role not in ACCESS[target.name]:
        return "not for this role" if role else "not signed in"
    if target.owner and person not in owners(target.owner):
        return f"outside scope: {target.owner}"
    return None


def forbidden_markers(person, target, world):
    """The markers this answer must not hold: what the reader may not see."""
    reader = person
    if target.bearer_of:
        reader = "consultant1" if target.bearer_of == "zj" else "consultant2"
    if reader == "admin":
        return []
    return [marker for s in world.sets.values() for marker, audience in s.markers.items() if reader not in audience]


@contextmanager
def exceptions_caught():
    """The exceptions views raise (the client answers 500 instead of raising), for the report."""
    caught = []

    def receiver(sender, **kwargs):
        kind, exc, _traceback = sys.exc_info()
        caught.append(f"{kind.__name__}: {exc}"[:300] if kind else "unknown error")

    got_request_exception.connect(receiver, dispatch_uid="url-matrix", weak=False)
    try:
        yield caught
    finally:
        got_request_exception.disconnect(dispatch_uid="url-matrix")


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_the_url_matrix(person, people, client_for, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # thousands of 403/404 warnings
    caplog.set_level(logging.CRITICAL, logger="django.security")
    world = build_world(people)
    patterns, problems = project_patterns()
    assert not problems, "\n".join(problems)
    targets = targets_for(patterns, world)
    client = Client() if person == "anonymous" else client_for(people[person])
    client.raise_request_exception = False  # a 500 is a finding to list, not the end of the run
    writes, failures, answers = Writes(), [], []
    with exceptions_caught() as caught:
        for target in targets:
            failures += ask(client, person, target, world, writes, answers, caught)
    failures += sanity(person, answers, world)
    summary = f"{len(answers)} requests as {person} over {len(patterns)} URL patterns"
    print(summary)
    assert not failures, f"{summary}; {len(failures)} failures:\n" + "\n".join(failures)


def ask(client, person, target, world, writes, answers, caught):
    """One request; the failures it shows."""
    failures = []
    refuse = must_refuse(person, target)
    # A POST naming another province's record must write nothing (a GET may: an export is audited).
    foreign = target.method == "post" and target.data_owner and person not in owners(target.data_owner)
    foreign = foreign and ROLE_OF[person] in target.data_roles
    guarded = refuse or (foreign and "the form names a record outside scope")
    label = f" [{target.label}]" if target.label else ""
    what = f"{target.method.upper()} {target.path}{label} as {person}"
    errors_before = len(caught)
    with transaction.atomic():
        before = writes.look() if guarded else None
        data = target.data() if target.data else {}
        response = getattr(client, target.method)(target.path, data)
        status = response.status_code
        answers.append((target, status))
        if guarded:
            try:
                changed = writes.changed(before, writes.look())
            except DatabaseError as exc:
                changed = [f"(database error: {exc})"]
            if changed:
                failures.append(f"{what} → {status}, and wrote to {', '.join(changed)} ({guarded})")
        transaction.set_rollback(True)  # every request starts from the same world
    if status >= 500:
        failures.append(f"{what} → {status}: {'; '.join(caught[errors_before:]) or 'no exception seen'}")
    elif refuse and status not in REFUSALS and not is_login_redirect(response):
        location = f" to {response['Location']}" if response.has_header("Location") else ""
        failures.append(f"{what} → {status}{location} ({refuse})")
    text = body_text(response)
    leaked = [m for m in forbidden_markers(person, target, world) if m in text]
    if leaked:
        failures.append(f"{what} → {status} shows {', '.join(sorted(leaked))}")
    return failures


def sanity(person, answers, world):
    """The world is what the test means it to be: the people in scope do get in, so a refusal
    of the others is the policy at work, not a missing object."""
    failures = []
    statuses = {(t.method, t.path, t.label): s for t, s in answers}

    def expect(path, status, method="get", label=""):
        got = statuses.get((method, path, label))
        if got != status:
            failures.append(f"sanity: {method.upper()} {path} as {person} → {got}, expected {status}")

    found = {}  # a page for the person's role, with objects in their scope, is not "not found"
    for target, status in answers:
        if target.owner in ("zj", "sc", "zjc") and not must_refuse(person, target):
            found.setdefault((target.name, target.owner), set()).add(status)
    for (name, owner), seen in sorted(found.items()):
        if seen == {404}:
            failures.append(f"sanity: {name} with the {owner} objects is 404 for {person}, who is in scope")
    for key, s in world.sets.items():
        if person not in OWNERS[key]:
            continue
        expect(f"/enterprises/{s.enterprise.pk}/", 200)
        expect(f"/visits/{s.visit.pk}/", 200)
        expect(f"/attachments/{s.attachment.pk}/", 200)
        if ROLE_OF[person] == Role.COORDINATOR:
            expect(f"/pilot-reports/{s.enterprise.pk}/{s.report.period_start}/", 200)
            expect(f"/reports/{s.job.pk}/download/", 200)
    return failures


NON_STAFF = ["anonymous", "consultant1", "consultant2", "coordinator_sc", "coordinator_zj"]


@pytest.mark.django_db
@pytest.mark.parametrize("person", NON_STAFF)
def test_the_admin_site_is_for_administrators_only(person, people, client_for):
    from django.contrib import admin

    client = Client() if person == "anonymous" else client_for(people[person])
    paths = ["/django-admin/"]
    for model in admin.site._registry:
        meta = model._meta
        paths += [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        paths += [reverse(f"admin:{meta.app_label}_{meta.model_name}_add")]
    failures = []
    for path in paths:
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            to_login = response.status_code == 302 and response["Location"].startswith("/django-admin/login/")
            if not (to_login or response.status_code in (403, 404)):
                failures.append(f"{method.upper()} {path} as {person} → {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_admin_site_opens_for_an_administrator(admin_client):
    assert admin_client.get("/django-admin/").status_code == 200
