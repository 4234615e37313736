"""The demo registry: the Zhejiang pilot structure, valid codes, and seeding twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from enterprises.credit_code import validate_credit_code
from enterprises.models import EITMember, Enterprise

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Enterprise.objects.values_list("credit_code", "name_zh", "parent__credit_code", "is_pilot_unit")),
        EITMember.objects.count(),
        Enterprise.history.count(),
        EITMember.history.count(),
    )


def test_demo_has_the_pilot_units_under_the_expressway_company_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    expressway = Enterprise.objects.get(name_zh="浙江沪杭甬高速公路股份有限公司")
    assert expressway.parent.name_zh == "浙江省交通投资集团有限公司"
    assert set(expressway.children.filter(is_pilot_unit=True).values_list("name_zh", flat=True)) == {
        "绍兴管理中心",
        "宁波管理中心",
        "湖州管理中心",
    }
    assert set(Enterprise.objects.values_list("province__code", flat=True)) == {"ZJ", "SC", "CQ", "LN"}
    assert 15 <= Enterprise.objects.count() <= 25
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        assert validate_credit_code(code) == code
    for enterprise in Enterprise.objects.all():
        assert enterprise.eit_members.current().filter(is_secretary=True).count() == 1, enterprise
    assert Enterprise.objects.filter(eit_meetings__isnull=False).exists()
    assert Enterprise.objects.filter(suggestions__realised_savings__gt=0).exists()
    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before
