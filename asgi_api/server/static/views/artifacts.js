// Artifacts: the latest version of each keyed artifact, and how any artifact reads (markdown
// rendered safely, tables as tables, links, progress).

import * as api from "../api.js";
import { fill, h, link, paths, table, time } from "../ui.js";
import { markdown } from "../markdown.js";

export async function artifactsView({ root, signal }) {
  document.title = "Artifacts · asgi_api";
  const results = h("div", { class: "results", id: "artifacts" });
  fill(root, h("h1", {}, "Artifacts"), results);
  const latest = await api.post("/artifacts/latest/filter", { sort: "UPDATED_DESC", limit: 200 }, signal);
  fill(results, latest.length ? latest.map((artifact) => artifactCard(artifact, true))
    : h("p", { class: "muted card" }, "No artifacts yet: a flow makes them with create_markdown_artifact, "
      + "create_table_artifact, ..."));
  return null;
}

/** One artifact as a card: key, type, description, its body; `withRun` links to its flow run. */
export function artifactCard(artifact, withRun = false) {
  return h("article", { class: "card artifact", "data-artifact-type": artifact.type || "" },
    h("header", { class: "artifact-header" },
      h("strong", { class: "artifact-key" }, artifact.key || "(no key)"),
      h("span", { class: "muted" }, ` ${artifact.type || "artifact"} · ${time(artifact.updated)}`),
      withRun && artifact.flow_run_id ? [" · ", link(paths.flowRun(artifact.flow_run_id), "its flow run")] : null),
    artifact.description ? markdown(artifact.description) : null,
    artifactBody(artifact));
}

export function artifactBody(artifact) {
  const data = artifact.data;
  switch (artifact.type) {
    case "markdown":
      return markdown(data);
    case "table":
      return dataTable(typeof data === "string" ? parse(data) : data);
    case "progress":
      return h("div", { class: "progress", "aria-label": `${data}%` },
        h("div", { class: "progress-bar", style: `width: ${Math.max(0, Math.min(100, Number(data) || 0))}%` }),
        h("span", {}, `${data}%`));
    case "link":
    case "image":
      return markdown(String(data).startsWith("[") ? data : `[${data}](${data})`);
    default:
      return h("pre", { class: "json" }, typeof data === "string" ? data : JSON.stringify(data, null, 2));
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows (a list of objects or of lists) or columns (an object of lists) as a <table>. */
function dataTable(data) {
  let headers = [];
  let rows = [];
  if (Array.isArray(data) && data.every((row) => row && typeof row === "object" && !Array.isArray(row))) {
    headers = [...new Set(data.flatMap((row) => Object.keys(row)))];
    rows = data.map((row) => headers.map((key) => row[key]));
  } else if (Array.isArray(data) && data.every(Array.isArray)) {
    headers = data[0] ? data[0].map((_, index) => String(index + 1)) : [];
    rows = data;
  } else if (data && typeof data === "object") {
    headers = Object.keys(data);
    const length = Math.max(0, ...headers.map((key) => (Array.isArray(data[key]) ? data[key].length : 0)));
    rows = Array.from({ length }, (_, index) => headers.map((key) => (data[key] || [])[index]));
  } else {
    return h("pre", { class: "json" }, String(data));
  }
  return table(headers, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell === null || cell === undefined
    ? "" : typeof cell === "object" ? JSON.stringify(cell) : String(cell))))), "No rows.");
}
