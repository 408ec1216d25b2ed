from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communities.forms import ObjectionForm  # noqa: F401  (the shared notice form)
from communities.models import Grid
from communities.uploads import PHOTO_ACCEPT, validate_photo

from .models import Comment, Satisfaction, Stance, Topic

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Up to six photos, each a JPEG, PNG, WebP or GIF image of at most 10 MB."""

    widget = MultipleFileInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("Attach at most %(max)d photos (you chose %(count)d).")
                % {"max": MAX_PHOTOS, "count": len(files)}
            )
        cleaned = []
        for upload in files:
            if upload.size > MAX_PHOTO_BYTES:
                raise ValidationError(_("“%(name)s” is larger than 10 MB.") % {"name": upload.name})
            validate_photo(upload)
            try:
                cleaned.append(super().clean(upload, initial))
            except ValidationError:
                raise ValidationError(
                    _("“%(name)s” is not an image (JPEG, PNG, GIF or WebP).")
                    % {"name": upload.name}
                ) from None
        return cleaned


class TopicForm(forms.ModelForm):
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos, each at most 10 MB."),
    )

    class Meta:
        model = Topic
        fields = ["title", "description", "category", "grid", "place"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "title": _("One sentence: what should change? E.g. 幸福路12号楼道灯坏了三个月."),
            "place": _("Building, street corner or facility, if it concerns one place."),
        }

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.active().filter(community=community)
        self.fields["grid"].required = False
        self.fields["title"].widget.attrs["maxlength"] = 80

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 4:
            raise ValidationError(_("Write a title of at least 4 characters."))
        return title

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if len(description) < 10:
            raise ValidationError(_("Describe the matter in at least 10 characters."))
        return description


class CommentForm(forms.Form):
    stance = forms.ChoiceField(
        label=_("Your stance"), choices=Stance.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with this comment?"), max_length=200)


class VoteForm(forms.Form):
    """The ballot paper: radio buttons for a single choice, checkboxes for up to N."""

    def __init__(self, *args, ballot, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(option.position, option.label) for option in ballot.options.all()]
        if ballot.max_choices == 1:
            self.fields["choice"] = forms.TypedChoiceField(
                label=ballot.question, choices=choices, coerce=int, widget=forms.RadioSelect
            )
        else:
            self.fields["choice"] = forms.TypedMultipleChoiceField(
                label=ballot.question,
                choices=choices,
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Tick up to %(n)d options.") % {"n": ballot.max_choices},
            )

    def positions(self):
        choice = self.cleaned_data["choice"]
        return choice if isinstance(choice, list) else [choice]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How well was it carried out?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
