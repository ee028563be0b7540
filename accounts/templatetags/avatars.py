from django import template
from django.utils.html import format_html

from accounts import avatars

register = template.Library()


@register.simple_tag
def avatar(user, css_class=""):
    """The person's initials in a coloured circle; decorative (their name is always next to it)."""
    return format_html(
        '<span class="avatar avatar--{}{}" aria-hidden="true">{}</span>',
        avatars.colour_index(user), f" {css_class}" if css_class else "", avatars.initials(user),
    )
