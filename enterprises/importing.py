"""Bulk import of enterprises and EIT members: check every row, then write all or nothing.

The upload is parsed into a table, every row is checked and every problem is
listed (row number, column, message). Only a file without a single problem can
be confirmed; confirming reads the stored table again and checks it against
the database as it is then, inside the transaction that writes it.
"""

import contextlib
import datetime
import json
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from score_portal.datacache import data_changed

from .credit_code import normalise, validate_credit_code
from .models import EITMember, Enterprise, ProgrammeStatus, Province, Sector, Sex, Side
from .spreadsheets import EIT_COLUMNS, ENTERPRISE_COLUMNS

TRUE_WORDS = {"yes", "y", "true", "1", "是", "x", "✓"}
FALSE_WORDS = {"no", "n", "false", "0", "否", ""}
MAX_COUNT = 2_147_483_647  # the largest number the database's integer columns hold


@dataclass
class RowError:
    row: int
    column: str
    message: str


class RowChecker:
    """Collects the problems of one row, naming the column in the user's language."""

    def __init__(self, number, values, columns, errors):
        self.number, self.values, self.errors = number, values, errors
        self.columns = {c.field: c for c in columns}

    def column_name(self, field):
        en, zh = self.columns[field].headers()
        return zh if (translation.get_language() or "").startswith("zh") else en

    def error(self, field, message):
        self.errors.append(RowError(self.number, self.column_name(field), str(message)))

    def text(self, field, max_length=None, required=None):
        value = str(self.values.get(field, "") or "").strip()
        required = self.columns[field].required if required is None else required
        if required and not value:
            self.error(field, _("This column is required."))
        elif max_length and len(value) > max_length:
            self.error(field, _("At most %(n)s characters.") % {"n": max_length})
        return value

    def choice(self, field, choices):
        value = self.text(field)
        if not value:
            return ""
        lookup = {}
        for code, label in choices.choices:
            lookup[code.casefold()] = code
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    lookup[str(label).casefold()] = code
        if value.casefold() in lookup:
            return lookup[value.casefold()]
        allowed = ", ".join(str(label) for _code, label in choices.choices)
        self.error(field, _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed})
        return ""

    def boolean(self, field):
        value = self.text(field).casefold()
        if value in TRUE_WORDS:
            return True
        if value not in FALSE_WORDS:
            self.error(field, _("Write yes or no."))
        return False

    def date(self, field):
        value = self.text(field)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            self.error(field, _("“%(value)s” is not a date; write it as 2025-03-31.") % {"value": value})
            return None

    def count(self, field):
        value = self.text(field)
        if not value:
            return 0
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(field, _("“%(value)s” is not a number.") % {"value": value})
            return 0
        # Checked before int(): "Infinity" cannot be one, and "1e999999999" would take the
        # worker's memory and minutes to build.
        if not number.is_finite() or number != number.to_integral_value() or number < 0:
            self.error(field, _("Write a whole number, 0 or more."))
            return 0
        if number > MAX_COUNT:
            self.error(
                field,
                _("“%(value)s” is too large; the largest number allowed is %(max)s.")
                % {"value": value, "max": MAX_COUNT},
            )
            return 0
        return int(number)


def check_enterprises(table, user):
    """Checked rows ready to write, and every problem found."""
    errors = []
    provinces = {}
    for province in Province.objects.visible_to(user):
        for key in (province.code, province.name_en, province.name_zh):
            provinces[key.casefold()] = province
    all_provinces = {p.code: p for p in Province.objects.all()}
    codes_in_file = {}
    rows = []
    for number, values in table:
        row = RowChecker(number, values, ENTERPRISE_COLUMNS, errors)
        code_text = row.text("credit_code")
        code = ""
        if code_text:
            try:
                code = validate_credit_code(code_text)
            except ValidationError as exc:
                row.error("credit_code", exc.messages[0])
        if code and code in codes_in_file:
            row.error("credit_code", _("This credit code is also on row %(row)s.") % {"row": codes_in_file[code]})
        elif code:
            codes_in_file[code] = number
        province_text = row.text("province")
        province = provinces.get(province_text.casefold()) if province_text else None
        if province_text and province is None:
            if province_text.upper() in all_provinces or any(
                province_text.casefold() in (p.name_en.casefold(), p.name_zh.casefold()) for p in all_provinces.values()
            ):
                row.error("province", _("You may not register enterprises in %(p)s.") % {"p": province_text})
            else:
                row.error("province", _("“%(p)s” is not a known province.") % {"p": province_text})
        email = row.text("contact_email", 254)  # the column's length: validate_email allows up to 320
        if email and len(email) <= 254:
            try:
                validate_email(email)
            except ValidationError:
                row.error("contact_email", _("“%(value)s” is not an email address.") % {"value": email})
        parent = normalise(row.text("parent"))
        if parent and parent == code:
            row.error("parent", _("An enterprise cannot be its own group."))
        rows.append(
            {
                "row": number,
                "credit_code": code,
                "name_en": row.text("name_en", 200),
                "name_zh": row.text("name_zh", 200),
                "province": province.pk if province else None,
                "city": row.text("city", 100),
                "sector": row.choice("sector", Sector),
                "status": row.choice("status", ProgrammeStatus),
                "status_date": row.date("status_date"),
                "parent": parent,
                "is_pilot_unit": row.boolean("is_pilot_unit"),
                "address": row.text("address", 300),
                "contact_name": row.text("contact_name", 100),
                "contact_phone": row.text("contact_phone", 40),
                "contact_email": email,
                "employees_female": row.count("employees_female"),
                "employees_male": row.count("employees_male"),
                "notes": row.text("notes"),
            }
        )
    # Rows that update: the enterprise must be one the importer may change.
    codes = [r["credit_code"] for r in rows if r["credit_code"]]
    existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    editable = set(Enterprise.objects.editable_by(user).filter(credit_code__in=codes).values_list("pk", flat=True))
    parents = {r["parent"] for r in rows if r["parent"]} - set(codes)
    known_parents = set(
        Enterprise.objects.visible_to(user).filter(credit_code__in=parents).values_list("credit_code", flat=True)
    )
    # A group the importer cannot see is exported as a blank: a blank in the file then means
    # "unknown to me", and the link is kept rather than cleared.
    parent_ids = {e.parent_id for e in existing.values() if e.parent_id}
    visible_parents = set(Enterprise.objects.visible_to(user).filter(pk__in=parent_ids).values_list("pk", flat=True))
    for r in rows:
        found = existing.get(r["credit_code"])
        if found is not None and found.parent_id and found.parent_id not in visible_parents and not r["parent"]:
            r["keep_parent"] = True
        if found is not None and found.pk not in editable:
            errors.append(
                RowError(
                    r["row"],
                    RowChecker(0, {}, ENTERPRISE_COLUMNS, []).column_name("credit_code"),
                    _("This credit code is registered to an enterprise you may not change."),
                )
            )
        if r["parent"] and r["parent"] not in codes and r["parent"] not in known_parents:
            errors.append(
                RowError(
                    r["row"],
                    RowChecker(0, {}, ENTERPRISE_COLUMNS, []).column_name("parent"),
                    _("No enterprise with credit code %(code)s is registered or in this file.") % {"code": r["parent"]},
                )
            )
    errors.sort(key=lambda e: e.row)
    added = sum(1 for r in rows if r["credit_code"] and r["credit_code"] not in existing)
    return rows, errors, {"added": added, "updated": len(rows) - added}


def write_enterprises(rows):
    """Rows already checked, in the import's transaction. An enterprise already registered is
    saved row by row (its history shows what the import changed); new ones are inserted in
    batches with their history rows (one insert per row made a 10,000-row file slow)."""
    codes = [normalise(r["credit_code"]) for r in rows]
    existing = {e.credit_code: e for e in Enterprise.objects.select_for_update().filter(credit_code__in=codes)}
    by_code, new = {}, []
    for r, code in zip(rows, codes, strict=True):
        fields = {k: v for k, v in r.items() if k not in {"row", "credit_code", "parent", "province", "keep_parent"}}
        fields["province_id"] = r["province"]
        enterprise = existing.get(code)
        if enterprise is None:
            enterprise = Enterprise(credit_code=code, **fields)
            new.append(enterprise)
        else:
            for name, value in fields.items():
                setattr(enterprise, name, value)
            enterprise.save()
        by_code[r["credit_code"]] = enterprise
    if new:
        bulk_create_with_history(new, Enterprise, batch_size=1000)
        data_changed()  # bulk inserts send no post_save: the figures that count enterprises
    parent_codes = {r["parent"] for r in rows if r["parent"]}
    parents = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=parent_codes)}
    for r in rows:
        if r.get("keep_parent"):
            continue
        enterprise = by_code[r["credit_code"]]
        parent = parents.get(r["parent"]) if r["parent"] else None
        if enterprise.parent_id != (parent.pk if parent else None):
            enterprise.parent = parent
            enterprise.save(update_fields=["parent", "updated_at"])


def check_eit_members(table, user):
    errors = []
    rows = []
    codes = {normalise(values.get("enterprise", "")) for _n, values in table}
    enterprises = {e.credit_code: e for e in Enterprise.objects.editable_by(user).filter(credit_code__in=codes)}
    secretaries = {}
    seen = {}
    for number, values in table:
        row = RowChecker(number, values, EIT_COLUMNS, errors)
        code = normalise(row.text("enterprise"))
        enterprise = enterprises.get(code)
        if code and enterprise is None:
            row.error("enterprise", _("No enterprise you may change has credit code %(code)s.") % {"code": code})
        name = row.text("name", 100)
        joined = row.date("joined_on")
        left = row.date("left_on")
        if joined and left and left < joined:
            row.error("left_on", _("The date left cannot be before the date joined."))
        secretary = row.boolean("is_secretary")
        if enterprise and secretary and left is None:
            if enterprise.pk in secretaries:
                row.error(
                    "is_secretary",
                    _("Row %(row)s already names this enterprise's EIT secretary.")
                    % {"row": secretaries[enterprise.pk]},
                )
            secretaries[enterprise.pk] = number
        key = (code, name.casefold())
        if name and key in seen:
            row.error("name", _("This person is also on row %(row)s.") % {"row": seen[key]})
        seen[key] = number
        rows.append(
            {
                "row": number,
                "enterprise": enterprise.pk if enterprise else None,
                "name": name,
                "position": row.text("position", 100),
                "side": row.choice("side", Side),
                "sex": row.choice("sex", Sex),
                "phone": row.text("phone", 40),
                "is_secretary": secretary,
                "joined_on": joined,
                "left_on": left,
            }
        )
    existing = set(
        EITMember.objects.filter(enterprise__in=[r["enterprise"] for r in rows if r["enterprise"]]).values_list(
            "enterprise_id", "name"
        )
    )
    added = sum(1 for r in rows if (r["enterprise"], r["name"]) not in existing)
    errors.sort(key=lambda e: e.row)
    return rows, errors, {"added": added, "updated": len(rows) - added}


def write_eit_members(rows):
    for r in rows:
        if r["is_secretary"] and r["left_on"] is None:
            # The old secretary steps down first (the database allows one), row by row
            # rather than with update() so the step down is in the team's history.
            stepping_down = EITMember.objects.current().filter(enterprise_id=r["enterprise"], is_secretary=True)
            for previous in stepping_down.exclude(name=r["name"]):
                previous.is_secretary = False
                previous.save(update_fields=["is_secretary"])
        fields = {k: v for k, v in r.items() if k not in {"row", "enterprise", "name"}}
        EITMember.objects.update_or_create(enterprise_id=r["enterprise"], name=r["name"], defaults=fields)


KINDS = {
    "enterprises": (ENTERPRISE_COLUMNS, check_enterprises, write_enterprises),
    "eit": (EIT_COLUMNS, check_eit_members, write_eit_members),
}


def columns(kind):
    return KINDS[kind][0]


def check(kind, table, user):
    """(rows ready to write, every problem found, {added, updated})."""
    return KINDS[kind][1](table, user)


def write(kind, rows):
    """Write checked rows; call only inside the import service's transaction."""
    KINDS[kind][2](rows)


def _store_dir():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


STASH_HOURS = 24


def stash(*, user, kind, table, filename):
    """Keep the parsed table on the server until the user confirms it; previews
    nobody confirmed are removed after a day."""
    cutoff = time.time() - STASH_HOURS * 3600
    for old in _store_dir().glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    payload = {"user": user.pk, "kind": kind, "filename": filename, "table": table}
    (_store_dir() / f"{token}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return token


def unstash(*, user, token):
    try:
        path = _store_dir() / f"{uuid.UUID(hex=str(token)).hex}.json"
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    if payload.get("user") != user.pk:
        return None
    return payload


def discard(token):
    with contextlib.suppress(ValueError):
        (_store_dir() / f"{uuid.UUID(hex=str(token)).hex}.json").unlink(missing_ok=True)
