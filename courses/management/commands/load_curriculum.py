from django.core.management.base import BaseCommand, CommandError

from content.curriculum import CurriculumError
from courses.curriculum import load_curriculum
from courses.search import rebuild_index


class Command(BaseCommand):
    help = "Load the curriculum files into the page tree (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--path", help="Curriculum folder (default: settings.CURRICULUM_DIR).")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite pages that an instructor has edited."
        )

    def handle(self, *args, path=None, force=False, **options):
        try:
            report = load_curriculum(path, force=force)
        except CurriculumError as error:
            raise CommandError(f"Nothing loaded. {error}") from None
        indexed = rebuild_index()  # publishing indexes a lesson; this also covers older databases
        self.stdout.write(
            f"Curriculum: {len(report.created)} pages created, {len(report.updated)} updated, "
            f"{report.unchanged} unchanged."
            + "".join(f" {name}: {count}." for name, count in report.extra.items())
            + f" Search: {indexed} lessons indexed."
        )
        for page in report.kept_edits:
            self.stdout.write(
                self.style.WARNING(f"Kept instructor edits on '{page.title}' (use --force to overwrite).")
            )
