"use strict";
// The face check on the proctor's card (人脸识别): the enrolment photo beside
// the latest capture, the distance and the verdict, with a sign as well as
// a colour. Images are fetched with the session's token and shown as blobs;
// they are fetched again only when a new capture arrives.
const FaceCard = (() => {
  const VERDICT = { match: ["✓ 一致", "ok"], uncertain: ["? 存疑，请仔细核对", "warn"], mismatch: ["✗ 不一致，请当面核对身份证件", "bad"] };
  let shown = "", urls = [];
  const AWAITING = "等待本次登录的现场照片";

  function verdictText(f) {
    if (!f || f.consent == null) return ["人脸识别：等待考生确认是否同意", ""];
    if (f.declined === "declined" || f.consent === false) return ["考生未同意人脸识别：请人工核对本人与身份证件", "warn"];
    if (f.declined === "no_camera") return ["考位无可用摄像头：请人工核对本人与身份证件", "warn"];
    if (!f.captures) return ["等待拍摄现场照片……", ""];
    if (f.pending) return ["正在比对……", ""];
    const when = f.why === "recheck" ? "考试中复核" : "登录";
    if (f.verdict) {
      const [text, cls] = VERDICT[f.verdict];
      return [when + "人脸比对：" + text + "（距离 " + f.distance.toFixed(2) + "）" + (f.alert ? "　⚠ 疑似替考，请到考位核对" : ""), f.alert ? "bad" : cls];
    }
    return [when + "人脸比对：" + (f.problem || "无结果") + "，请目视比对两张照片", "warn"];
  }

  // An answer that comes after the proctor moved to another seat is dropped:
  // the card never shows one candidate's photo beside another's name.
  async function image(path, img, none, key) {
    let text = none;
    try {
      const res = await fetch(path, { headers: { Authorization: "Bearer " + token } });
      if (res.status === 403) text = "无权查看照片";
      if (!res.ok) throw new Error(String(res.status));
      const blob = await res.blob();
      if (key !== shown) return;
      const url = URL.createObjectURL(blob); urls.push(url);
      img.src = url; img.alt = img.dataset.alt; img.classList.remove("hidden"); img.nextElementSibling.textContent = img.dataset.alt;
    } catch (e) { if (key !== shown) return; img.removeAttribute("src"); img.classList.add("hidden"); img.nextElementSibling.textContent = text; }
  }

  function figure(alt) {
    const f = el("figure"), img = el("img"); img.dataset.alt = alt; img.alt = alt;
    f.append(img, el("figcaption", alt)); return f;
  }

  return {
    // Paints the card's face section for seat `s` into `box` (created once).
    paint(s, box) {
      let card = box.querySelector(".facecard");
      if (!card) {
        card = el("div", null, "facecard"); card.setAttribute("aria-label", "人脸比对");
        const pics = el("div", null, "pics"); pics.append(figure("登记照片"), figure("现场照片"));
        card.append(pics, el("p", null, "verdict")); box.appendChild(card); shown = "";
      }
      const f = s.face || {};
      const [text, cls] = verdictText(s.face);
      const p = card.querySelector(".verdict"); p.className = "verdict " + cls; setText(p, text);
      // An alert keeps the capture that raised it on screen until reviewed.
      const what = f.alert ? "alert" : "capture";
      // After a new login the earlier capture is not of whoever sits now.
      const fresh = f.captures && f.problem !== AWAITING;
      const key = s.ticket + "/" + (f.captures || 0) + "/" + what + "/" + fresh;
      if (key === shown) return;
      shown = key; urls.forEach((u) => URL.revokeObjectURL(u)); urls = [];
      const [photo, live] = card.querySelectorAll("img");
      image(seatPath(s.ticket) + "/photo", photo, "无登记照片", key);
      if (fresh || f.alert) image(seatPath(s.ticket) + "/" + what, live, "无现场照片", key);
      else { live.removeAttribute("src"); live.classList.add("hidden"); live.nextElementSibling.textContent = f.captures ? "尚无本次登录的现场照片" : "尚无现场照片"; }
    },
    // Bulk approval takes a seat with a face check only when it plainly
    // matched (or matching is off and the proctor compares by eye): a
    // covered camera, a declined request, a pending or missing capture are
    // checked one by one.
    doubtful(s) {
      const f = s.face; if (!f || f.consent == null) return false;
      if (f.alert) return true;
      return !(f.verdict === "match" || f.problem === "未启用自动比对");
    },
    alert(s) { return !!(s.face && s.face.alert); },
  };
})();
