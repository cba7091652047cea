"use strict";
// The organisation console: banks, batches, staff, results and exports, audit.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("kaoshi.staff.token"), refresh = null, batches = [];
const ROLE = { admin: "管理员", proctor: "监考员", chief_proctor: "主考", marker: "考评员", leader: "阅卷组长", auditor: "督导/审计", supervisor: "质量督导员" };
const STATUS = { not_logged_in: "未登录", awaiting_identity: "待核验", ready: "已核验", answering: "答题中", paused: "已暂停", disconnected: "掉线", submitted: "已交卷" };

async function api(method, path, body, raw) {
  const headers = token ? { Authorization: "Bearer " + token } : {};
  if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
  if (raw) headers["Content-Type"] = "application/octet-stream";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
  if (res.status === 401) { showLogin("登录已失效，请重新登录。"); throw new Error("登录已失效"); }
  if (!res.ok) { let data = {}; try { data = await res.json(); } catch (e) {} throw new Error(data.error || res.statusText); }
  return res;
}
const json = async (method, path, body) => (await api(method, path, body)).json();
const who = (actor) => actor.startsWith("staff:") ? actor.slice(6) : ({ system: "系统", timer: "系统计时", cli: "命令行", demo: "演示数据" }[actor] || actor);
const when = (ms) => ms == null ? "" : new Date(ms).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
function say(text, bad, warn) { const m = $("msg"); m.textContent = text; m.className = bad ? "bad" : warn ? "warn" : ""; }
function cells(tr, values) { values.forEach((v) => { tr.insertCell().textContent = v == null ? "" : String(v); }); }
function button(parent, label, fn, cls) { const b = document.createElement("button"); b.type = "button"; b.textContent = label; if (cls) b.className = cls; b.onclick = fn; parent.appendChild(b); return b; }
function empty(table, text) { const td = table.tBodies[0].insertRow().insertCell(); td.colSpan = table.tHead.rows[0].cells.length; td.textContent = text; }

async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try {
    const res = await fetch("/api/staff/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: $("user").value.trim(), password: $("pass").value }) });
    const r = await res.json();
    if (!res.ok) throw new Error(r.error || res.statusText);
    if (r.role !== "admin") { $("loginErr").textContent = "机构管理台需要管理员账号（当前为" + (ROLE[r.role] || r.role) + "）。"; return; }
    token = r.token; sessionStorage.setItem("kaoshi.staff.token", token); sessionStorage.setItem("kaoshi.staff.role", r.role); sessionStorage.setItem("kaoshi.staff.user", r.user); $("me").textContent = r.user + "（管理员）"; $("pass").value = "";
    start();
  } catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}
function showLogin(text) {
  token = null; ["token", "role", "user", "me"].forEach((k) => sessionStorage.removeItem("kaoshi.staff." + k)); clearInterval(refresh);
  $("console").classList.add("hidden"); $("logoutBtn").classList.add("hidden"); $("me").textContent = "";
  $("viewLogin").classList.remove("hidden"); $("loginErr").textContent = text || "";
}
async function logout() { try { await api("POST", "/api/staff/logout", {}); } catch (e) {} showLogin("已退出登录。"); }
async function start() {
  try { await loadBatches(); } catch (e) { if (token) $("loginErr").textContent = e.message; return; }
  $("viewLogin").classList.add("hidden"); $("console").classList.remove("hidden"); $("logoutBtn").classList.remove("hidden");
  if (!$("me").textContent) $("me").textContent = (sessionStorage.getItem("kaoshi.staff.user") || "") + "（管理员）";
  loadBanks().catch((e) => say(e.message, true));
  clearInterval(refresh); refresh = setInterval(() => { if (!$("panel-batches").classList.contains("hidden")) loadBatches().catch(() => {}); }, 5000);
}

// Tabs: click or arrow keys.
const TABS = ["batches", "banks", "staff", "face", "results", "audit", "organisation", "scope", "rooms", "personnel"];
function show(name) {
  TABS.forEach((t) => { const on = t === name; $("tab-" + t).setAttribute("aria-selected", on); $("tab-" + t).tabIndex = on ? 0 : -1; $("panel-" + t).classList.toggle("hidden", !on); });
  say("");
  if (name) $("msg").scrollIntoView({ block: "nearest" });
  const load = { batches: loadBatches, banks: loadBanks, staff: loadStaff, face: loadFace, results: loadTotals, audit: loadAudit }[name] || (() => loadRegister(name));
  load().catch((e) => say(e.message, true));
}
TABS.forEach((t, i) => {
  $("tab-" + t).onclick = () => show(t);
  $("tab-" + t).onkeydown = (ev) => {
    const at = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[ev.key]; if (at === undefined) return;
    ev.preventDefault(); const next = TABS[(at + TABS.length) % TABS.length]; show(next); $("tab-" + next).focus();
  };
});

// Batches.
async function loadBatches() {
  batches = await json("GET", "/api/admin/batches");
  const t = $("batchTable"), body = t.tBodies[0]; body.innerHTML = "";
  batches.forEach((b) => {
    const tr = body.insertRow();
    const states = Object.entries(b.statuses).map(([k, n]) => (STATUS[k] || k) + " " + n).join("，");
    cells(tr, [b.id, b.name + (b.drill ? "（演练）" : "") + (b.closed ? "（已关闭）" : ""), when(b.start), b.candidates, states, b.submitted,
      b.responses ? b.marked + "/" + b.responses : "无主观题", b.published ? "已公布 " + when(b.published) : "未公布"]);
    const bar = document.createElement("div"); bar.className = "bar"; tr.insertCell().appendChild(bar);
    button(bar, "成绩", () => { $("rBatch").value = b.id; show("results"); });
    button(bar, "计划与实际", () => planReport(b).catch((e) => say(e.message, true)));
    if (!b.closed) button(bar, "关闭批次", () => closeBatch(b));
  });
  if (!batches.length) empty(t, "还没有批次。");
  [$("rBatch"), $("rBatchEdit")].forEach((sel) => {
    const was = sel.value; sel.innerHTML = "";
    // Rosters change only before the start.
    batches.filter((b) => sel.id === "rBatch" || (!b.closed && b.start > Date.now())).forEach((b) => { const o = document.createElement("option"); o.value = b.id; o.textContent = b.name + "（" + b.id + "）"; sel.appendChild(o); });
    if (batches.some((b) => b.id === was)) sel.value = was;
  });
}
// The plan as filed against what happened: who worked, who sat.
async function planReport(b) {
  const r = await json("GET", "/api/admin/batches/" + encodeURIComponent(b.id) + "/plan");
  const t = $("planTable"), body = t.tBodies[0]; body.innerHTML = "";
  const yes = (x) => x ? "是" : "否";
  r.report.staff.forEach((s) => cells(body.insertRow(), [s.duty, s.user, yes(s.planned), yes(s.worked),
    s.planned ? (s.worked ? "按计划到岗，记录 " + s.actions + " 次操作" : "计划安排但无工作记录") : "计划外人员，记录 " + s.actions + " 次操作"]));
  if (!r.report.staff.length) empty(t, "计划未安排人员，也没有工作记录。");
  const absent = r.report.absent.map((a) => a[1] + "（" + a[0] + "）");
  $("planTitle").textContent = "计划与实际：" + b.name + "（" + b.id + "）";
  const barred = r.report.not_eligible.map((a) => a[1] + "（" + a[0] + "，" + a[2] + "）");
  $("planSummary").textContent = "应考 " + r.report.expected + " 人，实考 " + r.report.present + " 人，缺考 " + absent.length + " 人" + (absent.length ? "：" + absent.slice(0, 30).join("、") + (absent.length > 30 ? " 等" : "") : "") + "。"
    + (barred.length ? "另有 " + barred.length + " 人未通过资格审核，不计入应考：" + barred.join("、") + "。" : "");
  $("planBox").classList.remove("hidden"); $("planTitle").focus();
}
async function closeBatch(b) {
  if (!confirm("关闭批次 " + b.name + "？关闭后考位不能再操作，题库和试卷从内存释放（阅卷和成绩仍可进行）。")) return;
  try { await json("POST", "/api/admin/batches/" + encodeURIComponent(b.id) + "/close"); say("已关闭批次 " + b.id + "。"); loadBatches(); }
  catch (e) { say("关闭失败：" + e.message, true); }
}
$("batchForm").onsubmit = async (ev) => {
  ev.preventDefault(); say("正在创建批次（组卷中）……");
  const roster = $("bRoster").files[0], spec = $("bSpec").files[0], minutes = parseInt($("bMinutes").value, 10);
  try {
    // A workbook is turned into roster.csv text (and checked) by the server first.
    const rosterCsv = !roster ? "" : /\.xlsx$/i.test(roster.name)
      ? (await (await api("POST", "/api/admin/roster", await roster.arrayBuffer(), true)).json()).roster_csv
      : await roster.text();
    const body = {
      name: $("bName").value.trim(), id: $("bId").value.trim() || null, bank_hash: $("bBank").value,
      start: $("bStart").value + ":00+08:00", seed: parseInt($("bSeed").value, 10),
      duration_seconds: minutes > 0 ? minutes * 60 : null, roster_csv: rosterCsv,
      spec_toml: spec ? await spec.text() : null, drill: $("bDrill").checked,
      plan: { proctors: list($("bProctors").value), markers: list($("bMarkers").value), supervisors: list($("bSupervisors").value) },
    };
    const b = await json("POST", "/api/admin/batches", body);
    const warned = b.warnings && b.warnings.length;
    say("已创建批次 " + b.id + "（" + b.candidates + " 名考生），资格审核通过的考生现在即可登录。" + (warned ? "\n提醒（已记入事件日志）：\n· " + b.warnings.join("\n· ") : ""), false, warned); $("batchForm").reset(); loadBatches();
  } catch (e) { say("创建失败：" + e.message, true); }
};

$("rosterForm").onsubmit = async (ev) => {
  ev.preventDefault();
  const id = $("rBatchEdit").value, action = $("rAction").value;
  const body = { action, reason: $("rReason").value.trim(), ticket: $("rTicket").value.trim() };
  if (action !== "withdraw") body.line = { ticket: body.ticket, id_number: $("rId").value.trim(), name: $("rName").value.trim(), organisation: $("rOrg").value.trim(), room: $("rRoom").value.trim(), seat: $("rSeat").value.trim(), id_type: $("rType").value };
  // No outcome chosen: approved by whoever makes the change (logged as such).
  // 不变: no review is sent and the server keeps the one on file (a late candidate: approved by you).
  if (body.line && $("rReview").value) body.line.review = { outcome: $("rReview").value, reviewer: $("rReviewer").value.trim() || sessionStorage.getItem("kaoshi.staff.user") || "", condition: $("rCondition").value.trim() };
  try {
    await json("POST", "/api/admin/batches/" + encodeURIComponent(id) + "/roster", body);
    say("名单已修改（批次 " + id + "：" + $("rAction").selectedOptions[0].textContent + " " + body.ticket + "），已记入日志。");
    // The batch and the action stay: the next change is likely to the same batch.
    ["rTicket", "rId", "rName", "rOrg", "rRoom", "rSeat", "rReason", "rReviewer", "rCondition"].forEach((f) => { $(f).value = ""; });
    loadBatches();
  }
  catch (e) { say("名单修改失败：" + e.message, true); }
};

// Banks.
async function loadBanks() {
  const list = await json("GET", "/api/admin/banks");
  const t = $("bankTable"), body = t.tBodies[0]; body.innerHTML = "";
  list.forEach((b) => cells(body.insertRow(), [b.bank_id + " v" + b.version, b.title, b.occupation + "（" + b.occupation_code + "）", b.level, b.items, b.key_id, b.batches.join("、")]));
  if (!list.length) empty(t, "还没有题库。");
  const sel = $("bBank"), was = sel.value; sel.innerHTML = "";
  list.forEach((b) => { const o = document.createElement("option"); o.value = b.bank_hash; o.textContent = b.title + "（" + b.bank_id + "，" + b.items + " 题）"; sel.appendChild(o); });
  if (list.some((b) => b.bank_hash === was)) sel.value = was;
}
$("bankForm").onsubmit = async (ev) => {
  ev.preventDefault(); const f = $("bankFile").files[0]; if (!f) return;
  say("正在上传并打开题库……");
  try { const b = await (await api("POST", "/api/admin/banks", await f.arrayBuffer(), true)).json(); say("已保存题库 " + b.title + "（" + b.items + " 题）。"); $("bankForm").reset(); loadBanks(); }
  catch (e) { say("上传失败：" + e.message, true); }
};

// Staff.
const list = (text) => text.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean);
async function loadStaff() {
  const staff = await json("GET", "/api/admin/staff");
  const t = $("staffTable"), body = t.tBodies[0]; body.innerHTML = "";
  staff.forEach((s) => {
    const tr = body.insertRow();
    cells(tr, [s.user, s.role_name, s.organisation || "", s.batches.join("、") || "全部", s.rooms.join("、") || "全部", s.disabled ? "已停用" : "正常"]);
    const bar = document.createElement("div"); bar.className = "bar"; tr.insertCell().appendChild(bar);
    button(bar, "修改", () => { $("sUser").value = s.user; $("sRole").value = s.role; $("sPass").value = ""; $("sOrg").value = s.organisation || ""; $("sBatches").value = s.batches.join(","); $("sRooms").value = s.rooms.join(","); $("sUser").focus(); });
    button(bar, s.disabled ? "启用" : "停用", async () => {
      try { await json("POST", "/api/admin/staff/" + encodeURIComponent(s.user) + "/" + (s.disabled ? "enable" : "disable")); say((s.disabled ? "已启用 " : "已停用 ") + s.user + "。"); loadStaff(); }
      catch (e) { say("操作失败：" + e.message, true); }
    }, s.disabled ? "" : "danger");
  });
}
$("staffForm").onsubmit = async (ev) => {
  ev.preventDefault();
  const body = { user: $("sUser").value.trim(), role: $("sRole").value, password: $("sPass").value || null, organisation: $("sOrg").value.trim() || null, batches: list($("sBatches").value), rooms: list($("sRooms").value) };
  try { const s = await json("POST", "/api/admin/staff", body); say("已保存账号 " + s.user + "（" + s.role_name + "）。该账号如已登录，需要重新登录。"); $("staffForm").reset(); loadStaff(); }
  catch (e) { say("保存失败：" + e.message, true); }
};

// Results and exports.
async function loadTotals() {
  const id = $("rBatch").value, box = $("totals"); box.textContent = "";
  if (!id) { box.textContent = "还没有批次。"; return; }
  const r = await json("GET", "/api/admin/batches/" + encodeURIComponent(id) + "/totals");
  const t = r;
  box.textContent = "考生 " + t.seats + "，已交卷 " + t.submitted + "，缺考 " + t.absent + "，仍在作答 " + t.sitting + "，待评分 " + t.unmarked + "，待复核 " + t.recheck_due
    + "，复算不一致 " + t.mismatches.length + "。" + (r.publication ? "已于 " + when(r.publication.at) + " 由 " + r.publication.by + " 公布，公示至 " + when(r.publication.notice_until) + (r.final ? "，成绩已生效。" : "。") : "尚未公布。");
}
$("rBatch").onchange = () => loadTotals().catch((e) => say(e.message, true));
$("publishBtn").onclick = async () => {
  const id = $("rBatch").value; if (!id || !confirm("公布批次 " + id + " 的成绩？公布前会再次核算。")) return;
  try { await json("POST", "/api/admin/batches/" + encodeURIComponent(id) + "/publish"); say("成绩已公布。"); loadTotals(); }
  catch (e) { say(e.message, true); }
};
document.querySelectorAll("#downloads button").forEach((b) => {
  b.onclick = async () => {
    const id = $("rBatch").value, file = b.dataset.file; if (!id) return;
    const path = "/api/admin/batches/" + encodeURIComponent(id) + (file === "archive" ? "/archive" : "/export/" + file);
    say("正在生成 " + b.textContent + "……");
    try {
      const res = await api("GET", path), blob = await res.blob();
      const name = (/filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "") || [])[1] || file;
      const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name; document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      say("已下载 " + name + "。");
    } catch (e) { say("下载失败：" + e.message, true); }
  };
});
$("uploadForm").onsubmit = async (ev) => {
  ev.preventDefault(); const id = $("rBatch").value;
  try { const r = await json("POST", "/api/admin/batches/" + encodeURIComponent(id) + "/certificate-uploads", { count: parseInt($("uCount").value, 10), reference: $("uRef").value.trim() }); say("已记录证书数据上报，本批次累计 " + r.uploaded + " 人。"); $("uploadForm").reset(); }
  catch (e) { say("记录失败：" + e.message, true); }
};
$("appealForm").onsubmit = async (ev) => {
  ev.preventDefault(); const id = $("rBatch").value;
  try { const r = await json("POST", "/api/admin/batches/" + encodeURIComponent(id) + "/appeals", { ticket: $("aTicket").value.trim(), reason: $("aReason").value.trim() }); say("已登记复核申请，" + r.rechecks + " 道主观题送复核。"); $("appealForm").reset(); loadTotals(); }
  catch (e) { say("登记失败：" + e.message, true); }
};

// Audit.
async function loadAudit() {
  const m = await json("GET", "/api/audit/metrics");
  const pct = (x) => x == null ? "—" : (x * 100).toFixed(1) + "%";
  $("metricsOut").textContent = "备案职业 " + m.registered.length + "，已开考 " + m.examined.length + "（开考率 " + pct(m.exam_open_rate) + "）；已发证 " + m.certificates_issued + "，已上报 " + m.certificates_uploaded + "（上报率 " + pct(m.upload_ratio) + "）"
    + (m.pass_rates.length ? "；合格率：" + m.pass_rates.map((p) => p.occupation + p.level + "级 " + pct(p.pass_rate) + (p.flag ? "（" + p.flag + "）" : "")).join("，") : "");
  const cps = await json("GET", "/api/audit/log/checkpoints");
  const t = $("checkpointTable"), body = t.tBodies[0]; body.innerHTML = "";
  cps.slice(-20).reverse().forEach((c) => { const tr = body.insertRow(); cells(tr, [c.seq, c.hash, when(c.at)]); tr.cells[1].className = "hash"; });
  if (!cps.length) empty(t, "还没有检查点。");
  const ledger = await json("GET", "/api/audit/ledger");
  const l = $("ledgerTable"), lb = l.tBodies[0]; lb.innerHTML = "";
  const KIND = { bank_open: "打开题库", batch_create: "创建批次", export: "导出", publish: "公布成绩" };
  const WHY = { "serve: deliver papers": "开考：发放试卷", "batch create: assemble papers": "创建批次：组卷", "closed batch reopened: marking and results": "已关闭批次重新打开：阅卷与成绩", "bank upload: stored on the running server": "上传题库" };
  ledger.slice().reverse().forEach((e) => cells(lb.insertRow(), [e.seq, when(e.at), who(e.actor), KIND[e.kind] || e.kind, e.batch || "", WHY[e.detail.reason] || e.detail.reason || e.detail.file || ""]));
}
$("occupationForm").onsubmit = async (ev) => {
  ev.preventDefault();
  try { await json("POST", "/api/admin/occupations", { code: $("oCode").value.trim(), name: $("oName").value.trim(), level: $("oLevel").value.trim() }); say("已登记备案职业。"); $("occupationForm").reset(); loadAudit(); }
  catch (e) { say("登记失败：" + e.message, true); }
};
$("verifyBtn").onclick = async () => {
  try {
    const c = await json("GET", "/api/audit/log/verify");
    $("verifyOut").textContent = c.intact
      ? "事件日志完整：共 " + c.records + " 条，链头 " + c.head + (c.witness ? "；见证文件 " + c.witness + " 中的 " + c.witnessed + " 个检查点均在链上。" : "。")
      : "事件日志校验失败：" + c.problem;
  } catch (e) { say(e.message, true); }
};
$("headBtn").onclick = async () => {
  try { const c = await json("POST", "/api/audit/log/head"); say(c ? "已记录检查点：第 " + c.seq + " 条事件。" : "没有新的事件。"); loadAudit(); }
  catch (e) { say(e.message, true); }
};

$("loginForm").onsubmit = login;
$("logoutBtn").onclick = logout;
if (token) start();
