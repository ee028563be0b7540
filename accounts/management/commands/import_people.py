"""`manage.py import_people people.xlsx [--dry-run]`: create or update people from a file.

Every row is checked first; with any error, each is printed with its row number and nothing is
written (the command exits with status 1)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.api import import_people
from accounts.people_file import FORMATS, FormatError


class Command(BaseCommand):
    help = "Create or update people (employee id, email, department, manager…) from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's extension.")

    def handle(self, *args, file, dry_run, format=None, **options):
        fmt = format or file.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(f"{file}: give --format csv or --format xlsx.")
        try:
            with file.open("rb") as handle:
                report = import_people(handle, fmt, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.") from None
        except FormatError as error:
            raise CommandError(f"{file}: {error}") from None
        for error in report.errors:
            self.stderr.write(f"{file}: {error}")
        if not report.ok:
            raise CommandError(report.summary())
        for path in report.departments_created:
            self.stdout.write(f"department {'to create' if dry_run else 'created'}: {path}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
