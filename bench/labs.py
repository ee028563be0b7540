"""SQL lab runs under load: 32 trainees run lab queries against gunicorn on loopback while
other clients measure the lesson page's throughput, against the lesson measured alone.

    .venv/bin/python bench/labs.py --db sqlite
    .venv/bin/python bench/labs.py --db postgres --database-url postgres://…/opsacademy

A fresh database (bench/run.py's helpers) gets the curriculum and the seeded trainees with their
progress (bench/seed.py). A bench quiz under the zh-hans course draws one SQL lab on the shipped
`shop` dataset; `--concurrency` trainees each have an open attempt on it and a session, and
`--lesson-clients` clients take four other trainees' sessions each, as bench/run.py does.

Each lab trainee runs one query every `--pace` seconds (3.2: just under the shipped
SQL_LAB_RATE_LIMIT of 20 a minute, the most a trainee may run) through the run endpoint
(`POST /quizzes/attempts/<id>/run/`), going round a mix a trainee would write (MIX): GROUP BY
with JOINs, filters, a funnel count, a `SELECT *` that meets the row-count cap, and one join
without its condition that the 250 ms time budget stops. Every response is checked: a preview
(or the cap's "more than 10,000"), or for the runaway join the sandbox's 400 naming the budget.

Three phases, interleaved in `--rounds` slices so that a burst of other work on the machine
spreads over all of them: (a) the lesson page alone (bench/run.py's lesson endpoint: every
zh-hans lesson, logged in, closed loop), (b) the lab trainees alone, (c) both at once.

Targets (issue 10, docs/performance.md "SQL labs under load"): lab runs alone p99 < 300 ms with
no errors; the lesson's requests/s under lab load ≥ 0.8 × alone. Exit status 1 on a missed
target or a failed request.
"""

import argparse
import asyncio
import os
import random
import secrets
import string
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Endpoint, Identity, Result, fetch, hammer  # noqa: E402
from bench.quiz import post, timed  # noqa: E402
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

LESSON_ALONE = "(a) lesson, logged in, alone"
LABS_ALONE = "(b) lab runs, alone"
LESSON_UNDER_LABS = "(c) lesson, logged in, under lab load"
LABS_BESIDE = "(c) lab runs, beside the lessons"
LAB_P99_MS = 300
LESSON_SHARE = 0.8
LOGGED_IN = b"/accounts/logout/"  # the logout form: the session was accepted (as bench/run.py)

REFERENCE = ("SELECT u.channel, COUNT(*) AS orders, ROUND(SUM(o.amount), 2) AS revenue "
             "FROM orders o JOIN users u ON u.id = o.user_id GROUP BY u.channel")
LAB = {
    "key": "bench-revenue-per-channel", "type": "sql",
    "stem": "每个获客渠道带来了多少订单和收入？",
    "lab": {"dataset": "shop"},
    "answers": [{"text": REFERENCE, "fraction": 1}],
}

# (kind, SQL): a trainee goes round this list, one run every --pace seconds. In process (quiet
# machine) the sandbox takes ~1 ms for a filter, ~5 ms for a join with GROUP BY, ~10 ms for the
# funnel and the row cap, and 250 ms for the runaway join (1 run in 10).
JOIN = "GROUP BY with JOIN"
FILTER = "filter"
ROW_CAP = "row cap (SELECT *)"
BUDGET = "time budget (join without its condition)"
MIX = [
    (JOIN, REFERENCE + " ORDER BY revenue DESC"),
    (FILTER, "SELECT id, user_id, order_date, amount FROM orders WHERE amount >= 300 AND coupon_used = 1 "
             "AND order_date BETWEEN '2026-03-01' AND '2026-03-31' ORDER BY amount DESC"),
    (JOIN, "SELECT u.city, COUNT(DISTINCT o.user_id) AS buyers, ROUND(AVG(o.amount), 2) AS aov FROM users u "
           "JOIN orders o ON o.user_id = u.id WHERE o.order_date >= '2026-04-01' GROUP BY u.city ORDER BY buyers DESC"),
    (JOIN, "SELECT event, COUNT(DISTINCT user_id) AS users FROM events GROUP BY event ORDER BY users DESC"),
    (FILTER, "SELECT id, signup_date, city FROM users WHERE channel = 'ads' AND signup_date < '2026-02-01'"),
    (JOIN, "SELECT c.name, c.cost, COUNT(u.id) AS users, ROUND(c.cost * 1.0 / COUNT(u.id), 2) AS cac "
           "FROM channels c JOIN users u ON u.channel = c.name GROUP BY c.name, c.cost ORDER BY cac DESC"),
    (ROW_CAP, "SELECT * FROM events"),
    (FILTER, "SELECT user_id, COUNT(*) AS orders FROM orders WHERE coupon_used = 0 GROUP BY user_id "
             "HAVING COUNT(*) >= 8 ORDER BY orders DESC"),
    (JOIN, "SELECT strftime('%m', o.order_date) AS month, u.channel, ROUND(SUM(o.amount), 2) AS revenue "
           "FROM orders o JOIN users u ON u.id = o.user_id GROUP BY month, u.channel ORDER BY month, revenue DESC"),
    (BUDGET, "SELECT u.city, COUNT(*) AS orders FROM users u, orders o, events e GROUP BY u.city"),
]
EXPECT = {  # kind: (status, a fragment of the JSON body)
    JOIN: (200, b'"columns"'), FILTER: (200, b'"columns"'),
    ROW_CAP: (200, b'"more than 10,000"'), BUDGET: (400, b"longer than 250 ms"),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--trainees", type=int, default=400, help="seeded trainees (lab and lesson ones among them)")
    parser.add_argument("--concurrency", type=int, default=32, help="lab trainees, each with its own open attempt")
    parser.add_argument("--pace", type=float, default=3.2,
                        help="seconds between one trainee's runs (0: as fast as answers come, needs --rate-limit)")
    parser.add_argument("--rate-limit", default=None,
                        help="SQL_LAB_RATE_LIMIT for the server (default: as configured, 20/m shipped)")
    parser.add_argument("--lesson-clients", type=int, default=16, help="closed-loop lesson clients (as bench/run.py)")
    parser.add_argument("--rotate", type=int, default=4, help="trainees per lesson client, taken in turn")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured per phase")
    parser.add_argument("--rounds", type=int, default=4, help="each phase is split into this many interleaved slices")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured lesson load first")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on lesson requests per phase")
    return parser.parse_args(argv)


# -- the data ---------------------------------------------------------------------------------


def prepare(database_url, args):
    """Seed trainees, the lab quiz and an open attempt per lab trainee; return (lesson URLs,
    lesson trainees, [(lab trainee, attempt id)…], facts)."""

    def seed_and_log_in():
        from django.conf import settings

        from bench.seed import log_in, seed

        trainees, seeded = seed(args.trainees)
        lesson_count = args.lesson_clients * args.rotate
        if lesson_count + args.concurrency > len(trainees):
            sys.exit(f"--trainees {args.trainees}: fewer than {lesson_count} lesson + {args.concurrency} lab trainees")
        step = len(trainees) // lesson_count  # spread over the population, so their progress varies
        lessons = trainees[::step][:lesson_count]
        taken = {t.pk for t in lessons}
        labs = [t for t in trainees if t.pk not in taken][: args.concurrency]
        attempts = start_lab_attempts(labs)
        return seeded.lesson_urls, log_in(lessons), list(zip(log_in(labs), attempts)), settings.SQL_LAB_RATE_LIMIT

    (lesson_urls, lessons, labs, rate_limit), facts = prepare_database(database_url, seed_and_log_in)
    facts["rate_limit"] = rate_limit
    return lesson_urls, lessons, labs, facts


def start_lab_attempts(trainees):
    """A quiz under the zh-hans course (no module lock) of one SQL lab; each trainee's open
    attempt on it, started through quizzes.api as the start view would."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from wagtail.models import Locale

    from courses.models import CoursePage
    from quizzes import api
    from quizzes.models import QuestionBank, QuizDraw, QuizPage
    from quizzes.questions import normalise, write_question

    course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
    bank = QuestionBank.objects.create(slug="bench-labs", title="Bench SQL labs")
    write_question(bank, Locale.objects.get(language_code=settings.LANGUAGE_CODE), normalise(LAB))
    quiz = QuizPage(title="Bench SQL lab", slug="bench-sql-lab", pass_mark=60, max_attempts=0,
                    requires_lessons_complete=False, requires_modules_complete=False,
                    draws=[QuizDraw(bank=bank, count=1)])
    course.add_child(instance=quiz)
    users = get_user_model().objects.in_bulk([t.pk for t in trainees])
    return [api.start_attempt(users[t.pk], quiz).pk for t in trainees]


# -- the load ---------------------------------------------------------------------------------


class LabTrainees:
    """The lab trainees: each goes round MIX from its own place, one run every `pace` seconds
    (never sooner after its last run, across slices), and every run is recorded twice: in the
    phase's result and in its query kind's."""

    def __init__(self, port, identities, attempts, pace):
        self.port, self.identities, self.attempts, self.pace = port, identities, attempts, pace
        rng = random.Random(1)
        self.offsets = [rng.uniform(0, pace) for _ in identities]  # spread the trainees' runs
        self.step = [i % len(MIX) for i in range(len(identities))]
        self.last = [float("-inf")] * len(identities)

    async def run_once(self, index, result, by_kind=None):
        kind, sql = MIX[self.step[index] % len(MIX)]
        self.step[index] += 1
        self.last[index] = time.perf_counter()
        path = f"/zh-hans/quizzes/attempts/{self.attempts[index]}/run/"
        body = f"position=1&sql={quote_plus(sql)}".encode()
        status, fragment = EXPECT[kind]
        one = Result(kind)
        ok = await timed(one, lambda: post(self.port, path, self.identities[index], body),
                         lambda s, h, b: s == status and fragment in b)
        if not ok:
            one.first_error = f"{kind}: {one.first_error}"
        result.add(one, {})
        if by_kind is not None:
            by_kind.setdefault(kind, Result(kind)).add(one, {})
        return ok

    async def load(self, seconds, result, by_kind):
        started = time.perf_counter()
        stop_at = started + seconds

        async def trainee(index):
            next_at = max(started + self.offsets[index], self.last[index] + self.pace)
            while next_at < stop_at:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                await self.run_once(index, result, by_kind)
                next_at = self.last[index] + self.pace

        await asyncio.gather(*(trainee(i) for i in range(len(self.identities))))
        result.seconds = time.perf_counter() - started
        return result


async def measure(port, group, database_name, lesson, labs, args):
    """Check and warm up, then run phases (a), (b), (c) in interleaved rounds."""
    for path in lesson.paths:
        status, body = await fetch(port, path, lesson.identities[0][0])
        if status != 200 or LOGGED_IN not in body:
            sys.exit(f"lesson {path} answered {status} without the logout form")
    first = Result("check")
    checks = await asyncio.gather(*(labs.run_once(i, first) for i in range(len(labs.identities))))
    if not all(checks):
        sys.exit(f"a lab run failed its check: {first.first_error}")
    lesson_load = dict(concurrency=args.lesson_clients, max_requests=args.max_requests // args.rounds)
    await hammer(port, lesson, seconds=args.warmup, **lesson_load)

    results = {name: Result(name) for name in (LESSON_ALONE, LABS_ALONE, LESSON_UNDER_LABS, LABS_BESIDE)}
    kinds = {LABS_ALONE: {}, LABS_BESIDE: {}}
    seconds = args.duration / args.rounds
    for round_number in range(1, args.rounds + 1):
        before = CpuSample.take(group, database_name)
        part = await hammer(port, lesson, seconds=seconds, **lesson_load)
        results[LESSON_ALONE].add(part, CpuSample.take(group, database_name) - before)

        before = CpuSample.take(group, database_name)
        part = await labs.load(seconds, Result(LABS_ALONE), kinds[LABS_ALONE])
        results[LABS_ALONE].add(part, CpuSample.take(group, database_name) - before)

        before = CpuSample.take(group, database_name)
        lesson_part, lab_part = await asyncio.gather(
            hammer(port, lesson, seconds=seconds, **lesson_load),
            labs.load(seconds, Result(LABS_BESIDE), kinds[LABS_BESIDE]))
        cpu = CpuSample.take(group, database_name) - before
        results[LESSON_UNDER_LABS].add(lesson_part, cpu)
        results[LABS_BESIDE].add(lab_part, cpu)
        print(f"  round {round_number} of {args.rounds} done", file=sys.stderr)
    return results, kinds


# -- the report -------------------------------------------------------------------------------


def verdict(name, results):
    r = results[name]
    if name == LESSON_ALONE:
        return "anchor" if not r.errors else "FAIL (errors)"
    if name == LABS_ALONE:
        passed = r.percentile(99) < LAB_P99_MS and not r.errors
        return f"{'PASS' if passed else 'FAIL'} p99 < {LAB_P99_MS} ms, no errors"
    if name == LESSON_UNDER_LABS:
        alone = results[LESSON_ALONE].rate
        ratio = r.rate / alone if alone else 0.0
        passed = ratio >= LESSON_SHARE and not r.errors
        return f"{'PASS' if passed else 'FAIL'} {ratio:.2f}× (a) (≥ {LESSON_SHARE})"
    return "measured (no target)" if not r.errors else "FAIL (errors)"


def report(args, facts, results, kinds):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = machine()
    pace = f"one run every {args.pace:g} s each" if args.pace else "closed loop"
    lines = [
        f"# SQL labs under load, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), "
        f"{about['memory_gib']} GiB; {facts['vendor']} {facts['version']}; gunicorn {args.workers} sync workers; "
        f"{args.concurrency} lab trainees ({pace}; SQL_LAB_RATE_LIMIT {facts['rate_limit'] or 'off'}"
        f"{' (set for this run)' if args.rate_limit is not None else ''}); {args.lesson_clients} lesson clients × "
        f"{args.rotate} trainees; {args.duration:g} s per phase in {args.rounds} interleaved rounds",
        f"# {command_line()}", "",
        "| phase | requests | requests/s | p50 ms | p95 ms | p99 ms | errors | target "
        "| CPU cores: server / database / client / other |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, r in results.items():
        cpu = " / ".join(f"{r.cpu.get(k, 0):.2f}" for k in ("server", "database", "client", "other"))
        lines.append(f"| {name} | {r.requests} | {r.rate:,.1f} | {r.percentile(50):.1f} | {r.percentile(95):.1f} "
                     f"| {r.percentile(99):.1f} | {r.errors} | {verdict(name, results)} | {cpu} |")
    lines += ["", "| lab runs by query | phase | runs | p50 ms | p95 ms | p99 ms | max ms | errors |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for phase_name, by_kind in kinds.items():
        for kind, r in sorted(by_kind.items()):
            worst = max(r.latencies, default=float("nan")) * 1000
            lines.append(f"| {kind} | {phase_name[:3]} | {r.requests} | {r.percentile(50):.1f} | "
                         f"{r.percentile(95):.1f} | {r.percentile(99):.1f} | {worst:.1f} | {r.errors} |")
    for name, r in results.items():
        if r.errors:
            lines.append(f"\n{name}: {r.errors} errors, first: {r.first_error}")
    busy = max(r.cpu.get("other", 0) for r in results.values())
    if busy > 0.2:
        lines.append(f"\nWarning: other programs used up to {busy:.2f} cores during the run.")
    text = "\n".join(lines)
    print(text)
    (args.output / f"labs-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    return 1 if any(verdict(name, results).startswith("FAIL") for name in results) else 0


def main(argv=None):
    args = parse_args(argv)
    if args.rate_limit is not None:
        os.environ["SQL_LAB_RATE_LIMIT"] = args.rate_limit  # read by the settings of both processes
    log_path = fresh_log(args, "labs-")
    alphabet = string.ascii_letters + string.digits
    with fresh_database(args.db, args.database_url) as database_url:
        print(f"Preparing {args.db} ({args.trainees} trainees)…", file=sys.stderr)
        lesson_urls, lessons, labs, facts = prepare(database_url, args)
        print(f"  ready in {facts['prepare_seconds']} s; starting gunicorn", file=sys.stderr)
        sessions = [Identity({"sessionid": t.session_key}) for t in lessons]
        lesson = Endpoint(LESSON_ALONE, lesson_urls, [sessions[i::args.lesson_clients]
                                                      for i in range(args.lesson_clients)], LOGGED_IN)
        identities = [Identity({"sessionid": t.session_key,
                                "csrftoken": "".join(secrets.choice(alphabet) for _ in range(32))}) for t, _ in labs]
        with gunicorn(database_url, args.workers, log_path) as (port, group):
            trainees = LabTrainees(port, identities, [attempt for _, attempt in labs], args.pace)
            results, kinds = asyncio.run(measure(port, group, facts.get("database_name"), lesson, trainees, args))
        return report(args, facts, results, kinds)


if __name__ == "__main__":
    sys.exit(main())
