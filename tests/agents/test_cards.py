"""Review cards through the desk, without Telegram: what agents see, the buttons of each
state, confirmation, stale and refused taps."""

from __future__ import annotations

from bot.flows import effects as fx
from bot.flows.callbacks import ReviewTap, parse
from bot.flows.core import T
from bot.flows.ports import ForCitizen
from bot.storage.models import Application, ApplicationState, Review
from tests.agents.conftest import AGENT_A, AGENT_B, GROUP, OUTSIDER, TRANSLATOR, World, jpeg
from tests.messenger import Sent


async def posted(world: World) -> tuple[Review, Sent]:
    _, app_id = await world.citizen_in_review()
    await world.desk.cards.announce(app_id)
    review = await Review.get(application_id=app_id)
    assert review.card_message_id is not None
    return review, world.messenger.find(GROUP, review.card_message_id)


async def press(world: World, card: Sent, label: str, agent: object = AGENT_A) -> str:
    tap = parse(card.data_of(label))
    assert isinstance(tap, ReviewTap)
    toast = await world.desk.tap(agent, card.message_id, tap)  # type: ignore[arg-type]
    return toast.text


async def test_the_card_shows_the_reference_beside_the_key_frames_in_words(world: World) -> None:
    review, card = await posted(world)
    photos = [m for m in world.messenger.live(GROUP) if m.photo is not None]
    assert [p.text for p in photos] == [
        world.label("agent-reference-id_card"),
        "attempt 1, facing the camera",
        "attempt 1, head turned left",
    ]
    assert photos[0].photo == jpeg(90)  # decrypted only to be sent
    assert sorted(review.media_message_ids or []) == sorted(p.message_id for p in photos)
    for raw in ("match_borderline", "1_frontal", "in_review", "father", "engine"):
        assert raw not in card.text, raw
    assert "The face could not be matched with certainty." in card.text
    assert "Father" in card.text and "in review" in card.text
    assert card.labels[0] == world.label("agent-btn-take")


async def test_take_then_approve_with_a_confirmation(world: World) -> None:
    review, card = await posted(world)
    assert await press(world, card, world.label("agent-btn-take")) == world.label("agent-taken")
    assert world.label("agent-btn-take") not in card.labels
    assert "Taken by Agent A" in card.text
    # another agent cannot act on it
    assert await press(world, card, world.label("agent-btn-approve"), AGENT_B) == world.label(
        "agent-error-taken"
    )
    await press(world, card, world.label("agent-btn-approve"))
    assert card.labels == [world.label("agent-btn-confirm-approve"), world.label("agent-btn-back")]
    assert world.notifier.published == []  # nothing decided before the confirmation
    assert await press(world, card, world.label("agent-btn-confirm-approve")) == world.label(
        "agent-decided"
    )
    assert card.markup is None and "Approved by Agent A" in card.text
    [told] = world.notifier.for_citizens()
    assert isinstance(told, ForCitizen) and isinstance(told.event, fx.ReviewDecided)
    assert told.event.outcome == "approved"
    app = await Application.get(id=review.application_id)  # type: ignore[attr-defined]
    assert app.state is ApplicationState.APPROVED


async def test_reject_asks_for_a_reason_then_a_confirmation(world: World) -> None:
    _, card = await posted(world)
    await press(world, card, world.label("agent-btn-reject"))
    await press(world, card, world.label("agent-reason-not-live"))
    assert "Not a live person" in card.text
    await press(world, card, world.label("agent-btn-confirm-reject"))
    [told] = world.notifier.for_citizens()
    assert isinstance(told.event, fx.ReviewDecided) and told.event.reason == "not_live"
    assert "not_live" not in card.text and "Not a live person" in card.text


async def test_a_stale_or_repeated_confirmation_does_nothing(world: World) -> None:
    review, card = await posted(world)
    await press(world, card, world.label("agent-btn-approve"))
    confirm = parse(card.data_of(world.label("agent-btn-confirm-approve")))
    assert isinstance(confirm, ReviewTap)
    await press(world, card, world.label("agent-btn-back"))
    stale = await world.desk.tap(AGENT_A, card.message_id, confirm)
    assert stale.text == world.label("agent-button-stale")
    # a confirmation of another question: asking to retry, then the old approval's button
    await press(world, card, world.label("agent-btn-retry"))
    assert (await world.desk.tap(AGENT_A, card.message_id, confirm)).text == world.label(
        "agent-button-stale"
    )
    assert world.notifier.published == []
    await review.refresh_from_db()
    assert review.decision == ""
    await press(world, card, world.label("agent-btn-confirm-retry"))
    again = await world.desk.tap(AGENT_A, card.message_id, ReviewTap("yes", review.id, "rr"))
    assert again.text == world.label("agent-error-decided")
    assert len(world.notifier.published) == 1


async def test_outsiders_and_forged_taps_change_nothing(world: World) -> None:
    review, card = await posted(world)
    refused = await world.desk.tap(OUTSIDER, card.message_id, ReviewTap("ok", review.id))
    assert refused.alert and refused.text == world.label("agent-not-allowed")
    wrong_message = await world.desk.tap(AGENT_A, card.message_id + 1, ReviewTap("ok", review.id))
    assert wrong_message.text == world.label("agent-invalid-button")
    bad_reason = await world.desk.tap(AGENT_A, card.message_id, ReviewTap("rej", review.id, "x"))
    assert bad_reason.alert
    await review.refresh_from_db()
    assert review.card_step is None and review.claimed_by is None


async def test_a_reminder_takes_the_buttons_off_the_card_it_replaces(world: World) -> None:
    """Announced again, an item has one card with buttons, the newest: the older one's
    buttons only answered "not valid" any more."""
    from datetime import timedelta

    review, card = await posted(world)
    world.desk.reminder_after = timedelta(0)
    assert await world.desk.remind_pending() == 1
    await review.refresh_from_db()
    assert review.card_message_id not in (None, card.message_id)
    newest = world.messenger.find(GROUP, review.card_message_id or 0)
    assert world.label("agent-btn-take") in newest.labels
    assert world.messenger.find(GROUP, card.message_id).markup is None


async def test_a_reminder_of_a_taken_item_says_it_is_taken(world: World) -> None:
    """The reminder's card of an item an agent took says so (it said "Taken by" and no
    one), and keeps Hand back for that agent."""
    from datetime import timedelta

    review, card = await posted(world)
    await press(world, card, world.label("agent-btn-take"))
    world.desk.reminder_after = timedelta(0)
    assert await world.desk.remind_pending() == 1
    await review.refresh_from_db()
    newest = world.messenger.find(GROUP, review.card_message_id or 0)
    taken = TRANSLATOR.render("en", T("agent-taken-by", {"agent": world.label("agent-someone")}))
    assert taken in newest.text, newest.text
    assert world.label("agent-btn-release") in newest.labels
