"""Who sees and changes which pilot-unit report: role x object x action. Outside scope is a 404;
a page that is not for the role is a 403."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pilots.models import PilotReport, PilotUnit, ReportAttachment
from tests.pilots.factories import Q1, PilotReportFactory, pilot_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zj_report():
    return PilotReportFactory(unit=pilot_unit("ZJ", name_en="Ningbo Management Centre"), status="draft")


def photo(name="hazard.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def report_url(report):
    return f"/pilot-reports/{report.unit_id}/{report.period_start.isoformat()}/"


def test_the_querysets_scope(admin, coordinator_zj, coordinator_sc, consultant1, zj_report):
    sc_report = PilotReportFactory(unit=pilot_unit("SC"), status="submitted")
    assert set(PilotReport.objects.visible_to(admin)) == {zj_report, sc_report}
    assert list(PilotReport.objects.visible_to(coordinator_zj)) == [zj_report]
    assert list(PilotReport.objects.visible_to(coordinator_sc)) == [sc_report]
    assert not PilotReport.objects.visible_to(consultant1).exists()
    assert list(PilotReport.objects.editable_by(coordinator_zj)) == [zj_report]
    assert not PilotReport.objects.editable_by(coordinator_sc).exists()  # submitted: no longer editable
    assert not PilotReport.objects.editable_by(admin).exists()
    assert list(PilotReport.objects.reviewable_by(admin)) == [sc_report]
    assert not PilotReport.objects.reviewable_by(coordinator_sc).exists()
    assert set(PilotUnit.objects.visible_to(coordinator_zj)) == {zj_report.unit}
    assert not PilotUnit.objects.visible_to(consultant1).exists()


def test_outsiders_get_404_and_consultants_403(client_for, coordinator_sc, consultant1, zj_report, client):
    url = report_url(zj_report)
    sc, consultant = client_for(coordinator_sc), client_for(consultant1)
    assert sc.get(url).status_code == 404
    assert sc.post(url, {"action": "save", "version": 1, "eit_meetings": 1}).status_code == 404
    assert sc.post(url, {"action": "submit", "version": 1}).status_code == 404
    assert consultant.get(url).status_code == 403
    assert consultant.get("/pilot-reports/").status_code == 403
    assert client.get(url).status_code == 302  # anonymous: to sign-in
    other_period = f"/pilot-reports/{zj_report.unit_id}/2026-04-01/"  # no report yet: the unit is still hidden
    assert sc.get(other_period).status_code == 404
    zj_report.refresh_from_db()
    assert (zj_report.version, zj_report.eit_meetings) == (1, 3)


def test_a_non_pilot_enterprise_has_no_report_page(client_for, admin):
    from tests.enterprises.factories import EnterpriseFactory

    plain = EnterpriseFactory(is_pilot_unit=False)
    assert client_for(admin).get(f"/pilot-reports/{plain.pk}/{Q1.isoformat()}/").status_code == 404


def test_admin_sees_every_province_and_reviews_read_only(client_for, admin, zj_report):
    sc_report = PilotReportFactory(unit=pilot_unit("SC", name_en="Chengdu Pilot"), status="submitted")
    client = client_for(admin)
    page = client.get(report_url(sc_report)).content.decode()
    assert 'data-testid="review"' in page and 'data-testid="report-form"' not in page
    page = client.get(report_url(zj_report)).content.decode()
    assert 'data-testid="review"' not in page and 'data-testid="figures"' in page
    listed = client.get("/pilot-reports/").content.decode()
    assert "Ningbo Management Centre" in listed and "Chengdu Pilot" in listed


def test_attachments_stay_within_the_reports_scope(
    client_for, admin, coordinator_zj, coordinator_sc, consultant1, zj_report, settings, client
):
    response = client_for(coordinator_zj).post(
        report_url(zj_report) + "attachments/", {"file": photo(), "caption": "Fixed guard rail"}, follow=True
    )
    assert "File attached." in response.content.decode()
    attachment = ReportAttachment.objects.get()
    assert (attachment.kind, attachment.caption) == ("photo", "Fixed guard rail")
    assert (settings.MEDIA_ROOT / attachment.file.name).exists()
    url = f"/pilot-reports/attachments/{attachment.pk}/"
    for user in (coordinator_zj, admin):
        response = client_for(user).get(url)
        assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(coordinator_sc).get(url).status_code == 404
    assert client_for(consultant1).get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert client_for(coordinator_zj).get(f"/media/{attachment.file.name}").status_code == 404
    # Adding or removing: only the unit's coordinators, only while the report is open.
    assert client_for(coordinator_sc).post(report_url(zj_report) + "attachments/", {"file": photo()}).status_code == 404
    assert client_for(coordinator_sc).post(url + "delete/").status_code == 404
    assert client_for(admin).post(url + "delete/").status_code == 403
    PilotReport.objects.filter(pk=zj_report.pk).update(status="submitted")
    assert client_for(coordinator_zj).post(url + "delete/").status_code == 403
    assert client_for(coordinator_zj).post(report_url(zj_report) + "attachments/", {"file": photo()}).status_code == 403
    PilotReport.objects.filter(pk=zj_report.pk).update(status="returned")
    client_for(coordinator_zj).post(url + "delete/")
    assert not ReportAttachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "minutes.jpg",
            b"MZ\x90\x00\x03" + b"\x00" * 200,
            "Only photos (JPEG or PNG) and PDF documents can be attached",
        ),
        ("minutes.pdf", b"%PDF-1.4\n cut short", "This PDF is damaged or incomplete"),
    ],
    ids=["renamed-executable", "broken-pdf"],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client_for, coordinator_zj, zj_report, settings, name, content, message
):
    response = client_for(coordinator_zj).post(
        report_url(zj_report) + "attachments/", {"file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert message in response.content.decode()
    assert not ReportAttachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_pdf_is_kept_as_it_came(client_for, coordinator_zj, zj_report):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client_for(coordinator_zj).post(
        report_url(zj_report) + "attachments/", {"file": SimpleUploadedFile("minutes.pdf", pdf)}
    )
    attachment = ReportAttachment.objects.get()
    assert (attachment.kind, attachment.size, attachment.original_name) == ("pdf", len(pdf), "minutes.pdf")
    response = client_for(coordinator_zj).get(f"/pilot-reports/attachments/{attachment.pk}/?download=1")
    assert b"".join(response.streaming_content) == pdf
    assert "attachment" in response["Content-Disposition"]


def test_rule_page_is_for_administrators_only(client_for, admin, coordinator_zj, consultant1):
    assert client_for(admin).get("/pilot-reports/rule/").status_code == 200
    assert client_for(coordinator_zj).get("/pilot-reports/rule/").status_code == 403
    assert client_for(consultant1).get("/pilot-reports/rule/").status_code == 403
    assert client_for(coordinator_zj).post("/pilot-reports/rule/", {"due_days": 1}).status_code == 403
