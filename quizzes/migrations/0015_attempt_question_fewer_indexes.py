"""Drop the indexes Django made for AttemptQuestion.attempt and .revision (models.py says why).

Only the indexes go: altering the fields the ordinary way would make SQLite copy the whole
table (millions of rows at scale) to rebuild it, so the database drops the two indexes by
name and the migration state records db_index=False."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "quizzes_attemptquestion_attempt_id_2b0c5fba": "attempt_id",
    "quizzes_attemptquestion_revision_id_473de605": "revision_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ("quizzes", "0014_question_draw_index"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attemptquestion",
                    name="attempt",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="questions", to="quizzes.attempt"),
                ),
                migrations.AlterField(
                    model_name="attemptquestion",
                    name="revision",
                    field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="+", to="wagtailcore.revision"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  reverse_sql=f"CREATE INDEX {name} ON quizzes_attemptquestion ({column})")
                for name, column in INDEXES.items()
            ],
        ),
    ]
