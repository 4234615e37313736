"""Spreadsheet import (all or nothing, every bad row listed) and export (round trip)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from enterprises.models import EITMember, Enterprise
from enterprises.spreadsheets import EIT_COLUMNS, ENTERPRISE_COLUMNS, MAX_BYTES
from score_portal.models import AuditEvent
from tests.factories import province

from .factories import EnterpriseFactory, credit_code

pytestmark = pytest.mark.django_db

HEADERS = [c.header() for c in ENTERPRISE_COLUMNS]


def row(code, name_en="Hangzhou Bearings", name_zh="杭州轴承", prov="ZJ", **extra):
    values = {
        "credit_code": code,
        "name_en": name_en,
        "name_zh": name_zh,
        "province": prov,
        "city": "Hangzhou",
        "sector": "C",
        "status": "Active",
        "employees_female": "40",
        "employees_male": "80",
    }
    values.update(extra)
    return [values.get(c.field, "") for c in ENTERPRISE_COLUMNS]


def xlsx(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("enterprises.xlsx", out.getvalue())


def csv_file(rows, headers=HEADERS):
    lines = [",".join(headers)] + [",".join(str(v) for v in r) for r in rows]
    return SimpleUploadedFile("enterprises.csv", ("\ufeff" + "\n".join(lines)).encode("utf-8"))


def upload(client, file, kind="enterprises"):
    return client.post("/enterprises/import/", {"kind": kind, "file": file})


def confirm(client, response):
    return client.post("/enterprises/import/confirm/", {"token": response.context["token"]})


def test_good_file_previews_then_writes_on_confirm(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    response = upload(client, xlsx([row(credit_code(1)), row(credit_code(2), "Ningbo Textile", "宁波纺织")]))
    assert "2 rows checked: 2 will be added and 0 updated" in response.content.decode()
    assert not Enterprise.objects.exists()  # nothing before confirmation
    confirm(client, response)
    assert set(Enterprise.objects.values_list("name_zh", flat=True)) == {"杭州轴承", "宁波纺织"}
    assert AuditEvent.objects.filter(action="imported", data__added=2).exists()


def test_csv_with_chinese_headers_only_is_understood(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    zh_headers = [c.headers()[1] for c in ENTERPRISE_COLUMNS]
    response = upload(client, csv_file([row(credit_code(3), prov="浙江省", status="实施中")], headers=zh_headers))
    assert "token" in response.context, response.context.get("errors")
    confirm(client, response)
    assert Enterprise.objects.get().province == province("ZJ")


def test_every_bad_row_is_listed_and_nothing_is_written(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    rows = [
        row(credit_code(1)),
        row(credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")),  # wrong check character
        row(credit_code(3), employees_female="N/A"),
        row(credit_code(4), status="Sleeping"),
        row(credit_code(5), name_zh=""),
    ]
    response = upload(client, xlsx(rows))
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert errors == [
        (3, "Credit code"),
        (4, "Female employees"),
        (5, "Programme status"),
        (6, "Name (Chinese)"),
    ]
    page = response.content.decode()
    assert "The file has 4 problems; nothing has been saved." in page
    assert "“N/A” is not a number." in page
    assert "token" not in response.context
    assert not Enterprise.objects.exists()


def test_messages_follow_the_users_language(client_for, coordinator_zj):
    coordinator_zj.preferred_language = "zh-hans"
    coordinator_zj.save()
    response = upload(client_for(coordinator_zj), xlsx([row(credit_code(1), employees_female="N/A")]))
    assert response.context["errors"][0].column == "女性员工"


def test_duplicate_codes_inside_one_file_are_refused(client_for, coordinator_zj):
    response = upload(client_for(coordinator_zj), xlsx([row(credit_code(7)), row(credit_code(7), "Again", "再次")]))
    [error] = response.context["errors"]
    assert error.row == 3
    assert "also on row 2" in error.message
    assert not Enterprise.objects.exists()


def test_reimport_updates_by_credit_code(client_for, coordinator_zj):
    existing = EnterpriseFactory(credit_code=credit_code(8), name_en="Old name", employees_male=1)
    client = client_for(coordinator_zj)
    response = upload(client, xlsx([row(credit_code(8), "New name", "新名称", employees_male="90")]))
    assert "0 will be added and 1 updated" in response.content.decode()
    confirm(client, response)
    existing.refresh_from_db()
    assert (Enterprise.objects.count(), existing.name_en, existing.employees_male) == (1, "New name", 90)


def test_rows_in_a_province_outside_scope_are_refused(client_for, coordinator_zj):
    EnterpriseFactory(credit_code=credit_code(9), province=province("SC"))
    response = upload(client_for(coordinator_zj), xlsx([row(credit_code(10), prov="SC"), row(credit_code(9))]))
    messages = [(e.row, e.message) for e in response.context["errors"]]
    assert messages == [
        (2, "You may not register enterprises in SC."),
        (3, "This credit code is registered to an enterprise you may not change."),
    ]
    assert Enterprise.objects.count() == 1


def test_an_xlsx_whose_parts_claim_encryption_or_an_unknown_compression_is_refused_cleanly(client_for, coordinator_zj):
    """zipfile raises RuntimeError for an encrypted part and NotImplementedError (a RuntimeError)
    for a compression it does not know: one flipped bit in a file's directory does either."""
    client = client_for(coordinator_zj)
    good = xlsx([row(credit_code(11))]).read()
    entries = [i for i in range(len(good)) if good.startswith(b"PK\x01\x02", i)]  # the central directory
    encrypted, unknown = bytearray(good), bytearray(good)
    for i in entries:
        encrypted[i + 8] |= 0x01  # general purpose flag: encrypted
        unknown[i + 10] = 99  # compression method: AES, which zipfile cannot read
    for data in (encrypted, unknown):
        page = upload(client, SimpleUploadedFile("enterprises.xlsx", bytes(data))).content.decode()
        assert "damaged or not a spreadsheet" in page
    assert not Enterprise.objects.exists()


def test_groups_in_the_same_file_are_linked(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    rows = [row(credit_code(12), "Centre", "中心", parent=credit_code(11)), row(credit_code(11), "Group", "集团")]
    confirm(client, upload(client, xlsx(rows)))
    assert Enterprise.objects.get(name_en="Centre").parent.name_en == "Group"


def test_non_spreadsheet_and_huge_files_are_refused_cleanly(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    exe = SimpleUploadedFile("enterprises.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 50)
    page = upload(client, exe).content.decode()
    assert "neither an .xlsx spreadsheet nor a CSV text file" in page
    broken_zip = SimpleUploadedFile("enterprises.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    assert "damaged or not a spreadsheet" in upload(client, broken_zip).content.decode()
    huge = SimpleUploadedFile("enterprises.csv", b"a," * (MAX_BYTES // 2 + 10))
    assert "the limit is 5 MB" in upload(client, huge).content.decode()
    wrong_columns = csv_file([["x", "y"]], headers=["Foo", "Bar"])
    assert "The file lacks these columns" in upload(client, wrong_columns).content.decode()
    assert not Enterprise.objects.exists()


def test_confirm_needs_the_same_users_fresh_token(client_for, coordinator_zj, coordinator_sc):
    response = upload(client_for(coordinator_zj), xlsx([row(credit_code(13))]))
    other = client_for(coordinator_sc).post("/enterprises/import/confirm/", {"token": response.context["token"]})
    assert other.status_code == 302
    assert not Enterprise.objects.exists()


def test_eit_members_import_with_one_secretary(client_for, coordinator_zj):
    enterprise = EnterpriseFactory(credit_code=credit_code(14))
    headers = [c.header() for c in EIT_COLUMNS]
    rows = [
        [enterprise.credit_code, "王静", "班组长", "Worker", "Female", "", "yes", "2026-01-05", ""],
        [enterprise.credit_code, "李强", "总经理", "管理方", "男", "", "yes", "2026-01-05", ""],
    ]
    client = client_for(coordinator_zj)
    response = upload(client, xlsx(rows, headers), kind="eit")
    assert [e.row for e in response.context["errors"]] == [3]
    rows[1][6] = "no"
    confirm(client, upload(client, xlsx(rows, headers), kind="eit"))
    assert sorted(EITMember.objects.values_list("name", "side", "is_secretary")) == [
        ("李强", "management", False),
        ("王静", "worker", True),
    ]


def test_export_then_reimport_changes_nothing(client_for, coordinator_zj):
    group = EnterpriseFactory(name_en='=HYPERLINK("x")', name_zh="集团")
    EnterpriseFactory(parent=group, is_pilot_unit=True, notes="+86 571 1234", contact_email="a@b.cn")
    client = client_for(coordinator_zj)
    before = list(Enterprise.objects.order_by("pk").values())
    exported = client.get("/enterprises/export.xlsx")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    cells = [c.value for c in sheet[2]] + [c.value for c in sheet[3]]
    assert '\'=HYPERLINK("x")' in cells  # a formula is written as text
    response = upload(client, SimpleUploadedFile("back.xlsx", exported.content))
    assert "0 will be added and 2 updated" in response.content.decode()
    confirm(client, response)
    after = list(Enterprise.objects.order_by("pk").values())
    for b, a in zip(before, after, strict=True):
        b.pop("updated_at"), a.pop("updated_at")
        assert a == b


def test_csv_export_opens_in_excel_with_chinese(client_for, coordinator_zj):
    EnterpriseFactory(name_zh="杭州阀门", notes="@sum(1)")
    response = client_for(coordinator_zj).get("/enterprises/export.csv")
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "杭州阀门" in text
    assert "'@sum(1)" in text
    assert text.splitlines()[0].startswith("Credit code / 统一社会信用代码")


def test_template_has_both_languages_headers(client_for, coordinator_zj):
    response = client_for(coordinator_zj).get("/enterprises/import/template-enterprises.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert "Name (Chinese) / 名称（中文）" in HEADERS


def test_unconfirmed_previews_are_removed_after_a_day(client_for, coordinator_zj, settings, tmp_path):
    import os
    import time

    settings.MEDIA_ROOT = tmp_path
    client = client_for(coordinator_zj)
    first = upload(client, xlsx([row(credit_code(20))])).context["token"]
    stale = tmp_path / "imports" / f"{first}.json"
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    second = upload(client, xlsx([row(credit_code(21))])).context["token"]
    assert not stale.exists()
    assert (tmp_path / "imports" / f"{second}.json").exists()


def test_importing_a_new_secretary_hands_over_with_a_history_trace(client_for, coordinator_zj):
    from .factories import EITMemberFactory

    enterprise = EnterpriseFactory(credit_code=credit_code(15))
    old = EITMemberFactory(enterprise=enterprise, name="王静", is_secretary=True)
    headers = [c.header() for c in EIT_COLUMNS]
    rows = [[enterprise.credit_code, "李强", "", "Worker", "Male", "", "yes", "2026-01-05", ""]]
    client = client_for(coordinator_zj)
    response = upload(client, xlsx(rows, headers), kind="eit")
    assert "1 will be added and 0 updated" in response.content.decode()
    confirm(client, response)
    old.refresh_from_db()
    assert old.is_current and not old.is_secretary
    assert list(old.history.order_by("history_id").values_list("is_secretary", flat=True)) == [True, False]
    assert enterprise.eit_members.get(is_secretary=True).name == "李强"


def test_a_file_with_too_many_rows_is_refused_before_any_check(client_for, coordinator_zj):
    from enterprises.spreadsheets import MAX_ROWS

    rows = [row(credit_code(1))] * (MAX_ROWS + 1)
    page = upload(client_for(coordinator_zj), csv_file(rows)).content.decode()
    assert f"The file has more than {MAX_ROWS} rows; split it into smaller files." in page
    assert not Enterprise.objects.exists()


def test_a_hidden_group_exported_blank_is_kept_on_reimport(client_for, coordinator_zj):
    group = EnterpriseFactory(name_en="Chengdu Holding Group", province=province("SC"))
    enterprise = EnterpriseFactory(name_en="Ningbo Valves", parent=group)
    client = client_for(coordinator_zj)
    exported = client.get("/enterprises/export.xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert "Chengdu" not in str([c.value for row in sheet.iter_rows() for c in row])
    response = upload(client, SimpleUploadedFile("back.xlsx", exported.content))
    confirm(client, response)
    enterprise.refresh_from_db()
    assert enterprise.parent == group
