"""The application form: the project in words, its budget lines, indicators and attachments.

Amounts are yuan with two decimals, read as Decimal, never as floats; "1,200", "¥35.5" and
"35.50元" are read as the amounts they are, and anything else is refused with an example of
what to write. The budget's totals are recomputed from its lines on every save.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from communities.uploads import ATTACHMENT_ACCEPT, validate_attachment

from .models import Application, ApplicationAttachment, BudgetLine, Indicator, Measure
from .workflow import ceiling_refusal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
EXTRA_LINES = 2

MONEY_ERRORS = {
    "invalid": _("Write an amount in yuan, such as 1200 or 35.50."),
    "min_value": _("An amount cannot be negative."),
    "max_decimal_places": _("Amounts are in yuan with at most two decimals (fen)."),
    "max_digits": _("This amount is too large."),
    "max_whole_digits": _("This amount is too large."),
}


class MoneyField(forms.DecimalField):
    """Yuan with fen, as people write them: thousands separators, a currency sign or 元."""

    IGNORED = str.maketrans("", "", ",，¥￥元 \u3000")

    def __init__(self, *, min_value=ZERO, max_digits=12, error_messages=None, **kwargs):
        super().__init__(
            max_digits=max_digits,
            decimal_places=2,
            min_value=min_value,
            error_messages={**MONEY_ERRORS, **(error_messages or {})},
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(self.IGNORED)
        return super().to_python(value)

    def clean(self, value):
        # "100" is 100.00 yuan: every amount is shown, summed and stored to the fen.
        value = super().clean(value)
        return value.quantize(CENT) if value is not None else None


class CommunityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, community):
        return community.name


class ApplicationForm(forms.ModelForm):
    """The project in words. Its communities are those of the round's street that the
    organisation serves: an application is for the people the organisation already knows."""

    communities = CommunityChoiceField(
        label=_("Communities served"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one community the project serves.")},
    )

    class Meta:
        model = Application
        fields = [
            "title",
            "communities",
            "need",
            "goals",
            "beneficiaries",
            "beneficiary_count",
            "activity_plan",
        ]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "activity_plan": forms.Textarea(attrs={"rows": 6}),
            "beneficiary_count": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        help_texts = {
            "title": _("Short and concrete, e.g. 老年人书法进社区."),
            "need": _("What residents lack today, and how you know."),
            "goals": _("What will be different when the project ends."),
            "beneficiaries": _("Who they are, e.g. residents over 60 living alone."),
            "activity_plan": _("What happens when and where, month by month."),
        }
        error_messages = {
            "beneficiary_count": {
                "invalid": _("Write a whole number, such as 120."),
                "min_value": _("Write a whole number, such as 120."),
            }
        }

    def __init__(self, *args, round, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        served = organisation.communities.filter(street_id=round.street_id).order_by("name")
        self.fields["communities"].queryset = served
        if self.instance.pk is None and len(served) == 1:
            self.initial["communities"] = [served[0].pk]


class BudgetLineForm(forms.ModelForm):
    unit_cost = MoneyField(
        label=_("Unit cost (yuan)"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("A unit cost is more than zero.")},
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=1_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Write a whole number, such as 12."),
            "min_value": _("A quantity is at least 1."),
            "max_value": _("This quantity is too large."),
        },
    )
    requested = MoneyField(label=_("Requested (yuan)"))
    cofunded = MoneyField(
        label=_("Co-funded (yuan)"),
        required=False,
        help_text=_("Paid by the organisation or others."),
    )

    class Meta:
        model = BudgetLine
        fields = ["item", "unit_cost", "quantity", "requested", "cofunded"]

    def clean_cofunded(self):
        return self.cleaned_data.get("cofunded") or ZERO


class IndicatorForm(forms.ModelForm):
    target = MoneyField(
        label=_("Target"),
        max_digits=10,
        error_messages={
            "invalid": _("Write a number, such as 48."),
            "min_value": _("A target cannot be negative."),
            "max_decimal_places": _("A target has at most two decimals."),
        },
    )

    class Meta:
        model = Indicator
        fields = ["name", "unit", "target", "measure"]
        help_texts = {
            "unit": _("e.g. 次, 人次, 户"),
            "measure": _(
                "Counted ones are computed from the activities you record; others you measure "
                "and record with evidence."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An application written before indicators were counted measured them by hand.
        self.fields["measure"].required = False

    def clean_measure(self):
        return self.cleaned_data.get("measure") or Measure.MANUAL


class AttachmentForm(forms.ModelForm):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)

    class Meta:
        model = ApplicationAttachment
        fields = ["title", "file"]
        widgets = {"file": forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT})}
        help_texts = {
            "file": _("A budget sheet, a plan, photos of past activities: up to 20 MB each.")
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            if upload.size > MAX_ATTACHMENT_BYTES:
                raise ValidationError(_("“%(name)s” is larger than 20 MB.") % {"name": upload.name})
            validate_attachment(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload and not cleaned.get("title"):
            cleaned["title"] = upload.name.rsplit("/", 1)[-1][:100]
            self.instance.title = cleaned["title"]
        return cleaned


class OrderedFormSet(forms.BaseInlineFormSet):
    """Lines keep the order they were written in: a new line goes after those already there
    (a tie after a deleted line is broken by the row's id, which grows)."""

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if (form.instance.pk or form.has_changed())
            and not (self.can_delete and self._should_delete_form(form))
        ]

    def save_new(self, form, commit=True):
        form.instance.position = len(self.initial_forms) + len(self.new_objects)
        return super().save_new(form, commit)


class BudgetLineFormSet(OrderedFormSet):
    def __init__(self, *args, round, **kwargs):
        self.round = round
        super().__init__(*args, **kwargs)

    def totals(self):
        """(requested, co-funded, cost) of the lines as entered, each the sum of its lines."""
        requested = cofunded = cost = ZERO
        if self.is_bound:
            lines = [form.cleaned_data for form in self.kept_forms() if form.is_valid()]
        else:
            lines = [model_values(form.instance) for form in self.forms if form.instance.pk]
        for line in lines:
            requested += line.get("requested") or ZERO
            cofunded += line.get("cofunded") or ZERO
            if line.get("unit_cost") is not None and line.get("quantity") is not None:
                cost += line["unit_cost"] * line["quantity"]
        return requested, cofunded, cost

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        requested, _cofunded, _cost = self.totals()
        if requested > self.round.grant_ceiling:
            raise ValidationError(ceiling_refusal(requested, self.round))


def model_values(line):
    return {
        "requested": line.requested,
        "cofunded": line.cofunded,
        "unit_cost": line.unit_cost,
        "quantity": line.quantity,
    }


class AttachmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("file") and not self._should_delete_form(form)
        ]
        if len(kept) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(max)d files (there are %(count)d).")
                % {"max": MAX_ATTACHMENTS, "count": len(kept)}
            )


BudgetLines = inlineformset_factory(
    Application,
    BudgetLine,
    form=BudgetLineForm,
    formset=BudgetLineFormSet,
    extra=EXTRA_LINES,
    can_delete=True,
    can_delete_extra=False,
    max_num=50,
    validate_max=True,
)
Indicators = inlineformset_factory(
    Application,
    Indicator,
    form=IndicatorForm,
    formset=OrderedFormSet,
    extra=EXTRA_LINES,
    can_delete=True,
    can_delete_extra=False,
    max_num=20,
    validate_max=True,
)
Attachments = inlineformset_factory(
    Application,
    ApplicationAttachment,
    form=AttachmentForm,
    formset=AttachmentFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_ATTACHMENTS,
)


def application_forms(data=None, files=None, *, round, organisation, instance=None):
    """The form and its three formsets, bound to `data` on a POST."""
    instance = instance or Application(round=round, organisation=organisation)
    return (
        ApplicationForm(data, instance=instance, round=round, organisation=organisation),
        BudgetLines(data, instance=instance, prefix="lines", round=round),
        Indicators(data, instance=instance, prefix="indicators"),
        Attachments(data, files, instance=instance, prefix="attachments"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
