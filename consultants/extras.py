"""What the visit page shows of a visit beyond the visit itself, its history, its files and the
KPI values read on it, kept in the cache for each visit until one of them changes.

They are short lists that change only with the visit (a step of its workflow, a file attached or
removed, the record saved), yet reading them cost the page three queries, more than the record
itself. Each save or delete of an event, an attachment or a reading forgets its visit's entry, at
once and again when the transaction commits (a page read in between saw the rows as they were
before the commit and may have kept them). Names of the people who took each step are kept with
it: a person renamed shows under the old name in a visit's history for at most ``TIMEOUT``.
"""

from django.core.cache import cache
from django.db import transaction

TIMEOUT = 60 * 10


def key(visit_pk):
    return f"visit-extras:{int(visit_pk)}"


def read(visit):
    """(history, attachments, readings) of the visit: its workflow steps, newest first, with who
    took them; its files in the order they were attached; {KPI pk: value} read on it."""
    events = visit.events.select_related("by").only(
        "visit_id", "from_status", "to_status", "comment", "at", "by__name", "by__email"
    )
    readings = dict(visit.readings.order_by().values_list("indicator_id", "value"))
    return list(events), list(visit.attachments.all()), readings


def visit_extras(visit):
    """``read(visit)``, from the cache when it is there. A Redis that cannot be reached answers
    "not cached" and drops the write (score_portal.cache), so the lists are simply read."""
    found = cache.get(key(visit.pk))
    if found is None:
        found = read(visit)
        cache.set(key(visit.pk), found, TIMEOUT)
    return found


def forget(visit_pk):
    def delete():
        cache.delete(key(visit_pk))

    delete()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(delete)


def changed(sender, instance, **kwargs):
    """An event, attachment or reading was saved or deleted: its visit's lists are read again."""
    if instance.visit_id is not None:
        forget(instance.visit_id)


def connect():
    from django.db.models.signals import post_delete, post_save

    from .models import Attachment, VisitEvent, VisitReading

    for model in (VisitEvent, Attachment, VisitReading):
        post_save.connect(changed, sender=model, dispatch_uid=f"visit-extras-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"visit-extras-delete-{model.__name__}")
