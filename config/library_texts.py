"""Texts of the libraries we show whose Chinese is missing or reads badly, kept in our catalogue.

Our catalogue (LOCALE_PATHS) is read before Django's, Wagtail's and allauth's, so a msgid
listed here is translated by us. Nothing imports this module: `makemessages` reads it, and
`--no-obsolete` would otherwise drop these entries because no template of ours uses them.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

LIBRARY_TEXTS = (
    # Wagtail's choice blocks and admin: no Chinese in Wagtail's catalogue.
    gettext_noop("- Select an option -"),
    gettext_noop("Search all pages…"),
    gettext_noop("Edit account avatar"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    # Django's length limit: "确保该变量包含不超过 80 字符" speaks of a variable, not of what a
    # resident typed; said in the field's words instead.
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
