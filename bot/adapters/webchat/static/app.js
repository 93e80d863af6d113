// The local web chat: pick a person of the organisation, then talk to remm-bot as them.
// Plain DOM, no build step. Text from the server is never parsed as HTML: every node is built here.
(() => {
  "use strict";

  const API = "/webchat/api";
  const MAX_CHARS = 4000;
  const PAGE_SIZE = 50;
  const NEAR_BOTTOM_PX = 80;

  const STRINGS = {
    sv: {
      title: "remm-bot – resfria möten",
      skip: "Hoppa till innehållet",
      tagline: "Resfria möten – fråga innan du bokar resan",
      language: "Språk",
      chattingAs: "Du chattar som",
      switchPerson: "Byt person",
      pickerHeading: "Vem vill du chatta som?",
      pickerIntro: "Välj en person i organisationen. Du ser då chatten precis som den personen ser den.",
      searchLabel: "Sök person",
      searchHint: "Namn, kontor eller avdelning. Pil ned går till listan.",
      loadingPeople: "Hämtar personer …",
      peopleCount: "{n} personer",
      peopleCountOne: "1 person",
      noMatch: "Ingen person matchar sökningen.",
      forbidden: "Personväljaren är bara öppen när remm-bot körs lokalt.",
      chatHeading: "Chatt med remm-bot",
      logLabel: "Meddelanden",
      logEmpty: "Inga meddelanden än. Fråga om en resa så räknar remm-bot på vad ett digitalt möte sparar.",
      examplesLabel: "Prova att skriva:",
      composerLabel: "Ditt meddelande",
      composerHint: "Enter skickar, Skift+Enter ger ny rad.",
      send: "Skicka",
      counter: "{n} av {max} tecken",
      counterOver: "För långt: {n} av {max} tecken",
      tooLong: "Meddelandet är för långt. Skriv högst {max} tecken.",
      typing: "remm-bot skriver …",
      you: "Du",
      newTab: " (öppnas i ny flik)",
      chart: "Diagram",
      choose: "Välj …",
      required: "(obligatoriskt)",
      fieldRequired: "Fyll i: {label}",
      networkError: "Kunde inte nå remm-bot. Kontrollera att servern är igång och försök igen.",
      requestFailed: "Det gick inte just nu. Försök igen.",
      sessionExpired: "Sessionen har gått ut. Välj person igen.",
    },
    en: {
      title: "remm-bot – travel-free meetings",
      skip: "Skip to content",
      tagline: "Travel-free meetings – ask before you book",
      language: "Language",
      chattingAs: "Chatting as",
      switchPerson: "Switch person",
      pickerHeading: "Who do you want to chat as?",
      pickerIntro: "Choose a person in the organisation. You will see the chat exactly as they see it.",
      searchLabel: "Search people",
      searchHint: "Name, office or department. Arrow down moves to the list.",
      loadingPeople: "Loading people …",
      peopleCount: "{n} people",
      peopleCountOne: "1 person",
      noMatch: "Nobody matches the search.",
      forbidden: "The person picker is only open when remm-bot runs locally.",
      chatHeading: "Chat with remm-bot",
      logLabel: "Messages",
      logEmpty: "No messages yet. Ask about a trip and remm-bot works out what a digital meeting saves.",
      examplesLabel: "Try writing:",
      composerLabel: "Your message",
      composerHint: "Enter sends, Shift+Enter adds a new line.",
      send: "Send",
      counter: "{n} of {max} characters",
      counterOver: "Too long: {n} of {max} characters",
      tooLong: "The message is too long. Write at most {max} characters.",
      typing: "remm-bot is typing …",
      you: "You",
      newTab: " (opens in a new tab)",
      chart: "Chart",
      choose: "Choose …",
      required: "(required)",
      fieldRequired: "Please fill in: {label}",
      networkError: "Could not reach remm-bot. Check that the server is running and try again.",
      requestFailed: "That did not work just now. Please try again.",
      sessionExpired: "The session has expired. Please choose a person again.",
    },
  };

  const EXAMPLES = {
    sv: ["Jag ska till Umeå på tisdag, vi är två", "Tåg eller flyg till Göteborg?", "hjälp"],
    en: ["I'm going to Umeå on Tuesday, there are two of us", "Train or plane to Gothenburg?", "help"],
  };

  const LOCALES = { sv: "sv-SE", en: "en-GB" };
  const LANG_KEY = "remm.webchat.lang";

  const state = {
    lang: "sv",
    langExplicit: false,
    person: null,
    people: [],
    entries: new Map(),
    lastId: 0,
    lines: [],
    busy: false,
    events: null,
    retryMs: 1000,
    catchingUp: null,
  };

  const $ = (id) => document.getElementById(id);

  // ---- small helpers -------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function t(key, params = {}) {
    const text = STRINGS[state.lang][key] ?? STRINGS.sv[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
  }

  function chrome(tag, key, attrs = {}) {
    // A piece of page chrome inside a bot card: it follows the page language, not the card's.
    return el(tag, { ...attrs, "data-i18n": key, lang: state.lang }, t(key));
  }

  function formatNumber(n) {
    return new Intl.NumberFormat(LOCALES[state.lang]).format(n);
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    const sameDay = date.toDateString() === new Date().toDateString();
    const options = sameDay
      ? { hour: "2-digit", minute: "2-digit" }
      : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(LOCALES[state.lang], options).format(date);
  }

  function timeElement(iso) {
    return el("time", { datetime: iso, "data-time": iso }, formatTime(iso));
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function fold(text) {
    return String(text ?? "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function storage(kind) {
    try {
      return window[kind];
    } catch {
      return null;
    }
  }

  // ---- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail || code);
      this.status = status;
      this.code = code;
      this.detail = detail;
    }
  }

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, init);
    } catch {
      throw new ApiError(0, "network", "");
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      throw new ApiError(response.status, data?.error || `http_${response.status}`, data?.detail || "");
    }
    return data || {};
  }

  function explain(error) {
    if (error instanceof ApiError && error.status === 0) return t("networkError");
    if (error instanceof ApiError && error.detail) return `${t("requestFailed")} (${error.detail})`;
    return t("requestFailed");
  }

  function handleError(error) {
    if (error instanceof ApiError && error.status === 401) {
      showPicker({ message: t("sessionExpired") });
      return;
    }
    if (!(error instanceof ApiError)) console.error(error);
    showChatError(explain(error));
  }

  // ---- the Markdown subset: **bold**, [label](https://...), bare https links, "- " bullets --------

  function safeUrl(href) {
    try {
      const url = new URL(href, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, label) {
    const url = safeUrl(href);
    if (!url) return document.createTextNode(label);
    const anchor = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, label);
    anchor.append(chrome("span", "newTab", { class: "visually-hidden" }));
    return anchor;
  }

  // **bold**, *emphasis* (the help text's examples use it), [label](https://...) and bare https links.
  const INLINE =
    /\*\*(.+?)\*\*|(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]+)/g;

  function appendInline(parent, text, nested = false) {
    let last = 0;
    for (const match of text.matchAll(new RegExp(INLINE))) {
      parent.append(text.slice(last, match.index));
      let consumed = match[0].length;
      const [, bold, emphasis, label, href, bare] = match;
      if (bold !== undefined || emphasis !== undefined) {
        if (nested) {
          parent.append(bold ?? emphasis);
        } else {
          const node = el(bold !== undefined ? "strong" : "em");
          appendInline(node, bold ?? emphasis, true);
          parent.append(node);
        }
      } else if (label !== undefined) {
        parent.append(link(href, label));
      } else {
        const url = bare.replace(/[.,;:!?)\]]+$/, "");
        consumed = url.length;
        parent.append(link(url, url));
      }
      last = match.index + consumed;
    }
    parent.append(text.slice(last));
  }

  function renderMarkdown(text) {
    const fragment = document.createDocumentFragment();
    let paragraph = null;
    let list = null;
    for (const raw of String(text ?? "").replace(/\r\n?/g, "\n").split("\n")) {
      const line = raw.trimEnd();
      const bullet = /^\s*[-•]\s+(.*)$/.exec(line);
      if (bullet) {
        paragraph = null;
        if (!list) fragment.append((list = el("ul")));
        const item = el("li");
        appendInline(item, bullet[1]);
        list.append(item);
        continue;
      }
      list = null;
      if (!line.trim()) {
        paragraph = null;
        continue;
      }
      if (paragraph) paragraph.append(el("br"));
      else fragment.append((paragraph = el("p")));
      appendInline(paragraph, line);
    }
    return fragment;
  }

  // ---- rendering the bot's cards ------------------------------------------------------------

  function personLang() {
    return state.person?.locale || "sv";
  }

  function renderFacts(facts) {
    const list = el("dl", { class: "facts" });
    for (const fact of facts) {
      list.append(el("div", { class: "fact" }, el("dt", {}, fact.label ?? ""), el("dd", {}, fact.value ?? "")));
    }
    return list;
  }

  function renderField(entryId, input) {
    const id = `f-${entryId}-${input.id}`;
    const label = el("label", { class: "field-label", for: id }, input.label ?? "");
    if (input.required) label.append(" ", chrome("span", "required", { class: "muted small" }));
    let control;
    if (input.type === "choice") {
      control = el("select", { id, name: input.id, class: "input", required: !!input.required });
      control.append(chrome("option", "choose", { value: "" }));
      for (const option of input.options || []) {
        control.append(el("option", { value: option.value }, option.label ?? option.value));
      }
    } else {
      const max = Number(input.max_length) || 500;
      const attrs = { id, name: input.id, class: "input", maxlength: max, required: !!input.required };
      control = max > 120 ? el("textarea", { ...attrs, rows: 3 }) : el("input", { ...attrs, type: "text" });
    }
    const error = el("p", { class: "field-error", id: `${id}-error`, hidden: true });
    return el("div", { class: "field" }, label, control, error);
  }

  function actionButton(action, submit) {
    const style = ["primary", "danger"].includes(action.style) ? action.style : "default";
    const button = el(
      "button",
      { type: submit ? "submit" : "button", class: `button button-${style}` },
      action.label ?? "",
    );
    button.dataset.actionId = action.id;
    button.dataset.value = action.value ?? "";
    return button;
  }

  function renderActions(entry, message) {
    const actions = message.actions || [];
    const inputs = message.inputs || [];
    if (!inputs.length) {
      if (!actions.length) return null;
      const row = el("div", { class: "actions" });
      for (const action of actions) {
        const button = actionButton(action, false);
        button.addEventListener("click", () => runAction(entry.id, action, {}));
        row.append(button);
      }
      return row;
    }
    const submitAction = actions.find((a) => a.style === "primary") || actions[0];
    const form = el("form", { class: "card-form", novalidate: true });
    for (const input of inputs) form.append(renderField(entry.id, input));
    const row = el("div", { class: "actions" });
    for (const action of actions) {
      const button = actionButton(action, action === submitAction);
      if (action !== submitAction) button.addEventListener("click", () => runAction(entry.id, action, {}));
      row.append(button);
    }
    form.append(row);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!submitAction) return;
      const values = readForm(form, inputs);
      if (values) runAction(entry.id, submitAction, values);
    });
    return form;
  }

  function readForm(form, inputs) {
    const values = {};
    let firstInvalid = null;
    for (const input of inputs) {
      const control = form.elements.namedItem(input.id);
      if (!control) continue;
      const value = control.value.trim();
      const error = $(`${control.id}-error`);
      const missing = input.required && !value;
      if (missing) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", error.id);
        error.textContent = t("fieldRequired", { label: input.label });
        error.hidden = false;
        firstInvalid ||= control;
      } else {
        control.removeAttribute("aria-invalid");
        control.removeAttribute("aria-describedby");
        error.hidden = true;
      }
      if (value) values[input.id] = value;
    }
    if (firstInvalid) {
      firstInvalid.focus();
      return null;
    }
    return values;
  }

  function safeImage(src) {
    if (typeof src !== "string" || !src) return null;
    if (src.startsWith("/") && !src.startsWith("//")) return src;
    return safeUrl(src);
  }

  function renderEntry(entry) {
    const message = entry.message || {};
    const headingId = `msg-${entry.id}-heading`;
    const card = el("article", {
      class: "msg msg-bot",
      "data-id": entry.id,
      lang: personLang(),
      "aria-labelledby": headingId,
    });
    card.append(
      el(
        "h3",
        { class: "msg-meta", id: headingId, tabindex: "-1" },
        el("span", { class: "msg-author" }, "remm-bot"),
        " ",
        timeElement(entry.created_at),
      ),
    );
    const body = el("div", { class: "msg-body" });
    body.append(renderMarkdown(message.text));
    card.append(body);
    const image = safeImage(message.image);
    if (image) card.append(el("img", { class: "msg-image", src: image, alt: t("chart"), "data-i18n-attr": "alt:chart" }));
    if (message.facts?.length) card.append(renderFacts(message.facts));
    if (message.context) card.append(el("p", { class: "msg-context" }, message.context));
    const actions = renderActions(entry, message);
    if (actions) card.append(actions);
    return card;
  }

  function renderUserLine(line) {
    const body = el("div", { class: "msg-body" }, el("p", { class: "user-text" }, line.text));
    return el(
      "article",
      { class: "msg msg-user", "data-line": line.seq },
      el("h3", { class: "msg-meta" }, el("span", { "data-i18n": "you" }, t("you")), " ", timeElement(line.at)),
      body,
    );
  }

  // ---- the log -------------------------------------------------------------------------------

  const log = () => $("log");

  function scrollsItself(node) {
    return getComputedStyle(node).overflowY !== "visible";
  }

  function nearBottom() {
    const node = log();
    if (!scrollsItself(node)) return true;
    return node.scrollHeight - node.scrollTop - node.clientHeight < NEAR_BOTTOM_PX;
  }

  /** Shows the end of the log: scrolls the log on large screens, the page on small ones. */
  function scrollToBottom() {
    const node = log();
    if (scrollsItself(node)) node.scrollTop = node.scrollHeight;
    else if (!$("chat").hidden) node.lastElementChild?.scrollIntoView({ block: "nearest" });
  }

  function cardFor(id) {
    return log().querySelector(`article.msg-bot[data-id="${Number(id)}"]`);
  }

  function updateEmptyState() {
    $("log-empty").hidden = state.entries.size > 0 || state.lines.length > 0;
  }

  function isNewer(incoming, existing) {
    if (!existing) return true;
    const a = Date.parse(incoming.updated_at || incoming.created_at);
    const b = Date.parse(existing.updated_at || existing.created_at);
    if (Number.isNaN(a) || Number.isNaN(b)) return true;
    return a > b || (a === b && JSON.stringify(incoming.message) !== JSON.stringify(existing.message));
  }

  /** Shows an entry: replaces the card with the same id in place, or appends a new one. */
  function upsertEntry(entry, { appendIfMissing = true } = {}) {
    if (!entry || typeof entry.id !== "number" || !entry.message) return null;
    const existing = state.entries.get(entry.id);
    const old = cardFor(entry.id);
    if (old && !isNewer(entry, existing)) return old;
    if (!old && !appendIfMissing && entry.id <= state.lastId) return null;
    state.entries.set(entry.id, entry);
    state.lastId = Math.max(state.lastId, entry.id);
    const card = renderEntry(entry);
    if (old) {
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(card);
      if (hadFocus) card.querySelector(".msg-meta").focus();
    } else {
      const stick = nearBottom();
      log().append(card);
      if (stick) scrollToBottom();
    }
    updateEmptyState();
    return card;
  }

  function renderLog() {
    const node = log();
    node.querySelectorAll("article.msg").forEach((child) => child.remove());
    const items = [
      ...[...state.entries.values()].map((entry) => ({ key: [entry.id, 0, 0], render: () => renderEntry(entry) })),
      ...state.lines.map((line) => ({ key: [line.afterId, 1, line.seq], render: () => renderUserLine(line) })),
    ];
    items.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2]);
    for (const item of items) node.append(item.render());
    updateEmptyState();
    scrollToBottom();
  }

  // ---- the user's own lines, kept only in this tab --------------------------------------------

  function linesKey() {
    return `remm.webchat.lines.${state.person?.id}`;
  }

  function loadLines() {
    try {
      const parsed = JSON.parse(storage("sessionStorage")?.getItem(linesKey()) || "[]");
      return Array.isArray(parsed) ? parsed.filter((line) => typeof line?.text === "string") : [];
    } catch {
      return [];
    }
  }

  function saveLines() {
    try {
      storage("sessionStorage")?.setItem(linesKey(), JSON.stringify(state.lines.slice(-200)));
    } catch {
      // Storage full or disabled: the lines stay on the page until reload.
    }
  }

  function addUserLine(text) {
    const seq = (state.lines.at(-1)?.seq ?? 0) + 1;
    const line = { seq, text, afterId: state.lastId, at: new Date().toISOString() };
    state.lines.push(line);
    saveLines();
    log().append(renderUserLine(line));
    updateEmptyState();
    scrollToBottom();
    return line;
  }

  function removeUserLine(line) {
    state.lines = state.lines.filter((other) => other !== line);
    saveLines();
    log().querySelector(`article.msg-user[data-line="${line.seq}"]`)?.remove();
    updateEmptyState();
  }

  // ---- talking to the bot --------------------------------------------------------------------

  function setTyping(on) {
    const node = $("typing");
    node.classList.toggle("is-active", on);
    node.replaceChildren();
    if (on) {
      node.append(
        el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        el("span", { "data-i18n": "typing" }, t("typing")),
      );
    }
  }

  function showChatError(text) {
    const node = $("chat-error");
    node.textContent = text || "";
    node.hidden = !text;
  }

  /** Applies a turn's answer; returns the card to move focus to (newest reply, else the updated one). */
  function applyReply(data) {
    let target = null;
    for (const entry of data.updated || []) target = upsertEntry(entry) || target;
    let newest = null;
    for (const entry of data.messages || []) newest = upsertEntry(entry) || newest;
    if (newest) scrollToBottom();
    return newest || target;
  }

  async function sendText(text) {
    if (!text.trim() || state.busy || !state.person) return false;
    if (text.length > MAX_CHARS) {
      showChatError(t("tooLong", { max: formatNumber(MAX_CHARS) }));
      return false;
    }
    const personId = state.person.id;
    state.busy = true;
    $("composer-send").setAttribute("aria-disabled", "true");
    showChatError("");
    const line = addUserLine(text);
    setTyping(true);
    try {
      const data = await api("POST", "/messages", { text, client_id: uuid() });
      if (state.person?.id === personId) applyReply(data);
      return true;
    } catch (error) {
      if (state.person?.id === personId) {
        removeUserLine(line);
        const composer = $("composer-text");
        if (!composer.value) composer.value = text;
        updateCounter();
      }
      handleError(error);
      return false;
    } finally {
      state.busy = false;
      $("composer-send").removeAttribute("aria-disabled");
      setTyping(false);
    }
  }

  function setCardBusy(card, busy) {
    if (!card) return;
    if (busy) card.setAttribute("aria-busy", "true");
    else card.removeAttribute("aria-busy");
    card.querySelectorAll("button").forEach((button) => {
      if (busy) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    });
  }

  async function runAction(entryId, action, inputs) {
    const card = cardFor(entryId);
    if (!card || card.getAttribute("aria-busy") === "true" || !state.person) return;
    const personId = state.person.id;
    setCardBusy(card, true);
    showChatError("");
    setTyping(true);
    try {
      const data = await api("POST", "/actions", {
        message_id: entryId,
        action_id: action.id,
        value: action.value ?? "",
        inputs,
        client_id: uuid(),
      });
      if (state.person?.id !== personId) return;
      const target = applyReply(data);
      if (target && target !== card) target.querySelector(".msg-meta")?.focus();
    } catch (error) {
      handleError(error);
    } finally {
      setTyping(false);
      if (card.isConnected) setCardBusy(card, false);
    }
  }

  // ---- live delivery: server-sent events, with a catch-up fetch on every (re)connect ----------

  function catchUp() {
    if (state.catchingUp || !state.person) return state.catchingUp;
    const personId = state.person.id;
    state.catchingUp = (async () => {
      for (let round = 0; round < 20; round += 1) {
        const data = await api("GET", `/messages?after=${state.lastId}`);
        if (state.person?.id !== personId) return;
        const entries = data.messages || [];
        entries.forEach((entry) => upsertEntry(entry));
        if (entries.length < PAGE_SIZE) return;
      }
    })()
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401) handleError(error);
      })
      .finally(() => {
        state.catchingUp = null;
      });
    return state.catchingUp;
  }

  function closeEvents() {
    if (state.events) state.events.close();
    state.events = null;
  }

  function onEventEntry(event, isUpdate) {
    let entry;
    try {
      entry = JSON.parse(event.data);
    } catch {
      return;
    }
    upsertEntry(entry, { appendIfMissing: !isUpdate });
  }

  function openEvents() {
    closeEvents();
    if (!state.person || typeof EventSource === "undefined") return;
    const source = new EventSource(`${API}/events`);
    state.events = source;
    source.addEventListener("open", () => {
      state.retryMs = 1000;
      catchUp();
    });
    source.addEventListener("message", (event) => onEventEntry(event, false));
    source.addEventListener("update", (event) => onEventEntry(event, true));
    source.addEventListener("error", () => {
      // The browser retries by itself unless the stream was refused; then we retry, slower each time.
      if (source.readyState !== EventSource.CLOSED || state.events !== source) return;
      const delay = state.retryMs;
      state.retryMs = Math.min(state.retryMs * 2, 60000);
      window.setTimeout(async () => {
        if (state.events !== source) return;
        try {
          await api("GET", "/session");
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) {
            handleError(error);
            return;
          }
        }
        if (state.events === source) openEvents();
      }, delay);
    });
  }

  // ---- the person picker ---------------------------------------------------------------------

  function personMeta(person) {
    return [person.office, person.department].filter(Boolean).join(" · ");
  }

  function filteredPeople() {
    const query = fold($("person-search").value.trim());
    if (!query) return state.people;
    return state.people.filter((p) => fold(`${p.name} ${p.office ?? ""} ${p.department ?? ""}`).includes(query));
  }

  function updatePeopleCount(count) {
    const node = $("person-count");
    if (count === undefined) count = Number(node.dataset.count ?? -1);
    node.dataset.count = String(count);
    if (count < 0) node.textContent = t("loadingPeople");
    else if (count === 0) node.textContent = t("noMatch");
    else node.textContent = count === 1 ? t("peopleCountOne") : t("peopleCount", { n: count });
  }

  function renderPeople() {
    const list = $("person-list");
    const people = filteredPeople();
    list.replaceChildren(
      ...people.map((person) => {
        const button = el(
          "button",
          { type: "button", class: "person-option", "data-person-id": person.id },
          el("span", { class: "person-name" }, person.name),
          " ",
          el("span", { class: "person-meta" }, personMeta(person)),
        );
        button.addEventListener("click", () => choosePerson(person.id, button));
        return el("li", {}, button);
      }),
    );
    updatePeopleCount(people.length);
  }

  async function loadPeople() {
    updatePeopleCount(-1);
    $("picker-body").hidden = false;
    $("picker-intro").hidden = false;
    try {
      const data = await api("GET", "/people");
      state.people = Array.isArray(data.people) ? data.people : [];
      $("organisation-name").textContent = data.organisation || "";
      renderPeople();
    } catch (error) {
      const forbidden = error instanceof ApiError && error.status === 403;
      showPickerError(forbidden ? error.detail || t("forbidden") : explain(error));
      if (forbidden) {
        $("picker-body").hidden = true;
        $("picker-intro").hidden = true;
      }
    }
  }

  function showPickerError(text) {
    const node = $("picker-error");
    node.textContent = text || "";
    node.hidden = !text;
  }

  function showPicker({ message = "", focus = false } = {}) {
    closeEvents();
    state.person = null;
    $("chat").hidden = true;
    $("person-bar").hidden = true;
    $("picker").hidden = false;
    showPickerError(message);
    if (!state.people.length) loadPeople();
    if (focus) $("person-search").focus();
  }

  async function choosePerson(personId, button) {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    showPickerError("");
    try {
      const data = await api("POST", "/session", { person_id: personId });
      await startChat(data.person || data, { focusComposer: true });
    } catch (error) {
      showPickerError(explain(error));
    } finally {
      button.removeAttribute("aria-disabled");
    }
  }

  // ---- the chat view -------------------------------------------------------------------------

  async function startChat(person, { focusComposer = false } = {}) {
    closeEvents();
    state.person = person;
    state.entries = new Map();
    state.lastId = 0;
    state.lines = loadLines();
    if (!state.langExplicit && STRINGS[person.locale]) setLang(person.locale, false);
    $("person-name").textContent = person.name;
    $("person-office").textContent = person.office ? `, ${person.office}` : "";
    $("person-bar").hidden = false;
    $("picker").hidden = true;
    $("chat").hidden = false;
    showChatError("");
    renderLog();
    if (focusComposer) $("composer-text").focus();
    try {
      const data = await api("GET", "/messages");
      if (state.person !== person) return;
      for (const entry of data.messages || []) {
        state.entries.set(entry.id, entry);
        state.lastId = Math.max(state.lastId, entry.id);
      }
      renderLog();
    } catch (error) {
      handleError(error);
      if (!state.person) return;
    }
    openEvents();
  }

  function updateCounter() {
    const length = $("composer-text").value.length;
    const over = length > MAX_CHARS;
    const node = $("composer-count");
    const params = { n: formatNumber(length), max: formatNumber(MAX_CHARS) };
    node.textContent = t(over ? "counterOver" : "counter", params);
    node.classList.toggle("is-over", over);
    if (over) $("composer-text").setAttribute("aria-invalid", "true");
    else $("composer-text").removeAttribute("aria-invalid");
    const tooLong = t("tooLong", { max: formatNumber(MAX_CHARS) });
    if (over && $("chat-error").textContent !== tooLong) showChatError(tooLong);
    if (!over && $("chat-error").textContent === tooLong) showChatError("");
  }

  function renderChips() {
    const list = $("chip-list");
    list.replaceChildren(
      ...EXAMPLES[state.lang].map((text) => {
        const chip = el("button", { type: "button", class: "chip", lang: state.lang }, text);
        chip.addEventListener("click", async () => {
          $("composer-text").focus();
          await sendText(text);
        });
        return el("li", {}, chip);
      }),
    );
  }

  // ---- page language -------------------------------------------------------------------------

  function applyI18n() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(node.dataset.i18n);
      if (node.closest(".msg-bot")) node.lang = state.lang;
    });
    document.querySelectorAll("[data-i18n-attr]").forEach((node) => {
      for (const pair of node.dataset.i18nAttr.split(";")) {
        const [attr, key] = pair.split(":");
        node.setAttribute(attr, t(key));
      }
    });
    document.querySelectorAll("time[data-time]").forEach((node) => {
      node.textContent = formatTime(node.dataset.time);
    });
    document.querySelectorAll(".lang-toggle [data-lang]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    });
    renderChips();
    updateCounter();
    if (!$("picker").hidden) updatePeopleCount();
  }

  function setLang(lang, explicit) {
    if (!STRINGS[lang]) return;
    state.lang = lang;
    if (explicit) {
      state.langExplicit = true;
      try {
        storage("localStorage")?.setItem(LANG_KEY, lang);
      } catch {
        // Not remembered; the toggle still works for this page.
      }
    }
    applyI18n();
  }

  // ---- wiring --------------------------------------------------------------------------------

  function wirePicker() {
    const search = $("person-search");
    search.addEventListener("input", renderPeople);
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        const first = $("person-list").querySelector("button");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Enter") {
        const buttons = $("person-list").querySelectorAll("button");
        if (buttons.length === 1) {
          event.preventDefault();
          buttons[0].click();
        }
      }
    });
    $("person-list").addEventListener("keydown", (event) => {
      const buttons = [...$("person-list").querySelectorAll("button")];
      const index = buttons.indexOf(document.activeElement);
      if (index < 0) return;
      const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = moves[event.key];
      if (next < 0) search.focus();
      else buttons[Math.min(next, buttons.length - 1)].focus();
    });
  }

  function wireComposer() {
    const form = $("composer");
    const text = $("composer-text");
    text.addEventListener("input", updateCounter);
    text.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.isComposing) return;
      event.preventDefault();
      form.requestSubmit();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = text.value;
      if (!value.trim()) {
        text.focus();
        return;
      }
      if (value.length > MAX_CHARS) {
        showChatError(t("tooLong", { max: formatNumber(MAX_CHARS) }));
        text.focus();
        return;
      }
      if (state.busy) return;
      text.value = "";
      updateCounter();
      await sendText(value);
    });
  }

  async function init() {
    let stored = null;
    try {
      stored = storage("localStorage")?.getItem(LANG_KEY);
    } catch {
      stored = null;
    }
    if (STRINGS[stored]) {
      state.lang = stored;
      state.langExplicit = true;
    }
    document.querySelectorAll(".lang-toggle [data-lang]").forEach((button) => {
      button.addEventListener("click", () => setLang(button.dataset.lang, true));
    });
    $("switch-person").addEventListener("click", () => showPicker({ focus: true }));
    wirePicker();
    wireComposer();
    applyI18n();
    try {
      const data = await api("GET", "/session");
      await startChat(data.person || data);
    } catch {
      showPicker();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
