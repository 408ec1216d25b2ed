from django import template

from communities.history_reasons import render_reason

register = template.Library()


@register.filter
def history_reason(stored):
    """A history step's reason in the reader's language (see communities.history_reasons)."""
    return render_reason(stored)
