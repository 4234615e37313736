from decimal import Decimal

import pytest
from django.utils import translation

from modules.kpi import kpi_change
from modules.models import Indicator, Module

pytestmark = pytest.mark.django_db


def test_the_five_modules_are_there_after_migrate_in_order_and_in_both_languages():
    modules = list(Module.objects.all())
    assert [m.code for m in modules] == ["WC", "QM", "CP", "WM", "OSH"]
    assert [m.is_compulsory for m in modules] == [True, False, False, False, False]
    with translation.override("zh-hans"):
        assert [m.name for m in modules] == [
            "职场合作",
            "质量管理与持续改进",
            "清洁生产提高生产率",
            "人力资源管理",
            "职业安全与健康",
        ]
    with translation.override("en"):
        assert modules[4].name == "Safety and Health at Work"


def test_core_kpis_point_the_right_way():
    directions = dict(Indicator.objects.values_list("code", "direction"))
    assert directions["productivity"] == "higher"
    assert directions["defect_rate"] == "lower"
    assert directions["lost_time_accidents"] == "lower"
    assert directions["savings"] == "higher"


@pytest.mark.parametrize(
    ("baseline", "latest", "direction", "improved", "percent"),
    [
        ("4.0", "3.0", "lower", True, Decimal("-25.0")),  # defects fell: better
        ("4.0", "5.0", "lower", False, Decimal("25.0")),
        ("40", "50", "higher", True, Decimal("25.0")),  # productivity rose: better
        ("40", "30", "higher", False, Decimal("-25.0")),
        ("5", "5", "higher", False, Decimal("0.0")),  # no change is no improvement
        ("0", "2", "lower", False, None),  # from zero there is no percentage
    ],
)
def test_kpi_change_respects_direction(baseline, latest, direction, improved, percent):
    change = kpi_change(Decimal(baseline), Decimal(latest), direction)
    assert change.improved is improved
    assert change.percent == percent


def test_kpi_change_without_baseline_or_later_value_is_unknown():
    assert kpi_change(None, Decimal(3), "lower").improved is None
    assert kpi_change(Decimal(3), None, "lower").improved is None


def test_only_administrators_edit_the_catalogue(client_for, admin, coordinator_zj):
    wc = Module.objects.get(code="WC")
    assert client_for(coordinator_zj).get(f"/modules/{wc.pk}/").status_code == 403
    assert "职场合作" in client_for(coordinator_zj).get("/modules/").content.decode()
    response = client_for(admin).post(
        "/modules/kpis/new/",
        {
            "module": wc.pk,
            "code": "near_misses",
            "name_en": "Near misses reported",
            "name_zh": "未遂事件报告",
            "unit": "count",
            "direction": "higher",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Indicator.objects.get(code="near_misses").name_zh == "未遂事件报告"


def test_module_descriptions_follow_the_language(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    assert "Accidents, near misses, hazards found and fixed" in client.get("/modules/").content.decode()
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    assert "事故、未遂事件、隐患排查整改和误工天数" in client.get("/modules/").content.decode()
