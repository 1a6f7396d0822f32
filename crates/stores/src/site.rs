//! The report as a site: a folder of linked pages, each bounded in size whatever the knowledge
//! base, read from its database as the one-page `report` is.
//!
//! - `index.html`: the overview — counts and charts, the network of the actors most records
//!   link, the dated events by month;
//! - `articles.html`: every article; `article/<id>.html`: its text with every quote
//!   highlighted, and its records;
//! - `actors.html`: every actor; `actor/<id>.html`: what links the actor, record by record;
//! - `kind/<kind>.html`: the records of a kind, each with its article and first quote;
//! - `stated-values.html`: the values that several sources state.
//!
//! A list longer than [`PAGE_ROWS`] goes on in `<name>.2.html`, `<name>.3.html`…: ids are
//! slugs, which have no dot, so a page number never meets an id. The pages link to nothing
//! outside the site but the articles' own addresses and the licence, and their policy lets
//! them load nothing. A page is bounded by `PAGE_ROWS`, an article's by the article itself.
//! Rows are read in an explicit order, so the same database gives the same bytes.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use rusqlite::Connection;

use crate::mapping::{self, Shape};
use crate::model::RecordKind;
use crate::report::{self, Article, Focus, KnowledgeBase, Verbatim, words};

/// Rows on one page of a list: a page stays well under a megabyte whatever the labels.
pub const PAGE_ROWS: usize = 500;
/// Actors drawn in the overview's network.
pub const NETWORK_ACTORS: usize = 30;
/// Events drawn in the overview's network.
const NETWORK_EVENTS: usize = 24;
/// Links between actors listed below the overview's network.
const NETWORK_LISTED: usize = 300;
/// Articles the overview lists (the latest published); `articles.html` has them all.
const OVERVIEW_ARTICLES: usize = 20;
/// Characters of a label or a quote shown in a table.
const SHOWN_CHARS: usize = 160;

/// The folder's first page.
pub const INDEX_PAGE: &str = "index.html";

/// What a site holds, for the build's summary and the tests.
#[derive(Debug, Clone, Default)]
pub struct SiteSummary {
    pub pages: usize,
    pub bytes: u64,
    /// The size of the largest page, and its name.
    pub largest: (u64, String),
}

impl SiteSummary {
    fn add(&mut self, name: &str, bytes: u64) {
        self.pages += 1;
        self.bytes += bytes;
        self.consider(name, bytes);
    }

    /// The largest page, and of pages as large the first by name: the same whichever thread
    /// wrote which page first.
    fn consider(&mut self, name: &str, bytes: u64) {
        let (most, first) = &self.largest;
        if bytes > *most || (bytes == *most && (first.is_empty() || name < first.as_str())) {
            self.largest = (bytes, name.to_owned());
        }
    }

    fn merge(mut self, other: SiteSummary) -> SiteSummary {
        self.pages += other.pages;
        self.bytes += other.bytes;
        if other.pages > 0 {
            self.consider(&other.largest.1, other.largest.0);
        }
        self
    }
}

/// Writes the site of the knowledge base whose database is `database` into the folder `dir`
/// (created; it should be empty).
///
/// The pages are written on two threads, each with a connection of its own: the actors' and
/// then the overview (which needs every actor's count of links, counted as the actors' pages
/// are written) on one, the articles' (each article's text with its quotes highlighted, and
/// its records), the kinds' and the stated values' on the other. In a build the site is
/// written last, beside nothing else once the index is done, so one thread left a core idle.
/// Every page's bytes are the same whichever thread writes it, in whichever order.
pub fn write(database: &Path, dir: &Path) -> Result<SiteSummary> {
    let conn = crate::sqlite::open_read_only(database)?;
    let about = KnowledgeBase::read(&conn)?;
    for folder in ["article", "actor", "kind"] {
        fs::create_dir_all(dir.join(folder))
            .with_context(|| format!("cannot create the folder '{}'", dir.display()))?;
    }
    let articles = report::read_articles(&conn)?;
    // Every kind has its page, an empty one too: the overview links to each.
    let kind_counts: Vec<(String, i64)> = report::rows(
        &conn,
        "SELECT k.kind, count(r.id) FROM record_kinds k LEFT JOIN records r ON r.kind = k.kind
         GROUP BY k.kind ORDER BY k.kind",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let site = || Site {
        dir,
        title: about.title.clone(),
        summary: SiteSummary::default(),
    };
    let (article_summary, other_summary) = std::thread::scope(|scope| {
        let article_thread = scope.spawn(|| {
            let conn = crate::sqlite::open_read_only(database)?;
            let mut articles_site = site();
            article_pages(&mut articles_site, &conn, &articles)?;
            kind_pages(&mut articles_site, &conn, &kind_counts)?;
            stated_value_pages(&mut articles_site, &conn)?;
            Ok::<_, anyhow::Error>(articles_site.summary)
        });
        let others = (|| {
            let mut others = site();
            let actor_counts = actor_pages(&mut others, &conn)?;
            actor_list(&mut others, &actor_counts)?;
            overview(
                &mut others,
                &conn,
                &about,
                &articles,
                &actor_counts,
                &kind_counts,
            )?;
            Ok::<_, anyhow::Error>(others.summary)
        })();
        let articles = article_thread
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the articles' pages panicked")));
        (articles, others)
    });
    let summary = other_summary?.merge(article_summary?);
    sync_pages(dir)?;
    Ok(summary)
}

/// Puts every page of the site under `dir` on disk. On Linux one `syncfs` of the file system
/// that holds it writes them all with one journal commit: a sync of each page as it was written
/// (3,299 pages at 100k records, a commit each) held the site's threads about 0.8 s of a 7.9 s
/// build. Then each page is synced, which finds it clean and costs little, but reports a page
/// that did not reach the disk on any kernel (`syncfs` reports write errors only since Linux
/// 5.8) and on file systems `syncfs` does not reach (FUSE). Where `syncfs` is refused (a
/// sandbox) or missing, the pages' own syncs do the work.
fn sync_pages(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        unsafe extern "C" {
            fn syncfs(fd: std::ffi::c_int) -> std::ffi::c_int;
        }
        const EPERM: i32 = 1;
        const ENOSYS: i32 = 38;
        let folder = fs::File::open(dir)
            .with_context(|| format!("cannot open the folder '{}'", dir.display()))?;
        // SAFETY: syncfs only reads the descriptor, which stays open for the call.
        if unsafe { syncfs(folder.as_raw_fd()) } != 0 {
            let error = std::io::Error::last_os_error();
            if !matches!(error.raw_os_error(), Some(EPERM | ENOSYS)) {
                return Err(error)
                    .with_context(|| format!("cannot sync the pages of '{}'", dir.display()));
            }
        }
    }
    sync_each_file(dir)
}

/// Syncs every file under `dir`, and then `dir` itself (the files' names).
fn sync_each_file(dir: &Path) -> Result<()> {
    let entries =
        fs::read_dir(dir).with_context(|| format!("cannot read the folder '{}'", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            sync_each_file(&path)?;
        } else {
            fs::File::open(&path)
                .and_then(|f| f.sync_data())
                .with_context(|| format!("cannot sync '{}' to disk", path.display()))?;
        }
    }
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync the folder '{}'", dir.display()))
}

/// The pages written so far, and how to write one.
struct Site<'a> {
    dir: &'a Path,
    title: String,
    summary: SiteSummary,
}

const SITE_STYLE: &str = r#"
.site-name { margin: .2rem 0 0; font-weight: 600; }
.pager { display: flex; gap: 1rem; align-items: baseline; margin: 1rem 0; }
.chart { list-style: none; padding: 0; margin: .5rem 0 1rem; max-width: 48rem; }
.chart li { display: grid; grid-template-columns: 10rem 1fr 5rem; gap: .6rem;
  align-items: center; padding: .15rem 0; }
.chart .track { height: 1rem; }
.chart .bar { top: 0; bottom: 0; }
.chart .count { text-align: right; font-variant-numeric: tabular-nums; }
"#;

impl Site<'_> {
    /// Writes the page `name` (a path inside the site): the frame, `heading` and `body`.
    fn page(&mut self, name: &str, heading: &str, body: &Markup) -> Result<()> {
        // Pages in a folder reach the others one level up.
        let root = if name.contains('/') { "../" } else { "" };
        let links = [
            (INDEX_PAGE, "Overview"),
            ("articles.html", "Articles"),
            ("actors.html", "Actors"),
            ("stated-values.html", "Values from several sources"),
        ];
        let html = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta http-equiv="Content-Security-Policy"
                        content="default-src 'none'; style-src 'unsafe-inline'";
                    meta name="generator" content="dossier";
                    title { (heading) " · " (self.title) }
                    // The style sheets, constants: maud would escape their quotes.
                    style { (PreEscaped(report::STYLE)) (PreEscaped(SITE_STYLE)) }
                }
                body {
                    a class="skip" href="#main" { "Skip to the content" }
                    header {
                        p class="site-name" { a href={ (root) (INDEX_PAGE) } { (self.title) } }
                        nav aria-label="Site" {
                            ul {
                                @for (page, name) in links {
                                    li { a href={ (root) (page) } { (name) } }
                                }
                            }
                        }
                    }
                    main id="main" tabindex="-1" {
                        h1 { (heading) }
                        (body)
                    }
                }
            }
            "\n"
        }
        .into_string();
        let path = self.dir.join(name);
        let mut file = fs::File::create(&path)
            .with_context(|| format!("cannot create '{}'", path.display()))?;
        // Synced with the others once the site is written (sync_pages).
        file.write_all(html.as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        self.summary.add(name, html.len() as u64);
        Ok(())
    }
}

/// The file of page `n` (from 1) of the list `base`.
fn page_file(base: &str, n: usize) -> String {
    if n == 1 {
        format!("{base}.html")
    } else {
        format!("{base}.{n}.html")
    }
}

/// A list's pages: the rows of each, written as they come, and the links between them.
struct Pages {
    base: String,
    heading: String,
    /// What comes before the table on every page.
    intro: Markup,
    /// The table's head.
    columns: Markup,
    total: usize,
    page: usize,
    rows: usize,
    body: Markup,
}

impl Pages {
    fn new(base: String, heading: String, intro: Markup, columns: Markup, total: usize) -> Pages {
        Pages {
            base,
            heading,
            intro,
            columns,
            total,
            page: 1,
            rows: 0,
            body: Markup::default(),
        }
    }

    fn count(&self) -> usize {
        self.total.div_ceil(PAGE_ROWS).max(1)
    }

    /// Adds a row (a `<tr>`), writing the page when it is full.
    fn row(&mut self, site: &mut Site<'_>, row: Markup) -> Result<()> {
        row.render_to(&mut self.body.0);
        self.rows += 1;
        if self.rows == PAGE_ROWS {
            self.flush(site)?;
        }
        Ok(())
    }

    fn flush(&mut self, site: &mut Site<'_>) -> Result<()> {
        let count = self.count();
        let name = |n: usize| {
            // Links are relative to the page's own folder.
            let file = page_file(&self.base, n);
            file.rsplit('/').next().unwrap_or(&file).to_owned()
        };
        let pager = html! {
            @if count > 1 {
                nav class="pager" aria-label="Pages" {
                    @if self.page > 1 {
                        a rel="prev" href=(name(self.page - 1)) { "previous" }
                    }
                    span { "page " (self.page) " of " (count) }
                    @if self.page < count {
                        a rel="next" href=(name(self.page + 1)) { "next" }
                    }
                }
            }
        };
        let heading = if count > 1 {
            format!("{} (page {} of {count})", self.heading, self.page)
        } else {
            self.heading.clone()
        };
        let body = html! {
            (pager)
            (self.intro)
            table {
                (self.columns)
                tbody { (self.body) }
            }
            (pager)
        };
        site.page(&page_file(&self.base, self.page), &heading, &body)?;
        self.page += 1;
        self.rows = 0;
        self.body = Markup::default();
        Ok(())
    }

    /// Writes the last page (or the only one, empty).
    fn finish(mut self, site: &mut Site<'_>) -> Result<()> {
        if self.rows > 0 || self.page == 1 {
            self.flush(site)?;
        }
        Ok(())
    }
}

/// Text cut to [`SHOWN_CHARS`].
fn shown(text: &str) -> String {
    report::shortened(text, SHOWN_CHARS)
}

/// A bar chart as a list: a label, a bar as long as its share of the largest, the count.
fn chart(caption: &str, bars: &[(String, i64, Option<String>)]) -> Markup {
    let largest = bars.iter().map(|(_, n, _)| *n).max().unwrap_or(0).max(1);
    html! {
        ul class="chart" aria-label=(caption) {
            @for (label, count, href) in bars {
                @let width = 100.0 * *count as f64 / largest as f64;
                li {
                    span {
                        @if let Some(href) = href { a href=(href) { (label) } } @else { (label) }
                    }
                    div class="track" {
                        span class="bar" style=(format_args!("left: 0; width: {width:.2}%")) {}
                    }
                    span class="count" { (count) }
                }
            }
        }
    }
}

fn overview(
    site: &mut Site<'_>,
    conn: &Connection,
    about: &KnowledgeBase,
    articles: &[Article],
    actor_counts: &[ActorCount],
    kind_counts: &[(String, i64)],
) -> Result<()> {
    let kinds: Vec<(String, i64, Option<String>)> = kind_counts
        .iter()
        .map(|(kind, n)| {
            let href = Some(page_file(&format!("kind/{kind}"), 1));
            (kind.clone(), *n, href)
        })
        .collect();
    let modalities: Vec<(String, i64, Option<String>)> = report::rows(
        conn,
        "SELECT modality, count(*) FROM evidence GROUP BY modality ORDER BY modality",
        |r| Ok((words(&r.get::<_, String>(0)?), r.get(1)?, None)),
    )?;
    let mut latest: Vec<&Article> = articles.iter().collect();
    latest.sort_by(|a, b| {
        (b.published.is_some(), &b.published, &a.id).cmp(&(
            a.published.is_some(),
            &a.published,
            &b.id,
        ))
    });
    let focus = Focus {
        actors: actor_counts
            .iter()
            .take(NETWORK_ACTORS)
            .map(|(id, ..)| id.clone())
            .collect::<BTreeSet<String>>(),
        of: actor_counts.len(),
        max_events: NETWORK_EVENTS,
        max_listed: NETWORK_LISTED,
        actor_page: |id| format!("actor/{id}.html"),
    };
    let html = html! {
        @if let Some(description) = &about.description {
            p { (description) }
        }
        (report::licence(about))
        h2 { "Records by kind" }
        (chart("Records by kind", &kinds))
        h2 { "Quotes by modality" }
        (chart("Quotes by modality", &modalities))
        h2 { "Articles" }
        p {
            (articles.len()) " article" @if articles.len() != 1 { "s" }
            "; the latest published first. " a href="articles.html" { "Every article" } "."
        }
        table {
            (article_columns())
            tbody {
                @for article in latest.iter().take(OVERVIEW_ARTICLES) {
                    (article_row(article))
                }
            }
        }
        (report::network(conn, Some(&focus))?)
        (events_by_month(conn)?)
    };
    let heading = about.title.clone();
    site.page(INDEX_PAGE, &heading, &html)
}

/// The overview's chart of the dated events by month, and how many have no date.
fn events_by_month(conn: &Connection) -> Result<Markup> {
    let mut periods: Vec<(String, i64, Option<String>)> = report::rows(
        conn,
        // The description's columns, read through the documented view's source table.
        "SELECT CASE date_precision WHEN 'year' THEN date || ' (year)' ELSE substr(date, 1, 7) END,
                count(*)
         FROM events WHERE date IS NOT NULL GROUP BY 1 ORDER BY 1",
        |r| Ok((r.get(0)?, r.get(1)?, None)),
    )?;
    let undated: i64 =
        conn.query_row("SELECT count(*) FROM events WHERE date IS NULL", [], |r| {
            r.get(0)
        })?;
    if undated > 0 {
        periods.push(("no date".to_owned(), undated, None));
    }
    Ok(html! {
        h2 { "Events by month" }
        p {
            "Dated events by the month of their date (a date that gives only a year is counted \
             under its year). "
            a href=(page_file("kind/event", 1)) { "Every event" } "."
        }
        @if periods.is_empty() {
            p { "No event." }
        } @else {
            (chart("Events by month", &periods))
        }
    })
}

fn article_columns() -> Markup {
    html! {
        thead {
            tr {
                @for column in ["article", "published", "records", "quotes"] {
                    th scope="col" { (column) }
                }
            }
        }
    }
}

/// An article's row in a list (the overview's or `articles.html`, both at the site's root).
fn article_row(article: &Article) -> Markup {
    html! {
        tr data-article=(article.id) {
            th scope="row" {
                a href={ "article/" (article.id) ".html" } { (shown(&article.title)) }
            }
            td { (article.published.as_deref().unwrap_or("unknown")) }
            td class="number" { (article.records) }
            td class="number" { (article.quotes) }
        }
    }
}

/// The list of articles, and a page for each.
fn article_pages(site: &mut Site<'_>, conn: &Connection, articles: &[Article]) -> Result<()> {
    let mut list = Pages::new(
        "articles".to_owned(),
        "Articles".to_owned(),
        Markup::default(),
        article_columns(),
        articles.len(),
    );
    for article in articles {
        list.row(site, article_row(article))?;
    }
    list.finish(site)?;
    // The colour key is the same on every page: counted once.
    let legend = report::modality_legend(conn)?;
    for article in articles {
        let html = html! { (legend) (report::article_body(conn, article)?) };
        site.page(
            &format!("article/{}.html", article.id),
            &article.title,
            &html,
        )?;
    }
    Ok(())
}

/// Whether a field's values may name an actor.
fn may_name_actor(shape: Shape) -> bool {
    match shape {
        Shape::Ref(kinds) => kinds.is_empty() || kinds.contains(&RecordKind::Actor),
        Shape::Asserter => true,
        _ => false,
    }
}

/// Every (actor, record, link) the descriptions know, as SQL: each field that may name an
/// actor, in its kind's table, its list's table or its nested rows' table, and the asserter of
/// each quote. A new kind or field appears here with no change.
fn actor_links_sql() -> String {
    let mut parts = Vec::new();
    for kind in mapping::kinds() {
        for field in kind.fields.iter().filter(|f| may_name_actor(f.shape)) {
            parts.push(match field.list {
                Some(list) => format!(
                    "SELECT {} AS record_id, {} AS actor_id, '{}' AS link FROM {}",
                    list.owner,
                    field.column,
                    words(field.key),
                    list.table
                ),
                None => format!(
                    "SELECT id AS record_id, {0} AS actor_id, '{1}' AS link FROM {2} \
                     WHERE {0} IS NOT NULL",
                    field.column,
                    words(field.key),
                    kind.table
                ),
            });
        }
        for nested in kind.nested {
            for field in nested.fields.iter().filter(|f| may_name_actor(f.shape)) {
                parts.push(format!(
                    "SELECT {} AS record_id, {} AS actor_id, '{}' AS link FROM {}",
                    nested.owner,
                    field.column,
                    words(nested.key),
                    nested.table
                ));
            }
        }
    }
    for field in mapping::EVIDENCE_FIELDS
        .iter()
        .filter(|f| f.shape == Shape::Asserter)
    {
        parts.push(format!(
            "SELECT record_id, {} AS actor_id, 'asserts' AS link FROM evidence",
            field.column
        ));
    }
    // What each link leads to: a record, or an article (which its issuers name). Grouped
    // rather than DISTINCT and filtered by IN rather than a join: the same rows, measured
    // 0.2 s quicker at 100k records.
    format!(
        "SELECT l.actor_id, l.link, l.record_id AS record,
                coalesce(r.kind, 'article') AS kind, coalesce(r.label, ar.title) AS label,
                coalesce(r.article_id, ar.id) AS article, r.basis AS basis
         FROM (SELECT x.actor_id, x.record_id, x.link FROM ({}) x
               WHERE x.actor_id IN (SELECT id FROM actors)
               GROUP BY x.actor_id, x.record_id, x.link) l
         LEFT JOIN records r ON r.id = l.record_id
         LEFT JOIN articles ar ON ar.id = l.record_id AND r.id IS NULL
         WHERE r.id IS NOT NULL OR ar.id IS NOT NULL",
        parts.join("\n UNION ALL ")
    )
}

/// An actor: its id, name and kind, and how many links name it.
type ActorCount = (String, String, String, i64);

/// The list of actors, by name, each with its count of links.
fn actor_list(site: &mut Site<'_>, counts: &[ActorCount]) -> Result<()> {
    let mut by_name: Vec<&ActorCount> = counts.iter().collect();
    by_name.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let mut list = Pages::new(
        "actors".to_owned(),
        "Actors".to_owned(),
        Markup::default(),
        columns(&["actor", "kind", "links"]),
        counts.len(),
    );
    for (id, name, kind, links) in &by_name {
        list.row(
            site,
            html! {
                tr data-actor=(id) {
                    th scope="row" { a href={ "actor/" (id) ".html" } { (name) } }
                    td { (kind) }
                    td class="number" { (links) }
                }
            },
        )?;
    }
    list.finish(site)
}

/// Each actor's pages: what links it, record by record. Returns every actor with its count of
/// links (the rows its pages list, so that the list and the overview add up), the most linked
/// first. One query gives the links in order and, with each, its actor's count (a window
/// function): counting them in a query of their own cost as much again.
fn actor_pages(site: &mut Site<'_>, conn: &Connection) -> Result<Vec<ActorCount>> {
    let actors: Vec<(String, String, String)> =
        report::rows(conn, "SELECT id, name, kind FROM actors ORDER BY id", |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let mut stmt = conn.prepare(&format!(
        "SELECT l.actor_id, l.link, l.record, l.kind, l.label, l.article, l.basis,
                count(*) OVER (PARTITION BY l.actor_id) FROM ({}) l
         ORDER BY l.actor_id, l.kind, l.record, l.link",
        actor_links_sql()
    ))?;
    let mut rows = stmt.query([])?;
    let mut next = rows.next()?;
    let mut counts = Vec::with_capacity(actors.len());
    // The links come in actor id order, as the actors do.
    for (id, name, kind) in actors {
        let links: i64 = match next {
            Some(row) if row.get_ref(0)?.as_str()? == id => row.get(7)?,
            _ => 0,
        };
        let intro = html! {
            p {
                (name) " (" (kind) ", id " (id) "). The records that name it, each with the \
                 article that defines it."
            }
        };
        let mut pages = Pages::new(
            format!("actor/{id}"),
            name.clone(),
            intro,
            columns(&["record", "kind", "as", "article"]),
            usize::try_from(links).unwrap_or(0),
        );
        while let Some(row) = next {
            if row.get_ref(0)?.as_str()? != id {
                break;
            }
            let link: String = row.get(1)?;
            let record: String = row.get(2)?;
            let record_kind: String = row.get(3)?;
            let label: String = row.get(4)?;
            let article: Option<String> = row.get(5)?;
            let basis: Option<String> = row.get(6)?;
            // A record of an article links to its first quote there; an article to its page.
            let label = html! {
                @match &article {
                    Some(article) if record_kind == RecordKind::Article.as_str() => {
                        a href={ "../article/" (article) ".html" } { (shown(&label)) }
                    }
                    Some(article) => {
                        a href={ "../article/" (article) ".html#ev-" (record) "." (article) ".1" } {
                            (shown(&label))
                        }
                    }
                    None => { (shown(&label)) }
                }
            };
            pages.row(
                site,
                html! {
                    tr data-record=(record) {
                        td { (label) (report::basis_mark(basis.as_deref())) }
                        td { (record_kind) }
                        td { (link) }
                        td { (article_link(article.as_deref(), &record, &record_kind)) }
                    }
                },
            )?;
            next = rows.next()?;
        }
        pages.finish(site)?;
        counts.push((id, name, kind, links));
    }
    if let Some(row) = next {
        let actor: String = row.get(0)?;
        anyhow::bail!(
            "the links of actor '{actor}' came out of order: no page was written for them"
        );
    }
    // As the overview shows them: the most linked first, then by id.
    counts.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// A table's head of columns.
fn columns(names: &[&str]) -> Markup {
    html! {
        thead {
            tr {
                @for name in names {
                    th scope="col" { (name) }
                }
            }
        }
    }
}

/// A link to a record's place: its article's page, an actor's own page, or nothing.
fn article_link(article: Option<&str>, record: &str, kind: &str) -> Markup {
    html! {
        @match article {
            Some(article) => { a href={ "../article/" (article) ".html" } { (article) } }
            None if kind == RecordKind::Actor.as_str() => {
                a href={ "../actor/" (record) ".html" } { "actor page" }
            }
            None => {}
        }
    }
}

/// Each kind's records, with the article that defines each and its first quote there.
fn kind_pages(site: &mut Site<'_>, conn: &Connection, kinds: &[(String, i64)]) -> Result<()> {
    // One pass over the records in key order, which is each kind's order: every kind's pages
    // fill at once (a page of rows each). Sorted by kind first, SQLite read each record through
    // its kind's index and sorted them again: about twice the time at 100k records.
    let mut stmt = conn.prepare(
        // Evidence ids are `<record>.<article>.<n>`: the first quote is found by its key.
        "SELECT r.kind, r.id, r.label, r.article_id, e.id, e.quote, e.modality, r.basis
         FROM records r LEFT JOIN evidence e ON e.id = r.id || '.' || r.article_id || '.1'
         ORDER BY r.id",
    )?;
    let mut pages: Vec<Pages> = kinds
        .iter()
        .map(|(kind, count)| {
            Pages::new(
                format!("kind/{kind}"),
                format!("Records of the kind {kind}"),
                Markup::default(),
                columns(&["record", "id", "article", "first quote"]),
                usize::try_from(*count).unwrap_or(0),
            )
        })
        .collect();
    let place: std::collections::HashMap<&str, usize> = kinds
        .iter()
        .enumerate()
        .map(|(at, (kind, _))| (kind.as_str(), at))
        .collect();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let kind = row.get_ref(0)?.as_str()?;
        let Some(&at) = place.get(kind) else {
            anyhow::bail!(
                "a record of the kind '{kind}', which the table record_kinds does not list: \
                 the database was changed after its build; `dossier build` writes it anew"
            );
        };
        let kind = &kinds[at].0;
        let id: String = row.get(1)?;
        let label: String = row.get(2)?;
        let article: Option<String> = row.get(3)?;
        let first_quote: (Option<String>, Option<String>, Option<String>) =
            (row.get(4)?, row.get(5)?, row.get(6)?);
        let basis: Option<String> = row.get(7)?;
        let quote = html! {
            @if let (Some(article), (Some(evidence), Some(quote), Some(modality))) =
                (&article, &first_quote)
            {
                a href={ "../article/" (article) ".html#ev-" (evidence) } {
                    span class={ "swatch m-" (report::modality_class(modality)) }
                        aria-hidden="true" {}
                    "“" (Verbatim(&shown(quote))) "”"
                }
            }
        };
        pages[at].row(
            site,
            html! {
                tr data-record=(id) {
                    td { (report::value_cell(&shown(&label), basis.as_deref())) }
                    td { (id) }
                    td { (article_link(article.as_deref(), &id, kind)) }
                    td { (quote) }
                }
            },
        )?;
    }
    for kind_pages in pages {
        kind_pages.finish(site)?;
    }
    Ok(())
}

/// The values that several sources state, each with its source and quote.
fn stated_value_pages(site: &mut Site<'_>, conn: &Connection) -> Result<()> {
    let total: i64 = conn.query_row("SELECT count(*) FROM statement_sources", [], |r| r.get(0))?;
    let mut pages = Pages::new(
        "stated-values".to_owned(),
        "Values from several sources".to_owned(),
        report::stated_values_note(),
        report::stated_values_columns(),
        usize::try_from(total).unwrap_or(0),
    );
    let mut stmt = conn.prepare(report::STATED_VALUES)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (id, label, field, value, current): (String, String, String, String, bool) = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        );
        let (article, published, evidence, quote): (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = (row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?);
        let (basis, difference): (Option<String>, Option<String>) = (row.get(9)?, row.get(10)?);
        let html = html! {
            tr data-statement=(id) {
                td { (shown(&label)) }
                td { (words(&field)) }
                td { (report::value_cell(&shown(&value), basis.as_deref())) }
                td { (report::standing_cell(current, difference.as_deref())) }
                td {
                    @match &article {
                        Some(article) => { a href={ "article/" (article) ".html" } { (article) } }
                        None => { "the knowledge base's own files" }
                    }
                    @if let Some(published) = &published {
                        " " span class="muted" { "(" (published) ")" }
                    }
                }
                td {
                    @match (&article, &evidence, &quote) {
                        (Some(article), Some(evidence), Some(quote)) => {
                            a href={ "article/" (article) ".html#ev-" (evidence) } {
                                "“" (Verbatim(&shown(quote))) "”"
                            }
                        }
                        (_, _, Some(quote)) => { "“" (Verbatim(&shown(quote))) "”" }
                        _ => {}
                    }
                }
            }
        };
        pages.row(site, html)?;
    }
    pages.finish(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads write the pages: their summaries merge into what one thread would have
    /// counted, whichever wrote first, the largest of equal pages the first by name.
    #[test]
    fn summaries_of_two_threads_merge_in_either_order() {
        let summary = |pages: &[(&str, u64)]| {
            let mut s = SiteSummary::default();
            for (name, bytes) in pages {
                s.add(name, *bytes);
            }
            s
        };
        let all = [
            ("index.html", 7),
            ("kind/claim.html", 9),
            ("article/b.html", 9),
        ];
        let one = summary(&all);
        let (a, b) = (summary(&all[..1]), summary(&all[1..]));
        for merged in [
            a.clone().merge(b.clone()),
            b.merge(a),
            summary(&[]).merge(one.clone()),
        ] {
            assert_eq!((merged.pages, merged.bytes), (3, 25));
            assert_eq!(merged.largest, (9, "article/b.html".to_owned()));
        }
        assert_eq!(one.largest, (9, "article/b.html".to_owned()));
    }

    #[test]
    fn page_files_number_from_the_second_and_never_meet_an_id() {
        assert_eq!(page_file("kind/event", 1), "kind/event.html");
        assert_eq!(page_file("kind/event", 2), "kind/event.2.html");
        // An id is a slug: it cannot hold the dot that numbers a page.
        assert!(crate::model::Slug::parse("event.2").is_err());
    }

    #[test]
    fn every_field_that_may_name_an_actor_is_linked() {
        let sql = actor_links_sql();
        let parts: Vec<&str> = sql.split("UNION ALL").collect();
        // Each such field is one part of the union: its column read from its table.
        let linked = |table: &str, column: &str| {
            parts.iter().any(|p| {
                p.contains(&format!(" {column} AS actor_id"))
                    && p.contains(&format!("FROM {table}"))
            })
        };
        for kind in mapping::kinds() {
            for field in kind.fields.iter().filter(|f| may_name_actor(f.shape)) {
                let table = field.list.map_or(kind.table, |l| l.table);
                assert!(linked(table, field.column), "{table} {}", field.column);
            }
            for nested in kind.nested {
                for field in nested.fields.iter().filter(|f| may_name_actor(f.shape)) {
                    assert!(linked(nested.table, field.column), "{}", nested.table);
                }
            }
        }
        assert!(linked("article_issuers", "actor_id"));
        assert!(linked("roles", "holder_id"));
        assert!(sql.contains("'asserts' AS link FROM evidence"));
    }
}
