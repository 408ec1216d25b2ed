"""The published outcome of a topic (结果公示) as a Wagtail page.

A page, not a plain record, because staff write it, it may pass an approval workflow before
it goes public, and it needs a stable public address: the printed notice's QR code leads here.
It lives under its community's page. Publishing it starts the notice period (workflow.py).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Page

from .models.topics import Topic


class OutcomePage(Page):
    topic = models.OneToOneField(
        Topic, on_delete=models.PROTECT, related_name="outcome_page", verbose_name=_("topic")
    )
    decision = models.TextField(_("decision"), max_length=2000)
    tally = models.TextField(
        _("tally"),
        max_length=1000,
        blank=True,
        help_text=_("The ballot's count, stored when it closed; nobody can change it."),
    )
    plan = models.TextField(_("implementation plan"), max_length=5000)
    responsible = models.CharField(_("responsible for carrying it out"), max_length=120)
    deadline = models.DateField(_("implementation deadline"))
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"),
        default=7,
        help_text=_("Residents may object during this period after publication."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("decision"),
        # The stored count is shown, never offered as a field: the editor cannot change it.
        FieldPanel("tally", read_only=True),
        FieldPanel("plan"),
        FieldRowPanel([FieldPanel("responsible"), FieldPanel("deadline")]),
        MultiFieldPanel([FieldPanel("notice_days")], heading=_("Public notice")),
    ]
    parent_page_types = ["home.CommunityPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def clean(self):
        super().clean()
        topic = self.topic
        ballot = topic.ballots.order_by("-opens_at").first()
        if topic.status in ("deliberating", "voting") and ballot and ballot.status != "closed":
            raise ValidationError(
                _("The ballot on this topic is not counted yet; publish once it has closed.")
            )
        if topic.status not in ("deliberating", "voting", "notice", "implementing",
                                "evaluating", "closed"):  # fmt: skip
            raise ValidationError(_("Only a deliberated topic can have an outcome."))

    def get_context(self, request, *args, **kwargs):
        from .views import outcome_context

        context = super().get_context(request, *args, **kwargs)
        context.update(outcome_context(request, self))
        return context


def outcome_published(sender, instance, revision=None, **kwargs):
    """The first publication of an outcome starts its notice period (workflow: notice)."""
    from .outcomes import publish_outcome

    publish_outcome(instance, revision.user if revision is not None else None)
