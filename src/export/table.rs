//! Tables as CSV: a row knows its Chinese column headers and writes its cells; this file quotes
//! and escapes them (the `csv` crate), writes times as China local time and starts a file with
//! the UTF-8 byte order mark so Excel reads Chinese.

use crate::api::Id;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use std::fmt::Display;

/// The UTF-8 byte order mark: Excel opens a CSV file as UTF-8 only when it starts with it.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One row of an exported list: its columns' headers and its cells, in the same order.
pub trait CsvRow {
    /// The header line.
    fn headers() -> Vec<&'static str>;
    /// This row's cells, one per header.
    fn cells(&self, out: &mut Cells);
}

/// A table written from one answer (a dashboard, a settlement): its headers and every row.
pub trait CsvTable {
    fn headers(&self) -> Vec<&'static str>;
    fn rows(&self) -> Vec<Cells>;
}

/// The cells of one row, each written as the export shows it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cells(pub Vec<String>);

impl Cells {
    /// Free text. A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or
    /// carriage return first) is prefixed with `'`, so a name or memo never runs as one.
    pub fn text(&mut self, s: &str) -> &mut Cells {
        let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
        self.0.push(if formula { format!("'{s}") } else { s.to_owned() });
        self
    }

    /// Free text, empty when absent.
    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Cells {
        self.text(s.unwrap_or_default())
    }

    /// A number, a code or a label written as it is (never user text).
    pub fn value(&mut self, v: impl Display) -> &mut Cells {
        self.0.push(v.to_string());
        self
    }

    /// A value, empty when absent.
    pub fn opt(&mut self, v: Option<impl Display>) -> &mut Cells {
        self.0.push(v.map(|v| v.to_string()).unwrap_or_default());
        self
    }

    pub fn id(&mut self, id: Id) -> &mut Cells {
        self.value(id.0)
    }

    pub fn opt_id(&mut self, id: Option<Id>) -> &mut Cells {
        self.opt(id.map(|i| i.0))
    }

    /// An instant as China local time, `YYYY-MM-DD HH:MM:SS` (UTC+8).
    pub fn time(&mut self, at: DateTime<Utc>) -> &mut Cells {
        self.value(china_time(at))
    }

    pub fn opt_time(&mut self, at: Option<DateTime<Utc>>) -> &mut Cells {
        self.opt(at.map(china_time))
    }

    /// An enum by its code on the wire (`time`, `grant`, …), for those without a Chinese label.
    pub fn code(&mut self, v: &impl serde::Serialize) -> &mut Cells {
        let code = serde_json::to_value(v).ok();
        self.value(code.as_ref().and_then(|c| c.as_str()).unwrap_or_default())
    }

    /// A yes/no as 是 / 否.
    pub fn yes_no(&mut self, b: bool) -> &mut Cells {
        self.value(if b { "是" } else { "否" })
    }
}

/// `YYYY-MM-DD HH:MM:SS` in China (UTC+8), as Excel reads a date and time.
pub fn china_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::calendar::china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The first bytes of a file: the byte order mark and the header line.
pub fn head(headers: &[&str]) -> AppResult<Vec<u8>> {
    let mut out = BOM.to_vec();
    out.extend(lines(std::iter::once(headers.iter().copied()))?);
    Ok(out)
}

/// Rows of a list as CSV lines (no header).
pub fn row_lines<R: CsvRow>(rows: &[R]) -> AppResult<Vec<u8>> {
    let cells: Vec<Cells> = rows
        .iter()
        .map(|r| {
            let mut c = Cells::default();
            r.cells(&mut c);
            c
        })
        .collect();
    lines(cells.iter().map(|c| c.0.iter().map(String::as_str)))
}

/// A whole table: byte order mark, header and rows.
pub fn table_bytes(t: &impl CsvTable) -> AppResult<Vec<u8>> {
    let mut out = head(&t.headers())?;
    out.extend(lines(t.rows().iter().map(|c| c.0.iter().map(String::as_str)))?);
    Ok(out)
}

/// Records as CSV lines, `\r\n` ended (RFC 4180); fields quoted when they must be.
fn lines<'a, I, F>(records: I) -> AppResult<Vec<u8>>
where
    I: IntoIterator<Item = F>,
    F: IntoIterator<Item = &'a str>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    for record in records {
        w.write_record(record).map_err(AppError::internal)?;
    }
    w.into_inner().map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Note {
        id: i64,
        text: &'static str,
        at: DateTime<Utc>,
    }

    impl CsvRow for Note {
        fn headers() -> Vec<&'static str> {
            vec!["编号", "内容", "时间"]
        }
        fn cells(&self, out: &mut Cells) {
            out.value(self.id).text(self.text).time(self.at);
        }
    }

    fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn commas_quotes_and_newlines_in_chinese_text_survive_a_reader() {
        let at: DateTime<Utc> = "2026-10-31T16:30:05Z".parse().unwrap();
        let notes = [
            Note {
                id: 1,
                text: "修水管，换龙头",
                at,
            },
            Note {
                id: 2,
                text: "他说\"谢谢\"",
                at,
            },
            Note {
                id: 3,
                text: "第一行\n第二行\r\n第三行",
                at,
            },
            Note {
                id: 4,
                text: "=1+1",
                at,
            },
        ];
        let mut bytes = head(&Note::headers()).unwrap();
        bytes.extend(row_lines(&notes).unwrap());
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.starts_with("编号,内容,时间\r\n"), "{text}");
        assert!(text.contains("\"修水管，换龙头\"") || text.contains("修水管，换龙头"));
        assert!(text.contains("\"他说\"\"谢谢\"\"\""), "{text}");
        let rows = parse(&bytes[3..]);
        assert_eq!(rows[0], ["编号", "内容", "时间"]);
        assert_eq!(rows[1], ["1", "修水管，换龙头", "2026-11-01 00:30:05"]);
        assert_eq!(rows[2][1], "他说\"谢谢\"");
        assert_eq!(rows[3][1], "第一行\n第二行\r\n第三行");
        assert_eq!(rows[4][1], "'=1+1", "a formula is written as text");
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn an_ascii_comma_is_quoted() {
        let mut c = Cells::default();
        c.text("a,b").value(-30).opt(None::<i64>);
        let bytes = lines([c.0.iter().map(String::as_str)]).unwrap();
        assert_eq!(bytes, b"\"a,b\",-30,\r\n");
    }
}
