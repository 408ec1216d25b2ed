"""The decision letter (公益创投项目评审结果通知书): one A4 page per decided application, for its
organisation's representatives and the street office running the round, nobody else (404).

Rendered by consultation's PDF pipeline (`render_pdf`): a template and a context.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone

from communities.permissions import managed_streets
from consultation.reports import pdf_response, render_pdf

from .decisions import DECIDED, yuan_in_capitals
from .models import Application, ApplicationState


def letter_readers(user):
    """Applications whose letter `user` may read: their organisations' and their street's."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(
        pk__in=Application.objects.filter(
            Q(organisation__representatives__user=user) | Q(round__street__in=managed_streets(user))
        ).values("pk")
    )


def letter_context(application):
    awarded = application.status == ApplicationState.AWARDED
    return {
        "application": application,
        "round": application.round,
        "organisation": application.organisation,
        "street": application.round.street,
        "awarded": awarded,
        "amount": application.awarded_amount if awarded else None,
        "amount_in_capitals": yuan_in_capitals(application.awarded_amount) if awarded else "",
        "decided_on": timezone.localdate(application.decided_at),
    }


def letter_pdf(application):
    return render_pdf("projects/letter_pdf.html", letter_context(application))


def letter(request, pk):
    application = get_object_or_404(
        letter_readers(request.user)
        .filter(status__in=DECIDED, decided_at__isnull=False)
        .select_related("round__street", "organisation"),
        pk=pk,
    )
    return pdf_response(letter_pdf(application), f"decision-{application.pk}.pdf")


urlpatterns = [path("applications/<int:pk>/letter.pdf", letter, name="letter")]
