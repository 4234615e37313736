"""How long a provincial summary takes on a large province, and where the time goes.

Makes a throwaway PostgreSQL database (``score_bench`` on the server of DATABASE_URL),
migrates it, fills it with bulk_create (1,000 enterprises in Zhejiang with a year of
enrolments, classroom sessions and attendance, visits, KPI measurements, suggestions and
pilot-unit reports), then makes the summary for 2026 in English and in Chinese and times
gathering the figures (with its query count) against laying out the PDF (with its peak
memory). Prints a table, writes bench/summary.json and drops the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/summary.py
    options: --enterprises N (default 1000), --keep (leave score_bench for a look)
"""

import argparse
import datetime
import gc
import io
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pgserver  # bench/, the script's folder

ROOT = Path(__file__).resolve().parents[1]

BENCH_DB = "score_bench"
YEAR = 2026


def recreate_database(url):
    pgserver.fresh_database(url, BENCH_DB)


def drop_database(url):
    from django.db import connections

    connections.close_all()
    pgserver.drop_database(url, BENCH_DB)


def build(n, rng):
    """n enterprises in Zhejiang and a year of programme life for each, by bulk_create."""
    from consultants.models import Consultant, Visit
    from enterprises.credit_code import ALPHABET, make_credit_code
    from enterprises.models import Enterprise, Province, Suggestion
    from modules.models import Attendance, ClassroomSession, Enrolment, Indicator, Measurement, Module, Participant
    from pilots.models import PilotReport, ReportingRule
    from score_portal.models import User

    zj = Province.objects.get(code="ZJ")
    modules = {m.code: m for m in Module.objects.all()}
    kpis = list(Indicator.objects.filter(code__in=["productivity", "defect_rate", "absenteeism", "energy_per_unit"]))
    admin = User.objects.create(email="bench.admin@example.org", name="Bench Admin", role="administrator")
    users = User.objects.bulk_create(
        User(email=f"consultant{i}@example.org", name=f"Consultant {i}", role="consultant") for i in range(20)
    )
    consultants = Consultant.objects.bulk_create(Consultant(user=u, calendar_token=f"bench{u.pk}") for u in users)

    def code(i):
        return make_credit_code("91330100" + "".join(ALPHABET[(i // 31**k) % 31] for k in range(9)))

    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            name_en=f"Bench Enterprise {i:04d}",
            name_zh=f"测试企业{i:04d}",
            credit_code=code(i),
            province=zj,
            city="杭州",
            sector=rng.choice("CCCCGFE"),
            status=rng.choice(["enrolled", "active", "active", "active", "completed", "withdrawn"]),
            employees_female=rng.randint(20, 120),
            employees_male=rng.randint(20, 120),
            is_pilot_unit=i < 3,
        )
        for i in range(n)
    )
    day = datetime.date
    enrolments = []
    for i, e in enumerate(enterprises):
        enrolments.append(
            Enrolment(
                enterprise=e,
                module=modules["WC"],
                status="completed",
                planned_on=day(YEAR, 1, 5),
                classroom_on=day(YEAR, 2, 10),
                consulting_on=day(YEAR, 2, 20),
                completed_on=day(YEAR, 7, 1 + i % 28),
                fee=Decimal(3000),
                fee_paid=True,
            )
        )
        second = modules[["QM", "CP", "WM", "OSH"][i % 4]]
        enrolments.append(
            Enrolment(
                enterprise=e,
                module=second,
                status="consulting",
                planned_on=day(YEAR, 7, 10),
                classroom_on=day(YEAR, 8, 10),
                consulting_on=day(YEAR, 9, 1),
                fee=Decimal(2000),
            )
        )
    enrolments = Enrolment.objects.bulk_create(enrolments, batch_size=2000)

    # Classroom sessions: five enterprises per session and module, two managers and two workers each.
    sessions, participants = [], []
    for start in range(0, n, 5):
        group = enterprises[start : start + 5]
        for code_, first in (("WC", day(YEAR, 2, 10)), ("QM", day(YEAR, 8, 10))):
            sessions.append(
                (
                    ClassroomSession(
                        module=modules[code_],
                        province=zj,
                        venue="杭州培训中心",
                        starts_on=first,
                        ends_on=first + datetime.timedelta(days=1),
                    ),
                    group,
                )
            )
    ClassroomSession.objects.bulk_create([s for s, _g in sessions], batch_size=2000)
    for session, group in sessions:
        for e in group:
            for k, side in enumerate(["management", "management", "worker", "worker"]):
                participants.append(
                    Participant(
                        session=session,
                        enterprise=e,
                        name=f"学员{e.pk}-{k}",
                        side=side,
                        sex=rng.choice(["female", "male"]),
                    )
                )
    Participant.objects.bulk_create(participants, batch_size=5000)
    Attendance.objects.bulk_create(
        (
            Attendance(participant=p, day=d, present=rng.random() > 0.07)
            for p in participants
            for d in (p.session.starts_on, p.session.ends_on)
        ),
        batch_size=5000,
    )

    # A year of visits: one a month per enterprise, mostly approved, a few planned or cancelled.
    zone = datetime.timezone(datetime.timedelta(hours=8))
    visits = []
    for e_index in range(n):
        wc = enrolments[2 * e_index]
        for month in range(1, 13):
            planned = datetime.datetime(YEAR, month, 1 + e_index % 27, 9, 30, tzinfo=zone)
            status = rng.choices(["approved", "submitted", "planned", "cancelled"], [80, 8, 8, 4])[0]
            held = planned.date() if status in ("approved", "submitted") else None
            visits.append(
                Visit(
                    enrolment=wc,
                    consultant=consultants[e_index % 20],
                    planned_at=planned,
                    status=status,
                    held_on=held,
                    findings="现场改进 / improvements on the floor",
                )
            )
    Visit.objects.bulk_create(visits, batch_size=5000)

    # KPIs: a baseline in December before the year, then a value every month.
    measurements = []
    for e in enterprises:
        for kpi in kpis:
            value = Decimal(rng.uniform(5, 100)).quantize(Decimal("0.01"))
            measurements.append(
                Measurement(enterprise=e, indicator=kpi, period=day(YEAR - 1, 12, 1), value=value, source="baseline")
            )
            for month in range(1, 13):
                value = (value * Decimal(rng.uniform(0.93, 1.05))).quantize(Decimal("0.01"))
                measurements.append(
                    Measurement(enterprise=e, indicator=kpi, period=day(YEAR, month, 1), value=value, source="visit")
                )
    Measurement.objects.bulk_create(measurements, batch_size=10000)

    Suggestion.objects.bulk_create(
        (
            Suggestion(
                enterprise=e,
                submitted_by="员工",
                submitted_on=day(YEAR, rng.randint(1, 12), 15),
                area="WC",
                title="金点子",
                status=rng.choice(["submitted", "accepted", "implemented", "implemented"]),
                realised_savings=Decimal(rng.randint(100, 20000)),
            )
            for e in enterprises
            for _k in range(5)
        ),
        batch_size=5000,
    )
    rule = ReportingRule.load()
    PilotReport.objects.bulk_create(
        PilotReport(
            unit=e,
            period_start=p.start,
            period_end=p.end,
            due_on=p.due_on,
            status="approved",
            savings_cny=Decimal(5000),
            submitted_at=datetime.datetime.combine(p.due_on, datetime.time(9), tzinfo=zone),
        )
        for e in enterprises[:3]
        for p in (rule.period(day(YEAR, m, 1)) for m in (1, 4, 7))
    )
    return admin, {
        "enterprises": n,
        "enrolments": len(enrolments),
        "participants": len(participants),
        "visits": len(visits),
        "measurements": len(measurements),
        "suggestions": 5 * n,
    }


def summary(admin, language, save_to=None):
    """One summary: gathering timed with its queries, then the layout timed; then the layout again
    under tracemalloc for its peak memory (tracemalloc slows it, so it is not the timed run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation
    from pypdf import PdfReader

    from enterprises.models import Province
    from modules.pdf import render_pdf
    from reports.kinds import KINDS
    from reports.models import ReportJob

    spec = KINDS["province"]
    params = spec.clean(
        {"province": Province.objects.get(code="ZJ").pk, "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
    )
    with translation.override(language):
        job = ReportJob(kind="province", params=params, language=language, requested_by=admin, title=spec.title(params))
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            context = spec.gather(params, lambda *a: None)
            gathered = time.perf_counter()
        context = {**context, "job": job, "generated_at": timezone.localtime()}
        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started_render = time.perf_counter()
        pdf = render_pdf(spec.template, context)
        rendered = time.perf_counter()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        render_pdf(spec.template, context)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if save_to:
        Path(save_to, f"provincial-summary-{language}.pdf").write_bytes(pdf)
    gather_s, render_s = gathered - started, rendered - started_render
    return {
        "language": language,
        "gather_seconds": round(gather_s, 3),
        "gather_queries": len(queries),
        "render_seconds": round(render_s, 3),
        "total_seconds": round(gather_s + render_s, 3),
        "gather_share_percent": round(100 * gather_s / (gather_s + render_s), 1),
        "pages": pages,
        "pdf_bytes": len(pdf),
        "render_python_peak_mb": round(peak / 2**20, 1),
        "process_peak_rss_mb": round(rss_after / 1024, 1),
        "render_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="leave the score_bench database")
    parser.add_argument("--save-pdf", metavar="DIR", help="also write the two PDFs there, to look at them")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (the benchmark makes its own database there).")
    recreate_database(url)
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + BENCH_DB))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        admin, sizes = build(args.enterprises, random.Random(2026))
        built = time.perf_counter() - started
        gc.collect()
        runs = [summary(admin, "en", args.save_pdf), summary(admin, "zh-hans", args.save_pdf)]
    finally:
        if not args.keep:
            drop_database(url)
    result = {
        "data": sizes,
        "build_seconds": round(built, 1),
        "period": str(YEAR),
        "runs": runs,
        "python": sys.version.split()[0],
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (ROOT / "bench" / "summary.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"data: {', '.join(f'{v:,} {k}' for k, v in sizes.items())} (built in {built:.0f} s)")
    columns = [
        "language",
        "gather_seconds",
        "gather_queries",
        "render_seconds",
        "gather_share_percent",
        "pages",
        "render_python_peak_mb",
        "process_peak_rss_mb",
    ]
    print(" | ".join(f"{c:>22}" for c in columns))
    for run in runs:
        print(" | ".join(f"{run[c]!s:>22}" for c in columns))
    print("written to bench/summary.json")
    slow = [run["language"] for run in runs if run["gather_share_percent"] >= 10]
    if slow:
        sys.exit(f"gathering the figures took 10 % or more of the time ({', '.join(slow)}): look at its queries")


if __name__ == "__main__":
    main()
