"""Reviewers, reviews and the ranking in the admin (owned by the reviews work)."""
