"""Writes of the campaigns app, one module per concern; everything is importable from here.

- ``variants``: drafting variants and moving them through the workflow (draft → in_review →
  approved → scheduled → published), and the system's record of a delivered post;
- ``generate``: variants generated from a content item's master texts;
- ``content``: campaigns, content items, API tokens, the plan a campaign follows;
- ``comments``: a variant's review thread, with @mentions;
- ``bulk``: approving or scheduling a selection, each through the one-variant service.

Every check runs server-side before anything is written: a refused call changes no row,
writes no Transition and no audit event.
"""

from __future__ import annotations

from quartieri.campaigns.services.bulk import (
    BulkResult as BulkResult,
)
from quartieri.campaigns.services.bulk import (
    variants_bulk_approve as variants_bulk_approve,
)
from quartieri.campaigns.services.bulk import (
    variants_bulk_schedule as variants_bulk_schedule,
)
from quartieri.campaigns.services.comments import (
    CommentResult as CommentResult,
)
from quartieri.campaigns.services.comments import (
    variant_comment_add as variant_comment_add,
)
from quartieri.campaigns.services.content import (
    CAMPAIGN_FIELDS as CAMPAIGN_FIELDS,
)
from quartieri.campaigns.services.content import (
    ITEM_FIELDS as ITEM_FIELDS,
)
from quartieri.campaigns.services.content import (
    RESERVED_SLUGS as RESERVED_SLUGS,
)
from quartieri.campaigns.services.content import (
    CampaignChanges as CampaignChanges,
)
from quartieri.campaigns.services.content import (
    ItemChanges as ItemChanges,
)
from quartieri.campaigns.services.content import (
    api_token_authenticate as api_token_authenticate,
)
from quartieri.campaigns.services.content import (
    api_token_create as api_token_create,
)
from quartieri.campaigns.services.content import (
    api_token_hash as api_token_hash,
)
from quartieri.campaigns.services.content import (
    campaign_attach_plan as campaign_attach_plan,
)
from quartieri.campaigns.services.content import (
    campaign_create as campaign_create,
)
from quartieri.campaigns.services.content import (
    campaign_update as campaign_update,
)
from quartieri.campaigns.services.content import (
    content_item_create as content_item_create,
)
from quartieri.campaigns.services.content import (
    content_item_update as content_item_update,
)
from quartieri.campaigns.services.generate import (
    GenerationResult as GenerationResult,
)
from quartieri.campaigns.services.generate import (
    variants_generate as variants_generate,
)
from quartieri.campaigns.services.variants import (
    EDITABLE_FIELDS as EDITABLE_FIELDS,
)
from quartieri.campaigns.services.variants import (
    StateConflictError as StateConflictError,
)
from quartieri.campaigns.services.variants import (
    VariantChanges as VariantChanges,
)
from quartieri.campaigns.services.variants import (
    VariantFields as VariantFields,
)
from quartieri.campaigns.services.variants import (
    variant_approve as variant_approve,
)
from quartieri.campaigns.services.variants import (
    variant_create as variant_create,
)
from quartieri.campaigns.services.variants import (
    variant_mark_published as variant_mark_published,
)
from quartieri.campaigns.services.variants import (
    variant_record_published as variant_record_published,
)
from quartieri.campaigns.services.variants import (
    variant_reject as variant_reject,
)
from quartieri.campaigns.services.variants import (
    variant_schedule as variant_schedule,
)
from quartieri.campaigns.services.variants import (
    variant_submit as variant_submit,
)
from quartieri.campaigns.services.variants import (
    variant_update as variant_update,
)
