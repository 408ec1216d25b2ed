"""Resident-facing consultation pages: topic lists, the agenda, a topic and what people do on it.

The community's list and agenda are served under its CommunityPage (home.models routes them);
a topic has its own address. Drafts are their author's alone: anyone else gets 404.
"""

from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import notices
from communities.history_reasons import history_reason, render_reason
from communities.models import Resident

from . import outcomes, reports, voting, workflow
from .agenda import accepted_in, describe_agenda_rows, list_separator, topics_accepted_in
from .agenda import years as agenda_years
from .forms import (
    CommentForm,
    ObjectionForm,
    RatingForm,
    ReplyForm,
    ReportForm,
    TopicForm,
    VoteForm,
)
from .models import (
    Ballot,
    BallotStatus,
    Comment,
    Franchise,
    Rating,
    Stance,
    Support,
    Topic,
    TopicPhoto,
    TopicState,
    Voter,
)
from .permissions import can_view, is_participant, verified_resident_of

# Every stage a topic reaches after its author submits it is public, so each has its filter and
# "All" covers them all; a stage left out here would leave its topics linked from nowhere.
PUBLIC_LIST_STATES = [state for state in TopicState if state != TopicState.DRAFT]

TOPICS_PER_PAGE = 20
AGENDA_PER_PAGE = 50
# A busy topic gathers hundreds of comments; the page shows this many top-level comments with
# all their replies. Oldest first, so a comment stays on its page (?page=3#comment-812) for good.
COMMENTS_PER_PAGE = 50


def _error_text(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def topic_list(request, community, page=None):
    status = request.GET.get("status", "")
    topics = (
        Topic.objects.filter(community=community, status__in=PUBLIC_LIST_STATES)
        .select_related("grid")
        .order_by("-submitted_at", "-pk")
    )
    if status in PUBLIC_LIST_STATES:
        topics = topics.filter(status=status)
    shown = Paginator(topics, TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    shown.object_list = with_support_counts(shown.object_list)
    return render(
        request,
        "consultation/topic_list.html",
        {
            "page": page,
            "community": community,
            "topics": shown,
            "status": status,
            "states": [(s, TopicState(s).label) for s in PUBLIC_LIST_STATES],
            "can_propose": verified_resident_of(request.user, community) is not None,
        },
    )


def with_support_counts(topics):
    """`topics` as a list, each with `support_count`: counted for these rows only, after the
    list was cut to a page, in one query (counting before paginating costs every topic's
    supports on every page)."""
    topics = list(topics)
    counted = (
        Support.objects.filter(topic__in=[topic.pk for topic in topics])
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
        .values_list("topic", "n")
    )
    counts = dict(counted) if topics else {}
    for topic in topics:
        topic.support_count = counts.get(topic.pk, 0)
    return topics


def ballots_being_voted(community):
    """The open ballots of the community (its topics' in 表决, and those without a topic),
    soonest closing first, each with `votes` (voters so far) and `eligible`, in one query
    however many there are.

    `eligible` is voting.eligible_count's: the ballot's electorate, counted by resident or
    (每户一票) by household."""
    residents = voting.electorate(
        community=OuterRef("community"), ballot=OuterRef(OuterRef("pk"))
    ).order_by()
    resident_count = residents.values("community").annotate(n=Count("pk")).values("n")
    household_count = (
        residents.exclude(household=None)
        .values("community")
        .annotate(n=Count("household", distinct=True))
        .values("n")
    )
    votes = Voter.objects.filter(ballot=OuterRef("pk")).order_by().values("ballot")
    return (
        Ballot.objects.filter(
            # A ballot without a topic votes on something of another app (a funding round's
            # shortlist) and is listed while open; the page showing it links to that.
            Q(topic__community=community, topic__status=TopicState.VOTING)
            | Q(topic=None, community=community),
            status=BallotStatus.OPEN,
        )
        .select_related("topic")
        .annotate(
            votes=Coalesce(Subquery(votes.annotate(n=Count("pk")).values("n")), 0),
            eligible=Case(
                When(
                    franchise=Franchise.HOUSEHOLD,
                    then=Coalesce(Subquery(household_count, output_field=IntegerField()), 0),
                ),
                default=Coalesce(Subquery(resident_count, output_field=IntegerField()), 0),
            ),
        )
        .order_by("closes_at", "pk")
    )


def agenda(request, community, page=None, year=None):
    """协商议事清单: every topic the community office accepted in the year, and where it stands,
    AGENDA_PER_PAGE rows a page (the printed copy has them all)."""
    context = _agenda_context(community, page, year)
    shown = Paginator(accepted_in(community, context["year"]), AGENDA_PER_PAGE).get_page(
        request.GET.get("page")
    )
    shown.object_list = describe_agenda_rows(community, shown.object_list)
    context["topics"] = shown
    return render(request, "consultation/agenda.html", context)


def agenda_pdf(request, community, page, year):
    """The year's agenda on A4 paper, for the notice board: every row."""
    context = _agenda_context(community, page, year)
    context["topics"] = topics_accepted_in(community, year)
    context["url"] = settings.SITE_URL + page.url + page.reverse_subpage("agenda", args=[year])
    context["qr"] = reports.qr_svg(context["url"])
    context["page_counter"] = reports.page_counter_css()
    pdf = reports.render_pdf("consultation/agenda_pdf.html", context)
    return reports.pdf_response(pdf, f"agenda-{community.slug}-{year}.pdf")


def _agenda_context(community, page, year):
    years = agenda_years(community)
    year = years[0] if year is None else year
    if year not in years:
        raise Http404
    return {
        "page": page,
        "community": community,
        "year": year,
        "years": years,
        "separator": list_separator(),
        "today": timezone.localdate(),
    }


@login_required
def propose(request, community, page=None):
    if verified_resident_of(request.user, community) is None:
        messages.error(
            request,
            _(
                "Only verified residents of %(community)s can propose topics. "
                "Complete your profile and visit the community office to be verified."
            )
            % {"community": community.name},
        )
        return redirect("communities:profile")
    form = TopicForm(request.POST or None, request.FILES or None, community=community)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            topic = workflow.create_draft(
                author=request.user,
                community=community,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
            _save_photos(topic, form.cleaned_data["photos"])
        messages.success(
            request, _("Draft saved. Only you can see it until you submit it for support.")
        )
        return redirect(topic)
    return render(
        request,
        "consultation/topic_form.html",
        {"page": page, "community": community, "form": form},
    )


def _save_photos(topic, photos):
    start = topic.photos.count()
    for position, image in enumerate(photos, start=start):
        TopicPhoto.objects.create(topic=topic, image=image, position=position)


@login_required
def edit_draft(request, pk):
    topic = get_object_or_404(Topic, pk=pk, author=request.user, status=TopicState.DRAFT)
    form = TopicForm(
        request.POST or None, request.FILES or None, instance=topic, community=topic.community
    )
    if request.method == "POST" and form.is_valid():
        if topic.photos.count() + len(form.cleaned_data["photos"]) > 6:
            form.add_error("photos", _("A topic can have at most 6 photos."))
        else:
            with transaction.atomic():
                topic = form.save(commit=False)
                topic._history_user = request.user
                topic._change_reason = history_reason("topic.draft_edited")
                topic.save()
                _save_photos(topic, form.cleaned_data["photos"])
            messages.success(request, _("Draft saved."))
            return redirect(topic)
    return render(
        request,
        "consultation/topic_form.html",
        {"community": topic.community, "form": form, "topic": topic},
    )


def _visible_topic(request, pk, **figures):
    topic = get_object_or_404(
        Topic.objects.annotate(**figures).select_related(
            "community__street",
            "community__page",
            "community__consultation_settings",
            "grid",
            "author__resident",
            "duplicate_of",
            "outcome_page",
        ),
        pk=pk,
    )
    if not can_view(request.user, topic):
        raise Http404
    return topic


def topic_detail(request, pk):
    user = request.user
    topic = _visible_topic(request, pk, **_topic_figures(user))
    meetings = list(topic.meetings.prefetch_related("attachments"))
    ballots = list(topic.ballots.prefetch_related("options"))
    support_count, supported = topic.support_total, topic.supported
    may_support = _may_support(topic, user, supported)
    participant = (
        user.is_authenticated
        and topic.status == TopicState.DELIBERATING
        and is_participant(user, topic)
    )
    discussion = _discussion(request, topic, can_reply=participant)
    return render(
        request,
        "consultation/topic_detail.html",
        {
            "topic": topic,
            "community": topic.community,
            "photos": topic.photos.all(),
            "support_count": support_count,
            "supported": supported,
            "may_support": may_support,
            "threshold": topic.community.consultation_settings.support_threshold
            if hasattr(topic.community, "consultation_settings")
            else None,
            **discussion,
            "meetings": meetings,
            "timeline": _timeline(topic, meetings, ballots),
            "actions": [t for t in workflow.available_actions(topic, user) if "author" in t.roles]
            if user.is_authenticated and topic.author_id == user.pk
            else [],
            "can_comment": participant,
            **_ballot_context(topic, user, ballots),
            "comment_form": CommentForm(),
            "reply_form": ReplyForm(),
        },
    )


def _discussion(request, topic, can_reply):
    """One page of the discussion: COMMENTS_PER_PAGE top-level comments with their replies, the
    stance counts of the whole discussion, and the comment being replied to (?reply_to=<id>),
    which gets the page's one reply form. One query however long the discussion is (the counts
    come with the topic), three when a reply link does not say the comment's page."""
    top_level = topic.comments.filter(parent=None)
    paginator = Paginator(
        top_level.select_related("author__resident").order_by("created_at", "pk"),
        COMMENTS_PER_PAGE,
    )
    # Counted with the topic already (_topic_figures): the paginator needs no query of its own.
    paginator.__dict__["count"] = topic.comment_total
    number = request.GET.get("page")
    wanted = _reply_target_id(request) if can_reply else None
    threads = paginator.get_page(number)
    page_slice = threads.object_list
    if wanted is None:
        # Read only if the template draws the thread: a reader who finds it in the shared
        # fragment cache (topic_detail.html) costs no query and no work for it.
        threads.object_list = SimpleLazyObject(lambda: _with_replies(topic, page_slice))
        replying_to = None
    else:
        threads.object_list = _with_replies(topic, page_slice)
        if not any(c.pk == wanted for c in threads.object_list):
            # A link without the page (or with a stale one): the page the comment is on.
            target = top_level.filter(pk=wanted).first()
            if target is not None:
                threads = paginator.get_page(_page_of(target))
                threads.object_list = _with_replies(topic, threads.object_list)
        replying_to = next(
            (c for c in threads.object_list if c.pk == wanted and not c.is_hidden), None
        )
    return {
        "comments": threads,
        "comment_total": topic.comment_total,
        "stances": [
            (value, label, getattr(topic, f"stance_{value}")) for value, label in Stance.choices
        ],
        "replying_to": replying_to,
        "reply_action": reverse("consultation:reply", args=[topic.pk, replying_to.pk])
        if replying_to is not None
        else "",
    }


def _reply_target_id(request):
    """The id in ?reply_to=, or None."""
    try:
        return int(request.GET.get("reply_to", ""))
    except ValueError:
        return None


def _page_of(comment):
    """The page of the discussion a top-level comment (or, for a reply, its thread) is on."""
    if comment.parent_id is not None:
        comment = Comment.objects.get(pk=comment.parent_id)
    before = Comment.objects.filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk),
        topic=comment.topic_id,
        parent=None,
    ).count()
    return before // COMMENTS_PER_PAGE + 1


def _comment_url(topic, comment):
    """Where a comment is read: its page of the discussion, at its anchor."""
    return f"{topic.get_absolute_url()}?page={_page_of(comment)}#comment-{comment.pk}"


def _with_replies(topic, threads):
    """The page's top-level comments (`threads`, a slice of a queryset) as a list, each with
    `thread_replies` (one level deep), in one query; and what the template shows of each
    comment worked out here once rather than in the loop: stance label, times, report link."""
    # The page's comments and their replies in one query: the page's slice is a subquery, and
    # the topic bounds the scan (without it PostgreSQL reads every comment of the city).
    page_ids = threads.values("pk")
    replies = defaultdict(list)
    threads_found = []
    for comment in (
        Comment.objects.filter(Q(pk__in=page_ids) | Q(parent__in=page_ids), topic=topic)
        .select_related("author__resident")
        .order_by("created_at", "pk")
    ):
        if comment.parent_id is None:
            threads_found.append(comment)
        else:
            replies[comment.parent_id].append(comment)
    threads = threads_found
    labels = dict(Stance.choices)
    report_url = reverse("consultation:report", args=[topic.pk, _PLACEHOLDER])
    for comment in threads:
        comment.thread_replies = replies[comment.pk]
        comment.stance_label = labels.get(comment.stance, "")
        for each in (comment, *comment.thread_replies):
            written = timezone.localtime(each.created_at)
            each.written_iso = written.isoformat()
            each.written_text = written.strftime("%Y-%m-%d %H:%M")
            each.report_url = report_url.replace(str(_PLACEHOLDER), str(each.pk))
    return threads


# Stands for a comment's id in a URL reversed once per page (a reversal per comment costs more
# than the rest of the comment's row).
_PLACEHOLDER = 2147483647


def _ballot_context(topic, user, ballots):
    """The latest ballot, and what this visitor may see of it."""
    return ballot_context(ballots[0], user) if ballots else {"ballot": None}


def ballot_context(ballot, user):
    """What `user` may see of `ballot` and do on it, for consultation/_ballot.html wherever a
    ballot is shown (a topic's page, a funding round's residents' vote): results only once it
    closed."""
    context = {"ballot": ballot, "vote_form": None, "my_vote": None, "household_vote": None}
    resident = _voting_resident(user, ballot)
    if resident is not None:
        if resident.vote_pk is not None:
            context["my_vote"] = Voter(
                pk=resident.vote_pk,
                ballot=ballot,
                resident=resident,
                receipt=resident.vote_receipt,
                voted_at=resident.voted_at,
            )
        else:
            context["household_vote"] = resident.household_voted
        if ballot.is_open_at() and not (context["my_vote"] or context["household_vote"]):
            context["vote_form"] = VoteForm(ballot=ballot)
    if ballot.results_published:
        context["results"] = _results(ballot)
    return context


def _voting_resident(user, ballot):
    """verified_resident_of(user, ballot.community), with the resident's own vote on the ballot
    and whether their household voted (每户一票), read in the same query."""
    if not user.is_authenticated:
        return None
    mine = Voter.objects.filter(ballot=ballot, resident=OuterRef("pk"))
    return (
        Resident.objects.filter(user=user, community=ballot.community_id, verified_at__isnull=False)
        .annotate(
            vote_pk=Subquery(mine.values("pk")[:1]),
            vote_receipt=Subquery(mine.values("receipt")[:1]),
            voted_at=Subquery(mine.values("voted_at")[:1]),
            # Voter.household is set only under 每户一票, so this is False for other ballots.
            household_voted=Exists(
                Voter.objects.filter(ballot=ballot, household=OuterRef("household"))
            ),
        )
        .order_by()
        .first()
    )


def _may_support(topic, user, supported):
    """Whether the support button would work for this visitor. Only asked while the topic
    collects support and the visitor has not supported it: others see no button anyway."""
    if not (user.is_authenticated and topic.status == TopicState.COLLECTING) or supported:
        return None
    return verified_resident_of(user, topic.community) is not None


def _topic_figures(user):
    """Annotations read with the topic itself: how many residents support it, whether this
    visitor is one of them, and its discussion's top-level comments, all and by visible stance
    (hidden comments count for no stance)."""

    def counted(queryset):
        rows = queryset.order_by().values("topic").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    supports = Support.objects.filter(topic=OuterRef("pk"))
    top_level = Comment.objects.filter(topic=OuterRef("pk"), parent=None)
    return {
        "support_total": counted(supports),
        "supported": Exists(supports.filter(resident__user=user))
        if user.is_authenticated
        else Value(False),
        "comment_total": counted(top_level),
        **{
            f"stance_{stance}": counted(top_level.filter(stance=stance, hidden_at=None))
            for stance in Stance.values
        },
    }


def _timeline(topic, meetings, ballots):
    """Every step of the topic, built from its history: the process record nobody has to write."""
    steps = []
    previous = None
    for record in topic.history.select_related("history_user__resident").order_by(
        "history_date", "history_id"
    ):
        if record.status != previous:
            steps.append(
                {
                    "when": record.history_date,
                    "state": TopicState(record.status).label,
                    "note": render_reason(record.history_change_reason),
                    "actor": record.history_user,
                    "system": record.history_user is None,
                    # Only the author acts on their own topic; anyone else acted for the office.
                    "office": record.history_user_id not in (None, topic.author_id),
                }
            )
            previous = record.status
    for ballot in ballots:
        if ballot.closed_at:
            steps.append(
                {
                    "when": ballot.closed_at,
                    "state": _("Vote counted"),
                    "note": ballot.closed_early_reason or ballot.question,
                    "actor": None,
                }
            )
    for meeting in meetings:
        steps.append(
            {
                "when": meeting.held_at,
                "state": _("Meeting"),
                "note": meeting.place,
                "actor": None,
                "meeting": True,
            }
        )
    return sorted(steps, key=lambda step: step["when"])


@require_POST
@login_required
def act(request, pk, action):
    """The author's own steps: submit a draft for support, or withdraw."""
    topic = _visible_topic(request, pk)
    if action not in ("submit", "withdraw"):
        raise Http404
    try:
        workflow.perform(topic, action, request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        done = {
            "submit": _("Submitted. Neighbours can now support your topic."),
            "withdraw": _("The topic is withdrawn."),
        }
        messages.success(request, done[action])
    return redirect(topic)


@require_POST
@login_required
def support(request, pk):
    topic = _visible_topic(request, pk)
    try:
        topic = workflow.support(topic, request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Thank you: your support is counted."))
    return redirect(topic)


@require_POST
@login_required
def comment(request, pk):
    topic = _visible_topic(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Choose a stance and write your comment (at most 2,000 characters).")
        )
        return redirect(topic)
    try:
        posted = workflow.post_comment(
            topic, request.user, body=form.cleaned_data["body"], stance=form.cleaned_data["stance"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(f"{topic.get_absolute_url()}#comments")
    messages.success(request, _("Your comment is published."))
    return redirect(_comment_url(topic, posted))


@require_POST
@login_required
def reply(request, pk, comment_pk):
    topic = _visible_topic(request, pk)
    parent = get_object_or_404(Comment, pk=comment_pk, topic=topic, hidden_at__isnull=True)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your reply (at most 2,000 characters)."))
        return redirect(topic)
    try:
        workflow.post_comment(topic, request.user, body=form.cleaned_data["body"], parent=parent)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your reply is published."))
    return redirect(_comment_url(topic, parent))


@login_required
def report(request, pk, comment_pk):
    topic = _visible_topic(request, pk)
    target = get_object_or_404(Comment, pk=comment_pk, topic=topic, hidden_at__isnull=True)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.report_comment(target, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Thank you. The community office will look at it."))
        return redirect(_comment_url(topic, target))
    return render(
        request,
        "consultation/report_comment.html",
        {"topic": topic, "comment": target, "form": form, "community": topic.community},
    )


@require_POST
@login_required
def vote(request, pk, ballot_pk):
    topic = _visible_topic(request, pk)
    ballot = get_object_or_404(topic.ballots, pk=ballot_pk)
    form = VoteForm(request.POST, ballot=ballot)
    if not form.is_valid():
        messages.error(request, _("Choose an option (at most %(n)d).") % {"n": ballot.max_choices})
        return redirect(f"{topic.get_absolute_url()}#ballot")
    try:
        voter = voting.cast_vote(ballot, request.user, form.positions())
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Your vote is recorded. Keep your receipt: %(receipt)s") % {"receipt": voter.receipt},
        )
    return redirect(f"{topic.get_absolute_url()}#ballot")


@login_required
def my_topics(request):
    topics = (
        Topic.objects.filter(author=request.user)
        .select_related("community")
        .with_support_count()
        .order_by("-created_at")
    )
    return render(request, "consultation/my_topics.html", {"topics": topics})


def outcome_context(request, page):
    """What the published outcome page shows: decision, tally, objections and their answers,
    progress, and the residents' evaluation with its satisfaction rate."""
    topic = Topic.objects.select_related("community").get(pk=page.topic_id)
    user = request.user
    resident = verified_resident_of(user, topic.community)
    now = timezone.now()
    my_rating = None
    if resident is not None:
        my_rating = Rating.objects.filter(topic=topic, resident=resident).first()
    evaluating = topic.status == TopicState.EVALUATING and now < topic.evaluation_ends_at
    ballots = list(topic.ballots.filter(status="closed").prefetch_related("options")[:1])
    notice = notices.notice_context(topic, user, reverse("consultation:object", args=[topic.pk]))
    # The notice just read is the topic's current one (its dates in the template): not twice.
    topic.__dict__["_current_notice"] = notice["notice"]
    return {
        **notice,
        "topic": topic,
        "community": topic.community,
        "ballot": ballots[0] if ballots else None,
        "results": _results(ballots[0]) if ballots else None,
        "updates": topic.progress_updates.prefetch_related("photos"),
        "satisfaction": outcomes.satisfaction(topic),
        "evaluating": evaluating,
        "my_rating": my_rating,
        "rating_form": RatingForm() if evaluating and resident and not my_rating else None,
        "stages": _stages(topic),
    }


def _results(ballot):
    return [
        (option, round(100 * option.final_count / ballot.paper_count) if ballot.paper_count else 0)
        for option in ballot.options.all()
    ]


def _stages(topic):
    """The outcome's road: published → notice → carried out → evaluated → closed."""
    order = [
        TopicState.NOTICE,
        TopicState.IMPLEMENTING,
        TopicState.EVALUATING,
        TopicState.CLOSED,
    ]
    current = order.index(topic.status) if topic.status in order else -1
    return [
        {"label": TopicState(state).label, "done": index < current, "current": index == current}
        for index, state in enumerate(order)
    ]


def _outcome_url(topic, anchor):
    page = getattr(topic, "outcome_page", None)
    base = page.url if page is not None and page.live else topic.get_absolute_url()
    return f"{base}#{anchor}"


@require_POST
@login_required
def object_to_outcome(request, pk):
    topic = _visible_topic(request, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your objection (at most 2,000 characters)."))
    else:
        try:
            outcomes.file_objection(topic, request.user, form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Your objection is filed; the answer will be public."))
    return redirect(_outcome_url(topic, "objections"))


@require_POST
@login_required
def rate_outcome(request, pk):
    topic = _visible_topic(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose satisfied, basically satisfied or dissatisfied."))
    else:
        try:
            outcomes.rate(
                topic,
                request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Thank you for your evaluation."))
    return redirect(_outcome_url(topic, "evaluation"))


def notice_pdf(request, pk):
    """The printable A4 notice (公示) of a published outcome."""
    topic = _visible_topic(request, pk)
    page = getattr(topic, "outcome_page", None)
    if page is None or not page.live:
        raise Http404
    return reports.notice_response(request, page)
