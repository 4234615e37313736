"""Bad input, generated: the main forms, the imports and the list filters never answer 500.

Each test posts arbitrary text (any Unicode, NUL bytes, control characters, very long strings,
numbers out of range, impossible dates, unknown field names) as a user who may use the form,
and checks the house rule: the form comes back with the reason and nothing is written, or
what is saved is exactly what the validation allows.

What "allows" means is worked out here, independently of the app's forms: the length, range,
digit and choice limits of the database columns and form fields, with Django's own parsing of
numbers and dates (``verdict``). A value that breaks one of them must be refused; a saved
row must hold the posted values as normalised. Cross-field rules (dates in order, one secretary)
may refuse more, and are checked on what is saved.

Every example runs inside a savepoint that is rolled back, so the examples of one test share
its fixtures (people, enterprises, visits) but never each other's writes.
"""

import csv
import datetime
import io
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core import validators
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from enterprises.credit_code import normalise, validate_credit_code
from enterprises.models import EITMember, Enterprise
from enterprises.spreadsheets import EIT_COLUMNS, ENTERPRISE_COLUMNS
from tests.enterprises.factories import EITMemberFactory, EnterpriseFactory, credit_code
from tests.enterprises.test_import_export import confirm, upload
from tests.factories import province
from tests.pilots.factories import FIGURES

pytestmark = pytest.mark.django_db


# A deeper search than CI's, when looking for trouble: PROPERTY_EXAMPLES_SCALE=10 pytest tests/security
SCALE = float(os.environ.get("PROPERTY_EXAMPLES_SCALE", "1"))


def examples(n):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        database=None,  # no .hypothesis folder in the project; a failure prints its reproduction
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Generated input -------------------------------------------------------------------------

SPECIAL = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "\t\r\n",
    "N/A",
    "-1",
    "-0",
    "0",
    "1e309",
    "-1e309",
    "1e-7",
    "NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "99999999999999999999999999",
    "2147483647",
    "2147483648",
    "-2147483649",
    "32768",
    "1_000",
    "0x1F",
    "1,5",
    "１２",
    "²",
    "٣",
    "5.0",
    "5.5",
    "12.34567",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "31/12/2025",
    "2025-1-1",
    "2025-01-01T25:61",
    '=HYPERLINK("http://x")',
    "+1+1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n{0}{{ 7|add:1 }}",
    "../../etc/passwd",
    "\u202e\u200b\ufeff",
    "A" * 5000,
    "中" * 1000,
    "😀" * 300,
]

nasty = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(min_size=150, max_size=400),
    st.text(st.characters(max_codepoint=0x1F), max_size=6),
    st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=4),  # ², ٣, Ⅻ: digits?
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(datetime.date.isoformat),
)


def either(first, second):
    """One strategy or the other, half and half (``|`` would flatten ``nasty``'s many branches
    and leave ``first`` one chance in eleven)."""
    return st.booleans().flatmap(lambda pick: first if pick else second)


def mostly(value, other=nasty):
    """``value`` three times in four, else ``other``: the rest of the input gets its chance."""
    return st.integers(0, 3).flatmap(lambda n: st.just(value) if n else other)


# Any field name a browser could send (a multipart header cannot hold quotes or line breaks).
field_names = st.text(st.characters(exclude_categories=("Cs",), exclude_characters='"\r\n\\'), min_size=1, max_size=20)


@st.composite
def corrupted(draw, base, pools=None):
    """The valid ``base`` with up to three fields broken, missing or replaced, and maybe a few
    fields nobody asked for."""
    pools = pools or {}
    data = dict(base)
    for name in draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)):
        if draw(st.integers(0, 5)) == 0:
            data.pop(name)
        else:
            pool = pools.get(name)
            data[name] = draw(either(pool, nasty) if pool is not None else nasty)
    for name, value in draw(st.dictionaries(field_names, nasty, max_size=2)).items():
        data.setdefault(name, value)
    return data


# Rolling back each example, and seeing what it wrote ----------------------------------------


class _Undo(Exception):
    """Raised at the end of an example to roll its writes back."""


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


APPS = ("score_portal", "enterprises", "modules", "consultants", "pilots", "reports")


def row_counts():
    """Rows in every table of the project's apps, in one query."""
    tables = sorted(
        {m._meta.db_table for a in APPS for m in apps.get_app_config(a).get_models(include_auto_created=True)}
    )
    selects = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)  # noqa: S608 - names from the models
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def row_of(obj):
    return type(obj).objects.filter(pk=obj.pk).values().first()


def resolve(data, refs):
    """Put the primary keys of this test's objects in place of their markers (``<ZJ>``): the
    strategies are made before the database exists."""

    def one(value):
        return str(refs.get(value[1:-1], value)) if isinstance(value, str) and value[:1] == "<" else value

    return {k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in data.items()}


def post(client, url, data, *, urlencoded=False, **extra):
    if urlencoded:
        from urllib.parse import urlencode

        body = urlencode(data, doseq=True)
        return client.post(url, body, content_type="application/x-www-form-urlencoded", **extra)
    return client.post(url, data, **extra)


def shows_an_error(response):
    page = response.content.decode()
    return "invalid-feedback" in page or "alert-danger" in page or "text-danger" in page


# What the validation allows ---------------------------------------------------------------


@dataclass
class Verdict:
    bad: str | None  # why the value must be refused, or None
    value: object = None  # what a saved row must hold


def _validator_limits(field, db_field):
    found = list(field.validators) + (list(db_field.validators) if db_field is not None else [])

    def pick(kind, best):
        values = [v.limit_value for v in found if isinstance(v, kind) and not callable(v.limit_value)]
        return best(values) if values else None

    low, high = pick(validators.MinValueValidator, max), pick(validators.MaxValueValidator, min)
    if getattr(field, "min_value", None) is not None:  # also when set after the field was made
        low = field.min_value if low is None else max(low, field.min_value)
    length = pick(validators.MaxLengthValidator, min)
    return low, high, length


def _raw(data, name, multiple=False):
    value = data.get(name)
    if multiple:
        return [] if value is None else ([str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value


def verdict(form, name, data):
    """The rules of one field of ``form`` (built with the same data), applied to what was posted."""
    field = form.fields[name]
    key = form.add_prefix(name)
    db_field = None
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            db_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            db_field = None
    low, high, length = _validator_limits(field, db_field)
    if isinstance(field, forms.ModelMultipleChoiceField):
        raw = _raw(data, key, multiple=True)
        allowed = {str(pk) for pk in field.queryset.values_list("pk", flat=True)}
        if not raw:
            return Verdict("required" if field.required else None, set())
        if any(v not in allowed for v in raw):
            return Verdict("not one of the choices")
        return Verdict(None, {int(v) for v in raw})
    raw = _raw(data, key)
    if isinstance(field, forms.BooleanField):
        value = raw is not None and str(raw) != "" and str(raw).lower() not in ("false", "0")
        return Verdict("required" if field.required and not value else None, value)
    if isinstance(field, forms.ModelChoiceField):
        if raw in (None, ""):
            return Verdict("required" if field.required else None, None)
        try:
            pk = int(str(raw))
        except ValueError:
            return Verdict("not a number")
        allowed = set(field.queryset.values_list("pk", flat=True))
        return Verdict(None if pk in allowed else "not one of the choices", pk)
    if isinstance(field, forms.ChoiceField):
        allowed = {str(k) for k, _label in field.choices if not isinstance(_label, list | tuple)}
        text = "" if raw is None else str(raw)
        if text == "":
            return Verdict("required" if field.required else None, "")
        return Verdict(None if text in allowed - {""} else "not one of the choices", text)
    if isinstance(field, forms.FileField):
        return Verdict(None)
    if isinstance(field, forms.CharField):
        text = "" if raw is None else str(raw)
        if field.strip:
            text = text.strip()
        if "\x00" in text:
            return Verdict("NUL character")
        if length is not None and len(text) > length:
            return Verdict("too long")
        if not text:
            return Verdict("required" if field.required else None, "")
        if isinstance(field, forms.EmailField):
            try:
                validators.validate_email(text)
            except ValidationError:
                return Verdict("not an email address")
        return Verdict(None, text)
    # Numbers and dates: Django's parsing of the text, then the column's limits.
    if raw is None or str(raw).strip() == "":
        return Verdict("required" if field.required else None, None)
    try:
        value = field.to_python(raw)
        if value is None:
            return Verdict("required" if field.required else None, None)
    except (ValidationError, OverflowError, ValueError):
        return Verdict("not parseable")
    if isinstance(field, forms.DecimalField):
        if not value.is_finite():
            return Verdict("not finite")
        digits = db_field or field
        try:
            validators.DecimalValidator(digits.max_digits, digits.decimal_places)(value)
        except ValidationError:
            return Verdict("too many digits")
    if low is not None and value < low:
        return Verdict("below the minimum")
    if high is not None and value > high:
        return Verdict("above the maximum")
    return Verdict(None, value)


def verdicts(form, data, only=None):
    names = [n for n in form.fields if only is None or n in only]
    return {name: verdict(form, name, data) for name in names}


def must_refuse(found):
    return {name: v.bad for name, v in found.items() if v.bad}


def assert_saved_as_allowed(obj, found, skip=()):
    """Every field of the saved row holds the posted value as the validation normalised it."""
    obj.refresh_from_db()
    for name, v in found.items():
        if name in skip:
            continue
        try:
            db_field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if db_field.many_to_many:
            assert set(getattr(obj, name).values_list("pk", flat=True)) == v.value, name
        elif isinstance(db_field, models.ForeignKey):
            assert getattr(obj, db_field.attname) == v.value, name
        elif v.value is None and db_field.has_default() and not db_field.null:
            continue  # an empty optional number keeps the column's default
        else:
            stored = getattr(obj, name)
            expected = "" if v.value is None and isinstance(stored, str) else v.value
            assert stored == expected, (name, stored, expected)


def check_form_post(response, *, found, before, saved=None, skip=()):
    """The common verdict on one post of a form: never a 500; refused with a reason shown and
    nothing written, or saved as the validation allows."""
    assert response.status_code < 500
    refused = must_refuse(found)
    if response.status_code in (301, 302):
        event("saved")
        assert not refused, f"saved although {refused}"
        if saved is not None:
            assert_saved_as_allowed(saved(), found, skip=skip)
        return True
    event("refused")
    assert response.status_code in (200, 400, 409, 422), response.status_code
    assert shows_an_error(response), "refused without saying why"
    assert row_counts() == before, "a refused form wrote something"
    return False


# Enterprises ---------------------------------------------------------------------------


def enterprise_data(code=1, **extra):
    data = {
        "name_en": "Hangzhou Bearings",
        "name_zh": "杭州轴承",
        "credit_code": credit_code(10_000 + code),
        "sector": "C",
        "province": "<ZJ>",
        "city": "Hangzhou",
        "address": "1 West Lake Road",
        "contact_name": "Li Wei",
        "contact_phone": "+86 571 1234",
        "contact_email": "li@example.cn",
        "employees_female": "40",
        "employees_male": "60",
        "status": "active",
        "status_date": "2026-01-05",
        "coordinator": "",
        "parent": "",
        "notes": "",
    }
    data.update(extra)
    return data


def enterprise_pools():
    return {
        "credit_code": st.sampled_from([credit_code(n) for n in range(3)] + [credit_code(7).lower(), "９１３３"]),
        "province": st.sampled_from(["<SC>", "<ZJ>", "0", "-1"]),
        "parent": st.sampled_from(["<GROUP>", "<MEMBER>", "<OUTSIDE>"]),
        "coordinator": st.sampled_from(["<ME>", "<OTHER>"]),
        "sector": st.sampled_from(["C", "Z", "c", ""]),
        "status": st.sampled_from(["active", "prospect", "ACTIVE", "deleted"]),
        "employees_female": st.integers(min_value=-(2**33), max_value=2**33).map(str),
        "contact_email": st.emails().map(str) | st.just("a@" + "b" * 300 + ".cn"),
    }


@pytest.fixture
def registry(coordinator_zj, coordinator_sc):
    """Enterprises in scope (one a group) and one outside, before any example."""
    group = EnterpriseFactory(credit_code=credit_code(1), name_en="Group", coordinator=coordinator_zj)
    member = EnterpriseFactory(credit_code=credit_code(2), parent=group)
    outside = EnterpriseFactory(credit_code=credit_code(3), province=province("SC"))
    EnterpriseFactory.reset_sequence(100)  # factories made later do not take these codes
    refs = {
        "ZJ": province("ZJ").pk,
        "SC": province("SC").pk,
        "GROUP": group.pk,
        "MEMBER": member.pk,
        "OUTSIDE": outside.pk,
        "ME": coordinator_zj.pk,
        "OTHER": coordinator_sc.pk,
    }
    return group, member, refs


def _enterprise_check(client, user, url, data, urlencoded, instance=None):
    from enterprises.forms import EnterpriseForm

    before = row_counts()
    kept = row_of(instance) if instance else None
    response = post(client, url, data, urlencoded=urlencoded)
    form = EnterpriseForm(data, instance=instance, user=user)
    found = verdicts(form, data)
    code = found["credit_code"]
    if not code.bad and code.value:
        try:
            found["credit_code"] = Verdict(None, validate_credit_code(code.value))
        except ValidationError:
            found["credit_code"] = Verdict("credit code check")

    def saved():
        return instance or Enterprise.objects.get(credit_code=found["credit_code"].value)

    ok = check_form_post(response, found=found, before=before, saved=saved, skip={"status_date"})
    if not ok and instance is not None:
        assert row_of(instance) == kept
    return ok


@examples(100)
@given(data=corrupted(enterprise_data(), enterprise_pools()), urlencoded=st.booleans())
def test_the_enterprise_form_refuses_or_saves_what_is_allowed(client_for, coordinator_zj, registry, data, urlencoded):
    client = client_for(coordinator_zj)
    with rolled_back():
        _enterprise_check(client, coordinator_zj, "/enterprises/new/", resolve(data, registry[2]), urlencoded)


@examples(60)
@given(data=corrupted(enterprise_data(5, parent="<GROUP>"), enterprise_pools()), urlencoded=st.booleans())
def test_editing_an_enterprise_refuses_or_saves_what_is_allowed(client_for, coordinator_zj, registry, data, urlencoded):
    _group, member, refs = registry
    client = client_for(coordinator_zj)
    with rolled_back():
        member.refresh_from_db()
        url = f"/enterprises/{member.pk}/edit/"
        _enterprise_check(client, coordinator_zj, url, resolve(data, refs), urlencoded, member)


# Imports -------------------------------------------------------------------------------

FORMULA = ("=", "+", "-", "@", "\t", "\r")
INT_MAX = 2_147_483_647  # a PostgreSQL integer


def import_row(n):
    return {
        "credit_code": credit_code(20_000 + n),
        "name_en": f"Import {n}",
        "name_zh": f"导入{n}",
        "province": "ZJ",
        "city": "Hangzhou",
        "sector": "C",
        "status": "Active",
        "employees_female": "40",
        "employees_male": "80",
    }


# What a spreadsheet cell can hold: text (without the characters .xlsx cannot store), numbers,
# dates and booleans; a CSV cell is text.
xlsx_cells = st.one_of(
    nasty.map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.booleans(),
    st.none(),
)
import_pools = {
    "credit_code": st.sampled_from([credit_code(1), credit_code(3), credit_code(20_000), "91330100MA2ABCDE1X"]),
    "province": st.sampled_from(["SC", "浙江省", "zhejiang", "XX"]),
    "status": st.sampled_from(["active", "实施中", "Prospect", "sleeping"]),
    "employees_female": st.sampled_from(["Infinity", "sNaN", "NaN", "1e999999999", "2147483648", "-3", "4.5"]),
    "contact_email": st.sampled_from(["a@b.cn", "a" * 250 + "@b.cn", "not an email"]),
    "status_date": st.sampled_from(["2025-03-31", "2025-02-30", "20250331", "31/03/2025"]),
    "parent": st.sampled_from([credit_code(1), credit_code(3), credit_code(20_001), "X"]),
}


class ImportFile:
    """An upload and the rows it holds (None for random bytes); ``dropped`` is the field whose
    header was replaced, a column the importer cannot see."""

    def __init__(self, name, content, rows, dropped=""):
        self.name, self.content, self.rows, self.dropped = name, content, rows, dropped

    def __repr__(self):  # a failing example shows its rows, not kilobytes of ZIP
        return f"ImportFile({self.name!r}, {len(self.content)} bytes, rows={self.rows!r}, dropped={self.dropped!r})"


@st.composite
def import_files(draw, columns=ENTERPRISE_COLUMNS, row=import_row, pools=import_pools):
    """A table of 1-4 rows with a few broken cells, as .xlsx
    or .csv, sometimes with broken headers, a broken file, or random bytes."""
    fmt = draw(st.sampled_from(["csv", "xlsx", "csv", "xlsx", "bytes", "damaged-xlsx"]))
    if fmt == "bytes":
        head = draw(st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"MZ"]))
        return ImportFile("random.csv", head + draw(st.binary(max_size=300)), None)
    fields = [c.field for c in columns]
    cells = xlsx_cells if fmt != "csv" else nasty
    rows = []
    for n in range(draw(st.integers(1, 4))):
        values = row(n)
        for field in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
            pool = pools.get(field)
            values[field] = draw(either(pool, cells) if pool is not None else cells)
        rows.append(values)
    headers = [c.header() for c in columns]
    choice, dropped = draw(st.integers(0, 5)), ""
    if choice == 0:  # one header replaced by anything
        index = draw(st.integers(0, len(headers) - 1))
        headers[index], dropped = draw(cells), fields[index]
    elif choice == 1:  # an extra column nobody asked for
        headers.append(draw(cells))
    elif choice == 2:  # headers in one language only
        language = draw(st.integers(0, 1))
        headers = [c.headers()[language] for c in columns]
    matrix = [headers] + [[r.get(f, "") for f in fields] + [""] * (len(headers) - len(fields)) for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(matrix)
        text = out.getvalue()
        encoding = draw(st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]))
        return ImportFile("table.csv", text.encode(encoding, errors="replace"), rows, dropped)
    workbook = Workbook()
    for line in matrix:
        workbook.active.append(line)
    for line in workbook.active.iter_rows():
        for cell in line:
            if cell.data_type == "f":  # text that starts with "=" is text here, not a formula
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    # The rows as the file holds them: a float keeps 15 digits, a carriage return comes back as
    # a line feed. These, not the values drawn, are what the importer must read.
    stored = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = [dict(zip(fields, line, strict=False)) for line in list(stored.active.iter_rows(values_only=True))[1:]]
    stored.close()
    if fmt == "damaged-xlsx":  # a part that does not matter (document properties) may pass
        data = damage_zip(draw, data)
    return ImportFile("table.xlsx", data, rows, dropped)


def damage_zip(draw, data):
    """The same workbook with one of its parts cut short or replaced by garbage."""
    import zipfile

    if draw(st.booleans()):  # bytes of the archive itself overwritten: compressed data, directory
        damaged = bytearray(data)  # its length varies with the time stamps inside: draw positions apart from it
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, 2**16)) % len(damaged)
            chunk = draw(st.binary(min_size=1, max_size=8))
            damaged[at : at + len(chunk)] = chunk
        return bytes(damaged)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = draw(st.sampled_from(names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            content = source.read(name)
            if name == victim:
                if draw(st.booleans()):
                    content = content[: draw(st.integers(0, 2**16)) % max(len(content), 1)]
                else:
                    content = draw(st.binary(max_size=200))
            target.writestr(name, content)
    return out.getvalue()


def cell_text(cell):
    """A cell as the importer must read it: text trimmed, a neutralised formula restored."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    text = str(cell).strip()
    if text.startswith("'") and text[1:2] in FORMULA:
        text = text[1:]
    return text.strip()


def import_row_problems(values, refs):
    """Why an enterprise row must be refused, by the column rules alone (not the database's)."""
    problems = []
    text = {f: cell_text(values.get(f)) for f in [c.field for c in ENTERPRISE_COLUMNS]}
    for field, limit in (("name_en", 200), ("name_zh", 200), ("city", 100)):
        if not text[field] or len(text[field]) > limit:
            problems.append(field)
    for field, limit in (("address", 300), ("contact_name", 100), ("contact_phone", 40), ("contact_email", 254)):
        if len(text[field]) > limit:
            problems.append(field)
    if text["contact_email"]:
        try:
            validators.validate_email(text["contact_email"])
        except ValidationError:
            problems.append("contact_email")
    try:
        validate_credit_code(text["credit_code"])
    except ValidationError:
        problems.append("credit_code")
    for field in ("employees_female", "employees_male"):
        if text[field]:
            try:
                number = Decimal(text[field])
                whole = number.is_finite() and number == number.to_integral_value() and 0 <= number <= INT_MAX
            except ArithmeticError:
                whole = False
            if not whole:
                problems.append(field)
    if text["province"].casefold() not in refs["provinces"]:
        problems.append("province")
    return problems


def upload_import(client, name, content, kind="enterprises"):
    return upload(client, SimpleUploadedFile(name, content), kind)


@examples(150)
@given(file=import_files())
def test_an_import_writes_all_its_rows_as_checked_or_nothing(client_for, coordinator_zj, registry, file):
    rows = file.rows
    client = client_for(coordinator_zj)
    refs = {"provinces": {"zj", "浙江省", "zhejiang"}}
    with rolled_back():
        before = row_counts()
        response = upload_import(client, file.name, file.content)
        assert response.status_code < 500
        assert row_counts() == before, "checking a file wrote something"
        token = response.context.get("token") if response.context else None
        if token is None:
            event("refused")
            assert shows_an_error(response), "refused without saying why"
            return
        event("previewed")
        assert rows is not None, "random bytes passed the check"
        rows = [{**r, file.dropped: None} if file.dropped else r for r in rows]
        problems = {r["credit_code"]: import_row_problems(r, refs) for r in rows}
        assert not any(problems.values()), f"rows with problems passed the check: {problems}"
        confirmed = confirm(client, response)
        assert confirmed.status_code < 500
        if confirmed.status_code != 302:
            assert shows_an_error(confirmed)
            assert row_counts() == before, "a refused import wrote something"
            return
        event("imported")
        for values in rows:
            enterprise = Enterprise.objects.get(credit_code=validate_credit_code(cell_text(values["credit_code"])))
            for field in ("name_en", "name_zh", "city", "address", "contact_name", "contact_phone", "notes"):
                assert getattr(enterprise, field) == cell_text(values.get(field)), field
            for field in ("employees_female", "employees_male"):
                text = cell_text(values.get(field))
                assert getattr(enterprise, field) == (int(Decimal(text)) if text else 0), field


def eit_row(n):
    return {
        "enterprise": credit_code(2),
        "name": f"Member {n}",
        "side": "worker",
        "sex": "female",
        "is_secretary": "no",
        "joined_on": "2025-01-05",
    }


eit_pools = {
    "enterprise": st.sampled_from([credit_code(1), credit_code(3), credit_code(99)]),
    "is_secretary": st.sampled_from(["yes", "是", "✓", "maybe"]),
    "left_on": st.sampled_from(["2024-01-01", "2026-01-01", "2025-02-29"]),
    "side": st.sampled_from(["管理方", "Management", "boss"]),
}


@examples(60)
@given(file=import_files(EIT_COLUMNS, eit_row, eit_pools))
def test_an_eit_import_writes_all_its_rows_or_nothing(client_for, coordinator_zj, registry, file):
    rows = file.rows
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = upload_import(client, file.name, file.content, kind="eit")
        assert response.status_code < 500
        assert row_counts() == before
        token = response.context.get("token") if response.context else None
        if token is None:
            assert shows_an_error(response)
            return
        assert rows is not None
        confirmed = confirm(client, response)
        assert confirmed.status_code < 500
        if confirmed.status_code != 302:
            assert shows_an_error(confirmed)
            assert row_counts() == before
            return
        for values in rows:
            member = EITMember.objects.get(name=cell_text(values["name"]))
            assert member.enterprise.credit_code == normalise(cell_text(values["enterprise"]))
            assert member.left_on is None or member.left_on >= member.joined_on
        assert EITMember.objects.current().filter(is_secretary=True).values("enterprise").distinct().count() == (
            EITMember.objects.current().filter(is_secretary=True).count()
        )


# EIT members ---------------------------------------------------------------------------

EIT_MEMBER = {
    "name": "王静",
    "position": "班组长",
    "side": "worker",
    "sex": "female",
    "phone": "138 0000 0000",
    "joined_on": "2025-03-01",
    "left_on": "",
}
eit_member_pools = {
    "is_secretary": st.sampled_from(["on", "true", "false", "0"]),
    "hand_over": st.sampled_from(["on", "false"]),
    "left_on": st.sampled_from(["2025-02-28", "2025-03-01", "2030-01-01"]),
    "side": st.sampled_from(["management", "Worker", ""]),
}


@pytest.fixture
def team(registry):
    _group, member, _refs = registry
    secretary = EITMemberFactory(enterprise=member, name="李强", is_secretary=True)
    other = EITMemberFactory(enterprise=member, name="张伟", side="management", sex="male")
    return member, secretary, other


@examples(80)
@given(
    data=corrupted(EIT_MEMBER, eit_member_pools),
    which=st.sampled_from(["new", "secretary", "other"]),
    urlencoded=st.booleans(),
)
def test_the_eit_member_form_refuses_or_saves_what_is_allowed(
    client_for, coordinator_zj, team, data, which, urlencoded
):
    from enterprises.forms import EITMemberForm

    enterprise, secretary, other = team
    instance = {"new": None, "secretary": secretary, "other": other}[which]
    url = f"/enterprises/{enterprise.pk}/eit/" + ("new/" if instance is None else f"{instance.pk}/")
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = post(client, url, data, urlencoded=urlencoded)
        form = EITMemberForm(data, instance=instance, enterprise=enterprise)
        found = verdicts(form, data)

        def saved():
            return instance or EITMember.objects.filter(enterprise=enterprise).latest("pk")

        if check_form_post(response, found=found, before=before, saved=saved):
            members = EITMember.objects.filter(enterprise=enterprise)
            assert all(m.left_on is None or m.left_on >= m.joined_on for m in members)
            assert members.current().filter(is_secretary=True).count() <= 1
            assert not members.filter(is_secretary=True, left_on__isnull=False).exclude(pk=secretary.pk).exists()


# Enrolment, classroom sessions and attendance, good practices ------------------------------

ENROLMENT = {"module": "<WC>", "planned_on": "2026-01-05", "baseline_on": "", "fee": "1200.50", "visits_planned": ""}
enrolment_pools = {
    "module": st.sampled_from(["<WC>", "<QM>", "<INACTIVE>"]),
    "fee": st.sampled_from(["-0.01", "9999999999.99", "10000000000", "0.001", "1e3"]),
    "visits_planned": st.sampled_from(["0", "6", "32767", "32768", "-1"]),
    "fee_paid": st.just("on"),
}


@pytest.fixture
def catalogue():
    from modules.models import Indicator, Module

    modules = {m.code: m.pk for m in Module.objects.all()}
    indicators = list(Indicator.objects.filter(is_active=True, module__code="WC").values_list("pk", "code"))
    return modules, indicators


@examples(60)
@given(data=corrupted(ENROLMENT, enrolment_pools), urlencoded=st.booleans())
def test_the_enrolment_form_refuses_or_saves_what_is_allowed(
    client_for, coordinator_zj, registry, catalogue, data, urlencoded
):
    from modules.forms import EnrolmentForm
    from modules.models import Enrolment

    _group, enterprise, refs = registry
    data = resolve(data, {**catalogue[0], "INACTIVE": 0})
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = post(client, f"/enterprises/{enterprise.pk}/enrol/", data, urlencoded=urlencoded)
        found = verdicts(EnrolmentForm(data, enterprise=enterprise), data)
        if check_form_post(response, found=found, before=before, saved=lambda: Enrolment.objects.latest("pk")):
            enrolment = Enrolment.objects.latest("pk")
            assert enrolment.enterprise == enterprise and enrolment.fee >= 0


SESSION = {
    "module": "<WC>",
    "province": "<ZJ>",
    "venue": "杭州培训中心",
    "starts_on": "2026-03-10",
    "ends_on": "2026-03-11",
    "capacity": "20",
    "trainers": ["<TRAINER>"],
    "notes": "",
}
session_pools = {
    "province": st.sampled_from(["<SC>", "<ZJ>"]),
    "ends_on": st.sampled_from(["2026-03-09", "2026-03-23", "2026-03-24", "9999-12-31"]),
    "starts_on": st.sampled_from(["0001-01-01", "2026-03-11"]),
    "capacity": st.sampled_from(["0", "32767", "32768", "-5", "1.5"]),
    "trainers": st.lists(st.sampled_from(["<TRAINER>", "<ME>", "0", "x"]), max_size=3),
}


@pytest.fixture
def classroom(registry, consultant1, team):
    from tests.modules.factories import ParticipantFactory, SessionFactory

    enterprise = team[0]
    start = timezone.localdate() - datetime.timedelta(days=10)  # over, so every day can be ticked
    session = SessionFactory(starts_on=start, ends_on=start + datetime.timedelta(days=2))
    session.trainers.add(consultant1)
    participants = [ParticipantFactory(session=session, enterprise=enterprise) for _ in range(2)]
    return session, participants


@examples(60)
@given(data=corrupted(SESSION, session_pools), edit=st.booleans(), urlencoded=st.booleans())
def test_the_session_form_refuses_or_saves_what_is_allowed(
    client_for, coordinator_zj, registry, catalogue, classroom, consultant1, data, edit, urlencoded
):
    from modules.forms import SessionForm
    from modules.models import ClassroomSession

    session = classroom[0] if edit else None
    data = resolve(data, {**registry[2], **catalogue[0], "TRAINER": consultant1.pk})
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = post(
            client, f"/training/{session.pk}/edit/" if edit else "/training/new/", data, urlencoded=urlencoded
        )
        found = verdicts(SessionForm(data, instance=session, user=coordinator_zj), data)
        if check_form_post(
            response, found=found, before=before, saved=lambda: session or ClassroomSession.objects.latest("pk")
        ):
            saved = session or ClassroomSession.objects.latest("pk")
            saved.refresh_from_db()
            assert saved.starts_on <= saved.ends_on <= saved.starts_on + datetime.timedelta(days=13)


PARTICIPANT = {
    "enterprise": "<MEMBER>",
    "eit_member": "",
    "name": "赵敏",
    "side": "worker",
    "sex": "female",
    "position": "",
}
participant_pools = {
    "enterprise": st.sampled_from(["<MEMBER>", "<OUTSIDE>", "<GROUP>"]),
    "eit_member": st.sampled_from(["<SECRETARY>", "<OTHER_MEMBER>", "0"]),
}


@examples(50)
@given(data=corrupted(PARTICIPANT, participant_pools), urlencoded=st.booleans())
def test_adding_a_participant_refuses_or_saves_what_is_allowed(
    client_for, coordinator_zj, registry, team, classroom, data, urlencoded
):
    from modules.forms import ParticipantForm
    from modules.models import Participant

    session = classroom[0]
    refs = {**registry[2], "SECRETARY": team[1].pk, "OTHER_MEMBER": team[2].pk}
    data = resolve(data, refs)
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = post(client, f"/training/{session.pk}/", data, urlencoded=urlencoded)
        found = verdicts(ParticipantForm(data, session=session, user=coordinator_zj), data)
        skip = {"name", "side", "sex", "position"} if found["eit_member"].value else set()
        if check_form_post(
            response, found=found, before=before, saved=lambda: Participant.objects.latest("pk"), skip=skip
        ):
            added = Participant.objects.latest("pk")
            assert added.session == session and added.name and added.side and added.sex


@examples(40)
@given(
    ticks=st.lists(either(st.sampled_from(["<P0>:<D0>", "<P1>:<D2>", "<P0>:<D3>", "<P1>:<D0> "]), nasty), max_size=6)
)
def test_attendance_keeps_exactly_the_ticks_that_name_a_participant_and_a_day(
    client_for, coordinator_zj, classroom, ticks
):
    from modules.models import Attendance

    session, participants = classroom
    refs = {f"<P{i}>": str(p.pk) for i, p in enumerate(participants)}
    refs |= {f"<D{i}>": (session.starts_on + datetime.timedelta(days=i)).isoformat() for i in range(4)}
    for marker, value in refs.items():
        ticks = [t.replace(marker, value) for t in ticks]
    client = client_for(coordinator_zj)
    with rolled_back():
        response = client.post(f"/training/{session.pk}/", {"attendance": "1", "present": ticks})
        assert response.status_code == 302
        expected = {(p.pk, day) for p in participants for day in session.days if f"{p.pk}:{day}" in ticks}
        kept = set(
            Attendance.objects.filter(participant__session=session, present=True).values_list("participant", "day")
        )
        assert kept == expected


@examples(50)
@given(
    assessed_on=mostly("2026-02-01"),
    in_place=st.lists(either(st.sampled_from(["<P1>", "<P2>", " <P1>", "²", "①", "٣", "9" * 30]), nasty), max_size=5),
    is_baseline=st.sampled_from(["", "on", "0"]),
)
def test_good_practices_record_exactly_the_ticked_ones(
    client_for, coordinator_zj, registry, assessed_on, in_place, is_baseline
):
    from modules.models import Practice, PracticeAssessment

    enterprise = registry[1]
    practices = list(Practice.objects.order_by("pk"))
    refs = {"P1": practices[0].pk, "P2": practices[1].pk}
    in_place = [resolve({"v": v}, refs)["v"] for v in in_place]
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = client.post(
            f"/enterprises/{enterprise.pk}/practices/",
            {"assessed_on": assessed_on, "in_place": in_place, "is_baseline": is_baseline},
        )
        assert response.status_code == 302
        try:
            on = forms.DateField().clean(assessed_on)
        except ValidationError:
            assert row_counts() == before
            return
        rows = PracticeAssessment.objects.filter(enterprise=enterprise, assessed_on=on)
        ticked = {p.pk for p in practices if str(p.pk) in in_place}
        assert {r.practice_id for r in rows if r.in_place} >= ticked
        assert rows.count() == len(practices)


# KPI readings ----------------------------------------------------------------------------

MEASUREMENT = {"indicator": "<KPI>", "period": "2026-01", "value": "12.5", "source": "baseline"}
TARGET = {"target": "1", "indicator": "<KPI>", "value": "3.25", "target_date": "2026-12-31"}
number_pool = st.sampled_from(["999999999999.9999", "1000000000000", "0.00001", "-12.5", "1e3", "NaN", "-Infinity"])
kpi_pools = {
    "value": either(number_pool, st.decimals(allow_nan=False, allow_infinity=False).map(str)),
    "period": st.sampled_from(["2026-1", "2099-01", "0001-01", "2026-02-30", "2026-13"]),
    "source": st.sampled_from(["visit", "pilot_report", "import", "baseline"]),
    "indicator": st.sampled_from(["<KPI>", "<OTHER_KPI>", "0"]),
}


@examples(70)
@given(data=st.one_of(corrupted(MEASUREMENT, kpi_pools), corrupted(TARGET, kpi_pools)), urlencoded=st.booleans())
def test_kpi_values_and_targets_refuse_or_save_what_is_allowed(
    client_for, coordinator_zj, registry, catalogue, data, urlencoded
):
    from modules.forms import MeasurementForm, TargetForm
    from modules.models import Measurement, Target

    enterprise = registry[1]
    indicators = catalogue[1]
    data = resolve(data, {"KPI": indicators[0][0], "OTHER_KPI": indicators[-1][0]})
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        response = post(client, f"/enterprises/{enterprise.pk}/kpis/new/", data, urlencoded=urlencoded)
        if "target" in data:
            found = verdicts(TargetForm(data), data)
            assert check_form_post(response, found=found, before=before) == (row_counts() != before)
            if response.status_code == 302:
                target = Target.objects.latest("pk")
                assert (target.indicator_id, target.value) == (found["indicator"].value, found["value"].value)
            return
        found = verdicts(MeasurementForm(data, enterprise=enterprise), data)
        if check_form_post(response, found=found, before=before, saved=lambda: Measurement.objects.latest("pk")):
            measurement = Measurement.objects.latest("pk")
            assert measurement.period.day == 1 and measurement.period <= timezone.localdate()


# Visits: the record, its autosave, improvement actions ---------------------------------------

VISIT_RECORD = {
    "held_on": "2026-02-03",
    "duration_hours": "3",
    "supervisor": "",
    "attendees": ["<SECRETARY>"],
    "activities": "Walked the line with the EIT",
    "findings": "Oil on the floor near press 3",
}
visit_pools = {
    "held_on": st.sampled_from(["2099-01-01", "0001-01-01", "2026-02-29"]),
    "duration_hours": st.sampled_from(["0", "-1", "12", "12.1", "999.9", "1000", "0.05", "2.25"]),
    "attendees": st.lists(st.sampled_from(["<SECRETARY>", "<OTHER_MEMBER>", "<LEFT>", "<STRANGER>", "x"]), max_size=3),
    "supervisor": st.sampled_from(["<CONSULTANT>", "0"]),
}
version_pool = mostly("<VERSION>", either(st.sampled_from(["0", "", "abc", "1.0", "٣", "9" * 5000]), nasty))
reading_pool = mostly("", either(st.sampled_from(["12.5", "-3"]) | number_pool, nasty))


@pytest.fixture
def visit(consultant1, team, catalogue):
    from tests.consultants.factories import assigned_visit
    from tests.modules.factories import EnrolmentFactory

    enterprise, _secretary, _other = team
    return assigned_visit(consultant1, EnrolmentFactory(enterprise=enterprise))


@pytest.fixture
def visit_refs(visit, team):
    enterprise, secretary, other = team
    left = EITMemberFactory(enterprise=enterprise, name="Left", left_on=datetime.date(2025, 6, 1))
    stranger = EITMemberFactory(name="Stranger")
    return {
        "SECRETARY": secretary.pk,
        "OTHER_MEMBER": other.pk,
        "LEFT": left.pk,
        "STRANGER": stranger.pk,
        "CONSULTANT": visit.consultant_id,
    }


def check_readings(visit, form_found):
    from consultants.models import VisitReading

    readings = dict(VisitReading.objects.filter(visit=visit).values_list("indicator__code", "value"))
    for name, v in form_found.items():
        if name.startswith("kpi_"):
            assert readings.get(name[4:]) == v.value, name


@examples(90)
@given(
    data=corrupted(VISIT_RECORD, visit_pools),
    version=version_pool,
    action=mostly("save", either(st.sampled_from(["submit", "approve", "delete", ""]), nasty)),
    readings=st.data(),
    autosave=st.booleans(),
)
def test_the_visit_record_and_its_autosave_refuse_or_save_what_is_allowed(
    client_for, consultant1, team, catalogue, visit, visit_refs, data, version, action, readings, autosave
):
    from consultants.forms import VisitRecordForm
    from consultants.models import Visit

    refs = visit_refs
    codes = [code for _pk, code in catalogue[1]]
    data |= readings.draw(st.fixed_dictionaries({f"kpi_{code}": reading_pool for code in codes}), label="readings")
    client = client_for(consultant1)
    with rolled_back():
        visit.refresh_from_db()
        data = resolve({**data, "version": version, "action": action}, {**refs, "VERSION": visit.version})
        if autosave:
            data.pop("action")
        before, kept = row_counts(), row_of(visit)
        url = f"/visits/{visit.pk}/autosave/" if autosave else f"/visits/{visit.pk}/"
        response = client.post(url, data)
        assert response.status_code < 500
        found = verdicts(VisitRecordForm(data, instance=Visit.objects.get(pk=visit.pk)), data)
        refused = must_refuse(found)
        stale = data["version"] != str(kept["version"])
        if autosave:
            state = re.search(r'data-state="(\w+)"', response.content.decode())[1]
            event(f"autosave {state}")
            if state != "saved":
                assert row_counts() == before and row_of(visit) == kept
                return
            assert not refused and not stale, refused or "saved over a newer version"
        else:
            if action not in ("save", "submit", "approve", "return", "reopen", "cancel"):
                assert response.status_code == 403
                assert row_of(visit) == kept
                return
            if action not in ("save", "submit"):
                assert response.status_code in (302, 403)
                return
            steps = 2 if action == "submit" else 1
            if response.status_code != 302:
                event("refused")
                assert shows_an_error(response)
                if row_of(visit) == kept:
                    return
                # A submit refused after its draft was saved (no findings yet): the draft stays saved.
                steps = 1
                assert action == "submit" and row_of(visit)["status"] == "draft"
            event("saved")
            assert not refused and not stale, refused or "saved over a newer version"
        assert_saved_as_allowed(visit, found)
        check_readings(visit, found)
        visit.refresh_from_db()
        assert visit.version == kept["version"] + (1 if autosave else steps)
        assert visit.held_on is None or visit.held_on <= timezone.localdate()
        assert 0 < visit.duration_hours <= 12


ACTION = {
    "description": "Mark the walkways",
    "owner": "<SECRETARY>",
    "due_on": "2026-04-30",
    "status": "open",
    "result": "",
}
action_pools = {
    "owner": st.sampled_from(["<LEFT>", "<STRANGER>", "<OTHER_MEMBER>", "0"]),
    "status": st.sampled_from(["done", "dropped", "in_progress", "closed"]),
    "due_on": st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30"]),
}


@pytest.fixture
def actions(visit, team):
    """An action agreed on the visit and one agreed on an earlier visit, to follow up."""
    from consultants.models import ImprovementAction
    from tests.consultants.factories import VisitFactory

    earlier_visit = VisitFactory(enrolment=visit.enrolment, consultant=visit.consultant)
    own = ImprovementAction.objects.create(
        enterprise=team[0], visit=visit, description="Own", due_on=datetime.date(2026, 3, 1)
    )
    earlier = ImprovementAction.objects.create(
        enterprise=team[0], visit=earlier_visit, description="Earlier", due_on=datetime.date(2026, 1, 1)
    )
    return own, earlier


@examples(80)
@given(
    data=corrupted(ACTION, action_pools),
    where=st.sampled_from(["add", "own", "earlier", "board"]),
    htmx=st.booleans(),
    next_url=mostly(
        "", either(st.sampled_from(["/actions/?status=all", "https://evil.example/", "//evil", "/\x00"]), nasty)
    ),
)
def test_improvement_actions_refuse_or_save_what_is_allowed(
    client_for, consultant1, team, visit, visit_refs, actions, data, where, htmx, next_url
):
    from consultants.forms import ActionForm, ActionUpdateForm
    from consultants.models import ImprovementAction

    enterprise = team[0]
    own, earlier = actions
    data = resolve(data, visit_refs)
    client = client_for(consultant1)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with rolled_back():
        before = row_counts()
        if where == "add":
            prefix, instance, url = "new", None, f"/visits/{visit.pk}/actions/"
            form = ActionForm(prefixed(data, prefix), enterprise=enterprise, prefix=prefix)
        elif where == "own":
            prefix, instance, url = f"a{own.pk}", own, f"/visits/{visit.pk}/actions/{own.pk}/"
            form = ActionForm(prefixed(data, prefix), instance=own, enterprise=enterprise, prefix=prefix)
        elif where == "earlier":
            prefix, instance, url = f"a{earlier.pk}", earlier, f"/visits/{visit.pk}/actions/{earlier.pk}/"
            form = ActionUpdateForm(prefixed(data, prefix), instance=earlier, prefix=prefix)
        else:
            prefix, instance, url = "", earlier, f"/actions/{earlier.pk}/"
            form = ActionUpdateForm(data, instance=earlier)
            data = {**data, "next": next_url}
        kept = row_of(instance) if instance else None
        response = client.post(url, prefixed(data, prefix), **headers)
        assert response.status_code < 500
        found = verdicts(form, form.data)
        refused = must_refuse(found)
        page = response.content.decode()
        if where == "board":
            assert response.status_code == 302
            target = response["Location"]
            assert target.startswith("/") and not target.startswith("//")
            if refused:
                assert row_of(earlier) == kept
                return
        elif "Please correct the errors below" in page or response.status_code == 422:
            event("refused")
            assert row_counts() == before
            return
        assert not refused, refused
        event("saved")
        saved = instance or ImprovementAction.objects.latest("pk")
        assert_saved_as_allowed(saved, found)
        saved.refresh_from_db()
        assert saved.enterprise == enterprise
        assert saved.owner is None or saved.owner.enterprise == enterprise
        if instance is None:  # a new action: closed on a day exactly when it is done or dropped
            assert (saved.closed_on is not None) == (saved.status in ("done", "dropped"))


def prefixed(data, prefix):
    if not prefix:
        return data
    return {f"{prefix}-{name}": value for name, value in data.items()}


# Pilot-unit reports --------------------------------------------------------------------

count_pool = st.sampled_from(["0", "13", "2147483647", "2147483648", "-1", "1.5", "1e2"])
pilot_pools = {
    "suggestions_implemented": count_pool,
    "hazards_fixed": count_pool,
    "eit_meetings": count_pool,
    "training_hours": st.sampled_from(["99999999.9", "100000000", "0.5", "0.25", "-0.5"]),
    "savings_cny": st.sampled_from(["999999999999.99", "1000000000000", "0.001", "-1"]),
}


@pytest.fixture
def pilot(registry):
    from pilots.models import ReportingRule
    from tests.pilots.factories import Q1, PilotReportFactory, pilot_unit

    unit = pilot_unit("ZJ", name_en="Shaoxing Management Centre")
    second = ReportingRule.load().periods()[1].start  # a report already drafted for the next period
    drafted = PilotReportFactory(unit=unit, period_start=second, status="draft", version=3)
    return unit, Q1, drafted


@examples(80)
@given(
    data=corrupted(FIGURES, pilot_pools),
    which=st.sampled_from(["new", "drafted"]),
    version=mostly("<VERSION>", either(st.sampled_from(["0", "", "x", "2"]), nasty)),
    action=mostly("save", either(st.sampled_from(["submit", "approve", "return"]), nasty)),
)
def test_the_pilot_report_form_refuses_or_saves_what_is_allowed(
    client_for, coordinator_zj, pilot, data, which, version, action
):
    from pilots.forms import PilotReportForm
    from pilots.models import PilotReport

    unit, first, drafted = pilot
    report = drafted if which == "drafted" else None
    start = drafted.period_start if report else first
    client = client_for(coordinator_zj)
    with rolled_back():
        before = row_counts()
        kept = row_of(report) if report else None
        data = {**data, "version": version, "action": action}
        data = resolve(data, {"VERSION": kept["version"] if report else 0})
        response = client.post(f"/pilot-reports/{unit.pk}/{start.isoformat()}/", data)
        assert response.status_code < 500
        if action not in ("save", "submit"):
            assert response.status_code == 403 and row_counts() == before
            return
        found = verdicts(PilotReportForm(data, instance=report), data)
        saved = PilotReport.objects.filter(unit=unit, period_start=start).first()
        if response.status_code != 302:
            event("refused")
            assert shows_an_error(response)
            if saved is None or (kept is not None and row_of(saved) == kept):
                return
            # A submit refused after the draft was saved: the page says so, and the draft holds
            # what the validation allowed.
            assert action == "submit" and "saved as a draft" in response.content.decode()
        event("saved")
        assert not must_refuse(found), must_refuse(found)
        assert_saved_as_allowed(saved, found)
        assert saved.suggestions_implemented <= saved.suggestions_received
        assert saved.hazards_fixed <= saved.hazards_found


# User invitations ------------------------------------------------------------------------

INVITE = {
    "name": "Wu Fang",
    "email": "wu.fang@example.org",
    "role": "coordinator",
    "preferred_language": "zh-hans",
    "phone": "",
    "scope-provinces": ["<ZJ>"],
}
invite_pools = {
    "email": st.sampled_from(
        ["ADMIN@example.org", " wu@example.org ", "x@" + "y" * 250 + ".org", "İ" * 250 + "@example.org", "a@b"]
    )
    | st.emails().map(str),
    "role": st.sampled_from(["administrator", "consultant", "superuser"]),
    "scope-provinces": st.lists(st.sampled_from(["<ZJ>", "<SC>", "0", "x"]), max_size=3),
    "preferred_language": st.sampled_from(["en", "fr", ""]),
}


@examples(60)
@given(data=corrupted(INVITE, invite_pools), urlencoded=st.booleans())
def test_the_invite_form_refuses_or_saves_what_is_allowed(client_for, admin, registry, data, urlencoded):
    from enterprises.forms import CoordinatorProvincesForm
    from score_portal.forms import InviteForm
    from score_portal.models import User

    data = resolve(data, registry[2])
    client = client_for(admin)
    with rolled_back():
        found = verdicts(InviteForm(data), data)
        email = found["email"]
        if not email.bad:
            found["email"] = Verdict(None, email.value.lower())
            if User.objects.filter(email__iexact=email.value).exists() or len(email.value.lower()) > 254:
                found["email"] = Verdict("taken or too long")
        before = row_counts()
        response = post(client, "/users/invite/", data, urlencoded=urlencoded)
        scope = CoordinatorProvincesForm(data, prefix="scope")
        provinces = verdict(scope, "provinces", data)
        if check_form_post(response, found=found, before=before, saved=lambda: User.objects.latest("pk")):
            assert not provinces.bad
            user = User.objects.latest("pk")
            chosen = set(user.provinces.values_list("pk", flat=True))
            assert chosen == (provinces.value if user.role == "coordinator" else set())
            assert user.role != "coordinator" or chosen
            assert not user.has_usable_password()


# Filters and query strings --------------------------------------------------------------

ENTERPRISE_FILTERS = ["q", "province", "city", "status", "sector", "pilot", "group", "archived", "sort", "page"]
MATRIX_FILTERS = ["q", "province", "group", "pilot", "module", "status", "page"]
STAFF, EVERYONE = ("admin", "coordinator"), ("admin", "coordinator", "consultant")
ROUTES = [  # (address, the names its filters read, who may open it)
    ("/", ["next"], EVERYONE),
    ("/enterprises/", ENTERPRISE_FILTERS, EVERYONE),
    ("/enterprises/export.csv", ENTERPRISE_FILTERS, STAFF),
    ("/enterprises/export.xlsx", ENTERPRISE_FILTERS, STAFF),
    ("/enterprises/<MEMBER>/", ["tab"], STAFF),
    ("/progress/", MATRIX_FILTERS, STAFF),
    ("/progress/export.xlsx", MATRIX_FILTERS, STAFF),
    ("/training/", ["when", "page"], EVERYONE),
    ("/consultants/", ["q", "province", "module", "page"], STAFF),
    ("/visits/", ["when", "page"], EVERYONE),
    ("/visits/calendar/", ["month"], EVERYONE),
    ("/actions/", ["q", "status", "consultant", "province", "enterprise", "page"], EVERYONE),
    ("/pilot-reports/", ["province", "status", "late", "page"], STAFF),
    ("/dashboard/", ["province", "module", "period", "export"], EVERYONE),
    ("/dashboard/completeness/", ["province", "export"], EVERYONE),
    ("/reports/", ["who", "page"], EVERYONE),
    ("/users/", ["q", "role", "page"], ("admin",)),
    ("/users/invite/", ["next"], ("admin",)),
    ("/audit/", ["q", "action", "date_from", "date_to", "page"], ("admin",)),
]
# What trips a filter most often: NUL (PostgreSQL refuses it), digits int() refuses, numbers
# beyond any key, impossible months and dates.
HOT = [
    "\x00",
    "a\x00b",
    "²",
    "①",
    "٣",
    "99999999999999999999",
    "-1",
    "0",
    "0000-01",
    "2026-13",
    "9999-12",
    "2026-02-30",
]
filter_values = either(
    st.sampled_from(HOT),
    either(st.sampled_from(["<ZJ>", "<SC>", "<GROUP>", "<OUTSIDE>", "WC", "2026", "all", "past", "1"]), nasty),
)


@pytest.mark.parametrize(
    ("who", "route", "names"),
    [pytest.param(who, route, names, id=f"{who}{route}") for route, names, roles in ROUTES for who in roles],
)
@examples(12)
@given(query=st.data(), htmx=st.booleans())
def test_list_pages_and_dashboards_answer_any_query_string(
    client_for, admin, coordinator_zj, consultant1, registry, visit, who, route, names, query, htmx
):
    user = {"admin": admin, "coordinator": coordinator_zj, "consultant": consultant1}[who]
    keys = either(st.sampled_from(names), field_names) if names else field_names
    params = query.draw(st.dictionaries(keys, st.lists(filter_values, min_size=1, max_size=2), max_size=4))
    params = {name: [resolve({"v": v}, registry[2])["v"] for v in values] for name, values in params.items()}
    url = route.replace("<MEMBER>", str(registry[1].pk))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with rolled_back():
        response = client_for(user).get(url, params, **headers)
        assert response.status_code in (200, 302, 403, 404), response.status_code


# Uploads ------------------------------------------------------------------------------


def _image(fmt, **save):
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (48, 32), (200, 80, 40))
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: turned, so the upload is rotated on the way in
        save["exif"] = exif
    image.save(out, format=fmt, **save)
    return out.getvalue()


REAL_FILES = {
    "jpeg": _image("JPEG"),
    "png": _image("PNG"),
    "png-palette": _image("PNG", bits=4),
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}
SIGNATURES = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-", b"GIF89a", b"PK\x03\x04", b"MZ", b""]


@st.composite
def uploads(draw):
    """(name, bytes): random bytes behind a real signature or none, or a real photo or PDF cut
    short, overwritten in places, or left alone."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        data = draw(st.sampled_from(SIGNATURES)) + draw(st.binary(max_size=400))
        if draw(st.booleans()):
            data += b"%%EOF"
    else:
        data = bytearray(REAL_FILES[draw(st.sampled_from(sorted(REAL_FILES)))])
        if kind == 2:
            for _ in range(draw(st.integers(1, 4))):
                at = draw(st.integers(0, len(data) - 1))
                chunk = draw(st.binary(min_size=1, max_size=16))
                data[at : at + len(chunk)] = chunk
            if draw(st.booleans()):
                data = data[: draw(st.integers(0, len(data)))]
        data = bytes(data)
    name = draw(st.sampled_from(["photo.jpg", "photo.png", "report.pdf", "photo.JPG", "tool.exe", "noname"]))
    return name, data


def decodes(data):
    """A photo PIL reads through to the last pixel, as a viewer would."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.format in ("JPEG", "PNG")
    except Exception:  # noqa: BLE001 - any failure to decode means "not a photo"
        return False


def is_pdf(data):
    """The portal's test for a PDF: its header, and the end-of-file marker near its end."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


@examples(120)
@given(upload=uploads(), caption=mostly("Press 3", nasty), where=st.sampled_from(["visit", "pilot"]))
def test_an_upload_is_kept_only_when_it_is_a_real_photo_or_pdf(
    client_for, consultant1, coordinator_zj, visit, pilot, settings, upload, caption, where
):
    from PIL import Image

    from consultants.models import Attachment
    from pilots.models import ReportAttachment

    name, data = upload
    if where == "visit":
        client, url, model = client_for(consultant1), f"/visits/{visit.pk}/attachments/", Attachment
    else:
        unit, _first, drafted = pilot
        client, model = client_for(coordinator_zj), ReportAttachment
        url = f"/pilot-reports/{unit.pk}/{drafted.period_start.isoformat()}/attachments/"
    media = settings.MEDIA_ROOT
    with rolled_back():
        files_before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
        response = client.post(url, {"file": SimpleUploadedFile(name, data), "caption": caption}, follow=True)
        assert response.status_code == 200
        stored = model.objects.order_by("-pk").first()
        wanted = is_pdf(data) or (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) and decodes(data))
        caption_ok = "\x00" not in caption and len(caption.strip()) <= 200
        if stored is None:
            event("refused")
            assert not (wanted and caption_ok), "a real photo or PDF was refused"
            assert "alert-danger" in response.content.decode()
            files_after = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
            assert files_after == files_before, "a refused upload left a file behind"
            return
        event(f"kept {stored.kind}")
        assert wanted and caption_ok, "kept something that is not a real photo or PDF"
        content = stored.file.open("rb").read()
        if stored.kind == "pdf":
            assert content == data
        else:
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                assert image.format in ("JPEG", "PNG") and max(image.size) <= 1600


# The cases these properties found, pinned -------------------------------------------------
# Generated input finds them only now and then; these run every time.


def csv_upload(client, **cells):
    from tests.enterprises.test_import_export import csv_file, row

    return upload_import(client, "e.csv", csv_file([row(credit_code(30), **cells)]).read())


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"employees_female": "Infinity"}, "Write a whole number, 0 or more."),
        ({"employees_female": "sNaN"}, "Write a whole number, 0 or more."),
        ({"employees_female": "1e999999999"}, "the largest number allowed is 2147483647"),
        ({"employees_male": "2147483648"}, "the largest number allowed is 2147483647"),
        ({"contact_email": "a" * 250 + "@b.cn"}, "At most 254 characters."),
    ],
    ids=["infinity", "signalling-nan", "huge-exponent", "beyond-integer", "long-email"],
)
def test_numbers_and_emails_the_database_cannot_hold_are_refused_in_an_import(
    client_for, coordinator_zj, cells, message
):
    client = client_for(coordinator_zj)  # signing in writes its audit row
    before = row_counts()
    response = csv_upload(client, **cells)
    assert message in response.content.decode()
    assert "token" not in response.context and row_counts() == before


def _damaged_workbooks():
    import zipfile

    from tests.enterprises.test_import_export import row, xlsx

    good = xlsx([row(credit_code(31))]).read()
    source = zipfile.ZipFile(io.BytesIO(good))
    for victim, content in (("xl/worksheets/sheet1.xml", b"<worksheet"), ("docProps/core.xml", b"\x00garbage")):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in source.namelist():
                target.writestr(name, content if name == victim else source.read(name))
        yield out.getvalue()
    for offset in (200, len(good) // 2, len(good) - 300):  # inside compressed data and the directory
        yield good[:offset] + b"\x00\xff\x13\x37" + good[offset + 4 :]


def test_damaged_workbooks_and_unreadable_csv_files_are_refused_with_the_reason(client_for, coordinator_zj):
    client = client_for(coordinator_zj)
    before = row_counts()
    for content in _damaged_workbooks():
        page = upload_import(client, "damaged.xlsx", content)
        # Refused with the reason, or (damage in a part the importer does not read) checked as usual.
        assert page.status_code == 200 and (shows_an_error(page) or page.context["total"] == 1)
    headers = ",".join(c.header() for c in ENTERPRISE_COLUMNS)
    for text in ('"' + "x" * 200_000, headers + "\n" + '913301\r"x",' + "'a\r'"):
        page = upload_import(client, "broken.csv", text.encode())
        assert page.status_code == 200 and shows_an_error(page)
    assert row_counts() == before


def test_a_visit_saved_from_a_damaged_page_is_refused_as_stale(client_for, consultant1, visit):
    for version in ("", "abc", "9" * 5000):
        response = client_for(consultant1).post(
            f"/visits/{visit.pk}/", {**VISIT_RECORD, "attendees": [], "action": "save", "version": version}
        )
        assert response.status_code == 409
        assert "Someone else saved this visit" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "planned"


@pytest.mark.parametrize("hours", ["-1", "0", "12.5"])
def test_a_visit_record_lasts_as_long_as_a_planned_visit_may(client_for, consultant1, visit, hours):
    data = {**VISIT_RECORD, "attendees": [], "duration_hours": hours, "action": "save", "version": visit.version}
    response = client_for(consultant1).post(f"/visits/{visit.pk}/", data)
    assert "A visit lasts between a few minutes and 12 hours." in response.content.decode()
    visit.refresh_from_db()
    assert visit.duration_hours == 3


def test_ticks_that_look_like_digits_but_are_not_are_ignored(client_for, coordinator_zj, registry):
    from modules.models import PracticeAssessment

    enterprise = registry[1]
    data = {"assessed_on": "2026-02-01", "in_place": ["²", "①", "٣"]}
    assert client_for(coordinator_zj).post(f"/enterprises/{enterprise.pk}/practices/", data).status_code == 302
    assert not PracticeAssessment.objects.filter(enterprise=enterprise, in_place=True).exists()


@pytest.mark.parametrize("query", [{"q": "a\x00"}, {"province": "²"}, {"module": "\x00"}, {"province": "9" * 30}])
def test_the_consultant_list_ignores_a_filter_it_cannot_use(client_for, coordinator_zj, query):
    assert client_for(coordinator_zj).get("/consultants/", query).status_code == 200


def test_a_next_address_that_is_not_a_path_is_not_followed(client_for, admin, consultant1, actions, registry):
    earlier = actions[1]
    response = client_for(consultant1).post(f"/actions/{earlier.pk}/", {"status": "open", "next": "a:b"})
    assert response["Location"] == "/actions/"
    data = {**enterprise_data(40), "province": str(province("ZJ").pk), "next": "x:y"}
    response = client_for(admin).post("/enterprises/new/", data)
    assert response.status_code == 302 and response["Location"].startswith("/enterprises/")
