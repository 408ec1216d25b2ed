"""The street office's screens for funding rounds, inside the Wagtail admin: applications and
their screening (applications.py), reviewers, reviews and the ranking (reviews.py), the
residents' vote (resident_votes.py); funded projects and their evaluators (projects.py), the
figures dashboard and exports (dashboard.py) and the community ledger on request (ledger.py)."""

from . import (  # noqa: F401  (each registers its own hooks)
    applications,
    awards_notice,
    dashboard,
    decisions,
    ledger,
    projects,
    resident_votes,
    reviews,
    rounds,
)
