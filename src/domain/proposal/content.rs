//! What a prefecture writes. Drafts may be incomplete, so every field is optional; but whatever
//! is present must have the right shape (a prefecture code is a prefecture, an amount of yen is
//! not negative), which parsing enforces. Completeness is judged at submission.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::money::Yen;
use crate::domain::prefecture::{CityCode, PrefectureCode};
use crate::domain::text_enum;
use crate::domain::validation::FieldError;

text_enum! {
    /// 連名: the three who make the proposal jointly (001 §5(1)③).
    #[derive(PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum SignatoryRole ("signatory role") {
        /// 都道府県知事
        Governor = "governor",
        /// 大学等の長 (高専 included)
        UniversityHead = "university_head",
        /// 産業界代表者
        IndustryRepresentative = "industry_representative",
    }
}

impl SignatoryRole {
    pub const ALL: [SignatoryRole; 3] =
        [SignatoryRole::Governor, SignatoryRole::UniversityHead, SignatoryRole::IndustryRepresentative];

    pub fn name_ja(self) -> &'static str {
        match self {
            SignatoryRole::Governor => "都道府県知事",
            SignatoryRole::UniversityHead => "大学等の長",
            SignatoryRole::IndustryRepresentative => "産業界代表者",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            SignatoryRole::Governor => "governor",
            SignatoryRole::UniversityHead => "university head",
            SignatoryRole::IndustryRepresentative => "industry representative",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub role: SignatoryRole,
    pub name: Option<String>,
    /// e.g. 知事, 学長, 会長
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    /// 代表者: exactly one of the three, normally the governor.
    pub representative: Option<bool>,
}

/// A prior consultation with a designated city (域内の政令指定都市との事前協議, 001 §5(1)①).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consultation {
    #[schema(value_type = String, example = "14100")]
    pub city_code: CityCode,
    #[schema(value_type = String, format = Date, example = "2026-04-01")]
    pub consulted_on: NaiveDate,
    pub note: Option<String>,
}

/// The plan sections of 001 §5(2) held as text (the funding plan, ⑨, is structured apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sections {
    /// ① 明確な目的
    pub purpose: Option<String>,
    /// ② 数年後及び10年後を見通した目標
    pub goals: Option<String>,
    /// ③ ビジネスモデルとしての活動計画 (PDCA)
    pub activity_plan: Option<String>,
    /// ④ 既存の関連活動・施設との位置づけ
    pub positioning: Option<String>,
    /// ⑤ 地域のイノベーション創出につながる成果・効果
    pub expected_outcomes: Option<String>,
    /// ⑥ 事業運営主体 (事業運営委員会)
    pub operating_body: Option<String>,
    /// ⑦ 施設の管理体制
    pub facility_management: Option<String>,
    /// ⑧ 土地の提供 (not needed for equipment only)
    pub land: Option<String>,
    /// ⑩ 施設・設備の整備計画
    pub facility_plan: Option<String>,
}

impl Sections {
    /// The text sections with their names, in the order of 001.
    pub fn entries(&self) -> [(&'static str, Option<&str>); 9] {
        [
            ("purpose", self.purpose.as_deref()),
            ("goals", self.goals.as_deref()),
            ("activity_plan", self.activity_plan.as_deref()),
            ("positioning", self.positioning.as_deref()),
            ("expected_outcomes", self.expected_outcomes.as_deref()),
            ("operating_body", self.operating_body.as_deref()),
            ("facility_management", self.facility_management.as_deref()),
            ("land", self.land.as_deref()),
            ("facility_plan", self.facility_plan.as_deref()),
        ]
    }
}

/// One fiscal year of the operating funds (⑨ 運営資金面での計画).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingYear {
    pub fiscal_year: i32,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub prefecture_yen: Option<Yen>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub university_yen: Option<Yen>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub industry_yen: Option<Yen>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub other_yen: Option<Yen>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub expenses_yen: Option<Yen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConstructionType {
    /// 新築
    NewBuilding,
    /// 増築
    Extension,
    /// 合築
    Annex,
    /// 設備のみ
    EquipmentOnly,
}

/// A KPI value: a number or a short text ("30社").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Measure {
    Number(f64),
    Text(String),
}

/// A key performance indicator of the regional vision, with its target year (004: KPI and milestones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub name: Option<String>,
    pub baseline: Option<Measure>,
    pub target: Option<Measure>,
    pub target_fiscal_year: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    University,
    Company,
    Municipality,
    FinancialInstitution,
    Other,
}

/// A member organization of the co-creation venue (地域共創の場).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub kind: MemberKind,
    pub name: String,
}

/// The proposal body of API.md. Unknown fields are refused, so a misspelt field is reported
/// rather than silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalContent {
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Matched against reviewer expertise when reviewers are assigned.
    pub keywords: Option<Vec<String>>,
    /// Partner prefectures of a joint proposal (広域連携); the lead is the creator's prefecture.
    #[schema(value_type = Option<Vec<String>>, example = json!(["13"]))]
    pub partner_prefecture_codes: Option<Vec<PrefectureCode>>,
    pub signatories: Option<Vec<Signatory>>,
    pub consultations: Option<Vec<Consultation>>,
    pub sections: Option<Sections>,
    pub funding_plan: Option<Vec<FundingYear>>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub requested_amount_yen: Option<Yen>,
    /// lab_construction only.
    pub construction_type: Option<ConstructionType>,
    /// lab_construction only: the region provides the land (not needed for equipment only).
    pub land_provided: Option<bool>,
    /// regional_co_creation only: 地域ビジョン.
    pub regional_vision: Option<String>,
    /// regional_co_creation only.
    pub kpis: Option<Vec<Kpi>>,
    /// regional_co_creation only: member organizations of the co-creation venue.
    pub members: Option<Vec<Member>>,
}

impl ProposalContent {
    pub fn partners(&self) -> &[PrefectureCode] {
        self.partner_prefecture_codes.as_deref().unwrap_or_default()
    }

    pub fn signatory(&self, role: SignatoryRole) -> Option<&Signatory> {
        self.signatories.as_deref().unwrap_or_default().iter().find(|s| s.role == role)
    }

    /// The organizations behind the proposal, for conflict-of-interest checks: the signatories'
    /// organizations and the co-creation venue's members.
    pub fn organizations(&self) -> Vec<String> {
        let signatories = self.signatories.iter().flatten().filter_map(|s| s.organization.clone());
        let members = self.members.iter().flatten().map(|m| m.name.clone());
        signatories.chain(members).filter(|o| !o.trim().is_empty()).collect()
    }

    /// SHA-256 of the content as stored: an endorsement is valid for exactly this content.
    pub fn hash(&self) -> String {
        self.stored().1
    }

    /// The text a proposal stores (its fields in declaration order) and the hash of that text,
    /// which is what endorsements seal: one serialisation for both.
    pub fn stored(&self) -> (String, String) {
        let canonical = serde_json::to_string(self).unwrap_or_default();
        let hash = crate::auth::tokens::hex(&Sha256::digest(canonical.as_bytes()));
        (canonical, hash)
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Parses stored or patched JSON, reporting the path of a field of the wrong shape.
    pub fn from_json(value: Value) -> Result<Self, FieldError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            FieldError::new(if path == "." { String::new() } else { path }, "invalid", message)
        })
    }

    /// Applies a JSON merge patch (RFC 7396: objects merge, `null` removes, arrays are replaced
    /// whole) and parses the result.
    pub fn merged(&self, patch: &Value) -> Result<Self, FieldError> {
        Self::merged_document(self.to_json(), patch)
    }

    /// [`Self::merged`] onto content still held as its JSON document, as it is stored: an
    /// auto-save would otherwise parse the stored text into `Self` only to turn it back into
    /// JSON for the merge.
    pub fn merged_document(mut doc: Value, patch: &Value) -> Result<Self, FieldError> {
        if !patch.is_object() {
            return Err(FieldError::new("", "invalid", "a merge patch must be a JSON object"));
        }
        json_patch::merge(&mut doc, patch);
        let merged = Self::from_json(strip_nulls(doc))?;
        merged.check_list_sizes()?;
        Ok(merged)
    }

    /// Lists are bounded already in a draft: far past any real proposal, a list is an attack on
    /// storage and on the quadratic checks (conflicts, duplicates) that read it.
    fn check_list_sizes(&self) -> Result<(), FieldError> {
        let sizes = [
            ("keywords", self.keywords.as_ref().map(Vec::len), MAX_KEYWORDS),
            ("partner_prefecture_codes", self.partner_prefecture_codes.as_ref().map(Vec::len), MAX_PARTNERS),
            ("signatories", self.signatories.as_ref().map(Vec::len), MAX_SIGNATORIES),
            ("consultations", self.consultations.as_ref().map(Vec::len), MAX_CONSULTATIONS),
            ("funding_plan", self.funding_plan.as_ref().map(Vec::len), MAX_FUNDING_YEARS),
            ("kpis", self.kpis.as_ref().map(Vec::len), MAX_KPIS),
            ("members", self.members.as_ref().map(Vec::len), MAX_MEMBERS),
        ];
        match sizes.into_iter().find(|(_, len, max)| len.is_some_and(|n| n > *max)) {
            Some((field, _, max)) => Err(FieldError::new(field, "too_many", format!("at most {max} entries"))),
            None => Ok(()),
        }
    }
}

pub const MAX_KEYWORDS: usize = 30;
/// Every other prefecture.
pub const MAX_PARTNERS: usize = 46;
pub const MAX_SIGNATORIES: usize = 10;
/// More than the designated cities of all participating prefectures together.
pub const MAX_CONSULTATIONS: usize = 40;
pub const MAX_FUNDING_YEARS: usize = 15;
pub const MAX_KPIS: usize = 50;
pub const MAX_MEMBERS: usize = 200;

/// Stored content omits absent fields, so that `{"title": null}` and `{}` hash alike.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip_nulls(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_past_their_bound_are_refused_already_in_a_draft() {
        let keywords: Vec<String> = (0..=MAX_KEYWORDS).map(|i| format!("k{i}")).collect();
        let err = ProposalContent::default().merged(&serde_json::json!({ "keywords": keywords })).unwrap_err();
        assert_eq!((err.field.as_str(), err.code.as_ref()), ("keywords", "too_many"));
        let members: Vec<Value> = (0..=MAX_MEMBERS).map(|i| serde_json::json!({ "name": format!("m{i}"), "kind": "company" })).collect();
        let err = ProposalContent::default().merged(&serde_json::json!({ "members": members })).unwrap_err();
        assert_eq!(err.field, "members");
        let at_bound: Vec<String> = (0..MAX_KEYWORDS).map(|i| format!("k{i}")).collect();
        assert!(ProposalContent::default().merged(&serde_json::json!({ "keywords": at_bound })).is_ok());
    }
    use serde_json::json;

    #[test]
    fn a_merge_patch_merges_objects_replaces_arrays_and_removes_nulls() {
        let base = ProposalContent::from_json(json!({
            "title": "拠点", "keywords": ["a", "b"],
            "sections": { "purpose": "P", "goals": "G" }
        }))
        .unwrap();
        let patched = base
            .merged(&json!({ "keywords": ["c"], "sections": { "goals": null, "land": "L" }, "summary": "S" }))
            .unwrap();
        assert_eq!(patched.title.as_deref(), Some("拠点"));
        assert_eq!(patched.keywords, Some(vec!["c".to_string()]));
        let sections = patched.sections.unwrap();
        assert_eq!((sections.purpose.as_deref(), sections.goals.as_deref(), sections.land.as_deref()), (Some("P"), None, Some("L")));
        assert_eq!(patched.summary.as_deref(), Some("S"));
    }

    #[test]
    fn shapes_are_enforced_with_the_path_of_the_offending_field() {
        let base = ProposalContent::default();
        let err = base.merged(&json!({ "funding_plan": [{ "fiscal_year": 2027, "prefecture_yen": -1 }] })).unwrap_err();
        assert_eq!(err.field, "funding_plan[0].prefecture_yen");
        let err = base.merged(&json!({ "partner_prefecture_codes": ["48"] })).unwrap_err();
        assert_eq!(err.field, "partner_prefecture_codes[0]");
        let err = base.merged(&json!({ "sections": { "purpse": "typo" } })).unwrap_err();
        assert_eq!(err.field, "sections.purpse");
        assert!(base.merged(&json!([1])).is_err());
    }

    #[test]
    fn the_stored_text_reads_back_and_its_hash_is_the_seal_endorsements_were_given_for() {
        let content = ProposalContent::from_json(json!({ "title": "拠点", "keywords": ["energy"], "requested_amount_yen": 5 })).unwrap();
        let (text, hash) = content.stored();
        let read: ProposalContent = serde_json::from_str(&text).unwrap();
        assert_eq!(read, content);
        // The hash endorsements already in the database were given for: SHA-256 of the content
        // serialised field by field, as it was computed before the text and the hash were shared.
        let sealed = crate::auth::tokens::hex(&Sha256::digest(serde_json::to_vec(&content).unwrap()));
        assert_eq!(hash, sealed);
        assert_eq!(content.hash(), sealed);
    }

    #[test]
    fn the_hash_changes_with_the_content_and_only_with_it() {
        let a = ProposalContent::from_json(json!({ "title": "A" })).unwrap();
        let same = a.merged(&json!({ "summary": null })).unwrap();
        let b = a.merged(&json!({ "title": "B" })).unwrap();
        assert_eq!(a.hash(), same.hash());
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn organizations_include_signatories_and_venue_members() {
        let c = ProposalContent::from_json(json!({
            "signatories": [{ "role": "university_head", "organization": "東京大学" }, { "role": "governor" }],
            "members": [{ "kind": "company", "name": "株式会社共創" }]
        }))
        .unwrap();
        assert_eq!(c.organizations(), ["東京大学", "株式会社共創"]);
    }
}
