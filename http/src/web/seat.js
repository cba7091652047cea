"use strict";
const $ = (id) => document.getElementById(id);
const views = ["viewLogin", "viewWait", "exam", "viewDone"];
const show = (v) => { views.forEach((x) => $(x).classList.toggle("hidden", x !== v)); $("submitTop").classList.toggle("hidden", v !== "exam"); };
let token = localStorage.getItem("kaoshi.seat.token");
let paper = null, cur = 0, seq = 0, listMode = false, status = null;
let remaining = null, ticker = null, statusTimer = null, pumping = false, retryTimer = null;
let sessionInfo = {};
// Answers the server acknowledged, and answers not yet acknowledged (kept in
// localStorage until they are, so a reload, a pause, a server restart or a
// new login loses none of them). The navigator and counters show only what
// the server holds.
let acked = {}, pending = {};
const pendingKey = () => "kaoshi.pending." + (sessionInfo.batch || "") + "." + (sessionInfo.ticket || "");
const flagsKey = () => "kaoshi.flags." + (sessionInfo.ticket || "");
const loadPending = () => { try { pending = JSON.parse(localStorage.getItem(pendingKey()) || "{}"); } catch (e) { pending = {}; } };
const storePending = () => { if (Object.keys(pending).length) localStorage.setItem(pendingKey(), JSON.stringify(pending)); else localStorage.removeItem(pendingKey()); };
const answerOf = (pos) => (pos in pending ? pending[pos] : acked[pos]);
const filled = (v) => v != null && v !== "";

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { const err = new Error("服务器正在重启，已保存的答案不会丢失"); err.status = 0; throw err; }
  let data = {}; try { data = await res.json(); } catch (e) {}
  if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; err.code = data.code; throw err; }
  return data;
}

// Warnings at 10, 5 and 1 minutes, each shown and announced once; an
// extension is announced too.
const WARN = [600, 300, 60];
let warned = {}, lastClock = null;
function notice(text) { const n = $("notice"); n.textContent = text; n.classList.remove("hidden"); }
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
function renderClock() {
  const s = Math.max(0, remaining), m = Math.floor(s / 60);
  $("clock").textContent = (m >= 60 ? Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(s % 60).padStart(2, "0") + (status === "paused" ? "（已暂停）" : "");
  $("clock").classList.toggle("low", s < 300);
}
function startTicker() {
  if (ticker) return;
  // The clock runs only while the server's does: not while paused or waiting.
  ticker = setInterval(() => { if (status === "answering" && remaining != null && remaining > 0) { remaining--; lastClock = remaining; renderClock(); warnings(); if (remaining === 0) refreshStatus(); } }, 1000);
}
function saveState(kind, text) { const el = $("saveState"); el.classList.remove("hidden", "pending", "failed"); if (kind) el.classList.add(kind); el.textContent = text; }
function showSaveState(failure) {
  const n = Object.keys(pending).length;
  if (failure) saveState("failed", failure);
  else if (n && status !== "answering") saveState("pending", n + " 题待保存（考试恢复后自动保存）");
  else if (n) saveState("pending", "保存中……（" + n + " 题待保存）");
  else saveState(null, "已保存");
}

async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try {
    const r = await api("POST", "/api/seat/login", { ticket: $("ticket").value.trim(), id_number: $("idnum").value.trim() });
    token = r.token; localStorage.setItem("kaoshi.seat.token", token); route(r);
  } catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}

async function refreshStatus() {
  try { route(await api("GET", "/api/seat/status")); }
  catch (e) {
    if (e.code === "auth.seat_ended") handedIn(remaining === 0 ? "考试时间到，试卷已自动提交。" : e.message + "。");
    else if (e.status === 401) logout("本机的登录已失效：准考证号可能已在另一台机器上登录。如需继续答题，请重新登录并等待监考员核验身份；已保存的答案不会丢失。");
    else if (e.status === 0) showSaveState(Object.keys(pending).length ? "服务器正在重启，已保存的答案不会丢失；" + Object.keys(pending).length + " 题待保存" : "服务器正在重启，已保存的答案不会丢失");
  }
}
// After hand-in the seat's session is over on the server; the page keeps
// nothing of the exam: no token, no paper, no pending answers, no flags.
function handedIn(text) {
  const lost = Object.keys(pending).length;
  $("doneText").textContent = text + "请离开考场。" + (lost ? "另有 " + lost + " 题的答案未能在交卷前保存。" : "");
  show("viewDone"); clearInterval(ticker); ticker = null; clearInterval(statusTimer); statusTimer = null;
  $("clock").classList.add("hidden"); $("submitTop").classList.add("hidden"); $("notice").classList.add("hidden"); $("saveState").classList.add("hidden");
  warned = {}; lastClock = null;
  localStorage.removeItem(pendingKey()); localStorage.removeItem(flagsKey()); localStorage.removeItem("kaoshi.seat.token");
  token = null; paper = null; pending = {}; acked = {};
  $("stem").textContent = ""; $("answerArea").innerHTML = ""; $("list").innerHTML = ""; $("navs").innerHTML = "";
}
// Back to the login with nothing of the last candidate on screen and no polling.
function logout(why) {
  token = null; localStorage.removeItem("kaoshi.seat.token"); paper = null;
  clearInterval(ticker); ticker = null; clearInterval(statusTimer); statusTimer = null; warned = {}; lastClock = null;
  ["clock", "submitTop", "notice", "saveState"].forEach((id) => $(id).classList.add("hidden"));
  $("who").textContent = ""; $("title").textContent = "kaoshi 理论知识机考";
  $("ticket").value = ""; $("idnum").value = ""; $("loginErr").textContent = why || "";
  show("viewLogin");
}

async function route(st) {
  sessionInfo = st; status = st.status; loadPending();
  $("title").textContent = st.title || "kaoshi 理论知识机考";
  $("who").textContent = (st.name || "") + "　准考证号 " + (st.ticket || "") + "　" + (st.room || "") + " " + (st.seat || "") + "号";
  setClock(st.remaining_seconds);
  if (!statusTimer) statusTimer = setInterval(refreshStatus, 5000);
  switch (st.status) {
    case "awaiting_identity": $("waitText").textContent = "已登录，请等待监考员核验身份……"; show("viewWait"); break;
    case "ready": case "answering":
      if (st.status === "ready" && st.starts_in_seconds > 0) { $("waitText").textContent = "身份已核验，考试将于 " + st.starts_in_seconds + " 秒后开始。"; show("viewWait"); break; }
      if (!paper) await loadPaper(); else { show("exam"); pump(); }
      startTicker(); break;
    case "paused": $("waitText").textContent = "考试已被监考员暂停，计时已停止。请听从监考员安排。"; show("viewWait"); showSaveState(); break;
    case "submitted": handedIn((st.remaining_seconds === 0 ? "考试时间到，试卷已自动提交" : "试卷已提交") + "（" + st.answered + " 题已作答）。"); break;
    default: show("viewLogin");
  }
}

async function loadPaper() {
  try {
    paper = await api("GET", "/api/seat/paper");
    await loadAcked();
    $("title").textContent = paper.title; buildNav(); render(); show("exam"); showSaveState(); pump();
  } catch (e) { paper = null; if (e.status === 409 || e.status === 403) refreshStatus(); }
}
async function loadAcked() {
  const saved = await api("GET", "/api/seat/answers");
  acked = {}; saved.answers.forEach((a) => { if (a.response != null) acked[a.pos] = a.response; });
  seq = Math.max(seq, saved.last_seq); setClock(saved.remaining_seconds);
  // A pending answer the server already holds is no longer pending.
  Object.keys(pending).forEach((pos) => { if ((acked[pos] ?? null) === (pending[pos] === "" ? null : pending[pos])) delete pending[pos]; });
  storePending();
}

const flags = () => JSON.parse(localStorage.getItem(flagsKey()) || "{}");
function buildNav() {
  const box = $("navs"); box.innerHTML = "";
  paper.sections.forEach((s, si) => {
    const h = document.createElement("div"); h.className = "sec"; h.textContent = "第" + (si + 1) + "部分 " + s.name + "（每题 " + s.score + " 分）"; box.appendChild(h);
    const g = document.createElement("div"); g.className = "nav"; box.appendChild(g);
    paper.items.filter((it) => it.section === si).forEach((it) => {
      const b = document.createElement("button"); b.type = "button"; b.textContent = it.pos + 1; b.id = "nav" + it.pos;
      b.setAttribute("aria-label", "第" + (it.pos + 1) + "题"); b.onclick = () => { cur = it.pos; render(); }; g.appendChild(b);
    });
  });
}
function paintNav() {
  const f = flags(); let n = 0;
  paper.items.forEach((it) => { const b = $("nav" + it.pos); const done = filled(acked[it.pos]) && !(it.pos in pending); if (done) n++;
    b.classList.toggle("done", done); b.classList.toggle("pend", it.pos in pending); b.classList.toggle("flag", !!f[it.pos]); b.classList.toggle("cur", it.pos === cur); });
  const p = Object.keys(pending).length;
  $("progress").textContent = n + " / " + paper.items.length + (p ? "（" + p + " 题待保存）" : "");
}
const letters = "ABCDEFGH";
function answerWidget(it, container) {
  container.innerHTML = "";
  const val = answerOf(it.pos) || "";
  if (it.type === "short") {
    const t = document.createElement("textarea"); t.value = val; t.setAttribute("aria-label", "作答区");
    let timer = null; t.oninput = () => { clearTimeout(timer); timer = setTimeout(() => setAnswer(it.pos, t.value), 800); };
    container.appendChild(t); return;
  }
  const opts = it.type === "judge" ? [["T", "正确"], ["F", "错误"]] : it.options.map((o, k) => [letters[k], o]);
  opts.forEach(([code, text]) => {
    const l = document.createElement("label"); l.className = "opt" + (val.includes(code) && (it.type !== "judge" || val === code) ? " sel" : "");
    const inp = document.createElement("input"); inp.type = it.type === "multiple" ? "checkbox" : "radio"; inp.name = "q" + it.pos; inp.value = code;
    inp.checked = it.type === "judge" ? val === code : val.includes(code);
    inp.onchange = () => choose(it, code, inp.checked);
    const b = document.createElement("b"); b.textContent = it.type === "judge" ? "" : code + ".";
    const s = document.createElement("span"); s.textContent = text;
    l.append(inp, b, s); container.appendChild(l);
  });
}
function choose(it, code, on) {
  let v = answerOf(it.pos) || "";
  if (it.type === "multiple") { const set = new Set(v.split("")); on ? set.add(code) : set.delete(code); v = letters.split("").filter((c) => set.has(c)).join(""); }
  else v = code;
  setAnswer(it.pos, v); render();
}
function render() {
  if (!paper) return;
  $("single").classList.toggle("hidden", listMode); $("list").classList.toggle("hidden", !listMode);
  $("modeBtn").textContent = listMode ? "逐题模式" : "列表模式";
  if (listMode) {
    const box = $("list"); box.innerHTML = "";
    paper.items.forEach((it) => { const d = document.createElement("div"); d.className = "item";
      const s = document.createElement("div"); s.className = "stem"; s.textContent = (it.pos + 1) + ". " + it.stem; const a = document.createElement("div");
      d.append(s, a); answerWidget(it, a); box.appendChild(d); });
  } else {
    const it = paper.items[cur], sec = paper.sections[it.section];
    $("secName").textContent = "第" + (it.section + 1) + "部分 " + sec.name + "　第 " + (cur + 1) + " / " + paper.items.length + " 题（" + it.score + " 分）";
    $("stem").textContent = (cur + 1) + ". " + it.stem; answerWidget(it, $("answerArea"));
    $("flagBtn").textContent = flags()[cur] ? "取消标记 (M)" : "标记 (M)";
  }
  paintNav();
}
function setAnswer(pos, v) {
  if ((acked[pos] ?? "") === v) delete pending[pos]; else pending[pos] = v;
  storePending(); paintNav(); showSaveState(); pump();
}
// Sends pending answers one at a time while the exam runs; every answer stays
// pending until the server acknowledges it.
async function pump() {
  if (pumping || status !== "answering" || !paper) return;
  const next = Object.keys(pending)[0];
  if (next === undefined) { showSaveState(); return; }
  pumping = true; showSaveState();
  const pos = Number(next), value = pending[next];
  seq += 1;
  try {
    const r = await api("PUT", "/api/seat/answers/" + pos, { response: value === "" ? null : value, seq });
    if (value === "") delete acked[pos]; else acked[pos] = value;
    if (pending[pos] === value) delete pending[pos];
    storePending(); setClock(r.remaining_seconds); paintNav();
    pumping = false;
    if (Object.keys(pending).length) pump(); else saveState(null, "已保存 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }));
  } catch (e) {
    pumping = false;
    if (e.code === "save.stale") { try { await loadAcked(); paintNav(); } catch (x) {} pump(); return; }
    if (e.code === "save.response" || e.code === "save.position" || e.code === "save.seq") { delete pending[pos]; storePending(); paintNav(); showSaveState("未保存：" + e.message); pump(); return; }
    if (e.status === 0) { showSaveState("保存失败，正在重试……（" + e.message + "）"); clearTimeout(retryTimer); retryTimer = setTimeout(pump, 2000); return; }
    // Paused, not approved, handed in, logged out: the answers stay pending and the status says what comes next.
    showSaveState("未保存：" + e.message); refreshStatus();
  }
}
function toggleFlag() { const f = flags(); f[cur] = !f[cur]; localStorage.setItem(flagsKey(), JSON.stringify(f)); render(); }
function askSubmit() {
  const unanswered = paper.items.filter((it) => !filled(answerOf(it.pos))).length;
  $("confirmText").textContent = (unanswered ? "还有 " + unanswered + " 题未作答。" : "全部题目已作答。") + "交卷后不能再修改答案，确认交卷吗？";
  $("confirm").showModal(); $("confirmNo").focus();
}
async function doSubmit() {
  $("confirm").close();
  if (Object.keys(pending).length) {
    saveState("pending", "正在保存最后的答案……"); pump();
    const ok = await new Promise((r) => { let n = 0; const t = setInterval(() => { n++; if (!Object.keys(pending).length) { clearInterval(t); r(true); } else if (n > 50) { clearInterval(t); r(false); } }, 200); });
    if (!ok) { showSaveState("还有 " + Object.keys(pending).length + " 题未保存，暂不能交卷：请稍候重试或请监考员协助"); return; }
  }
  try { const r = await api("POST", "/api/seat/submit"); handedIn("试卷已提交（" + r.answered + " 题已作答）。"); }
  catch (e) { refreshStatus(); }
}
$("loginForm").onsubmit = login;
$("prevBtn").onclick = () => { if (cur > 0) { cur--; render(); } };
$("nextBtn").onclick = () => { if (cur < paper.items.length - 1) { cur++; render(); } };
$("flagBtn").onclick = toggleFlag;
$("modeBtn").onclick = () => { listMode = !listMode; render(); };
$("submitBtn").onclick = askSubmit;
$("submitTop").onclick = askSubmit;
$("nextCandidate").onclick = () => logout();
$("confirmNo").onclick = () => $("confirm").close();
$("confirmYes").onclick = doSubmit;
document.addEventListener("keydown", (e) => {
  if (!paper || $("exam").classList.contains("hidden") || listMode || e.target.tagName === "TEXTAREA" || e.target.tagName === "INPUT" && e.target.type === "text" || $("confirm").open) return;
  const it = paper.items[cur];
  if (e.key === "ArrowRight") $("nextBtn").click();
  else if (e.key === "ArrowLeft") $("prevBtn").click();
  else if (e.key === "m" || e.key === "M") toggleFlag();
  else if (it.type === "judge" && (e.key === "t" || e.key === "T" || e.key === "1")) choose(it, "T", true);
  else if (it.type === "judge" && (e.key === "f" || e.key === "F" || e.key === "2")) choose(it, "F", true);
  else if (it.type !== "judge" && it.type !== "short" && /^[a-hA-H]$/.test(e.key)) { const c = e.key.toUpperCase(); if (letters.indexOf(c) < it.options.length) choose(it, c, !(answerOf(it.pos) || "").includes(c)); }
});
window.addEventListener("beforeunload", (e) => { if (Object.keys(pending).length) { e.preventDefault(); e.returnValue = ""; } });
if (token) refreshStatus(); else show("viewLogin");
