"""Demo consultants: profiles with certifications, assigned to enterprises in Zhejiang
(consultant1) and Sichuan/Chongqing (consultant2), each with upcoming visits and a history
of visits in every state: drafts, submitted, returned with the coordinator's comment,
approved (their KPI readings then the enterprise's figures for the month), cancelled.
Idempotent: an enrolment that already has a visit record is left as it is.

With ``scale`` (``seed_demo --scale N``): a few more consultants, certified for every module,
trainers for the scale enterprises' classroom sessions, and lead (some support) consultants
for their enrolments with a history of visits in every state, actions (some overdue) and KPI
readings that became the enterprises' figures when approved (see score_portal/scale.py).
consultant1 and consultant2 lead some of the scale enterprises of their provinces."""

import datetime
import io
import random
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from enterprises.demo import SCALE_NAME, scale_enterprises
from enterprises.models import EITMember, Province
from modules.demo import KPI_PROFILES
from modules.models import ClassroomSession, Enrolment, Indicator, Measurement, Module
from score_portal.models import Role, User
from score_portal.scale import WIDE_BATCH, Steps, at, bulk, timestamps
from score_portal.uploads import check_upload

from . import services
from .models import (
    Assignment,
    AssignmentRole,
    Attachment,
    Certification,
    Consultant,
    ImprovementAction,
    Level,
    Visit,
    VisitEvent,
    VisitReading,
    lead_problem,
)

PROFILES = {
    "consultant1@score.demo": (
        ["ZJ"],
        "中文, English",
        "13805710001",
        [("WC", "expert"), ("OSH", "certified"), ("WM", "certified"), ("QM", "expert")],
    ),
    "consultant2@score.demo": (
        ["SC", "CQ"],
        "中文",
        "13908280002",
        [("WC", "certified"), ("QM", "candidate"), ("OSH", "certified")],
    ),
}
ASSIGNMENTS = {
    "consultant1@score.demo": ["Shaoxing Management", "Ningbo Management", "Huzhou Management"],
    "consultant2@score.demo": ["Chengdu Tianfu", "Chongqing Jiangbei"],
}
# Who reviews the visits of a province's enterprises; a province without a demo
# coordinator (Chongqing) is reviewed by the administrator.
REVIEWERS = {"ZJ": "coordinator.zj@score.demo", "SC": "coordinator.sc@score.demo"}
ADMINISTRATOR = "admin@score.demo"


def _v(days_ago, status, visit_type, activities="", findings="", **extra):
    return {
        "days_ago": days_ago,
        "status": status,
        "type": visit_type,
        "activities": activities,
        "findings": findings,
        **extra,
    }


def _a(description, status, due_in, result=""):
    """An action agreed on the visit: what, its status, due in (negative: past) days from today."""
    return (description, status, due_in, result)


# The visit history of each assigned enterprise (by English name prefix), oldest first.
# Chinese first, then English, as the consultants write them.
HISTORY = {
    "Shaoxing Management": [
        _v(
            95,
            "approved",
            "baseline",
            "与 EIT 一起巡查收费广场和养护工区，完成职业安全卫生基线评估。\n"
            "Walked the toll plaza and the maintenance yard with the EIT and completed the OSH baseline assessment.",
            "收费亭台阶湿滑，夜间巡查人员缺少反光装备；隐患台账未按月更新。\n"
            "The toll booth steps are slippery and night patrols have no reflective gear; "
            "the hazard log is not kept up to date each month.",
            returned_first="请补充隐患台账的照片和参加人员名单。 / "
            "Please add a photo of the hazard log and who took part.",
            actions=[
                _a(
                    "收费亭台阶加装防滑垫 / Fit anti-slip mats on the toll booth steps",
                    "done",
                    -60,
                    "12 个收费亭已全部安装。 / Fitted at all 12 toll booths.",
                ),
                _a(
                    "夜间巡查配发反光背心 / Issue reflective vests to the night patrols",
                    "done",
                    -70,
                    "已配发 40 件并纳入交接班检查。 / 40 vests issued and checked at each shift handover.",
                ),
            ],
            photos=[("收费亭台阶 / Toll booth steps", (196, 120, 40))],
        ),
        _v(
            48,
            "approved",
            "consulting",
            "指导 EIT 开展隐患排查，演示风险评估表的使用。\n"
            "Coached the EIT through a hazard hunt and showed how to use the risk assessment sheet.",
            "排查出 9 项隐患，其中 6 项当场整改；配电房门未上锁。\n"
            "9 hazards found, 6 put right on the spot; the switch room door was left unlocked.",
            actions=[
                _a(
                    "配电房加装门锁并张贴警示标识 / Lock the switch room and post warning signs",
                    "in_progress",
                    10,
                ),
                _a(
                    "每月更新隐患台账并在班组例会上通报 / Update the hazard log monthly and report it at team meetings",
                    "open",
                    -10,
                ),
            ],
        ),
        _v(
            12,
            "submitted",
            "follow_up",
            "跟进上次约定的改进措施，检查养护工区化学品存放。\n"
            "Followed up the agreed actions and checked how chemicals are stored in the maintenance yard.",
            "化学品柜无标签，应急洗眼器水压不足。\n"
            "The chemical cabinet is unlabelled and the eye-wash station has too little pressure.",
            actions=[
                _a(
                    "化学品柜张贴标签和安全技术说明书 / Label the chemical cabinet and post the safety data sheets",
                    "open",
                    14,
                ),
            ],
            photos=[("养护工区化学品柜 / Chemical cabinet in the maintenance yard", (60, 110, 170))],
        ),
        _v(-25, "planned", "follow_up", notes="检查洗眼器维修情况。 / Check that the eye-wash station was repaired."),
    ],
    "Huzhou Management": [
        _v(
            110,
            "approved",
            "baseline",
            "召开 EIT 启动会，介绍工作场所合作模块，并完成基线评估。\n"
            "Held the EIT kick-off, introduced the Workplace Cooperation module and completed the baseline.",
            "EIT 已成立但未定期开会；员工提建议只有意见箱一个渠道。\n"
            "The EIT exists but does not meet regularly; staff can only make suggestions through a box.",
            actions=[
                _a(
                    "每月第一周召开 EIT 例会 / Hold an EIT meeting in the first week of every month",
                    "done",
                    -80,
                    "8 月起每月按时召开。 / Held every month since August.",
                ),
                _a("设立金点子看板 / Put up a suggestion board", "done", -90, "已在食堂旁设立。 / Up by the canteen."),
            ],
        ),
        _v(
            62,
            "approved",
            "consulting",
            "协助 EIT 评审第一批员工建议。\nHelped the EIT review its first round of staff suggestions.",
            "共收到 14 条建议，采纳 5 条。\n14 suggestions received, 5 taken up.",
            actions=[
                _a("试行交接班检查清单 / Trial a shift handover checklist", "in_progress", 20),
                _a(
                    "向全体员工反馈建议采纳情况 / Tell all staff which suggestions were taken up and why",
                    "open",
                    -20,
                ),
            ],
            photos=[("金点子看板 / The suggestion board", (40, 150, 90))],
        ),
        _v(33, "cancelled", "consulting", notes="收费站迎检，改期。 / Toll station inspection that day; postponed."),
        _v(
            26,
            "returned",
            "consulting",
            "在收费站开展班组沟通练习。\nRan a team communication exercise at the toll station.",
            "班组长主持例会的能力有提高，但员工发言仍然较少。\n"
            "Team leaders run their meetings better, but staff still say little.",
            review="请写明参加人数和下一步措施的负责人。 / Please say how many took part and who owns the next steps.",
        ),
        _v(
            4,
            "draft",
            "follow_up",
            "观察早班交接班，访谈 6 名收费员。\nObserved the morning shift handover and interviewed 6 toll collectors.",
            "交接班清单已在 3 个班组使用。\nThe handover checklist is in use in 3 teams.",
            actions=[
                _a(
                    "交接班清单推广到全部 8 个班组 / Roll the handover checklist out to all 8 teams",
                    "open",
                    30,
                ),
            ],
            photos=[("早班交接班 / Morning shift handover", (150, 60, 140))],
        ),
        _v(-18, "planned", "eit_meeting", notes="支持 EIT 月度例会。 / Support the monthly EIT meeting."),
    ],
    "Ningbo Management": [
        _v(
            40,
            "approved",
            "baseline",
            "完成人力资源管理模块基线评估，查阅考勤和离职记录。\n"
            "Completed the Workforce Management baseline and went through attendance and turnover records.",
            "一线收费员缺勤率偏高，新员工三个月内离职较多。\n"
            "Absenteeism is high among toll collectors and many new starters leave within three months.",
            actions=[
                _a("新员工师带徒培训 / Pair each new starter with a mentor", "in_progress", 10),
            ],
        ),
        _v(15, "cancelled", "consulting", notes="台风预警，暂停外出。 / Typhoon warning; visit called off."),
    ],
    "Chengdu Tianfu": [
        _v(
            80,
            "approved",
            "baseline",
            "与质量主管一起完成质量管理基线评估，查看 SMT 产线不良记录。\n"
            "Completed the Quality Management baseline with the quality supervisor "
            "and went through the SMT line defect records.",
            "焊点不良占全部缺陷的 60%，首件检验没有记录。\n"
            "Solder joint faults are 60% of all defects; first-article checks are not recorded.",
            actions=[
                _a(
                    "推行首件检验记录表 / Introduce a first-article inspection sheet",
                    "done",
                    -50,
                    "两条产线均已使用，漏检减少。 / In use on both lines; fewer faults slip through.",
                ),
                _a("回流焊炉温曲线每周点检 / Check the reflow oven profile every week", "open", -25),
            ],
            photos=[("SMT 产线 / The SMT line", (30, 90, 160))],
        ),
        _v(
            35,
            "approved",
            "consulting",
            "辅导 EIT 用鱼骨图分析焊点不良的原因。\nCoached the EIT through a fishbone analysis of the solder faults.",
            "主要原因是钢网清洗不及时和锡膏回温不足。\n"
            "The main causes are stencils not cleaned often enough and solder paste used too cold.",
            actions=[
                _a(
                    "钢网清洗由每班一次改为每两小时一次 / Clean the stencils every two hours instead of once a shift",
                    "done",
                    -15,
                    "焊点不良率由 3.1% 降至 2.2%。 / Solder faults down from 3.1% to 2.2%.",
                ),
            ],
        ),
        _v(
            9,
            "submitted",
            "follow_up",
            "检查质检站的目视化管理。\nChecked visual management at the QC station.",
            "不良品隔离区标识清楚；缺陷看板的数据滞后一周。\n"
            "The reject area is clearly marked; the defect board is a week behind.",
            actions=[_a("缺陷看板每日更新 / Update the defect board every day", "in_progress", 7)],
        ),
        _v(-21, "planned", "consulting", notes="锡膏管理专题辅导。 / Coaching on solder paste handling."),
    ],
    "Chongqing Jiangbei": [
        _v(
            70,
            "approved",
            "baseline",
            "检查冲压车间的 5S 情况，完成职业安全卫生基线评估。\n"
            "Checked 5S in the stamping shop and completed the OSH baseline assessment.",
            "两台冲床的光电保护失效；通道上堆放半成品。\n"
            "The light curtains on two presses do not work; work in progress is stacked in the aisles.",
            actions=[
                _a(
                    "修复冲床光电保护装置 / Repair the light curtains on the presses",
                    "done",
                    -55,
                    "两台均已修复，每班点检。 / Both repaired and checked every shift.",
                ),
                _a("划定通道线并清理堆放物 / Mark the aisles and keep them clear", "done", -50, "已完成。 / Done."),
            ],
            photos=[("冲压车间通道 / Aisle in the stamping shop", (200, 170, 30))],
        ),
        _v(40, "cancelled", "consulting", notes="与客户审核冲突，改期。 / Clashed with a customer audit; rescheduled."),
        _v(
            21,
            "returned",
            "consulting",
            "在焊接工段开展噪声和烟尘巡查。\nWalked the welding section for noise and fumes.",
            "焊接烟尘排风不足，部分员工未佩戴耳塞。\n"
            "Fume extraction at the welding stations is too weak; some workers wear no ear plugs.",
            review="损失工时事故数与上月台账不一致，请核对。 / "
            "The lost-time accident count differs from last month's log; please check it.",
            readings=True,
            actions=[_a("焊接工位加装局部排风 / Fit local exhaust at the welding stations", "open", -5)],
        ),
        _v(
            3,
            "draft",
            "follow_up",
            "检查冲压车间劳保用品佩戴情况。\nChecked the use of protective equipment in the stamping shop.",
            photos=[("冲压车间劳保用品 / Protective equipment in the stamping shop", (170, 40, 40))],
        ),
        _v(-16, "planned", "follow_up", notes="复查焊接排风。 / Check the welding fume extraction again."),
    ],
}
# Plausible starting values of KPIs the modules demo has no figures for.
FALLBACK_VALUES = {"on_time_delivery": Decimal("91.5"), "suggestions_implemented": Decimal("4")}


def seed_demo(*, stdout, scale=0):
    if scale:
        _seed_scale(scale, stdout)
        return
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
                    Assignment.objects.create(
                        consultant=consultant,
                        enrolment=enrolment,
                        role="lead",
                        assigned_on=enrolment.consulting_on or enrolment.classroom_on or timezone.localdate(),
                    )
    demo_assignments = Assignment.objects.filter(ended_on__isnull=True).exclude(
        enrolment__enterprise__name_en__startswith=SCALE_NAME
    )
    for assignment in demo_assignments.select_related("consultant", "enrolment__module"):
        if not Visit.objects.filter(enrolment=assignment.enrolment, consultant=assignment.consultant).exists():
            day = timezone.localdate() + datetime.timedelta(days=3 + assignment.pk % 10)
            Visit.objects.create(
                enrolment=assignment.enrolment,
                consultant=assignment.consultant,
                supervisor=_supervisor(assignment.consultant, assignment.enrolment.module, day),
                visit_type="consulting",
                planned_at=at(day, 9, 30),
                notes="与 EIT 跟进改进计划。 / Follow up the improvement plan with the EIT.",
            )
    for email, prefixes in ASSIGNMENTS.items():
        for prefix in prefixes:
            _seed_history(email, prefix)
    stdout.write(
        f"  consultant assignments: {Assignment.objects.filter(ended_on__isnull=True).count()}, "
        f"visits: {Visit.objects.count()}, actions: {ImprovementAction.objects.count()}"
    )


def _supervisor(consultant, module, on):
    """The expert trainer who supervises a trainer candidate's visit, or None when none is needed."""
    if lead_problem(consultant, None, module, on) is None:
        return None
    expert = (
        Certification.objects.current(on)
        .filter(module=module, level=Level.EXPERT)
        .exclude(consultant=consultant)
        .select_related("consultant")
        .first()
    )
    return expert.consultant if expert else None


def _seed_history(email, prefix):
    assignment = (
        Assignment.objects.filter(
            consultant__user__email=email, enrolment__enterprise__name_en__startswith=prefix, ended_on__isnull=True
        )
        .select_related("consultant__user", "enrolment__enterprise__province", "enrolment__module")
        .first()
    )
    if assignment is None:
        return
    enrolment, consultant = assignment.enrolment, assignment.consultant
    if enrolment.visits.exclude(status="planned").exists():
        return  # already seeded (or recorded by a demo user): leave it be
    enterprise, module = enrolment.enterprise, enrolment.module
    today = timezone.localdate()
    reviewer = User.objects.filter(email=REVIEWERS.get(enterprise.province.code, ADMINISTRATOR)).first()
    members = list(enterprise.eit_members.current().order_by("pk"))
    indicators = list(Indicator.objects.filter(module=module, is_active=True))
    rng = random.Random(f"{prefix}-{module.code}")
    specs = HISTORY[prefix]

    visits = []
    for spec in specs:
        day = today - datetime.timedelta(days=spec["days_ago"])
        held = spec["status"] not in ("planned", "cancelled")
        visits.append(
            Visit(
                enrolment=enrolment,
                consultant=consultant,
                supervisor=_supervisor(consultant, module, day),
                visit_type=spec["type"],
                planned_at=at(day, 9, 30),
                duration_hours=Decimal(rng.choice(["3", "3.5", "4", "6"])),
                status=spec["status"],
                notes=spec.get("notes", ""),
                held_on=day if held else None,
                activities=spec["activities"],
                findings=spec["findings"],
            )
        )
    Visit.objects.bulk_create(visits)

    events, attendees, readings, actions = [], [], [], []
    for visit, spec in zip(visits, specs, strict=True):
        day = today - datetime.timedelta(days=spec["days_ago"])
        visit.created_at = at(min(day, today) - datetime.timedelta(days=14), 16, 10)
        steps = _steps(visit, spec, consultant.user, reviewer, day)
        events += [
            VisitEvent(visit=visit, from_status=a, to_status=b, comment=c, by=by, at=at) for a, b, c, by, at in steps
        ]
        visit.version = 2 + len(steps) if visit.held_on else 1
        if visit.held_on is None:
            continue
        attendees += [
            Visit.attendees.through(visit_id=visit.pk, eitmember_id=member.pk)
            for member in rng.sample(members, min(len(members), rng.randint(3, 5)))
        ]
        if spec["status"] in ("submitted", "approved") or spec.get("readings"):
            readings += [
                VisitReading(visit=visit, indicator=indicator, value=_reading(enterprise, indicator, day, rng))
                for indicator in indicators
            ]
        for description, status, due_in, result in spec.get("actions", []):
            due = today + datetime.timedelta(days=due_in)
            actions.append(
                ImprovementAction(
                    enterprise=enterprise,
                    visit=visit,
                    description=description,
                    owner=rng.choice(members) if members else None,
                    due_on=due,
                    status=status,
                    result=result,
                    closed_on=min(due, today) if status == "done" else None,
                )
            )
    # Actions still being worked on, or closed, were last looked at on the next visit held.
    held = [v for v in visits if v.held_on]
    for action in actions:
        later = [v for v in held if v.held_on > action.visit.held_on]
        if action.status != "open" and later:
            action.updated_on_visit = later[0]
    Visit.objects.bulk_update(visits, ["created_at", "version", "review_comment", "reviewed_by"])
    stamps = [event.at for event in events]
    VisitEvent.objects.bulk_create(events)  # stamps them "now" ...
    for event, stamp in zip(events, stamps, strict=True):
        event.at = stamp
    VisitEvent.objects.bulk_update(events, ["at"])  # ... so put back when each step was taken
    Visit.attendees.through.objects.bulk_create(attendees)
    VisitReading.objects.bulk_create(readings)
    bulk_create_with_history(actions, ImprovementAction, default_user=consultant.user)

    for visit, spec in zip(visits, specs, strict=True):
        if visit.status == "approved":
            services._readings_to_measurements(visit, reviewer)
        for caption, colour in spec.get("photos", []):
            _photo(visit, consultant.user, caption, colour)


def _steps(visit, spec, author, reviewer, day):
    """The workflow steps a visit went through: (from, to, comment, by, at)."""
    status = spec["status"]
    if status == "cancelled":
        return [("planned", "cancelled", spec.get("notes", ""), author, at(day, 8, 0) - datetime.timedelta(days=1))]
    if status not in ("submitted", "returned", "approved"):
        return []
    steps = [("draft", "submitted", "", author, at(day, 18, 20))]
    if status == "returned" or spec.get("returned_first"):
        comment = spec.get("review") or spec["returned_first"]
        steps.append(("submitted", "returned", comment, reviewer, at(day + datetime.timedelta(days=2), 10, 5)))
    if status == "approved":
        if spec.get("returned_first"):
            steps.append(("returned", "submitted", "", author, at(day + datetime.timedelta(days=3), 20, 40)))
        comment = "记录完整，同意。 / Complete record, approved." if spec.get("returned_first") else ""
        steps.append(("submitted", "approved", comment, reviewer, at(day + datetime.timedelta(days=4), 11, 15)))
    if status in ("returned", "approved"):
        visit.review_comment, visit.reviewed_by = steps[-1][2], reviewer
    return steps


def _reading(enterprise, indicator, day, rng):
    """A plausible value: the enterprise's last figure for the KPI, a little better or worse."""
    last = (
        Measurement.objects.filter(enterprise=enterprise, indicator=indicator, period__lte=day)
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )
    base = last if last is not None else FALLBACK_VALUES.get(indicator.code, Decimal("10"))
    better = 1 if indicator.direction == "higher" else -1
    value = base * Decimal(str(round(1 + better * rng.uniform(-0.01, 0.04), 4)))
    return value.quantize(Decimal(1) if indicator.unit == "count" else Decimal("0.01"))


def _photo(visit, author, caption, colour):
    """A photo 'taken' on the visit, stored through the upload path (checked, then downscaled)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2000, 1500), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 250, 1700, 1250), outline=(255, 255, 255), width=24)
    draw.rectangle((520, 480, 1100, 1020), fill=tuple(255 - c for c in colour))
    draw.line((0, 1400, 2000, 1100), fill=(235, 235, 235), width=16)
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=85)
    upload = SimpleUploadedFile(f"IMG_{visit.pk:04d}{len(caption):02d}.jpg", data.getvalue(), "image/jpeg")
    form = SimpleNamespace(checked=check_upload(upload), cleaned_data={"caption": caption})
    attachment = services.attachment_add(actor=author, visit=visit, form=form)
    Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=at(visit.held_on, 11, 30))


# Scale data (seed_demo --scale N).
SCALE_CONSULTANT = "consultant.scale{:03d}@score.demo"
SCALE_CONSULTANT_PROVINCES = ["ZJ", "SC", "CQ", "LN", "ZJ", "SC", "ZJ", "ZJ", "SC", "ZJ"]
SCALE_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SCALE_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
# consultant1 (Zhejiang) and consultant2 (Sichuan, Chongqing) lead the first few scale enterprises
# of their provinces and one in DEMO_SHARE after that, up to DEMO_MAX: a heavy but real load.
DEMO_FIRST, DEMO_SHARE, DEMO_MAX = 5, 25, 80
DEMO_PROVINCES = {"consultant1@score.demo": {"ZJ"}, "consultant2@score.demo": {"SC", "CQ"}}
SUPPORT_SHARE = 0.1  # enrolments with a second (support) consultant
VISIT_GAP = (32, 50)  # days between two visits of an enrolment: never two in one month
SCALE_ACTIVITIES = [
    (
        "与 EIT 一起巡查生产现场，完成基线评估。",
        "Walked the shop floor with the EIT and completed the baseline assessment.",
    ),
    ("指导 EIT 例会，检查改进计划的进展。", "Coached the EIT meeting and checked the improvement plan's progress."),
    ("跟进上次约定的改进措施，查看现场。", "Followed up the actions agreed last time and looked at the floor."),
    ("与班组长一起推行5S，并检查效果。", "Ran a 5S session with the team leaders and checked the results."),
    ("讲解 KPI 的记录方法，核对上月数据。", "Explained how to record the KPIs and checked last month's figures."),
]
SCALE_FINDINGS = [
    ("通道堆放物料，消防通道不畅。", "Materials stacked in the aisles; the fire route is blocked."),
    ("建议板上的建议大多已处理。", "Most suggestions on the board have been dealt with."),
    ("返工率下降，但记录不完整。", "Rework is down, but the records are incomplete."),
    ("员工了解改进计划，班组会按时召开。", "Staff know the improvement plan; team meetings are held on time."),
    ("部分设备缺少点检记录。", "Some machines have no inspection records."),
]
SCALE_ACTIONS = [
    "清理通道并划线 / Clear the aisles and mark them",
    "每周更新建议板 / Update the suggestion board every week",
    "建立设备点检表 / Start an inspection sheet for each machine",
    "班组例会增加安全五分钟 / Add a five-minute safety talk to team meetings",
    "按月汇总返工数据 / Total the rework figures each month",
    "张贴 KPI 看板 / Post the KPI board on the shop floor",
]
SCALE_REVIEWS = [
    "请补充参加人员和 KPI 读数。 / Please add who took part and the KPI readings.",
    "发现的问题请写得更具体。 / Please make the findings more specific.",
    "改进措施请指定负责人。 / Please name an owner for each action.",
]


def _seed_scale(scale, stdout):
    steps = Steps(stdout, "consultants")
    today = timezone.localdate()
    made = _scale_consultants(scale)
    pools, certified, demo = _scale_pools(today)
    steps.done(f"{made} new scale consultants ({sum(map(len, pools.values()))} in all), certified for every module")
    trainers = _scale_trainers(pools, certified, demo)
    steps.done(f"trainers for {trainers} classroom sessions")

    enrolments = list(
        Enrolment.objects.filter(enterprise__in=scale_enterprises(), classroom_on__isnull=False)
        .filter(~Exists(Assignment.objects.filter(enrolment=OuterRef("pk"))))
        .select_related("enterprise__province", "module")
        .order_by("enterprise_id", "module__order")
    )
    if not enrolments:
        steps.done("no enrolments to assign")
        return
    admin = User.objects.filter(email=ADMINISTRATOR).first()
    staff = {code: User.objects.filter(email=email).first() or admin for code, email in REVIEWERS.items()}
    rng = random.Random(f"scale-consultants-{enrolments[0].pk}-{len(enrolments)}")
    leads, assignments = _scale_assignments(enrolments, pools, certified, demo, staff, admin, rng)
    steps.done(f"{assignments} assignments ({len(leads)} leads)")

    ids = {e.enterprise_id for e in enrolments}
    team = defaultdict(list)
    for member_id, enterprise_id in EITMember.objects.filter(
        enterprise__in=scale_enterprises(), left_on__isnull=True
    ).values_list("pk", "enterprise_id"):
        if enterprise_id in ids:
            team[enterprise_id].append(member_id)
    visits = _scale_visits(leads, staff, admin, rng, today)
    steps.done(f"{len(visits)} visits, {sum(len(v.steps) for v in visits)} workflow steps")
    readings = _scale_readings(visits, rng)
    steps.done(f"{readings} KPI readings")
    attendees, actions = _scale_attendees_and_actions(visits, team, rng, today)
    steps.done(f"{attendees} visit attendees, {actions} improvement actions")


def _scale_consultants(scale):
    """A handful of consultants (one per hundred scale enterprises, 4 to 100), certified for every
    module, each working in one province; they sign in with the demo password."""
    wanted = [SCALE_CONSULTANT.format(i) for i in range(max(4, min(100, scale // 100)))]
    have = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    demo = User.objects.filter(email="consultant1@score.demo").first()
    users = [
        User(
            email=email,
            name=f"{SCALE_SURNAMES[i % 20]}{SCALE_GIVEN[i * 7 % 20]} (Scale consultant {i:03d})",
            role=Role.CONSULTANT,
            password=demo.password if demo else "!",
        )
        for i, email in enumerate(wanted)
        if email not in have
    ]
    bulk(User, users)
    consultants = bulk(Consultant, (Consultant(user=user, languages="中文") for user in users))
    provinces = {p.code: p.pk for p in Province.objects.all()}
    home = {email: provinces[SCALE_CONSULTANT_PROVINCES[i % 10]] for i, email in enumerate(wanted)}
    through = Consultant.provinces.through
    bulk(through, (through(consultant_id=c.pk, province_id=home[c.user.email]) for c in consultants))
    modules = list(Module.objects.all())
    bulk(
        Certification,
        (
            Certification(
                consultant=c,
                module=module,
                level=Level.EXPERT if (c.pk + module.pk) % 4 == 0 else Level.CERTIFIED,
                since=datetime.date(2024, 3, 1),
            )
            for c in consultants
            for module in modules
        ),
    )
    return len(users)


def _scale_pools(today):
    """{province code: [consultant]} of the scale consultants, {consultant id: {module id}} they
    may lead alone, and {province code: (demo consultant, its load so far)}."""
    pools = defaultdict(list)
    for consultant in (
        Consultant.objects.filter(user__email__startswith="consultant.scale")
        .select_related("user")
        .prefetch_related("provinces")
        .order_by("user__email")
    ):
        for province in consultant.provinces.all():
            pools[province.code].append(consultant)
    certified = defaultdict(set)
    for consultant_id, module_id in (
        Certification.objects.current(today)
        .filter(level__in=[Level.CERTIFIED, Level.EXPERT])
        .values_list("consultant_id", "module_id")
    ):
        certified[consultant_id].add(module_id)
    demo = {}
    for email, codes in DEMO_PROVINCES.items():
        consultant = Consultant.objects.select_related("user").filter(user__email=email).first()
        if consultant is None:
            continue
        load = (
            Assignment.objects.filter(consultant=consultant, enrolment__enterprise__in=scale_enterprises())
            .values("enrolment__enterprise")
            .distinct()
            .count()
        )
        entry = [consultant, load]  # shared by the consultant's provinces: DEMO_MAX in all
        for code in codes:
            demo[code] = entry
    return pools, certified, demo


def _scale_trainers(pools, certified, demo):
    """Each scale classroom session without trainers gets one or two of its province's consultants
    certified for the module; the demo consultants train one session in ten of theirs."""
    sessions = (
        ClassroomSession.objects.filter(participants__enterprise__in=scale_enterprises(), trainers__isnull=True)
        .values_list("pk", "province__code", "module_id")
        .distinct()
        .order_by("pk")
    )
    through = ClassroomSession.trainers.through
    rows = []
    for n, (session_id, code, module_id) in enumerate(sessions):
        pool = [c for c in pools.get(code, []) if module_id in certified[c.pk]]
        chosen = pool[n % len(pool) : n % len(pool) + 1 + n % 2] if pool else []
        if code in demo and module_id in certified[demo[code][0].pk] and n % 10 == 0:
            chosen = [demo[code][0], *chosen[:1]]
        rows += [through(classroomsession_id=session_id, user_id=c.user_id) for c in chosen]
    bulk(through, rows, batch_size=5000)
    return len({row.classroomsession_id for row in rows})


def _scale_assignments(enrolments, pools, certified, demo, staff, admin, rng):
    """One lead per enrolment that reached the classroom (the enterprise's own consultant when
    certified for the module), ended when the enrolment was completed or withdrawn; a few
    support consultants. Returns the lead assignments and how many were made in all."""
    by_enterprise = defaultdict(list)
    for enrolment in enrolments:
        by_enterprise[enrolment.enterprise_id].append(enrolment)
    ordinal, leads, assignments = defaultdict(int), [], []
    for rows in by_enterprise.values():
        code = rows[0].enterprise.province.code
        pool = pools[code]
        j = ordinal[code]
        ordinal[code] += 1
        home = pool[j % len(pool)]
        mine = demo.get(code)
        if mine and mine[1] < DEMO_MAX and (j < DEMO_FIRST or j % DEMO_SHARE == 0):
            home = mine[0]
            mine[1] += 1
        for enrolment in rows:
            lead = home if enrolment.module_id in certified[home.pk] else pool[(j + 1) % len(pool)]
            ended = enrolment.completed_on or enrolment.withdrawn_on
            by = staff.get(code, admin)
            assignment = Assignment(
                consultant=lead,
                enrolment=enrolment,
                role=AssignmentRole.LEAD,
                assigned_on=enrolment.classroom_on,
                ended_on=ended,
                assigned_by=by,
            )
            assignments.append(assignment)
            leads.append(assignment)
            others = [c for c in pool if c.pk != lead.pk]
            if others and rng.random() < SUPPORT_SHARE:
                assignments.append(
                    Assignment(
                        consultant=rng.choice(others),
                        enrolment=enrolment,
                        role=AssignmentRole.SUPPORT,
                        assigned_on=enrolment.classroom_on + datetime.timedelta(days=rng.randint(0, 30)),
                        ended_on=ended,
                        assigned_by=by,
                    )
                )
    bulk(Assignment, assignments, batch_size=5000)
    return leads, len(assignments)


def _scale_status(rng, last, closed):
    """The state of a past visit: older ones approved (a few cancelled), the latest of an open
    enrolment anywhere in the workflow."""
    if closed or last > 1:
        return rng.choices(["approved", "cancelled"], [92, 8])[0]
    if last == 1:
        return rng.choices(["approved", "submitted", "returned"], [80, 10, 10])[0]
    return rng.choices(["draft", "submitted", "returned", "approved"], [25, 25, 10, 40])[0]


def _scale_visits(leads, staff, admin, rng, today):
    """The lead consultant's visits to each enrolment from consulting on, one every five to seven
    weeks until completion, withdrawal or today, then (for open enrolments) one planned; a first
    visit planned for enrolments still in the classroom; a few planned visits never recorded."""
    visits, unshown = [], ["draft", "submitted", "returned", "approved"]  # every state, however small N
    for assignment in leads:
        enrolment = assignment.enrolment
        reviewer = staff.get(enrolment.enterprise.province.code, admin)
        days = []
        if enrolment.consulting_on:
            end = enrolment.completed_on or enrolment.withdrawn_on or today - datetime.timedelta(days=1)
            day = enrolment.consulting_on + datetime.timedelta(days=rng.randint(1, 10))
            while day <= end:
                days.append(day)
                day += datetime.timedelta(days=rng.randint(*VISIT_GAP))
        closed = enrolment.status in ("completed", "withdrawn")
        specs = [(day, _scale_status(rng, len(days) - 1 - k, closed)) for k, day in enumerate(days)]
        if unshown and not closed and days and days[-1] <= today - datetime.timedelta(days=5):
            specs[-1] = (days[-1], unshown.pop(0))
        if enrolment.status == "consulting" and rng.random() < 0.08:
            specs.append((today - datetime.timedelta(days=rng.randint(8, 20)), "planned"))  # overdue
        if enrolment.status == "consulting" or (enrolment.status == "classroom" and rng.random() < 0.6):
            specs.append((today + datetime.timedelta(days=rng.randint(1, 35)), "planned"))
        held_so_far = 0
        for day, status in specs:
            if status in ("returned", "approved") and day > today - datetime.timedelta(days=5):
                status = "submitted"  # not reviewed yet
            held = status not in ("planned", "cancelled")
            visit_type = "baseline" if held_so_far == 0 else "consulting" if held_so_far % 2 else "follow_up"
            activity, finding = rng.choice(SCALE_ACTIVITIES), rng.choice(SCALE_FINDINGS)
            visit = Visit(
                enrolment=enrolment,
                consultant_id=assignment.consultant_id,
                visit_type=visit_type,
                planned_at=at(day, rng.choice([9, 10, 14]), 30),
                duration_hours=Decimal(rng.choice(["3", "3.5", "4", "6"])),
                status=status,
                notes="" if held else "与 EIT 跟进改进计划。 / Follow up the improvement plan with the EIT.",
                held_on=day if held else None,
                activities="\n".join(activity) if held else "",
                findings="\n".join(finding) if held and (status != "draft" or rng.random() < 0.5) else "",
                created_at=at(min(day, today) - datetime.timedelta(days=14), 16, 10),
            )
            returned_first = status == "approved" and rng.random() < 0.1
            review = rng.choice(SCALE_REVIEWS)
            spec = {"status": status, "returned_first": review if returned_first else None, "review": review}
            visit.steps = _steps(visit, spec, assignment.consultant.user, reviewer, day)
            visit.version = 2 + len(visit.steps) if held else 1
            visits.append(visit)
            held_so_far += held
    with timestamps(Visit, "created_at"):
        bulk(Visit, visits, batch_size=WIDE_BATCH)
    events = [
        VisitEvent(visit=visit, from_status=a, to_status=b, comment=c, by=by, at=when)
        for visit in visits
        for a, b, c, by, when in visit.steps
    ]
    with timestamps(VisitEvent, "at"):
        bulk(VisitEvent, events, batch_size=5000)
    return visits


def _scale_readings(visits, rng):
    """KPI readings on the visits recorded (a draft's not always yet), drifting from the
    enterprise's baseline, better for most; an approved visit's readings are the enterprise's
    values for the month (source "visit")."""
    indicators = defaultdict(list)
    for indicator in Indicator.objects.filter(is_active=True):
        indicators[indicator.module_id].append(indicator)
    enterprise_ids = {v.enrolment.enterprise_id for v in visits}
    baselines = {
        (e, i): (value, period)
        for e, i, value, period in Measurement.objects.filter(
            source="baseline", enterprise__name_en__startswith=SCALE_NAME
        ).values_list("enterprise_id", "indicator_id", "value", "period")
        if e in enterprise_ids
    }
    improving = {e: rng.random() < 0.85 for e in enterprise_ids}
    readings, measurements = [], []
    for visit in visits:
        if visit.status not in ("submitted", "returned", "approved") and not (
            visit.status == "draft" and rng.random() < 0.5
        ):
            continue
        enterprise_id = visit.enrolment.enterprise_id
        for indicator in indicators[visit.enrolment.module_id]:
            profile, drift = KPI_PROFILES.get(indicator.code, (FALLBACK_VALUES.get(indicator.code, Decimal(10)), 0.02))
            base, since = baselines.get((enterprise_id, indicator.pk), (profile, visit.held_on))
            months = max(0, (visit.held_on.year - since.year) * 12 + visit.held_on.month - since.month)
            better = 1 if indicator.direction == "higher" else -1
            sign = better if improving[enterprise_id] and rng.random() > 0.15 else -better
            factor = max(0.05, 1 + sign * drift * months + rng.uniform(-0.03, 0.03))
            value = (base * Decimal(str(round(factor, 4)))).quantize(
                Decimal(1) if indicator.unit == "count" else Decimal("0.01")
            )
            reading = VisitReading(visit=visit, indicator=indicator, value=value)
            if visit.status == "approved":
                reading.measurement = Measurement(
                    enterprise_id=enterprise_id,
                    indicator=indicator,
                    period=visit.held_on.replace(day=1),
                    value=value,
                    source="visit",
                    entered_by=visit.reviewed_by,  # _steps names the reviewer of every approved visit
                    entered_at=visit.steps[-1][4],
                )
                measurements.append(reading.measurement)
            readings.append(reading)
    with timestamps(Measurement, "entered_at"):
        bulk(Measurement, measurements, batch_size=5000)
    bulk(VisitReading, readings, batch_size=5000)
    return len(readings)


def _scale_attendees_and_actions(visits, team, rng, today):
    """Three to five of the EIT on each visit held, and the actions agreed there: those of
    earlier visits brought up to date on the next visit held (most done, some still open and
    overdue), those of the latest still open or in progress."""
    through = Visit.attendees.through
    attendees, actions = [], []
    by_enrolment = defaultdict(list)
    for visit in visits:
        if visit.held_on:
            by_enrolment[visit.enrolment_id].append(visit)
    for held in by_enrolment.values():
        held.sort(key=lambda v: v.held_on)
        for k, visit in enumerate(held):
            members = team[visit.enrolment.enterprise_id]
            people = rng.sample(members, min(len(members), rng.randint(3, 5)))
            attendees += [through(visit_id=visit.pk, eitmember_id=m) for m in people]
            following = held[k + 1] if k + 1 < len(held) else None
            closed = visit.enrolment.completed_on or visit.enrolment.withdrawn_on
            for _n in range(rng.choice([0, 1, 1, 2, 2, 3])):
                due = visit.held_on + datetime.timedelta(days=rng.randint(14, 75))
                if following:
                    status = rng.choices(["done", "dropped", "in_progress", "open"], [78, 8, 8, 6])[0]
                elif closed:
                    status = rng.choices(["done", "dropped", "open"], [85, 10, 5])[0]
                else:
                    status = rng.choice(["open", "open", "in_progress"])
                # When the action was last looked at: the next visit, else the end of the enrolment.
                looked_at = following.held_on if following else closed or visit.held_on
                actions.append(
                    ImprovementAction(
                        enterprise_id=visit.enrolment.enterprise_id,
                        visit=visit,
                        description=rng.choice(SCALE_ACTIONS),
                        owner_id=rng.choice(members) if members else None,
                        due_on=due,
                        status=status,
                        result="已完成。 / Done." if status == "done" else "",
                        updated_on_visit=following if following and status != "open" else None,
                        closed_on=min(due, looked_at, today) if status == "done" else None,
                        updated_at=at(looked_at, 18),
                    )
                )
    bulk(through, attendees, batch_size=5000)
    with timestamps(ImprovementAction, "updated_at"):
        bulk(ImprovementAction, actions, batch_size=5000)
    return len(attendees), len(actions)
