// Small DOM and formatting helpers shared by the views. Text always goes in as text, never as HTML.

import { href } from "./router.js";

export const STATE_TYPES = [
  "SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED", "PAUSED", "CANCELLING",
];
export const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

/**
 * Prefect's URL shapes for each object: the links Prefect's client and CLI print ("View at ...")
 * open these pages. The older `/runs/<id>` and `/flows/<id>` still work.
 */
export const paths = {
  flowRun: (id) => `/runs/flow-run/${id}`,
  taskRun: (id) => `/runs/task-run/${id}`,
  flow: (id) => `/flows/flow/${id}`,
  deployment: (id) => `/deployments/deployment/${id}`,
  workPool: (name) => `/work-pools/work-pool/${encodeURIComponent(name)}`,
};

/** h("a", {href, class, onclick}, "text", child, [more]) -> an element. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else if (key === "value") element.value = value;
    else if (key === "style") element.style.cssText = value; // CSSOM: allowed by the CSP, an attribute is not
    else element.setAttribute(key, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

/** An SVG element, as `h` makes HTML ones (attributes as given, children appended). */
export function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value);
  }
  append(element, children);
  return element;
}

/**
 * Call `refresh()` every `ms` while `active()` says runs are still moving and the page is on screen;
 * returns the function that stops it. A failed refresh shows the banner and tries again.
 */
export function refreshWhile(active, refresh, { ms, signal, onState = () => {} }) {
  let timer = null;
  const tick = async () => {
    try {
      await refresh();
      banner(null);
    } catch (error) {
      if (signal.aborted || error.name === "AbortError") return;
      banner(`Refreshing failed: ${error.message}. Retrying every ${ms / 1000} s…`);
    }
    schedule();
  };
  const schedule = () => {
    const on = !signal.aborted && active();
    onState(on);
    if (on) timer = setTimeout(tick, ms);
  };
  schedule();
  return () => {
    clearTimeout(timer);
    banner(null);
  };
}

/** The "live" mark next to a heading whose content refreshes by itself. */
export function liveMark(ms) {
  return h("span", { class: "live", title: `Refreshing every ${ms / 1000} s` }, "live");
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** A link to an app path (kept inside the single-page app by the router). */
export const link = (path, text, attrs = {}) => h("a", { href: href(path), ...attrs }, text);

/** A state badge coloured by the state type, labelled with the state name. */
export function badge(type, name) {
  const label = name || (type ? type[0] + type.slice(1).toLowerCase() : "Unknown");
  return h("span", { class: `badge state-${(type || "unknown").toLowerCase()}`, "data-state-type": type || "" }, label);
}

export function tags(list) {
  return (list || []).map((tag) => h("span", { class: "tag" }, tag));
}

/** "2024-05-01 14:03:09" in the browser's time zone; the ISO value on hover. */
export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const text = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return h("time", { datetime: iso, title: `${iso} (${ago(iso)})` }, text);
}

export function ago(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 0) return `in ${duration(-seconds)}`;
  return seconds < 1 ? "just now" : `${duration(seconds)} ago`;
}

/** 0.25 -> "250ms", 75 -> "1m 15s", 7300 -> "2h 1m". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** How long a run has run: its total run time, or so far for a running one. */
export function runDuration(run) {
  if (run.state_type === "RUNNING" && run.start_time) {
    return duration((run.total_run_time || 0) + (Date.now() - Date.parse(run.start_time)) / 1000);
  }
  if (run.total_run_time) return duration(run.total_run_time);
  if (run.start_time && run.end_time) return duration((Date.parse(run.end_time) - Date.parse(run.start_time)) / 1000);
  return "—";
}

export function json(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

export function table(headers, rows, emptyText) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.length ? rows : h("tr", { class: "empty" }, h("td", { colspan: headers.length }, emptyText))));
}

/** "1–50 of 120" with previous/next buttons calling `go(offset)`. */
export function pager(offset, limit, count, go) {
  if (count <= limit && offset === 0) return null;
  const last = Math.min(offset + limit, count);
  return h("div", { class: "pager" },
    h("button", { disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, "← Previous"),
    h("span", { class: "muted" }, `${count ? offset + 1 : 0}–${last} of ${count}`),
    h("button", { disabled: last >= count, onclick: () => go(offset + limit) }, "Next →"));
}

/** The page for an id the API does not know. */
export function notFound(what, id, backPath, backText) {
  return h("section", { class: "notice not-found" },
    h("h1", {}, `${what} not found`),
    h("p", {}, id ? ["There is no ", what.toLowerCase(), " with the id ", h("code", {}, id), "."]
      : "There is nothing at this address."),
    h("p", {}, link(backPath, backText)));
}

/** The page-wide banner (a lost connection while refreshing); null hides it. */
export function banner(text) {
  const element = document.getElementById("banner");
  element.hidden = !text;
  element.textContent = text || "";
}

/** Debounce `fn` by `ms` milliseconds (search boxes). */
export function debounce(fn, ms = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Replace an element's children (null and false children are left out, as in `h`). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}
