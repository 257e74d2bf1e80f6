/* upskill worker page: suggestions while typing, rows to add, and forms sent without leaving the page.
   Plain JavaScript, no build step. Everything works without it: the forms are ordinary GET forms. */
"use strict";

const SUGGEST_URL = { occupations: "/v1/occupations", skills: "/v1/skills" };
const SUGGEST_LIMIT = 8;
const REQUEST_TIMEOUT_MS = 30000; // a plan that takes longer is reported as an error, never an endless wait

function announce(text) {
  const region = document.getElementById("announce");
  if (region) { region.textContent = ""; window.setTimeout(() => { region.textContent = text; }, 50); }
}

/* ---- suggestions: the ARIA 1.2 combobox pattern (list autocomplete, activedescendant) ---- */

const pending = new WeakMap();

function listOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }

function closeList(input) {
  const list = listOf(input);
  if (!list) return;
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

function choose(input, option) {
  input.value = option.dataset.value;
  closeList(input);
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

function activate(input, index) {
  const options = Array.from(listOf(input).querySelectorAll("[role=option]"));
  if (!options.length) return;
  const next = (index + options.length) % options.length;
  options.forEach((option, i) => option.setAttribute("aria-selected", i === next ? "true" : "false"));
  input.setAttribute("aria-activedescendant", options[next].id);
  options[next].scrollIntoView({ block: "nearest" });
}

function renderOptions(input, items) {
  const list = listOf(input);
  list.replaceChildren(...items.map((item, i) => {
    const option = document.createElement("li");
    option.id = `${input.id}-option-${i}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.dataset.value = item.label;
    option.textContent = item.label;
    if (item.hint) {
      const small = document.createElement("small");
      small.textContent = item.hint;
      option.append(small);
    }
    return option;
  }));
  const open = items.length > 0;
  list.hidden = !open;
  input.setAttribute("aria-expanded", open ? "true" : "false");
  input.removeAttribute("aria-activedescendant");
  return open;
}

/* Suggestions: ESCO labels ranked by the typo-tolerant label search; for occupations, job titles in a
   person's own words ranked by the title matcher too (POST /v1/occupations/match), merged in when they come. */
async function suggest(input) {
  const query = input.value.trim();
  if (query.length < 2) { closeList(input); return; }
  const previous = pending.get(input);
  if (previous) previous.abort();
  const controller = new AbortController();
  pending.set(input, controller);
  const timer = window.setTimeout(() => controller.abort(), 5000);
  const current = () => document.activeElement === input && input.value.trim() === query && !controller.signal.aborted;
  let labels = [];
  try {
    const url = `${SUGGEST_URL[input.dataset.suggest]}?q=${encodeURIComponent(query)}&limit=${SUGGEST_LIMIT}`;
    const matching = input.dataset.suggest === "occupations"
      ? fetch("/v1/occupations/match", {
          method: "POST",
          signal: controller.signal,
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ titles: [query], k: 5 }),
        }).then((response) => (response.ok ? response.json() : null)).catch(() => null)
      : Promise.resolve(null);
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
    if (!response.ok) { closeList(input); return; }
    const page = await response.json();
    if (!current()) return;
    labels = page.items.map((item) => ({
      label: item.label,
      score: item.score || 0,
      hint: item.matched_label && item.matched_label.toLowerCase() !== item.label.toLowerCase()
        ? `matched “${item.matched_label}”` : "",
    }));
    const open = renderOptions(input, labels);
    announce(open ? `${labels.length} ESCO suggestions; arrow down to choose` : "No suggestion");
    const matched = await matching;
    if (!matched || !current() || input.hasAttribute("aria-activedescendant")) return;
    const known = new Set(labels.map((item) => item.label));
    const titles = (matched.results[0] ? matched.results[0].matches : [])
      .filter((match) => !known.has(match.label))
      .map((match) => ({ label: match.label, hint: "matches the words of your job title" }));
    if (!titles.length) return;
    const strong = labels.filter((item) => item.score >= 0.75);
    const rest = labels.filter((item) => item.score < 0.75);
    renderOptions(input, [...strong, ...titles, ...rest].slice(0, SUGGEST_LIMIT));
  } catch (error) {
    if (error.name !== "AbortError") closeList(input);
  } finally {
    window.clearTimeout(timer);
  }
}

let typing = null;
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.suggest) return;
  window.clearTimeout(typing);
  typing = window.setTimeout(() => suggest(input), 150);
});

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.suggest) return;
  const list = listOf(input);
  const open = list && !list.hidden;
  const active = input.getAttribute("aria-activedescendant");
  const options = open ? Array.from(list.querySelectorAll("[role=option]")) : [];
  const index = options.findIndex((option) => option.id === active);
  if (event.key === "ArrowDown" && open) { event.preventDefault(); activate(input, index + 1); }
  else if (event.key === "ArrowDown" && !open) { event.preventDefault(); suggest(input); }
  else if (event.key === "ArrowUp" && open) { event.preventDefault(); activate(input, index < 0 ? -1 : index - 1); }
  else if (event.key === "Enter" && open && index >= 0) { event.preventDefault(); choose(input, options[index]); }
  else if (event.key === "Escape" && open) { event.preventDefault(); closeList(input); }
});

document.addEventListener("mousedown", (event) => {
  const option = event.target instanceof Element && event.target.closest("[role=option]");
  if (!option) return;
  event.preventDefault(); // keep the focus in the field
  const input = document.querySelector(`[aria-controls="${option.parentElement.id}"]`);
  if (input) choose(input, option);
});

document.addEventListener("focusout", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.dataset.suggest) window.setTimeout(() => closeList(input), 150);
});

/* ---- more rows: past jobs and skills ---- */

function renumber(row, index) {
  row.querySelectorAll("[id]").forEach((element) => {
    element.id = element.id.replace(/-\d+(?=(-|$))/, `-${index}`);
  });
  row.querySelectorAll("[for]").forEach((label) => {
    label.htmlFor = label.htmlFor.replace(/-\d+(?=(-|$))/, `-${index}`);
    label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
  });
  row.querySelectorAll("[aria-controls]").forEach((element) => {
    element.setAttribute("aria-controls", element.getAttribute("aria-controls").replace(/-\d+(?=(-|$))/, `-${index}`));
  });
  row.querySelectorAll("[aria-label]").forEach((element) => {
    element.setAttribute("aria-label", element.getAttribute("aria-label").replace(/\d+$/, String(index + 1)));
  });
}

function addRow(rows) {
  const row = rows.lastElementChild.cloneNode(true);
  row.querySelectorAll(".field-error").forEach((element) => element.remove());
  row.querySelectorAll(".has-error").forEach((element) => element.classList.remove("has-error"));
  row.querySelectorAll("input").forEach((input) => {
    input.value = "";
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  });
  row.querySelectorAll("[role=listbox]").forEach((list) => { list.hidden = true; list.replaceChildren(); });
  renumber(row, rows.children.length);
  rows.append(row);
  return row;
}

function enableAdding(root) {
  root.querySelectorAll("[data-add]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      addRow(root.querySelector(`[data-rows="${button.dataset.add}"]`)).querySelector("input").focus();
    });
  });
}

/* ---- "paste your CV": the skills found shown in place, each added to the skill rows with one click ---- */

async function readCv(panel) {
  const status = panel.querySelector("#cv-status");
  const data = new FormData(document.getElementById("worker")); // the form as typed, not as last sent
  data.delete("action");
  data.set("cv", panel.querySelector("#cv-text").value);
  status.className = "status cv-status busy";
  status.textContent = "Reading your text…";
  try {
    const response = await fetch("/cv", {
      method: "POST", body: new URLSearchParams(data), headers: { Accept: "text/html" },
    });
    if (response.status === 413) throw new Error("the text is far too long: paste the part about your work");
    const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("cv-panel");
    if (!next) throw new Error(`the server answered ${response.status} without a page`);
    panel.replaceWith(next);
    const said = next.querySelector("#cv-error") || next.querySelector("#cv-found");
    const target = next.querySelector("#cv-error") ? next.querySelector("#cv-text") : said;
    if (target) target.focus();
    announce(said ? said.textContent.trim() : "Done.");
  } catch (error) {
    status.className = "status cv-status failed";
    status.textContent = `Could not read your text (${error.message || error}). Try again.`;
  }
}

function addCvSkill(button) {
  const item = button.closest(".cv-skill");
  const label = item.dataset.label;
  const level = item.querySelector("select");
  const rows = document.querySelector('[data-rows="skill"]');
  let row = rows.lastElementChild;
  if (row.querySelector("input").value.trim()) row = addRow(rows);
  row.querySelector("input").value = label;
  row.querySelector("select").value = level.value;
  addRow(rows); // an empty row stays last, as the page draws it
  const words = level.options[level.selectedIndex].textContent;
  const done = document.createElement("p");
  done.className = "cv-added";
  done.textContent = `In your skills (${words}).`;
  button.closest(".cv-add").replaceWith(done);
  item.querySelector(".cv-label").focus();
  announce(`Added ${label}, ${words}, to your skills.`);
}

document.addEventListener("submit", (event) => {
  if (!(event.target instanceof HTMLFormElement) || event.target.id !== "cv") return;
  event.preventDefault();
  const panel = document.getElementById("cv-panel");
  if (event.submitter && event.submitter.matches("[data-cv-add]")) addCvSkill(event.submitter);
  else if (panel) readCv(panel);
});

/* ---- forms sent in place: the page's own HTML fetched and its main part swapped, with an end ---- */

let inflight = null;

async function send(form, submitter) {
  const data = new FormData(form, submitter);
  const query = new URLSearchParams(data).toString();
  const url = `${form.getAttribute("action").split("#")[0]}?${query}`;
  const status = document.getElementById("status");
  const focusId = document.activeElement && document.activeElement.id;
  if (inflight) inflight.abort();
  const controller = new AbortController();
  inflight = controller;
  const timer = window.setTimeout(() => controller.abort("timeout"), REQUEST_TIMEOUT_MS);
  status.className = "status busy";
  status.textContent = "Working out your plan…";
  document.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "text/html" } });
    const html = await response.text();
    const next = new DOMParser().parseFromString(html, "text/html");
    const main = next.getElementById("main");
    if (!main) throw new Error(`the server answered ${response.status} without a page`);
    document.getElementById("main").replaceWith(main);
    document.title = next.title;
    window.history.pushState({}, "", `${url}#results`);
    setUp(document);
    const summary = document.getElementById("error-summary");
    const again = focusId && form.id === "whatif" ? document.getElementById(focusId) : null;
    const target = summary || again || document.getElementById("results");
    target.focus();
    if (!again) target.scrollIntoView({ block: "start" });
    const heading = document.getElementById("results-title");
    announce(summary ? "There are errors in the form." : heading ? heading.textContent : "Done.");
  } catch (error) {
    const late = controller.signal.aborted && controller.signal.reason === "timeout";
    if (controller !== inflight) return; // replaced by a newer request
    document.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = false; });
    status.className = "status failed";
    status.textContent = late
      ? `No answer after ${REQUEST_TIMEOUT_MS / 1000} seconds: the server may be busy. Try again.`
      : `Could not reach upskill (${error.message || error}). Check the server is running and try again.`;
    status.setAttribute("tabindex", "-1");
    status.focus();
  } finally {
    window.clearTimeout(timer);
    if (controller === inflight) inflight = null;
  }
}

function setUp(root) {
  enableAdding(root);
  showAccount(root);
  root.querySelectorAll("form#worker, form#whatif").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form, event.submitter);
    });
  });
  const whatif = root.querySelector("form#whatif");
  if (whatif) {
    whatif.addEventListener("change", (event) => {
      if (event.target.matches("input[type=number]") && event.target.checkValidity()) send(whatif, null);
    });
  }
}

window.addEventListener("popstate", () => window.location.reload());
document.addEventListener("DOMContentLoaded", () => setUp(document));

/* ---- signed in with a worker key: the profile, events and export, through the JSON API ----
   The key stays in this tab's sessionStorage and goes only in the Authorization header of API calls. */

const KEY_STORE = "upskill-worker-key";
let account = null; // {me, worker} once signed in

async function api(method, path, body) {
  const key = window.sessionStorage.getItem(KEY_STORE);
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(path, {
      method,
      signal: controller.signal,
      headers: {
        Accept: "application/json",
        ...(key ? { Authorization: `Bearer ${key}` } : {}),
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = answer && (answer.detail || answer.title);
      const error = new Error(detail || `the server answered ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return answer;
  } catch (error) {
    if (error.name === "AbortError") throw new Error(`no answer after ${REQUEST_TIMEOUT_MS / 1000} seconds`);
    throw error;
  } finally {
    window.clearTimeout(timer);
  }
}

function accountStatus(text, failed) {
  const status = document.getElementById("account-status");
  if (!status) return;
  status.className = failed ? "account-status failed" : "account-status";
  status.textContent = text;
}

function setField(id, value) {
  const field = document.getElementById(id);
  if (field) field.value = value === null || value === undefined ? "" : String(value);
}

function fillForm(worker) {
  setField("current", worker.current_occupation_label || "");
  setField("target", worker.target_label || "");
  setField("budget", worker.budget === null ? "" : worker.budget);
  setField("hours", worker.hours_per_week === null ? "6" : worker.hours_per_week);
  if (worker.currency) setField("currency", worker.currency);
  setField("region", worker.region || "");
  const free = document.getElementById("free");
  if (free) free.checked = worker.budget === 0;
  document.querySelectorAll("input[name=lang]").forEach((box) => { box.checked = worker.languages.includes(box.value); });
  document.querySelectorAll("input[name=mode]").forEach((box) => { box.checked = worker.delivery_modes.includes(box.value); });
  const rows = document.querySelector('[data-rows="skill"]');
  const add = document.querySelector('[data-add="skill"]');
  if (rows && add) {
    while (rows.children.length > 1) rows.lastElementChild.remove();
    worker.skills.forEach((skill, index) => {
      if (index > 0) add.click();
      const row = rows.children[index];
      row.querySelector("input").value = skill.label;
      row.querySelector("select").value = String(skill.level);
    });
  }
}

function profileFromForm() {
  const form = document.getElementById("worker");
  const data = new FormData(form);
  const number = (text) => (text && text.trim() !== "" ? Number(text.replace(",", ".")) : null);
  const levels = data.getAll("level");
  const skills = data.getAll("skill")
    .map((label, index) => ({ uri: label.trim(), level: Number(levels[index] || 2) }))
    .filter((skill) => skill.uri !== "");
  return {
    current_occupation: (data.get("current") || "").trim() || null,
    target: (data.get("target") || "").trim() || null,
    skills,
    languages: data.getAll("lang"),
    delivery_modes: data.getAll("mode"),
    currency: data.get("currency") || "EUR",
    region: data.get("region") || null,
    budget: data.get("free") ? 0 : number(data.get("budget")),
    hours_per_week: number(data.get("hours")),
  };
}

function showAccount(root) {
  const section = root.querySelector("#account");
  if (!section) return;
  section.hidden = false; // the account needs this script: hidden without it
  const signedIn = account !== null;
  section.querySelectorAll("[data-signed-in]").forEach((element) => { element.hidden = !signedIn; });
  section.querySelectorAll("[data-signed-out]").forEach((element) => { element.hidden = signedIn; });
  root.querySelectorAll(".mark").forEach((cell) => { cell.hidden = !signedIn; });
  if (signedIn) {
    const who = section.querySelector("[data-who]");
    who.textContent = `worker ${account.worker.external_id}`;
  }
}

async function signIn(key) {
  window.sessionStorage.setItem(KEY_STORE, key);
  try {
    const me = await api("GET", "/v1/me");
    if (me.role !== "worker" || !me.worker_id) {
      throw new Error(`this is a key for the ${me.role} role; this page signs in workers with a worker key`);
    }
    const worker = await api("GET", `/v1/workers/${me.worker_id}`);
    account = { me, worker };
    return worker;
  } catch (error) {
    window.sessionStorage.removeItem(KEY_STORE);
    account = null;
    throw error;
  }
}

async function afterSignIn(worker, { plan }) {
  showAccount(document);
  fillForm(worker);
  accountStatus(`Signed in. Your saved profile is in the form${worker.target ? "; here is your plan" : ""}.`);
  if (plan && worker.target) {
    const form = document.getElementById("worker");
    send(form, form.querySelector("button.primary"));
  }
}

document.addEventListener("submit", async (event) => {
  if (!(event.target instanceof HTMLFormElement) || event.target.id !== "sign-in") return;
  event.preventDefault();
  const input = document.getElementById("worker-key");
  const key = input.value.trim();
  if (!key) { accountStatus("Paste your worker key first.", true); input.focus(); return; }
  accountStatus("Signing in…");
  try {
    const worker = await signIn(key);
    input.value = "";
    await afterSignIn(worker, { plan: true });
  } catch (error) {
    accountStatus(`Could not sign in: ${error.message}.`, true);
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element && event.target.closest("button");
  if (!button || !account) return;
  const id = account.me.worker_id;
  if (button.matches("[data-sign-out]")) {
    window.sessionStorage.removeItem(KEY_STORE);
    account = null;
    showAccount(document);
    accountStatus("Signed out. Your key is no longer kept in this tab.");
  } else if (button.matches("[data-save]")) {
    accountStatus("Saving…");
    try {
      account.worker = await api("PATCH", `/v1/workers/${id}`, profileFromForm());
      accountStatus(`Saved: your profile${account.worker.target ? " and target (your plan is made from them)" : ""}.`);
    } catch (error) {
      accountStatus(`Not saved: ${error.message}.`, true);
    }
  } else if (button.matches("[data-export]")) {
    accountStatus("Fetching everything held about you…");
    try {
      const everything = await api("GET", `/v1/workers/${id}/export`);
      const blob = new Blob([JSON.stringify(everything, null, 2)], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `upskill-worker-${account.worker.external_id}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      accountStatus("Downloaded: everything upskill holds about you, as JSON.");
    } catch (error) {
      accountStatus(`Could not download your data: ${error.message}.`, true);
    }
  } else if (button.matches("[data-event]")) {
    const cell = button.closest(".mark");
    const said = cell.querySelector(".mark-status");
    said.textContent = "Saving…";
    try {
      await api("POST", `/v1/workers/${id}/events`, { course_id: button.dataset.course, kind: button.dataset.event });
      said.textContent = `Marked ${button.dataset.words}.`;
    } catch (error) {
      said.textContent = `Not saved: ${error.message}.`;
    }
  }
});

document.addEventListener("DOMContentLoaded", async () => {
  const key = window.sessionStorage.getItem(KEY_STORE);
  showAccount(document);
  if (!key) return;
  try {
    const worker = await signIn(key);
    await afterSignIn(worker, { plan: !window.location.search });
  } catch (error) {
    accountStatus(`Signed out: ${error.message}.`, true);
  }
});

/* ---- printing (or saving as PDF): every plan open on paper, as they were on the screen after ---- */

const closedForPrint = [];
window.addEventListener("beforeprint", () => {
  for (const plan of document.querySelectorAll("details.plan:not([open])")) {
    closedForPrint.push(plan);
    plan.open = true;
  }
});
window.addEventListener("afterprint", () => {
  for (const plan of closedForPrint.splice(0)) plan.open = false;
});
