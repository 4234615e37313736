"""Simplified Chinese is complete: every string the code marks for translation has a
Chinese translation, and the compiled catalogue matches the source."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def untranslated(po):
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_committed_catalogue_is_complete():
    po = polib.pofile(str(PO))
    assert len(po) > 50
    assert untranslated(po) == []


def test_compiled_catalogue_matches_the_source():
    po = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(PO))
        if not e.obsolete and e.translated()
    }
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(MO))
        if e.msgid
    }
    assert mo == po, "locale/zh_Hans is not compiled: run `make messages`"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext (scripts/os-deps.sh installs it)")
def test_every_marked_string_has_a_translation(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.i18n_settings", "I18N_CHECK_LOCALE_DIR": str(locale)}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--ignore=.venv",
            "--ignore=static",
            "--ignore=tests",
            "--ignore=var",
            "--ignore=media",
            "--ignore=docs",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    missing = untranslated(polib.pofile(str(locale / "zh_Hans" / "LC_MESSAGES" / "django.po")))
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: run `make messages` and translate"
