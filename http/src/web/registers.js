"use strict";
// The organisation's registers (机构设置, 备案范围, 考点考场, 人员资质): each shown as a
// table and edited as its TOML file; the server parses a new text before it
// keeps it, logs it, and checks the next batch against it.
const LEVEL = { apprentice: "学徒工", 5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师" };
const DUTY = { proctor: "监考员", marker: "考评员", supervisor: "质量督导员" };
const today = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const REGISTERS = {
  organisation: {
    about: "严格模式（已备案机构）下，违反下列任一规则的批次不能创建；非严格模式（新数据目录、演示、演练）下只提醒并记入事件日志。各项数值依据的文件条款写在括号中。",
    head: ["设置", "取值", "依据"],
    rows: (c) => [
      ["严格模式（strict）", c.strict ? "是：违规即拒绝" : "否：违规只提醒", "已备案机构应开启"],
      ["认定计划提前备案工作日（filing_lead_workdays）", c.filing_lead_workdays, "鲁人社字〔2020〕50号 四(一) 5 个；池人社发〔2024〕4号 第十五条 10 个"],
      ["考评员最低等级（marker_min_level）", LEVEL[c.marker_min_level] || c.marker_min_level, "鲁人社字〔2022〕93号 附件1：三级及以上"],
      ["兼职人员最多供职机构数（max_part_time_organisations）", c.max_part_time_organisations, "鲁人社字〔2022〕93号 附件1：不得与3家及以上机构"],
      ["备案有效期（年）（scope_validity_years）", c.scope_validity_years, "鲁人社字〔2022〕93号 一(三)：每三年至少评估一次"],
    ],
    example: "# 机构设置（以下为默认值；已备案机构请将 strict 改为 true）\nstrict = false\nfiling_lead_workdays = 5   # 鲁人社字〔2020〕50号 四(一)；池人社发〔2024〕4号 第十五条为 10\nmarker_min_level = \"3\"\nmax_part_time_organisations = 2\nscope_validity_years = 3\n",
  },
  scope: {
    about: "本机构备案的职业（工种）和等级。批次的题库职业或等级不在备案范围内、或考试日不在备案有效期内的，严格模式下不能创建（鲁人社字〔2022〕93号 附件3 3.1、6.2）。未建立此登记册时不检查。",
    head: ["备案号", "职业代码", "职业（工种）", "等级", "备案日期", "有效期至", "状态"],
    rows: (c) => (c.registration || []).map((r) => [r.number, r.occupation_code, r.occupation, r.levels.map((l) => LEVEL[l] || l).join("、"), r.registered, r.last_day, r.last_day < today() ? "已过期" : "有效"]),
    example: "[[registration]]\nnumber = \"备案号\"\noccupation_code = \"4-07-05-04\"\noccupation = \"养老护理员\"\nlevels = [\"5\", \"4\", \"3\"]\nregistered = \"2025-03-01\"\n# valid_until = \"2028-02-28\"   # 不填：备案日期起 3 年\n",
  },
  rooms: {
    about: "考点和考场及座位数。名单中的考场不在登记册内、座位号超出考场座位、考场人数超过座位数、考场座位少于最低要求（理论考场不少于 30 座，池人社发〔2024〕4号 第八条）的，逐行列出；严格模式下不能创建批次，监考员调座也只能调到已登记的座位。未建立此登记册时不检查。",
    head: ["考点", "考场", "座位数", "是否达到最低座位数"],
    rows: (c) => (c.room || []).map((r) => [r.site, r.name, r.seats, r.seats >= c.minimum_seats ? "是" : "否（最低 " + c.minimum_seats + " 座）"]),
    example: "minimum_seats = 30   # 池人社发〔2024〕4号 第八条\n\n[[room]]\nsite = \"第一考点\"\nname = \"第1考场\"\nseats = 100\n",
  },
  personnel: {
    about: "监考员、考评员、质量督导员的资质登记。认定计划安排的人员须在此登记、具有相应职责、证书在考试日有效；考评员须持本职业考评资格、等级为三级及以上且不低于认定等级；兼职人员供职机构不超过 2 家（鲁人社字〔2022〕93号 附件1；池人社发〔2024〕4号 第七条4）。未建立此登记册时不检查。",
    head: ["姓名", "账号", "职责", "证书编号", "职业代码", "等级", "有效期至", "状态", "专兼职", "供职机构"],
    rows: (c) => (c.person || []).map((p) => [p.name, p.user, p.duties.map((d) => DUTY[d] || d).join("、"), p.certificate, p.occupation_code, LEVEL[p.level] || p.level, p.valid_until, p.valid_until < today() ? "已过期" : "有效", p.part_time ? "兼职" : "专职", (p.organisations || []).join("、")]),
    example: "[[person]]\nname = \"王老师\"\nuser = \"marker1\"          # 登录账号\nduties = [\"marker\"]        # proctor 监考员、marker 考评员、supervisor 质量督导员\ncertificate = \"考评员证书编号\"\noccupation_code = \"4-07-05-04\"\nlevel = \"3\"\nvalid_until = \"2027-12-31\"\npart_time = false\norganisations = [\"本机构\"]\n",
    extra: (bar) => {
      ["ledger.xlsx", "ledger.csv"].forEach((file) => button(bar, "下载人员台账（" + file.split(".")[1] + "）", async () => {
        try {
          const res = await api("GET", "/api/admin/registers/personnel/" + file), blob = await res.blob();
          const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = "personnel-" + file; document.body.appendChild(a); a.click(); a.remove();
          setTimeout(() => URL.revokeObjectURL(a.href), 10000); say("已下载 personnel-" + file + "。");
        } catch (e) { say("下载失败：" + e.message, true); }
      }));
    },
  },
};

function paintRegister(panel, spec, v) {
  panel.querySelector(".about").textContent = spec.about;
  const state = panel.querySelector(".state");
  state.className = "state" + (v.problem ? " bad" : "");
  state.textContent = v.problem ? "文件 " + v.file + " 有误，检查时会报错：" + v.problem
    : v.exists ? "文件：数据目录/" + v.file + "（已启用）" : v.name === "organisation" ? "未建立 " + v.file + "：使用下列默认值。" : "未建立 " + v.file + "：不做此项检查。";
  const t = panel.querySelector(".view"), head = t.tHead.rows[0], body = t.tBodies[0];
  head.innerHTML = ""; spec.head.forEach((h) => { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
  body.innerHTML = "";
  const rows = v.content ? spec.rows(Object.assign({ registration: [], room: [], person: [] }, v.content)) : [];
  rows.forEach((r) => cells(body.insertRow(), r));
  if (!rows.length) empty(t, v.exists ? "登记册中没有条目。" : "尚未登记。");
  panel.querySelector("label").textContent = "编辑 " + v.file + "（TOML 格式；清空后保存即删除此登记册）";
  panel.querySelector("textarea").value = v.text;
  panel.querySelector(".err").textContent = "";
}

async function loadRegister(name) {
  const panel = $("panel-" + name), spec = REGISTERS[name];
  // The form's handlers come first: a page that failed to paint must still not submit natively.
  if (!panel.dataset.ready) {
    panel.dataset.ready = "1";
    if (spec.extra) spec.extra(panel.querySelector(".extra"));
    panel.querySelector(".example").onclick = () => { const ta = panel.querySelector("textarea"); if (!ta.value.trim() || confirm("用示例替换编辑框中的内容？（保存前不会生效）")) ta.value = spec.example; ta.focus(); };
    panel.querySelector(".reload").onclick = () => loadRegister(name).then(() => say("已放弃未保存的修改。")).catch((e) => say(e.message, true));
    panel.querySelector(".edit").onsubmit = async (ev) => {
      ev.preventDefault();
      const text = panel.querySelector("textarea").value, err = panel.querySelector(".err");
      const file = name + ".toml";
      const removal = name === "organisation" ? "清空后保存将删除 " + file + "，此后各项设置恢复默认值。确定？" : "清空后保存将删除 " + file + "，此后不再做这项检查。确定？";
      if (!text.trim() && !confirm(removal)) return;
      say("");
      try {
        const saved = await json("PUT", "/api/admin/registers/" + name, { text });
        paintRegister(panel, spec, saved);
        say(text.trim() ? "已保存 " + saved.file + "（已记入事件日志），之后创建的批次按新登记册检查。" : "已删除 " + saved.file + "（已记入事件日志）。");
      } catch (e) { err.textContent = "未保存：" + e.message; panel.querySelector("textarea").focus(); }
    };
  }
  const v = await json("GET", "/api/admin/registers/" + name);
  paintRegister(panel, spec, v);
}
