from django.db import migrations

# The five SCORE modules in their order; administrators may edit and add to them.
MODULES = [
    ("WC", 1, "Workplace Cooperation: a foundation for business success", "职场合作", True,
     "The Enterprise Improvement Team, daily meetings, the suggestion scheme, joint problem solving and "
     "measuring for continuous improvement."),
    ("QM", 2, "Quality: managing continuous improvement", "质量管理与持续改进", False,
     "Defects, rework, customer complaints and on-time delivery."),
    ("CP", 3, "Productivity through Cleaner Production", "清洁生产提高生产率", False,
     "Waste, materials, energy and water."),
    ("WM", 4, "Workforce Management for cooperation and business success", "人力资源管理", False,
     "Turnover, absenteeism, training, pay and communication."),
    ("OSH", 5, "Safety and Health at Work", "职业安全与健康", False,
     "Accidents, near misses, hazards found and fixed, lost days."),
]

# (module, code, English, Chinese, unit, direction, how computed)
INDICATORS = [
    ("WC", "productivity", "Productivity", "劳动生产率", "units/worker-hour", "higher",
     "Output in the month divided by the hours worked by all workers."),
    ("WC", "suggestions_made", "Suggestions made", "提出的合理化建议", "count", "higher",
     "Suggestions received by the suggestion scheme in the month."),
    ("WC", "suggestions_implemented", "Suggestions implemented", "实施的合理化建议", "count", "higher",
     "Suggestions put into practice in the month."),
    ("WC", "savings", "Savings", "节约金额", "CNY", "higher",
     "Money saved in the month by implemented improvements."),
    ("QM", "defect_rate", "Defect rate", "不良品率", "%", "lower",
     "Defective units divided by units produced, times 100."),
    ("QM", "on_time_delivery", "On-time delivery", "准时交付率", "%", "higher",
     "Orders delivered on time divided by orders delivered, times 100."),
    ("CP", "material_waste", "Material waste", "材料浪费率", "%", "lower",
     "Material wasted divided by material used, times 100."),
    ("CP", "energy_per_unit", "Energy per unit", "单位产品能耗", "kWh/unit", "lower",
     "Electricity used in the month divided by units produced."),
    ("WM", "absenteeism", "Absenteeism", "缺勤率", "%", "lower",
     "Working days lost to absence divided by working days scheduled, times 100."),
    ("WM", "staff_turnover", "Staff turnover", "员工流失率", "%", "lower",
     "Workers who left in the month divided by the average headcount, times 100."),
    ("OSH", "lost_time_accidents", "Lost-time accidents", "误工事故", "count", "lower",
     "Accidents in the month that cost at least one working day."),
    ("OSH", "hazards_fixed", "Hazards found and fixed", "隐患排查整改数", "count", "higher",
     "Hidden hazards identified and rectified in the month."),
]

PRACTICES = [
    ("WC", "eit_meets_monthly", "The EIT meets at least monthly", "EIT 至少每月开会一次"),
    ("WC", "suggestion_scheme", "A suggestion scheme runs", "合理化建议制度正常运行"),
    ("WC", "daily_meetings", "Teams hold short daily meetings", "班组召开每日短会"),
    ("QM", "quality_kpis_posted", "Quality figures are posted on the shop floor", "质量数据在现场公示"),
    ("CP", "waste_measured", "Waste is measured at its sources", "在源头计量浪费"),
    ("WM", "induction_training", "New workers receive induction training", "新员工接受入职培训"),
    ("OSH", "hazard_register", "A hazard register is kept and reviewed", "建立并定期复核隐患台账"),
    ("OSH", "near_miss_reporting", "Near misses are reported", "报告未遂事件"),
]


def seed(apps, schema_editor):
    Module = apps.get_model("modules", "Module")
    Indicator = apps.get_model("modules", "Indicator")
    Practice = apps.get_model("modules", "Practice")
    modules = {}
    for code, order, en, zh, compulsory, description in MODULES:
        modules[code], _ = Module.objects.update_or_create(
            code=code,
            defaults={"order": order, "name_en": en, "name_zh": zh, "is_compulsory": compulsory,
                      "description": description, "classroom_days": 2, "consulting_visits": 4},
        )
    for module, code, en, zh, unit, direction, computation in INDICATORS:
        Indicator.objects.update_or_create(
            code=code,
            defaults={"module": modules[module], "name_en": en, "name_zh": zh, "unit": unit,
                      "direction": direction, "computation": computation},
        )
    for module, code, en, zh in PRACTICES:
        Practice.objects.update_or_create(code=code, defaults={"module": modules[module], "name_en": en, "name_zh": zh})


class Migration(migrations.Migration):
    dependencies = [("modules", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
