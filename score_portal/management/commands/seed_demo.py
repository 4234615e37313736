"""Demo data: the people of the demo, then each domain app's own records.

Idempotent: running it twice changes nothing the first run made. Apps add
their data through seeders they register (``registry.add_seeder``) in their
AppConfig, so the command grows with the portal without the core importing them.

``--scale N`` then calls every seeder again with ``scale=N``: each adds its part of N
more enterprises with a year of programme life, in bulk (see score_portal/scale.py).
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from score_portal.datacache import data_changed
from score_portal.models import Role, User
from score_portal.registry import registry

DEMO_USERS = [
    ("admin@score.demo", "Li Wei (Administrator)", "李伟（管理员）", Role.ADMINISTRATOR, ""),
    ("coordinator.zj@score.demo", "Chen Jing (Zhejiang coordinator)", "陈静（浙江协调员）", Role.COORDINATOR, "ZJ"),
    ("coordinator.sc@score.demo", "Wang Fang (Sichuan coordinator)", "王芳（四川协调员）", Role.COORDINATOR, "SC"),
    ("consultant1@score.demo", "Zhang Min (Consultant)", "张敏（顾问）", Role.CONSULTANT, ""),
    ("consultant2@score.demo", "Liu Yang (Consultant)", "刘洋（顾问）", Role.CONSULTANT, ""),
]


def analyze():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo logins and demo records."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="score-demo", help="Password of every demo login.")
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="Also make N scale enterprises with their EITs, enrolments, sessions, visits, KPIs and reports.",
        )

    @transaction.atomic
    def handle(self, *args, password, scale, **options):
        for email, name_en, _name_zh, role, _province in DEMO_USERS:
            user, created = User.objects.get_or_create(email=email, defaults={"name": name_en, "role": role})
            if created or not user.check_password(password):
                user.set_password(password)
            user.name, user.role, user.is_active = name_en, role, True
            user.save()
        for seeder in registry.seeders:
            seeder(stdout=self.stdout, scale=0)
        if scale > 0:
            # After the demo, so that its records (and the report jobs it renders) stay as they are.
            started = time.perf_counter()
            self.stdout.write(f"Scale data for {scale} enterprises:")
            for seeder in registry.seeders:
                seeder(stdout=self.stdout, scale=scale)
            self.stdout.write(f"Scale data ready in {time.perf_counter() - started:.1f} s.")
            data_changed()  # bulk inserts send no signals: the cached figures are counted again
            # A bulk load leaves PostgreSQL's planner statistics describing nearly empty tables
            # until autovacuum comes by; the pages would be planned (and benchmarked) on them.
            transaction.on_commit(analyze)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):"))
        for email, _en, _zh, role, _p in DEMO_USERS:
            self.stdout.write(f"  {role.label:<14} {email}")
