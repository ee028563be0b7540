from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from .groups import TRAINEES


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """A new sign-up speaks the language it signed up in and is a Trainee."""
        user.preferred_language = translation.get_language() or user.preferred_language
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user.groups.add(Group.objects.get(name=TRAINEES))
        return user

    def get_login_redirect_url(self, request):
        """After login, continue in the person's preferred language."""
        url = super().get_login_redirect_url(request)
        if url == reverse("courses:dashboard"):
            with translation.override(request.user.preferred_language):
                url = reverse("courses:dashboard")
        return url

    def format_email_subject(self, subject):
        """"【运营学院】…" in Chinese, "[Ops Academy] …" in English (ACCOUNT_EMAIL_SUBJECT_PREFIX is one language)."""
        return pgettext("email subject prefix", "[Ops Academy] ") + subject.strip()

    def send_mail(self, template_prefix, email, context):
        """Write to a person in their preferred language; to an address without an account
        (unknown account, sign-up) in the language of the page that asked."""
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
