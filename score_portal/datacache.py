"""Figures computed from the programme's records (dashboard blocks, data completeness, the
action board's summaries) are cached until a record they count changes: every save or delete of
such a record moves a version number that is part of each cache key, so stale figures are never
read again (and expire on their own). With the cache unreachable they are simply computed.

The counted models are named by label, so this module imports no app; ``connect()`` is called
once the apps are ready (by the reports app)."""

import hashlib
import json
import logging

from asgiref.local import Local
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property

log = logging.getLogger(__name__)
VERSION_KEY = "dashboard:data-version"
TIMEOUT = 60 * 10

# The records the dashboards count, as "app_label.ModelName". People are among them because
# cached menus and panels show their names (a sign-in saves the user too, which is rare enough).
COUNTED = [
    "score_portal.User",
    "enterprises.Province",  # its name is in cached menus
    "enterprises.Enterprise",
    "enterprises.EITMember",
    "enterprises.Suggestion",
    "modules.Enrolment",
    "modules.ClassroomSession",
    "modules.Participant",
    "modules.Attendance",
    "modules.Measurement",
    "modules.Indicator",  # the visit form keeps a module's KPIs in use
    "consultants.Consultant",
    "consultants.Certification",
    "consultants.Assignment",
    "consultants.Visit",
    "consultants.VisitReading",
    "consultants.ImprovementAction",
    "pilots.PilotReport",
    "pilots.ReportingRule",
]


# Within one request the version is read once (a page with several cached parts asks the cache
# server once, not for each) and read again after the request itself changed a record.
_request = Local()


def _request_started(**kwargs):
    _request.active, _request.version = True, None


def _request_finished(**kwargs):
    _request.active, _request.version = False, None


def data_version():
    if getattr(_request, "active", False) and _request.version is not None:
        return _request.version
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, None)
            version = cache.get(VERSION_KEY) or 1
    except Exception:  # the cache server is down: no version, no caching
        log.warning("dashboard cache unreachable", exc_info=True)
        return None
    if getattr(_request, "active", False):
        _request.version = version
    return version


def data_changed(**kwargs):
    """A counted record was saved or deleted: every cached block is out of date. The version
    moves at once and again when the transaction commits: a page computed by another request
    in between read the rows as they were before the commit, and must not be kept."""
    _move_version()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        func is _move_version for _ids, func, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_move_version)


def _move_version():
    _request.version = None
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


def cached_html(parts, template, context, request=None):
    """``template`` rendered once and kept as HTML like the figures (rendering a page's tables
    costs more than reading them): ``context()`` is called only when the HTML is not cached.
    For templates without forms, which would carry a per-session token."""
    from django.template.loader import render_to_string

    return cached(["html", template, *parts], lambda: render_to_string(template, context(), request=request))


def list_key(request, page_kwarg="page"):
    """What a list of counted records shows besides the data, for the keys of its cached parts:
    the page, the user (their role and scope, whose changes move the data version), the query
    string without the page number, and the day. Cheaper than writing out a query's SQL."""
    from django.utils import timezone

    query = request.GET.copy()
    query.pop(page_kwarg, None)
    user = request.user
    return [request.path, user.pk, user.role, sorted(query.lists()), timezone.localdate()]


class CachedCountPaginator(Paginator):
    """A paginator whose total is cached like the figures: counting every matching row is the
    dearest query of a long list, and it only changes when a counted record does. For lists of
    counted records only, whose rows depend on nothing but ``key`` (see ``list_key``)."""

    def __init__(self, *args, key, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    @cached_property
    def count(self):
        rows = self.object_list
        if not hasattr(rows, "query"):
            return len(rows)
        return cached(["count", *self.key], rows.select_related(None).order_by().count)


class CachedCountMixin:
    """A ListView of counted records whose rows depend only on what ``list_key`` names: its
    total is kept with the figures."""

    paginator_class = CachedCountPaginator

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            key=list_key(self.request, self.page_kwarg),
            **kwargs,
        )


def connect():
    from django.apps import apps
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import m2m_changed, post_delete, post_save

    request_started.connect(_request_started, dispatch_uid="datacache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="datacache-request-finished")

    for label in COUNTED:
        model = apps.get_model(label)
        post_save.connect(data_changed, sender=model, dispatch_uid=f"dashboard-save-{label}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"dashboard-delete-{label}")
    visit_attendees = apps.get_model("consultants.Visit").attendees.through
    m2m_changed.connect(data_changed, sender=visit_attendees, dispatch_uid="dashboard-visit-attendees")
    # A coordinator's provinces are their scope: figures cached for it change with them.
    province_coordinators = apps.get_model("enterprises.Province").coordinators.through
    m2m_changed.connect(data_changed, sender=province_coordinators, dispatch_uid="dashboard-province-coordinators")
