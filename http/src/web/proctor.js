"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("kaoshi.staff.token"), batch = null, seats = {}, selected = null, source = null;
const ROLE = { admin: "管理员", proctor: "监考员", marker: "考评员", leader: "阅卷组长", auditor: "督导" };
const LABEL = { not_logged_in: "未登录", awaiting_identity: "待核验", ready: "已核验", answering: "答题中", paused: "已暂停", disconnected: "掉线", submitted: "已交卷" };
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  let data = {}; try { data = await res.json(); } catch (e) {}
  if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; throw err; }
  return data;
}
const mmss = (s) => { s = Math.max(0, s | 0); return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0"); };
async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try { const r = await api("POST", "/api/staff/login", { user: $("user").value.trim(), password: $("pass").value });
    token = r.token; sessionStorage.setItem("kaoshi.staff.token", token); $("me").textContent = r.user + "（" + (ROLE[r.role] || r.role) + "）"; await start(); }
  catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}
async function start() {
  let list;
  try { list = await api("GET", "/api/proctor/batches"); } catch (e) { showLogin(e.status === 401 ? "登录已失效，请重新登录。" : e.message); return; }
  $("viewLogin").classList.add("hidden"); $("console").classList.remove("hidden"); $("logoutBtn").classList.remove("hidden");
  const sel = $("batchSel"); sel.innerHTML = ""; sel.classList.remove("hidden");
  list = list.filter((b) => !b.closed);
  list.forEach((b) => { const o = document.createElement("option"); o.value = b.id; o.textContent = b.name + "（" + b.candidates + " 人）"; sel.appendChild(o); });
  sel.onchange = () => watch(sel.value);
  if (list.length) watch(list[0].id);
}
// The stream opens with a single-use ticket; when it drops (a restart, a
// network hiccup) the page asks for a new ticket and opens it again.
let retry = null;
async function watch(id) {
  if (batch !== id) { seats = {}; selected = null; }
  batch = id; clearTimeout(retry); if (source) { source.close(); source = null; }
  let ticket;
  try { ticket = (await api("POST", "/api/proctor/batches/" + encodeURIComponent(id) + "/stream-ticket", {})).ticket; }
  catch (e) {
    $("live").classList.add("hidden");
    if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return; }
    retry = setTimeout(() => watch(id), 3000); return;
  }
  if (batch !== id) return;
  source = new EventSource("/api/proctor/batches/" + encodeURIComponent(id) + "/stream?ticket=" + encodeURIComponent(ticket));
  source.addEventListener("seats", (ev) => { JSON.parse(ev.data).forEach(keep); $("live").classList.remove("hidden"); render(); });
  source.onerror = () => { $("live").classList.add("hidden"); source.close(); source = null; retry = setTimeout(() => watch(id), 2000); };
}
function showLogin(text) {
  token = null; sessionStorage.removeItem("kaoshi.staff.token"); clearTimeout(retry); if (source) { source.close(); source = null; }
  seats = {}; selected = null; $("grid").innerHTML = ""; $("summary").innerHTML = ""; $("record").classList.add("hidden");
  $("console").classList.add("hidden"); $("batchSel").classList.add("hidden"); $("logoutBtn").classList.add("hidden"); $("me").textContent = "";
  $("viewLogin").classList.remove("hidden"); $("loginErr").textContent = text || "";
}
async function logout() {
  try { await api("POST", "/api/staff/logout", {}); } catch (e) {}
  showLogin("已退出登录。");
}
// The server sends a seat again when something happens to it, not each
// second: a running clock counts down here from when it was received.
function keep(s) { s.at = Date.now(); seats[s.ticket] = s; }
function left(s) {
  const running = s.status === "answering" || s.status === "disconnected";
  return running ? Math.max(0, s.remaining_seconds - Math.floor((Date.now() - s.at) / 1000)) : s.remaining_seconds;
}
function progress(s) {
  return "已答 " + s.answered + "/" + s.total + " · 剩余 " + mmss(left(s)) + (s.violations ? " · 违纪 " + s.violations : "") + (s.offline_uncredited_seconds ? " · 掉线未补 " + mmss(s.offline_uncredited_seconds) : "");
}
function facts(s) {
  return s.organisation + " · " + s.room + " " + s.seat + "号 · " + (LABEL[s.status] || s.status) + " · 已答 " + s.answered + "/" + s.total + " · 剩余 " + mmss(left(s)) + (s.score != null ? " · 客观题得分 " + s.score : "")
    + (s.offline_seconds ? " · 累计掉线 " + mmss(s.offline_seconds) + (s.offline_uncredited_seconds ? "（未补 " + mmss(s.offline_uncredited_seconds) + "）" : "（已补时）") : "")
    + (s.extra_seconds ? " · 已延时 " + Math.round(s.extra_seconds / 60) + " 分钟" : "");
}
setInterval(() => {
  document.querySelectorAll("#grid .seatcard").forEach((b) => { const s = seats[b.dataset.ticket]; if (s) b.children[3].textContent = progress(s); });
  const s = seats[selected], p = $("detail").children[1]; if (s && p) p.textContent = facts(s);
}, 1000);
function render() {
  const list = Object.values(seats).sort((a, b) => (a.room + a.seat).localeCompare(b.room + b.seat, "zh"));
  const counts = {}; list.forEach((s) => { counts[s.status] = (counts[s.status] || 0) + 1; });
  $("summary").innerHTML = ""; Object.keys(LABEL).forEach((k) => { if (counts[k]) { const p = document.createElement("span"); p.className = "pill s-" + k; p.textContent = LABEL[k] + " " + counts[k]; $("summary").appendChild(p); } });
  if (!list.length) $("summary").textContent = "本批次没有安排给您的考场或考生（请在上方选择其他批次，或联系管理员）。";
  const grid = $("grid"); const focused = document.activeElement && document.activeElement.dataset.ticket;
  grid.innerHTML = "";
  list.forEach((s) => {
    const b = document.createElement("button"); b.type = "button"; b.className = "seatcard s-" + s.status + (s.ticket === selected ? " sel" : ""); b.dataset.ticket = s.ticket; b.setAttribute("role", "listitem");
    b.innerHTML = "<div class='n'></div><div class='name'></div><div class='st'></div><div class='n prog'></div>";
    b.children[0].textContent = s.room + " " + s.seat + "号 · " + s.ticket; b.children[1].textContent = s.name;
    b.children[2].textContent = LABEL[s.status] || s.status; b.children[3].textContent = progress(s);
    b.onclick = () => { selected = s.ticket; render(); }; grid.appendChild(b);
    if (focused === s.ticket) b.focus();
  });
  rooms(); detail();
}
function detail() {
  const s = seats[selected]; const box = $("actions"); box.innerHTML = "";
  if (!s) { $("detail").textContent = "点击考位查看详情并操作。"; return; }
  $("detail").innerHTML = "<h3></h3><p></p>"; $("detail").children[0].textContent = s.name + "（" + s.ticket + "）";
  $("detail").children[1].textContent = facts(s);
  if (s.device_address) {
    const d = document.createElement("p"); d.className = s.new_device ? "warn" : "";
    d.textContent = "登录设备：" + s.device_address + " · " + (s.device_browser || "未知浏览器") + (s.new_device ? "　⚠ 与上次核验通过的设备不同，请核对考生本人和考位" : "");
    $("detail").appendChild(d);
  }
  if (s.login_failures) {
    const d = document.createElement("p"); d.className = s.login_locked_seconds ? "warn" : "";
    d.textContent = "登录失败 " + s.login_failures + " 次" + (s.login_locked_seconds ? "，已锁定（剩余 " + mmss(s.login_locked_seconds) + "）" : "");
    $("detail").appendChild(d);
  }
  const add = (label, cls, fn) => { const b = document.createElement("button"); b.type = "button"; b.textContent = label; if (cls) b.className = cls; b.onclick = fn; box.appendChild(b); };
  if (s.status === "awaiting_identity") add("核验通过", "primary", () => act("approve", {}));
  if (s.login_failures) add("解除登录锁定", "", () => act("unlock", { reason: "监考员核对身份后解除登录锁定" }));
  if (s.status === "answering" || s.status === "disconnected") add("暂停", "", () => { const r = prompt("暂停原因："); if (r) act("pause", { reason: r }); });
  if (s.status === "paused") add("恢复", "primary", () => act("resume", {}));
  if (s.status !== "submitted" && s.offline_uncredited_seconds > 0) {
    const minutes = Math.ceil(s.offline_uncredited_seconds / 60);
    add("补时：掉线 " + minutes + " 分钟", "primary", () => act("credit_offline", { reason: "补时：掉线 " + minutes + " 分钟" }));
  }
  if (s.status !== "submitted") {
    add("延时", "", () => { const m = parseInt(prompt("延长分钟数：", "5"), 10); if (!m) return; const r = prompt("延时原因："); if (r) act("extend", { minutes: m, reason: r }); });
    add("换座", "", () => { const room = prompt("新考场：", s.room); if (!room) return; const seat = prompt("新座位号："); if (!seat) return; const r = prompt("换座原因："); if (r) act("move", { room, seat, reason: r }); });
    add("记录违纪", "", () => { const r = prompt("违纪情况："); if (r) act("violation", { reason: r }); });
  }
  if (s.status === "answering" || s.status === "paused" || s.status === "disconnected") add("强制交卷", "danger", () => { const r = prompt("强制交卷原因："); if (r && confirm("确认强制交卷？")) act("submit", { reason: r }); });
}
async function act(action, body) {
  $("msg").textContent = "";
  try { const s = await api("POST", "/api/proctor/batches/" + encodeURIComponent(batch) + "/seats/" + encodeURIComponent(selected) + "/" + action, body); keep(s); render(); $("msg").textContent = "已完成。"; }
  catch (e) { if (e.status === 401) showLogin("登录已失效，请重新登录。"); else $("msg").textContent = "操作失败：" + e.message; }
}
// The room record (考场记录): made on the server (it is logged and carries
// the event chain's head), shown here, printed for signatures.
function rooms() {
  const sel = $("roomSel"), was = sel.value, names = [...new Set(Object.values(seats).map((s) => s.room))].sort((a, b) => a.localeCompare(b, "zh"));
  if (sel.options.length === names.length && names.every((n, i) => sel.options[i].value === n)) return;
  sel.innerHTML = ""; names.forEach((n) => { const o = document.createElement("option"); o.value = n; o.textContent = n; sel.appendChild(o); });
  if (names.includes(was)) sel.value = was;
}
const when = (ms) => ms == null ? "" : new Date(ms).toLocaleString("zh-CN", { hour12: false });
function rows(id, lines) {
  const body = $(id).tBodies[0]; body.innerHTML = "";
  lines.forEach((cells) => { const tr = body.insertRow(); cells.forEach((c) => { tr.insertCell().textContent = c; }); });
  if (!lines.length) { const td = body.insertRow().insertCell(); td.colSpan = $(id).tHead.rows[0].cells.length; td.textContent = "无"; }
}
async function roomRecord() {
  $("recordErr").textContent = "";
  const room = $("roomSel").value; if (!room) { $("recordErr").textContent = "请先选择考场。"; return; }
  let r;
  try { r = await api("POST", "/api/proctor/batches/" + encodeURIComponent(batch) + "/room-record", { room }); }
  catch (e) { if (e.status === 401) showLogin("登录已失效，请重新登录。"); else $("recordErr").textContent = "生成失败：" + e.message; return; }
  $("recordTitle").textContent = "考场记录 · " + r.room;
  $("recordHead").textContent = r.batch_name + "（批次 " + r.batch + "）　开考 " + when(r.start) + "　考试时长 " + r.duration_minutes + " 分钟　生成 " + when(r.head.at) + "（" + r.by + "）";
  const c = r.counts; rows("recordCounts", [[c.expected, c.sat, c.absent, c.submitted, c.violations]]);
  rows("recordCandidates", r.candidates.map((x) => [x.seat, x.ticket, x.name, x.sat ? x.status : "缺考", when(x.submitted_at), x.extra_minutes || "", x.offline_seconds || "", x.violations || ""]));
  rows("recordIncidents", r.incidents.map((x) => [when(x.at), x.ticket, x.name, x.text, x.by.replace(/^staff:/, "").replace(/^timer$/, "系统计时").replace(/^system$/, "系统")]));
  $("recordChain").textContent = "事件链头：第 " + r.head.seq + " 条事件，哈希 " + r.head.hash + "。归档核验：kaoshi archive verify 归档文件 --head " + r.head.hash;
  $("console").classList.add("hidden"); $("record").classList.remove("hidden"); $("printBtn").focus();
}
function closeRecord() { $("record").classList.add("hidden"); $("console").classList.remove("hidden"); $("recordBtn").focus(); }
$("recordBtn").onclick = roomRecord;
$("printBtn").onclick = () => window.print();
$("closeRecord").onclick = closeRecord;
$("loginForm").onsubmit = login;
$("logoutBtn").onclick = logout;
if (token) start();
