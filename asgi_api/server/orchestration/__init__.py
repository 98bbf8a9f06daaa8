"""Orchestration: deciding what happens to a proposed state (`set_state` on a flow or task run).

Pure rules, no database: `asgi_api.server.models.orchestration` reads the run, asks `decide` with
`FLOW_RUN_RULES` or `TASK_RUN_RULES`, and stores what the outcome says.

Rules run in Prefect's order; the first that returns an `Outcome` decides, and when none does the
proposal is accepted. Rules may also adjust the proposal or record other run columns to write
with it (`Transition.changes`).

Flow-run retries are the server's job (a FAILED proposal while retries are left becomes
AwaitingRetry); task-run retries are the client's (it proposes AwaitingRetry itself), so task
runs only get the terminal-state and timing rules.
"""

from asgi_api.server.orchestration.rules import FLOW_RUN_RULES, TASK_RUN_RULES
from asgi_api.server.orchestration.transition import DeploymentSlots, Outcome, Rule, Transition, decide

__all__ = ["FLOW_RUN_RULES", "TASK_RUN_RULES", "DeploymentSlots", "Outcome", "Rule", "Transition", "decide"]
