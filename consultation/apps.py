from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")

    def ready(self):
        from wagtail.signals import page_published

        from .pages import OutcomePage, outcome_published

        page_published.connect(outcome_published, sender=OutcomePage)
