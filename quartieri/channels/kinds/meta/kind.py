"""What Instagram and Facebook share as kinds: Meta's app keys, login and token renewal."""

from __future__ import annotations

from django.conf import settings

from quartieri.channels.base import Capability, SocialKind
from quartieri.channels.connectors.base import AppCredentials
from quartieri.channels.kinds.meta import graph_oauth

IG_INSIGHTS = "platform-apis.md §2.4 (Instagram Media / Account Insights)"
FB_INSIGHTS = "platform-apis.md §3.3 (Page Insights; replacements of §0)"


class MetaKind(SocialKind):
    capabilities = SocialKind.capabilities | {
        Capability.RECONCILE,
        Capability.OAUTH,
        Capability.METRICS,
    }
    oauth = graph_oauth.LOGIN
    # A Meta token still valid is exchanged for a new one (fb_exchange_token, §4).
    renews_with_access_token = True

    def app_credentials(self) -> AppCredentials | None:
        client_id = settings.META_APP_ID
        if not client_id:
            return None
        return AppCredentials(client_id=client_id, client_secret=settings.META_APP_SECRET)
