//! The UI's one error answer: an HTML page (or, for a missing session, a redirect to the
//! sign-in page). A 5xx page is fixed text and the cause is logged once.

use super::pages::MessagePage;
use super::views::Chrome;
use crate::app::AppError;
use crate::app::access::AccessError;
use crate::storage::StorageError;
use actix_web::http::StatusCode;
use actix_web::http::header::{LOCATION, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// Why a page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// No live session: go and sign in.
    #[error("sign-in required")]
    SignInRequired,
    /// Missing, hidden, or below the needed role (the API's 403 and 404 alike).
    #[error("not found")]
    NotFound,
    /// The form token is missing or wrong: nothing was done.
    #[error("form token missing or wrong")]
    Csrf,
    /// Too many failed sign-ins.
    #[error("too many failed sign-ins")]
    Throttled(u64),
    /// A field the use case refused: the handler shows the form again with `message`
    /// next to `field` (the transaction was rolled back, so nothing was stored).
    #[error("{field}: {message}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A request no form of ours sends.
    #[error("{0}")]
    BadRequest(String),
    /// Something failed inside; logged.
    #[error("internal error")]
    Internal,
}

impl UiError {
    /// A 500 whose `cause` is logged, never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> UiError {
        tracing::error!(error = %cause, "internal error");
        UiError::Internal
    }
}

impl From<AccessError> for UiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Unauthenticated => UiError::SignInRequired,
            AccessError::InsufficientScope(_) | AccessError::Forbidden => UiError::NotFound,
            AccessError::NotFound(_) => UiError::NotFound,
            AccessError::App(e) => e.into(),
        }
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => UiError::NotFound,
            AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Exists(_) => {
                UiError::BadRequest(e.to_string())
            }
            AppError::Storage(e) => UiError::internal(&e),
            AppError::Sealing(e) => UiError::internal(&e),
        }
    }
}

impl From<StorageError> for UiError {
    fn from(e: StorageError) -> Self {
        UiError::internal(&e)
    }
}

impl From<actix_web::error::BlockingError> for UiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        UiError::internal(&e)
    }
}

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self {
            UiError::SignInRequired => StatusCode::SEE_OTHER,
            UiError::NotFound => StatusCode::NOT_FOUND,
            UiError::Csrf => StatusCode::FORBIDDEN,
            UiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            UiError::BadRequest(_) | UiError::Field { .. } => StatusCode::BAD_REQUEST,
            UiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let UiError::SignInRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((LOCATION, "/users/sign_in"))
                .finish();
        }
        let (heading, message) = match self {
            UiError::NotFound => (
                "Page not found",
                "The page does not exist, or you do not have access to it.".to_owned(),
            ),
            UiError::Csrf => (
                "The form could not be accepted",
                "It was sent without this page's form token (an old page, or another site). \
                 Nothing was changed. Go back, reload the page and try again."
                    .to_owned(),
            ),
            UiError::Throttled(_) => (
                "Too many failed sign-ins",
                "Wait a few minutes before trying again.".to_owned(),
            ),
            UiError::BadRequest(m) => ("The request could not be handled", m.clone()),
            UiError::Field { .. } => ("The request could not be handled", self.to_string()),
            _ => ("Something went wrong", "Please try again later.".to_owned()),
        };
        let page = MessagePage {
            chrome: Chrome {
                title: heading.to_owned(),
                user: None,
                csrf: String::new(),
            },
            heading: heading.to_owned(),
            message,
            back: "/".into(),
            back_label: "Go to your groups and projects".into(),
        };
        let mut res = HttpResponse::build(self.status_code());
        if let UiError::Throttled(secs) = self {
            res.insert_header((RETRY_AFTER, secs.to_string()));
        }
        match page.render() {
            Ok(html) => res.content_type("text/html; charset=utf-8").body(html),
            Err(_) => res.body("error"),
        }
    }
}

/// Render a page, or fail with a 500 (a template that cannot render is a bug).
pub fn render(page: &impl Template) -> Result<HttpResponse, UiError> {
    let html = page.render().map_err(|e| UiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
