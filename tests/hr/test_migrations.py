"""HR's permissions move from certification to hr on a database that already holds them: the
permission rows keep their ids, and every group and user that held them still does."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.groups import HR

BEFORE = [("certification", "0004_certificate_pdf_file"), ("hr", None)]
CODENAMES = {"view_hr_reports", "revoke_certificate", "assign_course", "import_people"}


def migrate(targets):
    """Migrate to `targets` (the latest state of every app without) and return that state's apps."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


@pytest.fixture
def before_the_move(transactional_db, django_db_serialized_rollback):
    """The database as it was before hr existed; afterwards migrated to the latest state again
    (the serialized rollback then restores the groups and permissions of the migrations)."""
    apps = migrate(BEFORE)
    yield apps
    migrate(None)  # the content type's row is as before: ContentType's cache stays right


def held(apps, app_label):
    Permission = apps.get_model("auth", "Permission")
    return {p.codename: p for p in Permission.objects.filter(content_type__app_label=app_label, codename__in=CODENAMES)}


def test_hr_permissions_keep_their_rows_and_holders(before_the_move):
    apps = before_the_move
    old = held(apps, "certification")
    assert set(old) == CODENAMES and not held(apps, "hr")
    hr_group = apps.get_model("auth", "Group").objects.get(name=HR)
    assert set(hr_group.permissions.values_list("codename", flat=True)) >= CODENAMES
    auditors = apps.get_model("auth", "Group").objects.create(name="Auditors")
    auditors.permissions.add(old["view_hr_reports"])
    User = apps.get_model("accounts", "User")
    clerk = User.objects.create(username="clerk", email="clerk@example.com", password="!")
    clerk.user_permissions.add(old["revoke_certificate"])
    permissions = Permission.objects.count()

    migrate(None)

    assert not ContentType.objects.filter(app_label="certification", model="hradmin").exists()
    moved = {p.codename: p.pk for p in Permission.objects.filter(content_type__app_label="hr", codename__in=CODENAMES)}
    assert moved == {codename: permission.pk for codename, permission in old.items()}
    assert Permission.objects.count() == permissions
    assert set(Group.objects.get(name=HR).permissions.filter(content_type__app_label="hr")
               .values_list("codename", flat=True)) == CODENAMES
    assert list(Group.objects.get(name="Auditors").permissions.values_list("content_type__app_label", "codename")) == [
        ("hr", "view_hr_reports")]
    clerk = get_user_model().objects.get(username="clerk")
    assert clerk.has_perm("hr.revoke_certificate") and not clerk.has_perm("hr.view_hr_reports")


def test_permissions_made_for_hr_in_between_are_merged(before_the_move):
    """An `hr.hradmin` content type created before the data migration (by a post_migrate
    signal): its holders keep the permission, and one row per codename is left."""
    apps = before_the_move
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    PermissionThen = apps.get_model("auth", "Permission")
    early = ContentTypeThen.objects.create(app_label="hr", model="hradmin")
    duplicate = PermissionThen.objects.create(content_type=early, codename="view_hr_reports", name="Can view")
    latecomers = apps.get_model("auth", "Group").objects.create(name="Latecomers")
    latecomers.permissions.add(duplicate)
    original = held(apps, "certification")["view_hr_reports"].pk

    migrate(None)

    assert list(ContentType.objects.filter(model="hradmin").values_list("app_label", flat=True)) == ["hr"]
    view = Permission.objects.get(content_type__app_label="hr", codename="view_hr_reports")
    assert view.pk == original
    assert set(view.group_set.values_list("name", flat=True)) == {HR, "Latecomers"}
    assert Permission.objects.filter(content_type__app_label="hr", codename__in=CODENAMES).count() == len(CODENAMES)
