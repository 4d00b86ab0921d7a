//! `kyoso demo`: fills an empty database with a call at each stage, users of every role and
//! complete proposals, so a newcomer can click through everything right after `cargo run`.
//!
//! Everything goes through the use-cases of `app`, as the API would: the same rules, audit
//! events and emails. Deadlines are honest: the demo clock starts four months ago and moves
//! forward through each call's life, so submissions happen before their deadline and reviews
//! after it, exactly as the rules demand.

mod after_adoption;
mod content;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::app::accounts::passwords::{self, TokenPasswordRequest};
use crate::app::accounts::users::{self, CreateUser, InvitationLink};
use crate::app::calls::{self, CreateCall};
use crate::app::decisions::{self, publication, view::DecisionInput};
use crate::app::proposals::{self, attachments as proposal_attachments, drafting, endorsements::LinkSettings};
use crate::app::review::{assignments, auto, reviews, view::AutoAssign};
use crate::app::selection::{self, ShortlistInput, hearings::{self, ScheduleHearing}};
use crate::app::Tx;
use crate::auth::CurrentUser;
use crate::auth::one_time::Purpose;
use crate::bootstrap::{self, AdminError};
use crate::clock::ShiftedClock;
use crate::domain::call::Program;
use crate::domain::decision::Outcome;
use crate::domain::money::Yen;
use crate::domain::project::YearAmount;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::repo::audit::Actor;
use crate::state::AppState;

pub use content::ADMIN_EMAIL;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds {users} account(s) and {calls} call(s); the demo fills only an empty database")]
    NotEmpty { users: i64, calls: i64 },
    #[error("demo admin: {0}")]
    Admin(#[from] AdminError),
    #[error("demo step \"{step}\" failed: {source}")]
    Step { step: &'static str, source: ApiError },
}

/// What the demo made, and how to look at it.
pub struct Demo {
    pub password: String,
    /// (email, role, who) of every account.
    pub accounts: Vec<(String, Role, String)>,
    /// (status, id, title) of each call.
    pub calls: Vec<(&'static str, String, String)>,
    /// A published result an applicant can open.
    pub result_proposal: String,
}

/// A password for every demo account, unless one is given: random, so a demo database left
/// reachable is not open to a password printed in a README.
pub fn generate_password() -> String {
    format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Fills the empty database behind `state`, whose clock is `clock`; leaves the clock at the
/// present.
pub async fn fill(state: &AppState, clock: &ShiftedClock, password: &str) -> Result<Demo, DemoError> {
    let (users, calls) = counts(state).await.map_err(step("count what exists"))?;
    if users > 0 || calls > 0 {
        return Err(DemoError::NotEmpty { users, calls });
    }
    let present = state.now();
    let demo = Filler { state, clock, password: password.to_string(), present };
    let result = demo.run().await;
    demo.at(0);
    result
}

fn step(step: &'static str) -> impl FnOnce(ApiError) -> DemoError {
    move |source| DemoError::Step { step, source }
}

async fn counts(state: &AppState) -> ApiResult<(i64, i64)> {
    state
        .read(Actor::system(), |tx| {
            let (_, users) = crate::repo::users::list(tx.conn, None, 1, 0)?;
            let (_, calls) = crate::repo::calls::list(tx.conn, true, None, 1, 0)?;
            Ok((users, calls))
        })
        .await
}

struct Filler<'a> {
    state: &'a AppState,
    clock: &'a ShiftedClock,
    password: String,
    present: DateTime<Utc>,
}

/// The people of the demo, signed in as the use-cases see them.
struct Cast {
    admin: CurrentUser,
    officers: Vec<CurrentUser>,
    experts: Vec<CurrentUser>,
    accounts: Vec<(String, Role, String)>,
}

impl Cast {
    fn officer(&self, prefecture: &str) -> &CurrentUser {
        let code = prefecture.parse::<PrefectureCode>().ok();
        self.officers.iter().find(|o| o.prefecture == code).unwrap_or(&self.officers[0])
    }

    fn expert(&self, id: &str) -> Option<&CurrentUser> {
        self.experts.iter().find(|e| e.id == id)
    }
}

fn signed_in(id: String, role: Role, prefecture: Option<PrefectureCode>) -> CurrentUser {
    CurrentUser { id, role, prefecture, session_id: "demo".into(), ip: None }
}

impl Filler<'_> {
    fn day(&self, days: i64) -> DateTime<Utc> {
        self.present + Duration::days(days)
    }

    /// Moves the demo clock to `days` from the present (negative: in the past).
    fn at(&self, days: i64) {
        self.clock.advance(self.day(days) - self.state.now());
    }

    async fn write<T, F>(&self, who: &CurrentUser, name: &'static str, operation: F) -> Result<T, DemoError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>, &CurrentUser) -> ApiResult<T> + Send + 'static,
    {
        let user = who.clone();
        self.state.write(Actor::user(who), move |tx| operation(tx, &user)).await.map_err(step(name))
    }

    /// The token of the newest emailed link to `recipient`, as the recipient would click it.
    async fn emailed_token(&self, recipient: &str) -> Result<String, DemoError> {
        let recipient = recipient.to_string();
        let messages = self.state.read(Actor::system(), |tx| Ok(crate::repo::outbox::all(tx.conn)?)).await.map_err(step("read the outbox"))?;
        messages
            .iter()
            .rev()
            .filter(|m| m.recipient == recipient)
            .find_map(|m| {
                let start = m.body.find("token=")? + "token=".len();
                let token: String = m.body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c)).collect();
                (!token.is_empty()).then_some(token)
            })
            .ok_or_else(|| DemoError::Step { step: "find an emailed link", source: ApiError::not_found("email") })
    }

    async fn run(&self) -> Result<Demo, DemoError> {
        self.at(-120);
        let cast = self.cast().await?;
        let decided = self.decided_call(&cast).await?;
        let hearing = self.call_in_hearing(&cast).await?;
        let under_review = self.call_under_review(&cast).await?;
        let open = self.open_call(&cast).await?;
        self.at(0);
        let draft_terms = content::call_terms(Program::RegionalCoCreation, 2027, "令和9年度 共創の場形成支援（地域共創分野）", self.day(30), self.day(90));
        let draft = self.write(&cast.admin, "create the draft call", move |tx, a| calls::create(tx, a, draft_terms)).await?;
        Ok(Demo {
            password: self.password.clone(),
            accounts: cast.accounts,
            calls: vec![
                ("draft", draft.id, draft.title),
                ("published", open.0, open.1),
                ("under_review", under_review.0, under_review.1),
                ("hearing", hearing.0, hearing.1),
                ("decided", decided.0, decided.1),
            ],
            result_proposal: decided.2,
        })
    }

    async fn cast(&self) -> Result<Cast, DemoError> {
        let admin_id = bootstrap::create_admin(self.state, ADMIN_EMAIL, &self.password, content::ADMIN_NAME)?;
        let admin = signed_in(admin_id, Role::Admin, None);
        let mut accounts = vec![(ADMIN_EMAIL.to_string(), Role::Admin, content::ADMIN_NAME.to_string())];
        let mut officers = Vec::new();
        for officer in &content::OFFICERS {
            officers.push(self.invite(&admin, content::officer_account(officer), &mut accounts).await?);
        }
        let mut experts = Vec::new();
        for expert in &content::EXPERTS {
            experts.push(self.invite(&admin, content::expert_account(expert), &mut accounts).await?);
        }
        Ok(Cast { admin, officers, experts, accounts })
    }

    /// Invites an account and activates it from the emailed link, with the demo password.
    async fn invite(&self, admin: &CurrentUser, request: CreateUser, accounts: &mut Vec<(String, Role, String)>) -> Result<CurrentUser, DemoError> {
        let link = InvitationLink::issue(self.state);
        let user = self.write(admin, "invite a user", move |tx, _| users::invite(tx, link, request)).await?;
        let token = self.emailed_token(&user.email).await?;
        passwords::activate(self.state, None, TokenPasswordRequest { token, password: self.password.clone() })
            .await
            .map_err(step("activate an account"))?;
        let who = match (&user.prefecture_code, &user.affiliation) {
            (Some(p), _) => p.name_ja().to_string(),
            (None, Some(a)) => a.clone(),
            _ => String::new(),
        };
        accounts.push((user.email.clone(), user.role, format!("{} — {who}", user.name)));
        Ok(signed_in(user.id, user.role, user.prefecture_code))
    }

    async fn new_call(&self, admin: &CurrentUser, terms: CreateCall) -> Result<(String, String), DemoError> {
        let call = self.write(admin, "create a call", move |tx, a| calls::create(tx, a, terms)).await?;
        let id = call.id.clone();
        self.write(admin, "publish a call", move |tx, _| calls::publish(tx, &id)).await?;
        Ok((call.id, call.title))
    }

    /// A draft proposal of `officer`'s prefecture in `call`.
    async fn draft(&self, officer: &CurrentUser, call: &str, body: Value) -> Result<String, DemoError> {
        let call = call.to_string();
        let lead = officer.prefecture.ok_or_else(|| DemoError::Step { step: "draft a proposal", source: ApiError::internal("officer without prefecture") })?;
        let proposal = self
            .write(officer, "draft a proposal", move |tx, user| {
                let content = drafting::initial_content(Some(body), lead)?;
                proposals::create(tx, user, lead, &call, content)
            })
            .await?;
        Ok(proposal.id)
    }

    /// Asks for the endorsements and has the first `how_many` signatories follow their links.
    async fn endorse(&self, officer: &CurrentUser, proposal: &str, how_many: usize) -> Result<(), DemoError> {
        let settings = LinkSettings {
            links: self.state.links.clone(),
            base_url: self.state.settings.app.public_base_url.clone(),
            ttl: Duration::hours(self.state.settings.endorsement.token_ttl_hours),
        };
        let id = proposal.to_string();
        self.write(officer, "request endorsements", move |tx, user| proposals::request_endorsements(tx, user, &id, &settings)).await?;
        let prefecture = officer.prefecture.map(|p| p.to_string()).unwrap_or_default();
        let signatories = [format!("governor.{prefecture}@pref.example.jp"), format!("president.{prefecture}@univ.example.jp"), format!("chair.{prefecture}@biz.example.jp")];
        for address in signatories.iter().take(how_many) {
            let token = self.emailed_token(address).await?;
            let token_id = self.state.links.verify(Purpose::Endorsement, &token).ok_or_else(|| step("endorse")(proposals::endorsements::token_invalid()))?;
            self.state
                .write(Actor::anonymous("signatory", None), move |tx| proposals::endorse(tx, &token_id))
                .await
                .map_err(step("endorse"))?;
        }
        Ok(())
    }

    /// Uploads a small PDF to a draft, as the applicant's page would.
    async fn attach(&self, officer: &CurrentUser, proposal: &str, filename: &'static str) -> Result<(), DemoError> {
        let root = self.state.settings.storage.attachments_dir.clone();
        let received = crate::upload::received_from_bytes(&root.join(proposal), filename, content::SAMPLE_PDF)
            .map_err(|e| DemoError::Step { step: "write a sample PDF", source: ApiError::internal(e) })?;
        let id = proposal.to_string();
        self.write(officer, "upload an attachment", move |tx, user| proposal_attachments::upload_attachment(tx, user, &id, &received, &root)).await?;
        Ok(())
    }

    /// A complete, endorsed and submitted proposal.
    async fn submitted(&self, officer: &CurrentUser, call: &str, requested_yen: i64) -> Result<String, DemoError> {
        let prefecture = officer.prefecture.map(|p| p.to_string()).unwrap_or_default();
        let id = self.draft(officer, call, content::complete_proposal(&prefecture, requested_yen)).await?;
        self.endorse(officer, &id, 3).await?;
        let proposal = id.clone();
        self.write(officer, "submit a proposal", move |tx, user| proposals::submit(tx, user, &proposal, None)).await?;
        Ok(id)
    }

    /// Closes submissions and has the solver assign two reviewers to each proposal.
    async fn review_started(&self, cast: &Cast, call: &str) -> Result<Vec<(String, String, String)>, DemoError> {
        let id = call.to_string();
        self.write(&cast.admin, "start the review", move |tx, _| calls::start_review(tx, &id)).await?;
        let (id, base_url) = (call.to_string(), self.state.settings.app.public_base_url.clone());
        self.write(&cast.admin, "assign reviewers", move |tx, admin| auto::run(tx, admin, &id, AutoAssign::default(), &base_url)).await?;
        let id = call.to_string();
        let made = self.write(&cast.admin, "list assignments", move |tx, _| assignments::of_call(tx, &id)).await?;
        Ok(made.into_iter().map(|a| (a.id, a.proposal_id, a.reviewer_id)).collect())
    }

    async fn review(&self, cast: &Cast, assignment: &str, reviewer: &str, grades: [&str; 3], overall: &str, submit: bool) -> Result<(), DemoError> {
        let Some(expert) = cast.expert(reviewer) else { return Ok(()) };
        let (id, input) = (assignment.to_string(), content::review(grades, overall));
        self.write(expert, "save a review", move |tx, user| reviews::save(tx, user, &id, input)).await?;
        if submit {
            let id = assignment.to_string();
            self.write(expert, "submit a review", move |tx, user| reviews::submit(tx, user, &id)).await?;
        }
        Ok(())
    }

    /// Last year's call: reviewed, decided and published. Returns the call and an adopted proposal.
    async fn decided_call(&self, cast: &Cast) -> Result<(String, String, String), DemoError> {
        let terms = content::call_terms(Program::LabConstruction, 2025, "令和7年度 地域産学官共同研究拠点整備事業", self.day(-119), self.day(-90));
        let (call, title) = self.new_call(&cast.admin, terms).await?;
        self.at(-110);
        let mut ids = Vec::new();
        for (prefecture, requested) in [("04", 2_500_000_000), ("27", 2_000_000_000), ("40", 1_800_000_000)] {
            ids.push(self.submitted(cast.officer(prefecture), &call, requested).await?);
        }
        self.at(-88);
        let assigned = self.review_started(cast, &call).await?;
        self.at(-80);
        for (assignment, proposal, reviewer) in &assigned {
            let grades = if *proposal == ids[0] { ["S", "A", "S"] } else if *proposal == ids[1] { ["A", "A", "B"] } else { ["B", "C", "B"] };
            self.review(cast, assignment, reviewer, grades, grades[1], true).await?;
        }
        self.at(-70);
        // Multi-year awards from the call's fiscal year (2025).
        let outcomes: [(Outcome, i64, Option<&str>, &[i64]); 3] = [
            (Outcome::Adopted, 2_500_000_000, None, &[1_000_000_000, 800_000_000, 700_000_000]),
            (Outcome::ConditionallyAdopted, 1_500_000_000, Some("運営委員会に地元金融機関を加えること。"), &[500_000_000, 500_000_000, 500_000_000]),
            (Outcome::Rejected, 0, None, &[]),
        ];
        for (id, (outcome, awarded, conditions, years)) in ids.iter().zip(outcomes) {
            let schedule = years.iter().zip(2025..).map(|(&amount, fiscal_year)| YearAmount { fiscal_year, amount_yen: Yen::new(amount).unwrap_or_default() }).collect();
            let input = DecisionInput {
                outcome,
                awarded_amount_yen: awarded,
                conditions: conditions.map(str::to_string),
                feedback: Some("審査委員会の所見を踏まえ決定しました。".into()),
                schedule: Some(schedule),
            };
            let id = id.clone();
            self.write(&cast.admin, "decide", move |tx, admin| decisions::decide(tx, admin, &id, input)).await?;
        }
        let (id, base_url) = (call.clone(), self.state.settings.app.public_base_url.clone());
        self.write(&cast.admin, "publish the decisions", move |tx, _| publication::publish(tx, &id, &base_url)).await?;
        self.steer_projects(cast, &call).await?;
        Ok((call, title, ids[0].clone()))
    }

    /// A two-stage call of this year in its hearing: the document review done, two of three
    /// proposals shortlisted, their hearings booked for next week.
    async fn call_in_hearing(&self, cast: &Cast) -> Result<(String, String), DemoError> {
        self.at(-64);
        let mut terms = content::call_terms(Program::LabConstruction, 2026, "令和8年度 地域産学官共同研究拠点整備事業（重点枠）", self.day(-64), self.day(-62));
        terms.selection_stages = Some(2);
        let (call, title) = self.new_call(&cast.admin, terms).await?;
        self.at(-63);
        let mut ids = Vec::new();
        for (prefecture, requested) in [("23", 2_000_000_000), ("34", 1_600_000_000), ("01", 1_200_000_000)] {
            ids.push(self.submitted(cast.officer(prefecture), &call, requested).await?);
        }
        self.at(-62);
        let assigned = self.review_started(cast, &call).await?;
        self.at(-61);
        for (assignment, proposal, reviewer) in &assigned {
            let grades = if *proposal == ids[2] { ["B", "B", "C"] } else { ["A", "S", "A"] };
            self.review(cast, assignment, reviewer, grades, grades[1], true).await?;
        }
        let (id, base_url) = (call.clone(), self.state.settings.app.public_base_url.clone());
        let input = ShortlistInput { proposal_ids: ids[..2].to_vec() };
        self.write(&cast.admin, "make the shortlist", move |tx, _| selection::shortlist(tx, &id, input, &base_url)).await?;
        let week = self.day(7).with_timezone(&crate::domain::time::jst()).date_naive();
        for (n, proposal) in ids[..2].iter().enumerate() {
            let starts = week.and_hms_opt(10 + n as u32, 0, 0).and_then(|t| t.and_local_timezone(crate::domain::time::jst()).single());
            let Some(starts_at) = starts else { continue };
            let input = ScheduleHearing {
                proposal_id: proposal.clone(),
                starts_at,
                ends_at: starts_at + Duration::minutes(45),
                place: "文部科学省 東館16F 第2会議室".into(),
            };
            let id = call.clone();
            self.write(&cast.admin, "book a hearing", move |tx, admin| hearings::schedule(tx, admin, &id, input)).await?;
        }
        Ok((call, title))
    }

    /// This year's first call: closed and under review, some reviews submitted, some drafts,
    /// some not begun.
    async fn call_under_review(&self, cast: &Cast) -> Result<(String, String), DemoError> {
        self.at(-60);
        let terms = content::call_terms(Program::LabConstruction, 2026, "令和8年度 地域産学官共同研究拠点整備事業（第1回）", self.day(-59), self.day(-20));
        let (call, title) = self.new_call(&cast.admin, terms).await?;
        self.at(-40);
        for (prefecture, requested) in [("01", 1_500_000_000), ("23", 2_800_000_000), ("34", 2_200_000_000), ("04", 1_200_000_000)] {
            self.submitted(cast.officer(prefecture), &call, requested).await?;
        }
        self.at(-19);
        let assigned = self.review_started(cast, &call).await?;
        self.at(-10);
        for (n, (assignment, _, reviewer)) in assigned.iter().enumerate() {
            match n % 3 {
                0 => self.review(cast, assignment, reviewer, ["A", "S", "A"], "A", true).await?,
                1 => self.review(cast, assignment, reviewer, ["B", "A", "B"], "B", false).await?,
                _ => {}
            }
        }
        Ok((call, title))
    }

    /// This year's second call: open, with one submitted proposal and drafts at every step.
    async fn open_call(&self, cast: &Cast) -> Result<(String, String), DemoError> {
        self.at(-8);
        let terms = content::call_terms(Program::LabConstruction, 2026, "令和8年度 地域産学官共同研究拠点整備事業（第2回）", self.day(-7), self.day(40));
        let (call, title) = self.new_call(&cast.admin, terms).await?;
        self.at(-3);
        self.submitted(cast.officer("40"), &call, 2_000_000_000).await?;
        let osaka = cast.officer("27");
        let almost = self.draft(osaka, &call, content::complete_proposal("27", 2_400_000_000)).await?;
        self.attach(osaka, &almost, "施設整備計画書.pdf").await?;
        // Two of three signatories have endorsed: the checklist names the one missing.
        self.endorse(osaka, &almost, 2).await?;
        self.draft(cast.officer("01"), &call, content::early_draft("01")).await?;
        // A joint proposal inviting Osaka, which already leads its own draft here: Osaka sees the
        // invitation, and confirming it is refused with the one-proposal-per-call rule.
        self.draft(cast.officer("34"), &call, content::joint_draft("34", &["27"])).await?;
        Ok((call, title))
    }
}

impl fmt::Display for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Demo data created. Every account signs in with the password: {}", self.password)?;
        writeln!(f, "\nAccounts:")?;
        for (email, role, who) in &self.accounts {
            writeln!(f, "  {role:<10} {email:<28} {who}")?;
        }
        writeln!(f, "\nCalls:")?;
        for (status, id, title) in &self.calls {
            writeln!(f, "  {status:<13} {id}  {title}")?;
        }
        writeln!(f, "\nStart the server (`cargo run`), then open:")?;
        writeln!(f, "  /login                      sign in with any account above")?;
        writeln!(f, "  /admin                      the program officer's calls, dashboards, ranking and decisions ({ADMIN_EMAIL})")?;
        writeln!(f, "  /                           a prefecture's open calls and proposals, e.g. Osaka's draft (osaka@pref.example.jp)")?;
        writeln!(f, "  /me/assignments             a reviewer's assignments (e.g. {})", content::EXPERTS[0].email)?;
        writeln!(f, "  /proposals/{}/result  a published result (as {})", self.result_proposal, content::OFFICERS[0].email)?;
        writeln!(f, "  /admin/projects             last year's projects: grants, reports, the interim evaluation round ({ADMIN_EMAIL})")?;
        writeln!(f, "  /docs                       the API, to try every operation as the program officer {ADMIN_EMAIL}")
    }
}
