// Flow runs: the list with its state filter, name search, sort and pages (also used on a flow's page).

import * as api from "../api.js";
import { setQuery } from "../router.js";
import {
  badge, debounce, fill, h, link, liveMark, pager, paths, refreshWhile, runDuration, STATE_TYPES, table, tags, TERMINAL,
  time,
} from "../ui.js";

const PAGE_SIZE = 50;
const REFRESH_MS = 5000;
export const RUN_SORTS = {
  EXPECTED_START_TIME_DESC: "Newest first",
  EXPECTED_START_TIME_ASC: "Oldest first",
  START_TIME_DESC: "Started, newest first",
  START_TIME_ASC: "Started, oldest first",
  END_TIME_DESC: "Ended, newest first",
  NAME_ASC: "Name A–Z",
  NAME_DESC: "Name Z–A",
};
const DEFAULT_SORT = "EXPECTED_START_TIME_DESC";

/** {flow id: flow name} for the given ids, in one call. */
export async function flowNames(ids, signal) {
  const unique = [...new Set(ids.filter(Boolean))];
  if (!unique.length) return {};
  const flows = await api.post("/flows/filter", { flows: { id: { any_: unique } }, limit: 200 }, signal);
  return Object.fromEntries(flows.map((flow) => [flow.id, flow.name]));
}

export async function runsView({ root, query, signal }) {
  document.title = "Flow runs · asgi_api";
  const panel = h("div");
  const live = h("span");
  fill(root, h("h1", {}, "Flow runs", live), panel);
  return runsPanel(panel, { query, signal, live });
}

/**
 * The filterable list of flow runs, of one flow when `flowId` is given and narrowed by `scope` (more
 * filter keys, such as a deployment's). Its filters live in the page's query string (`state`, `q`,
 * `sort`, `offset`), so a filtered list has its own URL. While a listed run is active the list
 * refreshes itself (`live` gets the mark); returns the function that stops that.
 */
export async function runsPanel(panel, { query, signal, flowId = null, scope = {}, live = null }) {
  const filters = {
    state: STATE_TYPES.includes(query.get("state")) ? query.get("state") : "",
    q: query.get("q") || "",
    sort: query.get("sort") in RUN_SORTS ? query.get("sort") : DEFAULT_SORT,
    offset: Math.max(0, Number.parseInt(query.get("offset"), 10) || 0),
  };
  const stateSelect = h("select", { name: "state", "aria-label": "State", onchange: () => change({ state: stateSelect.value }) },
    h("option", { value: "" }, "All states"),
    STATE_TYPES.map((type) => h("option", { value: type }, type[0] + type.slice(1).toLowerCase())));
  stateSelect.value = filters.state;
  const sortSelect = h("select", { name: "sort", "aria-label": "Sort", onchange: () => change({ sort: sortSelect.value }) },
    Object.entries(RUN_SORTS).map(([value, label]) => h("option", { value }, label)));
  sortSelect.value = filters.sort;
  const search = h("input", {
    type: "search", name: "q", placeholder: "Search by name", "aria-label": "Search flow runs by name",
    value: filters.q, oninput: debounce(() => change({ q: search.value.trim() })),
  });
  const count = h("span", { class: "muted count" });
  const results = h("div", { class: "card results" });
  fill(panel, h("div", { class: "toolbar" }, search, stateSelect, sortSelect, count), results);

  function change(update) {
    Object.assign(filters, { offset: 0 }, update);
    setQuery({ state: filters.state, q: filters.q, sort: filters.sort === DEFAULT_SORT ? "" : filters.sort,
      offset: filters.offset || "" });
    load().catch((error) => {
      if (error.name !== "AbortError") fill(results, h("p", { class: "form-error" }, error.message));
    });
  }

  let generation = 0;
  let shown = [];
  async function load() {
    const mine = ++generation;
    const flowRuns = { ...(scope.flow_runs || {}) };
    if (filters.state) flowRuns.state = { type: { any_: [filters.state] } };
    if (filters.q) flowRuns.name = { like_: filters.q };
    const where = { ...scope, flow_runs: flowRuns, ...(flowId ? { flows: { id: { any_: [flowId] } } } : {}) };
    const [runs, total] = await Promise.all([
      api.post("/flow_runs/filter", { ...where, sort: filters.sort, limit: PAGE_SIZE, offset: filters.offset }, signal),
      api.post("/flow_runs/count", where, signal),
    ]);
    const names = flowId ? {} : await flowNames(runs.map((run) => run.flow_id), signal);
    if (mine !== generation) return; // a newer filter answered first
    shown = runs;
    count.textContent = `${total} flow run${total === 1 ? "" : "s"}`;
    const headers = ["Name", ...(flowId ? [] : ["Flow"]), "State", "Start", "Duration", "Tags"];
    fill(results, table(headers, runs.map((run) => h("tr", { "data-run-id": run.id },
      h("td", {}, link(paths.flowRun(run.id), run.name)),
      flowId ? null : h("td", {}, names[run.flow_id] ? link(paths.flow(run.flow_id), names[run.flow_id]) : "—"),
      h("td", {}, badge(run.state_type, run.state_name)),
      h("td", {}, time(run.start_time || run.expected_start_time)),
      h("td", { class: "duration" }, runDuration(run)),
      h("td", {}, tags(run.tags)))),
    filters.state || filters.q ? "No flow runs match these filters." : "No flow runs yet."),
    pager(filters.offset, PAGE_SIZE, total, (offset) => change({ offset })));
  }

  await load();
  const active = () => shown.some((run) => !TERMINAL.has(run.state_type) && run.state_type !== "SCHEDULED"
    && run.state_type !== "PAUSED");
  return refreshWhile(active, load, { ms: REFRESH_MS, signal,
    onState: (on) => { if (live) fill(live, on ? liveMark(REFRESH_MS) : null); } });
}
