// Local web chat for the Bot API emulator. No build step, no dependencies.
// Bot text is rendered from (text, entities) with DOM nodes only: no HTML from the bot is
// ever parsed, so only Telegram's formatting can appear.
"use strict";

// The page's own texts (locales/<lang>/webchat.ftl via /chat/api/texts) and its locale.
const I18N = { lang: "en", texts: {} };

function tr(id, params) {
  let text = I18N.texts[id] || id;
  for (const [name, value] of Object.entries(params || {})) text = text.replaceAll("{" + name + "}", String(value));
  return text;
}

function formatTime(seconds) {
  return new Intl.DateTimeFormat(I18N.lang, { hour: "2-digit", minute: "2-digit" }).format(new Date(seconds * 1000));
}

async function loadTexts(code) {
  try {
    const response = await fetch("/chat/api/texts?" + new URLSearchParams({ lang: code }));
    if (!response.ok) return;
    const data = await response.json();
    I18N.lang = data.lang;
    I18N.texts = data.texts;
  } catch (error) { return; }  // the page keeps its current texts
  document.documentElement.lang = I18N.lang;
  document.title = tr("webchat-title");
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = tr(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-title]")) element.title = tr(element.dataset.i18nTitle);
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", tr(element.dataset.i18nLabel));
  }
  for (const element of document.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = tr(element.dataset.i18nPlaceholder);
  }
}

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span",
  text_link: "a", url: "a",
};

function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

// Build a fragment from text and Telegram entities (offsets in UTF-16 units, as JS strings).
function renderEntities(text, entities) {
  const fragment = document.createDocumentFragment();
  const list = (entities || []).filter((e) => ENTITY_TAGS[e.type]);
  const cuts = new Set([0, text.length]);
  for (const e of list) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i], end = points[i + 1];
    let node = document.createTextNode(text.slice(start, end));
    const active = list.filter((e) => e.offset <= start && e.offset + e.length >= end);
    for (const e of active.reverse()) {
      const element = document.createElement(ENTITY_TAGS[e.type]);
      if (e.type === "spoiler") {
        element.className = "spoiler";
        element.addEventListener("click", () => element.classList.add("shown"));
      }
      if (e.type === "text_link" || e.type === "url") {
        const href = safeUrl(e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url);
        if (href) { element.href = href; element.target = "_blank"; element.rel = "noopener noreferrer"; }
      }
      element.appendChild(node);
      node = element;
    }
    fragment.appendChild(node);
  }
  return fragment;
}

function renderMedia(media) {
  if (!media) return null;
  if (media.kind === "photo" || media.kind === "sticker") {
    const img = document.createElement("img");
    img.src = media.url; img.alt = media.kind;
    return img;
  }
  if (media.kind === "video" || media.kind === "video_note" || media.kind === "animation") {
    const video = document.createElement("video");
    video.src = media.url; video.controls = true; video.preload = "metadata";
    if (media.kind === "video_note") video.className = "round";
    return video;
  }
  const box = document.createElement("div");
  if (media.kind === "contact") { box.textContent = "📞 " + media.phone; return box; }
  if (media.url) {
    const link = document.createElement("a");
    link.href = media.url; link.download = media.file_name || "file";
    link.textContent = "📄 " + (media.file_name || media.kind);
    box.appendChild(link);
  } else {
    box.textContent = "[" + media.kind + "]";
  }
  return box;
}

// One message bubble. `actions.press(message, button)` handles inline callback buttons;
// `actions.isOwn(message)` (default: not from the bot) puts it on the right;
// `actions.showSender` names the sender of others' messages (in groups).
function renderMessage(message, actions) {
  const own = actions.isOwn ? actions.isOwn(message) : !message.from_bot;
  const bubble = document.createElement("div");
  bubble.className = "msg " + (message.service ? "service" : own ? "user" : "bot");
  if (message.deleted) bubble.classList.add("deleted");
  bubble.dataset.messageId = String(message.message_id);
  if (message.service) {
    bubble.textContent = message.service.replaceAll("_", " ") +
      (message.service_name ? ": " + message.service_name : "");
    return bubble;
  }
  if (actions.showSender && !own && message.sender) {
    const sender = document.createElement("div");
    sender.className = "sender";
    sender.textContent = message.sender;
    bubble.appendChild(sender);
  }
  const media = renderMedia(message.media);
  if (media) bubble.appendChild(media);
  if (message.text) bubble.appendChild(renderEntities(message.text, message.entities));
  if (message.inline_keyboard && message.inline_keyboard.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "inline-keyboard";
    for (const row of message.inline_keyboard) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        let element;
        if (button.url && safeUrl(button.url)) {
          element = document.createElement("a");
          element.href = button.url; element.target = "_blank"; element.rel = "noopener noreferrer";
        } else {
          element = document.createElement("button");
          element.type = "button";
          element.addEventListener("click", () => actions.press(message, button));
        }
        element.textContent = button.text;
        line.appendChild(element);
      }
      keyboard.appendChild(line);
    }
    bubble.appendChild(keyboard);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = document.createElement("time");
  time.dateTime = new Date(message.date * 1000).toISOString();
  time.textContent = formatTime(message.date);
  meta.textContent = message.edited ? tr("webchat-edited") + " · " : "";
  meta.appendChild(time);
  bubble.appendChild(meta);
  return bubble;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

// What both panes share: long-polling one events endpoint and drawing message bubbles
// (albums of one media group side by side; an edit replaces its bubble in place).
class ChatPane {
  constructor(root, toast) {
    this.root = root;
    this.toast = toast;
    this.list = root.querySelector(".messages");
    this.since = 0;
    this.generation = 0;
    this.failures = 0;
    this.bubbles = new Map();
    this.albums = new Map();
  }

  // Subclasses say where to poll and post, and who is writing.
  eventsUrl() { throw new Error("eventsUrl"); }
  eventsQuery() { return {}; }
  identity() { return {}; }
  received(data) { /* the rest of a poll's answer: reply keyboard, topics */ }
  renderActions() { return { press: (m, b) => this.press(m, b) }; }

  // (Re)start: the previous long poll is aborted, or it would hold one of the browser's few
  // connections to this host until it times out.
  start() {
    this.generation += 1;
    if (this.polling) this.polling.abort();
    this.since = 0;
    this.clear();
    this.poll(this.generation);
  }

  clear() {
    this.bubbles.clear();
    this.albums.clear();
    this.list.replaceChildren();
  }

  async poll(generation) {
    while (generation === this.generation) {
      const query = new URLSearchParams({ ...this.eventsQuery(), since: String(this.since), timeout: "25" });
      this.polling = new AbortController();
      try {
        const response = await fetch(this.eventsUrl() + "?" + query, { signal: this.polling.signal });
        if (!response.ok) throw new Error(await response.text());
        const data = await response.json();
        if (generation !== this.generation) return;
        this.failures = 0;
        for (const event of data.events) this.apply(event);
        this.since = data.next;
        this.received(data);
      } catch (error) {
        if (generation !== this.generation) return;
        this.failures += 1;
        if (this.failures > 1) this.notify(tr("webchat-connection-problem", { error: error.message }));
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  apply(event) {
    if (event.kind === "callback_answer") {
      if (event.text && this.answerIsMine(event)) {
        event.show_alert ? window.alert(event.text) : this.notify(event.text);
      }
      return;
    }
    this.show(event.message);
  }

  answerIsMine(event) { return true; }

  show(message) {
    const bubble = renderMessage(message, this.renderActions());
    const old = this.bubbles.get(message.message_id);
    if (old) {
      old.replaceWith(bubble);
    } else if (message.media_group_id) {
      let album = this.albums.get(message.media_group_id);
      if (!album) {
        album = document.createElement("div");
        album.className = "album " + (bubble.classList.contains("user") ? "user" : "bot");
        this.albums.set(message.media_group_id, album);
        this.list.appendChild(album);
      }
      album.appendChild(bubble);
    } else {
      this.list.appendChild(bubble);
    }
    this.bubbles.set(message.message_id, bubble);
    this.list.scrollTop = this.list.scrollHeight;
  }

  async post(url, body) {
    try {
      const data = await postJson(url, { ...this.identity(), ...body });
      this.received(data);
      return data;
    } catch (error) {
      this.notify(error.message);
      return null;
    }
  }

  async upload(url, file, kind, fields) {
    const body = new FormData();
    for (const [key, value] of Object.entries({ ...this.identity(), ...fields })) {
      if (value !== null && value !== undefined && value !== "") body.append(key, String(value));
    }
    body.append("kind", kind);
    body.append("file", file, file.name);
    const response = await fetch(url, { method: "POST", body });
    if (!response.ok) this.notify(await response.text());
    return response.ok;
  }

  static fileKind(file, round) {
    if (file.type.startsWith("video/")) return round ? "video_note" : "video";
    if (file.type.startsWith("image/")) return "photo";
    return "document";
  }

  notify(text) {
    this.toast.textContent = text;
    this.toast.hidden = false;
    clearTimeout(this.toast.timer);
    this.toast.timer = setTimeout(() => { this.toast.hidden = true; }, 3000);
  }
}

// A person's private chat with the bot: text, commands, the reply keyboard.
class PrivatePane extends ChatPane {
  constructor(root, person, toast) {
    super(root, toast);
    this.person = person;          // {user_id, first_name, language_code, phone_number}
    this.keyboard = root.querySelector(".reply-keyboard");
    this.bindComposer();
  }

  eventsUrl() { return "/chat/api/events"; }
  identity() { return this.person; }

  eventsQuery() {
    const query = { user_id: String(this.person.user_id) };
    if (this.person.first_name) query.first_name = this.person.first_name;
    if (this.person.language_code) query.language_code = this.person.language_code;
    return query;
  }

  received(data) {
    if ("reply_keyboard" in data) this.showKeyboard(data.reply_keyboard);
  }

  showKeyboard(keyboard) {
    this.keyboard.replaceChildren();
    this.keyboard.hidden = !keyboard;
    if (!keyboard) return;
    for (const row of keyboard.rows) {
      const line = document.createElement("div");
      line.className = "row";
      for (const key of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = key.text;
        button.addEventListener("click", () => this.post("/chat/api/keyboard", { text: key.text }));
        line.appendChild(button);
      }
      this.keyboard.appendChild(line);
    }
  }

  press(message, button) {
    if (button.callback_data) {
      this.post("/chat/api/press", { message_id: message.message_id, data: button.callback_data });
    }
  }

  say(text) { return this.post("/chat/api/send", { text }); }

  bindComposer() {
    const form = this.root.querySelector(".composer");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = form.elements.text.value;
      if (!text.trim()) return;
      form.elements.text.value = "";
      this.say(text);
    });
  }
}

// The citizen: a private chat with uploads and recorded video notes.
class CitizenPane extends PrivatePane {
  constructor(root, person, toast) {
    super(root, person, toast);
    this.recorder = new VideoNoteRecorder(root, (blob, seconds) => this.sendVideoNote(blob, seconds),
      () => this.botTurn());
    const form = root.querySelector(".composer");
    form.elements.file.addEventListener("change", () => {
      const file = form.elements.file.files[0];
      if (!file) return;
      form.elements.file.value = "";
      this.upload("/chat/api/upload", file, ChatPane.fileKind(file, form.elements.as_video_note.checked), {});
    });
  }

  // The texts of the bot's last messages since the person last wrote (at most three): what
  // the bot is asking for now, e.g. the challenge to perform on camera.
  botTurn() {
    const texts = [];
    for (const bubble of [...this.list.querySelectorAll(".msg")].reverse()) {
      if (bubble.classList.contains("user")) break;
      if (!bubble.classList.contains("bot") || bubble.classList.contains("deleted")) continue;
      const copy = bubble.cloneNode(true);
      for (const extra of copy.querySelectorAll(".meta, .inline-keyboard, .sender")) extra.remove();
      const text = copy.textContent.trim();
      if (text) texts.unshift(text);
      if (texts.length === 3) break;
    }
    return texts;
  }

  show(message) {
    super.show(message);
    this.recorder.refreshPrompt();
  }

  sendVideoNote(blob, seconds) {
    const file = new File([blob], "video_note.webm", { type: blob.type || "video/webm" });
    return this.upload("/chat/api/upload", file, "video_note", { duration: Math.max(1, Math.round(seconds)) });
  }
}

// An administrator's private chat, with the commands the bot set for this chat as buttons.
class AdminPane extends PrivatePane {
  constructor(root, person, toast) {
    super(root, person, toast);
    this.intro = root.querySelector(".admin-intro");
    this.menu = root.querySelector(".command-menu");
  }

  received(data) {
    super.received(data);
    if ("events" in data) this.loadCommands();
  }

  start() {
    super.start();
    this.intro.textContent = tr("webchat-admin-intro", { id: this.person.user_id });
    this.loadCommands();
  }

  async loadCommands() {
    const query = new URLSearchParams({ user_id: String(this.person.user_id), language_code: this.person.language_code });
    let commands = [];
    try {
      const response = await fetch("/chat/api/commands?" + query);
      if (response.ok) commands = (await response.json()).commands;
    } catch (error) { return; }
    const key = JSON.stringify(commands);
    if (key === this.menu.dataset.commands) return;
    this.menu.dataset.commands = key;
    this.menu.replaceChildren(...commands.map((item) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "/" + item.command + " — " + item.description;
      button.dataset.command = item.command;
      button.addEventListener("click", () => this.say("/" + item.command));
      return button;
    }));
  }
}

// The agents' forum supergroup: a topic list, the selected topic's messages, a composer.
// All messages of the group are kept; switching topics redraws from them.
class GroupPane extends ChatPane {
  constructor(root, chatId, agent, toast) {
    super(root, toast);
    this.chatId = chatId;
    this.agent = agent;            // {user_id, first_name, role}
    this.topicsNav = root.querySelector(".topics");
    this.title = root.querySelector(".thread-title");
    this.topics = [];
    this.selected = null;          // thread id; null is General
    this.messages = new Map();     // message id -> latest view
    this.unread = new Map();       // thread id -> count
    this.bindComposer();
  }

  eventsUrl() { return "/chat/api/group/events"; }
  eventsQuery() { return { chat_id: String(this.chatId) }; }
  identity() { return { ...this.agent, chat_id: this.chatId }; }
  answerIsMine(event) { return event.user_id === this.agent.user_id; }

  renderActions() {
    return {
      press: (m, b) => this.press(m, b),
      isOwn: (m) => !m.from_bot && m.from_id === this.agent.user_id,
      showSender: true,
    };
  }

  start() {
    this.messages.clear();
    this.unread.clear();
    super.start();
    this.loadTopics();
  }

  // The first events poll may wait for news: list the topics right away.
  async loadTopics() {
    try {
      const response = await fetch("/chat/api/group/topics?" + new URLSearchParams(this.eventsQuery()));
      if (response.ok) this.received(await response.json());
    } catch (error) { /* the next events poll brings them */ }
  }

  show(message) {
    const known = this.messages.has(message.message_id);
    this.messages.set(message.message_id, message);
    if ((message.thread_id ?? null) === this.selected) {
      super.show(message);
    } else if (!known && !message.service) {
      const key = message.thread_id ?? null;
      this.unread.set(key, (this.unread.get(key) || 0) + 1);
    }
  }

  received(data) {
    if (data.topics) {
      this.topics = data.topics;
      this.drawTopics();
    }
  }

  select(threadId) {
    this.selected = threadId;
    this.unread.delete(threadId);
    this.clear();
    for (const message of this.messages.values()) {
      if ((message.thread_id ?? null) === threadId) super.show(message);
    }
    this.drawTopics();
  }

  drawTopics() {
    this.topicsNav.replaceChildren();
    for (const topic of this.topics) {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "topic" + (topic.closed ? " closed" : "") +
        (topic.thread_id === this.selected ? " selected" : "");
      item.dataset.threadId = topic.thread_id === null ? "general" : String(topic.thread_id);
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = topic.icon_color ? "#" + topic.icon_color.toString(16).padStart(6, "0") : "#8e9aa6";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = (topic.closed ? "🔒 " : "") + this.topicName(topic);
      item.append(dot, name);
      const count = this.unread.get(topic.thread_id) || 0;
      if (count) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = String(count);
        item.appendChild(badge);
      }
      item.addEventListener("click", () => this.select(topic.thread_id));
      this.topicsNav.appendChild(item);
    }
    const current = this.topics.find((t) => t.thread_id === this.selected);
    this.title.textContent = current
      ? this.topicName(current) + (current.closed ? " · " + tr("webchat-topic-closed") : "")
      : tr("webchat-topic-deleted");
  }

  topicName(topic) { return topic.thread_id === null ? tr("webchat-general") : topic.name; }

  press(message, button) {
    if (button.callback_data) {
      this.post("/chat/api/group/press", { message_id: message.message_id, data: button.callback_data });
    }
  }

  bindComposer() {
    const form = this.root.querySelector(".composer");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = form.elements.text.value;
      if (!text.trim()) return;
      form.elements.text.value = "";
      this.post("/chat/api/group/send", { text, thread_id: this.selected });
    });
    form.elements.file.addEventListener("change", () => {
      const file = form.elements.file.files[0];
      if (!file) return;
      form.elements.file.value = "";
      this.upload("/chat/api/group/upload", file, ChatPane.fileKind(file, false), { thread_id: this.selected });
    });
  }
}

// Records a round video note with the camera (getUserMedia + MediaRecorder, WebM) for at most
// the composer's number of seconds, with a countdown, then previews it before sending. What the
// bot asked stays in view above the camera. When the camera cannot be used, a note says why.
class VideoNoteRecorder {
  constructor(root, send, botTurn) {
    this.send = send;
    this.botTurn = botTurn;
    this.panel = root.querySelector(".recorder");
    this.prompt = this.panel.querySelector(".recorder-prompt");
    this.video = this.panel.querySelector("video");
    this.countdown = this.panel.querySelector(".countdown");
    this.buttons = Object.fromEntries(
      [...this.panel.querySelectorAll("button[data-action]")].map((b) => [b.dataset.action, b]));
    this.controls = root.querySelector(".record-controls");
    this.note = root.querySelector(".camera-note");
    this.list = root.querySelector(".messages");
    this.seconds = root.querySelector("input[name=record_seconds]");
    this.stream = null;
    this.recorder = null;
    this.blob = null;
    this.session = 0;              // a recording's stop event only counts for its own session
    root.querySelector("button.record").addEventListener("click", () => this.record());
    this.buttons.stop.addEventListener("click", () => this.stopRecording());
    this.buttons.retake.addEventListener("click", () => this.record());
    this.buttons.cancel.addEventListener("click", () => this.close());
    this.buttons.send.addEventListener("click", async () => {
      if (this.blob && await this.send(this.blob, this.duration)) this.close();
    });
    this.checkAvailable();
  }

  // Why recording cannot work here (a message id), or null.
  static async unavailableReason() {
    if (!window.isSecureContext) return "webchat-camera-insecure";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof MediaRecorder === "undefined") {
      return "webchat-camera-unsupported";
    }
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      if (!devices.some((d) => d.kind === "videoinput")) return "webchat-camera-none";
    } catch (error) { /* enumerating is optional: recording will say what is wrong */ }
    return null;
  }

  async checkAvailable() {
    const reason = await VideoNoteRecorder.unavailableReason();
    this.controls.hidden = Boolean(reason);
    this.explain(reason);
  }

  explain(id, params) {
    this.note.hidden = !id;
    this.note.dataset.reason = id || "";
    this.note.textContent = id ? tr(id, params) : "";
  }

  static failure(error) {
    if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) return "webchat-camera-denied";
    if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) return "webchat-camera-none";
    return "webchat-camera-failed";
  }

  static mimeType() {
    const types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm;codecs=vp8", "video/webm"];
    return types.find((t) => MediaRecorder.isTypeSupported(t)) || "";
  }

  async openCamera() {
    const video = { facingMode: "user", width: { ideal: 480 }, height: { ideal: 480 } };
    try {
      return await navigator.mediaDevices.getUserMedia({ video, audio: true });
    } catch (error) {
      return navigator.mediaDevices.getUserMedia({ video });  // no microphone: video only
    }
  }

  refreshPrompt() {
    if (this.panel.hidden) return;
    const texts = this.botTurn();
    this.prompt.hidden = !texts.length;
    for (const old of this.prompt.querySelectorAll(".recorder-prompt-text")) old.remove();
    for (const text of texts) {
      const line = document.createElement("div");
      line.className = "recorder-prompt-text";
      line.textContent = text;
      this.prompt.appendChild(line);
    }
    this.list.scrollTop = this.list.scrollHeight;
  }

  async record() {
    this.reset();
    const session = this.session;
    this.panel.hidden = false;
    this.refreshPrompt();
    this.countdown.textContent = tr("webchat-camera-opening");
    try {
      this.stream = await this.openCamera();
    } catch (error) {
      this.explain(VideoNoteRecorder.failure(error), { error: error.name || error.message });
      this.close();
      return;
    }
    if (session !== this.session) { this.releaseCamera(); return; }
    this.explain(null);
    const limit = Math.min(Math.max(Number(this.seconds.value) || 5, 1), 60);
    this.video.srcObject = this.stream;
    this.video.controls = false;
    this.video.play().catch(() => {});
    const chunks = [];
    const mimeType = VideoNoteRecorder.mimeType();
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    this.recorder.addEventListener("stop", () => {
      if (session === this.session) this.preview(new Blob(chunks, { type: "video/webm" }));
    });
    const started = performance.now();
    this.recorder.start(250);
    this.buttons.stop.hidden = false;
    const tick = () => {
      const left = limit - (performance.now() - started) / 1000;
      this.duration = Math.min(limit, (performance.now() - started) / 1000);
      this.countdown.textContent = tr("webchat-recording", { seconds: Math.max(0, Math.ceil(left)) });
      if (left <= 0) this.stopRecording();
    };
    tick();
    this.timer = setInterval(tick, 200);
  }

  stopRecording() {
    clearInterval(this.timer);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.releaseCamera();
  }

  preview(blob) {
    this.blob = blob;
    this.video.srcObject = null;
    this.video.src = URL.createObjectURL(blob);
    this.video.controls = true;
    this.video.loop = true;
    this.video.play().catch(() => {});
    this.countdown.textContent = tr("webchat-preview", { seconds: Math.max(1, Math.round(this.duration)) });
    this.countdown.classList.add("preview");
    this.buttons.stop.hidden = true;
    this.buttons.send.hidden = false;
    this.buttons.retake.hidden = false;
  }

  releaseCamera() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }

  reset() {
    this.session += 1;
    clearInterval(this.timer);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.recorder = null;
    this.releaseCamera();
    if (this.video.src) URL.revokeObjectURL(this.video.src);
    this.video.removeAttribute("src");
    this.video.srcObject = null;
    this.blob = null;
    this.duration = 0;
    this.countdown.textContent = "";
    this.countdown.classList.remove("preview");
    this.buttons.send.hidden = true;
    this.buttons.retake.hidden = true;
  }

  close() {
    this.reset();
    this.panel.hidden = true;
  }
}

function browserLanguage() {
  const language = (navigator.language || "en").toLowerCase();
  if (language.startsWith("zh")) return "zh-hans";
  if (language.startsWith("es")) return "es";
  return "en";
}

// An identity comes from the address (?user_id=, ?agent_id=), else this tab's storage, else
// the last one chosen in any tab: so two tabs can chat as two different people.
function loadSaved(key) {
  return JSON.parse(sessionStorage.getItem(key) || localStorage.getItem(key) || "null");
}

function save(key, value) {
  const text = JSON.stringify(value);
  sessionStorage.setItem(key, text);
  localStorage.setItem(key, text);
}

function setAddress(name, value) {
  const url = new URL(window.location.href);
  url.searchParams.set(name, String(value));
  history.replaceState(null, "", url);
}

// The person, and whether it was chosen before (then the identity form starts collapsed).
function loadPerson(params) {
  const saved = loadSaved("emulator-person");
  const person = saved ||
    { user_id: 10001, first_name: "You", language_code: browserLanguage(), phone_number: "" };
  const userId = Number(params.get("user_id"));
  if (userId > 0 && userId !== person.user_id) {
    Object.assign(person, { user_id: userId, first_name: "User " + userId });
  }
  if (params.get("lang")) person.language_code = params.get("lang");
  return { person, chosen: Boolean(saved) || userId > 0 };
}

function loadAgent(params, fallback) {
  const agent = loadSaved("emulator-agent") || { ...fallback, role: "member" };
  if (Number(params.get("agent_id")) > 0) {
    const agentId = Number(params.get("agent_id"));
    if (agentId !== agent.user_id) Object.assign(agent, { user_id: agentId, first_name: "Agent " + agentId });
  }
  return agent;
}

function fill(form, values) {
  for (const [key, value] of Object.entries(values)) if (form.elements[key]) form.elements[key].value = value;
}

function summarise(box, person) {
  box.querySelector(".who").textContent = tr("webchat-identity-summary", { name: person.first_name, id: person.user_id });
}

function setUpTabs(names) {
  const tabs = document.querySelector(".tabs");
  const panes = document.querySelector(".panes");
  const choose = (name) => {
    panes.dataset.tab = name;
    for (const tab of tabs.querySelectorAll("[data-tab]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    }
  };
  tabs.hidden = false;
  for (const tab of tabs.querySelectorAll("[data-tab]")) {
    tab.hidden = !names.includes(tab.dataset.tab);
    tab.addEventListener("click", () => {
      choose(tab.dataset.tab);
      history.replaceState(null, "", "#" + tab.dataset.tab);
    });
  }
  const wanted = window.location.hash.slice(1);
  choose(names.includes(wanted) ? wanted : "citizen");
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const toast = document.querySelector(".toast");
  const personForm = document.getElementById("person-form");
  const personBox = personForm.closest("details");
  const { person, chosen } = loadPerson(params);
  await loadTexts(person.language_code);
  fill(personForm, person);
  summarise(personBox, person);
  personBox.open = !chosen;
  const pane = new CitizenPane(document.getElementById("citizen-pane"), person, toast);
  const panes = [pane];
  personForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    pane.person = {
      user_id: Number(personForm.elements.user_id.value),
      first_name: personForm.elements.first_name.value.trim() || "You",
      language_code: personForm.elements.language_code.value,
      phone_number: personForm.elements.phone_number.value.trim(),
    };
    save("emulator-person", pane.person);
    setAddress("user_id", pane.person.user_id);
    await loadTexts(pane.person.language_code);
    summarise(personBox, pane.person);
    personBox.open = false;
    for (const each of panes) {
      if (each.person) each.person.language_code = pane.person.language_code;
      each.start();
    }
  });
  pane.start();

  let info = null;
  try {
    info = await (await fetch("/chat/api/info")).json();
    document.getElementById("bot-name").textContent = info.bot.name;
  } catch (error) { /* the header keeps its default title */ }
  const shown = ["citizen"];

  if (info && info.agents) {
    const groupRoot = document.getElementById("agents-pane");
    groupRoot.hidden = false;
    groupRoot.querySelector(".group-title").textContent = info.agents.title;
    const agentForm = document.getElementById("agent-form");
    const agentBox = agentForm.closest("details");
    const agent = loadAgent(params, info.agents.agent);
    fill(agentForm, agent);
    summarise(agentBox, agent);
    const group = new GroupPane(groupRoot, info.agents.chat_id, agent, toast);
    agentForm.addEventListener("submit", (event) => {
      event.preventDefault();
      group.agent = {
        user_id: Number(agentForm.elements.user_id.value),
        first_name: agentForm.elements.first_name.value.trim() || "Agent",
        role: agentForm.elements.role.value,
      };
      save("emulator-agent", group.agent);
      setAddress("agent_id", group.agent.user_id);
      summarise(agentBox, group.agent);
      agentBox.open = false;
      group.select(group.selected);  // redraw: which messages are "mine" changed
    });
    group.start();
    group.drawTopics();
    panes.push(group);
    shown.push("agents");
  }

  if (info && info.admins && info.admins.length) {
    const adminRoot = document.getElementById("admin-pane");
    adminRoot.hidden = false;
    const admin = new AdminPane(adminRoot,
      { user_id: info.admins[0].user_id, language_code: person.language_code }, toast);
    admin.start();
    panes.push(admin);
    shown.push("admin");
  }
  if (shown.length > 1) {
    document.body.classList.add("several");
    setUpTabs(shown);
  }
  document.body.dataset.ready = "true";
}

main();
