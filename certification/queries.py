import re

from django.utils import timezone

from .models import Certificate

CODE_SHAPE = re.compile(r"^OPS-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def normalise_code(raw):
    """'ops 7k4m 2qxd' → 'OPS-7K4M-2QXD'. Anything else becomes a string no code can equal,
    so the lookup still runs (and costs the same)."""
    compact = re.sub(r"[\s\-]", "", str(raw)[:40]).upper()
    if compact.startswith("OPS"):
        compact = compact[3:]
    code = f"OPS-{compact[:4]}-{compact[4:]}"
    return code if CODE_SHAPE.match(code) else "!invalid"


def certificates_of(user):
    """The holder's certificates, newest first, with their status now (one query)."""
    now = timezone.now()
    certificates = list(
        Certificate.objects.filter(user=user).select_related("rule").order_by("rule__slug", "-issued_at")
    )
    for certificate in certificates:
        certificate.current_status = certificate.status_at(now)
    return certificates
