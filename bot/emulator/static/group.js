// The agents' forum supergroup pane.
"use strict";

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

  say(text) { return this.post("/chat/api/group/send", { text, thread_id: this.selected }); }

  attach(file) {
    return this.upload("/chat/api/group/upload", file, ChatPane.fileKind(file, false), { thread_id: this.selected });
  }
}
