// Variables: list and search, create, edit in place, delete; the API's validation errors inline.

import * as api from "../api.js";
import { setQuery } from "../router.js";
import { debounce, fill, h, table, tags, time } from "../ui.js";

const FIELDS = ["name", "value", "tags"];

export async function variablesView({ root, query, signal }) {
  document.title = "Variables · asgi_api";
  let q = query.get("q") || "";
  const search = h("input", {
    type: "search", name: "q", placeholder: "Search by name", "aria-label": "Search variables by name", value: q,
    oninput: debounce(() => {
      q = search.value.trim();
      setQuery({ q });
      reload();
    }),
  });
  const count = h("span", { class: "muted count" });
  const creating = h("div");
  const newButton = h("button", { class: "primary", id: "new-variable", onclick: () => openCreate() }, "New variable");
  const results = h("div", { class: "card results" });
  fill(root,
    h("h1", {}, "Variables"),
    h("div", { class: "toolbar" }, search, count, h("span", { class: "spacer" }), newButton),
    creating,
    results);

  function openCreate() {
    newButton.hidden = true;
    const close = () => {
      fill(creating);
      newButton.hidden = false;
    };
    fill(creating, variableForm({
      title: "New variable",
      submitText: "Create",
      onSubmit: async (values) => {
        await api.post("/variables/", values, signal);
        close();
        await load();
      },
      onCancel: close,
    }));
  }

  function reload() {
    load().catch((error) => {
      if (error.name !== "AbortError") fill(results, h("p", { class: "form-error" }, error.message));
    });
  }

  let generation = 0;
  async function load() {
    const mine = ++generation;
    const where = q ? { variables: { name: { like_: q } } } : {};
    const [variables, total] = await Promise.all([
      api.post("/variables/filter", { ...where, sort: "NAME_ASC", limit: 200 }, signal),
      api.post("/variables/count", where, signal),
    ]);
    if (mine !== generation) return;
    count.textContent = `${total} variable${total === 1 ? "" : "s"}${total > variables.length ? `, first ${variables.length} shown` : ""}`;
    fill(results, table(["Name", "Value", "Tags", "Updated", ""],
      variables.map((variable) => variableRow(variable)),
      q ? `No variable's name contains “${q}”.` : "No variables yet."));
  }

  function variableRow(variable) {
    const row = h("tr", { "data-variable": variable.name },
      h("td", {}, h("code", {}, variable.name)),
      h("td", { class: "value" }, h("code", {}, showValue(variable.value))),
      h("td", {}, tags(variable.tags)),
      h("td", {}, time(variable.updated)),
      h("td", { class: "actions" }, h("button", { onclick: () => edit() }, "Edit"), deleteButton()));

    function edit() {
      const form = variableForm({
        variable,
        submitText: "Save",
        onSubmit: async (values) => {
          await api.patch(`/variables/${variable.id}`, values, signal);
          await load();
        },
        onCancel: () => editing.replaceWith(row),
      });
      const editing = h("tr", { class: "editing", "data-variable": variable.name },
        h("td", { colspan: 5 }, form));
      row.replaceWith(editing);
      form.querySelector("input").focus();
    }

    function deleteButton() {
      const button = h("button", { class: "danger", onclick: async () => {
        if (!button.classList.contains("confirm")) {
          button.classList.add("confirm");
          button.textContent = "Confirm delete";
          setTimeout(() => {
            button.classList.remove("confirm");
            button.textContent = "Delete";
          }, 5000);
          return;
        }
        button.disabled = true;
        try {
          await api.del(`/variables/${variable.id}`, signal);
        } catch (error) {
          // Already gone (deleted elsewhere) is what the user wanted; anything else is shown.
          if (!(error instanceof api.ApiError && error.status === 404)) {
            button.disabled = false;
            button.after(h("span", { class: "form-error" }, ` ${error.message}`));
            return;
          }
        }
        await load();
      } }, "Delete");
      return button;
    }
    return row;
  }

  await load();
}

/** The create/edit form; `onSubmit(values)` errors from the API are shown next to their fields. */
function variableForm({ variable = null, title = null, submitText, onSubmit, onCancel }) {
  const name = h("input", { name: "name", value: variable ? variable.name : "", autocomplete: "off",
    placeholder: "lowercase_name" });
  const value = h("textarea", { name: "value", rows: 3, placeholder: "\"text\", 42, {\"key\": [1, 2]} — or plain text" });
  value.value = variable ? editableValue(variable.value) : "";
  const tagInput = h("input", { name: "tags", value: variable ? (variable.tags || []).join(", ") : "",
    placeholder: "tag-a, tag-b" });
  const errors = Object.fromEntries(FIELDS.map((field) => [field, h("div", { class: "field-error", "data-field": field })]));
  const general = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, submitText);

  const form = h("form", { class: "variable-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    for (const element of [...Object.values(errors), general]) element.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
    submit.disabled = true;
    try {
      await onSubmit({
        name: name.value.trim(),
        value: parseValue(value.value),
        tags: tagInput.value.split(",").map((tag) => tag.trim()).filter(Boolean),
      });
    } catch (error) {
      if (error.name === "AbortError") return;
      showErrors(error);
    } finally {
      submit.disabled = false;
    }
  } },
  title ? h("h2", {}, title) : null,
  general,
  h("label", {}, "Name", name, errors.name),
  h("label", {}, "Value (JSON; anything else is stored as text)", value, errors.value),
  h("label", {}, "Tags (comma-separated)", tagInput, errors.tags),
  h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: onCancel }, "Cancel")));

  function showErrors(error) {
    const inputs = { name, value, tags: tagInput };
    if (error instanceof api.ApiError && error.status === 409) {
      errors.name.textContent = error.message; // the name is taken
      name.setAttribute("aria-invalid", "true");
      return;
    }
    if (!(error instanceof api.ApiError) || error.status !== 422) {
      general.textContent = error.message;
      return;
    }
    const byField = api.fieldErrors(error, FIELDS);
    for (const [field, messages] of Object.entries(byField)) {
      if (!messages.length) continue;
      if (field) {
        errors[field].textContent = messages.join(" ");
        inputs[field].setAttribute("aria-invalid", "true");
      } else {
        general.textContent = messages.join(" ");
      }
    }
  }
  return form;
}

/** The text typed as a value: JSON when it parses as JSON, else the text itself as a string. */
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the edit box shows: strings as typed, unless they would read back as something else. */
function editableValue(value) {
  if (typeof value === "string") {
    try {
      JSON.parse(value);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value);
}

function showValue(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
