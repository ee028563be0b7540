"""The public documents behind our Open Badges 3.0 credentials, and the verification API.

The credential itself is `views.credential`; here are the issuer profile (which publishes the
key), the revocation status list, and `POST /credentials/verify/` for verifiers that would rather
ask us than check a credential themselves. That endpoint is a public, CSRF-exempt JSON API: it
takes no cookies into account, changes nothing, and reads at most MAX_CREDENTIAL_BYTES.
"""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .credentials import issuer_profile, status_list_credential
from .verification import MAX_CREDENTIAL_BYTES, verify_credential

JSON_TYPES = {"application/json", "application/ld+json", "application/vc"}


def _json(document, status=200):
    return JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def issuer(request):
    return _json(issuer_profile())


@require_GET
def status_list(request):
    response = _json(status_list_credential())
    response["Cache-Control"] = "no-cache"  # a revocation must be visible at the next check
    return response


@csrf_exempt
@require_POST
def verify(request):
    """200 {"valid": true}, or 422 {"valid": false, "check", "message"}; 400/413 for bad input."""
    if request.content_type not in JSON_TYPES:
        return _json({"error": "Send the credential as application/json."}, status=400)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_CREDENTIAL_BYTES or len(request.body) > MAX_CREDENTIAL_BYTES:
        return _json({"error": f"A credential is at most {MAX_CREDENTIAL_BYTES} bytes."}, status=413)
    try:
        document = json.loads(request.body)
    except (ValueError, RecursionError):
        return _json({"error": "The body is not JSON."}, status=400)
    result = verify_credential(document)
    if result.ok:
        return _json({"valid": True})
    return _json({"valid": False, "check": result.check, "message": result.message}, status=422)
