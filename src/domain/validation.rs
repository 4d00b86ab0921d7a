//! A problem found in input, as the rules report it: every rule that can fail in more than one
//! place collects these instead of stopping at the first, so a 422 can list them all.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

/// One problem found in a request body: where, what kind, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `sections.purpose` or `funding_plan[3].prefecture_yen`.
    pub field: String,
    /// Stable reason code, e.g. `required`, `too_long`, `consultation_missing`.
    pub code: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Collects problems; `check` reads like the rule it states.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Records a problem unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        if !ok {
            self.push(field, code, message);
        }
    }

    /// A text that must be present (non-blank) and at most `max` characters.
    pub fn text(&mut self, field: &str, value: Option<&str>, max: usize) {
        match value.map(str::trim) {
            None | Some("") => self.push(field, "required", "is required"),
            Some(v) if v.chars().count() > max => self.push(field, "too_long", format!("must be at most {max} characters")),
            Some(_) => {}
        }
    }

    /// An optional text of at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if value.is_some_and(|v| v.chars().count() > max) {
            self.push(field, "too_long", format!("must be at most {max} characters"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds problems another rule found.
    pub fn extend(&mut self, more: impl IntoIterator<Item = FieldError>) {
        self.0.extend(more);
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}
