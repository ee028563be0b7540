"""The load generator: N concurrent asyncio clients sending GETs to 127.0.0.1 for a while.

Gunicorn's sync workers answer one request per connection (`Connection: close`), so each
request is one short TCP connection: connect, write the request, read to EOF. That is done
with asyncio streams directly rather than httpx: the client shares the machine's two cores
with the server, and httpx spends several times more CPU per request (see
docs/performance.md), which would cap the cheap anchors at the client's speed instead of the
server's. Every response is checked (status 200 and an expected fragment of the body).
"""

import asyncio
import math
import re
import time
from dataclasses import dataclass, field

SET_COOKIE = re.compile(rb"^set-cookie:\s*([^=;\s]+)=([^;\r\n]*)", re.IGNORECASE | re.MULTILINE)
TIMEOUT = 10.0


@dataclass
class Identity:
    """Who sends a request: no cookies (anonymous) or a trainee's session; keeps Set-Cookie."""

    cookies: dict = field(default_factory=dict)

    def header(self):
        if not self.cookies:
            return ""
        return "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"

    def remember(self, head):
        for name, value in SET_COOKIE.findall(head):
            self.cookies[name.decode()] = value.decode()


@dataclass
class Endpoint:
    name: str
    paths: list  # rotated through per client
    identities: list  # one list per client, rotated through per request; [] = anonymous
    expect: bytes  # a fragment every good response contains


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    first_error: str = ""
    cpu: dict = field(default_factory=dict)  # cores used: server, client, other programs

    def add(self, part, cpu):
        """Pool a slice of the measurement (with the CPU cores it used) into this result."""
        total = self.seconds + part.seconds
        self.cpu = {k: (self.cpu.get(k, 0.0) * self.seconds + cpu[k] * part.seconds) / total for k in cpu}
        self.requests += part.requests
        self.errors += part.errors
        self.seconds = total
        self.latencies += part.latencies
        self.first_error = self.first_error or part.first_error

    def record(self, started, problem=""):
        """Count one request that began at `started` (perf_counter): its latency if it went
        well, else an error and, the first time, what went wrong."""
        if problem:
            self.errors += 1
            self.first_error = self.first_error or problem
        else:
            self.requests += 1
            self.latencies.append(time.perf_counter() - started)

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000  # nearest rank


async def fetch(port, path, identity):
    """GET `path`; return (status, body). Raises on a broken connection or a timeout."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        cookie = identity.header() if identity else ""
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}Connection: close\r\n\r\n".encode()
        )
        data = await reader.read()
    finally:
        writer.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    if identity:
        identity.remember(head)
    return int(head[9:12]), body


async def _client(port, endpoint, index, stop_at, budget, result):
    paths = endpoint.paths[index % len(endpoint.paths):] + endpoint.paths[: index % len(endpoint.paths)]
    identities = endpoint.identities[index] if endpoint.identities else [None]
    sent = 0
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        path, identity = paths[sent % len(paths)], identities[sent % len(identities)]
        sent += 1
        started = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(fetch(port, path, identity), TIMEOUT)
            ok = status == 200 and endpoint.expect in body
            problem = "" if ok else f"{path}: HTTP {status}" + ("" if status != 200 else ", unexpected body")
        except (OSError, asyncio.TimeoutError, ValueError) as error:
            problem = f"{path}: {error!r}"
        result.record(started, problem)


async def hammer(port, endpoint, *, concurrency, seconds, max_requests):
    """Run `concurrency` clients against `endpoint` until `seconds` pass or `max_requests`
    have been sent; the rate counts good responses over the wall time."""
    result = Result(endpoint.name)
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, endpoint, i, stop_at, budget, result) for i in range(concurrency))
    )
    result.seconds = time.perf_counter() - started
    return result
