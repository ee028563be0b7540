"""Recompute every person's skill evidence and mastery from their graded attempts — after
remapping questions to skills, or to check that the grading-time updates agree."""

from django.core.management.base import BaseCommand

from quizzes import mastery


class Command(BaseCommand):
    help = "Recompute skill evidence and mastery from graded attempts."

    def handle(self, *args, **options):
        people = mastery.rebuild()
        self.stdout.write(f"Mastery rebuilt for {people} people.")
