/* upskill HR and region pages: the form goes to the JSON API with the key typed, the answer is drawn by
   the server (/hr/cohorts/ID, /region/NUTS/portfolios/ID) and shown below the form. Plain JavaScript.
   The key stays in this tab's sessionStorage and goes only in the Authorization header. */
"use strict";

(() => {
  const form = document.getElementById("staff-form");
  if (!form) return;
  const box = document.querySelector("[data-key-store]");
  const store = box.dataset.keyStore;
  const keyInput = document.getElementById("api-key");
  const status = document.getElementById("staff-status");
  const answer = document.getElementById("staff-answer");
  const button = form.querySelector("button[type=submit]");
  const region = document.getElementById("nuts");  // the region page's region select

  function headers() {
    return { Authorization: `Bearer ${keyInput.value.trim()}` };
  }

  // A region key acts for its own region only: choose it once the key is known (an admin key has none).
  async function chooseTheKeysRegion() {
    if (!region || !keyInput.value.trim()) return;
    try {
      const response = await fetch("/v1/me", { headers: headers() });
      if (!response.ok) return;  // a wrong key is said when the plan is asked for
      const me = await response.json();
      if (Array.from(region.options).some((option) => option.value === me.region)) region.value = me.region;
    } catch (error) { /* the plan request says what went wrong */ }
  }

  keyInput.value = window.sessionStorage.getItem(store) || "";
  keyInput.addEventListener("change", () => {
    window.sessionStorage.setItem(store, keyInput.value.trim());
    chooseTheKeysRegion();
  });
  chooseTheKeysRegion();

  function say(text, failed) {
    status.textContent = text;
    status.className = failed ? "status failed" : text ? "status busy" : "status";
  }

  async function problemText(response) {
    try {
      const problem = await response.json();
      const where = problem.field ? ` (${problem.field})` : "";
      return `${problem.title || "Error"}${where}: ${problem.detail || response.statusText}`;
    } catch (error) {
      return `${response.status} ${response.statusText}`;
    }
  }

  async function send(confirmed) {
    if (!keyInput.value.trim()) { say("Type your key first.", true); keyInput.focus(); return; }
    window.sessionStorage.setItem(store, keyInput.value.trim());
    await chooseTheKeysRegion();  // again, before the form is read: a key typed and sent at once
    const data = new FormData(form);
    let url = "/v1/cohorts";
    let view = (body) => `/hr/cohorts/${body.id}`;
    if (form.dataset.kind === "portfolio") {
      const nuts = String(data.get("nuts") || "");
      data.delete("nuts");
      url = `/v1/regions/${encodeURIComponent(nuts)}/portfolios`;
      view = (body) => `/region/${encodeURIComponent(body.nuts)}/portfolios/${body.id}`;
    }
    for (const [key, value] of Array.from(data.entries())) {
      if (value instanceof File && !value.name) data.delete(key);  // an optional file not chosen
    }
    for (const [person, occupation] of confirmed || []) data.append("confirmed", `${person}=${occupation}`);
    // the HR page's "compare with" boxes: each one filled is a what-if change (KEY=VALUE)
    for (const input of form.querySelectorAll("[data-what-if]")) {
      if (input.value.trim()) data.append("what_if", `${input.dataset.whatIf}=${input.value.trim()}`);
    }
    button.disabled = true;
    say("Planning: this takes a few seconds for a few hundred people.");
    try {
      const made = await fetch(url, { method: "POST", body: data, headers: headers() });
      if (!made.ok) { say(await problemText(made), true); return; }
      const body = await made.json();
      const page = await fetch(view(body), { headers: headers() });
      if (!page.ok) { say(await problemText(page), true); return; }
      answer.innerHTML = await page.text();
      say("");
      status.textContent = "Done: the plan is below.";
      answer.focus();
    } catch (error) {
      say(`The request failed: ${error}`, true);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); send(null); });

  answer.addEventListener("submit", (event) => {
    if (event.target.id !== "confirm-form") return;
    event.preventDefault();
    const picks = Array.from(event.target.querySelectorAll("select[data-person]"))
      .filter((select) => select.value)
      .map((select) => [select.dataset.person, select.value]);
    send(picks);
  });

  answer.addEventListener("click", async (event) => {
    const target = event.target.closest("[data-download]");
    if (!target) return;
    const response = await fetch(target.dataset.download, { headers: headers() });
    if (!response.ok) { say(await problemText(response), true); return; }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = target.dataset.filename;
    document.body.append(link);
    link.click();
    link.remove();
  });
})();
