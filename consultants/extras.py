"""What the visit page lists below the record, its history and its files, kept in the cache for
each visit until one of them changes.

Both are short lists that change only with the visit (a step of its workflow, a file attached or
removed), yet reading them cost the page two queries, as much as the record itself. Each save or
delete of an event or an attachment forgets its visit's entry, at once and again when the
transaction commits (a page read in between saw the rows as they were before the commit and may
have kept them). Names of the people who took each step are kept with it: a person renamed shows
under the old name in a visit's history for at most ``TIMEOUT``. With the cache unreachable the
lists are simply read.
"""

import logging

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)
TIMEOUT = 60 * 10


def key(visit_pk):
    return f"visit-extras:{int(visit_pk)}"


def read(visit):
    """(history, attachments) of the visit: its workflow steps, newest first, with who took them,
    and its files in the order they were attached."""
    events = visit.events.select_related("by").only(
        "visit_id", "from_status", "to_status", "comment", "at", "by__name", "by__email"
    )
    return list(events), list(visit.attachments.all())


def visit_extras(visit):
    """``read(visit)``, from the cache when it is there."""
    try:
        found = cache.get(key(visit.pk))
    except Exception:
        log.warning("visit cache unreachable", exc_info=True)
        return read(visit)
    if found is None:
        found = read(visit)
        try:
            cache.set(key(visit.pk), found, TIMEOUT)
        except Exception:
            log.warning("visit cache unreachable", exc_info=True)
    return found


def forget(visit_pk):
    def delete():
        try:
            cache.delete(key(visit_pk))
        except Exception:
            log.warning("visit cache unreachable", exc_info=True)

    delete()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(delete)


def changed(sender, instance, **kwargs):
    """An event or attachment was saved or deleted: its visit's lists are read again."""
    if instance.visit_id is not None:
        forget(instance.visit_id)


def connect():
    from django.db.models.signals import post_delete, post_save

    from .models import Attachment, VisitEvent

    for model in (VisitEvent, Attachment):
        post_save.connect(changed, sender=model, dispatch_uid=f"visit-extras-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"visit-extras-delete-{model.__name__}")
