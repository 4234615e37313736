"""Demo consultants: profiles with certifications, assigned to enterprises in Zhejiang
(consultant1) and Sichuan/Chongqing (consultant2), each with upcoming visits and a history
of visits in every state: drafts, submitted, returned with the coordinator's comment,
approved (their KPI readings then the enterprise's figures for the month), cancelled.
Idempotent: an enrolment that already has a visit record is left as it is."""

import datetime
import io
import random
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from enterprises.models import Province
from modules.models import Enrolment, Indicator, Measurement, Module
from score_portal.models import User
from score_portal.uploads import check_upload

from . import services
from .models import (
    Assignment,
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
    for assignment in Assignment.objects.filter(ended_on__isnull=True).select_related(
        "consultant", "enrolment__module"
    ):
        if not Visit.objects.filter(enrolment=assignment.enrolment, consultant=assignment.consultant).exists():
            day = timezone.localdate() + datetime.timedelta(days=3 + assignment.pk % 10)
            Visit.objects.create(
                enrolment=assignment.enrolment,
                consultant=assignment.consultant,
                supervisor=_supervisor(assignment.consultant, assignment.enrolment.module, day),
                visit_type="consulting",
                planned_at=_at(day, 9, 30),
                notes="与 EIT 跟进改进计划。 / Follow up the improvement plan with the EIT.",
            )
    for email, prefixes in ASSIGNMENTS.items():
        for prefix in prefixes:
            _seed_history(email, prefix)
    stdout.write(
        f"  consultant assignments: {Assignment.objects.filter(ended_on__isnull=True).count()}, "
        f"visits: {Visit.objects.count()}, actions: {ImprovementAction.objects.count()}"
    )


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


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
                planned_at=_at(day, 9, 30),
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
        visit.created_at = _at(min(day, today) - datetime.timedelta(days=14), 16, 10)
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
    for event, at in zip(events, stamps, strict=True):
        event.at = at
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
        return [("planned", "cancelled", spec.get("notes", ""), author, _at(day, 8, 0) - datetime.timedelta(days=1))]
    if status not in ("submitted", "returned", "approved"):
        return []
    steps = [("draft", "submitted", "", author, _at(day, 18, 20))]
    if status == "returned" or spec.get("returned_first"):
        comment = spec.get("review") or spec["returned_first"]
        steps.append(("submitted", "returned", comment, reviewer, _at(day + datetime.timedelta(days=2), 10, 5)))
    if status == "approved":
        if spec.get("returned_first"):
            steps.append(("returned", "submitted", "", author, _at(day + datetime.timedelta(days=3), 20, 40)))
        comment = "记录完整，同意。 / Complete record, approved." if spec.get("returned_first") else ""
        steps.append(("submitted", "approved", comment, reviewer, _at(day + datetime.timedelta(days=4), 11, 15)))
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
    Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=_at(visit.held_on, 11, 30))
