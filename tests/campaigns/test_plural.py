"""The dashboard's count of scheduled posts agrees with its figure in Italian."""

from __future__ import annotations

from quartieri.campaigns.models import Variant


def test_one_scheduled_post_is_programmato_two_are_programmati(
    client_for, approver, editor, item, tiktok, make_variant
):
    client = client_for(approver)
    client.cookies["django_language"] = "it"
    make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    html = client.get("/", headers={"accept-language": "it"}).content.decode()
    assert "Programmato" in html
    assert "Programmati" not in html
    make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    html = client.get("/", headers={"accept-language": "it"}).content.decode()
    assert "Programmati" in html
