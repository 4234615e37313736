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
        from .views import provinces_panel_context

        registry.add_nav(NavEntry(_("Provinces"), "enterprises:provinces", (Role.ADMINISTRATOR,), order=70))
        registry.add_panel(
            HomePanel(
                "enterprises/panel_provinces.html",
                (Role.ADMINISTRATOR, Role.COORDINATOR),
                provinces_panel_context,
                order=20,
            )
        )
        registry.add_scope_form(CoordinatorProvincesForm)
        registry.add_seeder(seed_demo)
