"""People import at its limits: the largest allowed XLSX and CSV (PEOPLE_IMPORT_MAX_ROWS people)
imported through `manage.py import_people`, timed, with the process's peak memory.

    .venv/bin/python bench/people_import.py --db sqlite
    .venv/bin/python bench/people_import.py --db postgres --database-url postgres://…/opsacademy

A fresh database (bench/run.py's helpers: an SQLite file in a temporary folder, or a new
PostgreSQL database) gets the migrations and the curriculum. Two files of the same people are
written: A (the people as hired: a three-level department path each, a manager from the file,
a hire date, a language) and B (every name, email and hire date changed). The imports, in order:
A as XLSX as Excel writes it (shared strings, the sheet's dimension first: every person created,
with the departments and managers), B as CSV (every person updated, addresses replaced), B again
(every person unchanged), A as XLSX from a streaming writer (inline strings and no dimension, so
openpyxl reads the sheet twice: every person updated back), and a CSV of PEOPLE_IMPORT_MAX_ROWS + 1
people (refused; nothing written). The files are written by a child process, so that this one's
memory holds only what the imports leave.

Measured for each: wall time of the command, and the process's resident high-water mark during
it (VmHWM of /proc/self/status, reset through /proc/self/clear_refs before each import) less
its resident size before: what the import adds to a process that has Django and Wagtail
loaded. Targets: < 30 s and < 200 MB each. Exit status 1 on a missed target.
"""

import argparse
import csv
import io
import multiprocessing
import os
import re
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import add_common_arguments, command_line, fresh_database, machine, prepare_database  # noqa: E402

SECONDS = 30
PEAK_MB = 200
HEADER = ["employee_id", "email", "display_name", "department_path", "manager_email", "hire_date", "language"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--people", type=int, default=0, help="default: PEOPLE_IMPORT_MAX_ROWS")
    return parser.parse_args(argv)


# -- the files --------------------------------------------------------------------------------


def people(n, version):
    """`n` rows: 8 divisions × 5 departments × 4 teams; every tenth person manages the next nine."""
    hired = date(2015, 1, 1)
    for i in range(n):
        email = f"e{i:06d}.{version}@staff.bench.local"
        manager = f"e{i // 10 * 10:06d}.{version}@staff.bench.local" if i % 10 else ""
        yield [
            f"E{i:06d}", email, f"员工{i:06d}{version}", f"事业部{i % 8}/部门{i % 40}/小组{i % 160}", manager,
            (hired + timedelta(days=i % 3000 + (7 if version == "b" else 0))).isoformat(), ["zh-hans", "en"][i % 2],
        ]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path, rows, streamed=False):
    from openpyxl import Workbook

    workbook = Workbook(write_only=streamed)
    sheet = workbook.create_sheet() if streamed else workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([*row[:5], date.fromisoformat(row[5]), row[6]])  # dates as Excel dates
    workbook.save(path)


def write_files(folder, n, most):
    a, b = list(people(n, "a")), list(people(n, "b"))
    write_xlsx(folder / "a.xlsx", a)
    write_xlsx(folder / "a-streamed.xlsx", a, streamed=True)
    write_csv(folder / "b.csv", b)
    write_csv(folder / "over.csv", people(most + 1, "c"))


# -- measuring --------------------------------------------------------------------------------


def status_mb(field):
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1)) / 1024


def run_import(path):
    """(seconds, CPU seconds of this process, MB added at the peak, the command's last line or
    its error) for one import. On SQLite the database works in this process, so the CPU time
    is the import's whole cost, whatever else the machine runs; PostgreSQL's is not in it."""
    from django.core.management import CommandError, call_command
    from django.db import connections
    from django.utils import translation

    before = status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    out = io.StringIO()
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        with translation.override("en"):
            call_command("import_people", str(path), stdout=out)
        outcome = out.getvalue().strip().splitlines()[-1]
    except CommandError as error:
        outcome = f"refused: {str(error).split(': ', 1)[1]}"  # without the temporary path
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    connections.close_all()
    return seconds, cpu, status_mb("VmHWM") - before, outcome


def counts():
    from django.contrib.auth import get_user_model

    from accounts.models import Department, EmployeeProfile

    return {"people": EmployeeProfile.objects.count(), "users": get_user_model().objects.count(),
            "departments": Department.objects.count(),
            "managed": EmployeeProfile.objects.filter(manager__isnull=False).count()}


def measure(folder, n, most):
    writer = multiprocessing.get_context("fork").Process(target=write_files, args=(folder, n, most))
    writer.start()
    writer.join()
    if writer.exitcode:
        sys.exit("writing the files failed")
    runs = []
    for label, name in [
        (f"XLSX as Excel writes it, {n:,} new people", "a.xlsx"),
        (f"CSV, the {n:,} updated (names, emails, hire dates)", "b.csv"),
        (f"CSV, the {n:,} again: unchanged", "b.csv"),
        (f"XLSX from a streaming writer, the {n:,} updated back", "a-streamed.xlsx"),
        (f"CSV, {most + 1:,} rows: one over the limit", "over.csv"),
    ]:
        print(f"  {label}…", file=sys.stderr)
        seconds, cpu, peak, outcome = run_import(folder / name)
        runs.append({"label": label, "file": name, "mb": (folder / name).stat().st_size / 2**20,
                     "seconds": seconds, "cpu": cpu, "peak": peak, "outcome": outcome, "after": counts()})
    return runs


def report(args, facts, n, runs, baseline):
    from accounts.people_file import LIMITS

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%SZ")
    about = machine()
    lines = [
        f"# People import, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
        f"{facts['vendor']} {facts['version']}; {n:,} people per file (limits: "
        + ", ".join(f"{k} = {v:,}" for k, v in LIMITS.items()) + f"); process resident before: {baseline:.0f} MB",
        f"# {command_line()}", "",
        "| import | file | time (CPU of this process) | peak memory added | outcome | target |",
        "|---|---|---|---|---|---|",
    ]
    ok = True
    for r in runs:
        passed = r["seconds"] < SECONDS and r["peak"] < PEAK_MB
        ok = ok and passed
        lines.append(f"| {r['label']} | {r['file']}, {r['mb']:.1f} MB | {r['seconds']:.1f} s ({r['cpu']:.1f} s) | "
                     f"{r['peak']:.0f} MB | "
                     f"{r['outcome']} | {'PASS' if passed else 'FAIL'} (< {SECONDS} s, < {PEAK_MB} MB) |")
    expected = {"people": n, "users": n, "departments": 8 + 40 + 160, "managed": n - (n + 9) // 10}
    last = runs[-1]["after"]
    written_ok = all(r["after"] == expected for r in runs) and runs[-1]["outcome"].startswith("refused")
    ok = ok and written_ok
    lines += ["", f"Database after each import: {[r['after'] for r in runs]}; expected {expected} "
              f"({'as expected' if written_ok else 'NOT as expected'}; "
              f"the refused file wrote nothing: {last == expected})"]
    busy = os.getloadavg()[0]
    if busy > about["cores"]:
        lines.append(f"Warning: the load average was {busy:.1f} on {about['cores']} cores at the end: other programs "
                     "competed for the CPU, and the times overstate this machine's.")
    text = "\n".join(lines)
    print(text)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"people-import-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1


def main(argv=None):
    args = parse_args(argv)
    with fresh_database(args.db, args.database_url) as database_url, tempfile.TemporaryDirectory() as folder:
        print(f"Preparing {args.db}…", file=sys.stderr)
        _, facts = prepare_database(database_url, lambda: None)
        from accounts.people_file import limit

        most = limit("PEOPLE_IMPORT_MAX_ROWS")
        n = args.people or most
        print(f"  ready in {facts['prepare_seconds']} s; writing and importing {n:,} people", file=sys.stderr)
        baseline = status_mb("VmRSS")
        runs = measure(Path(folder), n, most)
        return report(args, facts, n, runs, baseline)


if __name__ == "__main__":
    sys.exit(main())
