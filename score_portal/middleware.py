import time

from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class SessionRenewalMiddleware:
    """Keeps a signed-in session alive while it is used, so that SESSION_COOKIE_AGE is an idle
    timeout: the session (its row and its cookie) is saved again when it was last renewed more
    than SESSION_RENEW_AFTER seconds ago. Saving it on every request instead wrote a row and
    waited for the database to flush it on each page."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            if now - request.session.get(self.KEY, 0) >= settings.SESSION_RENEW_AFTER:
                request.session[self.KEY] = now
        return response


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


class AdministratorMFAMiddleware:
    """With ``PORTAL_ADMIN_MFA`` on, a signed-in administrator without an authenticator app can
    only set one up (or sign out, or change language) until they have: every other page sends them
    to the set-up page with a message saying why."""

    ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/", "/static/", "/language/")
    ALLOWED_PATHS = ("/health/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.must_set_up(request):
            messages.warning(
                request, _("Administrators must sign in with two factors: set up an authenticator app to go on.")
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def must_set_up(self, request):
        if not settings.PORTAL_ADMIN_MFA:
            return False
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and user.is_administrator):
            return False
        if request.path in self.ALLOWED_PATHS or request.path.startswith(self.ALLOWED_PREFIXES):
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)
