from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorePortalConfig(AppConfig):
    name = "score_portal"
    verbose_name = _("SCORE Portal")

    def ready(self):
        from . import signals  # noqa: F401
        from .models import Role
        from .registry import HomePanel, NavEntry, registry
        from .views import admin_home_context, own_account_context

        everyone = tuple(Role.values)
        admin = (Role.ADMINISTRATOR,)
        registry.add_nav(NavEntry(_("Home"), "home", everyone, order=0))
        registry.add_nav(NavEntry(_("Users"), "users:list", admin, order=80))
        registry.add_nav(NavEntry(_("Audit log"), "audit_log", admin, order=90))
        registry.add_panel(HomePanel("home/panel_users.html", admin, admin_home_context, order=10))
        registry.add_panel(HomePanel("home/panel_account.html", everyone, own_account_context, order=999))
