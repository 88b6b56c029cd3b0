// The chat panes: what they share, a private chat with the bot, the citizen's, the admin's.
"use strict";

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

  // The composer: its text goes to say(text), a chosen file to attach(file, form).
  bindComposer() {
    const form = this.root.querySelector(".composer");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = form.elements.text.value;
      if (!text.trim()) return;
      form.elements.text.value = "";
      this.say(text);
    });
    if (!form.elements.file) return;
    form.elements.file.addEventListener("change", () => {
      const file = form.elements.file.files[0];
      if (!file) return;
      form.elements.file.value = "";
      this.attach(file, form);
    });
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
}

// The citizen: a private chat with uploads and recorded video notes.
class CitizenPane extends PrivatePane {
  constructor(root, person, toast) {
    super(root, person, toast);
    this.recorder = new VideoNoteRecorder(root, (blob, seconds) => this.sendVideoNote(blob, seconds),
      () => this.botTurn());
  }

  attach(file, form) {
    return this.upload("/chat/api/upload", file, ChatPane.fileKind(file, form.elements.as_video_note.checked), {});
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
      button.addEventListener("click", () => {
        this.menu.closest("details").open = false;  // the answer gets the room
        this.say("/" + item.command);
      });
      return button;
    }));
  }
}
