"""Forms behind the staff screens in the Wagtail admin (residents' forms are in forms.py).

They only collect what a workflow step needs; the step itself (consultation.workflow) checks
the rules, so its refusals appear on these forms as non-field errors.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from communities.models import Grid, Household, Membership
from communities.uploads import ATTACHMENT_ACCEPT, PHOTO_ACCEPT, validate_attachment, validate_photo

from .models import Franchise, Meeting, MeetingAttachment, Source, Topic, TopicState
from .voting import DEFAULT_OPTIONS

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
OPEN_STATES = (TopicState.COLLECTING, TopicState.SCREENING, TopicState.DELIBERATING)


class HouseholdChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, household):
        if household.grid_id:
            return f"{household.address} · {household.grid.name}"
        return household.address


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.email or user.get_username()


class AcceptTopicForm(forms.Form):
    deliberation_starts = forms.DateField(label=_("Deliberation starts"), widget=AdminDateInput)
    deliberation_ends = forms.DateField(label=_("Deliberation ends"), widget=AdminDateInput)
    invited_households = HouseholdChoiceField(
        label=_("Invited households"),
        queryset=Household.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Households most affected, who receive the advance notice."),
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

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        community = topic.community
        self.fields["invited_households"].queryset = (
            Household.objects.filter(community=community)
            .select_related("grid")
            .order_by("grid__name", "address")
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

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A meeting stays with its topic; only what happened at it is edited.
            self.fields["topic"].disabled = True
            self.fields["topic"].queryset = Topic.objects.filter(pk=self.instance.topic_id)
        elif topics is not None:
            self.fields["topic"].queryset = topics

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


class ReconsiderForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Kept in the topic's public record: why it goes back to deliberation."),
    )
