"""Applicant pages: rounds, applying, an application (owned by the applications work)."""

urlpatterns = []
