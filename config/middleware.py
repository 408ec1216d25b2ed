"""Response headers Django has no setting for."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the browser features no page of ours uses are switched off, so a
    script that gets in (or a framed page) cannot ask for the camera, microphone or location."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.YISHI_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class AdminContentSecurityPolicyMiddleware:
    """The Wagtail admin's own policy (YISHI_ADMIN_CSP) on every address under the admin.

    Its rich-text editor, tooltips and dialogs write <style> elements from JavaScript, which no
    nonce can cover, so only the admin allows inline style elements; public pages do not.
    Placed after Django's CSP middleware, it marks the response the way Django's
    `csp_override` view decorator does, for every view Wagtail generates.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(admin_prefix()) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.YISHI_ADMIN_CSP
        return response


def admin_prefix():
    from django.urls import reverse

    return reverse("wagtailadmin_home")
