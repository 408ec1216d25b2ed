"""Forms behind the staff screens in the Wagtail admin (residents' forms are in forms.py).

They only collect what a workflow step needs; the step itself (consultation.workflow) checks
the rules, so its refusals appear on these forms as non-field errors.
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from communities.models import Grid, Household, Membership
from communities.templatetags.people import person_name
from communities.uploads import ATTACHMENT_ACCEPT, PHOTO_ACCEPT, validate_attachment, validate_photo

from .models import (
    Franchise,
    Meeting,
    MeetingAttachment,
    OutcomePage,
    Source,
    Topic,
    TopicState,
)
from .voting import DEFAULT_OPTIONS

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
OPEN_STATES = (TopicState.COLLECTING, TopicState.SCREENING, TopicState.DELIBERATING)


# A building is read from the address: up to its building number (…号楼, …栋, …幢, …座), or
# else up to the street number (…号). Household records keep one address line, as the
# household register does; an address with neither is a building of its own.
BUILDING_MARKS = (re.compile(r"^(.+?(?:号楼|栋|幢|座))"), re.compile(r"^(.+?号)"))


def building_of(address):
    for mark in BUILDING_MARKS:
        if found := mark.match(address.strip()):
            return found.group(1)
    return address.strip()


def natural_key(text):
    """“幸福路2号” before “幸福路12号”: numbers compare as numbers."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)
    ]


def households_label(name, count):
    return ngettext("%(name)s · %(count)s household", "%(name)s · %(count)s households", count) % {
        "name": name,
        "count": count,
    }


class GridChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, grid):
        return households_label(grid.name, grid.household_count)


class HouseholdChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, household):
        if household.grid_id:
            return f"{household.address} · {household.grid.name}"
        return household.address


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return person_name(user)


class AcceptTopicForm(forms.Form):
    """Into the agenda: the deliberation period and who is invited. Households are invited by
    whole grids or buildings (the households are their union), single households added to
    them if need be; only the topic's community is offered, and posted."""

    deliberation_starts = forms.DateField(label=_("Deliberation starts"), widget=AdminDateInput)
    deliberation_ends = forms.DateField(label=_("Deliberation ends"), widget=AdminDateInput)
    invited_grids = GridChoiceField(
        label=_("Invite whole grids"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every household of the grids ticked receives the advance notice."),
    )
    invited_buildings = forms.MultipleChoiceField(
        label=_("Invite whole buildings"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every household of the buildings ticked, whichever grid it is in."),
    )
    invited_households = HouseholdChoiceField(
        label=_("Single households"),
        queryset=Household.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Households most affected outside the grids and buildings ticked."),
    )
    invited_users = PersonChoiceField(
        label=_("Invited people"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff and officers of the street who may join the discussion."),
    )
    invited_parties = forms.CharField(
        label=_("Other invited parties"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Organisations, property company, other units: one per line."),
    )
    # Long lists folded away until opened (a community has thousands of households).
    folded = ("invited_households",)

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        community = topic.community
        households = Household.objects.filter(community=community, is_active=True)
        self.fields["invited_grids"].queryset = (
            Grid.objects.filter(community=community, is_active=True)
            .annotate(household_count=Count("households", filter=Q(households__is_active=True)))
            .order_by("number", "name")
        )
        self.addresses = list(households.values_list("pk", "address"))
        per_building = {}
        for pk, address in self.addresses:
            per_building.setdefault(building_of(address), []).append(pk)
        self.buildings = per_building
        self.fields["invited_buildings"].choices = [
            (building, households_label(building, len(pks)))
            for building, pks in sorted(per_building.items(), key=lambda item: natural_key(item[0]))
        ]
        self.fields["invited_households"].queryset = households.select_related("grid").order_by(
            "grid__number", "address"
        )
        self.fields["invited_users"].queryset = (
            get_user_model()
            .objects.filter(
                pk__in=Membership.objects.filter(
                    Q(community__street_id=community.street_id) | Q(street_id=community.street_id)
                ).values("user_id")
            )
            .order_by("last_name", "first_name", "email")
        )
        self.community = community

    def clean(self):
        data = super().clean()
        chosen = {household.pk for household in data.get("invited_households") or ()}
        for building in data.get("invited_buildings") or ():
            chosen.update(self.buildings.get(building, ()))
        grids = data.get("invited_grids") or ()
        data["invited_households"] = list(
            Household.objects.filter(community=self.community, is_active=True).filter(
                Q(pk__in=chosen) | Q(grid__in=grids)
            )
        )
        return data


class DeclineTopicForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Published with the topic: residents read why it was declined."),
    )


class MarkDuplicateForm(forms.Form):
    duplicate_of = forms.ModelChoiceField(
        label=_("Duplicate of"),
        queryset=Topic.objects.none(),
        help_text=_("The open topic of the same community that residents should follow instead."),
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].queryset = (
            Topic.objects.filter(community_id=topic.community_id, status__in=OPEN_STATES)
            .exclude(pk=topic.pk)
            .order_by("-created_at")
        )


class ConfirmForm(forms.Form):
    """An action with nothing to fill in: the button is the confirmation."""


class EnterOnBehalfForm(forms.ModelForm):
    """A topic raised by phone, on a home visit, through a grid worker or at a meeting."""

    source = forms.ChoiceField(
        label=_("Source"), choices=[c for c in Source.choices if c[0] != Source.ONLINE]
    )
    raised_by = forms.CharField(
        label=_("Raised by"),
        max_length=60,
        help_text=_("The name of the resident who raised it."),
    )

    class Meta:
        model = Topic
        fields = [
            "community",
            "title",
            "description",
            "category",
            "grid",
            "place",
            "source",
            "raised_by",
        ]

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities.order_by("name")
        self.fields["grid"].queryset = (
            Grid.objects.filter(community__in=communities)
            .select_related("community")
            .order_by("community__name", "name")
        )
        if len(self.fields["community"].queryset) == 1:
            self.fields["community"].initial = self.fields["community"].queryset[0].pk

    def clean(self):
        data = super().clean()
        grid, community = data.get("grid"), data.get("community")
        if grid and community and grid.community_id != community.pk:
            self.add_error("grid", _("Choose a grid of the chosen community."))
        return data


class HideCommentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=200,
        help_text=_("Kept with the comment's history; the author sees it."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(max)d files (you chose %(count)d).")
                % {"max": MAX_ATTACHMENTS, "count": len(files)}
            )
        cleaned = [super(AttachmentsField, self).clean(upload, initial) for upload in files]
        for upload in cleaned:
            if upload.size > MAX_ATTACHMENT_BYTES:
                raise ValidationError(_("“%(name)s” is larger than 20 MB.") % {"name": upload.name})
            validate_attachment(upload)
        return cleaned


class MeetingForm(WagtailAdminModelForm):
    """A meeting's record; its files (sign-in sheet, photos of the minutes) come alongside."""

    attachments = AttachmentsField(
        label=_("Attachments"),
        required=False,
        help_text=_("Sign-in sheet, scanned minutes, photos: up to 5 files."),
    )

    class Meta:
        model = Meeting
        fields = ["topic", "held_at", "place", "attendees", "minutes"]
        widgets = {
            "held_at": AdminDateTimeInput,
            "attendees": forms.Textarea(attrs={"rows": 5}),
            "minutes": forms.Textarea(attrs={"rows": 12}),
        }

    def __init__(self, *args, topics=None, topic=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topic is not None:
            # Recorded from the topic's own page: the topic is given, not picked.
            del self.fields["topic"]
            self.instance.topic = topic
        elif self.instance.pk:
            # A meeting stays with its topic; only what happened at it is edited.
            self.fields["topic"].disabled = True
            self.fields["topic"].queryset = Topic.objects.filter(pk=self.instance.topic_id)
        elif topics is not None:
            self.fields["topic"].queryset = topics

    def clean(self):
        data = super().clean()
        held_at, minutes = data.get("held_at"), data.get("minutes") or ""
        if held_at is not None and minutes.strip() and held_at > timezone.now():
            # Minutes record what was said: a meeting still to come has none yet.
            self.add_error(
                "minutes",
                ValidationError(
                    _(
                        "This meeting is set for %(when)s: its minutes can be written once it "
                        "has taken place. Save it without minutes now and add them afterwards."
                    ),
                    code="minutes_before_meeting",
                    params={"when": timezone.localtime(held_at).strftime("%Y-%m-%d %H:%M")},
                ),
            )
        return data

    def save_attachments(self, meeting):
        for upload in self.cleaned_data.get("attachments") or []:
            MeetingAttachment.objects.create(meeting=meeting, file=upload, title=upload.name[:120])


class OpenBallotForm(forms.Form):
    """表决: the question, the options and the rules of one ballot."""

    question = forms.CharField(label=_("Question"), max_length=200)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line; at least two."),
    )
    max_choices = forms.IntegerField(
        label=_("Choices per voter"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("1 for a single choice; more lets voters tick up to that many options."),
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=AdminDateTimeInput)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=AdminDateTimeInput)
    franchise = forms.ChoiceField(
        label=_("Franchise"), choices=Franchise.choices, widget=forms.RadioSelect
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum (percent of those eligible)"), min_value=0, max_value=100, initial=50
    )
    secret = forms.BooleanField(
        label=_("Secret ballot"),
        required=False,
        initial=True,
        help_text=_("Nobody, staff included, can ever see who chose what."),
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].initial = _("Do you agree with “%(title)s”?") % {
            "title": topic.title
        }
        self.fields["options"].initial = "\n".join(str(label) for label in DEFAULT_OPTIONS)
        self.fields["franchise"].initial = Franchise.RESIDENT

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class CloseBallotForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing early"),
        max_length=200,
        help_text=_("Published with the result."),
    )


# ---------------------------------------------------------------------------------------------
# After the decision: objections, progress, the end of implementation, reconsidering.

MAX_PROGRESS_PHOTOS = 6
MAX_PROGRESS_PHOTO_BYTES = 10 * 1024 * 1024


class AnswerObjectionForm(forms.Form):
    answer = forms.CharField(
        label=_("Public answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published with the outcome: the objector and every resident read it."),
    )
    upheld = forms.TypedChoiceField(
        label=_("Is the objection upheld?"),
        choices=[("true", _("Yes, upheld")), ("false", _("No, not upheld"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        help_text=_(
            "An upheld objection lets you send the topic back to deliberation; "
            "otherwise the outcome is carried out when the notice period ends."
        ),
    )


class PhotosField(forms.ImageField):
    """Up to six photos, each a JPEG, PNG, WebP or GIF image of at most 10 MB."""

    widget = MultipleFileInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PROGRESS_PHOTOS:
            raise ValidationError(
                _("Attach at most %(max)d photos (you chose %(count)d).")
                % {"max": MAX_PROGRESS_PHOTOS, "count": len(files)}
            )
        for upload in files:
            if upload.size > MAX_PROGRESS_PHOTO_BYTES:
                raise ValidationError(_("“%(name)s” is larger than 10 MB.") % {"name": upload.name})
            validate_photo(upload)
        return [super(PhotosField, self).clean(upload, initial) for upload in files]


class RecordProgressForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=AdminDateInput)
    percent = forms.IntegerField(
        label=_("Percent complete"),
        min_value=0,
        max_value=100,
        help_text=_("How far along the whole outcome is now, 0 to 100."),
    )
    text = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published on the outcome page; followers are told."),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos, each at most 10 MB."),
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        latest = topic.progress_updates.order_by("-date", "-pk").first()
        if latest is not None:
            self.fields["percent"].initial = latest.percent


class CompleteImplementationForm(forms.Form):
    evaluation_days = forms.IntegerField(
        label=_("Evaluation period (days)"),
        min_value=1,
        max_value=90,
        initial=14,
        help_text=_("Verified residents rate how well it was carried out during this period."),
    )
    reason = forms.CharField(
        label=_("Why it counts as carried out"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        latest = topic.latest_progress()
        if latest is not None and latest.percent >= 100:
            del self.fields["reason"]  # fully carried out: nothing to explain
        elif latest is None:
            self.fields["reason"].help_text = _(
                "No progress has been recorded. Say why it counts as carried out: residents "
                "read it on the topic's timeline."
            )
        else:
            self.fields["reason"].help_text = _(
                "The latest recorded progress is %(percent)s%%. Say why it counts as carried "
                "out: residents read it on the topic's timeline."
            ) % {"percent": latest.percent}


class OutcomeReviewForm(forms.ModelForm):
    """The outcome draft's words, checked before publishing. The tally is not among them: it
    is the ballot's stored count, shown beside the form."""

    class Meta:
        model = OutcomePage
        fields = ["title", "decision", "plan", "responsible", "deadline", "notice_days"]
        widgets = {
            "decision": forms.Textarea(attrs={"rows": 3}),
            "plan": forms.Textarea(attrs={"rows": 6}),
            "deadline": AdminDateInput,
        }


class ReconsiderForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Kept in the topic's public record: why it goes back to deliberation."),
    )
