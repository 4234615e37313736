"""The database and MEDIA_ROOT as the portal sees them, for scripts/backup.sh and restore.sh:
the settings read the environment and .env. Prints shell assignments; the libpq variables
(PGHOST, PGPORT, PGUSER, PGPASSWORD, SSL and connection options) are exported."""

import os
import shlex
import sys
from pathlib import Path

import environ

root = Path(__file__).resolve().parents[1]
environ.Env.read_env(root / ".env", overwrite=False)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/score_portal")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
sys.path.insert(0, str(root))
from django.conf import settings  # noqa: E402

db = settings.DATABASES["default"]
out = {
    "DB_ENGINE": db["ENGINE"],
    "DB_NAME": str(db.get("NAME") or ""),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "PORTAL_DATABASE_URL": os.environ["DATABASE_URL"],
}
libpq = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}  # nosec B105  # variable names, not a password
for key, var in libpq.items():
    if db.get(key):
        out[var] = str(db[key])
options = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
for key, value in (db.get("OPTIONS") or {}).items():
    if key in options:
        out[options[key]] = str(value)
for key, value in out.items():
    print(f"{key}={shlex.quote(value)}")
    if key.startswith("PG"):
        print(f"export {key}")
