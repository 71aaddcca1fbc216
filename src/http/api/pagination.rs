//! GitLab's offset pagination: `page` and `per_page` (default 20, at most 100) in, and the
//! `X-Page`, `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`, `X-Prev-Page` and
//! `Link` headers out, which python-gitlab follows to fetch every page.

use super::error::GitLabError;
use super::params::Params;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

/// Items per page unless asked otherwise (GitLab's default).
const DEFAULT_PER_PAGE: usize = 20;
/// The most items one page may hold (GitLab's limit).
const MAX_PER_PAGE: usize = 100;

/// Which page of a list was asked for.
pub struct Page {
    page: usize,
    per_page: usize,
}

impl Page {
    /// `page` and `per_page` from the query; `per_page` above the limit is capped.
    pub fn from_params(params: &Params) -> Result<Page, GitLabError> {
        Ok(Page {
            page: params.positive("page")?.unwrap_or(1),
            per_page: params
                .positive("per_page")?
                .unwrap_or(DEFAULT_PER_PAGE)
                .min(MAX_PER_PAGE),
        })
    }

    /// Items before this page (for lists the database pages itself).
    pub fn offset(&self) -> u64 {
        ((self.page - 1).saturating_mul(self.per_page)) as u64
    }

    /// Items on this page at most.
    pub fn limit(&self) -> u64 {
        self.per_page as u64
    }

    /// 200 with this page of `items` and the pagination headers.
    pub fn respond(&self, req: &HttpRequest, items: Vec<Value>) -> HttpResponse {
        let total = items.len();
        let start = (self.page - 1).saturating_mul(self.per_page);
        let shown: Vec<Value> = items.into_iter().skip(start).take(self.per_page).collect();
        self.respond_counted(req, shown, total as u64)
    }

    /// 200 with `shown`, already this page of a list of `total` items, and the headers.
    pub fn respond_counted(
        &self,
        req: &HttpRequest,
        shown: Vec<Value>,
        total: u64,
    ) -> HttpResponse {
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let total_pages = total.div_ceil(self.per_page).max(1);
        let next = (self.page < total_pages).then(|| self.page + 1);
        let prev = (self.page > 1).then(|| (self.page - 1).min(total_pages));
        let number = |n: Option<usize>| n.map_or(String::new(), |n| n.to_string());
        let mut links = Vec::new();
        for (rel, page) in [
            ("prev", prev),
            ("next", next),
            ("first", Some(1)),
            ("last", Some(total_pages)),
        ] {
            if let Some(page) = page {
                links.push(format!("<{}>; rel=\"{rel}\"", self.url(req, page)));
            }
        }
        HttpResponse::Ok()
            .insert_header(("X-Page", self.page.to_string()))
            .insert_header(("X-Per-Page", self.per_page.to_string()))
            .insert_header(("X-Total", total.to_string()))
            .insert_header(("X-Total-Pages", total_pages.to_string()))
            .insert_header(("X-Next-Page", number(next)))
            .insert_header(("X-Prev-Page", number(prev)))
            .insert_header(("Link", links.join(", ")))
            .json(shown)
    }

    /// This request's absolute URL with `page` set (other query parameters kept).
    fn url(&self, req: &HttpRequest, page: usize) -> String {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        // A secret a client put in the query (GitLab accepts `private_token=` there) must not
        // be echoed into headers that proxies log.
        pairs.retain(|(k, _)| !matches!(k.as_str(), "page" | "per_page" | "private_token"));
        pairs.push(("page".into(), page.to_string()));
        pairs.push(("per_page".into(), self.per_page.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{}{}?{query}", super::auth::base_url(req), req.path())
    }
}
