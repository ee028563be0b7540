"""Compare each question's difficulty label with its facility index (quizzes/difficulty.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from quizzes import difficulty
from quizzes.models import AttemptQuestion


class Command(BaseCommand):
    help = (
        "List questions whose difficulty label disagrees with their facility index in the item analysis "
        f"(easy ≥ {difficulty.EASY_FROM:g}, medium {difficulty.MEDIUM_FROM:g}–{difficulty.EASY_FROM:g}, "
        f"hard < {difficulty.MEDIUM_FROM:g}), from finished attempts or from simulated ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--simulate", type=int, metavar="N", default=0,
                            help="Simulate N trainees (rolled back afterwards) instead of reading real attempts.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the simulation (default 1).")
        parser.add_argument("--min-responses", type=int, default=difficulty.MIN_RESPONSES,
                            help=f"Fewest answers to judge a question (default {difficulty.MIN_RESPONSES}).")
        parser.add_argument("--bank", help="Only the questions of this bank (its slug).")
        parser.add_argument("--all", action="store_true", help="List every question, not only the mismatches.")

    def handle(self, *args, simulate=0, seed=1, min_responses=difficulty.MIN_RESPONSES, bank=None, **options):
        if simulate < 0 or min_responses < 1:
            raise CommandError("--simulate must be 0 or more and --min-responses at least 1.")
        questions = difficulty.questions_to_check()
        if bank:
            questions = [q for q in questions if q.bank.slug == bank]
            if not questions:
                raise CommandError(f"No live questions in a bank '{bank}'.")
        if simulate:
            with transaction.atomic():
                rows = difficulty.compare(questions, difficulty.simulate(questions, simulate, seed))
                transaction.set_rollback(True)  # the simulated trainees and attempts never stay
            source = f"{simulate} simulated trainees (seed {seed}, rolled back)"
        else:
            rows = difficulty.compare(questions, AttemptQuestion.objects.all())
            source = "finished attempts"
        self.report(rows, source, min_responses, listed=options["all"])

    def report(self, rows, source, min_responses, *, listed):
        counts = {"ok": 0, "mismatch": 0, "not enough responses": 0}
        for row in rows:
            status = row.status(min_responses)
            counts[status] += 1
            if listed or status != "ok":
                facility = "—" if row.facility is None else f"{row.facility:5.1f}"
                verdict = f"labelled {row.label}, measures {row.measured}" if status == "mismatch" else status
                self.stdout.write(f"{row.key:<40} {row.bank:<22} {facility:>6} {row.responses:>6}  {verdict}")
        self.stdout.write(
            f"{len(rows)} questions checked against {source}: {counts['ok']} match their label, "
            f"{counts['mismatch']} mismatch, {counts['not enough responses']} have fewer than "
            f"{min_responses} responses."
        )
