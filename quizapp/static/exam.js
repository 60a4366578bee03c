// Exam page behaviour: server-synced countdown, autosave with an offline
// queue, "choose N" limit, strike-outs and keyboard shortcuts. The page works
// without this file (plain form posts); this only makes it better.
(function () {
  "use strict";

  var bar = document.getElementById("exam-bar");
  var form = document.getElementById("answer-form");
  var autoSubmit = document.getElementById("auto-submit");
  // The exam page carries the token in its auto-submit form; a practice page
  // (no clock) only in its answer form.
  var tokenInput = autoSubmit ? autoSubmit.querySelector("input[name=csrf_token]")
                              : document.querySelector("#answer-form input[name=csrf_token]");
  var csrf = tokenInput ? tokenInput.value : "";
  document.documentElement.classList.add("js");

  // The page's words come from the server, already in the learner's language.
  var T = bar && bar.dataset.messages ? JSON.parse(bar.dataset.messages) : {};
  function t(key, values) {
    var text = T[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.replace("%(" + name + ")s", values[name]); });
    return text;
  }

  // ---- Clock: the server's remaining seconds, never the browser's own time.
  var endAt = 0;            // performance.now() value at which time runs out
  var lastWall = Date.now();
  var lastMono = performance.now();
  var warned = {};
  var submitting = false;
  var timerValue = document.getElementById("timer-value");
  var timerAlert = document.getElementById("timer-alert");
  var paceTick = null;      // set by the pace line below when the page has one

  function setRemaining(seconds) {
    endAt = performance.now() + seconds * 1000;
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function syncClock() {
    // A practice session's limit has no clock to ask: its page loads with the time left.
    if (!bar || !bar.dataset.remaining || !bar.dataset.clockUrl) { return; }
    fetch(bar.dataset.clockUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.status !== "in_progress") { window.location.reload(); return; }
        setRemaining(data.remaining_seconds);
      })
      .catch(function () {});
  }

  // ---- Timeline: what only the page sees (waking from sleep, the connection
  // dropping and returning) is reported for the attempt's timeline. An event
  // lost while offline is simply lost; answers are what must never be.
  // Events go one after another: sent at once, "offline" and "online" raced
  // each other to the server and the timeline could list the return first.
  // Each carries how long ago it happened, by the page's monotonic clock: an
  // "offline" sent when the connection returns is dated when it dropped.
  var pendingEvents = [];
  var eventsSent = Promise.resolve();
  function report(kind) {
    if (!autoSubmit || !autoSubmit.dataset.eventsUrl) { return; }
    pendingEvents.push({ kind: kind, at: performance.now() });
    if (navigator.onLine === false) { return; }
    var batch = pendingEvents; pendingEvents = [];
    batch.forEach(function (event) {
      eventsSent = eventsSent.then(function () {
        var ago = Math.min(86400, Math.max(0, Math.round((performance.now() - event.at) / 1000)));
        return fetch(autoSubmit.dataset.eventsUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ kind: event.kind, seconds_ago: ago })
        }).catch(function () {});
      });
    });
  }

  function tick() {
    var nowMono = performance.now(), nowWall = Date.now();
    // The computer slept or the tab was frozen: ask the server again.
    if (Math.abs((nowWall - lastWall) - (nowMono - lastMono)) > 2000) { syncClock(); report("resync"); }
    lastWall = nowWall; lastMono = nowMono;
    var left = Math.max(0, Math.ceil((endAt - nowMono) / 1000));
    timerValue.textContent = format(left);
    [[600, t("ten_minutes")], [300, t("five_minutes")], [60, t("one_minute")]].forEach(function (w) {
      if (left <= w[0] && left > w[0] - 30 && !warned[w[0]]) {
        warned[w[0]] = true;
        timerAlert.textContent = w[1];
      }
      if (left <= w[0]) { warned[w[0]] = true; }
    });
    bar.classList.toggle("low-time", left <= 300);
    if (paceTick) { paceTick(left); }
    if (left === 0 && !submitting) {
      submitting = true;
      flush().then(function () { autoSubmit.submit(); }, function () { autoSubmit.submit(); });
    }
  }

  // An exam has a clock, and a practice session with a time limit; other
  // practice pages' bar carries the words but no time.
  if (bar && bar.dataset.remaining) {
    setRemaining(parseInt(bar.dataset.remaining, 10));
    // Warnings already passed before this page loaded are not repeated.
    var initial = parseInt(bar.dataset.remaining, 10);
    [600, 300, 60].forEach(function (w) { if (initial <= w - 30) { warned[w] = true; } });
    tick();
    setInterval(tick, 250);
    setInterval(syncClock, 30000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { syncClock(); report("resync"); }
    });
    window.addEventListener("focus", syncClock);
  }

  // ---- Autosave.
  var status = document.getElementById("save-status");
  var queueKey = form ? "quizapp:pending:" + form.dataset.attempt : "";
  var seq = form ? parseInt(form.dataset.seq, 10) : 0;
  var pending = {};         // save URL -> latest unsent state
  var inflight = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var visibleSince = performance.now();
  var spentBefore = form ? parseInt(form.dataset.seconds, 10) : 0;
  var spentVisible = 0;

  function setStatus(text, state) {
    if (!status) { return; }
    status.textContent = text;
    status.dataset.state = state;
  }

  function secondsSpent() {
    var running = document.hidden ? 0 : performance.now() - visibleSince;
    return spentBefore + Math.round((spentVisible + running) / 1000);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { spentVisible += performance.now() - visibleSince; }
    else { visibleSince = performance.now(); }
  });

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "{}"); } catch (e) { return {}; }
  }
  function storeQueue() {
    try { localStorage.setItem(queueKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }

  // The form's post says the newest save this page has made or shown, so that
  // a page another window has overtaken cannot undo that window's answer.
  var pageSeq = document.getElementById("page-seq");
  function setPageSeq(value) {
    if (pageSeq && value > parseInt(pageSeq.value || "0", 10)) { pageSeq.value = value; }
  }

  // A queued answer for this very question (typed offline on an earlier load of
  // the page) is what the server will hold once it is sent: show it, not the
  // older answer the page was rendered with.
  function showQueued(state) {
    form.querySelectorAll("input[name=choice]").forEach(function (el) {
      el.checked = state.selected.indexOf(el.value) >= 0;
    });
    form.querySelectorAll("input[name=struck]").forEach(function (el) {
      el.checked = (state.struck || []).indexOf(el.value) >= 0;
      var item = el.closest("li");
      if (item) { item.classList.toggle("struck", el.checked); }
    });
    document.getElementById("flagged").checked = !!state.flagged;
    seq = Math.max(seq, state.seq);
    setPageSeq(seq);
  }

  function currentState() {
    var selected = [], struck = [];
    form.querySelectorAll("input[name=choice]:checked").forEach(function (el) { selected.push(el.value); });
    form.querySelectorAll("input[name=struck]:checked").forEach(function (el) { struck.push(el.value); });
    seq += 1;
    setPageSeq(seq);
    return { seq: seq, selected: selected, struck: struck,
             flagged: document.getElementById("flagged").checked, seconds_spent: secondsSpent() };
  }

  function flush() {
    return new Promise(function (resolve, reject) {
      var urls = Object.keys(pending);
      if (!urls.length) { resolve(); return; }
      if (inflight) { setTimeout(function () { flush().then(resolve, reject); }, 200); return; }
      var url = urls[0], body = pending[url];
      inflight = true;
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { r: r, data: data }; });
      }).then(function (res) {
        inflight = false;
        if (res.r.redirected || res.r.status === 401 || res.r.status === 400) {
          // Logged out, or the session behind this page's token has ended:
          // the answer is fine, the page is stale. Keep it queued; the next
          // page load (after logging in again) sends it.
          setStatus(t("not_saved", { reason: res.data.error || t("session_ended") }) + " " + t("kept"), "error");
          resolve();
        } else if (res.r.ok) {
          if (pending[url] === body) { delete pending[url]; }
          storeQueue();
          retryDelay = 1000;
          if (typeof res.data.remaining_seconds === "number") { setRemaining(res.data.remaining_seconds); }
          setStatus(t("saved", { time: new Date().toLocaleTimeString(document.documentElement.lang, { hour12: false }) }), "saved");
          flush().then(resolve, reject);
        } else if (res.r.status === 409) {
          delete pending[url]; storeQueue();
          setStatus(res.data.error || t("ended"), "error");
          if (res.data.result_url) { window.location.assign(res.data.result_url); }
          resolve();
        } else if (res.r.status >= 400 && res.r.status < 500 && !RETRYABLE[res.r.status]) {
          delete pending[url]; storeQueue();
          setStatus(t("not_saved", { reason: res.data.error || t("refused") }), "error");
          resolve();
        } else {
          retry(retryAfter(res.r)); reject(new Error("server error"));
        }
      }).catch(function () {
        inflight = false;
        retry(); reject(new Error("network"));
      });
    });
  }

  // Refusals that say "not now" rather than "not this answer": a timeout, and
  // too many requests (a proxy's rate limit). The answer stays queued and is
  // sent again, like after a 5xx; any other 4xx is about the answer itself.
  var RETRYABLE = { 408: true, 429: true };

  // Milliseconds a response's Retry-After asks for (seconds or an HTTP date),
  // at most a minute: the answer waits on this page, and an exam is short.
  function retryAfter(response) {
    var value = response.headers.get("Retry-After");
    if (!value) { return 0; }
    var ms = /^\s*\d+\s*$/.test(value) ? parseInt(value, 10) * 1000 : Date.parse(value) - Date.now();
    return isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), 60000);
  }

  function retry(atLeast) {
    setStatus(navigator.onLine === false ? t("offline") : t("retrying"), "retrying");
    if (retryTimer) { return; }
    // A class's pages lose the server together (a restart, a network blip):
    // each waits between half and all of its backoff, chosen at random, so
    // that they do not all come back in the same second, and again together.
    // Never sooner than the server's Retry-After asked, and spread over half as
    // long again: every page of a class is told the same.
    var after = atLeast || 0;
    var wait = Math.max(retryDelay / 2 + Math.random() * retryDelay / 2, after + Math.random() * after / 2);
    retryTimer = setTimeout(function () { retryTimer = null; flush().catch(function () {}); }, wait);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function save() {
    pending[form.dataset.saveUrl] = currentState();
    storeQueue();
    setStatus(t("saving"), "saving");
    flush().catch(function () {});
  }

  if (form) {
    var choose = parseInt(form.dataset.choose, 10);
    // Answers queued on an earlier page (offline) go first; the server keeps
    // only saves newer than what it has.
    pending = loadQueue();
    var queuedHere = pending[form.dataset.saveUrl];
    if (queuedHere && queuedHere.seq > seq && form.dataset.saveUrl) { showQueued(queuedHere); }
    if (Object.keys(pending).length) { flush().catch(function () {}); }

    form.addEventListener("change", function (event) {
      var el = event.target;
      if (el.name === "choice" && el.type === "checkbox" && el.checked &&
          form.querySelectorAll("input[name=choice]:checked").length > choose) {
        el.checked = false;
        setStatus(t("too_many", { n: choose }), "error");
        return;
      }
      if (el.name === "struck") { el.closest("li").classList.toggle("struck", el.checked); }
      save();
    });

    form.addEventListener("submit", function (event) {
      document.getElementById("seconds-spent").value = secondsSpent();
      if (navigator.onLine === false) {
        event.preventDefault();
        setStatus(t("offline_stay"), "retrying");
      }
    });

    window.addEventListener("online", function () { flush().catch(function () {}); syncClock(); report("online"); });
    window.addEventListener("offline", function () {
      setStatus(t("offline"), "retrying");
      report("offline");
    });

    // ---- Keyboard: 1-6 or A-E choose, N next, P previous, F flag.
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      var tag = (event.target.tagName || "").toLowerCase();
      // Typing in a text field or a list (the language menu) types there, never answers.
      if (tag === "textarea" || tag === "select" ||
          (tag === "input" && /^(text|email|password|number)$/.test(event.target.type))) { return; }
      // A report form's reason list takes letters too: they pick a reason, not an option.
      if (event.target.closest && event.target.closest("[data-keys-own]")) { return; }
      var key = event.key.toLowerCase();
      var options = form.querySelectorAll("input[name=choice]");
      var index = "123456".indexOf(key);
      if (index < 0) { index = "abcde".indexOf(key); }
      if (key.length === 1 && index >= 0 && index < options.length) {
        options[index].click(); options[index].focus(); event.preventDefault(); return;
      }
      var button = null;
      if (key === "n") { button = document.getElementById("go-next"); }
      if (key === "p") { button = document.getElementById("go-prev"); }
      if (button && !button.disabled) { button.click(); event.preventDefault(); return; }
      if (key === "f") { document.getElementById("flagged").click(); event.preventDefault(); }
    });
  }

  // ---- Pace line (optional, remembered in this browser): "On pace" or "4 min behind", from
  // the server's clock and the questions answered, against a target leaving 10 minutes for
  // review (the budget comes from the server). Screen readers hear it only when the state
  // changes between on pace and behind, not every minute.
  var pace = document.getElementById("pace");
  if (pace && bar) {
    var paceToggle = document.getElementById("pace-toggle");
    var paceValue = document.getElementById("pace-value");
    var paceAlert = document.getElementById("pace-alert");
    var paceKey = "quizapp:pace";
    var paceState = paceValue.dataset.state;
    var paceOn = false;
    try { paceOn = localStorage.getItem(paceKey) === "on"; } catch (e) { paceOn = false; }
    var answeredNow = function () {
      var count = document.querySelectorAll(".nav-q.answered:not(.current)").length;
      if (form && form.querySelector("input[name=choice]:checked")) { count += 1; }
      return count;
    };
    var showPace = function () {
      paceValue.hidden = !paceOn;
      paceToggle.setAttribute("aria-pressed", paceOn ? "true" : "false");
      paceToggle.textContent = paceOn ? t("hide_pace") : t("show_pace");
    };
    paceTick = function (left) {
      var duration = parseInt(pace.dataset.duration, 10), length = parseInt(pace.dataset.length, 10);
      var due = parseInt(pace.dataset.budget, 10) * Math.min(answeredNow() + 1, length) / length;
      var behind = Math.max(0, Math.floor(duration - left - due));
      var state = behind < 60 ? "on" : "behind";
      var text = state === "on" ? t("on_pace") : t("behind", { n: Math.floor(behind / 60) });
      if (paceValue.textContent !== text) { paceValue.textContent = text; }
      paceValue.dataset.state = state;
      if (state !== paceState && paceOn) { paceAlert.textContent = text; }
      paceState = state;
    };
    paceToggle.addEventListener("click", function () {
      paceOn = !paceOn;
      try { localStorage.setItem(paceKey, paceOn ? "on" : "off"); } catch (e) { /* private mode: not remembered */ }
      showPace();
    });
    pace.hidden = false;
    showPace();
  }

  var submitButton = document.getElementById("submit-exam");
  if (submitButton) {
    submitButton.form.addEventListener("submit", function () {
      // One click is enough; the server scores once anyway.
      setTimeout(function () { submitButton.disabled = true; }, 0);
    });
  }
})();
