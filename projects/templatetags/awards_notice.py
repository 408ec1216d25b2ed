"""The awards notice (公示) on the round's public page, and its state on the ranking screen."""

from django import template
from django.urls import reverse

from communities import notices

from .. import awards

register = template.Library()


@register.inclusion_tag("projects/_awards_notice.html", takes_context=True)
def awards_notice(context, round):
    """The published list with its total, the notice period or "final", and the objections
    partial shared with consultation outcomes. Nothing before the awards are published."""
    request = context["request"]
    notice = notices.current_notice(round)
    if notice is None:
        return {"notice": None}
    return {
        **notices.notice_context(
            round, request.user, reverse("projects:object_to_awards", args=[round.pk])
        ),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "round": round,
        "awards": notice.content,
        "final_at": awards.awards_final_at(round),
    }


@register.inclusion_tag("projects/admin/_awards_notice_state.html")
def awards_notice_state(round):
    """On the ranking screen: publish the awards, the notice running, reopen, or final."""
    notice = notices.current_notice(round)
    return {
        "round": round,
        "notice": notice,
        "running": notice is not None and notice.ended_at is None,
        "upheld": notice is not None and notices.upheld(notice).exists(),
        "unanswered": notices.unanswered(notice).count() if notice else 0,
        "final_at": awards.awards_final_at(round),
        "pending": awards.pending_applications(round).count(),
    }
