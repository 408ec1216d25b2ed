from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Funding and projects")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from communities.clock import register_step
        from communities.models import Membership
        from home.models import HomePage

        from . import awards
        from .page_rights import resync_round_rights
        from .workflow import close_rounds_for_screening

        awards.register()  # a round's awards go on public notice (communities/notices.py)

        register_step("applications moved into screening", lambda now: close_rounds_for_screening())
        post_save.connect(resync_round_rights, sender=Membership)
        post_delete.connect(resync_round_rights, sender=Membership)
        post_save.connect(resync_round_rights, sender=HomePage)
