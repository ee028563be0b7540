"""HRAdmin moves here from certification (certification 0005): state only, it has no table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("certification", "0005_hradmin_moves_to_hr")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="HRAdmin",
                fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))],
                options={
                    "permissions": [
                        ("view_hr_reports", "Can view HR reports and transcripts"),
                        ("revoke_certificate", "Can revoke certificates"),
                        ("assign_course", "Can assign courses to people and departments"),
                        ("import_people", "Can import people and manage departments"),
                    ],
                    "managed": False,
                    "default_permissions": [],
                },
            ),
        ]),
    ]
