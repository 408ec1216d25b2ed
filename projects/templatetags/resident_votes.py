"""The round page's "居民投票进行中" box: the round's open residents' votes, those the visitor
may vote in first. A tag, so the round page's own context stays the round's."""

from django import template
from django.db.models import Exists, OuterRef

from communities.models import Resident

from ..resident_vote import open_votes

register = template.Library()


@register.simple_tag(takes_context=True)
def round_resident_votes(context, round):
    """(votes the signed-in visitor may vote in, the others), each open now, in one query."""
    votes = open_votes(round)
    user = context["request"].user
    if user.is_authenticated:
        mine = Resident.objects.filter(
            user=user, community=OuterRef("community"), verified_at__isnull=False
        )
        votes = votes.annotate(may_vote=Exists(mine))
    votes = list(votes)
    yours = [vote for vote in votes if getattr(vote, "may_vote", False)]
    return {"yours": yours, "others": [vote for vote in votes if vote not in yours]}
