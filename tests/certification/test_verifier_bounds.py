"""`POST /credentials/verify/` answers every body up to its size limit quickly, limits each
client's rate, and says what is wrong with a malformed request.

PyLD compares each new value of a property with every value before it, so canonicalising an
array of a few thousand items takes seconds to minutes; the verifier bounds the structure
(depth, values, array length, keys, string length) before any JSON-LD work.
"""

import copy
import json
import time

import pytest
from django.test import Client

from certification.credentials.verification import (
    MAX_ARRAY,
    MAX_CREDENTIAL_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    MAX_STRING,
)
from certification.models import Certificate
from tests.certification.conftest import take_quiz

URL = "/credentials/verify/"
EXTRA = "https://example.org/extra"  # any property: the credential keeps conforming, the trust check passes


@pytest.fixture
def document(enrolled, rule, client):
    take_quiz(enrolled, rule.exam)
    return client.get(f"/verify/{Certificate.objects.get().public_id}/credential.json").json()


def filled(make, budget=MAX_CREDENTIAL_BYTES - 3_000):
    """As many items from `make(i)` as fit in `budget` bytes of JSON."""
    items, size, i = [], 2, 0
    while size < budget:
        item = make(i)
        items.append(item)
        size += len(json.dumps(item)) + 2
        i += 1
    return items[:-1]


def nested(depth, leaf="x"):
    node = leaf
    for _ in range(depth):
        node = {EXTRA: node}
    return node


def one_node_many_values(arrays, length):
    """Many small arrays of distinct values that JSON-LD merges into one property of one node."""
    return [{"id": "https://example.org/node", EXTRA: [f"v{j}-{i}" for i in range(length)]} for j in range(arrays)]


def values(node):
    """How many JSON values `node` holds, itself included."""
    items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return 1 + sum(values(item) for item in items)


# name: (the extra property's value, given the values left under MAX_NODES; the check that fails)
WORST_CASES = {
    # Over the bounds, filling the size limit: refused before any JSON-LD work.
    "thousands of strings": (lambda room: filled(lambda i: f"s{i}"), "json"),
    "thousands of numbers": (lambda room: filled(lambda i: i), "json"),
    "thousands of small objects": (lambda room: filled(lambda i: {EXTRA: i}), "json"),
    "thousands of blank nodes": (lambda room: filled(lambda i: {}), "json"),
    "thousands of blank node ids": (lambda room: filled(lambda i: {"id": f"_:b{i}"}), "json"),
    "thousands of IRIs": (lambda room: filled(lambda i: {"id": f"https://example.org/{i}"}), "json"),
    "thousands of keys": (lambda room: dict(filled(lambda i: (f"https://example.org/k{i}", i))), "json"),
    "one node with thousands of values": (lambda room: one_node_many_values(200, 20), "json"),
    "deep nesting": (lambda room: nested(200), "json"),
    "a long string": (lambda room: "x" * (MAX_CREDENTIAL_BYTES - 3_000), "json"),
    "a long key": (lambda room: {"https://example.org/" + "k" * (MAX_CREDENTIAL_BYTES - 3_000): 1}, "json"),
    # Just inside the bounds: these reach the canonicalisation, and fail the signature.
    "one node with the most values allowed": (
        lambda room: one_node_many_values((room - 1) // (MAX_ARRAY + 3), MAX_ARRAY), "signature"),
    "the most blank nodes allowed": (
        lambda room: [[{} for _ in range(MAX_ARRAY - 2)] for _ in range((room - 1) // (MAX_ARRAY - 1))], "signature"),
    "the deepest nesting allowed": (  # the list sits at depth 3 (document, credentialSubject, list)
        lambda room: [nested(MAX_DEPTH - 4) for _ in range((room - 1) // (MAX_DEPTH - 2))], "signature"),
    "the longest strings allowed": (
        lambda room: ["y" * MAX_STRING for _ in range((MAX_CREDENTIAL_BYTES - 4_000) // MAX_STRING)], "signature"),
}


@pytest.mark.parametrize("name", WORST_CASES)
def test_every_body_up_to_the_size_limit_is_answered_within_a_second(document, settings, name):
    """Worst cases for the canonicalisation, over and just inside the bounds, get a 422 that
    names the check in well under a second."""
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "1000/m"
    make, check = WORST_CASES[name]
    hostile = copy.deepcopy(document)
    hostile["credentialSubject"][EXTRA] = make(MAX_NODES - values(document) - 1)
    body = json.dumps(hostile)
    assert len(body.encode()) <= MAX_CREDENTIAL_BYTES
    started = time.perf_counter()
    response = Client().post(URL, body, content_type="application/json")
    elapsed = time.perf_counter() - started
    assert (response.status_code, response.json()["check"]) == (422, check), response.json()
    assert elapsed < 1.0, f"{name}: answered in {elapsed:.2f} s; every body up to the size limit must take < 1 s"


def test_over_the_bounds_the_answer_names_the_bound(document, settings):
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "1000/m"
    hostile = copy.deepcopy(document)
    hostile["credentialSubject"][EXTRA] = list(range(1_000))
    response = Client().post(URL, json.dumps(hostile), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["check"] == "json" and "array" in response.json()["message"]


def test_our_own_credential_is_well_inside_the_bounds(document):
    assert Client().post(URL, json.dumps(document), content_type="application/json").json() == {"valid": True}


def test_the_endpoint_limits_each_clients_rate(settings):
    """Over the limit a client gets 429 with Retry-After; other clients are not affected."""
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "3/m"
    first, second = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    for _ in range(3):
        assert first.post(URL, "{}", content_type="application/json").status_code == 422
    refused = first.post(URL, "{}", content_type="application/json")
    assert refused.status_code == 429 and "error" in refused.json()
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert second.post(URL, "{}", content_type="application/json").status_code == 422


def test_the_default_rate_is_thirty_a_minute():
    client = Client(REMOTE_ADDR="198.51.100.9")
    answers = [client.post(URL, "[]", content_type="application/json").status_code for _ in range(31)]
    assert answers == [422] * 30 + [429]


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_malformed_content_length_is_a_400(length):
    response = Client().post(URL, "{}", content_type="application/json", CONTENT_LENGTH=length)
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]
