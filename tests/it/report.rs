//! `dossier report` and the `report.html` a build writes: every quote highlighted where it is,
//! the article's text whole, every actor drawn, nothing fetched from elsewhere, the same bytes
//! every time; and, where Chromium is installed, the page as a browser renders it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use regex::Regex;

use crate::util::{
    Succeeds, add_fixture, built_bundled, dossier, fixtures, follow_ups_workspace, workspace_with,
};

/// The adversarial fixture (tabs, emoji before quotes, right-to-left text, a combining accent)
/// with a line of markup, quotes and a CRLF line end that one more quote covers.
fn built_adversarial_with_markup() -> tempfile::TempDir {
    let tmp = workspace_with(&fixtures().join("adversarial"));
    let article = tmp.path().join("seeds/tricky-text");
    let append = |file: &str, text: &str| {
        let path = article.join(file);
        let mut content = std::fs::read_to_string(&path).unwrap();
        content.push_str(text);
        std::fs::write(&path, content).unwrap();
    };
    append(
        "article.txt",
        "Markup <b>&amp;</b> & 'quotes'\r\n stays text.\n",
    );
    append(
        "facts.toml",
        "[[mentions.evidence]]\nquote = \"<b>&amp;</b> & 'quotes'\\r\\n stays\"\n\
         asserted_by = \"author\"\nmodality = \"possibility\"\n",
    );
    dossier(tmp.path()).arg("build").assert_success();
    tmp
}

/// `dossier report --out report.html` in `dir`, and the page it wrote.
fn report_of(dir: &Path) -> String {
    dossier(dir)
        .args(["report", "--out", "report.html"])
        .assert_success();
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

/// What the database says the page must show.
struct Expected {
    /// (evidence id, quote)
    evidence: Vec<(String, String)>,
    /// Pairs of evidence ids whose quotes share text (overlap or nest).
    sharing: Vec<(String, String)>,
    /// (article id, text)
    articles: Vec<(String, String)>,
    actors: Vec<String>,
}

fn expected(kb: &Path) -> Expected {
    let db = rusqlite::Connection::open(kb.join("dossier.sqlite")).unwrap();
    let pairs = |sql: &str| -> Vec<(String, String)> {
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let evidence = pairs("SELECT id, quote FROM evidence ORDER BY id");
    let sharing = pairs(
        "SELECT a.id, b.id FROM evidence a JOIN evidence b
           ON a.article_id = b.article_id AND a.id < b.id
          AND a.start_offset < b.end_offset AND b.start_offset < a.end_offset
         ORDER BY a.id, b.id",
    );
    let articles = pairs("SELECT id, text FROM articles ORDER BY id");
    let actors = pairs("SELECT id, name FROM actors ORDER BY id")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Expected {
        evidence,
        sharing,
        articles,
        actors,
    }
}

/// The text of an HTML fragment that holds only text and the entities the report writes.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
}

/// Each quote's highlighted text, read from the page's marks in order: a mark names every
/// quote that covers it.
fn highlighted(html: &str) -> BTreeMap<String, String> {
    let mark = Regex::new(r#"<mark [^>]*data-evidence="([^"]*)"[^>]*>([^<]*)</mark>"#).unwrap();
    let mut quotes: BTreeMap<String, String> = BTreeMap::new();
    for found in mark.captures_iter(html) {
        for id in found[1].split(' ') {
            quotes
                .entry(unescape(id))
                .or_default()
                .push_str(&unescape(&found[2]));
        }
    }
    quotes
}

/// Everything the page shows of the structure, checked against the database.
fn assert_page_shows(html: &str, expected: &Expected) {
    // Every quote is highlighted, exactly its text, in one or more marks.
    let quotes = highlighted(html);
    for (id, quote) in &expected.evidence {
        assert_eq!(quotes.get(id), Some(quote), "the marks of evidence '{id}'");
        assert!(
            html.contains(&format!(r#"<span class="anchor" id="ev-{id}"></span>"#)),
            "no anchor for evidence '{id}'"
        );
        assert!(
            html.contains(&format!(r##"href="#ev-{id}""##)),
            "no record links to evidence '{id}'"
        );
    }
    assert_eq!(quotes.len(), expected.evidence.len(), "{:?}", quotes.keys());
    // Text that two quotes share is one mark naming both.
    let named = Regex::new(r#"data-evidence="([^"]*)""#).unwrap();
    let marks: Vec<Vec<&str>> = named
        .captures_iter(html)
        .map(|c| c.get(1).unwrap().as_str().split(' ').collect())
        .collect();
    for (a, b) in &expected.sharing {
        assert!(
            marks
                .iter()
                .any(|ids| ids.contains(&a.as_str()) && ids.contains(&b.as_str())),
            "no mark names both '{a}' and '{b}', which share text"
        );
    }
    // The article's text is all there, character for character, around the marks.
    let tag = Regex::new("<[^>]*>").unwrap();
    for (id, text) in &expected.articles {
        let start = html
            .find(&format!(r#"<article id="article-{id}""#))
            .unwrap_or_else(|| panic!("no section for article '{id}'"));
        let body = &html[start..];
        let body = &body[body.find(r#"<div class="article-text""#).unwrap()..];
        let body = &body[body.find('>').unwrap() + 1..body.find("</div>").unwrap()];
        assert_eq!(
            &unescape(&tag.replace_all(body, "")),
            text,
            "article '{id}'"
        );
    }
    // Every actor is a node of the network's drawing.
    let network = &html[html.find(r#"<section id="network""#).unwrap()..];
    let svg = &network[network.find("<svg").unwrap()..network.find("</svg>").unwrap()];
    for id in &expected.actors {
        let node = Regex::new(&format!(
            r#"<g class="node [a-z]+" data-actor="{id}"><title>"#
        ))
        .unwrap();
        assert!(node.is_match(svg), "actor '{id}' is not in the network");
    }
    assert_loads_nothing(html);
}

/// Nothing is loaded from elsewhere: only links (<a href>) name other addresses; no script,
/// style sheet, frame or image.
fn assert_loads_nothing(html: &str) {
    let remote = Regex::new(
        r#"<([A-Za-z]+)\b[^>]*?\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?//"#,
    )
    .unwrap();
    for found in remote.captures_iter(html) {
        assert_eq!(&found[1], "a", "a resource from elsewhere: {}", &found[0]);
    }
    let css_remote = Regex::new(r#"(?i)url\(\s*["']?\s*(?:https?:)?//|@import"#).unwrap();
    assert!(!css_remote.is_match(html), "the CSS loads something");
    for element in ["<script", "<link", "<iframe", "<img", "<object", "<embed"] {
        assert!(!html.contains(element), "the page has {element}");
    }
}

#[test]
fn the_report_shows_every_quote_and_actor_and_loads_nothing() {
    let tmp = built_bundled();
    let html = report_of(tmp.path());
    let kb = tmp.path().join("kb");
    let expected = expected(&kb);
    assert!(expected.evidence.len() > 80 && expected.actors.len() > 10);
    // The article has nested quotes and crossing ones ("the attack on a Venezuelan boat that
    // killed 11 people", "killed 11 people without any evidence").
    assert!(expected.sharing.len() > 10, "{:?}", expected.sharing);
    assert_page_shows(&html, &expected);
    // The same bytes every time, and the page the build wrote.
    assert_eq!(report_of(tmp.path()), html);
    assert_eq!(
        std::fs::read_to_string(kb.join("report.html")).unwrap(),
        html
    );
}

#[test]
fn the_report_keeps_hostile_text_as_text() {
    let tmp = built_adversarial_with_markup();
    let html = report_of(tmp.path());
    assert_page_shows(&html, &expected(&tmp.path().join("kb")));
    assert!(
        !html.contains("<b>"),
        "markup of the article reached the page"
    );
    // The markup is text, and the CRLF of the article survives the HTML parser as a
    // reference (an apostrophe needs none: attribute values are in double quotes).
    assert!(html.contains("&lt;b&gt;&amp;amp;&lt;/b&gt; &amp; 'quotes'&#13;\n stays"));
}

#[test]
fn the_report_is_a_file_of_the_generation_that_check_verifies() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    assert_eq!(
        std::fs::read_link(kb.join("report.html")).unwrap(),
        Path::new("current/report.html")
    );
    // A page changed after the build is named by check, as any file of the generation.
    let page = std::fs::canonicalize(kb.join("report.html")).unwrap();
    let mut text = std::fs::read_to_string(&page).unwrap();
    text.push_str("<!-- changed -->");
    std::fs::write(&page, text).unwrap();
    let out = dossier(tmp.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("file report.html: not the file generation 1 wrote"),
        "{said}"
    );
    // --out onto the build's page is refused: it would change the generation.
    let out = dossier(tmp.path())
        .args(["report", "--out", "kb/report.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Debian's Chromium, or None where it is not installed (CI must have it).
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = std::process::Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed, and CI must render the report in a browser: install it \
             (apt-get install chromium; scripts/interop-check does as root)"
        );
        eprintln!("chromium is not installed: the report is not rendered here");
    }
    found
}

/// Runs headless Chromium on a file with `args`, with a fresh profile and nothing from the
/// network; returns its standard output.
fn run_chromium(chromium: &Path, page: &Path, args: &[&str]) -> String {
    run_chromium_on(chromium, &format!("file://{}", page.display()), args)
}

/// Runs headless Chromium on an address (a file, or a page of a server on loopback).
pub(crate) fn run_chromium_on(chromium: &Path, address: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(address)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium {args:?} failed: {status}");
    reader.join().unwrap().unwrap()
}

/// What the browser checks in the rendered page: each quote's marks have its modality's colour
/// (the legend's, not the browser's default yellow) and read as the quote, a mark shows its
/// records when focused, and each actor is a drawn node of the network.
const PROBE: &str = r#"
(() => {
  const problems = [];
  const texts = new Map();
  const transparent = c => c === 'transparent' || /^rgba\(.*,\s*0\)$/.test(c);
  for (const mark of document.querySelectorAll('mark[data-evidence]')) {
    const modality = [...mark.classList].find(c => c.startsWith('m-'));
    const swatch = document.querySelector('.legend .swatch.' + modality);
    const colour = getComputedStyle(mark).backgroundColor;
    if (!swatch || transparent(colour) || colour !== getComputedStyle(swatch).backgroundColor) {
      problems.push('not highlighted by modality: ' + mark.dataset.evidence + ' (' + colour + ')');
    }
    const box = mark.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) problems.push('not shown: ' + mark.dataset.evidence);
    for (const id of mark.dataset.evidence.split(' ')) {
      texts.set(id, (texts.get(id) || '') + mark.textContent);
    }
  }
  for (const [id, quote] of Object.entries(EXPECTED.evidence)) {
    if (texts.get(id) !== quote) problems.push('evidence ' + id + ' reads ' + JSON.stringify(texts.get(id)));
  }
  const first = document.querySelector('mark[data-evidence]');
  first.focus();
  if (document.activeElement !== first || !first.title.includes('asserted by')) {
    problems.push('a mark takes no focus or has no title: ' + first.title);
  } else if (first.matches(':focus')) {
    const tip = getComputedStyle(first, '::after').content;
    if (!tip.includes('asserted by')) problems.push('a focused mark shows no tooltip: ' + tip);
  } else {
    // A headless page that has not got the window's focus yet (a busy machine) matches no
    // :focus: the rule that shows the tooltip is read from the style sheet instead.
    const rules = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules]);
    const tooltip = rules.find(r => r.selectorText === 'mark:focus::after');
    if (!tooltip || tooltip.style.content !== 'attr(title)') {
      problems.push('no rule shows a focused mark\'s title');
    }
  }
  const svg = document.querySelector('#network svg');
  for (const id of EXPECTED.actors) {
    const node = svg.querySelector('.node[data-actor="' + CSS.escape(id) + '"]');
    const box = node && node.getBoundingClientRect();
    const circle = node && node.querySelector('circle');
    if (!node || box.width === 0 || transparent(getComputedStyle(circle).fill)
        || getComputedStyle(circle).fill === 'none') {
      problems.push('actor not drawn: ' + id);
    }
  }
  const verdict = document.createElement('pre');
  verdict.id = 'verdict';
  verdict.textContent = problems.length ? problems.join('\n') : 'ALL ' + texts.size + ' QUOTES HIGHLIGHTED';
  document.body.append(verdict);
})();
"#;

#[test]
fn chromium_renders_every_quote_highlighted_and_every_actor() {
    let Some(chromium) = chromium() else { return };
    let tmp = built_bundled();
    let html = report_of(tmp.path());
    let expected = expected(&tmp.path().join("kb"));

    // A screenshot: the page renders, and not blank.
    let shot = tmp.path().join("report.png");
    run_chromium(
        &chromium,
        &tmp.path().join("report.html"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (width, height) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((width, height), (1280, 2400));
    // A blank page of that size compresses to a few kilobytes; text and colour do not.
    assert!(
        png.len() > 60_000,
        "a nearly blank screenshot: {} bytes",
        png.len()
    );

    // The page with a probe appended, its verdict read back from the DOM.
    let evidence: serde_json::Map<String, serde_json::Value> = expected
        .evidence
        .iter()
        .map(|(id, quote)| (id.clone(), serde_json::json!(quote)))
        .collect();
    let data = serde_json::json!({"evidence": evidence, "actors": expected.actors});
    let script = format!(
        "<script>const EXPECTED = {};{PROBE}</script>",
        data.to_string().replace("</", "<\\/")
    );
    let probe = tmp.path().join("probe.html");
    std::fs::write(&probe, html.replace("</body>", &(script + "</body>"))).unwrap();
    let dom = run_chromium(
        &chromium,
        &probe,
        &["--dump-dom", "--virtual-time-budget=5000"],
    );
    let verdict = Regex::new(r#"(?s)<pre id="verdict">(.*?)</pre>"#)
        .unwrap()
        .captures(&dom)
        .map(|c| c[1].to_owned())
        .unwrap_or_else(|| panic!("the probe gave no verdict:\n{dom}"));
    assert_eq!(
        verdict,
        format!("ALL {} QUOTES HIGHLIGHTED", expected.evidence.len())
    );
}

/// The fields later articles state show every value with its source, quote and whether it is
/// current; each quote links to its mark in the article's text.
#[test]
fn the_report_shows_values_from_several_sources() {
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("build").assert_success();
    let html = std::fs::read_to_string(tmp.path().join("kb/report.html")).unwrap();
    let section = &html[html
        .find(r#"<section id="stated-values""#)
        .expect("the section")..];
    let section = &section[..section.find("</section>").unwrap()];
    let row = |id: &str| -> &str {
        let start = section
            .find(&format!(r#"<tr data-statement="{id}">"#))
            .unwrap_or_else(|| panic!("no row for {id}:\n{section}"));
        let rest = &section[start..];
        &rest[..rest.find("</tr>").unwrap()]
    };
    let old = row("high-level-group-against-drug-trafficking.status.rubio-visit-to-mexico-2025.1");
    let new = row("high-level-group-against-drug-trafficking.status.joint-communique-2025-09-04.1");
    assert!(
        old.contains("<td>announced</td><td>progression</td>"),
        "{old}"
    );
    assert!(
        new.contains("<td>established</td><td>✓</td>") && new.contains("(2025-09-04)"),
        "{new}"
    );
    // A stated row reads as its fields.
    let count =
        row("us-increase-southbound-inspections.quantities.security-group-first-meeting-readout.1");
    assert!(
        count.contains("<td>quantities</td><td>measure: ports of entry, value: 12</td><td>✓</td>"),
        "{count}"
    );
    // The quote links to its mark in the communiqué's text.
    let anchor = "ev-high-level-group-against-drug-trafficking.joint-communique-2025-09-04.1";
    assert!(new.contains(&format!(r##"href="#{anchor}""##)), "{new}");
    assert!(html.contains(&format!(r#"id="{anchor}""#)));
    // The bundled article alone states only the parties its agreements leave empty, as the
    // curator's inference; a knowledge base whose articles state nothing says so.
    let alone = built_bundled();
    let page = std::fs::read_to_string(alone.path().join("kb/report.html")).unwrap();
    let parties =
        r#"<tr data-statement="intelligence-sharing.parties.rubio-visit-to-mexico-2025.1">"#;
    let at = page.find(parties).expect("the parties' row");
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    assert!(
        row.contains("<td>parties</td><td>united-states <span class=\"basis-inferred\""),
        "{row}"
    );
    let mini = workspace_with(&fixtures().join("mini"));
    dossier(mini.path()).arg("build").assert_success();
    let page = std::fs::read_to_string(mini.path().join("kb/report.html")).unwrap();
    assert!(page.contains("No article states a value of a record's field."));
}

/// What the browser checks in the drawing: no label overlaps another or a node, every actor
/// kind drawn has its colour in the legend, and every actor linked by a relation, a role or an
/// event is reached by a drawn line.
const NETWORK_PROBE: &str = r#"
(() => {
  const problems = [];
  const svg = document.querySelector('#network svg[role="img"]');
  const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  for (const c of svg.querySelectorAll('circle')) boxes.push(['(a node)', c.getBoundingClientRect()]);
  const apart = (a, b) => a.right <= b.left + 1 || b.right <= a.left + 1
    || a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (!apart(boxes[i][1], boxes[j][1])) {
        problems.push('overlap: ' + boxes[i][0] + ' / ' + boxes[j][0]);
      }
    }
  }
  const kinds = new Set([...svg.querySelectorAll('.node')].map(n => [...n.classList].find(c => c !== 'node')));
  for (const kind of kinds) {
    const swatch = document.querySelector('.network-legend [data-kind="' + kind + '"] circle');
    const node = svg.querySelector('.node.' + kind + ' circle');
    if (!swatch || getComputedStyle(swatch).fill !== getComputedStyle(node).fill) {
      problems.push('no legend colour for ' + kind);
    }
  }
  for (const id of EXPECTED.linked) {
    const lines = [...svg.querySelectorAll(
      '.spoke[data-actor="' + id + '"] line, .edge[data-source="' + id + '"] line, .edge[data-target="' + id + '"] line')];
    if (!lines.some(l => l.getTotalLength() > 0)) problems.push('no line reaches ' + id);
  }
  const labelled = svg.querySelectorAll('g text').length;
  const verdict = document.createElement('pre');
  verdict.id = 'verdict';
  verdict.textContent = problems.length ? problems.join('\n') : 'LEGIBLE ' + labelled;
  document.body.append(verdict);
})();
"#;

#[test]
fn chromium_draws_a_legible_network_with_a_legend_and_events() {
    let Some(chromium) = chromium() else { return };
    let tmp = built_bundled();
    let html = report_of(tmp.path());
    // Actors an event, a relation or a role links (to anything drawn).
    let db = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let linked: Vec<String> = db
        .prepare(
            "SELECT actor_id FROM event_participants
             UNION SELECT r.object_id FROM relations r JOIN events e ON e.id = r.subject_id
               JOIN actors x ON x.id = r.object_id
             UNION SELECT source_id FROM actor_network UNION SELECT target_id FROM actor_network
             ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // The bundled article's Trump is linked only through the strike he ordered.
    assert!(linked.contains(&"donald-trump".to_owned()));
    let script = format!(
        "<script>const EXPECTED = {};{NETWORK_PROBE}</script>",
        serde_json::json!({ "linked": linked })
    );
    let probe = tmp.path().join("probe.html");
    std::fs::write(&probe, html.replace("</body>", &(script + "</body>"))).unwrap();
    let dom = run_chromium(
        &chromium,
        &probe,
        &[
            "--dump-dom",
            "--virtual-time-budget=5000",
            "--window-size=1280,2000",
        ],
    );
    let verdict = Regex::new(r#"(?s)<pre id="verdict">(.*?)</pre>"#)
        .unwrap()
        .captures(&dom)
        .map(|c| c[1].to_owned())
        .unwrap_or_else(|| panic!("the probe gave no verdict:\n{dom}"));
    assert!(verdict.starts_with("LEGIBLE "), "{verdict}");
    // The events are drawn, and the undated ones are listed in the article's order.
    assert!(html.contains("class=\"event\" data-event=\"venezuelan-boat-strike\""));
    let undated: Vec<&str> = Regex::new(r#"<ol class="undated"[^>]*>(?s)(.*?)</ol>"#)
        .unwrap()
        .captures(&html)
        .map(|c| c.get(1).unwrap().as_str())
        .into_iter()
        .flat_map(|list| list.split("data-event=\"").skip(1))
        .map(|item| item.split('"').next().unwrap())
        .collect();
    let by_offset: Vec<String> = db
        .prepare(
            "SELECT e.id FROM events e WHERE e.date IS NULL ORDER BY
               (SELECT min(start_offset) FROM evidence v WHERE v.record_id = e.id), e.id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(undated, by_offset);
    assert!(by_offset.len() >= 3, "{by_offset:?}");
}

/// A built corpus large enough that its one-page report passes the limit and its lists run
/// over several pages.
fn built_corpus(records: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::scale::generate(records, 3, &tmp.path().join("seeds"));
    dossier(tmp.path()).args(["build", "-q"]).assert_success();
    tmp
}

/// Every page of a site folder: (name relative to the folder, text).
fn site_pages(dir: &Path) -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(dir.join(&folder)).unwrap() {
            let entry = entry.unwrap();
            let name = folder.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                folders.push(name);
            } else {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                pages.insert(name.to_string_lossy().into_owned(), text);
            }
        }
    }
    pages
}

/// The page a relative link leads to from `page`, and its fragment.
fn resolve(page: &str, href: &str) -> (String, Option<String>) {
    let (path, fragment) = match href.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_owned())),
        None => (href, None),
    };
    if path.is_empty() {
        return (page.to_owned(), fragment);
    }
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for part in path.split('/') {
        match part {
            ".." => {
                parts.pop().expect("a link above the site's folder");
            }
            "." => {}
            part => parts.push(part),
        }
    }
    (parts.join("/"), fragment)
}

#[test]
fn the_site_bounds_every_page_links_only_within_itself_and_highlights_every_quote() {
    let tmp = built_corpus(3000);
    let kb = tmp.path().join("kb");
    let site = kb.join("report");
    assert_eq!(
        std::fs::read_link(&site).unwrap(),
        Path::new("current/report")
    );
    let pages = site_pages(&site);
    // The lists run over several pages at this size.
    assert!(
        pages.contains_key("kind/claim.2.html"),
        "{:?}",
        pages.keys()
    );

    // From the overview, every page is reached, and every link leads to a page of the site
    // (and to an element of it, for a link to a place in a page).
    let href = Regex::new(r#"<a [^>]*href="([^"]*)""#).unwrap();
    let id = Regex::new(r#" id="([^"]*)""#).unwrap();
    let mut reached = std::collections::BTreeSet::from(["index.html".to_owned()]);
    let mut queue = vec!["index.html".to_owned()];
    while let Some(page) = queue.pop() {
        for link in href.captures_iter(&pages[&page]) {
            let target = unescape(&link[1]);
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let (name, fragment) = resolve(&page, &target);
            let text = pages
                .get(&name)
                .unwrap_or_else(|| panic!("{page} links to {target}, which the site lacks"));
            if let Some(fragment) = fragment {
                assert!(
                    id.captures_iter(text).any(|c| c[1] == fragment),
                    "{page} links to {target}, which has no element '{fragment}'"
                );
            }
            if reached.insert(name.clone()) {
                queue.push(name);
            }
        }
    }
    let unreached: Vec<&String> = pages.keys().filter(|p| !reached.contains(*p)).collect();
    assert!(unreached.is_empty(), "no link leads to {unreached:?}");

    // Each actor's pages list as many links as the list of actors counts (an article an actor
    // issues among them), and every "page i of n" exists.
    let counted =
        Regex::new(r#"<tr data-actor="([^"]+)">.*?<td class="number">(\d+)</td>"#).unwrap();
    let mut issuer_rows = 0;
    for list in pages.keys().filter(|p| p.starts_with("actors.")) {
        for c in counted.captures_iter(&pages[list]) {
            let (actor, count) = (&c[1], c[2].parse::<usize>().unwrap());
            let own: Vec<&String> = pages
                .keys()
                .filter(|p| {
                    *p == &format!("actor/{actor}.html")
                        || (p.starts_with(&format!("actor/{actor}.")) && p.ends_with(".html"))
                })
                .collect();
            let rows: usize = own
                .iter()
                .map(|p| pages[*p].matches("<tr data-record=").count())
                .sum();
            assert_eq!(rows, count, "actor {actor}: {own:?}");
            assert_eq!(
                own.len(),
                count.div_ceil(500).max(1),
                "actor {actor}: {own:?}"
            );
            issuer_rows += own
                .iter()
                .map(|p| pages[*p].matches("<td>issuers</td>").count())
                .sum::<usize>();
        }
    }
    assert!(issuer_rows > 0, "no actor page lists an article it issues");

    // Every page is small whatever the knowledge base, and loads nothing.
    for (name, text) in &pages {
        assert!(
            text.len() <= 2 << 20,
            "{name} takes {} bytes, over 2 MiB",
            text.len()
        );
        assert_loads_nothing(text);
        assert!(text.contains("default-src 'none'"), "{name} has no policy");
    }

    // Every quote is highlighted in its article's page, exactly its text.
    let expected = expected(&kb);
    let mut quotes = BTreeMap::new();
    for (name, text) in pages.iter().filter(|(n, _)| n.starts_with("article/")) {
        let article = name
            .trim_start_matches("article/")
            .trim_end_matches(".html");
        for (evidence, quote) in highlighted(text) {
            assert_eq!(
                evidence.split('.').nth(1),
                Some(article),
                "{evidence} in {name}"
            );
            quotes.insert(evidence, quote);
        }
    }
    let wanted: BTreeMap<String, String> = expected.evidence.into_iter().collect();
    assert_eq!(quotes.len(), wanted.len());
    assert!(
        quotes == wanted,
        "a quote's highlight differs from the database"
    );

    // The one page would be larger than a browser opens well: it leads to the site.
    let one_page = std::fs::read_to_string(kb.join("report.html")).unwrap();
    assert!(one_page.len() < 20_000, "{}", one_page.len());
    assert!(one_page.contains(r#"href="report/index.html""#));
    // Asked for anyway, the page is refused as a usage problem, with the way to the site.
    let out = dossier(tmp.path())
        .args(["report", "-o", "page.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--site"));
    assert!(!tmp.path().join("page.html").exists());

    // `dossier report --site` writes the same pages, byte for byte; it keeps out of a folder
    // that holds something.
    dossier(tmp.path())
        .args(["report", "--site", "again"])
        .assert_success();
    assert!(site_pages(&tmp.path().join("again")) == pages);
    let out = dossier(tmp.path())
        .args(["report", "--site", "again"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // The site is part of the generation: no output is written over a page of it, check
    // verifies it, and names a changed page.
    let out = dossier(tmp.path())
        .args(["sql", "-o", "kb/report/index.html", "SELECT 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).unwrap(),
        pages["index.html"]
    );
    dossier(tmp.path()).arg("check").assert_success();
    let page = std::fs::canonicalize(site.join("kind/claim.2.html")).unwrap();
    std::fs::write(&page, "<p>changed</p>").unwrap();
    let out = dossier(tmp.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("file report: not the file generation 1 wrote"),
        "{said}"
    );
}

/// An article's page says who issued it and when, who published it, the language it is
/// translated from, its copies and what it is the text of: the metadata of issue 26, point 5.
#[test]
fn an_articles_page_says_who_issued_published_and_translated_it() {
    let tmp = follow_ups_workspace();
    add_fixture(tmp.path(), "joint-statement-text");
    dossier(tmp.path()).arg("build").assert_success();
    let about = |article: &str| -> String {
        let page = std::fs::read_to_string(
            tmp.path()
                .join("kb/report/article")
                .join(format!("{article}.html")),
        )
        .unwrap();
        let start = page
            .find("<p class=\"muted\">id ")
            .expect("the line under the title");
        page[start..start + page[start..].find("</p>").unwrap()].to_owned()
    };
    let communique = about("joint-communique-2025-09-04");
    assert!(
        communique.contains(
            " · issued by Mexico and United States on 2025-09-03 · published by US Department of State · "
        ),
        "{communique}"
    );
    assert!(
        communique.contains("<a href=\"https://example.org/sre/comunicado-conjunto-2025-09-04\">"),
        "{communique}"
    );
    let readout = about("security-group-first-meeting-readout");
    assert!(
        readout.contains("translated from <span lang=\"es\">es</span>"),
        "{readout}"
    );
    let text = about("us-mexico-joint-statement-text");
    assert!(
        text.contains(
            "the text of the event “A joint statement announces a high-level group against drug trafficking”"
        ),
        "{text}"
    );
    // The bundled article names none of them.
    let bundled = about("rubio-visit-to-mexico-2025");
    for absent in ["issued", "published by", "translated", "the text of"] {
        assert!(!bundled.contains(absent), "{bundled}");
    }
}
