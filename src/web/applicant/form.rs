//! The proposal form: the content as named form values and back. One naming serves both ways,
//! so a failed save shows exactly what was typed, and the names follow the content's own paths
//! (`funding_plan[0].prefecture_yen`), so a use-case's problem lands next to its field.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::domain::call::Program;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalContent;
use crate::domain::proposal::content::{Measure, SignatoryRole};
use crate::domain::validation::FieldError;
use crate::web::Fields;
use crate::web::i18n::Lang;

use super::text::T;

pub const SECTION_KEYS: [&str; 9] =
    ["purpose", "goals", "activity_plan", "positioning", "expected_outcomes", "operating_body", "facility_management", "land", "facility_plan"];
const SIGNATORY_KEYS: [&str; 4] = ["name", "title", "organization", "email"];
const CONSULTATION_KEYS: [&str; 3] = ["city_code", "consulted_on", "note"];
pub const FUNDING_KEYS: [&str; 5] = ["prefecture_yen", "university_yen", "industry_yen", "other_yen", "expenses_yen"];
const KPI_KEYS: [&str; 4] = ["name", "baseline", "target", "target_fiscal_year"];
/// Rows the funding table shows at least: a plan covers several years.
const MIN_FUNDING_ROWS: usize = 5;
/// Rows one form may post for each table: far past any real plan, a bound on what is parsed.
const MAX_ROWS: usize = 200;

/// The form's values by field name; a partner prefecture chosen is `partner.<code>` = `on`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values(pub BTreeMap<String, String>);

impl Values {
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }

    fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.0.insert(name.into(), value);
        }
    }

    /// What a posted form carries (its controls: csrf, version, action are not values).
    pub fn posted(f: &Fields) -> Values {
        let mut v = Values::default();
        for (k, value) in &f.0 {
            match k.as_str() {
                "partners" => v.set(format!("partner.{value}"), "on"),
                "csrf" | "version" | "action" | "confirm_void" => {}
                _ => v.set(k.clone(), value.trim_end().to_string()),
            }
        }
        v
    }

    /// The stored content as form values.
    pub fn of(c: &ProposalContent) -> Values {
        let mut v = Values::default();
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        v.set("title", text(&c.title));
        v.set("summary", text(&c.summary));
        v.set("keywords", c.keywords.clone().unwrap_or_default().join(", "));
        for code in c.partners() {
            v.set(format!("partner.{code}"), "on");
        }
        for s in c.signatories.iter().flatten() {
            let role = s.role.as_str();
            for (key, value) in SIGNATORY_KEYS.iter().zip([&s.name, &s.title, &s.organization, &s.email]) {
                v.set(format!("sig.{role}.{key}"), text(value));
            }
            if s.representative == Some(true) {
                v.set("representative", role);
            }
        }
        for (i, cons) in c.consultations.iter().flatten().enumerate() {
            v.set(format!("consultations[{i}].city_code"), cons.city_code.to_string());
            v.set(format!("consultations[{i}].consulted_on"), cons.consulted_on.to_string());
            v.set(format!("consultations[{i}].note"), text(&cons.note));
        }
        if let Some(s) = &c.sections {
            for (name, value) in s.entries() {
                v.set(format!("sections.{name}"), value.unwrap_or_default());
            }
        }
        for (i, y) in c.funding_plan.iter().flatten().enumerate() {
            v.set(format!("funding_plan[{i}].fiscal_year"), y.fiscal_year.to_string());
            for (key, amount) in FUNDING_KEYS.iter().zip([y.prefecture_yen, y.university_yen, y.industry_yen, y.other_yen, y.expenses_yen]) {
                v.set(format!("funding_plan[{i}].{key}"), amount.map(|a| a.get().to_string()).unwrap_or_default());
            }
        }
        v.set("requested_amount_yen", c.requested_amount_yen.map(|a| a.get().to_string()).unwrap_or_default());
        if let Some(t) = c.construction_type {
            v.set("construction_type", serde_json::to_value(t).ok().and_then(|t| t.as_str().map(str::to_string)).unwrap_or_default());
        }
        v.set("land_provided", c.land_provided.map(|b| if b { "yes" } else { "no" }).unwrap_or_default());
        v.set("regional_vision", text(&c.regional_vision));
        let measure = |m: &Option<Measure>| match m {
            Some(Measure::Number(n)) => n.to_string(),
            Some(Measure::Text(t)) => t.clone(),
            None => String::new(),
        };
        for (i, k) in c.kpis.iter().flatten().enumerate() {
            v.set(format!("kpis[{i}].name"), text(&k.name));
            v.set(format!("kpis[{i}].baseline"), measure(&k.baseline));
            v.set(format!("kpis[{i}].target"), measure(&k.target));
            v.set(format!("kpis[{i}].target_fiscal_year"), k.target_fiscal_year.map(|y| y.to_string()).unwrap_or_default());
        }
        for (i, m) in c.members.iter().flatten().enumerate() {
            v.set(format!("members[{i}].kind"), serde_json::to_value(m.kind).ok().and_then(|k| k.as_str().map(str::to_string)).unwrap_or_default());
            v.set(format!("members[{i}].name"), m.name.clone());
        }
        v
    }

    /// How many rows of a table hold something.
    pub fn rows(&self, table: &str) -> usize {
        let prefix = format!("{table}[");
        self.0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix)?.split(']').next()?.parse::<usize>().ok())
            .filter(|i| *i < MAX_ROWS)
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }
}

/// A merge patch replacing every field the form shows, and where each entry of the patch's
/// lists came from in the form (a blank row is left out, so the indices differ).
pub struct Patch {
    pub patch: Value,
    pub problems: Vec<FieldError>,
    renames: Vec<(String, String)>,
}

impl Patch {
    /// The form field a use-case's problem path points at.
    pub fn field_of(&self, path: &str) -> String {
        for (from, to) in &self.renames {
            if let Some(rest) = path.strip_prefix(from.as_str())
                && (rest.is_empty() || rest.starts_with('.'))
            {
                return format!("{to}{rest}");
            }
        }
        path.to_string()
    }
}

fn opt_text(v: &Values, name: &str) -> Value {
    match v.get(name).trim() {
        "" => Value::Null,
        t => json!(t),
    }
}

/// Digits, with the separators and currency signs people type around them.
fn number(raw: &str) -> Option<Option<i64>> {
    let cleaned: String = raw.chars().filter(|c| !matches!(c, ',' | '，' | '円' | '¥' | '￥' | ' ' | '　')).collect();
    if cleaned.is_empty() {
        return Some(None);
    }
    cleaned.parse::<i64>().ok().map(Some)
}

pub fn build(v: &Values, program: Program, lead: PrefectureCode, t: &T) -> Patch {
    let mut problems = Vec::new();
    let mut renames = Vec::new();
    let num = |name: &str, problems: &mut Vec<FieldError>| -> Value {
        match number(v.get(name)) {
            Some(n) => json!(n),
            None => {
                problems.push(FieldError::new(name.to_string(), "invalid", t.not_a_number));
                Value::Null
            }
        }
    };
    let keywords: Vec<String> = v.get("keywords").split([',', '、', '，', '\n']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect();
    let partners: Vec<String> = PrefectureCode::all().filter(|c| *c != lead && v.get(&format!("partner.{c}")) == "on").map(|c| c.to_string()).collect();
    let mut signatories = Vec::new();
    for role in SignatoryRole::ALL {
        let r = role.as_str();
        let field = |key: &str| opt_text(v, &format!("sig.{r}.{key}"));
        if SIGNATORY_KEYS.iter().all(|k| v.get(&format!("sig.{r}.{k}")).trim().is_empty()) {
            continue;
        }
        renames.push((format!("signatories[{}]", signatories.len()), format!("sig.{r}")));
        signatories.push(json!({
            "role": r, "name": field("name"), "title": field("title"), "organization": field("organization"),
            "email": field("email"), "representative": v.get("representative") == r,
        }));
    }
    let mut consultations = Vec::new();
    for i in 0..v.rows("consultations") {
        let name = |k: &str| format!("consultations[{i}].{k}");
        if CONSULTATION_KEYS.iter().all(|k| v.get(&name(k)).trim().is_empty()) {
            continue;
        }
        renames.push((format!("consultations[{}]", consultations.len()), format!("consultations[{i}]")));
        consultations.push(json!({ "city_code": v.get(&name("city_code")).trim(), "consulted_on": v.get(&name("consulted_on")).trim(), "note": opt_text(v, &name("note")) }));
    }
    let mut sections = Map::new();
    for key in SECTION_KEYS {
        sections.insert(key.to_string(), opt_text(v, &format!("sections.{key}")));
    }
    let mut funding = Vec::new();
    for i in 0..v.rows("funding_plan") {
        let name = |k: &str| format!("funding_plan[{i}].{k}");
        if std::iter::once("fiscal_year").chain(FUNDING_KEYS).all(|k| v.get(&name(k)).trim().is_empty()) {
            continue;
        }
        let year = match number(v.get(&name("fiscal_year"))) {
            Some(Some(y)) => json!(y),
            Some(None) => {
                problems.push(FieldError::new(name("fiscal_year"), "required", t.year_required));
                continue;
            }
            None => {
                problems.push(FieldError::new(name("fiscal_year"), "invalid", t.not_a_number));
                continue;
            }
        };
        let mut row = Map::new();
        row.insert("fiscal_year".into(), year);
        for key in FUNDING_KEYS {
            row.insert(key.into(), num(&name(key), &mut problems));
        }
        renames.push((format!("funding_plan[{}]", funding.len()), format!("funding_plan[{i}]")));
        funding.push(Value::Object(row));
    }
    let list = |items: Vec<Value>| if items.is_empty() { Value::Null } else { Value::Array(items) };
    let mut patch = json!({
        "title": opt_text(v, "title"),
        "summary": opt_text(v, "summary"),
        "keywords": if keywords.is_empty() { Value::Null } else { json!(keywords) },
        "partner_prefecture_codes": if partners.is_empty() { Value::Null } else { json!(partners) },
        "signatories": list(signatories),
        "consultations": list(consultations),
        // No sections at all stays absent: an empty object would be a change of content.
        "sections": if sections.values().all(Value::is_null) { Value::Null } else { Value::Object(sections) },
        "funding_plan": list(funding),
        "requested_amount_yen": num("requested_amount_yen", &mut problems),
    });
    let extra = match program {
        Program::LabConstruction => json!({
            "construction_type": opt_text(v, "construction_type"),
            "land_provided": match v.get("land_provided") { "yes" => json!(true), "no" => json!(false), _ => Value::Null },
        }),
        Program::RegionalCoCreation => {
            let mut kpis = Vec::new();
            for i in 0..v.rows("kpis") {
                let name = |k: &str| format!("kpis[{i}].{k}");
                if KPI_KEYS.iter().all(|k| v.get(&name(k)).trim().is_empty()) {
                    continue;
                }
                let measure = |k: &str| match v.get(&name(k)).trim() {
                    "" => Value::Null,
                    m => m.parse::<f64>().map(|n| json!(n)).unwrap_or_else(|_| json!(m)),
                };
                renames.push((format!("kpis[{}]", kpis.len()), format!("kpis[{i}]")));
                kpis.push(json!({
                    "name": opt_text(v, &name("name")), "baseline": measure("baseline"), "target": measure("target"),
                    "target_fiscal_year": num(&name("target_fiscal_year"), &mut problems),
                }));
            }
            let mut members = Vec::new();
            for i in 0..v.rows("members") {
                let name = |k: &str| format!("members[{i}].{k}");
                if v.get(&name("name")).trim().is_empty() {
                    continue;
                }
                renames.push((format!("members[{}]", members.len()), format!("members[{i}]")));
                members.push(json!({ "kind": v.get(&name("kind")), "name": v.get(&name("name")).trim() }));
            }
            json!({ "regional_vision": opt_text(v, "regional_vision"), "kpis": list(kpis), "members": list(members) })
        }
    };
    if let (Some(p), Value::Object(e)) = (patch.as_object_mut(), extra) {
        p.extend(e);
    }
    Patch { patch, problems, renames }
}

/// One input of the form.
pub struct Input {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub struct SignatoryForm {
    pub role: &'static str,
    pub label: &'static str,
    pub inputs: Vec<Input>,
    pub representative: bool,
    pub error: Option<String>,
}

pub struct FundingLine {
    pub cells: Vec<Input>,
    pub total: String,
}

pub struct MemberLine {
    pub kinds: Vec<Choice>,
    pub name: Input,
}

pub struct FormView {
    pub title: Input,
    pub summary: Input,
    pub keywords: Input,
    pub requested: Input,
    pub sections: Vec<Input>,
    pub partners: Vec<Choice>,
    pub partners_error: Option<String>,
    pub signatories: Vec<SignatoryForm>,
    pub consultations: Vec<Vec<Input>>,
    pub funding: Vec<FundingLine>,
    pub funding_totals: Vec<String>,
    pub funding_rows: usize,
    pub lab: bool,
    pub construction: Vec<Choice>,
    pub land: Vec<Choice>,
    pub co_creation: bool,
    pub vision: Input,
    pub kpis: Vec<Vec<Input>>,
    pub members: Vec<MemberLine>,
}

impl FormView {
    /// Every input with its label, in the order of the form (for the differences of a conflict).
    pub fn inputs(&self) -> Vec<&Input> {
        let mut all = vec![&self.title, &self.summary, &self.keywords];
        all.extend(self.signatories.iter().flat_map(|s| &s.inputs));
        all.extend(self.consultations.iter().flatten());
        all.extend(&self.sections);
        all.extend(self.funding.iter().flat_map(|r| &r.cells));
        all.push(&self.requested);
        if self.co_creation {
            all.push(&self.vision);
            all.extend(self.kpis.iter().flatten());
            all.extend(self.members.iter().map(|m| &m.name));
        }
        all
    }
}

/// Everything the view needs to lay the form out.
pub struct Layout<'a> {
    pub lang: Lang,
    pub program: Program,
    pub lead: PrefectureCode,
    pub values: &'a Values,
    /// Problems by form field name.
    pub errors: &'a BTreeMap<String, String>,
    pub funding_rows: Option<usize>,
}

pub fn view(l: &Layout<'_>) -> FormView {
    let (lang, v, t, m) = (l.lang, l.values, T::of(l.lang), l.lang.messages());
    let input = |name: String, label: String| Input {
        id: name.replace(['[', ']', '.'], "-"),
        value: v.get(&name).to_string(),
        error: l.errors.get(&name).cloned(),
        label,
        name,
    };
    let yen = |raw: &str| number(raw).flatten().unwrap_or(0);
    let funding_rows = (v.rows("funding_plan") + 1).max(MIN_FUNDING_ROWS).max(l.funding_rows.unwrap_or(0)).min(MAX_ROWS);
    let mut column_totals = [0i64; 6];
    let funding = (0..funding_rows)
        .map(|i| {
            let year = input(format!("funding_plan[{i}].fiscal_year"), format!("{} {} {}", m.funding_plan, i + 1, m.fiscal_year));
            let amounts: Vec<Input> = FUNDING_KEYS
                .iter()
                .zip(m.funding_columns)
                .map(|(k, col)| input(format!("funding_plan[{i}].{k}"), format!("{} {} {col}", m.funding_plan, i + 1)))
                .collect();
            let values: Vec<i64> = amounts.iter().map(|a| yen(&a.value)).collect();
            let income: i64 = values[..4].iter().sum();
            for (total, value) in column_totals.iter_mut().zip(values.iter().chain([&income])) {
                *total += value;
            }
            let mut cells = vec![year];
            cells.extend(amounts);
            FundingLine { cells, total: lang.yen(income) }
        })
        .collect();
    let rows_of = |table: &str, keys: &[&str], labels: &[&str], heading: &str| -> Vec<Vec<Input>> {
        (0..v.rows(table) + 1)
            .map(|i| keys.iter().zip(labels).map(|(k, label)| input(format!("{table}[{i}].{k}"), format!("{heading} {} {label}", i + 1))).collect())
            .collect()
    };
    let choice = |name: &str, value: &str, label: &str| Choice { value: value.to_string(), label: label.to_string(), chosen: v.get(name) == value };
    FormView {
        title: input("title".into(), m.title.into()),
        summary: input("summary".into(), m.summary.into()),
        keywords: input("keywords".into(), t.keywords.into()),
        requested: input("requested_amount_yen".into(), m.requested_amount.into()),
        sections: SECTION_KEYS.iter().zip(m.section_names).map(|(k, label)| input(format!("sections.{k}"), label.into())).collect(),
        partners: PrefectureCode::all()
            .filter(|c| *c != l.lead)
            .map(|c| Choice { value: c.to_string(), label: lang.pick(c.name_ja(), c.name_en()).to_string(), chosen: v.get(&format!("partner.{c}")) == "on" })
            .collect(),
        partners_error: l.errors.iter().find(|(k, _)| k.starts_with("partner_prefecture_codes")).map(|(_, e)| e.clone()),
        signatories: SignatoryRole::ALL
            .into_iter()
            .map(|role| {
                let label = lang.pick(role.name_ja(), role.name_en());
                SignatoryForm {
                    role: role.as_str(),
                    label,
                    inputs: SIGNATORY_KEYS
                        .iter()
                        .zip(t.signatory_fields)
                        .map(|(k, f)| input(format!("sig.{}.{k}", role.as_str()), format!("{label} {f}")))
                        .collect(),
                    representative: v.get("representative") == role.as_str(),
                    error: l.errors.get(&format!("signatories.{}", role.as_str())).cloned(),
                }
            })
            .collect(),
        consultations: rows_of("consultations", &CONSULTATION_KEYS, &t.consultation_fields, t.consultations),
        funding,
        funding_totals: column_totals.iter().map(|a| lang.yen(*a)).collect(),
        funding_rows,
        lab: l.program == Program::LabConstruction,
        construction: std::iter::once(("", t.unset)).chain(t.construction_types).map(|(value, label)| choice("construction_type", value, label)).collect(),
        land: [("", t.unset), ("yes", t.yes), ("no", t.no)].into_iter().map(|(value, label)| choice("land_provided", value, label)).collect(),
        co_creation: l.program == Program::RegionalCoCreation,
        vision: input("regional_vision".into(), t.regional_vision.into()),
        kpis: rows_of("kpis", &KPI_KEYS, &t.kpi_fields, t.kpis),
        members: (0..v.rows("members") + 1)
            .map(|i| MemberLine {
                kinds: t.member_kinds.iter().map(|(value, label)| choice(&format!("members[{i}].kind"), value, label)).collect(),
                name: input(format!("members[{i}].name"), format!("{} {} {}", t.members, i + 1, t.member_fields[1])),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Values {
        Values::posted(&Fields(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
    }

    #[test]
    fn stored_content_reads_back_as_the_same_patch() {
        let content = ProposalContent::from_json(json!({
            "title": "拠点", "keywords": ["水素", "半導体"], "partner_prefecture_codes": ["11"],
            "signatories": [{ "role": "governor", "name": "知事", "representative": true }],
            "funding_plan": [{ "fiscal_year": 2027, "prefecture_yen": 1000 }],
            "requested_amount_yen": 3000, "construction_type": "annex", "land_provided": true
        }))
        .unwrap();
        let t = T::of(Lang::Ja);
        let patch = build(&Values::of(&content), Program::LabConstruction, PrefectureCode::all().nth(12).unwrap(), t);
        assert!(patch.problems.is_empty(), "{:?}", patch.problems);
        assert_eq!(content.merged(&patch.patch).unwrap(), content);
    }

    #[test]
    fn blank_rows_are_skipped_and_problems_point_at_the_row_typed_in() {
        let v = posted(&[("funding_plan[0].fiscal_year", ""), ("funding_plan[2].fiscal_year", "2027"), ("funding_plan[2].prefecture_yen", "1,000円"), ("funding_plan[3].other_yen", "x")]);
        let patch = build(&v, Program::LabConstruction, PrefectureCode::all().next().unwrap(), T::of(Lang::En));
        assert_eq!(patch.patch["funding_plan"], json!([{ "fiscal_year": 2027, "prefecture_yen": 1000, "university_yen": null, "industry_yen": null, "other_yen": null, "expenses_yen": null }]));
        assert_eq!(patch.problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["funding_plan[3].fiscal_year"]);
        assert_eq!(patch.field_of("funding_plan[0].prefecture_yen"), "funding_plan[2].prefecture_yen");
    }
}
