from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from .forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect(translate_url(request.path, user.preferred_language))
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def resend_verification(request):
    """Send a new confirmation link to an address that awaits one (form field `email`).

    Anyone may ask (an unverified person cannot log in), so the answer is the same whether
    or not the address has an account, and each address gets at most one email per
    RESEND_VERIFICATION_RATE (and each client a few per hour)."""
    email = (request.POST.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        messages.error(request, _("Enter the email address you signed up with."))
        return redirect(reverse("account_email_verification_sent"))
    by_client = get_usage(request, group="accounts.resend-ip", key="ip", rate="10/h", increment=True)
    by_address = get_usage(request, group="accounts.resend", key=lambda _group, _request: email.lower(),
                           rate=getattr(settings, "RESEND_VERIFICATION_RATE", "1/m"), increment=True)
    if not any(usage and usage["should_limit"] for usage in (by_client, by_address)):
        address = EmailAddress.objects.filter(email__iexact=email, verified=False).select_related("user").first()
        if address is not None:
            address.send_confirmation(request)
    messages.success(request, _("If %(email)s awaits confirmation, a new link is on its way. It can take a few "
                                "minutes; look in the spam folder too.") % {"email": email})
    return redirect(reverse("account_email_verification_sent"))
