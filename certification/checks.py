from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def credential_key_is_set(app_configs, **kwargs):
    """In production the signing key must be its own secret: a key derived from SECRET_KEY
    changes (and invalidates every credential) whenever SECRET_KEY is rotated."""
    if settings.CREDENTIAL_SIGNING_KEY:
        return []
    return [Warning(
        "CREDENTIAL_SIGNING_KEY is not set: credentials are signed with a key derived from SECRET_KEY.",
        hint="Generate one (see docs/deploy.md, 'Open Badges credentials') and set it in the environment.",
        id="certification.W001",
    )]
