from .links import reverse_once
from .registry import registry


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    path = request.path
    entries = []
    for entry in registry.nav:
        if user.role not in entry.roles:
            continue
        url = reverse_once(entry.url_name)
        prefix = entry.active_prefix or url
        active = path == url if url == "/" else path.startswith(prefix)
        entries.append({"label": entry.label, "url": url, "active": active})
    return {"nav_entries": entries}
