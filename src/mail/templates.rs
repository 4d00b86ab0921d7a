//! The emails Kyoso sends, each in Japanese then English. Every one-time link carries
//! `token=<token>` in its query string (API.md "Running").

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
    /// A file sent with the text (a hearing's `.ics` invitation); most emails have none.
    pub attachment: Option<Attachment>,
}

/// A text file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// The MIME type, e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub body: String,
}

const SIGNATURE: &str = "\n--\n共創 Kyoso — 地域科学技術拠点 公募システム / open call system for regional S&T hubs\nこのメールは送信専用です。 This message was sent automatically; please do not reply.\n";

fn email(subject_ja: &str, subject_en: &str, ja: String, en: String) -> Email {
    Email {
        subject: format!("【共創 Kyoso】{subject_ja} / {subject_en}"),
        body: format!("{ja}\n\n---- English ----\n\n{en}\n{SIGNATURE}"),
        attachment: None,
    }
}

pub fn link(base_url: &str, path: &str, token: &str) -> String {
    format!("{}/{}?token={}", base_url.trim_end_matches('/'), path.trim_start_matches('/'), token)
}

pub fn invitation(name: &str, role_ja: &str, role_en: &str, link: &str, valid_hours: i64) -> Email {
    email(
        "アカウントへのご招待",
        "You are invited to Kyoso",
        format!(
            "{name} 様\n\n共創 Kyoso の{role_ja}アカウントが作成されました。\n次のリンクからパスワードを設定して、アカウントを有効にしてください（有効期限 {valid_hours} 時間）。\n\n{link}\n"
        ),
        format!(
            "Dear {name},\n\nA Kyoso account has been created for you as {role_en}.\nSet your password through this link to activate it (valid for {valid_hours} hours):\n\n{link}\n"
        ),
    )
}

pub fn password_reset(name: &str, link: &str, valid_minutes: i64) -> Email {
    email(
        "パスワード再設定",
        "Password reset",
        format!(
            "{name} 様\n\nパスワード再設定の依頼を受け付けました。次のリンクから新しいパスワードを設定してください（有効期限 {valid_minutes} 分）。\nお心当たりがない場合は、このメールを破棄してください。\n\n{link}\n"
        ),
        format!(
            "Dear {name},\n\nWe received a request to reset your password. Set a new one through this link (valid for {valid_minutes} minutes).\nIf you did not ask for this, ignore this message.\n\n{link}\n"
        ),
    )
}

/// What an endorsement link asks a signatory to co-sign.
pub struct EndorsementRequest<'a> {
    pub signatory_name: &'a str,
    pub role_ja: &'a str,
    pub role_en: &'a str,
    pub proposal_title: &'a str,
    pub lead_prefecture_ja: &'a str,
    pub lead_prefecture_en: &'a str,
    pub call_title: &'a str,
    pub link: &'a str,
    pub valid_until: &'a str,
}

pub fn endorsement_request(r: &EndorsementRequest<'_>) -> Email {
    email(
        "提案への連名（承認）のお願い",
        "Please endorse a proposal",
        format!(
            "{name} 様\n\n{pref_ja}が公募「{call}」に提出する提案「{title}」について、{role_ja}としての連名（承認）をお願いします。\n次のリンクから内容を確認のうえ承認してください（有効期限 {until}、1回のみ有効）。\n提案の内容が変更された場合、このリンクは無効になり、改めて依頼が届きます。\n\n{link}\n",
            name = r.signatory_name, pref_ja = r.lead_prefecture_ja, call = r.call_title, title = r.proposal_title,
            role_ja = r.role_ja, until = r.valid_until, link = r.link
        ),
        format!(
            "Dear {name},\n\n{pref_en} asks you, as {role_en}, to co-sign its proposal \"{title}\" to the call \"{call}\".\nReview and endorse it through this link (valid until {until}, usable once).\nIf the proposal changes, this link stops working and a new request will follow.\n\n{link}\n",
            name = r.signatory_name, pref_en = r.lead_prefecture_en, role_en = r.role_en, title = r.proposal_title,
            call = r.call_title, until = r.valid_until, link = r.link
        ),
    )
}

/// The receipt (受付) sent to the lead prefecture's officers when a proposal is submitted.
pub fn proposal_received(receipt_number: &str, proposal_title: &str, call_title: &str, submitted_at: &str) -> Email {
    email(
        &format!("提案を受け付けました（{receipt_number}）"),
        &format!("Proposal received ({receipt_number})"),
        format!(
            "提案を受け付けました。\n\n受付番号: {receipt_number}\n提案名: {proposal_title}\n公募: {call_title}\n受付日時: {submitted_at}\n\n締切までは取り下げ・再提出ができます。\n"
        ),
        format!(
            "Your proposal has been received.\n\nReceipt number: {receipt_number}\nProposal: {proposal_title}\nCall: {call_title}\nReceived at: {submitted_at}\n\nUntil the deadline you may pull it back and submit again.\n"
        ),
    )
}

/// New assignments for a reviewer (審査依頼).
pub fn assignments_notice(reviewer_name: &str, count: usize, call_title: &str, link: &str) -> Email {
    email(
        "審査のご依頼",
        "New proposals to review",
        format!(
            "{reviewer_name} 様\n\n公募「{call_title}」の提案 {count} 件の審査をお願いします。\n担当の提案を確認し、お引き受けいただけるかご回答ください。利害関係がある場合は申告してください。\n\n{link}\n"
        ),
        format!(
            "Dear {reviewer_name},\n\nYou have been asked to review {count} proposal(s) of the call \"{call_title}\".\nPlease accept or decline each assignment, and declare any conflict of interest.\n\n{link}\n"
        ),
    )
}

/// A submitted review handed back to its reviewer for changes.
pub fn review_returned(reviewer_name: &str, proposal_title: &str, reason: &str, link: &str) -> Email {
    email(
        "審査結果の差し戻し",
        "Your review was returned",
        format!("{reviewer_name} 様\n\n提案「{proposal_title}」の審査結果が差し戻されました。修正のうえ再提出してください。\n理由: {reason}\n\n{link}\n"),
        format!("Dear {reviewer_name},\n\nYour review of \"{proposal_title}\" was returned for changes. Please revise and submit it again.\nReason: {reason}\n\n{link}\n"),
    )
}

/// The outcome of a proposal, sent to every participating prefecture when decisions are published.
pub struct DecisionNotice<'a> {
    pub receipt_number: &'a str,
    pub proposal_title: &'a str,
    pub call_title: &'a str,
    pub outcome_ja: &'a str,
    pub outcome_en: &'a str,
    pub awarded: &'a str,
    pub link: &'a str,
}

pub fn decision_published(n: &DecisionNotice<'_>) -> Email {
    email(
        &format!("採択結果のお知らせ（{}）", n.receipt_number),
        &format!("Decision on your proposal ({})", n.receipt_number),
        format!(
            "公募「{call}」の審査結果をお知らせします。\n\n受付番号: {receipt}\n提案名: {title}\n結果: {outcome}\n採択額: {awarded}\n\n条件・所見と評価の集計は次のページでご確認ください。\n{link}\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, outcome = n.outcome_ja, awarded = n.awarded, link = n.link
        ),
        format!(
            "The review of the call \"{call}\" is complete.\n\nReceipt number: {receipt}\nProposal: {title}\nOutcome: {outcome}\nAwarded: {awarded}\n\nConditions, feedback and the aggregated evaluation are on this page:\n{link}\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, outcome = n.outcome_en, awarded = n.awarded, link = n.link
        ),
    )
}

/// The outcome of the document review of a two-stage call, with its aggregated evaluation.
pub struct ShortlistNotice<'a> {
    pub receipt_number: &'a str,
    pub proposal_title: &'a str,
    pub call_title: &'a str,
    pub shortlisted: bool,
    /// The document-stage evaluation, one line each (score, criteria, grades), already formatted.
    pub feedback: &'a [String],
    pub link: &'a str,
}

pub fn shortlist_result(n: &ShortlistNotice<'_>) -> Email {
    let feedback = n.feedback.join("\n");
    let (subject_ja, subject_en, verdict_ja, verdict_en) = if n.shortlisted {
        ("書面審査の結果（ヒアリング対象）", "Document review: shortlisted for a hearing", "ヒアリング審査の対象に選定されました。日程は別途お知らせします。", "Your proposal is shortlisted for a hearing; its time will follow in a separate message.")
    } else {
        ("書面審査の結果", "Document review result", "誠に残念ながら、ヒアリング審査の対象には選定されませんでした。", "We regret that your proposal was not shortlisted for the hearing.")
    };
    email(
        &format!("{subject_ja}（{}）", n.receipt_number),
        &format!("{subject_en} ({})", n.receipt_number),
        format!(
            "公募「{call}」の書面審査が終了しました。\n\n受付番号: {receipt}\n提案名: {title}\n{verdict_ja}\n\n書面審査の評価:\n{feedback}\n\n{link}\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, link = n.link
        ),
        format!(
            "The document review of the call \"{call}\" is complete.\n\nReceipt number: {receipt}\nProposal: {title}\n{verdict_en}\n\nDocument-stage evaluation:\n{feedback}\n\n{link}\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, link = n.link
        ),
    )
}

/// A hearing slot, as the lead prefecture is told of it.
pub struct HearingNotice<'a> {
    pub receipt_number: &'a str,
    pub proposal_title: &'a str,
    pub call_title: &'a str,
    /// `2027-02-10 10:00–10:45 (JST)`
    pub when: &'a str,
    pub place: &'a str,
    /// Whether an earlier invitation is replaced.
    pub moved: bool,
    /// The `.ics` text.
    pub calendar: String,
}

pub fn hearing_invitation(n: HearingNotice<'_>) -> Email {
    let (subject_ja, subject_en) = if n.moved { ("ヒアリング日程の変更", "Hearing moved") } else { ("ヒアリングのご案内", "Hearing scheduled") };
    let mut e = email(
        &format!("{subject_ja}（{}）", n.receipt_number),
        &format!("{subject_en} ({})", n.receipt_number),
        format!(
            "公募「{call}」のヒアリング審査を次のとおり行います。\n\n受付番号: {receipt}\n提案名: {title}\n日時: {when}\n場所: {place}\n\n添付の hearing.ics をカレンダーに取り込めます。\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, when = n.when, place = n.place
        ),
        format!(
            "The hearing for the call \"{call}\" is scheduled as follows.\n\nReceipt number: {receipt}\nProposal: {title}\nWhen: {when}\nWhere: {place}\n\nThe attached hearing.ics adds it to your calendar.\n",
            call = n.call_title, receipt = n.receipt_number, title = n.proposal_title, when = n.when, place = n.place
        ),
    );
    e.attachment = Some(Attachment {
        filename: "hearing.ics".to_string(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
        body: n.calendar,
    });
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_token_in_the_query_string() {
        assert_eq!(link("http://h:8080/", "/activate", "abc.def"), "http://h:8080/activate?token=abc.def");
        let e = invitation("山田 太郎", "申請者", "applicant", "http://h/activate?token=t", 72);
        assert!(e.body.contains("token=t"));
        assert!(e.body.contains("山田 太郎 様") && e.body.contains("Dear 山田 太郎"));
        assert!(e.subject.contains("招待") && e.subject.contains("invited"));
    }
}

/// The annual grant (交付決定) of one fiscal year of a project.
pub struct GrantNotice<'a> {
    pub project_title: &'a str,
    pub call_title: &'a str,
    pub fiscal_year: i32,
    pub amount: &'a str,
    pub link: &'a str,
}

pub fn grant_made(n: &GrantNotice<'_>) -> Email {
    email(
        &format!("交付決定のお知らせ（{}年度）", n.fiscal_year),
        &format!("Grant decided for fiscal year {}", n.fiscal_year),
        format!(
            "公募「{call}」の採択課題「{title}」について、{year}年度の補助金の交付を決定しました。\n\n交付決定額: {amount}\n\n課題の計画と実績報告は次のページでご確認ください。\n{link}\n",
            call = n.call_title, title = n.project_title, year = n.fiscal_year, amount = n.amount, link = n.link
        ),
        format!(
            "The grant for fiscal year {year} of the project \"{title}\" (call \"{call}\") is decided.\n\nAmount granted: {amount}\n\nThe project's schedule and progress reports are on this page:\n{link}\n",
            call = n.call_title, title = n.project_title, year = n.fiscal_year, amount = n.amount, link = n.link
        ),
    )
}

/// A published evaluation round's result for one project.
pub struct EvaluationResultNotice<'a> {
    pub round_title: &'a str,
    pub project_title: &'a str,
    pub score: &'a str,
    pub grade: &'a str,
    /// What the result does to the project, one sentence each in Japanese and English.
    pub consequence_ja: &'a str,
    pub consequence_en: &'a str,
    pub link: &'a str,
}

pub fn evaluation_published(n: &EvaluationResultNotice<'_>) -> Email {
    email(
        &format!("評価結果のお知らせ（{}）", n.round_title),
        &format!("Evaluation result ({})", n.round_title),
        format!(
            "「{round}」の結果を公表しました。\n\n課題: {title}\n総合点: {score}\n総合評価: {grade}\n{consequence}\n\n評価項目ごとの平均点と全課題の平均は次のページで公開しています。\n{link}\n",
            round = n.round_title, title = n.project_title, score = n.score, grade = n.grade, consequence = n.consequence_ja, link = n.link
        ),
        format!(
            "The results of \"{round}\" are published.\n\nProject: {title}\nTotal score: {score}\nOverall grade: {grade}\n{consequence}\n\nThe mean of every item and of all projects are public on this page:\n{link}\n",
            round = n.round_title, title = n.project_title, score = n.score, grade = n.grade, consequence = n.consequence_en, link = n.link
        ),
    )
}

/// An evaluation round as told to a project's lead prefecture: opened, or its self-evaluation
/// due soon.
pub struct EvaluationRoundNotice<'a> {
    pub round_title: &'a str,
    /// 中間評価 or 事後評価.
    pub kind_ja: &'a str,
    /// `interim` or `ex-post`.
    pub kind_en: &'a str,
    pub project_title: &'a str,
    /// The self-evaluation's due date, already formatted in JST.
    pub due: &'a str,
    pub link: &'a str,
}

pub fn evaluation_opened(n: &EvaluationRoundNotice<'_>) -> Email {
    email(
        &format!("{}の実施と自己評価書の提出のお願い（{}）", n.kind_ja, n.round_title),
        &format!("An {} evaluation has opened ({})", n.kind_en, n.round_title),
        format!(
            "「{round}」（{kind}）を開始しました。\n\n課題: {title}\n自己評価書の提出期限: {due}\n\n期限までに、次のページから自己評価書を提出してください。\n{link}\n",
            round = n.round_title, kind = n.kind_ja, title = n.project_title, due = n.due, link = n.link
        ),
        format!(
            "The {kind} evaluation \"{round}\" has opened.\n\nProject: {title}\nSelf-evaluation due: {due}\n\nPlease submit the self-evaluation on this page before it is due:\n{link}\n",
            round = n.round_title, kind = n.kind_en, title = n.project_title, due = n.due, link = n.link
        ),
    )
}

pub fn self_evaluation_reminder(n: &EvaluationRoundNotice<'_>) -> Email {
    email(
        &format!("自己評価書の提出期限が近づいています（{}）", n.round_title),
        &format!("Self-evaluation due soon ({})", n.round_title),
        format!(
            "「{round}」（{kind}）の自己評価書がまだ提出されていません。\n\n課題: {title}\n提出期限: {due}\n\n次のページから提出してください。\n{link}\n",
            round = n.round_title, kind = n.kind_ja, title = n.project_title, due = n.due, link = n.link
        ),
        format!(
            "The self-evaluation for the {kind} evaluation \"{round}\" has not been submitted yet.\n\nProject: {title}\nDue: {due}\n\nPlease submit it on this page:\n{link}\n",
            round = n.round_title, kind = n.kind_en, title = n.project_title, due = n.due, link = n.link
        ),
    )
}
