"""How long one bot turn may take, shared by the action server and the gateway.

Why it matters: when the gateway stops waiting, it closes the connection to Rasa; Sanic then
cancels Rasa's handler (sanic/server/protocols/base_protocol.py ``connection_lost`` ->
``task.cancel()``), the REST channel swallows the ``CancelledError`` (rasa/core/channels/
rest.py), and the tracker, which Rasa saves only at the end of a turn (rasa/core/processor.py
``handle_message``), is never saved, although a custom action (a hand-off) may already have
run. So the gateway waits longer than the action server can take.

The action server's worst case is its calls to the gateway (each bounded by its own timeout),
at most two in one turn today (``action_find_referrals``: a referral lookup, then an urgent
hand-off if the message also signals danger), plus NLU and policies on a busy machine. Keep
``ACTION_GATEWAY_CALLS_PER_TURN`` true when actions gain gateway calls; a turn the gateway
gives up on anyway is repaired by the gateway's worker (webhooks/conversations/turn_repair.py).
"""

from __future__ import annotations

ACTION_GATEWAY_TIMEOUT_SECONDS = 3.0  # each call from an action to the gateway
ACTION_GATEWAY_CALLS_PER_TURN = 2
RASA_TURN_OVERHEAD_SECONDS = 2.0  # NLU, policies and tracker store on a loaded 2-core machine
BOT_TURN_WORST_CASE_SECONDS = (
    ACTION_GATEWAY_TIMEOUT_SECONDS * ACTION_GATEWAY_CALLS_PER_TURN + RASA_TURN_OVERHEAD_SECONDS
)
