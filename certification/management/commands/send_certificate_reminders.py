from django.core.management.base import BaseCommand

from certification.api import send_due_reminders


class Command(BaseCommand):
    help = "Mail expiry reminders 60, 30 and 7 days ahead (each once; schedule it daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"Sent {send_due_reminders()} reminder(s).")
