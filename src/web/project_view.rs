//! What the project pages show, for the lead prefecture and the program officer alike: the
//! project's facts, its schedule per fiscal year and its KPIs, in Japanese (first) and English.

use askama::Template;

use crate::app::projects::view::Project;
use crate::domain::project::Phase;
use crate::domain::proposal::content::Measure;
use crate::error::ApiError;
use crate::web::i18n::Lang;
use crate::web::present::prefecture;
use crate::web::project_progress::{Progress, RT};
use crate::web::{Chrome, Page};

pub struct PT {
    pub projects: &'static str,
    pub project: &'static str,
    pub call: &'static str,
    pub phase: &'static str,
    pub reason: &'static str,
    pub lead: &'static str,
    pub partners: &'static str,
    pub conditions: &'static str,
    pub no_conditions: &'static str,
    pub cleared: &'static str,
    pub not_cleared: &'static str,
    pub conditions_note: &'static str,
    pub schedule: &'static str,
    pub fiscal_year: &'static str,
    pub amount: &'static str,
    pub grant: &'static str,
    pub granted: &'static str,
    pub not_granted: &'static str,
    pub total: &'static str,
    pub kpis: &'static str,
    pub kpi: &'static str,
    pub baseline: &'static str,
    pub target: &'static str,
    pub target_year: &'static str,
    pub no_kpis: &'static str,
    pub reports: &'static str,
    pub no_reports: &'static str,
    pub evaluations: &'static str,
    pub no_evaluations: &'static str,
    pub no_projects: &'static str,
    pub clear_conditions: &'static str,
    pub note: &'static str,
    pub grant_this_year: &'static str,
    pub confirm_grant: &'static str,
    pub confirm_grant_lead: &'static str,
    pub emailed: &'static str,
    pub nobody_emailed: &'static str,
    pub back: &'static str,
    pub end_project: &'static str,
    pub to_completed: &'static str,
    pub to_terminated: &'static str,
    pub record: &'static str,
    pub conditions_open: &'static str,
    pub already_granted: &'static str,
    pub done: &'static str,
    pub funding_report: &'static str,
    pub prefecture: &'static str,
    pub region: &'static str,
    pub granted_yen: &'static str,
    pub scheduled_yen: &'static str,
    pub count: &'static str,
    pub all_years: &'static str,
    pub show: &'static str,
    pub csv: &'static str,
    pub no_funding: &'static str,
    pub invalid_year: &'static str,
    pub nav_label: &'static str,
    pub nav_calls: &'static str,
    pub nav_users: &'static str,
}

impl PT {
    pub fn of(lang: Lang) -> &'static PT {
        match lang {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    pub fn phase(&self, lang: Lang, phase: Phase) -> &'static str {
        match phase {
            Phase::Active => lang.pick("実施中", "Active"),
            Phase::Completed => lang.pick("完了", "Completed"),
            Phase::Terminated => lang.pick("中止", "Terminated"),
        }
    }

    /// A refusal of the project's use-cases, in the reader's words where the code says enough.
    pub fn refusal(&self, e: &ApiError) -> String {
        match e.code.as_ref() {
            "conditions_open" => self.conditions_open.to_string(),
            "already_granted" => self.already_granted.to_string(),
            _ => e.detail.clone(),
        }
    }
}

pub struct YearRow {
    pub fiscal_year: i32,
    pub amount: String,
    /// When it was granted, in JST.
    pub granted: Option<String>,
}

pub struct KpiRow {
    pub name: String,
    pub baseline: String,
    pub target: String,
    pub target_year: String,
}

/// A project as its pages show it.
pub struct ProjectDoc {
    pub id: String,
    pub call_id: String,
    pub title: String,
    pub phase: &'static str,
    pub active: bool,
    pub phase_reason: Option<String>,
    pub lead: String,
    pub partners: String,
    pub conditions: Option<String>,
    pub conditions_cleared: bool,
    pub conditions_note: Option<String>,
    pub years: Vec<YearRow>,
    pub total: String,
    pub granted_total: String,
    pub kpis: Vec<KpiRow>,
}

fn measure(m: &Option<Measure>) -> String {
    match m {
        Some(Measure::Number(n)) => n.to_string(),
        Some(Measure::Text(t)) => t.clone(),
        None => "—".into(),
    }
}

pub fn project_doc(lang: Lang, p: &Project) -> ProjectDoc {
    let t = PT::of(lang);
    let total: i64 = p.schedule.iter().map(|y| y.amount_yen).sum();
    let granted: i64 = p.schedule.iter().filter(|y| y.granted_at.is_some()).map(|y| y.amount_yen).sum();
    ProjectDoc {
        id: p.id.clone(),
        call_id: p.call_id.clone(),
        title: p.title.clone(),
        phase: t.phase(lang, p.phase),
        active: p.phase == Phase::Active,
        phase_reason: p.phase_reason.clone(),
        lead: prefecture(lang, p.lead_prefecture_code),
        partners: p.partner_prefecture_codes.iter().map(|c| prefecture(lang, *c)).collect::<Vec<_>>().join(lang.pick("、", ", ")),
        conditions: p.conditions.clone(),
        conditions_cleared: p.conditions_cleared,
        conditions_note: p.conditions_note.clone(),
        years: p
            .schedule
            .iter()
            .map(|y| YearRow { fiscal_year: y.fiscal_year, amount: lang.yen(y.amount_yen), granted: y.granted_at.map(|at| lang.date_time(at)) })
            .collect(),
        total: lang.yen(total),
        granted_total: lang.yen(granted),
        kpis: p
            .kpis
            .iter()
            .map(|k| KpiRow {
                name: k.name.clone(),
                baseline: measure(&k.baseline),
                target: measure(&k.target),
                target_year: k.target_fiscal_year.map(|y| y.to_string()).unwrap_or_else(|| "—".into()),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "projects/project.html", config = "src/web/askama.toml")]
pub struct ProjectPage {
    pub c: Chrome,
    pub t: &'static PT,
    pub p: ProjectDoc,
    pub officer: bool,
    pub notice: Option<&'static str>,
    pub alert: Option<String>,
    pub note: String,
    pub note_error: Option<String>,
    pub to: String,
    pub to_error: Option<String>,
    pub reason: String,
    pub reason_error: Option<String>,
    pub rt: &'static RT,
    pub progress: Progress,
}

impl ProjectPage {
    pub fn new(page: &Page, project: &Project, officer: bool) -> Self {
        ProjectPage {
            c: page.chrome(),
            t: PT::of(page.lang),
            p: project_doc(page.lang, project),
            officer,
            notice: None,
            alert: None,
            note: String::new(),
            note_error: None,
            to: String::new(),
            to_error: None,
            reason: String::new(),
            reason_error: None,
            rt: RT::of(page.lang),
            progress: Progress::default(),
        }
    }
}

static JA: PT = PT {
    projects: "採択課題",
    project: "採択課題",
    call: "公募",
    phase: "状況",
    reason: "理由",
    lead: "代表都道府県",
    partners: "連携都道府県",
    conditions: "採択条件",
    no_conditions: "条件なしの採択",
    cleared: "解除済み",
    not_cleared: "未解除（解除まで交付決定できません）",
    conditions_note: "解除の根拠",
    schedule: "年度別の交付予定",
    fiscal_year: "年度",
    amount: "金額",
    grant: "交付決定",
    granted: "交付決定済み",
    not_granted: "未交付",
    total: "合計",
    kpis: "成果指標（KPI）",
    kpi: "指標",
    baseline: "基準値",
    target: "目標値",
    target_year: "目標年度",
    no_kpis: "成果指標は登録されていません。",
    reports: "実績報告",
    no_reports: "実績報告はまだありません。",
    evaluations: "評価",
    no_evaluations: "評価はまだありません。",
    no_projects: "採択課題はまだありません。",
    clear_conditions: "採択条件を解除",
    note: "解除の根拠（どのように満たされたか）",
    grant_this_year: "交付決定へ",
    confirm_grant: "交付決定の確認",
    confirm_grant_lead: "次の年度・金額を交付決定し、代表都道府県の担当者にメールで通知します。",
    emailed: "通知先",
    nobody_emailed: "通知先の担当者がいません。",
    back: "戻る",
    end_project: "完了・中止",
    to_completed: "完了",
    to_terminated: "中止",
    record: "記録する",
    conditions_open: "採択条件が解除されていないため、交付決定できません。先に条件を解除してください。",
    already_granted: "この年度は交付決定済みです。",
    done: "記録しました。",
    funding_report: "資金投入状況",
    prefecture: "都道府県",
    region: "地方",
    granted_yen: "交付決定額",
    scheduled_yen: "予定額",
    count: "課題数",
    all_years: "全年度",
    show: "表示",
    csv: "CSVをダウンロード",
    no_funding: "該当する資金投入はありません。",
    invalid_year: "年度は数字（例: 2026）で入力してください。",
    nav_label: "管理",
    nav_calls: "公募",
    nav_users: "ユーザー",
};

static EN: PT = PT {
    projects: "Projects",
    project: "Project",
    call: "Call",
    phase: "Phase",
    reason: "Reason",
    lead: "Lead prefecture",
    partners: "Partner prefectures",
    conditions: "Conditions of adoption",
    no_conditions: "Adopted without conditions",
    cleared: "Cleared",
    not_cleared: "Not cleared (nothing is granted until they are)",
    conditions_note: "How they were met",
    schedule: "Schedule by fiscal year",
    fiscal_year: "Fiscal year",
    amount: "Amount",
    grant: "Grant",
    granted: "Granted",
    not_granted: "Not yet granted",
    total: "Total",
    kpis: "Key performance indicators",
    kpi: "Indicator",
    baseline: "Baseline",
    target: "Target",
    target_year: "Target year",
    no_kpis: "No KPI was named.",
    reports: "Progress reports",
    no_reports: "No progress report yet.",
    evaluations: "Evaluations",
    no_evaluations: "No evaluation yet.",
    no_projects: "No project yet.",
    clear_conditions: "Clear the conditions",
    note: "How the conditions were met",
    grant_this_year: "Grant…",
    confirm_grant: "Confirm the grant",
    confirm_grant_lead: "This grants the fiscal year and amount below and emails the lead prefecture's officers.",
    emailed: "Emailed to",
    nobody_emailed: "The lead prefecture has no officer to email.",
    back: "Back",
    end_project: "Complete or terminate",
    to_completed: "Complete",
    to_terminated: "Terminate",
    record: "Record",
    conditions_open: "The conditions of this adoption are not cleared yet: nothing can be granted. Clear them first.",
    already_granted: "This fiscal year is granted already.",
    done: "Recorded.",
    funding_report: "Funding report",
    prefecture: "Prefecture",
    region: "Region",
    granted_yen: "Granted",
    scheduled_yen: "Scheduled",
    count: "Projects",
    all_years: "All years",
    show: "Show",
    csv: "Download CSV",
    no_funding: "No funding in this selection.",
    invalid_year: "Enter the fiscal year as a number (e.g. 2026).",
    nav_label: "Administration",
    nav_calls: "Calls",
    nav_users: "Users",
};
