"""Generating variants from the master texts, and editing a variant, through the pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import ContentItem, Variant
from quartieri.campaigns.services import variant_submit, variant_update, variants_generate
from quartieri.channels.models import AccountGrant, ChannelAccount, Language
from quartieri.channels.registry import Platform
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import Unchanged, give_media

S = Variant.Status
IT = "Baggio, un lago in una vecchia cava. Con @comune.milano.\n\n#Baggio #quartieri"
EN = "Baggio, a lake in a former quarry. #Baggio #ParcoDelleCave @yesmilano"


@pytest.fixture
def client_for(english_client_for):
    return english_client_for  # pages in English: messages asserted as their msgids


@pytest.fixture
def texts(item: ContentItem) -> ContentItem:
    item.master_text_it, item.master_text_en = IT, EN
    item.save()
    return item


@pytest.fixture
def facebook(approver) -> ChannelAccount:
    """An account the editor has no grant on."""
    account = ChannelAccount.objects.create(platform=Platform.FACEBOOK, handle="ComunediMilano")
    AccountGrant.objects.create(account=account, user=approver, can_draft=True)
    return account


def _generate(client, item, *accounts, language=""):
    return client.post(
        reverse("campaigns:item_generate", args=[item.pk]),
        {"accounts": [account.pk for account in accounts], "language": language},
        follow=True,
    )


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


# --- Generating ------------------------------------------------------------------------


def test_generating_makes_one_draft_per_account_from_its_language(
    client_for, editor, texts, tiktok, instagram
):
    instagram.language = Language.EN
    instagram.save()
    response = _generate(client_for(editor), texts, tiktok, instagram)
    assert response.status_code == 200
    assert alerts(response) == [
        "Created 2 draft variants: Instagram @yesmilano, TikTok @comunedimilano."
    ]
    on_tiktok = Variant.objects.get(account=tiktok)
    assert on_tiktok.status == S.DRAFT
    assert on_tiktok.post_type == "video"
    assert on_tiktok.caption == "Baggio, un lago in una vecchia cava. Con @comune.milano."
    assert on_tiktok.hashtags == ["Baggio", "quartieri"]
    assert on_tiktok.mentions == ["comune.milano"]
    # TikTok: privacy chosen by a person, interactions off (platform-apis.md §1.6).
    assert on_tiktok.options["privacy_level"] == ""
    assert not on_tiktok.options["allow_comment"]
    assert not on_tiktok.options["allow_duet"]
    assert not on_tiktok.options["allow_stitch"]
    on_instagram = Variant.objects.get(account=instagram)
    assert (on_instagram.post_type, on_instagram.caption) == (
        "feed",
        "Baggio, a lake in a former quarry.",
    )
    assert on_instagram.hashtags == ["Baggio", "ParcoDelleCave"]
    assert on_instagram.mentions == ["yesmilano"]
    assert on_instagram.drafted_by == editor
    created = AuditEvent.objects.filter(action="campaigns.variant.create")
    assert created.count() == 2


def test_a_language_chosen_for_the_run_overrides_the_accounts(client_for, editor, texts, tiktok):
    _generate(client_for(editor), texts, tiktok, language="en")
    assert Variant.objects.get().caption == "Baggio, a lake in a former quarry."


def test_an_empty_master_text_skips_the_account_and_says_so(client_for, editor, item, tiktok):
    item.master_text_it = "Solo italiano"
    item.save()
    response = _generate(client_for(editor), item, tiktok, language="en")
    assert alerts(response) == ["Skipped TikTok @comunedimilano: the English master text is empty."]
    assert not Variant.objects.exists()


def test_the_form_offers_only_accounts_the_editor_may_draft_on(
    client_for, editor, texts, tiktok, facebook
):
    html = client_for(editor).get(reverse("campaigns:item_detail", args=[texts.pk]))
    html = html.content.decode()
    assert f'value="{tiktok.pk}"' in html
    assert "Facebook ComunediMilano" not in html


def test_an_editor_without_a_grant_generates_nothing_even_with_allowed_accounts(
    client_for, editor, texts, tiktok, facebook
):
    response = _generate(client_for(editor), texts, tiktok, facebook)
    assert alerts(response) == [
        f"Nothing generated: you may not draft on the account {facebook.pk} "
        "(or it no longer exists)."
    ]
    with pytest.raises(PermissionDenied, match="no grant to draft on Facebook ComunediMilano"):
        variants_generate(actor=editor, item=texts, accounts=[tiktok, facebook])
    assert not Variant.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="campaigns.variant").exists()


def test_an_analyst_generates_nothing(client_for, analyst, texts, tiktok):
    response = client_for(analyst).post(
        reverse("campaigns:item_generate", args=[texts.pk]), {"accounts": [tiktok.pk]}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        variants_generate(actor=analyst, item=texts, accounts=[tiktok])
    assert not Variant.objects.exists()


def test_regenerating_refreshes_untouched_drafts_and_skips_edited_ones(
    client_for, editor, texts, tiktok, instagram
):
    client = client_for(editor)
    _generate(client, texts, tiktok, instagram)
    edited = Variant.objects.get(account=instagram)
    variant_update(actor=editor, variant=edited, caption="Written by Marco")
    texts.master_text_it = "Baggio, il lago. #Baggio"
    texts.save()
    response = _generate(client, texts, tiktok, instagram)
    assert alerts(response) == [
        "Refreshed from the master text: TikTok @comunedimilano.",
        "Skipped Instagram @yesmilano: it was edited after it was generated.",
    ]
    assert Variant.objects.get(account=tiktok).caption == "Baggio, il lago."
    assert Variant.objects.get(account=instagram).caption == "Written by Marco"
    assert Variant.objects.count() == 2
    again = _generate(client, texts, tiktok)
    assert alerts(again) == ["Already up to date: TikTok @comunedimilano."]


def test_regenerating_leaves_a_submitted_variant_alone(client_for, editor, texts, tiktok):
    _generate(client_for(editor), texts, tiktok)
    variant = Variant.objects.get()
    give_media(variant)  # and the privacy level generation leaves to a person (§1.6)
    variant.options = {**variant.options, "privacy_level": "SELF_ONLY"}
    variant.save()
    variant = variant_submit(actor=editor, variant=variant)
    before = Unchanged(variant)
    texts.master_text_it = "Altro testo"
    texts.save()
    response = _generate(client_for(editor), texts, tiktok)
    assert alerts(response) == [
        "Skipped TikTok @comunedimilano: it is “In review”: edit it by hand."
    ]
    before.check()
    assert Variant.objects.get().caption.startswith("Baggio, un lago")


def test_a_variant_written_by_hand_is_never_regenerated(
    client_for, editor, texts, tiktok, make_variant
):
    make_variant(item=texts, account=tiktok, by=editor, caption="By hand")
    response = _generate(client_for(editor), texts, tiktok)
    assert alerts(response) == ["Skipped TikTok @comunedimilano: it was written by hand."]
    assert Variant.objects.get().caption == "By hand"


# --- Editing a variant ---------------------------------------------------------------------


def _edit_url(variant: Variant) -> str:
    return reverse("campaigns:variant_edit", args=[variant.pk])


def instagram_data(**changes: object) -> dict[str, object]:
    return {
        "post_type": "feed",
        "caption": "Isola, workshops open",
        "hashtags": "#Isola #quartieri",
        "mentions": "@yesmilano",
        "link": "https://www.yesmilano.it/quartieri",
        **changes,
    }


def test_an_editor_edits_a_variant(client_for, editor, item, instagram, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    response = client_for(editor).post(_edit_url(variant), instagram_data(), follow=True)
    assert alerts(response) == ["Saved."]
    variant.refresh_from_db()
    assert variant.caption == "Isola, workshops open"
    assert variant.hashtags == ["Isola", "quartieri"]
    assert variant.mentions == ["yesmilano"]
    assert variant.link == "https://www.yesmilano.it/quartieri"
    event = AuditEvent.objects.filter(action="campaigns.variant.edit").get()
    assert event.after["caption"] == "Isola, workshops open"


def test_an_editor_without_a_grant_on_the_account_cannot_edit(
    client_for, other_editor, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    before = Unchanged(variant)
    client = client_for(other_editor)
    assert client.get(_edit_url(variant)).status_code == 403
    assert client.post(_edit_url(variant), instagram_data()).status_code == 403
    before.check()
    assert Variant.objects.get(pk=variant.pk).caption == "Baggio #quartieri"


def test_an_analyst_cannot_edit(client_for, analyst, editor, item, instagram, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    before = Unchanged(variant)
    assert client_for(analyst).post(_edit_url(variant), instagram_data()).status_code == 403
    before.check()


def test_bad_input_names_the_problem_and_keeps_what_was_typed(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    before = Unchanged(variant)
    response = client_for(editor).post(
        _edit_url(variant),
        instagram_data(caption="New words", hashtags="#ok #not-one", link="not a link"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not valid: #not-one. Use letters, digits and _ only, one word each." in html
    assert 'id="id_link_error"' in html
    assert 'aria-describedby="id_hashtags_helptext id_hashtags_error"' in html
    assert "New words</textarea>" in html
    assert 'value="#ok #not-one"' in html
    before.check()
    assert Variant.objects.get(pk=variant.pk).caption == "Baggio #quartieri"


def test_tiktok_privacy_must_be_chosen_and_interactions_start_off(
    client_for, editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, tiktok_privacy_level="")
    client = client_for(editor)
    page = client.get(_edit_url(variant)).content.decode()
    assert '<option value="" selected>' in page  # nothing chosen for the person
    assert 'name="tiktok_allow_comment"' in page
    assert (
        'name="tiktok_allow_comment" class="form-check-input" id="id_tiktok_allow_comment">' in page
    )
    data = {"post_type": "video", "caption": "Baggio", "tiktok_privacy_level": ""}
    response = client.post(_edit_url(variant), data)
    assert "Choose who can see the post: TikTok has no default." in response.content.decode()
    assert Variant.objects.get(pk=variant.pk).options["privacy_level"] == ""
    data |= {"tiktok_privacy_level": "FOLLOWER_OF_CREATOR", "tiktok_allow_duet": "on"}
    client.post(_edit_url(variant), data)
    variant.refresh_from_db()
    assert variant.options["privacy_level"] == "FOLLOWER_OF_CREATOR"
    assert (variant.options["allow_comment"], variant.options["allow_duet"]) == (False, True)


def test_rule_failures_are_shown_next_to_their_field(
    client_for, editor, item, instagram, make_variant
):
    tags = ["a", "b", "c", "d", "e", "f"]
    variant = make_variant(item=item, account=instagram, by=editor, caption="Six", hashtags=tags)
    html = client_for(editor).get(_edit_url(variant)).content.decode()
    rules = html[html.index('data-testid="rules-hashtags"') :]
    assert "hashtags: 6 hashtags, limit 5 (Instagram)" in rules[: rules.index("</div>")]
    assert 'aria-describedby="id_hashtags_helptext id_hashtags_rules"' in html
    assert 'data-testid="rules-ok"' not in html


def test_the_summary_links_each_rule_failure_to_its_field(
    client_for, editor, item, instagram, make_variant
):
    # Every field is drawn by the one field template (FORM_RENDERER); the variant form's
    # fields carry the rules they fail, for the summary as for the field itself.
    tags = ["a", "b", "c", "d", "e", "f"]
    variant = make_variant(item=item, account=instagram, by=editor, caption="Six", hashtags=tags)
    html = client_for(editor).get(_edit_url(variant)).content.decode()
    summary = html[html.index('data-testid="rule-check"') :]
    summary = summary[: summary.index("</section>")]
    assert '<a href="#id_hashtags">hashtags: 6 hashtags, limit 5 (Instagram)</a>' in summary


def test_a_valid_variant_says_it_meets_the_rules(client_for, editor, item, instagram, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    give_media(variant)
    html = client_for(editor).get(_edit_url(variant)).content.decode()
    assert "Meets every rule checked for Instagram." in html


def test_editing_an_approved_variant_warns_then_sends_it_back_to_review(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status=S.APPROVED)
    client = client_for(editor)
    page = client.get(_edit_url(variant)).content.decode()
    assert "Saving a change sends it back to review" in page
    assert "Save and send back to review" in page
    response = client.post(_edit_url(variant), instagram_data(), follow=True)
    assert alerts(response) == ["Saved. The variant is back in review: it needs a new approval."]
    assert Variant.objects.get(pk=variant.pk).status == S.IN_REVIEW


def test_editing_a_scheduled_variant_takes_it_off_the_calendar(
    client_for, editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    assert OutboxEntry.objects.get(variant=variant).state == "scheduled"
    client = client_for(editor)
    assert "takes it off the calendar" in client.get(_edit_url(variant)).content.decode()
    data = {"post_type": "video", "caption": "Changed", "tiktok_privacy_level": "SELF_ONLY"}
    response = client.post(_edit_url(variant), data, follow=True)
    assert alerts(response)[0].startswith("Saved. The variant is back in review and off the")
    variant.refresh_from_db()
    assert (variant.status, variant.scheduled_at) == (S.IN_REVIEW, None)
    assert OutboxEntry.objects.get(variant=variant).state == "cancelled"


def test_saving_without_a_change_keeps_an_approval(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status=S.APPROVED)
    before = Unchanged(variant)
    data = instagram_data(caption=variant.caption, hashtags="", mentions="", link="")
    response = client_for(editor).post(_edit_url(variant), data, follow=True)
    assert alerts(response) == ["Nothing changed."]
    before.check()


def test_a_published_variant_cannot_be_edited(
    client_for, editor, approver, item, instagram, make_variant
):
    from quartieri.campaigns.services import variant_mark_published

    variant = make_variant(item=item, account=instagram, by=editor, status=S.SCHEDULED)
    variant_mark_published(actor=approver, variant=variant)
    response = client_for(editor).post(_edit_url(variant), instagram_data(), follow=True)
    assert alerts(response) == ["This variant is “Published”: it can no longer be edited."]
    assert Variant.objects.get(pk=variant.pk).caption == "Baggio #quartieri"


def test_edit_links_follow_the_grants(
    client_for, editor, approver, item, tiktok, facebook, make_variant
):
    mine = make_variant(item=item, account=tiktok, by=editor)
    Variant.objects.create(
        content_item=item, account=facebook, post_type="feed", caption="x", drafted_by=approver
    )
    html = client_for(editor).get(reverse("campaigns:item_detail", args=[item.pk]))
    links = re.findall(r'href="/campaigns/variants/(\d+)/edit/"', html.content.decode())
    assert links == [str(mine.pk)]
    detail = client_for(editor).get(reverse("campaigns:campaign_detail", args=[item.campaign.slug]))
    assert re.findall(r'href="/campaigns/variants/(\d+)/edit/"', detail.content.decode()) == [
        str(mine.pk)
    ]
