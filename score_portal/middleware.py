from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class UserLanguageMiddleware(LocaleMiddleware):
    """A signed-in user's saved language wins; otherwise the cookie or the browser's."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "preferred_language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        else:
            super().process_request(request)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts anywhere: behaviour lives in static/js
        "style-src 'self' 'unsafe-inline'",  # style attributes (progress bars, chart sizes)
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """The Content-Security-Policy and the headers Django 5.2 does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        return response
