// Sahayatri counsellor console: live queue and transcript by polling, reply without reloading
// (Ctrl+Enter sends), SMS segment counter, referrals and canned texts into the reply box, and
// the new-urgent-case alert on every page (title, banner, sound, browser notification).
// No libraries, no inline scripts (CSP default-src 'self').
// Everything a person wrote is put on the page with textContent, never as HTML.
"use strict";

(function () {
  // --- SMS segments: the same rules as bot/sms_segments.py ---------------------------------
  var GSM7_BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
  ));
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));

  function pack(costs, single, multi) {
    var total = costs.reduce(function (a, b) { return a + b; }, 0);
    if (total === 0) return 0;
    if (total <= single) return 1;
    var segments = 1, used = 0;
    costs.forEach(function (cost) {
      if (used + cost > multi) { segments += 1; used = 0; }
      used += cost;
    });
    return segments;
  }

  function countSegments(text) {
    var chars = Array.from(text); // code points, like Python's str
    var gsm = chars.every(function (ch) { return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch); });
    var costs;
    if (gsm) {
      costs = chars.map(function (ch) { return GSM7_EXTENSION.has(ch) ? 2 : 1; });
      return { encoding: "GSM-7", units: sum(costs), segments: pack(costs, 160, 153) };
    }
    costs = chars.map(function (ch) { return ch.codePointAt(0) > 0xffff ? 2 : 1; });
    return { encoding: "UCS-2", units: sum(costs), segments: pack(costs, 70, 67) };
  }

  function sum(list) { return list.reduce(function (a, b) { return a + b; }, 0); }

  window.SahayatriSms = { countSegments: countSegments };

  // --- helpers ---------------------------------------------------------------------------
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function connection(ok) {
    var banner = document.getElementById("connection");
    if (banner) banner.hidden = ok;
  }

  // Calls fn every ms; never two requests at once; keeps going after errors.
  function poll(ms, fn) {
    function tick() {
      fn().then(function () { connection(true); }, function (error) {
        connection(false);
        if (window.console) window.console.warn("poll failed", error);
      }).then(function () { window.setTimeout(tick, ms); });
    }
    window.setTimeout(tick, ms);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            var error = new Error(data.error || response.statusText);
            error.status = response.status;
            throw error;
          }
          return data;
        });
      });
  }

  // --- queue page ------------------------------------------------------------------------
  function queueRow(item, mine) {
    var li = el("li", "row " + item.priority + (item.breach ? " breach" : "") +
      (mine && item.unread ? " awaiting" : ""));
    li.dataset.publicId = item.public_id;
    var head = el("div", "row-head");
    head.appendChild(el("span", "prio", item.priority));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("span", "reason", item.reason));
    if (item.unread) {
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "unread", item.unread + " unread"));
    }
    li.appendChild(head);
    var meta = el("div", "row-meta");
    if (mine) {
      meta.appendChild(document.createTextNode("since " + item.since));
    } else {
      meta.appendChild(document.createTextNode("waiting "));
      meta.appendChild(el("b", "wait", item.wait));
      meta.appendChild(document.createTextNode(" (since " + item.since + ")"));
      if (item.breach) {
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(el("strong", null, "over target"));
      }
    }
    meta.appendChild(document.createTextNode(" · " + item.channel + " · " + item.language_label));
    if (item.case_code) {
      meta.appendChild(document.createTextNode(" · case "));
      meta.appendChild(el("span", "mono", item.case_code));
    }
    li.appendChild(meta);
    if (item.preview) li.appendChild(el("p", "preview", item.preview));
    var open = el("a", "open", "Open");
    open.href = item.url;
    li.appendChild(open);
    return li;
  }

  function queuePage(main) {
    var ms = parseInt(main.dataset.pollMs, 10) || 1000;
    var filter = document.getElementById("language-filter");
    if (filter) {
      filter.addEventListener("change", function () { filter.form.submit(); });
    }

    function render(id, items, mine) {
      var list = document.getElementById(id);
      list.replaceChildren.apply(list, items.map(function (item) { return queueRow(item, mine); }));
      document.getElementById(id + "-empty").hidden = items.length > 0;
    }

    function refresh() {
      var url = main.dataset.api + (filter && filter.value ? "?language=" + encodeURIComponent(filter.value) : "");
      return getJSON(url).then(function (data) {
        render("waiting", data.waiting, false);
        render("mine", data.mine, true);
        Object.keys(data.counts).forEach(function (key) {
          var node = document.querySelector('[data-count="' + key + '"]');
          if (node) node.textContent = String(data.counts[key]);
        });
        var unread = data.mine.reduce(function (n, m) { return n + (m.unread || 0); }, 0);
        setTitleCount("queue", data.counts.waiting + unread);
      });
    }

    poll(ms, function () {
      return refresh().catch(function (error) {
        if (error.status === 401) window.location.reload(); // to the log-in page
        throw error;
      });
    });
  }

  // --- the title: "(!) (3) Queue · Sahayatri" ----------------------------------------------
  var baseTitle = document.title, titleParts = { urgent: 0, queue: 0 };
  function setTitleCount(part, n) {
    titleParts[part] = n;
    document.title = (titleParts.urgent ? "(!) " + titleParts.urgent + " URGENT · " : "") +
      (titleParts.queue ? "(" + titleParts.queue + ") " : "") + baseTitle;
  }

  // --- the new-urgent-case alert, on every console page ------------------------------------
  // Banner and title while any urgent case waits unclaimed; a sound and a browser notification
  // once per new case (remembered for the tab, so moving between pages does not repeat them).
  var SEEN_KEY = "sahayatri.urgentSeen";

  function seenUrgent() {
    try { return JSON.parse(window.sessionStorage.getItem(SEEN_KEY) || "null"); } catch (e) { return null; }
  }

  function rememberUrgent(ids) {
    try { window.sessionStorage.setItem(SEEN_KEY, JSON.stringify(ids)); } catch (e) { /* private mode */ }
  }

  function playSound(url) {
    var status = document.body.dataset;
    try {
      var audio = new Audio(url);
      var playing = audio.play();
      status.alertSound = "playing";
      if (playing && playing.then) {
        playing.then(function () { status.alertSound = "played"; },
          function () { status.alertSound = "blocked"; showAlertsButton(); });
      }
    } catch (e) {
      status.alertSound = "blocked";
    }
  }

  function notify(count) {
    if (!("Notification" in window) || window.Notification.permission !== "granted") return;
    try {
      var note = new window.Notification("Sahayatri: new urgent case", {
        body: count === 1 ? "Someone in danger is waiting for a counsellor." :
          count + " people in danger are waiting for a counsellor.",
        tag: "sahayatri-urgent"
      });
      note.onclick = function () { window.focus(); window.location.href = document.getElementById("urgent-alert-link").href; };
      document.body.dataset.alertNotified = String((parseInt(document.body.dataset.alertNotified, 10) || 0) + 1);
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  function showAlertsButton() {
    var button = document.getElementById("alerts-on");
    if (!button) return;
    var canAsk = "Notification" in window && window.Notification.permission === "default";
    if (canAsk || document.body.dataset.alertSound === "blocked") button.hidden = false;
  }

  function alerts(body) {
    var banner = document.getElementById("urgent-alert");
    var text = document.getElementById("urgent-alert-text");
    var button = document.getElementById("alerts-on");
    showAlertsButton();
    if (button) {
      button.addEventListener("click", function () {
        // A click is what browsers require before sound and notifications.
        if ("Notification" in window && window.Notification.permission === "default") {
          window.Notification.requestPermission().then(showAlertsButton);
        }
        var audio = new Audio(body.dataset.sound);
        audio.volume = 0.01;
        audio.play().then(function () { document.body.dataset.alertSound = "ready"; }, function () {});
        button.hidden = true;
      });
    }

    function check() {
      return getJSON(body.dataset.alerts).then(function (data) {
        var ids = data.urgent.map(function (u) { return u.id; });
        var seen = seenUrgent() || [];
        var fresh = ids.filter(function (id) { return seen.indexOf(id) < 0; });
        rememberUrgent(ids);
        body.dataset.alertChecks = String((parseInt(body.dataset.alertChecks, 10) || 0) + 1);
        banner.dataset.ids = data.urgent.map(function (u) { return u.public_id; }).join(" ");
        banner.hidden = ids.length === 0;
        text.textContent = ids.length === 1 ? "1 urgent case is waiting for a counsellor." :
          ids.length + " urgent cases are waiting for a counsellor.";
        setTitleCount("urgent", ids.length);
        if (fresh.length) {
          body.dataset.alertCount = String((parseInt(body.dataset.alertCount, 10) || 0) + fresh.length);
          playSound(body.dataset.sound);
          notify(ids.length);
        }
      });
    }
    // Every urgent case rings once per tab, also one already waiting when the tab opens.
    var main = document.querySelector("main");
    check().catch(function () {});
    poll((main && parseInt(main.dataset.pollMs, 10)) || 2000, check);
  }

  // --- conversation page -----------------------------------------------------------------
  var WHO = { person: "Person", bot: "Bot", system: "Sahayatri (automatic)" };

  function messageNode(m) {
    var li = el("li", "msg " + m.who);
    li.dataset.id = String(m.id);
    var meta = el("div", "meta");
    meta.appendChild(el("span", "who", m.who === "counsellor" ? m.author + " (counsellor)" : WHO[m.who]));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", "time", m.time));
    if (m.direction === "out") {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", "status status-" + m.status, m.status_label));
    }
    var error = el("span", "error-text", m.last_error || "");
    error.hidden = !m.last_error;
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(error);
    li.appendChild(meta);
    if (m.body) li.appendChild(el("p", "body", m.body));
    if (m.recording) {
      var recording = el("p", "recording", m.recording.label);
      if (m.recording.url) {
        var audio = document.createElement("audio");
        audio.controls = true;
        audio.preload = "none";
        audio.src = m.recording.url;
        recording.appendChild(document.createTextNode(" "));
        recording.appendChild(audio);
      }
      li.appendChild(recording);
    }
    return li;
  }

  function conversationPage(main) {
    var ms = parseInt(main.dataset.pollMs, 10) || 1000;
    var transcript = document.getElementById("transcript");
    var lastId = parseInt(main.dataset.lastId, 10) || 0;
    var knownStatus = main.dataset.handoffStatus, knownCounsellor = main.dataset.counsellor;

    function nearBottom() {
      return window.innerHeight + window.scrollY >= document.body.scrollHeight - 150;
    }

    // fromPoll: only what the poll returned moves lastId (and the close form's seen_up_to),
    // so a reply shown early can never make the page skip a message the person sent before it.
    function append(m, fromPoll) {
      insertMessage(transcript, m);
      if (fromPoll && m.id > lastId) {
        lastId = m.id;
        // The close form tells the server what this page has shown.
        document.querySelectorAll("input.seen-up-to").forEach(function (input) {
          input.value = String(lastId);
        });
      }
    }

    function updateStatus(s) {
      var li = transcript.querySelector('li[data-id="' + s.id + '"]');
      if (!li) return;
      var status = li.querySelector(".status");
      if (status) {
        status.textContent = s.status_label;
        status.className = "status status-" + s.status;
      }
      var error = li.querySelector(".error-text");
      if (error) {
        error.textContent = s.last_error || "";
        error.hidden = !s.last_error;
      }
    }

    function changed(text) {
      var banner = document.getElementById("changed");
      document.getElementById("changed-text").textContent = text;
      banner.hidden = false;
    }

    function refresh() {
      var follow = nearBottom();
      return getJSON(main.dataset.api + "?after=" + lastId).then(function (data) {
        var before = lastId;
        data.messages.forEach(function (m) { append(m, true); });
        data.statuses.forEach(updateStatus);
        if (follow && lastId !== before) window.scrollTo(0, document.body.scrollHeight);
        var h = data.handoff;
        if (h.status !== knownStatus || (h.counsellor || "") !== knownCounsellor) {
          var who = h.counsellor ? " (" + h.counsellor + ")" : "";
          changed("This conversation changed: it is now " + h.status + who + ".");
        }
      }, function (error) {
        if (error.status === 401) {
          changed("Your session has ended: copy any draft, then reload to log in again.");
          return;
        }
        if (error.status === 403 || error.status === 404) {
          changed("You can no longer see this conversation (" + error.message + ").");
          return;
        }
        throw error;
      });
    }

    poll(ms, refresh);
    window.scrollTo(0, document.body.scrollHeight);
    replyBox(function (m) { append(m, false); });
  }

  function insertMessage(transcript, m) {
    if (transcript.querySelector('li[data-id="' + m.id + '"]')) return;
    var node = messageNode(m);
    var later = Array.from(transcript.children).find(function (li) {
      return parseInt(li.dataset.id, 10) > m.id;
    });
    transcript.insertBefore(node, later || null);
    var empty = transcript.parentNode.querySelector("p.empty");
    if (empty) empty.hidden = true;
  }

  function replyBox(show) {
    var form = document.getElementById("reply-form");
    if (!form) return;
    var box = document.getElementById("reply-body");
    var counter = document.getElementById("segments");
    var errorBox = document.getElementById("reply-error");
    var send = document.getElementById("reply-send");

    function count() {
      var cost = countSegments(box.value);
      var limit = cost.encoding === "GSM-7" ? (cost.segments > 1 ? 153 : 160) : (cost.segments > 1 ? 67 : 70);
      counter.textContent = cost.encoding + " · " + cost.units + " characters · " + cost.segments +
        " SMS" + (cost.segments > 0 ? " (" + limit + " per SMS)" : "");
      counter.dataset.encoding = cost.encoding;
      counter.dataset.segments = String(cost.segments);
      counter.classList.toggle("costly", cost.segments > 2);
    }
    box.addEventListener("input", count);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : send.click();
      }
    });
    count();

    function insert(text) {
      var start = box.selectionStart, end = box.selectionEnd;
      var before = box.value.slice(0, start), after = box.value.slice(end);
      var gap = before && !/\s$/.test(before) ? " " : "";
      box.value = before + gap + text + after;
      box.focus();
      box.selectionStart = box.selectionEnd = before.length + gap.length + text.length;
      count();
    }
    referralTool(insert);

    document.querySelectorAll("button.canned-insert").forEach(function (button) {
      button.addEventListener("click", function () { insert(button.dataset.text); });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      if (!box.value.trim()) {
        errorBox.textContent = "The reply is empty: nothing was sent.";
        errorBox.hidden = false;
        return;
      }
      send.disabled = true;
      fetch(form.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ body: box.value })
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || ("error " + response.status));
          return data;
        });
      }).then(function (data) {
        box.value = "";
        count();
        data.messages.forEach(show);
        window.scrollTo(0, document.body.scrollHeight);
      }).catch(function (error) {
        // The draft stays in the box so nothing the counsellor wrote is lost.
        errorBox.textContent = "Not sent: " + error.message;
        errorBox.hidden = false;
      }).then(function () { send.disabled = false; });
    });
  }

  // Directory entries into the reply box, in the conversation's form; only verified ones.
  function referralTool(insert) {
    var tool = document.getElementById("referral-tool");
    var search = document.getElementById("referral-search");
    if (!tool || !search) return;
    var results = document.getElementById("referral-results");
    var question = document.getElementById("referral-question");
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams(new FormData(search));
      getJSON(tool.dataset.api + "?" + params.toString()).then(function (data) {
        question.hidden = !data.clarify;
        question.textContent = data.clarify ? data.clarify.question : "";
        var items = data.results.map(function (entry) {
          var li = el("li", entry.verified ? "verified" : "unverified");
          li.appendChild(el("span", "referral-name", entry.name));
          if (entry.text) {
            li.appendChild(el("span", "referral-text", entry.text));
            var button = el("button", "secondary small referral-insert", "Insert");
            button.type = "button";
            button.addEventListener("click", function () {
              insert(entry.text);
              var box = document.querySelector('input[name="referrals"][value="' + entry.id + '"]');
              if (box) box.checked = true; // the wrap-up records what she was given
            });
            li.appendChild(button);
          } else {
            li.appendChild(el("span", "urgent-text", entry.warning || "Unverified: not to be given out."));
          }
          return li;
        });
        if (!items.length) items = [el("li", "empty", "No entries match.")];
        results.replaceChildren.apply(results, items);
      }, function (error) {
        results.replaceChildren(el("li", "error-text", "Could not search: " + error.message));
      });
    });
  }

  // Destructive buttons ask first.
  function confirmations() {
    document.querySelectorAll("button[data-action='deactivate'], button[data-action='reset_password'], #close, #erase, #transfer-anyway").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var what = button.id === "close" ? "close this conversation" :
          button.dataset.user ? button.textContent.toLowerCase() + " for " + button.dataset.user :
          button.textContent.toLowerCase();
        if (!window.confirm("Really " + what + "?")) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var main = document.querySelector("main");
    if (main && main.dataset.page === "queue") queuePage(main);
    if (main && main.dataset.page === "conversation") conversationPage(main);
    if (document.body.dataset.alerts) alerts(document.body);
    confirmations();
  });
})();
