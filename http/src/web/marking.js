"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("kaoshi.staff.token"), role = sessionStorage.getItem("kaoshi.staff.role"), batch = null, current = null, tab = "mark";
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  let data = {}; try { data = await res.json(); } catch (e) {}
  if (!res.ok) { const err = new Error(data.error || res.statusText); err.status = res.status; throw err; }
  return data;
}
function el(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
async function login(ev) {
  ev.preventDefault(); $("loginErr").textContent = "";
  try { const r = await api("POST", "/api/staff/login", { user: $("user").value.trim(), password: $("pass").value });
    token = r.token; role = r.role; sessionStorage.setItem("kaoshi.staff.token", token); sessionStorage.setItem("kaoshi.staff.role", role); sessionStorage.setItem("kaoshi.staff.user", r.user); start(); }
  catch (e) { $("loginErr").textContent = "登录失败：" + e.message; }
}
function showLogin(text) {
  token = null; ["token", "role", "user", "me"].forEach((k) => sessionStorage.removeItem("kaoshi.staff." + k));
  $("work").classList.add("hidden"); $("batchSel").classList.add("hidden"); $("logoutBtn").classList.add("hidden"); $("me").textContent = "";
  $("viewLogin").classList.remove("hidden"); $("loginErr").textContent = text || "";
}
async function logout() {
  try { await api("POST", "/api/staff/logout", {}); } catch (e) {}
  showLogin("已退出登录。");
}
async function start() {
  let list;
  try { list = await api("GET", "/api/proctor/batches"); }
  catch (e) { if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return; } list = null; }
  $("viewLogin").classList.add("hidden"); $("work").classList.remove("hidden"); $("logoutBtn").classList.remove("hidden"); $("me").textContent = (sessionStorage.getItem("kaoshi.staff.user") || "") + "（" + ({ admin: "管理员", marker: "考评员", leader: "阅卷组长", proctor: "监考员", chief_proctor: "主考", auditor: "督导" }[role] || role) + "）";
  const sel = $("batchSel"); sel.classList.remove("hidden"); sel.innerHTML = "";
  const ids = list ? list.map((b) => [b.id, b.name]) : [[new URLSearchParams(location.search).get("batch") || "demo", ""]];
  ids.forEach(([id, name]) => { const o = el("option", name || id); o.value = id; sel.appendChild(o); });
  batch = sel.value; sel.onchange = () => { batch = sel.value; show(tab); };
  const tabs = $("tabs"); tabs.innerHTML = "";
  const add = (key, label) => { const b = el("button", label); b.type = "button"; b.dataset.tab = key; b.onclick = () => show(key); tabs.appendChild(b); };
  add("mark", "评阅");
  if (role === "leader" || role === "admin") { add("arbitrate", "仲裁"); add("recheck", "复核"); add("waiting", "待评情况"); }
  show("mark");
}
function show(t) {
  tab = t; say($("msg"), ""); say($("leaderMsg"), "");
  [...$("tabs").children].forEach((b) => { b.classList.toggle("on", b.dataset.tab === t); b.setAttribute("aria-pressed", String(b.dataset.tab === t)); });
  $("markView").classList.toggle("hidden", t !== "mark"); $("leaderView").classList.toggle("hidden", t === "mark");
  if (t === "mark") nextTask(); else if (t === "waiting") waitingList(); else leaderList(t);
}
// Messages appear where the work is: under the button pressed, or at the
// head of the list a finished card left.
function say(node, text, bad) { node.textContent = text; node.classList.toggle("bad", !!bad); }
const half = (v) => Number.isFinite(v) && (v * 2) % 1 === 0;
let pointInputs = [];
function rubricBox(task, onTotal) {
  const table = el("table"); const cap = el("caption", "评分标准"); table.appendChild(cap);
  const head = el("tr"); ["评分要点", "分值", "给分"].forEach((h) => head.appendChild(el("th", h))); table.appendChild(head);
  const inputs = []; pointInputs = inputs;
  task.rubric.forEach((p) => { const tr = el("tr"); tr.appendChild(el("td", p.point)); tr.appendChild(el("td", String(p.score)));
    const td = el("td"); const inp = el("input"); inp.type = "number"; inp.min = 0; inp.max = p.score; inp.step = 0.5; inp.value = 0; inp.setAttribute("aria-label", p.point + "（满分 " + p.score + "）");
    inp.oninput = () => onTotal(inputs.reduce((s, i) => s + (parseFloat(i.value) || 0), 0)); inputs.push(inp); td.appendChild(inp); tr.appendChild(td); table.appendChild(tr); });
  return table;
}
// The rubric as the leader reads it beside the marks.
function rubricTable(task) {
  const table = el("table"); table.appendChild(el("caption", "评分标准"));
  const head = el("tr"); ["评分要点", "分值"].forEach((h) => head.appendChild(el("th", h))); table.appendChild(head);
  task.rubric.forEach((p) => { const tr = el("tr"); tr.append(el("td", p.point), el("td", String(p.score))); table.appendChild(tr); });
  if (!task.rubric.length) { const tr = el("tr"); tr.appendChild(el("td", "（本题无分项评分标准，按参考答案评分）")); table.appendChild(tr); }
  return table;
}
function taskView(task, box) {
  box.appendChild(el("p", null)).append("答卷编号 ", el("span", task.code, "code"), "　满分 " + task.max_score + " 分");
  box.appendChild(el("h3", task.stem));
  box.appendChild(el("h4", "考生作答")); box.appendChild(el("div", task.response || "（未作答）", "resp"));
  box.appendChild(el("h4", "参考答案")); box.appendChild(el("div", task.reference, "ref"));
}
async function nextTask() {
  const box = $("task"); box.innerHTML = "";
  let r; try { r = await api("GET", "/api/marking/batches/" + encodeURIComponent(batch) + "/next"); } catch (e) { if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return; } box.textContent = "加载失败：" + e.message; return; }
  $("progress").textContent = "我已评 " + r.mine + " 份 · 待评 " + r.waiting + " 份（我可评 " + r.available + " 份）· 已定分 " + r.done + " / " + r.total + " 份";
  if (!r.task) {
    box.appendChild(el("p", r.total === 0 ? "本批次没有需要人工评阅的简答题答卷（客观题已自动评分）。" : r.waiting === 0 ? "本批次的简答题已全部评完。" : "当前没有分配给您的答卷。"));
    if (r.waiting > 0 && r.available === 0) box.appendChild(el("p", "其余答卷您须回避（同单位或声明关系）、已评过或已分配给其他考评员；如长时间无人可评，请联系阅卷组长分配。"));
    const b = el("button", "刷新"); b.type = "button"; b.onclick = nextTask; box.appendChild(b); return;
  }
  current = r.task; taskView(current, box);
  const total = el("input"); total.type = "number"; total.step = 0.5; total.min = 0; total.max = current.max_score; total.value = 0; total.id = "total"; total.setAttribute("aria-label", "本题给分");
  box.appendChild(rubricBox(current, (s) => { total.value = s; }));
  const p = el("p"); p.append("本题给分 ", total, " 分　"); const b = el("button", "提交评分", "primary"); b.type = "button"; b.id = "submitMark"; p.appendChild(b); box.appendChild(p);
  const note = el("p", null, "note"); note.id = "markMsg"; note.setAttribute("role", "status"); box.appendChild(note);
  b.onclick = async () => {
    const points = pointInputs.map((i) => parseFloat(i.value) || 0);
    const over = current.rubric.findIndex((p, k) => points[k] < 0 || points[k] > p.score || !half(points[k]));
    if (over >= 0) { say(note, "第 " + (over + 1) + " 个要点“" + current.rubric[over].point + "”的给分须在 0–" + current.rubric[over].score + " 分之间，且为 0.5 的倍数。", true); pointInputs[over].focus(); return; }
    const score = parseFloat(total.value);
    if (!half(score) || score < 0 || score > current.max_score) { say(note, "本题给分须在 0–" + current.max_score + " 分之间，且为 0.5 的倍数。", true); total.focus(); return; }
    try { await api("POST", "/api/marking/batches/" + encodeURIComponent(batch) + "/marks", { code: current.code, score, points });
      const done = current.code; await nextTask(); say($("markMsg") || $("msg"), "已提交 " + done + "。"); } catch (e) { say(note, "提交失败：" + e.message, true); } };
}
async function leaderList(kind) {
  const box = $("leaderList"); box.innerHTML = "";
  const path = kind === "arbitrate" ? "arbitrations" : "recheck";
  let list; try { list = await api("GET", "/api/marking/batches/" + encodeURIComponent(batch) + "/" + path); } catch (e) { if (e.status === 401) { showLogin("登录已失效，请重新登录。"); return; } box.textContent = "加载失败：" + e.message; return; }
  box.appendChild(el("p", (kind === "arbitrate" ? "待仲裁 " : "待复核 ") + list.length + " 份。", "progress"));
  if (!list.length) { box.appendChild(el("p", kind === "arbitrate" ? "没有需要仲裁的答卷。" : "复核队列为空。")); return; }
  list.forEach((t, i) => {
    const card = el("article", null, "panel"); card.setAttribute("aria-label", "答卷 " + t.code); taskView(t, card); card.appendChild(rubricTable(t));
    card.appendChild(el("p", "各评分：" + t.marks.join("、") + (t.final_score != null ? "　当前得分：" + t.final_score : "") + (t.appealed ? "　（申诉）" : "")));
    const score = el("input"); score.type = "number"; score.step = 0.5; score.min = 0; score.max = t.max_score; score.value = t.final_score != null ? t.final_score : ""; score.id = "score" + i;
    const reason = el("input"); reason.type = "text"; reason.size = 40; reason.id = "reason" + i;
    const sl = el("label", "得分（0–" + t.max_score + "）"); sl.htmlFor = score.id;
    const rl = el("label", kind === "arbitrate" ? "仲裁理由（必填）" : "改分理由（改分时必填）"); rl.htmlFor = reason.id;
    const b = el("button", kind === "arbitrate" ? "仲裁定分" : "确认复核", "primary"); b.type = "button";
    const note = el("p", null, "note"); note.setAttribute("role", "status");
    b.onclick = async () => {
      const v = parseFloat(score.value);
      if (!half(v) || v < 0 || v > t.max_score) { say(note, "得分须在 0–" + t.max_score + " 分之间，且为 0.5 的倍数。", true); score.focus(); return; }
      const changed = t.final_score == null || v !== t.final_score;
      if (!reason.value.trim() && (kind === "arbitrate" || changed)) { say(note, kind === "arbitrate" ? "请填写仲裁理由。" : "改分须填写理由。", true); reason.focus(); return; }
      try { await api("POST", "/api/marking/batches/" + encodeURIComponent(batch) + "/" + (kind === "arbitrate" ? "arbitrate" : "recheck"), { code: t.code, score: v, reason: reason.value.trim() });
        await leaderList(kind); say($("leaderMsg"), "已处理 " + t.code + "（" + v + " 分）。"); $("leaderMsg").scrollIntoView({ block: "nearest" }); } catch (e) { say(note, "失败：" + e.message, true); } };
    const row = el("div", null, "fields"); row.append(sl, score, rl, reason, b); card.append(row, note); box.appendChild(card);
  });
}
async function waitingList() {
  const box = $("leaderList"); box.innerHTML = "";
  let list; try { list = await api("GET", "/api/marking/batches/" + encodeURIComponent(batch) + "/waiting"); } catch (e) { box.textContent = "加载失败：" + e.message; return; }
  if (!list.length) { box.appendChild(el("p", "没有待评的答卷。")); return; }
  const table = el("table"); const head = el("tr"); ["答卷编号", "已评次数", "状态", "分配给"].forEach((h) => head.appendChild(el("th", h))); table.appendChild(head);
  list.forEach((w) => {
    const tr = el("tr"); tr.appendChild(el("td", w.code)); tr.appendChild(el("td", String(w.marks))); tr.appendChild(el("td", w.reason));
    const td = el("td"); const who = el("input"); who.type = "text"; who.size = 10; who.setAttribute("aria-label", "考评员用户名"); who.placeholder = w.eligible[0] || "用户名";
    const b = el("button", "分配"); b.type = "button";
    b.onclick = async () => { try { await api("POST", "/api/marking/batches/" + encodeURIComponent(batch) + "/assign", { code: w.code, marker: who.value.trim() || w.eligible[0] || "" });
        await waitingList(); say($("leaderMsg"), "已分配 " + w.code + "。"); } catch (e) { say($("leaderMsg"), "分配失败：" + e.message, true); } };
    td.append(who, " ", b); tr.appendChild(td); table.appendChild(tr);
  });
  box.appendChild(table);
}
$("loginForm").onsubmit = login;
$("logoutBtn").onclick = logout;
if (token) start();
