"""Property-based test of the REST API against its own OpenAPI schema (schemathesis 4).

schemathesis loads /api/v1/openapi.json from the Django WSGI application (no network),
generates requests for every operation and sends them in-process, authenticated with a
real token of the approver (who may write), over data with a variant in every status so
the workflow endpoints meet real rows. Every check schemathesis has runs (its CLI's
``--checks all``): no 5xx, documented status codes, content types, headers and bodies,
valid data accepted, authentication not ignored, unsupported methods answered 405.

One setting differs from schemathesis's defaults, and it hides no schema problem: a request
that matches the schema may still be refused with 422 by the services (a platform rule the
variant breaks, a last day before the first, a time the clocks skip), which no schema can
express; 422 with the one error shape is the documented answer for that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.checks import load_all_checks
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.core.parameters import ParameterLocation

from quartieri.campaigns.services import api_token_create

load_all_checks()
CHECKS = REGISTRY.get_all()  # every check, as the CLI's --checks all
# Modest on purpose: 8 cases × 22 operations stays within seconds and covers each one.
EXAMPLES = 8


@pytest.fixture
def seeded(editor, approver, campaign, item, tiktok, instagram, make_variant) -> dict[str, Any]:
    variants = [
        make_variant(item=item, account=tiktok, by=editor, status=status).pk
        for status in ("draft", "in_review", "approved")
    ]
    variants.append(make_variant(item=item, account=instagram, by=editor, status="scheduled").pk)
    _row, token = api_token_create(actor=None, user=approver, name="schemathesis")
    return {
        "headers": {"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        "pk": variants + [item.pk],
        "slug": [campaign.slug],
        "body": {"campaign": campaign.slug, "content_item": item.pk, "account": tiktok.pk},
    }


def _negated(case: schemathesis.Case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def _with_real_rows(case: schemathesis.Case, draw: Any, seeded: dict[str, Any]) -> None:
    """Point half the cases at existing rows, so they reach the services, not only 404s.

    A part schemathesis made invalid (a negative case) is left as generated: replacing it
    with a valid value would send a valid request that schemathesis still counts as
    invalid, and report its 200 as "invalid data accepted".
    """
    if not draw(st.booleans()):
        return
    if case.path_parameters and not _negated(case, ParameterLocation.PATH):
        for name in ("pk", "slug"):
            if name in case.path_parameters:
                case.path_parameters[name] = draw(st.sampled_from(seeded[name]))
    if isinstance(case.body, dict) and not _negated(case, ParameterLocation.BODY):
        for name, value in seeded["body"].items():
            if name in case.body:
                case.body[name] = value


def _headers(case: schemathesis.Case, seeded: dict[str, Any]) -> dict[str, str]:
    """The approver's token, unless schemathesis made the headers invalid on purpose (then
    its own Authorization goes out and the API must refuse it)."""
    if _negated(case, ParameterLocation.HEADER):
        return {"Accept-Language": "en"}
    return dict(seeded["headers"])


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The real WSGI application, without the end-of-request connection closing that
    Django's own test client also switches off: on PostgreSQL it would close the test's
    connection in the middle of its transaction."""
    application = WSGIHandler()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_schema_and_never_fails_with_5xx(seeded, wsgi_app, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    statuses = [*PositiveDataAcceptanceConfig().expected_statuses, "422"]
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=statuses
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 22
    assert {check.__name__ for check in CHECKS} >= {
        "not_a_server_error",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "ignored_auth",
    }
    seen: set[tuple[str, int]] = set()
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,  # no .hypothesis/ folder in the repository
            derandomize=True,  # the same cases on every run
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case, data: st.DataObject) -> None:
            _with_real_rows(case, data.draw, seeded)
            response = case.call_and_validate(headers=_headers(case, seeded), checks=CHECKS)
            seen.add((case.operation.label, response.status_code))

        check()
    if mode == GenerationMode.NEGATIVE:
        # Invalid requests were refused for what they are, not only for a made-up id.
        assert {status for _label, status in seen} >= {400, 401, 422}, sorted(seen)
        return
    # The run reached the services, not only the 404s of made-up ids.
    reached = {label for label, status in seen if status in (200, 201)}
    assert {
        "POST /api/v1/content-items",
        "POST /api/v1/variants",
        "GET /api/v1/variants/{pk}",
        "PATCH /api/v1/variants/{pk}",
    } <= reached, sorted(seen)
