"""协商议事清单, the community's agenda for a year: every topic the community office accepted
that year, with who takes part (参与主体), how and when it is deliberated (协商形式, 协商时间) and
where it stands now, through to its closing. The page and its printed copy show the same rows.

A topic belongs to the year of its acceptance (`decided_at`, set by the "accept" step), whatever
stage it has reached since, so a list once pinned to the notice board stays true all year.
"""

from collections import Counter, defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from communities.models import Grid

from .models import Ballot, Comment, Meeting, Topic, TopicState

S = TopicState
# The stages a topic reaches after the office accepts it (no step leads from these to declined
# or withdrawn; an upheld objection sends it back to deliberating, which is listed).
ACCEPTED_STATES = [S.DELIBERATING, S.VOTING, S.NOTICE, S.IMPLEMENTING, S.EVALUATING, S.CLOSED]


def _accepted(community):
    return Topic.objects.filter(
        community=community, status__in=ACCEPTED_STATES, decided_at__isnull=False
    )


def years(community):
    """The years in which the office accepted topics, newest first; this year always."""
    found = {moment.year for moment in _accepted(community).datetimes("decided_at", "year")}
    return sorted(found | {timezone.localdate().year}, reverse=True)


def _count(queryset):
    counted = queryset.order_by().values("topic").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def accepted_in(community, year):
    """The year's agenda in order of acceptance, each topic with `meeting_count`,
    `invited_people`, `discussed` and `voted`, counted per row (so a page of it counts only
    its rows)."""
    invited_users = Topic.invited_users.through.objects.filter(topic=OuterRef("pk"))
    return (
        _accepted(community)
        .filter(decided_at__year=year)
        .annotate(
            meeting_count=_count(Meeting.objects.filter(topic=OuterRef("pk"))),
            invited_people=_count(invited_users),
            discussed=Exists(
                Comment.objects.filter(topic=OuterRef("pk"), parent=None, hidden_at=None)
            ),
            voted=Exists(Ballot.objects.filter(topic=OuterRef("pk"))),
        )
        .order_by("decided_at", "pk")
    )


def describe_agenda_rows(community, topics):
    """`topics` (of accepted_in) as a list, each with `participants` and `forms` (lists of
    short texts); four queries however many topics there are."""
    topics = list(topics)
    households = _invited_households_by_grid(topics)
    attendees = _meeting_attendees(topics)
    grids = _grids_with_household_counts(community) if households else {}
    for topic in topics:
        topic.participants = participants(
            topic, households.get(topic.pk, Counter()), grids, attendees.get(topic.pk, [])
        )
        topic.forms = forms_of_consultation(topic)
    return topics


def topics_accepted_in(community, year):
    """The whole year's agenda, described (the printed copy); five queries however many topics
    there are."""
    return describe_agenda_rows(community, accepted_in(community, year))


def _invited_households_by_grid(topics):
    """{topic id: Counter({grid id or None: invited households})}."""
    rows = Topic.invited_households.through.objects.filter(topic__in=topics).values_list(
        "topic_id", "household__grid_id"
    )
    found = defaultdict(Counter)
    for topic_id, grid_id in rows:
        found[topic_id][grid_id] += 1
    return found


def _meeting_attendees(topics):
    """{topic id: attendee lines of its meetings, each once, in order of the meetings}."""
    found = defaultdict(list)
    rows = Meeting.objects.filter(topic__in=topics).order_by("held_at", "pk")
    for topic_id, attendees in rows.values_list("topic_id", "attendees"):
        for line in attendees.splitlines():
            if line.strip() and line.strip() not in found[topic_id]:
                found[topic_id].append(line.strip())
    return found


def _grids_with_household_counts(community):
    return {
        grid.pk: grid
        for grid in Grid.objects.filter(community=community).annotate(
            active_households=Count("households", filter=Q(households__is_active=True))
        )
    }


def participants(topic, households, grids, attendees):
    """参与主体 in a few words: which residents (the invited households by grid, "第二网格全体住户",
    "第一网格 3户", never an address; without invitations the community's residents), the units
    the office invited (or, if it named none, who came to the meetings), people invited from
    outside the community."""
    found = []
    for grid_id, count in sorted(households.items(), key=lambda item: _grid_order(grids, item)):
        grid = grids.get(grid_id)
        if grid is None:
            text = ngettext("%(count)d household", "%(count)d households", count)
        elif count >= grid.active_households:
            text = _("All households of %(grid)s")
        else:
            text = ngettext(
                "%(grid)s: %(count)d household", "%(grid)s: %(count)d households", count
            )
        found.append(text % {"grid": grid.name if grid else "", "count": count})
    if not found:
        found.append(_("Residents of the community"))
    found += topic.invited_parties_list() or [line for line in attendees if line not in found]
    if topic.invited_people:
        found.append(
            ngettext("%(count)d invited person", "%(count)d invited people", topic.invited_people)
            % {"count": topic.invited_people}
        )
    return found


def _grid_order(grids, item):
    grid = grids.get(item[0])
    return (1, 0, "") if grid is None else (0, grid.number, grid.name)


def forms_of_consultation(topic):
    """协商形式: meetings held or set, discussion on the site, a residents' vote."""
    found = []
    if topic.meeting_count:
        found.append(
            ngettext("%(count)d meeting", "%(count)d meetings", topic.meeting_count)
            % {"count": topic.meeting_count}
        )
    if topic.discussed:
        found.append(_("Online discussion"))
    if topic.voted:
        found.append(_("Residents' vote"))
    return found


def list_separator():
    return pgettext("between items of a list", ", ")
