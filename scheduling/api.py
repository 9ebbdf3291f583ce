from datetime import datetime

from ninja import Field, Query, Router, Schema

from scheduling.selectors import slots_for_account
from socialdist.api_types import ApiDateTime, Id, errors

router = Router(tags=["scheduling"])


class SlotOut(Schema):
    id: int
    profile_id: int
    platform: str = Field(..., alias="profile.platform")
    starts_at: datetime
    source: str
    filled: bool
    target_id: int | None
    content_needed_at: datetime | None

    @staticmethod
    def resolve_filled(slot) -> bool:
        return slot.target_id is not None


class SlotFilters(Schema):
    date_from: ApiDateTime | None = Field(None, alias="from")
    date_to: ApiDateTime | None = Field(None, alias="to")
    profile: Id | None = None


@router.get("/slots", response={200: list[SlotOut], **errors()})
def list_slots(request, filters: Query[SlotFilters]):
    """Planned slots, filled (with the target id) or free; default: the next 14 days."""
    return list(slots_for_account(account=request.account, **filters.model_dump()))
