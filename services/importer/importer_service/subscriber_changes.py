"""Writing what subscribers do on their subscription-manager page: the importer stays the one writer of profiles.

Field edits go through the same reading and merge as imports (`write_batch`, matching by profile id, update
only); subscription actions change the stored list. Either way the change is published on ProfileChanged with
source `subscription_manager` and answered on ProfileWriteAnswered.
"""

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter

from profilehub_shared.contracts import Message
from profilehub_shared.contracts.profiles import ProfileChanged, ProfileWriteAnswered, RejectedField, WriteOptions
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.contracts.subscription_manager import SubscriberChangeRequested
from profilehub_shared.filters.derived import subscription_keys
from profilehub_shared.kafka import durable
from profilehub_shared.schemas import Schemas
from profilehub_shared.subscription_links import NONCE_FIELD

from .change_events import change_event
from .domain import subscriber_actions as actions
from .domain.merge import Merged
from .repository import ProfileStore
from .writes import Incoming, rejected_field, write_batch

router = KafkaRouter()
Publish = Callable[[Message], Awaitable[None]]
EDIT_OPTIONS = WriteOptions(matching="profile_id", mode="update_only", empty="clear")


def new_subscriptions(command: SubscriberChangeRequested, subs: actions.Subscriptions, now: datetime) -> Any:
    r, c = command.resource_id or "", command.channel or ""
    match command.action:
        case "unsubscribe":
            return actions.unsubscribe(subs, r, c)
        case "unsubscribe_all":
            return actions.unsubscribe_all(subs)
        case "resubscribe":
            return actions.resubscribe(subs, r, c)
        case "suspend":
            return actions.suspend(subs, r, c, command.days or 30, now)
        case "confirm":
            return actions.confirm(subs, r, c, now)
    raise ValueError(f"not a subscription action: {command.action}")


def changed(profile: dict[str, Any], path: str, new: Any, now: datetime) -> Merged:
    """The update of one top-level path of a stored profile ('unchanged' when it is the same already)."""
    old = profile.get(path)
    if old == new:
        return Merged("unchanged", profile)
    updated = {**profile, path: new, "updated_at": now}
    if path == "subscriptions":
        updated["subscription_keys"] = subscription_keys(new)
    return Merged("updated", updated, {path: (old, new)})


async def apply_action(
    store: ProfileStore, database: Database, command: SubscriberChangeRequested, now: datetime
) -> tuple[Merged | None, list[RejectedField]]:
    """The action's write (None: no such profile) or why it is refused; saved when it changes something."""
    found = await store.find(database.id, {"_id": command.profile_id})
    if not found:
        return None, []
    profile = found[0]
    try:
        if command.action == "revoke_links":
            merged = changed(profile, NONCE_FIELD, secrets.token_urlsafe(12), now)
        else:
            merged = changed(
                profile, "subscriptions", new_subscriptions(command, profile.get("subscriptions", []), now), now
            )
    except actions.ActionRefused as refused:
        return Merged("unchanged", profile), [rejected_field(refused.error)]
    await store.save(database.id, [merged])
    return merged, []


async def handle(
    store: ProfileStore, schemas: Schemas, publish: Publish, command: SubscriberChangeRequested, now: datetime
) -> ProfileWriteAnswered:
    """Write the subscriber's change, publish its ProfileChanged, and say how it went."""
    answer = {"request_id": command.request_id or "", "profile_id": command.profile_id}
    database = await schemas.get(command.database_id)
    if database is None:
        return ProfileWriteAnswered(**answer, outcome="not_found")
    if command.action == "save_fields":
        values = {"profile_id": command.profile_id, **command.values}
        incoming = Incoming(ref=command.request_id or str(command.event_id), values=values, from_text=True)
        result = await write_batch(store, database, [incoming], EDIT_OPTIONS, "subscription_manager")
        for event in result.changes:
            await publish(event)
        if result.rejected:
            errors = result.rejected[0].errors
            outcome = "not_found" if errors and errors[0].code == "no_match" else "rejected"
            return ProfileWriteAnswered(**answer, outcome=outcome, errors=errors)
        return ProfileWriteAnswered(**answer, outcome=result.outcomes[incoming.ref][0])
    merged, errors = await apply_action(store, database, command, now)
    if merged is None:
        return ProfileWriteAnswered(**answer, outcome="not_found")
    if errors:
        return ProfileWriteAnswered(**answer, outcome="rejected", errors=errors)
    if merged.outcome == "updated":
        await publish(change_event(database, merged, "subscription_manager", None))
    return ProfileWriteAnswered(**answer, outcome="updated" if merged.outcome == "updated" else "unchanged")


@router.subscriber(
    SubscriberChangeRequested.topic,
    **durable("importer-subscriber-changes"),
    title="SubscriberChangeRequested",
    description="Field edits and subscription actions of the subscription-manager page, written with source "
    "subscription_manager; answered on ProfileWriteAnswered",
)
async def on_subscriber_change(
    command: SubscriberChangeRequested,
    broker: KafkaBroker = Context(),
    store: ProfileStore = Context(),
    schemas: Schemas = Context(),
) -> None:
    async def publish(event: Message) -> None:
        assert isinstance(event, ProfileChanged)
        await broker.publish(event, topic=event.topic, key=event.profile_id.encode())

    # The command's own time, not the clock: a redelivered suspension ends on the same day as the first.
    answer = await handle(store, schemas, publish, command, command.occurred_at)
    if command.request_id is not None:
        await broker.publish(answer, topic=answer.topic, key=command.request_id.encode())
