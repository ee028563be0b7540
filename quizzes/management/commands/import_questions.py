"""Import a Moodle question file (GIFT, Moodle XML or Aiken) into a question bank."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from wagtail.models import Locale

from quizzes.formats.common import sentence
from quizzes.importing import IMPORT_FORMATS, MAX_FILE_BYTES, MAX_FILE_SIZE, FormatError, import_questions, read_text
from quizzes.models import QuestionBank


class Command(BaseCommand):
    help = ("Import questions from a GIFT, Moodle XML or Aiken file (at most 5 MB) into a bank. "
            "A malformed file is reported with its line and nothing is imported.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", required=True, choices=IMPORT_FORMATS)
        parser.add_argument("--bank", required=True, help="The question bank's slug.")
        parser.add_argument("--language", choices=[code for code, _ in settings.WAGTAIL_CONTENT_LANGUAGES],
                            help="The questions' language, and the report's (default: the site's language).")
        parser.add_argument("--create-bank", action="store_true", help="Create the bank if it does not exist.")

    def handle(self, *args, **options):
        if options["language"] is None:  # the questions go into the site's language; we speak the current one
            return self._import(Path(options["file"]), settings.LANGUAGE_CODE, options)
        with translation.override(options["language"]):
            return self._import(Path(options["file"]), options["language"], options)

    def _import(self, path, language, options):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(gettext("%(path)s: the file is larger than %(size)s, the limit for question "
                                           "files. Nothing was imported.") % {"path": path, "size": MAX_FILE_SIZE})
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            with transaction.atomic():  # a bank created here goes too if the import fails
                bank = self._bank(options["bank"], create=options["create_bank"])
                locale, _ = Locale.objects.get_or_create(language_code=language)
                report = import_questions(bank, locale, read_text(data), options["format"])
        except FormatError as error:
            raise CommandError(gettext("%(path)s: %(error)s. Nothing was imported.")
                               % {"path": path, "error": sentence(error)}) from None
        self.stdout.write(report.summary())
        if report.labels:
            self.stdout.write(report.labels_note())
        for name, reason in report.skipped:
            self.stdout.write(gettext("Skipped %(name)s: %(reason)s") % {"name": name, "reason": reason})

    def _bank(self, slug, *, create):
        bank = QuestionBank.objects.filter(slug=slug).first()
        if bank is not None:
            return bank
        if not create:
            raise CommandError(gettext("No question bank '%(slug)s' (use --create-bank to create it).")
                               % {"slug": slug})
        if slugify(slug) != slug:
            raise CommandError(gettext("'%(slug)s' is not a valid slug (lower-case letters, digits and hyphens).")
                               % {"slug": slug})
        return QuestionBank.objects.create(slug=slug, title=slug)
