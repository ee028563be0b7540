"""More than one server, on this machine: two app servers on one PostgreSQL and one Redis, with
two background workers, and the checks that a load balancer in front of them may send any
request anywhere and lose a server or a worker without losing work.

    .venv/bin/python bench/cluster.py --database-url postgres://…/opsacademy     (`make bench-cluster`)

Starts `redis-server` on 127.0.0.1:6390 (no persistence), makes a fresh PostgreSQL database
(oa_cluster) next to the one named, migrates it, loads the curriculum and seeds 64 logged-in
trainees and a 10-question quiz with a certificate rule; starts two gunicorn instances (A on
8170, B on 8171) with the same settings (bench/cluster_settings.py: DATABASE_URL, REDIS_URL,
one MEDIA_ROOT, the database task backend, mail to files); then checks:

1. session: a trainee logs in on A (allauth's form); B serves that session's dashboard.
2. publish: B serves a course page; a lesson's title is changed and published through the
   revision API (in this process, with the servers' settings, as a management command would);
   B serves the new title within 1 s.
3. quiz: 64 trainees start, answer and submit a quiz, alternating A and B; A is killed with
   SIGKILL half-way through the answers and clients retry on B. In the database: every answer
   acknowledged is stored, each trainee has one attempt, submitted and graded once, and the
   passing ones one certificate each.
4. tasks: two `db_worker`s render the certificates' PDFs and send their mails; one is killed
   with SIGKILL in the middle of a PDF. django-tasks-db leaves that task RUNNING for ever (it has
   no lease); the run puts it back in the queue as docs/deploy.md tells an operator to, starts a
   replacement worker, and checks that every task succeeded and each mail and PDF exists once.
5. storage: B serves every certificate's PDF as a worker wrote it in the shared MEDIA_ROOT,
   rendering none again.

Prints a table (PASS/FAIL per check); exit status 1 on any FAIL. Everything it started is
stopped and the database dropped at the end (PostgreSQL itself is left running: other work on
the machine shares it). Results: stdout and bench/results/cluster-*.json.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.run  # noqa: E402
from bench.load import Identity, fetch  # noqa: E402
from bench.quiz import ATTEMPT, location, post  # noqa: E402
from bench.run import command_line, machine, wait_until_up  # noqa: E402

SETTINGS = "bench.cluster_settings"
DATABASE = "oa_cluster"
REDIS_PORT = 6390
PORT_A, PORT_B = 8170, 8171
PREFIX = "/zh-hans/quizzes"
TIMEOUT = 10.0
FRESH_WITHIN = 1.0  # seconds for B to serve what A published


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL database on the server to create oa_cluster next to")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per app server")
    parser.add_argument("--trainees", type=int, default=64)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--passing", type=int, default=8,
                        help="trainees who answer every question right (a certificate each: a PDF and a mail)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


# -- the parts --------------------------------------------------------------------------------


class Parts:
    """Every process the run starts, each in its own process group; all stopped at the end."""

    def __init__(self, folder, env, log):
        self.folder, self.env, self.log = folder, env, log
        self.processes = {}

    def start(self, name, command):
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                                stderr=self.log, start_new_session=True)
        return self.processes[name]

    def kill(self, name):
        """SIGKILL the process and everything it started (gunicorn's workers): no clean-up."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self):
        alive = {name: process for name, process in self.processes.items() if process.poll() is None}
        for process in alive.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in alive.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(name)

    def redis(self):
        server = self.start("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)])
        for _ in range(50):
            done = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True)
            if done.stdout.strip() == "PONG":
                return server
            if server.poll() is not None:
                sys.exit(f"redis-server exited with status {server.returncode} (is port {REDIS_PORT} taken?)")
            time.sleep(0.1)
        sys.exit("redis-server did not answer")

    def gunicorn(self, name, port, workers):
        server = self.start(name, [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "--worker-class", "sync",
            "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            "--graceful-timeout", "5"])
        wait_until_up(port, server)
        return server

    def worker(self, name):
        return self.start(name, [sys.executable, "manage.py", "db_worker", "--interval", "0.2",
                                 "--no-startup-delay", "--worker-id", name])


@contextlib.contextmanager
def fresh_database(server_url):
    """oa_cluster, new and empty, on the server `server_url` names; dropped afterwards."""
    import psycopg

    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("needs --database-url (or DATABASE_URL) naming a PostgreSQL database")
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{DATABASE}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# -- the data ---------------------------------------------------------------------------------


def prepare(database_url, args):
    """Trainees with sessions, the quiz and its certificate rule; returns what the checks need."""

    def seed():
        from django.urls import reverse
        from django.utils import translation

        from bench.quiz import create_quiz
        from bench.seed import log_in, seed_trainees
        from certification.models import CertificateRule
        from courses.models import CoursePage, LessonPage

        trainees, _rows = seed_trainees(args.trainees + 1)  # the last one logs in through the form
        quiz_id, _banks = create_quiz(args.questions, 0)
        CertificateRule.objects.create(slug="cluster", title="集群证书", title_en="Cluster certificate",
                                       exam_id=quiz_id, validity_months=24)
        course = CoursePage.objects.live().get(locale__language_code="zh-hans")
        lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
        with translation.override("zh-hans"):
            urls = {"login": reverse("account_login"), "dashboard": reverse("courses:dashboard"),
                    "module": lesson.get_parent().get_url()}
        from django.contrib.auth import get_user_model

        return {"trainees": log_in(trainees[:-1]), "form_trainee": trainees[-1],
                "form_email": get_user_model().objects.get(pk=trainees[-1].pk).email, "quiz_id": quiz_id,
                "lesson_id": lesson.pk, "lesson_title": lesson.title, "urls": urls}

    bench.run.SETTINGS = SETTINGS  # prepare_database sets up Django with it
    return bench.run.prepare_database(database_url, seed)


def identities(trainees):
    alphabet = string.ascii_letters + string.digits
    return [Identity({"sessionid": t.session_key, "csrftoken": "".join(secrets.choice(alphabet) for _ in range(32))})
            for t in trainees]


# -- 1. the session ---------------------------------------------------------------------------


async def check_session(data):
    """Log in on A through allauth's form; read the dashboard on B with the same cookies."""
    trainee, urls = data["form_trainee"], data["urls"]
    identity = Identity()
    status, _body = await fetch(PORT_A, urls["login"], identity)  # the CSRF cookie
    form = urllib.parse.urlencode({"login": data["form_email"], "password": "bench-not-a-secret",
                                   "csrfmiddlewaretoken": identity.cookies.get("csrftoken", "")}).encode()
    login_status, head, _ = await post(PORT_A, urls["login"], identity, form)
    identity.remember(head)
    status, body = await fetch(PORT_B, urls["dashboard"], identity)
    ok = login_status == 302 and "sessionid" in identity.cookies and status == 200 \
        and trainee.name.encode() in body
    return ok, f"login on A: HTTP {login_status}; dashboard on B: HTTP {status}, " + \
        ("names the trainee" if trainee.name.encode() in body else "does not name the trainee")


# -- 2. a publish -----------------------------------------------------------------------------


def publish_title(lesson_id, title):
    from courses.models import LessonPage

    lesson = LessonPage.objects.get(pk=lesson_id)
    lesson.title = title
    lesson.save_revision().publish()


async def check_publish(data, identity):
    """B shows the lesson's module page, whose list of lessons comes from the course outline
    (now cached in Redis); the lesson is renamed and published; B is polled until it shows the
    new title."""
    from asgiref.sync import sync_to_async

    url = data["urls"]["module"]
    status, body = await fetch(PORT_B, url, identity)
    before = status == 200 and data["lesson_title"].encode() in body
    new_title = f"集群发布 {secrets.token_hex(3)}"
    await sync_to_async(publish_title)(data["lesson_id"], new_title)
    published = time.perf_counter()
    seen, requests = None, 0
    while time.perf_counter() - published < 5:
        requests += 1
        status, body = await fetch(PORT_B, url, identity)
        if status == 200 and new_title.encode() in body:
            seen = time.perf_counter() - published
            break
        await asyncio.sleep(0.02)
    ok = before and seen is not None and seen <= FRESH_WITHIN
    shown = (f"{seen * 1000:.0f} ms after the publish, on B's request {requests} after it" if seen is not None
             else "not within 5 s")
    return ok, f"B showed the old title first: {before}; the new one {shown} (limit {FRESH_WITHIN:.0f} s)"


# -- 3. the quiz, with server A killed ----------------------------------------------------------


class Balancer:
    """What a load balancer does: trainee i goes to A or B in turn; once a request to A fails
    (connection refused or cut), it and everything after go to B."""

    def __init__(self):
        self.a_up, self.retries, self.by_server = True, 0, {"A": 0, "B": 0}

    async def send(self, index, call, check):
        """`call(port)` until `check(status, head, body)` holds; returns what `check` returned."""
        for _ in range(5):
            port = PORT_A if index % 2 == 0 and self.a_up else PORT_B
            try:
                status, head, body = await asyncio.wait_for(call(port), TIMEOUT)
                outcome = check(status, head, body)
                if outcome:
                    self.by_server["A" if port == PORT_A else "B"] += 1
                    return outcome
                if status < 500:
                    return None  # refused for a reason: a retry would not help
            except (OSError, asyncio.TimeoutError, ValueError, IndexError):
                if port == PORT_A:
                    self.a_up = False
            self.retries += 1
        return None


async def run_quiz(parts, data, people, args):
    from asgiref.sync import sync_to_async

    from bench.quiz import right_answers

    balancer, quiz_id = Balancer(), data["quiz_id"]
    attempt_of, acknowledged, killed = {}, [], {}
    semaphore = asyncio.Semaphore(args.concurrency)

    async def start(t):
        async with semaphore:
            match = await balancer.send(t, lambda port: post(port, f"{PREFIX}/{quiz_id}/start/", people[t]),
                                        lambda s, h, b: s == 302 and ATTEMPT.search(location(h)))
        if match:
            attempt_of[t] = int(match.group(1))

    await asyncio.gather(*(start(t) for t in range(len(people))))
    answers = await sync_to_async(right_answers)(list(attempt_of.values()))
    # the passing trainees answer every question right; the others only the first 30 % (a fail)
    few = args.questions * 3 // 10
    plan = {t: answers[a] if t < args.passing else answers[a][:few] for t, a in attempt_of.items()}
    expected = sum(len(p) for p in plan.values())

    async def take(t):
        attempt_id = attempt_of[t]
        for position, response in plan[t]:
            body = json.dumps({"position": position, "response": response}).encode()
            async with semaphore:
                ok = await balancer.send(
                    t, lambda port: post(port, f"{PREFIX}/attempts/{attempt_id}/answer/", people[t], body,
                                         "application/json"),
                    lambda s, h, b: 200 <= s < 300 and b"saved_at" in b)
            if ok:
                acknowledged.append((attempt_id, position))
            if len(acknowledged) >= expected // 2 and not killed:
                killed["after_answers"] = len(acknowledged)
                parts.kill("A")  # SIGKILL: requests in flight on A are cut
        async with semaphore:
            await balancer.send(t, lambda port: post(port, f"{PREFIX}/attempts/{attempt_id}/submit/", people[t]),
                                lambda s, h, b: s == 302 and f"/attempts/{attempt_id}/result/" in location(h))

    started = time.perf_counter()
    await asyncio.gather(*(take(t) for t in attempt_of))
    return {"seconds": round(time.perf_counter() - started, 1), "attempts_started": len(attempt_of),
            "answers_sent": expected, "answers_acknowledged": len(acknowledged),
            "a_killed_after_answers": killed.get("after_answers"), "retries_on_b": balancer.retries,
            "answered_by": balancer.by_server, "acknowledged": acknowledged}


def verify_quiz(data, outcome, args):
    """What the database holds: acknowledged answers, attempts, grades and certificates."""
    from django.db.models import Count

    from certification.models import Certificate
    from quizzes.models import Attempt, AttemptQuestion, AttemptStatus

    users = [t.pk for t in data["trainees"]]
    stored = set(AttemptQuestion.objects.filter(response__isnull=False, attempt__user_id__in=users)
                 .values_list("attempt_id", "position"))
    lost = [pair for pair in outcome["acknowledged"] if pair not in stored]
    attempts = Attempt.objects.filter(user_id__in=users)
    per_user = dict(attempts.values_list("user_id").annotate(n=Count("id")))
    graded = attempts.filter(status=AttemptStatus.FINISHED, finished_by="submit", score__isnull=False)
    passed = set(graded.filter(passed=True).values_list("user_id", flat=True))
    certificates = dict(Certificate.objects.filter(user_id__in=users).values_list("user_id").annotate(n=Count("id")))
    facts = {
        "answers_lost": len(lost),
        "trainees_without_exactly_one_attempt": sum(1 for u in users if per_user.get(u) != 1),
        "attempts_graded_by_submit": graded.count(),
        "attempts_passed": len(passed),
        "certificates": sum(certificates.values()),
        "trainees_with_two_certificates": sum(1 for n in certificates.values() if n > 1),
    }
    ok = (not lost and outcome["a_killed_after_answers"] is not None
          and facts["trainees_without_exactly_one_attempt"] == 0 and facts["attempts_graded_by_submit"] == len(users)
          and len(passed) >= args.passing and set(certificates) == passed
          and facts["trainees_with_two_certificates"] == 0)
    return ok, facts


# -- 4. the workers ---------------------------------------------------------------------------


def task_rows():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.values("id", "task_path", "status", "worker_ids"))


def wait_for(condition, seconds, step=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    return None


def run_workers(parts):
    """Two workers; w1 killed during a PDF; its task put back; a replacement worker; all done."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running, ready, done = TaskResultStatus.RUNNING, TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL
    queued = len(task_rows())
    started = time.perf_counter()
    parts.worker("w1")
    parts.worker("w2")
    victim = wait_for(lambda: next((r for r in task_rows() if r["status"] == running and r["worker_ids"] == ["w1"]
                                    and r["task_path"].endswith("render_certificate_pdf_file")), None), 120, 0.05)
    if victim is None:
        return {"queued": queued, "problem": "w1 never ran a PDF task"}
    time.sleep(0.5)  # well inside the render (3–4 s of CPU)
    parts.kill("w1")
    # w2 works through the rest; the killed task is left RUNNING by django-tasks-db
    wait_for(lambda: all(r["status"] == done or r["id"] == victim["id"] for r in task_rows()), 300, 0.5)
    time.sleep(2)  # had anything picked it up, it would have by now
    stuck = DBTaskResult.objects.get(pk=victim["id"]).status
    # what docs/deploy.md tells an operator to do once a worker is known dead
    requeued = DBTaskResult.objects.filter(status=running, worker_ids__contains=["w1"]).update(status=ready)
    parts.worker("w3")
    finished = wait_for(lambda: all(r["status"] == done for r in task_rows()), 120, 0.5)
    rows = task_rows()
    return {"queued": queued, "seconds": round(time.perf_counter() - started, 1), "killed_task": victim["task_path"],
            "killed_task_status_after_death": stuck, "requeued": requeued, "all_successful": bool(finished),
            "killed_task_worker_ids": next(r["worker_ids"] for r in rows if r["id"] == victim["id"]),
            "statuses": sorted({r["status"] for r in rows})}


def count_outputs(mail_dir, media_root):
    """Mails written by every process, by recipient; PDFs in the shared media folder."""
    from certification.models import Certificate

    recipients = []
    for path in Path(mail_dir).glob("*.log"):
        recipients += re.findall(r"^To: (.+)$", path.read_text(errors="replace"), re.MULTILINE)
    files = sorted(p.name for p in (Path(media_root) / "certificates").glob("*")) if media_root else []
    certificates = list(Certificate.objects.select_related("user").values_list("user__email", "pdf_file"))
    return recipients, files, certificates


def verify_workers(work, recipients, files, certificates):
    wanted = sorted(email for email, _ in certificates)
    facts = {"tasks": work.get("queued"), "mails": len(recipients), "pdf_files": len(files),
             "certificates": len(certificates), **{k: v for k, v in work.items() if k != "queued"}}
    ok = (work.get("all_successful") and work.get("killed_task_status_after_death") == "RUNNING"
          and work.get("requeued") == 1 and sorted(recipients) == wanted
          and sorted(files) == sorted(name.rsplit("/", 1)[-1] for _, name in certificates))
    return bool(ok), facts


# -- 5. shared storage ------------------------------------------------------------------------


async def check_storage(data, people, media_root, args):
    """Each passing trainee downloads their PDF from B: the bytes a worker wrote, none rendered again."""
    from asgiref.sync import sync_to_async

    from certification.models import Certificate

    pairs = await sync_to_async(lambda: list(Certificate.objects.values_list("user_id", "public_id", "pdf_file")))()
    index = {t.pk: i for i, t in enumerate(data["trainees"])}
    same = 0
    for user_id, public_id, name in pairs:
        path = f"/zh-hans/my-certificates/{public_id}/certificate.pdf"
        status, body = await fetch(PORT_B, path, people[index[user_id]])
        same += status == 200 and body == (Path(media_root) / name).read_bytes()
    after = sorted(p.name for p in (Path(media_root) / "certificates").glob("*"))
    ok = 0 < same == len(pairs) == len(after)
    return ok, {"pdfs_served_by_b_as_stored": same, "pdf_files_after": len(after)}


# -- the run ----------------------------------------------------------------------------------


def table(checks):
    width = max(len(name) for name in checks)
    lines = [f"{'check':<{width}}  result  detail", f"{'-' * width}  ------  ------"]
    for name, (ok, detail) in checks.items():
        lines.append(f"{name:<{width}}  {'PASS' if ok else 'FAIL':<6}  {detail}")
    return "\n".join(lines)


def summary(facts):
    return ", ".join(f"{k}={v}" for k, v in facts.items())


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("redis-server"):
        sys.exit("redis-server is missing: apt-get install -y redis-server")
    args.output.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="opsacademy-cluster-"))
    log = open(args.output / "cluster-processes.log", "wb")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
           "MEDIA_ROOT": str(folder / "media"), "PRIVATE_MEDIA_ROOT": str(folder / "private"),
           "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "CLUSTER_MAIL_DIR": str(folder / "mail"),
           "SITE_URL": f"http://127.0.0.1:{PORT_A}", "CERTIFICATE_PDF_PRERENDER": "1"}
    (folder / "mail").mkdir()
    parts = Parts(folder, env, log)
    checks, facts = {}, {}
    try:
        parts.redis()
        with fresh_database(args.database_url) as database_url:
            env["DATABASE_URL"] = database_url
            # this process publishes and reads the database as a server would; its own tasks (the
            # curriculum's search and reference indexing) run inline, so that the queue holds only
            # what the servers enqueue
            os.environ.update({k: v for k, v in env.items() if k != "TASKS_BACKEND"})
            print(f"Preparing {DATABASE} ({args.trainees} trainees)…", file=sys.stderr)
            data, facts["database"] = prepare(database_url, args)
            from django.core.cache import caches

            assert "Redis" in type(caches["default"]).__name__, "the run itself must use the shared cache"
            parts.gunicorn("A", PORT_A, args.workers)
            parts.gunicorn("B", PORT_B, args.workers)
            people = identities(data["trainees"])
            print("Servers up; checking", file=sys.stderr)

            async def web_checks():
                checks["1 session A → B"] = await check_session(data)
                checks["2 publish on A, fresh on B"] = await check_publish(data, people[0])
                return await run_quiz(parts, data, people, args)

            quiz = asyncio.run(web_checks())
            ok, facts["quiz"] = verify_quiz(data, quiz, args)
            facts["quiz"].update({k: v for k, v in quiz.items() if k != "acknowledged"})
            checks["3 quiz, A killed mid-way"] = (ok, summary({k: facts["quiz"][k] for k in (
                "answers_acknowledged", "answers_lost", "a_killed_after_answers", "retries_on_b",
                "trainees_without_exactly_one_attempt", "attempts_graded_by_submit", "attempts_passed",
                "certificates")}))
            work = run_workers(parts)
            ok, facts["workers"] = verify_workers(work, *count_outputs(folder / "mail", folder / "media"))
            checks["4 tasks, a worker killed"] = (ok, summary({k: facts["workers"].get(k) for k in (
                "tasks", "killed_task_status_after_death", "requeued", "killed_task_worker_ids", "mails",
                "pdf_files", "certificates")}))
            ok, facts["storage"] = asyncio.run(check_storage(data, people, folder / "media", args))
            checks["5 shared files"] = (ok, summary(facts["storage"]))
            from django.db import connections

            connections.close_all()  # before the database is dropped
            parts.stop_all()
    finally:
        parts.stop_all()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(table(checks))
    stamp = datetime.now(timezone.utc)
    record = {"when": stamp.isoformat(timespec="seconds"), "command": command_line(), "machine": machine(),
              "checks": {name: {"pass": ok, "detail": detail} for name, (ok, detail) in checks.items()},
              "facts": facts}
    path = args.output / f"cluster-{stamp:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str))
    print(f"\nResults: {path.relative_to(ROOT)}")
    return 0 if checks and all(ok for ok, _ in checks.values()) and len(checks) == 5 else 1


if __name__ == "__main__":
    sys.exit(main())
