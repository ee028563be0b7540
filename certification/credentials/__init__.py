"""Our certificates as Open Badges 3.0 credentials: the one way into the credential machinery.

- `documents`: the credential of a certificate, the issuer profile with its key, the revocation
  status list (all signed, all built from the database).
- `dataintegrity`: the `eddsa-rdfc-2022` Data Integrity proof (RDFC-1.0 canonical form, Ed25519),
  with JSON-LD contexts only from `contexts/`, never the network.
- `verification`: OB 3.0 §9.1 verification of a posted credential.

Views, commands and other apps use the names below; the submodules are for this package and its tests.
"""

from .documents import issuer_profile, signed_credential, status_list_credential
from .verification import MAX_CREDENTIAL_BYTES, Result, verify_credential

__all__ = [
    "MAX_CREDENTIAL_BYTES", "Result", "issuer_profile", "signed_credential", "status_list_credential",
    "verify_credential",
]
