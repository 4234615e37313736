import pytest
from django.db import IntegrityError

from enterprises.models import EITMember, Enterprise
from score_portal.models import AuditEvent
from tests.factories import province

from .factories import EITMemberFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def valid_form(**overrides):
    data = {
        "name_en": "Hangzhou Bearings",
        "name_zh": "杭州轴承有限公司",
        "credit_code": "91350100M000100Y43",
        "sector": "C",
        "province": province("ZJ").pk,
        "city": "Hangzhou",
        "employees_female": "40",
        "employees_male": "80",
        "status": "prospect",
    }
    data.update(overrides)
    return data


def test_search_finds_by_chinese_name_english_name_and_credit_code(client_for, coordinator_zj):
    target = EnterpriseFactory(name_en="Shaoxing Dyeing", name_zh="绍兴印染")
    EnterpriseFactory(name_en="Ningbo Textile", name_zh="宁波纺织")
    client = client_for(coordinator_zj)
    for q in ["印染", "shaoxing", target.credit_code[:10].lower()]:
        page = client.get("/enterprises/", {"q": q}).content.decode()
        assert "绍兴印染" in page, q
        assert "宁波纺织" not in page, q


def test_filters_by_status_pilot_unit_and_group(client_for, coordinator_zj):
    group = EnterpriseFactory(name_zh="交投集团")
    centre = EnterpriseFactory(name_zh="绍兴管理中心", parent=group, is_pilot_unit=True, status="enrolled")
    EnterpriseFactory(name_zh="其他企业", status="active")
    client = client_for(coordinator_zj)
    page = client.get("/enterprises/", {"pilot": "yes"}).content.decode()
    assert "绍兴管理中心" in page and "其他企业" not in page
    page = client.get("/enterprises/", {"status": "enrolled"}).content.decode()
    assert "绍兴管理中心" in page and "其他企业" not in page
    page = client.get("/enterprises/", {"group": group.pk}).content.decode()
    assert "绍兴管理中心" in page and "交投集团" in page and "其他企业" not in page
    assert centre.ancestors() == [group]


def test_list_query_count_does_not_grow(client_for, coordinator_zj, django_assert_max_num_queries):
    client = client_for(coordinator_zj)
    group = EnterpriseFactory()
    EnterpriseFactory.create_batch(3, parent=group)
    with django_assert_max_num_queries(12) as few:
        client.get("/enterprises/")
    EnterpriseFactory.create_batch(30, parent=group)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/enterprises/")
    assert response.context["paginator"].count == 34


def test_create_stores_the_normalised_code_and_audits(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    response = client.post("/enterprises/new/", valid_form(credit_code="91350100m000100y43"))
    enterprise = Enterprise.objects.get()
    assert response.status_code == 302
    assert enterprise.credit_code == "91350100M000100Y43"
    assert AuditEvent.objects.filter(action="created", target_id=str(enterprise.pk)).exists()


def test_bad_input_is_refused_with_messages_and_nothing_saved(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    response = client.post("/enterprises/new/", valid_form(credit_code="91350100M000100Y44", employees_female="N/A"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not match the others" in page
    assert "text such as “N/A” is not accepted" in page
    assert not Enterprise.objects.exists()


def test_coordinator_cannot_register_in_another_province(client_for, coordinator_zj):
    response = client_for(coordinator_zj).post("/enterprises/new/", valid_form(province=province("SC").pk))
    assert "Select a valid choice" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_archive_asks_first_then_hides_and_restore_brings_back(client_for, coordinator_zj):
    enterprise = EnterpriseFactory(name_zh="要归档的企业")
    client = client_for(coordinator_zj)
    confirm = client.get(f"/enterprises/{enterprise.pk}/archive/").content.decode()
    assert "Nothing is deleted" in confirm
    enterprise.refresh_from_db()
    assert enterprise.archived_at is None  # asking is not doing
    client.post(f"/enterprises/{enterprise.pk}/archive/")
    assert "要归档的企业" not in client.get("/enterprises/").content.decode()
    assert "要归档的企业" in client.get("/enterprises/", {"archived": "on"}).content.decode()
    client.post(f"/enterprises/{enterprise.pk}/restore/")
    assert "要归档的企业" in client.get("/enterprises/").content.decode()
    assert list(AuditEvent.objects.filter(target_id=str(enterprise.pk)).values_list("action", flat=True)) == [
        "restored",
        "archived",
    ]


def test_the_database_refuses_two_active_secretaries():
    enterprise = EnterpriseFactory()
    EITMemberFactory(enterprise=enterprise, is_secretary=True)
    with pytest.raises(IntegrityError):
        EITMemberFactory(enterprise=enterprise, is_secretary=True)


def test_member_who_left_keeps_history_and_shows_as_former(client_for, coordinator_zj):
    member = EITMemberFactory(name="赵军")
    client = client_for(coordinator_zj)
    client.post(
        f"/enterprises/{member.enterprise.pk}/eit/{member.pk}/",
        {"name": "赵军", "side": "worker", "sex": "male", "joined_on": "2025-03-01", "left_on": "2026-01-31"},
    )
    page = client.get(f"/enterprises/{member.enterprise.pk}/?tab=eit").content.decode()
    assert "Former members" in page and "2026-01-31" in page
    history = client.get(f"/enterprises/{member.enterprise.pk}/?tab=history").content.decode()
    assert "赵军" in history and "2026-01-31" in history
    assert EITMember.history.filter(id=member.pk).count() == 2


def test_suggestions_refuse_text_as_savings_and_sum_realised(client_for, coordinator_zj):
    enterprise = EnterpriseFactory()
    client = client_for(coordinator_zj)
    url = f"/enterprises/{enterprise.pk}/suggestions/new/"
    base = {"title": "LED", "submitted_by": "王", "submitted_on": "2026-05-01", "area": "CP", "status": "implemented"}
    bad = client.post(url, {**base, "realised_savings": "N/A"})
    assert "text such as “N/A” is not accepted" in bad.content.decode()
    client.post(url, {**base, "realised_savings": "1200.50"})
    client.post(url, {**base, "title": "Mats", "realised_savings": "300"})
    page = client.get(f"/enterprises/{enterprise.pk}/?tab=suggestions").content.decode()
    assert "¥1,500.50" in page


def test_detail_page_queries_do_not_grow_with_the_team(client_for, coordinator_zj, django_assert_max_num_queries):
    enterprise = EnterpriseFactory()
    EITMemberFactory.create_batch(2, enterprise=enterprise)
    client = client_for(coordinator_zj)
    for tab in ("eit", "history", "meetings", "suggestions"):
        with django_assert_max_num_queries(30) as few:
            client.get(f"/enterprises/{enterprise.pk}/?tab={tab}")
        EITMemberFactory.create_batch(10, enterprise=enterprise)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(f"/enterprises/{enterprise.pk}/?tab={tab}")


def test_responsible_coordinator_is_one_of_the_provinces_coordinators(client_for, coordinator_zj, coordinator_sc):
    client = client_for(coordinator_zj)
    form_page = client.get("/enterprises/new/").content.decode()
    assert "Zhou Coordinator" in form_page
    assert "Sun Coordinator" not in form_page  # another province's staff are not listed
    response = client.post("/enterprises/new/", valid_form(coordinator=coordinator_sc.pk))
    assert "Select a valid choice" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_administrator_cannot_name_a_coordinator_of_another_province(client_for, admin, coordinator_sc):
    response = client_for(admin).post("/enterprises/new/", valid_form(coordinator=coordinator_sc.pk))
    assert "Sun Coordinator does not coordinate Zhejiang." in response.content.decode()
    assert not Enterprise.objects.exists()


def test_a_new_status_without_a_date_dates_from_today(client_for, coordinator_zj):
    import datetime

    from django.utils import timezone

    enterprise = EnterpriseFactory(status="enrolled", status_date=datetime.date(2025, 1, 1))
    data = valid_form(credit_code=enterprise.credit_code, status="active", status_date="2025-01-01")
    client_for(coordinator_zj).post(f"/enterprises/{enterprise.pk}/edit/", data)
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.status_date) == ("active", timezone.localdate())
    data = valid_form(credit_code=enterprise.credit_code, status="completed", status_date="2026-02-01")
    client_for(coordinator_zj).post(f"/enterprises/{enterprise.pk}/edit/", data)
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.status_date) == ("completed", datetime.date(2026, 2, 1))


def test_home_panel_counts_the_coordinators_enterprises_by_status(client_for, coordinator_zj):
    EnterpriseFactory.create_batch(2, status="active")
    EnterpriseFactory(status="prospect", is_pilot_unit=True)
    EnterpriseFactory(status="active", archived_at="2026-01-01T00:00Z")  # archived: not counted
    EnterpriseFactory(status="active", province=province("SC"))  # another province: not counted
    page = client_for(coordinator_zj).get("/").content.decode()
    panel = page[page.index('data-testid="panel-enterprises"') :]
    panel = " ".join(panel[: panel.index("</section>")].split())
    assert "3</span> enterprises in your scope · 1 pilot unit" in panel
    assert "Active: <strong>2</strong>" in panel
    assert "Prospect: <strong>1</strong>" in panel


def test_the_grouped_form_layout_shows_every_field(coordinator_zj):
    from enterprises.forms import EnterpriseForm

    form = EnterpriseForm(user=coordinator_zj)
    shown = [field.name for _title, fields in form.sections() for field, _wide in fields]
    assert sorted(shown) == sorted(form.fields)


def test_a_group_the_editor_cannot_see_is_neither_shown_nor_cleared(client_for, coordinator_zj):
    group = EnterpriseFactory(name_en="Chengdu Holding Group", province=province("SC"))
    enterprise = EnterpriseFactory(name_en="Ningbo Valves", parent=group)
    client = client_for(coordinator_zj)
    page = client.get(f"/enterprises/{enterprise.pk}/edit/").content.decode()
    assert "Chengdu Holding Group" not in page and 'name="parent"' not in page
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", valid_form(credit_code=enterprise.credit_code))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.parent == group and enterprise.city == "Hangzhou"
    other = EnterpriseFactory(name_en="Hangzhou Bearings")
    data = valid_form(credit_code=enterprise.credit_code, parent=other.pk, city="Ningbo")
    page = client.post(f"/enterprises/{enterprise.pk}/edit/", data).content.decode()
    assert "belongs to a group you may not see" in page
    enterprise.refresh_from_db()
    assert (enterprise.parent, enterprise.city) == (group, "Hangzhou")
