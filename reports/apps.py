from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF reports rendered in the background (report jobs) and the programme's figures."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from score_portal import datacache
        from score_portal.models import Role
        from score_portal.registry import HomePanel, NavEntry, PageSection, registry

        from . import (  # noqa: F401  (the dashboard_* modules register each role's dashboard)
            dashboard_admin,
            dashboard_consultant,
            dashboard_coordinator,
            enterprise,  # noqa: F401  (registers the enterprise progress report)
        )
        from .dashboard_views import dashboard_panel
        from .demo import seed_demo
        from .province import PROVINCE  # noqa: F401  (registers the provincial summary)
        from .views import enterprise_report_button

        registry.add_nav(NavEntry(_("Reports"), "reports:list", (Role.ADMINISTRATOR, Role.COORDINATOR), order=60))
        registry.add_nav(NavEntry(_("Provincial summary"), "reports:province", (Role.ADMINISTRATOR,), order=61))
        staff = (Role.ADMINISTRATOR, Role.COORDINATOR)
        registry.add_nav(NavEntry(_("Data completeness"), "reports:completeness", staff, order=62))
        registry.add_section(
            PageSection("enterprise_header", "reports/enterprise_button.html", enterprise_report_button)
        )
        registry.add_seeder(seed_demo)
        # The dashboard leads each role's home page; the other panels follow as shortcuts.
        registry.add_panel(HomePanel("reports/dashboard/panel.html", tuple(Role.values), dashboard_panel, order=0))
        datacache.connect()  # the figures' cache is cleared when a counted record changes
