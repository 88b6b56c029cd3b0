// The page's texts and locale, and message bubbles. Bot text is rendered from (text, entities)
// with DOM nodes only: no HTML from the bot is ever parsed, so only Telegram's formatting can appear.
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
