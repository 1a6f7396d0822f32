//! Output formats (binary only: the library returns data, the CLI decides how it looks).

use std::io::Write;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use rusqlite::types::Value;

use dossier_stores::sparql::{Answer, RdfTerm};
use dossier_stores::sqlite::RowSink;
use sparesults::{QueryResultsFormat, QueryResultsSerializer, WriterSolutionsSerializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// A table for people (holds its rows to size its columns).
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// Tab-separated values with a header row (fields quoted only where they hold a tab, a quote
    /// or a line break, as Python's csv module reads them).
    Tsv,
    /// A JSON array of objects, one row a line.
    Json,
    /// Newline-delimited JSON: one object a line (also `jsonl`).
    #[value(alias = "jsonl")]
    Ndjson,
}

impl RowFormat {
    /// A table for people at a terminal, JSON for programs.
    pub fn default_for_terminal() -> RowFormat {
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            RowFormat::Table
        } else {
            RowFormat::Json
        }
    }
}

pub fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Text(s) => s.clone().into(),
        Value::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// One row as a JSON object whose keys keep the columns' order (a map would sort them).
struct JsonRow<'a> {
    columns: &'a [String],
    values: &'a [serde_json::Value],
}

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (k, v) in self.columns.iter().zip(self.values) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// serde_json's compact output with a space after `:` and `,`, as sqlite-utils and Datasette
/// print rows: one row a line, still easy to read.
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
}

fn write_json_row(
    out: &mut (impl Write + ?Sized),
    columns: &[String],
    values: &[serde_json::Value],
) -> Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Spaced);
    serde::Serialize::serialize(&JsonRow { columns, values }, &mut serializer)?;
    Ok(())
}

/// Where rows go: straight to the output, or through a CSV writer (CSV and TSV).
enum RowOutput<W: Write> {
    Plain(W),
    Delimited(Box<csv::Writer<W>>),
}

/// Writes SQL rows as they come; only the table waits for every row (to size its columns).
pub struct RowWriter<W: Write> {
    out: RowOutput<W>,
    format: RowFormat,
    columns: Vec<String>,
    rows: usize,
    table: Option<Table>,
}

impl<W: Write> RowWriter<W> {
    pub fn new(out: W, format: RowFormat) -> Self {
        let out = match format {
            RowFormat::Csv => RowOutput::Delimited(Box::new(csv::Writer::from_writer(out))),
            RowFormat::Tsv => RowOutput::Delimited(Box::new(
                csv::WriterBuilder::new().delimiter(b'\t').from_writer(out),
            )),
            _ => RowOutput::Plain(out),
        };
        RowWriter {
            out,
            format,
            columns: Vec::new(),
            rows: 0,
            table: None,
        }
    }

    /// The output, for the formats that write to it directly (all but CSV and TSV).
    fn plain(&mut self) -> Result<&mut W> {
        match &mut self.out {
            RowOutput::Plain(w) => Ok(w),
            RowOutput::Delimited(_) => anyhow::bail!("CSV and TSV rows go through their writer"),
        }
    }

    fn delimited(&mut self, fields: &[String]) -> Result<()> {
        if let RowOutput::Delimited(w) = &mut self.out {
            w.write_record(fields)?;
        }
        Ok(())
    }

    /// Ends the output (closing the JSON array, drawing the table).
    pub fn finish(mut self) -> Result<()> {
        match self.format {
            RowFormat::Json => {
                let end = if self.rows == 0 { "[]\n" } else { "\n]\n" };
                self.plain()?.write_all(end.as_bytes())?;
            }
            RowFormat::Table => {
                let table = self.table.take();
                let rows = self.rows;
                let out = self.plain()?;
                if let Some(table) = table {
                    writeln!(out, "{table}")?;
                }
                writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
            }
            RowFormat::Csv | RowFormat::Tsv | RowFormat::Ndjson => {}
        }
        match &mut self.out {
            RowOutput::Plain(w) => w.flush()?,
            RowOutput::Delimited(w) => w.flush()?,
        }
        Ok(())
    }

    /// Writes one row of plain JSON values (for results that do not come from SQLite).
    pub fn json_row(&mut self, values: &[serde_json::Value]) -> Result<()> {
        let texts: Vec<String> = values
            .iter()
            .map(|v| match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        self.write_row(values, &texts)
    }

    fn write_row(&mut self, json: &[serde_json::Value], texts: &[String]) -> Result<()> {
        match self.format {
            RowFormat::Json | RowFormat::Ndjson => {
                // The output and the column names are different fields: borrowed side by side.
                let RowOutput::Plain(out) = &mut self.out else {
                    anyhow::bail!("JSON rows go straight to the output");
                };
                if self.format == RowFormat::Json {
                    out.write_all(if self.rows == 0 { b"[\n  " } else { b",\n  " })?;
                }
                write_json_row(out, &self.columns, json)?;
                if self.format == RowFormat::Ndjson {
                    out.write_all(b"\n")?;
                }
            }
            RowFormat::Csv | RowFormat::Tsv => self.delimited(texts)?,
            RowFormat::Table => {
                if self.rows == MAX_TABLE_ROWS {
                    anyhow::bail!(
                        "the answer has more than {MAX_TABLE_ROWS} rows, which a table holds in \
                         memory: use --format csv, tsv, json or ndjson (they stream), or add a \
                         LIMIT"
                    );
                }
                if let Some(table) = self.table.as_mut() {
                    table.add_row(texts.to_vec());
                }
            }
        }
        self.rows += 1;
        Ok(())
    }
}

/// Column names made unique for JSON objects, whose keys must differ: a repeated `a` becomes
/// `a_2`, `a_3`...
pub fn unique_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut candidate = name.clone();
        let mut n = 1;
        while out.contains(&candidate) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        out.push(candidate);
    }
    out
}

impl<W: Write> RowSink for RowWriter<W> {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.columns = match self.format {
            RowFormat::Json | RowFormat::Ndjson => unique_names(names),
            RowFormat::Table | RowFormat::Csv | RowFormat::Tsv => names.to_vec(),
        };
        match self.format {
            RowFormat::Table => {
                let mut table = Table::new();
                table
                    .load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(names.to_vec());
                self.table = Some(table);
            }
            RowFormat::Csv | RowFormat::Tsv => self.delimited(names)?,
            RowFormat::Json | RowFormat::Ndjson => {}
        }
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> Result<()> {
        let json: Vec<serde_json::Value> = values.iter().map(json_of).collect();
        let texts: Vec<String> = values.iter().map(text_of).collect();
        self.write_row(&json, &texts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SparqlFormat {
    /// A table for people (rows), or Turtle (triples).
    Table,
    /// W3C SPARQL 1.1 Query Results JSON.
    Json,
    /// W3C SPARQL Query Results XML.
    Xml,
    /// W3C SPARQL 1.1 Query Results CSV.
    Csv,
    /// W3C SPARQL 1.1 Query Results TSV.
    Tsv,
    /// One W3C JSON binding object a line (also `jsonl`).
    #[value(alias = "jsonl")]
    Ndjson,
    /// For CONSTRUCT and DESCRIBE.
    Turtle,
    /// For CONSTRUCT and DESCRIBE.
    Ntriples,
    /// For CONSTRUCT and DESCRIBE: JSON-LD with dossier's prefixes as its @context.
    Jsonld,
    /// For CONSTRUCT and DESCRIBE: RDF/XML with dossier's prefixes (what rdflib and
    /// SPARQLWrapper ask for by default).
    Rdfxml,
}

impl SparqlFormat {
    /// The W3C result format sparesults writes, for the formats that are one.
    fn results_format(self) -> Option<QueryResultsFormat> {
        match self {
            SparqlFormat::Json => Some(QueryResultsFormat::Json),
            SparqlFormat::Xml => Some(QueryResultsFormat::Xml),
            SparqlFormat::Csv => Some(QueryResultsFormat::Csv),
            SparqlFormat::Tsv => Some(QueryResultsFormat::Tsv),
            _ => None,
        }
    }

    fn is_graph(self) -> bool {
        matches!(
            self,
            SparqlFormat::Turtle
                | SparqlFormat::Ntriples
                | SparqlFormat::Jsonld
                | SparqlFormat::Rdfxml
        )
    }
}

const ROW_FORMATS: &str = "table, json, xml, csv, tsv or ndjson";

/// What XML results may carry: a carriage return written as `&#13;` (a reader turns a raw one
/// into a line feed), and no other control character XML 1.0 forbids (a reader refuses the
/// whole document). sparesults writes markup without either, so only text is touched.
struct XmlText<W: Write>(W);

impl<W: Write> Write for XmlText<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'\r' {
                self.0.write_all(&buf[start..i])?;
                self.0.write_all(b"&#13;")?;
                start = i + 1;
            } else if b < 0x20 && !matches!(b, b'\t' | b'\n') {
                return Err(std::io::Error::other(format!(
                    "the answer holds the control character U+{b:04X}, which XML cannot carry: \
                     ask for json, csv or tsv"
                )));
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn w3c_json_term(t: &RdfTerm) -> serde_json::Value {
    match t {
        RdfTerm::Iri(i) => serde_json::json!({"type": "uri", "value": i}),
        RdfTerm::BlankNode(b) => serde_json::json!({"type": "bnode", "value": b}),
        RdfTerm::Literal {
            value,
            datatype,
            language,
        } => match language {
            Some(l) => serde_json::json!({"type": "literal", "value": value, "xml:lang": l}),
            None if datatype == dossier_model::vocab::xsd::STRING => {
                serde_json::json!({"type": "literal", "value": value})
            }
            None => serde_json::json!({"type": "literal", "value": value, "datatype": datatype}),
        },
    }
}

/// A table holds every row to size its columns: past this many, the query stops with advice.
pub const MAX_TABLE_ROWS: usize = 100_000;

/// Writes a SELECT answer as its rows arrive: the W3C formats (through sparesults) and NDJSON
/// stream, so memory does not grow with the rows; a table collects up to [`MAX_TABLE_ROWS`].
pub struct SelectWriter<'w> {
    /// The output until the variables are known (sparesults starts with them), and for the
    /// formats sparesults does not write.
    out: Option<&'w mut dyn Write>,
    results: Option<WriterSolutionsSerializer<Box<dyn Write + 'w>>>,
    format: SparqlFormat,
    base: String,
    variables: Vec<String>,
    rows: usize,
    table: Vec<Vec<Option<RdfTerm>>>,
    /// Whether writing failed (a closed pipe): the query's error is then the output's.
    failed: bool,
}

impl<'w> SelectWriter<'w> {
    pub fn new(out: &'w mut dyn Write, format: SparqlFormat, base: &str) -> Result<Self> {
        if format.is_graph() {
            anyhow::bail!("a SELECT query answers with rows: use --format {ROW_FORMATS}");
        }
        Ok(SelectWriter {
            out: Some(out),
            results: None,
            format,
            base: base.to_owned(),
            variables: Vec::new(),
            rows: 0,
            table: Vec::new(),
            failed: false,
        })
    }

    /// Whether the answer stopped because the output could not be written.
    pub fn output_failed(&self) -> bool {
        self.failed
    }

    fn out(&mut self) -> Result<&mut dyn Write> {
        match &mut self.out {
            Some(out) => Ok(&mut **out),
            None => anyhow::bail!("the answer's output is already handed to its serializer"),
        }
    }

    /// Ends the answer.
    pub fn finish(mut self) -> Result<()> {
        if let Some(results) = self.results.take() {
            let mut out = results.finish()?;
            if matches!(self.format, SparqlFormat::Json | SparqlFormat::Xml) {
                out.write_all(b"\n")?;
            }
            out.flush()?;
            return Ok(());
        }
        if let Some(format) = self.format.results_format() {
            // No variables were announced (an empty answer): an empty document still.
            let variables = std::mem::take(&mut self.variables);
            self.start_results(format, &variables)?;
            return self.finish();
        }
        if self.format == SparqlFormat::Table {
            let rows = std::mem::take(&mut self.table);
            let (variables, base) = (self.variables.clone(), self.base.clone());
            write_table(self.out()?, &variables, &rows, &base)?;
        }
        self.out()?.flush()?;
        Ok(())
    }

    fn start_results(&mut self, format: QueryResultsFormat, variables: &[String]) -> Result<()> {
        let out = self
            .out
            .take()
            .ok_or_else(|| anyhow::anyhow!("the answer's variables came twice"))?;
        let variables = variables
            .iter()
            .map(|v| oxrdf::Variable::new(v.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        let out: Box<dyn Write + 'w> = if format == QueryResultsFormat::Xml {
            Box::new(XmlText(out))
        } else {
            Box::new(out)
        };
        self.results = Some(
            QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(out, variables)?,
        );
        Ok(())
    }

    fn write_variables(&mut self, variables: &[String]) -> Result<()> {
        self.variables = variables.to_vec();
        if let Some(format) = self.format.results_format() {
            self.start_results(format, variables)?;
        }
        Ok(())
    }

    fn write_row(&mut self, row: &[Option<RdfTerm>]) -> Result<()> {
        match self.format {
            SparqlFormat::Table => {
                if self.table.len() == MAX_TABLE_ROWS {
                    anyhow::bail!(
                        "the answer has more than {MAX_TABLE_ROWS} rows, which a table holds in \
                         memory: use --format csv, tsv, json, xml or ndjson (they stream), or \
                         add a LIMIT"
                    );
                }
                self.table.push(row.to_vec());
            }
            SparqlFormat::Ndjson => {
                let (names, values): (Vec<String>, Vec<serde_json::Value>) = self
                    .variables
                    .iter()
                    .zip(row)
                    .filter_map(|(v, t)| t.as_ref().map(|t| (v.clone(), w3c_json_term(t))))
                    .unzip();
                let out = self.out()?;
                write_json_row(&mut *out, &names, &values)?;
                out.write_all(b"\n")?;
            }
            _ => {
                let terms: Vec<Option<oxrdf::Term>> =
                    row.iter().map(|t| t.as_ref().map(RdfTerm::to_ox)).collect();
                let variables: Vec<oxrdf::Variable> = self
                    .variables
                    .iter()
                    .map(|v| oxrdf::Variable::new_unchecked(v.as_str()))
                    .collect();
                if let Some(results) = self.results.as_mut() {
                    results.serialize(
                        variables
                            .iter()
                            .zip(&terms)
                            .filter_map(|(v, t)| t.as_ref().map(|t| (v.as_ref(), t.as_ref()))),
                    )?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }
}

impl dossier_stores::sparql::RowSink for SelectWriter<'_> {
    fn variables(&mut self, variables: &[String]) -> Result<()> {
        let result = self.write_variables(variables);
        self.failed |= result.is_err();
        result
    }

    fn row(&mut self, row: &[Option<RdfTerm>]) -> Result<()> {
        let result = self.write_row(row);
        // The table's row bound is the answer's problem; any other error is the output's.
        self.failed |= result.is_err() && self.table.len() < MAX_TABLE_ROWS;
        result
    }
}

/// Writes an ASK or CONSTRUCT/DESCRIBE answer (SELECT answers stream through [`SelectWriter`]).
pub fn write_answer(
    out: &mut dyn Write,
    answer: &Answer,
    format: SparqlFormat,
    base: &str,
) -> Result<()> {
    match answer {
        Answer::Select { variables, rows } => {
            let mut writer = SelectWriter::new(out, format, base)?;
            dossier_stores::sparql::RowSink::variables(&mut writer, variables)?;
            for row in rows {
                dossier_stores::sparql::RowSink::row(&mut writer, row)?;
            }
            writer.finish()
        }
        Answer::Ask(b) => match format.results_format() {
            Some(results) => {
                let out = QueryResultsSerializer::from_format(results)
                    .serialize_boolean_to_writer(out, *b)?;
                if !matches!(results, QueryResultsFormat::Csv | QueryResultsFormat::Tsv) {
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            None if format == SparqlFormat::Table => {
                writeln!(out, "{b}")?;
                Ok(())
            }
            None if format == SparqlFormat::Ndjson => {
                writeln!(out, "{}", serde_json::json!({"boolean": b}))?;
                Ok(())
            }
            None => anyhow::bail!("an ASK query answers yes or no: use --format {ROW_FORMATS}"),
        },
        Answer::Graph(triples) => match format {
            SparqlFormat::Turtle | SparqlFormat::Table => {
                dossier_stores::rdf::write_triples_turtle(triples, base, &mut *out)
            }
            SparqlFormat::Ntriples => {
                dossier_stores::rdf::write_triples_ntriples(triples, &mut *out)
            }
            SparqlFormat::Jsonld => {
                dossier_stores::rdf::write_triples_jsonld(triples, base, &mut *out)
            }
            SparqlFormat::Rdfxml => {
                dossier_stores::rdf::write_triples_rdfxml(triples, base, &mut *out)
            }
            _ => anyhow::bail!(
                "a CONSTRUCT or DESCRIBE query answers with triples: use --format turtle, \
                 ntriples, jsonld or rdfxml"
            ),
        },
    }
}

/// Draws the rows of a SELECT answer as a table, IRIs shortened with dossier's prefixes.
fn write_table(
    out: &mut dyn Write,
    variables: &[String],
    rows: &[Vec<Option<RdfTerm>>],
    base: &str,
) -> Result<()> {
    let prefixes = dossier_model::mapping::prefixes(base);
    let short = |t: &RdfTerm| match t {
        RdfTerm::Iri(i) => prefixes
            .iter()
            .filter(|(_, ns)| i.starts_with(ns.as_str()))
            .max_by_key(|(_, ns)| ns.len())
            .map(|(p, ns)| format!("{p}:{}", &i[ns.len()..]))
            .unwrap_or_else(|| format!("<{i}>")),
        other => other.value().to_owned(),
    };
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(variables);
    for row in rows {
        table.add_row(
            row.iter()
                .map(|t| t.as_ref().map(short).unwrap_or_default()),
        );
    }
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "({} row{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// Where a command's output goes: standard output, or the file `--out` names. A file is
/// written beside its final name and renamed onto it once complete, so a command that fails
/// leaves no half-written file (and an existing one untouched); a file of the knowledge base
/// itself is refused.
pub struct Destination {
    writer: std::io::BufWriter<Box<dyn Write + Send>>,
    file: Option<(tempfile::TempPath, std::path::PathBuf)>,
}

impl Destination {
    pub fn open(
        out: Option<&std::path::Path>,
        kb: &dossier_stores::kb::KbPaths,
    ) -> Result<Destination> {
        use anyhow::Context;
        let Some(path) = out else {
            return Ok(Destination {
                writer: std::io::BufWriter::new(Box::new(std::io::stdout())),
                file: None,
            });
        };
        if kb.is_store_file(path) {
            anyhow::bail!(
                "refused: '{}' is a file of the knowledge base itself, and writing it would \
                 destroy it: write somewhere else",
                path.display()
            );
        }
        // Something that is not a regular file (/dev/null, a pipe, a symlink) is written to as it
        // is: renaming a file onto it would replace it.
        let special = std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file());
        if special {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .with_context(|| format!("cannot write to '{}'", path.display()))?;
            return Ok(Destination {
                writer: std::io::BufWriter::new(Box::new(file)),
                file: None,
            });
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let mut builder = tempfile::Builder::new();
        builder.prefix(".dossier-out.");
        // As File::create would: read-write for everyone, less the umask (tempfile's own
        // default, 0600, would hide the output from the rest of a team).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in '{}'", dir.display()))?;
        let (file, temp) = temp.into_parts();
        // Ctrl-C or SIGTERM before the end: the unfinished file goes (the previous one stays).
        let unfinished = temp.to_path_buf();
        let _ = ctrlc::set_handler(move || {
            let _ = std::fs::remove_file(&unfinished);
            std::process::exit(130);
        });
        Ok(Destination {
            writer: std::io::BufWriter::new(Box::new(file)),
            file: Some((temp, path.to_owned())),
        })
    }

    /// The file being written, to remove if the command is abandoned.
    pub fn unfinished(&self) -> Option<std::path::PathBuf> {
        self.file.as_ref().map(|(temp, _)| temp.to_path_buf())
    }

    /// Flushes the output and, for a file, puts it in place.
    pub fn finish(mut self) -> Result<()> {
        use anyhow::Context;
        self.writer.flush()?;
        if let Some((temp, path)) = self.file.take() {
            temp.persist(&path)
                .with_context(|| format!("cannot write '{}'", path.display()))?;
        }
        Ok(())
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
