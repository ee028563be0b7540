from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower


def fill(apps, schema_editor):
    User, EmployeeProfile = apps.get_model("accounts", "User"), apps.get_model("accounts", "EmployeeProfile")
    path = EmployeeProfile.objects.filter(user=OuterRef("pk")).values("department__path")[:1]
    User.objects.update(sort_department_path=Subquery(path), sort_name=Lower("display_name"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_verbose_name_plural"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sort_department_path",
            field=models.CharField(editable=False, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="sort_name",
            field=models.CharField(default="", editable=False, max_length=120),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["sort_department_path", "sort_name", "email", "id", "is_active"],
                               name="accounts_user_hr_order"),
        ),
    ]
