//! What a project page shows of the project's life after adoption: the progress report of each
//! scheduled fiscal year and the evaluation rounds of its call, with the lead prefecture's
//! self-evaluation forms. Read through the same use-cases as the JSON API.

use chrono::{DateTime, Utc};

use crate::app::Tx;
use crate::app::evaluations::rounds::{self, Evaluation};
use crate::app::evaluations::self_evaluations;
use crate::app::projects::reports::{self, ProgressReport};
use crate::app::projects::{self, view::Project};
use crate::auth::CurrentUser;
use crate::domain::evaluation::{self, EvaluationKind, EvaluationStatus};
use crate::domain::report::ReportStatus;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::web::Page;
use crate::web::i18n::Lang;
use crate::web::project_view::ProjectPage;

/// The project with its reports and its call's rounds (each with the self-evaluation written
/// for this project, when the reader may see it), as one read.
pub struct Loaded {
    pub project: Project,
    pub reports: Vec<ProgressReport>,
    pub rounds: Vec<(Evaluation, Option<String>)>,
    pub now: DateTime<Utc>,
}

pub fn load(tx: &mut Tx<'_>, user: &CurrentUser, project_id: &str) -> ApiResult<Loaded> {
    let project = projects::get(tx, user, project_id)?;
    let reports = reports::list(tx, user, project_id)?;
    let lead = is_lead(user, &project);
    let mut shown = Vec::new();
    for round in rounds::of_call(tx, &project.call_id)? {
        // A self-evaluation is the lead prefecture's and the program officer's to read.
        let text = if lead || user.role == crate::domain::user::Role::Admin {
            match self_evaluations::read(tx, user, &round.id, project_id) {
                Ok(s) => Some(s.text),
                Err(e) if e.status.as_u16() == 404 => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        shown.push((round, text));
    }
    Ok(Loaded { project, reports, rounds: shown, now: tx.now })
}

/// The project page with both sections, for the prefectures (`officer` false) or the
/// program officer.
pub async fn project_page(page: &Page, state: &AppState, user: &CurrentUser, id: &str, officer: bool) -> ApiResult<ProjectPage> {
    let (reader, id) = (user.clone(), id.to_string());
    let loaded = state.read(Actor::user(user), move |tx| load(tx, &reader, &id)).await?;
    let mut shown = ProjectPage::new(page, &loaded.project, officer);
    shown.progress = Progress::of(page.lang, &loaded, is_lead(user, &loaded.project));
    Ok(shown)
}

pub fn is_lead(user: &CurrentUser, project: &Project) -> bool {
    user.role == crate::domain::user::Role::Applicant && user.prefecture == Some(project.lead_prefecture_code)
}

pub struct ReportLine {
    pub fiscal_year: i32,
    pub status: &'static str,
    /// When it was submitted, in JST.
    pub submitted_at: Option<String>,
    /// The year's form (or the submitted report), for the lead prefecture only.
    pub href: Option<String>,
    pub action: &'static str,
}

pub struct RoundLine {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub due: String,
    pub status: &'static str,
    pub published: bool,
    /// The lead prefecture may still write its self-evaluation.
    pub writable: bool,
    /// What was written (or typed, after a refusal).
    pub text: String,
    pub error: Option<String>,
}

/// The two sections, as the page shows them.
#[derive(Default)]
pub struct Progress {
    /// The reader is the lead prefecture's: each year links to its form.
    pub lead: bool,
    pub reports: Vec<ReportLine>,
    pub rounds: Vec<RoundLine>,
    /// A refusal of the self-evaluation form, above the rounds.
    pub alert: Option<String>,
}

impl Progress {
    pub fn of(lang: Lang, loaded: &Loaded, lead: bool) -> Self {
        let t = RT::of(lang);
        let project = &loaded.project;
        let reports = project
            .schedule
            .iter()
            .map(|y| {
                let report = loaded.reports.iter().find(|r| r.fiscal_year == y.fiscal_year);
                let status = t.report_status(report.map(|r| r.status));
                let submitted = report.is_some_and(|r| r.status == ReportStatus::Submitted);
                ReportLine {
                    fiscal_year: y.fiscal_year,
                    status,
                    submitted_at: report.and_then(|r| r.submitted_at).map(|at| lang.date_time(at)),
                    href: lead.then(|| format!("/projects/{}/reports/{}", project.id, y.fiscal_year)),
                    action: if submitted { t.view } else { t.write },
                }
            })
            .collect();
        let rounds = loaded
            .rounds
            .iter()
            .map(|(round, text)| {
                let published = round.status == EvaluationStatus::Published;
                RoundLine {
                    id: round.id.clone(),
                    kind: t.kind(lang, round.kind),
                    title: round.title.clone(),
                    due: lang.date_time(round.self_evaluation_due),
                    status: if published { t.published } else { t.open },
                    published,
                    writable: lead && !published && evaluation::self_evaluation_open(round.self_evaluation_due.with_timezone(&Utc), loaded.now),
                    text: text.clone().unwrap_or_default(),
                    error: None,
                }
            })
            .collect();
        Progress { lead, reports, rounds, alert: None }
    }

    /// After a refused self-evaluation: what was typed kept, the refusal beside it or on top.
    pub fn refused(&mut self, t: &RT, evaluation_id: &str, typed: String, e: &ApiError) {
        if let Some(round) = self.rounds.iter_mut().find(|r| r.id == evaluation_id) {
            round.text = typed;
            round.error = e.errors.iter().find(|p| p.field == "text").map(|p| t.problem(p));
        }
        if e.errors.is_empty() {
            self.alert = Some(match e.code.as_ref() {
                "evaluation_closed" => t.closed.to_string(),
                _ => e.detail.clone(),
            });
        }
    }
}

pub struct RT {
    pub status: &'static str,
    pub submitted_at: &'static str,
    pub status_none: &'static str,
    pub status_draft: &'static str,
    pub status_submitted: &'static str,
    pub write: &'static str,
    pub view: &'static str,
    pub report_title: &'static str,
    pub kpi_actuals: &'static str,
    pub indicator: &'static str,
    pub actual: &'static str,
    pub outcomes: &'static str,
    pub outcome_labels: [&'static str; 9],
    pub narrative: &'static str,
    pub save: &'static str,
    pub submit: &'static str,
    pub confirm_title: &'static str,
    pub confirm_lead: &'static str,
    pub submit_now: &'static str,
    pub back_to_edit: &'static str,
    pub saved: &'static str,
    pub submitted: &'static str,
    pub gaps: &'static str,
    pub locked: &'static str,
    pub conflict: &'static str,
    pub not_a_count: &'static str,
    pub negative: &'static str,
    pub required: &'static str,
    pub too_long: &'static str,
    pub kind_label: &'static str,
    pub due: &'static str,
    pub open: &'static str,
    pub published: &'static str,
    pub results: &'static str,
    pub self_evaluation: &'static str,
    pub save_self: &'static str,
    pub self_saved: &'static str,
    pub closed: &'static str,
}

impl RT {
    pub fn of(lang: Lang) -> &'static RT {
        match lang {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    pub fn kind(&self, lang: Lang, kind: EvaluationKind) -> &'static str {
        match kind {
            EvaluationKind::Interim => lang.pick(kind.name_ja(), "Interim evaluation"),
            EvaluationKind::ExPost => lang.pick(kind.name_ja(), "Ex-post evaluation"),
        }
    }

    pub fn report_status(&self, status: Option<ReportStatus>) -> &'static str {
        match status {
            None => self.status_none,
            Some(ReportStatus::Draft) => self.status_draft,
            Some(ReportStatus::Submitted) => self.status_submitted,
        }
    }

    /// A use-case's problem with a field, in the reader's words where its code says enough.
    pub fn problem(&self, p: &FieldError) -> String {
        match p.code.as_ref() {
            "negative" => self.negative.to_string(),
            "required" => self.required.to_string(),
            "too_long" => self.too_long.to_string(),
            _ => p.message.clone(),
        }
    }
}

static JA: RT = RT {
    status: "状況",
    submitted_at: "提出日時",
    status_none: "未作成",
    status_draft: "下書き",
    status_submitted: "提出済み",
    write: "報告書を作成・編集",
    view: "表示",
    report_title: "年度 実績報告",
    kpi_actuals: "成果指標の実績",
    indicator: "指標",
    actual: "実績値",
    outcomes: "実績一覧",
    outcome_labels: ["論文数", "特許出願（国内）", "特許取得（国内）", "特許出願（海外）", "特許取得（海外）", "製品化件数", "売上（円）", "報道件数", "受賞件数"],
    narrative: "実施状況の概要",
    save: "下書き保存",
    submit: "提出",
    confirm_title: "実績報告の提出の確認",
    confirm_lead: "提出すると報告は確定し、以後は変更できません。内容を確認してください。",
    submit_now: "提出する",
    back_to_edit: "修正に戻る",
    saved: "下書きを保存しました。",
    submitted: "提出しました。",
    gaps: "提出には次の項目が必要です。",
    locked: "この実績報告は提出済みのため、変更できません。",
    conflict: "他の担当者が先に保存しました。最新の内容を確認して、もう一度保存してください。",
    not_a_count: "0以上の整数で入力してください。",
    negative: "0以上の数を入力してください。",
    required: "入力してください。",
    too_long: "長すぎます。短くしてください。",
    kind_label: "種別",
    due: "自己評価書の提出期限",
    open: "受付中",
    published: "公表済み",
    results: "評価結果を見る",
    self_evaluation: "自己評価書",
    save_self: "自己評価書を保存",
    self_saved: "自己評価書を保存しました。",
    closed: "自己評価書の提出期限を過ぎたため、保存できません。",
};

static EN: RT = RT {
    status: "Status",
    submitted_at: "Submitted",
    status_none: "Not started",
    status_draft: "Draft",
    status_submitted: "Submitted",
    write: "Write the report",
    view: "View",
    report_title: " progress report",
    kpi_actuals: "KPI actuals",
    indicator: "Indicator",
    actual: "Actual",
    outcomes: "Outcomes",
    outcome_labels: [
        "Papers",
        "Patent applications (Japan)",
        "Patents granted (Japan)",
        "Patent applications (abroad)",
        "Patents granted (abroad)",
        "Products",
        "Revenue (yen)",
        "Press coverage",
        "Awards",
    ],
    narrative: "Narrative",
    save: "Save draft",
    submit: "Submit",
    confirm_title: "Confirm the submission",
    confirm_lead: "Once submitted, the report is locked and can no longer be changed. Check it below.",
    submit_now: "Submit the report",
    back_to_edit: "Back to the form",
    saved: "Draft saved.",
    submitted: "Submitted.",
    gaps: "The report needs the following before it can be submitted.",
    locked: "This progress report is submitted and locked: it cannot be changed.",
    conflict: "Someone else saved this report first. Check the latest version and save again.",
    not_a_count: "Enter a whole number, 0 or more.",
    negative: "Enter a number of 0 or more.",
    required: "Required.",
    too_long: "Too long: shorten it.",
    kind_label: "Kind",
    due: "Self-evaluation due",
    open: "Open",
    published: "Published",
    results: "See the results",
    self_evaluation: "Self-evaluation",
    save_self: "Save the self-evaluation",
    self_saved: "Self-evaluation saved.",
    closed: "The self-evaluation's due date has passed: it can no longer be saved.",
};
