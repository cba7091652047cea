"use strict";
// Face checks at the seat (人脸识别): consent first (biometric data is
// sensitive personal information under PIPL), then a still from the camera
// at every login and at random moments while answering. The candidate never
// sees a verdict: matching is for the proctor, who decides. Without a camera,
// or without consent, the proctor checks identity by eye.
const Face = (() => {
  let info = null, loginSession = null, recheckTimer = null, busy = false;
  const box = () => document.getElementById("faceBox");
  const say = (text) => { document.getElementById("faceState").textContent = text; };

  async function post(path, body, type) {
    let res;
    try { res = await fetch(path, { method: "POST", headers: { "Content-Type": type, Authorization: "Bearer " + token }, body }); }
    catch (e) { const err = new Error("无法连接服务器"); err.status = 0; throw err; }
    let data = {}; try { data = await res.json(); } catch (e) {}
    if (!res.ok) { const err = new Error(data.error || "服务器拒绝了照片（" + res.status + "）"); err.status = res.status; throw err; }
    return data;
  }
  // A camera request nobody answers must not hold the page for ever.
  const within = (ms, promise) => Promise.race([promise, new Promise((_, no) => setTimeout(() => { const e = new Error("摄像头没有响应"); e.name = "TimeoutError"; no(e); }, ms))]);

  // One still from the camera, through a visible preview (a hidden video
  // gives black frames); the camera is released at once.
  async function still() {
    if (!window.isSecureContext) { const e = new Error("本页面不是通过 HTTPS 打开的，浏览器不允许使用摄像头"); e.name = "InsecureError"; throw e; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { const e = new Error("没有摄像头"); e.name = "NotFoundError"; throw e; }
    const stream = await within(30000, navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }));
    const video = document.getElementById("faceVideo");
    try {
      video.srcObject = stream; video.classList.remove("hidden");
      await video.play();
      // A moment for the exposure to settle.
      await new Promise((r) => setTimeout(r, 600));
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    } finally {
      stream.getTracks().forEach((t) => t.stop()); video.srcObject = null; video.classList.add("hidden");
    }
  }

  async function capture() {
    if (busy) { const e = new Error("正在拍照"); e.name = "BusyError"; throw e; }
    busy = true;
    try {
      const blob = await still();
      await post("/api/seat/capture", blob, "image/jpeg");
      if (info && info.state) info.state.declined = null;
    } finally { busy = false; }
  }

  async function consent() {
    say("正在打开摄像头……");
    document.getElementById("faceButtons").classList.add("hidden");
    try {
      await api("POST", "/api/seat/face", { consent: true });
      info.state = Object.assign(info.state || {}, { consent: true });
      await loginCapture();
    } catch (e) { say("操作失败：" + e.message); document.getElementById("faceButtons").classList.remove("hidden"); }
  }

  async function loginCapture() {
    say("正在拍摄现场照片，请正对摄像头……");
    try {
      await capture();
      say("现场照片已拍摄，监考员将与您的登记照片比对。请等待核验。");
      announce("现场照片已拍摄。");
    } catch (e) {
      if (e.name === "NotAllowedError" || e.name === "SecurityError") {
        await api("POST", "/api/seat/face", { consent: false, why: "declined" }).catch(() => {});
        info.state = Object.assign(info.state || {}, { consent: false, declined: "declined" });
        say("未获准使用摄像头。请举手示意，由监考员人工核验身份。");
      } else if (e.name === "InsecureError") {
        say(e.message + "。请举手示意，由监考员人工核验身份。");
      } else if (e.name === "NotFoundError" || e.name === "NotReadableError" || e.name === "OverconstrainedError" || e.name === "TimeoutError") {
        await api("POST", "/api/seat/face", { consent: true, why: "no_camera" }).catch(() => {});
        info.state = Object.assign(info.state || {}, { declined: "no_camera" });
        say("本机没有可用的摄像头。请举手示意，由监考员人工核验身份。");
      } else {
        say("现场照片未能上传：" + (e.status !== undefined ? e.message : "请稍后重试") + "。请举手示意监考员。");
      }
    }
  }

  async function decline() {
    document.getElementById("faceButtons").classList.add("hidden");
    try { await api("POST", "/api/seat/face", { consent: false, why: "declined" }); } catch (e) {}
    say("您未同意人脸识别。请举手示意，由监考员人工核验身份，不影响您参加考试。");
  }

  // Re-checks come at random (exponential waits, N minutes on average), so
  // that no moment can be prepared for.
  function scheduleRecheck() {
    clearTimeout(recheckTimer); recheckTimer = null;
    if (!info || !(info.recheck_minutes > 0) || !(info.state && info.state.consent && !info.state.declined)) return;
    const wait = -Math.log(1 - Math.random()) * info.recheck_minutes * 60000;
    recheckTimer = setTimeout(async () => {
      if (status === "answering") {
        notice("正在拍摄复核照片，请正对摄像头，继续答题即可。");
        try { await capture(); } catch (e) {}
      }
      scheduleRecheck();
    }, Math.max(wait, 30000));
  }

  return {
    // The waiting screen after a login: ask for consent, or (consent given
    // at an earlier login) take the login capture at once.
    async atLogin(st) {
      if (loginSession === st.ticket + "/" + st.batch + "/" + token) return;
      loginSession = st.ticket + "/" + st.batch + "/" + token;
      try { info = await api("GET", "/api/seat/face"); } catch (e) { return; }
      document.getElementById("faceDays").textContent = info.retention_days;
      box().classList.remove("hidden");
      if (!info.storable) { document.getElementById("faceButtons").classList.add("hidden"); say("本考场暂不能保存照片，由监考员人工核验身份。"); return; }
      const answered = info.state && info.state.consent != null;
      document.getElementById("faceButtons").classList.toggle("hidden", answered);
      if (!answered) { say(""); return; }
      if (info.state.consent && info.state.declined !== "declined") await loginCapture();
      else say("您未同意人脸识别，由监考员人工核验身份。");
    },
    hide() { box().classList.add("hidden"); },
    // Answering (also after a reload): re-checks run on their random clock.
    async answering() {
      box().classList.add("hidden");
      if (recheckTimer) return;
      if (!info) { try { info = await api("GET", "/api/seat/face"); } catch (e) { return; } }
      if (!recheckTimer) scheduleRecheck();
    },
    stop() { clearTimeout(recheckTimer); recheckTimer = null; loginSession = null; info = null; box().classList.add("hidden"); },
    init() {
      document.getElementById("faceAgree").addEventListener("click", consent);
      document.getElementById("faceDecline").addEventListener("click", decline);
    },
  };
})();
