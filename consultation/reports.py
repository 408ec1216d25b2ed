"""The printable A4 notice (公示) of a published outcome: the same data as the outcome page,
laid out for the notice board, with a QR code that leads back to the page."""

import io

import segno
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML


def qr_svg(url):
    """The QR code as inline SVG: sharp at any print size, no image file to manage."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return buffer.getvalue().decode()


def notice_html(page):
    topic = page.topic
    url = settings.SITE_URL + page.url
    ballot = topic.ballots.filter(status="closed").prefetch_related("options").first()
    return render_to_string(
        "consultation/notice_pdf.html",
        {
            "page": page,
            "topic": topic,
            "community": topic.community,
            "ballot": ballot,
            "url": url,
            "qr": qr_svg(url),
            "today": timezone.localdate(),
        },
    )


def notice_pdf(page):
    return HTML(string=notice_html(page), base_url=settings.SITE_URL).write_pdf()


def notice_response(request, page):
    response = HttpResponse(notice_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{page.topic_id}.pdf"'
    return response
