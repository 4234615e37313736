"""PDF rendering with WeasyPrint; the CJK font comes from the OS (fonts-noto-cjk)."""

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template, context):
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF requests need

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
