"""Rules of the house that a grep can keep: views reach objects only through the access policy."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEW_FILES = sorted(p for p in ROOT.glob("*/views.py") if ".venv" not in p.parts)


def test_views_never_fetch_objects_around_the_access_policy():
    offenders = []
    for path in VIEW_FILES:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.objects\.get\(|get_object_or_404\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert VIEW_FILES, "no views found"
    assert offenders == [], "use get_visible_or_404 / get_editable_or_404 instead"


def test_every_scoped_model_defines_visible_to():
    from django.apps import apps

    from score_portal.access import ScopedQuerySet

    missing = []
    for model in apps.get_models():
        queryset = model._default_manager.get_queryset()
        if isinstance(queryset, ScopedQuerySet) and type(queryset).visible_to is ScopedQuerySet.visible_to:
            missing.append(model.__name__)
    assert missing == []
