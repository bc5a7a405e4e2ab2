//! Medians, p90 and ratios, as a Markdown table and an SVG plot (drawn
//! here, no plotting dependency).

use std::fmt::Write;

/// One measured way to run `/usr/bin/true`.
pub struct Variant {
    pub label: String,
    pub worker: usize,
    /// The worker request after `time\tN\t`.
    pub req: String,
    /// Milliseconds.
    pub cold: Vec<f64>,
    pub warm: Vec<f64>,
    /// Why it was not measured (or stopped being measured).
    pub skip: Option<String>,
}

/// A variant shown in a section, with the variant its ratio is against.
#[derive(Clone)]
pub struct Row {
    pub v: usize,
    pub reference: Option<usize>,
    pub label: Option<String>,
}

impl Row {
    pub fn new(v: usize, reference: Option<usize>) -> Row {
        Row {
            v,
            reference,
            label: None,
        }
    }
    pub fn labelled(v: usize, reference: Option<usize>, label: &str) -> Row {
        Row {
            v,
            reference,
            label: Some(label.to_string()),
        }
    }
}

pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

/// A ratio the project aims for: `num / den` of the medians, at most
/// `bound`.
pub struct Target {
    pub what: String,
    pub num: usize,
    pub den: usize,
    pub warm: bool,
    pub bound: f64,
}

impl Target {
    pub fn cold(what: &str, num: usize, den: usize, bound: f64) -> Target {
        Target {
            what: what.into(),
            num,
            den,
            warm: false,
            bound,
        }
    }
    pub fn warm(what: &str, num: usize, den: usize, bound: f64) -> Target {
        Target {
            warm: true,
            ..Target::cold(what, num, den, bound)
        }
    }
}

/// Throughput of one user and task count: requests per second per round.
pub struct Rps {
    pub who: &'static str,
    pub tasks: usize,
    pub sandboxed: Vec<f64>,
    pub plain: Vec<f64>,
    pub skip: Option<String>,
}

impl Rps {
    pub fn new(who: &'static str, tasks: usize) -> Rps {
        Rps {
            who,
            tasks,
            sandboxed: Vec::new(),
            plain: Vec::new(),
            skip: None,
        }
    }
}

pub struct Meta {
    pub kernel: String,
    pub cpus: usize,
    pub loads: Vec<f64>,
    pub cold_n: usize,
    pub warm_rounds: usize,
    pub block: usize,
    pub gap_ms: u64,
    pub rps_ms: u64,
    pub install_errors: Vec<String>,
    /// How the full sandbox contains the tree, as root and as nobody.
    pub containment: String,
    pub commit: String,
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// The median (mean of the two middle values for an even count).
pub fn median(v: &[f64]) -> Option<f64> {
    let s = sorted(v);
    let n = s.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(s[n / 2]),
        _ => Some((s[n / 2 - 1] + s[n / 2]) / 2.0),
    }
}

/// The 90th percentile, nearest rank.
pub fn p90(v: &[f64]) -> Option<f64> {
    let s = sorted(v);
    let rank = (s.len() as f64 * 0.9).ceil() as usize;
    s.get(rank.max(1) - 1).copied()
}

fn ms(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
    }
}

fn ratio(num: &[f64], den: &[f64]) -> Option<f64> {
    Some(median(num)? / median(den)?)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{r:.2}×"))
}

fn label<'a>(variants: &'a [Variant], row: &'a Row) -> &'a str {
    row.label.as_deref().unwrap_or(&variants[row.v].label)
}

pub fn markdown(
    meta: &Meta,
    variants: &[Variant],
    sections: &[Section],
    targets: &[Target],
    rps: &[Rps],
) -> String {
    let mut s = String::new();
    let loads = sorted(
        &meta
            .loads
            .iter()
            .copied()
            .filter(|l| l.is_finite())
            .collect::<Vec<_>>(),
    );
    let load = match (loads.first(), median(&loads), loads.last()) {
        (Some(lo), Some(mid), Some(hi)) => format!(
            "from {lo:.2} to {hi:.2}, median {mid:.2} ({} samples)",
            loads.len()
        ),
        _ => "unknown".into(),
    };
    let _ = writeln!(
        s,
        "# execward compared (commit {}, Linux {}, {} CPUs)\n",
        meta.commit, meta.kernel, meta.cpus
    );
    let _ = writeln!(
        s,
        "Spawn and wait of `/usr/bin/true`, in milliseconds, timed inside the spawning process. \
         **Cold**: {} runs per variant, each {} ms after the previous run, variants alternating. \
         **Warm**: {} rounds of {} back-to-back runs per variant (the first two of each block dropped), \
         blocks alternating. Ratios are of medians, against the named reference measured in the same run. \
         Load average (1 min) during the run: {load}. Containment of the full sandbox: {}.\n",
        meta.cold_n,
        meta.gap_ms,
        meta.warm_rounds,
        meta.block,
        meta.containment,
    );
    for sec in sections {
        let _ = writeln!(s, "## {}\n", sec.title);
        let _ = writeln!(
            s,
            "| | cold median | cold p90 | warm median | warm p90 | ratio cold | ratio warm |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for row in &sec.rows {
            let v = &variants[row.v];
            let (rc, rw) = match row.reference {
                Some(r) if r != row.v => (
                    fmt_ratio(ratio(&v.cold, &variants[r].cold)),
                    fmt_ratio(ratio(&v.warm, &variants[r].warm)),
                ),
                Some(_) => ("1.00×".into(), "1.00×".into()),
                None => (String::new(), String::new()),
            };
            let name = label(variants, row);
            if let Some(why) = v.skip.as_ref().filter(|_| v.cold.is_empty()) {
                let _ = writeln!(s, "| {name} | skipped: {why} | | | | | |");
                continue;
            }
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} | {rc} | {rw} |",
                ms(median(&v.cold)),
                ms(p90(&v.cold)),
                ms(median(&v.warm)),
                ms(p90(&v.warm)),
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "## Throughput from concurrent tokio tasks\n\n\
         Each task binds a policy action running `/usr/bin/true` and awaits \
         `Command::output_async` (sandboxed), or awaits `tokio::process::Command::output` (plain), \
         one after another for {} ms; median of 3 rounds, the two alternating.\n\n\
         | user | tasks | sandboxed req/s | plain req/s | ratio |\n| --- | ---: | ---: | ---: | ---: |",
        meta.rps_ms
    );
    for r in rps {
        if let Some(why) = &r.skip {
            let _ = writeln!(s, "| {} | {} | skipped: {why} | | |", r.who, r.tasks);
            continue;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {:.0} | {:.0} | {} |",
            r.who,
            r.tasks,
            median(&r.sandboxed).unwrap_or(f64::NAN),
            median(&r.plain).unwrap_or(f64::NAN),
            fmt_ratio(ratio(&r.sandboxed, &r.plain)),
        );
    }
    let _ = writeln!(
        s,
        "\n## Targets\n\n| target | measured | |\n| --- | ---: | --- |"
    );
    for t in targets {
        let (n, d) = (&variants[t.num], &variants[t.den]);
        let r = if t.warm {
            ratio(&n.warm, &d.warm)
        } else {
            ratio(&n.cold, &d.cold)
        };
        let verdict = match r {
            None => "not measured",
            Some(r) if r <= t.bound => "met",
            Some(_) => "missed",
        };
        let _ = writeln!(s, "| {} | {} | {verdict} |", t.what, fmt_ratio(r));
    }
    for r in rps.iter().filter(|r| r.tasks == 20 && r.skip.is_none()) {
        let q = ratio(&r.sandboxed, &r.plain);
        let verdict = match q {
            None => "not measured",
            Some(q) if q >= 0.8 => "met",
            Some(_) => "missed",
        };
        let _ = writeln!(
            s,
            "| 20 tokio tasks ({}) ≥ 0.8× plain `tokio::process` | {} | {verdict} |",
            r.who,
            fmt_ratio(q)
        );
    }
    let skipped: Vec<String> = variants
        .iter()
        .filter_map(|v| {
            v.skip
                .as_ref()
                .map(|why| format!("- {}: {why}", v.label.replace('`', "")))
        })
        .chain(
            meta.install_errors
                .iter()
                .map(|e| format!("- install: {e}")),
        )
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(s, "\n## Skipped or stopped\n\n{}", skipped.join("\n"));
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('`', "")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Horizontal bars on a log scale (cold median dark, warm median light,
/// p90 as a tick), one group per section; then the throughput bars.
pub fn svg(variants: &[Variant], sections: &[Section], rps: &[Rps]) -> String {
    const W: f64 = 1000.0;
    const LEFT: f64 = 440.0;
    const RIGHT: f64 = 30.0;
    const BAR: f64 = 8.0;
    let all: Vec<f64> = variants
        .iter()
        .flat_map(|v| [p90(&v.cold), p90(&v.warm), median(&v.warm)])
        .flatten()
        .collect();
    let finite = all.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
    let lo = finite
        .clone()
        .fold(f64::INFINITY, f64::min)
        .clamp(1e-3, 1e3);
    let hi = finite.fold(0.0, f64::max).clamp(lo * 10.0, 1e6);
    let (l0, l1) = (lo.log10().floor(), hi.log10().ceil());
    let x = |v: f64| LEFT + (W - LEFT - RIGHT) * (v.log10() - l0) / (l1 - l0);
    let mut body = String::new();
    let mut y = 50.0;
    for sec in sections {
        y += 14.0;
        let _ = writeln!(
            body,
            r#"<text x="10" y="{y}" font-weight="bold">{}</text>"#,
            esc(&sec.title)
        );
        y += 8.0;
        for row in &sec.rows {
            let v = &variants[row.v];
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                LEFT - 8.0,
                y + BAR + 3.0,
                esc(label(variants, row))
            );
            for (k, (data, fill)) in [(&v.cold, "#1f5f99"), (&v.warm, "#8fb8de")]
                .into_iter()
                .enumerate()
            {
                let top = y + k as f64 * (BAR + 1.0);
                if let (Some(m), Some(p)) = (median(data), p90(data)) {
                    let _ = writeln!(
                        body,
                        r##"<rect x="{LEFT}" y="{top}" width="{:.1}" height="{BAR}" fill="{fill}"><title>{} ms median, {} ms p90</title></rect><line x1="{p:.1}" x2="{p:.1}" y1="{:.1}" y2="{:.1}" stroke="#e07b00" stroke-width="2"/>"##,
                        (x(m) - LEFT).max(0.5),
                        ms(Some(m)),
                        ms(p90(data)),
                        top - 1.0,
                        top + BAR + 1.0,
                        p = x(p),
                    );
                }
            }
            if v.cold.is_empty() {
                let _ = writeln!(
                    body,
                    r##"<text x="{}" y="{}" fill="#999">skipped</text>"##,
                    LEFT + 4.0,
                    y + BAR + 3.0
                );
            }
            y += 2.0 * BAR + 8.0;
        }
    }
    let chart_bottom = y;
    let mut grid = String::new();
    let mut e = l0;
    while e <= l1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powf(e);
            if v.log10() > l1 + 1e-9 {
                break;
            }
            let gx = x(v);
            let (stroke, text) = if m == 1.0 {
                ("#bbb", format!("{v} ms"))
            } else {
                ("#e4e4e4", String::new())
            };
            let _ = writeln!(
                grid,
                r##"<line x1="{gx:.1}" x2="{gx:.1}" y1="40" y2="{chart_bottom}" stroke="{stroke}"/><text x="{gx:.1}" y="36" text-anchor="middle" fill="#555">{text}</text>"##
            );
        }
        e += 1.0;
    }
    // Throughput: linear bars.
    y += 30.0;
    let _ = writeln!(
        body,
        r#"<text x="10" y="{y}" font-weight="bold">Requests per second from concurrent tokio tasks (dark: sandboxed, light: plain tokio::process)</text>"#
    );
    y += 10.0;
    let top_rps = rps
        .iter()
        .flat_map(|r| [median(&r.sandboxed), median(&r.plain)])
        .flatten()
        .fold(1.0, f64::max);
    for r in rps {
        let _ = writeln!(
            body,
            r#"<text x="{}" y="{}" text-anchor="end">{} task{}, as {}</text>"#,
            LEFT - 8.0,
            y + BAR + 3.0,
            r.tasks,
            if r.tasks == 1 { "" } else { "s" },
            r.who
        );
        for (k, (data, fill)) in [(&r.sandboxed, "#1f5f99"), (&r.plain, "#8fb8de")]
            .into_iter()
            .enumerate()
        {
            if let Some(m) = median(data) {
                let top = y + k as f64 * (BAR + 1.0);
                let wdt = (W - LEFT - RIGHT - 60.0) * m / top_rps;
                let _ = writeln!(
                    body,
                    r#"<rect x="{LEFT}" y="{top}" width="{wdt:.1}" height="{BAR}" fill="{fill}"/><text x="{:.1}" y="{:.1}" font-size="9">{m:.0}/s</text>"#,
                    LEFT + wdt + 4.0,
                    top + BAR - 1.0
                );
            }
        }
        y += 2.0 * BAR + 8.0;
    }
    let h = y + 20.0;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="13" font-weight="bold">Spawn + wait of /usr/bin/true (log scale; dark: cold median, light: warm median, orange tick: p90)</text>
{grid}{body}</svg>
"##
    )
}
