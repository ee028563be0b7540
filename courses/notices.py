"""Notices that apps above courses put on the learner's dashboard ("your capstone awaits
grading"). They register a provider in their AppConfig.ready, so courses never imports them:
a provider takes the user and returns a list of `Notice`s, in one query at most."""

from dataclasses import dataclass

_providers = []


@dataclass(frozen=True)
class Notice:
    text: str
    url: str = ""
    link_text: str = ""


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_user(user):
    return [notice for provider in _providers for notice in provider(user)]
