//! What the demo's people write: call terms, proposals and reviews in the words a prefecture, an
//! agency and an expert would use. Everything here is data; `demo::fill` decides when it is used.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::app::accounts::users::CreateUser;
use crate::app::calls::CreateCall;
use crate::domain::call::{Criterion, Program};
use crate::domain::prefecture::PrefectureCode;
use crate::domain::review::ReviewInput;
use crate::domain::user::Role;

/// One prefecture's officer, who leads that prefecture's proposals.
pub struct Officer {
    pub prefecture: &'static str,
    pub email: &'static str,
    pub name: &'static str,
}

pub const OFFICERS: [Officer; 6] = [
    Officer { prefecture: "04", email: "miyagi@pref.example.jp", name: "佐藤 美咲（宮城県 経済商工観光部）" },
    Officer { prefecture: "27", email: "osaka@pref.example.jp", name: "田中 健一（大阪府 商工労働部）" },
    Officer { prefecture: "40", email: "fukuoka@pref.example.jp", name: "中村 直樹（福岡県 商工部）" },
    Officer { prefecture: "01", email: "hokkaido@pref.example.jp", name: "高橋 由紀（北海道 経済部）" },
    Officer { prefecture: "23", email: "aichi@pref.example.jp", name: "伊藤 翔太（愛知県 経済産業局）" },
    Officer { prefecture: "34", email: "hiroshima@pref.example.jp", name: "山本 彩（広島県 商工労働局）" },
];

/// An external expert; none works in a prefecture that applies, so none is conflicted by place.
pub struct Expert {
    pub email: &'static str,
    pub name: &'static str,
    pub affiliation: &'static str,
    pub prefecture: &'static str,
    pub expertise: &'static [&'static str],
}

pub const EXPERTS: [Expert; 5] = [
    Expert { email: "kobayashi@univ.example.jp", name: "小林 正人", affiliation: "東京科学大学", prefecture: "13", expertise: &["materials", "manufacturing", "semiconductors"] },
    Expert { email: "watanabe@univ.example.jp", name: "渡辺 理恵", affiliation: "京都大学", prefecture: "26", expertise: &["life_science", "biomedical", "food"] },
    Expert { email: "kato@lab.example.jp", name: "加藤 誠", affiliation: "産業技術総合研究所", prefecture: "08", expertise: &["energy", "carbon_neutral", "materials"] },
    Expert { email: "yoshida@biz.example.jp", name: "吉田 恵子", affiliation: "横浜テクノ株式会社", prefecture: "14", expertise: &["mobility", "manufacturing", "semiconductors"] },
    Expert { email: "yamada@univ.example.jp", name: "山田 隆", affiliation: "筑波大学", prefecture: "08", expertise: &["agriculture", "food", "life_science"] },
];

pub const ADMIN_EMAIL: &str = "po@jst.example.jp";
pub const ADMIN_NAME: &str = "鈴木 一郎（プログラムオフィサー）";

pub fn officer_account(officer: &Officer) -> CreateUser {
    CreateUser {
        email: officer.email.into(),
        name: officer.name.into(),
        role: Role::Applicant,
        prefecture_code: Some(officer.prefecture.into()),
        affiliation: None,
        affiliation_prefecture_code: None,
        expertise: None,
        max_assignments: None,
    }
}

pub fn expert_account(expert: &Expert) -> CreateUser {
    CreateUser {
        email: expert.email.into(),
        name: expert.name.into(),
        role: Role::Reviewer,
        prefecture_code: None,
        affiliation: Some(expert.affiliation.into()),
        affiliation_prefecture_code: Some(expert.prefecture.into()),
        expertise: Some(expert.expertise.iter().map(|k| k.to_string()).collect()),
        max_assignments: Some(6),
    }
}

fn criteria() -> Vec<Criterion> {
    [("purpose", "目的・目標の明確さ", 1.0), ("feasibility", "計画の実現可能性と運営体制", 2.0), ("impact", "地域への波及効果と持続性", 1.0)]
        .into_iter()
        .map(|(code, name, weight)| Criterion { code: code.into(), name: name.into(), weight })
        .collect()
}

pub fn call_terms(program: Program, fiscal_year: i32, title: &str, opens: DateTime<Utc>, closes: DateTime<Utc>) -> CreateCall {
    let description = match program {
        Program::LabConstruction => "地域の大学等と産業界が共同研究を行う拠点の施設・設備の整備を支援します。都道府県知事・大学等の長・産業界代表者の連名による提案を求めます。",
        Program::RegionalCoCreation => "地域の将来ビジョンを産学官で共有し、その実現に向けた共創の場の形成を支援します。",
    };
    CreateCall {
        program,
        fiscal_year,
        title: title.into(),
        description: Some(description.into()),
        opens_at: opens.fixed_offset(),
        closes_at: closes.fixed_offset(),
        total_budget_yen: 6_000_000_000,
        max_request_yen: 3_000_000_000,
        reviewers_per_proposal: Some(2),
        criteria: criteria(),
        selection_stages: None,
        budget_by_year: None,
    }
}

/// What a prefecture proposes, by prefecture code.
struct Theme {
    title: &'static str,
    summary: &'static str,
    keywords: [&'static str; 2],
    university: &'static str,
    industry: &'static str,
    governor: &'static str,
}

fn theme(prefecture: &str) -> Theme {
    match prefecture {
        "04" => Theme { title: "次世代放射光を核としたみやぎ材料イノベーション拠点", summary: "次世代放射光施設を活用し、県内ものづくり企業と大学が共同で新材料を開発する拠点を整備する。", keywords: ["materials", "manufacturing"], university: "東北大学", industry: "東北経済連合会", governor: "村井 嘉浩" },
        "27" => Theme { title: "大阪ライフサイエンス産学官共創拠点", summary: "創薬・再生医療のスタートアップと大学病院が試料と設備を共有する共同研究拠点を整備する。", keywords: ["life_science", "biomedical"], university: "大阪大学", industry: "関西経済連合会", governor: "吉村 洋文" },
        "40" => Theme { title: "九州半導体・デジタル産業共同研究拠点", summary: "半導体の設計・評価設備を集約し、地場企業の人材育成と共同研究を一体で進める拠点を整備する。", keywords: ["semiconductors", "manufacturing"], university: "九州大学", industry: "九州経済連合会", governor: "服部 誠太郎" },
        "01" => Theme { title: "北海道 食と農のスマート化研究拠点", summary: "農業データと食品加工技術を結び、寒冷地の生産性向上と高付加価値化を図る共同研究拠点を整備する。", keywords: ["agriculture", "food"], university: "北海道大学", industry: "北海道経済連合会", governor: "鈴木 直道" },
        "23" => Theme { title: "次世代モビリティ共同研究拠点", summary: "電動化・自動運転に対応する部品サプライヤーの技術転換を、大学と共同で支える試験・評価拠点を整備する。", keywords: ["mobility", "manufacturing"], university: "名古屋大学", industry: "中部経済連合会", governor: "大村 秀章" },
        _ => Theme { title: "瀬戸内カーボンニュートラル研究拠点", summary: "臨海コンビナートの脱炭素化に向け、水素・CO2 回収の実証設備を産学で共同利用する拠点を整備する。", keywords: ["energy", "carbon_neutral"], university: "広島大学", industry: "中国経済連合会", governor: "湯﨑 英彦" },
    }
}

/// A complete lab-construction proposal, ready for endorsement: every rule of `submit` is met.
pub fn complete_proposal(prefecture: &str, requested_yen: i64) -> Value {
    let t = theme(prefecture);
    let code: Option<PrefectureCode> = prefecture.parse().ok();
    let consultations: Vec<Value> = code
        .into_iter()
        .flat_map(|c| c.designated_cities())
        .map(|city| json!({ "city_code": city.city_code().to_string(), "consulted_on": "2026-04-15", "note": "拠点の立地と交通アクセスについて事前協議済み" }))
        .collect();
    let funding: Vec<Value> = (2027..2037)
        .map(|y| json!({ "fiscal_year": y, "prefecture_yen": 60_000_000, "university_yen": 25_000_000, "industry_yen": 40_000_000, "other_yen": 5_000_000, "expenses_yen": 130_000_000 }))
        .collect();
    let pref_name = code.map(|c| c.name_ja()).unwrap_or_default();
    json!({
        "title": t.title,
        "summary": t.summary,
        "keywords": t.keywords,
        "partner_prefecture_codes": [],
        "signatories": [
            { "role": "governor", "name": t.governor, "title": format!("{pref_name}知事"), "organization": pref_name, "email": format!("governor.{prefecture}@pref.example.jp"), "representative": true },
            { "role": "university_head", "name": format!("{}総長", t.university), "title": "総長", "organization": t.university, "email": format!("president.{prefecture}@univ.example.jp"), "representative": false },
            { "role": "industry_representative", "name": format!("{}会長", t.industry), "title": "会長", "organization": t.industry, "email": format!("chair.{prefecture}@biz.example.jp"), "representative": false }
        ],
        "consultations": consultations,
        "sections": {
            "purpose": format!("{pref_name}の産業集積と{}の研究力を結びつけ、地域発のイノベーションを継続的に生み出す。", t.university),
            "goals": "10年間で共同研究 120 件、参画企業 80 社、新規事業化 15 件を目指す。",
            "activity_plan": "毎年度、事業運営委員会が KPI の達成状況を評価し、翌年度の研究テーマと設備利用計画を見直す（PDCA）。",
            "positioning": format!("{pref_name}総合計画および科学技術振興指針の重点施策に位置づける。"),
            "expected_outcomes": "地域企業の研究開発投資の増加、若手研究者・技術者の定着、県外からの企業立地。",
            "operating_body": format!("{pref_name}・{}・{}で構成する事業運営委員会を設置する。", t.university, t.industry),
            "facility_management": "大学の産学連携本部が施設を管理し、利用料収入で保守費用を賄う。",
            "land": format!("{}キャンパス内の県有地（約 5,000 平方メートル）", t.university),
            "facility_plan": "共同研究棟（延床 4,000 平方メートル）と共用分析設備一式を整備する。"
        },
        "funding_plan": funding,
        "requested_amount_yen": requested_yen,
        "construction_type": "new_building",
        "land_provided": true
    })
}

/// A draft begun but far from done: the checklist has much to say about it.
pub fn early_draft(prefecture: &str) -> Value {
    let t = theme(prefecture);
    json!({ "title": t.title, "summary": t.summary, "keywords": t.keywords })
}

/// An early draft of a joint proposal (広域連携) led by `prefecture`, inviting `partners`.
pub fn joint_draft(prefecture: &str, partners: &[&str]) -> Value {
    let mut draft = early_draft(prefecture);
    draft["partner_prefecture_codes"] = json!(partners);
    draft
}

/// A review with the given grades for purpose, feasibility and impact, and the overall grade.
pub fn review(grades: [&str; 3], overall: &str) -> ReviewInput {
    let comment = |g: &str| match g {
        "S" => "極めて優れており、他地域の模範となる。",
        "A" => "優れている。実施体制の具体化が進めばさらに良い。",
        "B" => "妥当だが、根拠となるデータが不足している。",
        _ => "計画の具体性に欠け、見直しが必要である。",
    };
    let codes = ["purpose", "feasibility", "impact"];
    ReviewInput {
        grades: codes.iter().zip(grades).map(|(c, g)| (c.to_string(), g.to_string())).collect(),
        comments: codes.iter().zip(grades).map(|(c, g)| (c.to_string(), comment(g).to_string())).collect(),
        overall_grade: Some(overall.into()),
        overall_comment: Some(format!("総合評価 {overall}：{}", comment(overall))),
    }
}

/// A one-page PDF, small and valid, for the demo's attachment.
pub const SAMPLE_PDF: &[u8] = b"%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
startxref
0
%%EOF
";
