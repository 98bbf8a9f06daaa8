// A deployment's page (its schedules and runs) and a work pool's, at the addresses Prefect prints.

import * as api from "../api.js";
import { fill, h, link, notFound, paths, tags, time } from "../ui.js";
import { flowNames, runsPanel } from "./runs.js";

export async function deploymentView({ root, params, query, signal }) {
  let deployment;
  try {
    deployment = await api.get(`/deployments/${encodeURIComponent(params.id)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && (error.status === 404 || error.status === 422)) {
      document.title = "Deployment not found · asgi_api";
      fill(root, notFound("Deployment", params.id, "/flows", "All flows"));
      return null;
    }
    throw error;
  }
  const names = await flowNames([deployment.flow_id], signal);
  document.title = `${deployment.name} · Deployments · asgi_api`;
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  const schedules = (deployment.schedules || []).map((item) => h("li", {},
    h("code", {}, JSON.stringify(item.schedule)), item.active === false ? h("span", { class: "muted" }, " (paused)") : ""));
  const panel = h("div");
  const live = h("span");
  fill(root,
    h("p", { class: "crumbs" }, link("/flows", "Flows"), " / ",
      link(paths.flow(deployment.flow_id), names[deployment.flow_id] || "flow"), " / "),
    h("h1", {}, deployment.name, " ", tags(deployment.tags), live),
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

export async function workPoolView({ root, params, signal }) {
  let pool;
  try {
    pool = await api.get(`/work_pools/${encodeURIComponent(params.name)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) {
      document.title = "Work pool not found · asgi_api";
      fill(root, notFound("Work pool", params.name, "/runs", "All flow runs"));
      return null;
    }
    throw error;
  }
  document.title = `${pool.name} · Work pools · asgi_api`;
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  fill(root,
    h("h1", {}, pool.name),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      row("Type", pool.type || "—"),
      row("Status", pool.status || "—"),
      row("Paused", pool.is_paused ? "yes" : "no"),
      row("Concurrency limit", pool.concurrency_limit ?? "none"),
      row("Created", time(pool.created)),
      row("Work pool id", h("code", {}, pool.id)))));
  return null;
}
