"""HR's permissions follow HRAdmin from certification to hr. The content type row is relabelled,
so the permission rows keep their ids and every group and user keeps holding them.

If an `hr.hradmin` content type exists already (a post_migrate signal ran in between), its
permissions are merged into the moved ones: their holders keep them, no duplicate is left."""

from django.conf import settings
from django.db import migrations


def _move(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label=old_label, model="hradmin").first()
    if old is None:
        return  # nothing to move: the permissions are created for the new label after migrating
    new = ContentType.objects.filter(app_label=new_label, model="hradmin").first()
    if new is not None:
        kept = {p.codename: p for p in Permission.objects.filter(content_type=old)}
        for duplicate in Permission.objects.filter(content_type=new):
            permission = kept.get(duplicate.codename)
            if permission is None:
                duplicate.content_type = old
                duplicate.save(update_fields=["content_type"])
                continue
            permission.group_set.add(*duplicate.group_set.all())
            permission.user_set.add(*duplicate.user_set.all())
            duplicate.delete()
        new.delete()
    old.app_label = new_label
    old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _move(apps, "certification", "hr")


def backwards(apps, schema_editor):
    _move(apps, "hr", "certification")


class Migration(migrations.Migration):
    dependencies = [
        ("hr", "0001_initial"),
        ("certification", "0005_hradmin_moves_to_hr"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
