from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

from .registry import registry


@lru_cache(maxsize=256)
def _url(name, urlconf, prefix):
    """A navigation entry's address, reversed once per URL configuration and prefix."""
    return reverse(name, urlconf=urlconf)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    path = request.path
    entries = []
    for entry in registry.nav:
        if user.role not in entry.roles:
            continue
        url = _url(entry.url_name, get_urlconf(), get_script_prefix())
        prefix = entry.active_prefix or url
        active = path == url if url == "/" else path.startswith(prefix)
        entries.append({"label": entry.label, "url": url, "active": active})
    return {"nav_entries": entries}
