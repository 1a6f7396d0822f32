//! Problems found in seed files, each placed at a file, line and column (or a record id),
//! with advice on what to do.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in the seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in, as the user named it.
    pub file: PathBuf,
    /// 1-based line and column (in characters), when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    /// The record the problem concerns, when there is one.
    pub record: Option<String>,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The line the problem is on, shown with a caret under the place.
    pub snippet: Option<Snippet>,
    /// The id a reference names that no record has, when that is the problem, and the files of
    /// shared records that could have defined it (so that a missing one is reported once, not
    /// at every reference to what it defined).
    pub unresolved: Option<(String, Vec<&'static str>)>,
}

/// One line of a file and the part of it a problem is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based line number.
    pub line: usize,
    pub text: String,
    /// Bytes of `text` to underline.
    pub span: Range<usize>,
}

impl Snippet {
    /// The line of `source` holding byte `span.start`, with the span underlined up to the end of
    /// that line.
    pub fn of(source: &str, span: Range<usize>) -> Snippet {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = source[line_start..line_end].trim_end_matches('\r');
        // A place on the `\r` of a `\r\n` (or past the text) is shown at the end of the line.
        let start = start.min(line_start + text.len());
        let end = floor_char_boundary(source, span.end.clamp(start, line_start + text.len()));
        Snippet::line(
            source[..line_start].matches('\n').count() + 1,
            text,
            start - line_start..end - line_start,
        )
    }

    /// Line `line` (1-based) whose text is `text`, with the bytes `span` of it underlined.
    /// Control characters are shown as their Unicode pictures (U+2400...), so a NUL or an
    /// escape in a file or a query shows as ␀ or ␛ instead of acting on the terminal.
    pub fn line(line: usize, text: &str, span: Range<usize>) -> Snippet {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let mut shown = String::with_capacity(text.len());
        let mut span = start..end;
        for (i, c) in text.char_indices() {
            let picture = match c {
                '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' => {
                    char::from_u32(0x2400 + c as u32).unwrap_or('?')
                }
                '\u{7f}' => '\u{2421}',
                c => c,
            };
            let grown = picture.len_utf8() - c.len_utf8();
            if grown > 0 {
                if i < start {
                    span.start += grown;
                }
                if i < end {
                    span.end += grown;
                }
            }
            shown.push(picture);
        }
        Snippet {
            line,
            text: shown,
            span,
        }
    }
}

/// Renders a problem as rustc does (annotate-snippets): the title, where it is, the line with a
/// caret under the place, and what to do.
pub fn render(
    title: &str,
    origin: &str,
    snippet: &Snippet,
    label: &str,
    help: Option<&str>,
) -> String {
    use annotate_snippets::{Level, Renderer, Snippet as Source};
    // A caret at least, even for an empty span or one at the end of the line.
    let mut text = snippet.text.clone();
    let mut span = snippet.span.clone();
    if span.is_empty() {
        match text[span.start..].chars().next() {
            Some(c) => span.end = span.start + c.len_utf8(),
            None => {
                text.push(' ');
                span.end = span.start + 1;
            }
        }
    }
    let mut message = Level::Error.title(title).snippet(
        Source::source(&text)
            .line_start(snippet.line)
            .origin(origin)
            .annotation(Level::Error.span(span).label(label)),
    );
    if let Some(help) = help {
        message = message.footer(Level::Help.title(help));
    }
    Renderer::plain().render(message).to_string()
}

impl Diagnostic {
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.into(),
            position: None,
            record: None,
            message: message.into(),
            help: None,
            snippet: None,
            unresolved: None,
        }
    }

    /// Places the diagnostic at a byte span of `source`, and keeps its line to show.
    pub fn at_span(mut self, source: &str, span: Range<usize>) -> Diagnostic {
        self.position = Some(line_column(source, span.start));
        self.snippet = Some(Snippet::of(source, span));
        self
    }

    pub fn record(mut self, id: impl Into<String>) -> Diagnostic {
        self.record = Some(id.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(snippet) = &self.snippet {
            let title = match &self.record {
                Some(record) => format!("{} (record '{record}')", self.message),
                None => self.message.clone(),
            };
            let origin = self.file.display().to_string();
            return f.write_str(&render(&title, &origin, snippet, "", self.help.as_deref()));
        }
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(record) = &self.record {
            write!(f, " (record '{record}')")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// 1-based line and column (counted in characters) of a byte offset.
pub fn line_column(source: &str, byte: usize) -> (usize, usize) {
    let byte = floor_char_boundary(source, byte.min(source.len()));
    let before = &source[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..byte].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every problem found in one run: validation reports them all at once.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Sorted by file, then position, so the report reads top to bottom.
    pub fn sorted(mut self) -> Diagnostics {
        self.0.sort_by(|a, b| {
            (&a.file, a.position, &a.message).cmp(&(&b.file, b.position, &b.message))
        });
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
            if d.snippet.is_some() {
                // A blank line between snippets, as rustc leaves one.
                writeln!(f)?;
            }
        }
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} found in the seeds",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Shortens a path for messages: relative to the current directory when it is inside it.
pub fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// The allowed name closest to a misspelt one, if it is close enough to be a typo.
pub fn closest<'a>(given: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::jaro_winkler(given, a), *a))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = "a = “x”\nb = ’y’ z";
        let z = source.find('z').unwrap();
        assert_eq!(line_column(source, z), (2, 9));
        assert_eq!(line_column(source, 0), (1, 1));
    }

    #[test]
    fn a_place_on_a_crlf_line_end_is_shown_at_the_end_of_the_line() {
        let source = "title = \"abc\r\nnext = 1\r\n";
        let at = source.find('\n').unwrap();
        let snippet = Snippet::of(source, at..at + 1);
        assert_eq!(snippet.line, 1);
        assert_eq!(snippet.text, "title = \"abc");
        assert_eq!(snippet.span, 12..12);
        assert!(render("missing quote", "f.toml", &snippet, "", None).contains("1 | title"));
    }

    #[test]
    fn control_characters_are_shown_as_pictures_and_the_span_follows() {
        let snippet = Snippet::line(3, "a\u{1b}[0mb", 5..6);
        assert_eq!(snippet.text, "a\u{241b}[0mb");
        assert_eq!(&snippet.text[snippet.span.clone()], "b");
    }
}
