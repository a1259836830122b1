/*
 * Sahayatri web chat widget. Embed with one tag:
 *   <script src="https://<gateway>/widget/sahayatri.js" defer
 *           data-title="Chat" data-exit-url="https://www.google.com/search?q=weather"
 *           data-language="en|ne|ne-Latn" data-icon="chat|neutral"></script>
 *
 * The same script runs in two places:
 * - on the partner's page ("host"): only the launcher and the Quick exit button, in a shadow
 *   root, and an <iframe> of /widget/frame, created when the person opens the chat;
 * - inside that frame (data-mode="frame"), on the gateway's own origin: the chat panel, its
 *   token, its transcript (the frame's sessionStorage) and every request to the chat API.
 * The partner's page (its analytics, or an XSS there) cannot read the conversation: the
 * browser keeps a cross-origin frame's document and storage out of its reach. The two talk
 * only through postMessage, about nothing private: open, close, unread count, language, exit.
 *
 * No framework. Message text is only ever set with textContent. The gateway inlines
 * sahayatri.css below when serving.
 */
(function () {
  "use strict";

  var CSS = "/*@sahayatri-css*/";
  var FONT_PATH = "/*@sahayatri-font*/";
  var DEVANAGARI_RANGE =
    "U+0900-097F, U+1CD0-1CF9, U+200C-200D, U+20A8, U+20B9, U+20F0, U+25CC, U+A830-A839, " +
    "U+A8E0-A8FF, U+11B00-11B09";
  var DEFAULT_EXIT_URL = "https://www.google.com/search?q=weather";
  var MAX_CHARS = 1600;
  var STORE_PREFIX = "sahayatri.";
  var MAX_STORED_MESSAGES = 100;
  var SEND_TIMEOUT_MS = 30000;
  var POLL_TIMEOUT_MS = 20000;
  var ESC_WINDOW_MS = 1500;
  var LANGS = ["en", "ne", "ne-Latn"];
  var LANG_NAMES = { en: "English", ne: "नेपाली", "ne-Latn": "Nepali (Roman)" };

  var TEXT = {
    en: {
      title: "Chat",
      open: "Open chat",
      close: "Close",
      closeLabel: "Close chat (the conversation stays)",
      exit: "Quick exit",
      exitLabel: "Quick exit: erase this chat and leave this site",
      language: "Language",
      privacy:
        "You don't need to give your name or phone number. A bot answers, or a counsellor " +
        "if you ask for one. On this phone the chat stays only until you close this tab. " +
        "Quick exit (or Esc twice) erases it at once and opens another site.",
      log: "Conversation",
      input: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      sending: "Sending…",
      suggestions: "Suggestions",
      you: "You",
      bot: "Reply",
      counsellor: "Counsellor",
      system: "Notice",
      waiting: "Waiting for a counsellor. You can keep writing.",
      withCounsellor: "You are talking with a counsellor.",
      counter: "{n} / {max}",
      tooLong: "Your message is too long: please keep it under {max} characters ({n} too many).",
      rateLimited: "You are sending messages very fast. Please wait a moment, then send again.",
      network: "Could not send. Please check your connection and try again.",
      failed: "Sorry, something went wrong. Please try again in a moment.",
      unread: "{n} new",
      quick: [
        ["Menu", "menu"],
        ["Talk to a counsellor", "I need a counsellor"],
        ["Fees", "How much can an agency charge me?"],
        ["Labour permit", "How do I get a labour permit?"],
        ["Trafficking signs", "What are the signs of trafficking?"],
      ],
    },
    ne: {
      title: "कुराकानी",
      open: "कुराकानी खोल्नुहोस्",
      close: "बन्द",
      closeLabel: "कुराकानी बन्द गर्नुहोस् (सन्देशहरू रहन्छन्)",
      exit: "तुरुन्तै बाहिर",
      exitLabel: "तुरुन्तै बाहिर: यो कुराकानी मेटेर यो साइट छोड्नुहोस्",
      language: "भाषा",
      privacy:
        "तपाईंको नाम वा फोन नम्बर दिनु पर्दैन। जवाफ बोटले दिन्छ, तपाईंले चाहेमा " +
        "परामर्शदाताले। यो फोनमा कुराकानी यो ट्याब बन्द नगरेसम्म मात्र रहन्छ। " +
        "तुरुन्तै बाहिर (वा Esc दुई पटक) थिच्दा यो तुरुन्तै मेटिन्छ र अर्को साइट खुल्छ।",
      log: "कुराकानी",
      input: "तपाईंको सन्देश",
      placeholder: "सन्देश लेख्नुहोस्…",
      send: "पठाउनुहोस्",
      sending: "पठाउँदै…",
      suggestions: "सुझावहरू",
      you: "तपाईं",
      bot: "जवाफ",
      counsellor: "परामर्शदाता",
      system: "सूचना",
      waiting: "परामर्शदाताको प्रतीक्षा हुँदैछ। तपाईं लेख्दै गर्न सक्नुहुन्छ।",
      withCounsellor: "तपाईं परामर्शदातासँग कुरा गर्दै हुनुहुन्छ।",
      counter: "{n} / {max}",
      tooLong: "सन्देश धेरै लामो भयो: {max} अक्षरभन्दा छोटो लेख्नुहोस् ({n} अक्षर बढी)।",
      rateLimited: "तपाईंले धेरै छिटो सन्देश पठाउनुभयो। एकछिन पर्खेर फेरि पठाउनुहोस्।",
      network: "पठाउन सकिएन। इन्टरनेट जाँचेर फेरि प्रयास गर्नुहोस्।",
      failed: "माफ गर्नुहोस्, केही गडबड भयो। एकछिनपछि फेरि प्रयास गर्नुहोस्।",
      unread: "{n} नयाँ",
      quick: [
        ["मेनु", "मेनु"],
        ["परामर्शदातासँग कुरा", "परामर्शदाता चाहियो"],
        ["शुल्क", "म्यानपावरलाई कति पैसा तिर्नुपर्छ?"],
        ["श्रम स्वीकृति", "श्रम स्वीकृति कसरी लिने?"],
        ["बेचबिखनका संकेत", "मानव बेचबिखनका संकेत के हुन्?"],
      ],
    },
    "ne-Latn": {
      title: "Kurakani",
      open: "Kurakani kholnuhos",
      close: "Banda",
      closeLabel: "Kurakani banda garnuhos (sandesh rahanchhan)",
      exit: "Turuntai bahira",
      exitLabel: "Turuntai bahira: yo kurakani metera yo site chhodnuhos",
      language: "Bhasa",
      privacy:
        "Tapai ko naam wa phone number dinu pardaina. Jawaf bot le dinchha, tapai le chahema " +
        "counsellor le. Yo phone ma kurakani yo tab banda nagaresamma matra rahanchha. " +
        "Turuntai bahira (wa Esc dui patak) thichda yo turuntai metinchha ra arko site khulchha.",
      log: "Kurakani",
      input: "Tapai ko sandesh",
      placeholder: "Sandesh lekhnuhos…",
      send: "Pathaunus",
      sending: "Pathaudai…",
      suggestions: "Sujhav",
      you: "Tapai",
      bot: "Jawaf",
      counsellor: "Counsellor",
      system: "Suchana",
      waiting: "Counsellor ko partikshya hudai chha. Tapai lekhdai garna saknuhunchha.",
      withCounsellor: "Tapai counsellor sanga kura gardai hunuhunchha.",
      counter: "{n} / {max}",
      tooLong: "Sandesh dherai lamo bhayo: {max} akshar bhanda chhoto lekhnuhos ({n} akshar badhi).",
      rateLimited: "Tapai le dherai chhito sandesh pathaunubhayo. Ekchhin parkhera feri pathaunuhos.",
      network: "Pathauna sakiena. Internet janchera feri prayas garnuhos.",
      failed: "Maaf garnuhos, kehi gadbad bhayo. Ekchhin pachhi feri prayas garnuhos.",
      unread: "{n} naya",
      quick: [
        ["Menu", "menu dekhaunus"],
        ["Counsellor sanga kura", "counsellor chahiyo"],
        ["Shulka", "manpower lai kati paisa tirnuparchha?"],
        ["Shram swikriti", "shram swikriti kasari line?"],
        ["Bechbikhan ka sanket", "manav bechbikhan ka sanket k hun?"],
      ],
    },
  };

  // ---------------------------------------------------------------- start-up checks

  var script =
    document.currentScript || document.querySelector('script[src*="/widget/sahayatri.js"]');
  if (!script || !document.documentElement.attachShadow || !window.fetch) return;
  if (document.getElementById("sahayatri-widget")) return; // the tag is on the page twice

  var widgetBase = new URL(".", script.src); // https://gateway/widget/
  var apiBase = new URL("../api/chat/", widgetBase); // https://gateway/api/chat/
  var gatewayOrigin = widgetBase.origin;
  var data = script.dataset;
  var FRAME = data.mode === "frame" && window.parent !== window;
  var HOST_PREFIX = "sahayatri.host."; // the partner page's two flags: a chat exists, is open

  function normaliseLanguage(value) {
    var lowered = String(value || "").toLowerCase();
    if (lowered === "ne-latn" || lowered === "ne_latn" || lowered === "roman") return "ne-Latn";
    return lowered === "ne" || lowered === "en" ? lowered : null;
  }

  function safeUrl(value) {
    try {
      var url = new URL(value, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  var options = {
    title: (data.title || "").trim(),
    exitUrl: safeUrl(data.exitUrl) || DEFAULT_EXIT_URL,
    language: normaliseLanguage(data.language) || "en",
    neutralIcon: data.icon === "neutral",
  };

  // Fonts declared inside a shadow root are ignored by Chrome, so the fallback @font-face goes
  // on the document, under a family name no host page uses. It is downloaded only if a
  // Devanagari character must be drawn and no system font before it in the stack has it.
  adopt(
    document,
    "@font-face{font-family:'Sahayatri Devanagari';font-style:normal;font-weight:400;" +
      "font-display:swap;src:url('" +
      new URL(FONT_PATH, widgetBase).href +
      "') format('woff2');unicode-range:" +
      DEVANAGARI_RANGE +
      ";}",
    document.head || document.documentElement
  );

  if (!FRAME) {
    hostMain();
    return;
  }

  // ---------------------------------------------------------------- on the partner's page

  function hostMain() {
    var hostStore = {
      get: function (key) {
        try {
          return window.sessionStorage.getItem(HOST_PREFIX + key);
        } catch (error) {
          return null;
        }
      },
      set: function (key, value) {
        try {
          window.sessionStorage.setItem(HOST_PREFIX + key, value);
        } catch (error) {
          /* a private mode: the chat simply does not survive a page change */
        }
      },
      clear: function () {
        try {
          window.sessionStorage.removeItem(HOST_PREFIX + "active");
          window.sessionStorage.removeItem(HOST_PREFIX + "open");
        } catch (error) {
          /* nothing stored */
        }
      },
    };
    var lang = options.language;
    var frame = null;
    var frameReady = false;
    var pendingOpen = null;
    var unread = 0;
    var leaving = false;
    var exitTimer = null;
    var lastEscape = 0;

    function ht(key) {
      return TEXT[lang][key];
    }

    var host = el("div", { id: "sahayatri-widget" });
    var root = host.attachShadow({ mode: "open" });
    adopt(root, CSS, root);
    var app = el("div", { class: "sy", lang: lang });
    var dockExit = el("button", { type: "button", class: "sy-exit", "data-sy": "exit" });
    var launcher = el("button", {
      type: "button",
      class: "sy-launcher",
      "aria-expanded": "false",
      "data-sy": "launcher",
    });
    var launcherText = el("span", {});
    var badge = el("span", { class: "sy-badge", hidden: true });
    launcher.appendChild(icon(options.neutralIcon));
    launcher.appendChild(launcherText);
    launcher.appendChild(badge);
    var dock = el("div", { class: "sy-dock" });
    dock.appendChild(dockExit);
    dock.appendChild(launcher);
    app.appendChild(dock);
    root.appendChild(app);

    function render() {
      var title = options.title || ht("title");
      var label = options.title || ht("open");
      app.setAttribute("lang", lang);
      launcherText.textContent = title;
      dockExit.textContent = ht("exit");
      dockExit.setAttribute("aria-label", ht("exitLabel"));
      badge.hidden = unread === 0;
      badge.textContent = unread ? ht("unread").split("{n}").join(String(unread)) : "";
      launcher.setAttribute("aria-label", unread ? label + " (" + badge.textContent + ")" : label);
      if (frame) frame.setAttribute("title", title);
    }

    function ensureFrame() {
      if (frame) return;
      var url = new URL("frame", widgetBase);
      url.searchParams.set("lang", lang);
      if (options.title) url.searchParams.set("title", options.title);
      frame = el("iframe", {
        class: "sy-frame",
        "data-sy": "frame",
        src: url.href,
        referrerpolicy: "no-referrer",
        hidden: true,
      });
      app.appendChild(frame);
      hostStore.set("active", "1");
      render();
    }

    function tell(message) {
      if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, gatewayOrigin);
    }

    function openPanel(focus) {
      ensureFrame();
      frame.hidden = false;
      dock.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      hostStore.set("open", "1");
      unread = 0;
      render();
      var message = { sy: "open", focus: focus };
      if (!frameReady) {
        pendingOpen = message;
        return;
      }
      if (focus) frame.focus();
      tell(message);
    }

    function closePanel() {
      if (frame) frame.hidden = true;
      dock.hidden = false;
      launcher.setAttribute("aria-expanded", "false");
      try {
        window.sessionStorage.removeItem(HOST_PREFIX + "open");
      } catch (error) {
        /* nothing stored */
      }
      launcher.focus();
      tell({ sy: "closed" });
    }

    function leave() {
      clearTimeout(exitTimer);
      hostStore.clear();
      if (host.parentNode) host.parentNode.removeChild(host);
      location.replace(options.exitUrl); // replaces this history entry: Back does not return
    }

    function quickExit() {
      if (leaving) return;
      leaving = true;
      hostStore.clear();
      // Hide the page at once while the neutral site loads (seconds, on a slow connection).
      try {
        document.documentElement.style.visibility = "hidden";
        document.title = "";
      } catch (error) {
        /* keep going: leaving matters more */
      }
      if (!frame || !frameReady) return leave();
      tell({ sy: "exit" }); // the frame ends the session and clears its storage, then says so
      exitTimer = setTimeout(leave, 400);
    }

    window.addEventListener("message", function (event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== gatewayOrigin) return;
      var message = event.data || {};
      if (message.sy === "ready") {
        frameReady = true;
        if (pendingOpen) {
          if (pendingOpen.focus) frame.focus();
          tell(pendingOpen);
          pendingOpen = null;
        }
      } else if (message.sy === "close") {
        closePanel();
      } else if (message.sy === "exit") {
        if (!leaving) {
          leaving = true;
          try {
            document.documentElement.style.visibility = "hidden";
          } catch (error) {
            /* keep going */
          }
        }
        leave();
      } else if (message.sy === "exited") {
        leave();
      } else if (message.sy === "unread") {
        unread = frame.hidden ? Math.max(0, Math.min(99, message.n | 0)) : 0;
        render();
      } else if (message.sy === "lang" && TEXT[message.lang]) {
        lang = message.lang;
        render();
      }
    });

    launcher.addEventListener("click", function (event) {
      openPanel(event.detail === 0 ? "input" : "title"); // detail 0: Enter or Space
    });
    dockExit.addEventListener("click", quickExit);
    window.addEventListener(
      "keydown",
      function (event) {
        if (event.key !== "Escape" && event.key !== "Esc") return;
        var now = Date.now();
        if (now - lastEscape < ESC_WINDOW_MS) quickExit();
        else lastEscape = now;
      },
      true
    );

    render();
    (document.body || document.documentElement).appendChild(host);
    if (hostStore.get("active") === "1") {
      ensureFrame(); // the chat of an earlier page in this tab: its replies and badge go on
      if (hostStore.get("open") === "1") openPanel(null);
    }
  }

  // ---------------------------------------------------------------- in the frame: storage

  var memory = {}; // used when sessionStorage is blocked (some private modes, sandboxed frames)
  var store = {
    get: function (key) {
      try {
        return window.sessionStorage.getItem(STORE_PREFIX + key);
      } catch (error) {
        return key in memory ? memory[key] : null;
      }
    },
    set: function (key, value) {
      try {
        window.sessionStorage.setItem(STORE_PREFIX + key, value);
      } catch (error) {
        memory[key] = value;
      }
    },
    remove: function (key) {
      delete memory[key];
      try {
        window.sessionStorage.removeItem(STORE_PREFIX + key);
      } catch (error) {
        /* nothing stored there */
      }
    },
    clearAll: function () {
      memory = {};
      try {
        for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
          var key = window.sessionStorage.key(i);
          if (key && key.indexOf(STORE_PREFIX) === 0) window.sessionStorage.removeItem(key);
        }
      } catch (error) {
        /* nothing stored there */
      }
    },
  };

  function readJson(key, fallback) {
    try {
      var value = JSON.parse(store.get(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  // ---------------------------------------------------------------- state

  var lang = normaliseLanguage(store.get("lang")) || options.language;
  var picked = store.get("picked") === "1"; // chose a form with the toggle: sent to the server
  var convState = store.get("state") || "bot";
  var lastId = parseInt(store.get("last") || "0", 10) || 0;
  var transcript = readJson("log", []);
  var seen = {};
  transcript.forEach(function (item) {
    if (item.id) seen[item.id] = true;
  });
  var sending = false;
  var polling = false;
  var pollTimer = null;
  var pollFailures = 0;
  var unread = 0;
  var exited = false;
  var lastEscape = 0;
  var controllers = [];

  function t(key, values) {
    var text = TEXT[lang][key];
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(values[name]));
      });
    }
    return text;
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] === true) node.setAttribute(name, "");
      else if (attrs[name] !== false && attrs[name] != null) node.setAttribute(name, attrs[name]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  function icon(neutral) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      neutral // a plain "i" in a circle: says nothing about what is behind it
        ? "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-6h2v6zm0-8h-2V7h2v2z"
        : "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"
    );
    svg.appendChild(path);
    return svg;
  }

  function adopt(target, cssText, fallbackParent) {
    // Constructed stylesheets are not inline <style>: a strict host CSP (style-src 'self')
    // does not block them. Very old browsers get a <style> element instead.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(cssText);
      target.adoptedStyleSheets = target.adoptedStyleSheets.concat([sheet]);
    } catch (error) {
      fallbackParent.appendChild(el("style", {}, cssText));
    }
  }

  // ---------------------------------------------------------------- build the widget

  var host = el("div", { id: "sahayatri-widget" });
  var root = host.attachShadow({ mode: "open" });
  adopt(root, CSS, root);

  var ui = {};
  ui.app = el("div", { class: "sy sy--frame", lang: lang });
  ui.panel = el("section", { id: "sy-panel", class: "sy-panel" });
  var head = el("div", { class: "sy-head" });
  ui.title = el("h2", { class: "sy-title", id: "sy-title", tabindex: "-1" });
  ui.panel.setAttribute("aria-labelledby", "sy-title");
  ui.panelExit = el("button", { type: "button", class: "sy-exit", "data-sy": "exit" });
  ui.close = el("button", { type: "button", class: "sy-close", "data-sy": "close" });
  head.appendChild(ui.title);
  head.appendChild(ui.panelExit);
  head.appendChild(ui.close);

  ui.langs = el("div", { class: "sy-langs", role: "group" });
  ui.langButtons = LANGS.map(function (code) {
    var button = el(
      "button",
      { type: "button", class: "sy-lang", lang: code, "data-lang": code },
      LANG_NAMES[code]
    );
    button.addEventListener("click", function () {
      setLanguage(code, true);
    });
    ui.langs.appendChild(button);
    return button;
  });

  ui.scroll = el("div", { class: "sy-log" });
  ui.privacy = el("p", { class: "sy-msg sy-msg--notice", "data-sy": "privacy" });
  ui.log = el("div", { class: "sy-log-items", role: "log", "aria-live": "polite" });
  ui.scroll.appendChild(ui.privacy);
  ui.scroll.appendChild(ui.log);

  ui.status = el("p", { class: "sy-status", role: "status", hidden: true });
  ui.quick = el("div", { class: "sy-quick", role: "group" });
  ui.form = el("form", { class: "sy-form", novalidate: true });
  ui.inputLabel = el("label", { class: "sy-sr", for: "sy-input" });
  ui.input = el("textarea", {
    id: "sy-input",
    class: "sy-input",
    rows: "1",
    autocomplete: "off",
    "aria-describedby": "sy-counter",
    "data-sy": "input",
  });
  ui.send = el("button", { type: "submit", class: "sy-send", "data-sy": "send" });
  ui.form.appendChild(ui.inputLabel);
  ui.form.appendChild(ui.input);
  ui.form.appendChild(ui.send);
  ui.counter = el("p", { id: "sy-counter", class: "sy-counter", "data-sy": "counter" });
  ui.alert = el("p", { class: "sy-sr", role: "status" });

  [head, ui.langs, ui.scroll, ui.status, ui.quick, ui.form, ui.counter, ui.alert].forEach(
    function (part) {
      ui.panel.appendChild(part);
    }
  );
  ui.app.appendChild(ui.panel);
  root.appendChild(ui.app);

  // ---------------------------------------------------------------- rendering

  function renderStrings() {
    var title = options.title || t("title");
    ui.app.setAttribute("lang", lang);
    document.documentElement.setAttribute("lang", lang);
    document.title = title;
    ui.title.textContent = title;
    ui.panelExit.textContent = t("exit");
    ui.panelExit.setAttribute("aria-label", t("exitLabel"));
    ui.close.textContent = t("close");
    ui.close.setAttribute("aria-label", t("closeLabel"));
    ui.langs.setAttribute("aria-label", t("language"));
    ui.langButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-lang") === lang));
    });
    ui.privacy.textContent = t("privacy");
    ui.log.setAttribute("aria-label", t("log"));
    ui.inputLabel.textContent = t("input");
    ui.input.setAttribute("placeholder", t("placeholder"));
    ui.send.textContent = sending ? t("sending") : t("send");
    ui.quick.setAttribute("aria-label", t("suggestions"));
    ui.quick.textContent = "";
    t("quick").forEach(function (pair) {
      var button = el("button", { type: "button", "data-sy": "quick" }, pair[0]);
      button.addEventListener("click", function () {
        send(pair[1]);
      });
      ui.quick.appendChild(button);
    });
    renderState();
    renderCounter();
    renderBadge();
  }

  function renderState() {
    var text = convState === "waiting" ? t("waiting") : "";
    if (convState === "with_counsellor") text = t("withCounsellor");
    ui.status.textContent = text;
    ui.status.hidden = !text;
  }

  function renderCounter() {
    var length = ui.input.value.length;
    var over = length > MAX_CHARS;
    ui.counter.textContent = over
      ? t("tooLong", { max: MAX_CHARS, n: length - MAX_CHARS })
      : t("counter", { n: length, max: MAX_CHARS });
    ui.counter.className = "sy-counter" + (over ? " sy-counter--over" : "");
    ui.input.setAttribute("aria-invalid", String(over));
    if (over !== ui.alert.hasAttribute("data-over")) {
      // Announce crossing the limit once, not every keystroke.
      ui.alert.textContent = over ? t("tooLong", { max: MAX_CHARS, n: length - MAX_CHARS }) : "";
      if (over) ui.alert.setAttribute("data-over", "");
      else ui.alert.removeAttribute("data-over");
    }
    ui.send.disabled = sending || over;
  }

  function renderBadge() {
    tellHost({ sy: "unread", n: unread }); // the launcher's badge is on the partner's page
  }

  function tellHost(message) {
    // Nothing private ever goes to the partner's page: only these small notices.
    window.parent.postMessage(message, "*");
  }

  function messageNode(kind, text, buttons) {
    var node = el("div", { class: "sy-msg sy-msg--" + kind, "data-sy": "message" });
    node.setAttribute("data-kind", kind);
    var labels = { user: "you", bot: "bot", counsellor: "counsellor", system: "system" };
    var label = t(labels[kind] || "system");
    node.appendChild(el("span", { class: kind === "counsellor" ? "sy-who" : "sy-sr" }, label));
    if (kind !== "counsellor") node.firstChild.textContent = label + ": ";
    node.appendChild(el("span", { class: "sy-text" }, text)); // textContent: never markup
    if (buttons && buttons.length) node.appendChild(choicesNode(buttons));
    return node;
  }

  // The bot's choices (menu screens, "which do you mean?"): a button sends its payload (the
  // number an SMS user would type) and shows its title as what the person said.
  function choicesNode(buttons) {
    var group = el("div", { class: "sy-choices", role: "group", "data-sy": "choices" });
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string" || typeof button.payload !== "string") return;
      var choice = el("button", { type: "button", "data-sy": "choice" }, button.title);
      choice.addEventListener("click", function () {
        send(button.payload, button.title);
      });
      group.appendChild(choice);
    });
    return group;
  }

  function dropOldChoices() {
    // Only the latest question's buttons stay: an old screen's numbers mean something else now.
    Array.prototype.forEach.call(ui.log.querySelectorAll("[data-sy=choices]"), function (group) {
      group.parentNode.removeChild(group);
    });
    transcript.forEach(function (item) {
      delete item.b;
    });
  }

  function scrollToEnd() {
    ui.scroll.scrollTop = ui.scroll.scrollHeight;
  }

  function addMessage(kind, text, id, buttons) {
    if (kind !== "user") dropOldChoices();
    var item = { k: kind, t: text };
    if (id) item.id = id;
    if (buttons && buttons.length) item.b = buttons;
    transcript.push(item);
    if (transcript.length > MAX_STORED_MESSAGES) transcript.splice(0, transcript.length - MAX_STORED_MESSAGES);
    saveTranscript();
    var node = messageNode(kind, text, item.b);
    ui.log.appendChild(node);
    scrollToEnd();
    return { node: node, item: item };
  }

  function removeMessage(added) {
    var index = transcript.indexOf(added.item);
    if (index >= 0) transcript.splice(index, 1);
    saveTranscript();
    if (added.node.parentNode) added.node.parentNode.removeChild(added.node);
  }

  function addError(text) {
    // Shown, announced (it is in the log), but not kept: it is about this moment only.
    var node = el("div", { class: "sy-msg sy-msg--error", "data-sy": "error" }, text);
    ui.log.appendChild(node);
    scrollToEnd();
  }

  function saveTranscript() {
    store.set("log", JSON.stringify(transcript));
  }

  function renderTranscript() {
    ui.log.textContent = "";
    transcript.forEach(function (item) {
      ui.log.appendChild(messageNode(item.k, item.t, item.b));
    });
    scrollToEnd();
  }

  // ---------------------------------------------------------------- opening and closing

  var visible = false; // the partner's page shows or hides this frame and tells it

  function isOpen() {
    return visible;
  }

  function open(focus) {
    visible = true;
    unread = 0;
    renderBadge();
    scrollToEnd();
    // From the keyboard, straight to the message box. From a tap, to the title: a phone's
    // keyboard would otherwise cover half the screen and the privacy notice at once.
    if (focus === "input") ui.input.focus();
    else if (focus === "title") ui.title.focus();
    schedulePoll();
  }

  function close() {
    visible = false;
    tellHost({ sy: "close" }); // the partner's page hides the frame and focuses the launcher
    schedulePoll();
  }

  function setLanguage(code, byPerson) {
    lang = code;
    store.set("lang", code);
    if (byPerson) {
      picked = true;
      store.set("picked", "1");
    }
    renderStrings();
    tellHost({ sy: "lang", lang: code });
  }

  // ---------------------------------------------------------------- quick exit

  function quickExit(askedByHost) {
    if (exited) return;
    exited = true;
    clearTimeout(pollTimer);
    controllers.forEach(function (controller) {
      controller.abort();
    });
    var token = store.get("token");
    if (token) {
      // The token stops working on the server too; keepalive lets it finish as we leave.
      fetch(new URL("session", apiBase).href, {
        method: "DELETE",
        headers: { Authorization: "Bearer " + token },
        credentials: "omit",
        keepalive: true,
        referrerPolicy: "no-referrer",
      }).catch(function () {
        /* leaving matters more; the token also expires by itself */
      });
    }
    store.clearAll();
    transcript = [];
    root.textContent = "";
    if (host.parentNode) host.parentNode.removeChild(host);
    // The partner's page hides itself and leaves for the neutral site (Back does not return).
    tellHost({ sy: askedByHost ? "exited" : "exit" });
  }

  // ---------------------------------------------------------------- talking to the gateway

  function request(method, path, body, token, timeoutMs) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = null;
    if (controller) {
      controllers.push(controller);
      timer = setTimeout(function () {
        controller.abort();
      }, timeoutMs);
    }
    function done() {
      clearTimeout(timer);
      var index = controllers.indexOf(controller);
      if (index >= 0) controllers.splice(index, 1);
    }
    return fetch(new URL(path, apiBase).href, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      signal: controller ? controller.signal : undefined,
    }).then(
      function (response) {
        return response.text().then(function (text) {
          done();
          var json = {};
          try {
            json = JSON.parse(text) || {};
          } catch (error) {
            /* not JSON (a proxy's error page): treated by status alone */
          }
          return { status: response.status, body: json };
        });
      },
      function (error) {
        done();
        throw error;
      }
    );
  }

  function createSession() {
    return request("POST", "session", {}, null, SEND_TIMEOUT_MS).then(function (result) {
      if (result.status !== 201 && result.status !== 200) throw result;
      if (!result.body.token) throw result;
      store.set("token", result.body.token);
      store.set("poll", String(result.body.poll_interval_ms || 1500));
      lastId = 0;
      store.set("last", "0");
      return result.body.token;
    });
  }

  function sessionToken() {
    var token = store.get("token");
    return token ? Promise.resolve(token) : createSession();
  }

  function postMessage(text, retried) {
    return sessionToken().then(function (token) {
      var body = { text: text, language: picked ? lang : null };
      return request("POST", "messages", body, token, SEND_TIMEOUT_MS).then(function (result) {
        if (result.status === 401 && !retried) {
          store.remove("token"); // expired or unknown: start a new anonymous session
          return postMessage(text, true);
        }
        return result;
      });
    });
  }

  function receive(body) {
    (body.messages || []).forEach(function (message) {
      if (!message || message.id == null || seen[message.id]) return;
      seen[message.id] = true;
      var kind = { bot: "bot", counsellor: "counsellor", system: "system" }[message.from] || "bot";
      var buttons = Array.isArray(message.buttons) ? message.buttons : null;
      addMessage(kind, String(message.text == null ? "" : message.text), message.id, buttons);
      if (message.id > lastId) lastId = message.id;
      if (!isOpen()) unread += 1;
    });
    store.set("last", String(lastId));
    renderBadge();
    if (body.state && body.state !== convState) {
      convState = body.state;
      store.set("state", convState);
      renderState();
    }
  }

  function setSending(value) {
    sending = value;
    ui.send.textContent = value ? t("sending") : t("send");
    ui.app.toggleAttribute("data-sending", value);
    renderCounter();
  }

  function send(rawText, shownText) {
    var text = String(rawText || "").trim();
    if (!text || sending || exited) return;
    if (text.length > MAX_CHARS) {
      renderCounter();
      ui.input.focus();
      return;
    }
    var fromInput = rawText === ui.input.value;
    if (fromInput) {
      ui.input.value = "";
      resizeInput();
    }
    var added = addMessage("user", shownText ? String(shownText) : text);
    setSending(true);
    function giveBack(message) {
      // Not accepted: take the bubble back, keep the words so nothing typed is lost.
      removeMessage(added);
      if (!ui.input.value) ui.input.value = text;
      resizeInput();
      addError(message);
    }
    postMessage(text, false)
      .then(
        function (result) {
          if (result.status === 200 || result.status === 201) {
            receive(result.body);
          } else if (result.status === 429) {
            giveBack(result.body.message || t("rateLimited"));
          } else {
            giveBack(result.body.message || t("failed"));
          }
        },
        function (error) {
          if (exited) return;
          giveBack(error && error.status ? t("failed") : t("network"));
        }
      )
      .then(function () {
        setSending(false);
        schedulePoll();
      });
  }

  function pollInterval() {
    var base = parseInt(store.get("poll") || "1500", 10) || 1500;
    if (pollFailures) return Math.min(base * Math.pow(2, pollFailures), 60000);
    // With the bot, replies come back with each message; poll slowly just in case.
    return convState === "bot" ? Math.max(base * 10, 15000) : base;
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (exited || !store.get("token") || document.hidden) return;
    // With the bot and the panel closed nothing can be missed: save the person's data.
    if (convState === "bot" && !isOpen()) return;
    pollTimer = setTimeout(poll, delay === undefined ? pollInterval() : delay);
  }

  function poll() {
    var token = store.get("token");
    if (!token || exited || (convState === "bot" && !isOpen())) return;
    if (polling) return schedulePoll();
    polling = true;
    request("GET", "messages?after=" + encodeURIComponent(lastId), undefined, token, POLL_TIMEOUT_MS)
      .then(
        function (result) {
          if (result.status === 200) {
            pollFailures = 0;
            receive(result.body);
          } else if (result.status === 401) {
            store.remove("token"); // the next message starts a new session
          } else {
            pollFailures += 1;
          }
        },
        function () {
          pollFailures += 1;
        }
      )
      .then(function () {
        polling = false;
        schedulePoll();
      });
  }

  // ---------------------------------------------------------------- events

  function resizeInput() {
    var scroller = ui.scroll;
    var atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    ui.input.style.height = "auto";
    ui.input.style.height = ui.input.scrollHeight + 2 + "px";
    renderCounter();
    if (atEnd) scrollToEnd(); // a growing box must not hide the newest message
  }

  ui.close.addEventListener("click", close);
  ui.panelExit.addEventListener("click", function () {
    quickExit(false);
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return; // only the page that holds this frame
    var message = event.data || {};
    if (message.sy === "open") open(message.focus || null);
    else if (message.sy === "closed") {
      visible = false;
      schedulePoll();
    } else if (message.sy === "exit") quickExit(true);
  });
  ui.form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(ui.input.value);
  });
  ui.input.addEventListener("input", resizeInput);
  ui.input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; never while an input method is composing
    // (Nepali keyboards compose syllables and confirm them with Enter).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send(ui.input.value);
    }
  });

  window.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Escape" && event.key !== "Esc") return;
      var now = Date.now();
      if (now - lastEscape < ESC_WINDOW_MS) quickExit(false);
      else lastEscape = now;
    },
    true
  );

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) schedulePoll(200);
  });

  window.addEventListener("pageshow", function (event) {
    // Restored from the back/forward cache after a quick exit in this tab: nothing to show.
    if (event.persisted && !store.get("token") && transcript.length) {
      transcript = [];
      renderTranscript();
      close();
    }
  });

  // ---------------------------------------------------------------- go

  renderStrings();
  renderTranscript();
  (document.body || document.documentElement).appendChild(host);
  tellHost({ sy: "ready" });
  schedulePoll();
})();
