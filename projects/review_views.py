"""Reviewer pages: assigned applications, conflict declaration, scoring."""

urlpatterns = []
