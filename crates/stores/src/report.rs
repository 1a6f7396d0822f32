//! `report.html`: a built knowledge base as one self-contained page, read from its database.
//!
//! The page needs nothing but a browser: its CSS is inline, its charts are inline SVG or plain
//! HTML, and it has no script, font or image to fetch (links to a licence or an article's URL
//! are the only addresses, and they are links, not loads). It holds an overview (the knowledge
//! base's description and licence, records per kind and per article), each article's text with
//! every evidence span highlighted by modality, the actor network, the timeline of the events,
//! and the conditions. Everything is read through the database's tables and its documented
//! views, ordered explicitly, so the same database gives the same bytes.
//!
//! The HTML is written with maud's `html!`, which escapes every value it splices in, in text
//! and in attributes alike: what the database holds reaches the page as text, never as markup.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use oxsdatatypes::{Date, YearMonthDuration};
use rusqlite::Connection;

use crate::model::Modality;

/// Writes the report of the knowledge base whose database `conn` reads.
pub fn write(conn: &Connection, out: &mut impl Write) -> Result<()> {
    let about = KnowledgeBase::read(conn)?;
    let articles = read_articles(conn)?;
    emit(out, head(&about))?;
    emit(out, overview(conn, &about, &articles)?)?;
    // An article at a time: the page of a large archive is never whole in memory. So the
    // section around the articles is opened and closed here, as constant markup.
    emit(
        out,
        html! {
            (PreEscaped(r#"<section id="articles" aria-labelledby="articles-title">"#))
            h2 id="articles-title" { "Articles" }
            (modality_legend(conn)?)
        },
    )?;
    for article in &articles {
        emit(out, article_section(conn, article)?)?;
    }
    emit(
        out,
        html! {
            (PreEscaped("</section>"))
            (network(conn, None)?)
            (timeline(conn)?)
            (conditions(conn)?)
            (stated_values(conn)?)
            // Closes what `head` opened: constant markup.
            (PreEscaped("</main></body></html>\n"))
        },
    )
}

/// The largest one-page report: past a few megabytes a browser struggles to open a page, and
/// a larger knowledge base is read through the site (`site`).
pub const ONE_PAGE_MAX_BYTES: usize = 2 << 20;

/// The one-page report when it takes at most `max` bytes; None when it would be larger (the
/// writing stops there, so a large knowledge base costs no more than `max`).
pub fn one_page(conn: &Connection, max: usize) -> Result<Option<Vec<u8>>> {
    let mut page = Capped {
        bytes: Vec::new(),
        max,
        over: false,
    };
    match write(conn, &mut page) {
        Ok(()) => Ok(Some(page.bytes)),
        Err(_) if page.over => Ok(None),
        Err(e) => Err(e),
    }
}

/// A short page in place of a one-page report too large for a browser: it leads to the site
/// written beside it (`report/index.html`).
pub fn write_pointer(conn: &Connection, out: &mut impl Write, max: usize) -> Result<()> {
    let about = KnowledgeBase::read(conn)?;
    // The page's own head, without the one page's section links.
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head_element(&about.title))
            body {
                header { h1 { (about.title) } }
                main id="main" {
                    section id="overview" {
                        h2 { "This knowledge base is read as a site" }
                        p {
                            "Its report would take more than " (max >> 20) " MiB as one page, \
                             more than a browser opens comfortably. The same report is a site \
                             of small linked pages: open "
                            a href="report/index.html" { "report/index.html" } "."
                        }
                    }
                }
            }
        }
        "\n"
    };
    emit(out, page)
}

/// Bytes kept up to a limit; a write past it fails (and says so in `over`).
struct Capped {
    bytes: Vec<u8>,
    max: usize,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.max {
            self.over = true;
            return Err(std::io::Error::other("the page is larger than its limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn emit(out: &mut impl Write, html: Markup) -> Result<()> {
    out.write_all(html.0.as_bytes())
        .context("cannot write the report")
}

/// An article's words (its text, a quote) for the page: escaped by maud, with each carriage
/// return written as a reference: the HTML parser would turn a literal one into a line feed,
/// and the page's text must be the article's, code point for code point.
pub(crate) struct Verbatim<'a>(pub(crate) &'a str);

impl Render for Verbatim<'_> {
    fn render_to(&self, buffer: &mut String) {
        let mut pieces = self.0.split('\r');
        if let Some(first) = pieces.next() {
            first.render_to(buffer);
        }
        for piece in pieces {
            // Constant markup: the reference of a carriage return, which maud leaves raw.
            buffer.push_str("&#13;");
            piece.render_to(buffer);
        }
    }
}

/// A closed-list value as words: `reported_fact` is "reported fact".
pub(crate) fn words(value: &str) -> String {
    value.replace('_', " ")
}

/// The row of `knowledge_base`.
pub(crate) struct KnowledgeBase {
    pub(crate) title: String,
    pub(crate) license: Option<String>,
    pub(crate) description: Option<String>,
}

impl KnowledgeBase {
    pub(crate) fn read(conn: &Connection) -> Result<KnowledgeBase> {
        conn.query_row(
            "SELECT title, license, description FROM knowledge_base",
            [],
            |r| {
                Ok(KnowledgeBase {
                    title: r.get(0)?,
                    license: r.get(1)?,
                    description: r.get(2)?,
                })
            },
        )
        .context(
            "cannot read the knowledge base's title from the database: is it a dossier \
             database? Build one with `dossier build`",
        )
    }
}

/// An article without its text (read when its section is written).
pub(crate) struct Article {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) title_note: Option<String>,
    pub(crate) language: String,
    pub(crate) author: Option<String>,
    pub(crate) outlet: Option<String>,
    pub(crate) published: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) issued: Option<String>,
    /// The publisher's name.
    pub(crate) publisher: Option<String>,
    pub(crate) translated_from: Option<String>,
    pub(crate) char_count: i64,
    pub(crate) records: i64,
    pub(crate) quotes: i64,
}

pub(crate) fn read_articles(conn: &Connection) -> Result<Vec<Article>> {
    let mut stmt = conn.prepare(
        // Counted once for all articles: no index leads from an article to its records.
        "SELECT a.id, a.title, a.title_note, a.language, a.author, a.outlet, a.published, a.url,
                a.issued, p.name, a.translated_from, a.char_count, coalesce(r.n, 0),
                coalesce(e.n, 0)
         FROM articles a
         LEFT JOIN actors p ON p.id = a.publisher_id
         LEFT JOIN (SELECT article_id, count(*) AS n FROM records GROUP BY article_id) r
                ON r.article_id = a.id
         LEFT JOIN (SELECT article_id, count(*) AS n FROM evidence GROUP BY article_id) e
                ON e.article_id = a.id
         ORDER BY a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Article {
            id: r.get(0)?,
            title: r.get(1)?,
            title_note: r.get(2)?,
            language: r.get(3)?,
            author: r.get(4)?,
            outlet: r.get(5)?,
            published: r.get(6)?,
            url: r.get(7)?,
            issued: r.get(8)?,
            publisher: r.get(9)?,
            translated_from: r.get(10)?,
            char_count: r.get(11)?,
            records: r.get(12)?,
            quotes: r.get(13)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("cannot read the articles")
}

/// Rows of a query with no parameter, each made by `row`.
pub(crate) fn rows<T>(
    conn: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    rows_with(conn, sql, None, row)
}

/// Rows of a query whose `?1` is `param` (for the network, the JSON array of the actors drawn,
/// NULL for every actor, so that a drawing of a few actors reads only their links; for an
/// article's page, its id), each made by `row`.
fn rows_with<T>(
    conn: &Connection,
    sql: &str,
    param: Option<&str>,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let found = if stmt.parameter_count() == 0 {
        stmt.query_map([], row)?
    } else {
        stmt.query_map([param], row)?
    };
    found
        .collect::<rusqlite::Result<_>>()
        .with_context(|| format!("cannot read the report's data: {sql}"))
}

/// A link when `target` is a web address, the text otherwise.
pub(crate) fn link_or_text(target: &str) -> Markup {
    html! {
        @if target.starts_with("https://") || target.starts_with("http://") {
            a href=(target) { (target) }
        } @else {
            (target)
        }
    }
}

/// The licence line of an overview, a link when it is an address.
pub(crate) fn licence(about: &KnowledgeBase) -> Markup {
    html! {
        p {
            "Licence: "
            @match &about.license {
                Some(license) => (link_or_text(license)),
                None => "none given",
            }
        }
    }
}

/// Pieces of markup with `separator` between them.
fn joined(parts: &[Markup], separator: &str) -> Markup {
    html! {
        @for (i, part) in parts.iter().enumerate() {
            @if i > 0 { (separator) }
            (part)
        }
    }
}

pub(crate) const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --rule: #c8c8c8; --focus: #0b57d0;
  --reported_fact: #cfe3ff; --stated_position: #ffe0b0; --assessment: #e9d8ff;
  --recommendation: #cdeccd; --possibility: #ffd4e0; --inference: #e8e4d8;
  --unknown: #e2e2e2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header, main { max-width: 76rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1rem; border-bottom: 1px solid var(--rule); }
header h1 { margin: .2rem 0 .4rem; font-size: 1.7rem; }
nav ul { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; list-style: none; padding: 0;
  margin: .6rem 0 .8rem; }
a { color: #0a4fb4; }
a:visited { color: #5b2a9e; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: .5rem; top: -3rem; background: #fff; padding: .4rem .7rem;
  border: 2px solid var(--focus); z-index: 20; }
.skip:focus { top: .5rem; }
section { margin: 2rem 0; }
h2 { font-size: 1.4rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; }
h3 { font-size: 1.2rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1rem 0 .3rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .2rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .55rem; text-align: left;
  vertical-align: top; }
th { background: #f0f0f0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; list-style: none; padding: 0; }
.swatch { display: inline-block; width: 1.1em; height: 1.1em; vertical-align: -.15em;
  border: 1px solid #777; border-radius: 3px; margin-right: .35em; }
.article-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.05rem;
  line-height: 1.9; max-width: 60rem; padding: 1rem 1.2rem; border: 1px solid var(--rule);
  border-radius: 6px; background: #fcfcfc; }
mark { position: relative; color: inherit; padding: .1em 0; border-radius: 2px; cursor: help; }
mark.overlap { box-shadow: inset 0 -3px 0 #555; }
mark:focus-visible { outline-offset: 1px; }
mark:focus::after { content: attr(title); position: absolute; left: 0; top: calc(100% + .3rem);
  z-index: 10; width: max-content; max-width: 30rem; white-space: pre-line; background: #1a1a1a;
  color: #fff; padding: .4rem .6rem; border-radius: 4px; font-size: .85rem; line-height: 1.4; }
.anchor:target + mark { outline: 3px solid var(--focus); }
/* Several quotes may start at one place: the one linked to is marked whichever it is. */
.anchor:target::before { content: "\25B6"; color: var(--focus); font-size: .8em; }
.m-reported_fact { background: var(--reported_fact); }
.m-stated_position { background: var(--stated_position); }
.m-assessment { background: var(--assessment); }
.m-recommendation { background: var(--recommendation); }
.m-possibility { background: var(--possibility); }
/* The curator's inference, not the article's word: dashed, on a neutral ground. */
.m-inference { background: var(--inference); text-decoration: underline dashed #6b5d3a; }
/* A value only the curator's inference backs, wherever a value is listed. */
.basis-inferred { background: var(--inference); text-decoration: underline dashed #6b5d3a;
  font-size: .8rem; padding: 0 .3em; }
.m-unknown { background: var(--unknown); }
.records ul { margin: .2rem 0 .6rem; padding-left: 1.2rem; }
.records li { margin: .15rem 0; }
.kind { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.network svg { width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 6px;
  background: #fff; }
.network .edge line { stroke: #6b6b6b; stroke-width: 1.5; }
.network .edge text { font-size: 12px; fill: #333; paint-order: stroke; stroke: #fff;
  stroke-width: 4px; stroke-linejoin: round; }
.network .node circle { stroke: #1a1a1a; stroke-width: 1.5; }
.network .node text { font-size: 14px; fill: #111; paint-order: stroke; stroke: #fff;
  stroke-width: 4px; stroke-linejoin: round; }
.network .person circle { fill: #7fb2f0; }
.network .state circle { fill: #f2b36d; }
.network .organization circle { fill: #8fd18f; }
.network .group circle { fill: #c9a5ee; }
.network .event rect { fill: #fff; stroke: #444; stroke-width: 1.5; }
.network .event text, .network .spoke text { font-size: 12px; fill: #333; paint-order: stroke;
  stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.network .spoke line { stroke: #9a9a9a; stroke-width: 1.2; stroke-dasharray: 5 3; }
.network .network-legend svg { width: auto; height: auto; border: 0; border-radius: 0; }
.network-legend li { display: flex; align-items: center; gap: .35rem; font-size: .9rem; }
.timeline { list-style: none; padding: 0; margin: .5rem 0; }
.timeline li { display: grid; grid-template-columns: 8rem minmax(14rem, 2fr) 3fr; gap: 1rem;
  align-items: center; padding: .35rem 0; border-bottom: 1px solid #e6e6e6; }
.track { position: relative; height: 1.2rem; background: #f2f2f2; border-radius: 3px; }
.axis .track { background: none; height: 1.6rem; }
.tick { position: absolute; top: 0; border-left: 1px solid #888; padding-left: .2rem;
  font-size: .75rem; color: var(--muted); white-space: nowrap; }
.bar { position: absolute; top: .15rem; bottom: .15rem; background: #2f6fd0; border-radius: 3px;
  min-width: 6px; }
.bar.day { background: #1a4f9c; }
.bar.year { background: #7aa6e6; }
"#;

/// The `<head>` of the one page and of the page that points to the site.
fn head_element(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="generator" content="dossier";
            title { (title) }
            // The page's style sheet, a constant: maud would escape its quotes.
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// The page's start: its head, its title and the links to its sections, up to the `<main>`
/// that `write` closes after the last section.
fn head(about: &KnowledgeBase) -> Markup {
    let sections = [
        ("#overview", "Overview"),
        ("#articles", "Articles"),
        ("#network", "Actor network"),
        ("#timeline", "Timeline"),
        ("#conditions", "Conditions"),
        ("#stated-values", "Values from several sources"),
    ];
    html! {
        (DOCTYPE)
        // The elements the page's sections go in are opened here and closed by `write`,
        // which writes the sections one at a time: constant markup.
        (PreEscaped(r#"<html lang="en">"#))
        (head_element(&about.title))
        (PreEscaped("<body>"))
        a class="skip" href="#main" { "Skip to the content" }
        header {
            h1 { (about.title) }
            @if let Some(description) = &about.description {
                p { (description) }
            }
            nav aria-label="Sections" {
                ul {
                    @for (href, name) in sections {
                        li { a href=(href) { (name) } }
                    }
                }
            }
        }
        (PreEscaped(r#"<main id="main" tabindex="-1">"#))
    }
}

fn overview(conn: &Connection, about: &KnowledgeBase, articles: &[Article]) -> Result<Markup> {
    let kinds = rows(
        conn,
        "SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind",
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let quotes: i64 = conn.query_row("SELECT count(*) FROM evidence", [], |r| r.get(0))?;
    Ok(html! {
        section id="overview" aria-labelledby="overview-title" {
            h2 id="overview-title" { "Overview" }
            (licence(about))
            // Kinds across, so that the overview stays short.
            table {
                caption { "Records by kind" }
                thead {
                    tr {
                        td {}
                        @for (kind, _) in &kinds {
                            th scope="col" { (kind) }
                        }
                        th scope="col" { "quotes" }
                    }
                }
                tbody {
                    tr {
                        th scope="row" { "records" }
                        @for (_, count) in &kinds {
                            td class="number" { (count) }
                        }
                        td class="number" { (quotes) }
                    }
                }
            }
            table {
                caption { "Articles" }
                thead {
                    tr {
                        th scope="col" { "article" }
                        th scope="col" { "published" }
                        th scope="col" { "records" }
                        th scope="col" { "quotes" }
                    }
                }
                tbody {
                    @for article in articles {
                        tr {
                            th scope="row" {
                                a href={ "#article-" (article.id) } { (article.title) }
                            }
                            td { (article.published.as_deref().unwrap_or("unknown")) }
                            td class="number" { (article.records) }
                            td class="number" { (article.quotes) }
                        }
                    }
                }
            }
        }
    })
}

/// The colour key of the highlights, with how many quotes have each modality.
pub(crate) fn modality_legend(conn: &Connection) -> Result<Markup> {
    let used: BTreeMap<String, i64> = rows(
        conn,
        "SELECT modality, count(*) FROM evidence GROUP BY modality",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .into_iter()
    .collect();
    Ok(html! {
        p {
            "Each quote that supports a record is highlighted by how its asserter presents it; \
             a darker underline marks text that several quotes share. Hover over a highlight, \
             or reach it with the Tab key, to see its records."
        }
        ul class="legend" aria-label="Highlight colours by modality" {
            @for modality in Modality::VALUES {
                li {
                    span class={ "swatch m-" (modality) } aria-hidden="true" {}
                    (words(modality)) " (" (used.get(*modality).copied().unwrap_or(0)) ")"
                }
            }
        }
    })
}

/// The CSS class of a modality's highlight; a value this version does not know is grey.
pub(crate) fn modality_class(modality: &str) -> &str {
    if Modality::VALUES.contains(&modality) {
        modality
    } else {
        "unknown"
    }
}

/// One quote of an article, as `record_evidence` gives it.
struct Span {
    evidence: String,
    record: String,
    kind: String,
    label: String,
    /// Code points, end exclusive.
    start: usize,
    end: usize,
    quote: String,
    asserter: String,
    modality: String,
    /// Why the curator infers the record (inferences only).
    note: Option<String>,
}

impl Span {
    fn describe(&self) -> String {
        let mut text = format!(
            "{} ({} '{}'): {}, asserted by {}",
            self.label,
            self.kind,
            self.record,
            words(&self.modality),
            self.asserter
        );
        if let Some(note) = &self.note {
            text.push_str(&format!(" (not said in the text: {note})"));
        }
        text
    }
}

fn read_spans(conn: &Connection, article: &str) -> Result<Vec<Span>> {
    let mut stmt = conn.prepare(
        "SELECT evidence_id, record_id, kind, label, start_offset, end_offset, quote, asserter,
                modality, note
         FROM record_evidence WHERE article_id = ?1
         ORDER BY start_offset, end_offset DESC, evidence_id",
    )?;
    let offset = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<usize> {
        let value: i64 = r.get(i)?;
        usize::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, value))
    };
    let spans = stmt.query_map([article], |r| {
        Ok(Span {
            evidence: r.get(0)?,
            record: r.get(1)?,
            kind: r.get(2)?,
            label: r.get(3)?,
            start: offset(r, 4)?,
            end: offset(r, 5)?,
            quote: r.get(6)?,
            asserter: r.get(7)?,
            modality: r.get(8)?,
            note: r.get(9)?,
        })
    })?;
    spans
        .collect::<rusqlite::Result<_>>()
        .with_context(|| format!("cannot read the evidence of the article '{article}'"))
}

fn article_section(conn: &Connection, article: &Article) -> Result<Markup> {
    let id = &article.id;
    Ok(html! {
        article id={ "article-" (id) } aria-labelledby={ "title-" (id) } {
            h3 id={ "title-" (id) } { (article.title) }
            (article_body(conn, article)?)
        }
    })
}

/// What comes under an article's title: its note, what it is (author, outlet, date, size)
/// and its address, its text with every quote highlighted, and its records.
pub(crate) fn article_body(conn: &Connection, article: &Article) -> Result<Markup> {
    let text: String = conn.query_row(
        "SELECT text FROM articles WHERE id = ?1",
        [&article.id],
        |r| r.get(0),
    )?;
    let spans = read_spans(conn, &article.id)?;
    let mut about = vec![html! { "id " (article.id) }];
    for (what, value) in [
        ("by", &article.author),
        ("in", &article.outlet),
        ("published", &article.published),
    ] {
        if let Some(value) = value {
            about.push(html! { (what) " " (value) });
        }
    }
    about.extend(provenance(conn, article)?);
    about.push(html! {
        (article.char_count) " characters, " (article.records) " records, "
        (article.quotes) " quotes"
    });
    let copies: Vec<String> = rows_with(
        conn,
        "SELECT url FROM article_copies WHERE article_id = ?1 ORDER BY url",
        Some(&article.id),
        |r| r.get(0),
    )?;
    Ok(html! {
        @if let Some(note) = &article.title_note {
            p class="muted" { (note) }
        }
        p class="muted" {
            (joined(&about, " · "))
            @for url in article.url.iter().chain(&copies) {
                " · " (link_or_text(url))
            }
        }
        // The article's own language, which may not be the page's.
        div class="article-text" lang=(article.language) {
            (highlighted_text(&article.id, &text, &spans)?)
        }
        (records_list(&spans))
    })
}

/// Who issued and published an article, when it was issued, the language it is translated
/// from and what it is the text of, for the line under its title.
fn provenance(conn: &Connection, article: &Article) -> Result<Vec<Markup>> {
    let mut out = Vec::new();
    let issuers: Vec<String> = rows_with(
        conn,
        "SELECT x.name FROM article_issuers i JOIN actors x ON x.id = i.actor_id \
         WHERE i.article_id = ?1 ORDER BY x.name",
        Some(&article.id),
        |r| r.get(0),
    )?;
    if !issuers.is_empty() || article.issued.is_some() {
        out.push(html! {
            "issued"
            @if !issuers.is_empty() { " by " (issuers.join(" and ")) }
            @if let Some(date) = &article.issued { " on " (date) }
        });
    }
    if let Some(publisher) = &article.publisher {
        out.push(html! { "published by " (publisher) });
    }
    if let Some(language) = &article.translated_from {
        out.push(html! { "translated from " span lang=(language) { (language) } });
    }
    for (kind, label) in rows_with(
        conn,
        "SELECT r.kind, r.label FROM article_text_of t JOIN records r ON r.id = t.record_id \
         WHERE t.article_id = ?1 ORDER BY r.label",
        Some(&article.id),
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )? {
        out.push(html! { "the text of the " (kind) " “" (label) "”" });
    }
    Ok(out)
}

/// The article's text cut at every start and end of a quote: each piece is one `<mark>` naming
/// every quote that covers it (so overlapping and nested quotes need no nested elements), and
/// an empty anchor `ev-<evidence id>` before the piece where a quote starts.
fn highlighted_text(article: &str, text: &str, spans: &[Span]) -> Result<Markup> {
    // Offsets count code points; the text is sliced at byte positions.
    let byte_at: Vec<usize> = text
        .char_indices()
        .map(|(at, _)| at)
        .chain([text.len()])
        .collect();
    let length = byte_at.len() - 1;
    for span in spans {
        let quoted = (span.start < span.end && span.end <= length)
            .then(|| &text[byte_at[span.start]..byte_at[span.end]]);
        if quoted != Some(span.quote.as_str()) {
            bail!(
                "the quote of evidence '{}' is not the text of the article '{article}' at code \
                 points {}..{}: the database was changed after its build; `dossier check` says \
                 more, and `dossier build` writes it anew",
                span.evidence,
                span.start,
                span.end
            );
        }
    }
    let mut cuts: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
    cuts.extend([0, length]);
    cuts.sort_unstable();
    cuts.dedup();
    // Spans are sorted by start: the ones covering a piece are among those started by its end.
    let mut started = 0;
    let mut covering: Vec<&Span> = Vec::new();
    let mut html = Markup::default();
    for piece in cuts.windows(2) {
        let (from, to) = (piece[0], piece[1]);
        covering.retain(|s| s.end > from);
        while started < spans.len() && spans[started].start == from {
            let span = &spans[started];
            html! { span class="anchor" id={ "ev-" (span.evidence) } {} }.render_to(&mut html.0);
            covering.push(span);
            started += 1;
        }
        let piece_text = Verbatim(&text[byte_at[from]..byte_at[to]]);
        if covering.is_empty() {
            piece_text.render_to(&mut html.0);
            continue;
        }
        // The innermost quote (the shortest) gives the colour, what the article says before what
        // the curator infers from it; the title lists them all.
        let inferred = |s: &Span| s.modality == "inference";
        covering.sort_by(|a, b| {
            (inferred(a), a.end - a.start, a.start, &a.evidence).cmp(&(
                inferred(b),
                b.end - b.start,
                b.start,
                &b.evidence,
            ))
        });
        let mut records: Vec<&str> = Vec::new();
        for s in &covering {
            if !records.contains(&s.record.as_str()) {
                records.push(&s.record);
            }
        }
        let evidence: Vec<&str> = covering.iter().map(|s| s.evidence.as_str()).collect();
        let title: Vec<String> = covering.iter().map(|s| s.describe()).collect();
        html! {
            mark class={
                    "m-" (modality_class(&covering[0].modality))
                    @if covering.len() > 1 { " overlap" }
                }
                data-evidence=(evidence.join(" ")) data-record=(records.join(" ")) tabindex="0"
                title=(title.join("\n")) { (piece_text) }
        }
        .render_to(&mut html.0);
    }
    Ok(html)
}

/// The records an article gives evidence for, by kind, each with links to its quotes.
fn records_list(spans: &[Span]) -> Markup {
    const SHOWN: usize = 60;
    let mut by_kind: BTreeMap<&str, BTreeMap<(&str, &str), Vec<&Span>>> = BTreeMap::new();
    for span in spans {
        by_kind
            .entry(&span.kind)
            .or_default()
            .entry((&span.label, &span.record))
            .or_default()
            .push(span);
    }
    let shown = |quote: &str| {
        let mut shown: String = quote.chars().take(SHOWN).collect();
        if quote.chars().nth(SHOWN).is_some() {
            shown.push('…');
        }
        shown
    };
    html! {
        details class="records" open {
            summary {
                "Records with evidence in this article ("
                (by_kind.values().map(BTreeMap::len).sum::<usize>()) ")"
            }
            @for (kind, records) in &by_kind {
                h4 { (kind) " (" (records.len()) ")" }
                ul {
                    @for ((label, record), quotes) in records {
                        li data-record=(record) {
                            (label) " " span class="kind" { (record) } " —"
                            @for span in quotes {
                                " "
                                a href={ "#ev-" (span.evidence) } {
                                    span class={ "swatch m-" (modality_class(&span.modality)) }
                                        aria-hidden="true" {}
                                    "“" (Verbatim(&shown(&span.quote))) "”"
                                }
                                " "
                                span class="muted" {
                                    "(" (words(&span.modality)) ", " (span.asserter) ")"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One link between two actors, from the record that makes it.
struct Link {
    from: String,
    to: String,
    /// From subject to object (a relation, a role, a policy), or between equals (an agreement's
    /// parties, an event's participants).
    directed: bool,
    /// Drawn as a short label on the line.
    short: String,
    /// The whole sentence, in the line's tooltip and the list of links.
    long: String,
}

/// The links between actors, by pair (the lesser id first): one line per pair, whatever the
/// links' directions, so that lines never lie on one another.
type Links = BTreeMap<(String, String), Vec<Link>>;

/// Whether an actor column is among the drawn actors (`?1`, NULL for all).
const AMONG: &str = "IN (SELECT value FROM json_each(?1))";

/// A link under its pair of actors, the pair in id order whichever way the link points.
fn add_link(links: &mut Links, from: String, to: String, directed: bool, words: (String, String)) {
    let pair = if from <= to {
        (from.clone(), to.clone())
    } else {
        (to.clone(), from.clone())
    };
    let (short, long) = words;
    links.entry(pair).or_default().push(Link {
        from,
        to,
        directed,
        short,
        long,
    });
}

fn read_links(conn: &Connection, actors: Option<&str>) -> Result<Links> {
    let mut links: Links = BTreeMap::new();
    let mut add = |from: String, to: String, directed: bool, short: String, long: String| {
        add_link(&mut links, from, to, directed, (short, long));
    };
    // Relations between two actors, and roles (holder → organisation).
    for (from, source, relation, to, target, via) in rows_with(
        conn,
        &format!(
            "SELECT source_id, source, relation, target_id, target, via_record_id FROM actor_network
             WHERE ?1 IS NULL OR (source_id {AMONG} AND target_id {AMONG})
             ORDER BY source_id, target_id, relation, via_record_id"
        ),
        actors,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        },
    )? {
        let short = words(&relation);
        let long = format!("{source} {short} {target} ({via})");
        add(from, to, true, short, long);
    }
    // Who issues a policy and whom it targets.
    for (from, to, kind, label, id) in rows_with(
        conn,
        &format!(
            "SELECT p.issuer_id, t.actor_id, p.kind, p.label, p.id
             FROM policies p JOIN policy_targets t ON t.policy_id = p.id
             WHERE p.issuer_id IS NOT NULL
               AND (?1 IS NULL OR (p.issuer_id {AMONG} AND t.actor_id {AMONG}))
             ORDER BY p.issuer_id, t.actor_id, p.id"
        ),
        actors,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        },
    )? {
        let long = format!(
            "{label} ({}, {id}): issued by {from}, targets {to}",
            words(&kind)
        );
        add(from, to, true, words(&kind), long);
    }
    // Actors together in one record: parties to an agreement, the makers of a joint commitment.
    // Each pair once per record, in id order. (Events are nodes of their own: `event_spokes`.)
    for (what, sql) in [
        (
            "agreement",
            "SELECT DISTINCT a.actor_id, b.actor_id, x.label, x.id
             FROM agreement_parties a
             JOIN agreement_parties b ON b.agreement_id = a.agreement_id AND a.actor_id < b.actor_id
             JOIN agreements x ON x.id = a.agreement_id",
        ),
        (
            "commitment",
            "SELECT DISTINCT a.actor_id, b.actor_id, x.label, x.id
             FROM commitment_actors a
             JOIN commitment_actors b
               ON b.commitment_id = a.commitment_id AND a.actor_id < b.actor_id
             JOIN commitments x ON x.id = a.commitment_id",
        ),
    ] {
        let sql = format!(
            "{sql} WHERE ?1 IS NULL OR (a.actor_id {AMONG} AND b.actor_id {AMONG})
             ORDER BY a.actor_id, b.actor_id, x.id"
        );
        for (from, to, label, id) in rows_with(conn, &sql, actors, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })? {
            let long = format!("{what}: {label} ({id}), with {from} and {to}");
            add(from, to, false, what.to_owned(), long);
        }
    }
    Ok(links)
}

/// The short labels of a line: each once, with how many records repeat it.
fn line_label(links: &[Link]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for link in links {
        match counted.iter_mut().find(|(short, _)| *short == link.short) {
            Some((_, n)) => *n += 1,
            None => counted.push((&link.short, 1)),
        }
    }
    let parts: Vec<String> = counted
        .iter()
        .map(|(short, n)| match n {
            1 => (*short).to_owned(),
            n => format!("{short} ×{n}"),
        })
        .collect();
    parts.join(", ")
}

/// An event drawn in the network, with the actors it links: its participants (with their
/// roles) and the actors of relations between it and an actor ("ordered by").
struct EventNode {
    id: String,
    label: String,
    /// (actor, words on the spoke, whole sentence).
    spokes: Vec<(String, String, String)>,
}

fn event_spokes(conn: &Connection, actors: Option<&str>) -> Result<Vec<EventNode>> {
    let mut events: BTreeMap<String, EventNode> = BTreeMap::new();
    for (event, label, actor, link, sentence) in rows_with(
        conn,
        &format!(
            "SELECT * FROM (
             SELECT p.event_id, e.label, p.actor_id, p.role, x.name || ' (' || p.role || ')'
             FROM event_participants p JOIN events e ON e.id = p.event_id
             JOIN actors x ON x.id = p.actor_id
             UNION ALL
             SELECT e.id, e.label, x.id, r.predicate,
                    r.predicate || ': ' || x.name || ' (' || r.id || ')'
             FROM relations r JOIN events e ON e.id = r.subject_id JOIN actors x ON x.id = r.object_id
             UNION ALL
             SELECT e.id, e.label, x.id, r.predicate,
                    x.name || ' ' || r.predicate || ' (' || r.id || ')'
             FROM relations r JOIN events e ON e.id = r.object_id JOIN actors x ON x.id = r.subject_id
             ) WHERE ?1 IS NULL OR actor_id {AMONG}
             ORDER BY 1, 3, 4, 5"
        ),
        actors,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        },
    )? {
        events
            .entry(event.clone())
            .or_insert_with(|| EventNode {
                id: event,
                label,
                spokes: Vec::new(),
            })
            .spokes
            .push((actor, words(&link), sentence));
    }
    Ok(events.into_values().collect())
}

/// An axis-aligned box a label takes, for keeping labels apart.
#[derive(Clone, Copy)]
struct Box2 {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Box2 {
    /// The box of a text `chars` long in a font of `size` px, centred on (x, y) and turned by
    /// `degrees`. The width per character is a little over a sans-serif's widest average, so
    /// that the drawn text fits inside.
    fn of_text(x: f64, y: f64, chars: usize, size: f64, degrees: f64) -> Box2 {
        let (w, h) = (chars as f64 * size * 0.62 + 4.0, size + 4.0);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (bw, bh) = (
            (w * cos).abs() + (h * sin).abs(),
            (w * sin).abs() + (h * cos).abs(),
        );
        Box2 {
            x0: x - bw / 2.0,
            y0: y - bh / 2.0,
            x1: x + bw / 2.0,
            y1: y + bh / 2.0,
        }
    }

    fn around(x: f64, y: f64, r: f64) -> Box2 {
        Box2 {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }

    fn overlaps(&self, other: &Box2) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// Where labels already are: a label goes only where it overlaps none of them.
#[derive(Default)]
struct Placed(Vec<Box2>);

impl Placed {
    /// Takes `b` when it overlaps nothing placed; says whether it did.
    fn claim(&mut self, b: Box2) -> bool {
        let free = !self.0.iter().any(|p| p.overlaps(&b));
        if free {
            self.0.push(b);
        }
        free
    }
}

/// A label's text shortened to `max` characters.
pub(crate) fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// The angle (degrees) at which a label runs along a line, never upside down.
fn along(dx: f64, dy: f64) -> f64 {
    let degrees = dy.atan2(dx).to_degrees();
    if degrees > 90.0 {
        degrees - 180.0
    } else if degrees <= -90.0 {
        degrees + 180.0
    } else {
        degrees
    }
}

/// Places a line's label at the first point along it (middle first) where it overlaps no
/// label or node placed before; None when the line has no such room (its words stay in the
/// tooltip and the list below the drawing).
fn place_on_line(
    placed: &mut Placed,
    (ax, ay): (f64, f64),
    (bx, by): (f64, f64),
    text: &str,
) -> Option<(f64, f64, f64)> {
    let degrees = along(bx - ax, by - ay);
    for t in [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78] {
        let (x, y) = (ax + (bx - ax) * t, ay + (by - ay) * t);
        if placed.claim(Box2::of_text(x, y, text.chars().count(), 12.0, degrees)) {
            return Some((x, y, degrees));
        }
    }
    None
}

/// A line's words where `place_on_line` put them, if it found room.
fn line_text(at: Option<(f64, f64, f64)>, words_on: &str) -> Markup {
    html! {
        @if let Some((x, y, degrees)) = at {
            text x=(format_args!("{x:.1}")) y=(format_args!("{y:.1}")) text-anchor="middle"
                dominant-baseline="central"
                transform=(format_args!("rotate({degrees:.1} {x:.1} {y:.1})")) { (words_on) }
        }
    }
}

/// A line's tooltip names this many of its links, then how many more.
const TITLE_LINKS: usize = 12;

/// The part of a large network that is drawn: the actors most records link, the events that
/// most join two of them, each actor linked to its page.
pub(crate) struct Focus {
    pub(crate) actors: std::collections::BTreeSet<String>,
    /// How many actors the whole network has.
    pub(crate) of: usize,
    pub(crate) max_events: usize,
    /// How many links between actors the list below the drawing shows.
    pub(crate) max_listed: usize,
    /// The address of an actor's page.
    pub(crate) actor_page: fn(&str) -> String,
}

impl Focus {
    fn narrow(
        &self,
        actors: &mut Vec<(String, String, String)>,
        links: &mut Links,
        events: &mut Vec<EventNode>,
    ) {
        actors.retain(|(id, _, _)| self.actors.contains(id));
        links.retain(|(a, b), _| self.actors.contains(a) && self.actors.contains(b));
        for event in events.iter_mut() {
            event
                .spokes
                .retain(|(actor, _, _)| self.actors.contains(actor));
        }
        events.retain(|e| {
            let mut joined: Vec<&str> = e.spokes.iter().map(|(a, _, _)| a.as_str()).collect();
            joined.sort_unstable();
            joined.dedup();
            joined.len() >= 2
        });
        // The events with the most spokes; the drawing keeps id order.
        events.sort_by(|a, b| b.spokes.len().cmp(&a.spokes.len()).then(a.id.cmp(&b.id)));
        events.truncate(self.max_events);
        events.sort_by(|a, b| a.id.cmp(&b.id));
    }
}

/// The actors on a circle in id order (so the layout depends on nothing but the data), the
/// events that link them inside it, near their actors, with a line for each pair of actors
/// some record links and a dashed spoke from each event to its actors; the same links as a
/// list. Labels are placed where they overlap nothing, or left to the tooltip.
pub(crate) fn network(conn: &Connection, focus: Option<&Focus>) -> Result<Markup> {
    let mut actors = rows(conn, "SELECT id, name, kind FROM actors ORDER BY id", |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    // Only the drawn actors' links are read: a few actors of an archive have few.
    let among = focus.map(|f| serde_json::Value::from_iter(f.actors.iter().cloned()).to_string());
    let mut links = read_links(conn, among.as_deref())?;
    let mut events = event_spokes(conn, among.as_deref())?;
    if let Some(focus) = focus {
        focus.narrow(&mut actors, &mut links, &mut events);
    }
    Ok(html! {
        section id="network" class="network" aria-labelledby="network-title" {
            (network_intro(actors.len(), events.len(), focus))
            (drawing(&actors, &links, &events, focus))
            (network_legend(&actors))
            (network_list(&actors, &links, &events, focus))
        }
    })
}

/// The network's drawing: the nodes' places, then the labels' (each where it overlaps
/// nothing), then the SVG.
fn drawing(
    actors: &[(String, String, String)],
    links: &Links,
    events: &[EventNode],
    focus: Option<&Focus>,
) -> Markup {
    let count = actors.len().max(1) as f64;
    // About 34 units of circumference per actor, and room beside the circle for the names.
    let radius = (34.0 * count / std::f64::consts::TAU).max(250.0);
    // Names left and right of the circle need about 8.7 units a character at 14px.
    let longest_name = actors
        .iter()
        .map(|(_, name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let (margin_x, margin_y) = (30.0 + 8.7 * longest_name as f64, 40.0);
    let (width, height) = (2.0 * (radius + margin_x), 2.0 * (radius + margin_y));
    let (cx, cy) = (width / 2.0, height / 2.0);
    let node_radius = 9.0;
    let position: BTreeMap<&str, (f64, f64, f64)> = actors
        .iter()
        .enumerate()
        .map(|(i, (id, _, _))| {
            let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / count;
            (
                id.as_str(),
                (cx + radius * angle.cos(), cy + radius * angle.sin(), angle),
            )
        })
        .collect();
    let event_position = event_positions(events, &position, (cx, cy), radius * 0.55);

    // Labels first placed win: actors' names, then events' labels, then the lines' words.
    let mut placed = Placed::default();
    let mut name_labels = Vec::new();
    for (id, name, _) in actors {
        let (x, y, angle) = position[id.as_str()];
        let (lx, ly) = place_name(&mut placed, (x, y, angle), name, node_radius);
        name_labels.push((lx, ly));
    }
    // Event nodes hold their place before any label is placed.
    for i in 0..events.len() {
        let (x, y) = event_position[&i];
        placed.0.push(Box2::around(x, y, 9.0));
    }
    // The lines between actors, with their labels: placed before the events' labels.
    let edges = place_edges(&mut placed, links, &position, node_radius);
    let mut event_labels = Vec::new();
    for (i, event) in events.iter().enumerate() {
        event_labels.push(place_event_label(
            &mut placed,
            event_position[&i],
            &event.label,
        ));
    }

    // The spokes' labels last.
    let spokes = place_spokes(&mut placed, events, &event_position, &position);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format_args!("0 0 {width:.0} {height:.0}"))
            style=(format_args!("max-width: {width:.0}px")) role="img"
            aria-labelledby="network-title" {
            defs {
                marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
                    markerHeight="7" orient="auto-start-reverse" {
                    path d="M0,0 L10,5 L0,10 z" fill="#6b6b6b" {}
                }
            }
            // Spokes under the lines between actors, all under the nodes.
            @for spoke in &spokes { (spoke) }
            @for edge in &edges { (edge) }
            @for (i, event) in events.iter().enumerate() {
                (event_node(event, event_position[&i], &event_labels[i]))
            }
            @for (actor, label) in actors.iter().zip(&name_labels) {
                @let (x, y, _) = position[actor.0.as_str()];
                (actor_node(actor, (x, y), *label, node_radius, focus))
            }
        }
    }
}

/// The lines between actors (`position`: each actor's centre and angle), each with its label
/// where it finds room; an actor linked to itself is only listed, not drawn.
fn place_edges<'a>(
    placed: &mut Placed,
    links: &'a Links,
    position: &BTreeMap<&str, (f64, f64, f64)>,
    node_radius: f64,
) -> Vec<Edge<'a>> {
    let mut edges = Vec::new();
    for ((from, to), between) in links {
        let (Some(&(x1, y1, _)), Some(&(x2, y2, _))) =
            (position.get(from.as_str()), position.get(to.as_str()))
        else {
            continue;
        };
        let (dx, dy) = (x2 - x1, y2 - y1);
        let length = (dx * dx + dy * dy).sqrt();
        if length < 1.0 {
            continue;
        }
        let (ux, uy) = (dx / length, dy / length);
        let a = (x1 + ux * node_radius, y1 + uy * node_radius);
        let b = (x2 - ux * (node_radius + 2.0), y2 - uy * (node_radius + 2.0));
        let text = line_label(between);
        let label = place_on_line(placed, a, b, &text);
        edges.push(Edge {
            from,
            to,
            between,
            a,
            b,
            text,
            label,
        });
    }
    edges
}

/// The lines from each event to its participants, each with its words where they find room.
fn place_spokes<'a>(
    placed: &mut Placed,
    events: &'a [EventNode],
    event_position: &BTreeMap<usize, (f64, f64)>,
    position: &BTreeMap<&str, (f64, f64, f64)>,
) -> Vec<Spoke<'a>> {
    let mut spokes = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let (ex, ey) = event_position[&i];
        for (actor, words_on, sentence) in &event.spokes {
            let Some(&(x, y, _)) = position.get(actor.as_str()) else {
                continue;
            };
            let label = place_on_line(placed, (ex, ey), (x, y), words_on);
            spokes.push(Spoke {
                event,
                from: (ex, ey),
                actor,
                to: (x, y),
                words_on,
                sentence,
                label,
            });
        }
    }
    spokes
}

/// A line between two actors: the links it stands for, its ends, and its label where it found
/// room.
struct Edge<'a> {
    from: &'a str,
    to: &'a str,
    between: &'a [Link],
    a: (f64, f64),
    b: (f64, f64),
    text: String,
    label: Option<(f64, f64, f64)>,
}

impl Render for Edge<'_> {
    /// The line, with arrows at the ends links point to and their sentences as its tooltip.
    fn render(&self) -> Markup {
        let Edge {
            from,
            to,
            between,
            a: (ax, ay),
            b: (bx, by),
            text,
            label,
        } = self;
        let points = |from_end: &str| {
            between
                .iter()
                .any(|l| l.directed && l.to != l.from && l.to == from_end)
        };
        let arrow = |at_end: bool| at_end.then_some("url(#arrow)");
        let mut title: Vec<&str> = between
            .iter()
            .take(TITLE_LINKS)
            .map(|l| l.long.as_str())
            .collect();
        let more = between
            .len()
            .checked_sub(TITLE_LINKS)
            .filter(|n| *n > 0)
            .map(|n| format!("and {n} more"));
        title.extend(more.as_deref());
        html! {
            g class="edge" data-source=(from) data-target=(to) {
                title { (title.join("\n")) }
                line x1=(format_args!("{ax:.1}")) y1=(format_args!("{ay:.1}"))
                    x2=(format_args!("{bx:.1}")) y2=(format_args!("{by:.1}"))
                    marker-start=[arrow(points(from))] marker-end=[arrow(points(to))] {}
                (line_text(*label, text))
            }
        }
    }
}

/// A name's place beside its node: along the node's angle, the nearest spot where the name's
/// box clears the node; the name and the node then hold their boxes.
fn place_name(
    placed: &mut Placed,
    (x, y, angle): (f64, f64, f64),
    name: &str,
    node_radius: f64,
) -> (f64, f64) {
    let label = Box2::of_text(0.0, 0.0, name.chars().count(), 14.0, 0.0);
    let (w, h) = (label.x1 - label.x0, label.y1 - label.y0);
    // Along the node's angle, the nearest place where the label's box clears the node.
    let (sin, cos) = angle.sin_cos();
    let clear = |d: f64| {
        let (bx, by) = (cos * d, sin * d);
        let nearest_x = (bx.abs() - w / 2.0).max(0.0);
        let nearest_y = (by.abs() - h / 2.0).max(0.0);
        nearest_x.hypot(nearest_y) >= node_radius + 3.0
    };
    let mut d = node_radius + 3.0;
    while !clear(d) {
        d += 1.0;
    }
    let (lx, ly) = (x + cos * d, y + sin * d);
    placed
        .0
        .push(Box2::of_text(lx, ly, name.chars().count(), 14.0, 0.0));
    placed.0.push(Box2::around(x, y, node_radius + 2.0));
    (lx, ly)
}

/// An event's label (shortened) below, above, right or left of its diamond: the first spot
/// with room, or none.
fn place_event_label(
    placed: &mut Placed,
    (x, y): (f64, f64),
    label: &str,
) -> Option<((f64, f64), String)> {
    let text = shortened(label, 32);
    let chars = text.chars().count();
    let half_width = Box2::of_text(0.0, 0.0, chars, 12.0, 0.0).x1;
    let spot = [(0.0, 18.0), (0.0, -16.0), (1.0, 0.0), (-1.0, 0.0)]
        .into_iter()
        .map(|(side, dy): (f64, f64)| (x + side * (half_width + 12.0), y + dy))
        .find(|&(lx, ly)| placed.claim(Box2::of_text(lx, ly, chars, 12.0, 0.0)));
    spot.map(|p| (p, text))
}

/// A dashed line from an event to one of its actors, with the actor's part in it.
struct Spoke<'a> {
    event: &'a EventNode,
    from: (f64, f64),
    actor: &'a str,
    to: (f64, f64),
    words_on: &'a str,
    sentence: &'a str,
    label: Option<(f64, f64, f64)>,
}

impl Render for Spoke<'_> {
    fn render(&self) -> Markup {
        let ((ex, ey), (x, y)) = (self.from, self.to);
        html! {
            g class="spoke" data-event=(self.event.id) data-actor=(self.actor) {
                title { (self.event.label) ": " (self.sentence) }
                line x1=(format_args!("{ex:.1}")) y1=(format_args!("{ey:.1}"))
                    x2=(format_args!("{x:.1}")) y2=(format_args!("{y:.1}")) {}
                (line_text(self.label, self.words_on))
            }
        }
    }
}

/// An event's diamond, its title and its label where it found room.
fn event_node(
    event: &EventNode,
    (x, y): (f64, f64),
    label: &Option<((f64, f64), String)>,
) -> Markup {
    html! {
        g class="event" data-event=(event.id) {
            title { (event.label) }
            rect x=(format_args!("{:.1}", x - 6.0)) y=(format_args!("{:.1}", y - 6.0)) width="12"
                height="12" transform=(format_args!("rotate(45 {x:.1} {y:.1})")) {}
            @if let Some(((lx, ly), words_on)) = label {
                text x=(format_args!("{lx:.1}")) y=(format_args!("{ly:.1}")) text-anchor="middle"
                    dominant-baseline="central" { (words_on) }
            }
        }
    }
}

/// An actor's circle and name (a link to its page in the site).
fn actor_node(
    (id, name, kind): &(String, String, String),
    (x, y): (f64, f64),
    (label_x, label_y): (f64, f64),
    node_radius: f64,
    focus: Option<&Focus>,
) -> Markup {
    let drawn = html! {
        title { (name) " (" (kind) ", " (id) ")" }
        circle cx=(format_args!("{x:.1}")) cy=(format_args!("{y:.1}")) r=(node_radius) {}
        text x=(format_args!("{label_x:.1}")) y=(format_args!("{label_y:.1}"))
            text-anchor="middle" dominant-baseline="central" { (name) }
    };
    html! {
        g class={ "node " (kind) } data-actor=(id) {
            // In the site, each actor links to its page.
            @if let Some(focus) = focus {
                a href=((focus.actor_page)(id)) { (drawn) }
            } @else {
                (drawn)
            }
        }
    }
}

/// The network section's heading and what its drawing shows.
fn network_intro(actors: usize, events: usize, focus: Option<&Focus>) -> Markup {
    html! {
        h2 id="network-title" { "Actor network" }
        p {
            @if let Some(focus) = focus {
                "The " (actors) " actors that most records link (of " (focus.of) "), and the "
                (events) " events that most join two of them."
            } @else {
                (actors) " actors and the " (events) " events they take part in."
            }
            "\nA line joins two actors that a relation, a role, a policy (issuer to target), an \
             agreement or a commitment links; a dashed line joins an event to its actors. A \
             label that has no room is in the line's tooltip and in the list below."
        }
    }
}

/// Events on an inner circle of radius `inner`, each near the middle of its actors, kept
/// apart.
fn event_positions(
    events: &[EventNode],
    position: &BTreeMap<&str, (f64, f64, f64)>,
    (cx, cy): (f64, f64),
    inner: f64,
) -> BTreeMap<usize, (f64, f64)> {
    let mut event_angles: Vec<(f64, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (sx, sy) = e
                .spokes
                .iter()
                .filter_map(|(a, _, _)| position.get(a.as_str()))
                .fold((0.0, 0.0), |(sx, sy), (_, _, angle)| {
                    (sx + angle.cos(), sy + angle.sin())
                });
            let mean = if sx == 0.0 && sy == 0.0 {
                0.0
            } else {
                sy.atan2(sx)
            };
            (mean, i)
        })
        .collect();
    event_angles.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let gap = (std::f64::consts::TAU / event_angles.len().max(1) as f64).min(0.5);
    for i in 1..event_angles.len() {
        if event_angles[i].0 - event_angles[i - 1].0 < gap {
            event_angles[i].0 = event_angles[i - 1].0 + gap;
        }
    }
    event_angles
        .iter()
        .map(|(angle, i)| (*i, (cx + inner * angle.cos(), cy + inner * angle.sin())))
        .collect()
}

/// What the drawing's marks mean: a swatch per kind of actor drawn, then events and lines.
fn network_legend(actors: &[(String, String, String)]) -> Markup {
    let kinds_present: Vec<&str> = {
        let mut kinds: Vec<&str> = actors.iter().map(|(_, _, k)| k.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    html! {
        ul class="legend network-legend" aria-label="What the drawing's marks mean" {
            @for kind in &kinds_present {
                li data-kind=(kind) {
                    svg width="16" height="16" aria-hidden="true" {
                        g class={ "node " (kind) } { circle cx="8" cy="8" r="6" {} }
                    }
                    " " (kind)
                }
            }
            li {
                svg width="16" height="16" aria-hidden="true" {
                    g class="event" {
                        rect x="3" y="3" width="10" height="10" transform="rotate(45 8 8)" {}
                    }
                }
                " event"
            }
            li {
                svg width="34" height="12" aria-hidden="true" {
                    g class="edge" {
                        line x1="1" y1="6" x2="30" y2="6" marker-end="url(#arrow)" {}
                    }
                }
                " subject → object"
            }
            li {
                svg width="34" height="12" aria-hidden="true" {
                    g class="edge" { line x1="1" y1="6" x2="33" y2="6" {} }
                }
                " together in an agreement or commitment"
            }
            li {
                svg width="34" height="12" aria-hidden="true" {
                    g class="spoke" { line x1="1" y1="6" x2="33" y2="6" {} }
                }
                " takes part in the event (with its role)"
            }
        }
    }
}

/// The drawing's links as a table, in a `<details>` (a focused drawing lists its first ones).
fn network_list(
    actors: &[(String, String, String)],
    links: &Links,
    events: &[EventNode],
    focus: Option<&Focus>,
) -> Markup {
    let names: BTreeMap<&str, &str> = actors
        .iter()
        .map(|(id, name, _)| (id.as_str(), name.as_str()))
        .collect();
    let name = |id: &str| names.get(id).copied().unwrap_or("(unknown actor)");
    let spoke_count: usize = events.iter().map(|e| e.spokes.len()).sum();
    let link_count = links.values().map(Vec::len).sum::<usize>();
    let listed = match focus {
        Some(focus) => link_count.min(focus.max_listed),
        None => link_count,
    };
    html! {
        details {
            summary { "The links as a list (" (link_count + spoke_count) ")" }
            @if listed < link_count {
                p {
                    "The first " (listed) " links between actors, and every event's; each \
                     actor's page lists all of its own."
                }
            }
            table {
                thead {
                    tr {
                        @for column in ["from", "to", "link"] {
                            th scope="col" { (column) }
                        }
                    }
                }
                tbody {
                    @for link in links.values().flatten().take(listed) {
                        tr {
                            td { (name(&link.from)) }
                            td { (if link.directed { "→ " } else { "↔ " }) (name(&link.to)) }
                            td { (link.long) }
                        }
                    }
                    @for event in events {
                        @for (actor, _, sentence) in &event.spokes {
                            tr {
                                td { (event.label) }
                                td { "— " (name(actor)) }
                                td { "event: " (sentence) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The day a date is, counted from 1970-01-01, by XML Schema's date arithmetic (the SPARQL
/// engine's own date type).
fn day_number(date: Date) -> i64 {
    // Dates without a timezone are whole days apart, and no parsed date is so far from 1970
    // that the difference overflows.
    date.checked_sub(epoch()).map_or(0, |span| span.days())
}

fn epoch() -> Date {
    Date::from_str("1970-01-01").expect("1970-01-01 is a date")
}

/// The first day of a month, `index` months after January of year 0.
fn month_start(index: i64) -> Date {
    epoch()
        .checked_add_year_month_duration(YearMonthDuration::new(index - 1970 * 12))
        .unwrap_or(epoch())
}

/// A dated event of `event_timeline`.
struct Dated {
    id: String,
    label: String,
    date: String,
    precision: String,
    /// The first and the last day the date covers, and their numbers (`day_number`).
    start: Date,
    end: Date,
    first: i64,
    last: i64,
    start_date: String,
    end_date: String,
    place: Option<String>,
    participants: Option<String>,
}

/// The time axis: its ends (days, end exclusive) and its labelled ticks.
struct Axis {
    from: i64,
    to: i64,
    ticks: Vec<(i64, String)>,
}

impl Axis {
    /// Whole months (or whole years, past three years) around the days from `first` to
    /// `last`, at most about a dozen ticks.
    fn around(first: Date, last: Date) -> Axis {
        let month_index = |date: Date| date.year() * 12 + i64::from(date.month()) - 1;
        let (low, high) = (month_index(first), month_index(last) + 1);
        let (low, high, years) = if high - low <= 36 {
            (low, high, false)
        } else {
            (first.year(), last.year() + 1, true)
        };
        let day_of = |index: i64| day_number(month_start(if years { index * 12 } else { index }));
        let step = ((high - low) as f64 / 12.0).ceil().max(1.0) as i64;
        let ticks = (low..high)
            .step_by(step as usize)
            .map(|index| {
                let label = if years {
                    format!("{index:04}")
                } else {
                    format!(
                        "{:04}-{:02}",
                        index.div_euclid(12),
                        index.rem_euclid(12) + 1
                    )
                };
                (day_of(index), label)
            })
            .collect();
        let axis = Axis {
            from: day_of(low),
            to: day_of(high),
            ticks,
        };
        debug_assert!(axis.from <= day_number(first) && day_number(last) < axis.to);
        axis
    }

    /// Where a day falls, in percent of the axis.
    fn percent(&self, day: i64) -> f64 {
        100.0 * (day - self.from) as f64 / (self.to - self.from).max(1) as f64
    }
}

fn timeline(conn: &Connection) -> Result<Markup> {
    let dated = dated_events(conn)?;
    Ok(html! {
        section id="timeline" aria-labelledby="timeline-title" {
            h2 id="timeline-title" { "Timeline" }
            p {
                "Events with a date, each as a bar over the days its date covers (a month for "
                code { "2025-09" } ", a year for " code { "2025" } ")."
            }
            (bars(&dated))
            (undated_events(conn, dated.is_empty())?)
        }
    })
}

/// The events with a date, each with the days its date covers, in the order of their start.
fn dated_events(conn: &Connection) -> Result<Vec<Dated>> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    // The undated events are `undated_events`'s, in the articles' order.
    let events: Vec<Row> = rows(
        conn,
        "SELECT event_id, label, date, date_precision, start_date, end_date, place, participants
         FROM event_timeline WHERE date IS NOT NULL ORDER BY start_date, end_date, event_id",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        },
    )?;
    let mut dated = Vec::new();
    for (id, label, date, precision, start_date, end_date, place, participants) in events {
        let parse = |date: &Option<String>| Date::from_str(date.as_deref()?).ok();
        if let (Some(date), Some(precision), Some(start), Some(end)) =
            (date, precision, parse(&start_date), parse(&end_date))
        {
            dated.push(Dated {
                id,
                label,
                date,
                precision,
                start,
                end,
                first: day_number(start),
                last: day_number(end),
                start_date: start_date.unwrap_or_default(),
                end_date: end_date.unwrap_or_default(),
                place,
                participants,
            });
        }
    }
    Ok(dated)
}

/// The dated events as bars over a shared axis of months, or a line saying there are none.
fn bars(dated: &[Dated]) -> Markup {
    let earliest = dated.iter().min_by_key(|d| d.first);
    let latest = dated.iter().max_by_key(|d| d.last);
    let (Some(earliest), Some(latest)) = (earliest, latest) else {
        return html! { p { "No event has a date." } };
    };
    let axis = Axis::around(earliest.start, latest.end);
    html! {
        ol class="timeline" {
            li class="axis" aria-hidden="true" {
                span {}
                div class="track" {
                    @for (day, label) in &axis.ticks {
                        span class="tick" style=(format_args!("left: {:.3}%", axis.percent(*day))) {
                            (label)
                        }
                    }
                }
                span {}
            }
            @for event in dated {
                @let (left, right) = (axis.percent(event.first), axis.percent(event.last + 1));
                @let covered = if event.start_date == event.end_date {
                    event.start_date.clone()
                } else {
                    format!("{} to {}", event.start_date, event.end_date)
                };
                li data-event=(event.id) {
                    span { time datetime=(event.date) { (event.date) } }
                    div class="track" {
                        span class={ "bar " (event.precision) }
                            style=(format_args!("left: {left:.3}%; width: {:.3}%", right - left))
                            title={ (event.date) " (" (event.precision) "): " (covered) } {}
                    }
                    span {
                        (event.label)
                        (event_details(event.place.as_deref(), event.participants.as_deref()))
                    }
                }
            }
        }
    }
}

/// Events without a date, article by article (in publication order) and in the order each
/// article tells them (its first quote of each): the sequence a reader has when dates are few.
fn undated_events(conn: &Connection, none_dated: bool) -> Result<Markup> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
    );
    let events: Vec<Row> = rows(
        conn,
        "SELECT t.event_id, t.label, t.when_text, t.place, t.participants, t.article_id,
                a.title, a.published
         FROM event_timeline t JOIN articles a ON a.id = t.article_id
         WHERE t.date IS NULL
         ORDER BY a.published IS NULL, a.published, a.id,
                  (SELECT min(e.start_offset) FROM evidence e
                   WHERE e.record_id = t.event_id AND e.article_id = t.article_id),
                  t.event_id",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        },
    )?;
    if events.is_empty() {
        return Ok(Markup::default());
    }
    // The events come article by article: each article's run is one list.
    let by_article = events.chunk_by(|a, b| a.5 == b.5);
    Ok(html! {
        h3 {
            @if none_dated { "Events (none has a date)" } @else { "Events without a date" }
        }
        p {
            "By article, in the order each article tells them; the article's date is the latest \
             such an event can have happened, unless the article says it is to come."
        }
        @for told in by_article {
            @let (_, _, _, _, _, article, title, published) = &told[0];
            h4 class="told-in" {
                "In " a href={ "#article-" (article) } { (title) }
                @if let Some(published) = published {
                    " "
                    span class="muted" {
                        "(published " time datetime=(published) { (published) } ")"
                    }
                }
            }
            ol class="undated" data-article=(article) {
                @for (id, label, when, place, participants, ..) in told {
                    li data-event=(id) {
                        (label)
                        @if let Some(when) = when {
                            " " span class="muted" { "(“" (when) "”)" }
                        }
                        (event_details(place.as_deref(), participants.as_deref()))
                    }
                }
            }
        }
    })
}

fn event_details(place: Option<&str>, participants: Option<&str>) -> Markup {
    html! {
        @if let Some(place) = place {
            " " span class="muted" { "in " (place) }
        }
        @if let Some(participants) = participants {
            " " span class="muted" { "— " (participants) }
        }
    }
}

fn conditions(conn: &Connection) -> Result<Markup> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let found: Vec<Row> = rows(
        conn,
        "SELECT o.condition_id, o.stated_by, o.constrains, o.constrains_status, o.constraint_kind,
                o.value, o.exception, o.quote,
                (SELECT e.id FROM evidence e
                 WHERE e.record_id = o.condition_id AND e.article_id = o.article_id
                   AND e.number = 1)
         FROM condition_overview o ORDER BY o.stated_by, o.constrains, o.constraint_kind,
                                            o.condition_id",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    Ok(html! {
        section id="conditions" aria-labelledby="conditions-title" {
            h2 id="conditions-title" { "Conditions" }
            @if found.is_empty() {
                p { "No condition." }
            } @else {
                table {
                    thead {
                        tr {
                            @for column in [
                                "stated by", "on", "constraint", "value", "exception", "quote",
                            ] {
                                th scope="col" { (column) }
                            }
                        }
                    }
                    tbody {
                        @for (
                            id, by, on, status, kind, value, exception, quote, evidence
                        ) in &found {
                            tr data-condition=(id) {
                                td { (by) }
                                td { (on) " " span class="muted" { "(" (words(status)) ")" } }
                                td { (words(kind)) }
                                td { (value) }
                                td { (exception.as_deref().unwrap_or("—")) }
                                td { (quote_cell(quote.as_deref(), evidence.as_deref())) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// A quote in a table cell, linked to its mark in the article's text when its evidence is known.
fn quote_cell(quote: Option<&str>, evidence: Option<&str>) -> Markup {
    html! {
        @match (quote, evidence) {
            (Some(quote), Some(evidence)) => {
                a href={ "#ev-" (evidence) } { "“" (Verbatim(quote)) "”" }
            }
            (Some(quote), None) => { "“" (Verbatim(quote)) "”" }
            (None, _) => {}
        }
    }
}

/// Every stated value with its record's label, source and quote, in the order both reports
/// list them: (statement, label, field, value, current, article, published, evidence, quote,
/// basis, difference).
pub(crate) const STATED_VALUES: &str =
    "SELECT s.statement_id, r.label, s.field, s.value, s.is_current, s.article_id,
            s.published, s.evidence_id, s.quote, st.basis, st.difference
     FROM statement_sources s JOIN records r ON r.id = s.record_id
     JOIN statements st ON st.id = s.statement_id
     ORDER BY s.record_id, s.field, s.published IS NOT NULL, s.published, s.article_id,
              s.statement_id, s.evidence_id";

/// What the stated values' table says, before it, in both reports.
pub(crate) fn stated_values_note() -> Markup {
    html! {
        p {
            "The record holds the current value (✓): a preferred one, else the latest published \
             source's; a label, a purpose or any text in someone's words keeps its defining text \
             unless another is preferred. A value that is not current is a "
            em { "progression" } " (an earlier status, a date made more precise), a "
            em { "parallel" } " voice, or a " em { "contradiction" } "; "
            span class="basis-inferred" { "inferred" }
            " marks a value only the curator's inference backs."
        }
    }
}

/// The head of the stated values' table, in both reports.
pub(crate) fn stated_values_columns() -> Markup {
    html! {
        thead {
            tr {
                @for column in ["record", "field", "value", "current", "source", "quote"] {
                    th scope="col" { (column) }
                }
            }
        }
    }
}

/// The value's cell: the value, and a mark when only the curator's inference backs it. A
/// stated row (a participant, a quantity: a JSON object) reads as its fields,
/// `measure: ports of entry, value: 12`.
pub(crate) fn value_cell(value: &str, basis: Option<&str>) -> Markup {
    let row = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(fields)) if value.starts_with('{') => Some(
            fields
                .iter()
                .map(|(key, v)| match v {
                    serde_json::Value::String(text) => format!("{key}: {text}"),
                    other => format!("{key}: {other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    html! { (row.as_deref().unwrap_or(value)) (basis_mark(basis)) }
}

/// The mark of what only the curator's inference backs (empty for anything else).
pub(crate) fn basis_mark(basis: Option<&str>) -> Markup {
    html! {
        @if basis == Some(crate::model::Basis::Inferred.as_str()) {
            " "
            span class="basis-inferred"
                title="only the curator's inference backs this: the article does not say it" {
                "inferred"
            }
        }
    }
}

/// The standing cell: ✓ for the current value, else how it stands to the current one.
pub(crate) fn standing_cell(current: bool, difference: Option<&str>) -> Markup {
    html! {
        @if current { "✓" } @else { (difference.unwrap_or("")) }
    }
}

fn stated_values(conn: &Connection) -> Result<Markup> {
    type Row = (
        (String, String, String, String, bool),
        (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ),
        (Option<String>, Option<String>),
    );
    let found: Vec<Row> = rows(conn, STATED_VALUES, |r| {
        Ok((
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
            (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?),
            (r.get(9)?, r.get(10)?),
        ))
    })?;
    Ok(html! {
        section id="stated-values" aria-labelledby="stated-values-title" {
            h2 id="stated-values-title" { "Values from several sources" }
            @if found.is_empty() {
                p { "No article states a value of a record's field." }
            } @else {
                (stated_values_note())
                table {
                    (stated_values_columns())
                    tbody {
                        @for (
                            (id, label, field, value, current),
                            (article, published, evidence, quote),
                            (basis, difference),
                        ) in &found {
                            tr data-statement=(id) {
                                td { (label) }
                                td { (words(field)) }
                                td { (value_cell(value, basis.as_deref())) }
                                td { (standing_cell(*current, difference.as_deref())) }
                                td {
                                    (article.as_deref().unwrap_or("the knowledge base's own files"))
                                    @if let Some(published) = published {
                                        " " span class="muted" { "(" (published) ")" }
                                    }
                                }
                                td { (quote_cell(quote.as_deref(), evidence.as_deref())) }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::from_str(text).unwrap()
    }

    #[test]
    fn text_is_escaped_and_an_articles_carriage_returns_kept() {
        let text = "a<b>&\"c'\r\n🎉";
        assert_eq!(
            html! { (Verbatim(text)) }.into_string(),
            "a&lt;b&gt;&amp;&quot;c'&#13;\n🎉"
        );
        assert_eq!(html! { (Verbatim("plain")) }.into_string(), "plain");
        // In an attribute, a value cannot end its quotes.
        assert_eq!(
            html! { mark title=(text) {} }.into_string(),
            "<mark title=\"a&lt;b&gt;&amp;&quot;c'\r\n🎉\"></mark>"
        );
    }

    #[test]
    fn only_a_web_address_is_a_link() {
        assert_eq!(
            link_or_text("https://example.org/?a=1&b=\"2\"").into_string(),
            "<a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\">\
             https://example.org/?a=1&amp;b=&quot;2&quot;</a>"
        );
        assert_eq!(
            link_or_text("javascript:alert(1)").into_string(),
            "javascript:alert(1)"
        );
        assert_eq!(
            link_or_text("CC BY <4.0>").into_string(),
            "CC BY &lt;4.0&gt;"
        );
    }

    #[test]
    fn days_count_from_the_epoch() {
        assert_eq!(day_number(date("1970-01-01")), 0);
        assert_eq!(day_number(date("2000-03-01")), 11_017);
        assert_eq!(
            day_number(date("2025-09-30")) - day_number(date("2025-09-01")),
            29
        );
        assert_eq!(day_number(date("1969-12-31")), -1);
        // 2024 is a leap year, 1900 is not.
        assert_eq!(
            day_number(date("2024-03-01")) - day_number(date("2024-02-28")),
            2
        );
        assert_eq!(
            day_number(date("1900-03-01")) - day_number(date("1900-02-28")),
            1
        );
    }

    #[test]
    fn months_start_on_their_first_day() {
        assert_eq!(month_start(1970 * 12), date("1970-01-01"));
        assert_eq!(month_start(2025 * 12 + 8), date("2025-09-01"));
        assert_eq!(month_start(1969 * 12 + 11), date("1969-12-01"));
    }

    #[test]
    fn an_axis_covers_its_dates_in_whole_months_or_years() {
        let day = |text| day_number(date(text));
        let september = Axis::around(date("2025-09-01"), date("2025-09-30"));
        assert_eq!(
            (september.from, september.to),
            (day("2025-09-01"), day("2025-10-01"))
        );
        assert_eq!(
            september.ticks,
            vec![(day("2025-09-01"), "2025-09".to_owned())]
        );
        assert_eq!(september.percent(day("2025-10-01")), 100.0);
        let decade = Axis::around(date("2010-05-02"), date("2024-12-31"));
        assert_eq!(
            (decade.from, decade.to),
            (day("2010-01-01"), day("2025-01-01"))
        );
        assert!(decade.ticks.len() <= 12, "{:?}", decade.ticks);
        assert_eq!(decade.ticks[0].1, "2010");
    }
}
