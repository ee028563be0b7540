"""Quiz load: concurrent trainees start a 20-question quiz, save 20 answers and submit, against
gunicorn on loopback, beside a bare one-row-insert POST view measured in the same run.

    .venv/bin/python bench/quiz.py --db sqlite
    .venv/bin/python bench/quiz.py --db postgres --database-url postgres://…/opsacademy

A fresh database (bench/run.py's helpers) gets the curriculum, the seeded trainees (enrolled in
the zh-hans course; bench/seed.py), sessions created directly, and a bench quiz under the course
(no module lock) whose draws take 20 questions: `--calculated` (5) from a bench bank of calculated
questions (CALCULATED: each attempt draws its own numbers at start) and the rest from the final
exam's banks. `--concurrency` clients (one trainee at a time each) then run the phases one after
another, so that each has its own rate and latencies: the bare insert view (`/_bench/insert/`,
bench/minimal), every trainee opening the quiz page (measured, no target: at 9:00 a class presses
Start on the page it has open), every trainee's start, every trainee's 20 saves (JSON, a right answer from
`quizzes.grading.right_answer`: for a calculated question the attempt's own answer as the
question displays it, e.g. "3.142"), every trainee's submit, the bare insert view again. Finally
the database is checked: answers stored equal the 2xx save acknowledgements, every attempt is
finished exactly once, and every calculated answer sent was graded right.

Targets (docs/performance.md, "Quiz load"): save and submit reach ≥ 0.5 × the bare view's
requests/s with p99 < 150 ms, start (the exam-start rush, issue 15) ≥ 0.3 × with p99 < 500 ms;
no lost answers. Exit status 1 on a missed target.
"""

import argparse
import asyncio
import json
import re
import secrets
import string
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Identity, Result, fetch  # noqa: E402
from bench.run import (  # noqa: E402
    CpuSample,
    add_common_arguments,
    command_line,
    fresh_database,
    fresh_log,
    gunicorn,
    machine,
    prepare_database,
)

TIMEOUT = 10.0
LOCATION = re.compile(rb"^location:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
ATTEMPT = re.compile(r"/quizzes/attempts/(\d+)/")
BARE, PAGE, START, SAVE, SUBMIT = "bare insert view", "quiz page", "start", "save answer", "submit"
TARGETS = {START: (0.3, 500), SAVE: (0.5, 150), SUBMIT: (0.5, 150)}  # share of the bare view's requests/s, p99 ms


def _calculated(key, stem, formula, datasets, units=""):
    """A calculated question shown to 4 significant figures, right within 1 % (relative)."""
    return {"key": key, "type": "calculated", "stem": stem, "units": units,
            "calculation": {"datasets": datasets, "display": {"format": "sigfigs", "length": 4}},
            "answers": [{"text": formula, "fraction": 1, "tolerance": 0.01}]}


CALCULATED = [
    _calculated("bench-conversion", "落地页有 {visitors} 位访客、{orders} 笔订单，转化率（%）是多少？",
                "{orders} / {visitors} * 100", [{"name": "visitors", "min": 20000, "max": 90000},
                                                {"name": "orders", "min": 300, "max": 1900}], "%"),
    _calculated("bench-roi", "活动花费 {cost} 元，带来收入 {revenue} 元，投资回报率（%）是多少？",
                "({revenue} - {cost}) / {cost} * 100", [{"name": "cost", "min": 10000, "max": 50000},
                                                         {"name": "revenue", "min": 20000, "max": 150000}], "%"),
    _calculated("bench-retention", "第一天新增 {new} 位用户，次日仍有 {kept} 位回访，次日留存率（%）是多少？",
                "{kept} / {new} * 100", [{"name": "new", "min": 1000, "max": 5000},
                                         {"name": "kept", "min": 200, "max": 900}], "%"),
    _calculated("bench-aov", "本月收入 {revenue} 元，共 {orders} 笔订单，客单价（元）是多少？",
                "{revenue} / {orders}", [{"name": "revenue", "min": 50000, "max": 300000, "decimals": 2},
                                         {"name": "orders", "min": 500, "max": 3000}]),
    _calculated("bench-cac", "投放花费 {cost} 元，新增 {users} 位注册用户，获客成本（元）是多少？",
                "{cost} / {users}", [{"name": "cost", "min": 5000, "max": 80000, "distribution": "loguniform"},
                                     {"name": "users", "min": 100, "max": 4000}]),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--trainees", type=int, default=320, help="each starts, saves and submits once")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--calculated", type=int, default=5, help=f"of the questions (at most {len(CALCULATED)})")
    parser.add_argument("--bare-seconds", type=float, default=4.0, help="per bare-view slice (two slices)")
    parser.add_argument("--bare-max", type=int, default=20_000, help="request cap per bare-view slice")
    return parser.parse_args(argv)


# -- the data ---------------------------------------------------------------------------------


def prepare(database_url, args):
    """Seed trainees and the bench quiz; return ((quiz id, its page's path), logged-in trainees, facts)."""

    def seed_and_log_in():
        from bench.seed import log_in, seed_trainees

        trainees, _rows = seed_trainees(args.trainees)
        quiz_id, banks = create_quiz(args.questions, args.calculated)
        return log_in(trainees), (quiz_id, quiz_path(quiz_id)), banks

    (trainees, quiz, banks), facts = prepare_database(database_url, seed_and_log_in)
    facts["banks"] = banks
    return quiz, trainees, facts


def create_quiz(questions, calculated):
    """A quiz under the zh-hans course (so no module lock) drawing `calculated` questions from a
    bench bank of calculated questions and the rest from the final exam's banks, spread as evenly
    as they allow. Returns (its id, {bank title: questions drawn})."""
    from django.conf import settings

    from courses.models import CoursePage
    from quizzes.models import Question, QuestionBank, QuizDraw, QuizPage
    from quizzes.questions import normalise, write_question

    if not 0 <= calculated <= min(questions, len(CALCULATED)):
        sys.exit(f"--calculated must be 0…{min(questions, len(CALCULATED))}")
    course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
    final = QuizPage.objects.live().child_of(course).first()
    banks = [d.bank for d in final.draws.all().select_related("bank")]
    # This throwaway database's SQL labs are retired: their queries run in the sandbox at submit
    # (up to 250 ms each), which bench/labs.py measures; this bench measures the quiz engine.
    Question.objects.filter(question_type="sql").update(live=False)
    sizes = {b.pk: Question.objects.filter(bank=b, locale_id=final.locale_id, live=True).count() for b in banks}
    counts = {b.pk: 0 for b in banks}
    left = questions - calculated
    while left:
        room = [b for b in banks if counts[b.pk] < sizes[b.pk]]
        if not room:
            sys.exit(f"the final exam's banks hold fewer than {questions - calculated} questions")
        for bank in room[:left]:
            counts[bank.pk] += 1
            left -= 1
    if calculated:
        bank = QuestionBank.objects.create(slug="bench-calculated", title="Bench calculated")
        for data in CALCULATED[:calculated]:
            write_question(bank, final.locale, normalise(data))
        banks.append(bank)
        counts[bank.pk] = calculated
    quiz = QuizPage(title="Bench quiz", slug="bench-quiz", pass_mark=60, max_attempts=0,
                    requires_modules_complete=False,  # the seeded trainees are enrolled, mid-course
                    draws=[QuizDraw(bank=b, count=counts[b.pk]) for b in banks if counts[b.pk]])
    course.add_child(instance=quiz)
    return quiz.pk, {b.title: counts[b.pk] for b in banks if counts[b.pk]}


def quiz_path(quiz_id):
    """The quiz page's path, in the site's language."""
    from django.conf import settings
    from django.utils import translation

    from quizzes.models import QuizPage

    with translation.override(settings.LANGUAGE_CODE):
        return QuizPage.objects.get(pk=quiz_id).get_url()


def right_answers(attempt_ids):
    """{attempt id: [(position, response)…]}: a right answer to each frozen question."""
    from quizzes.grading import right_answer
    from quizzes.models import AttemptQuestion

    answers = {}
    for attempt_id, position, spec in AttemptQuestion.objects.filter(attempt_id__in=attempt_ids).order_by(
        "attempt_id", "position"
    ).values_list("attempt_id", "position", "spec"):
        answers.setdefault(attempt_id, []).append((position, right_answer(spec)))
    return answers


def verify(attempt_ids, trainees, acknowledged, questions, calculated):
    """What the database holds after the run, against what the clients were told."""
    from django.db.models import Count

    from quizzes.models import Attempt, AttemptQuestion, AttemptStatus

    stored = AttemptQuestion.objects.filter(attempt_id__in=attempt_ids, response__isnull=False).count()
    attempts = Attempt.objects.filter(user_id__in=[t.pk for t in trainees])
    per_user = attempts.values("user_id").annotate(n=Count("id"))
    finished = attempts.filter(status=AttemptStatus.FINISHED, finished_at__isnull=False, finished_by="submit",
                               score__isnull=False).count()
    return {
        "answers_acknowledged": acknowledged,
        "answers_stored": stored,
        "answers_expected": len(attempt_ids) * questions,
        "attempts": attempts.count(),
        "attempts_finished_by_submit": finished,
        "trainees_with_more_than_one_attempt": sum(1 for row in per_user if row["n"] != 1),
        "answers_right": AttemptQuestion.objects.filter(attempt_id__in=attempt_ids, score__gt=0).count(),
        "calculated_expected": len(attempt_ids) * calculated,
        "calculated_stored": AttemptQuestion.objects.filter(
            attempt_id__in=attempt_ids, spec__type="calculated", response__isnull=False).count(),
        "calculated_right": AttemptQuestion.objects.filter(
            attempt_id__in=attempt_ids, spec__type="calculated", score__gt=0).count(),
    }


# -- the load ---------------------------------------------------------------------------------


async def post(port, path, identity, body=b"", content_type="application/x-www-form-urlencoded"):
    """POST `body` with the session and CSRF cookies and header; return (status, head, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{identity.header()}"
             f"X-CSRFToken: {identity.cookies['csrftoken']}\r\nContent-Type: {content_type}\r\n"
             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        )
        data = await reader.read()
    finally:
        writer.close()
    head, _sep, rest = data.partition(b"\r\n\r\n")
    return int(head[9:12]), head, rest


async def get(port, path, identity):
    """GET `path` as `identity` (keeping cookies it is sent); return (status, b"", body)."""
    status, body = await fetch(port, path, identity)
    return status, b"", body


async def timed(result, call, check):
    """Run one request; record its latency if `check(status, head, body)` is true, else an
    error. Returns what `check` returned (or None on an error)."""
    started = time.perf_counter()
    try:
        status, head, body = await asyncio.wait_for(call(), TIMEOUT)
        outcome = check(status, head, body)
        problem = "" if outcome else f"HTTP {status}: {body[:200]!r}"
    except (OSError, asyncio.TimeoutError, ValueError) as error:
        outcome, problem = None, repr(error)
    result.record(started, problem)
    return outcome


def location(head):
    match = LOCATION.search(head)
    return match.group(1).decode() if match else ""


async def phase(name, concurrency, work, port_group):
    """Run `work(client index, result)` in `concurrency` clients; time the whole phase."""
    group, database_name = port_group
    result = Result(name)
    before = CpuSample.take(group, database_name)
    started = time.perf_counter()
    await asyncio.gather(*(work(i, result) for i in range(concurrency)))
    part = Result(name, requests=result.requests, errors=result.errors, seconds=time.perf_counter() - started,
                  latencies=result.latencies, first_error=result.first_error)
    pooled = Result(name)
    pooled.add(part, CpuSample.take(group, database_name) - before)
    return pooled


async def run_load(port, group, database_name, quiz, identities, args):
    (quiz_id, quiz_path), n = quiz, args.concurrency
    where = (group, database_name)
    mine = [list(range(len(identities)))[i::n] for i in range(n)]
    prefix = "/zh-hans/quizzes"

    async def bare(index, result):
        stop_at, sent = time.perf_counter() + args.bare_seconds, 0
        body = json.dumps({"position": 1, "response": "bare"}).encode()
        while time.perf_counter() < stop_at and sent < args.bare_max // n:
            identity = identities[mine[index][sent % len(mine[index])]]
            sent += 1
            await timed(result, lambda: post(port, "/_bench/insert/", identity, body, "application/json"),
                        lambda s, h, b: s == 200 and b"saved_at" in b)

    async def page(index, result):
        form = f"{prefix}/{quiz_id}/start/".encode()  # the Start button's form
        for t in mine[index]:
            await timed(result, lambda: get(port, quiz_path, identities[t]), lambda s, h, b: s == 200 and form in b)

    attempt_of = {}

    async def start(index, result):
        for t in mine[index]:
            attempt = await timed(result, lambda: post(port, f"{prefix}/{quiz_id}/start/", identities[t]),
                                  lambda s, h, b: s == 302 and ATTEMPT.search(location(h)))
            if attempt:
                attempt_of[t] = int(attempt.group(1))

    acknowledged = [0]
    answers = {}

    async def save(index, result):
        for t in mine[index]:
            if t not in attempt_of:
                continue
            attempt_id = attempt_of[t]
            for position, response in answers.get(attempt_id, []):
                body = json.dumps({"position": position, "response": response}).encode()
                ok = await timed(result, lambda: post(port, f"{prefix}/attempts/{attempt_id}/answer/", identities[t],
                                                      body, "application/json"),
                                 lambda s, h, b: 200 <= s < 300 and b"saved_at" in b)
                acknowledged[0] += bool(ok)

    async def submit(index, result):
        for t in mine[index]:
            if t in attempt_of:
                attempt_id = attempt_of[t]
                await timed(result, lambda: post(port, f"{prefix}/attempts/{attempt_id}/submit/", identities[t]),
                            lambda s, h, b: s == 302 and f"/attempts/{attempt_id}/result/" in location(h))

    # unmeasured warm-up of every worker: the bare view and the attempt page's imports
    await phase("warm-up", n, lambda i, r: timed(r, lambda: post(port, "/_bench/insert/", identities[i], b"null",
                                                                  "application/json"), lambda s, h, b: s == 200), where)
    results = {}
    results[BARE] = await phase(BARE, n, bare, where)
    results[PAGE] = await phase(PAGE, n, page, where)
    results[START] = await phase(START, n, start, where)
    from asgiref.sync import sync_to_async

    answers.update(await sync_to_async(right_answers)(list(attempt_of.values())))
    results[SAVE] = await phase(SAVE, n, save, where)
    results[SUBMIT] = await phase(SUBMIT, n, submit, where)
    again = await phase(BARE, n, bare, where)
    results[BARE].add(again, again.cpu)
    return results, attempt_of, acknowledged[0]


# -- the report -------------------------------------------------------------------------------


def verdict(name, results):
    if name == BARE:
        return "anchor"
    if name not in TARGETS:
        return "measured (no target)"
    share, p99_limit = TARGETS[name]
    ratio = results[name].rate / results[BARE].rate if results[BARE].rate else 0.0
    passed = ratio >= share and results[name].percentile(99) < p99_limit and not results[name].errors
    return f"{'PASS' if passed else 'FAIL'} {ratio:.2f}× bare (≥ {share}, p99 < {p99_limit} ms)"


def report(args, facts, results, checks):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = machine()
    lines = [
        f"# quiz load, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
        f"{facts['vendor']} {facts['version']}; gunicorn {args.workers} sync workers; {args.concurrency} clients; "
        f"{args.trainees} trainees × (start + {args.questions} saves + submit); draws {facts['banks']}",
        f"# {command_line()}", "",
        "| phase | requests | requests/s | p50 ms | p99 ms | errors | target "
        "| CPU cores: server / database / client / other |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, r in results.items():
        cpu = " / ".join(f"{r.cpu.get(k, 0):.2f}" for k in ("server", "database", "client", "other"))
        lines.append(f"| {name} | {r.requests} | {r.rate:,.0f} | {r.percentile(50):.1f} | {r.percentile(99):.1f} "
                     f"| {r.errors} | {verdict(name, results)} | {cpu} |")
    lost = checks["answers_acknowledged"] - checks["answers_stored"]
    answers_ok = lost == 0 and checks["answers_stored"] == checks["answers_expected"]
    attempts_ok = (checks["attempts"] == checks["attempts_finished_by_submit"] == args.trainees
                   and checks["trainees_with_more_than_one_attempt"] == 0)
    # The bench bank's calculated questions, at least; the curriculum's banks hold some too.
    calculated_ok = checks["calculated_right"] == checks["calculated_stored"] >= checks["calculated_expected"]
    lines += [
        "",
        "| check | value | target |", "|---|---|---|",
        f"| answers stored / acknowledged (2xx) / expected | {checks['answers_stored']} / "
        f"{checks['answers_acknowledged']} / {checks['answers_expected']} | "
        f"{'PASS' if answers_ok else 'FAIL'} (lost: {lost}) |",
        f"| attempts finished by submit (graded) / attempts / trainees | {checks['attempts_finished_by_submit']} / "
        f"{checks['attempts']} / {args.trainees} | {'PASS' if attempts_ok else 'FAIL'} (each exactly once; "
        f"trainees with ≠ 1 attempt: {checks['trainees_with_more_than_one_attempt']}) |",
        f"| answers graded right | {checks['answers_right']} | (all answers sent were right answers) |",
        f"| calculated answers graded right / stored / expected at least | {checks['calculated_right']} / "
        f"{checks['calculated_stored']} / {checks['calculated_expected']} | "
        f"{'PASS' if calculated_ok else 'FAIL'} (each attempt's own numbers, as `right_answer` shows them) |",
    ]
    for name, r in results.items():
        if r.errors:
            lines.append(f"\n{name}: {r.errors} errors, first: {r.first_error}")
    busy = max(r.cpu.get("other", 0) for r in results.values())
    if busy > 0.2:
        lines.append(f"\nWarning: other programs used up to {busy:.2f} cores during the run.")
    text = "\n".join(lines)
    print(text)
    (args.output / f"quiz-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    checked = answers_ok and attempts_ok and calculated_ok
    failed = any(verdict(n, results).startswith("FAIL") for n in TARGETS) or not checked
    return 1 if failed else 0


def main(argv=None):
    args = parse_args(argv)
    log_path = fresh_log(args, "quiz-")
    with fresh_database(args.db, args.database_url) as database_url:
        print(f"Preparing {args.db} ({args.trainees} trainees)…", file=sys.stderr)
        quiz, trainees, facts = prepare(database_url, args)
        print(f"  ready in {facts['prepare_seconds']} s; starting gunicorn", file=sys.stderr)
        alphabet = string.ascii_letters + string.digits
        identities = [Identity({"sessionid": t.session_key,
                                "csrftoken": "".join(secrets.choice(alphabet) for _ in range(32))})
                      for t in trainees]
        with gunicorn(database_url, args.workers, log_path) as (port, group):
            results, attempt_of, acknowledged = asyncio.run(
                run_load(port, group, facts.get("database_name"), quiz, identities, args))
        checks = verify(list(attempt_of.values()), trainees, acknowledged, args.questions, args.calculated)
        from django.db import connections

        connections.close_all()  # before the database is dropped
        return report(args, facts, results, checks)


if __name__ == "__main__":
    sys.exit(main())
