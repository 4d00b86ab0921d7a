//! Every word the pages show, in Japanese (first) and English, and how dates and amounts read.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use crate::domain::time::jst;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// Picks the Japanese or the English of a pair the domain names.
    pub fn pick(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// `2026年12月1日 17:00` / `1 December 2026, 17:00 JST`, always in Japan time.
    pub fn date_time(self, at: DateTime<FixedOffset>) -> String {
        let at = at.with_timezone(&jst());
        match self {
            Lang::Ja => format!("{}年{}月{}日 {:02}:{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute()),
            Lang::En => format!("{} {} {}, {:02}:{:02} JST", at.day(), MONTHS[at.month0() as usize], at.year(), at.hour(), at.minute()),
        }
    }

    /// `3,000,000,000円` / `¥3,000,000,000`.
    pub fn yen(self, amount: i64) -> String {
        match self {
            Lang::Ja => format!("{}円", separated(amount)),
            Lang::En => format!("¥{}", separated(amount)),
        }
    }
}

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Thousands separated by commas, the way both languages write yen.
pub fn separated(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The fixed texts of the pages.
pub struct Messages {
    pub site: &'static str,
    pub agency: &'static str,
    pub switch_label: &'static str,
    pub skip: &'static str,
    pub footer: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub new_password: &'static str,
    pub password_hint: &'static str,
    pub forgot_password: &'static str,
    pub bad_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub activate_title: &'static str,
    pub activate_intro: &'static str,
    pub activate_done: &'static str,
    pub reset_title: &'static str,
    pub reset_intro: &'static str,
    pub reset_request_intro: &'static str,
    pub reset_send: &'static str,
    pub reset_sent: &'static str,
    pub reset_done: &'static str,
    pub set_password: &'static str,
    pub to_sign_in: &'static str,
    pub link_invalid_title: &'static str,
    pub link_invalid_body: &'static str,
    pub endorse_link_invalid_body: &'static str,
    pub csrf_title: &'static str,
    pub csrf_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub refused_title: &'static str,
    pub back_home: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub open_calls: &'static str,
    pub no_open_calls: &'static str,
    pub deadline: &'static str,
    pub published_results: &'static str,
    pub no_adoptions: &'static str,
    pub signed_in_as: &'static str,
    pub to_admin: &'static str,
    pub endorse_title: &'static str,
    pub endorse_intro: &'static str,
    pub endorse_as: &'static str,
    pub endorse_button: &'static str,
    pub endorse_note: &'static str,
    pub endorsed_title: &'static str,
    pub endorsed_body: &'static str,
    pub endorsed_at: &'static str,
    pub call: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub lead_prefecture: &'static str,
    pub partner_prefectures: &'static str,
    pub none: &'static str,
    pub sections: &'static str,
    pub section_names: [&'static str; 9],
    pub funding_plan: &'static str,
    pub fiscal_year: &'static str,
    pub funding_columns: [&'static str; 5],
    pub requested_amount: &'static str,
    pub attachments: &'static str,
    pub file_name: &'static str,
    pub size: &'static str,
    pub content_hash: &'static str,
    pub signatories: &'static str,
    pub assignments_title: &'static str,
    pub pending: &'static str,
    pub accepted: &'static str,
    pub submitted: &'static str,
    pub declined: &'static str,
    pub no_assignments: &'static str,
    pub receipt_number: &'static str,
    pub status: &'static str,
    pub assigned_on: &'static str,
    pub actions: &'static str,
    pub open: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub decline_reason: &'static str,
    pub conflict: &'static str,
    pub conflict_reason: &'static str,
    pub conflict_note: &'static str,
    pub proposal: &'static str,
    pub download: &'static str,
    pub review_form: &'static str,
    pub criterion: &'static str,
    pub weight: &'static str,
    pub grade: &'static str,
    pub comment: &'static str,
    pub overall_grade: &'static str,
    pub overall_comment: &'static str,
    pub not_graded: &'static str,
    pub grade_legend: &'static str,
    pub save_draft: &'static str,
    pub to_confirm: &'static str,
    pub saved: &'static str,
    pub confirm_title: &'static str,
    pub confirm_intro: &'static str,
    pub submit_review: &'static str,
    pub back_to_edit: &'static str,
    pub review_submitted: &'static str,
    pub submitted_at: &'static str,
    pub review_readonly: &'static str,
    pub proposal_unavailable: &'static str,
    pub form_problems: &'static str,
    pub result_title: &'static str,
    pub outcome: &'static str,
    pub awarded_amount: &'static str,
    pub conditions: &'static str,
    pub feedback: &'static str,
    pub score: &'static str,
    pub reviews_count: &'static str,
    /// Marks a hearing assignment (two-stage calls) beside the proposal's title.
    pub hearing_stage: &'static str,
    pub criteria_means: &'static str,
    pub grade_counts: &'static str,
    pub back_to_list: &'static str,
}

pub static JA: Messages = Messages {
    site: "地域科学技術拠点 公募システム",
    agency: "文部科学省・科学技術振興機構",
    switch_label: "English",
    skip: "本文へ移動",
    footer: "地域科学技術拠点整備事業 公募・審査システム（Kyoso）",
    sign_in: "ログイン",
    sign_out: "ログアウト",
    email: "メールアドレス",
    password: "パスワード",
    new_password: "新しいパスワード",
    password_hint: "12文字以上128文字以下で入力してください。",
    forgot_password: "パスワードをお忘れの方",
    bad_credentials: "メールアドレスまたはパスワードが正しくありません。",
    too_many_attempts: "ログインの失敗が続いたため、しばらく受け付けを停止しています。時間をおいて再度お試しください。",
    activate_title: "アカウントの有効化",
    activate_intro: "招待メールのリンクから開いています。パスワードを設定するとアカウントが有効になります。",
    activate_done: "アカウントが有効になりました。設定したパスワードでログインしてください。",
    reset_title: "パスワードの再設定",
    reset_intro: "新しいパスワードを設定してください。設定すると、すべての端末でログアウトされます。",
    reset_request_intro: "登録したメールアドレスを入力してください。アカウントがある場合、再設定用のリンクをお送りします。",
    reset_send: "再設定メールを送信",
    reset_sent: "入力されたアドレスにアカウントがある場合、パスワード再設定用のリンクを送信しました。メールをご確認ください。",
    reset_done: "パスワードを変更しました。新しいパスワードでログインしてください。",
    set_password: "パスワードを設定",
    to_sign_in: "ログイン画面へ",
    link_invalid_title: "このリンクは使用できません",
    link_invalid_body: "このリンクは使用済み、期限切れ、または正しくありません。パスワード再設定の画面から、新しいリンクを請求してください。",
    endorse_link_invalid_body: "この連名依頼のリンクは使用済み、期限切れ、または提案内容の変更により無効になっています。提案した都道府県のご担当者に、新しい依頼メールの送信を依頼してください。",
    csrf_title: "送信を受け付けられませんでした",
    csrf_body: "セキュリティ確認のため、この送信は受け付けられませんでした。ページを再読み込みしてから、もう一度操作してください。",
    not_found_title: "ページが見つかりません",
    not_found_body: "お探しのページは存在しないか、閲覧する権限がありません。",
    error_title: "エラーが発生しました",
    error_body: "処理を完了できませんでした。時間をおいて再度お試しください。",
    refused_title: "この操作はできません",
    back_home: "トップへ戻る",
    home_title: "ようこそ",
    open_calls: "公募中の事業",
    no_open_calls: "現在公募中の事業はありません。",
    deadline: "締切",
    published_results: "採択結果",
    no_adoptions: "採択された提案はありません。",
    home_intro: "審査委員の方、提案都道府県のご担当者の方は、ログインしてください。連名者の方は、依頼メールのリンクからお進みください。",
    signed_in_as: "ログイン中",
    to_admin: "事業管理画面へ",
    endorse_title: "提案書への連名のお願い",
    endorse_intro: "以下の提案書の内容をご確認のうえ、連名される場合は画面下のボタンを押してください。連名は表示されている内容に対して行われます。",
    endorse_as: "連名者としての立場",
    endorse_button: "この内容で連名する",
    endorse_note: "ボタンを押すと連名が記録されます。このリンクは一度だけ使用できます。",
    endorsed_title: "連名を受け付けました",
    endorsed_body: "以下の提案書への連名を記録しました。ご協力ありがとうございました。",
    endorsed_at: "連名日時",
    call: "公募",
    title: "課題名",
    summary: "概要",
    lead_prefecture: "提案都道府県",
    partner_prefectures: "連携都道府県",
    none: "なし",
    sections: "提案内容",
    section_names: ["目的", "目標", "活動計画", "位置付け", "期待される成果", "運営体制", "施設の管理運営", "用地", "施設整備計画"],
    funding_plan: "運営資金計画",
    fiscal_year: "年度",
    funding_columns: ["都道府県負担", "大学負担", "産業界負担", "その他", "支出計"],
    requested_amount: "申請額",
    attachments: "添付資料",
    file_name: "ファイル名",
    size: "サイズ（バイト）",
    content_hash: "内容のハッシュ値（SHA-256）",
    signatories: "連名者",
    assignments_title: "担当する審査",
    pending: "受諾待ち",
    accepted: "審査中",
    submitted: "提出済み",
    declined: "辞退済み",
    no_assignments: "該当する割り当てはありません。",
    receipt_number: "受付番号",
    status: "状況",
    assigned_on: "割当日",
    actions: "操作",
    open: "開く",
    accept: "受諾する",
    decline: "辞退する",
    decline_reason: "辞退の理由",
    conflict: "利害関係を申告する",
    conflict_reason: "利害関係の内容",
    conflict_note: "申告するとこの割り当ては取り消され、提案書は閲覧できなくなります。",
    proposal: "提案書",
    download: "ダウンロード",
    review_form: "評価",
    criterion: "評価項目",
    weight: "重み",
    grade: "評価",
    comment: "コメント",
    overall_grade: "総合評価",
    overall_comment: "総合所見",
    not_graded: "未評価",
    grade_legend: "S：特に優れている　A：優れている　B：普通　C：劣っている",
    save_draft: "下書き保存",
    to_confirm: "提出内容の確認へ",
    saved: "下書きを保存しました。",
    confirm_title: "評価の提出内容の確認",
    confirm_intro: "以下の内容で提出します。提出後は変更できません（担当者が差し戻した場合を除く）。",
    submit_review: "提出する",
    back_to_edit: "修正する",
    review_submitted: "評価を提出しました。",
    submitted_at: "提出日時",
    review_readonly: "この評価は提出済みのため、変更できません。",
    proposal_unavailable: "この提案書は閲覧できません。",
    form_problems: "入力内容を確認してください。",
    result_title: "審査結果",
    outcome: "結果",
    awarded_amount: "採択額",
    conditions: "採択条件",
    feedback: "審査所見",
    score: "総合点（1.00〜4.00）",
    reviews_count: "評価数",
    hearing_stage: "ヒアリング審査",
    criteria_means: "評価項目別の平均点",
    grade_counts: "評価の分布",
    back_to_list: "一覧へ戻る",
};

pub static EN: Messages = Messages {
    site: "Regional S&T Hubs Open Call",
    agency: "MEXT / Japan Science and Technology Agency",
    switch_label: "日本語",
    skip: "Skip to content",
    footer: "Regional science and technology hubs: open call and review (Kyoso)",
    sign_in: "Sign in",
    sign_out: "Sign out",
    email: "Email address",
    password: "Password",
    new_password: "New password",
    password_hint: "Between 12 and 128 characters.",
    forgot_password: "Forgot your password?",
    bad_credentials: "The email address or password is not correct.",
    too_many_attempts: "Too many failed sign-ins: sign-in is paused for a while. Please try again later.",
    activate_title: "Activate your account",
    activate_intro: "You opened the link in your invitation. Choose a password to activate your account.",
    activate_done: "Your account is active. Sign in with the password you chose.",
    reset_title: "Reset your password",
    reset_intro: "Choose a new password. Every device signed in to your account will be signed out.",
    reset_request_intro: "Enter the email address of your account. If it has one, we will email you a link to reset the password.",
    reset_send: "Email me a link",
    reset_sent: "If the address has an account, a password reset link is on its way. Please check your email.",
    reset_done: "Your password was changed. Sign in with the new password.",
    set_password: "Set password",
    to_sign_in: "Go to sign-in",
    link_invalid_title: "This link cannot be used",
    link_invalid_body: "This link was already used, has expired or is not valid. Ask for a new one from the password reset page.",
    endorse_link_invalid_body: "This endorsement link was already used, has expired, or the proposal changed since it was sent. Ask the prefecture that proposed it to send a new request.",
    csrf_title: "The form could not be accepted",
    csrf_body: "For your security this submission was refused. Reload the page and try again.",
    not_found_title: "Page not found",
    not_found_body: "The page does not exist or you may not see it.",
    error_title: "Something went wrong",
    error_body: "The operation could not be completed. Please try again later.",
    refused_title: "This cannot be done",
    back_home: "Back to the start",
    home_title: "Welcome",
    open_calls: "Open calls",
    no_open_calls: "No call is open at the moment.",
    deadline: "Deadline",
    published_results: "Published results",
    no_adoptions: "No proposal was adopted.",
    home_intro: "Reviewers and prefecture officers: please sign in. Signatories: please follow the link in the email you received.",
    signed_in_as: "Signed in",
    to_admin: "Program administration",
    endorse_title: "Request to endorse a proposal",
    endorse_intro: "Please read the proposal below. To endorse it, press the button at the bottom of the page. Your endorsement covers exactly the content shown.",
    endorse_as: "You endorse as",
    endorse_button: "Endorse this proposal",
    endorse_note: "Pressing the button records your endorsement. This link works once.",
    endorsed_title: "Endorsement recorded",
    endorsed_body: "Your endorsement of the proposal below has been recorded. Thank you.",
    endorsed_at: "Endorsed at",
    call: "Call",
    title: "Title",
    summary: "Summary",
    lead_prefecture: "Lead prefecture",
    partner_prefectures: "Partner prefectures",
    none: "None",
    sections: "Proposal",
    section_names: ["Purpose", "Goals", "Activity plan", "Positioning", "Expected outcomes", "Operating body", "Facility management", "Land", "Facility plan"],
    funding_plan: "Operating funds plan",
    fiscal_year: "Fiscal year",
    funding_columns: ["Prefecture", "University", "Industry", "Other", "Expenses"],
    requested_amount: "Requested amount",
    attachments: "Attachments",
    file_name: "File name",
    size: "Size (bytes)",
    content_hash: "Content hash (SHA-256)",
    signatories: "Signatories",
    assignments_title: "Your review assignments",
    pending: "Awaiting your answer",
    accepted: "In review",
    submitted: "Submitted",
    declined: "Declined",
    no_assignments: "No assignments.",
    receipt_number: "Receipt number",
    status: "Status",
    assigned_on: "Assigned on",
    actions: "Actions",
    open: "Open",
    accept: "Accept",
    decline: "Decline",
    decline_reason: "Reason for declining",
    conflict: "Declare a conflict of interest",
    conflict_reason: "The conflict of interest",
    conflict_note: "Declaring removes this assignment; you will no longer see the proposal.",
    proposal: "Proposal",
    download: "Download",
    review_form: "Evaluation",
    criterion: "Criterion",
    weight: "Weight",
    grade: "Grade",
    comment: "Comment",
    overall_grade: "Overall grade",
    overall_comment: "Overall comment",
    not_graded: "Not graded",
    grade_legend: "S: outstanding · A: excellent · B: fair · C: poor",
    save_draft: "Save draft",
    to_confirm: "Review before submitting",
    saved: "Draft saved.",
    confirm_title: "Confirm your evaluation",
    confirm_intro: "This is what will be submitted. It cannot be changed afterwards (unless a program officer returns it to you).",
    submit_review: "Submit",
    back_to_edit: "Edit",
    review_submitted: "Your evaluation was submitted.",
    submitted_at: "Submitted at",
    review_readonly: "This evaluation is submitted and can no longer be changed.",
    proposal_unavailable: "You may not see this proposal.",
    form_problems: "Please check what you entered.",
    result_title: "Review result",
    outcome: "Outcome",
    awarded_amount: "Awarded amount",
    conditions: "Conditions",
    feedback: "Feedback",
    score: "Score (1.00–4.00)",
    reviews_count: "Reviews",
    hearing_stage: "Hearing",
    criteria_means: "Mean points per criterion",
    grade_counts: "Grades given",
    back_to_list: "Back to the list",
};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn yen_has_separators_in_both_languages() {
        assert_eq!(Lang::Ja.yen(3_000_000_000), "3,000,000,000円");
        assert_eq!(Lang::En.yen(3_000_000_000), "¥3,000,000,000");
        assert_eq!(separated(0), "0");
        assert_eq!(separated(999), "999");
        assert_eq!(separated(1000), "1,000");
        assert_eq!(separated(-1_234_567), "-1,234,567");
    }

    #[test]
    fn dates_read_in_japan_time() {
        let utc_8am = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap().fixed_offset();
        assert_eq!(Lang::Ja.date_time(utc_8am), "2026年12月1日 17:00");
        assert_eq!(Lang::En.date_time(utc_8am), "1 December 2026, 17:00 JST");
    }
}
