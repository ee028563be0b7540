"""SQL labs in a module's questions.yaml: `type: sql`, the lab's settings under `lab`, the reference
query under `query`."""

import pytest
from django.core.management import CommandError, call_command

from courses.curriculum import load_curriculum
from quizzes.models import Question
from tests.conftest import write_curriculum

SQL_YAML = """\
- key: m1-cohort-sizes
  type: sql
  difficulty: medium
  points: 2
  stem:
    zh-hans: "列出每个注册月的新增用户数，按月份排序。"
    en: "List the new users of each signup month, sorted by month."
  lab: {dataset: shop, variants: 8}
  query: |
    SELECT strftime('%Y-%m', signup_date) AS cohort, COUNT(*) AS users
    FROM users GROUP BY cohort ORDER BY cohort
  explanation: {zh-hans: 按月分组计数。, en: Group by month and count.}
"""


def test_an_sql_lab_loads_in_both_languages_with_its_dataset_and_reference_query(db, tmp_path):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "01-module-1" / "questions.yaml").write_text(SQL_YAML, encoding="utf-8")
    load_curriculum(folder)
    zh, en = (Question.objects.get(key="m1-cohort-sizes", locale__language_code=lang) for lang in ("zh-hans", "en"))
    assert zh.question_type == en.question_type == "sql"
    assert zh.lab == en.lab == {"dataset": "shop", "variants": 8}
    assert [(a.text, float(a.fraction)) for a in en.answers.all()] == [
        ("SELECT strftime('%Y-%m', signup_date) AS cohort, COUNT(*) AS users\n"
         "FROM users GROUP BY cohort ORDER BY cohort", 1.0)]
    assert zh.translation_key == en.translation_key


@pytest.mark.parametrize("change, reason", [
    ("COUNT(*) AS users", "no such column"),               # the reference fails on the dataset
    ("{dataset: shop, variants: 8}", "choose a dataset"),  # a dataset that is not shipped
])
def test_a_broken_sql_lab_is_a_load_error_at_its_line_and_nothing_loads(db, tmp_path, change, reason):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    path = folder / "01-module-1" / "questions.yaml"
    broken = SQL_YAML.replace(change, {"COUNT(*) AS users": "COUNT(amount) AS users",
                                       "{dataset: shop, variants: 8}": "{dataset: nowhere}"}[change])
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_curriculum", path=str(folder))
    assert f"{path}:1: question 'm1-cohort-sizes'" in str(error.value)
    assert reason in str(error.value)
    assert not Question.objects.exists()
