"""Demo records of the enterprises app (see the seed_demo command)."""

from score_portal.models import User

from .models import Province

COORDINATOR_PROVINCES = {
    "coordinator.zj@score.demo": ["ZJ"],
    "coordinator.sc@score.demo": ["SC"],
}


def seed_demo(*, stdout, scale=0):
    for email, codes in COORDINATOR_PROVINCES.items():
        user = User.objects.get(email=email)
        user.provinces.add(*Province.objects.filter(code__in=codes))
