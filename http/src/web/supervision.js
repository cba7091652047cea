"use strict";
// Quality supervision: findings per batch, closed with what was done (对账销号), and the ledger.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("kaoshi.staff.token"), role = sessionStorage.getItem("kaoshi.staff.role"), ledger = [];
const ROLE = { admin: "管理员", supervisor: "质量督导员", auditor: "督导/审计" };
const when = (ms) => ms == null ? "" : new Date(ms).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
function say(text, bad) { const m = $("msg"); m.textContent = text; m.className = bad ? "bad" : ""; }
function cells(tr, values) { values.forEach((v) => { tr.insertCell().textContent = v == null ? "" : String(v); }); }
function empty(table, text) { const td = table.tBodies[0].insertRow().insertCell(); td.colSpan = table.tHead.rows[0].cells.length; td.textContent = text; }
function option(sel, value, text) { const o = document.createElement("option"); o.value = value; o.textContent = text; sel.appendChild(o); }
async function api(method, path, body) {
  let res;
  try { res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) }); }
  catch (e) { throw new Error("无法连接服务器，请稍后重试"); }
  if (res.status === 401) { showLogin("登录已失效，请重新登录。"); throw new Error("登录已失效"); }
  if (!res.ok) { let data = {}; try { data = await res.json(); } catch (e) {} throw new Error(data.error || res.statusText); }
  return res;
}
const json = async (method, path, body) => (await api(method, path, body)).json();
const canWrite = () => role === "supervisor" || role === "admin";

$("loginForm").onsubmit = async (ev) => {
  ev.preventDefault(); $("loginErr").textContent = "";
  try {
    const res = await fetch("/api/staff/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: $("user").value.trim(), password: $("pass").value }) });
    const r = await res.json(); if (!res.ok) throw new Error(r.error || res.statusText);
    if (!ROLE[r.role]) { $("loginErr").textContent = "质量督导页面需要督导员、管理员或督导/审计账号（当前为其他角色）。"; return; }
    token = r.token; role = r.role;
    sessionStorage.setItem("kaoshi.staff.token", token); sessionStorage.setItem("kaoshi.staff.role", role); sessionStorage.setItem("kaoshi.staff.user", r.user);
    $("pass").value = ""; start();
  } catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
};
function showLogin(text) {
  token = null; ["token", "role", "user", "me"].forEach((k) => sessionStorage.removeItem("kaoshi.staff." + k));
  $("console").classList.add("hidden"); $("logoutBtn").classList.add("hidden"); $("me").textContent = "";
  $("viewLogin").classList.remove("hidden"); $("loginErr").textContent = text || "";
}
$("logoutBtn").onclick = async () => { try { await api("POST", "/api/staff/logout", {}); } catch (e) {} showLogin("已退出登录。"); };

async function start() {
  let batches;
  try { batches = await json("GET", "/api/proctor/batches"); } catch (e) { if (token) showLogin(e.message); return; }
  if (!ROLE[role]) { showLogin("质量督导页面需要督导员、管理员或督导/审计账号。"); return; }
  $("viewLogin").classList.add("hidden"); $("console").classList.remove("hidden"); $("logoutBtn").classList.remove("hidden");
  $("me").textContent = (sessionStorage.getItem("kaoshi.staff.user") || "") + "（" + ROLE[role] + "）";
  $("findingForm").classList.toggle("hidden", !canWrite());
  const sel = $("batchSel"); sel.innerHTML = "";
  batches.forEach((b) => option(sel, b.id, b.name + "（" + b.id + "）"));
  if (!batches.length) say("没有安排给您的批次。");
  sel.onchange = () => loadBatch().catch((e) => say(e.message, true));
  await Promise.all([loadBatch(), loadLedger()]).catch((e) => say(e.message, true));
}

async function loadBatch() {
  const id = $("batchSel").value, t = $("findingTable"), body = t.tBodies[0]; body.innerHTML = "";
  if (!id) { empty(t, "没有批次。"); return; }
  const r = await json("GET", "/api/supervision/batches/" + encodeURIComponent(id) + "/findings");
  const room = $("fRoom"), was = room.value; room.innerHTML = "";
  r.rooms.concat(r.whole).forEach((x) => option(room, x, x));
  if (was) room.value = was;
  const cat = $("fCategory"); if (!cat.options.length) r.categories.forEach((c) => option(cat, c, c));
  r.findings.slice().reverse().forEach((f) => {
    const tr = body.insertRow();
    cells(tr, [f.no, when(f.at), f.room, f.category, f.finding, f.by, f.closed ? "已销号" : "待整改"]);
    const td = tr.insertCell();
    if (f.closed) { td.textContent = f.closed.action + "（" + f.closed.by + "，" + when(f.closed.at) + "）"; return; }
    if (!canWrite()) { td.textContent = "—"; return; }
    const form = document.createElement("form"); form.className = "bar";
    const label = document.createElement("label"); label.textContent = "整改情况"; label.htmlFor = "close-" + f.no;
    const input = document.createElement("input"); input.id = "close-" + f.no; input.required = true; input.maxLength = 2000;
    const b = document.createElement("button"); b.type = "submit"; b.textContent = "销号";
    form.append(label, input, b); td.appendChild(form);
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        await json("POST", "/api/supervision/batches/" + encodeURIComponent(id) + "/findings/" + f.no + "/close", { action: input.value.trim() });
        say("第 " + f.no + " 号督导记录已销号。"); await Promise.all([loadBatch(), loadLedger()]);
      } catch (e) { say("销号失败：" + e.message, true); }
    };
  });
  if (!r.findings.length) empty(t, "本批次还没有督导记录。");
}

$("findingForm").onsubmit = async (ev) => {
  ev.preventDefault();
  const id = $("batchSel").value;
  try {
    const f = await json("POST", "/api/supervision/batches/" + encodeURIComponent(id) + "/findings", { room: $("fRoom").value, category: $("fCategory").value, finding: $("fText").value.trim() });
    say("已记录第 " + f.no + " 号督导发现（待整改）。"); $("fText").value = "";
    await Promise.all([loadBatch(), loadLedger()]);
  } catch (e) { say("记录失败：" + e.message, true); }
};

async function loadLedger() {
  ledger = await json("GET", "/api/supervision/ledger");
  paintLedger();
}
function paintLedger() {
  const t = $("ledgerTable"), body = t.tBodies[0]; body.innerHTML = "";
  const shown = ledger.filter((f) => !$("openOnly").checked || !f.closed);
  shown.forEach((f) => cells(body.insertRow(), [f.batch, f.no, when(f.at), f.room, f.category, f.finding, f.closed ? "已销号" : "待整改",
    f.closed ? f.closed.action : "", f.closed ? f.closed.by : "", f.closed ? when(f.closed.at) : ""]));
  if (!shown.length) empty(t, $("openOnly").checked ? "没有待整改的问题。" : "还没有督导记录。");
}
$("openOnly").onchange = paintLedger;
document.querySelectorAll("button[data-file]").forEach((b) => {
  b.onclick = async () => {
    try {
      const res = await api("GET", "/api/supervision/ledger/" + b.dataset.file), blob = await res.blob();
      const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = "supervision-" + b.dataset.file; document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      say("已下载 supervision-" + b.dataset.file + "。");
    } catch (e) { say("下载失败：" + e.message, true); }
  };
});

if (token) start();
