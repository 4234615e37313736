"""Who changed what and when, read from django-simple-history as readable field changes."""

import datetime

from django.db import models

from .models import EITMember, Enterprise, Province

SKIP = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "updated_at",
    "created_at",
    "enterprise",
}


def _changes(record, previous, model, labels):
    changes = []
    for field in model._meta.concrete_fields:
        if field.attname in SKIP or field.name in SKIP:
            continue
        new = getattr(record, field.attname)
        old = getattr(previous, field.attname) if previous is not None else None
        if previous is not None and new == old:
            continue
        if previous is None and new in (None, "", False, 0):
            continue
        changes.append(
            {"field": field.verbose_name, "old": _show(field, old, labels), "new": _show(field, new, labels)}
        )
    return changes


def _show(field, value, labels):
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ForeignKey):
        return labels.get((field.related_model, value), value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()[:10]
    if isinstance(field, models.BooleanField):
        from django.utils.translation import gettext as _

        return _("yes") if value else _("no")
    return value


def _entries(records, model, labels, kind):
    """Pair each record with the one before it for the same object (records newest first)."""
    by_object = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    entries = []
    for versions in by_object.values():
        for index, record in enumerate(versions):
            previous = versions[index + 1] if index + 1 < len(versions) else None
            changes = _changes(record, previous if record.history_type != "+" else None, model, labels)
            if record.history_type == "~" and not changes:
                continue  # saved without a change: nothing to tell
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "type": record.history_type,
                    "kind": kind,
                    "label": getattr(record, "name", "") or str(record.id),
                    "changes": changes,
                }
            )
    return entries


def enterprise_history(enterprise, user, limit=100):
    """The enterprise's and its EIT members' changes, newest first, in a fixed number of queries.
    A group (parent) is named only if ``user`` may see it; otherwise its number stands."""
    records = list(enterprise.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    members = list(
        EITMember.history.filter(enterprise_id=enterprise.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    labels = {}
    province_ids = {r.province_id for r in records}
    parent_ids = {r.parent_id for r in records if r.parent_id}
    coordinator_ids = {r.coordinator_id for r in records if r.coordinator_id}
    for p in Province.objects.filter(pk__in=province_ids):
        labels[(Province, p.pk)] = p.name
    for e in Enterprise.objects.visible_to(user).filter(pk__in=parent_ids).only("pk", "name_en", "name_zh"):
        labels[(Enterprise, e.pk)] = e.name
    from score_portal.models import User

    for u in User.objects.filter(pk__in=coordinator_ids):
        labels[(User, u.pk)] = str(u)
    entries = _entries(records, Enterprise, labels, "enterprise") + _entries(members, EITMember, labels, "member")
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]
