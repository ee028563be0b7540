"""Quiz views: parse input, call `quizzes.api`, render. Nothing that reveals a right answer,
a fraction or feedback is sent while an attempt is open: templates only get `public_question`;
after grading, only what `api.review_level` allows."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import get_usage

from content.markdown import render_markdown

from . import api, attachments, labs, next_steps, rubrics
from .grading import grade, matched_answer, matching_items, right_answer
from .models import AttemptQuestion, ReviewPolicy

MAX_BODY = 128 * 1024  # one answer (an essay: 20,000 characters, JSON-escaped); bigger is refused unread


def _error(request, error, *, as_json=False):
    if as_json:
        return JsonResponse({"error": str(error)}, status=error.status)
    return render(request, "403.html", {"reason": str(error)}, status=error.status)


@require_POST
@login_required
def start(request, quiz_id):
    quiz = api.live_quiz(quiz_id) if quiz_id <= api.MAX_ID else None
    if quiz is None:
        return _error(request, api.AttemptNotFound(_("No such quiz.")))
    try:
        attempt = api.start_attempt(request.user, quiz)
    except api.QuizError as error:
        return _error(request, error)
    return redirect("quizzes:attempt", attempt.pk)


def public_question(question):
    """What the trainee may see of an open question: text and tokens, never fractions."""
    spec = question.spec
    by_token = {a["token"]: a for a in spec["answers"]}
    options = [{"token": token, "text": by_token[token]["text"]} for token in spec["order"]]
    if spec["type"] == "true_false":
        labels = {"true": _("True"), "false": _("False")}
        options = [{"token": o["token"], "text": labels.get(o["text"].strip().lower(), o["text"])} for o in options]
    response = question.response
    if spec["type"] == "ordering" and isinstance(response, list):
        ranks = {token: rank for rank, token in enumerate(response, start=1)}
        options = [{**o, "rank": ranks.get(o["token"])} for o in options]
    if spec["type"] == "matching" and isinstance(response, dict):
        options = [{**o, "chosen": response.get(o["token"])} for o in options]
    return {
        "position": question.position,
        "type": spec["type"],
        "points": spec["points"],
        "stem_html": spec["stem_html"],
        "units": spec.get("units", []),
        "options": options,
        "targets": spec.get("targets", []),
        "dictionary_html": labs.dictionary_html(spec["lab"]["dataset"]) if spec["type"] == "sql" else "",
        "essay": _public_essay(spec) if spec["type"] == "essay" else None,
        "files": attachments.listed(question),  # read for all questions at once by attachments.with_files
        "response": response if response is not None else ([] if spec["type"] == "multiple_response" else None),
        "saved_at": question.saved_at,
    }


def _public_essay(spec):
    """What a trainee sees of an essay's settings: the template, the attachments allowed, and
    the rubric's criteria and levels (what they will be graded on), never the grader's notes."""
    essay = spec["essay"]
    return {
        "template": essay["template"],
        "attachments": essay["attachments"],
        "attachments_required": essay["attachments_required"],
        "rubric": [{"title": c["title"], "description": c.get("description", ""),
                    "levels": [{"title": lv["title"], "points": lv["points"]} for lv in c["levels"]]}
                   for c in essay["rubric"]],
    }


@require_GET
@never_cache  # Back after submitting asks the server again, which sends the result, not the form
@login_required
def attempt_view(request, attempt_id):
    try:
        attempt = api.get_own_attempt(request.user, attempt_id)
    except api.QuizError as error:
        return _error(request, error)
    if not attempt.is_open:
        return redirect("quizzes:result", attempt.pk)
    if api.is_past_deadline(attempt, timezone.now()):
        api.submit_attempt(request.user, attempt.pk, finished_by="deadline")
        return redirect("quizzes:result", attempt.pk)
    questions = [public_question(q) for q in attachments.with_files(AttemptQuestion.objects.filter(attempt=attempt))]
    saved = [q["saved_at"] for q in questions if q["saved_at"]]
    return render(request, "quizzes/attempt.html", {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": questions,
        "last_saved": max(saved) if saved else None,
        "grace_seconds": int(api.grace().total_seconds()),
        "attachment_max_bytes": attachments.max_bytes(),
        "attachment_accept": attachments.ACCEPT,
    })


def response_from_form(spec, position, data):
    """The response of question `position` from form fields (the no-JavaScript path)."""
    name = f"q{position}"
    kind = spec["type"]
    if kind == "multiple_response":
        return data.getlist(name)
    if kind == "ordering":
        ranks = []
        for answer in spec["answers"]:
            rank = api.parse_position(data.get(f"{name}-{answer['token']}", ""))
            if rank is None:
                return None
            ranks.append((rank, answer["token"]))
        return [token for _rank, token in sorted(ranks)]
    if kind == "matching":
        pairs = {a["token"]: data.get(f"{name}-{a['token']}") for a in spec["answers"]}
        return {k: v for k, v in pairs.items() if v}
    return data.get(name)


def _parse_answer(request):
    length = request.headers.get("Content-Length") or "0"
    if not (length.isascii() and length.isdigit()):  # Django reads such a body as empty
        raise api.BadResponse(_("The request's Content-Length is not a number."))
    if int(length) > MAX_BODY:
        raise api.BadResponse(_("The request is too large."))
    if request.content_type == "application/json":
        # Only JSON is read as a body: CsrfViewMiddleware has already parsed a multipart form
        # (what attempt.js sends), after which request.body raises RawPostDataException.
        if len(request.body) > MAX_BODY:
            raise api.BadResponse(_("The request is too large."))
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
            raise api.BadResponse(_("The request is not valid JSON.")) from None
        if not isinstance(payload, dict) or "position" not in payload or "response" not in payload:
            raise api.BadResponse(_("Send {\"position\": …, \"response\": …}."))
        return payload["position"], payload["response"], None
    return request.POST.get("position"), None, request.POST


@require_POST
@login_required
def save(request, attempt_id):
    """Save one answer (JSON or form fields); answers 200 with the time it was saved."""
    try:
        raw_position, response, form = _parse_answer(request)
        position = api.parse_position(raw_position)
        if form is not None:  # form fields: read them the way the question's inputs are named
            attempt = api.get_own_attempt(request.user, attempt_id)
            question = (
                AttemptQuestion.objects.filter(attempt=attempt, position=position or 0).only("spec", "position").first()
            )
            if question is None:
                raise api.BadResponse(_("That question is not part of this attempt."))
            response = response_from_form(question.spec, question.position, form)
        saved_at = api.save_answer(request.user, attempt_id, position, response)
    except api.QuizError as error:
        return _error(request, error, as_json=True)
    return JsonResponse({"saved_at": saved_at.isoformat(), "position": position})


@require_POST
@login_required
def run_query(request, attempt_id):
    """Run an SQL lab query (form fields `position`, `sql`): 200 with the preview, 400 with the
    sandbox's reason, 429 when the trainee's SQL_LAB_RATE_LIMIT is used up."""
    usage = get_usage(request, group="quizzes.sql-lab", key="user", rate=settings.SQL_LAB_RATE_LIMIT or None,
                      increment=True)
    if usage is not None and usage["should_limit"]:
        response = JsonResponse({"error": _("Too many queries at once; wait a moment and run it again.")}, status=429)
        response["Retry-After"] = str(max(1, usage["time_left"]))
        return response
    try:
        result = api.run_lab_query(request.user, attempt_id, request.POST.get("position"), request.POST.get("sql"))
    except api.QuizError as error:
        return _error(request, error, as_json=True)
    return JsonResponse({
        "columns": result.columns, "rows": [[labs.json_cell(v) for v in row] for row in result.rows],
        "row_count": result.row_count_label, "truncated": result.truncated, "elapsed_ms": round(result.elapsed_ms, 1),
    })


def is_unanswered(spec, response):
    """Nothing given, or an ordering or matching question left part done."""
    if response in (None, "", [], {}):
        return True
    if spec["type"] == "ordering":
        return len(response) < len(spec["answers"])
    if spec["type"] == "matching":  # its items: a distractor is only a choice
        return len(response) < len(matching_items(spec))
    return False


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def confirm(request, attempt_id):
    """The step before submitting when the page runs no script (attempt.js asks in a dialog):
    a POST saves the form's answers and comes back here; the page lists what is unanswered."""
    try:
        attempt = api.get_own_attempt(request.user, attempt_id)
        if not attempt.is_open:
            return redirect("quizzes:result", attempt.pk)
        if request.method == "POST":
            _save_form_answers(request.user, attempt_id, request.POST)
            return redirect("quizzes:confirm", attempt_id)
    except api.AttemptClosed:  # time ran out meanwhile: the attempt page grades it
        return redirect("quizzes:attempt", attempt_id)
    except api.QuizError as error:
        return _error(request, error)
    questions = AttemptQuestion.objects.filter(attempt=attempt).only("spec", "position", "response")
    questions = questions.order_by("position")
    return render(request, "quizzes/confirm.html", {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "unanswered": [q.position for q in questions if is_unanswered(q.spec, q.response)],
    })


@require_POST
@login_required
def submit(request, attempt_id):
    """Save whatever the form carries, then grade. Submitting twice changes nothing."""
    try:
        if any(name.startswith("q") for name in request.POST):  # the no-JavaScript form
            _save_form_answers(request.user, attempt_id, request.POST)
        api.submit_attempt(request.user, attempt_id)
    except api.AttemptClosed:
        pass  # time ran out while submitting: it was graded with what was saved
    except api.QuizError as error:
        return _error(request, error)
    return redirect("quizzes:result", attempt_id)


def _save_form_answers(user, attempt_id, data):
    attempt = api.get_own_attempt(user, attempt_id)
    if not attempt.is_open:
        return
    for question in AttemptQuestion.objects.filter(attempt=attempt).only("spec", "position"):
        response = response_from_form(question.spec, question.position, data)
        if response not in (None, "", [], {}):
            try:
                api.save_answer(user, attempt.pk, question.position, response)
            except api.BadResponse:
                pass  # an unreadable field counts as unanswered, like a blank one


def reviewed_question(question, level):
    spec = question.spec
    item = public_question(question)
    item["score"] = question.score
    # An SQL lab's or essay's stored score, rather than running its queries again on every view.
    stored = spec["type"] in ("sql", "essay")
    item["fraction"] = (float(question.score / question.points) if stored and question.score is not None
                        else 0.0 if stored else grade(spec, question.response))
    if spec["type"] == "essay":  # the grader's rubric and words are the trainee's to read, whatever the level
        marking = question.marking or {}
        item["essay_html"] = render_markdown(question.response or "")
        item["rubric"] = rubrics.described(spec, marking)
        item["grader_feedback"] = marking.get("feedback", "")
        return item
    if level in (ReviewPolicy.ANSWERS, ReviewPolicy.FEEDBACK):
        right = right_answer(spec)
        by_token = {a["token"]: a for a in spec["answers"]}
        item["right"] = right
        item["right_text"] = _describe(spec, right, by_token)
        item["given_text"] = _describe(spec, question.response, by_token) if question.response is not None else ""
    if level == ReviewPolicy.FEEDBACK:
        item["explanation_html"] = spec["explanation_html"]
        if spec["type"] == "sql":  # the comparison made at grading: its message, missing and extra rows
            item["lab_feedback"] = question.marking or {}
        picked = question.response if isinstance(question.response, list) else [question.response]
        item["feedback"] = [
            by_token[t]["feedback"] for t in picked if isinstance(t, str) and t in by_token and by_token[t]["feedback"]
        ]
        if spec["type"] in ("numeric", "short_text") and isinstance(question.response, str):
            matched = matched_answer(spec, question.response)  # Moodle's "any other answer" has feedback too
            item["feedback"] = [matched["feedback"]] if matched and matched["feedback"] else []
    return item


def _describe(spec, response, by_token):
    kind = spec["type"]
    targets = {t["token"]: t["text"] for t in spec.get("targets", [])}
    if kind in ("single_choice", "true_false"):
        text = by_token[response]["text"] if response in by_token else ""
        return {"true": _("True"), "false": _("False")}.get(text.strip().lower(), text)
    separator = pgettext("list separator", "; ")  # Chinese: a full-width "；"
    if kind == "multiple_response":
        return separator.join(by_token[t]["text"] for t in response if t in by_token)
    if kind in ("numeric", "short_text", "calculated", "sql"):
        return str(response)
    if kind == "ordering":
        return " → ".join(by_token[t]["text"] for t in response if t in by_token)
    if kind == "matching":
        # Not an em dash between Chinese words, where it reads as 一: the catalogue's pair format.
        pair = pgettext("a matched pair", "%(item)s — %(match)s")
        return separator.join(pair % {"item": by_token[k]["text"], "match": targets.get(v, "")}
                              for k, v in response.items() if k in by_token)
    return ""


@require_GET
@never_cache
@login_required
def result(request, attempt_id):
    try:
        attempt = api.get_own_attempt(request.user, attempt_id)
    except api.QuizError as error:
        return _error(request, error)
    if attempt.is_open:
        return redirect("quizzes:attempt", attempt.pk)
    level = api.review_level(attempt) if attempt.is_graded else None
    questions = []
    if level in (ReviewPolicy.ANSWERS, ReviewPolicy.FEEDBACK):
        questions = [reviewed_question(q, level)
                     for q in attachments.with_files(AttemptQuestion.objects.filter(attempt=attempt))]
    elif level is not None:  # score only: still the trainee's own essays with their graders' feedback
        questions = [reviewed_question(q, level)
                     for q in attachments.with_files(AttemptQuestion.objects.filter(attempt=attempt, manual=True))]
    withheld = level == ReviewPolicy.SCORE and attempt.quiz.review_policy != ReviewPolicy.SCORE
    return render(request, "quizzes/result.html", {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "level": level,
        "questions": questions,
        "answers_later": attempt.quiz.answers_shown if withheld else None,
        "quiz_url": attempt.quiz.url,
        "next_steps": next_steps.for_attempt(attempt),
    })
