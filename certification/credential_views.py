"""The public documents behind our Open Badges 3.0 credentials, and the verification API.

The credential itself is `views.credential`; here are the issuer profile (which publishes the
key), the revocation status list, and `POST /credentials/verify/` for verifiers that would rather
ask us than check a credential themselves. That endpoint is a public, CSRF-exempt JSON API: it
takes no cookies into account, changes nothing, reads at most MAX_CREDENTIAL_BYTES, and answers
each client address at most CREDENTIAL_VERIFY_RATE_LIMIT times (429 with Retry-After beyond).
"""

import ipaddress
import json

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from .credentials import MAX_CREDENTIAL_BYTES, issuer_profile, status_list_credential, verify_credential

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


def _client(group, request):
    """The client's address as allauth's login limits see it (ALLAUTH_TRUSTED_PROXY_COUNT says
    how many proxies to look through); an IPv6 client is its /64, which one host usually holds."""
    address = ipaddress.ip_address(get_adapter().get_client_ip(request))
    return str(ipaddress.ip_network(f"{address}/{64 if address.version == 6 else 32}", strict=False))


def _over_rate_limit(request):
    """A 429 once this client has used up CREDENTIAL_VERIFY_RATE_LIMIT, else None."""
    usage = get_usage(
        request, group="certification.verify", key=_client, rate=settings.CREDENTIAL_VERIFY_RATE_LIMIT or None,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    response = _json({"error": "Too many verification requests from this address; try again later."}, status=429)
    response["Retry-After"] = str(max(1, usage["time_left"]))
    return response


@csrf_exempt
@require_POST
def verify(request):
    """200 {"valid": true}, or 422 {"valid": false, "check", "message"}; 400/413 for bad input,
    429 when the client's rate is used up."""
    if limited := _over_rate_limit(request):
        return limited
    if request.content_type not in JSON_TYPES:
        return _json({"error": "Send the credential as application/json."}, status=400)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not (declared.isascii() and declared.isdigit()):
        return _json({"error": "Content-Length must be a whole number of bytes."}, status=400)
    if int(declared) > MAX_CREDENTIAL_BYTES or len(request.body) > MAX_CREDENTIAL_BYTES:
        return _json({"error": f"A credential is at most {MAX_CREDENTIAL_BYTES} bytes."}, status=413)
    try:
        document = json.loads(request.body)
    except (ValueError, RecursionError):
        return _json({"error": "The body is not JSON."}, status=400)
    result = verify_credential(document)
    if result.ok:
        return _json({"valid": True})
    return _json({"valid": False, "check": result.check, "message": result.message}, status=422)
