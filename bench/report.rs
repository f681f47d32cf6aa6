//! What each workspace benchmark leaves for `scripts/bench`: one JSON file,
//! `target/bench/<name>.json` (or `$DOJANG_BENCH_OUT/<name>.json`), holding a Markdown table
//! of its results and the named figures `bench/report.py` compares with the targets.
//!
//! Benchmarks include this file with `#[path = "../../bench/report.rs"] mod report;`: it is a
//! few lines of shared test code, not worth a crate.

// Each benchmark uses the part it needs.
#![allow(dead_code)]

use std::path::PathBuf;

/// A benchmark's results: a table for people, figures for the summary.
pub struct Report {
    name: &'static str,
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    body: Option<String>,
    figures: serde_json::Map<String, serde_json::Value>,
    notes: Vec<String>,
}

impl Report {
    /// An empty report that will be written to `<name>.json`.
    pub fn new(name: &'static str, title: impl Into<String>) -> Report {
        Report {
            name,
            title: title.into(),
            header: Vec::new(),
            rows: Vec::new(),
            body: None,
            figures: serde_json::Map::new(),
            notes: Vec::new(),
        }
    }

    /// The table's column names.
    pub fn header(&mut self, columns: &[&str]) {
        self.header = columns.iter().map(|c| (*c).to_owned()).collect();
    }

    /// One table row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Markdown written by the benchmark itself, in place of the table.
    pub fn body(&mut self, markdown: String) {
        self.body = Some(markdown);
    }

    /// A named figure (microseconds end in `_us`, rates in `_per_s`, sizes in `_bytes` or
    /// `_mib`; ratios say what they divide).
    pub fn figure(&mut self, key: &str, value: f64) {
        if let Some(number) = serde_json::Number::from_f64(value) {
            self.figures.insert(key.to_owned(), serde_json::Value::Number(number));
        }
    }

    /// A line printed under the table.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// The table in Markdown, with the notes under it.
    pub fn markdown(&self) -> String {
        if let Some(body) = &self.body {
            return body.clone();
        }
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut text = line(&self.header);
        text.push_str(&line(&vec!["---".to_owned(); self.header.len()]));
        for row in &self.rows {
            text.push_str(&line(row));
        }
        for note in &self.notes {
            text.push('\n');
            text.push_str(note);
            text.push('\n');
        }
        text
    }

    /// Writes `<out>/<name>.json` and prints the Markdown table.
    pub fn write(&self) {
        let markdown = self.markdown();
        println!("\n## {}\n\n{markdown}", self.title);
        let out = out_dir();
        let json = serde_json::json!({
            "name": self.name,
            "title": self.title,
            "markdown": markdown,
            "figures": self.figures,
        });
        let path = out.join(format!("{}.json", self.name));
        let written = std::fs::create_dir_all(&out).and_then(|()| std::fs::write(&path, json.to_string()));
        if let Err(error) = written {
            eprintln!("cannot write {}: {error}", path.display());
        }
    }
}

/// Where reports go: `$DOJANG_BENCH_OUT`, else the workspace's `target/bench`.
pub fn out_dir() -> PathBuf {
    std::env::var_os("DOJANG_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench"))
}

/// Microseconds with two decimals.
pub fn us(micros: f64) -> String {
    format!("{micros:.2}")
}

/// A ratio with two decimals and an `x`.
pub fn x(ratio: f64) -> String {
    format!("{ratio:.2}x")
}
