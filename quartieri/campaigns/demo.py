"""Demo: two campaigns, the city's channel accounts and their variants.

* "Milano quartieri spring-summer 2021" is history: every post went out in 2021, and its
  timeline (drafted, submitted, approved, scheduled, published) is dated then, not when the
  demo was loaded.
* "Milano quartieri: le prossime settimane" runs from the day the demo is loaded for six weeks, so
  every role has something to do at once: the editor a post sent back with a comment and a
  draft, the approver posts to review and one to schedule, and posts already on the
  calendar go out to the sandbox.

Runs after the people, places and planner demos (settings order), so it links the
neighbourhoods, tours, playlists and saved plan they load when present. Every variant is
moved through the real services, so timelines and audit rows look like real use. The
city's accounts speak Italian, YesMilano (for international students) English.
Idempotent: keyed on each campaign's slug. Texts are written for the demo, not copied.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.accounts.roles import Role
from quartieri.accounts.services import user_create
from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Transition, Variant
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_mark_published,
    variant_reject,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform, kind_for
from quartieri.places.models import Neighbourhood, Playlist, Tour
from quartieri.planner.models import SavedPlan

SLUG = "milano-quartieri-spring-summer-2021"
START, END = dt.date(2021, 5, 3), dt.date(2021, 9, 30)
CURRENT_SLUG = "milano-quartieri-next-weeks"
CURRENT_NAME = "Milano quartieri: le prossime settimane"
CURRENT_WEEKS = 6
MAYOR = ("mayor", "mayor-quartieri")  # username, demo password (printed below)
SENT_BACK = "Aggiungi come arrivarci in tram (linee e fermata)."

# platform, handle, display name, kind
ACCOUNTS = [
    (Platform.FACEBOOK, "ComunediMilano", "Comune di Milano (Facebook page)", "institutional"),
    (Platform.TIKTOK, "@comunedimilano", "Comune di Milano (TikTok)", "institutional"),
    (Platform.INSTAGRAM, "@yesmilano", "YesMilano (Instagram)", "institutional"),
    (Platform.INSTAGRAM, "@sindaco.demo", "The mayor (personal Instagram, demo)", "personal"),
    # Connected, then refused by Meta (publishing demo): the account "to reconnect".
    (Platform.FACEBOOK, "YesMilano", "YesMilano (Facebook page)", "institutional"),
    (Platform.NEWSLETTER, "newsletter", "Daily newsletter", "institutional"),
    (Platform.SCREENS, "screens", "City screens", "institutional"),
    (Platform.WEBSITE, "website", "City website", "institutional"),
]


@dataclass(frozen=True)
class DemoVariant:
    nil: str  # the neighbourhood's official id (NIL): Baggio 55, Isola 11, Chiaravalle 34
    handle: str
    post_type: str
    caption: str
    status: str
    day: int  # days after the campaign's first day
    wall_time: dt.time


S = Variant.Status
# 2021: what went out, each post on its day (the screens demo schedules the city screens'
# slides itself, once their display group exists: a slide needs one to be scheduled).
HISTORY = [
    DemoVariant("11", "@yesmilano", "feed", "Isola: workshops open their doors. #Isola", S.PUBLISHED, 20, dt.time(12, 30)),
    DemoVariant("34", "ComunediMilano", "feed", "Chiaravalle: 800 anni dalla consacrazione dell'abbazia.", S.PUBLISHED, 25, dt.time(9, 0)),
    DemoVariant("55", "newsletter", "text", "Questa settimana a Baggio: concerti nella Chiesa Vecchia.", S.PUBLISHED, 10, dt.time(7, 0)),
    DemoVariant("55", "@comunedimilano", "photo", "Baggio, un lago in una ex cava. #Baggio", S.PUBLISHED, 12, dt.time(18, 0)),
    DemoVariant("55", "@sindaco.demo", "feed", "Domenica al Parco delle Cave.", S.PUBLISHED, 13, dt.time(11, 0)),
    DemoVariant("11", "@comunedimilano", "photo", "L'Isola: botteghe, murales e giardini. #Isola", S.PUBLISHED, 30, dt.time(18, 0)),
]  # fmt: skip
# From today: a bit of every step, so that every role finds work in "To do".
CURRENT = [
    DemoVariant("11", "@comunedimilano", "video", "L'Isola in 30 secondi: botteghe, murales e la Stecca. #Isola", S.DRAFT, 9, dt.time(18, 0)),
    DemoVariant("34", "screens", "photo", "Chiaravalle è a 20 minuti dal Duomo: l'abbazia vi aspetta.", S.REJECTED, 6, dt.time(8, 0)),
    DemoVariant("34", "ComunediMilano", "feed", "Chiaravalle: il chiostro dell'abbazia aperto ogni sabato.", S.IN_REVIEW, 4, dt.time(9, 0)),
    DemoVariant("55", "newsletter", "text", "Questa settimana a Baggio: passeggiata al Parco delle Cave.", S.IN_REVIEW, 3, dt.time(7, 0)),
    DemoVariant("55", "ComunediMilano", "feed", "Baggio: un lago nato da una cava, a due fermate dal metrò.", S.APPROVED, 8, dt.time(12, 30)),
    DemoVariant("11", "@yesmilano", "feed", "Isola: workshops open their doors this Saturday. #Isola", S.SCHEDULED, 3, dt.time(12, 30)),
    DemoVariant("55", "@sindaco.demo", "feed", "Domenica al Parco delle Cave, con la bici.", S.SCHEDULED, 5, dt.time(11, 0)),
    DemoVariant("55", "@comunedimilano", "photo", "Baggio: il lago e la Chiesa Vecchia. #Baggio", S.SCHEDULED, 2, dt.time(18, 0)),
]  # fmt: skip


@dataclass(frozen=True)
class DemoCampaign:
    slug: str
    name: str
    start: dt.date
    end: dt.date
    status: str
    objective: str
    variants: list[DemoVariant]


def campaigns(*, today: dt.date) -> list[DemoCampaign]:
    """The 2021 campaign as it happened, and one running from ``today``."""
    return [
        DemoCampaign(
            SLUG, "Milano quartieri spring-summer 2021", START, END, Campaign.Status.FINISHED,
            "Bring international students to Baggio, Isola and Chiaravalle.", HISTORY,
        ),
        DemoCampaign(
            CURRENT_SLUG, CURRENT_NAME, today, today + dt.timedelta(weeks=CURRENT_WEEKS),
            Campaign.Status.ACTIVE,
            "Bring the city's residents and students back to Baggio, Isola and Chiaravalle.",
            CURRENT,
        ),
    ]  # fmt: skip


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    """``from_today`` is kept for the command line: the current campaign always starts on the
    day the demo is loaded, and 2021 stays history."""
    approver = User.objects.get(username="approver")
    editor = User.objects.get(username="editor")
    mayor = _mayor()
    accounts = _accounts(mayor=mayor, editor=editor, approver=approver)
    people = {"editor": editor, "approver": approver, "mayor": mayor}
    for spec in campaigns(today=timezone.localdate()):
        if Campaign.objects.filter(slug=spec.slug).exists():
            console.print(f"Campaigns: {spec.name} already loaded.")
            continue
        campaign = _campaign(spec)
        for variant in spec.variants:
            _variant(variant, campaign=campaign, accounts=accounts, people=people)
        console.print(f"Campaigns: {campaign.name}, {len(spec.variants)} variants.")
    console.print(
        f"Campaigns: {len(accounts)} channel accounts; the mayor signs in as "
        f"{MAYOR[0]} / {MAYOR[1]}."
    )


def _mayor() -> User:
    existing = User.objects.filter(username=MAYOR[0]).first()
    if existing is not None:
        return existing
    return user_create(
        actor=None,
        username=MAYOR[0],
        email="mayor@demo.quartieri.invalid",
        role=Role.APPROVER,
        password=MAYOR[1],
        first_name="Sindaco",
        last_name="Demo",
        organisation="Comune di Milano",
    )


def _campaign(spec: DemoCampaign) -> Campaign:
    campaign = Campaign.objects.create(
        name=spec.name,
        slug=spec.slug,
        start_date=spec.start,
        end_date=spec.end,
        audiences=["international-students"],
        objective=spec.objective,
        status=spec.status,
        plan=SavedPlan.objects.filter(campaign="Milano quartieri spring-summer 2021").first()
        if spec.slug == SLUG
        else None,
    )
    campaign.neighbourhoods.set(Neighbourhood.objects.filter(code__in=["55", "11", "34"]))
    if spec.start < timezone.localdate():
        at = timezone.make_aware(dt.datetime.combine(spec.start, dt.time(9, 0)))
        Campaign.objects.filter(pk=campaign.pk).update(created_at=at - dt.timedelta(days=30))
    return campaign


def _accounts(*, mayor: User, editor: User, approver: User) -> dict[str, ChannelAccount]:
    accounts: dict[str, ChannelAccount] = {}
    for platform, handle, name, kind in ACCOUNTS:
        account, _created = ChannelAccount.objects.get_or_create(
            platform=platform,
            handle=handle,
            defaults={
                "display_name": name,
                "kind": kind,
                "owner": mayor if kind == "personal" else None,
                "posting_slots": ["09:00", "12:30", "18:00"],
                # A website's pages have no feed to crowd: its launch posts all go up at the
                # campaign's first minute (minisites/demo.py), whatever time the demo loads.
                "min_spacing_minutes": 0 if platform == Platform.WEBSITE else 60,
            },
        )
        if kind != "personal":
            AccountGrant.objects.get_or_create(
                account=account, user=editor, defaults={"can_draft": True}
            )
            AccountGrant.objects.get_or_create(
                account=account,
                user=approver,
                defaults={"can_draft": True, "can_approve": True, "can_publish": True},
            )
        accounts[handle] = account
    return accounts


def _item(campaign: Campaign, nil: str) -> ContentItem:
    neighbourhood = Neighbourhood.objects.filter(code=nil).first()
    # "Baggio", as people call it, not the register's "Baggio - Q.re degli Olmi - …".
    title = neighbourhood.name_it.split(" - ")[0] if neighbourhood else f"NIL {nil}"
    item, _created = ContentItem.objects.get_or_create(
        campaign=campaign,
        title=title,
        defaults={
            "neighbourhood": neighbourhood,
            "tour": Tour.objects.filter(neighbourhood=neighbourhood).first()
            if neighbourhood
            else None,
            "playlist": Playlist.objects.filter(neighbourhood=neighbourhood).first()
            if neighbourhood
            else None,
        },
    )
    return item


def item_for(campaign: Campaign, neighbourhood: Neighbourhood) -> ContentItem:
    """The campaign's item about ``neighbourhood`` (the other apps' demos add their posts to
    it rather than making a second item named after the register)."""
    found = ContentItem.objects.filter(campaign=campaign, neighbourhood=neighbourhood).first()
    return found or _item(campaign, neighbourhood.code)


def _variant(
    spec: DemoVariant,
    *,
    campaign: Campaign,
    accounts: dict[str, ChannelAccount],
    people: dict[str, User],
) -> None:
    account = accounts[spec.handle]
    author = people["mayor"] if account.is_personal else people["editor"]
    reviewer = people["mayor"] if account.is_personal else people["approver"]
    # TikTok's privacy level has no default: the demo's posts are public.
    options = {"privacy_level": "PUBLIC_TO_EVERYONE"} if account.platform == "tiktok" else {}
    variant = variant_create(
        actor=author,
        content_item=_item(campaign, spec.nil),
        account=account,
        post_type=spec.post_type,
        caption=spec.caption,
        options=options,
    )
    if spec.status == S.DRAFT:
        return
    give_picture(variant, author=author)
    variant = variant_submit(actor=author, variant=variant)
    if spec.status == S.REJECTED:
        variant_reject(actor=reviewer, variant=variant, comment=SENT_BACK)
        return
    if spec.status == S.IN_REVIEW:
        return
    variant = variant_approve(actor=reviewer, variant=variant)
    if spec.status == S.APPROVED:
        return
    day = campaign.start_date + dt.timedelta(days=spec.day)
    at = schedule_resolve(date=day, wall_time=spec.wall_time).at
    # The 2021 campaign is history: its posting times are in the past, which only the
    # demo may write (the staff pages and the API refuse a time already gone).
    history = at < timezone.now()
    variant = variant_schedule(actor=reviewer, variant=variant, at=at, allow_past=history)
    if spec.status == S.PUBLISHED:
        variant = variant_mark_published(actor=reviewer, variant=variant)
    if history:
        _backdate(variant, at=at)


def _backdate(variant: Variant, *, at: dt.datetime) -> None:
    """Date a past post's timeline when it happened: one step a day up to ``at``, when it
    went out, instead of the moment the demo was loaded."""
    steps = list(variant.transitions.order_by("pk").values_list("pk", flat=True))
    for days_before, pk in enumerate(reversed(steps)):
        Transition.objects.filter(pk=pk).update(at=at - dt.timedelta(days=days_before))
    first = at - dt.timedelta(days=len(steps))
    Variant.objects.filter(pk=variant.pk).update(created_at=first, updated_at=at)
    ContentItem.objects.filter(pk=variant.content_item_id, created_at__gt=first).update(
        created_at=first
    )


# The demo's picture: drawn here (blocks and a park, no photograph of anybody's), 1080 px
# square, a JPEG every platform's rules take; said to be a drawing in its alternative text.
PICTURE_ALT = "A drawing of a neighbourhood seen from above: grey blocks around a green park."


def _picture() -> bytes:
    image = Image.new("RGB", (1080, 1080), (225, 225, 220))
    draw = ImageDraw.Draw(image)
    for row in range(4):
        for col in range(4):
            x, y = 60 + col * 250, 60 + row * 250
            draw.rectangle((x, y, x + 200, y + 200), fill=(150, 160, 175))
    draw.ellipse((330, 330, 750, 750), fill=(90, 160, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def give_picture(variant: Variant, *, author: User) -> None:
    """The files a post type needs before it can be submitted (its kind's rules)."""
    rules = kind_for(variant.account.platform).rules()
    least = rules.media_count_min.get(variant.post_type)
    kinds = rules.media_kinds.get(variant.post_type)
    if least is None or (kinds is not None and MediaAsset.Kind.IMAGE not in kinds.values):
        return
    for number in range(least.value):
        upload = SimpleUploadedFile(f"demo-{number}.jpg", _picture(), content_type="image/jpeg")
        media_upload(
            actor=author,
            content_item=variant.content_item,
            file=upload,
            alt_text=PICTURE_ALT,
            variants=[variant],
        )
