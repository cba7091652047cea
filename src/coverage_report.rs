//! The coverage report as one self-contained HTML page: inline CSS and SVG
//! charts, no external assets, so it opens anywhere years later.

use kaoshi_engine::audit::Coverage;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart: one row per label, one bar per series.
fn hbars(labels: &[String], series: &[(&str, &str, Vec<f64>)], unit: &str) -> String {
    let max = series.iter().flat_map(|s| s.2.iter().copied()).fold(1e-9, f64::max);
    let row = 14.0 * series.len() as f64 + 10.0;
    let (left, width) = (220.0, 460.0);
    let height = row * labels.len() as f64 + 30.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {} {height}\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
        left + width + 80.0
    );
    for (i, label) in labels.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
            left - 8.0,
            y + row / 2.0,
            esc(label)
        );
        for (k, (_, color, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0.0);
            let w = (v / max * width).max(if v > 0.0 { 1.0 } else { 0.0 });
            let by = y + 14.0 * k as f64;
            let _ = write!(svg, "<rect x=\"{left}\" y=\"{by}\" width=\"{w:.1}\" height=\"12\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}{unit}</text>", left + w + 4.0, by + 10.0, fmt_num(v));
        }
    }
    let mut legend = 0.0;
    for (name, color, _) in series {
        let _ = write!(svg, "<rect x=\"{}\" y=\"2\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"11\" font-size=\"11\">{}</text>", left + legend, left + legend + 14.0, esc(name));
        legend += 120.0;
    }
    svg.push_str("</svg>");
    svg
}

/// A vertical histogram.
fn vbars(labels: &[String], values: &[usize], color: &str) -> String {
    let max = values.iter().copied().max().unwrap_or(1).max(1) as f64;
    let n = values.len().max(1) as f64;
    let (w, h) = (700.0, 200.0);
    let bw = w / n;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {}\" width=\"{w}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
        h + 40.0
    );
    for (i, &v) in values.iter().enumerate() {
        let bh = v as f64 / max * h;
        let x = bw * i as f64;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{v}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x + 2.0,
            h - bh + 14.0,
            (bw - 4.0).max(1.0),
            x + bw / 2.0,
            h - bh + 10.0,
            x + bw / 2.0,
            h + 30.0,
            esc(labels.get(i).map_or("", String::as_str))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Renders the report.
pub fn html(c: &Coverage) -> String {
    let b = &c.bank;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>题库覆盖审计 · {}</title><style>\
body{{font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;max-width:1000px;margin:24px auto;color:#1f2937;padding:0 16px}}\
h1{{font-size:22px}}h2{{font-size:18px;margin-top:28px;border-bottom:2px solid #e5e7eb;padding-bottom:4px}}\
table{{border-collapse:collapse;width:100%;font-size:14px}}td,th{{border-bottom:1px solid #e5e7eb;padding:6px;text-align:left}}\
.fail{{color:#b91c1c;font-weight:600}}.thin{{color:#b45309;font-weight:600}}.warn{{color:#92400e}}.ok{{color:#15803d}}\
.meta{{color:#4b5563}}</style></head><body>",
        esc(&b.title)
    );
    let _ = write!(
        out,
        "<h1>题库覆盖审计：{}</h1><p class=\"meta\">{} {}（{}） · 等级 {} · 版本 {} · 题目 {}（启用 {}） · 内容哈希 <code>{}</code></p>",
        esc(&b.title),
        esc(&b.occupation),
        esc(&b.occupation_code),
        esc(&b.id),
        esc(&b.level),
        b.version,
        b.items,
        b.active,
        esc(&b.content_hash)
    );
    out.push_str("<h2>结论</h2>");
    if c.verdicts.is_empty() {
        out.push_str("<p class=\"ok\">全部模块、鉴定点和抽题单元满足要求。</p>");
    } else {
        out.push_str("<table><tr><th>级别</th><th>对象</th><th>说明</th></tr>");
        for v in &c.verdicts {
            let _ = write!(
                out,
                "<tr><td class=\"{0}\">{0}</td><td>{1}</td><td>{2}</td></tr>",
                esc(&v.level),
                esc(&v.subject),
                esc(&v.message)
            );
        }
        out.push_str("</table>");
    }
    if let Some(s) = &c.spec {
        let _ = write!(out, "<p>组卷方案：{} — {}</p>", esc(&s.title), if s.feasible { "可组卷" } else { "不能组卷" });
    }
    out.push_str("<h2>模块权重与题量占比</h2>");
    let labels: Vec<String> = c.modules.iter().map(|m| format!("{} {}", m.code, m.name)).collect();
    out.push_str(&hbars(
        &labels,
        &[
            ("标准权重 %", "#1d4ed8", c.modules.iter().map(|m| m.weight).collect()),
            ("题库占比 %", "#f59e0b", c.modules.iter().map(|m| m.bank_share).collect()),
        ],
        "",
    ));
    out.push_str("<h2>各鉴定点题量</h2>");
    let points: Vec<_> = c.modules.iter().flat_map(|m| m.points.iter()).collect();
    let plabels: Vec<String> = points.iter().map(|p| format!("{} {} ({})", p.code, p.name, p.importance)).collect();
    out.push_str(&hbars(&plabels, &[("启用题目数", "#0f766e", points.iter().map(|p| p.active as f64).collect())], ""));
    out.push_str("<h2>难度分布</h2>");
    let dl: Vec<String> = (1..=5).map(|d| format!("难度 {d}")).collect();
    out.push_str(&vbars(&dl, &c.difficulty, "#6d28d9"));
    out.push_str("<h2>抽题单元（模块 × 题型）</h2><table><tr><th>模块</th><th>题型</th><th>启用题目</th><th>每卷抽取</th><th>可组卷数（不重复）</th><th>结论</th></tr>");
    for m in &c.modules {
        for cell in &m.cells {
            let _ = write!(
                out,
                "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td class=\"{}\">{}</td></tr>",
                esc(&m.code),
                esc(&m.name),
                esc(&cell.item_type),
                cell.items,
                cell.draws_per_paper,
                cell.papers_before_repeat,
                esc(&cell.verdict),
                esc(&cell.verdict)
            );
        }
    }
    out.push_str("</table>");
    if let Some(e) = &c.exposure {
        let _ = write!(
            out,
            "<h2>组卷 {} 份后的题目曝光</h2><p>最多使用 {} 次，平均 {:.1} 次，用到 {} 题；两份试卷平均重复 {:.2} 题。</p>",
            e.papers, e.max, e.mean, e.items_used, e.mean_overlap
        );
        let labels: Vec<String> = (0..e.histogram.len()).map(|k| format!("{}", k as u32 * e.bucket)).collect();
        out.push_str(&vbars(&labels, &e.histogram, "#0f766e"));
        out.push_str("<p class=\"meta\">横轴：使用次数（区间起点）；纵轴：题目数。</p>");
    }
    out.push_str("</body></html>\n");
    out
}
