#!/usr/bin/env bash
# `make backup`: one archive with everything the portal keeps, the PostgreSQL database and
# the uploaded and generated files under MEDIA_ROOT.
#
#   bash scripts/backup.sh [ARCHIVE]
#
# ARCHIVE defaults to $BACKUP_DIR/score-portal-YYYYmmdd-HHMMSS.tar.gz (BACKUP_DIR: ./backups).
# The database and MEDIA_ROOT are the portal's own: DATABASE_URL and MEDIA_ROOT from the
# environment or .env, as the settings read them (DATABASE_URL defaults to the local
# PostgreSQL database score_portal). Only PostgreSQL is supported.
#
# The archive holds
#   database.dump  pg_dump --format=custom --no-owner --no-privileges
#   media/         the files under MEDIA_ROOT
#   manifest.txt   when, from which database and release, the rows of every table (counted in
#                  the same snapshot as the dump) and the files, which scripts/restore.sh checks
# It is written under a temporary name and renamed when complete, so an archive under its
# final name is always whole. It holds personal data and password hashes: it is readable by
# its owner only; keep it somewhere as safe as the database itself.
set -euo pipefail

CALLER_DIR=$PWD
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS=0

say() { printf 'backup: %s\n' "$*"; }
die() {
  printf 'backup: error: %s\n' "$*" >&2
  exit 1
}
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$CALLER_DIR/$1" ;; esac }

PY=${PYTHON:-$ROOT/.venv/bin/python}
[[ -x $PY ]] || PY=$(command -v python3 || true)
[[ -n $PY ]] || die "no Python found to read the portal's settings (run 'make deps' first)"
for tool in pg_dump psql tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (the PostgreSQL client and GNU tar are needed)"
done

# The database and MEDIA_ROOT as the portal sees them (scripts/portal_settings.py).
config=$("$PY" scripts/portal_settings.py) || die "could not read the portal's settings (see the message above)"
eval "$config"
export DATABASE_URL=$PORTAL_DATABASE_URL
case $DB_ENGINE in
  django.db.backends.postgresql | django.contrib.gis.db.backends.postgis) ;;
  *) die "only PostgreSQL is supported, but DATABASE_URL points to ${DB_ENGINE##*.} (${DATABASE_URL%%:*}). Back up a SQLite demo by copying db.sqlite3 and $MEDIA_ROOT while the portal is stopped." ;;
esac
[[ -n $DB_NAME ]] || die "DATABASE_URL names no database"
psql -X -q -tA --dbname="$DB_NAME" -c 'SELECT 1' >/dev/null ||
  die "cannot connect to the database $DB_NAME (${PGHOST:-local socket}:${PGPORT:-5432}); see the message above"

# Where the archive goes. Private from the start: it holds personal data and password hashes.
umask 077
if [[ $# -ge 1 && -n $1 ]]; then
  target=$(absolute "$1")
else
  dir=$(absolute "${BACKUP_DIR:-$ROOT/backups}")
  mkdir -p "$dir"
  # Backups inside the checkout must never end up in git.
  if [[ $dir == "$ROOT/backups" && ! -e $dir/.gitignore ]]; then
    printf '# Backups hold personal data: never commit them.\n*\n' >"$dir/.gitignore"
  fi
  target=$dir/score-portal-$(date +%Y%m%d-%H%M%S).tar.gz
fi
[[ $target == *.tar.gz ]] || die "the archive name must end in .tar.gz: $target"
[[ -e $target ]] && die "$target already exists; not overwriting it"
target_dir=$(dirname "$target")
[[ -d $target_dir ]] || die "the folder $target_dir does not exist"
if [[ -d $MEDIA_ROOT ]]; then
  media_real=$(cd "$MEDIA_ROOT" && pwd -P)
  target_real=$(cd "$target_dir" && pwd -P)
  [[ $target_real/ == "$media_real"/* ]] && die "the archive would be written inside MEDIA_ROOT ($MEDIA_ROOT); choose another folder"
fi

# Work next to the target, so the finished archive is renamed into place, never copied.
work=$(mktemp -d "$target_dir/.score-portal-backup.XXXXXX")
snap_pid=
cleanup() {
  [[ -n $snap_pid ]] && kill "$snap_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The database. One read-only transaction exports its snapshot; the rows are counted in it
# and pg_dump dumps exactly it, so the manifest's counts are those of the dump even while the
# portal keeps working.
say "dumping database $DB_NAME"
mkfifo "$work/to-psql" "$work/from-psql"
psql -X -q -tA -v ON_ERROR_STOP=1 --dbname="$DB_NAME" <"$work/to-psql" >"$work/from-psql" 2>"$work/snapshot.err" &
snap_pid=$!
exec {snap_in}>"$work/to-psql" {snap_out}<"$work/from-psql"
cat >&"$snap_in" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot();
SELECT 'rows ' || table_name || ' ' || (xpath('/row/n/text()',
         query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
  FROM information_schema.tables
 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
 ORDER BY table_name;
SELECT 'end-of-counts';
SQL
IFS= read -r -t 60 -u "$snap_out" snapshot ||
  die "could not open a snapshot of $DB_NAME: $(cat "$work/snapshot.err")"
[[ $snapshot =~ ^[0-9A-F]+-[0-9A-F]+-[0-9]+$ ]] || die "could not open a snapshot of $DB_NAME: $snapshot $(cat "$work/snapshot.err")"
: >"$work/rows"
while IFS= read -r -t 300 -u "$snap_out" line; do
  [[ $line == end-of-counts ]] && break
  printf '%s\n' "$line" >>"$work/rows"
done
[[ ${line:-} == end-of-counts ]] || die "could not count the rows of $DB_NAME: $(cat "$work/snapshot.err")"
grep -q '^rows django_migrations ' "$work/rows" || die "$DB_NAME has no django_migrations table: is it the portal's database?"
pg_dump --format=custom --no-owner --no-privileges --snapshot="$snapshot" \
  --file="$work/database.dump" --dbname="$DB_NAME" || die "pg_dump failed (see the message above)"
printf 'COMMIT;\n' >&"$snap_in"
exec {snap_in}>&- {snap_out}<&-
wait "$snap_pid" || die "the snapshot transaction failed: $(cat "$work/snapshot.err")"
snap_pid=
dump_sha=$(sha256sum "$work/database.dump" | cut -d' ' -f1)

# 2. The files, after the dump: a file deleted meanwhile is the only thing the dump can
# mention and the archive miss. GNU tar says 1 when a file changed while it was read (an
# upload in progress): the archive is still whole, so that is a warning, not a failure.
say "archiving files from $MEDIA_ROOT"
media_src=$MEDIA_ROOT
if [[ ! -d $MEDIA_ROOT ]]; then
  printf 'backup: warning: MEDIA_ROOT %s does not exist; the archive has no files\n' "$MEDIA_ROOT" >&2
  media_src=$work/empty-media
  mkdir "$media_src"
fi
status=0
tar --create --file="$work/archive.tar" -C "$work" database.dump \
  -C "$media_src" --transform='s,^\.,media,S' . || status=$?
if [[ $status -eq 1 ]]; then
  printf 'backup: warning: some files changed while they were archived (the portal was writing)\n' >&2
elif [[ $status -ne 0 ]]; then
  die "tar failed to archive $MEDIA_ROOT (see the message above)"
fi
# Count the files the archive really holds, not those in the folder a moment earlier.
read -r media_files media_bytes < <(LC_ALL=C tar --list --verbose --file="$work/archive.tar" |
  awk '$1 ~ /^[-h]/ && $6 ~ /^media\// { n++; b += $3 } END { printf "%d %d\n", n, b }')
[[ ${media_files:-} =~ ^[0-9]+$ ]] || die "could not list the archive just written"

# 3. The manifest, last in the archive.
revision=$(git --no-optional-locks rev-parse HEAD 2>/dev/null || echo unknown)
if [[ $revision != unknown ]] && ! git --no-optional-locks diff --quiet HEAD -- 2>/dev/null; then
  revision="$revision (with uncommitted changes)"
fi
{
  echo "# SCORE Portal backup; scripts/restore.sh reads this file."
  echo "format: 1"
  echo "created: $(date --iso-8601=seconds)"
  echo "database: $DB_NAME"
  echo "server: $(psql -X -tA --dbname="$DB_NAME" -c 'SHOW server_version')"
  echo "pg_dump: $(pg_dump --version)"
  echo "portal_revision: $revision"
  echo "last_migrations: $(psql -X -tA --dbname="$DB_NAME" -c \
    "SELECT string_agg(app || '.' || name, ' ' ORDER BY app) FROM (SELECT DISTINCT ON (app) app, name FROM django_migrations ORDER BY app, applied DESC, id DESC) m")"
  echo "dump_sha256: $dump_sha"
  echo "media_root: $MEDIA_ROOT"
  echo "media_files: $media_files"
  echo "media_bytes: $media_bytes"
  echo "tables: $(wc -l <"$work/rows")"
  cat "$work/rows"
} >"$work/manifest.txt"
tar --append --file="$work/archive.tar" -C "$work" manifest.txt || die "tar failed to add the manifest"

gzip -6 "$work/archive.tar" || die "compressing the archive failed (see the message above)"
gzip --test "$work/archive.tar.gz" || die "the archive just written does not read back"
sync "$work/archive.tar.gz" 2>/dev/null || true
[[ -e $target ]] && die "$target appeared meanwhile; not overwriting it"
mv -T "$work/archive.tar.gz" "$target" || die "could not move the archive to $target"

rows_total=$(awk '{ n += $3 } END { print n + 0 }' "$work/rows")
say "wrote $target ($(du -h "$target" | cut -f1)) in ${SECONDS}s:"
say "  database $DB_NAME: $(wc -l <"$work/rows") tables, $rows_total rows; $media_files files ($media_bytes bytes)"
