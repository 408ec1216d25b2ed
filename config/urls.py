from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls


def healthz(request):
    """For load balancers, and the trivial baseline that bench/ measures every page against."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Everyone signs in through allauth, where staff pass their second factor; Wagtail's own
    # password-only login would bypass it.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Chinese, the default, has unprefixed addresses; English lives under /en/.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("communities.urls")),
    path("", include("consultation.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
