"""Server-side permission checks for views and API calls."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def require_capability(capability: Capability) -> Callable[[View[P]], View[P]]:
    """Refuse the view with 403 unless the signed-in user's role grants ``capability``.

    Login itself is enforced for every view by LoginRequiredMiddleware; this decorator adds
    the role check so that no view relies on a hidden link for protection.
    """

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not user_can(request.user, capability):
                raise PermissionDenied(capability.value)
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability  # type: ignore[attr-defined]
        return cast(View[P], wrapper)

    return decorator
