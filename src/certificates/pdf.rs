//! The certificate as a PDF: a pure function of its frozen facts, so the same certificate always
//! renders to the same bytes (no clock, no randomness; the document id derives from the content).
//!
//! Text is set in the bundled Noto Sans CJK SC subset (`assets/fonts`, GB2312 + ASCII + CJK
//! punctuation; no system font is needed). krilla embeds only the glyphs used, with a ToUnicode
//! map, so the text can be searched and extracted. A character the font lacks (a rare hanzi
//! outside GB2312, an emoji) is printed as `□`; control characters as spaces.

use super::facts::{Facts, ServiceLine};
use chrono::NaiveDate;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::sync::LazyLock;

const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-GB2312.otf");
static FONT: LazyLock<Font> =
    LazyLock::new(|| Font::new(FONT_BYTES.into(), 0).expect("the bundled font parses"));

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - 72.0;
/// Table columns: left edge and width of date, content, organiser, hours.
const COLS: [(f32, f32); 4] = [
    (MARGIN, 76.0),
    (MARGIN + 80.0, 200.0),
    (MARGIN + 284.0, 140.0),
    (MARGIN + 428.0, 55.0),
];
const ROW_SIZE: f32 = 9.5;
const ROW_LEAD: f32 = 14.0;
const MISSING: char = '□';
const EMPTY: &str = "—";

/// Measures and cleans text against the bundled font.
struct Metrics {
    font: FontRef<'static>,
    upem: f32,
}

impl Metrics {
    fn new() -> Metrics {
        let font = FontRef::new(FONT_BYTES).expect("the bundled font parses");
        let upem = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Metrics { font, upem }
    }

    /// `text` with every character the font cannot draw replaced.
    fn clean(&self, text: &str) -> String {
        let charmap = self.font.charmap();
        text.chars()
            .map(|c| match c {
                c if c.is_control() => ' ',
                c if charmap.map(c).is_some() => c,
                _ => MISSING,
            })
            .collect()
    }

    /// Width of clean `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let advances = self.font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 = text
            .chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| advances.advance_width(g))
                    .unwrap_or(self.upem)
            })
            .sum();
        units / self.upem * size
    }

    /// Clean `text` broken into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = vec![String::new()];
        for c in self.clean(text).chars() {
            let line = lines.last_mut().expect("one line at least");
            line.push(c);
            if self.width(line, size) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(c.to_string());
            }
        }
        lines
    }
}

enum Op {
    Text { x: f32, y: f32, size: f32, text: String },
    Rule { y: f32 },
}

/// Pages as lists of drawing operations; `y` is the baseline of the next line (from the top).
struct Layout {
    m: Metrics,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn text(&mut self, x: f32, size: f32, text: &str) {
        let text = self.m.clean(text);
        let y = self.y;
        self.ops().push(Op::Text { x, y, size, text });
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("one page at least")
    }

    fn rule(&mut self) {
        let y = self.y;
        self.ops().push(Op::Rule { y });
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 10.0;
    }

    /// A paragraph wrapped to the text width.
    fn paragraph(&mut self, size: f32, text: &str) {
        for line in self.m.wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            if self.y > BOTTOM {
                self.new_page();
            }
            self.text(MARGIN, size, &line);
            self.y += size * 1.6;
        }
    }

    /// A label and its value as two runs, so the value reads as one piece of text.
    fn field(&mut self, label: &str, value: &str) {
        let size = 11.5;
        self.text(MARGIN, size, label);
        let x = MARGIN + self.m.width(label, size) + 4.0;
        self.text(x, size, value);
        self.y += size * 1.8;
    }

    fn table_header(&mut self) {
        self.rule();
        self.y += ROW_LEAD;
        for ((x, _), title) in COLS.iter().zip(["日期", "服务内容", "组织方", "时长（小时）"])
        {
            self.text(*x, ROW_SIZE, title);
        }
        self.y += 6.0;
        self.rule();
        self.y += ROW_LEAD;
    }

    fn row(&mut self, line: &ServiceLine) {
        let content = match &line.reason {
            Some(reason) => format!("{}（更正：{reason}）", line.content),
            None => line.content.clone(),
        };
        let cells = [
            vec![day(line.date)],
            self.m.wrap(&content, ROW_SIZE, COLS[1].1),
            self.m.wrap(&line.organiser, ROW_SIZE, COLS[2].1),
            vec![line.hours.clone()],
        ];
        let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * ROW_LEAD;
        if self.y + height > BOTTOM {
            self.new_page();
            self.table_header();
        }
        let top = self.y;
        for ((x, _), lines) in COLS.iter().zip(cells) {
            self.y = top;
            for l in lines {
                self.text(*x, ROW_SIZE, &l);
                self.y += ROW_LEAD;
            }
        }
        self.y = top + height;
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn long_day(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().filter(|s| !s.is_empty()).unwrap_or(EMPTY)
}

fn lay_out(f: &Facts) -> Vec<Vec<Op>> {
    let mut l = Layout {
        m: Metrics::new(),
        pages: Vec::new(),
        y: 0.0,
    };
    l.new_page();
    let title = "志愿服务记录证明";
    let x = (PAGE_W - l.m.width(title, 22.0)) / 2.0;
    l.y += 12.0;
    l.text(x, 22.0, title);
    l.y += 30.0;
    l.field("证明编号：", &f.number);
    let issued = f.issued_at.with_timezone(&crate::calendar::china()).date_naive();
    l.field("志愿者：", &f.volunteer.name);
    l.field("志愿者编号：", or_dash(&f.volunteer.volunteer_number));
    l.field("手机号码：", or_dash(&f.volunteer.phone_masked));
    let period = format!("{} 至 {}", long_day(f.period.from), long_day(f.period.to));
    l.field("服务期间：", &period);
    let total = format!("{} 小时（{} 分钟）", f.total_hours, f.total_minutes);
    l.field("累计服务时长：", &total);
    l.paragraph(
        11.0,
        "兹证明该志愿者于上述期间参加志愿服务，服务记录如下。本证明依据志愿服务记录出具，记录真实、准确、完整、可追溯。",
    );
    l.y += 6.0;
    l.table_header();
    for line in &f.items {
        l.row(line);
    }
    l.rule();
    l.y += 26.0;
    if l.y + 4.0 * 20.0 > BOTTOM {
        l.new_page();
    }
    l.field("出具单位：", &f.issuer.community);
    l.field("负责人：", or_dash(&f.issuer.person_in_charge));
    l.field("联系电话：", or_dash(&f.issuer.contact));
    l.field("出具日期：", &long_day(issued));
    l.pages
}

/// The PDF of a certificate.
pub fn render(f: &Facts) -> Result<Vec<u8>, krilla::error::KrillaError> {
    let pages = lay_out(f);
    let count = pages.len();
    let mut doc = Document::new();
    let issued = f.issued_at;
    let date = PdfDate::new(issued.format("%Y").to_string().parse().unwrap_or(2000))
        .month(issued.format("%m").to_string().parse().unwrap_or(1))
        .day(issued.format("%d").to_string().parse().unwrap_or(1))
        .hour(issued.format("%H").to_string().parse().unwrap_or(0))
        .minute(issued.format("%M").to_string().parse().unwrap_or(0))
        .second(issued.format("%S").to_string().parse().unwrap_or(0))
        .utc_offset_hour(0);
    doc.set_metadata(
        Metadata::new()
            .title(format!("志愿服务记录证明 {}", f.number))
            .language("zh-CN".into())
            .creator("linli".into())
            .creation_date(date),
    );
    let footer_size = 8.5;
    let metrics = Metrics::new();
    for (i, ops) in pages.into_iter().enumerate() {
        let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, text } => s.draw_text(
                    Point::from_xy(x, y),
                    FONT.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                ),
                Op::Rule { y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(MARGIN, y);
                    pb.line_to(PAGE_W - MARGIN, y);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(120, 120, 120).into(),
                            width: 0.6,
                            ..Default::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                        s.set_fill(Some(Default::default()));
                    }
                }
            }
        }
        let footer = format!(
            "证明编号 {} · 凭编号可在线核验真伪 · 第 {} 页，共 {count} 页",
            f.number,
            i + 1
        );
        let x = (PAGE_W - metrics.width(&footer, footer_size)) / 2.0;
        s.draw_text(
            Point::from_xy(x, PAGE_H - 36.0),
            FONT.clone(),
            footer_size,
            &footer,
            false,
            TextDirection::Auto,
        );
        s.finish();
        page.finish();
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::super::facts::{Issuer, Period, Volunteer};
    use super::*;

    fn facts(name: &str, lines: usize) -> Facts {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let line = |i: usize| ServiceLine {
            date: d("2026-03-01") + chrono::Days::new(i as u64 % 200),
            kind: entity::service_record::RecordKind::Activity,
            content: format!("社区环境整治志愿服务活动第 {i} 场，清理楼道杂物并张贴安全提示"),
            organiser: "和平社区党委".into(),
            minutes: 90,
            hours: "1.5".into(),
            reason: None,
        };
        Facts {
            number: "LL2026-7K3M9-QX2PD-4".into(),
            issued_at: "2026-11-30T02:00:00Z".parse().unwrap(),
            volunteer: Volunteer {
                name: name.into(),
                phone_masked: Some("138****0011".into()),
                volunteer_number: Some("LLV00000042".into()),
            },
            period: Period {
                from: d("2026-01-01"),
                to: d("2026-11-30"),
            },
            items: (0..lines).map(line).collect(),
            total_minutes: 90 * lines as i64,
            total_hours: super::super::facts::hours(90 * lines as i64),
            issuer: Issuer {
                community: "和平社区".into(),
                person_in_charge: None,
                contact: Some("0571-12345678".into()),
            },
        }
    }

    #[test]
    fn renders_a_pdf_the_same_way_every_time() {
        let f = facts("吴晓明", 3);
        let a = render(&f).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, render(&f).unwrap(), "same facts, same bytes");
        let mut other = f.clone();
        other.total_minutes += 1;
        assert_ne!(a, render(&other).unwrap());
    }

    #[test]
    fn the_text_reads_back() {
        let text = pdf_extract::extract_text_from_mem(&render(&facts("吴晓明", 2)).unwrap()).unwrap();
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for wanted in [
            "志愿服务记录证明",
            "吴晓明",
            "3小时（180分钟）",
            "LL2026-7K3M9-QX2PD-4",
            "负责人：—",
        ] {
            assert!(squeezed.contains(wanted), "{wanted} missing from: {text}");
        }
    }

    #[test]
    fn long_records_flow_onto_more_pages() {
        assert_eq!(lay_out(&facts("吴晓明", 3)).len(), 1);
        assert!(lay_out(&facts("吴晓明", 120)).len() >= 3);
        assert!(render(&facts("吴晓明", 120)).is_ok());
    }

    #[test]
    fn characters_outside_the_font_become_boxes_without_failing() {
        let m = Metrics::new();
        assert_eq!(m.clean("吴喆😀\n"), "吴□□ ");
        assert_eq!(m.clean("ASCII 和（中文）标点。"), "ASCII 和（中文）标点。");
        assert!(render(&facts("吴喆😀", 1)).is_ok());
    }

    #[test]
    fn lines_wrap_inside_their_column() {
        let m = Metrics::new();
        let lines = m.wrap(&"很长的服务内容".repeat(10), ROW_SIZE, COLS[1].1);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| m.width(l, ROW_SIZE) <= COLS[1].1));
        assert_eq!(lines.concat(), "很长的服务内容".repeat(10));
    }
}
