"""bench/run: the portal's performance at scale, measured in one run and checked against its
budgets. See bench/README.md.

1. For each size (default 100 and 10,000 enterprises) a fresh PostgreSQL database is migrated
   and filled by ``seed_demo --scale N``; bench/pages.py then times the key pages of each role
   beside the Django admin's changelist and a minimal signed-in view, with their query counts.
2. bench/import_bench.py imports a 10,000-row .xlsx into a fresh database (time, peak memory).
3. bench/summary.py makes the provincial summary PDF of 1,000 enterprises (gathering vs
   rendering, peak memory).

Prints a table, writes bench/results.json, and exits 1 when a budget is missed:
- at the largest size every key page's median within 1.0x the admin changelist's median,
  and its p95 under 10x the floor's p95;
- every page's query count the same at every size;
- the import under 60 s and 1 GB;
- the summary's data gathering under 10 % of its total time.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load import flush_redis  # bench/, the script's folder
from pgserver import drop_database, fresh_database

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PAGES_DB, IMPORT_DB = "score_bench_pages", "score_bench_import"
BUDGET = {"page_vs_admin": 1.0, "p95_vs_floor": 10.0, "import_seconds": 60, "import_mb": 1024, "gather_share": 10}


def run(args, env, capture=True):
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=capture, text=True)
    if done.returncode != 0:
        sys.stderr.write((done.stdout or "") + (done.stderr or ""))
        raise SystemExit(f"failed: {' '.join(map(str, args))}")
    return done.stdout


def say(text):
    print(text, flush=True)


def build(url, name, scale, env):
    env = {**env, "DATABASE_URL": fresh_database(url, name)}
    started = time.perf_counter()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    migrated = time.perf_counter()
    run([PY, "manage.py", "seed_demo", "--scale", str(scale)], env)
    seeded = time.perf_counter()
    return env, round(migrated - started, 1), round(seeded - migrated, 1)


def counts(env):
    code = (
        "import django,json;django.setup();"
        "from django.apps import apps;"
        "print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models() "
        "if m._meta.app_label in ('enterprises','modules','consultants','pilots','reports')}))"
    )
    return json.loads(run([PY, "-c", code], {**env, "DJANGO_SETTINGS_MODULE": "score_portal.settings"}))


def main():
    parser = argparse.ArgumentParser(description="Performance at scale, against the budgets.")
    parser.add_argument("--sizes", default="100,10000", help="enterprise counts to measure pages at")
    parser.add_argument("--repeats", type=int, default=100, help="timed requests per page")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--summary-enterprises", type=int, default=1000)
    parser.add_argument("--skip", default="", help="comma list of parts to leave out: pages,import,summary")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark databases")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL server (the benchmark makes its own databases there)")
    env = {
        **os.environ,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    sizes = [int(s) for s in args.sizes.split(",")]
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "budgets": BUDGET,
        "sizes": {},
    }
    try:
        if "pages" not in skip:
            for size in sizes:
                say(f"pages: building {size:,} enterprises with seed_demo --scale {size}…")
                size_env, migrate_s, seed_s = build(url, PAGES_DB, size, env)
                flush_redis(size_env["REDIS_URL"])
                say(f"  seeded in {seed_s} s; timing pages…")
                measured = json.loads(run([PY, "bench/pages.py", "--repeats", str(args.repeats)], size_env))
                result["sizes"][str(size)] = {
                    "seed_seconds": seed_s,
                    "rows": counts(size_env),
                    **measured,
                }
        if "import" not in skip:
            say(f"import: {args.import_rows:,} rows…")
            import_env, _m, _s = build(url, IMPORT_DB, 0, env)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "enterprises.xlsx"
                run([PY, "bench/import_bench.py", str(path), "--make", "--rows", str(args.import_rows)], import_env)
                result["import"] = {
                    "rows": args.import_rows,
                    **json.loads(run([PY, "bench/import_bench.py", str(path)], import_env)),
                }
        if "summary" not in skip:
            say(f"summary: {args.summary_enterprises:,} enterprises…")
            run([PY, "bench/summary.py", "--enterprises", str(args.summary_enterprises)], {**env, "DATABASE_URL": url})
            result["summary"] = json.loads((ROOT / "bench" / "summary.json").read_text())
    finally:
        if not args.keep:
            for name in (PAGES_DB, IMPORT_DB):
                drop_database(url, name)

    failures = check(result, sizes)
    result["budget_failures"] = failures
    (ROOT / "bench" / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result, sizes))
    print("written to bench/results.json")
    if failures:
        print("\nBUDGETS MISSED:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    print("\nAll budgets met.")


def key(row):
    return f"{row['page']} ({row['role']})"


def check(result, sizes):
    failures = []
    measured = [result["sizes"][str(s)] for s in sizes if str(s) in result["sizes"]]
    if measured:
        largest = measured[-1]
        rows = {key(r): r for r in largest["pages"]}
        admin = next(r for r in largest["pages"] if r["page"].startswith("admin changelist"))
        floor = next(r for r in largest["pages"] if r["page"].startswith("floor"))
        for row in largest["pages"]:
            if row is admin or row is floor:
                continue
            row["vs_admin"] = round(row["median_ms"] / admin["median_ms"], 2)
            row["p95_vs_floor"] = round(row["p95_ms"] / floor["p95_ms"], 2)
            if row["vs_admin"] > BUDGET["page_vs_admin"]:
                failures.append(
                    f"{key(row)}: median {row['median_ms']} ms is {row['vs_admin']}x the admin changelist's"
                )
            if row["p95_vs_floor"] >= BUDGET["p95_vs_floor"]:
                failures.append(f"{key(row)}: p95 {row['p95_ms']} ms is {row['p95_vs_floor']}x the floor's")
        for other in measured[:-1]:
            for row in other["pages"]:
                big = rows.get(key(row))
                for field in ("queries", "cold_queries"):
                    if big is not None and field in row and row[field] != big[field]:
                        failures.append(
                            f"{key(row)}: {row[field]} {field.replace('_', ' ')} at "
                            f"{other['enterprises']:,} enterprises, {big[field]} at {largest['enterprises']:,}"
                        )
    if "import" in result:
        imp = result["import"]
        if imp["total_seconds"] >= BUDGET["import_seconds"]:
            failures.append(f"import of {imp['rows']:,} rows took {imp['total_seconds']} s")
        if imp["process_peak_rss_mb"] >= BUDGET["import_mb"]:
            failures.append(f"import of {imp['rows']:,} rows peaked at {imp['process_peak_rss_mb']} MB")
    if "summary" in result:
        for one in result["summary"]["runs"]:
            if one["gather_share_percent"] >= BUDGET["gather_share"]:
                failures.append(
                    f"summary ({one['language']}): gathering is {one['gather_share_percent']} % of the time"
                )
    return failures


def table(result, sizes):
    lines = []
    measured = [result["sizes"][str(s)] for s in sizes if str(s) in result["sizes"]]
    if measured:
        head = ["page", "role"]
        for m in measured:
            head += [f"queries @{m['enterprises']:,}"]
        largest = measured[-1]
        head += [f"median ms @{largest['enterprises']:,}", "p95 ms", "x admin", "p95 x floor", "uncached ms"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        by_size = [{key(r): r for r in m["pages"]} for m in measured]
        for row in largest["pages"]:
            cells = [row["page"], row["role"]]
            for sized in by_size:
                other = sized.get(key(row), {})
                q = str(other.get("queries", ""))
                if "cold_queries" in other:
                    q += f" ({other['cold_queries']} uncached)"
                cells.append(q)
            cells += [
                f"{row['median_ms']:.1f}",
                f"{row['p95_ms']:.1f}",
                f"{row['vs_admin']:.2f}" if "vs_admin" in row else "",
                f"{row['p95_vs_floor']:.1f}" if "p95_vs_floor" in row else "",
                f"{row['cold_ms']:.0f}" if "cold_ms" in row else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for m in measured:
            lines.append(f"{m['enterprises']:,} enterprises: seed_demo --scale took {m['seed_seconds']} s")
    if "import" in result:
        imp = result["import"]
        lines.append(
            f"import of {imp['rows']:,} rows (.xlsx, {imp['file_bytes'] / 2**20:.1f} MB): {imp['total_seconds']} s "
            f"(check {imp['check_seconds']} s, write {imp['write_seconds']} s), "
            f"peak memory {imp['process_peak_rss_mb']} MB"
        )
    if "summary" in result:
        for one in result["summary"]["runs"]:
            lines.append(
                f"provincial summary, {result['summary']['data']['enterprises']:,} enterprises ({one['language']}): "
                f"gather {one['gather_seconds']} s ({one['gather_queries']} queries), "
                f"render {one['render_seconds']} s, gathering {one['gather_share_percent']} % of the total, "
                f"peak memory {one['process_peak_rss_mb']} MB"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
