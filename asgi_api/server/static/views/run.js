// One flow run: its facts, parameters, state history, task runs (a timeline and a table, a page at
// a time) and logs, live while it runs.

import * as api from "../api.js";
import { setQuery } from "../router.js";
import {
  badge, banner, duration, fill, h, json, link, notFound, pager, paths, runDuration, table, tags, TERMINAL, time,
} from "../ui.js";
import { artifactCard } from "./artifacts.js";
import { flowNames } from "./runs.js";
import { ganttChart } from "./timeline.js";

const REFRESH_MS = 2000;
const LOG_PAGE = 200;
const LOG_CAP = 5000; // at most this many log lines on the page
const TICKS_AFTER_END = 3; // logs are flushed shortly after a run ends: keep looking a little longer
export const TASK_PAGE = 200; // task runs per page of the timeline and the table
export const LEVELS = { 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL" };

export async function runView({ root, params, query, signal }) {
  const id = params.id;
  let run;
  try {
    run = await api.get(`/flow_runs/${encodeURIComponent(id)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) {
      document.title = "Flow run not found · asgi_api";
      fill(root, notFound("Flow run", id, "/runs", "All flow runs"));
      return null;
    }
    throw error;
  }

  const header = h("div");
  const facts = h("div", { class: "card" });
  const history = h("div", { class: "card", id: "state-history" });
  const taskRuns = h("div", { class: "card", id: "task-runs" });
  const artifacts = h("div", { id: "run-artifacts" });
  const logs = new LogPanel({ flow_run_id: { any_: [run.id] } }, Number.parseInt(query.get("level"), 10) || 0, signal);
  let taskOffset = Math.max(0, Number.parseInt(query.get("tasks"), 10) || 0);
  fill(root,
    header,
    h("div", { class: "columns" },
      h("section", {}, h("h2", {}, "Details"), facts),
      h("section", {}, h("h2", {}, "State history"), history)),
    h("section", {}, h("h2", {}, "Parameters"), h("div", { class: "card", id: "parameters" },
      Object.keys(run.parameters || {}).length ? json(run.parameters) : h("p", { class: "muted" }, "No parameters."))),
    h("section", {}, h("h2", {}, "Task runs"), taskRuns),
    h("section", {}, h("h2", {}, "Artifacts"), artifacts),
    h("section", {}, h("h2", {}, "Logs"), logs.element));

  const names = await flowNames([run.flow_id], signal);

  async function refresh() {
    const ofRun = { task_runs: { flow_run_id: { any_: [run.id] } } };
    const [states, tasks, taskCount, published] = await Promise.all([
      api.get(`/flow_run_states/?flow_run_id=${encodeURIComponent(run.id)}`, signal),
      api.post("/task_runs/filter", { ...ofRun, sort: "EXPECTED_START_TIME_ASC", limit: TASK_PAGE, offset: taskOffset },
        signal),
      api.post("/task_runs/count", ofRun, signal),
      api.post("/artifacts/filter", { artifacts: { flow_run_id: { any_: [run.id] } }, sort: "ID_DESC", limit: 200 },
        signal),
    ]);
    fill(artifacts, published.length ? [...published].reverse().map((artifact) => artifactCard(artifact))
      : h("p", { class: "muted card" }, "No artifacts."));
    Object.assign(logs.taskNames, Object.fromEntries(tasks.map((task) => [task.id, task.name])));
    await logs.update();
    const live = !TERMINAL.has(run.state_type);
    document.title = `${run.name} · Flow runs · asgi_api`;
    fill(header,
      h("p", { class: "crumbs" }, link("/runs", "Flow runs"), " / ",
        names[run.flow_id] ? link(paths.flow(run.flow_id), names[run.flow_id]) : "flow"),
      h("h1", {}, run.name, " ", badge(run.state_type, run.state_name),
        live ? h("span", { class: "live", title: `Refreshing every ${REFRESH_MS / 1000} s` }, "live") : null));
    fill(facts, runFacts(run, names));
    fill(history, stateHistory(states, run));
    const goTo = (offset) => {
      taskOffset = offset;
      setQuery({ level: logs.level || "", tasks: offset || "" });
      refresh().catch((error) => { if (error.name !== "AbortError") banner(error.message); });
    };
    fill(taskRuns,
      h("div", { class: "toolbar" }, h("span", { class: "muted count" },
        `${taskCount} task run${taskCount === 1 ? "" : "s"}`), pager(taskOffset, TASK_PAGE, taskCount, goTo)),
      tasks.length ? h("div", { id: "task-timeline" }, ganttChart(tasks)) : null,
      table(["Task run", "State", "Start", "Duration", "Tags"],
      tasks.map((task) => h("tr", { "data-task-run-id": task.id },
        h("td", {}, link(paths.taskRun(task.id), task.name)),
        h("td", {}, badge(task.state_type, task.state_name)),
        h("td", {}, time(task.start_time || task.expected_start_time)),
        h("td", { class: "duration" }, runDuration(task)),
        h("td", {}, tags(task.tags)))),
      "No task runs."));
  }

  await refresh();
  if (TERMINAL.has(run.state_type)) return null;

  // Poll while the run is not finished, and a few times more for its last logs.
  let timer = null;
  let ticksLeft = TICKS_AFTER_END;
  const tick = async () => {
    try {
      run = await api.get(`/flow_runs/${encodeURIComponent(run.id)}`, signal);
      await refresh();
      banner(null);
    } catch (error) {
      if (signal.aborted || error.name === "AbortError") return;
      banner(error instanceof api.Unreachable
        ? `${error.message} Retrying every ${REFRESH_MS / 1000} s…` : `Refreshing failed: ${error.message}`);
    }
    if (TERMINAL.has(run.state_type)) ticksLeft -= 1;
    if (ticksLeft > 0 && !signal.aborted) timer = setTimeout(tick, REFRESH_MS);
  };
  timer = setTimeout(tick, REFRESH_MS);
  return () => {
    clearTimeout(timer);
    banner(null);
  };
}

function runFacts(run, names) {
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  return h("dl", { class: "facts" },
    row("Flow", names[run.flow_id] ? link(paths.flow(run.flow_id), names[run.flow_id]) : h("code", {}, run.flow_id)),
    run.deployment_id ? row("Deployment", link(paths.deployment(run.deployment_id), run.deployment_id)) : null,
    row("State", [badge(run.state_type, run.state_name), run.state?.message ? ` ${run.state.message}` : ""]),
    row("Expected start", time(run.expected_start_time)),
    row("Started", time(run.start_time)),
    row("Ended", time(run.end_time)),
    row("Duration", h("span", { class: "duration" }, runDuration(run))),
    row("Run count", String(run.run_count ?? 0)),
    run.flow_version ? row("Flow version", run.flow_version) : null,
    run.work_pool_name ? row("Work pool", link(paths.workPool(run.work_pool_name), run.work_pool_name)) : null,
    row("Tags", (run.tags || []).length ? tags(run.tags) : h("span", { class: "muted" }, "none")),
    row("Flow run id", h("code", {}, run.id)));
}

/** The states as a bar (each state's share of the run's time) and as a list, oldest first. */
export function stateHistory(states, run) {
  if (!states.length) return h("p", { class: "muted" }, "No states recorded.");
  const times = states.map((state) => Date.parse(state.timestamp));
  const end = TERMINAL.has(run.state_type) ? times[times.length - 1] : Date.now();
  const spans = times.map((start, i) => Math.max(0, (i + 1 < times.length ? times[i + 1] : end) - start));
  const total = spans.reduce((a, b) => a + b, 0) || 1;
  const bar = h("div", { class: "timeline-bar", "aria-hidden": "true" }, states.map((state, i) => h("span", {
    class: `segment state-${state.type.toLowerCase()}`,
    style: `flex-grow: ${Math.max(spans[i] / total, 0.02)}`,
    title: `${state.name}: ${duration(spans[i] / 1000)}`,
  })));
  const list = h("ol", { class: "timeline" }, states.map((state, i) => h("li", {
    class: `state-${state.type.toLowerCase()}`, "data-state-type": state.type,
  },
  h("div", { class: "timeline-head" }, badge(state.type, state.name), " ", time(state.timestamp),
    i > 0 ? h("span", { class: "muted" }, ` +${duration((times[i] - times[i - 1]) / 1000)}`) : null),
  state.message ? h("div", { class: "message" }, state.message) : null)));
  return [bar, list];
}

/**
 * A run's logs (`where`: the logs filter naming the flow run or task run): a level filter, lines
 * appended as they arrive, the task run's name on each.
 */
export class LogPanel {
  constructor(where, level, signal) {
    this.where = where;
    this.signal = signal;
    this.level = LEVELS[level] ? level : 0;
    this.taskNames = {};
    this.loaded = 0;
    this.generation = 0;
    this.busy = null;
    const select = h("select", { name: "level", "aria-label": "Minimum log level", onchange: () => {
      this.level = Number(select.value);
      setQuery({ ...Object.fromEntries(new URLSearchParams(location.search)), level: this.level || "" });
      this.reset();
      this.update().catch((error) => {
        if (error.name !== "AbortError") fill(this.lines, h("p", { class: "form-error" }, error.message));
      });
    } },
    h("option", { value: "0" }, "All levels"),
    Object.entries(LEVELS).map(([value, name]) => h("option", { value }, `${name} and above`)));
    select.value = String(this.level);
    this.count = h("span", { class: "muted count" });
    this.lines = h("div", { class: "log-lines", id: "logs" });
    this.element = h("div", { class: "card logs" }, h("div", { class: "toolbar" }, select, this.count), this.lines);
  }

  reset() {
    this.generation += 1;
    this.loaded = 0;
    fill(this.lines);
  }

  /** Fetch the lines after those shown (one fetch at a time). */
  async update() {
    while (this.busy) await this.busy.catch(() => {});
    this.busy = this.fetchNew().finally(() => { this.busy = null; });
    return this.busy;
  }

  async fetchNew() {
    const generation = this.generation;
    const where = { ...this.where };
    if (this.level) where.level = { ge_: this.level };
    while (this.loaded < LOG_CAP) {
      const page = await api.post("/logs/filter", {
        logs: where, sort: "TIMESTAMP_ASC", limit: LOG_PAGE, offset: this.loaded,
      }, this.signal);
      if (generation !== this.generation) return;
      this.lines.append(...page.map((log) => this.line(log)));
      this.loaded += page.length;
      if (page.length < LOG_PAGE) break;
    }
    this.count.textContent = `${this.loaded} line${this.loaded === 1 ? "" : "s"}${this.loaded >= LOG_CAP ? " (first shown)" : ""}`;
    if (!this.loaded) fill(this.lines, h("p", { class: "muted empty" }, "No logs."));
    else this.lines.querySelector(".empty")?.remove();
  }

  line(log) {
    const name = LEVELS[log.level] || `LEVEL ${log.level}`;
    const source = log.task_run_id ? this.taskNames[log.task_run_id] || "task run" : log.name;
    return h("div", { class: `log level-${name.toLowerCase()}`, "data-level": log.level },
      h("span", { class: "log-time" }, time(log.timestamp)),
      h("span", { class: "log-level" }, name),
      h("span", { class: "log-source", title: log.name }, source),
      h("span", { class: "log-message" }, log.message));
  }
}
