"""Demo pilot-unit reports: the Zhejiang pilot units' reports for the periods already due, most
approved, one returned with the administrator's comment, one late and still a draft, one waiting
for approval. Idempotent: a period that has a report is left as it is.

With ``scale`` (``seed_demo --scale N``): the reports of the scale enterprises' pilot units (about
one in ten) for every period already due, most approved, the latest in every state, a few never
written (late on the due list); see score_portal/scale.py."""

import datetime
import random
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from enterprises.demo import SCALE_NAME, scale_enterprises
from enterprises.models import Enterprise
from score_portal.models import User
from score_portal.scale import Steps, at, bulk, timestamps

from .models import PilotReport, PilotReportEvent, ReportingRule, ReportStatus

# Chinese first, then English: what each pilot unit works on (see SCORE.md, the Zhejiang rollout).
NARRATIVES = {
    "Shaoxing": (
        "本期各班组推行“5C”和“3S”班组自主管理方法，EIT 每月召开例会，"
        "金点子建议板收集的合理化建议大部分已落实，收费站排队时间明显缩短。下期重点：班组互评。",
        "Teams applied the “5C” and “3S” self-management methods; the EIT met monthly and most "
        "Golden Idea suggestions were put in place, cutting queues at the toll stations. Next: team reviews.",
    ),
    "Ningbo": (
        "本期推进 SCORE 与安全生产标准化“双标融合”，开展隐患排查治理，"
        "对夜间养护作业区的警示设置进行了整改。下期重点：把融合后的检查表推广到所有路段。",
        "Work continued on “double standard integration” of SCORE with work-safety standardisation; "
        "hidden hazards were identified and the warning layout of night maintenance zones was fixed. "
        "Next: roll the joint checklist out to every section.",
    ),
    "Huzhou": (
        "本期围绕安全应急和司乘服务八个方面开展工作，组织了两次应急演练，"
        "服务区司乘意见的处理时间缩短。下期重点：应急物资台账数字化。",
        "Work covered the eight aspects of safety, emergency response and service to drivers and "
        "passengers; two emergency drills were held and complaints at the service areas were handled faster. "
        "Next: a digital register of emergency supplies.",
    ),
    "Yiwu": (
        "本期以建设中小机场安全示范为目标，EIT 组织了机坪隐患排查，"
        "员工提出的改进建议在“作战室”看板上跟踪。下期重点：地勤班组培训。",
        "Working towards a safety model for small and medium airports, the EIT ran an apron hazard "
        "check and tracks staff suggestions on the war-room board. Next: training of ground-crew teams.",
    ),
}
RETURN_COMMENT = (
    "请补充本期隐患整改的照片或记录，并说明节约金额的计算方法。 / "
    "Please attach photos or records of the hazards fixed and explain how the savings were calculated."
)


def _narrative(unit):
    key = next((k for k in NARRATIVES if unit.name_en.startswith(k)), "Shaoxing")
    zh, en = NARRATIVES[key]
    return f"{zh}\n\n{en}"


def _figures(rng):
    received = rng.randint(8, 30)
    found = rng.randint(4, 18)
    return {
        "eit_meetings": rng.randint(2, 6),
        "suggestions_received": received,
        "suggestions_implemented": rng.randint(received // 3, received),
        "hazards_found": found,
        "hazards_fixed": rng.randint(found // 2, found),
        "training_hours": Decimal(rng.randint(20, 160)) / 2,
        "savings_cny": Decimal(rng.randint(50, 900) * 100),
    }


def _plan(unit_index, period_index, last):
    """What becomes of a unit's report for a period: the last period due shows each state once."""
    if period_index < last:
        return ReportStatus.APPROVED
    return [ReportStatus.APPROVED, ReportStatus.RETURNED, ReportStatus.DRAFT, ReportStatus.SUBMITTED][unit_index % 4]


def seed_demo(*, stdout, scale=0):
    if scale:
        _seed_scale(stdout)
        return
    rule = ReportingRule.load()
    today = timezone.localdate()
    due = [p for p in rule.periods(today) if p.due_on < today]
    units = list(
        Enterprise.objects.filter(is_pilot_unit=True, province__code="ZJ")
        .exclude(name_en__startswith=SCALE_NAME)
        .order_by("name_en")
    )
    coordinator = User.objects.filter(email="coordinator.zj@score.demo").first()
    admin = User.objects.filter(email="admin@score.demo").first()
    existing = set(PilotReport.objects.values_list("unit_id", "period_start"))
    for period_index, period in enumerate(due):
        for unit_index, unit in enumerate(units):
            if (unit.pk, period.start) in existing:
                continue
            status = _plan(unit_index, period_index, len(due) - 1)
            rng = random.Random(f"{unit.credit_code}-{period.start}")
            report = PilotReport.objects.create(
                unit=unit,
                period_start=period.start,
                period_end=period.end,
                due_on=period.due_on,
                narrative=_narrative(unit) if status != ReportStatus.DRAFT else "",
                created_by=coordinator,
                **_figures(rng),
            )
            _history(report, status, period, coordinator, admin)
    stdout.write(f"  pilot-unit reports: {PilotReport.objects.count()}")


def _history(report, status, period, coordinator, admin):
    """The steps that led the report to ``status``, dated before its due date."""
    written = period.end + datetime.timedelta(days=2)
    submitted = written + datetime.timedelta(days=5)
    steps = [("", ReportStatus.DRAFT, "", coordinator, written)]
    if status != ReportStatus.DRAFT:
        steps.append((ReportStatus.DRAFT, ReportStatus.SUBMITTED, "", coordinator, submitted))
    if status in (ReportStatus.APPROVED, ReportStatus.RETURNED):
        comment = RETURN_COMMENT if status == ReportStatus.RETURNED else ""
        steps.append((ReportStatus.SUBMITTED, status, comment, admin, written + datetime.timedelta(days=8)))
    for from_status, to_status, comment, by, day in steps:
        PilotReportEvent.objects.create(
            report=report, from_status=from_status, to_status=to_status, comment=comment, by=by, at=at(day)
        )
    report.status = status
    if status != ReportStatus.DRAFT:
        report.submitted_by, report.submitted_at = coordinator, at(submitted)
    if status in (ReportStatus.APPROVED, ReportStatus.RETURNED):
        report.reviewed_by, report.reviewed_at = admin, at(written + datetime.timedelta(days=8))
        report.review_comment = steps[-1][2]
    report.version = len(steps)
    report.save()


def _scale_plan(rng, last):
    """What became of a scale unit's report for a period: None when it was never written."""
    if last:
        weights = {"approved": 40, "submitted": 25, "returned": 10, "draft": 15, None: 10}
    else:
        weights = {"approved": 90, "submitted": 2, "returned": 3, None: 5}
    return rng.choices(list(weights), list(weights.values()))[0]


def _seed_scale(stdout):
    """Reports of the scale pilot units that have none yet, for every period already due."""
    steps = Steps(stdout, "pilots")
    rule = ReportingRule.load()
    today = timezone.localdate()
    due = [p for p in rule.periods(today) if p.due_on < today]
    units = list(
        scale_enterprises()
        .filter(is_pilot_unit=True)
        .filter(~Exists(PilotReport.objects.filter(unit=OuterRef("pk"))))
        .select_related("province")
        .order_by("pk")
    )
    admin = User.objects.filter(email="admin@score.demo").first()
    coordinators = {
        "ZJ": User.objects.filter(email="coordinator.zj@score.demo").first() or admin,
        "SC": User.objects.filter(email="coordinator.sc@score.demo").first() or admin,
    }
    keys = list(NARRATIVES)
    reports, histories = [], []
    for unit in units:
        rng = random.Random(f"pilot-{unit.name_en}")
        writer = coordinators.get(unit.province.code, admin)
        for index, period in enumerate(due):
            status = _scale_plan(rng, index == len(due) - 1)
            if status is None:
                continue
            zh, en = NARRATIVES[keys[unit.pk % len(keys)]]
            written = min(period.end + datetime.timedelta(days=rng.randint(1, 6)), today)
            report = PilotReport(
                unit=unit,
                period_start=period.start,
                period_end=period.end,
                due_on=period.due_on,
                narrative=f"{zh}\n\n{en}" if status != ReportStatus.DRAFT else "",
                created_by=writer,
                created_at=at(written),
                **_figures(rng),
            )
            history = _scale_history(report, status, written, writer, admin, rng)
            report.updated_at = history[-1].at
            reports.append(report)
            histories.append((report, history))
    with timestamps(PilotReport, "created_at", "updated_at"):
        bulk(PilotReport, reports)
    events = []
    for report, history in histories:
        for event in history:
            event.report = report
            events.append(event)
    bulk(PilotReportEvent, events)
    steps.done(f"{len(reports)} pilot-unit reports of {len(units)} scale pilot units, {len(events)} report steps")


def _scale_history(report, status, written, writer, admin, rng):
    """The steps that led the report to ``status`` (unsaved), and the report's fields to match."""
    today = timezone.localdate()
    submitted = min(written + datetime.timedelta(days=rng.randint(2, 12)), today)
    reviewed = min(submitted + datetime.timedelta(days=rng.randint(1, 6)), today)
    steps = [PilotReportEvent(from_status="", to_status=ReportStatus.DRAFT, by=writer, at=at(written))]
    if status != ReportStatus.DRAFT:
        steps.append(
            PilotReportEvent(
                from_status=ReportStatus.DRAFT, to_status=ReportStatus.SUBMITTED, by=writer, at=at(submitted, 16)
            )
        )
        report.submitted_by, report.submitted_at = writer, at(submitted, 16)
    if status in (ReportStatus.APPROVED, ReportStatus.RETURNED):
        comment = RETURN_COMMENT if status == ReportStatus.RETURNED else ""
        steps.append(
            PilotReportEvent(
                from_status=ReportStatus.SUBMITTED, to_status=status, comment=comment, by=admin, at=at(reviewed, 11)
            )
        )
        report.reviewed_by, report.reviewed_at, report.review_comment = admin, at(reviewed, 11), comment
    report.status, report.version = status, len(steps)
    return steps
