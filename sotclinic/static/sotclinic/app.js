/* sotclinic keyboard-first entry. No inline script anywhere: this file is the only behaviour the pages have
   besides htmx. Every change it makes dispatches a real "change" event so the page autosaves as if clicked. */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
    if (el.tagName === "INPUT") {
      return ["radio", "checkbox", "button", "submit", "reset", "hidden"].indexOf(el.type) === -1;
    }
    return el.tagName === "SELECT" && !el.closest(".exam-row");
  }

  function fire(el) {
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".exam-row"));
  }

  function rowFor(key) {
    return document.querySelector('.exam-row[data-shortcut="' + key + '"]');
  }

  function focusRow(row) {
    if (!row) return;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function isFilled(row) {
    var side = row.querySelector("select.side");
    if (side && side.value) return true;
    if (row.querySelector('input[type="radio"]:checked')) return true;
    return Array.prototype.some.call(row.querySelectorAll("input:not([type=radio])"), function (i) { return i.value.trim() !== ""; });
  }

  function refreshRow(row) {
    var checked = row.querySelector('input[type="radio"]:checked');
    row.classList.toggle("is-positive", !!checked && checked.value === "positive");
    row.classList.toggle("is-negative", !!checked && checked.value === "negative");
    row.classList.toggle("is-recorded", !checked && isFilled(row));
  }

  /* Indicators the knowledge base marks `multiple` (fibres, CMRT) have one .exam-entry row per entry inside an
     .exam-multi box; their fields are named <code>.<n>.<part>, renumbered 1, 2, 3 … after every add or remove. */
  function entriesOf(multi) {
    return Array.prototype.slice.call(multi.querySelectorAll(".exam-entry"));
  }

  function renumber(multi) {
    var code = multi.getAttribute("data-multiple");
    var name = multi.getAttribute("data-name");
    var entries = entriesOf(multi);
    entries.forEach(function (row, index) {
      var n = String(index + 1);
      row.setAttribute("data-entry", n);
      row.id = "row-" + code + "-" + n;
      row.setAttribute("aria-label", name + " " + n);
      row.querySelector(".entry-n").textContent = n;
      row.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^([^.]+)\.\d+\./, "$1." + n + ".");
      });
      row.querySelectorAll("[data-part]").forEach(function (el) {
        el.setAttribute("aria-label", name + " " + n + " " + el.getAttribute("data-part"));
      });
      var remove = row.querySelector(".entry-remove");
      if (remove) remove.setAttribute("aria-label", "Remove " + name + " " + n);
    });
    var add = multi.querySelector(".entry-add");
    if (add) add.disabled = entries.length >= Number(multi.getAttribute("data-max") || 12);
  }

  function addEntry(multi) {
    var entries = entriesOf(multi);
    var last = entries[entries.length - 1];
    var empty = entries.filter(function (row) { return !isFilled(row); })[0];
    if (empty) { focusRow(empty); return; }  // fill the blank entry first
    if (entries.length >= Number(multi.getAttribute("data-max") || 12)) return;
    var row = last.cloneNode(true);
    row.querySelectorAll('input[type="radio"]').forEach(function (r) { r.checked = false; });
    row.querySelectorAll("select").forEach(function (sel) { sel.value = ""; });
    row.querySelectorAll("input:not([type=radio])").forEach(function (i) { i.value = ""; i.removeAttribute("value"); });
    row.querySelectorAll("option[selected]").forEach(function (o) { o.removeAttribute("selected"); });
    row.classList.remove("is-positive", "is-negative", "is-recorded");
    last.parentNode.insertBefore(row, last.nextSibling);
    renumber(multi);
    focusRow(row);
  }

  function removeEntry(row) {
    var multi = row.closest(".exam-multi");
    var entries = entriesOf(multi);
    if (entries.length === 1) { clearRow(row); focusRow(row); return; }
    var index = entries.indexOf(row);
    var next = entries[index + 1] || entries[index - 1];
    row.parentNode.removeChild(row);
    renumber(multi);
    fire(next.querySelector("input, select"));  // autosave the shorter list
    focusRow(next);
  }

  function setResult(row, result) {
    var radio = row.querySelector('input[type="radio"][value="' + result + '"]');
    if (!radio) return false;
    radio.checked = true;
    fire(radio);
    return true;
  }

  function setSide(row, side) {
    var select = row.querySelector("select.side");
    if (!select || !select.querySelector('option[value="' + side + '"]')) return false;
    select.value = side;
    fire(select);
    return true;
  }

  function editValue(row, key) {
    var input = row.querySelector("input.value");
    if (!input) return false;
    input.value = key === "Backspace" ? input.value.slice(0, -1) : input.value + key;
    fire(input);
    return true;
  }

  function clearRow(row) {
    row.querySelectorAll('input[type="radio"]').forEach(function (r) { r.checked = false; });
    row.querySelectorAll("select").forEach(function (s) { s.value = ""; });
    row.querySelectorAll("input:not([type=radio])").forEach(function (i) { i.value = ""; });
    fire(row.querySelector("input, select"));
  }

  var SIDE_KEYS = { l: "left", r: "right", b: "bilateral", e: "even" };

  function onRowKey(row, ev) {
    var key = ev.key;
    var handled = false;
    if (key === "+" || key === "=") handled = setResult(row, "positive");
    else if (key === "-") handled = setResult(row, "negative");
    else if (SIDE_KEYS[key]) handled = setSide(row, SIDE_KEYS[key]);
    else if (/^[0-9.]$/.test(key)) handled = editValue(row, key);
    else if (key === "Backspace") {
      var input = row.querySelector("input.value");
      if (input && input.value) handled = editValue(row, key);
      else { clearRow(row); handled = true; }
    } else if (key === "Delete") {
      if (row.classList.contains("exam-entry")) removeEntry(row); else clearRow(row);
      handled = true;
    }
    else if (key === "Enter" || key === "ArrowDown" || key === "ArrowUp") {
      var all = rows();
      var index = all.indexOf(row) + (key === "ArrowUp" ? -1 : 1);
      if (index >= 0 && index < all.length) focusRow(all[index]);
      else if (key === "Enter") { var next = document.getElementById("confirm-button"); if (next) next.focus(); }
      handled = true;
    } else if (key === "Escape") { row.blur(); handled = true; }
    else if (key.length === 1 && row.classList.contains("exam-entry") && row.getAttribute("data-shortcut") === key) {
      addEntry(row.closest(".exam-multi"));  // the letter again: another entry once this one is filled
      handled = true;
    }
    else if (key.length === 1 && rowFor(key)) { focusRow(rowFor(key)); handled = true; }
    if (handled) { ev.preventDefault(); if (row.isConnected) refreshRow(row); }
  }

  document.addEventListener("keydown", function (ev) {
    var multi = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".exam-multi") : null;
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === "KeyN" && multi) {
      ev.preventDefault();
      addEntry(multi);  // Alt+N: another entry of the indicator being recorded
      return;
    }
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code && ev.code.indexOf("Key") === 0) {
      var hot = document.querySelector('[data-hotkey="alt+' + ev.code.slice(3).toLowerCase() + '"]');
      if (hot) { ev.preventDefault(); hot.click(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var active = document.activeElement;
    var row = active && active.classList && active.classList.contains("exam-row") ? active : null;
    if (row) { onRowKey(row, ev); return; }
    if (isTyping(active)) {
      var entry = active.closest ? active.closest(".exam-entry") : null;
      if (entry && (ev.key === "Escape" || ev.key === "Enter")) {
        // back to the entry (Escape), or on to the next row (Enter): never an implicit submit that signs the note
        ev.preventDefault();
        if (ev.key === "Escape") focusRow(entry); else { focusRow(entry); onRowKey(entry, ev); }
        return;
      }
      if (ev.key === "Escape") { active.blur(); return; }
      if (ev.key === "ArrowDown" && active.id === "q") {
        var first = document.querySelector("#results a.patient-link");
        if (first) { ev.preventDefault(); first.focus(); }
      }
      return;
    }
    if (ev.key.length === 1 && rowFor(ev.key)) { ev.preventDefault(); focusRow(rowFor(ev.key)); return; }
    if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && active && active.classList.contains("patient-link")) {
      var links = Array.prototype.slice.call(document.querySelectorAll("#results a.patient-link"));
      var i = links.indexOf(active) + (ev.key === "ArrowDown" ? 1 : -1);
      if (i >= 0 && i < links.length) { ev.preventDefault(); links[i].focus(); }
      else if (i < 0) { ev.preventDefault(); document.getElementById("q").focus(); }
    }
  });

  document.addEventListener("click", function (ev) {
    var target = ev.target.closest ? ev.target.closest("#confirm-button, #recheck-all, .entry-add, .entry-remove") : null;
    if (!target) return;
    if (target.classList.contains("entry-add")) {
      addEntry(target.closest(".exam-multi"));
    } else if (target.classList.contains("entry-remove")) {
      removeEntry(target.closest(".exam-entry"));
    } else if (target.id === "confirm-button") {
      var suggested = target.getAttribute("data-suggested");
      var radio = suggested ? document.querySelector('input[name="category"][value="' + suggested + '"]') : null;
      if (radio) { radio.checked = true; fire(radio); radio.focus(); }
      else { var any = document.querySelector('input[name="category"]'); if (any) any.focus(); }
    } else if (target.id === "recheck-all") {
      var changed = null;
      document.querySelectorAll(".recheck-row").forEach(function (r) {
        if (!r.querySelector("input:checked")) {
          var cleared = r.querySelector('input[value="cleared"]');
          cleared.checked = true;
          changed = cleared;
        }
      });
      if (changed) fire(changed);
    }
  });

  function markSaving(ev) {
    var t = ev.target;
    if (t.name && /\.level$/.test(t.name) && t.value !== t.value.toUpperCase()) t.value = t.value.toUpperCase();  // t8 -> T8
    var row = t.closest ? t.closest(".exam-row") : null;
    if (row) refreshRow(row);
    var status = document.getElementById("save-status");
    if (status && ev.target.closest && ev.target.closest("#visit-form")) {
      status.textContent = "Saving…";
      status.className = "save-status";
    }
  }
  document.addEventListener("change", markSaving);
  document.addEventListener("input", markSaving);
})();
