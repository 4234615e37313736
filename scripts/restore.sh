#!/usr/bin/env bash
# `make restore ARCHIVE=...`: puts an archive of scripts/backup.sh back, the database into the
# one DATABASE_URL names and the files into MEDIA_ROOT (both read as the settings read them).
#
#   bash scripts/restore.sh ARCHIVE
#
# 1. The whole archive is checked before anything is touched: it must read to the end, hold
#    manifest.txt, database.dump and media/, the dump must match the manifest's checksum, and
#    the backup must not come from a newer release than this checkout (migrations it lacks).
# 2. The target must be empty: a database without tables (it is created when missing) and an
#    empty MEDIA_ROOT. RESTORE_FORCE=1 replaces what is there instead.
# 3. The database is restored in ONE transaction that ends with checking every table's rows
#    against the manifest: a restore that fails at any step leaves the database as it was.
#    With RESTORE_FORCE=1 that transaction first drops the public schema, so nothing of the
#    replaced database survives (not even tables a newer release added).
# 4. The files are put into MEDIA_ROOT (with RESTORE_FORCE=1 what was there is deleted first)
#    and counted against the manifest.
# 5. `manage.py migrate --noinput` brings a backup of an older release up to this checkout's
#    schema, as a deployment of this release would. RESTORE_MIGRATE=0 skips it (and the check
#    for a newer release), to restore a backup exactly as it was made.
#
# Stop the portal (web, worker, beat) first: the restore waits at most RESTORE_LOCK_TIMEOUT
# (30s) for their locks, and they would keep serving what was there before.
set -euo pipefail

CALLER_DIR=$PWD
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS=0

say() { printf 'restore: %s\n' "$*"; }
die() {
  printf 'restore: error: %s\n' "$*" >&2
  exit 1
}
refuse() {
  printf 'restore: refused: %s\n' "$*" >&2
  exit 2
}

[[ $# -eq 1 && -n $1 ]] || die "usage: bash scripts/restore.sh ARCHIVE (or: make restore ARCHIVE=backups/score-portal-....tar.gz)"
case $1 in /*) archive=$1 ;; *) archive=$CALLER_DIR/$1 ;; esac
[[ -f $archive && -r $archive ]] || die "no readable archive at $archive"
FORCE=${RESTORE_FORCE:-0}
MIGRATE=${RESTORE_MIGRATE:-1}

PY=${PYTHON:-$ROOT/.venv/bin/python}
[[ -x $PY ]] || PY=$(command -v python3 || true)
[[ -n $PY ]] || die "no Python found to read the portal's settings (run 'make deps' first)"
for tool in pg_restore psql createdb dropdb tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (the PostgreSQL client and GNU tar are needed)"
done

# The database and MEDIA_ROOT as the portal sees them (scripts/portal_settings.py).
config=$("$PY" scripts/portal_settings.py) || die "could not read the portal's settings (see the message above)"
eval "$config"
export DATABASE_URL=$PORTAL_DATABASE_URL
case $DB_ENGINE in
  django.db.backends.postgresql | django.contrib.gis.db.backends.postgis) ;;
  *) die "only PostgreSQL is supported, but DATABASE_URL points to ${DB_ENGINE##*.} (${DATABASE_URL%%:*})" ;;
esac
[[ -n $DB_NAME ]] || die "DATABASE_URL names no database"
[[ $MEDIA_ROOT == / ]] && die "MEDIA_ROOT is /"

work=$(mktemp -d "${TMPDIR:-/tmp}/score-portal-restore.XXXXXX")
created_db=0
cleanup() {
  status=$?
  if [[ $created_db == 1 ]]; then
    dropdb --if-exists "$DB_NAME" 2>/dev/null || printf 'restore: warning: could not drop %s, created by this restore\n' "$DB_NAME" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The archive, whole, before anything is touched.
say "checking $archive"
# gzip's checksum covers every byte; tar then checks the structure.
gzip --test "$archive" 2>"$work/gzip.err" ||
  refuse "the archive is damaged or incomplete ($(grep -m 1 . "$work/gzip.err")); nothing was changed"
LC_ALL=C tar --list --verbose --gzip --file="$archive" >"$work/listing" 2>"$work/tar.err" ||
  refuse "the archive is damaged or incomplete ($(grep -m 1 . "$work/tar.err")); nothing was changed"
awk '$1 !~ /^[-hd]/ { bad = 1 } END { exit !bad }' "$work/listing" &&
  refuse "the archive holds links or special files, which backup.sh never writes; nothing was changed"
tar --list --gzip --file="$archive" >"$work/names"
grep -qvE '^(manifest\.txt|database\.dump|media/?|media/.*)$' "$work/names" &&
  refuse "the archive holds other things than manifest.txt, database.dump and media/ ($(grep -vE '^(manifest\.txt|database\.dump|media/?|media/.*)$' "$work/names" | head -n 3 | tr '\n' ' ')); nothing was changed"
for member in manifest.txt database.dump; do
  grep -qx "$member" "$work/names" || refuse "the archive has no $member: not a complete backup; nothing was changed"
done
grep -qE '^media/?$' "$work/names" || refuse "the archive has no media/ folder: not a complete backup; nothing was changed"
tar --extract --gzip --file="$archive" -C "$work" manifest.txt database.dump

field() { sed -n "s/^$1: //p" "$work/manifest.txt" | head -n 1; }
[[ $(field format) == 1 ]] || refuse "manifest.txt is not of a backup this script knows (format '$(field format)'); nothing was changed"
[[ $(sha256sum "$work/database.dump" | cut -d' ' -f1) == "$(field dump_sha256)" ]] ||
  refuse "database.dump does not match the checksum in manifest.txt; nothing was changed"
media_files=$(field media_files)
archived_files=$(awk '$1 ~ /^[-h]/ && $6 ~ /^media\// { n++ } END { print n + 0 }' "$work/listing")
[[ $archived_files == "$media_files" ]] ||
  refuse "the archive holds $archived_files files, manifest.txt says $media_files; nothing was changed"
grep '^rows ' "$work/manifest.txt" >"$work/rows" || true
[[ $(wc -l <"$work/rows") -gt 0 && $(wc -l <"$work/rows") == "$(field tables)" ]] ||
  refuse "manifest.txt lists $(wc -l <"$work/rows") tables, it says $(field tables); nothing was changed"
grep -qvE '^rows [A-Za-z0-9_]+ [0-9]+$' "$work/rows" && refuse "manifest.txt has a malformed rows line; nothing was changed"
pg_restore --list "$work/database.dump" >"$work/toc" 2>"$work/pg_restore.err" ||
  refuse "pg_restore cannot read database.dump: $(head -n 1 "$work/pg_restore.err"); nothing was changed"
grep -qE '^[0-9]+; [0-9]+ [0-9]+ (BLOB|LARGE OBJECT) ' "$work/toc" &&
  refuse "database.dump holds large objects, which the portal never writes; restore it by hand with pg_restore"

if [[ $MIGRATE == 1 ]]; then
  # A backup from a newer release has migrations this checkout lacks: its code would not fit.
  pg_restore --data-only --table=django_migrations --file=- "$work/database.dump" |
    awk '/^COPY .*django_migrations/ { on = 1; next } /^\\\.$/ { on = 0 } on { print $2 "\t" $3 }' >"$work/applied"
  [[ -s $work/applied ]] || refuse "database.dump has no django_migrations rows: not a backup of the portal; nothing was changed"
  "$PY" - "$work/applied" >"$work/unknown" <<'PY' || die "could not read this checkout's migrations (see the message above)"
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
sys.path.insert(0, os.getcwd())
import django  # noqa: E402

django.setup()
from django.db.migrations.loader import MigrationLoader  # noqa: E402

loader = MigrationLoader(None, ignore_no_migrations=True)
known = set(loader.disk_migrations)
for migration in loader.disk_migrations.values():
    known.update(migration.replaces or [])
apps = {app for app, _name in known}
with open(sys.argv[1]) as applied:
    for line in applied:
        app, name = line.rstrip("\n").split("\t")
        if app in apps and (app, name) not in known:
            print(f"{app}.{name}")
PY
  [[ -s $work/unknown ]] &&
    refuse "the backup was made by a newer release of the portal ($(field portal_revision)): this checkout lacks the migrations $(tr '\n' ' ' <"$work/unknown"). Restore it with that release, or set RESTORE_MIGRATE=0 to restore it unmigrated; nothing was changed"
fi

# 2. The target: empty, or RESTORE_FORCE=1.
maintenance_db=${RESTORE_MAINTENANCE_DB:-postgres}
databases=$(psql -X -tA --dbname="$maintenance_db" -c 'SELECT datname FROM pg_database') ||
  die "cannot connect to PostgreSQL (${PGHOST:-local socket}:${PGPORT:-5432}) to look for $DB_NAME; see the message above"
db_exists=0
grep -qxF "$DB_NAME" <<<"$databases" && db_exists=1
tables=0
if [[ $db_exists == 1 ]]; then
  tables=$(psql -X -tA --dbname="$DB_NAME" -c \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") ||
    die "cannot connect to $DB_NAME; see the message above"
fi
media_used=0
if [[ -e $MEDIA_ROOT ]]; then
  [[ -d $MEDIA_ROOT ]] || die "MEDIA_ROOT $MEDIA_ROOT is not a folder"
  [[ -n $(find "$MEDIA_ROOT" -mindepth 1 -print -quit) ]] && media_used=1
fi
if [[ $FORCE != 1 ]]; then
  problems=()
  if [[ $tables -gt 0 ]]; then
    rows=$(psql -X -tA --dbname="$DB_NAME" -c "SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint), 0) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    problems+=("the database $DB_NAME already has $tables tables with $rows rows")
  fi
  [[ $media_used == 1 ]] && problems+=("MEDIA_ROOT $MEDIA_ROOT is not empty ($(find "$MEDIA_ROOT" -type f -printf . | wc -c) files)")
  if [[ ${#problems[@]} -gt 0 ]]; then
    refuse "$(printf '%s; ' "${problems[@]}")nothing was changed. Set RESTORE_FORCE=1 to replace them with the backup."
  fi
fi

say "backup of $(field database) made $(field created), release $(field portal_revision)"

# 3. The database, in one transaction that checks every table before it commits.
if [[ $db_exists == 0 ]]; then
  say "creating database $DB_NAME"
  createdb --maintenance-db="$maintenance_db" "$DB_NAME" || die "createdb $DB_NAME failed; see the message above"
  created_db=1
fi
# shellcheck disable=SC2016 # $check$ quotes a PL/pgSQL body, not a shell expansion
{
  echo 'DO $check$ DECLARE n bigint; BEGIN'
  echo "  IF (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE') <> $(field tables) THEN"
  echo "    RAISE EXCEPTION 'the restored database does not have the backup''s $(field tables) tables'; END IF;"
  while read -r _ table count; do
    echo "  SELECT count(*) INTO n FROM public.\"$table\";"
    echo "  IF n <> $count THEN RAISE EXCEPTION 'table $table has % rows after the restore, the backup had $count', n; END IF;"
  done <"$work/rows"
  echo 'END $check$;'
} >"$work/check.sql"
say "restoring database $DB_NAME$([[ $FORCE == 1 && $tables -gt 0 ]] && echo ' (replacing its tables)')"
{
  echo "SET client_min_messages = warning;"
  echo "SET lock_timeout = '${RESTORE_LOCK_TIMEOUT:-30s}';"
  echo "BEGIN;"
  if [[ $FORCE == 1 && $tables -gt 0 ]]; then
    # Drop everything of the replaced database, then give the schema back its owner.
    cat <<'SQL'
DO $drop$ DECLARE owner text; BEGIN
  SELECT nspowner::regrole::text INTO owner FROM pg_namespace WHERE nspname = 'public';
  DROP SCHEMA public CASCADE;
  CREATE SCHEMA public;
  IF owner IS NOT NULL THEN EXECUTE format('ALTER SCHEMA public OWNER TO %s', owner); END IF;
  GRANT USAGE ON SCHEMA public TO PUBLIC;
END $drop$;
SQL
  fi
  pg_restore --no-owner --no-privileges --file=- "$work/database.dump" || exit 1
  cat "$work/check.sql"
  # COMMIT only here: if anything above failed, psql stops (or reaches the end) without it
  # and PostgreSQL rolls the whole restore back.
  echo "COMMIT;"
} | psql -X -q -v ON_ERROR_STOP=1 --dbname="$DB_NAME" >/dev/null 2>"$work/psql.err" || {
  cat "$work/psql.err" >&2
  grep -q 'lock timeout' "$work/psql.err" && die "the database is in use: stop the portal (web, worker, beat) and try again; nothing was changed"
  die "restoring the database failed (see the message above); it was rolled back, nothing was changed"
}
created_db=0
say "database restored: $(field tables) tables, $(awk '{ n += $3 } END { print n + 0 }' "$work/rows") rows, as in the backup"

# 4. The files.
mkdir -p "$MEDIA_ROOT"
if [[ $FORCE == 1 && $media_used == 1 ]]; then
  say "deleting the files in $MEDIA_ROOT"
  find "$MEDIA_ROOT" -mindepth 1 -delete
fi
say "restoring files into $MEDIA_ROOT"
tar --extract --gzip --file="$archive" -C "$MEDIA_ROOT" --strip-components=1 media ||
  die "extracting the files into $MEDIA_ROOT failed (see the message above); the database is restored, the files are not complete"
restored_files=$(find "$MEDIA_ROOT" -type f -printf . | wc -c)
[[ $restored_files == "$media_files" ]] ||
  die "$MEDIA_ROOT holds $restored_files files after the restore, the backup had $media_files"
say "files restored: $media_files ($(field media_bytes) bytes)"

# 5. This release's schema.
if [[ $MIGRATE == 1 ]]; then
  say "bringing the database up to this release (manage.py migrate)"
  "$PY" manage.py migrate --noinput ||
    die "manage.py migrate failed: the backup is restored but not migrated; fix the cause and run 'make migrate'"
fi
say "done in ${SECONDS}s"
