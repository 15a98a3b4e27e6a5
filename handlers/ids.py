"""Every action_id, callback_id and block_id the bot uses, shared by renderers and routes."""

from __future__ import annotations

# Buttons and pickers on items; the element's `value` (or the block id) carries the ref, `A-7`.
DONE = "item_done"
SNOOZE_DAY = "item_snooze_day"
SNOOZE_WEEK = "item_snooze_week"
REASSIGN = "item_reassign"  # users_select
UPDATE = "item_update"  # opens the edit form
CLOSE = "item_close"
ITEM_ACTIONS = (DONE, SNOOZE_DAY, SNOOZE_WEEK, REASSIGN, UPDATE, CLOSE)

# Modals (callback ids); private_metadata is JSON written and read by handlers.modals.
ADD_VIEW = "raid_add"
EDIT_VIEW = "raid_edit"
LOG_MESSAGE_SHORTCUT = "log_raid_item"
KIND_SELECT = "raid_kind"

# App Home
HOME_SEE_ALL = "home_see_all"

# Block ids: an item's line and its controls, so a message can be patched in place.
ITEM_BLOCK = "item:"
CONTROLS_BLOCK = "controls:"
# The one line saying what the last press on a message did: each press replaces it.
NOTE_BLOCK = "press_note"


def item_block(ref: str) -> str:
    return ITEM_BLOCK + ref


def controls_block(ref: str) -> str:
    return CONTROLS_BLOCK + ref


# Standups
STANDUP_ANSWER = "standup_answer"  # the prompt's button; value "<standup id>:<ISO day>"
STANDUP_VIEW = "standup_view"  # the answers modal; private_metadata "<standup id>:<ISO day>"
STANDUP_LOG_BLOCKER = "standup_log_blocker"  # on a posted blocker; value: the answer's id
