"""Uploaded photos and PDFs: recognised by their content (never their name), size-limited,
and photos re-encoded smaller. Every upload form of the portal uses these."""

import io

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_MB = 10
PHOTO_MAX_SIDE = 1600
SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


class CheckedUpload:
    """What a checked upload turned out to be: its content type and, for a photo, the image."""

    def __init__(self, upload, content_type, image=None):
        self.upload, self.content_type, self.image = upload, content_type, image

    @property
    def is_pdf(self):
        return self.content_type == "application/pdf"

    def content(self):
        """The bytes to store: a PDF as it came, a photo made smaller (see ``downscale``)."""
        if self.is_pdf:
            self.upload.seek(0)
            return self.upload.read(), None
        return downscale(self.image, self.content_type)


def check_upload(upload):
    """A CheckedUpload, or a ValidationError saying in the user's language what is wrong."""
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise forms.ValidationError(
            _("This file is %(size).1f MB; files up to %(limit)d MB can be attached.")
            % {"size": upload.size / 1024 / 1024, "limit": MAX_UPLOAD_MB}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = next((t for sig, t in SIGNATURES.items() if head.startswith(sig)), None)
    if content_type is None:
        raise forms.ValidationError(
            _("Only photos (JPEG or PNG) and PDF documents can be attached; this file is neither, whatever its name.")
        )
    if content_type == "application/pdf":
        upload.seek(max(upload.size - 1024, 0))
        tail = upload.read()
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise forms.ValidationError(_("This PDF is damaged or incomplete; it cannot be opened."))
        return CheckedUpload(upload, content_type)
    return CheckedUpload(upload, content_type, open_image(upload))


def open_image(upload):
    """The decoded image, or a form error when it is damaged, incomplete or implausibly large."""
    from PIL import Image

    try:
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise forms.ValidationError(_("This image is damaged or incomplete; it cannot be opened.")) from exc
    finally:
        upload.seek(0)
    return image


def downscale(image, content_type):
    """The photo turned upright, at most PHOTO_MAX_SIDE pixels on its long side, re-encoded
    (which also drops its metadata, such as where it was taken). Returns (bytes, (w, h))."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    else:
        image.convert("RGB").save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue(), image.size


class AttachmentForm(forms.Form):
    """A photo (JPEG, PNG) or a PDF with a caption; the file is recognised by its content."""

    file = forms.FileField(
        label=gettext_lazy("Photo or PDF"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,application/pdf,.pdf", "class": "form-control"}
        ),
    )
    caption = forms.CharField(
        label=gettext_lazy("Caption"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.checked = check_upload(upload)
        return upload


def attachment_store(attachment, *, checked, caption, actor, audit):
    """Fill a new attachment (any model built on ``score_portal.models.StoredAttachment``) from a
    checked upload and save it with its file; ``audit()`` writes the audit row. Nothing is left
    half-stored: a failed save removes the file again."""
    import os

    from django.core.files.base import ContentFile

    data, size = checked.content()
    attachment.kind = attachment.Kind.PDF if checked.is_pdf else attachment.Kind.PHOTO
    attachment.content_type = checked.content_type
    attachment.original_name = os.path.basename(checked.upload.name)[:200]
    attachment.caption = caption
    attachment.size = len(data)
    attachment.width, attachment.height = size or (None, None)
    attachment.uploaded_by = actor
    attachment.file.save("upload", ContentFile(data), save=False)
    try:
        attachment.save()
        audit()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_remove(attachment):
    """Delete the row now and its file once the transaction has committed."""
    from django.db import transaction

    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachment_response(attachment, request):
    """The file, to someone the caller has already checked may see it."""
    from django.http import FileResponse

    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
