//! Reading the CSV file: the header names top-level subject claims of the template, each
//! cell becomes JSON by the claim's JSON Schema type, and every row is validated with the
//! template before anything is offered.
//!
//! | schema type | cell |
//! |---|---|
//! | `string` (or none) | as is |
//! | `array` | split on `;`, parts trimmed, empty parts dropped, each converted by `items` |
//! | `boolean` | `true` or `false` (any case) |
//! | `integer`, `number` | a decimal number |
//! | `object` | a JSON object |
//!
//! An empty cell leaves the claim out; cells and header names are trimmed; rows whose cells
//! are all empty (spreadsheet exports end with some) are skipped. Lines are numbered as a
//! text editor numbers them, the header being line 1.

use std::collections::{BTreeSet, HashMap};
use std::io::Read as _;
use std::path::Path;

use serde_json::{Map, Value};
use time::Date;

use crate::Error;
use crate::templates::Template;

/// The largest CSV file read (64 MiB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The most data rows read.
pub const MAX_ROWS: usize = 1_000_000;

/// A valid row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The value of the template's record key (e.g. the employee number).
    pub record_key: String,
    /// The validated subject claims (derived claims added).
    pub claims: Map<String, Value>,
}

/// Why a row (or the header, line 1) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file.
    pub line: u64,
    /// A JSON Pointer to the claim at fault (`/name_ko`, `/access_groups/1`), or `/` for
    /// the whole row.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// The file, read and checked.
#[derive(Debug, Default)]
pub struct Rows {
    /// Problems with the header: nothing can be offered while there are any.
    pub header_errors: Vec<RowError>,
    /// The valid rows, in file order.
    pub valid: Vec<Row>,
    /// One entry per problem of each bad row, by line.
    pub bad: Vec<RowError>,
    /// How many distinct lines are bad.
    pub bad_rows: usize,
}

/// Reads and validates `path` for `template` as of `today` (derived claims).
pub fn read(path: &Path, template: &Template, today: Date) -> Result<Rows, Error> {
    let bytes = read_limited(path)?;
    parse(&bytes, template, today).map_err(|e| match e {
        Error::InvalidInput { message, .. } => Error::invalid(path.display().to_string(), message),
        other => other,
    })
}

fn read_limited(path: &Path) -> Result<Vec<u8>, Error> {
    let what = || format!("cannot read {}", path.display());
    let file = std::fs::File::open(path).map_err(|e| Error::io(what(), e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(what(), e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("over {} MiB; split the file", MAX_FILE_BYTES / (1024 * 1024)),
        ));
    }
    Ok(bytes)
}

/// A JSON Pointer to the top-level claim `name`.
fn pointer(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// The template's error pointer (`/claims/...`) made relative to the row.
fn row_pointer(field: &str) -> String {
    match field.strip_prefix("/claims") {
        Some("") => "/".to_owned(),
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => field.to_owned(),
    }
}

/// A column: its claim name and the property's schema.
struct Column<'a> {
    name: String,
    schema: &'a Value,
}

/// Checks the header: every column a claim the caller may give, none twice, every required
/// claim present.
fn columns<'a>(header: &csv::ByteRecord, template: &'a Template) -> Result<Vec<Column<'a>>, Vec<RowError>> {
    let properties = template.schema.get("properties").and_then(Value::as_object);
    let derived: BTreeSet<&str> = template.derived.iter().map(|d| d.claim.as_str()).collect();
    let allowed: Vec<&str> = properties
        .map(|p| p.keys().map(String::as_str).filter(|k| !derived.contains(k)).collect())
        .unwrap_or_default();
    let header_error = |field: String, message: String| RowError {
        line: 1,
        field,
        message,
    };
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in header.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(raw) else {
            errors.push(header_error(
                format!("column {}", i + 1),
                "the header is not UTF-8 text (save the sheet as \"CSV UTF-8\")".into(),
            ));
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            errors.push(header_error(format!("column {}", i + 1), "has no name".into()));
            continue;
        }
        if !seen.insert(name.to_owned()) {
            errors.push(header_error(pointer(name), "is a column twice".into()));
            continue;
        }
        if derived.contains(name) {
            errors.push(header_error(
                pointer(name),
                "is derived by the issuer and cannot be given".into(),
            ));
            continue;
        }
        match properties.and_then(|p| p.get(name)) {
            Some(schema) => columns.push(Column {
                name: name.to_owned(),
                schema,
            }),
            None => errors.push(header_error(
                pointer(name),
                format!(
                    "unknown column; the claims of {} are {}",
                    template.name,
                    allowed.join(", ")
                ),
            )),
        }
    }
    for required in required(template) {
        if !seen.contains(required) && !derived.contains(required) {
            errors.push(header_error(pointer(required), "required column missing".into()));
        }
    }
    let key = template.record_key.as_str();
    if !seen.contains(key) && !required(template).any(|r| r == key) {
        errors.push(header_error(
            pointer(key),
            "column missing: it identifies each row's subject".into(),
        ));
    }
    if errors.is_empty() { Ok(columns) } else { Err(errors) }
}

/// The claims the schema requires.
fn required(template: &Template) -> impl Iterator<Item = &str> {
    template
        .schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The schema's type name (the first one that is not `null` when it lists several).
fn type_of(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    }
}

/// A cell as the JSON value `schema` expects.
fn cell_value(schema: &Value, text: &str) -> Result<Value, String> {
    match type_of(schema) {
        "array" => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            text.split(';')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| cell_value(items, part))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        "boolean" => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} is not true or false")),
        },
        "integer" => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{text:?} is not a whole number")),
        "number" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{text:?} is not a number")),
        "object" => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(Value::Object(map)),
            _ => Err("is not a JSON object".to_owned()),
        },
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// Parses the file's bytes (a UTF-8 byte order mark is skipped).
pub fn parse(bytes: &[u8], template: &Template, today: Date) -> Result<Rows, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Records end at `\n` only (a `\r` before it is trimmed away): the csv crate counts
    // lines by `\n`, so a bare `\r` ending a record would give two records one line number.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| Error::invalid("line 1", format!("cannot read the header: {e}")))?
        .clone();
    let mut rows = Rows::default();
    if header.iter().all(<[u8]>::is_empty) {
        rows.header_errors.push(RowError {
            line: 1,
            field: "/".into(),
            message: "the file is empty; the first line names the claims".into(),
        });
        return Ok(rows);
    }
    let columns = match columns(&header, template) {
        Ok(columns) => columns,
        Err(errors) => {
            rows.header_errors = errors;
            return Ok(rows);
        }
    };
    let required: BTreeSet<&str> = required(template).collect();
    let mut record = csv::ByteRecord::new();
    let mut count = 0usize;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| Error::invalid("file", format!("cannot read it as CSV: {e}")))?;
        if !more {
            break;
        }
        if record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(Error::invalid("file", format!("over {MAX_ROWS} rows; split the file")));
        }
        let line = record.position().map_or(0, csv::Position::line);
        match row(line, &record, &columns, &required, template, today) {
            Ok(row) => rows.valid.push(row),
            Err(errors) => {
                rows.bad_rows += 1;
                rows.bad.extend(errors);
            }
        }
    }
    mark_duplicates(&mut rows, template);
    Ok(rows)
}

/// One data row to claims, checked.
fn row(
    line: u64,
    record: &csv::ByteRecord,
    columns: &[Column<'_>],
    required: &BTreeSet<&str>,
    template: &Template,
    today: Date,
) -> Result<Row, Vec<RowError>> {
    let error = |field: String, message: String| RowError { line, field, message };
    let mut errors = Vec::new();
    if record.len() != columns.len() {
        errors.push(error(
            "/".into(),
            format!("has {} cells; the header has {}", record.len(), columns.len()),
        ));
        return Err(errors);
    }
    let mut claims = Map::new();
    for (column, raw) in columns.iter().zip(record.iter()) {
        let Ok(text) = std::str::from_utf8(raw) else {
            errors.push(error(
                pointer(&column.name),
                "is not UTF-8 text (save the sheet as \"CSV UTF-8\")".into(),
            ));
            continue;
        };
        if text.is_empty() {
            if required.contains(column.name.as_str()) {
                errors.push(error(pointer(&column.name), "is required (the cell is empty)".into()));
            }
            continue;
        }
        match cell_value(column.schema, text) {
            Ok(value) => {
                claims.insert(column.name.clone(), value);
            }
            Err(message) => errors.push(error(pointer(&column.name), message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let checked = template.offer_claims(&Value::Object(claims), today);
    match checked {
        Ok((record_key, claims)) => Ok(Row {
            line,
            record_key,
            claims,
        }),
        Err(Error::InvalidInput { field, message }) => Err(vec![error(row_pointer(&field), message)]),
        Err(other) => Err(vec![error("/".into(), other.to_string())]),
    }
}

/// Rows sharing a record key are all bad: which one is right is for people to say.
fn mark_duplicates(rows: &mut Rows, template: &Template) {
    let mut lines: HashMap<&str, Vec<u64>> = HashMap::new();
    for row in &rows.valid {
        lines.entry(row.record_key.as_str()).or_default().push(row.line);
    }
    let duplicated: HashMap<String, Vec<u64>> = lines
        .into_iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(key, lines)| (key.to_owned(), lines))
        .collect();
    if duplicated.is_empty() {
        return;
    }
    let field = pointer(&template.record_key);
    let mut kept = Vec::with_capacity(rows.valid.len());
    for row in std::mem::take(&mut rows.valid) {
        match duplicated.get(&row.record_key) {
            Some(lines) => {
                let others: Vec<String> = lines.iter().filter(|l| **l != row.line).map(u64::to_string).collect();
                rows.bad_rows += 1;
                rows.bad.push(RowError {
                    line: row.line,
                    field: field.clone(),
                    message: format!(
                        "{:?} is also on line {}; each {} may appear once",
                        row.record_key,
                        others.join(", "),
                        template.record_key
                    ),
                });
            }
            None => kept.push(row),
        }
    }
    rows.valid = kept;
    rows.bad.sort_by_key(|e| e.line);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::templates::Templates;

    fn employee_rows(text: &str) -> Rows {
        let templates = Templates::built_in().unwrap();
        let template = templates.get("EmployeeIdCredential").unwrap();
        parse(text.as_bytes(), template, time::macros::date!(2026 - 01 - 01)).unwrap()
    }

    const HEADER: &str = "employee_number,name_ko,name_latin,organization,department,position,access_groups\n";

    #[test]
    fn cells_become_typed_claims() {
        let rows = employee_rows(&format!(
            "\u{feff}{HEADER}E-1,김민준,Kim Minjun,Gyeonggi,Digital,Engineer, hq ; ;lab\n,,,,,,\n"
        ));
        assert!(rows.bad.is_empty(), "{:?}", rows.bad);
        assert_eq!(rows.valid.len(), 1);
        let row = &rows.valid[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.record_key, "E-1");
        assert_eq!(row.claims["access_groups"], serde_json::json!(["hq", "lab"]));
    }

    #[test]
    fn bad_cells_are_named_with_their_line() {
        let rows = employee_rows(&format!(
            "{HEADER}E-1,a,Kim,o,d,p,g\n\"E-2\nX\",a,Kim,o,d,p,g\nE-3,,Kim,o,d,p,g\nE-4,a,Kim,o,d\n"
        ));
        let shown: Vec<String> = rows.bad.iter().map(ToString::to_string).collect();
        assert_eq!(rows.bad_rows, 3);
        assert!(shown[0].starts_with("line 3: /employee_number: "), "{shown:?}");
        assert_eq!(shown[1], "line 5: /name_ko: is required (the cell is empty)");
        assert_eq!(shown[2], "line 6: /: has 5 cells; the header has 7");
    }

    /// Found by the `bulk_csv` fuzz target: a bare `\r` ended a record without starting a
    /// new line number, so two bad rows were reported on one line. Windows line endings
    /// still read as before.
    #[test]
    fn fuzz_bulk_csv_bare_carriage_return_shares_a_line() {
        let crlf = employee_rows(&format!(
            "{}E-1,a,Kim,o,d,p,g\r\nE-2,a,Kim,o,d,p,\"g;h\"\r\n",
            HEADER.replace('\n', "\r\n")
        ));
        assert!(crlf.bad.is_empty(), "{:?}", crlf.bad);
        let lines: Vec<u64> = crlf.valid.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3]);
        assert_eq!(crlf.valid[1].claims["access_groups"], serde_json::json!(["g", "h"]));

        let bare = employee_rows(&format!(
            "{HEADER}E-1,a,Kim,o,d,p,g\rE-2,,Kim,o,d,p,g\nE-3,,Kim,o,d,p,g\n"
        ));
        let bad_lines: BTreeSet<u64> = bare.bad.iter().map(|e| e.line).collect();
        assert_eq!(bad_lines.len(), bare.bad_rows, "{:?}", bare.bad);
        assert!(bare.valid.iter().all(|r| !bad_lines.contains(&r.line)));
    }

    #[test]
    fn header_problems_are_all_reported() {
        let rows = employee_rows("employee_number,nickname,name_ko,name_ko\nE-1,x,y,z\n");
        let fields: Vec<&str> = rows.header_errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"/nickname"));
        assert!(fields.contains(&"/name_ko"));
        assert!(fields.contains(&"/organization"));
        assert!(rows.valid.is_empty());
    }
}
