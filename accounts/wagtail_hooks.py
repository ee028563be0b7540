from wagtail import hooks

from . import avatars


@hooks.register("get_avatar_url")
def initials_avatar(user, size):
    """Wagtail's admin shows a picture the person uploaded, or else our initials avatar, and never
    asks Gravatar (see accounts.avatars). Nobody (an action the system took) gets Wagtail's
    default picture."""
    if not hasattr(user, "get_display_name"):  # None, or an anonymous user
        return None
    profile = getattr(user, "wagtail_userprofile", None)  # RelatedObjectDoesNotExist is an AttributeError
    if profile is not None and profile.avatar:
        return profile.avatar.url
    return avatars.data_url(user, size)
