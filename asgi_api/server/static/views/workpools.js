// Work pools: the list, and a pool's page with its queues and workers, at the address Prefect prints.

import * as api from "../api.js";
import { ago, fill, h, link, notFound, paths, table, time } from "../ui.js";

const STATUS_TEXT = { READY: "Ready", NOT_READY: "Not ready", PAUSED: "Paused", ONLINE: "Online", OFFLINE: "Offline" };

function status(value) {
  return h("span", { class: `status status-${(value || "unknown").toLowerCase()}` }, STATUS_TEXT[value] || value || "—");
}

function limit(value) {
  return value === null || value === undefined ? h("span", { class: "muted" }, "none") : String(value);
}

export async function workPoolsView({ root, signal }) {
  document.title = "Work pools · asgi_api";
  const pools = await api.post("/work_pools/filter", {}, signal);
  fill(root, h("h1", {}, "Work pools"),
    h("div", { class: "card results" }, table(["Name", "Type", "Status", "Concurrency limit", "Created"],
      pools.map((pool) => h("tr", { "data-work-pool": pool.name },
        h("td", {}, link(paths.workPool(pool.name), pool.name)),
        h("td", {}, pool.type),
        h("td", {}, status(pool.status)),
        h("td", {}, limit(pool.concurrency_limit)),
        h("td", {}, time(pool.created)))),
      "No work pools yet. `prefect work-pool create` or `prefect worker start --pool <name>` makes one.")));
  return null;
}

export async function workPoolView({ root, params, signal }) {
  const name = encodeURIComponent(params.name);
  let pool;
  try {
    pool = await api.get(`/work_pools/${name}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) {
      document.title = "Work pool not found · asgi_api";
      fill(root, notFound("Work pool", params.name, "/work-pools", "All work pools"));
      return null;
    }
    throw error;
  }
  const [queues, workers] = await Promise.all([
    api.post(`/work_pools/${name}/queues/filter`, {}, signal),
    api.post(`/work_pools/${name}/workers/filter`, {}, signal),
  ]);
  document.title = `${pool.name} · Work pools · asgi_api`;
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  fill(root,
    h("p", { class: "crumbs" }, link("/work-pools", "Work pools"), " / "),
    h("h1", {}, pool.name),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      row("Type", pool.type || "—"),
      row("Status", status(pool.status)),
      row("Concurrency limit", limit(pool.concurrency_limit)),
      pool.description ? row("Description", pool.description) : null,
      row("Created", time(pool.created)),
      row("Work pool id", h("code", {}, pool.id)))),
    h("h2", {}, "Queues"),
    h("div", { class: "card queues" }, table(["Name", "Priority", "Status", "Concurrency limit", "Last polled"],
      queues.map((queue) => h("tr", { "data-queue": queue.name },
        h("td", {}, queue.name, queue.id === pool.default_queue_id ? h("span", { class: "muted" }, " (default)") : ""),
        h("td", {}, String(queue.priority)),
        h("td", {}, status(queue.status)),
        h("td", {}, limit(queue.concurrency_limit)),
        h("td", {}, queue.last_polled ? time(queue.last_polled) : h("span", { class: "muted" }, "never")))),
      "No queues.")),
    h("h2", {}, "Workers"),
    h("div", { class: "card workers" }, table(["Name", "Status", "Last heartbeat"],
      workers.map((worker) => h("tr", { "data-worker": worker.name },
        h("td", {}, worker.name),
        h("td", {}, status(worker.status)),
        h("td", { title: worker.last_heartbeat_time || "" },
          worker.last_heartbeat_time ? ago(worker.last_heartbeat_time) : "—"))),
      "No worker has polled this pool yet.")));
  return null;
}
