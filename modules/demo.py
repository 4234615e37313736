"""Demo records of the modules app: enrolments in every status, past and coming
classroom sessions with attendance, a year of KPI values (most enterprises
improve, a few do not), targets and good-practice assessments. Idempotent.

With ``scale`` (``seed_demo --scale N``): the scale enterprises' enrolments over the past
year and a half, their classroom sessions (past, running and coming) with participants and
attendance, KPI baselines and targets, and good-practice assessments (see
score_portal/scale.py). The visits' KPI readings come with the consultants' scale data."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from enterprises.demo import SCALE_CITIES, SCALE_NAME, scale_enterprises
from enterprises.models import EITMember, Enterprise
from score_portal.scale import BATCH, Steps, at, bulk, timestamps

from .models import (
    STATUS_DATE_FIELD,
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

    if scale:
        _seed_scale(stdout)
        return
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
    enterprises = list(
        Enterprise.objects.filter(province=session.province, archived_at__isnull=True).exclude(
            name_en__startswith=SCALE_NAME
        )[:5]
    )
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


# Scale data (seed_demo --scale N). When an enrolment was planned, in days before today, by the
# status it has reached since; the modules after the compulsory WC follow it (see _scale_dates).
SCALE_START = {
    "completed": (330, 480),
    "consulting": (80, 250),
    "classroom": (45, 75),
    "planned": (1, 40),
    "withdrawn": (130, 400),
}
SESSION_SIZE = 5  # enterprises per classroom session
SESSION_SPAN = datetime.timedelta(days=7)  # enterprises whose classroom dates are this close share a session
BASELINE_MISSING = 0.05  # enterprises that never sent their baseline figures, for the completeness page
CITY_ZH = {en: zh for cities in SCALE_CITIES.values() for en, zh, _region in cities}


def _scale_plan(status, rng):
    """(module code, enrolment status) of an enterprise, by its programme status; WC comes first."""
    others = rng.sample(["QM", "CP", "WM", "OSH"], 4)
    if status == "enrolled":
        return [("WC", rng.choice(["planned", "planned", "classroom"]))]
    if status == "withdrawn":
        return [("WC", "withdrawn")]
    if status == "completed":
        return [("WC", "completed")] + [(code, "completed") for code in others[: rng.randint(1, 2)]]
    if rng.random() < 0.4:  # active, still in its first module
        return [("WC", rng.choice(["classroom", "consulting", "consulting", "consulting"]))]
    plan = [("WC", "completed"), (others[0], rng.choice(["planned", "classroom", "consulting", "consulting"]))]
    if rng.random() < 0.25:
        plan.append((others[1], "planned"))
    return plan


def _scale_dates(enrolment, status, planned, module, rng, today):
    """Set the enrolment's dates for the status it reached; returns the day it wants its
    classroom session on (the session it joins may start up to SESSION_SPAN days earlier)."""
    enrolment.planned_on, enrolment.baseline_on = planned, planned + datetime.timedelta(days=7)
    if status == "planned":  # most have a coming session to go to
        return today + datetime.timedelta(days=rng.randint(7, 60)) if rng.random() < 0.7 else None
    classroom = min(planned + datetime.timedelta(days=rng.randint(14, 40)), today - datetime.timedelta(days=3))
    after_class = classroom + datetime.timedelta(days=module.classroom_days)
    if status == "withdrawn" and rng.random() < 0.5:  # left after the classroom
        enrolment.withdrawn_on = after_class + datetime.timedelta(days=rng.randint(20, 60))
    elif status != "classroom":
        enrolment.consulting_on = after_class + datetime.timedelta(days=rng.randint(7, 25))
        if status == "withdrawn":
            enrolment.withdrawn_on = enrolment.consulting_on + datetime.timedelta(days=rng.randint(20, 60))
        elif status == "completed":
            enrolment.completed_on = enrolment.consulting_on + datetime.timedelta(days=rng.randint(90, 160))
    return classroom


def _seed_scale(stdout):
    """Enrolments, sessions, KPI baselines and practices of the scale enterprises that have none."""
    from score_portal.models import User

    steps = Steps(stdout, "modules")
    today = timezone.localdate()
    enterprises = list(
        scale_enterprises()
        .exclude(status="prospect")
        .filter(~Exists(Enrolment.objects.filter(enterprise=OuterRef("pk"))))
        .select_related("province")
        .order_by("pk")
    )
    if not enterprises:
        steps.done("nothing to add")
        return
    modules = {m.code: m for m in Module.objects.all()}
    indicators = defaultdict(list)
    for indicator in Indicator.objects.filter(is_active=True):
        indicators[indicator.module_id].append(indicator)
    practices = defaultdict(list)
    for practice in Practice.objects.all():
        practices[practice.module_id].append(practice)
    admin = User.objects.filter(email="admin@score.demo").first()
    staff = {
        "ZJ": User.objects.filter(email="coordinator.zj@score.demo").first() or admin,
        "SC": User.objects.filter(email="coordinator.sc@score.demo").first() or admin,
    }
    rng = random.Random(f"scale-modules-{enterprises[0].name_en}-{len(enterprises)}")

    enrolments, wanted = [], defaultdict(list)  # (province, module) -> [(day, enrolment)]
    for enterprise in enterprises:
        wc_planned = None
        for index, (code, status) in enumerate(_scale_plan(enterprise.status, rng)):
            if index and status == "completed":
                planned = wc_planned + datetime.timedelta(days=index * rng.randint(40, 50))
            else:
                planned = today - datetime.timedelta(days=rng.randint(*SCALE_START[status]))
            wc_planned = wc_planned or planned
            enrolment = Enrolment(
                enterprise=enterprise,
                module=modules[code],
                status=status,
                fee=Decimal(rng.choice([3000, 4500, 6000])),
                fee_paid=status != "planned" or rng.random() < 0.3,
                created_at=at(planned, 9),
            )
            classroom = _scale_dates(enrolment, status, planned, modules[code], rng, today)
            if classroom:
                wanted[(enterprise.province_id, code)].append((classroom, enrolment))
            enrolments.append(enrolment)

    sessions, seats = _scale_sessions(wanted, modules)
    with timestamps(Enrolment, "created_at"):
        bulk(Enrolment, enrolments, batch_size=BATCH)
    changes = _scale_status_changes(enrolments, staff, admin)
    steps.done(f"{len(enrolments)} enrolments, {changes} status changes")

    bulk(ClassroomSession, sessions)
    participants, attendance = _scale_participants(seats, enterprises, rng, today)
    steps.done(f"{len(sessions)} classroom sessions, {participants} participants, {attendance} attendance days")

    measurements, targets, assessments = _scale_baselines(enrolments, indicators, practices, staff, admin, rng, today)
    steps.done(f"{measurements} KPI baselines, {targets} targets, {assessments} good-practice assessments")


def _scale_sessions(wanted, modules):
    """Sessions of up to SESSION_SIZE enterprises whose classroom dates are close; each enrolment
    that reached the classroom takes its session's first day as its classroom date."""
    sessions, seats = [], []  # seats: (session, enrolment)
    for (province_id, code), rows in wanted.items():
        rows.sort(key=lambda row: (row[0], row[1].enterprise.pk))
        session, seats_of = None, []
        for day, enrolment in rows:
            if session is None or len(seats_of) >= SESSION_SIZE or day >= session.starts_on + SESSION_SPAN:
                city = enrolment.enterprise.city
                session = ClassroomSession(
                    module=modules[code],
                    province_id=province_id,
                    venue=f"{CITY_ZH.get(city, city)} SCORE 培训中心 / {city} SCORE training centre",
                    starts_on=day,
                    ends_on=day + datetime.timedelta(days=modules[code].classroom_days - 1),
                    capacity=20,
                )
                sessions.append(session)
                seats_of = []
            seats_of.append(enrolment)
            seats.append((session, enrolment))
            if enrolment.status != "planned":
                enrolment.classroom_on = session.starts_on
    return sessions, seats


def _scale_status_changes(enrolments, staff, admin):
    changes = []
    for enrolment in enrolments:
        by = staff.get(enrolment.enterprise.province.code, admin)
        steps = [("", "planned", enrolment.planned_on)]
        for status in ("classroom", "consulting", "completed", "withdrawn"):
            day = getattr(enrolment, STATUS_DATE_FIELD[status])
            if day:
                steps.append((steps[-1][1], status, day))
        changes += [
            EnrolmentStatusChange(
                enrolment=enrolment, from_status=a, to_status=b, on_date=day, changed_by=by, changed_at=at(day, 17)
            )
            for a, b, day in steps
        ]
    with timestamps(EnrolmentStatusChange, "changed_at"):
        bulk(EnrolmentStatusChange, changes, batch_size=5000)
    return len(changes)


def _scale_participants(seats, enterprises, rng, today):
    """Two to four people of each enterprise per session, most of them on its EIT; attendance
    for the days gone by (a few missed days, so not every enterprise completes its classroom)."""
    ids = {e.pk for e in enterprises}
    team = defaultdict(list)
    for member in EITMember.objects.filter(
        enterprise__name_en__startswith=SCALE_NAME, left_on__isnull=True
    ).values_list("pk", "enterprise_id", "name", "side", "sex", "position"):
        if member[1] in ids:
            team[member[1]].append(member)
    participants = []
    for session, enrolment in seats:
        enterprise = enrolment.enterprise
        people = rng.sample(team[enterprise.pk], min(len(team[enterprise.pk]), rng.randint(2, 4)))
        for k, (member_id, _e, name, side, sex, position) in enumerate(people):
            eit = rng.random() < 0.8
            participants.append(
                Participant(
                    session=session,
                    enterprise=enterprise,
                    name=name if eit else rng.choice(NAMES) + rng.choice(GIVEN),
                    side=side if eit else ("management", "worker")[k % 2],
                    sex=sex if eit else rng.choice(["female", "male"]),
                    position=position if eit else ("部门经理", "班组长")[k % 2],
                    eit_member_id=member_id if eit else None,
                )
            )
    bulk(Participant, participants, batch_size=5000)
    attendance = [
        Attendance(participant=p, day=day, present=rng.random() < 0.95)
        for p in participants
        for day in p.session.days
        if day <= today
    ]
    bulk(Attendance, attendance, batch_size=5000)
    return len(participants), len(attendance)


def _scale_baselines(enrolments, indicators, practices, staff, admin, rng, today):
    """The baseline of each KPI of the module (a few enterprises never sent theirs), a target
    20 % better, and the good practices assessed at the baseline and again at completion."""
    measurements, targets, assessments = [], [], []
    for enrolment in enrolments:
        day = enrolment.baseline_on
        if day > today or (enrolment.status == "planned" and rng.random() < 0.5) or rng.random() < BASELINE_MISSING:
            continue
        enterprise = enrolment.enterprise
        by = staff.get(enterprise.province.code, admin)
        for indicator in indicators[enrolment.module_id]:
            base, _drift = KPI_PROFILES.get(indicator.code, (Decimal("10"), 0.02))
            value = base * Decimal(str(round(rng.uniform(0.8, 1.2), 2)))
            value = value.quantize(Decimal(1) if indicator.unit == "count" else Decimal("0.01"))
            better = 1 if indicator.direction == "higher" else -1
            measurements.append(
                Measurement(
                    enterprise=enterprise,
                    indicator=indicator,
                    period=day.replace(day=1),
                    value=value,
                    source="baseline",
                    entered_by=by,
                    entered_at=at(day, 16),
                )
            )
            targets.append(
                Target(
                    enterprise=enterprise,
                    indicator=indicator,
                    value=(value * Decimal(str(1 + better * 0.2))).quantize(Decimal("0.01")),
                    target_date=enrolment.planned_on + datetime.timedelta(days=365),
                )
            )
        for practice in practices[enrolment.module_id]:
            assessments.append(
                PracticeAssessment(
                    enterprise=enterprise,
                    practice=practice,
                    assessed_on=day,
                    in_place=rng.random() < 0.3,
                    is_baseline=True,
                    assessed_by=by,
                )
            )
            if enrolment.completed_on:
                assessments.append(
                    PracticeAssessment(
                        enterprise=enterprise,
                        practice=practice,
                        assessed_on=enrolment.completed_on,
                        in_place=rng.random() < 0.75,
                        is_baseline=False,
                        assessed_by=by,
                    )
                )
    with timestamps(Measurement, "entered_at"):
        bulk(Measurement, measurements, batch_size=5000)
    bulk(Target, targets, batch_size=5000)
    bulk(PracticeAssessment, assessments, batch_size=5000)
    return len(measurements), len(targets), len(assessments)
