"""Helpers for the scale data of ``seed_demo --scale N``: N more enterprises with a year of
programme life each, made by the apps' demo seeders with bulk_create only (no save(), so no
signals, audit events or history rows), for benchmarks and for trying the portal at volume.

The command first seeds the ordinary demo (``scale=0``), then calls each seeder again with
``scale=N``; a seeder then makes only its part of the scale data, for the scale enterprises
that do not have it yet, so seeding again adds nothing."""

import contextlib
import datetime
import time

from django.utils import timezone

# Rows per INSERT: big enough to keep round trips few, small enough to keep statements short.
BATCH = 2000
WIDE_BATCH = 1000  # models with long text columns


def bulk(model, rows, batch_size=BATCH):
    """bulk_create the rows (given a PK back on PostgreSQL and SQLite) and return them as a list."""
    return model.objects.bulk_create(list(rows), batch_size=batch_size)


@contextlib.contextmanager
def own_timestamps(*fields):
    """Let bulk_create keep the values set on auto_now/auto_now_add fields, so scale records
    carry the past dates they were "made" on rather than the moment of seeding."""
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def timestamps(model, *names):
    return own_timestamps(*(model._meta.get_field(name) for name in names))


def at(day, hour=10, minute=0):
    """An aware datetime on ``day`` at that local time (without make_aware's per-call cost)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


class Steps:
    """Writes how long each step of a seeder took, for ``--scale`` runs."""

    def __init__(self, stdout, app):
        self.stdout, self.app, self.started = stdout, app, time.perf_counter()

    def done(self, text):
        now = time.perf_counter()
        self.stdout.write(f"  {self.app}: {text} ({now - self.started:.1f} s)")
        self.started = now
