from django.db import connection
from wagtail.models import Page

def test_a(transactional_db, django_db_serialized_rollback):
    s = getattr(connection, "_test_serialized_contents", None)
    print("LEN", None if s is None else len(s), "wagtailcore.page" in (s or ""), Page.objects.count())

def test_b(transactional_db, django_db_serialized_rollback):
    s = getattr(connection, "_test_serialized_contents", None)
    print("LEN", None if s is None else len(s), "wagtailcore.page" in (s or ""), Page.objects.count())
