from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django puts this after every form label; Chinese takes the full-width colon (姓名：).
gettext_noop(":")


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Site pages")
