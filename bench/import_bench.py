"""The enterprise import of a large .xlsx, as an administrator does it in the browser: upload
(read, check every row, keep the checked table for confirmation), then confirm (write).

Run by bench/run in its own process, so the peak memory it reports (ru_maxrss) is the import's:

    DATABASE_URL=postgres://…/score_bench_import python bench/import_bench.py FILE.xlsx

Prints one JSON object. ``--make FILE --rows N`` writes the file instead (not timed)."""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
os.environ["DJANGO_DEBUG"] = "false"


def rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def make(path, rows):
    from enterprises.demo import credit_code_for
    from enterprises.spreadsheets import ENTERPRISE_COLUMNS, write_xlsx

    provinces = ["ZJ", "SC", "Zhejiang", "Sichuan"]
    statuses = ["prospect", "enrolled", "active", "completed"]
    table = [
        [
            credit_code_for(f"import-{n}", "330100"),
            f"Imported enterprise {n:05d}",
            f"导入企业{n:05d}",
            provinces[n % 4],
            "Hangzhou",
            "C",
            statuses[n % 4],
            "2026-03-01",
            "",
            "yes" if n % 50 == 0 else "no",
            f"No. {n} Wensan Road",
            "王芳",
            "13800000000",
            f"contact{n}@example.org",
            40 + n % 60,
            50 + n % 80,
            "",
        ]
        for n in range(rows)
    ]
    Path(path).write_bytes(write_xlsx(ENTERPRISE_COLUMNS, table, "Enterprises"))


def run(path):
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    from enterprises.models import Enterprise
    from score_portal.models import User

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(User.objects.get(email="admin@score.demo"))
    data = Path(path).read_bytes()
    before = Enterprise.objects.count()
    rss_start = rss_mb()
    started = time.perf_counter()
    upload = SimpleUploadedFile(Path(path).name, data, content_type="application/octet-stream")
    page = client.post("/enterprises/import/", {"kind": "enterprises", "file": upload})
    checked = time.perf_counter()
    token = page.context["token"] if page.context and "token" in page.context else None
    if page.status_code != 200 or token is None:
        errors = page.context.get("errors") if page.context else None
        raise SystemExit(f"the upload was not accepted: {page.status_code} {errors[:3] if errors else ''}")
    done = client.post("/enterprises/import/confirm/", {"token": token})
    written = time.perf_counter()
    if done.status_code != 302:
        raise SystemExit(f"the confirmation failed: {done.status_code}")
    added = Enterprise.objects.count() - before
    return {
        "file_bytes": len(data),
        "rows_added": added,
        "check_seconds": round(checked - started, 2),
        "write_seconds": round(written - checked, 2),
        "total_seconds": round(written - started, 2),
        "process_rss_before_mb": rss_start,
        "process_peak_rss_mb": rss_mb(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--make", action="store_true", help="write the file instead of importing it")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    import django

    django.setup()
    if args.make:
        make(args.file, args.rows)
        return
    print(json.dumps(run(args.file)))


if __name__ == "__main__":
    main()
