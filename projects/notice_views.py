"""The public side of a round's awards notice (公示): objections filed from the round's page,
and the printable A4 notice with a QR code back to it. A round that is not live, or whose
awards were never published, is not there (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import notices
from communities.forms import ObjectionForm
from consultation.reports import pdf_response, qr_svg, render_pdf

from . import awards
from .pages import FundingRoundPage


def _published_round(pk):
    round = get_object_or_404(FundingRoundPage.objects.live().select_related("street"), pk=pk)
    notice = notices.current_notice(round)
    if notice is None:
        raise Http404
    return round, notice


@require_POST
@login_required
def object_to_awards(request, pk):
    round, notice = _published_round(pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your objection (at most 2,000 characters)."))
    else:
        try:
            notices.file_objection(notice, request.user, form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your objection is filed; the answer will be public."))
    return redirect(f"{round.url}#objections")


def awards_notice_context(round, notice):
    url = round.full_url or round.url
    return {
        "round": round,
        "street": round.street,
        "notice": notice,
        "awards": notice.content,
        "final_at": awards.awards_final_at(round),
        "qr": qr_svg(url),
        "url": url,
        "today": timezone.localdate(),
    }


def awards_notice_pdf(request, pk):
    """The printable A4 notice of the round's awards (公示), for the street office's board."""
    round, notice = _published_round(pk)
    pdf = render_pdf("projects/awards_notice_pdf.html", awards_notice_context(round, notice))
    return pdf_response(pdf, f"awards-notice-{round.pk}.pdf")


urlpatterns = [
    path("rounds/<int:pk>/objections/", object_to_awards, name="object_to_awards"),
    path("rounds/<int:pk>/awards-notice.pdf", awards_notice_pdf, name="awards_notice_pdf"),
]
