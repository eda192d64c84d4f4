from __future__ import annotations

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
    assert token != "tok-èé-123"
    assert "tok" not in token
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
    [pytest.param("not a token", id="garbage_case"), pytest.param("tok-è", id="non_ascii_case")],
)
def test_a_value_that_is_not_a_token_fails_clearly(settings, token):
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(SecretDecryptError):
        secret_decrypt(token=token)


def test_no_keys_is_a_configuration_error(settings):
    settings.ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        secret_encrypt(plaintext="x")
