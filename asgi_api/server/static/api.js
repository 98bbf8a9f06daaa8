// Talking to the REST API: where it is (/ui-settings), Basic auth, CSRF tokens, and errors.

import { BASE } from "./router.js";

const AUTH_KEY = "asgi_api.auth";
const CLIENT_KEY = "asgi_api.csrf-client";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The API answered with an error status; `body` is its parsed JSON (or text). */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(body) || `The API answered HTTP ${status}.`);
    this.status = status;
    this.body = body;
  }
}

/** The API could not be reached (network error, or a 502/503/504 on the way). */
export class Unreachable extends Error {}

/** The API wants credentials (401): the app shows the login form. */
export class Unauthorized extends Error {}

const settings = { loaded: false, apiUrl: "", auth: null, csrfEnabled: false };
let csrf = null; // {token, expires} once fetched

export const apiUrl = () => settings.apiUrl;
export const authRequired = () => settings.auth === "BASIC";
export const loggedIn = () => Boolean(sessionStorage.getItem(AUTH_KEY));

/** Read /ui-settings once: the API URL, the auth mode and whether writes need a CSRF token. */
export async function loadSettings(signal) {
  if (settings.loaded) return;
  let response;
  try {
    response = await fetch(`${BASE}/ui-settings`, { signal, headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Unreachable(`Cannot reach the server at ${location.origin}.`);
  }
  if ([502, 503, 504].includes(response.status)) {
    throw new Unreachable(`The server at ${location.origin} answered HTTP ${response.status}.`);
  }
  const isJson = (response.headers.get("content-type") || "").includes("json");
  const body = response.ok && isJson ? await response.json() : {};
  // Without /ui-settings (an older server) the API is at /api on this origin, as Prefect's is.
  settings.apiUrl = new URL(body.api_url || "/api", location.href).href.replace(/\/+$/, "");
  settings.auth = body.auth || null;
  settings.csrfEnabled = Boolean(body.csrf_enabled);
  settings.loaded = true;
}

/** Check credentials against the API and keep them for this browser tab. */
export async function login(username, password) {
  const secret = username ? `${username}:${password}` : password;
  const token = base64(secret);
  let response;
  try {
    response = await fetch(`${settings.apiUrl}/version`, { headers: { Authorization: `Basic ${token}` } });
  } catch {
    throw new Unreachable(`Cannot reach the API at ${settings.apiUrl}.`);
  }
  if (response.status === 401) throw new Unauthorized("Wrong user name or password.");
  if (!response.ok) throw new ApiError(response.status, await readBody(response));
  sessionStorage.setItem(AUTH_KEY, token);
}

export function logout() {
  sessionStorage.removeItem(AUTH_KEY);
}

export const get = (path, signal) => request("GET", path, undefined, signal);
export const post = (path, body, signal) => request("POST", path, body, signal);
export const patch = (path, body, signal) => request("PATCH", path, body, signal);
export const del = (path, signal) => request("DELETE", path, undefined, signal);

/** One API call: JSON in and out, credentials and CSRF headers added, errors thrown as above. */
export async function request(method, path, body, signal, retried = false) {
  const headers = {};
  if (WRITES.has(method) && settings.csrfEnabled) Object.assign(headers, await csrfHeaders(signal));
  const response = await send(method, path, body, signal, headers);
  const data = await readBody(response);
  if (response.ok) return data;
  if (response.status === 403 && !retried && describe(data).includes("Invalid CSRF token")) {
    csrf = null; // expired or replaced: fetch a new one and try once more, as Prefect's client does
    return request(method, path, body, signal, true);
  }
  throw new ApiError(response.status, data);
}

async function send(method, path, body, signal, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  const token = sessionStorage.getItem(AUTH_KEY);
  if (token) headers.Authorization = `Basic ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`${settings.apiUrl}${path}`, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Unreachable(`Cannot reach the API at ${settings.apiUrl}.`);
  }
  if ([502, 503, 504].includes(response.status)) {
    throw new Unreachable(`The API at ${settings.apiUrl} answered HTTP ${response.status}.`);
  }
  if (response.status === 401) {
    logout();
    throw new Unauthorized("The API wants credentials.");
  }
  return response;
}

async function csrfHeaders(signal) {
  if (!csrf || Date.now() > csrf.expires - 60_000) {
    const client = clientId();
    const response = await send("GET", `/csrf-token?client=${encodeURIComponent(client)}`, undefined, signal);
    const data = await readBody(response);
    if (!response.ok) {
      if (response.status === 404 || describe(data).includes("CSRF protection is disabled")) {
        settings.csrfEnabled = false;
        return {};
      }
      throw new ApiError(response.status, data);
    }
    const expires = Date.parse(data.expiration);
    csrf = { token: data.token, client, expires: Number.isNaN(expires) ? Date.now() + 600_000 : expires };
  }
  return { "Prefect-Csrf-Token": csrf.token, "Prefect-Csrf-Client": csrf.client };
}

function clientId() {
  let id = sessionStorage.getItem(CLIENT_KEY);
  if (!id) {
    // crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    sessionStorage.setItem(CLIENT_KEY, id);
  }
  return id;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A readable sentence from an error body in any of the API's shapes. */
export function describe(body) {
  if (body === null || body === undefined) return "";
  if (typeof body === "string") return body;
  const detail = body.detail ?? body.exception_detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => (item && item.msg ? `${locText(item.loc)}${item.msg}` : String(item))).join("; ");
  }
  return body.exception_message || "";
}

/** Validation errors by field name: {name: ["..."], "": ["errors for no known field"]}. */
export function fieldErrors(error, fields) {
  const result = { "": [] };
  const detail = error.body && (error.body.exception_detail ?? error.body.detail);
  if (Array.isArray(detail)) {
    for (const item of detail) {
      const field = (item.loc || []).find((part) => fields.includes(part));
      const key = field ?? "";
      (result[key] ||= []).push(field ? item.msg : `${locText(item.loc)}${item.msg}`);
    }
  } else {
    result[""].push(error.message);
  }
  return result;
}

function locText(loc) {
  const parts = (loc || []).filter((part) => part !== "body");
  return parts.length ? `${parts.join(".")}: ` : "";
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}
