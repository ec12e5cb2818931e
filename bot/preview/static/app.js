// The preview's web chat. Plain DOM, no build step, no external resources.
// Bot text is never parsed as HTML: it arrives as plain text + Telegram entities (UTF-16 offsets,
// which is exactly how JavaScript strings index) and is rebuilt with createElement/textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  world: null,          // /api/state
  user: null,           // acting person's id
  chat: null,           // open chat id
  messages: [],
  version: -1,
  rendered: new Map(),  // message id -> {key, el}
  pending: new Map(),   // callback query id -> {button, at}
  loadingButtons: new Set(),
  pollChoice: new Map(),  // poll id -> Set of options (multiple-answer polls, before voting)
  deadlines: new Map(),   // poll id -> performance.now() deadline
  online: true,
  lastSeen: null,         // newest message id rendered, to follow one's own new messages
  bannerOpen: false,      // phone width: the one-line "content loaded" banner shown in full
};

// At phone width the chat list is a drawer (style.css uses the same breakpoint).
const PHONE = window.matchMedia("(max-width: 600px)");

// ------------------------------------------------------------------ network

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || data.description || response.statusText);
  return data;
}

function nearBottom() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

async function refresh() {
  const stick = nearBottom();
  state.world = await api("/api/state");
  if (state.user === null || !state.world.people.some((p) => p.id === state.user)) {
    state.user = state.world.people[0].id;
  }
  if (state.chat === null) state.chat = state.user;
  renderBanner();
  renderPersonas();
  renderChats();
  renderHeader();
  const view = await api(`/api/chats/${state.chat}?user=${state.user}`);
  state.messages = view.messages;
  renderMessages(stick);
  renderTyping(view.typing);
  handleAnswers(view.answers);
}

async function liveLoop() {
  for (;;) {
    try {
      const result = await api(`/api/wait?version=${state.version}&timeout=25`);
      if (!state.online) { state.online = true; }
      if (result.version !== state.version) {
        state.version = result.version;
        await refresh();
      }
    } catch (error) {
      state.online = false;
      renderBanner();
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

// ------------------------------------------------------------------ helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function person(id) {
  return state.world.people.find((p) => p.id === id);
}

function lang() {
  const p = person(state.user);
  return p && p.language_code && !p.language_code.startsWith("zh") ? "en" : "zh";
}

function currentGroup() {
  return state.world.groups.find((g) => g.id === state.chat) || null;
}

function initial(name) {
  return Array.from(name || "?")[0].toUpperCase();
}

function timeOf(unix) {
  const d = new Date(unix * 1000);
  return d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
}

function nameColor(id) {
  const colors = ["#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];
  return colors[Math.abs(id) % colors.length];
}

function humanSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function safeHttpUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 2800);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  const dialog = $("alert");
  if (!dialog.open) dialog.showModal();
}

// ------------------------------------------------------------------ entities -> DOM

function renderRich(text, entities) {
  const fragment = document.createDocumentFragment();
  const list = (entities || [])
    .filter((e) => e.length > 0)
    .map((e) => ({ ...e, end: e.offset + e.length }))
    .sort((a, b) => a.offset - b.offset || b.end - a.end);
  build(fragment, text || "", list, 0, (text || "").length);
  return fragment;
}

// Nest entities; one that crosses its parent's end is split in two, like Telegram clients do.
function build(parent, text, list, start, end, inert = false) {
  let pos = start;
  while (list.length) {
    const entity = list.shift();
    if (entity.offset > pos) appendPlain(parent, text.slice(pos, entity.offset), inert);
    const inner = [];
    const rest = [];
    for (const other of list) {
      if (other.offset < entity.end) {
        if (other.end <= entity.end) inner.push(other);
        else {
          inner.push({ ...other, end: entity.end });
          rest.push({ ...other, offset: entity.end });
        }
      } else rest.push(other);
    }
    rest.sort((a, b) => a.offset - b.offset || b.end - a.end);
    const { outer, content } = entityElement(entity, text.slice(entity.offset, entity.end));
    const quiet = inert || INERT.has(entity.type);
    build(content, text, inner, entity.offset, entity.end, quiet);
    parent.append(outer);
    pos = entity.end;
    list = rest;
  }
  if (pos < end) appendPlain(parent, text.slice(pos, end), inert);
}

// Telegram clients make /commands and web addresses in plain text clickable; so does the page.
const INERT = new Set(["code", "pre", "text_link", "url", "bot_command", "email", "mention"]);
const AUTOLINK = /(^|[\s(（：，、])(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])|https?:\/\/[^\s<>"'）)，。、]+/g;

function appendPlain(parent, chunk, inert) {
  if (inert) { parent.append(chunk); return; }
  let last = 0;
  for (const match of chunk.matchAll(AUTOLINK)) {
    const lead = match[1] || "";
    const start = match.index + lead.length;
    const found = match[2] || match[0];
    parent.append(chunk.slice(last, start));
    const link = el("a", match[2] ? "cmd" : "", found);
    link.href = "#";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (match[2]) sendText(found); else openLink(found);
    });
    parent.append(link);
    last = start + found.length;
  }
  parent.append(chunk.slice(last));
}

function entityElement(entity, slice) {
  const simple = {
    bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  if (simple[entity.type]) {
    const node = el(simple[entity.type]);
    return { outer: node, content: node };
  }
  if (entity.type === "pre") {
    const pre = el("pre");
    const code = el("code");
    pre.append(code);
    return { outer: pre, content: code };
  }
  if (entity.type === "spoiler") {
    const node = el("span", "spoiler");
    node.title = "点击显示 · click to reveal";
    node.addEventListener("click", () => node.classList.toggle("shown"));
    return { outer: node, content: node };
  }
  if (entity.type === "text_link" || entity.type === "url") {
    const url = entity.type === "url" ? slice : entity.url;
    const node = el("a");
    node.href = "#";
    node.title = url || "";
    node.addEventListener("click", (event) => { event.preventDefault(); openLink(url); });
    return { outer: node, content: node };
  }
  if (entity.type === "email") {
    const node = el("a");
    node.href = `mailto:${slice}`;
    return { outer: node, content: node };
  }
  if (entity.type === "bot_command") {
    const node = el("a", "cmd");
    node.href = "#";
    node.addEventListener("click", (event) => { event.preventDefault(); sendText(slice); });
    return { outer: node, content: node };
  }
  const node = el("span", ["mention", "hashtag", "cashtag", "text_mention"].includes(entity.type)
    ? "mention" : "");
  return { outer: node, content: node };
}

// t.me deep links to this bot become "/start <payload>" in the private chat, as in Telegram.
function openLink(url) {
  if (!url) return;
  const match = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)(?:\?start=([A-Za-z0-9_-]{1,64}))?$/.exec(url);
  if (match && state.world.bot.username &&
      match[1].toLowerCase() === state.world.bot.username.toLowerCase()) {
    openChat(state.user).then(() => sendText(match[2] ? `/start ${match[2]}` : "/start"));
    return;
  }
  if (/^https?:\/\/t\.me\/share\//.test(url)) {
    showToast(`分享链接（预览中不打开）· Share link (not opened in the preview):\n${url}`);
    return;
  }
  const safe = safeHttpUrl(url);
  if (safe) window.open(safe, "_blank", "noopener,noreferrer");
  else showToast(`无法打开的链接 · Link not opened: ${url}`);
}

// ------------------------------------------------------------------ rendering

function renderBanner() {
  const banner = $("banner");
  banner.replaceChildren();
  if (!state.online) {
    banner.className = "banner offline";
    banner.textContent = "⚠️ 与预览服务器的连接已断开，正在重试… · Lost the connection to the preview server; retrying…";
    return;
  }
  const content = state.world && state.world.content;
  if (!content) { banner.className = "banner"; banner.textContent = "…"; return; }
  const campaigns = content.campaigns ? ` · ${content.campaigns} 个活动 campaigns` : "";
  const counts = `${content.banks} 个题库 banks · ${content.questions} 道题 questions · ${content.lessons} 节课 lessons${campaigns}`;
  const version = content.version ? ` · 版本 version ${content.version.slice(0, 8)}` : "";
  if (!content.ok) {
    banner.className = "banner error";
    banner.append(`❌ 内容有错误，仍在使用上一版内容 · The content has errors; the previous content stays in use (${counts}). 检查于 checked ${content.checked_at} — ${content.summary}`);
    banner.append(problemList(content.errors, true), problemList(content.warnings, false));
  } else if (content.warnings.length) {
    banner.className = "banner warn";
    banner.append(`✅ 内容已加载 · Content loaded: ${counts}${version} · 检查于 checked ${content.checked_at} — ${content.summary}`);
    banner.append(problemList(content.warnings, false));
  } else {
    banner.className = `banner ok${state.bannerOpen ? " open" : ""}`;
    banner.append(`✅ 内容已加载 · Content loaded: ${counts}${version} · 检查于 checked ${content.checked_at} · 保存 YAML 即自动重新加载 · saving a YAML file reloads it`);
  }
}

function problemList(items, open) {
  const fragment = document.createDocumentFragment();
  if (!items.length) return fragment;
  const details = el("details");
  details.open = open;
  details.append(el("summary", "", open ? `错误 · Errors (${items.length})` : `警告 · Warnings (${items.length})`));
  const list = el("ul");
  for (const item of items) list.append(el("li", "", item));
  details.append(list);
  fragment.append(details);
  return fragment;
}

function renderPersonas() {
  const select = $("persona");
  const wanted = state.world.people.map((p) => `${p.id}:${p.name}`).join("|");
  if (select.dataset.people !== wanted) {
    select.replaceChildren();
    for (const p of state.world.people) {
      const option = el("option", "", `${p.name}${p.username ? ` (@${p.username})` : ""} · ${p.language_code || ""}`);
      option.value = String(p.id);
      select.append(option);
    }
    select.dataset.people = wanted;
  }
  select.value = String(state.user);
}

function chatsOfUser() {
  const bot = state.world.bot;
  const chats = [{ id: state.user, title: bot.name, sub: "私聊 · Private chat", kind: "bot" }];
  for (const group of state.world.groups) {
    if (group.members.includes(state.user)) {
      chats.push({ id: group.id, title: group.title, sub: `群组 · Group · ${group.members.length + 1} 位成员 members`, kind: "group" });
    }
  }
  return chats;
}

function renderChats() {
  const nav = $("chats");
  nav.replaceChildren();
  for (const chat of chatsOfUser()) {
    const button = el("button", `chat-item${chat.id === state.chat ? " active" : ""}`);
    button.type = "button";
    button.dataset.chat = String(chat.id);
    const avatar = el("div", `avatar ${chat.kind}`, initial(chat.title));
    const text = el("div", "chat-item-text");
    text.append(el("div", "chat-item-title", chat.title), el("div", "chat-item-sub", chat.sub));
    button.append(avatar, text);
    button.addEventListener("click", () => { setDrawer(false); openChat(chat.id); });
    nav.append(button);
  }
}

function renderHeader() {
  const group = currentGroup();
  const bot = state.world.bot;
  $("chat-avatar").className = `avatar ${group ? "group" : "bot"}`;
  $("chat-avatar").textContent = initial(group ? group.title : bot.name);
  $("chat-title").textContent = group ? group.title : `${bot.name}`;
  $("chat-sub").dataset.base = group
    ? `${group.members.length + 1} 位成员 members · 你是 you are ${person(state.user).name}`
    : `机器人 · bot · @${bot.username}`;
}

function renderTyping(typing) {
  const sub = $("chat-sub");
  sub.classList.toggle("typing", Boolean(typing));
  sub.textContent = typing ? "正在输入… · typing…" : sub.dataset.base;
}

function renderMessages(stick = nearBottom()) {
  const box = $("messages");
  if (!state.messages.length) {
    state.rendered.clear();
    box.replaceChildren(emptyState());
    return;
  }
  const keep = new Map();
  const nodes = [];
  for (const message of state.messages) {
    const key = JSON.stringify([message, state.user, [...state.loadingButtons],
      [...(state.pollChoice.get(message.poll && message.poll.id) || [])]]);
    const old = state.rendered.get(message.id);
    const node = old && old.key === key ? old.el : messageRow(message);
    keep.set(message.id, { key, el: node });
    nodes.push(node);
  }
  state.rendered = keep;
  const same = nodes.length === box.children.length && nodes.every((n, i) => box.children[i] === n);
  if (!same) box.replaceChildren(...nodes);
  const last = state.messages[state.messages.length - 1];
  const mine = last.from.id === state.user && last.id !== state.lastSeen;
  state.lastSeen = last.id;
  if (stick || mine) box.scrollTop = box.scrollHeight;
}

function emptyState() {
  const box = el("div", "empty");
  if (currentGroup()) {
    box.append("群里还没有消息。发送 /help 看看机器人能做什么。", el("br"),
      "No messages yet. Send /help to see what the bot does in groups.");
    return box;
  }
  box.append(`${state.world.bot.name}：用一道道小题，帮你认清电信网络诈骗、伪卡盗刷、非法集资等骗局。`,
    el("br"), "Quizzes that teach you to recognise fraud.", el("br"));
  const start = el("button", "send", "开始 · START");
  start.type = "button";
  start.addEventListener("click", () => sendText("/start"));
  box.append(start);
  return box;
}

function messageRow(message) {
  const out = message.from.id === state.user;
  const row = el("div", `row${out ? " out" : ""}`);
  row.dataset.id = String(message.id);
  const hasKeyboard = Boolean(message.keyboard && message.keyboard.length);
  const stack = el("div", `stack${message.poll || hasKeyboard ? " wide" : ""}`);
  const bubble = el("div", `bubble${message.poll ? " poll" : ""}`);
  if (currentGroup() && !out) {
    const sender = el("div", "sender", message.from.name);
    sender.style.color = message.from.is_bot ? "#e17076" : nameColor(message.from.id);
    bubble.append(sender);
  }
  if (message.reply_to) {
    const reply = el("div", "reply");
    reply.append(el("b", "", message.reply_to.name), el("span", "", message.reply_to.text));
    bubble.append(reply);
  }
  if (message.photo) {
    const img = el("img", "photo");
    img.src = message.photo.url;
    img.alt = "图片 · photo";
    if (message.photo.width && message.photo.height) {  // reserve the space before it loads
      img.width = Math.min(message.photo.width, 420);
      img.height = Math.round((message.photo.height * img.width) / message.photo.width);
    }
    img.addEventListener("click", () => window.open(message.photo.url, "_blank", "noopener"));
    bubble.append(img);
  }
  if (message.document) bubble.append(documentCard(message.document));
  const body = message.text !== null ? message.text : message.caption;
  const entities = message.text !== null ? message.entities : message.caption_entities;
  const meta = el("span", "meta", `${message.edited ? "已编辑 edited · " : ""}${timeOf(message.date)}`);
  if (message.poll) {
    bubble.append(pollView(message, meta));
  } else if (body) {
    const text = el("div", message.text !== null ? "text" : "text caption");
    text.append(renderRich(body, entities), meta);
    bubble.append(text);
  } else {
    bubble.append(meta);
  }
  stack.append(bubble);
  if (hasKeyboard) stack.append(keyboardView(message));
  row.append(stack);
  return row;
}

function documentCard(doc) {
  const link = el("a", "doc");
  link.href = doc.url;
  link.setAttribute("download", doc.file_name || "file");
  const ext = (doc.file_name || "").split(".").pop().slice(0, 4).toUpperCase() || "FILE";
  const text = el("div");
  text.append(el("div", "doc-name", doc.file_name || "file"),
    el("div", "doc-size", `${humanSize(doc.size)} · 下载 · Download`));
  link.append(el("div", "doc-icon", ext), text);
  return link;
}

function keyboardView(message) {
  const box = el("div", "keyboard");
  for (const row of message.keyboard) {
    const line = el("div", "kb-row");
    for (const button of row) {
      const node = el("button", "kb-button", button.text);
      node.type = "button";
      if (button.url) {
        node.append(el("span", "link-mark", "↗"));
        node.title = button.url;
        node.addEventListener("click", () => openLink(button.url));
      } else if (button.callback_data !== undefined) {
        const key = `${message.id}|${button.callback_data}`;
        if (state.loadingButtons.has(key)) node.classList.add("loading");
        node.addEventListener("click", () => press(message, button.callback_data, key));
      } else {
        node.disabled = true;
        node.title = "预览不支持此按钮 · not supported in the preview";
      }
      line.append(node);
    }
    box.append(line);
  }
  return box;
}

function pollView(message, meta) {
  const poll = message.poll;
  const box = el("div");
  const voted = poll.my_vote.length > 0;
  const reveal = voted || poll.is_closed;
  const kind = poll.type === "quiz" ? "测验 · Quiz" : "投票 · Poll";
  const anon = poll.is_anonymous ? "匿名 · anonymous" : "公开 · public";
  box.append(el("div", "poll-kind", `${kind} · ${anon}`));
  box.append(el("div", "poll-question", poll.question));
  const total = poll.voter_counts ? poll.voter_counts.reduce((a, b) => a + b, 0) : 0;
  const choice = state.pollChoice.get(poll.id) || new Set();
  poll.options.forEach((text, index) => {
    const option = el("button", `poll-option${poll.allows_multiple_answers ? " multi" : ""}`);
    option.type = "button";
    option.dataset.option = String(index);
    const line = el("div", "opt-line");
    const correct = reveal && poll.correct_option_ids && poll.correct_option_ids.includes(index);
    const mine = poll.my_vote.includes(index);
    if (reveal) {
      const pct = total ? Math.round((poll.voter_counts[index] * 100) / total) : 0;
      line.append(el("span", "pct", `${pct}%`));
      const dot = el("span", "dot", correct ? "✓" : mine && poll.type === "quiz" ? "✗" : mine ? "✓" : "");
      line.append(dot, el("span", "", text));
      option.append(line);
      const bar = el("div", "bar");
      bar.style.width = `calc((100% - 46px) * ${pct / 100})`;
      option.append(bar);
      if (correct) option.classList.add("correct");
      else if (mine && poll.type === "quiz") option.classList.add("wrong");
      else if (mine) option.classList.add("selected");
      option.disabled = true;
    } else {
      if (choice.has(index)) option.classList.add("selected");
      line.append(el("span", "dot", choice.has(index) ? "✓" : ""), el("span", "", text));
      option.append(line);
      option.addEventListener("click", () => choosePollOption(message, index));
    }
    box.append(option);
  });
  if (!reveal && poll.allows_multiple_answers) {
    const vote = el("button", "send poll-vote", "投票 · Vote");
    vote.type = "button";
    vote.disabled = choice.size === 0;
    vote.addEventListener("click", () => vote_(message, [...choice].sort((a, b) => a - b)));
    box.append(vote);
  }
  if (reveal && poll.explanation) {
    const explanation = el("div", "poll-explanation");
    explanation.append("💡 ", renderRich(poll.explanation, poll.explanation_entities));
    box.append(explanation);
  }
  const foot = el("div", "poll-foot");
  foot.append(el("span", "", `${poll.total_voters} 人参与 · voters`));
  if (poll.is_closed) {
    foot.append(el("span", "", "已结束 · Final results"));
  } else if (poll.closes_in !== null) {
    const timer = el("span", "poll-timer");
    timer.dataset.poll = poll.id;
    state.deadlines.set(poll.id, performance.now() + poll.closes_in * 1000);
    updateTimer(timer);
    foot.append(timer);
  }
  foot.append(meta);
  box.append(foot);
  return box;
}

function updateTimer(timer) {
  const deadline = state.deadlines.get(timer.dataset.poll);
  if (deadline === undefined) return;
  const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  timer.textContent = `⏱ ${minutes}:${seconds}`;
  timer.classList.toggle("soon", left <= 5);
}

setInterval(() => {
  for (const timer of document.querySelectorAll(".poll-timer")) updateTimer(timer);
}, 250);

// ------------------------------------------------------------------ actions

async function openChat(chatId) {
  state.chat = chatId;
  $("commands").hidden = true;
  state.rendered.clear();
  state.lastSeen = null;
  $("messages").scrollTop = 0;
  await refresh();
  $("messages").scrollTop = $("messages").scrollHeight;
  focusInput();
}

// On a phone, focusing the box would pop up the on-screen keyboard at every chat switch.
function focusInput() {
  if (!PHONE.matches) $("input").focus();
}

function drawerOpen() {
  return document.body.classList.contains("drawer-open");
}

function setDrawer(open) {
  const wasOpen = drawerOpen();
  document.body.classList.toggle("drawer-open", open);
  $("scrim").hidden = !open;
  $("drawer-button").setAttribute("aria-expanded", String(open));
  document.querySelector("main.chat").inert = open;  // behind the shade: no focus, no clicks
  if (open && !wasOpen) {
    const active = document.querySelector(".chat-item.active") || $("persona");
    active.focus();
  } else if (!open && $("sidebar").contains(document.activeElement)) {
    $("drawer-button").focus();  // focus must not stay in the closed drawer
  }
}

async function sendText(text) {
  const clean = text.trim();
  if (!clean) return;
  try {
    await api("/api/send", { user: state.user, chat: state.chat, text: clean });
  } catch (error) {
    showToast(`发送失败 · Not sent: ${error.message}`);
  }
}

async function press(message, data, key) {
  state.loadingButtons.add(key);
  renderMessages();
  try {
    const result = await api("/api/press", { user: state.user, chat: state.chat, message: message.id, data });
    state.pending.set(result.query_id, { key, at: Date.now() });
  } catch (error) {
    state.loadingButtons.delete(key);
    renderMessages();
    showToast(`按钮已失效 · Button no longer works: ${error.message}`);
  }
}

function handleAnswers(answers) {
  let changed = false;
  for (const [queryId, pending] of [...state.pending]) {
    const answer = answers[queryId];
    const expired = Date.now() - pending.at > 15000;
    if (!answer && !expired) continue;
    state.pending.delete(queryId);
    state.loadingButtons.delete(pending.key);
    changed = true;
    if (answer && answer.text) {
      if (answer.show_alert) showAlert(answer.text);
      else showToast(answer.text);
    }
    if (answer && answer.url) openLink(answer.url);
  }
  if (changed) renderMessages();
}

function choosePollOption(message, index) {
  const poll = message.poll;
  if (!poll.allows_multiple_answers) {
    vote_(message, [index]);
    return;
  }
  const choice = state.pollChoice.get(poll.id) || new Set();
  if (choice.has(index)) choice.delete(index); else choice.add(index);
  state.pollChoice.set(poll.id, choice);
  renderMessages();
}

async function vote_(message, options) {
  try {
    await api("/api/vote", { user: state.user, poll: message.poll.id, options });
    state.pollChoice.delete(message.poll.id);
  } catch (error) {
    showToast(`投票失败 · Vote refused: ${error.message}`);
  }
}

function renderCommands() {
  const box = $("commands");
  box.replaceChildren();
  const menus = state.world.commands[currentGroup() ? "group" : "private"];
  const list = (menus && (menus[lang()].length ? menus[lang()] : menus.default)) || [];
  if (!list.length) {
    box.append(el("div", "command", "机器人还没有设置命令 · The bot set no commands"));
  }
  for (const command of list) {
    const item = el("button", "command");
    item.type = "button";
    item.append(el("b", "", `/${command.command}`), el("span", "", command.description));
    item.addEventListener("click", () => { box.hidden = true; sendText(`/${command.command}`); });
    box.append(item);
  }
}

// ------------------------------------------------------------------ wiring

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("input");
  const text = input.value;
  input.value = "";
  $("commands").hidden = true;
  sendText(text);
});

$("cmd-button").addEventListener("click", () => {
  const box = $("commands");
  if (box.hidden) renderCommands();
  box.hidden = !box.hidden;
});

$("persona").addEventListener("change", (event) => {
  const wasPrivate = !currentGroup();
  state.user = Number(event.target.value);
  const stillMember = currentGroup() && currentGroup().members.includes(state.user);
  openChat(wasPrivate || !stillMember ? state.user : state.chat);
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  $("commands").hidden = true;
  if (drawerOpen()) setDrawer(false);
});

$("drawer-button").addEventListener("click", () => setDrawer(!drawerOpen()));
$("scrim").addEventListener("click", () => setDrawer(false));
PHONE.addEventListener("change", () => { if (!PHONE.matches) setDrawer(false); });

$("banner").addEventListener("click", (event) => {
  if (!$("banner").classList.contains("ok") || event.target.closest("details")) return;
  state.bannerOpen = !state.bannerOpen;
  renderBanner();
});

refresh().then(() => {
  liveLoop();
  focusInput();
}).catch((error) => {
  state.online = false;
  renderBanner();
  console.error(error);
  liveLoop();
});
