// The app shell: routes, the page lifecycle (loading, errors, retries), and the login form.

import * as api from "./api.js";
import * as router from "./router.js";
import { fill, h, notFound } from "./ui.js";
import { artifactsView } from "./views/artifacts.js";
import { dashboardView } from "./views/dashboard.js";
import { deploymentsView, deploymentView } from "./views/deployments.js";
import { flowsView, flowView } from "./views/flows.js";
import { runsView } from "./views/runs.js";
import { runView } from "./views/run.js";
import { taskRunView } from "./views/taskrun.js";
import { variablesView } from "./views/variables.js";
import { workPoolsView, workPoolView } from "./views/workpools.js";

router.add("/", dashboardView);
router.add("/dashboard", dashboardView);
router.add("/flows", flowsView);
router.add("/flows/flow/:id", flowView); // Prefect's URL shapes, as its client prints them
router.add("/flows/:id", flowView);
router.add("/runs", runsView);
router.add("/runs/flow-run/:id", runView);
router.add("/runs/task-run/:id", taskRunView);
router.add("/runs/:id", runView);
router.add("/deployments", deploymentsView);
router.add("/deployments/deployment/:id", deploymentView);
router.add("/work-pools", workPoolsView);
router.add("/work-pools/work-pool/:name", workPoolView);
router.add("/variables", variablesView);
router.add("/artifacts", artifactsView);

const RETRY_SECONDS = 3;
const main = document.getElementById("main");
let page = null; // the page on screen: {controller, cleanup}

/**
 * Render the view for the current URL. A view is `async ({root, params, query, signal}) => cleanup?`:
 * it fills `root`, may start timers that `cleanup` stops, and passes `signal` to every API call so
 * that leaving the page cancels what it still waits for.
 */
async function render() {
  if (page) {
    page.controller.abort();
    if (page.cleanup) page.cleanup();
  }
  const current = { controller: new AbortController(), cleanup: null };
  const { signal } = current.controller;
  page = current;
  const root = h("div", { class: "view" }, h("p", { class: "muted loading" }, "Loading…"));
  fill(main, root);
  const path = router.currentPath();
  markNavigation(path);
  try {
    await api.loadSettings(signal);
    document.getElementById("logout").hidden = !(api.authRequired() && api.loggedIn());
    if (api.authRequired() && !api.loggedIn()) {
      showLogin(root);
      return;
    }
    const found = router.match(path);
    if (!found) {
      document.title = "Not found · asgi_api";
      fill(root, notFound("Page", null, "/", "Go to the dashboard"));
      return;
    }
    const query = new URLSearchParams(location.search);
    const cleanup = await found.view({ root, params: found.params, query, signal });
    if (signal.aborted) {
      if (cleanup) cleanup();
    } else {
      current.cleanup = cleanup || null;
    }
  } catch (error) {
    if (signal.aborted || error.name === "AbortError") return;
    if (error instanceof api.Unauthorized) showLogin(root);
    else if (error instanceof api.Unreachable) showUnreachable(root, error, current);
    else showError(root, error);
  }
}

function markNavigation(path) {
  const section = path === "/" ? "dashboard" : path.split("/")[1];
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.dataset.section === section);
  }
}

/** The API is down: say so, count down, and render again (unless the user went elsewhere). */
function showUnreachable(root, error, current) {
  let left = RETRY_SECONDS;
  const countdown = h("span", {}, String(left));
  const retry = () => {
    clearInterval(timer);
    if (page === current) render();
  };
  const timer = setInterval(() => {
    left -= 1;
    countdown.textContent = String(Math.max(left, 0));
    if (left <= 0) retry();
  }, 1000);
  current.cleanup = () => clearInterval(timer);
  document.title = "API unreachable · asgi_api";
  fill(root, h("section", { class: "notice unreachable", role: "alert" },
    h("h1", {}, "The API is unreachable"),
    h("p", {}, error.message, " The server may be stopped or restarting."),
    h("p", {}, "Retrying in ", countdown, " s… ", h("button", { onclick: retry }, "Retry now"))));
}

function showError(root, error) {
  console.error(error);
  document.title = "Error · asgi_api";
  fill(root, h("section", { class: "notice error", role: "alert" },
    h("h1", {}, "Something went wrong"),
    h("p", {}, error.message || String(error))));
}

function showLogin(root) {
  document.title = "Log in · asgi_api";
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const username = h("input", { name: "username", autocomplete: "username", placeholder: "admin" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h("form", { class: "card login", onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      await api.login(username.value.trim(), password.value);
      render();
    } catch (error) {
      message.textContent = error.message;
      message.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
    }
  } },
  h("h1", {}, "Log in"),
  h("p", { class: "muted" }, "This server requires credentials (the auth string user:password)."),
  h("label", {}, "User name", username),
  h("label", {}, "Password", password),
  message,
  submit);
  fill(root, form);
  (username.value ? password : username).focus();
}

document.getElementById("logout").addEventListener("click", () => {
  api.logout();
  render();
});

router.start(render);
