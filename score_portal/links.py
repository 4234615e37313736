from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=512)
def _reversed(name, args, urlconf, prefix):
    return reverse(name, args=args or None, urlconf=urlconf)


def reverse_once(name, *args):
    """``reverse(name, args=args)``, worked out once per URL configuration and script prefix: for
    addresses asked for on every page (the navigation) or in every row of a list ({% pk_url %})."""
    return _reversed(name, args, get_urlconf(), get_script_prefix())
