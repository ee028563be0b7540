"""Drop the indexes Django made for SkillMastery.user and .skill (models.py says why): the
unique (user, skill) and the (skill, level) indexes lead with those columns.

As in 0015, the database drops the indexes by name rather than SQLite copying the table to
rebuild it; the migration state records db_index=False."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "quizzes_skillmastery_user_id_b34ccd9f": "user_id",
    "quizzes_skillmastery_skill_id_1d67f651": "skill_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ("quizzes", "0015_attempt_question_fewer_indexes"),
        ("content", "0003_verbose_name_plural"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="skillmastery",
                    name="user",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="skill_mastery", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="skillmastery",
                    name="skill",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to="content.skill"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  reverse_sql=f"CREATE INDEX {name} ON quizzes_skillmastery ({column})")
                for name, column in INDEXES.items()
            ],
        ),
    ]
