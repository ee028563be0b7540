"""Load benchmark: seeded trainees, gunicorn (sync workers) on loopback, 16 concurrent clients.

    .venv/bin/python bench/run.py --db sqlite
    .venv/bin/python bench/run.py --db postgres --database-url postgres://…/opsacademy

Creates a fresh database (an SQLite file in a temporary folder, or a new PostgreSQL database
next to the one DATABASE_URL names), migrates, loads the curriculum, seeds the trainees and
starts gunicorn on 127.0.0.1. Each endpoint is warmed up, then measured for a fixed time with a
cap on the request count; the table compares the course pages with anchors from the same run
(a trivial Django view, a title-only Wagtail page). The server is stopped and the database
removed at the end, whatever happens. Results: stdout and bench/results/. docs/performance.md
explains the targets and the figures.
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Endpoint, Identity, Result, fetch, hammer  # noqa: E402

SETTINGS = "config.settings.bench"
TRIVIAL = "trivial view"
MINIMAL_ANON = "minimal page, anonymous"
MINIMAL_USER = "minimal page, logged in"
CATALOG = "catalog, anonymous (cached)"
LESSON = "lesson, logged in"
DASHBOARD = "dashboard, logged in"
# endpoint: (anchor, minimum share of the anchor's requests/s, p99 limit in ms or None)
TARGETS = {
    CATALOG: (TRIVIAL, 0.8, None),
    LESSON: (MINIMAL_USER, 0.8, 150),
    DASHBOARD: (MINIMAL_USER, 0.5, 150),
}
BUSY_WARNING = 0.2  # cores used by programs outside the benchmark


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per endpoint")
    parser.add_argument("--rounds", type=int, default=5,
                        help="the duration is split into this many interleaved slices")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per endpoint")
    parser.add_argument("--rotate", type=int, default=4,
                        help="trainees per logged-in client, taken in turn")
    return parser.parse_args(argv)


def add_common_arguments(parser):
    """The options every benchmark takes: which database, how many workers, where to write."""
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="postgres only: a database on the server to create the bench database from")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 × cores + 1)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")


# -- the database -----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind, server_url):
    """Yield the DATABASE_URL of a new, empty database; remove it afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="opsacademy-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("--db postgres needs --database-url (or DATABASE_URL) naming a PostgreSQL database")
    name = f"opsacademy_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_database(database_url, seed):
    """Migrate the fresh database, load the curriculum, run `seed()`, then make the database
    ready for load; return (what `seed` returned, facts about the database). Every benchmark
    prepares its data this way."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_curriculum", stdout=io.StringIO())
    seeded = seed()
    facts = database_facts(connection)
    if connection.vendor == "postgresql":
        connection.cursor().execute("VACUUM ANALYZE")  # as autovacuum would, before the load
    connections.close_all()
    facts["prepare_seconds"] = round(time.perf_counter() - started, 1)
    return seeded, facts


def prepare(database_url, args):
    """Seed trainees with progress; return (seeded URLs, logged-in trainees, facts)."""

    def seed_and_log_in():
        from bench.seed import log_in, seed

        trainees, seeded = seed(args.trainees)
        picked = trainees[:: max(1, len(trainees) // (args.concurrency * args.rotate))]
        return seeded, log_in(picked[: args.concurrency * args.rotate])

    (seeded, picked), facts = prepare_database(database_url, seed_and_log_in)
    return seeded, picked, facts


def database_facts(connection):
    """What the run relies on: persistent connections, and WAL mode on SQLite."""
    settings = connection.settings_dict
    facts = {"vendor": connection.vendor, "conn_max_age": settings["CONN_MAX_AGE"]}
    if connection.vendor == "postgresql":
        facts["database_name"] = settings["NAME"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            facts["journal_mode"] = cursor.fetchone()[0]
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        facts["version"] = cursor.fetchone()[0]
    if not facts["conn_max_age"]:
        sys.exit("CONN_MAX_AGE is 0: the benchmark needs persistent database connections")
    if facts.get("journal_mode", "wal") != "wal":
        sys.exit(f"SQLite runs in {facts['journal_mode']} mode, not WAL")
    return facts


# -- the server -------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url, workers, log_path):
    """Serve the project with `workers` sync workers on a free loopback port; always stop it."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--worker-class", "sync", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "5",
    ]
    with open(log_path, "ab") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_until_up(port, server)
        yield port, server.pid  # its own session, so its process group is its pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def connections_held(group, database_url):
    """How many database connections gunicorn's workers hold once the load is over: one per
    worker when connections persist (CONN_MAX_AGE), none when each request closes its own."""
    if database_url.startswith("sqlite"):
        path = "/" + urlsplit(database_url).path.lstrip("/")  # sqlite:////tmp/… has two
        held = 0
        for process in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((process / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                    continue
                held += any(os.readlink(fd) == path for fd in (process / "fd").iterdir())
        return held
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchone()
    return row[0]


def wait_until_up(port, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}; see its log")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/trivial/", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    sys.exit("gunicorn did not answer within a minute")


# -- the load ---------------------------------------------------------------------------------


def endpoints(seeded, trainees, concurrency):
    """The six measured endpoints; logged-in client i takes its own trainees in turn."""
    sessions = [Identity({"sessionid": t.session_key}) for t in trainees]
    per_client = [sessions[i::concurrency] for i in range(concurrency)]
    signed_in = b"/accounts/logout/"  # the logout form: the session was accepted
    return [
        Endpoint(TRIVIAL, ["/_bench/trivial/"], [], b"ok"),
        Endpoint(MINIMAL_ANON, [seeded.minimal_url], [], b"<h1>Minimal page</h1>"),
        Endpoint(MINIMAL_USER, [seeded.minimal_url], per_client, b"<h1>Minimal page</h1>"),
        Endpoint(CATALOG, [seeded.catalog_url], [], b'class="card card--course"'),
        Endpoint(LESSON, seeded.lesson_urls, per_client, signed_in),
        Endpoint(DASHBOARD, ["/zh-hans/my-learning/"], per_client, signed_in),
    ]


async def measure(port, server_group, database_name, all_endpoints, args):
    """Check and warm up every endpoint, then measure them in interleaved rounds, so that a
    burst of work from other programs spreads over all of them rather than hitting one."""
    load = dict(concurrency=args.concurrency, max_requests=args.max_requests // args.rounds)
    for endpoint in all_endpoints:
        status, body = await fetch(port, endpoint.paths[0], (endpoint.identities or [[None]])[0][0])
        if status != 200 or endpoint.expect not in body:
            sys.exit(f"{endpoint.name}: {endpoint.paths[0]} answered {status} without the expected content")
        await hammer(port, endpoint, seconds=args.warmup, **load)
    results = {endpoint.name: Result(endpoint.name) for endpoint in all_endpoints}
    for round_number in range(1, args.rounds + 1):
        for endpoint in all_endpoints:
            before = CpuSample.take(server_group, database_name)
            part = await hammer(port, endpoint, seconds=args.duration / args.rounds, **load)
            results[endpoint.name].add(part, CpuSample.take(server_group, database_name) - before)
        print(f"  round {round_number} of {args.rounds} done", file=sys.stderr)
    return results


class CpuSample:
    """CPU seconds used so far: by the machine, gunicorn (its process group), the database
    server's processes (PostgreSQL), and this client."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, machine, server, database, client, wall):
        self.machine, self.server, self.database = machine, server, database
        self.client, self.wall = client, wall

    @classmethod
    def take(cls, group, database_name):
        """`database_name`: the PostgreSQL database whose connections are ours (None: SQLite,
        so every PostgreSQL process belongs to someone else)."""
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        idle = int(fields[3]) + int(fields[4])  # idle + iowait
        busy = sum(int(f) for f in fields[:8]) - idle  # steal is time we lost, too
        server = database = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                text = stat.read_text()
                name = text[text.index("(") + 1 : text.rindex(")")]
                values = text.rsplit(")", 1)[1].split()
                ticks = int(values[11]) + int(values[12])
                if int(values[2]) == group:  # process group
                    server += ticks
                elif name == "postgres" and database_name and cls._ours(stat.parent, database_name):
                    database += ticks
        own = os.times()
        return cls(busy / cls.TICK, server / cls.TICK, database / cls.TICK, own.user + own.system,
                   time.monotonic())

    @staticmethod
    def _ours(process, database_name):
        """The server's own processes (checkpointer, WAL writer…) and connections to our
        database; not other clients' connections ("user db host(port) state")."""
        title = (process / "cmdline").read_bytes()
        return b"(" not in title or database_name.encode() in title

    def __sub__(self, earlier):
        seconds = self.wall - earlier.wall
        used = {
            name: (getattr(self, name) - getattr(earlier, name)) / seconds
            for name in ("machine", "server", "database", "client")
        }
        other = used.pop("machine") - used["server"] - used["database"] - used["client"]
        return {**used, "other": max(0.0, other)}


# -- the report -------------------------------------------------------------------------------


def verdict(name, results):
    if name not in TARGETS:
        return "anchor"
    anchor, share, p99_limit = TARGETS[name]
    ratio = results[name].rate / results[anchor].rate if results[anchor].rate else 0.0
    passed = ratio >= share and (p99_limit is None or results[name].percentile(99) < p99_limit)
    limit = f", p99 < {p99_limit} ms" if p99_limit else ""
    return f"{'PASS' if passed else 'FAIL'} {ratio:.2f}× {anchor} (≥ {share}{limit})"


def table(results):
    lines = [
        "| endpoint | requests/s | p50 ms | p99 ms | errors | target | CPU cores: server / database / client / other |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, r in results.items():
        cpu = " / ".join(f"{r.cpu[k]:.2f}" for k in ("server", "database", "client", "other"))
        lines.append(
            f"| {name} | {r.rate:,.0f} | {r.percentile(50):.1f} | {r.percentile(99):.1f} "
            f"| {r.errors} | {verdict(name, results)} | {cpu} |"
        )
    return "\n".join(lines)


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_kb / 2**20, 1),
            "python": platform.python_version()}


def report(args, facts, seeded, results):
    """Print the table (and what may have spoiled it); save it. Exit status 1 on a missed
    target or a failed request."""
    import django
    import wagtail

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = {**machine(), "django": django.get_version(), "wagtail": wagtail.__version__, **facts,
             "workers": args.workers, "concurrency": args.concurrency, "duration": args.duration,
             "rounds": args.rounds, "trainees": seeded.trainees, "progress_rows": seeded.progress_rows,
             "command": command_line(), "finished": stamp}
    text = "\n".join([
        f"# {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
        f"{facts['vendor']} {facts['version']}; gunicorn {args.workers} sync workers; "
        f"{args.concurrency} clients × {args.duration:g} s per endpoint ({args.rounds} rounds); "
        f"{seeded.trainees} trainees, {seeded.progress_rows} progress rows; database connections "
        f"held by the workers after the load: {facts['connections_held']} "
        f"(CONN_MAX_AGE {facts['conn_max_age']}"
        f"{', SQLite journal ' + facts['journal_mode'] if 'journal_mode' in facts else ''})",
        f"# {about['command']}", "", table(results), "",
    ])
    for name, r in results.items():
        if r.errors:
            text += f"\n{name}: {r.errors} errors, first: {r.first_error}"
    busy = max(r.cpu["other"] for r in results.values())
    if busy > BUSY_WARNING:
        text += (f"\nWarning: other programs used up to {busy:.2f} cores during the run; "
                 "the figures understate this machine.")
    print(text)
    data = {name: {"rate": r.rate, "p50_ms": r.percentile(50), "p99_ms": r.percentile(99),
                   "requests": r.requests, "errors": r.errors, "target": verdict(name, results),
                   "cpu_cores": r.cpu}
            for name, r in results.items()}
    (args.output / f"{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    (args.output / f"{args.db}-{stamp}.json").write_text(json.dumps({"about": about, "results": data}, indent=2))
    failed = any(verdict(name, results).startswith("FAIL") for name in TARGETS)
    return 1 if failed or any(r.errors for r in results.values()) else 0


def cpu_lines(measured, phases):
    """A report's CPU lines: the cores each phase used (`measured["cpu_<phase>"]`), and a warning
    when other programs took some, as the figures then understate this machine."""
    lines = [f"CPU cores during the {phase} phase: server {cpu['server']:.2f}, database {cpu['database']:.2f}, "
             f"client/bare loop {cpu['client']:.2f}, other programs {cpu['other']:.2f}"
             for phase in phases for cpu in [measured[f"cpu_{phase}"]]]
    if max(measured[f"cpu_{phase}"]["other"] for phase in phases) > BUSY_WARNING:
        lines.append("Warning: other programs used CPU during the run; the figures understate this machine.")
    return lines


def command_line():
    """How this run was started, with any password in a database URL masked."""
    python = Path(sys.executable)
    python = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    masked = []
    for word in [str(python), *sys.argv]:
        parts = urlsplit(word)
        if parts.password:
            word = urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
        masked.append(word)
    return " ".join(masked)


def fresh_log(args, prefix=""):
    """The output folder made, and its gunicorn log for this database emptied (it keeps the
    last run's); returns the log's path."""
    args.output.mkdir(parents=True, exist_ok=True)
    log_path = args.output / f"{prefix}{args.db}-gunicorn.log"
    log_path.write_text(f"# {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
    return log_path


def main(argv=None):
    args = parse_args(argv)
    log_path = fresh_log(args)
    with fresh_database(args.db, args.database_url) as database_url:
        print(f"Preparing {args.db} ({args.trainees} trainees)…", file=sys.stderr)
        seeded, trainees, facts = prepare(database_url, args)
        print(f"  ready in {facts['prepare_seconds']} s; starting gunicorn", file=sys.stderr)
        with gunicorn(database_url, args.workers, log_path) as (port, group):
            name = facts.get("database_name")
            results = asyncio.run(measure(port, group, name, endpoints(seeded, trainees, args.concurrency), args))
            facts["connections_held"] = connections_held(group, database_url)
        return report(args, facts, seeded, results)


if __name__ == "__main__":
    sys.exit(main())
