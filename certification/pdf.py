"""Placeholder: the certificate PDF renderer (being written)."""


def render_certificate_pdf(certificate):
    raise NotImplementedError
