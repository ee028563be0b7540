"""Placeholder: Open Badges 3.0 credentials (being written)."""


def signed_credential(certificate, request):
    raise NotImplementedError
