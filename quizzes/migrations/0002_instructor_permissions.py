"""Instructors author question banks and questions in the Wagtail admin."""

from django.db import migrations

CODENAMES = [f"{action}_{model}" for model in ("question", "questionbank") for action in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("quizzes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    instructors = Group.objects.get(name="Instructors")
    instructors.permissions.add(*Permission.objects.filter(content_type__app_label="quizzes", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="Instructors").permissions.remove(
        *Permission.objects.filter(content_type__app_label="quizzes", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0001_initial"), ("accounts", "0002_groups")]
    operations = [migrations.RunPython(grant, revoke)]
