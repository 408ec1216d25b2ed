from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.uploads import PHOTO_ACCEPT

from .models import Kind, Organisation
from .validators import normalise_credit_code


class CommunityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, community):
        return f"{community.street.name} · {community.name}"


class OrganisationForm(forms.ModelForm):
    """What a group tells the street office when it files; the street follows from the
    communities it serves."""

    communities = CommunityChoiceField(
        label=_("Communities served"),
        queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one community the organisation serves.")},
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "credit_code",
            "category",
            "communities",
            "description",
            "member_count",
            "contact_name",
            "contact_phone",
            "contact_email",
            "logo",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
            "member_count": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "logo": forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        }
        help_texts = {
            "name": _("As on the registration certificate, or as the group is known, "
                      "e.g. 幸福里书法社."),
        }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = Community.objects.select_related("street").order_by(
            "street__name", "name"
        )
        # Radio buttons, so no "choose one" blank among them; most groups are community-based.
        self.fields["kind"].choices = Kind.choices
        self.fields["kind"].initial = self.instance.kind or Kind.FILED

    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data.get("credit_code"))

    def clean_member_count(self):
        count = self.cleaned_data.get("member_count")
        if count is not None and count < 1:
            raise forms.ValidationError(_("An organisation has at least one member."))
        return count

    def clean(self):
        cleaned = super().clean()
        missing_code = not cleaned.get("credit_code") and "credit_code" not in self.errors
        if cleaned.get("kind") == Kind.REGISTERED and missing_code:
            self.add_error(
                "credit_code", _("A registered organisation needs its unified social credit code.")
            )
        communities = cleaned.get("communities")
        if communities:
            streets = {community.street_id for community in communities}
            if len(streets) > 1:
                self.add_error(
                    "communities",
                    _("An organisation files with one street office: choose communities of "
                      "one street."),
                )  # fmt: skip
            else:
                self.instance.street_id = streets.pop()
                self._check_name_free(cleaned.get("name"))
        return cleaned

    def _check_name_free(self, name):
        # The model's (street, name) constraint is not the form's to check: the street is not
        # one of its fields.
        taken = Organisation.objects.filter(street_id=self.instance.street_id, name=name)
        if name and taken.exclude(pk=self.instance.pk).exists():
            self.add_error(
                "name",
                _("An organisation of this name has already filed with this street office."),
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
