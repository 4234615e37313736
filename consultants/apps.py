from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ConsultantsConfig(AppConfig):
    name = "consultants"
    verbose_name = _("Consultants")

    def ready(self):
        from score_portal.models import Role
        from score_portal.registry import EnterpriseTab, HomePanel, NavEntry, PageSection, registry

        from . import extras
        from .demo import seed_demo
        from .views import enrolment_section, my_enterprises_panel, review_panel, visits_tab_context

        registry.add_nav(
            NavEntry(_("Consultants"), "consultants:list", (Role.ADMINISTRATOR, Role.COORDINATOR), order=40)
        )
        registry.add_nav(NavEntry(_("Visits"), "consultants:visits", tuple(Role.values), order=15))
        registry.add_nav(
            NavEntry(
                pgettext_lazy("improvement action", "Actions"), "consultants:actions", tuple(Role.values), order=16
            )
        )
        registry.add_panel(
            HomePanel("consultants/panel_mine.html", (Role.CONSULTANT,), my_enterprises_panel, order=5, cached=True)
        )
        registry.add_section(PageSection("enrolment", "consultants/enrolment_section.html", enrolment_section))
        # Coordinators find the visits to approve on their dashboard (reports.dashboard_coordinator).
        registry.add_panel(
            HomePanel("consultants/panel_review.html", (Role.ADMINISTRATOR,), review_panel, order=6, cached=True)
        )
        registry.add_enterprise_tab(
            EnterpriseTab("visits", _("Visits"), "consultants/tab_visits.html", visits_tab_context, 30)
        )
        registry.add_seeder(seed_demo)
        extras.connect()
