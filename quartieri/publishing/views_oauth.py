"""Staff pages to connect a channel account to its platform (OAuth, see oauth.py).

Every view checks, server-side, that the signed-in person may connect the account
(``oauth.connect_refusal``): a hidden button is never the protection. "Connect" is a link
(GET) rather than a form: Chrome applies the CSP ``form-action 'self'`` to the redirect that
follows a form, which would block the jump to the platform's login page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from quartieri.accounts.models import User
from quartieri.channels.models import AccountState, ChannelAccount, PlatformCredential
from quartieri.publishing import oauth


class PageChoiceForm(forms.Form):
    page = forms.CharField(
        label=gettext_lazy("Facebook Page"),
        max_length=64,
        error_messages={"required": gettext_lazy("Choose one of the Pages.")},
    )


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has signed everyone in; this narrows the type for the services.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _account(request: HttpRequest, account_id: int) -> ChannelAccount:
    account = ChannelAccount.objects.filter(pk=account_id, platform__in=oauth.connectable()).first()
    if account is None:
        raise Http404
    reason = oauth.connect_refusal(user=_person(request), account=account)
    if reason:
        raise PermissionDenied(reason)
    return account


def _back(refusal: oauth.ConnectRefused) -> HttpResponse:
    if refusal.account_id is not None:
        return redirect("publishing:connect_account", account_id=refusal.account_id)
    return redirect("publishing:connect_list")


@require_GET
def connect_list_view(request: HttpRequest) -> HttpResponse:
    rows = oauth.connect_accounts(user=_person(request))
    return render(request, "publishing/connect_list.html", {"rows": rows})


@require_GET
def connect_account_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    context = {
        "account": account,
        "credential": PlatformCredential.objects.filter(account=account).first(),
        "state": AccountState.objects.filter(account=account).first(),
    }
    return render(request, "publishing/connect_account.html", context)


@require_GET
def connect_start_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    try:
        url = oauth.connect_begin(user=_person(request), account=account, session=request.session)
    except oauth.ConnectRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("publishing:connect_account", account_id=account.pk)
    # To the platform's own login page (another host, hence not Django's redirect()).
    return HttpResponseRedirect(url)


@require_GET
def connect_callback_view(request: HttpRequest, login: str) -> HttpResponse:
    """The platform sends the person back here (/publishing/connect/<login>/callback/)."""
    try:
        account, credential = oauth.connect_complete(
            user=_person(request), session=request.session, login=login, params=request.GET.dict()
        )
    except oauth.ConnectRefused as refusal:
        messages.error(request, str(refusal))
        return _back(refusal)
    if credential is None:  # the person chooses the Page next
        return redirect("publishing:connect_page", account_id=account.pk)
    messages.success(
        request,
        _("%(account)s is connected: quartieri can publish there.") % {"account": account},
    )
    return redirect("publishing:connect_account", account_id=account.pk)


@require_http_methods(["GET", "POST"])
def connect_page_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """Meta: the person picks the Page (or the Page whose Instagram account) to connect."""
    account, user = _account(request, account_id), _person(request)
    form = PageChoiceForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            oauth.page_choose(
                user=user,
                session=request.session,
                account=account,
                page_id=form.cleaned_data["page"],
            )
        except oauth.ConnectRefused as refusal:
            # The list is still there: the person may choose another Page.
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("%(account)s is connected: quartieri can publish there.") % {"account": account},
            )
            return redirect("publishing:connect_account", account_id=account.pk)
    try:
        choices = oauth.page_choices(user=user, session=request.session, account=account)
    except oauth.ConnectRefused as refusal:
        messages.error(request, str(refusal))
        return _back(refusal)
    context = {"account": account, "choices": choices, "form": form}
    return render(request, "publishing/connect_page.html", context)
