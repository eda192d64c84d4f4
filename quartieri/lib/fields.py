"""Model fields shared by several apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from quartieri.lib.crypto import secret_decrypt, secret_encrypt


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text kept encrypted in the database (``quartieri.lib.crypto``), plain in Python.

    The column holds a Fernet token; the attribute on the instance holds the plaintext. An
    empty string stays empty (nothing secret to hide). Encryption is randomised, so the
    column cannot be filtered on: look rows up by another field.
    """

    description = "Text encrypted at rest"

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:
            return value
        return secret_decrypt(token=value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return secret_encrypt(plaintext=str(value))
