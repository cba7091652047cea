//! A browser's User-Agent told briefly, for a proctor comparing devices.

/// "Chrome 156 · Windows" from a User-Agent; the raw text (cut short) when
/// it names no browser kaoshi knows.
pub fn describe(agent: &str) -> String {
    let agent = agent.trim();
    if agent.is_empty() {
        return "未知浏览器".to_string();
    }
    // Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
    let browsers =
        [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Version/", "Safari")];
    let browser = browsers.iter().find_map(|(token, name)| {
        let at = agent.find(token)?;
        let version: String = agent[at + token.len()..].chars().take_while(char::is_ascii_digit).collect();
        Some(if version.is_empty() { (*name).to_string() } else { format!("{name} {version}") })
    });
    let systems = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let system = systems.iter().find(|(token, _)| agent.contains(token)).map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b,
        _ => agent.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn browsers_are_told_apart() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome 156 · Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe(edge), "Edge 120 · Windows");
        assert_eq!(
            describe("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
            "Firefox 128 · Linux"
        );
        assert_eq!(describe("curl/8.5.0"), "curl/8.5.0");
        assert_eq!(describe(""), "未知浏览器");
    }
}
