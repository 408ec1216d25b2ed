from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("People and places")

    def ready(self):
        from .exports import neutralise_wagtail_exports
        from .page_cache import connect_signals

        neutralise_wagtail_exports()
        connect_signals()
