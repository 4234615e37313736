from django.db import migrations

# The provinces of the rollout; administrators may add more in the Django admin.
PROVINCES = [
    ("ZJ", "Zhejiang", "浙江省"),
    ("SC", "Sichuan", "四川省"),
    ("CQ", "Chongqing", "重庆市"),
    ("LN", "Liaoning", "辽宁省"),
]


def seed(apps, schema_editor):
    Province = apps.get_model("enterprises", "Province")
    for code, name_en, name_zh in PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name_en": name_en, "name_zh": name_zh})


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
