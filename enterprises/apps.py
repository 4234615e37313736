from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        from score_portal.models import Role
        from score_portal.registry import HomePanel, NavEntry, registry

        from .demo import seed_demo
        from .forms import CoordinatorProvincesForm
        from .views import enterprises_panel_context, provinces_panel_context

        staff = (Role.ADMINISTRATOR, Role.COORDINATOR)
        registry.add_nav(NavEntry(_("Enterprises"), "enterprises:list", tuple(Role.values), order=10))
        registry.add_nav(NavEntry(_("Provinces"), "enterprises:provinces", (Role.ADMINISTRATOR,), order=70))
        registry.add_panel(
            HomePanel("enterprises/panel_enterprises.html", staff, enterprises_panel_context, order=15, cached=True)
        )
        registry.add_panel(HomePanel("enterprises/panel_provinces.html", staff, provinces_panel_context, order=20))
        registry.add_scope_form(CoordinatorProvincesForm)
        registry.add_seeder(seed_demo)
