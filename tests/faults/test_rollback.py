"""A database error in the middle of a submission rolls the whole of it back: no half-approved
visit with its KPI values already written, no half-imported spreadsheet."""

import pytest
from django.db import DatabaseError
from django.test import Client

from consultants.models import Visit, VisitEvent
from modules.models import Measurement
from score_portal.models import AuditEvent
from tests.consultants.factories import assigned_visit
from tests.consultants.test_visit_page import record_data
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def failing_client(user):
    """A browser's view of a server error: the page, not an exception in the test."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_an_approval_that_fails_half_way_leaves_nothing_behind(client_for, consultant1, coordinator_zj, monkeypatch):
    enterprise = EnterpriseFactory(name_en="Shaoxing Textiles", province=province("ZJ"))
    visit = assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise))
    kpi = visit.enrolment.module.indicators.filter(is_active=True).first()
    data = record_data(visit, **{f"kpi_{kpi.code}": "12.5"})
    client_for(consultant1).post(f"/visits/{visit.pk}/", {"action": "submit", **data})
    visit.refresh_from_db()
    assert visit.status == "submitted"
    reviewer = failing_client(coordinator_zj)
    events, audits = VisitEvent.objects.count(), AuditEvent.objects.count()

    original_save = Visit.save

    def save_then_fail(self, *args, **kwargs):
        if self.status == "approved":  # after the event, the audit row and the KPI values were written
            raise DatabaseError("the database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Visit, "save", save_then_fail)
    response = reviewer.post(f"/visits/{visit.pk}/", {"action": "approve", "version": visit.version})
    assert response.status_code == 500
    visit.refresh_from_db()
    assert visit.status == "submitted" and visit.reviewed_by is None
    assert not Measurement.objects.filter(enterprise=enterprise).exists()
    assert (VisitEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)

    monkeypatch.setattr(Visit, "save", original_save)  # the database is back: the same click works
    client_for(coordinator_zj).post(f"/visits/{visit.pk}/", {"action": "approve", "version": visit.version})
    visit.refresh_from_db()
    assert visit.status == "approved" and Measurement.objects.filter(enterprise=enterprise).count() == 1


def test_an_import_that_fails_half_way_imports_nothing(client_for, coordinator_zj, monkeypatch):
    from enterprises import services
    from enterprises.models import Enterprise
    from tests.enterprises.factories import credit_code
    from tests.enterprises.test_import_export import row, upload, xlsx

    client = client_for(coordinator_zj)
    preview = upload(client, xlsx([row(credit_code(n), f"Imported {n}", f"导入{n}") for n in range(1, 4)]))
    assert "3 rows checked: 3 will be added" in preview.content.decode()

    def audit_then_fail(**kwargs):  # every row written, then the last statement fails
        assert Enterprise.objects.filter(name_en__startswith="Imported").count() == 3
        raise DatabaseError("disk full")

    original = services.audit_log
    monkeypatch.setattr(services, "audit_log", audit_then_fail)
    client.raise_request_exception = False  # what the person sees: the error page
    response = client.post("/enterprises/import/confirm/", {"token": preview.context["token"]})
    assert response.status_code == 500
    assert not Enterprise.objects.filter(name_en__startswith="Imported").exists()

    monkeypatch.setattr(services, "audit_log", original)  # the database is back: confirming again works
    client.post("/enterprises/import/confirm/", {"token": preview.context["token"]})
    assert Enterprise.objects.filter(name_en__startswith="Imported").count() == 3
