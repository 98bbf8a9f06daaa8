"""Run by the Prefect venv's interpreter: Prefect's own API client against PREFECT_API_URL.

Each call goes through Prefect's response models, so a wrong shape fails here; the outcome is
printed as JSON for the test to check.
"""

import asyncio
import json
import uuid

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import VariableCreate
from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterTags
from prefect.states import Completed, Running

TAG = f"client-{uuid.uuid4().hex[:8]}"


@flow(name="e2e-client-flow")
def declared() -> None:
    """Never run: only its name and version are sent."""


async def main() -> dict[str, object]:
    async with get_client() as client:
        flow_id = await client.create_flow(declared)
        runs = [await client.create_flow_run(declared, name=f"client-run-{number}", tags=[TAG],
                                             parameters={"number": number}) for number in range(3)]
        await client.set_flow_run_state(runs[0].id, Running())
        completed = await client.set_flow_run_state(runs[0].id, Completed())
        tagged = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["e2e-client-flow"])),
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[TAG])))
        counted = await client.count_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[TAG])))
        history = await client.read_flow_run_states(runs[0].id)
        read_back = await client.read_flow_run(runs[1].id)

        name = f"e2e_{uuid.uuid4().hex[:8]}"
        variable = await client.create_variable(VariableCreate(name=name, value={"answer": 42}, tags=[TAG]))
        stored = await client.read_variable_by_name(name)
        await client.delete_variable_by_name(name)
        gone = await client.read_variable_by_name(name)
    return {
        "flow_id": str(flow_id),
        "run_flow_ids": sorted({str(run.flow_id) for run in runs}),
        "completed_status": completed.status.value,
        "tagged": sorted(run.name for run in tagged),
        "counted": counted,
        "history": [state.type.value for state in history],
        "read_back": {"name": read_back.name, "parameters": read_back.parameters, "state": read_back.state_type.value},
        "variable": {"id": str(variable.id), "stored": stored.value if stored else None, "gone": gone is None},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
