// DataConnect's own script: progressive enhancement only. Every page works without it; with
// it the Create Group wizard shows one step at a time, jobs move by drag and drop or keys, the
// schedule preview follows the fields, and a live run's steps update without a reload.
"use strict";

(function () {
  const STATE_LABELS = {
    succeeded: "Succeeded", failed: "Failed", aborted: "Aborted", stopped: "Stopped",
    stopping: "Stopping", running: "Running", queued: "Queued", not_run: "Not run",
    pending: "Pending", active: "Active", saved: "Saved", inactive: "Inactive",
  };

  function badge(state) {
    const span = document.createElement("span");
    span.className = "badge badge-" + state;
    span.textContent = STATE_LABELS[state] || state;
    return span;
  }

  function announce(text) {
    const region = document.getElementById("announce");
    if (region) {
      region.textContent = "";
      window.setTimeout(() => { region.textContent = text; }, 30);
    }
  }

  // --- the wizard's steps ------------------------------------------------------------------

  function setUpSteps(form) {
    const steps = Array.from(form.querySelectorAll("fieldset.step"));
    const nav = document.querySelector("[data-wizard-nav]");
    const back = form.querySelector("[data-wizard=back]");
    const next = form.querySelector("[data-wizard=next]");
    const finals = Array.from(form.querySelectorAll("[data-final]"));
    let current = Number(form.dataset.step || 0);

    function show(index, focus) {
      current = Math.max(0, Math.min(steps.length - 1, index));
      steps.forEach((step, i) => { step.hidden = i !== current; });
      back.hidden = current === 0;
      next.hidden = current === steps.length - 1;
      finals.forEach((b) => { b.hidden = current !== steps.length - 1; });
      nav.querySelectorAll("[data-goto-step]").forEach((b) => {
        if (Number(b.dataset.gotoStep) === current) b.setAttribute("aria-current", "step");
        else b.removeAttribute("aria-current");
      });
      form.dataset.step = String(current);
      if (focus) {
        const legend = steps[current].querySelector("legend");
        legend.setAttribute("tabindex", "-1");
        legend.focus();
      }
    }

    nav.hidden = false;
    back.hidden = false;
    next.hidden = false;
    back.addEventListener("click", () => show(current - 1, true));
    next.addEventListener("click", () => show(current + 1, true));
    document.querySelectorAll("[data-goto-step]").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        show(Number(link.dataset.gotoStep), false);
        const target = link.getAttribute("href");
        const el = target ? document.querySelector(target) : null;
        if (el) el.focus(); else steps[current].querySelector("legend").focus();
      });
    });
    // Enter in a one-line field goes to the next step instead of submitting the form.
    form.addEventListener("keydown", (event) => {
      const el = event.target;
      if (event.key === "Enter" && el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox") {
        event.preventDefault();
        if (current < steps.length - 1) show(current + 1, true);
      }
    });
    show(current, false);
    const summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  // --- selecting and ordering jobs ---------------------------------------------------------

  function setUpPicker(form) {
    const available = form.querySelector("#available");
    const chosen = form.querySelector("#chosen");
    if (!available || !chosen) return;
    const order = new Map();
    Array.from(available.children).concat(Array.from(chosen.children)).forEach((li, i) => {
      order.set(li.dataset.jobId, i);
    });

    function button(move, label, name) {
      const b = document.createElement("button");
      b.type = "submit";
      b.name = "action";
      b.value = move + ":" + name.id;
      b.className = "btn btn-small";
      b.dataset.move = move;
      b.textContent = label;
      b.setAttribute("aria-label", {
        add: "Add " + name.text + " to the group",
        up: "Move " + name.text + " up",
        down: "Move " + name.text + " down",
        remove: "Remove " + name.text + " from the group",
      }[move]);
      return b;
    }

    // An item's hidden input and buttons follow the list it is in.
    function dress(li) {
      const inGroup = li.parentElement === chosen;
      const who = { id: li.dataset.jobId, text: li.dataset.name };
      let input = li.querySelector("input[name=job_ids]");
      if (inGroup && !input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "job_ids";
        input.value = who.id;
        li.prepend(input);
      } else if (!inGroup && input) {
        input.remove();
      }
      const controls = li.querySelector(".controls");
      controls.replaceChildren();
      if (inGroup) {
        controls.append(button("up", "Up", who), button("down", "Down", who),
          button("remove", "Remove", who));
      } else {
        controls.append(button("add", "Add", who));
      }
    }

    function sortAvailable() {
      Array.from(available.children)
        .sort((a, b) => order.get(a.dataset.jobId) - order.get(b.dataset.jobId))
        .forEach((li) => available.append(li));
    }

    function refresh() {
      const n = chosen.children.length;
      const count = form.querySelector("[data-count]");
      if (count) count.textContent = "(" + n + " job" + (n === 1 ? "" : "s") + ")";
      chosen.classList.toggle("is-empty", n === 0);
    }

    function position(li) {
      return Array.from(chosen.children).indexOf(li) + 1;
    }

    function move(li, verb, focusAfter) {
      const name = li.dataset.name;
      if (verb === "add") {
        chosen.append(li);
        dress(li);
        announce(name + " added to the group at position " + position(li) + " of " +
          chosen.children.length + ".");
      } else if (verb === "remove") {
        available.append(li);
        dress(li);
        sortAvailable();
        announce(name + " removed from the group.");
      } else if (verb === "up" && li.previousElementSibling) {
        chosen.insertBefore(li, li.previousElementSibling);
        announce(name + " moved to position " + position(li) + " of " + chosen.children.length + ".");
      } else if (verb === "down" && li.nextElementSibling) {
        chosen.insertBefore(li.nextElementSibling, li);
        announce(name + " moved to position " + position(li) + " of " + chosen.children.length + ".");
      }
      refresh();
      if (focusAfter) li.focus();
    }

    form.addEventListener("click", (event) => {
      const b = event.target.closest("[data-move]");
      if (!b) return;
      event.preventDefault();
      const li = b.closest("li.job");
      const verb = b.dataset.move;
      move(li, verb, false);
      // Keep focus on the same control of the moved job, so repeated presses keep working.
      const again = li.querySelector("[data-move=" + (verb === "add" ? "remove" : verb === "remove" ? "add" : verb) + "]");
      (again || li).focus();
    });

    form.addEventListener("keydown", (event) => {
      const li = event.target.closest ? event.target.closest("li.job") : null;
      if (!li || event.target !== li || li.getAttribute("aria-disabled") === "true") return;
      const inGroup = li.parentElement === chosen;
      let handled = true;
      if (!inGroup && (event.key === "Enter" || event.key === " " || event.key === "ArrowRight")) {
        move(li, "add", true);
      } else if (inGroup && (event.key === "Delete" || event.key === "Backspace" || event.key === "ArrowLeft")) {
        move(li, "remove", true);
      } else if (inGroup && event.altKey && event.key === "ArrowUp") {
        move(li, "up", true);
      } else if (inGroup && event.altKey && event.key === "ArrowDown") {
        move(li, "down", true);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const items = Array.from(li.parentElement.querySelectorAll("li.job[tabindex]"));
        const i = items.indexOf(li) + (event.key === "ArrowDown" ? 1 : -1);
        if (items[i]) items[i].focus();
      } else {
        handled = false;
      }
      if (handled) event.preventDefault();
    });

    // Drag and drop: drop on a list puts the job before the item under the pointer.
    let dragged = null;
    form.addEventListener("dragstart", (event) => {
      const li = event.target.closest ? event.target.closest("li.job") : null;
      if (!li || li.getAttribute("aria-disabled") === "true") return;
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.dataset.jobId);
    });
    form.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      [available, chosen].forEach((l) => l.classList.remove("drop-target"));
    });
    [available, chosen].forEach((list) => {
      list.addEventListener("dragover", (event) => {
        if (!dragged) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        list.classList.add("drop-target");
      });
      list.addEventListener("dragleave", () => list.classList.remove("drop-target"));
      list.addEventListener("drop", (event) => {
        if (!dragged) return;
        event.preventDefault();
        list.classList.remove("drop-target");
        const li = dragged;
        const from = li.parentElement;
        if (list === available) {
          if (from !== available) move(li, "remove", false);
          return;
        }
        const before = Array.from(chosen.children).find((item) => {
          if (item === li) return false;
          const box = item.getBoundingClientRect();
          return event.clientY < box.top + box.height / 2;
        });
        chosen.insertBefore(li, before || null);
        dress(li);
        refresh();
        announce(li.dataset.name + (from === chosen ? " moved to position " : " added to the group at position ") +
          position(li) + " of " + chosen.children.length + ".");
      });
    });
    refresh();
  }

  // --- the schedule step -------------------------------------------------------------------

  function setUpSchedule(form) {
    const kinds = Array.from(form.querySelectorAll("input[name=schedule_kind]"));
    if (!kinds.length) return;
    const preview = document.getElementById("preview");
    let timer = null;

    function kind() {
      const checked = kinds.find((k) => k.checked);
      return checked ? checked.value : "on_demand";
    }

    function showFields() {
      const k = kind();
      form.querySelectorAll("[data-kinds]").forEach((el) => {
        el.hidden = !el.dataset.kinds.split(" ").includes(k);
      });
    }

    function clearLiveErrors() {
      form.querySelectorAll(".live-error").forEach((el) => el.remove());
    }

    async function refreshPreview() {
      if (kind() === "on_demand") return;
      const body = new FormData(form);
      body.delete("action");
      let data;
      try {
        const response = await fetch("/connect/groups/preview", {
          method: "POST",
          body: new URLSearchParams(body),
          headers: { "X-CSRF-Token": body.get("csrf_token") },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        data = await response.json();
      } catch (err) {
        return;
      }
      clearLiveErrors();
      const list = document.createElement("ul");
      list.className = "plain";
      data.windows.forEach((w) => {
        const li = document.createElement("li");
        li.textContent = w.label;
        list.append(li);
      });
      if (data.windows.length) {
        preview.replaceChildren(list);
      } else {
        const p = document.createElement("p");
        p.className = "hint";
        p.textContent = data.errors.length ? "Fix the schedule to see its next runs." : "No run ahead.";
        preview.replaceChildren(p);
      }
      data.errors.forEach((e) => {
        const target = document.getElementById(e.target);
        if (!target) return;
        const p = document.createElement("p");
        p.className = "field-error live-error";
        p.textContent = e.message + " ";
        const code = document.createElement("code");
        code.textContent = e.code;
        p.append(code);
        (target.closest(".field") || target).append(p);
      });
    }

    form.querySelectorAll("[data-step='3'] input, [data-step='3'] select").forEach((el) => {
      el.addEventListener("change", () => {
        showFields();
        window.clearTimeout(timer);
        timer = window.setTimeout(refreshPreview, 150);
      });
    });
    showFields();
  }

  // --- live runs ---------------------------------------------------------------------------

  function setUpLive(table) {
    const url = table.dataset.live;
    const scope = table.closest(".live-run") || document;
    const page = document;
    let failures = 0;

    function put(row, field, text) {
      const cell = row.querySelector("[data-field=" + field + "]");
      if (cell && cell.textContent !== text) cell.textContent = text;
    }

    function number(n) {
      return n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US");
    }

    async function tick() {
      let run;
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        run = await response.json();
        failures = 0;
      } catch (err) {
        failures += 1;
        window.setTimeout(tick, Math.min(10000, 1000 * 2 ** failures));
        return;
      }
      run.steps.forEach((step) => {
        const row = table.querySelector("tr[data-step='" + step.position + "']");
        if (!row) return;
        const stateCell = row.querySelector("[data-field=state]");
        if (!stateCell.querySelector(".badge-" + step.state)) stateCell.replaceChildren(badge(step.state));
        put(row, "records_processed", number(step.records_processed));
        put(row, "records_added", number(step.records_added));
        put(row, "records_updated", number(step.records_updated));
        put(row, "records_rejected", number(step.records_rejected));
        const error = (step.error || "") + (step.error_code ? " " + step.error_code : "");
        put(row, "error", error);
        const log = row.querySelector("[data-field=log]");
        if (step.job_run_id && log && !log.querySelector("a")) {
          const a = document.createElement("a");
          a.href = "/connect/job-runs/" + step.job_run_id;
          a.textContent = "Run " + step.job_run_id;
          log.replaceChildren(a);
        }
      });
      const stateBox = scope.querySelector("[data-field=run-state]") || page.querySelector("[data-field=run-state]");
      if (stateBox && !stateBox.querySelector(".badge-" + run.state)) stateBox.replaceChildren(badge(run.state));
      table.dataset.runState = run.state;
      if (run.live) {  // the server says whether the run can still change
        window.setTimeout(tick, 1000);
        return;
      }
      const stop = page.querySelector("[data-field=stop]");
      if (stop) stop.remove();
      const note = page.querySelector("[data-field=live-note]");
      if (note) note.textContent = "The run ended: " + (STATE_LABELS[run.state] || run.state) + ".";
      Object.entries(run.labels || {}).forEach(([field, text]) => {
        const el = page.querySelector("[data-field=" + field + "]");
        if (el) el.textContent = text;
      });
    }

    window.setTimeout(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.documentElement.classList.add("js");
    const form = document.getElementById("wizard");
    if (form) {
      setUpSteps(form);
      setUpPicker(form);
      setUpSchedule(form);
    }
    document.querySelectorAll("table[data-live]").forEach(setUpLive);
  });
})();
