// The dashboard: how many flows, the flow-run history of a chosen window stacked by state, flow
// runs of the window by state type, recent failures; it refreshes itself while runs are active.

import * as api from "../api.js";
import { href, setQuery } from "../router.js";
import { badge, fill, h, link, liveMark, paths, refreshWhile, runDuration, STATE_TYPES, table, time } from "../ui.js";
import { bucketRuns, historyChart, WINDOWS } from "./history.js";
import { flowNames } from "./runs.js";

const REFRESH_MS = 5000;
const HISTORY_PAGE = 200;
const HISTORY_CAP = 10000; // runs fetched for the chart at most
const ACTIVE = ["PENDING", "RUNNING", "CANCELLING"];

export async function dashboardView({ root, query, signal }) {
  document.title = "Dashboard · asgi_api";
  let windowKey = query.get("window") in WINDOWS ? query.get("window") : "24h";
  const windowSelect = h("select", { name: "window", "aria-label": "Window", onchange: () => {
    windowKey = windowSelect.value;
    setQuery({ window: windowKey === "24h" ? "" : windowKey });
    load().catch(showError);
  } }, Object.entries(WINDOWS).map(([value, { label }]) => h("option", { value }, label)));
  windowSelect.value = windowKey;
  const live = h("span");
  const body = h("div");
  fill(root, h("h1", {}, "Dashboard", live), body);
  let byType = [];

  function showError(error) {
    if (error.name !== "AbortError") fill(body, h("p", { class: "form-error" }, error.message));
  }

  let generation = 0;
  async function load() {
    const mine = ++generation;
    const { ms, buckets, label } = WINDOWS[windowKey];
    const end = Date.now();
    const start = end - ms;
    const recent = { expected_start_time: { after_: new Date(start).toISOString() } };
    const [flowCount, runCount, counts, failures, runs] = await Promise.all([
      api.post("/flows/count", {}, signal),
      api.post("/flow_runs/count", { flow_runs: recent }, signal),
      Promise.all(STATE_TYPES.map((type) => api.post("/flow_runs/count", {
        flow_runs: { ...recent, state: { type: { any_: [type] } } },
      }, signal))),
      api.post("/flow_runs/filter", {
        flow_runs: { state: { type: { any_: ["FAILED", "CRASHED"] } } }, sort: "END_TIME_DESC", limit: 10,
      }, signal),
      runsSince(recent, signal),
    ]);
    const names = await flowNames(failures.map((run) => run.flow_id), signal);
    if (mine !== generation) return;
    byType = counts;
    const stateCards = STATE_TYPES.map((type, i) => h("a", {
      class: `stat state-card ${counts[i] ? "" : "zero"}`, "data-state-type": type,
      href: href("/runs", { state: type }),
    }, h("span", { class: "stat-number" }, String(counts[i])), badge(type)));

    fill(body,
      h("div", { class: "stats" },
        h("a", { class: "stat", href: href("/flows"), "data-stat": "flows" },
          h("span", { class: "stat-number" }, String(flowCount)), h("span", { class: "stat-label" }, "Flows")),
        h("a", { class: "stat", href: href("/runs"), "data-stat": "runs-24h" },
          h("span", { class: "stat-number" }, String(runCount)),
          h("span", { class: "stat-label" }, `Flow runs, ${label.toLowerCase()}`))),
      h("div", { class: "section-head" }, h("h2", {}, "Flow-run history"), windowSelect),
      h("div", { class: "card", id: "run-history" }, historyChart(bucketRuns(runs, start, end, buckets)),
        runs.length >= HISTORY_CAP ? h("p", { class: "muted" }, `The first ${HISTORY_CAP} runs are shown.`) : null),
      h("h2", {}, `Flow runs by state, ${label.toLowerCase()}`),
      h("div", { class: "stats states" }, stateCards),
      h("h2", {}, "Recent failures"),
      h("div", { class: "card", id: "recent-failures" }, table(["Flow run", "Flow", "State", "Ended", "Duration", "Message"],
        failures.map((run) => h("tr", { "data-run-id": run.id },
          h("td", {}, link(paths.flowRun(run.id), run.name)),
          h("td", {}, names[run.flow_id] ? link(paths.flow(run.flow_id), names[run.flow_id]) : "—"),
          h("td", {}, badge(run.state_type, run.state_name)),
          h("td", {}, time(run.end_time || run.state?.timestamp)),
          h("td", {}, runDuration(run)),
          h("td", { class: "message" }, run.state?.message || ""))),
        "No failed flow runs. ✓")));
  }

  await load();
  const active = () => ACTIVE.some((type) => byType[STATE_TYPES.indexOf(type)] > 0);
  return refreshWhile(active, load, { ms: REFRESH_MS, signal, onState: (on) => fill(live, on ? liveMark(REFRESH_MS) : null) });
}

/** The flow runs expected to start in the window, page by page (at most HISTORY_CAP). */
async function runsSince(where, signal) {
  const runs = [];
  while (runs.length < HISTORY_CAP) {
    const page = await api.post("/flow_runs/filter", {
      flow_runs: where, sort: "EXPECTED_START_TIME_ASC", limit: HISTORY_PAGE, offset: runs.length,
    }, signal);
    runs.push(...page);
    if (page.length < HISTORY_PAGE) break;
  }
  return runs;
}
