from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db import migrations, models

EPOCH, HALF_LIFE = datetime(2020, 1, 1, tzinfo=UTC), timedelta(days=90)  # as quizzes.mastery


def fill_sums(apps, schema_editor):
    """Existing mastery rows get the running sums of their evidence."""
    evidence, mastery = apps.get_model("quizzes", "SkillEvidence"), apps.get_model("quizzes", "SkillMastery")
    sums = defaultdict(lambda: [0.0, 0.0])
    for user_id, skill_id, fraction, weight, at in evidence.objects.values_list(
            "user_id", "skill_id", "fraction", "weight", "graded_at").iterator():
        weight *= 2.0 ** ((at - EPOCH) / HALF_LIFE)
        sums[user_id, skill_id][0] += fraction * weight
        sums[user_id, skill_id][1] += weight
    rows = list(mastery.objects.all())
    for row in rows:
        row.score_sum, row.weight_sum = sums[row.user_id, row.skill_id]
    mastery.objects.bulk_update(rows, ["score_sum", "weight_sum"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0009_skills_and_mastery'),
    ]

    operations = [
        migrations.AddField(
            model_name='skillmastery',
            name='score_sum',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='skillmastery',
            name='weight_sum',
            field=models.FloatField(default=0),
        ),
        migrations.RunPython(fill_sums, migrations.RunPython.noop),
    ]
