//! Proposals as the pages show them: every value already in the reader's language and format.

use crate::app::proposals::Attachment;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalContent;

use super::i18n::Lang;

pub struct Section {
    pub name: &'static str,
    pub text: String,
}

pub struct FundingRow {
    pub year: String,
    pub amounts: Vec<String>,
}

pub struct AttachmentView {
    pub name: String,
    pub size: String,
    pub sha256: String,
    /// Where to download it, for readers who may.
    pub href: Option<String>,
}

pub struct SignatoryView {
    pub role: &'static str,
    pub name: String,
    pub title: String,
    pub organization: String,
}

/// A proposal's whole content, ready to print.
pub struct ProposalDoc {
    pub title: String,
    pub summary: String,
    pub call_title: String,
    pub receipt_number: Option<String>,
    pub lead: String,
    pub partners: Vec<String>,
    pub sections: Vec<Section>,
    pub funding: Vec<FundingRow>,
    pub requested: String,
    pub signatories: Vec<SignatoryView>,
    pub attachments: Vec<AttachmentView>,
}

pub fn prefecture(lang: Lang, code: PrefectureCode) -> String {
    lang.pick(code.name_ja(), code.name_en()).to_string()
}

pub fn prefecture_of(lang: Lang, code: &str) -> String {
    code.parse::<PrefectureCode>().map(|c| prefecture(lang, c)).unwrap_or_else(|_| code.to_string())
}

pub struct DocSource<'a> {
    pub content: &'a ProposalContent,
    pub lead_prefecture_code: &'a str,
    pub call_title: &'a str,
    pub receipt_number: Option<String>,
    pub attachments: &'a [Attachment],
    /// The download link of an attachment id, when the reader may download.
    pub download: Option<&'a dyn Fn(&str) -> String>,
}

pub fn proposal_doc(lang: Lang, src: DocSource<'_>) -> ProposalDoc {
    let m = lang.messages();
    let c = src.content;
    let yen = |v: Option<crate::domain::money::Yen>| v.map(|y| lang.yen(y.get())).unwrap_or_else(|| "—".into());
    let sections = c
        .sections
        .as_ref()
        .map(|s| {
            s.entries()
                .iter()
                .zip(m.section_names)
                .map(|((_, text), name)| Section { name, text: text.unwrap_or("—").to_string() })
                .collect()
        })
        .unwrap_or_default();
    let funding = c
        .funding_plan
        .iter()
        .flatten()
        .map(|y| FundingRow {
            year: y.fiscal_year.to_string(),
            amounts: vec![yen(y.prefecture_yen), yen(y.university_yen), yen(y.industry_yen), yen(y.other_yen), yen(y.expenses_yen)],
        })
        .collect();
    ProposalDoc {
        title: c.title.clone().unwrap_or_else(|| "—".into()),
        summary: c.summary.clone().unwrap_or_else(|| "—".into()),
        call_title: src.call_title.to_string(),
        receipt_number: src.receipt_number,
        lead: prefecture_of(lang, src.lead_prefecture_code),
        partners: c.partner_prefecture_codes.iter().flatten().map(|p| prefecture(lang, *p)).collect(),
        sections,
        funding,
        requested: yen(c.requested_amount_yen),
        signatories: c
            .signatories
            .iter()
            .flatten()
            .map(|s| SignatoryView {
                role: lang.pick(s.role.name_ja(), s.role.name_en()),
                name: s.name.clone().unwrap_or_default(),
                title: s.title.clone().unwrap_or_default(),
                organization: s.organization.clone().unwrap_or_default(),
            })
            .collect(),
        attachments: src
            .attachments
            .iter()
            .map(|a| AttachmentView {
                name: a.filename.clone(),
                size: super::i18n::separated(a.size),
                sha256: a.sha256.clone(),
                href: src.download.map(|f| f(&a.id)),
            })
            .collect(),
    }
}
