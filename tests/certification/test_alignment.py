"""A certificate's Open Badges 3.0 achievement lists the skills it evidences as `alignment`
entries (the skills of the questions its rule's quizzes draw), signed like the rest of the
credential, pointing at the skills' CASE items on our framework page; the verify page lists
the same skills, linked to the page."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.models import Locale

from certification.credentials import dataintegrity
from certification.models import Certificate, RuleRequirement
from certification.queries import skills_evidenced
from content.models import Skill, SkillArea
from quizzes.models import Question, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.certification.conftest import take_quiz

# OB 3.0 AlignmentTargetType (1EdTech Open Badges 3.0, B.2 Enumerations); `ext:` extends it.
TARGET_TYPES = {"ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
                "CFRubricCriterionLevel", "CTDL"}


@pytest.fixture
def skills(db):
    """Two areas, in framework order users (retention, segmentation) then data (analysis, tests)."""
    data = SkillArea.objects.create(slug="data", name="数据", name_en="Data", sort_order=1)
    users = SkillArea.objects.create(slug="users", name="用户", name_en="Users", sort_order=0)
    made = {}
    for area, slug, order, zh, en in [
        (users, "retention", 0, "留存与促活", "Retention and engagement"),
        (users, "segmentation", 1, "用户分层", "Segmentation"),
        (data, "data-analysis", 0, "数据分析", "Data analysis"),
        (data, "experimentation", 1, "实验", "Experimentation"),
    ]:
        made[slug] = Skill.objects.create(slug=slug, area=area, sort_order=order, name=zh, name_en=en,
                                          description=f"{zh}的描述", description_en=f"What {en} is about")
    return made


def map_skills(mapping):
    """Give the standard quiz's questions (by key) their skills, as the curriculum loader does."""
    for key, slugs in mapping.items():
        question = Question.objects.get(key=key)
        question.skills.set(Skill.objects.filter(slug__in=slugs))
        question.save()  # a parental relation is written with its question


def question(bank, key, skills=(), locale="zh-hans", **fields):
    data = normalise({"key": key, "type": "true_false", "stem": key, "skills": list(skills),
                      "answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]})
    written, _revision = write_question(bank, Locale.objects.get(language_code=locale), data)
    for name, value in fields.items():
        setattr(written, name, value)
    written.save()
    return written


@pytest.fixture
def certificate(enrolled, rule, skills):
    # Data analysis twice and retention once among the questions the exam draws.
    map_skills({"q-single": ["data-analysis", "retention"], "q-tf": ["retention"], "q-num": ["data-analysis"]})
    take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


def credential(client, certificate):
    response = client.get(f"/verify/{certificate.public_id}/credential.json")
    assert response.status_code == 200
    return response.json()


def alignments(document):
    return document["credentialSubject"]["achievement"].get("alignment")


def verify(client, document):
    return client.post("/credentials/verify/", json.dumps(document), content_type="application/json")


def test_the_achievement_aligns_to_each_skill_its_quizzes_draw_once_in_framework_order(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(site_url="https://academy.example")  # issued there
    entries = alignments(credential(client, certificate))
    assert entries == [
        {"type": ["Alignment"], "targetName": "Retention and engagement",
         "targetUrl": "https://academy.example/en/skills/#skill-retention",
         "targetDescription": "What Retention and engagement is about", "targetFramework": "Ops Academy skills",
         "targetCode": "retention", "targetType": "CFItem"},
        {"type": ["Alignment"], "targetName": "Data analysis",
         "targetUrl": "https://academy.example/en/skills/#skill-data-analysis",
         "targetDescription": "What Data analysis is about", "targetFramework": "Ops Academy skills",
         "targetCode": "data-analysis", "targetType": "CFItem"},
    ]


def test_alignments_name_the_address_the_certificate_was_issued_under(client, certificate, settings):
    """Like the credential's other ids: a demo certificate printed by `make run PORT=8101` links
    its skills on that server, whatever the configured address."""
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    Certificate.objects.filter(pk=certificate.pk).update(site_url="http://127.0.0.1:8101")
    assert [entry["targetUrl"] for entry in alignments(credential(client, certificate))] == [
        "http://127.0.0.1:8101/en/skills/#skill-retention", "http://127.0.0.1:8101/en/skills/#skill-data-analysis"]


def test_each_alignment_names_the_skills_item_in_our_case_export(client, certificate):
    """targetType CFItem: the targetUrl is the `uri` of that skill's item in /skills/case.json."""
    items = {item["uri"]: item for item in client.get("/skills/case.json").json()["CFItems"]}
    for entry in alignments(credential(client, certificate)):
        item = items[entry["targetUrl"]]
        assert (item["CFItemType"], item["humanCodingScheme"], item["abbreviatedStatement"]) == (
            "Skill", entry["targetCode"], entry["targetName"])


def test_alignments_follow_the_ob3_alignment_model(client, certificate):
    """Per OB 3.0's Alignment: type includes Alignment, targetName and targetUrl (a URL) are
    required, targetType is one of the AlignmentTargetType values."""
    for entry in alignments(credential(client, certificate)):
        assert "Alignment" in entry["type"]
        assert entry["targetName"] and urlsplit(entry["targetUrl"]).scheme in {"http", "https"}
        assert entry["targetType"] in TARGET_TYPES
        assert set(entry) <= {"type", "targetName", "targetUrl", "targetDescription", "targetFramework",
                              "targetCode", "targetType"}


def test_the_alignments_are_signed_statements_and_the_credential_still_verifies(client, certificate):
    document = credential(client, certificate)
    assert verify(client, document).json() == {"valid": True}
    # The OB 3.0 context defines every alignment term, so each is in the signed dataset…
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    statements = dataintegrity.canonicalize(unsigned)
    for entry in alignments(document):
        for term in ("targetCode", "targetName", "targetFramework", "targetType", "targetDescription"):
            assert f'"{entry[term]}"' in statements, term
        assert f'"{entry["targetUrl"]}"^^<https://www.w3.org/2001/XMLSchema#anyURI>' in statements
    # … and a changed one breaks the signature.
    alignments(document)[0]["targetName"] = "Something we never certified"
    refused = verify(client, document)
    assert refused.status_code == 422 and refused.json()["check"] == "signature"


def test_a_rule_whose_questions_have_no_skills_has_no_alignment(client, enrolled, rule, skills):
    take_quiz(enrolled, rule.exam)
    document = credential(client, Certificate.objects.get())
    assert "alignment" not in document["credentialSubject"]["achievement"]
    assert verify(client, document).json() == {"valid": True}


def test_the_skills_come_from_every_quiz_the_rule_requires_as_each_draws(rule, skills, quiz_setup):
    """The exam's and the other required quizzes' draws count; a retired question, a question in
    another language than its quiz and, in a draw limited to a tag, the untagged ones do not."""
    exam = rule.exam
    question(quiz_setup.bank, "retired", ["experimentation"], live=False)
    question(quiz_setup.bank, "english", ["experimentation"], locale="en")
    tagged_bank = QuestionBank.objects.create(slug="tagged", title="Tagged")
    question(tagged_bank, "tagged", ["data-analysis", "only-these"])
    question(tagged_bank, "untagged", ["experimentation"])
    QuizDraw.objects.create(quiz=exam, bank=tagged_bank, tag="only-these", count=1)
    assert [skill.slug for skill in skills_evidenced(rule)] == ["data-analysis"]

    other_bank = QuestionBank.objects.create(slug="other", title="Other")
    question(other_bank, "other", ["segmentation"])
    other = QuizPage(title="Other quiz", slug="other-quiz", draws=[QuizDraw(bank=other_bank, count=1)])
    exam.get_parent().add_child(instance=other)
    assert [skill.slug for skill in skills_evidenced(rule)] == ["data-analysis"]  # not required yet
    RuleRequirement.objects.create(rule=rule, quiz=other)
    assert [skill.slug for skill in skills_evidenced(rule)] == ["segmentation", "data-analysis"]


@pytest.mark.parametrize("lang, accept, names", [
    ("en", "en", ["Retention and engagement", "Data analysis"]),
    ("zh-hans", "zh-CN", ["留存与促活", "数据分析"]),
])
def test_the_verify_page_lists_the_skills_linked_to_the_framework_page(client, certificate, lang, accept, names):
    response = client.get(f"/verify/{certificate.public_id}/", HTTP_ACCEPT_LANGUAGE=accept)
    links = BeautifulSoup(response.content, "html.parser").select(".verify__skills a")
    assert [link.get_text() for link in links] == names
    assert [link["href"] for link in links] == [f"/{lang}/skills/#skill-{s}" for s in ("retention", "data-analysis")]
    # … whose anchors exist.
    page = BeautifulSoup(client.get(f"/{lang}/skills/").content, "html.parser")
    assert all(page.select_one(link["href"].split("/skills/")[1]) for link in links)


@pytest.mark.parametrize("mapped", [1, 4])
def test_verify_page_and_credential_queries_do_not_grow_with_skills(
        client, enrolled, rule, skills, mapped, django_assert_num_queries):
    slugs = list(skills)[:mapped]
    map_skills({key: slugs for key in ("q-single", "q-tf", "q-num", "q-short")})
    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    # The certificate with its rule, the holder's certificates of this rule (the history), the
    # skills evidenced.
    with django_assert_num_queries(3):
        page = client.get(f"/verify/{certificate.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(BeautifulSoup(page.content, "html.parser").select(".verify__skills li")) == mapped
    with django_assert_num_queries(2):  # the certificate with its rule, the skills evidenced
        assert len(alignments(credential(client, certificate))) == mapped


def test_the_shipped_course_certificate_aligns_to_its_skills_and_verifies(client, db):
    """With the real curriculum (every module quiz, the final exam and the capstone), the course
    certificate's credential stays within the verifier's bounds and verifies."""
    from certification.curriculum import COURSE_RULE
    from certification.models import CertificateRule
    from courses.curriculum import load_curriculum
    from tests.conftest import make_user

    load_curriculum()
    rule = CertificateRule.objects.get(slug=COURSE_RULE[0])
    now = timezone.now()
    certificate = Certificate.objects.create(
        user=make_user("holder@example.com"), rule=rule, holder_name="Holder", achievement=rule.title,
        achievement_en=rule.title_en, issuer_name="Ops Academy", issued_at=now, valid_until=now + timedelta(days=730))
    document = credential(client, certificate)
    codes = [entry["targetCode"] for entry in alignments(document)]
    assert codes == [skill.slug for skill in skills_evidenced(rule)] and len(codes) >= 20
    assert verify(client, document).json() == {"valid": True}
