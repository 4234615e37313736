"""`make backup` and `make restore`: the demo's database and uploaded files go into one archive,
which restores into an empty database and MEDIA_ROOT with every row and every file as it was;
a damaged archive or a target already in use is refused and changes nothing.

The scripts run as an operator runs them, against the test database (PostgreSQL only)."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from consultants.models import Attachment, Visit
from enterprises.models import Enterprise
from reports.models import ReportJob

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL databases"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="the PostgreSQL client is installed with the server"),
]


def database_url(name):
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def run(script, *args, database, media, **extra):
    env = {**os.environ, "DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media), **extra}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def server(database):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=database,
        user=db.get("USER") or "postgres",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    conn.autocommit = True
    return conn


def drop(name):
    conn = server("postgres")
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def contents(database):
    """Every table's row count and a digest of all its rows, as PostgreSQL prints them."""
    conn = server(database)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [name for (name,) in cur.fetchall()]
        result = {}
        for table in tables:
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"  # noqa: S608 (names from the catalogue)
            )
            result[table] = cur.fetchone()
    conn.close()
    return result


def files(media):
    return {
        str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(media).rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    drop(name)
    yield name
    drop(name)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    return settings.MEDIA_ROOT


def test_a_backup_restores_every_record_and_file_into_an_empty_database(demo, tmp_path, restored_name):
    source = connection.settings_dict["NAME"]
    connection.close()  # the dump waits for nobody, but the test's own connection is not needed
    archive = tmp_path / "backups" / "demo.tar.gz"
    archive.parent.mkdir()

    made = run("backup.sh", archive, database=source, media=demo)
    assert made.returncode == 0, made.stderr
    assert archive.exists() and oct(archive.stat().st_mode & 0o777) == "0o600"
    assert "wrote" in made.stdout

    target_media = tmp_path / "restored-media"
    restored = run("restore.sh", archive, database=restored_name, media=target_media)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "database restored" in restored.stdout and "files restored" in restored.stdout

    before, after = contents(source), contents(restored_name)
    assert after == before
    assert before["enterprises_enterprise"][0] > 0 and before["consultants_visit"][0] > 0

    stored = files(demo)
    assert stored and files(target_media) == stored
    # Every file the restored records point to is there.
    conn = server(restored_name)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT file FROM consultants_attachment UNION ALL SELECT file FROM reports_reportjob WHERE file <> ''"
        )
        pointed = [name for (name,) in cur.fetchall()]
    conn.close()
    assert pointed and all(name in stored for name in pointed)
    assert Attachment.objects.count() > 0 and ReportJob.objects.exclude(file="").count() > 0


def test_a_damaged_archive_or_a_used_target_is_refused_and_nothing_changes(demo, tmp_path, restored_name):
    source = connection.settings_dict["NAME"]
    enterprises, visits = Enterprise.objects.count(), Visit.objects.count()
    connection.close()
    archive = tmp_path / "demo.tar.gz"
    assert run("backup.sh", archive, database=source, media=demo).returncode == 0
    before = contents(source)

    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = run("restore.sh", damaged, database=restored_name, media=tmp_path / "empty-media")
    assert refused.returncode == 2
    assert "the archive is damaged or incomplete" in refused.stderr and "nothing was changed" in refused.stderr
    conn = server("postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [restored_name])
        assert cur.fetchone() == (0,)
    conn.close()
    assert not (tmp_path / "empty-media").exists() or not any((tmp_path / "empty-media").iterdir())

    # The portal's own database, in use: refused, untouched.
    refused = run("restore.sh", archive, database=source, media=demo)
    assert refused.returncode == 2
    assert "already has" in refused.stderr and "RESTORE_FORCE=1" in refused.stderr
    assert contents(source) == before
    assert (Enterprise.objects.count(), Visit.objects.count()) == (enterprises, visits)
