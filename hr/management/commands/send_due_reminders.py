from django.core.management.base import BaseCommand, CommandError

from hr.api import DUE_REMINDER_DAYS, send_due_reminders


class Command(BaseCommand):
    help = "Mail a reminder to everyone whose assigned course is due within N days (each once; schedule it daily)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DUE_REMINDER_DAYS,
                            help=f"How many days before the due date (default {DUE_REMINDER_DAYS}).")

    def handle(self, *args, days, **options):
        if not 0 <= days <= 365:
            raise CommandError("--days must be between 0 and 365.")
        self.stdout.write(f"Sent {send_due_reminders(days=days)} reminder(s).")
