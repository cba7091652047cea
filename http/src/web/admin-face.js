"use strict";
// The console's face-recognition tab (人脸识别): enrolment photos by zip or
// one at a time, with an outcome per file; who still has none; the batch's
// re-check interval and verdict thresholds.
const facePath = () => "/api/admin/batches/" + encodeURIComponent($("fBatch").value);

async function loadFace() {
  if (!batches.length) batches = await json("GET", "/api/admin/batches");
  const sel = $("fBatch"), was = sel.value; sel.innerHTML = "";
  batches.filter((b) => !b.closed).forEach((b) => { const o = document.createElement("option"); o.value = b.id; o.textContent = b.name + "（" + b.id + "）"; sel.appendChild(o); });
  if ([...sel.options].some((o) => o.value === was)) sel.value = was;
  if (!sel.value) { $("faceSummary").textContent = "没有进行中的批次。"; $("faceSeats").tBodies[0].innerHTML = ""; return; }
  const r = await json("GET", facePath() + "/photos");
  $("faceMatching").textContent = r.matching ? "自动比对：已启用（dlib 人脸识别模型）。监考员核验时看到登记照片、现场照片、距离和比对结论。"
    : "自动比对：未启用（服务器没有人脸模型，见 README）。现场照片仍会拍摄，由监考员目视比对。";
  $("fRecheck").value = r.settings.recheck_minutes; $("fMatch").value = r.settings.match_max; $("fMismatch").value = r.settings.mismatch_min;
  const t = $("faceSeats"), body = t.tBodies[0]; body.innerHTML = "";
  r.seats.forEach((s) => cells(body.insertRow(), [s.ticket, s.name, s.room, s.photo ? "✓ 已登记" : "✗ 缺照片"]));
  if (!r.seats.length) empty(t, "本批次没有考生。");
  const missing = r.seats.filter((s) => !s.photo).length;
  $("faceSummary").textContent = "共 " + r.seats.length + " 名考生，已登记照片 " + (r.seats.length - missing) + " 人" + (missing ? "，缺照片 " + missing + " 人（缺照片的考生由监考员人工核验）" : "") + "。";
  const tk = $("fTicket"), keepTicket = tk.value; tk.innerHTML = "";
  r.seats.forEach((s) => { const o = document.createElement("option"); o.value = s.ticket; o.textContent = s.ticket + " " + s.name + (s.photo ? "（已登记）" : ""); tk.appendChild(o); });
  if (r.seats.some((s) => s.ticket === keepTicket)) tk.value = keepTicket;
}
function faceReport(rows) {
  const t = $("faceReport"), body = t.tBodies[0]; body.innerHTML = "";
  rows.forEach((p) => { const tr = body.insertRow(); cells(tr, [p.file, p.ticket || "", p.ok ? "✓ 已登记" : "✗ " + p.error]); if (!p.ok) tr.className = "bad"; });
  if (!rows.length) empty(t, "压缩包里没有文件。");
  $("faceReportBox").classList.remove("hidden");
}
$("fBatch").onchange = () => loadFace().catch((e) => say(e.message, true));
$("faceZipForm").onsubmit = async (ev) => {
  ev.preventDefault(); const file = $("fZip").files[0]; if (!file) return;
  say("正在上传并检查照片……");
  try {
    const r = await (await api("POST", facePath() + "/photos", file, true)).json();
    faceReport(r.photos);
    const bad = r.photos.filter((p) => !p.ok).length;
    say("已登记 " + r.stored + " 张照片" + (bad ? "，" + bad + " 个文件未登记（见上传结果）" : "") + (r.missing.length ? "；仍缺照片 " + r.missing.length + " 人" : "") + "。", false, bad > 0);
    $("fZip").value = ""; await loadFace(); $("faceReportTitle").focus();
  } catch (e) { say("上传失败：" + e.message, true); }
};
$("faceOneForm").onsubmit = async (ev) => {
  ev.preventDefault(); const file = $("fPhoto").files[0], ticket = $("fTicket").value; if (!file || !ticket) return;
  try {
    const res = await fetch(facePath() + "/seats/" + encodeURIComponent(ticket) + "/photo", { method: "PUT", headers: { Authorization: "Bearer " + token, "Content-Type": "application/octet-stream" }, body: file });
    let data = {}; try { data = await res.json(); } catch (e) {}
    if (!res.ok) throw new Error(data.error || res.statusText);
    say("已登记 " + ticket + " 的照片。"); $("fPhoto").value = ""; await loadFace();
  } catch (e) { say("照片未登记：" + e.message, true); }
};
$("faceSettingsForm").onsubmit = async (ev) => {
  ev.preventDefault();
  const body = { recheck_minutes: Number($("fRecheck").value), match_max: Number($("fMatch").value), mismatch_min: Number($("fMismatch").value) };
  try { await json("PUT", facePath() + "/face", body); say("已保存人脸识别设置（记入日志）。"); }
  catch (e) { say("设置未保存：" + e.message, true); }
};
