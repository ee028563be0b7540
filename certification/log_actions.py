"""The audit-log actions certification records (imported from apps.ready, so that they are
registered wherever the admin hooks live)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks


@hooks.register("register_log_actions")
def register_certificate_actions(actions):
    actions.register_action("certification.revoke", _("Revoke certificate"), _("Certificate revoked"))
