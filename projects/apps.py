from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Funding and projects")

    def ready(self):
        from communities.clock import register_step

        from .workflow import close_rounds_for_screening

        register_step("applications moved into screening", lambda now: close_rounds_for_screening())
