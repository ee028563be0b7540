"""The Managers group: admin access and `hr.view_own_department` only, so a manager sees the
skills reports, the compliance matrix and the transcripts of the department they oversee
(`hr.ManagerScope`) and nothing else in the admin: no page, snippet, image, document, user or
other HR report or action."""

from django.db import migrations

MANAGERS = "Managers"
MANAGER_PERMISSIONS = [("wagtailadmin", "access_admin"), ("hr", "view_own_department")]


def _permissions(apps):
    from django.db.models import Q

    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in MANAGER_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("hr")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    managers, _created = Group.objects.get_or_create(name=MANAGERS)
    managers.permissions.add(*_permissions(apps))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MANAGERS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hr", "0003_managerscope"),
        ("wagtailadmin", "0006_formstate"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
