from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class AdminSecondFactorMiddleware:
    """With ADMIN_REQUIRES_MFA (production), staff reach the Wagtail admin only after they
    have set up a TOTP authenticator; until then every admin URL sends them to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.ADMIN_REQUIRES_MFA
            and request.path_info.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.has_perm("wagtailadmin.access_admin")
            and not is_mfa_enabled(request.user)
        ):
            messages.info(request, _("Set up an authenticator app before using the admin."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
