// Local web chat for the Bot API emulator. No build step, no dependencies: classic scripts
// loaded in order by index.html (render.js, panes.js, group.js, recorder.js, chat.js).
// This one: who is chatting (identities, remembered per tab), the tabs, and starting the panes.
"use strict";

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
