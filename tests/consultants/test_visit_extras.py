"""The visit page's history and files are kept in the cache per visit: whatever changes them
(a step of the workflow, a file attached or removed) shows on the next page, for the consultant
and the coordinator, and a page read while a change was being committed is not kept."""

import socket

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consultants import extras
from consultants.models import Attachment, VisitEvent
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def visit(consultant1):
    enterprise = EnterpriseFactory(province=province("ZJ"))
    return assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise), status="draft")


def page(client, visit):
    response = client.get(f"/visits/{visit.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def history(html):
    return html.split(">History<", 1)[1]


def test_a_file_attached_or_removed_shows_on_the_next_page(client_for, consultant1, visit):
    client = client_for(consultant1)
    assert "No photo or document yet." in page(client, visit)  # read, and kept
    client.post(
        f"/visits/{visit.pk}/attachments/",
        {"file": SimpleUploadedFile("line-plan.pdf", PDF, content_type="application/pdf"), "caption": ""},
    )
    shown = page(client, visit)
    assert "PDF · line-plan.pdf" in shown and "No photo or document yet." not in shown
    client.post(f"/attachments/{Attachment.objects.get().pk}/delete/")
    shown = page(client, visit)
    assert "line-plan.pdf" not in shown and "No photo or document yet." in shown


def test_a_step_of_the_workflow_shows_in_the_history_of_both_sides(client_for, consultant1, coordinator_zj, visit):
    mine, theirs = client_for(consultant1), client_for(coordinator_zj)
    assert "No step recorded yet." in history(page(mine, visit))
    assert "No step recorded yet." in history(page(theirs, visit))
    mine.post(
        f"/visits/{visit.pk}/",
        {
            "action": "submit",
            "version": visit.version,
            "held_on": "2026-11-02",
            "duration_hours": "3",
            "activities": "Walked the line",
            "findings": "Oil on the floor",
        },
    )
    visit.refresh_from_db()
    assert visit.status == "submitted"
    for client in (mine, theirs):
        shown = history(page(client, visit))
        assert "Submitted" in shown and "No step recorded yet." not in shown
    theirs.post(f"/visits/{visit.pk}/", {"action": "return", "version": visit.version, "comment": "Add the counts"})
    shown = history(page(mine, visit))
    assert "Returned" in shown and "Add the counts" in shown


def test_kpi_values_saved_or_cleared_show_on_the_next_page(client_for, consultant1, visit):
    client = client_for(consultant1)
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()
    field = f'name="kpi_{kpi.code}"'
    assert f"{field} value=" not in page(client, visit)  # read, and kept
    for typed, shown in (("12.5", f'{field} value="12.5000"'), ("13", f'{field} value="13.0000"')):
        visit.refresh_from_db()
        saved = client.post(
            f"/visits/{visit.pk}/autosave/",
            {"version": visit.version, "duration_hours": "3", f"kpi_{kpi.code}": typed},
            HTTP_HX_REQUEST="true",
        )
        assert saved.status_code == 200
        assert shown in page(client, visit)
    visit.refresh_from_db()
    client.post(
        f"/visits/{visit.pk}/autosave/",
        {"version": visit.version, "duration_hours": "3", f"kpi_{kpi.code}": ""},
        HTTP_HX_REQUEST="true",
    )
    assert f"{field} value=" not in page(client, visit)


def test_the_lists_are_read_once_and_then_come_from_the_cache(client_for, consultant1, visit):
    client = client_for(consultant1)
    page(client, visit)  # the session, menus and lists are read and kept
    cache.delete(extras.key(visit.pk))
    with CaptureQueriesContext(connection) as reading:
        page(client, visit)
    with CaptureQueriesContext(connection) as kept:
        page(client, visit)

    def lists(queries):
        tables = ("consultants_visitevent", "consultants_attachment", "consultants_visitreading")
        return [t for q in queries for t in tables if f'FROM "{t}"' in q["sql"]]

    assert sorted(lists(reading.captured_queries)) == [
        "consultants_attachment",
        "consultants_visitevent",
        "consultants_visitreading",
    ]
    assert lists(kept.captured_queries) == []
    assert len(kept.captured_queries) == len(reading.captured_queries) - 3


def test_a_page_read_while_a_change_commits_is_not_kept(visit, consultant1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        VisitEvent.objects.create(visit=visit, from_status="draft", to_status="submitted", by=consultant1)
        cache.set(extras.key(visit.pk), ([], [], {}), extras.TIMEOUT)  # kept by a page read before the commit
    events, _files, _readings = extras.visit_extras(visit)
    assert [(e.to_status, e.by.email) for e in events] == [("submitted", consultant1.email)]


def test_with_the_cache_unreachable_the_lists_are_read(client_for, consultant1, visit, settings):
    VisitEvent.objects.create(visit=visit, from_status="planned", to_status="draft", by=consultant1)
    with socket.socket() as spare:  # a port nothing listens on: a Redis that has stopped
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    settings.CACHES = {
        "default": {"BACKEND": "score_portal.cache.TolerantRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    shown = history(page(client_for(consultant1), visit))
    assert "Planned" in shown and "Draft" in shown
