"""Printed output: the A4 notice (公示) of a published outcome and the agenda (协商议事清单) of a
year, laid out for the notice board, each with a QR code that leads back to its page.

Every PDF is an HTML template rendered by weasyprint in `render_pdf`; a new printout is a
template and a context, not a second pipeline. Laying a PDF out is the slow part (a second for a
long report), so each one is laid out once per version of what it shows and then read back from
storage: the stored file is named by a digest of its HTML, which holds everything it prints."""

import hashlib
import io
import re

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import HTML


def qr_svg(url):
    """The QR code as inline SVG: sharp at any print size, no image file to manage."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return buffer.getvalue().decode()


# Under MEDIA_ROOT but never served from there (see docs/deploy.md): letters and ledgers are
# private, and are handed out only by the views that check who asks.
GENERATED_PDFS = "generated/"


def render_pdf(template_name, context):
    """The template rendered in the active language, as PDF bytes: laid out by weasyprint the
    first time this exact content is asked for, read from storage every time after."""
    html = render_to_string(template_name, context)
    digest = hashlib.sha256(f"{settings.SITE_URL}\n{template_name}\n{html}".encode()).hexdigest()
    name = f"{GENERATED_PDFS}{digest[:2]}/{digest}.pdf"
    try:
        with default_storage.open(name) as stored:
            return stored.read()
    except FileNotFoundError:
        pass
    pdf = HTML(string=html, base_url=settings.SITE_URL).write_pdf()
    if not default_storage.exists(name):  # another server may have laid it out meanwhile
        default_storage.save(name, ContentFile(pdf))
    return pdf


def pdf_response(pdf, filename):
    """Shown in the browser (to print or save), under a name that says what it is."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def page_counter_css():
    """ "Page 2 of 5" as a CSS `content` value: weasyprint fills in the numbers, the words come
    from the reader's language."""
    text = _("Page %(page)s of %(pages)s").replace('"', "")
    pieces = re.split(r"%\((pages?)\)s", text)  # words, counter, words, counter, words
    return " ".join(
        f"counter({piece})" if index % 2 else f'"{piece}"' for index, piece in enumerate(pieces)
    )


def notice_context(page):
    topic = page.topic
    url = settings.SITE_URL + page.url
    ballot = topic.ballots.filter(status="closed").prefetch_related("options").first()
    return {
        "page": page,
        "topic": topic,
        "community": topic.community,
        "ballot": ballot,
        "url": url,
        "qr": qr_svg(url),
        "today": timezone.localdate(),
    }


def notice_html(page):
    return render_to_string("consultation/notice_pdf.html", notice_context(page))


def notice_pdf(page):
    return render_pdf("consultation/notice_pdf.html", notice_context(page))


def notice_response(request, page):
    return pdf_response(notice_pdf(page), f"notice-{page.topic_id}.pdf")
