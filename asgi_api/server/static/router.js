// The client-side router: URLs below the UI's base path map to views; history does the rest.
//
// The server replaces the placeholder below with the base path the UI is served under
// ("" at the root, "/prefix" under ASGI_API_UI_SERVE_BASE=/prefix/).

export const BASE = "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER";

const routes = [];
let onChange = () => {};

/** Register a view for a path pattern such as "/runs/:id". */
export function add(pattern, view) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}$`), names, view });
}

/** The view for `path` and its parameters, or null when nothing matches. */
export function match(path) {
  for (const { regex, names, view } of routes) {
    const found = regex.exec(path);
    if (found) {
      const params = {};
      names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]); });
      return { view, params };
    }
  }
  return null;
}

/** The app path of the current location: "/runs/123" for "<base>/runs/123/". */
export function currentPath() {
  let path = location.pathname;
  if (BASE && path.startsWith(BASE)) path = path.slice(BASE.length);
  path = path.replace(/\/+$/, "");
  return path || "/";
}

/** The URL of an app path, with an optional query ({key: value}; empty values are left out). */
export function href(path, query = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return `${BASE}${path}${text ? `?${text}` : ""}`;
}

/** Go to an app path (pushing a history entry unless `replace`) and render it. */
export function navigate(path, query = {}, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"](null, "", href(path, query));
  onChange();
}

/** Change the query of the current URL without rendering again (filters, pages). */
export function setQuery(query) {
  history.replaceState(null, "", href(currentPath(), query));
}

/** Render now and on every navigation: back/forward and clicks on links inside the app. */
export function start(render) {
  onChange = render;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.target || link.hasAttribute("download") || link.relList.contains("external")) return;
    const url = new URL(link.href, location.href);
    const inside = url.pathname === BASE || url.pathname.startsWith(`${BASE}/`);
    if (url.origin !== location.origin || !inside) return;
    event.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) {
      history.pushState(null, "", url.pathname + url.search);
    }
    render();
  });
  render();
}
