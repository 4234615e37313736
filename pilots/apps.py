from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    """Pilot units' periodic reports: what each pilot unit owes per period, its review, reminders."""

    name = "pilots"
    verbose_name = _("Pilot-unit reports")

    def ready(self):
        from score_portal.models import Role
        from score_portal.registry import NavEntry, registry

        from .demo import seed_demo

        registry.add_nav(
            NavEntry(
                _("Pilot reports"),
                "pilots:due",
                (Role.ADMINISTRATOR, Role.COORDINATOR),
                order=45,
                active_prefix="/pilot-reports/",
            )
        )
        registry.add_seeder(seed_demo)
