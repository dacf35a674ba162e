//! The JSON API under `/api/v1/`, with the same visibility as the pages: the public sees public
//! repositories' data; `Authorization: Bearer ADMIN_TOKEN` sees everything.
//!
//! Owns: the API routes, their JSON shapes (documented in `src/web/openapi.json`, served at
//! `/api/v1/openapi.json` and checked against real answers by the tests), paging like GitHub's REST
//! API (`?per_page=` 30 by default, at most 100, `?page=`, a `Link` header with `next` and `last`),
//! and errors as `{"message": …}`. A person's answer is exactly what `ladder status --json` prints
//! for the same audience (`--public` for the public), with their activity per month.
//!
//! Never does: compute (the pipeline's views and snapshots do) or render HTML.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::Verdict;
use super::pages::ListQuery;
use super::site::{Failure, Site};
use crate::pipeline::views;
use ladder_core::digest::month_name;
use ladder_core::growth::snapshot::Standing;
use ladder_core::ladder::Ladder;
use ladder_core::signal::Track;
use ladder_core::visibility::Scope;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn routes() -> Router<Site> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/orgs", get(orgs))
        .route("/api/v1/orgs/{org}/people", get(people))
        .route("/api/v1/orgs/{org}/people/{login}", get(person))
        .route("/api/v1/orgs/{org}/repos", get(repos))
        .route("/api/v1/orgs/{org}/growth", get(growth))
        .route("/api/v1/orgs/{org}/cohorts/{name}", get(cohort))
}

/// A [`Failure`] as the API answers it.
pub struct ApiFailure(pub Failure);

impl From<Failure> for ApiFailure {
    fn from(f: Failure) -> Self {
        ApiFailure(f)
    }
}

impl From<crate::store::StoreError> for ApiFailure {
    fn from(e: crate::store::StoreError) -> Self {
        ApiFailure(Failure::Store(e))
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, message) = match self.0 {
            Failure::NotFound(message) => (StatusCode::NOT_FOUND, message),
            Failure::AdminOnly => {
                (StatusCode::UNAUTHORIZED, "admins only: send Authorization: Bearer ADMIN_TOKEN".to_owned())
            }
            Failure::Refused(Verdict::Limited(wait)) => {
                let message = format!("too many wrong admin tokens; try again in {} seconds", wait.as_secs());
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(json!({"message": message}))).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
                return response;
            }
            Failure::Refused(_) => (StatusCode::UNAUTHORIZED, "the admin token is wrong".to_owned()),
            Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            Failure::Store(e) => {
                tracing::error!(error = %e, "an API answer could not read the database");
                (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer; try again soon".to_owned())
            }
        };
        (status, Json(json!({ "message": message }))).into_response()
    }
}

type Answer = Result<Response, ApiFailure>;

/// JSON, never cached when only admins may see it.
fn answer(value: Value, scope: Scope) -> Response {
    let mut response = Json(value).into_response();
    if scope == Scope::All {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn orgs(State(site): State<Site>, headers: HeaderMap) -> Answer {
    let scope = site.viewer(&headers).await?;
    let orgs: Vec<Value> =
        site.store.directory().orgs().await?.into_iter().map(|o| json!({"login": o.login, "id": o.id})).collect();
    Ok(answer(Value::Array(orgs), scope))
}

/// A standing as the API lists it.
fn standing_json(s: &Standing, ladder: &Ladder) -> Value {
    let level = s.level(ladder);
    let signals: serde_json::Map<String, Value> =
        Track::ALL.iter().zip(s.signals).map(|(t, n)| (t.as_str().to_owned(), json!(n))).collect();
    json!({
        "login": s.login,
        "github_id": s.id,
        "level": level.map(|l| l.id.clone()),
        "level_name": level.map(|l| l.name.clone()),
        "role": s.role.map(|r| r.as_str()),
        "activity": s.activity.as_str(),
        "last_activity": s.last_activity.map(|t| t.to_rfc3339()),
        "ready_for_a_role": s.ready_for_a_role(ladder),
        "signals": signals,
    })
}

/// `Link` header of a list: the next and last pages.
fn link(path: &str, parameters: &str, (page, per_page): (u32, u32), total: u64) -> Option<HeaderValue> {
    let last = total.div_ceil(u64::from(per_page)).max(1) as u32;
    let url = |p: u32| format!("<{path}?{parameters}&page={p}>");
    let mut parts = Vec::new();
    if page < last {
        parts.push(format!("{}; rel=\"next\"", url(page + 1)));
    }
    if page > 1 {
        parts.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    parts.push(format!("{}; rel=\"last\"", url(last)));
    HeaderValue::from_str(&parts.join(", ")).ok()
}

async fn people(
    State(site): State<Site>,
    Path(org): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Answer {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let (order, window) = (query.order()?, query.window()?);
    let ladder = site.ladder(&org).await?;
    let filter = query.filter(&ladder)?;
    site.grower.ensure(&org, scope, Utc::now()).await?;
    let (standings, total) = site.store.growth().standings(org.id, scope, (order, filter), window).await?;
    let list: Vec<Value> = standings.iter().map(|s| standing_json(s, &ladder)).collect();
    let mut response = answer(Value::Array(list), scope);
    let parameters = query.parameters(order, Some(window.1));
    if let Some(link) = link(&format!("/api/v1/orgs/{}/people", org.login), &parameters, window, total) {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

async fn person(State(site): State<Site>, Path((org, login)): Path<(String, String)>, headers: HeaderMap) -> Answer {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let person = site.person(&org, &login, scope).await?;
    let ladder = site.ladder(&org).await?;
    let standing = site.standing(&org, &person, scope).await?;
    let mut report = views::report(&site.store, &org, &ladder, person, scope, Utc::now()).await?;
    views::suggest(&site.store, &ladder, &mut report, scope, Utc::now()).await?;
    let mut json = report.to_json();
    let months: Vec<Value> = standing
        .iter()
        .flat_map(|s| &s.months)
        .map(|(month, counts)| {
            let mut entry = json!({"month": month_name(*month)});
            for (track, n) in Track::ALL.iter().zip(counts) {
                entry[track.as_str()] = json!(n);
            }
            entry
        })
        .collect();
    json["months"] = Value::Array(months);
    Ok(answer(json, scope))
}

async fn repos(State(site): State<Site>, Path(org): Path<String>, headers: HeaderMap) -> Answer {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let snapshot = site.grower.current(&org, scope, Utc::now()).await?;
    let list: Vec<Value> = snapshot.repos.iter().map(ladder_core::health::RepoHealth::to_json).collect();
    Ok(answer(Value::Array(list), scope))
}

/// A program cohort, for admins: its dates, its mentees and, once it ended, its outcome.
async fn cohort(State(site): State<Site>, Path((org, name)): Path<(String, String)>, headers: HeaderMap) -> Answer {
    site.admin(&headers).await?;
    let org = site.org(&org).await?;
    let ladder = site.ladder(&org).await?;
    let view = site.program(&org, &ladder, Some(&name)).await?;
    let dates = ladder.cohort(&name);
    let mentees: Vec<Value> = view
        .mentees
        .iter()
        .map(|m| {
            json!({
                "login": m.login,
                "mentor": m.mentor,
                "enrolled_at": m.enrolled_at.to_rfc3339(),
                "level": m.level,
                "progress": m.progress,
                "last_activity": m.last_activity.map(|t| t.to_rfc3339()),
                "activity": m.activity.as_str(),
                "at_risk": m.at_risk,
                "mentor_reviews": m.responsiveness.as_ref().map(|r| json!({
                    "pull_requests": r.prs,
                    "reviewed": r.reviewed,
                    "median_hours": r.median.map(|d| d.num_minutes() as f64 / 60.0),
                })),
            })
        })
        .collect();
    let outcome = view.outcomes.iter().find(|o| o.cohort.eq_ignore_ascii_case(&name)).map(|o| {
        json!({
            "mentees": o.mentees,
            "after_3_months": o.retained[0],
            "after_6_months": o.retained[1],
            "after_12_months": o.retained[2],
            "maintainers": o.maintainers,
            "mentors": o.mentors,
        })
    });
    let json = json!({
        "name": dates.map_or(name.clone(), |c| c.name.clone()),
        "target": view.target,
        "start": dates.map(|c| c.start.to_string()),
        "midterm": dates.map(|c| c.midterm.to_string()),
        "final": dates.map(|c| c.final_evaluation.to_string()),
        "end": dates.map(|c| c.end.to_string()),
        "mentees": mentees,
        "outcome": outcome,
    });
    Ok(answer(json, Scope::All))
}

#[derive(Deserialize)]
pub struct GrowthQuery {
    from: Option<String>,
    to: Option<String>,
    interval: Option<String>,
}

/// A date parameter (`2025-01-01`) as the start of that day, UTC.
fn date(name: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, Failure> {
    text.map(|t| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            .map_err(|_| Failure::BadRequest(format!("{name} is a date like 2025-01-31, not {t}")))
    })
    .transpose()
}

async fn growth(
    State(site): State<Site>,
    Path(org): Path<String>,
    Query(query): Query<GrowthQuery>,
    headers: HeaderMap,
) -> Answer {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let interval = super::pages::interval(query.interval.as_deref())?;
    let (from, to) = (date("from", query.from.as_deref())?, date("to", query.to.as_deref())?);
    let snapshot = site.grower.current(&org, scope, Utc::now()).await?;
    let series = snapshot.series(interval);
    // The periods that overlap [from, to].
    let keep: Vec<usize> = series
        .periods
        .iter()
        .enumerate()
        .filter(|(_, p)| from.is_none_or(|f| p.end > f) && to.is_none_or(|t| p.start <= t))
        .map(|(i, _)| i)
        .collect();
    let pick = |values: &[u64]| -> Value { keep.iter().map(|i| json!(values[*i])).collect() };
    let periods: Vec<Value> = keep
        .iter()
        .map(|i| {
            let p = &series.periods[*i];
            json!({"name": p.name(interval), "start": p.start.to_rfc3339(), "end": p.end.to_rfc3339()})
        })
        .collect();
    let levels: Vec<Value> = snapshot
        .levels
        .iter()
        .zip(&series.levels)
        .map(|((id, name), v)| json!({"id": id, "name": name, "people": pick(v)}))
        .collect();
    let engagement: serde_json::Map<String, Value> = ["active", "drifting", "away"]
        .iter()
        .enumerate()
        .map(|(k, name)| ((*name).to_owned(), pick(&series.engagement.iter().map(|e| e[k]).collect::<Vec<_>>())))
        .collect();
    let newcomers: serde_json::Map<String, Value> =
        series.newcomers.iter().map(|(kind, v)| (kind.as_str().to_owned(), pick(v))).collect();
    let tracks: serde_json::Map<String, Value> = Track::ALL
        .iter()
        .enumerate()
        .map(|(k, t)| (t.as_str().to_owned(), pick(&series.tracks.iter().map(|v| v[k]).collect::<Vec<_>>())))
        .collect();
    let h = &snapshot.headline;
    let by_level: serde_json::Map<String, Value> =
        snapshot.levels.iter().zip(&h.by_level).map(|((id, _), n)| (id.clone(), json!(n))).collect();
    let json = json!({
        "org": org.login,
        "interval": interval.as_str(),
        "computed_at": snapshot.computed_at.to_rfc3339(),
        "periods": periods,
        "levels": levels,
        "promotions": pick(&series.promotions),
        "engagement": engagement,
        "newcomers": newcomers,
        "tracks": tracks,
        "headline": {
            "people": h.people,
            "active": h.active,
            "active_maintainers": h.active_maintainers,
            "by_level": by_level,
            "ready_for_a_role": h.ready_for_a_role,
            "repos_at_risk": h.repos_at_risk,
        },
        "cohorts": snapshot.cohorts.iter().map(|c| json!({
            "month": month_name(c.period.number),
            "size": c.size,
            "after_3_months": c.retained[0],
            "after_6_months": c.retained[1],
            "after_12_months": c.retained[2],
        })).collect::<Vec<_>>(),
    });
    Ok(answer(json, scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_link_their_next_and_last_pages() {
        let link = |page, total| link("/api/v1/orgs/o/people", "sort=login&per_page=30", (page, 30), total).unwrap();
        assert_eq!(
            link(1, 65),
            "</api/v1/orgs/o/people?sort=login&per_page=30&page=2>; rel=\"next\", \
             </api/v1/orgs/o/people?sort=login&per_page=30&page=3>; rel=\"last\""
        );
        assert_eq!(
            link(3, 65),
            "</api/v1/orgs/o/people?sort=login&per_page=30&page=2>; rel=\"prev\", </api/v1/orgs/o/people?sort=login&per_page=30&page=3>; rel=\"last\""
        );
        assert_eq!(link(1, 0), "</api/v1/orgs/o/people?sort=login&per_page=30&page=1>; rel=\"last\"");
        assert!(matches!(date("from", Some("2025-13-01")), Err(Failure::BadRequest(_))));
        assert_eq!(date("from", Some("2025-01-31")).unwrap().unwrap().to_rfc3339(), "2025-01-31T00:00:00+00:00");
    }
}
