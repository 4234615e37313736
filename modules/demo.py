"""Demo records of the modules app: enrolments in every status, past and coming
classroom sessions with attendance, a year of KPI values (most enterprises
improve, a few do not), targets and good-practice assessments. Idempotent."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Enterprise

from .models import (
    Attendance,
    ClassroomSession,
    Enrolment,
    EnrolmentStatusChange,
    Indicator,
    Measurement,
    Module,
    Participant,
    Practice,
    PracticeAssessment,
    Target,
)

# Where each demo enterprise is in the five modules (by English name prefix).
PLANS = {
    "Shaoxing Management": {"WC": "completed", "OSH": "consulting", "QM": "planned"},
    "Ningbo Management": {"WC": "completed", "OSH": "completed", "WM": "classroom"},
    "Huzhou Management": {"WC": "consulting", "OSH": "planned"},
    "Zhejiang Airport": {"WC": "classroom"},
    "Ningbo Hengfeng": {"WC": "completed", "QM": "completed", "CP": "completed"},
    "Wenzhou Ouhai": {"WC": "completed", "QM": "consulting"},
    "Shaoxing Keqiao": {"WC": "withdrawn"},
    "Chengdu Tianfu": {"WC": "completed", "QM": "consulting", "OSH": "planned"},
    "Mianyang Fuxing": {"WC": "classroom"},
    "Chongqing Jiangbei": {"WC": "completed", "OSH": "consulting"},
    "Chongqing Yubei": {"WC": "completed", "QM": "completed", "WM": "completed"},
    "Dalian Haiwan": {"WC": "consulting", "CP": "planned"},
    "Dalian Binhai": {"WC": "planned"},
}
STEPS = ["planned", "classroom", "consulting", "completed"]
# (baseline, monthly drift as a share of the baseline); the sign is for "better" in the KPI's direction.
KPI_PROFILES = {
    "productivity": (Decimal("42"), 0.012),
    "defect_rate": (Decimal("4.8"), 0.025),
    "material_waste": (Decimal("7.5"), 0.02),
    "energy_per_unit": (Decimal("3.2"), 0.012),
    "absenteeism": (Decimal("5.5"), 0.015),
    "staff_turnover": (Decimal("3.1"), 0.02),
    "lost_time_accidents": (Decimal("3"), 0.04),
    "hazards_fixed": (Decimal("6"), 0.05),
    "suggestions_made": (Decimal("8"), 0.06),
    "savings": (Decimal("12000"), 0.05),
}
KPIS_BY_MODULE = {
    "WC": ["productivity", "suggestions_made", "savings"],
    "QM": ["defect_rate"],
    "CP": ["material_waste", "energy_per_unit"],
    "WM": ["absenteeism", "staff_turnover"],
    "OSH": ["lost_time_accidents", "hazards_fixed"],
}
FIRST_MONTH = datetime.date(2025, 12, 1)
# Monthly readings after the baseline, by how far the enrolment has come: an enterprise
# that has only planned a module has its baseline and nothing more.
MONTHS_OF_VALUES = {"planned": 0, "classroom": 2, "consulting": 8, "completed": 11, "withdrawn": 3}
SESSIONS = [
    ("WC", "ZJ", "Hangzhou, Zhejiang Enterprise Federation training centre", datetime.date(2026, 1, 13)),
    ("OSH", "ZJ", "Shaoxing Management Centre, meeting room 2", datetime.date(2026, 5, 19)),
    ("WC", "SC", "Chengdu, Tianfu Software Park conference hall", datetime.date(2026, 2, 24)),
    ("QM", "ZJ", "Ningbo, Yinzhou enterprise service centre", datetime.date(2026, 12, 8)),
    ("WC", "CQ", "Chongqing, Jiangbei district training base", datetime.date(2026, 12, 15)),
]
NAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"]
GIVEN = ["建国", "丽华", "志强", "秀英", "海燕", "明", "静", "伟", "芳", "磊"]


def _month(n):
    year, month = divmod(FIRST_MONTH.month - 1 + n, 12)
    return datetime.date(FIRST_MONTH.year + year, month + 1, 1)


def seed_demo(*, stdout, scale=0):
    from score_portal.models import User

    modules = {m.code: m for m in Module.objects.all()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    coordinator = User.objects.filter(email="coordinator.zj@score.demo").first()
    consultants = list(User.objects.filter(email__in=["consultant1@score.demo", "consultant2@score.demo"]))
    enterprises = {}
    for prefix, plan in PLANS.items():
        enterprise = Enterprise.objects.filter(name_en__startswith=prefix).first()
        if enterprise is None or enterprise.enrolments.exists():
            continue
        enterprises[prefix] = enterprise
        rng = random.Random(prefix)
        for index, (code, status) in enumerate(plan.items()):
            _enrol(enterprise, modules[code], status, index, coordinator, rng)
            _seed_kpis(
                enterprise,
                [indicators[k] for k in KPIS_BY_MODULE[code]],
                random.Random(f"{prefix}-{code}"),
                improving=prefix != "Dalian Haiwan",
                months=MONTHS_OF_VALUES[status],
                withdrawn=status == "withdrawn",
            )
        _seed_practices(enterprise, coordinator, rng)
    for code, province_code, venue, starts in SESSIONS:
        session, created = ClassroomSession.objects.get_or_create(
            module=modules[code],
            venue=venue,
            starts_on=starts,
            defaults={
                "province_id": Enterprise.objects.filter(province__code=province_code)
                .values("province")
                .first()["province"],
                "ends_on": starts + datetime.timedelta(days=1),
                "capacity": 20,
            },
        )
        if created:
            session.trainers.set(consultants[:1] if code == "WC" else consultants)
            _seed_participants(session, random.Random(venue))
    stdout.write(f"  enrolments: {Enrolment.objects.count()}, KPI values: {Measurement.objects.count()}")


def _enrol(enterprise, module, status, index, actor, rng):
    planned = datetime.date(2025, 11, 3) + datetime.timedelta(days=40 * index + rng.randint(0, 10))
    enrolment = Enrolment.objects.create(
        enterprise=enterprise,
        module=module,
        planned_on=planned,
        baseline_on=planned + datetime.timedelta(days=7),
        fee=Decimal(rng.choice([3000, 4500, 6000])),
        fee_paid=status != "planned",
    )
    EnrolmentStatusChange.objects.create(enrolment=enrolment, to_status="planned", on_date=planned, changed_by=actor)
    day, previous = planned, "planned"
    path = STEPS[1 : STEPS.index(status) + 1] if status != "withdrawn" else ["classroom", "withdrawn"]
    for step in path:
        day = day + datetime.timedelta(days=rng.randint(20, 60))
        setattr(enrolment, f"{step}_on" if step != "classroom" else "classroom_on", day)
        EnrolmentStatusChange.objects.create(
            enrolment=enrolment, from_status=previous, to_status=step, on_date=day, changed_by=actor
        )
        previous = step
    enrolment.status = previous
    enrolment.save()


def _seed_kpis(enterprise, indicators, rng, improving=True, months=11, withdrawn=False):
    rows = []
    for indicator in indicators:
        base, drift = KPI_PROFILES.get(indicator.code, (Decimal("10"), 0.02))
        base = base * Decimal(str(round(rng.uniform(0.8, 1.2), 2)))
        if indicator.unit == "count":
            base = base.quantize(Decimal(1))
        better = 1 if indicator.direction == "higher" else -1
        sign = 0 if withdrawn else better if improving and rng.random() > 0.15 else -better
        rows.append(
            Measurement(enterprise=enterprise, indicator=indicator, period=_month(0), value=base, source="baseline")
        )
        for n in range(1, months + 1):
            noise = rng.uniform(-0.03, 0.03)
            value = max(base * Decimal(str(round(1 + sign * drift * n + noise, 4))), Decimal(0))
            if indicator.unit == "count":
                value = value.quantize(Decimal(1))
            rows.append(
                Measurement(enterprise=enterprise, indicator=indicator, period=_month(n), value=value, source="visit")
            )
        target = base * Decimal(str(1 + better * 0.2))
        Target.objects.update_or_create(
            enterprise=enterprise, indicator=indicator, defaults={"value": target.quantize(Decimal("0.01"))}
        )
    Measurement.objects.bulk_create(rows, ignore_conflicts=True)


def _seed_practices(enterprise, actor, rng):
    practices = list(Practice.objects.all())
    for practice in practices:
        PracticeAssessment.objects.get_or_create(
            enterprise=enterprise,
            practice=practice,
            assessed_on=datetime.date(2025, 11, 20),
            defaults={"in_place": rng.random() < 0.3, "is_baseline": True, "assessed_by": actor},
        )
        PracticeAssessment.objects.get_or_create(
            enterprise=enterprise,
            practice=practice,
            assessed_on=datetime.date(2026, 9, 15),
            defaults={"in_place": rng.random() < 0.75, "is_baseline": False, "assessed_by": actor},
        )


def _seed_participants(session, rng):
    enterprises = list(Enterprise.objects.filter(province=session.province, archived_at__isnull=True)[:5])
    past = session.ends_on < timezone.localdate()
    for enterprise in enterprises[: rng.randint(4, 5)]:
        for side in ("management", "management", "worker", "worker"):
            participant = Participant.objects.create(
                session=session,
                enterprise=enterprise,
                name=rng.choice(NAMES) + rng.choice(GIVEN),
                side=side,
                sex="female" if rng.random() < 0.45 else "male",
                position="班组长" if side == "worker" else "部门经理",
            )
            if past:
                Attendance.objects.bulk_create(
                    [Attendance(participant=participant, day=day, present=rng.random() < 0.92) for day in session.days]
                )
