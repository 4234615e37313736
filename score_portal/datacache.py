"""Figures computed from the programme's records (dashboard blocks, data completeness, the
action board's summaries) are cached until a record they count changes: every save or delete of
such a record moves a version number that is part of each cache key, so stale figures are never
read again (and expire on their own). With the cache unreachable they are simply computed.

The counted models are named by label, so this module imports no app; ``connect()`` is called
once the apps are ready (by the reports app)."""

import hashlib
import json
import logging

from django.core.cache import cache

log = logging.getLogger(__name__)
VERSION_KEY = "dashboard:data-version"
TIMEOUT = 60 * 10

# The records the dashboards count, as "app_label.ModelName".
COUNTED = [
    "enterprises.Enterprise",
    "enterprises.EITMember",
    "enterprises.Suggestion",
    "modules.Enrolment",
    "modules.ClassroomSession",
    "modules.Participant",
    "modules.Attendance",
    "modules.Measurement",
    "consultants.Assignment",
    "consultants.Visit",
    "consultants.VisitReading",
    "consultants.ImprovementAction",
    "pilots.PilotReport",
    "pilots.ReportingRule",
]


def data_version():
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, None)
            version = cache.get(VERSION_KEY) or 1
        return version
    except Exception:  # the cache server is down: no version, no caching
        log.warning("dashboard cache unreachable", exc_info=True)
        return None


def data_changed(**kwargs):
    """A counted record was saved or deleted: every cached block is out of date."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)
    except Exception:
        log.warning("dashboard cache unreachable", exc_info=True)


def cached(parts, build):
    """``build()``, cached under ``parts`` (JSON-able) and the current data version."""
    version = data_version()
    if version is None:
        return build()
    key = "dashboard:" + hashlib.sha256(json.dumps([version, *parts], default=str).encode()).hexdigest()
    try:
        value = cache.get(key)
    except Exception:
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception:
            log.warning("dashboard cache unreachable", exc_info=True)
    return value


def connect():
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for label in COUNTED:
        model = apps.get_model(label)
        post_save.connect(data_changed, sender=model, dispatch_uid=f"dashboard-save-{label}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"dashboard-delete-{label}")
    visit_attendees = apps.get_model("consultants.Visit").attendees.through
    m2m_changed.connect(data_changed, sender=visit_attendees, dispatch_uid="dashboard-visit-attendees")
