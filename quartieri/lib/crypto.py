"""Secrets at rest (platform tokens): Fernet encryption with key rotation.

``settings.ENCRYPTION_KEYS`` is a list of strings, newest first. Each string is turned into a
Fernet key with HKDF-SHA256 (no salt, a fixed ``info`` label naming this use), so any string
of enough entropy works as a key and the same string always gives the same Fernet key. A
``MultiFernet`` over all of them encrypts with the first and decrypts with any, which is how
a key is rotated: put the new string in front, run ``secret_rotate`` over the stored tokens
(or save the rows again), then drop the old string.

Fernet tokens are authenticated (AES-128-CBC + HMAC-SHA256) and carry their creation time;
a wrong key or a tampered token fails the HMAC check instead of decrypting to garbage.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Changing this label changes every derived key: it would make all stored secrets unreadable.
_HKDF_INFO = b"quartieri secrets at rest v1"


class SecretDecryptError(Exception):
    """No configured key decrypts the token (wrong keys, a dropped old key, or tampering)."""


def fernet_key_derive(*, secret: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from one configured string."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    # Cached per key tuple so tests that override settings get their own instance.
    return MultiFernet([Fernet(fernet_key_derive(secret=key)) for key in keys])


def _configured() -> MultiFernet:
    keys = tuple(key for key in settings.ENCRYPTION_KEYS if key)
    if not keys:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS is empty: set QUARTIERI_ENCRYPTION_KEYS or QUARTIERI_ENCRYPTION_KEY"
        )
    return _multifernet(keys)


def secret_encrypt(*, plaintext: str) -> str:
    """Encrypt with the newest key; the result is ASCII text safe for a text column."""
    # Strings encode and tokens decode as UTF-8 (str's default); a Fernet token is URL-safe
    # base64, so its text is ASCII.
    return _configured().encrypt(plaintext.encode()).decode()


def secret_decrypt(*, token: str) -> str:
    """Decrypt with whichever configured key made the token."""
    try:
        return _configured().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):  # not a token, or text that is not valid Unicode
        raise SecretDecryptError(
            "No key in ENCRYPTION_KEYS decrypts this secret: the key that encrypted it was "
            "removed or changed, or the stored value was altered. Put the old key back at the "
            "end of QUARTIERI_ENCRYPTION_KEYS, or reconnect the account to store a new token."
        ) from None


def secret_rotate(*, token: str) -> str:
    """Re-encrypt a token with the newest key (it must decrypt with one of the keys)."""
    try:
        return _configured().rotate(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        raise SecretDecryptError(
            "No key in ENCRYPTION_KEYS decrypts this secret, so it cannot be rotated."
        ) from None
