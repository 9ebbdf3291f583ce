from django.dispatch import Signal

# Sent with `target=` once a target is published (by the dispatcher or marked posted by hand).
target_published = Signal()

# Sent with `post=` once a post is approved and its requested times are scheduled: whoever plans
# slots (scheduling) gives its other targets their slots now, so the caller sees their times.
post_approved = Signal()

# Sent with `target=` when a target gives up its slot (cancelled, rescheduled by hand, edited);
# a receiver returns True when the target held a slot.
target_slot_released = Signal()
