"""Tags for pages that show funded projects without owning them: the organisation's page lists
its projects through `projects_of` (projects import organisations, never the other way round),
and the figures block subtracts sums of money with `minus`."""

from django import template

from ..models import Project

register = template.Library()


@register.simple_tag
def projects_of(organisation):
    """The organisation's funded projects, newest first (one query)."""
    return list(
        Project.objects.filter(application__organisation=organisation).select_related("application")
    )


@register.filter
def minus(value, other):
    """`budgeted|minus:spent`: what is left of a budget."""
    return value - other
