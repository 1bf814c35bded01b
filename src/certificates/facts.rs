//! What a certificate states, frozen at issue (stored as JSON), and how each reader sees it:
//! the holder and staff in full, the public verification page masked.

use crate::pii::{mask_name, redact_digits};
use chrono::{DateTime, NaiveDate, Utc};
use entity::service_record::RecordKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 志愿者
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Volunteer {
    /// 姓名；公开核验时打码（如“吴**”）
    pub name: String,
    /// 打码手机号（如 138****1234）；未绑定手机为 null
    pub phone_masked: Option<String>,
    /// 志愿者编号；公开核验时不显示（null）
    pub volunteer_number: Option<String>,
}

/// 证明期间（北京时间的日历日，含首尾两天）
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Period {
    /// 起始日
    #[schema(value_type = String, format = Date, example = "2026-01-01")]
    pub from: NaiveDate,
    /// 截止日
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub to: NaiveDate,
}

/// 一条服务记录
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceLine {
    /// 服务日期（北京时间）
    #[schema(value_type = String, format = Date, example = "2026-11-08")]
    pub date: NaiveDate,
    /// order 服务订单 / activity 志愿活动 / correction 更正（负时长，附原因）
    pub kind: RecordKind,
    /// 服务内容
    pub content: String,
    /// 组织方（社区、单位或活动组织者）
    pub organiser: String,
    /// 计入分钟数；更正为负数
    pub minutes: i64,
    /// 计入小时数（分钟 ÷ 60，最多两位小数，如 "1.5"）
    #[schema(example = "1.5")]
    pub hours: String,
    /// 更正原因（仅 correction）
    pub reason: Option<String>,
}

/// 出具单位
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issuer {
    /// 出具社区名称
    pub community: String,
    /// 负责人；社区未登记时为 null（证明上印“—”）
    pub person_in_charge: Option<String>,
    /// 联系电话；社区未登记时为 null（证明上印“—”）
    pub contact: Option<String>,
}

/// 证明的内容（开具时固定，之后不再改变）
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Facts {
    /// 证明编号，如 LL2026-7K3M9-QX2PD-4（凭此公开核验）
    #[schema(example = "LL2026-7K3M9-QX2PD-4")]
    pub number: String,
    /// 出具时间
    pub issued_at: DateTime<Utc>,
    pub volunteer: Volunteer,
    pub period: Period,
    /// 期间内的每一条服务（按日期先后）
    pub items: Vec<ServiceLine>,
    /// 合计分钟数
    pub total_minutes: i64,
    /// 合计小时数（最多两位小数）
    #[schema(example = "12.5")]
    pub total_hours: String,
    pub issuer: Issuer,
}

/// 志愿服务记录证明
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateOut {
    #[serde(flatten)]
    pub facts: Facts,
    /// 下载 PDF 的地址（本人与出具社区的工作者可下载）；公开核验时为 null
    #[schema(example = "/api/v1/certificates/LL2026-7K3M9-QX2PD-4/pdf")]
    pub pdf_url: Option<String>,
}

/// 证明（列表项）
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSummary {
    #[schema(example = "LL2026-7K3M9-QX2PD-4")]
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// 志愿者姓名
    pub volunteer_name: String,
    pub period: Period,
    pub total_minutes: i64,
    /// 合计小时数
    pub total_hours: String,
    /// 出具社区名称
    pub issuer_community: String,
    /// 下载 PDF 的地址
    pub pdf_url: String,
}

/// Minutes as hours with at most two decimals: 90 → `1.5`, 45 → `0.75`, -30 → `-0.5`.
pub fn hours(minutes: i64) -> String {
    let hundredths = (minutes.abs() * 100 + 30) / 60;
    let sign = if minutes < 0 && hundredths > 0 { "-" } else { "" };
    let text = format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Where the PDF of `number` is downloaded.
pub fn pdf_url(number: &str) -> String {
    format!("/api/v1/certificates/{number}/pdf")
}

/// Who reads a certificate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reader {
    /// The volunteer or staff over the issuing community: everything.
    Entitled,
    /// Anyone checking a number: name masked, no volunteer number, digits in texts hidden.
    Public,
}

/// The certificate as `reader` sees it.
pub fn out(mut facts: Facts, reader: Reader) -> CertificateOut {
    let pdf_url = match reader {
        Reader::Entitled => Some(pdf_url(&facts.number)),
        Reader::Public => {
            facts.volunteer.name = mask_name(&facts.volunteer.name);
            facts.volunteer.volunteer_number = None;
            for line in &mut facts.items {
                line.content = redact_digits(&line.content);
                line.reason = line.reason.as_deref().map(redact_digits);
            }
            None
        }
    };
    CertificateOut { facts, pdf_url }
}

/// A certificate in a list.
pub fn summary(facts: Facts) -> CertificateSummary {
    CertificateSummary {
        pdf_url: pdf_url(&facts.number),
        number: facts.number,
        issued_at: facts.issued_at,
        volunteer_name: facts.volunteer.name,
        period: facts.period,
        total_minutes: facts.total_minutes,
        total_hours: facts.total_hours,
        issuer_community: facts.issuer.community,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_keep_two_decimals_at_most() {
        for (m, h) in [
            (0, "0"),
            (60, "1"),
            (90, "1.5"),
            (45, "0.75"),
            (20, "0.33"),
            (-30, "-0.5"),
            (750, "12.5"),
        ] {
            assert_eq!(hours(m), h, "{m}");
        }
    }
}
