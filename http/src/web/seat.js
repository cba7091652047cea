"use strict";
const $ = (id) => document.getElementById(id);
const views = ["viewLogin", "viewWait", "exam", "viewDone"];
const show = (v) => { views.forEach((x) => $(x).classList.toggle("hidden", x !== v)); $("submitTop").classList.toggle("hidden", v !== "exam"); };
let token = localStorage.getItem("kaoshi.seat.token");
let paper = null, cur = 0, seq = 0, view = "single", status = null;
let remaining = null, ticker = null, statusTimer = null, pumping = false, retryTimer = null, waitTimer = null;
let sessionInfo = {}, rulesShown = false, keysOn = true;
// Answers and flags the server acknowledged, and those not yet acknowledged
// (kept in localStorage until they are, so a reload, a pause, a server
// restart or a new login loses none of them). The navigator and counters
// show only what the server holds.
let acked = {}, pending = {}, flagged = new Set(), pendingFlags = {};
const seatKey = () => (sessionInfo.batch || "") + "." + (sessionInfo.ticket || "");
const pendingKey = () => "kaoshi.pending." + seatKey();
const flagsKey = () => "kaoshi.flags." + seatKey();
const readJson = (key) => { try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; } };
const loadPending = () => { pending = readJson(pendingKey()); pendingFlags = readJson(flagsKey()); };
const keep = (key, obj) => { if (Object.keys(obj).length) localStorage.setItem(key, JSON.stringify(obj)); else localStorage.removeItem(key); };
const storePending = () => { keep(pendingKey(), pending); keep(flagsKey(), pendingFlags); };
const answerOf = (pos) => (pos in pending ? pending[pos] : acked[pos]);
const isFlagged = (pos) => (pos in pendingFlags ? pendingFlags[pos] : flagged.has(pos));
const filled = (v) => v != null && v !== "";
const pendingCount = () => Object.keys(pending).length;

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { const err = new Error("服务器正在重启，已保存的答案不会丢失"); err.status = 0; throw err; }
  let data = {}; try { data = await res.json(); } catch (e) {}
  if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; err.code = data.code; throw err; }
  return data;
}

// Status messages for screen readers, through one polite live region.
function announce(text) { const sr = $("sr"); sr.textContent = ""; setTimeout(() => { sr.textContent = text; }, 50); }

// Warnings at 10, 5 and 1 minutes, each shown and announced once; an
// extension is announced too.
const WARN = [600, 300, 60];
let warned = {}, lastClock = null;
function notice(text) { $("noticeText").textContent = text; $("notice").classList.remove("hidden"); }
function warnings() {
  WARN.forEach((w) => {
    if (remaining <= w && remaining > 0 && !warned[w]) {
      warned[w] = true;
      notice("距离考试结束还有 " + Math.ceil(remaining / 60) + " 分钟，请注意时间并检查答案。");
    }
  });
}
function setClock(sec) {
  if (sec == null) return;
  if (lastClock != null && status === "answering" && sec - lastClock >= 55) {
    notice("监考员已为您延长考试时间 " + Math.round((sec - lastClock) / 60) + " 分钟。");
    WARN.forEach((w) => { if (sec > w) delete warned[w]; });
  }
  remaining = sec; lastClock = sec; $("clock").classList.remove("hidden"); renderClock();
  // A clock that starts below a threshold has nothing to warn about it.
  if (Object.keys(warned).length === 0) WARN.forEach((w) => { if (sec <= w) warned[w] = true; });
}
const hms = (s) => { s = Math.max(0, s); const m = Math.floor(s / 60); return (m >= 60 ? Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(s % 60).padStart(2, "0"); };
function renderClock() {
  $("clock").textContent = hms(remaining) + (status === "paused" ? "（已暂停）" : "");
  $("clock").classList.toggle("low", remaining < 300);
}
function startTicker() {
  if (ticker) return;
  // The clock runs only while the server's does: not while paused or waiting.
  ticker = setInterval(() => { if (status === "answering" && remaining != null && remaining > 0) { remaining--; lastClock = remaining; renderClock(); warnings(); if (remaining === 0) refreshStatus(); } }, 1000);
}
let saveKind = null;
function saveState(kind, text) {
  const el = $("saveState"); el.classList.remove("hidden", "pending", "failed"); if (kind) el.classList.add(kind); el.textContent = text;
  if (kind === "failed" && saveKind !== "failed") announce(text);
  if (!kind && saveKind === "failed") announce("答案已全部保存。");
  saveKind = kind;
}
function showSaveState(failure) {
  const n = pendingCount();
  if (failure) saveState("failed", failure);
  else if (n && status !== "answering") saveState("pending", n + " 题待保存（考试恢复后自动保存）");
  else if (n) saveState("pending", "保存中……（" + n + " 题待保存）");
  else saveState(null, "已保存");
}

async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try {
    const r = await api("POST", "/api/seat/login", { ticket: $("ticket").value.trim(), id_number: $("idnum").value.trim() });
    token = r.token; localStorage.setItem("kaoshi.seat.token", token); await route(r);
    if (!$("viewWait").classList.contains("hidden")) $("waitText").focus();
  } catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}

async function refreshStatus() {
  try { route(await api("GET", "/api/seat/status")); }
  catch (e) {
    if (e.code === "auth.seat_ended") handedIn(remaining === 0 ? "考试时间到，试卷已自动提交。" : e.message + "。");
    else if (e.status === 401) logout("本机的登录已失效：监考员未通过身份核验，或准考证号已在另一台机器上登录。如需继续答题，请举手示意监考员，重新登录并等待核验；已保存的答案不会丢失。");
    else if (e.status === 0) showSaveState(pendingCount() ? "服务器正在重启，已保存的答案不会丢失；" + pendingCount() + " 题待保存" : "服务器正在重启，已保存的答案不会丢失");
  }
}
function stopTimers() { [ticker, statusTimer, waitTimer].forEach(clearInterval); ticker = statusTimer = waitTimer = null; Face.stop(); }
function clearExam() {
  paper = null; pending = {}; acked = {}; flagged = new Set(); pendingFlags = {}; view = "single"; cur = 0; rulesShown = false; keysOn = true;
  $("keysOn").checked = true; $("rulesList").innerHTML = ""; $("rulesCheck").checked = false;
  $("stem").textContent = ""; $("answerArea").innerHTML = ""; $("list").innerHTML = ""; $("navs").innerHTML = "";
  ["clock", "submitTop", "notice", "saveState"].forEach((id) => $(id).classList.add("hidden"));
  warned = {}; lastClock = null; saveKind = null;
}
// After hand-in the seat's session is over on the server; the page keeps
// nothing of the exam: no token, no paper, no pending answers, no flags.
function handedIn(text) {
  const lost = pendingCount();
  $("doneText").textContent = text + "请离开考场。" + (lost ? "另有 " + lost + " 题的答案未能在交卷前保存。" : "");
  show("viewDone"); stopTimers();
  localStorage.removeItem(pendingKey()); localStorage.removeItem(flagsKey()); localStorage.removeItem("kaoshi.seat.token");
  token = null; clearExam();
  $("nextCandidate").focus();
}
// Back to the login with nothing of the last candidate on screen and no polling.
function logout(why) {
  token = null; localStorage.removeItem("kaoshi.seat.token");
  stopTimers(); clearExam();
  $("who").textContent = ""; $("title").textContent = "kaoshi 理论知识机考";
  $("ticket").value = ""; $("idnum").value = ""; $("loginErr").textContent = why || "";
  show("viewLogin");
}

// The waiting screen: the start as a clock time with a countdown, and the
// exam rules (考生须知) to acknowledge; the acknowledgement is logged.
const startText = (ms) => {
  const d = new Date(ms), now = new Date();
  const t = d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false });
  return d.toDateString() === now.toDateString() ? t : (d.getMonth() + 1) + "月" + d.getDate() + "日 " + t;
};
function countdown(st) {
  clearInterval(waitTimer); waitTimer = null;
  const box = $("countdown");
  if (!(st.starts_in_seconds > 0)) { box.classList.add("hidden"); return; }
  const until = Date.now() + st.starts_in_seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    box.textContent = "距开考还有 " + hms(left);
    if (left <= 0) { clearInterval(waitTimer); waitTimer = null; refreshStatus(); }
  };
  box.classList.remove("hidden"); tick(); waitTimer = setInterval(tick, 1000);
}
async function showRules(st) {
  $("rulesBox").classList.remove("hidden");
  $("rulesForm").classList.toggle("hidden", !!st.rules_acknowledged); $("rulesDone").classList.toggle("hidden", !st.rules_acknowledged);
  if (rulesShown) return;
  rulesShown = true;
  try {
    const r = await api("GET", "/api/seat/rules");
    $("rulesList").innerHTML = ""; r.rules.forEach((line) => { const li = document.createElement("li"); li.textContent = line; $("rulesList").appendChild(li); });
  } catch (e) { rulesShown = false; }
}
async function acknowledgeRules(ev) {
  ev.preventDefault(); $("rulesErr").textContent = "";
  if (!$("rulesCheck").checked) { $("rulesErr").textContent = "请先勾选“我已阅读并将遵守以上考生须知”。"; $("rulesCheck").focus(); return; }
  try { await route(await api("POST", "/api/seat/rules")); announce("已确认考生须知。"); if (!$("viewWait").classList.contains("hidden")) $("rulesDone").focus(); }
  catch (e) { $("rulesErr").textContent = "确认失败：" + e.message; }
}
function waiting(text, st) { $("waitText").textContent = text; countdown(st); showRules(st); show("viewWait"); $("clock").classList.add("hidden"); }

async function route(st) {
  sessionInfo = st; status = st.status; loadPending();
  $("title").textContent = st.title || "kaoshi 理论知识机考";
  $("who").textContent = (st.name || "") + "　准考证号 " + (st.ticket || "") + "　" + (st.room || "") + " " + (st.seat || "") + "号";
  setClock(st.remaining_seconds);
  if (st.status !== "awaiting_identity") Face.hide();
  if (!statusTimer) statusTimer = setInterval(refreshStatus, 5000);
  switch (st.status) {
    case "awaiting_identity": waiting("已登录，请等待监考员核验身份……", st); Face.atLogin(st); break;
    case "ready": case "answering":
      if (st.status === "ready" && st.starts_in_seconds > 0) { waiting("身份已核验。考试将于 " + startText(st.starts_at) + " 开始。", st); break; }
      if (!st.rules_acknowledged) { waiting("请阅读考生须知，确认后开始答题。", st); break; }
      countdown({});
      if (!paper) await loadPaper(); else { show("exam"); pump(); }
      Face.answering(); startTicker(); break;
    case "paused": $("clock").classList.remove("hidden"); $("waitText").textContent = "考试已暂停，计时已停止，已保存的答案不会丢失。请听从监考员安排。"; $("rulesBox").classList.add("hidden"); show("viewWait"); showSaveState(); break;
    case "submitted": handedIn((st.remaining_seconds === 0 ? "考试时间到，试卷已自动提交" : "试卷已提交") + "（" + st.answered + " 题已作答）。"); break;
    default: show("viewLogin");
  }
}

async function loadPaper() {
  try {
    paper = await api("GET", "/api/seat/paper");
    // Opening the paper started the clock on the server: the seat answers now.
    status = "answering";
    await loadAcked();
    $("title").textContent = paper.title; buildNav(); render(); show("exam"); showSaveState(); pump();
    $("stem").focus();
  } catch (e) { paper = null; if (e.status === 409 || e.status === 403) refreshStatus(); }
}
async function loadAcked() {
  const saved = await api("GET", "/api/seat/answers");
  acked = {}; saved.answers.forEach((a) => { if (a.response != null) acked[a.pos] = a.response; });
  flagged = new Set(saved.flagged || []);
  seq = Math.max(seq, saved.last_seq); setClock(saved.remaining_seconds);
  // A pending answer or flag the server already holds is no longer pending.
  Object.keys(pending).forEach((pos) => { if ((acked[pos] ?? null) === (pending[pos] === "" ? null : pending[pos])) delete pending[pos]; });
  Object.keys(pendingFlags).forEach((pos) => { if (flagged.has(Number(pos)) === pendingFlags[pos]) delete pendingFlags[pos]; });
  storePending();
}

// The navigator: each number carries its state as a sign and in its label,
// not by colour alone.
function buildNav() {
  const box = $("navs"); box.innerHTML = "";
  paper.sections.forEach((s, si) => {
    const h = document.createElement("div"); h.className = "navsec"; h.textContent = "第" + (si + 1) + "部分 " + s.name + "（每题 " + s.score + " 分）"; box.appendChild(h);
    const g = document.createElement("div"); g.className = "nav"; box.appendChild(g);
    paper.items.filter((it) => it.section === si).forEach((it) => {
      const b = document.createElement("button"); b.type = "button"; b.id = "nav" + it.pos;
      b.innerHTML = "<span></span><span class='mk' aria-hidden='true'></span>"; b.children[0].textContent = it.pos + 1;
      b.onclick = () => jump(it.pos); g.appendChild(b);
    });
  });
}
function paintNav() {
  let n = 0;
  paper.items.forEach((it) => {
    const b = $("nav" + it.pos), pend = it.pos in pending, done = filled(acked[it.pos]) && !pend, flag = isFlagged(it.pos);
    if (done) n++;
    b.classList.toggle("done", done); b.classList.toggle("pend", pend); b.classList.toggle("flag", flag);
    b.children[1].textContent = (done ? "✓" : "") + (pend ? "…" : "") + (flag ? "⚑" : "");
    b.setAttribute("aria-label", "第" + (it.pos + 1) + "题，" + (pend ? "待保存" : done ? "已作答" : "未作答") + (flag ? "，已标记" : ""));
    if (view === "single" && it.pos === cur) { if (b.getAttribute("aria-current") !== "true") { b.setAttribute("aria-current", "true"); followNav(b); } } else b.removeAttribute("aria-current");
  });
  const p = pendingCount();
  $("progress").textContent = n + " / " + paper.items.length + (p ? "（" + p + " 题待保存）" : "");
  paintFlags();
}
function paintFlags() {
  const on = isFlagged(cur);
  $("flagBtn").firstChild.textContent = on ? "取消标记" : "标记"; $("flagBtn").setAttribute("aria-pressed", String(on));
  document.querySelectorAll("#list .item").forEach((d) => {
    const pos = Number(d.dataset.pos), f = isFlagged(pos), b = d.querySelector("button.flagItem");
    b.textContent = f ? "取消标记" : "标记"; b.setAttribute("aria-pressed", String(f));
    d.querySelector(".flagged").textContent = f ? "⚑ 已标记" : "";
  });
}
// Keeps the current item's number in sight in the navigator's own scroll box.
function followNav(b) {
  const box = document.querySelector("#exam aside"), r = b.getBoundingClientRect(), o = box.getBoundingClientRect();
  if (box.scrollHeight > box.clientHeight && (r.top < o.top || r.bottom > o.bottom)) box.scrollTop += r.top - o.top - o.height / 2;
}
// To an item: in list mode scroll to it, otherwise show it alone.
function jump(pos) {
  cur = pos;
  if (view === "list") { const h = $("item" + pos); h.scrollIntoView({ block: "start" }); h.focus({ preventScroll: true }); paintNav(); return; }
  view = "single"; render(); $("stem").focus();
}
const letters = "ABCDEFGH";
function answerWidget(it, container) {
  container.innerHTML = ""; container.dataset.pos = it.pos;
  const val = answerOf(it.pos) || "";
  if (it.type === "short") {
    const t = document.createElement("textarea"); t.value = val; t.setAttribute("aria-label", "第" + (it.pos + 1) + "题作答区");
    let timer = null; t.oninput = () => { clearTimeout(timer); timer = setTimeout(() => setAnswer(it.pos, t.value), 800); };
    t.onblur = () => { clearTimeout(timer); if ((answerOf(it.pos) || "") !== t.value) setAnswer(it.pos, t.value); };
    container.appendChild(t); return;
  }
  const opts = it.type === "judge" ? [["T", "正确"], ["F", "错误"]] : it.options.map((o, k) => [letters[k], o]);
  const group = document.createElement("div"); group.setAttribute("role", it.type === "multiple" ? "group" : "radiogroup"); group.setAttribute("aria-label", "第" + (it.pos + 1) + "题选项");
  opts.forEach(([code, text]) => {
    const l = document.createElement("label"); l.className = "opt";
    const inp = document.createElement("input"); inp.type = it.type === "multiple" ? "checkbox" : "radio"; inp.name = "q" + it.pos; inp.value = code;
    inp.onchange = () => choose(it, code, inp.checked);
    const s = document.createElement("span"); s.textContent = text;
    if (it.type === "judge") l.append(inp, s);
    else { const b = document.createElement("b"); b.textContent = code + "."; l.append(inp, b, s); }
    group.appendChild(l);
  });
  container.appendChild(group); syncWidget(it);
}
// Shows an item's answer in its widgets without rebuilding them, so focus stays where it is.
function syncWidget(it) {
  const val = answerOf(it.pos) || "";
  document.querySelectorAll("[data-pos='" + it.pos + "'] input").forEach((inp) => {
    const on = it.type === "judge" || it.type === "single" ? val === inp.value : val.includes(inp.value);
    inp.checked = on; inp.closest("label").classList.toggle("sel", on);
  });
}
function choose(it, code, on) {
  let v = answerOf(it.pos) || "";
  if (it.type === "multiple") { const set = new Set(v.split("")); on ? set.add(code) : set.delete(code); v = letters.split("").filter((c) => set.has(c)).join(""); }
  else v = code;
  setAnswer(it.pos, v); syncWidget(it);
}
function render() {
  if (!paper) return;
  $("single").classList.toggle("hidden", view !== "single"); $("list").classList.toggle("hidden", view !== "list"); $("review").classList.toggle("hidden", view !== "review");
  $("modeBtn").textContent = view === "list" ? "逐题模式" : "列表模式";
  if (view === "list") renderList();
  else if (view === "review") renderReview();
  else {
    const it = paper.items[cur], sec = paper.sections[it.section];
    $("secName").textContent = "第" + (it.section + 1) + "部分 " + sec.name + "　第 " + (cur + 1) + " / " + paper.items.length + " 题（" + it.score + " 分）";
    $("stem").textContent = (cur + 1) + ". " + it.stem; answerWidget(it, $("answerArea"));
  }
  paintNav();
}
function renderList() {
  const box = $("list"); box.innerHTML = "";
  paper.sections.forEach((s, si) => {
    const h = document.createElement("h2"); h.textContent = "第" + (si + 1) + "部分 " + s.name + "（每题 " + s.score + " 分）"; box.appendChild(h);
    paper.items.filter((it) => it.section === si).forEach((it) => {
      const d = document.createElement("div"); d.className = "item"; d.dataset.pos = it.pos;
      const st = document.createElement("h3"); st.className = "stem"; st.id = "item" + it.pos; st.tabIndex = -1; st.textContent = (it.pos + 1) + ". " + it.stem;
      const a = document.createElement("div");
      const bar = document.createElement("div"); bar.className = "bar";
      const f = document.createElement("button"); f.type = "button"; f.className = "flagItem"; f.onclick = () => toggleFlag(it.pos);
      const mark = document.createElement("span"); mark.className = "flagged";
      bar.append(f, mark); d.append(st, a, bar); box.appendChild(d); answerWidget(it, a);
    });
  });
}
// The review before hand-in: unanswered, flagged and unsaved items, each a jump back.
function reviewList(id, positions, empty) {
  const box = $(id); box.innerHTML = "";
  if (!positions.length) { box.textContent = empty; return; }
  positions.forEach((pos) => { const b = document.createElement("button"); b.type = "button"; b.textContent = "第" + (pos + 1) + "题"; b.onclick = () => jump(pos); box.appendChild(b); });
}
function renderReview() {
  const all = paper.items.map((it) => it.pos);
  const unanswered = all.filter((p) => !filled(answerOf(p))), marked = all.filter(isFlagged), unsaved = all.filter((p) => p in pending);
  $("reviewSummary").textContent = "共 " + all.length + " 题：已作答 " + (all.length - unanswered.length) + " 题，未作答 " + unanswered.length + " 题，已标记 " + marked.length + " 题。点击题号返回该题。";
  reviewList("reviewUnanswered", unanswered, "没有未作答的题目。"); reviewList("reviewFlagged", marked, "没有标记的题目。");
  $("reviewPendingBox").classList.toggle("hidden", !unsaved.length); reviewList("reviewPending", unsaved, "");
}
function openReview() { if (!paper) return; view = "review"; render(); $("reviewTitle").focus(); }
function setAnswer(pos, v) {
  if ((acked[pos] ?? "") === v) delete pending[pos]; else pending[pos] = v;
  storePending(); paintNav(); showSaveState(); pump();
}
function toggleFlag(pos) {
  const on = !isFlagged(pos);
  if (flagged.has(pos) === on) delete pendingFlags[pos]; else pendingFlags[pos] = on;
  storePending(); paintNav(); pump();
}
// Sends pending answers, then pending flags, one at a time while the exam
// runs; each stays pending until the server acknowledges it.
async function pump() {
  if (pumping || status !== "answering" || !paper) return;
  const next = Object.keys(pending)[0];
  if (next === undefined) { if (saveKind !== null) showSaveState(); if (Object.keys(pendingFlags).length) pumpFlag(); return; }
  pumping = true; showSaveState();
  const pos = Number(next), value = pending[next];
  seq += 1;
  try {
    const r = await api("PUT", "/api/seat/answers/" + pos, { response: value === "" ? null : value, seq });
    if (value === "") delete acked[pos]; else acked[pos] = value;
    if (pending[pos] === value) delete pending[pos];
    storePending(); setClock(r.remaining_seconds); paintNav();
    pumping = false;
    if (!pendingCount()) saveState(null, "已保存 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }));
    pump();
  } catch (e) { pumping = false; failed(e, () => { delete pending[pos]; }); }
}
async function pumpFlag() {
  const pos = Number(Object.keys(pendingFlags)[0]), on = pendingFlags[pos];
  pumping = true;
  try {
    const r = await api("PUT", "/api/seat/flags/" + pos, { flagged: on });
    flagged = new Set(r.flagged); if (pendingFlags[pos] === on) delete pendingFlags[pos];
    storePending(); paintNav(); pumping = false; pump();
  } catch (e) { pumping = false; failed(e, () => { delete pendingFlags[pos]; }); }
}
function failed(e, drop) {
  if (e.code === "save.stale") { loadAcked().then(paintNav, () => {}).finally(pump); return; }
  if (e.code === "save.response" || e.code === "save.position" || e.code === "save.seq") { drop(); storePending(); paintNav(); showSaveState("未保存：" + e.message); if (pendingCount() || Object.keys(pendingFlags).length) pump(); return; }
  if (e.status === 0) { showSaveState("保存失败，正在重试……（" + e.message + "）"); clearTimeout(retryTimer); retryTimer = setTimeout(pump, 2000); return; }
  // Paused, not approved, handed in, logged out: it stays pending and the status says what comes next.
  showSaveState("未保存：" + e.message); refreshStatus();
}
function askSubmit() {
  const unanswered = paper.items.filter((it) => !filled(answerOf(it.pos))).length, marked = paper.items.filter((it) => isFlagged(it.pos)).length;
  $("confirmText").textContent = (unanswered ? "还有 " + unanswered + " 题未作答。" : "全部题目已作答。") + (marked ? "有 " + marked + " 题已标记。" : "") + "交卷后不能再修改答案，确认交卷吗？";
  $("confirm").showModal(); $("confirmNo").focus();
}
async function doSubmit() {
  $("confirm").close();
  if (pendingCount()) {
    saveState("pending", "正在保存最后的答案……"); pump();
    const ok = await new Promise((r) => { let n = 0; const t = setInterval(() => { n++; if (!pendingCount()) { clearInterval(t); r(true); } else if (n > 50) { clearInterval(t); r(false); } }, 200); });
    if (!ok) { showSaveState("还有 " + pendingCount() + " 题未保存，暂不能交卷：请稍候重试或请监考员协助"); return; }
  }
  try { const r = await api("POST", "/api/seat/submit"); handedIn("试卷已提交（" + r.answered + " 题已作答）。"); }
  catch (e) { refreshStatus(); }
}
$("loginForm").onsubmit = login;
$("rulesForm").onsubmit = acknowledgeRules;
$("prevBtn").onclick = () => { if (cur > 0) { cur--; render(); } };
$("nextBtn").onclick = () => { if (cur < paper.items.length - 1) { cur++; render(); } };
$("flagBtn").onclick = () => toggleFlag(cur);
$("modeBtn").onclick = () => { view = view === "list" ? "single" : "list"; render(); if (view === "list") $("item" + cur).scrollIntoView({ block: "start" }); };
$("submitBtn").onclick = openReview;
$("submitTop").onclick = openReview;
$("reviewBack").onclick = () => { view = "single"; render(); $("stem").focus(); };
$("reviewSubmit").onclick = askSubmit;
$("nextCandidate").onclick = () => { logout(); $("ticket").focus(); };
$("confirmNo").onclick = () => $("confirm").close();
$("confirmYes").onclick = doSubmit;
$("noticeClose").onclick = () => { $("notice").classList.add("hidden"); $("stem").focus(); };
$("keysOn").onchange = () => { keysOn = $("keysOn").checked; announce(keysOn ? "已启用单键快捷键。" : "已关闭单键快捷键。"); };
$("skipLink").onclick = (e) => {
  e.preventDefault();
  const target = !$("exam").classList.contains("hidden") ? (view === "list" ? $("item" + cur) : view === "review" ? $("reviewTitle") : $("stem")) : $("main");
  target.focus();
};
// Single-key shortcuts (WCAG 2.1.4: they can be switched off).
document.addEventListener("keydown", (e) => {
  if (!paper || $("exam").classList.contains("hidden") || view !== "single" || $("confirm").open || e.ctrlKey || e.altKey || e.metaKey) return;
  const tag = e.target.tagName, option = tag === "INPUT" && (e.target.type === "radio" || e.target.type === "checkbox");
  if (tag === "TEXTAREA" || tag === "SELECT" || tag === "INPUT" && !option) return;
  const it = paper.items[cur];
  // ←/→ always change the item, on an option too (the browser would move the
  // choice to the next option and save it); ↑/↓ move between options.
  if (e.key === "ArrowRight" || e.key === "ArrowLeft") { e.preventDefault(); $(e.key === "ArrowRight" ? "nextBtn" : "prevBtn").click(); if (option) $("stem").focus(); return; }
  if (!keysOn) return;
  if (e.key === "m" || e.key === "M") toggleFlag(cur);
  else if (it.type === "judge" && (e.key === "t" || e.key === "T" || e.key === "1")) choose(it, "T", true);
  else if (it.type === "judge" && (e.key === "f" || e.key === "F" || e.key === "2")) choose(it, "F", true);
  else if (it.type !== "judge" && it.type !== "short" && /^[a-hA-H]$/.test(e.key)) { const c = e.key.toUpperCase(); if (letters.indexOf(c) < it.options.length) choose(it, c, !(answerOf(it.pos) || "").includes(c)); }
});
window.addEventListener("beforeunload", (e) => { if (pendingCount()) { e.preventDefault(); e.returnValue = ""; } });
Face.init();
if (token) refreshStatus(); else show("viewLogin");
