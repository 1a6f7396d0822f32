//! Output formats (binary only: the library returns data, the CLI decides how it looks).

use std::io::Write;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use rusqlite::types::Value;

use dossier::sparql::{Answer, RdfTerm};
use dossier::sqlite::RowSink;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    Table,
    Csv,
    Json,
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

fn json_of(v: &Value) -> serde_json::Value {
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

/// Writes SQL rows as they come; only the table waits for every row (to size its columns).
pub struct RowWriter<W: Write> {
    out: W,
    format: RowFormat,
    columns: Vec<String>,
    rows: usize,
    table: Option<Table>,
}

impl<W: Write> RowWriter<W> {
    pub fn new(out: W, format: RowFormat) -> Self {
        RowWriter {
            out,
            format,
            columns: Vec::new(),
            rows: 0,
            table: None,
        }
    }

    fn json_object(&self, values: &[serde_json::Value]) -> String {
        let mut s = String::from("{");
        for (i, (k, v)) in self.columns.iter().zip(values).enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&serde_json::Value::String(k.clone()).to_string());
            s.push_str(": ");
            s.push_str(&v.to_string());
        }
        s.push('}');
        s
    }

    fn write_csv(&mut self, fields: &[String]) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(fields)?;
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        self.out.write_all(&bytes)?;
        Ok(())
    }

    /// Ends the output (closing the JSON array, drawing the table).
    pub fn finish(mut self) -> Result<()> {
        match self.format {
            RowFormat::Json => {
                if self.rows == 0 {
                    writeln!(self.out, "[]")?;
                } else {
                    writeln!(self.out, "\n]")?;
                }
            }
            RowFormat::Table => {
                if let Some(table) = self.table.take() {
                    writeln!(self.out, "{table}")?;
                }
                writeln!(
                    self.out,
                    "({} row{})",
                    self.rows,
                    if self.rows == 1 { "" } else { "s" }
                )?;
            }
            RowFormat::Csv => {}
            RowFormat::Ndjson => {}
        }
        self.out.flush()?;
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
            RowFormat::Json => {
                let sep = if self.rows == 0 { "[\n  " } else { ",\n  " };
                let obj = self.json_object(json);
                write!(self.out, "{sep}{obj}")?;
            }
            RowFormat::Ndjson => {
                let obj = self.json_object(json);
                writeln!(self.out, "{obj}")?;
            }
            RowFormat::Csv => {
                self.write_csv(texts)?;
            }
            RowFormat::Table => {
                if self.rows == MAX_TABLE_ROWS {
                    anyhow::bail!(
                        "the answer has more than {MAX_TABLE_ROWS} rows, which a table holds in \
                         memory: use --format csv, json or ndjson (they stream), or add a LIMIT"
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
fn unique_names(names: &[String]) -> Vec<String> {
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
            RowFormat::Table | RowFormat::Csv => names.to_vec(),
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
            RowFormat::Csv => self.write_csv(names)?,
            _ => {}
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
    /// A table for people.
    Table,
    /// W3C SPARQL 1.1 Query Results JSON.
    Json,
    /// W3C SPARQL 1.1 Query Results CSV.
    Csv,
    /// W3C SPARQL 1.1 Query Results TSV.
    Tsv,
    /// For CONSTRUCT and DESCRIBE.
    Turtle,
    /// For CONSTRUCT and DESCRIBE.
    Ntriples,
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
            None if datatype == dossier::vocab::xsd::STRING => {
                serde_json::json!({"type": "literal", "value": value})
            }
            None => serde_json::json!({"type": "literal", "value": value, "datatype": datatype}),
        },
    }
}

fn csv_term(t: &RdfTerm) -> String {
    match t {
        RdfTerm::BlankNode(b) => format!("_:{b}"),
        other => other.value().to_owned(),
    }
}

/// Writes a SPARQL answer in the W3C result formats (or Turtle / N-Triples for graphs).
/// A table holds every row to size its columns: past this many, the query stops with advice.
pub const MAX_TABLE_ROWS: usize = 100_000;

/// Writes a SELECT answer as its rows arrive: JSON, CSV and TSV stream (memory does not grow with
/// the rows); a table collects up to [`MAX_TABLE_ROWS`].
pub struct SelectWriter<'w> {
    /// Where the answer goes; for CSV, inside `csv`.
    out: Option<&'w mut dyn Write>,
    format: SparqlFormat,
    base: String,
    variables: Vec<String>,
    rows: usize,
    table: Vec<Vec<Option<RdfTerm>>>,
    csv: Option<csv::Writer<&'w mut dyn Write>>,
    /// Whether writing failed (a closed pipe): the query's error is then the output's.
    failed: bool,
}

impl<'w> SelectWriter<'w> {
    pub fn new(out: &'w mut dyn Write, format: SparqlFormat, base: &str) -> Result<Self> {
        if matches!(format, SparqlFormat::Turtle | SparqlFormat::Ntriples) {
            anyhow::bail!("a SELECT query answers with rows: use --format table, json, csv or tsv");
        }
        let (out, csv) = match format {
            SparqlFormat::Csv => (
                None,
                Some(
                    csv::WriterBuilder::new()
                        .terminator(csv::Terminator::CRLF)
                        .from_writer(out),
                ),
            ),
            _ => (Some(out), None),
        };
        Ok(SelectWriter {
            out,
            format,
            base: base.to_owned(),
            variables: Vec::new(),
            rows: 0,
            table: Vec::new(),
            csv,
            failed: false,
        })
    }

    /// Whether the answer stopped because the output could not be written.
    pub fn output_failed(&self) -> bool {
        self.failed
    }

    /// The JSON document before and after its bindings, exactly as serde_json pretty-prints it.
    fn json_frame(&self) -> Result<(String, String)> {
        let doc =
            serde_json::json!({"head": {"vars": self.variables}, "results": {"bindings": []}});
        let text = serde_json::to_string_pretty(&doc)?;
        let at = text.find("[]\n").expect("an empty bindings array");
        Ok((text[..at + 1].to_owned(), text[at + 1..].to_owned()))
    }

    /// The output (for every format but CSV, which writes through its own writer).
    fn out(&mut self) -> &mut dyn Write {
        match &mut self.out {
            Some(out) => &mut **out,
            None => unreachable!("only CSV has no direct output, and it writes through csv"),
        }
    }

    /// Ends the answer.
    pub fn finish(mut self) -> Result<()> {
        match self.format {
            SparqlFormat::Json => {
                let (_, end) = self.json_frame()?;
                let rows = self.rows;
                let out = self.out();
                if rows > 0 {
                    write!(out, "\n    ")?;
                }
                writeln!(out, "{end}")?;
                out.flush()?;
            }
            SparqlFormat::Table => {
                let rows = std::mem::take(&mut self.table);
                let (variables, base) = (self.variables.clone(), self.base.clone());
                let out = self.out();
                write_select(out, &variables, &rows, SparqlFormat::Table, &base)?;
                out.flush()?;
            }
            SparqlFormat::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    w.flush()?;
                }
            }
            _ => self.out().flush()?,
        }
        Ok(())
    }
}

impl dossier::sparql::RowSink for SelectWriter<'_> {
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

impl SelectWriter<'_> {
    fn write_variables(&mut self, variables: &[String]) -> Result<()> {
        self.variables = variables.to_vec();
        match self.format {
            SparqlFormat::Json => {
                let (start, _) = self.json_frame()?;
                write!(self.out(), "{start}")?;
            }
            SparqlFormat::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    w.write_record(variables)?;
                }
            }
            SparqlFormat::Tsv => {
                let header: Vec<String> = variables.iter().map(|v| format!("?{v}")).collect();
                writeln!(self.out(), "{}", header.join("\t"))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn write_row(&mut self, row: &[Option<RdfTerm>]) -> Result<()> {
        match self.format {
            SparqlFormat::Json => {
                let mut obj = serde_json::Map::new();
                for (v, t) in self.variables.iter().zip(row) {
                    if let Some(t) = t {
                        obj.insert(v.clone(), w3c_json_term(t));
                    }
                }
                let binding = serde_json::to_string_pretty(&serde_json::Value::Object(obj))?;
                let indented = binding.replace('\n', "\n      ");
                let separator = if self.rows == 0 { "\n" } else { ",\n" };
                write!(self.out(), "{separator}      {indented}")?;
            }
            SparqlFormat::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    w.write_record(
                        row.iter()
                            .map(|t| t.as_ref().map(csv_term).unwrap_or_default()),
                    )?;
                }
            }
            SparqlFormat::Tsv => {
                let cells: Vec<String> = row
                    .iter()
                    .map(|t| t.as_ref().map(RdfTerm::to_ntriples).unwrap_or_default())
                    .collect();
                writeln!(self.out(), "{}", cells.join("\t"))?;
            }
            SparqlFormat::Table => {
                if self.table.len() == MAX_TABLE_ROWS {
                    anyhow::bail!(
                        "the answer has more than {MAX_TABLE_ROWS} rows, which a table holds in \
                         memory: use --format csv, tsv or json (they stream), or add a LIMIT"
                    );
                }
                self.table.push(row.to_vec());
            }
            SparqlFormat::Turtle | SparqlFormat::Ntriples => {}
        }
        self.rows += 1;
        Ok(())
    }
}

pub fn write_answer(
    out: &mut dyn Write,
    answer: &Answer,
    format: SparqlFormat,
    base: &str,
) -> Result<()> {
    match answer {
        Answer::Select { variables, rows } => write_select(out, variables, rows, format, base),
        Answer::Ask(b) => match format {
            SparqlFormat::Json => {
                writeln!(out, "{}", serde_json::json!({"head": {}, "boolean": b}))?;
                Ok(())
            }
            SparqlFormat::Csv | SparqlFormat::Tsv | SparqlFormat::Table => {
                writeln!(out, "{b}")?;
                Ok(())
            }
            SparqlFormat::Turtle | SparqlFormat::Ntriples => anyhow::bail!(
                "an ASK query answers yes or no: use --format table, json, csv or tsv"
            ),
        },
        Answer::Graph(triples) => match format {
            SparqlFormat::Turtle | SparqlFormat::Table => {
                dossier::rdf::write_triples_turtle(triples, base, &mut *out)
            }
            SparqlFormat::Ntriples => dossier::rdf::write_triples_ntriples(triples, &mut *out),
            _ => anyhow::bail!(
                "a CONSTRUCT or DESCRIBE query answers with triples: use --format turtle or ntriples"
            ),
        },
    }
}

/// Writes the rows of a SELECT answer.
fn write_select(
    out: &mut dyn Write,
    variables: &[String],
    rows: &[Vec<Option<RdfTerm>>],
    format: SparqlFormat,
    base: &str,
) -> Result<()> {
    match format {
        SparqlFormat::Json => {
            let bindings: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let mut obj = serde_json::Map::new();
                    for (v, t) in variables.iter().zip(row) {
                        if let Some(t) = t {
                            obj.insert(v.clone(), w3c_json_term(t));
                        }
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
            let doc =
                serde_json::json!({"head": {"vars": variables}, "results": {"bindings": bindings}});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        SparqlFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut *out);
            w.write_record(variables)?;
            for row in rows {
                w.write_record(
                    row.iter()
                        .map(|t| t.as_ref().map(csv_term).unwrap_or_default()),
                )?;
            }
            w.flush()?;
        }
        SparqlFormat::Tsv => {
            let header: Vec<String> = variables.iter().map(|v| format!("?{v}")).collect();
            writeln!(out, "{}", header.join("\t"))?;
            for row in rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|t| t.as_ref().map(RdfTerm::to_ntriples).unwrap_or_default())
                    .collect();
                writeln!(out, "{}", cells.join("\t"))?;
            }
        }
        SparqlFormat::Table => {
            let prefixes = dossier::mapping::prefixes(base);
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
        }
        SparqlFormat::Turtle | SparqlFormat::Ntriples => {
            anyhow::bail!("a SELECT query answers with rows: use --format table, json, csv or tsv")
        }
    }
    Ok(())
}
