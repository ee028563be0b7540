from allauth.account import forms as allauth_forms
from django import forms

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language"]


# The id of the error summary in config/templates/allauth/elements/fields.html.
FORM_ERRORS_ID = "form-errors"


class LoginForm(allauth_forms.LoginForm):
    """Allauth's log-in form; after a failed log-in (an error of the whole form) its fields are
    marked invalid and described by the error summary, so a screen reader reads the reason on
    each field (WCAG 3.3.1)."""

    def full_clean(self):
        super().full_clean()
        if not self.non_field_errors():
            return
        for name in ("login", "password"):
            if name in self.fields:
                bound = self[name]
                described = [FORM_ERRORS_ID] + ([f"{bound.auto_id}_helptext"] if bound.help_text else [])
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})
