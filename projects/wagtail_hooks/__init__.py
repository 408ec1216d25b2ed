"""The street office's screens for funding rounds, inside the Wagtail admin: applications and
their screening (applications.py), reviewers, reviews and the ranking (reviews.py), the
residents' vote (resident_votes.py)."""

from . import applications, awards_notice, decisions, projects, resident_votes, reviews, rounds  # noqa: F401  (each registers its own hooks)
from . import dashboard  # noqa: F401  (the figures dashboard)
from . import ledger  # noqa: F401  (the community ledger on request)
