"""The whole-page cache for anonymous visitors: Django's cache (Redis in production, shared by
every app server) holds each public page under its address and language.

A page is served from the cache, and stored in it, only for a GET (or HEAD) from a visitor who
carries no session and no messages: no cookie at all but the CSRF and language ones, and no
Authorization header. It is stored only if it is a 200 that sets no cookie (a page with a form
always sets the CSRF cookie, so no page with a form is ever shared), is not marked private or
no-store, and was rendered in the language its address names (unprefixed addresses are always
Chinese). With those rules the visitor's cookies cannot change the page, which is why the key
is the address and language alone, whatever `Vary` says to browsers. `/healthz`, the admin,
accounts, static files and media are never cached.

What a page shows changes when a row changes: every committed save or delete of a model the
pages read (all but the few in `UNSHOWN`) moves one generation number on. A page is stored
with the generation read before it was drawn and served only while that is still current, so
the next visitor after a change gets a fresh page on every app server at once; a hit is one
round trip to the cache (the generation and the page in one MGET). A page also expires after
`CACHE_MIDDLEWARE_SECONDS` (60 by default), for what changes with the clock alone ("closes in
2 hours"). `CACHE_MIDDLEWARE_SECONDS=0` switches the cache off.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation
from django.utils.cache import has_vary_header
from django.utils.functional import SimpleLazyObject
from django.utils.http import split_directive_names

GENERATION_KEY = "pages.generation"
FRAGMENT_SECONDS = 600
HEADER = "X-Page-Cache"
NEVER_CACHED = ("/healthz", "/admin/", "/accounts/", "/en/accounts/", "/static/", "/media/")
# Rows no public page shows: their churn (a login, a session, a notification, a task's progress)
# must not empty the cache.
UNSHOWN = {
    "sessions.Session",
    "communities.Notification",
    "communities.NotificationPreference",
    "communities.RegisterImport",
    "communities.UserPhone",
    "projects.GeneratedReport",
    "django_tasks_db.DBTaskResult",
    "account.EmailAddress",
    "account.EmailConfirmation",
    "mfa.Authenticator",
    "admin.LogEntry",
}
ANONYMOUS_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def cache():
    return caches[settings.CACHE_MIDDLEWARE_ALIAS]


def generation():
    """The current generation; a fresh one (the clock in nanoseconds, larger than any before)
    when the cache lost it, so no page stored under an older number can come back."""
    value = cache().get(GENERATION_KEY)
    if value is None:
        cache().add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache().get(GENERATION_KEY)
    return value


def pages_changed():
    """Every cached page is stale from now on, on every app server."""
    try:
        cache().incr(GENERATION_KEY)
    except ValueError:  # not there: start a new, larger generation
        cache().set(GENERATION_KEY, time.time_ns(), timeout=None)


def generation_context(request):
    """For `{% cache fragment_seconds name … cache_generation %}` around what signed-in visitors
    share (a discussion's thread, the city's communities): the generation is part of the key,
    so a fragment goes stale with the pages; read from the cache only when a template asks.
    Fragments are kept 10 minutes at most, and not at all where the page cache is off
    (development, tests), where a page must show the database as it is."""
    return {
        "cache_generation": SimpleLazyObject(generation),
        "fragment_seconds": FRAGMENT_SECONDS if settings.CACHE_MIDDLEWARE_SECONDS else 0,
    }


def _row_changed(sender, using=None, update_fields=None, **kwargs):
    if sender._meta.label in UNSHOWN:
        return
    if update_fields and set(update_fields) <= {"last_login"}:
        return
    transaction.on_commit(pages_changed, using=using)


def connect_signals():
    """Called from CommunitiesConfig.ready(): in every process that writes (app servers, the
    task worker, the clock, management commands), not only where the middleware runs."""
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_row_changed, dispatch_uid=f"page_cache_{signal!r}")


def _is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith(NEVER_CACHED)
        and set(request.COOKIES) <= ANONYMOUS_COOKIES
        and "Authorization" not in request.headers
    )


def _is_shareable(response):
    if response.streaming or response.status_code != 200 or response.cookies:
        return False
    if has_vary_header(response, "*"):
        return False
    directives = set(split_directive_names(response.get("Cache-Control", "")))
    return not directives & {"private", "no-cache", "no-store"}


class AnonymousPageCacheMiddleware:
    """Placed right after SecurityMiddleware: above the middleware that set cookies (sessions,
    CSRF, messages), so it sees them, and above the content security policy, so a stored page
    keeps the policy it was rendered with."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.CACHE_MIDDLEWARE_SECONDS
        if not seconds or not _is_anonymous_read(request):
            return self.get_response(request)

        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        key = _page_key(request, language)
        found = cache().get_many([GENERATION_KEY, key])
        current = found.get(GENERATION_KEY) or generation()
        stored = found.get(key)
        if stored is not None and stored[0] == current:
            response = stored[1]
            response[HEADER] = "hit"
            return response

        response = self.get_response(request)
        if (
            request.method == "GET"
            and _is_shareable(response)
            and getattr(request, "LANGUAGE_CODE", None) == language
        ):
            response[HEADER] = "miss"
            cache().set(key, (current, response), seconds)
        return response


def _page_key(request, language):
    address = hashlib.md5(request.build_absolute_uri().encode(), usedforsecurity=False)
    return f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}pages.{language}.{address.hexdigest()}"
