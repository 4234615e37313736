"""Photos and documents on a visit: recognised by content, size-limited, downscaled, kept
out of the public paths and sent only to people who may see the visit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from consultants.models import Attachment
from tests.consultants.factories import assigned_visit
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def visit(consultant1):
    return assigned_visit(consultant1, EnrolmentFactory(enterprise=EnterpriseFactory(province=province("ZJ"))))


def photo(width=3000, height=2000, fmt="JPEG", name="press-3.jpg"):
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # a camera tag that must not survive re-encoding
    image.save(buffer, format=fmt, **({"exif": exif} if fmt == "JPEG" else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def upload(client, visit, file, caption=""):
    return client.post(f"/visits/{visit.pk}/attachments/", {"file": file, "caption": caption}, follow=True)


def test_a_photo_is_stored_downscaled_and_without_its_metadata(client_for, consultant1, visit, settings):
    page = upload(client_for(consultant1), visit, photo(), caption="Oil near press 3").content.decode()
    assert "File attached." in page
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.content_type, attachment.caption) == ("photo", "image/jpeg", "Oil near press 3")
    assert (attachment.width, attachment.height) == (1600, 1067)
    path = settings.MEDIA_ROOT / attachment.file.name
    assert path.exists() and str(settings.STATIC_ROOT) not in str(path)
    with Image.open(path) as stored:
        assert stored.size == (1600, 1067)
        assert 0x010F not in stored.getexif()
    assert attachment.size == path.stat().st_size


def test_a_pdf_is_kept_as_it_is(client_for, consultant1, visit):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    upload(client_for(consultant1), visit, SimpleUploadedFile("plan.pdf", pdf, content_type="application/pdf"))
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.size, attachment.original_name) == ("pdf", len(pdf), "plan.pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200, "Only photos (JPEG or PNG) and PDF documents can be attached"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"not really an image" * 20, "This image is damaged or incomplete"),
        ("report.pdf", b"%PDF-1.4\n cut short", "This PDF is damaged or incomplete"),
        ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1), "files up to 10 MB can be attached"),
    ],
    ids=["renamed-executable", "broken-image", "broken-pdf", "oversized"],
)
def test_bad_files_are_refused_with_the_reason(client_for, consultant1, visit, settings, name, content, message):
    page = upload(client_for(consultant1), visit, SimpleUploadedFile(name, content)).content.decode()
    assert message in page
    assert not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_files_are_sent_only_within_the_visits_scope(
    client_for, consultant1, consultant2, coordinator_zj, coordinator_sc, admin, visit, client
):
    upload(client_for(consultant1), visit, photo(800, 600))
    attachment = Attachment.objects.get()
    url = f"/attachments/{attachment.pk}/"
    for user in (consultant1, coordinator_zj, admin):
        response = client_for(user).get(url)
        assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    for user in (consultant2, coordinator_sc):
        assert client_for(user).get(url).status_code == 404
    assert client.get(url).status_code == 302  # anonymous: to sign-in
    assert client_for(consultant2).post(f"/attachments/{attachment.pk}/delete/").status_code == 404
    assert client_for(coordinator_zj).post(f"/attachments/{attachment.pk}/delete/").status_code == 403
    client_for(consultant1).post(f"/attachments/{attachment.pk}/delete/")
    assert not Attachment.objects.exists()


def test_media_is_not_served_by_url(client_for, consultant1, visit):
    upload(client_for(consultant1), visit, photo(800, 600))
    attachment = Attachment.objects.get()
    assert client_for(consultant1).get(f"/media/{attachment.file.name}").status_code == 404
