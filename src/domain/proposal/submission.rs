//! What a proposal must satisfy to be submitted. Drafts may be incomplete; submission checks
//! everything at once and reports every problem with its field path (SPEC §4.3).

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use validator::ValidateEmail;

use crate::domain::call::Program;
use crate::domain::money::Yen;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::content::{ConstructionType, MemberKind, ProposalContent, SignatoryRole};
use crate::domain::validation::{FieldError, Problems};

/// A funding plan covers at least ten years of operation (001 §5(2): 少なくとも運営開始後10年間程度).
pub const MIN_FUNDING_YEARS: usize = 10;
const SECTION_MAX: usize = 20_000;

/// What the submission rules need to know besides the content.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub program: Program,
    pub call_fiscal_year: i32,
    pub max_request: Yen,
    pub lead: PrefectureCode,
    /// Partner prefectures whose own applicants have confirmed.
    pub confirmed_partners: &'a [PrefectureCode],
    /// Roles whose endorsement covers the current content.
    pub endorsed: &'a [SignatoryRole],
    /// Today in Japan: consultations cannot be dated in the future.
    pub today: NaiveDate,
}

/// Problems with the partner list that are refused even in a draft, because the partner
/// invitations are derived from it.
pub fn partner_list_problems(content: &ProposalContent, lead: PrefectureCode) -> Vec<FieldError> {
    let mut p = Problems::new();
    let mut seen = HashSet::new();
    for (i, code) in content.partners().iter().enumerate() {
        p.check(*code != lead, format!("partner_prefecture_codes[{i}]"), "is_lead", "the lead prefecture cannot also be a partner");
        p.check(seen.insert(*code), format!("partner_prefecture_codes[{i}]"), "duplicate", format!("{} is listed twice", code.name_en()));
    }
    p.into_vec()
}

/// The joint names (連名, 001 §5(1)③): the governor, the head of the main university and an
/// industry representative, each once, exactly one of them the representative, each reachable
/// by email for the endorsement link.
pub fn signatory_problems(content: &ProposalContent) -> Problems {
    let mut p = Problems::new();
    let signatories = content.signatories.as_deref().unwrap_or_default();
    for role in SignatoryRole::ALL {
        let count = signatories.iter().filter(|s| s.role == role).count();
        p.check(count > 0, format!("signatories.{}", role.as_str()), "required", format!("the {} must co-sign", role.name_en()));
        p.check(count <= 1, format!("signatories.{}", role.as_str()), "duplicate", format!("only one {} co-signs", role.name_en()));
    }
    for (i, s) in signatories.iter().enumerate() {
        p.text(&format!("signatories[{i}].name"), s.name.as_deref(), 200);
        p.text(&format!("signatories[{i}].organization"), s.organization.as_deref(), 200);
        p.optional_text(&format!("signatories[{i}].title"), s.title.as_deref(), 200);
        match s.email.as_deref().map(str::trim) {
            None | Some("") => p.push(format!("signatories[{i}].email"), "required", "the endorsement link is sent to this address"),
            Some(email) => p.check(email.validate_email(), format!("signatories[{i}].email"), "invalid_email", "must be an email address"),
        }
    }
    let representatives = signatories.iter().filter(|s| s.representative == Some(true)).count();
    p.check(
        representatives == 1 || signatories.is_empty(),
        "signatories",
        "representative",
        format!("exactly one signatory is the representative (代表者); {representatives} are marked"),
    );
    p
}

/// Every problem that stands between this content and a submission.
pub fn problems(content: &ProposalContent, ctx: &Context<'_>) -> Vec<FieldError> {
    let mut p = Problems::new();
    p.text("title", content.title.as_deref(), 200);
    p.text("summary", content.summary.as_deref(), 4_000);
    for (i, keyword) in content.keywords.iter().flatten().enumerate() {
        let n = keyword.trim().chars().count();
        p.check((1..=100).contains(&n), format!("keywords[{i}]"), "invalid_keyword", "keywords are 1–100 characters");
    }

    for error in partner_list_problems(content, ctx.lead) {
        p.push(error.field, "invalid_partner", error.message);
    }
    for (i, code) in content.partners().iter().enumerate() {
        p.check(
            ctx.confirmed_partners.contains(code),
            format!("partner_prefecture_codes[{i}]"),
            "not_confirmed",
            format!("{} ({code}) has not confirmed its participation", code.name_en()),
        );
    }

    consultation_problems(content, ctx, &mut p);

    let signatories = signatory_problems(content);
    let complete_signatories = signatories.is_empty();
    for e in signatories.into_vec() {
        p.push(e.field, static_code(&e.code), e.message);
    }
    if complete_signatories {
        for role in SignatoryRole::ALL {
            p.check(
                ctx.endorsed.contains(&role),
                format!("endorsements.{}", role.as_str()),
                "not_endorsed",
                format!("the {} has not endorsed the current content", role.name_en()),
            );
        }
    }

    let equipment_only = content.construction_type == Some(ConstructionType::EquipmentOnly);
    let sections = content.sections.clone().unwrap_or_default();
    for (name, text) in sections.entries() {
        let land_waived = name == "land" && ctx.program == Program::LabConstruction && equipment_only;
        if land_waived {
            p.optional_text(&format!("sections.{name}"), text, SECTION_MAX);
        } else {
            p.text(&format!("sections.{name}"), text, SECTION_MAX);
        }
    }

    funding_plan_problems(content, &mut p);

    match content.requested_amount_yen {
        None => p.push("requested_amount_yen", "required", "is required"),
        Some(amount) => {
            p.check(amount > Yen::ZERO, "requested_amount_yen", "must_be_positive", "must be more than 0 yen");
            p.check(
                amount <= ctx.max_request,
                "requested_amount_yen",
                "exceeds_call_maximum",
                format!("the call allows at most {} per proposal", ctx.max_request),
            );
        }
    }

    match ctx.program {
        Program::LabConstruction => lab_construction_problems(content, &mut p),
        Program::RegionalCoCreation => co_creation_problems(content, ctx, &mut p),
    }
    p.into_vec()
}

fn static_code(code: &str) -> &'static str {
    match code {
        "required" => "required",
        "duplicate" => "duplicate",
        "too_long" => "too_long",
        "invalid_email" => "invalid_email",
        "representative" => "representative",
        _ => "invalid",
    }
}

/// Every designated city inside every participating prefecture must have been consulted
/// beforehand (001 §5(1)①: 域内の政令指定都市とは事前に十分協議する).
fn consultation_problems(content: &ProposalContent, ctx: &Context<'_>, p: &mut Problems) {
    let participating: BTreeSet<PrefectureCode> = std::iter::once(ctx.lead).chain(content.partners().iter().copied()).collect();
    let consultations = content.consultations.as_deref().unwrap_or_default();
    for prefecture in &participating {
        for city in prefecture.designated_cities() {
            p.check(
                consultations.iter().any(|c| c.city_code == city.city_code()),
                format!("consultations.{}", city.city_code()),
                "consultation_missing",
                format!("no prior consultation recorded with {} ({}), a designated city of {}", city.name_en, city.name_ja, prefecture.name_en()),
            );
        }
    }
    for (i, c) in consultations.iter().enumerate() {
        let in_scope = c.city_code.designated_city().is_some()
            && c.city_code.prefecture().is_some_and(|pf| participating.contains(&pf));
        p.check(
            in_scope,
            format!("consultations[{i}].city_code"),
            "not_a_participating_designated_city",
            format!("{} is not a designated city of a participating prefecture", c.city_code),
        );
        p.check(c.consulted_on <= ctx.today, format!("consultations[{i}].consulted_on"), "in_future", "a prior consultation cannot be dated in the future");
        p.optional_text(&format!("consultations[{i}].note"), c.note.as_deref(), 4_000);
    }
}

fn funding_plan_problems(content: &ProposalContent, p: &mut Problems) {
    let plan = content.funding_plan.as_deref().unwrap_or_default();
    p.check(
        plan.len() >= MIN_FUNDING_YEARS,
        "funding_plan",
        "too_few_years",
        format!("the operating funds need one row per fiscal year for at least {MIN_FUNDING_YEARS} years ({} given)", plan.len()),
    );
    let mut years = BTreeSet::new();
    for (i, row) in plan.iter().enumerate() {
        p.check(years.insert(row.fiscal_year), format!("funding_plan[{i}].fiscal_year"), "duplicate", format!("{} appears twice", row.fiscal_year));
        p.check((2000..=2200).contains(&row.fiscal_year), format!("funding_plan[{i}].fiscal_year"), "out_of_range", "is not a plausible fiscal year");
        for (name, amount) in [
            ("prefecture_yen", row.prefecture_yen),
            ("university_yen", row.university_yen),
            ("industry_yen", row.industry_yen),
            ("other_yen", row.other_yen),
            ("expenses_yen", row.expenses_yen),
        ] {
            p.check(amount.is_some(), format!("funding_plan[{i}].{name}"), "required", "is required (0 if none)");
        }
    }
    if let (Some(first), Some(last)) = (years.first(), years.last()) {
        p.check(
            usize::try_from(last - first + 1).ok() == Some(years.len()),
            "funding_plan",
            "not_consecutive",
            "the fiscal years must follow each other without gaps",
        );
    }
}

fn lab_construction_problems(content: &ProposalContent, p: &mut Problems) {
    match content.construction_type {
        None => p.push("construction_type", "required", "choose new_building, extension, annex or equipment_only"),
        Some(ConstructionType::EquipmentOnly) => {}
        // 001 §5(2)⑧: the region provides the land for a building.
        Some(_) => p.check(content.land_provided == Some(true), "land_provided", "land_required", "a building needs land provided by the region"),
    }
    p.check(content.regional_vision.is_none(), "regional_vision", "not_applicable", "only regional co-creation proposals have a regional vision");
    p.check(content.kpis.is_none(), "kpis", "not_applicable", "only regional co-creation proposals have KPIs");
    p.check(content.members.is_none(), "members", "not_applicable", "only regional co-creation proposals list venue members");
}

fn co_creation_problems(content: &ProposalContent, ctx: &Context<'_>, p: &mut Problems) {
    p.check(content.construction_type.is_none(), "construction_type", "not_applicable", "only lab construction proposals have a construction type");
    p.check(content.land_provided.is_none(), "land_provided", "not_applicable", "only lab construction proposals provide land");
    p.text("regional_vision", content.regional_vision.as_deref(), SECTION_MAX);

    let kpis = content.kpis.as_deref().unwrap_or_default();
    p.check(!kpis.is_empty(), "kpis", "required", "the regional vision needs at least one KPI");
    for (i, kpi) in kpis.iter().enumerate() {
        p.text(&format!("kpis[{i}].name"), kpi.name.as_deref(), 200);
        p.check(kpi.baseline.is_some(), format!("kpis[{i}].baseline"), "required", "is required");
        p.check(kpi.target.is_some(), format!("kpis[{i}].target"), "required", "is required");
        match kpi.target_fiscal_year {
            None => p.push(format!("kpis[{i}].target_fiscal_year"), "required", "is required"),
            Some(year) => p.check(
                (ctx.call_fiscal_year..=ctx.call_fiscal_year + 30).contains(&year),
                format!("kpis[{i}].target_fiscal_year"),
                "out_of_range",
                format!("must lie between {} and {}", ctx.call_fiscal_year, ctx.call_fiscal_year + 30),
            ),
        }
    }

    // 地域共創の場: local government, universities and industry together (004).
    let members = content.members.as_deref().unwrap_or_default();
    for (kind, label) in [(MemberKind::University, "university"), (MemberKind::Company, "company"), (MemberKind::Municipality, "municipality")] {
        p.check(
            members.iter().any(|m| m.kind == kind),
            "members",
            "missing_member_kind",
            format!("the co-creation venue needs at least one {label}"),
        );
    }
    for (i, m) in members.iter().enumerate() {
        p.text(&format!("members[{i}].name"), Some(&m.name), 200);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pref(code: &str) -> PrefectureCode {
        code.parse().unwrap()
    }

    fn complete_lab(lead: &str) -> ProposalContent {
        let funding: Vec<_> = (2027..2037)
            .map(|y| json!({ "fiscal_year": y, "prefecture_yen": 100, "university_yen": 50, "industry_yen": 30, "other_yen": 0, "expenses_yen": 180 }))
            .collect();
        let consultations: Vec<_> = pref(lead)
            .designated_cities()
            .map(|c| json!({ "city_code": c.city_code().to_string(), "consulted_on": "2026-04-01", "note": "協議済み" }))
            .collect();
        ProposalContent::from_json(json!({
            "title": "拠点", "summary": "概要", "keywords": ["materials"],
            "signatories": [
                { "role": "governor", "name": "知事", "title": "知事", "organization": "県", "email": "g@pref.example.jp", "representative": true },
                { "role": "university_head", "name": "学長", "organization": "大学", "email": "u@univ.example.jp", "representative": false },
                { "role": "industry_representative", "name": "会長", "organization": "経済団体", "email": "i@biz.example.jp" }
            ],
            "consultations": consultations,
            "sections": { "purpose": "p", "goals": "g", "activity_plan": "a", "positioning": "po", "expected_outcomes": "e",
                          "operating_body": "o", "facility_management": "f", "land": "l", "facility_plan": "fp" },
            "funding_plan": funding,
            "requested_amount_yen": 2_000_000_000,
            "construction_type": "new_building", "land_provided": true
        }))
        .unwrap()
    }

    fn ctx<'a>(lead: &str, confirmed: &'a [PrefectureCode], endorsed: &'a [SignatoryRole]) -> Context<'a> {
        Context {
            program: Program::LabConstruction,
            call_fiscal_year: 2026,
            max_request: Yen::new(3_000_000_000).unwrap(),
            lead: pref(lead),
            confirmed_partners: confirmed,
            endorsed,
            today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    #[test]
    fn a_complete_endorsed_proposal_has_no_problems() {
        let errors = problems(&complete_lab("14"), &ctx("14", &[], &SignatoryRole::ALL));
        assert!(errors.is_empty(), "{:?}", fields(&errors));
    }

    #[test]
    fn an_empty_draft_lists_every_missing_part_at_once() {
        let errors = fields(&problems(&ProposalContent::default(), &ctx("14", &[], &[])));
        for expected in [
            "title:required", "summary:required", "sections.purpose:required", "sections.land:required",
            "sections.facility_plan:required", "funding_plan:too_few_years", "requested_amount_yen:required",
            "construction_type:required", "signatories.governor:required", "signatories.university_head:required",
            "signatories.industry_representative:required", "consultations.14100:consultation_missing",
            "consultations.14130:consultation_missing", "consultations.14150:consultation_missing",
        ] {
            assert!(errors.contains(&expected.to_string()), "{expected} missing from {errors:?}");
        }
    }

    #[test]
    fn kanagawa_must_consult_its_three_cities_and_tokyo_none() {
        let mut c = complete_lab("14");
        c.consultations.as_mut().unwrap().retain(|x| x.city_code.to_string() != "14130");
        assert_eq!(fields(&problems(&c, &ctx("14", &[], &SignatoryRole::ALL))), ["consultations.14130:consultation_missing"]);
        let tokyo = complete_lab("13");
        assert!(tokyo.consultations.as_ref().unwrap().is_empty());
        assert!(problems(&tokyo, &ctx("13", &[], &SignatoryRole::ALL)).is_empty());
    }

    #[test]
    fn a_partners_designated_cities_must_be_consulted_too_and_the_partner_confirmed() {
        let mut c = complete_lab("13");
        c.partner_prefecture_codes = Some(vec![pref("11")]);
        let errors = fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL)));
        assert_eq!(errors, ["partner_prefecture_codes[0]:not_confirmed", "consultations.11100:consultation_missing"]);
        let saitama_consulted = c.merged(&json!({ "consultations": [{ "city_code": "11100", "consulted_on": "2026-05-01" }] })).unwrap();
        assert!(problems(&saitama_consulted, &ctx("13", &[pref("11")], &SignatoryRole::ALL)).is_empty());
    }

    #[test]
    fn consultations_outside_the_participating_prefectures_or_in_the_future_are_refused() {
        let c = complete_lab("13").merged(&json!({ "consultations": [
            { "city_code": "27100", "consulted_on": "2026-04-01" },
            { "city_code": "13101", "consulted_on": "2026-04-01" }
        ] })).unwrap();
        let errors = fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL)));
        assert_eq!(errors, ["consultations[0].city_code:not_a_participating_designated_city", "consultations[1].city_code:not_a_participating_designated_city"]);
        let future = complete_lab("13").merged(&json!({ "consultations": [] })).unwrap();
        assert!(problems(&future, &ctx("13", &[], &SignatoryRole::ALL)).is_empty());
        let c = complete_lab("04").merged(&json!({ "consultations": [{ "city_code": "04100", "consulted_on": "2026-12-01" }] })).unwrap();
        assert_eq!(fields(&problems(&c, &ctx("04", &[], &SignatoryRole::ALL))), ["consultations[0].consulted_on:in_future"]);
    }

    #[test]
    fn exactly_one_representative_and_each_role_once() {
        let c = complete_lab("13").merged(&json!({ "signatories": [
            { "role": "governor", "name": "a", "organization": "o", "email": "a@x.jp", "representative": true },
            { "role": "governor", "name": "b", "organization": "o", "email": "b@x.jp", "representative": true },
            { "role": "industry_representative", "name": "c", "organization": "o", "email": "not-an-email" }
        ] })).unwrap();
        let errors = fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL)));
        assert_eq!(
            errors,
            ["signatories.governor:duplicate", "signatories.university_head:required", "signatories[2].email:invalid_email", "signatories:representative"]
        );
    }

    #[test]
    fn all_three_current_endorsements_are_required() {
        let errors = fields(&problems(&complete_lab("13"), &ctx("13", &[], &[SignatoryRole::Governor])));
        assert_eq!(errors, ["endorsements.university_head:not_endorsed", "endorsements.industry_representative:not_endorsed"]);
    }

    #[test]
    fn the_funding_plan_covers_ten_consecutive_years_with_every_amount() {
        let mut c = complete_lab("13");
        let plan = c.funding_plan.as_mut().unwrap();
        plan.truncate(9);
        plan[3].fiscal_year = 2040;
        plan[4].industry_yen = None;
        let errors = fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL)));
        assert_eq!(errors, ["funding_plan:too_few_years", "funding_plan[4].industry_yen:required", "funding_plan:not_consecutive"]);
    }

    #[test]
    fn the_request_cannot_exceed_the_call_maximum() {
        let c = complete_lab("13").merged(&json!({ "requested_amount_yen": 3_000_000_001_i64 })).unwrap();
        assert_eq!(fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL))), ["requested_amount_yen:exceeds_call_maximum"]);
        let c = complete_lab("13").merged(&json!({ "requested_amount_yen": 3_000_000_000_i64 })).unwrap();
        assert!(problems(&c, &ctx("13", &[], &SignatoryRole::ALL)).is_empty());
    }

    #[test]
    fn a_building_needs_land_but_equipment_only_does_not() {
        let c = complete_lab("13").merged(&json!({ "land_provided": false })).unwrap();
        assert_eq!(fields(&problems(&c, &ctx("13", &[], &SignatoryRole::ALL))), ["land_provided:land_required"]);
        let c = complete_lab("13")
            .merged(&json!({ "construction_type": "equipment_only", "land_provided": false, "sections": { "land": null } }))
            .unwrap();
        assert!(problems(&c, &ctx("13", &[], &SignatoryRole::ALL)).is_empty());
    }

    #[test]
    fn a_co_creation_proposal_needs_a_vision_kpis_and_the_three_sectors() {
        let c = complete_lab("13")
            .merged(&json!({ "construction_type": null, "land_provided": null,
                "regional_vision": "2040年の地域像", "kpis": [{ "name": "新規雇用", "baseline": 0, "target": "300人", "target_fiscal_year": 2035 }],
                "members": [{ "kind": "university", "name": "大学" }, { "kind": "company", "name": "企業" }, { "kind": "municipality", "name": "市" }] }))
            .unwrap();
        let mut context = ctx("13", &[], &SignatoryRole::ALL);
        context.program = Program::RegionalCoCreation;
        assert!(problems(&c, &context).is_empty(), "{:?}", fields(&problems(&c, &context)));

        let lacking = c.merged(&json!({ "kpis": [{ "name": "x", "target_fiscal_year": 2020 }], "members": [{ "kind": "company", "name": "企業" }], "land_provided": true })).unwrap();
        let errors = fields(&problems(&lacking, &context));
        assert_eq!(
            errors,
            [
                "land_provided:not_applicable", "kpis[0].baseline:required", "kpis[0].target:required",
                "kpis[0].target_fiscal_year:out_of_range", "members:missing_member_kind", "members:missing_member_kind"
            ]
        );
    }

    #[test]
    fn the_lead_cannot_be_its_own_partner_nor_a_partner_listed_twice() {
        let c = ProposalContent::from_json(json!({ "partner_prefecture_codes": ["13", "14", "14"] })).unwrap();
        let errors = fields(&partner_list_problems(&c, pref("13")));
        assert_eq!(errors, ["partner_prefecture_codes[0]:is_lead", "partner_prefecture_codes[2]:duplicate"]);
    }
}
