// One task run: its facts, state history and logs, live while it runs.

import * as api from "../api.js";
import { badge, fill, h, json, link, liveMark, notFound, paths, refreshWhile, runDuration, tags, TERMINAL, time } from "../ui.js";
import { LogPanel, stateHistory } from "./run.js";

const REFRESH_MS = 2000;

export async function taskRunView({ root, params, query, signal }) {
  let task;
  try {
    task = await api.get(`/task_runs/${encodeURIComponent(params.id)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && (error.status === 404 || error.status === 422)) {
      document.title = "Task run not found · asgi_api";
      fill(root, notFound("Task run", params.id, "/runs", "All flow runs"));
      return null;
    }
    throw error;
  }
  const flowRun = task.flow_run_id
    ? await api.get(`/flow_runs/${encodeURIComponent(task.flow_run_id)}`, signal).catch(() => null) : null;
  const header = h("div");
  const facts = h("div", { class: "card" });
  const history = h("div", { class: "card", id: "state-history" });
  const logs = new LogPanel({ task_run_id: { any_: [task.id] } }, Number.parseInt(query.get("level"), 10) || 0, signal);
  logs.taskNames[task.id] = task.name;
  const live = h("span");
  fill(root,
    header,
    h("div", { class: "columns" },
      h("section", {}, h("h2", {}, "Details"), facts),
      h("section", {}, h("h2", {}, "State history"), history)),
    h("section", {}, h("h2", {}, "Inputs"), h("div", { class: "card", id: "task-inputs" },
      Object.keys(task.task_inputs || {}).length ? json(task.task_inputs) : h("p", { class: "muted" }, "No inputs."))),
    h("section", {}, h("h2", {}, "Logs"), logs.element));

  async function refresh() {
    task = await api.get(`/task_runs/${encodeURIComponent(task.id)}`, signal);
    const states = await api.get(`/task_run_states/?task_run_id=${encodeURIComponent(task.id)}`, signal);
    await logs.update();
    document.title = `${task.name} · Task runs · asgi_api`;
    fill(header,
      h("p", { class: "crumbs" }, link("/runs", "Flow runs"), " / ",
        flowRun ? link(paths.flowRun(flowRun.id), flowRun.name) : "no flow run", " / "),
      h("h1", {}, task.name, " ", badge(task.state_type, task.state_name), live));
    const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
    fill(facts, h("dl", { class: "facts" },
      row("Flow run", flowRun ? link(paths.flowRun(flowRun.id), flowRun.name) : h("span", { class: "muted" }, "none")),
      row("State", [badge(task.state_type, task.state_name), task.state?.message ? ` ${task.state.message}` : ""]),
      row("Started", time(task.start_time)),
      row("Ended", time(task.end_time)),
      row("Duration", h("span", { class: "duration" }, runDuration(task))),
      row("Run count", String(task.run_count ?? 0)),
      row("Task key", h("code", {}, task.task_key)),
      row("Tags", (task.tags || []).length ? tags(task.tags) : h("span", { class: "muted" }, "none")),
      row("Task run id", h("code", {}, task.id))));
    fill(history, stateHistory(states, task));
  }

  await refresh();
  return refreshWhile(() => !TERMINAL.has(task.state_type), refresh, { ms: REFRESH_MS, signal,
    onState: (on) => fill(live, on ? liveMark(REFRESH_MS) : null) });
}
