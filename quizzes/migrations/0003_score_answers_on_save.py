"""Answers are scored as they are saved (quizzes.api.save_answer) and unanswered questions hold 0,
so submitting only adds up. Attempts open at the upgrade get the same: their saved answers are
scored now, their unanswered questions set to 0."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations


def score_open_attempts(apps, schema_editor):
    from quizzes.grading import grade  # pure functions of the frozen spec: safe to use here

    AttemptQuestion = apps.get_model("quizzes", "AttemptQuestion")
    questions = AttemptQuestion.objects.filter(attempt__status="in_progress").only("spec", "response")
    changed = []
    for question in questions.iterator(chunk_size=2000):
        fraction = Decimal(str(grade(question.spec, question.response)))
        question.score = (Decimal(str(question.spec["points"])) * fraction).quantize(Decimal("0.001"), ROUND_HALF_UP)
        changed.append(question)
    AttemptQuestion.objects.bulk_update(changed, ["score"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0002_instructor_permissions")]

    operations = [migrations.RunPython(score_open_attempts, migrations.RunPython.noop)]
