//! CSV exports: every chart's series, the cohorts, a person's activity, and (for admins) the people.
//!
//! Owns: the CSV routes and writing them (a header row, `text/csv; charset=utf-8`, quoted by the
//! `csv` crate). The data is the same snapshot, figure and standing the pages show.
//!
//! Never does: compute anything the pages do not.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;

use super::pages::{IntervalQuery, PersonRow, activity_figure};
use super::site::{Failure, Site};
use crate::store::growth::{Filter, Order};
use ladder_core::digest::month_name;
use ladder_core::growth::figures::{Figure, figures};
use ladder_core::visibility::Scope;

pub fn routes() -> Router<Site> {
    Router::new()
        .route("/orgs/{org}/charts/{file}", get(chart))
        .route("/orgs/{org}/people.csv", get(people))
        .route("/orgs/{org}/people/{login}/activity.csv", get(activity))
}

/// Rows as CSV, with a header row.
fn csv(header: &[String], rows: impl IntoIterator<Item = Vec<String>>, scope: Scope) -> Result<Response, Failure> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Failure::BadRequest(format!("the CSV could not be written: {e}"));
    writer.write_record(header).map_err(io)?;
    for row in rows {
        writer.write_record(&row).map_err(io)?;
    }
    let bytes = writer.into_inner().map_err(|e| Failure::BadRequest(e.to_string()))?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if scope == Scope::All {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// A figure as CSV: a row per period, a column per series.
pub fn figure_csv(figure: &Figure, scope: Scope) -> Result<Response, Failure> {
    let mut header = vec!["period".to_owned()];
    header.extend(figure.lines.iter().map(|l| l.name.clone()));
    let rows = figure.rows().map(|(label, values)| {
        let mut row = vec![label.to_owned()];
        row.extend(values.iter().map(u64::to_string));
        row
    });
    csv(&header, rows, scope)
}

async fn chart(
    State(site): State<Site>,
    Path((org, file)): Path<(String, String)>,
    Query(query): Query<IntervalQuery>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let name = file.strip_suffix(".csv").ok_or_else(|| Failure::NotFound(format!("No chart named {file}.")))?;
    let interval = query.interval()?;
    let snapshot = site.grower.current(&org, scope, Utc::now()).await?;
    if name == "cohorts" {
        let header = ["month", "new", "after_3_months", "after_6_months", "after_12_months"].map(String::from);
        let rows = snapshot.cohorts.iter().map(|c| {
            let mut row = vec![month_name(c.period.number), c.size.to_string()];
            row.extend(super::pages::retained_cells(&c.retained));
            row
        });
        return csv(&header, rows, scope);
    }
    let figure = figures(&snapshot, interval)
        .into_iter()
        .find(|f| f.id == name)
        .ok_or_else(|| Failure::NotFound(format!("No chart named {name}.")))?;
    figure_csv(&figure, scope)
}

/// Every person, for admins only: login, level, activity, last activity, ready for a role, signals
/// per track.
async fn people(State(site): State<Site>, Path(org): Path<String>, headers: HeaderMap) -> Result<Response, Failure> {
    site.admin(&headers).await?;
    let scope = Scope::All;
    let org = site.org(&org).await?;
    site.grower.ensure(&org, scope, Utc::now()).await?;
    let ladder = site.ladder(&org).await?;
    let mut header = ["login", "level", "activity", "last_activity", "ready_for_a_role"].map(String::from).to_vec();
    header.extend(ladder_core::signal::Track::ALL.iter().map(|t| format!("{}_signals", t.as_str())));
    let (standings, _) =
        site.store.growth().standings(org.id, scope, (Order::Login, Filter::default()), (1, u32::MAX)).await?;
    let rows = standings.iter().map(|s| {
        let row = PersonRow::new(s, &ladder);
        let mut out = vec![row.login, row.level, row.activity.to_owned(), row.last, row.ready.to_string()];
        out.extend(s.signals.iter().map(u64::to_string));
        out
    });
    csv(&header, rows, scope)
}

async fn activity(
    State(site): State<Site>,
    Path((org, login)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let person = site.person(&org, &login, scope).await?;
    let standing = site.standing(&org, &person, scope).await?;
    figure_csv(&activity_figure(standing.as_ref()), scope)
}
