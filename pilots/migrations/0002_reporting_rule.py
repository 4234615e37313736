import datetime

from django.db import migrations


def create_rule(apps, schema_editor):
    # The programme reports quarterly from 2026; administrators change it on the rule page.
    ReportingRule = apps.get_model("pilots", "ReportingRule")
    ReportingRule.objects.get_or_create(
        pk=1,
        defaults={
            "period_length": "quarter",
            "first_period_start": datetime.date(2026, 1, 1),
            "due_days": 15,
            "remind_days_before": 5,
            "remind_days_after": 3,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("pilots", "0001_initial")]

    operations = [migrations.RunPython(create_rule, migrations.RunPython.noop)]
