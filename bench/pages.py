"""Server time and query count of the key pages of each role, beside the Django admin's
changelist of enterprises (same data, same page size) and a minimal signed-in view (the floor).

Run by bench/run against a database it has filled with ``seed_demo --scale N``; prints one JSON
object on stdout. Each page is asked for through Django's test client (the whole request:
middleware, session, view, template), a few times to warm up, then ``--repeats`` times timed.
The pages are timed in turn, one request of each per round, so that all of them meet the same
moments of the machine. Dashboards are measured as users meet them most of the time: from the
cache, which is cleared whenever a record they count changes; their first, uncached request is
reported beside.

    DATABASE_URL=postgres://…/score_bench_pages REDIS_URL=redis://…/11 python bench/pages.py --repeats 100
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
os.environ["DJANGO_DEBUG"] = "false"

PAGE_SIZE = 25  # the portal's enterprise list shows 25 a page; the admin is set to the same


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages_to_measure():
    """(name, role, url, cached): the key pages of each role, with real objects of the data."""
    from django.db.models import Count

    from consultants.models import Visit
    from enterprises.models import Enterprise
    from score_portal.models import User

    coordinator = User.objects.get(email="coordinator.zj@score.demo")
    consultant = User.objects.get(email="consultant1@score.demo")
    # The coordinator's enterprise with the most visits: the heaviest detail page they have.
    busiest = (
        Enterprise.objects.visible_to(coordinator)
        .annotate(n=Count("enrolments__visits", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    # A visit the consultant is writing up (a draft or a returned one): the form at its fullest.
    visit = (
        Visit.objects.recordable_by(consultant).exclude(status="planned").order_by("-held_on", "-pk").first()
        or Visit.objects.visible_to(consultant).order_by("-pk").first()
    )
    return [
        ("floor: minimal signed-in view", "coordinator", "/bench-floor/", False),
        (
            "admin changelist of enterprises (filtered)",
            "administrator",
            "/django-admin/enterprises/enterprise/?status__exact=active",
            False,
        ),
        ("enterprise list, filtered", "coordinator", "/enterprises/?status=active", False),
        ("enterprise list, search", "coordinator", "/enterprises/?q=Scale", False),
        ("enterprise list, filtered", "administrator", "/enterprises/?status=active", False),
        ("enterprise detail", "coordinator", f"/enterprises/{busiest.pk}/", False),
        ("progress matrix", "coordinator", "/progress/", False),
        ("visit form", "consultant", f"/visits/{visit.pk}/", False),
        ("my visits", "consultant", "/visits/", False),
        ("improvement actions board", "coordinator", "/actions/", False),
        ("dashboard", "administrator", "/", True),
        ("dashboard", "coordinator", "/", True),
        ("dashboard", "consultant", "/", True),
        ("data completeness", "administrator", "/dashboard/completeness/", True),
    ], {"administrator": "admin@score.demo", "coordinator": coordinator.email, "consultant": consultant.email}


def warm_and_count(client, url, warmup=3):
    """A few requests to warm up, then one with its queries counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)  # now: the captured list is read from the connection's log, which the next request empties


def measure(requests, repeats):
    """Times each (client, url) ``repeats`` times, taking the pages in turn (one request of
    each, then the next round), so that every page, the admin changelist and the floor meet
    the same moments of the machine: on these shared machines the speed of the processor drifts
    by a third within minutes, which would otherwise fall on whichever page was measured then."""
    times = [[] for _ in requests]
    for _ in range(repeats):
        for n, (client, url) in enumerate(requests):
            started = time.perf_counter()
            client.get(url)
            times[n].append((time.perf_counter() - started) * 1000)
    return [{"median_ms": round(statistics.median(t), 2), "p95_ms": round(percentile(t, 0.95), 2)} for t in times]


def cold(client, url):
    """The page's first request after the cache was emptied: time and queries."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    return {"cold_ms": round(elapsed, 1), "cold_queries": len(queries)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib import admin
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import clear_url_caches

    from enterprises.models import Enterprise
    from score_portal.models import User

    # Not setup_test_environment(): it instruments every template render so the test client can
    # keep copies of the contexts, which costs the larger pages more than users ever pay.
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin.site._registry[Enterprise].list_per_page = PAGE_SIZE
    results = []
    with override_settings(ROOT_URLCONF="bench_urls"):
        clear_url_caches()
        pages, emails = pages_to_measure()
        clients = {}
        for role, email in emails.items():
            clients[role] = Client()
            clients[role].force_login(User.objects.get(email=email))
            # A new session is written again on its first request (SessionRenewalMiddleware): not
            # a cost of whichever page happens to come first, such as an uncached dashboard.
            clients[role].get("/bench-floor/")
        for name, role, url, cached in pages:
            row = {"page": name, "role": role, "url": url, "cached": cached}
            if cached:
                row.update(cold(clients[role], url))  # empties the whole cache: all of these first
            results.append(row)
        for row in results:
            row["queries"] = warm_and_count(clients[row["role"]], row["url"])
        timed = measure([(clients[role], url) for _name, role, url, _cached in pages], args.repeats)
        for row, figures in zip(results, timed, strict=True):
            row.update(figures)
    print(json.dumps({"enterprises": Enterprise.objects.count(), "repeats": args.repeats, "pages": results}))


if __name__ == "__main__":
    main()
