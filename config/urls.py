from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.http import Http404, HttpResponse
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from communities.uploads import DOWNLOAD_HEADERS, IMAGE_KINDS, extension_of
from consultation.attachments import meeting_attachment


def healthz(request):
    """For load balancers, and the trivial baseline that bench/ measures every page against."""
    return HttpResponse("ok", content_type="text/plain")


def development_media(request, path):
    """/media/ under `runserver`, with the headers docs/deploy.md gives the reverse proxy."""
    if path.startswith(("meetings/", "applications/", "generated/")):
        # only through meeting_attachment / projects:attachment and the PDF views (generated
        # PDFs), which check who may see them
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    if not any(extension_of(path) in extensions for extensions, _label in IMAGE_KINDS.values()):
        response["Content-Disposition"] = "attachment"
    return response


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Everyone signs in through allauth, where staff pass their second factor; Wagtail's own
    # password-only login would bypass it.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login",
    ),
    # Likewise Wagtail's front-end login (for private pages), its password reset and its
    # account page (which changes passwords): allauth does these, with its rate limits.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailcore_login",
    ),
    re_path(
        r"^admin/password_reset/",
        RedirectView.as_view(pattern_name="account_reset_password"),
        name="wagtailadmin_password_reset",
    ),
    path(
        "admin/account/",
        RedirectView.as_view(pattern_name="communities:profile"),
        name="wagtailadmin_account",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Language-neutral, like documents: the same file whatever the reader's language.
    path(
        "topics/<int:pk>/attachments/<int:attachment_pk>/",
        meeting_attachment,
        name="meeting_attachment",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", development_media)
    )

# Chinese, the default, has unprefixed addresses; English lives under /en/.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("communities.urls")),
    path("", include("consultation.urls")),
    path("", include("organisations.urls")),
    path("", include("projects.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
