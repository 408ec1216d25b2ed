from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published

        from communities.models import Membership

        from .pages import OutcomePage, outcome_published
        from .wagtail_hooks.outcomes import resync_page_groups

        page_published.connect(outcome_published, sender=OutcomePage)
        post_save.connect(resync_page_groups, sender=Membership)
        post_delete.connect(resync_page_groups, sender=Membership)
