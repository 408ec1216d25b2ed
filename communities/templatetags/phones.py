from django import template

from communities.phones import display_mobile

register = template.Library()


@register.filter
def mobile(number):
    """+8613800138000 → 138 0013 8000, the way residents read their number."""
    return display_mobile(number)


@register.simple_tag
def code_minutes():
    """How long a code sent by text stays valid, in minutes."""
    from allauth.account import app_settings

    return app_settings.PHONE_VERIFICATION_TIMEOUT // 60
