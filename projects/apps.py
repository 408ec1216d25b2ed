from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Funding and projects")

    def ready(self):
        from django.db.models import Exists

        from communities.clock import register_step
        from communities.middleware import register_page_reach
        from communities.templatetags.navigation import register_menu_flag
        from organisations.models import Representative

        from . import awards
        from .models import Reviewer
        from .page_rights import reachable_round_pages
        from .workflow import close_rounds_for_screening

        awards.register()  # a round's awards go on public notice (communities/notices.py)

        register_step("applications moved into screening", lambda now: close_rounds_for_screening())
        register_page_reach(reachable_round_pages)
        register_menu_flag(
            "represents_organisation",
            lambda user: Exists(Representative.objects.filter(user=user)),
        )
        register_menu_flag(
            "reviews_a_round", lambda user: Exists(Reviewer.objects.filter(user=user))
        )
