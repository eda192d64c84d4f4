from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from quartieri.lib.crypto import (
    SecretDecryptError,
    fernet_key_derive,
    secret_decrypt,
    secret_encrypt,
    secret_rotate,
)

OLD, NEW = "old key string for tests", "new key string for tests"


def test_a_secret_round_trips(settings):
    settings.ENCRYPTION_KEYS = [NEW]
    token = secret_encrypt(plaintext="tok-èé-123")
    # The plaintext appears nowhere in the token's bytes. (Looking for "tok" in the token's
    # base64 text failed about once in 2,000 runs: random base64 spells it now and then.)
    assert "tok-èé-123".encode() not in base64.urlsafe_b64decode(token)
    assert secret_decrypt(token=token) == "tok-èé-123"


def test_the_same_plaintext_encrypts_differently_each_time(settings):
    settings.ENCRYPTION_KEYS = [NEW]
    assert secret_encrypt(plaintext="a") != secret_encrypt(plaintext="a")


def test_the_derived_key_is_a_valid_fernet_key_and_stable():
    key = fernet_key_derive(secret=NEW)
    Fernet(key)  # raises if malformed
    assert key == fernet_key_derive(secret=NEW)
    assert key != fernet_key_derive(secret=OLD)


def test_an_old_key_still_decrypts_and_rotate_moves_to_the_new_key(settings):
    # given a token made under the old key
    settings.ENCRYPTION_KEYS = [OLD]
    old_token = secret_encrypt(plaintext="refresh-1")

    # when the new key is put in front
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    rotated = secret_rotate(token=old_token)

    # then both decrypt now, and once the old key is dropped only the rotated one does
    assert secret_decrypt(token=old_token) == "refresh-1"
    assert secret_decrypt(token=rotated) == "refresh-1"
    settings.ENCRYPTION_KEYS = [NEW]
    assert secret_decrypt(token=rotated) == "refresh-1"
    with pytest.raises(SecretDecryptError):
        secret_decrypt(token=old_token)


def test_a_wrong_key_fails_clearly(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    token = secret_encrypt(plaintext="secret")
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(SecretDecryptError, match="No key in ENCRYPTION_KEYS decrypts"):
        secret_decrypt(token=token)
    with pytest.raises(SecretDecryptError):
        secret_rotate(token=token)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not a token", id="garbage_case"),
        pytest.param("tok-è", id="non_ascii_case"),
        pytest.param("tok-\ud800", id="lone_surrogate_case"),  # not even encodable text
    ],
)
def test_a_value_that_is_not_a_token_fails_clearly(settings, token):
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(SecretDecryptError):
        secret_decrypt(token=token)


def test_no_keys_is_a_configuration_error(settings):
    settings.ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        secret_encrypt(plaintext="x")


def rfc5869_hkdf_sha256(*, ikm: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 as RFC 5869 §2 defines it, with no salt (a string of HashLen zeros)."""
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


# Derived once by the stdlib HKDF above from NEW and the label "quartieri secrets at rest v1".
# If this changes, every token stored by an earlier release becomes unreadable.
NEW_FERNET_KEY = b"fcpvIp6mNSgtNH3PhlHuEwQDu59WRnLUWPJAzOq2tOk="
# A token encrypted under NEW by this code (Fernet, key above) on 2026-12-07.
STORED_TOKEN = (
    "gAAAAABrFqMG5v5V6UV6UiPglkhzddGD7M7pZHgrb2LCepr91XYJRVZZen93y8qbr6VEsW43mtf9GwjWQTtiPiNuC"
    "IEU5WfWoFsMUDlAAiJ9XRWdKCa4p6A="
)


def test_the_derived_key_is_pinned_hkdf_sha256_with_no_salt_and_our_label():
    # A changed info label, a salt, another hash or length: every stored secret is lost.
    expected = base64.urlsafe_b64encode(
        rfc5869_hkdf_sha256(ikm=NEW.encode(), info=b"quartieri secrets at rest v1")
    )
    assert expected == NEW_FERNET_KEY
    assert fernet_key_derive(secret=NEW) == NEW_FERNET_KEY


def test_a_token_stored_by_an_earlier_release_still_decrypts(settings):
    settings.ENCRYPTION_KEYS = [NEW]
    assert secret_decrypt(token=STORED_TOKEN) == "EAAB-page-token-2021"
    settings.ENCRYPTION_KEYS = ["", NEW]  # an empty entry (a trailing comma) is ignored
    assert secret_decrypt(token=STORED_TOKEN) == "EAAB-page-token-2021"


def test_rotation_re_encrypts_under_the_newest_key(settings):
    settings.ENCRYPTION_KEYS = [OLD, NEW]
    rotated = secret_rotate(token=STORED_TOKEN)
    # Only the newest key (OLD here) is needed for the rotated token.
    settings.ENCRYPTION_KEYS = [OLD]
    assert secret_decrypt(token=rotated) == "EAAB-page-token-2021"
    assert (
        Fernet(fernet_key_derive(secret=OLD)).decrypt(rotated.encode()) == b"EAAB-page-token-2021"
    )


def test_tokens_are_ascii_text_made_with_the_newest_key(settings):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    token = secret_encrypt(plaintext="città-🙂")
    assert isinstance(token, str)
    assert token.isascii()
    assert Fernet(NEW_FERNET_KEY).decrypt(token.encode()).decode() == "città-🙂"


def test_the_refusals_say_what_to_do(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    with pytest.raises(SecretDecryptError) as refused:
        secret_decrypt(token=STORED_TOKEN)
    assert str(refused.value) == (
        "No key in ENCRYPTION_KEYS decrypts this secret: the key that encrypted it was "
        "removed or changed, or the stored value was altered. Put the old key back at the "
        "end of QUARTIERI_ENCRYPTION_KEYS, or reconnect the account to store a new token."
    )
    with pytest.raises(SecretDecryptError) as refused:
        secret_rotate(token="tok-è")
    assert str(refused.value) == (
        "No key in ENCRYPTION_KEYS decrypts this secret, so it cannot be rotated."
    )
    settings.ENCRYPTION_KEYS = ["", ""]
    with pytest.raises(ImproperlyConfigured) as refused_config:
        secret_decrypt(token=STORED_TOKEN)
    assert str(refused_config.value) == (
        "ENCRYPTION_KEYS is empty: set QUARTIERI_ENCRYPTION_KEYS or QUARTIERI_ENCRYPTION_KEY"
    )
