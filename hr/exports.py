"""Spreadsheet exports that stream and cannot inject formulas, for Wagtail's report views.

Wagtail's own `SpreadsheetExportMixin` reads the whole queryset into memory, writes CSV cells as
they are (a name like ``=HYPERLINK(…)`` would run as a formula when opened), only retypes
"="-formulas as text in XLSX, builds the XLSX in a BytesIO, and preprocesses each cell through
several function calls (three times the cost of the rest of a 140,000-row export).
`SafeStreamingExportMixin` iterates in chunks, streams CSV in pieces, spools the XLSX through a
temporary file, and escapes text starting with = + - @ (tab, CR): a leading quote in CSV
(OWASP), Excel's quote-prefix mark in XLSX (the text reads as typed).
"""

import csv
import io
from datetime import date, datetime
from datetime import timezone as dt_timezone
from decimal import Decimal
from tempfile import SpooledTemporaryFile

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
CSV_PIECE_ROWS = 1000
EXPORT_CHUNK = 2000  # rows read per query


def escape_formula(value):
    """Text a spreadsheet would run as a formula gets a leading quote (OWASP "CSV injection")."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value


def csv_cell(value):
    """A CSV cell: numbers and dates as they are, None empty, any text escaped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if isinstance(value, (bool, int, float, Decimal, date)):
        return value
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    return escape_formula(str(value))


class SafeStreamingExportMixin:
    """Exports that stream and cannot inject formulas (see the module docstring).

    Headings are the fixed English field names, as in every CSV we write, so that scripts and
    spreadsheets keep working in either admin language."""

    export_chunk_size = EXPORT_CHUNK

    def get(self, request, *args, **kwargs):
        if self.is_export:  # skip the page: no paginator, no count, no table
            return self.as_spreadsheet(self.get_export_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def get_export_queryset(self):
        return self.get_filtered_queryset()

    def export_rows(self, queryset):
        items = queryset.iterator(chunk_size=self.export_chunk_size) if isinstance(queryset, QuerySet) else queryset
        for item in items:
            yield self.to_row_dict(item)

    def get_heading(self, queryset, field):
        return field

    def xlsx_row(self, worksheet, row):
        """Plain values, except text a spreadsheet would run: a text cell marked as text (Excel's
        own quote prefix), so that the name reads as typed and never runs."""
        values = []
        for field in self.list_export:
            value = row[field]
            if isinstance(value, str):
                if value.startswith(FORMULA_PREFIXES):
                    value = WriteOnlyCell(worksheet, value)
                    value.data_type, value.quotePrefix = "s", True
            elif isinstance(value, datetime):
                value = timezone.make_naive(value, dt_timezone.utc) if timezone.is_aware(value) else value
            elif value is not None and not isinstance(value, (bool, int, float, Decimal, date)):
                value = escape_formula(str(value))
            values.append(value)
        return values

    def stream_csv(self, queryset):
        """The CSV in pieces of `CSV_PIECE_ROWS` rows (one write per row to the server would
        cost more than the rows themselves)."""
        fields = self.list_export
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel reads UTF-8 (Chinese names) only with the BOM
        writer = csv.writer(buffer)
        writer.writerow([self.get_heading(queryset, field) for field in fields])
        for count, row in enumerate(self.export_rows(queryset), 1):
            writer.writerow([csv_cell(row[field]) for field in fields])
            if count % CSV_PIECE_ROWS == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    def write_xlsx(self, queryset, output):
        from openpyxl import Workbook

        workbook = Workbook(write_only=True, iso_dates=True)  # rows go to a temporary file
        worksheet = workbook.create_sheet(title="Sheet1")
        worksheet.append([self.get_heading(queryset, field) for field in self.list_export])
        for row in self.export_rows(queryset):
            worksheet.append(self.xlsx_row(worksheet, row))
        workbook.save(output)

    def write_xlsx_response(self, queryset):
        output = SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)
        self.write_xlsx(queryset, output)
        output.seek(0)
        return FileResponse(output, as_attachment=True, content_type=XLSX_TYPE, filename=f"{self.get_filename()}.xlsx")

    def write_csv_response(self, queryset):
        response = StreamingHttpResponse(self.stream_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response

    def get_filename(self):
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}"
