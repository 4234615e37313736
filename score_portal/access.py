"""The one access policy.

Every model a user can reach has a QuerySet with ``visible_to(user)`` (what the
user may see) and ``editable_by(user)`` (what the user may change). Views get
their objects only through these; an object outside scope is a 404, so its
existence does not leak. Role checks for whole pages (a consultant on the user
list) answer 403, since the page itself is no secret.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):  # pragma: no cover - each model defines its scope
        raise NotImplementedError(f"{self.model.__name__} must define visible_to()")

    def holds(self, obj):
        """Whether ``obj`` is among these records, as a rule gave them (``editable_by(user)``,
        ``reviewable_by(user)``…): no query at all when the rule left the user nothing."""
        return not self.query.is_empty() and self.filter(pk=obj.pk).exists()

    def editable_by(self, user):
        return self.visible_to(user)


class StaffEditableQuerySet(ScopedQuerySet):
    """Administrators and coordinators change what they see; consultants only read."""

    def editable_by(self, user):
        if user.is_authenticated and (user.is_administrator or user.is_coordinator):
            return self.visible_to(user)
        return self.none()


def get_visible_or_404(queryset, user, **lookup):
    return get_object_or_404(queryset.visible_to(user), **lookup)


def get_editable_or_404(queryset, user, rule="editable_by", **lookup):
    """404 when the user cannot see the object; 403 when they see it but the QuerySet's
    ``rule`` (editable_by, or a narrower one such as a visit's reviewable_by) leaves it out."""
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if not getattr(queryset.all(), rule)(user).holds(obj):
        raise PermissionDenied
    return obj


class RoleRequiredMixin:
    """Sign-in required; then the user's role must be one of ``roles`` (403 otherwise)."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            # Imported here: auth's views need the user model, which imports this module.
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if self.roles and request.user.role not in self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
