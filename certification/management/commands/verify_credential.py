import sys

from django.core.management.base import BaseCommand, CommandError

from certification.credentials import MAX_CREDENTIAL_BYTES, verify_credential


class Command(BaseCommand):
    help = (
        "Verify an Open Badges 3.0 credential file (- for standard input). Prints `valid` and exits 0, "
        "or prints `invalid: <check>: <message>` and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                data = sys.stdin.buffer.read(MAX_CREDENTIAL_BYTES + 1)
            else:
                with open(file, "rb") as handle:
                    data = handle.read(MAX_CREDENTIAL_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        result = verify_credential(data)
        if result.ok:
            self.stdout.write("valid")
            return
        self.stdout.write(f"invalid: {result.check}: {result.message}")
        sys.exit(1)
