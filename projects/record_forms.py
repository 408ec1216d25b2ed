"""The record's forms: an activity, an expense, an indicator reading.

An activity is recorded on a phone right after it ends, so its form is one short page with the
day, the project's only community and the indicators its log counts already chosen. The forms
check what a person typed; the rules of the record (the project's period, its communities, a
budget line's money left) are the workflow's (projects/workflow/delivery.py), whose refusals
the views show on the same form.
"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.uploads import (
    ATTACHMENT_ACCEPT,
    DOCUMENT_KINDS,
    IMAGE_KINDS,
    PHOTO_ACCEPT,
    FileKindValidator,
)
from consultation.forms import PhotosField

from .figures import spending
from .forms import MoneyField
from .models import Activity, Expense, IndicatorReading, Measure

# A receipt is a scanned or photographed invoice (发票), or the PDF of an electronic one.
RECEIPT_KINDS = {"pdf": DOCUMENT_KINDS["pdf"], **IMAGE_KINDS}
RECEIPT_ACCEPT = f"application/pdf,{PHOTO_ACCEPT}"
validate_receipt = FileKindValidator(RECEIPT_KINDS, _("a PDF, or a JPEG, PNG, WebP or GIF photo"))

NOT_NEGATIVE = _("Write a number of 0 or more.")


class DateInput(forms.DateInput):
    """The phone's own date picker."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def indicator_label(indicator):
    return _("%(name)s (target: %(target)s %(unit)s)") % {
        "name": indicator.name,
        "target": f"{indicator.target.normalize():f}",
        "unit": indicator.unit,
    }


def _count_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        initial=0,
        help_text=help_text,
        error_messages={"min_value": NOT_NEGATIVE, "invalid": NOT_NEGATIVE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


class ActivityForm(forms.ModelForm):
    participants_offline = _count_field(
        _("Participants without a phone"),
        _(
            "Only people who could not scan the code. Everyone who signs in by scanning the "
            "activity's QR code is counted by itself: do not count them again."
        ),
    )
    volunteers = _count_field(_("Volunteers"))
    volunteer_hours = forms.DecimalField(
        label=_("Volunteer hours"),
        min_value=0,
        max_digits=8,
        decimal_places=1,
        initial=0,
        help_text=_("All volunteers' hours together, e.g. 3 volunteers × 2 hours = 6."),
        error_messages={"min_value": NOT_NEGATIVE},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.5"}),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos of the activity, each at most 10 MB."),
    )

    class Meta:
        model = Activity
        fields = [
            "held_on",
            "title",
            "place",
            "community",
            "participants_offline",
            "volunteers",
            "volunteer_hours",
            "notes",
            "indicators",
        ]
        widgets = {
            "held_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "indicators": forms.CheckboxSelectMultiple,
        }
        labels = {"title": _("Name of the activity")}
        help_texts = {"title": _("E.g. 手机课堂：学会视频通话.")}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        communities = project.application.communities.all()
        self.fields["community"].queryset = communities
        self.fields["community"].empty_label = None if len(communities) == 1 else "—"
        indicators = project.application.indicators.all()
        self.fields["indicators"].queryset = indicators
        self.fields["indicators"].label_from_instance = indicator_label
        if self.instance.pk is None:
            self.initial["held_on"] = date.today()
            if len(communities) == 1:
                self.initial["community"] = communities[0].pk
            # What the log counts is what an activity usually serves; a manual indicator is
            # measured apart, with its evidence.
            self.initial["indicators"] = [i.pk for i in indicators if i.measure != Measure.MANUAL]


class ExpenseForm(forms.ModelForm):
    amount = MoneyField(label=_("Amount (yuan)"))
    receipt = forms.FileField(
        label=_("Receipt"),
        validators=[validate_receipt],
        help_text=_("A photo or PDF of the invoice or receipt."),
        widget=forms.FileInput(attrs={"accept": RECEIPT_ACCEPT}),
    )

    class Meta:
        model = Expense
        fields = ["budget_line", "spent_on", "amount", "description", "receipt"]
        widgets = {"spent_on": DateInput()}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        left = {row.line.pk: row.left for row in spending(project)}
        field = self.fields["budget_line"]
        field.queryset = project.application.budget_lines.all()
        field.label_from_instance = lambda line: (
            _("%(item)s (left: %(left)s yuan)")
            % {
                "item": line.item,
                "left": f"{left.get(line.pk, line.requested):.2f}",
            }
        )
        self.initial["spent_on"] = date.today()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Write the amount paid, more than 0 yuan."))
        return amount


class ReadingForm(forms.ModelForm):
    value = forms.DecimalField(
        label=_("Value"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"min_value": NOT_NEGATIVE},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "any"}),
    )

    class Meta:
        model = IndicatorReading
        fields = ["indicator", "value", "note", "evidence"]
        widgets = {"evidence": forms.FileInput}
        help_texts = {
            "note": _("E.g. 入户问卷, 52 households answered."),
            "evidence": _("The survey sheets, a list or a photo of them."),
        }

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        field = self.fields["indicator"]
        field.queryset = project.application.indicators.filter(measure=Measure.MANUAL)
        field.label_from_instance = lambda i: (
            _("%(name)s (target: %(target)s %(unit)s)")
            % {
                "name": i.name,
                "target": f"{i.target.normalize():f}",
                "unit": i.unit,
            }
        )
        self.fields["evidence"].widget.attrs["accept"] = ATTACHMENT_ACCEPT
