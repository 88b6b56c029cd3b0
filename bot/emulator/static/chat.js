// Local web chat for the Bot API emulator. No build step, no dependencies.
// Bot text is rendered from (text, entities) with DOM nodes only: no HTML from the bot is
// ever parsed, so only Telegram's formatting can appear.
"use strict";

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

// One message bubble. `actions.press(message, button)` handles inline callback buttons.
function renderMessage(message, actions) {
  const bubble = document.createElement("div");
  bubble.className = "msg " + (message.service ? "service" : message.from_bot ? "bot" : "user");
  if (message.deleted) bubble.classList.add("deleted");
  bubble.dataset.messageId = String(message.message_id);
  if (message.service) {
    bubble.textContent = message.service.replaceAll("_", " ");
    return bubble;
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
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.textContent = (message.edited ? "edited · " : "") + time;
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

// A chat pane bound to one person: renders their private chat, long-polls for events.
class ChatPane {
  constructor(root, person, toast) {
    this.root = root;
    this.person = person;          // {user_id, first_name, language_code, phone_number}
    this.toast = toast;
    this.list = root.querySelector(".messages");
    this.keyboard = root.querySelector(".reply-keyboard");
    this.since = 0;
    this.generation = 0;
    this.bubbles = new Map();
    this.bindComposer();
  }

  start() {
    this.generation += 1;
    this.since = 0;
    this.bubbles.clear();
    this.list.replaceChildren();
    this.poll(this.generation);
  }

  async poll(generation) {
    while (generation === this.generation) {
      const query = new URLSearchParams({ ...this.personQuery(), since: String(this.since), timeout: "25" });
      try {
        const response = await fetch("/chat/api/events?" + query);
        if (!response.ok) throw new Error(await response.text());
        const data = await response.json();
        if (generation !== this.generation) return;
        this.failures = 0;
        for (const event of data.events) this.apply(event);
        this.since = data.next;
        this.showKeyboard(data.reply_keyboard);
      } catch (error) {
        this.failures = (this.failures || 0) + 1;
        if (this.failures > 1) this.notify("Connection problem: " + error.message);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  personQuery() {
    const query = { user_id: String(this.person.user_id) };
    if (this.person.first_name) query.first_name = this.person.first_name;
    if (this.person.language_code) query.language_code = this.person.language_code;
    return query;
  }

  apply(event) {
    if (event.kind === "callback_answer") {
      if (event.text) event.show_alert ? window.alert(event.text) : this.notify(event.text);
      return;
    }
    const message = event.message;
    const bubble = renderMessage(message, { press: (m, b) => this.press(m, b) });
    const old = this.bubbles.get(message.message_id);
    if (old) old.replaceWith(bubble); else this.list.appendChild(bubble);
    this.bubbles.set(message.message_id, bubble);
    this.list.scrollTop = this.list.scrollHeight;
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
        button.addEventListener("click", () => this.send("/chat/api/keyboard", { text: key.text }));
        line.appendChild(button);
      }
      this.keyboard.appendChild(line);
    }
  }

  press(message, button) {
    if (button.callback_data) {
      this.send("/chat/api/press", { message_id: message.message_id, data: button.callback_data });
    }
  }

  async send(url, body) {
    try {
      const data = await postJson(url, { ...this.person, ...body });
      this.showKeyboard(data.reply_keyboard);
    } catch (error) {
      this.notify(error.message);
    }
  }

  bindComposer() {
    const form = this.root.querySelector(".composer");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = form.elements.text.value;
      if (!text.trim()) return;
      form.elements.text.value = "";
      this.send("/chat/api/send", { text });
    });
    form.elements.file.addEventListener("change", async () => {
      const file = form.elements.file.files[0];
      if (!file) return;
      let kind = "document";
      if (file.type.startsWith("video/")) kind = form.elements.as_video_note.checked ? "video_note" : "video";
      else if (file.type.startsWith("image/")) kind = "photo";
      const body = new FormData();
      for (const [key, value] of Object.entries(this.person)) if (value) body.append(key, value);
      body.append("kind", kind);
      body.append("file", file, file.name);
      form.elements.file.value = "";
      const response = await fetch("/chat/api/upload", { method: "POST", body });
      if (!response.ok) this.notify(await response.text());
    });
  }

  notify(text) {
    this.toast.textContent = text;
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toast.hidden = true; }, 3000);
  }
}

function browserLanguage() {
  const language = (navigator.language || "en").toLowerCase();
  if (language.startsWith("zh")) return "zh-hans";
  if (language.startsWith("es")) return "es";
  return "en";
}

function loadPerson() {
  const saved = JSON.parse(localStorage.getItem("emulator-person") || "null");
  return saved || { user_id: 10001, first_name: "You", language_code: browserLanguage(), phone_number: "" };
}

async function main() {
  const form = document.getElementById("person-form");
  const person = loadPerson();
  for (const [key, value] of Object.entries(person)) form.elements[key].value = value;
  const pane = new ChatPane(document.getElementById("citizen-pane"), person,
    document.querySelector(".toast"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    pane.person = {
      user_id: Number(form.elements.user_id.value),
      first_name: form.elements.first_name.value.trim() || "You",
      language_code: form.elements.language_code.value,
      phone_number: form.elements.phone_number.value.trim(),
    };
    localStorage.setItem("emulator-person", JSON.stringify(pane.person));
    pane.start();
  });
  try {
    const info = await (await fetch("/chat/api/info")).json();
    document.getElementById("bot-name").textContent = info.bot.name;
  } catch (error) { /* the header keeps its default title */ }
  pane.start();
}

main();
