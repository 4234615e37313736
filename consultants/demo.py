"""Demo consultants: profiles with certifications, assigned to enterprises in Zhejiang
(consultant1) and Sichuan (consultant2). Idempotent."""

import datetime

from django.utils import timezone

from enterprises.models import Province
from modules.models import Enrolment, Module
from score_portal.models import User

from .models import Assignment, Certification, Consultant, Visit

PROFILES = {
    "consultant1@score.demo": (["ZJ"], "中文, English", "13805710001", [("WC", "expert"), ("OSH", "certified")]),
    "consultant2@score.demo": (["SC", "CQ"], "中文", "13908280002", [("WC", "certified"), ("QM", "candidate")]),
}
ASSIGNMENTS = {
    "consultant1@score.demo": ["Shaoxing Management", "Ningbo Management", "Huzhou Management"],
    "consultant2@score.demo": ["Chengdu Tianfu", "Chongqing Jiangbei"],
}


def seed_demo(*, stdout, scale=0):
    modules = {m.code: m for m in Module.objects.all()}
    for email, (provinces, languages, phone, certifications) in PROFILES.items():
        user = User.objects.get(email=email)
        consultant, _created = Consultant.objects.get_or_create(
            user=user, defaults={"languages": languages, "phone": phone}
        )
        consultant.provinces.add(*Province.objects.filter(code__in=provinces))
        for code, level in certifications:
            Certification.objects.get_or_create(
                consultant=consultant,
                module=modules[code],
                level=level,
                defaults={"since": datetime.date(2024, 6, 1)},
            )
        for prefix in ASSIGNMENTS[email]:
            for enrolment in Enrolment.objects.filter(
                enterprise__name_en__startswith=prefix, status__in=["classroom", "consulting"]
            ):
                if not Assignment.objects.filter(enrolment=enrolment, ended_on__isnull=True).exists():
                    Assignment.objects.create(consultant=consultant, enrolment=enrolment, role="lead")
    for assignment in Assignment.objects.filter(ended_on__isnull=True).select_related("consultant"):
        if not Visit.objects.filter(enrolment=assignment.enrolment, consultant=assignment.consultant).exists():
            day = timezone.localdate() + datetime.timedelta(days=3 + assignment.pk % 10)
            Visit.objects.create(
                enrolment=assignment.enrolment,
                consultant=assignment.consultant,
                visit_type="consulting",
                planned_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30))),
                notes="Follow up the improvement plan with the EIT. / 与 EIT 跟进改进计划。",
            )
    stdout.write(f"  consultant assignments: {Assignment.objects.filter(ended_on__isnull=True).count()}")
