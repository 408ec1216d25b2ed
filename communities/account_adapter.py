"""allauth's emails name the site as residents know it, in the reader's language.

Without django.contrib.sites, allauth names the site after the request's host, so a sign-up
email said "Hello from 127.0.0.1!". The name comes from the Wagtail site (the one the request
reached, else the default), the domain from SITE_URL: the address residents are given.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from wagtail.models import Site


@dataclass(frozen=True)
class SiteIdentity:
    name: str
    domain: str


def site_identity(request=None):
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    name = (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME
    return SiteIdentity(name=name, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        context = {**context, "current_site": site_identity(context.get("request") or self.request)}
        return super().send_mail(template_prefix, email, context)
