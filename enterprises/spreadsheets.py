"""Reading and writing the registry as spreadsheets (.xlsx and .csv).

One column list serves the template, the export and the import, so an exported
file imports back unchanged. Headers carry both languages ("Credit code /
统一社会信用代码"); either language alone is also understood.
"""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# What makes a spreadsheet read a cell as a formula (OWASP's list: some spreadsheets skip a
# leading tab or carriage return and run what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # lazy translation: the header in English and in Chinese
    required: bool = False

    def headers(self):
        with translation.override("en"):
            en = str(self.label)
        with translation.override("zh-hans"):
            zh = str(self.label)
        return en, zh

    def header(self):
        en, zh = self.headers()
        return f"{en} / {zh}"


ENTERPRISE_COLUMNS = [
    Column("credit_code", gettext_lazy("Credit code"), True),
    Column("name_en", gettext_lazy("Name (English)"), True),
    Column("name_zh", gettext_lazy("Name (Chinese)"), True),
    Column("province", gettext_lazy("Province"), True),
    Column("city", gettext_lazy("City"), True),
    Column("sector", gettext_lazy("Sector"), True),
    Column("status", gettext_lazy("Programme status"), True),
    Column("status_date", gettext_lazy("Status since")),
    Column("parent", gettext_lazy("Group (credit code)")),
    Column("is_pilot_unit", gettext_lazy("Pilot unit")),
    Column("address", gettext_lazy("Address")),
    Column("contact_name", gettext_lazy("Contact person")),
    Column("contact_phone", gettext_lazy("Contact phone")),
    Column("contact_email", gettext_lazy("Contact email")),
    Column("employees_female", gettext_lazy("Female employees")),
    Column("employees_male", gettext_lazy("Male employees")),
    Column("notes", gettext_lazy("Notes")),
]

EIT_COLUMNS = [
    Column("enterprise", gettext_lazy("Enterprise credit code"), True),
    Column("name", gettext_lazy("Name"), True),
    Column("position", gettext_lazy("Position")),
    Column("side", gettext_lazy("Side"), True),
    Column("sex", gettext_lazy("Sex"), True),
    Column("phone", gettext_lazy("Phone")),
    Column("is_secretary", gettext_lazy("EIT secretary")),
    Column("joined_on", gettext_lazy("Joined on"), True),
    Column("left_on", gettext_lazy("Left on")),
]


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


def neutralise(value):
    """A cell that a spreadsheet would run as a formula is written as text. Text that already
    starts with apostrophes before a formula gets one more, so ``unneutralise`` gives it back
    exactly: an exported file imports back unchanged."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralise(value):
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def xlsx_cell(value):
    """A value for an .xlsx cell: text without the control characters a workbook cannot hold
    (openpyxl refuses them), removed before neutralising so none can hide a formula behind it."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _match_headers(header_row, columns):
    """Map column index -> field from a header row in either or both languages."""
    known = {}
    for column in columns:
        en, zh = column.headers()
        for name in (column.header(), en, zh):
            known[name.strip().casefold()] = column.field
    mapping, unknown = {}, []
    for index, cell in enumerate(header_row):
        text = str(cell or "").strip()
        if not text:
            continue
        field = known.get(text.casefold())
        if field is None:
            unknown.append(text)
        else:
            mapping[index] = field
    missing = [c for c in columns if c.required and c.field not in mapping.values()]
    if missing:
        raise SpreadsheetError(
            _("The file lacks these columns: %(columns)s. Start from the template.")
            % {"columns": "; ".join(c.header() for c in missing)}
        )
    return mapping, unknown


# What openpyxl, zipfile and the XML parser under them raise for a damaged file (a ParseError is
# a SyntaxError; a sheet-less workbook, an IndexError; corrupt compressed data, zlib.error or EOFError;
# a part flagged as encrypted, RuntimeError, or in a compression zipfile lacks, NotImplementedError).
DAMAGED_XLSX = (
    zipfile.BadZipFile,
    RuntimeError,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    OSError,
    SyntaxError,
    IndexError,
    TypeError,
    AttributeError,
)


def _rows_from_xlsx(data):
    from openpyxl import load_workbook

    # A damaged file fails while opening or while reading rows, which read-only mode does lazily.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            workbook.close()
    except DAMAGED_XLSX as exc:
        raise SpreadsheetError(_("This .xlsx file cannot be opened: it is damaged or not a spreadsheet.")) from exc
    return rows


def _rows_from_csv(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("This file is neither an .xlsx spreadsheet nor a CSV text file."))
    if "\x00" in text:
        raise SpreadsheetError(_("This file is neither an .xlsx spreadsheet nor a CSV text file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        # newline="" as the csv module asks: a line break inside a quoted cell stays in the cell.
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:  # a cell over the csv module's size limit, a stray line break
        raise SpreadsheetError(
            _("This CSV file cannot be read: a cell is too long or a quotation mark is not closed.")
        ) from exc


def read_table(uploaded, columns):
    """Rows of the upload as [(row number, {field: text})], checked as a whole.

    The kind of file is told by its content, not its name: an .xlsx is a ZIP
    archive; anything else must be text.
    """
    if uploaded.size > MAX_BYTES:
        raise SpreadsheetError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(uploaded.size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024}
        )
    data = uploaded.read()
    rows = _rows_from_xlsx(data) if data[:4] == b"PK\x03\x04" else _rows_from_csv(data)
    rows = [r for r in rows if any(str(c).strip() for c in r if c is not None)]
    if not rows:
        raise SpreadsheetError(_("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        raise SpreadsheetError(
            _("The file has more than %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS}
        )
    mapping, unknown = _match_headers(rows[0], columns)
    table = []
    for number, row in enumerate(rows[1:], start=2):
        values = {}
        for index, field in mapping.items():
            cell = row[index] if index < len(row) else None
            values[field] = unneutralise(_cell_text(cell))
        table.append((number, values))
    return table, unknown


def _cell_text(cell):
    if cell is None:
        return ""
    if hasattr(cell, "date") and hasattr(cell, "isoformat"):
        return cell.date().isoformat() if hasattr(cell, "hour") else cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def write_xlsx(columns, rows, sheet_title):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append([c.header() for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(column.header()))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header() for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(str(v)) for v in row])
    # The byte-order mark makes Excel read the file as UTF-8, so Chinese shows correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
