// podpora agent UI: keyboard shortcuts, live updates (SSE), presence and typing, canned replies,
// mail frames sized to their content. Plain script, no build step; the page works without it.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var me = body.getAttribute("data-user") || "";

  function typingTarget(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  // ---- inbox -------------------------------------------------------------------------------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.ticket")); }
  var current = -1;
  function select(i) {
    var r = rows();
    if (!r.length) return;
    current = Math.max(0, Math.min(r.length - 1, i));
    r.forEach(function (row, j) { row.classList.toggle("selected", j === current); });
    r[current].scrollIntoView({ block: "nearest" });
  }
  function wireInbox(root) {
    root.querySelectorAll("tr.ticket").forEach(function (row) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, input, button, label")) return;
        location.href = row.getAttribute("data-href");
      });
    });
    var all = root.querySelector("[data-select-all]");
    if (all) all.addEventListener("change", function () {
      root.querySelectorAll("tr.ticket input[type=checkbox]").forEach(function (c) { c.checked = all.checked; });
    });
  }
  var inbox = document.querySelector("[data-live=inbox]");
  if (inbox) wireInbox(inbox);

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typingTarget(e)) return;
    var k = e.key;
    if (inbox) {
      if (k === "j") { select(current + 1); e.preventDefault(); }
      else if (k === "k") { select(current - 1); e.preventDefault(); }
      else if (k === "Enter" && current >= 0) { location.href = rows()[current].getAttribute("data-href"); }
      else if (k === "x" && current >= 0) { var c = rows()[current].querySelector("input[type=checkbox]"); if (c) c.checked = !c.checked; }
    }
    if (k === "/") { var s = document.querySelector("[data-key='/']"); if (s) { s.focus(); e.preventDefault(); } }
    if (k === "r" || k === "n") {
      var radio = document.querySelector("form.reply input[data-key='" + k + "']");
      if (radio) { radio.checked = true; var ta = document.querySelector("form.reply textarea"); if (ta) ta.focus(); e.preventDefault(); }
    }
    if (k === "a") { var a = document.querySelector("[data-key=a]"); if (a) { a.focus(); e.preventDefault(); } }
    if (k === "t") { var tpl = document.querySelector("[data-key=t]"); if (tpl) { tpl.focus(); e.preventDefault(); } }
  });

  // Refresh the inbox list in place when tickets change, unless the agent is in the middle of
  // something (a selection or a focused field): then offer a link instead.
  var refreshTimer = null;
  function refreshInbox() {
    var busy = inbox.querySelector("tr.ticket input:checked") || (document.activeElement && inbox.contains(document.activeElement) && typingTarget({ target: document.activeElement }));
    if (busy) { var h = document.querySelector(".live-hint"); if (h) h.hidden = false; return; }
    fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (!html) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-live=inbox]");
      if (!fresh) return;
      inbox.innerHTML = fresh.innerHTML;
      current = -1;
      wireInbox(inbox);
    });
  }

  // ---- ticket ------------------------------------------------------------------------------
  var page = document.querySelector("[data-live=ticket]");
  var number = page ? page.getAttribute("data-number") : null;

  document.querySelectorAll("iframe.mail").forEach(function (f) {
    function fit() {
      try {
        var d = f.contentDocument;
        if (d && d.documentElement) f.style.height = Math.min(4000, d.documentElement.scrollHeight + 16) + "px";
      } catch (err) { /* not same-origin: keep the default height */ }
    }
    f.addEventListener("load", fit);
    fit();
  });
  document.querySelectorAll("[data-show-images]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var f = a.closest(".frame-wrap").querySelector("iframe.mail");
      if (f) { e.preventDefault(); f.src = a.getAttribute("href"); a.parentNode.hidden = true; }
    });
  });

  var canned = document.querySelector("[data-canned]");
  if (canned) canned.addEventListener("change", function () {
    var opt = Array.prototype.find.call(document.querySelectorAll("#canned-list option"), function (o) { return o.value === canned.value; });
    if (!opt) return;
    canned.value = ""; // at once: a second change event must not insert it twice
    fetch(canned.getAttribute("data-canned") + opt.getAttribute("data-id"), { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (text) {
      var ta = document.querySelector("form.reply textarea");
      if (!ta || !text) return;
      var at = ta.selectionStart || 0;
      ta.value = ta.value.slice(0, at) + text + ta.value.slice(ta.selectionEnd || at);
      ta.focus();
    });
  });

  // Presence: announce every 5 s (and at once when typing starts); colleagues unheard for 20 s are gone.
  var colleagues = {};
  var lastTyped = 0;
  function announce(extra) {
    if (!number) return;
    var typing = Date.now() - lastTyped < 6000 ? "1" : "0";
    fetch("/t/" + number + "/presence?typing=" + typing + (extra || ""), { method: "POST", credentials: "same-origin", keepalive: true, headers: { "X-CSRF-Token": csrf } });
  }
  function renderPresence() {
    var box = document.getElementById("presence");
    if (!box) return;
    var now = Date.now();
    var names = [];
    Object.keys(colleagues).forEach(function (id) {
      var c = colleagues[id];
      if (now - c.at > 20000) { delete colleagues[id]; return; }
      names.push(c.name + (c.typing ? " (" + box.getAttribute("data-typing") + ")" : ""));
    });
    box.textContent = names.length ? box.getAttribute("data-label") + " " + names.join(", ") : "";
    box.classList.toggle("typing", Object.keys(colleagues).some(function (id) { return colleagues[id].typing; }));
  }
  if (number) {
    var ta = document.querySelector("form.reply textarea");
    var sentTyping = 0;
    if (ta) ta.addEventListener("input", function () {
      lastTyped = Date.now();
      if (Date.now() - sentTyping > 2000) { sentTyping = Date.now(); announce(); }
    });
    announce();
    setInterval(announce, 5000);
    setInterval(renderPresence, 2000);
    window.addEventListener("pagehide", function () { announce("&left=1"); });
  }

  // ---- live events -------------------------------------------------------------------------
  if ((inbox || page) && window.EventSource) {
    var es = new EventSource("/live" + (number ? "?ticket=" + encodeURIComponent(number) : ""));
    // Close the stream when leaving: an open stream would keep one of the browser's few
    // connections to this host busy until the server notices.
    window.addEventListener("pagehide", function () { es.close(); });
    es.addEventListener("ticket", function (e) {
      var d = {};
      try { d = JSON.parse(e.data); } catch (err) { /* a bare refresh hint */ }
      if (inbox) { clearTimeout(refreshTimer); refreshTimer = setTimeout(refreshInbox, 300); }
      var about = d.numbers ? d.numbers.map(String).indexOf(number) >= 0 : String(d.number) === number;
      if (page && about && String(d.by_user) !== me) {
        var h = document.querySelector(".ticket-changed");
        if (h) h.hidden = false;
      }
    });
    es.addEventListener("presence", function (e) {
      var d = JSON.parse(e.data);
      colleagues[d.user_id] = { name: d.name, typing: d.typing, at: Date.now() };
      renderPresence();
    });
    es.addEventListener("left", function (e) {
      var d = JSON.parse(e.data);
      delete colleagues[d.user_id];
      renderPresence();
    });
  }

  // ---- knowledge base: the editor's live preview (rendered and sanitised by the server) ----
  document.querySelectorAll("textarea[data-kb-preview]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-kb-preview"));
    if (!out) return;
    var timer = null, seq = 0;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var form = new URLSearchParams();
        form.set("_csrf", csrf);
        form.set("body", area.value);
        fetch("/kb/preview", { method: "POST", body: form, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null && mine === seq) out.innerHTML = html; })
          .catch(function () {});
      }, 250);
    });
  });
})();
