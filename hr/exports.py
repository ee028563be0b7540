"""HR's spreadsheet exports: our own small exporter, not Wagtail's.

Wagtail's `SpreadsheetExportMixin` reads the whole list into memory, writes CSV text as it is
(a name like ``=HYPERLINK(…)`` would run as a formula when opened), builds the XLSX in memory
and preprocesses each cell through several calls (three times the cost of the rest of a
140,000-row export). Rather than replace its internals, a view mixes in `ExportMixin`: a
request with ``?export=csv`` or ``?export=xlsx`` is answered here before the page is built
(no paginator, no count, no table), from the view's `export_rows()`. Wagtail's export is never
reached: the views leave its `list_export` empty, so it draws no buttons either; ours are
added as ordinary header buttons.

CSV streams in pieces of `content.spreadsheets.CSV_PIECE_ROWS` rows, UTF-8 with a BOM (Excel reads Chinese names
only with it); XLSX is written row by row (openpyxl's write-only mode) into a temporary file
that stays in memory up to `XLSX_SPOOL_BYTES`. The CSV's headings are the fixed English field
names, so that scripts and spreadsheets keep working in either admin language; the XLSX, which
people open and read, is headed in the admin's language (`HEADINGS`). Formula-like text is made
harmless by `content.spreadsheets`.
"""

from datetime import datetime
from datetime import timezone as dt_timezone
from itertools import chain
from tempfile import SpooledTemporaryFile

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from wagtail.admin.widgets.button import HeaderButton

from content import spreadsheets
from content.spreadsheets import PLAIN_TYPES, csv_cell, escape_formula, looks_like_formula

CSV, XLSX = "csv", "xlsx"
HEADINGS = {  # an XLSX column's heading, by field name (a field missing here is headed by its name)
    "employee_id": _("Employee id"), "person": _("Person"), "email": _("Email"), "department": _("Department"),
    "certificate": _("Certificate"), "course": _("Course"), "state": _("State"), "due_date": _("Due date"),
    "valid_until": _("Valid until"), "code": _("Code"), "path": _("Department path"), "people": _("People"),
    "assigned_courses": _("Assigned courses"), "completed_courses": _("Courses completed"),
    "completion_percent": _("Courses completed (%)"), "required_certificates": _("Required certificates"),
    "certified": _("Certified"), "certified_percent": _("Certified (%)"), "overdue": _("Overdue courses"),
    "holder": _("Holder"), "days_left": _("Days left"), "manager": _("Manager"), "hire_date": _("Hire date"),
    "section": _("Section"), "item": _("Item"), "status": _("Status"), "score": _("Score"), "date": _("Date"),
    "detail": _("Detail"), "skill_area": _("Skill area"), "skill": _("Skill"), "required_level": _("Required level"),
    "people_with_evidence": _("People with enough evidence"), "average_level": _("Average level"),
    "level": _("Level"), "value": _("Mastery value"), "evidence": _("Evidence"), "updated_at": _("Updated"),
    "role": _("Role"), "percent": _("Readiness (%)"), "ready": _("Ready"), "held": _("Skills held"),
    "required": _("Skills required"), "gaps": _("Gaps"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
EXPORT_CHUNK = 2000  # rows read per query


def csv_pieces(rows, fields):
    """The CSV of `rows` (dicts) in byte pieces, headed by `fields`."""
    yield from spreadsheets.csv_pieces(chain([fields], ([csv_cell(row[field]) for field in fields] for row in rows)))


def xlsx_value(worksheet, value):
    """A cell's value. Formula-like text becomes a text cell with Excel's quote-prefix mark, so
    that it reads as typed and never runs; aware datetimes are written in UTC."""
    if isinstance(value, str):
        if looks_like_formula(value):
            value = WriteOnlyCell(worksheet, value)
            value.data_type, value.quotePrefix = "s", True
        return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.make_naive(value, dt_timezone.utc)
    if value is None or isinstance(value, PLAIN_TYPES):
        return value
    return escape_formula(str(value))


def write_xlsx(rows, fields, output, headings=None):
    workbook = Workbook(write_only=True, iso_dates=True)
    worksheet = workbook.create_sheet(title="Sheet1")
    worksheet.append(headings or fields)
    for row in rows:
        worksheet.append([xlsx_value(worksheet, row[field]) for field in fields])
    workbook.save(output)


def in_language(pieces, language):
    """`pieces`, made in `language`: a streamed body is made after the view returns, when the
    admin's language (the user's) is no longer active."""
    with translation.override(language):
        yield from pieces


def csv_response(rows, fields, filename):
    pieces = in_language(csv_pieces(rows, fields), translation.get_language())
    response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows, fields, filename):
    output = SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)
    write_xlsx(rows, fields, output, [str(HEADINGS.get(field, field)) for field in fields])
    output.seek(0)
    return FileResponse(output, as_attachment=True, content_type=XLSX_TYPE, filename=f"{filename}.xlsx")


class ExportMixin:
    """``?export=csv|xlsx`` on a view, answered from `export_rows()` (dicts with the keys of
    `export_fields`), and "Download XLSX/CSV" buttons in its header, in sight rather than
    behind its "…" menu."""

    export_fields = []
    export_filename = "export"
    export_chunk_size = EXPORT_CHUNK

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in (CSV, XLSX):
            respond = csv_response if export == CSV else xlsx_response
            return respond(self.export_rows(), self.export_fields, self.get_export_filename())
        return super().get(request, *args, **kwargs)

    def get_export_filename(self):
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}"

    def export_rows(self):
        """One dict per listed item, read in chunks (a report's whole list, not one page)."""
        items = self.get_filtered_queryset()
        if isinstance(items, QuerySet):
            items = items.iterator(chunk_size=self.export_chunk_size)
        return (self.export_row(item) for item in items)

    def export_row(self, item):
        raise NotImplementedError

    def export_url(self, export):
        params = self.request.GET.copy()
        params["export"] = export
        return f"{self.request.path}?{params.urlencode()}"

    def get_header_buttons(self):
        return [
            *super().get_header_buttons(),
            self.export_button(XLSX, _("Download XLSX")),
            self.export_button(CSV, _("Download CSV")),
        ]

    def export_button(self, export, name):
        """The format as the label (short enough for a phone's header), the action as its name."""
        return HeaderButton(export.upper(), url=self.export_url(export), icon_name="download",
                            attrs={"data-export": export, "aria-label": name, "title": name})
