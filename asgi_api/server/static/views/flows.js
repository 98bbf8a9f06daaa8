// Flows: the list with a name search, and one flow's page with its runs.

import * as api from "../api.js";
import { setQuery } from "../router.js";
import { debounce, fill, h, link, notFound, pager, paths, table, tags, time } from "../ui.js";
import { runsPanel } from "./runs.js";

const PAGE_SIZE = 50;

export async function flowsView({ root, query, signal }) {
  document.title = "Flows · asgi_api";
  const filters = { q: query.get("q") || "", offset: Math.max(0, Number.parseInt(query.get("offset"), 10) || 0) };
  const search = h("input", {
    type: "search", name: "q", placeholder: "Search by name", "aria-label": "Search flows by name",
    value: filters.q, oninput: debounce(() => change({ q: search.value.trim() })),
  });
  const count = h("span", { class: "muted count" });
  const results = h("div", { class: "card results" });
  fill(root, h("h1", {}, "Flows"), h("div", { class: "toolbar" }, search, count), results);

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
    const where = filters.q ? { flows: { name: { like_: filters.q } } } : {};
    const [flows, total] = await Promise.all([
      api.post("/flows/filter", { ...where, sort: "NAME_ASC", limit: PAGE_SIZE, offset: filters.offset }, signal),
      api.post("/flows/count", where, signal),
    ]);
    if (mine !== generation) return;
    count.textContent = `${total} flow${total === 1 ? "" : "s"}`;
    fill(results, table(["Name", "Tags", "Created"], flows.map((flow) => h("tr", { "data-flow-id": flow.id },
      h("td", {}, link(paths.flow(flow.id), flow.name)),
      h("td", {}, tags(flow.tags)),
      h("td", {}, time(flow.created)))),
    filters.q ? `No flow's name contains “${filters.q}”.` : "No flows yet."),
    pager(filters.offset, PAGE_SIZE, total, (offset) => change({ offset })));
  }

  await load();
}

export async function flowView({ root, params, query, signal }) {
  let flow;
  try {
    flow = await api.get(`/flows/${encodeURIComponent(params.id)}`, signal);
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) {
      document.title = "Flow not found · asgi_api";
      fill(root, notFound("Flow", params.id, "/flows", "All flows"));
      return null;
    }
    throw error;
  }
  document.title = `${flow.name} · Flows · asgi_api`;
  const panel = h("div");
  const live = h("span");
  fill(root,
    h("p", { class: "crumbs" }, link("/flows", "Flows"), " / "),
    h("h1", {}, flow.name, " ", tags(flow.tags), live),
    h("dl", { class: "facts" },
      h("dt", {}, "Flow id"), h("dd", {}, h("code", {}, flow.id)),
      h("dt", {}, "Created"), h("dd", {}, time(flow.created))),
    h("h2", {}, "Runs"),
    panel);
  return runsPanel(panel, { query, signal, flowId: flow.id, live });
}
