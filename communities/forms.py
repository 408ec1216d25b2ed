from django import forms
from django.utils.translation import gettext_lazy as _

from .importing import PHONE_RE
from .models import Community, Household, NotificationPreference, Resident, VerificationMethod


class ProfileForm(forms.ModelForm):
    """What a resident tells the community office before staff verify them."""

    class Meta:
        model = Resident
        fields = ["real_name", "phone", "community", "stated_address"]
        help_texts = {
            "real_name": _("As on your identity card; staff check it when they verify you."),
            "stated_address": _("Building, unit and room, e.g. 幸福路12号1栋2单元301室."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.select_related("street")
        self.fields["community"].empty_label = _("Choose your community")
        for name in self.fields:
            self.fields[name].required = True

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip().replace(" ", "")
        if not PHONE_RE.match(phone):
            raise forms.ValidationError(_("Enter an 11-digit mobile number."))
        return phone

    def clean_real_name(self):
        return self.cleaned_data["real_name"].strip()


class VerifyResidentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was the resident verified?"), choices=VerificationMethod.choices
    )
    household = forms.ModelChoiceField(
        label=_("Household"),
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Needed when verifying in person; the register finds it by itself."),
    )

    def __init__(self, *args, resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = (
            Household.objects.active()
            .filter(community_id=resident.community_id)
            .select_related("grid")
        )


class RevokeVerificationForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RegisterImportForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    file = forms.FileField(
        label=_("Household register (.xlsx)"),
        help_text=_("One row per person; rows with the same address form one household."),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel workbook ending in .xlsx."))
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"frequency": _("Email me about these notifications")}


class CloseAccountForm(forms.Form):
    """Closing cannot be undone, so the resident proves it is them and that they mean it."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is closed for good and cannot be restored."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label_suffix = ""  # a sentence, not a field name: no colon
        self.user = user
        if not user.has_usable_password():
            # Accounts that only ever signed in with a code have no password to ask for.
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class ObjectionForm(forms.Form):
    """异议 to a decision on public notice (communities/notices.py)."""

    body = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong with the decision? The office answers in public."),
    )
