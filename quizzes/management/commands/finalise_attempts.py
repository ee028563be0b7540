from django.core.management.base import BaseCommand

from quizzes.api import finalise_overdue_attempts


class Command(BaseCommand):
    help = "Submit every timed attempt past its deadline with the answers saved (safe to run anytime)."

    def handle(self, *args, **options):
        count = finalise_overdue_attempts()
        self.stdout.write(f"Finalised {count} attempt{'s' if count != 1 else ''}.")
