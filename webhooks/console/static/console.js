// Sahayatri counsellor console: live queue and transcript by polling, reply without reloading,
// SMS segment counter. No libraries, no inline scripts (CSP default-src 'self').
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
  function queuePage(main) {
    var ms = parseInt(main.dataset.pollMs, 10) || 1000;
    var filter = document.getElementById("language-filter");
    var baseTitle = document.title;
    if (filter) {
      filter.addEventListener("change", function () { filter.form.submit(); });
    }

    function cell(row, text) { row.appendChild(el("td", null, text)); return row; }

    function link(url) {
      var td = el("td"), a = el("a", null, "Open");
      a.href = url; td.appendChild(a);
      return td;
    }

    function renderWaiting(items) {
      var body = document.getElementById("waiting");
      var rows = items.map(function (item) {
        var row = el("tr", item.priority + (item.breach ? " breach" : ""));
        row.dataset.publicId = item.public_id;
        cell(row, item.priority); cell(row, item.reason); cell(row, item.language_label);
        cell(row, item.channel);
        var since = el("td", null, item.since + " (" + item.waited_minutes + " min)");
        if (item.breach) {
          since.appendChild(document.createTextNode(" · "));
          since.appendChild(el("strong", null, "over target"));
        }
        row.appendChild(since);
        row.appendChild(link(item.url));
        return row;
      });
      body.replaceChildren.apply(body, rows);
      document.getElementById("waiting-empty").hidden = items.length > 0;
    }

    function renderMine(items) {
      var body = document.getElementById("mine");
      var rows = items.map(function (item) {
        var row = el("tr", item.awaiting_reply ? "awaiting" : "");
        cell(row, item.priority); cell(row, item.language_label); cell(row, item.channel);
        var last = el("td", null, item.last_message);
        if (item.awaiting_reply) {
          last.appendChild(document.createTextNode(" · "));
          last.appendChild(el("strong", null, "awaiting your reply"));
        }
        row.appendChild(last);
        row.appendChild(link(item.url));
        return row;
      });
      body.replaceChildren.apply(body, rows);
      document.getElementById("mine-empty").hidden = items.length > 0;
    }

    function refresh() {
      var url = main.dataset.api + (filter && filter.value ? "?language=" + encodeURIComponent(filter.value) : "");
      return getJSON(url).then(function (data) {
        renderWaiting(data.waiting);
        renderMine(data.mine);
        Object.keys(data.counts).forEach(function (key) {
          var node = document.querySelector('[data-count="' + key + '"]');
          if (node) node.textContent = String(data.counts[key]);
        });
        var waiting = data.counts.waiting, awaiting = data.mine.filter(function (m) { return m.awaiting_reply; }).length;
        var total = waiting + awaiting;
        document.title = (total ? "(" + total + ") " : "") + baseTitle;
      });
    }

    poll(ms, function () {
      return refresh().catch(function (error) {
        if (error.status === 401) window.location.reload(); // to the log-in page
        throw error;
      });
    });
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
    li.appendChild(el("p", "body", m.body));
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
    count();

    document.querySelectorAll("button.canned-insert").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = button.dataset.text;
        var start = box.selectionStart, end = box.selectionEnd;
        box.value = box.value.slice(0, start) + text + box.value.slice(end);
        box.focus();
        box.selectionStart = box.selectionEnd = start + text.length;
        count();
      });
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

  // Destructive buttons ask first.
  function confirmations() {
    document.querySelectorAll("button[data-action='deactivate'], button[data-action='reset_password'], #close").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var what = button.id === "close" ? "close this conversation" : button.textContent.toLowerCase() + " for " + button.dataset.user;
        if (!window.confirm("Really " + what + "?")) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var main = document.querySelector("main");
    if (main && main.dataset.page === "queue") queuePage(main);
    if (main && main.dataset.page === "conversation") conversationPage(main);
    confirmations();
  });
})();
