// Deployments: the list with a search, and a deployment's page (schedules, runs, a "Run" button)
// at the address Prefect prints.

import * as api from "../api.js";
import { navigate, setQuery } from "../router.js";
import { debounce, fill, h, link, notFound, pager, paths, table, tags, time } from "../ui.js";
import { flowNames, runsPanel } from "./runs.js";

const PAGE_SIZE = 50;

/** "every 60s", "cron 0 * * * *", "rrule ..." (with its time zone, if any). */
export function describeSchedule(schedule) {
  const zone = schedule.timezone ? ` (${schedule.timezone})` : "";
  if ("interval" in schedule) return `every ${schedule.interval}s${zone}`;
  if ("cron" in schedule) return `cron ${schedule.cron}${zone}`;
  if ("rrule" in schedule) return `rrule ${schedule.rrule}${zone}`;
  return JSON.stringify(schedule);
}

function schedulesText(deployment) {
  const active = (deployment.schedules || []).filter((item) => item.active !== false);
  if (!active.length) return h("span", { class: "muted" }, "none");
  return active.map((item) => describeSchedule(item.schedule)).join(", ");
}

export async function deploymentsView({ root, query, signal }) {
  document.title = "Deployments · asgi_api";
  const filters = { q: query.get("q") || "", offset: Math.max(0, Number.parseInt(query.get("offset"), 10) || 0) };
  const search = h("input", {
    type: "search", name: "q", placeholder: "Search by flow or deployment name",
    "aria-label": "Search deployments by flow or deployment name",
    value: filters.q, oninput: debounce(() => change({ q: search.value.trim() })),
  });
  const count = h("span", { class: "muted count" });
  const results = h("div", { class: "card results" });
  fill(root, h("h1", {}, "Deployments"), h("div", { class: "toolbar" }, search, count), results);

  function change(update) {
    Object.assign(filters, { offset: 0 }, update);
    setQuery({ q: filters.q, offset: filters.offset || "" });
    load().catch((error) => {
      if (error.name !== "AbortError") fill(results, h("p", { class: "form-error" }, error.message));
    });
  }

  let generation = 0;
  async function load() {
    const mine = ++generation;
    const where = filters.q ? { deployments: { flow_or_deployment_name: { like_: filters.q } } } : {};
    const [deployments, total] = await Promise.all([
      api.post("/deployments/filter", { ...where, sort: "NAME_ASC", limit: PAGE_SIZE, offset: filters.offset }, signal),
      api.post("/deployments/count", where, signal),
    ]);
    const names = await flowNames(deployments.map((deployment) => deployment.flow_id), signal);
    if (mine !== generation) return;
    count.textContent = `${total} deployment${total === 1 ? "" : "s"}`;
    fill(results, table(["Name", "Flow", "Status", "Schedules", "Work pool", "Tags"],
      deployments.map((deployment) => h("tr", { "data-deployment-id": deployment.id },
        h("td", {}, link(paths.deployment(deployment.id), deployment.name)),
        h("td", {}, link(paths.flow(deployment.flow_id), names[deployment.flow_id] || deployment.flow_id)),
        h("td", { class: "status" }, deployment.paused ? "Paused" : deployment.status === "READY" ? "Ready" : "Not ready"),
        h("td", {}, schedulesText(deployment)),
        h("td", {}, deployment.work_pool_name ? link(paths.workPool(deployment.work_pool_name),
          deployment.work_pool_name) : h("span", { class: "muted" }, "—")),
        h("td", {}, tags(deployment.tags)))),
      filters.q ? `No deployment or flow name contains “${filters.q}”.` : "No deployments yet."),
    pager(filters.offset, PAGE_SIZE, total, (offset) => change({ offset })));
  }

  await load();
}

export async function deploymentView({ root, params, query, signal }) {
  let deployment;
  try {
    deployment = await api.get(`/deployments/${encodeURIComponent(params.id)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && (error.status === 404 || error.status === 422)) {
      document.title = "Deployment not found · asgi_api";
      fill(root, notFound("Deployment", params.id, "/deployments", "All deployments"));
      return null;
    }
    throw error;
  }
  const names = await flowNames([deployment.flow_id], signal);
  document.title = `${deployment.name} · Deployments · asgi_api`;
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  const schedules = (deployment.schedules || []).map((item) => h("li", {},
    h("code", {}, describeSchedule(item.schedule)), item.active === false ? h("span", { class: "muted" }, " (paused)") : ""));
  const panel = h("div");
  const live = h("span");
  const runError = h("span", { class: "form-error", role: "alert" });
  const run = h("button", {
    class: "primary run", onclick: async () => {
      run.disabled = true;
      runError.textContent = "";
      try {
        const created = await api.post(`/deployments/${deployment.id}/create_flow_run`, {}, signal);
        navigate(paths.flowRun(created.id));
      } catch (error) {
        if (error.name === "AbortError") return;
        runError.textContent = error.message;
        run.disabled = false;
      }
    },
  }, "Run");
  fill(root,
    h("p", { class: "crumbs" }, link("/deployments", "Deployments"), " / ",
      link(paths.flow(deployment.flow_id), names[deployment.flow_id] || "flow"), " / "),
    h("h1", {}, deployment.name, " ", tags(deployment.tags), live),
    h("div", { class: "toolbar" }, run, runError),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      row("Flow", link(paths.flow(deployment.flow_id), names[deployment.flow_id] || deployment.flow_id)),
      row("Status", deployment.status || "—"),
      row("Paused", deployment.paused ? "yes" : "no"),
      deployment.work_pool_name ? row("Work pool", link(paths.workPool(deployment.work_pool_name),
        deployment.work_pool_name)) : null,
      row("Schedules", schedules.length ? h("ul", { class: "plain" }, schedules) : h("span", { class: "muted" }, "none")),
      row("Created", time(deployment.created)),
      row("Deployment id", h("code", {}, deployment.id)))),
    h("h2", {}, "Runs"),
    panel);
  return runsPanel(panel, { query, signal, live, scope: { flow_runs: { deployment_id: { any_: [deployment.id] } } } });
}
