"""A funded project's charts, drawn from its figures (projects/figures.py).

The public project page, the representative's workspace and the project report PDF all show
the same SVG beside the same tables, so the charts are built in one place from the dictionary
`project_figures(project)` returns, and cost no query of their own.
"""

from django.utils.translation import gettext as _

from communities.charts import (
    AMBER,
    GREEN,
    GREY,
    RED,
    bar_chart,
    grouped_bars,
    progress_bars,
    share_bar,
)


def figure_charts(figures):
    """{"indicators", "satisfaction", "per_month", "spending"} → SVG SafeStrings."""
    return {
        "indicators": indicators_chart(figures["indicators"]),
        "satisfaction": satisfaction_chart(figures["satisfaction"]),
        "per_month": per_month_chart(figures["per_month"]),
        "spending": spending_chart(figures["lines"]),
    }


def indicators_chart(rows):
    """Each indicator's actual value against its target; a manual indicator not yet read
    counts as nothing reached (the table says there is no reading)."""
    return progress_bars(
        [(row.indicator.name, row.actual or 0, row.target, row.indicator.unit) for row in rows],
        label=_("Indicators against their targets"),
        empty=_("The award has no indicators."),
    )


def satisfaction_chart(counts):
    """Verified residents' ratings only: guests' are reported beside the chart, unverified,
    and never drawn into the same bar."""
    return share_bar(
        [
            (_("Satisfied"), counts["satisfied"], GREEN),
            (_("Basically satisfied"), counts["basic"], AMBER),
            (_("Dissatisfied"), counts["dissatisfied"], RED),
        ],
        label=_("Verified residents' satisfaction"),
        empty=_("No verified resident has rated an activity yet."),
    )


def per_month_chart(per_month):
    return bar_chart(
        per_month,
        label=_("Activities per month"),
        unit=_("activities"),
        empty=_("No activity recorded yet."),
    )


def spending_chart(lines):
    """Per budget line, what the grant pays for it beside what has been spent on it."""
    return grouped_bars(
        [row.line.item for row in lines],
        [_("Budgeted (yuan)"), _("Spent (yuan)")],
        [(row.budgeted, row.spent) for row in lines],
        label=_("Spending against the budget"),
        colours=[GREY, RED],
        empty=_("No budget line has money from the grant."),
    )
