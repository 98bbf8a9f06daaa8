// The dashboard: how many flows, flow runs of the last 24 hours by state type, recent failures.

import * as api from "../api.js";
import { href } from "../router.js";
import { badge, fill, h, link, runDuration, STATE_TYPES, table, time } from "../ui.js";
import { flowNames } from "./runs.js";

export async function dashboardView({ root, signal }) {
  document.title = "Dashboard · asgi_api";
  const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const recent = { expected_start_time: { after_: since } };
  const [flowCount, runCount, byType, failures] = await Promise.all([
    api.post("/flows/count", {}, signal),
    api.post("/flow_runs/count", { flow_runs: recent }, signal),
    Promise.all(STATE_TYPES.map((type) => api.post("/flow_runs/count", {
      flow_runs: { ...recent, state: { type: { any_: [type] } } },
    }, signal))),
    api.post("/flow_runs/filter", {
      flow_runs: { state: { type: { any_: ["FAILED", "CRASHED"] } } }, sort: "END_TIME_DESC", limit: 10,
    }, signal),
  ]);
  const names = await flowNames(failures.map((run) => run.flow_id), signal);

  const stateCards = STATE_TYPES.map((type, i) => h("a", {
    class: `stat state-card ${byType[i] ? "" : "zero"}`, "data-state-type": type,
    href: href("/runs", { state: type }),
  }, h("span", { class: "stat-number" }, String(byType[i])), badge(type)));

  fill(root,
    h("h1", {}, "Dashboard"),
    h("div", { class: "stats" },
      h("a", { class: "stat", href: href("/flows"), "data-stat": "flows" },
        h("span", { class: "stat-number" }, String(flowCount)), h("span", { class: "stat-label" }, "Flows")),
      h("a", { class: "stat", href: href("/runs"), "data-stat": "runs-24h" },
        h("span", { class: "stat-number" }, String(runCount)),
        h("span", { class: "stat-label" }, "Flow runs, last 24 h"))),
    h("h2", {}, "Flow runs in the last 24 hours by state"),
    h("div", { class: "stats states" }, stateCards),
    h("h2", {}, "Recent failures"),
    h("div", { class: "card", id: "recent-failures" }, table(["Flow run", "Flow", "State", "Ended", "Duration", "Message"],
      failures.map((run) => h("tr", { "data-run-id": run.id },
        h("td", {}, link(`/runs/${run.id}`, run.name)),
        h("td", {}, names[run.flow_id] ? link(`/flows/${run.flow_id}`, names[run.flow_id]) : "—"),
        h("td", {}, badge(run.state_type, run.state_name)),
        h("td", {}, time(run.end_time || run.state?.timestamp)),
        h("td", {}, runDuration(run)),
        h("td", { class: "message" }, run.state?.message || ""))),
      "No failed flow runs. ✓")),
  );
}
