"""Export a question bank as GIFT or Moodle XML."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Locale

from quizzes.importing import EXPORT_FORMATS, export_bank, export_notes, unexportable
from quizzes.models import QuestionBank


class Command(BaseCommand):
    help = "Export a question bank's questions in one language as GIFT or Moodle XML."

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True, help="The question bank's slug.")
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _ in settings.WAGTAIL_CONTENT_LANGUAGES])
        parser.add_argument("-o", "--output", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No question bank '{options['bank']}'.")
        locale = Locale.objects.filter(language_code=options["language"]).first()
        if locale is None:
            raise CommandError(f"No questions in '{options['language']}' yet.")
        text = export_bank(bank, locale, options["format"])
        skipped = unexportable(bank, locale, options["format"])
        # With the file on standard output, the report goes to standard error.
        report = self.stdout if options["output"] else self.stderr
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        exported = bank.questions.filter(locale=locale).count() - len(skipped)
        report.write(f"Exported {exported} questions, skipped {len(skipped)}")
        for key, reason in skipped:
            report.write(f"Skipped {key}: {reason}")
        for key, note in export_notes(bank, locale, options["format"]):
            report.write(f"Note {key}: {note}")
