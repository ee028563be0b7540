"""HR uses the Wagtail admin for reports, revocations, course assignments and people imports;
it reads learning data and may change no page, snippet, question, image or document."""

from django.db import migrations

HR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("certification", "view_hr_reports"),
    ("certification", "revoke_certificate"),
    ("certification", "assign_course"),
    ("certification", "import_people"),
]


def _permissions(apps):
    from django.db.models import Q

    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in HR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("certification")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    hr, _created = Group.objects.get_or_create(name="HR")
    hr.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="HR").permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_hradmin"),
        ("accounts", "0004_department_employeeprofile"),
        ("courses", "0003_enrolment_due_date_assignment_enrolment_assignment_and_more"),
        ("wagtailadmin", "0006_formstate"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
