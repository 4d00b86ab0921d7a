//! The demo's projects after adoption: conditions cleared, the first year granted and reported,
//! and an interim evaluation round open with a self-evaluation under way and an evaluator at work.

use serde_json::json;

use super::{Cast, DemoError, Filler};
use crate::app::evaluations::{evaluators, publication, rounds, self_evaluations};
use crate::app::projects::view::Project;
use crate::domain::review::ReviewInput;
use crate::app::projects::{self, reports};
use crate::domain::evaluation::EvaluationKind;
use crate::domain::time::jst;

impl Filler<'_> {
    /// The decided call's projects in their first year (fiscal 2025).
    pub(super) async fn steer_projects(&self, cast: &Cast, call: &str) -> Result<(), DemoError> {
        self.at(-66);
        let id = call.to_string();
        let funded = self.write(&cast.admin, "list the projects", move |tx, admin| projects::list(tx, admin, Some(&id))).await?;
        let base_url = self.state.settings.app.public_base_url.clone();
        for project in &funded {
            if !project.conditions_cleared {
                let id = project.id.clone();
                let note = "地元金融機関2行が運営委員会に参画したことを確認した。";
                self.write(&cast.admin, "clear the conditions", move |tx, admin| projects::clear_conditions(tx, admin, &id, note)).await?;
            }
            let (id, base_url) = (project.id.clone(), base_url.clone());
            self.write(&cast.admin, "grant the first year", move |tx, admin| projects::grant(tx, admin, &id, 2025, &base_url)).await?;
        }
        // Each lead prefecture reports on the first year: one submitted, one still a draft.
        for (n, project) in funded.iter().enumerate() {
            let officer = cast.officer(project.lead_prefecture_code.as_str()).clone();
            let input = serde_json::from_value(json!({
                "kpis": [],
                "outcomes": { "papers": 14, "patents_domestic_filed": 3, "patents_domestic_granted": 1, "patents_foreign_filed": 1,
                              "patents_foreign_granted": 0, "products": 2, "revenue_yen": 48_000_000, "press": 6, "awards": 1 },
                "narrative": "共同研究棟の基本設計を終え、参画企業12社と共同研究契約を締結した。",
            }))
            .map_err(|e| DemoError::Step { step: "write a progress report", source: crate::error::ApiError::internal(e) })?;
            let id = project.id.clone();
            self.write(&officer, "save a progress report", move |tx, user| reports::save(tx, user, &id, 2025, &None, input)).await?;
            if n == 0 {
                let id = project.id.clone();
                self.write(&officer, "submit a progress report", move |tx, user| reports::submit(tx, user, &id, 2025, &None)).await?;
            }
        }
        self.published_round(cast, call, &funded).await?;
        // The interim round of fiscal 2026, open until a month from today.
        let due = self.day(30).with_timezone(&jst());
        let input = serde_json::from_value(json!({
            "kind": EvaluationKind::Interim.as_str(), "fiscal_year": 2026, "title": "令和8年度 中間評価",
            "self_evaluation_due": due.to_rfc3339(), "adjustments": { "S": 110, "A": 100, "B": 90, "C": 70 },
        }))
        .map_err(|e| DemoError::Step { step: "open an evaluation round", source: crate::error::ApiError::internal(e) })?;
        let (id, base_url) = (call.to_string(), self.state.settings.app.public_base_url.clone());
        let round = self.write(&cast.admin, "open an evaluation round", move |tx, admin| rounds::create(tx, admin, &id, input, &base_url)).await?;
        let Some(first) = funded.first() else { return Ok(()) };
        let officer = cast.officer(first.lead_prefecture_code.as_str()).clone();
        let (round_id, project_id) = (round.id.clone(), first.id.clone());
        let text = serde_json::from_value(json!({ "text": "拠点整備は計画どおり進捗。産学共同研究の件数は目標を上回った。" }))
            .map_err(|e| DemoError::Step { step: "write a self-evaluation", source: crate::error::ApiError::internal(e) })?;
        self.write(&officer, "write a self-evaluation", move |tx, user| self_evaluations::write(tx, user, &round_id, &project_id, text)).await?;
        let evaluator = cast.experts.first().map(|e| e.id.clone()).unwrap_or_default();
        let (round_id, base_url) = (round.id.clone(), self.state.settings.app.public_base_url.clone());
        let input = evaluators::AssignEvaluator { project_id: first.id.clone(), reviewer_id: evaluator };
        self.write(&cast.admin, "assign an evaluator", move |tx, admin| evaluators::assign(tx, admin, &round_id, input, &base_url)).await?;
        Ok(())
    }

    /// A first interim round, on fiscal 2025: graded by one evaluator and published, so its
    /// results are public.
    async fn published_round(&self, cast: &Cast, call: &str, funded: &[Project]) -> Result<(), DemoError> {
        let internal = |step: &'static str| move |e: serde_json::Error| DemoError::Step { step, source: crate::error::ApiError::internal(e) };
        let due = self.day(30).with_timezone(&jst());
        let input = serde_json::from_value(json!({
            "kind": EvaluationKind::Interim.as_str(), "fiscal_year": 2025, "title": "令和7年度 中間評価（初年度）",
            "self_evaluation_due": due.to_rfc3339(), "adjustments": { "S": 110, "A": 100, "B": 90, "C": 70 },
        }))
        .map_err(internal("open the first round"))?;
        let (id, base_url) = (call.to_string(), self.state.settings.app.public_base_url.clone());
        let round = self.write(&cast.admin, "open the first round", move |tx, admin| rounds::create(tx, admin, &id, input, &base_url)).await?;
        let Some(evaluator) = cast.experts.get(2) else { return Ok(()) };
        for (n, project) in funded.iter().enumerate() {
            let (round_id, base_url) = (round.id.clone(), self.state.settings.app.public_base_url.clone());
            let input = evaluators::AssignEvaluator { project_id: project.id.clone(), reviewer_id: evaluator.id.clone() };
            let assignment = self.write(&cast.admin, "assign an evaluator", move |tx, admin| evaluators::assign(tx, admin, &round_id, input, &base_url)).await?;
            let grade = if n == 0 { "S" } else { "A" };
            let grades: ReviewInput = serde_json::from_value(json!({ "grades": {
                "technical": grade, "regional_initiative": "A", "organization": grade, "self_evaluation": "A", "cluster_potential": grade,
            }, "comments": { "technical": "研究開発は計画を上回って進捗している。" } }))
            .map_err(internal("grade a project"))?;
            let id = assignment.id.clone();
            self.write(evaluator, "accept an evaluation", move |tx, user| evaluators::accept(tx, user, &id)).await?;
            let id = assignment.id.clone();
            self.write(evaluator, "grade a project", move |tx, user| evaluators::save_review(tx, user, &id, grades)).await?;
            let id = assignment.id.clone();
            self.write(evaluator, "submit an evaluation", move |tx, user| evaluators::submit_review(tx, user, &id)).await?;
        }
        let (id, base_url) = (round.id.clone(), self.state.settings.app.public_base_url.clone());
        self.write(&cast.admin, "publish the first round", move |tx, _| publication::publish(tx, &id, &base_url)).await?;
        Ok(())
    }
}
