from django.contrib.auth.models import Group
from wagtail.models import Locale, Page, Site
from accounts.groups import TRAINEES

def test_migrated_rows_survive(transactional_db, django_db_serialized_rollback):
    assert Group.objects.filter(name=TRAINEES).exists(), list(Group.objects.all())
    assert Page.get_first_root_node() is not None
    assert Locale.objects.exists()
    assert Site.objects.exists()
    from courses.models import CoursePage
    assert not CoursePage.objects.exists()
