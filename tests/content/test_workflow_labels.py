"""The page editor's submit action speaks the admin's language: Wagtail names it after the
workflow ("Submit to Moderators approval", a name stored in the database), we say "submit for
review"."""

import pytest
from wagtail.users.models import UserProfile


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "提交审核"), ("en", "Submit for review")])
def test_the_submit_action_is_named_in_the_admins_language(admin_client, admin_user, make_tree, language, label):
    tree = make_tree()
    UserProfile.objects.update_or_create(user=admin_user, defaults={"preferred_language": language})
    page = admin_client.get(f"/admin/pages/{tree.lessons[0][0].pk}/edit/").content.decode()
    assert label in page
    assert "Moderators approval" not in page
