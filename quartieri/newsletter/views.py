"""Public pages of the newsletter: subscribe (contract 1), confirm, unsubscribe, preferences.

They need no account (``login_not_required``). The subscribe form and the one-click
endpoint take cross-site POSTs without a CSRF token: the form because mini-sites on other
domains post to it (the confirmation e-mail is its protection, plus a honeypot and a rate
limit per pseudonymous client); the one-click endpoint because mail clients POST to it
without cookies (RFC 8058), trusting the signed per-recipient token in its address.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from quartieri.accounts.privacy import pseudonymous_client_ip
from quartieri.newsletter.forms import PreferencesForm, SubscribeForm, interests_from_post
from quartieri.newsletter.models import NewsletterList, Subscriber, Subscription
from quartieri.newsletter.selectors import consent_timeline, wording_current
from quartieri.newsletter.services import (
    SubscribeRequest,
    rate_take,
    subscriber_subscribe,
    subscriber_update_preferences,
    subscription_confirm,
    subscription_unsubscribe,
)
from quartieri.newsletter.tokens import confirm_token_read, unsubscribe_token_read
from quartieri.places.models import Neighbourhood


def _language(request: HttpRequest, value: str | None = None) -> str:
    value = value or request.GET.get("language") or translation.get_language() or "it"
    return value if value in {"it", "en"} else "it"


def _interest_choices(extra: list[str]) -> list[tuple[str, str]]:
    known = list(Neighbourhood.objects.order_by("name_it").values_list("slug", "name_it"))
    slugs = {slug for slug, _name in known}
    return known + [(slug, slug) for slug in extra if slug not in slugs]


def _form_page(
    request: HttpRequest,
    form: SubscribeForm,
    newsletter_list: NewsletterList | None,
    language: str,
    status: int = 200,
) -> HttpResponse:
    wording = (
        wording_current(newsletter_list=newsletter_list, language=language)
        if newsletter_list
        else None
    )
    if wording is not None and not form.is_bound:
        form.initial["consent_version"] = wording.version
    return render(
        request,
        "newsletter/subscribe.html",
        {"form": form, "list": newsletter_list, "wording": wording},
        status=status,
    )


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_view(request: HttpRequest) -> HttpResponse:
    language = _language(request, request.POST.get("language"))
    translation.activate(language)
    slug = request.POST.get("list") or request.GET.get("list") or "daily"
    newsletter_list = NewsletterList.objects.filter(slug=slug).first()
    if request.method == "GET":
        form = SubscribeForm(
            initial={"list": slug, "language": language, "source": "platform"},
            interest_choices=_interest_choices([]),
        )
        return _form_page(request, form, newsletter_list, language)
    data = request.POST.copy()
    data.setlist("interests", interests_from_post(request.POST.getlist("interests")))
    form = SubscribeForm(data, interest_choices=_interest_choices(data.getlist("interests")))
    hour = int(time.time() // 3600)
    allowed = rate_take(
        key=f"subscribe:{pseudonymous_client_ip(request)}",
        window=hour,
        cap=settings.NEWSLETTER_SUBSCRIBE_PER_HOUR,
    )
    if not allowed:
        form.is_valid()
        form.add_error(
            None, translation.gettext("Too many requests from here: try again in an hour.")
        )
        return _form_page(request, form, newsletter_list, language, status=429)
    if not form.is_valid() or form.wording is None or form.newsletter_list is None:
        return _form_page(request, form, newsletter_list, language, status=400)
    if not form.cleaned_data["website"]:  # a robot filled the honeypot: answer alike, do nothing
        subscriber_subscribe(
            request=SubscribeRequest(
                email=form.cleaned_data["email"],
                newsletter_list=form.newsletter_list,
                language=form.cleaned_data["language"],
                interests=form.cleaned_data["interests"],
                wording=form.wording,
                source=form.cleaned_data["source"] or "platform",
            )
        )
    return render(
        request,
        "newsletter/check_inbox.html",
        {"list": form.newsletter_list, "next": form.cleaned_data["next"]},
    )


@login_not_required
@require_GET
def consent_json_view(request: HttpRequest, slug: str, language: str) -> JsonResponse:
    """The current consent wording, for mini-sites built elsewhere (contract 1)."""
    newsletter_list = get_object_or_404(NewsletterList, slug=slug)
    wording = wording_current(newsletter_list=newsletter_list, language=language)
    if wording is None:
        raise Http404("no wording in this language")
    response = JsonResponse({"version": wording.version, "text": wording.text})
    response["Access-Control-Allow-Origin"] = "*"  # public text, read by site builders
    return response


@login_not_required
@csrf_exempt  # the token in the address is the proof; a stale form must still work
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners fetch links), POST confirms."""
    recipient = confirm_token_read(token)
    if recipient is None:
        return render(request, "newsletter/confirm.html", {"invalid": True}, status=400)
    subscription = (
        Subscription.objects.select_related("subscriber", "newsletter_list")
        .filter(subscriber_id=recipient.subscriber_id, newsletter_list_id=recipient.list_id)
        .first()
    )
    if subscription is None:
        return render(request, "newsletter/confirm.html", {"invalid": True}, status=400)
    translation.activate(subscription.subscriber.language)
    if request.method == "POST":
        subscription = (
            subscription_confirm(subscriber_id=recipient.subscriber_id, list_id=recipient.list_id)
            or subscription
        )
    return render(
        request, "newsletter/confirm.html", {"subscription": subscription, "token": token}
    )


@login_not_required
@csrf_exempt  # RFC 8058: the mail client POSTs without cookies; the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """POST (one-click or the page's button) unsubscribes at once; GET asks first."""
    recipient = unsubscribe_token_read(token)
    if recipient is None:
        return render(request, "newsletter/unsubscribe.html", {"invalid": True}, status=400)
    subscription = (
        Subscription.objects.select_related("subscriber", "newsletter_list")
        .filter(subscriber_id=recipient.subscriber_id, newsletter_list_id=recipient.list_id)
        .first()
    )
    if subscription is None:  # erased: nothing is left to unsubscribe, and nothing is sent
        return render(request, "newsletter/unsubscribe.html", {"gone": True})
    translation.activate(subscription.subscriber.language)
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        subscription_unsubscribe(
            subscriber_id=recipient.subscriber_id,
            list_id=recipient.list_id,
            source="one-click" if one_click else "unsubscribe page",
        )
        done = True
    return render(
        request,
        "newsletter/unsubscribe.html",
        {"list": subscription.newsletter_list, "token": token, "done": done},
    )


@login_not_required
@csrf_exempt  # reached from the e-mail with the signed token; no session exists
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest, token: str) -> HttpResponse:
    recipient = unsubscribe_token_read(token)
    subscriber = (
        Subscriber.objects.filter(pk=recipient.subscriber_id).first() if recipient else None
    )
    if recipient is None or subscriber is None:
        return render(request, "newsletter/unsubscribe.html", {"invalid": True}, status=400)
    translation.activate(subscriber.language)
    choices = _interest_choices(list(subscriber.interests))
    form = PreferencesForm(
        request.POST or None,
        initial={"language": subscriber.language, "interests": subscriber.interests},
        interest_choices=choices,
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        subscriber_update_preferences(
            subscriber=subscriber,
            language=form.cleaned_data["language"],
            interests=form.cleaned_data["interests"],
        )
        translation.activate(subscriber.language)
        saved = True
    return render(
        request,
        "newsletter/preferences.html",
        {
            "form": form,
            "saved": saved,
            "subscriber": subscriber,
            "token": token,
            "subscriptions": subscriber.subscriptions.select_related("newsletter_list"),
            "timeline": consent_timeline(subscriber=subscriber),
        },
    )
