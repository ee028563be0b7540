"""An imported file's labels: those naming a skill of the framework map the question to it, the
others stay tags, and the import report says which labels were kept as tags."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from wagtail.models import Locale

from content.models import Skill, SkillArea
from quizzes.importing import import_questions
from quizzes.models import Question, QuestionBank

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Churn</text></name>
    <questiontext format="html"><text>A flat retention curve means a core of users stays.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
    <tags><tag><text>retention</text></tag><tag><text>week-3</text></tag><tag><text>imported</text></tag></tags>
  </question>
</quiz>
"""


@pytest.fixture
def bank(db):
    area = SkillArea.objects.create(slug="user-operations", name="用户运营", name_en="User operations")
    Skill.objects.create(slug="retention", area=area, name="留存", name_en="Retention")
    return QuestionBank.objects.create(slug="ops", title="Operations")


def test_labels_outside_the_framework_stay_tags_and_the_report_names_them(bank):
    with translation.override("en"):
        report = import_questions(bank, Locale.objects.get(language_code="zh-hans"), XML, "moodlexml")
        assert report.labels == ["imported", "week-3"]
        assert report.labels_note() == (
            "2 labels are not skills of the framework and were kept as tags: imported, week-3")
    question = Question.objects.get(bank=bank)
    assert list(question.skills.values_list("slug", flat=True)) == ["retention"]
    assert set(question.tags.names()) == {"retention", "week-3", "imported"}


def test_the_command_and_the_admin_say_which_labels_were_kept_as_tags(bank, admin_client, tmp_path):
    path = tmp_path / "bank.xml"
    path.write_text(XML, encoding="utf-8")
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_questions", str(path), "--bank", "ops", "--format", "moodlexml", "--language", "en",
                     stdout=out)
    assert "kept as tags: imported, week-3" in out.getvalue()

    upload = SimpleUploadedFile("bank.xml", XML.encode(), content_type="text/xml")
    page = admin_client.post("/admin/quizzes/transfer/import/", {
        "format": "moodlexml", "bank": bank.pk, "language": "en", "file": upload})
    assert page.status_code == 200
    assert "imported, week-3" in page.content.decode()
