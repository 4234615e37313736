"""Demo records of the enterprises app (see the seed_demo command): the Zhejiang
expressway group with its three pilot management centres, an airport group, and
manufacturers in the four provinces of the rollout. Idempotent.

With ``scale`` (``seed_demo --scale N``): the N scale enterprises, mostly in Zhejiang and
Sichuan, each with its EIT, a few EIT meetings and suggestions (see score_portal/scale.py)."""

import datetime
import hashlib
import random

from django.utils import timezone

from score_portal.models import User
from score_portal.scale import BATCH, Steps, bulk

from .credit_code import ALPHABET, make_credit_code
from .models import EITMeeting, EITMember, Enterprise, Province, Suggestion

COORDINATOR_PROVINCES = {
    "coordinator.zj@score.demo": ["ZJ"],
    "coordinator.sc@score.demo": ["SC"],
}

# (key, parent key, province, city, region code, sector, en, zh, pilot, status, female, male)
ENTERPRISES = [
    (
        "zjcig",
        None,
        "ZJ",
        "Hangzhou",
        "330100",
        "G",
        "Zhejiang Communications Investment Group",
        "浙江省交通投资集团有限公司",
        False,
        "active",
        820,
        2140,
    ),
    (
        "zjexpressway",
        "zjcig",
        "ZJ",
        "Hangzhou",
        "330100",
        "G",
        "Zhejiang Expressway Co., Ltd.",
        "浙江沪杭甬高速公路股份有限公司",
        False,
        "active",
        410,
        1260,
    ),
    (
        "shaoxing",
        "zjexpressway",
        "ZJ",
        "Shaoxing",
        "330600",
        "G",
        "Shaoxing Management Centre",
        "绍兴管理中心",
        True,
        "active",
        96,
        214,
    ),
    (
        "ningbo",
        "zjexpressway",
        "ZJ",
        "Ningbo",
        "330200",
        "G",
        "Ningbo Management Centre",
        "宁波管理中心",
        True,
        "active",
        88,
        236,
    ),
    (
        "huzhou",
        "zjexpressway",
        "ZJ",
        "Huzhou",
        "330500",
        "G",
        "Huzhou Management Centre",
        "湖州管理中心",
        True,
        "enrolled",
        71,
        189,
    ),
    (
        "zjairport",
        None,
        "ZJ",
        "Hangzhou",
        "330100",
        "G",
        "Zhejiang Airport Group",
        "浙江省机场集团有限公司",
        False,
        "enrolled",
        640,
        980,
    ),
    ("yiwuairport", "zjairport", "ZJ", "Yiwu", "330782", "G", "Yiwu Airport", "义乌机场", True, "prospect", 120, 150),
    (
        "ningbotextile",
        None,
        "ZJ",
        "Ningbo",
        "330200",
        "C",
        "Ningbo Hengfeng Textile Co., Ltd.",
        "宁波恒丰纺织有限公司",
        False,
        "completed",
        162,
        58,
    ),
    (
        "wenzhouvalves",
        None,
        "ZJ",
        "Wenzhou",
        "330300",
        "C",
        "Wenzhou Ouhai Valve Manufacturing Co., Ltd.",
        "温州瓯海阀门制造有限公司",
        False,
        "active",
        34,
        121,
    ),
    (
        "shaoxingdye",
        None,
        "ZJ",
        "Shaoxing",
        "330600",
        "C",
        "Shaoxing Keqiao Dyeing and Finishing Co., Ltd.",
        "绍兴柯桥印染有限公司",
        False,
        "withdrawn",
        75,
        90,
    ),
    (
        "chengduelectronics",
        None,
        "SC",
        "Chengdu",
        "510100",
        "C",
        "Chengdu Tianfu Electronics Co., Ltd.",
        "成都天府电子有限公司",
        False,
        "active",
        133,
        97,
    ),
    (
        "mianyangfood",
        None,
        "SC",
        "Mianyang",
        "510700",
        "C",
        "Mianyang Fuxing Food Processing Co., Ltd.",
        "绵阳富兴食品加工有限公司",
        False,
        "enrolled",
        88,
        52,
    ),
    (
        "deyangmachinery",
        None,
        "SC",
        "Deyang",
        "510600",
        "C",
        "Deyang Heavy Machinery Parts Co., Ltd.",
        "德阳重型机械配件有限公司",
        False,
        "prospect",
        29,
        176,
    ),
    (
        "cqmotor",
        None,
        "CQ",
        "Chongqing",
        "500100",
        "C",
        "Chongqing Jiangbei Motorcycle Parts Co., Ltd.",
        "重庆江北摩托车配件有限公司",
        False,
        "active",
        61,
        149,
    ),
    (
        "cqpharma",
        None,
        "CQ",
        "Chongqing",
        "500100",
        "C",
        "Chongqing Yubei Pharmaceutical Co., Ltd.",
        "重庆渝北制药有限公司",
        False,
        "completed",
        118,
        84,
    ),
    (
        "dalianbearing",
        None,
        "LN",
        "Dalian",
        "210200",
        "C",
        "Dalian Haiwan Bearing Co., Ltd.",
        "大连海湾轴承有限公司",
        False,
        "active",
        47,
        168,
    ),
    (
        "dalianseafood",
        None,
        "LN",
        "Dalian",
        "210200",
        "C",
        "Dalian Binhai Seafood Processing Co., Ltd.",
        "大连滨海水产品加工有限公司",
        False,
        "enrolled",
        142,
        66,
    ),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]
POSITIONS_MANAGEMENT = ["总经理", "生产部经理", "安全主管", "质量主管", "人力资源主管"]
POSITIONS_WORKER = ["班组长", "操作工", "收费员", "维修工", "质检员", "安全员"]
TOPICS = [
    ("Daily team meeting routine and the suggestion board", "班组每日例会与金点子看板"),
    ("Hidden-hazard inspection results of the month", "本月隐患排查治理结果"),
    ("5S on the production floor", "生产现场5S推进"),
    ("Reducing rework at the finishing line", "减少整理工序返工"),
]
SUGGESTIONS = [
    ("WC", "Shift handover checklist", "交接班检查清单", 8000),
    ("OSH", "Anti-slip mats at the toll booth steps", "收费亭台阶加装防滑垫", 3000),
    ("QM", "Visual gauge for the bearing press", "轴承压装目视量规", 15000),
    ("CP", "Reuse rinse water from the dyeing vats", "染缸漂洗水回用", 42000),
    ("WM", "Peer training for new starters", "新员工师带徒培训", 6000),
    ("OSH", "Reflective vests for night patrols", "夜间巡查配发反光背心", 2500),
    ("CP", "LED lighting in the warehouse", "仓库改用LED照明", 18000),
]


ROADS = ["Jiefang Road", "Renmin Road", "Zhongshan Road", "Huancheng East Road", "Kaifa Avenue", "Binhai Road"]


def _upsert(credit_code, values):
    """update_or_create that saves only when a value differs, so seeding again
    leaves no empty entries in the enterprises' history."""
    enterprise = Enterprise.objects.filter(credit_code=credit_code).first()
    if enterprise is None:
        return Enterprise.objects.create(credit_code=credit_code, **values), True
    changed = [name for name, value in values.items() if getattr(enterprise, name) != value]
    for name in changed:
        setattr(enterprise, name, values[name])
    if changed:
        enterprise.save()
    return enterprise, False


def credit_code_for(key, region):
    digest = hashlib.sha256(key.encode()).digest()
    org = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:9])
    return make_credit_code(f"91{region}{org}")


def seed_demo(*, stdout, scale=0):
    if scale:
        _seed_scale(scale, stdout)
        return
    for email, codes in COORDINATOR_PROVINCES.items():
        user = User.objects.get(email=email)
        user.provinces.add(*Province.objects.filter(code__in=codes))
    provinces = {p.code: p for p in Province.objects.all()}
    coordinators = {code: User.objects.filter(provinces__code=code).first() for code in provinces}
    by_key = {}
    for key, parent, prov, city, region, sector, en, zh, pilot, status, female, male in ENTERPRISES:
        enterprise, created = _upsert(
            credit_code_for(key, region),
            {
                "name_en": en,
                "name_zh": zh,
                "province": provinces[prov],
                "city": city,
                "sector": sector,
                "is_pilot_unit": pilot,
                "status": status,
                "status_date": datetime.date(2026, 1, 1) + datetime.timedelta(days=len(key) * 7),
                "employees_female": female,
                "employees_male": male,
                "parent": by_key.get(parent),
                "coordinator": coordinators.get(prov),
                "address": f"No. {len(key) * 37 % 400 + 1} {ROADS[len(en) % len(ROADS)]}, {city}",
                "contact_email": f"score.{key}@example.com",
                "contact_name": f"{SURNAMES[len(key) % 20]}{GIVEN[len(en) % 20]}",
                "contact_phone": f"1380571{len(key):02d}{len(en) % 100:02d}",
            },
        )
        by_key[key] = enterprise
        if created or not enterprise.eit_members.exists():
            _seed_team(enterprise, random.Random(key))
    if scale:
        _seed_scale(scale, provinces)
    stdout.write(f"  enterprises: {Enterprise.objects.count()}")


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])


def _seed_team(enterprise, rng):
    joined = datetime.date(2025, rng.randint(1, 9), rng.randint(1, 28))
    members = []
    for index in range(rng.randint(6, 9)):
        side = "management" if index % 2 == 0 else "worker"
        positions = POSITIONS_MANAGEMENT if side == "management" else POSITIONS_WORKER
        members.append(
            EITMember.objects.create(
                enterprise=enterprise,
                name=_person(rng),
                position=rng.choice(positions),
                side=side,
                sex="female" if rng.random() < 0.45 else "male",
                phone=f"139{rng.randint(10000000, 99999999)}",
                is_secretary=index == 1,
                joined_on=joined,
            )
        )
    members[-1].left_on = joined + datetime.timedelta(days=200)
    members[-1].save()
    for month in range(4):
        en, zh = TOPICS[(month + len(enterprise.name_en)) % len(TOPICS)]
        meeting = EITMeeting.objects.create(
            enterprise=enterprise,
            held_on=datetime.date(2026, 6 + month, 10),
            topics=f"{zh} / {en}",
            decisions="责任到人，下次例会检查进度。/ Owners named; progress checked at the next meeting.",
        )
        meeting.attendees.set(members[: rng.randint(4, len(members) - 1)])
    for index, (area, en, zh, saving) in enumerate(rng.sample(SUGGESTIONS, 4)):
        status = ["implemented", "implemented", "accepted", "submitted", "rejected"][index % 5]
        Suggestion.objects.create(
            enterprise=enterprise,
            submitted_by=members[rng.randrange(len(members))].name,
            submitted_on=datetime.date(2026, 5 + index, 15),
            area=area,
            title=f"{zh} / {en}",
            status=status,
            estimated_savings=saving,
            realised_savings=int(saving * rng.uniform(0.6, 1.3)) if status == "implemented" else None,
        )


# The scale enterprises (seed_demo --scale N): "Scale enterprise 00042", half of them in
# Zhejiang and three in ten in Sichuan, the provinces of the demo coordinators.
SCALE_NAME = "Scale enterprise"
SCALE_PROVINCES = ["ZJ", "SC", "ZJ", "CQ", "ZJ", "SC", "ZJ", "LN", "ZJ", "SC"]
SCALE_CITIES = {
    "ZJ": [
        ("Hangzhou", "杭州", "330100"),
        ("Ningbo", "宁波", "330200"),
        ("Wenzhou", "温州", "330300"),
        ("Jiaxing", "嘉兴", "330400"),
        ("Huzhou", "湖州", "330500"),
        ("Shaoxing", "绍兴", "330600"),
        ("Jinhua", "金华", "330700"),
    ],
    "SC": [("Chengdu", "成都", "510100"), ("Deyang", "德阳", "510600"), ("Mianyang", "绵阳", "510700")],
    "CQ": [("Chongqing", "重庆", "500100")],
    "LN": [("Shenyang", "沈阳", "210100"), ("Dalian", "大连", "210200")],
}
SCALE_STATUSES = ["prospect"] * 10 + ["enrolled"] * 20 + ["active"] * 45 + ["completed"] * 15 + ["withdrawn"] * 10
SCALE_SECTORS = "CCCCCCCGGEFH"
SCALE_PILOT_SHARE = 0.12  # of the enterprises enrolled, active or completed: about one in ten in all


def scale_enterprises():
    """The enterprises ``seed_demo --scale`` made; the other apps add their scale records to these."""
    return Enterprise.objects.filter(name_en__startswith=SCALE_NAME)


def scale_name(n):
    return f"{SCALE_NAME} {n:05d}"


def _seed_scale(scale, stdout):
    """Enterprises 0 .. scale-1 that do not exist yet, each with its EIT (and, once it has joined
    the programme, EIT meetings and suggestions). Enterprise n is the same whatever N is."""
    steps = Steps(stdout, "enterprises")
    today = timezone.localdate()
    provinces = {p.code: p for p in Province.objects.all()}
    coordinators = {
        code: User.objects.filter(email=email).first()
        for email, codes in COORDINATOR_PROVINCES.items()
        for code in codes
    }
    existing = set(scale_enterprises().values_list("name_en", flat=True))
    made = []
    for n in range(scale):
        if scale_name(n) in existing:
            continue
        rng = random.Random(n)
        code = SCALE_PROVINCES[n % len(SCALE_PROVINCES)]
        city, city_zh, region = rng.choice(SCALE_CITIES[code])
        status = rng.choice(SCALE_STATUSES)
        made.append(
            Enterprise(
                credit_code=credit_code_for(f"scale-{n}", region),
                name_en=scale_name(n),
                name_zh=f"{city_zh}规模测试企业{n:05d}",
                province=provinces[code],
                city=city,
                sector=rng.choice(SCALE_SECTORS),
                status=status,
                status_date=today - datetime.timedelta(days=rng.randint(20, 400)),
                employees_female=rng.randint(15, 600),
                employees_male=rng.randint(20, 900),
                is_pilot_unit=status in ("enrolled", "active", "completed") and rng.random() < SCALE_PILOT_SHARE,
                coordinator=coordinators.get(code),
                address=f"No. {rng.randint(1, 999)} {rng.choice(ROADS)}, {city}",
                contact_name=_person(rng),
                contact_email=f"scale{n:05d}@example.com",
                contact_phone=f"139{rng.randint(10000000, 99999999)}",
            )
        )
    bulk(Enterprise, made, batch_size=BATCH)
    steps.done(f"{len(made)} scale enterprises")
    if not made:
        return
    members, meetings, suggestions = _scale_teams(made, today, coordinators)
    steps.done(f"{members} EIT members, {meetings} EIT meetings, {suggestions} suggestions")


def _scale_teams(enterprises, today, coordinators):
    members, meetings, suggestions, teams = [], [], [], []
    for enterprise in enterprises:
        rng = random.Random(f"team-{enterprise.name_en}")
        # The EIT is set up before the enterprise's first module (see modules.demo.SCALE_START).
        days = (30, 120) if enterprise.status == "prospect" else (490, 560)
        joined = today - datetime.timedelta(days=rng.randint(*days))
        team = []
        for index in range(rng.randint(5, 9)):
            side = "management" if index % 2 == 0 else "worker"
            team.append(
                EITMember(
                    enterprise=enterprise,
                    name=_person(rng),
                    position=rng.choice(POSITIONS_MANAGEMENT if side == "management" else POSITIONS_WORKER),
                    side=side,
                    sex="female" if rng.random() < 0.45 else "male",
                    phone=f"139{rng.randint(10000000, 99999999)}",
                    is_secretary=index == 1,
                    joined_on=joined,
                )
            )
        if rng.random() < 0.3:  # someone has left the team since
            team[-1].left_on = min(joined + datetime.timedelta(days=rng.randint(30, 300)), today)
        members += team
        teams.append((enterprise, team, rng, joined))
    bulk(EITMember, members, batch_size=5000)

    attendees = []
    for enterprise, team, rng, joined in teams:
        if enterprise.status == "prospect":
            continue
        current = [m for m in team if m.left_on is None]
        for k in range(rng.randint(1, 4)):
            en, zh = TOPICS[(k + enterprise.pk) % len(TOPICS)]
            meeting = EITMeeting(
                enterprise=enterprise,
                held_on=max(today - datetime.timedelta(days=30 * k + rng.randint(3, 25)), joined),
                topics=f"{zh} / {en}",
                decisions="责任到人，下次例会检查进度。/ Owners named; progress checked at the next meeting.",
                recorded_by=coordinators.get(enterprise.province.code),
            )
            meetings.append(meeting)
            attendees.append((meeting, rng.sample(current, rng.randint(3, len(current)))))
        for area, en, zh, saving in rng.sample(SUGGESTIONS, rng.randint(0, 4)):
            status = rng.choice(["submitted", "accepted", "implemented", "implemented", "rejected"])
            suggestions.append(
                Suggestion(
                    enterprise=enterprise,
                    submitted_by=rng.choice(team).name,
                    submitted_on=today - datetime.timedelta(days=rng.randint(5, (today - joined).days)),
                    area=area,
                    title=f"{zh} / {en}",
                    status=status,
                    estimated_savings=saving,
                    realised_savings=int(saving * rng.uniform(0.6, 1.3)) if status == "implemented" else None,
                )
            )
    bulk(EITMeeting, meetings)
    through = EITMeeting.attendees.through
    bulk(
        through,
        (
            through(eitmeeting_id=meeting.pk, eitmember_id=member.pk)
            for meeting, people in attendees
            for member in people
        ),
        batch_size=5000,
    )
    bulk(Suggestion, suggestions)
    return len(members), len(meetings), len(suggestions)
