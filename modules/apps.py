from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModulesConfig(AppConfig):
    name = "modules"
    verbose_name = _("SCORE modules")

    def ready(self):
        from score_portal.models import Role
        from score_portal.registry import EnterpriseTab, HomePanel, NavEntry, registry

        from .demo import seed_demo
        from .views import kpis_tab_context, modules_panel_context, modules_tab_context

        everyone = tuple(Role.values)
        staff = (Role.ADMINISTRATOR, Role.COORDINATOR)
        registry.add_nav(NavEntry(_("Progress"), "modules:matrix", staff, order=20))
        registry.add_nav(NavEntry(_("Training"), "modules:sessions", everyone, order=30))
        registry.add_nav(NavEntry(_("Modules"), "modules:catalogue", everyone, order=60))
        registry.add_panel(
            HomePanel("modules/panel_training.html", everyone, modules_panel_context, order=30, cached=True)
        )
        registry.add_enterprise_tab(
            EnterpriseTab("modules", _("Modules"), "modules/tab_modules.html", modules_tab_context, 10)
        )
        registry.add_enterprise_tab(EnterpriseTab("kpis", _("KPIs"), "modules/tab_kpis.html", kpis_tab_context, 20))
        registry.add_seeder(seed_demo)
