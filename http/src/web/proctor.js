"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("kaoshi.staff.token"), batch = null, seats = {}, selected = null, source = null, filter = null;
const ROLE = { admin: "管理员", proctor: "监考员", chief_proctor: "主考", marker: "考评员", leader: "阅卷组长", auditor: "督导/审计", supervisor: "质量督导员" };
// Auditors and quality supervisors watch the grid; they do not act at seats.
const readOnly = () => ["auditor", "supervisor"].includes(sessionStorage.getItem("kaoshi.staff.role"));
const LABEL = { awaiting_identity: "待核验", disconnected: "掉线", paused: "已暂停", answering: "答题中", ready: "已核验", not_logged_in: "未登录", submitted: "已交卷" };
async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { const err = new Error("无法连接服务器，请稍后重试"); err.status = 0; throw err; }
  let data = {}; try { data = await res.json(); } catch (e) {}
  if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; throw err; }
  return data;
}
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
// Remaining time as the seat shows it: H:MM:SS from an hour up, MM:SS below.
const hms = (s) => { s = Math.max(0, s | 0); const m = Math.floor(s / 60); return (m >= 60 ? Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(s % 60).padStart(2, "0"); };
const byNumber = (a, b) => a.localeCompare(b, "zh-CN", { numeric: true });
function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try { const r = await api("POST", "/api/staff/login", { user: $("user").value.trim(), password: $("pass").value });
    token = r.token; sessionStorage.setItem("kaoshi.staff.token", token); sessionStorage.setItem("kaoshi.staff.me", r.user + "（" + (ROLE[r.role] || r.role) + "）"); sessionStorage.setItem("kaoshi.staff.role", r.role); sessionStorage.setItem("kaoshi.staff.user", r.user); await start(); }
  catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}
async function start() {
  let list;
  try { list = await api("GET", "/api/proctor/batches"); } catch (e) { showLogin(e.status === 401 ? "登录已失效，请重新登录。" : e.message); return; }
  $("me").textContent = sessionStorage.getItem("kaoshi.staff.me") || (sessionStorage.getItem("kaoshi.staff.user") ? sessionStorage.getItem("kaoshi.staff.user") + "（" + (ROLE[sessionStorage.getItem("kaoshi.staff.role")] || "") + "）" : "");
  $("viewLogin").classList.add("hidden"); $("console").classList.remove("hidden"); $("logoutBtn").classList.remove("hidden");
  $("supervisionLink").classList.toggle("hidden", !["supervisor", "admin", "auditor"].includes(sessionStorage.getItem("kaoshi.staff.role")));
  $("recordBox").classList.toggle("hidden", sessionStorage.getItem("kaoshi.staff.role") === "auditor");
  const sel = $("batchSel"); sel.innerHTML = ""; sel.classList.remove("hidden");
  list = list.filter((b) => !b.closed);
  list.forEach((b) => { const o = el("option", b.name + "（" + b.candidates + " 人）"); o.value = b.id; sel.appendChild(o); });
  sel.onchange = () => watch(sel.value);
  if (list.length) watch(list[0].id); else setText($("summary"), "没有进行中的批次。");
}
// The stream opens with a single-use ticket; when it drops (a restart, a
// network hiccup) the page says so at once and opens it again.
let retry = null, lostSince = null;
function connection(ok) {
  $("live").classList.toggle("hidden", !ok);
  if (ok) {
    if (lostSince != null) {
      const paused = Object.values(seats).filter((s) => s.status === "paused").length;
      say("实时连接已恢复。" + (paused ? "有 " + paused + " 个考位处于暂停状态（服务器重启会暂停答题中的考位），请核对后恢复。" : ""));
    }
    lostSince = null; $("banner").classList.add("hidden"); return;
  }
  if (lostSince == null) lostSince = Date.now();
  $("banner").textContent = "与服务器的实时连接已断开（" + new Date(lostSince).toLocaleTimeString("zh-CN", { hour12: false }) + " 起），正在重新连接……考位状态可能不是最新的，请勿据此操作。";
  $("banner").classList.remove("hidden");
}
async function watch(id) {
  if (batch !== id) { seats = {}; selected = null; tiles = {}; layoutKey = ""; $("grid").innerHTML = ""; detail(); }
  batch = id; clearTimeout(retry); if (source) { source.close(); source = null; }
  let ticket;
  try { ticket = (await api("POST", "/api/proctor/batches/" + encodeURIComponent(id) + "/stream-ticket", {})).ticket; }
  catch (e) {
    if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return; }
    connection(false); retry = setTimeout(() => watch(id), 3000); return;
  }
  if (batch !== id) return;
  source = new EventSource("/api/proctor/batches/" + encodeURIComponent(id) + "/stream?ticket=" + encodeURIComponent(ticket));
  source.addEventListener("seats", (ev) => { const changed = JSON.parse(ev.data); changed.forEach(keep); connection(true); update(changed); });
  source.onerror = () => { connection(false); source.close(); source = null; retry = setTimeout(() => watch(id), 2000); };
}
function showLogin(text) {
  token = null; ["token", "role", "user", "me"].forEach((k) => sessionStorage.removeItem("kaoshi.staff." + k)); clearTimeout(retry); if (source) { source.close(); source = null; }
  seats = {}; selected = null; tiles = {}; layoutKey = ""; $("grid").innerHTML = ""; $("summary").textContent = ""; $("record").classList.add("hidden"); $("banner").classList.add("hidden");
  $("console").classList.add("hidden"); $("batchSel").classList.add("hidden"); $("logoutBtn").classList.add("hidden"); $("me").textContent = ""; $("live").classList.add("hidden");
  $("viewLogin").classList.remove("hidden"); $("loginErr").textContent = text || "";
}
async function logout() {
  try { await api("POST", "/api/staff/logout", {}); } catch (e) {}
  showLogin("已退出登录。");
}
// The server sends a seat again when something happens to it, not each
// second: a running clock counts down here from when it was received.
function keep(s) { s.at = Date.now(); seats[s.ticket] = s; }
const running = (s) => s.status === "answering" || s.status === "disconnected";
function left(s) { return running(s) ? Math.max(0, s.remaining_seconds - Math.floor((Date.now() - s.at) / 1000)) : s.remaining_seconds; }
const timed = (s) => running(s) || s.status === "paused";

// The grid: seats grouped by room, rooms and seats in number order. It is
// laid out again only when seats come, go or move; otherwise every change
// is written into the tile in place, so a click is never lost.
let tiles = {}, layoutKey = "";
function layout() {
  const list = Object.values(seats);
  const key = list.map((s) => s.ticket + "@" + s.room + "/" + s.seat).sort().join("|");
  if (key === layoutKey) return;
  layoutKey = key; tiles = {};
  const grid = $("grid"); grid.innerHTML = "";
  const rooms = {}; list.forEach((s) => { (rooms[s.room] = rooms[s.room] || []).push(s); });
  Object.keys(rooms).sort(byNumber).forEach((room, i) => {
    const sec = el("section", null, "room"); sec.dataset.room = room;
    const h = el("h2"); h.id = "room" + i; h.append(document.createTextNode(room), el("span"));
    sec.setAttribute("aria-labelledby", h.id);
    const box = el("div", null, "tiles");
    rooms[room].sort((a, b) => byNumber(a.seat, b.seat)).forEach((s) => {
      const b = el("button", null, "seatcard"); b.type = "button"; b.dataset.ticket = s.ticket;
      const marks = el("span", null, "marks"); marks.append(el("span", null, "v hidden"), el("span", "补时", "o hidden"), el("span", "新设备", "d hidden"), el("span", "锁定", "l hidden"), el("span", "人脸不符", "f hidden"));
      b.append(el("span", null, "a"), el("span", null, "b"), marks, el("span", null, "sr"));
      b.onclick = () => select(s.ticket); box.appendChild(b); tiles[s.ticket] = b;
    });
    sec.append(h, box); grid.appendChild(sec);
  });
  rooms_select();
}
function paintTile(s) {
  const b = tiles[s.ticket]; if (!b) return;
  const cls = "seatcard s-" + s.status + (s.ticket === selected ? " sel" : "") + (filter && s.status !== filter ? " hide" : "");
  if (b.className !== cls) b.className = cls;
  setText(b.children[0], s.seat + " " + s.name);
  const word = s.not_eligible || { answering: "答题", paused: "暂停" }[s.status] || LABEL[s.status] || s.status;
  setText(b.children[1], word + (timed(s) ? " " + hms(left(s)) : ""));
  const [v, o, dev, lock, face] = b.children[2].children;
  face.classList.toggle("hidden", !FaceCard.alert(s));
  dev.classList.toggle("hidden", !(s.new_device && s.status === "awaiting_identity")); lock.classList.toggle("hidden", !s.login_locked_seconds);
  setText(v, s.violations ? "⚠" + s.violations : ""); v.classList.toggle("hidden", !s.violations);
  // What the tile shows, then for screen readers and the mouse what it leaves out.
  const owed = s.status !== "submitted" && s.offline_uncredited_seconds > 0;
  o.classList.toggle("hidden", !owed);
  const more = "，" + s.room + "，" + (LABEL[s.status] || s.status) + "，已答 " + s.answered + "/" + s.total + (s.violations ? "，违纪 " + s.violations + " 次" : "") + (owed ? "，掉线未补 " + hms(s.offline_uncredited_seconds) : "") + (s.new_device && s.status === "awaiting_identity" ? "，登录设备与上次核验时不同" : "") + (s.login_locked_seconds ? "，登录已锁定" : "") + (FaceCard.alert(s) ? "，人脸复核不一致，疑似替考" : "");
  setText(b.children[3], more);
  const title = s.room + " " + s.seat + "号 " + s.name + more.slice(s.room.length + 2);
  if (b.title !== title) b.title = title;
  if (s.ticket === selected) b.setAttribute("aria-pressed", "true"); else b.removeAttribute("aria-pressed");
}
function update(changed) {
  layout();
  Object.values(seats).forEach(paintTile);
  counts();
  if (changed.some((s) => s.ticket === selected)) detail();
}
// Status pills that filter, with counts; bulk actions on what is shown.
function counts() {
  const list = Object.values(seats), n = {};
  list.forEach((s) => { n[s.status] = (n[s.status] || 0) + 1; });
  const box = $("filters");
  const want = [[null, "全部 " + list.length]].concat(Object.keys(LABEL).filter((k) => n[k] || filter === k).map((k) => [k, LABEL[k] + " " + (n[k] || 0)]));
  if (box.children.length !== want.length || want.some(([k], i) => box.children[i].dataset.status !== String(k))) {
    box.innerHTML = "";
    want.forEach(([k]) => { const b = el("button"); b.type = "button"; b.dataset.status = String(k); b.onclick = () => { filter = k; if (seats[selected] && filter && seats[selected].status !== filter) { const was = selected; selected = null; paintTile(seats[was]); detail(); say(""); } update([]); }; box.appendChild(b); });
  }
  want.forEach(([k, text], i) => { const b = box.children[i]; setText(b, text); b.setAttribute("aria-pressed", String(filter === k)); });
  document.querySelectorAll("#grid .room").forEach((sec) => {
    const inRoom = list.filter((s) => s.room === sec.dataset.room), shown = inRoom.filter((s) => !filter || s.status === filter);
    sec.classList.toggle("hide", !shown.length);
    const c = {}; inRoom.forEach((s) => { c[s.status] = (c[s.status] || 0) + 1; });
    setText(sec.querySelector("h2 span"), "（" + inRoom.length + " 人：" + Object.keys(LABEL).filter((k) => c[k]).map((k) => LABEL[k] + " " + c[k]).join("，") + "）");
  });
  setText($("summary"), list.length ? (filter ? "只显示“" + LABEL[filter] + "”的考位。" : "") : "本批次没有安排给您的考场或考生（请在上方选择其他批次，或联系管理员）。");
  const approvable = shownWith("awaiting_identity").filter((s) => !s.new_device && !FaceCard.doubtful(s)), resumable = shownWith("paused");
  $("bulkApprove").classList.toggle("hidden", readOnly() || approvable.length < 2); setText($("bulkApprove"), "批量核验通过（" + approvable.length + "）");
  $("bulkResume").classList.toggle("hidden", readOnly() || resumable.length < 2); setText($("bulkResume"), "批量恢复（" + resumable.length + "）");
}
const shownWith = (status) => Object.values(seats).filter((s) => s.status === status && (!filter || filter === status)).sort((a, b) => byNumber(a.room + " " + a.seat, b.room + " " + b.seat));
setInterval(() => { Object.values(seats).forEach((s) => { if (running(s)) paintTile(s); }); const s = seats[selected]; if (s && running(s)) facts(s); }, 1000);

function select(ticket) {
  const was = selected; selected = ticket;
  if (seats[was]) paintTile(seats[was]);
  paintTile(seats[ticket]); say(""); actionsKey = ""; detail(); history();
}
function facts(s) {
  const p = $("detail").querySelector(".facts"); if (!p) return;
  setText(p, s.organisation + " · " + s.room + " " + s.seat + "号 · " + (LABEL[s.status] || s.status) + " · 已答 " + s.answered + "/" + s.total + " · 剩余 " + hms(left(s)) + (s.score != null ? " · 客观题得分 " + s.score : "")
    + (s.offline_seconds ? " · 累计掉线 " + hms(s.offline_seconds) + (s.offline_uncredited_seconds ? "（未补 " + hms(s.offline_uncredited_seconds) + "）" : "（已补时）") : "")
    + (s.planned_extra_seconds ? " · 照顾延时 " + Math.round(s.planned_extra_seconds / 60) + " 分钟（已计入考试时长）" : "")
    + (s.extra_seconds ? " · 已延时 " + Math.round(s.extra_seconds / 60) + " 分钟" : "") + (s.violations ? " · 违纪 " + s.violations + " 次" : ""));
}
let actionsKey = "", historyOf = null;
function detail() {
  const s = seats[selected], box = $("detail");
  if (!s) { box.innerHTML = readOnly() ? "<p>点击考位查看详情。</p>" : "<p>点击考位查看详情并操作。</p>"; $("actions").innerHTML = ""; $("historyBox").classList.add("hidden"); actionsKey = ""; return; }
  if (box.dataset.ticket !== s.ticket) { box.innerHTML = ""; box.dataset.ticket = s.ticket; box.append(el("h3"), el("p", null, "facts"), el("p", null, "device"), el("p", null, "locks"), el("p", null, "cancelled")); }
  setText(box.children[0], s.name + "（" + s.ticket + "）"); facts(s);
  const d = box.querySelector(".device");
  d.className = "device" + (s.new_device ? " warn" : "");
  setText(d, s.device_address ? "登录设备：" + s.device_address + " · " + (s.device_browser || "未知浏览器") + (s.new_device ? "　⚠ 与上次核验通过的设备不同，请核对考生本人和考位" : "") : "");
  const c = box.querySelector(".cancelled"); c.className = "cancelled" + (s.cancelled ? " warn" : "");
  setText(c, s.cancelled ? "本次考试成绩已取消（" + s.cancelled + "）" : "");
  const l = box.querySelector(".locks"); l.className = "locks" + (s.login_locked_seconds ? " warn" : "");
  setText(l, s.login_failures ? "登录失败 " + s.login_failures + " 次" + (s.login_locked_seconds ? "，已锁定（剩余 " + hms(s.login_locked_seconds) + "）" : "") : "");
  FaceCard.paint(s, box);
  actions(s);
  if (historyOf !== s.ticket + "/" + s.violations + "/" + s.status) history();
}
// The buttons are rebuilt only when what they offer changes.
function actions(s) {
  const key = [s.ticket, s.status, s.login_failures > 0, s.offline_uncredited_seconds > 0 ? Math.ceil(s.offline_uncredited_seconds / 60) : 0, FaceCard.alert(s)].join("/");
  if (key === actionsKey) return;
  actionsKey = key;
  const box = $("actions"); box.innerHTML = "";
  const add = (label, cls, fn) => { const b = el("button", label, cls); b.type = "button"; b.onclick = fn; box.appendChild(b); };
  if (readOnly()) { box.appendChild(el("p", "只读：" + ROLE[sessionStorage.getItem("kaoshi.staff.role")] + "可查看考位和记录，不能操作考位。", "note")); return; }
  if (s.status === "awaiting_identity") {
    add("核验通过", "primary", () => act(s, "approve", {}));
    add("核验不通过", "danger", () => ask(s, "refuse", { title: "身份核验不通过", text: "本次登录作废，考位回到未登录；考生本人到场后重新登录核验。", reason: "不通过原因（如：人脸与登记照片不符，证件不符）", danger: true, ok: "确认不通过" }));
  }
  if (FaceCard.alert(s)) add("核对人脸告警", "primary", () => ask(s, "face_review", { title: "人脸复核告警", text: "考试中复核的现场照片与登记照片不一致（疑似替考）。请到考位当面核对考生本人与身份证件，写明核对结果；如确属替考，另行记录违纪。", reason: "核对结果" }));
  if (s.login_failures) add("解除登录锁定", "", () => act(s, "unlock", { reason: "监考员核对身份后解除登录锁定" }));
  if (running(s)) add("暂停", "", () => ask(s, "pause", { title: "暂停考试", text: "暂停后考生不能作答，计时停止。", reason: "暂停原因" }));
  if (s.status === "paused") add("恢复", "primary", () => act(s, "resume", {}));
  if (s.status !== "submitted" && s.offline_uncredited_seconds > 0) {
    const minutes = Math.ceil(s.offline_uncredited_seconds / 60);
    add("补时：掉线 " + minutes + " 分钟", "primary", () => act(s, "credit_offline", { reason: "补时：掉线 " + minutes + " 分钟" }));
  }
  if (s.status !== "submitted") {
    add("延时", "", () => ask(s, "extend", { title: "延长考试时间", minutes: true, reason: "延时原因" }));
    add("调座", "", () => ask(s, "move", { title: "调座", text: "调座后考生须在新座位重新登录，并由监考员再次核验身份。", move: true, reason: "调座原因" }));
    add("记录违纪", "", () => ask(s, "violation", { title: "记录违纪", text: "违纪记录写入考场记录，不能撤销；处理结果为“取消本次考试成绩”的，该考生本次成绩记为 0 分、不合格。", violation: true, reason: "违纪情况" }));
  }
  if (running(s) || s.status === "paused") add("强制交卷", "danger", () => ask(s, "submit", { title: "强制交卷", text: "强制交卷后考生不能再作答，且不能撤销。", reason: "强制交卷原因", danger: true }));
}
const DONE = { refuse: "已记录核验不通过", face_review: "已记录人脸告警核对结果", approve: "已核验通过", unlock: "已解除登录锁定", pause: "已暂停", resume: "已恢复", credit_offline: "已补时", extend: "已延时", move: "已调座", violation: "已记录违纪", submit: "已强制交卷" };
// The latest message, cleared after a while so that it never reads as news.
let sayTimer = null;
function say(text, bad) { const m = $("msg"); m.textContent = text; m.classList.toggle("bad", !!bad); clearTimeout(sayTimer); if (text && !bad) sayTimer = setTimeout(() => { m.textContent = ""; }, 15000); }
async function act(s, action, body) {
  say("");
  try {
    const r = await api("POST", seatPath(s.ticket) + "/" + action, body); keep(r); update([r]);
    say((DONE[action] || "已完成") + "：" + r.name + "（" + r.room + " " + r.seat + "号）。"); history();
    if (tiles[r.ticket]) tiles[r.ticket].focus();
    return null;
  }
  catch (e) { if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return null; } say("操作失败：" + e.message, true); return e.message; }
}
const seatPath = (ticket) => "/api/proctor/batches/" + encodeURIComponent(batch) + "/seats/" + encodeURIComponent(ticket);
async function history() {
  const s = seats[selected]; if (!s) return;
  historyOf = s.ticket + "/" + s.violations + "/" + s.status;
  let list; try { list = await api("GET", seatPath(s.ticket) + "/history"); } catch (e) { return; }
  if (selected !== s.ticket) return;
  const ol = $("history"); ol.innerHTML = "";
  list.slice().reverse().forEach((h) => {
    const li = el("li", null, h.kind === "violation" ? "v" : "");
    li.textContent = new Date(h.at).toLocaleTimeString("zh-CN", { hour12: false }) + " " + h.text + (h.by.startsWith("staff:") ? "（" + h.by.slice(6) + "）" : "");
    ol.appendChild(li);
  });
  if (!list.length) ol.appendChild(el("li", "暂无记录"));
  $("historyBox").classList.remove("hidden");
}

// One dialog for every action that needs a reason, minutes or a new seat,
// and for the bulk actions' confirmation; it checks the fields in Chinese.
let pending = null;
function ask(s, action, o) {
  pending = { kind: "one", s, action, o };
  $("actTitle").textContent = o.title + "：" + s.name + "（" + s.room + " " + s.seat + "号）";
  $("actText").textContent = o.text || "";
  $("actList").classList.add("hidden");
  $("fMinutes").classList.toggle("hidden", !o.minutes); $("actMinutes").value = o.minutes ? "5" : "";
  $("fMove").classList.toggle("hidden", !o.move); $("actSeat").value = "";
  if (o.move) { const sel = $("actRoom"); sel.innerHTML = ""; [...new Set(Object.values(seats).map((x) => x.room))].sort(byNumber).forEach((r) => { const op = el("option", r); op.value = r; sel.appendChild(op); }); sel.value = s.room; }
  $("fViolation").classList.toggle("hidden", !o.violation); $("actCategory").value = "其他"; $("actOutcome").value = "警告";
  $("fReason").classList.toggle("hidden", !o.reason); $("actReasonLabel").textContent = (o.reason || "原因") + "（必填）"; $("actReason").value = "";
  $("actOk").textContent = o.ok || (o.danger ? "确认强制交卷" : "确认"); $("actOk").className = o.danger ? "danger" : "primary";
  $("actErr").textContent = "";
  $("actDialog").showModal();
  (o.minutes ? $("actMinutes") : o.move ? $("actSeat") : $("actReason")).focus();
}
function bulk(status, action, title, text) {
  // A login from another device than the one approved before, and a face
  // that does not plainly match, are checked one by one.
  const all = shownWith(status), list = all.filter((s) => !(action === "approve" && (s.new_device || FaceCard.doubtful(s)))), apart = all.filter((s) => !list.includes(s));
  if (!list.length) return;
  pending = { kind: "bulk", list, action };
  $("actTitle").textContent = title + "（" + list.length + " 名考生）";
  $("actText").textContent = text + (apart.length ? "（" + apart.map((s) => s.seat + "号 " + s.name).join("、") + " 的登录设备与上次核验时不同或人脸比对不一致、存疑，不在此列，请单独核验。）" : "");
  const ul = $("actList"); ul.innerHTML = ""; list.forEach((s) => ul.appendChild(el("li", s.room + " " + s.seat + "号 " + s.name + "（" + s.ticket + "）"))); ul.classList.remove("hidden");
  ["fMinutes", "fMove", "fReason", "fViolation"].forEach((id) => $(id).classList.add("hidden"));
  $("actOk").textContent = "确认" + title; $("actOk").className = "primary"; $("actErr").textContent = "";
  $("actDialog").showModal(); $("actCancel").focus();
}
async function confirmDialog(ev) {
  ev.preventDefault();
  const p = pending; if (!p) return;
  $("actErr").textContent = "";
  if (p.kind === "bulk") {
    $("actOk").disabled = true;
    let done = 0; const failed = [];
    for (const s of p.list) {
      try { const r = await api("POST", seatPath(s.ticket) + "/" + p.action, {}); keep(r); done++; }
      catch (e) { if (e.status === 401) { $("actOk").disabled = false; $("actDialog").close(); showLogin("登录已失效，请重新登录。"); return; } failed.push(s.seat + "号 " + s.name + "：" + e.message); }
    }
    $("actOk").disabled = false; update(p.list);
    if (failed.length) { $("actErr").textContent = "已完成 " + done + " 人；未完成 " + failed.length + " 人：" + failed.join("；"); return; }
    $("actDialog").close(); say("已完成 " + done + " 名考生。"); $("grid").querySelector(".seatcard:not(.hide)")?.focus(); return;
  }
  const o = p.o, body = {};
  if (o.minutes) {
    const m = Number($("actMinutes").value);
    if (!Number.isInteger(m) || m < 1 || m > 240) { $("actErr").textContent = "延长分钟数须为 1 到 240 之间的整数。"; $("actMinutes").focus(); return; }
    body.minutes = m;
  }
  if (o.move) {
    body.room = $("actRoom").value; body.seat = $("actSeat").value.trim();
    if (!body.room) { $("actErr").textContent = "请填写新考场。"; $("actRoom").focus(); return; }
    if (!body.seat) { $("actErr").textContent = "请填写新座位号。"; $("actSeat").focus(); return; }
  }
  if (o.violation) { body.category = $("actCategory").value; body.outcome = $("actOutcome").value; }
  if (o.reason) {
    body.reason = $("actReason").value.trim();
    if (!body.reason) { $("actErr").textContent = "请填写" + o.reason + "。"; $("actReason").focus(); return; }
  }
  $("actOk").disabled = true;
  const failure = await act(p.s, p.action, body);
  $("actOk").disabled = false;
  if (failure) { $("actErr").textContent = "操作失败：" + failure; return; }
  $("actDialog").close();
  if (tiles[p.s.ticket]) tiles[p.s.ticket].focus();
}
$("actForm").onsubmit = confirmDialog;
$("actCancel").onclick = () => $("actDialog").close();
$("actDialog").addEventListener("close", () => { pending = null; });
$("bulkApprove").onclick = () => bulk("awaiting_identity", "approve", "批量核验通过", "请确认已逐一核对以下考生本人与身份证件、准考证一致：");
$("bulkResume").onclick = () => bulk("paused", "resume", "批量恢复", "以下考生将恢复作答，计时继续：");

// The room record (考场记录): made on the server (it is logged and carries
// the event chain's head), shown here, printed for signatures.
function rooms_select() {
  const sel = $("roomSel"), was = sel.value, names = [...new Set(Object.values(seats).map((s) => s.room))].sort(byNumber);
  if (sel.options.length === names.length && names.every((n, i) => sel.options[i].value === n)) return;
  sel.innerHTML = ""; names.forEach((n) => { const o = el("option", n); o.value = n; sel.appendChild(o); });
  if (names.includes(was)) sel.value = was;
}
// Beijing time, whatever the computer's own zone (as the other consoles show it).
const when = (ms) => ms == null ? "" : new Date(ms).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
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
  $("recordHead").textContent = r.batch_name + "（批次 " + r.batch + "）　开考 " + when(r.start) + "　考试时长 " + r.duration_minutes + " 分钟　" + (r.ended_at ? "结束 " + when(r.ended_at) : "尚未结束") + "　生成 " + when(r.head.at) + "（" + r.by + "）";
  const c = r.counts; rows("recordCounts", [[c.expected, c.sat, c.absent, c.submitted, c.violations]]);
  const by = (a) => (a || "").replace(/^staff:/, "");
  rows("recordCandidates", r.candidates.map((x) => [x.seat, x.ticket, x.name, when(x.signed_in_at), x.approved_at ? when(x.approved_at) + "（" + by(x.approved_by) + "）" : "", x.sat ? x.status : "缺考", when(x.submitted_at), x.planned_extra_minutes || "", x.extra_minutes || "", x.offline_seconds || "", x.violations || ""]));
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
