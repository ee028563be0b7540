"""Where a translation stands against its source (content.translations), and Instructors may
use *Translate* (simple_translation's `submit_translation`), as the README promises."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def grant_translate(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("simple_translation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="simple_translation", codename="submit_translation")
    for group in Group.objects.filter(name="Instructors"):
        group.permissions.add(permission)


def revoke_translate(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Instructors"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="simple_translation", codename="submit_translation")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0001_skills_framework'),
        ('wagtailcore', '0098_apitoken'),
        ('accounts', '0002_groups'),
        ('simple_translation', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='TranslationSync',
            fields=[
                ('page', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                ('synced_at', models.DateTimeField(auto_now=True)),
                ('source_revision', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision')),
            ],
            options={
                'verbose_name': 'translation status',
                'verbose_name_plural': 'translation statuses',
            },
        ),
        migrations.RunPython(grant_translate, revoke_translate),
    ]
