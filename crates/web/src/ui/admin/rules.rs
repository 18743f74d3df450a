//! Rules (automations): the list in the order they run (move up and down, switch off, remove),
//! and the form of one rule — name, when it runs, conditions (field, comparison, value), actions
//! — with a dry run that lists the existing tickets it would touch, without saving.

use super::{admin_of, page, Notice, Page};
use crate::ui::forms::CsrfForm;
use crate::ui::session::Agent;
use crate::ui::{csrf_field, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use podpora_commands::rules::{self, DryRun, RuleInfo, RuleSpec};
use podpora_commands::CommandError;
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::rules::{ActionKind, ActionSpec, ConditionSpec, Field, Op, Trigger};
use podpora_domain::Lang;
use serde::Deserialize;

/// Empty rows offered below a rule's conditions and actions.
const SPARE_ROWS: usize = 3;

fn label(lang: Lang, prefix: &str, key: &str) -> String {
    t(lang, &format!("{prefix}-{key}"))
}

fn condition_text(lang: Lang, c: &ConditionSpec) -> String {
    format!("{} {} {}", label(lang, "rule-field", c.field.as_str()), label(lang, "rule-op", c.op.as_str()), c.value)
}

fn action_text(lang: Lang, a: &ActionSpec) -> String {
    format!("{} {}", label(lang, "rule-action", a.action.as_str()), a.value)
}

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let all = ui_try!(lang, rules::list(&state.room, &admin).await);
    let content = html! {
        p.help { (t(lang, "admin-rules-help")) }
        p { a.button href="/admin/rules/new" { (t(lang, "admin-rules-add")) } }
        @if all.is_empty() { p.empty { (t(lang, "admin-rules-none")) } }
        @if !all.is_empty() {
            table.rules {
                thead { tr { th { "#" } th { (t(lang, "admin-rule-name")) } th { (t(lang, "admin-rule-trigger")) } th { (t(lang, "admin-rule-conditions")) } th { (t(lang, "admin-rule-actions")) } th {} } }
                tbody {
                    @for r in &all {
                        tr class=@if r.enabled { "rule" } @else { "rule disabled" } {
                            td { (r.position) }
                            td { a href={ "/admin/rules/" (r.id) } { (r.name) } @if !r.enabled { " " span.badge { (t(lang, "admin-rule-off")) } } @if r.stop { " " span.badge { (t(lang, "admin-rule-stop")) } } }
                            td { (label(lang, "rule-trigger", r.trigger.as_str())) }
                            td { @if r.conditions.is_empty() { (t(lang, "admin-rule-every-ticket")) } @for c in &r.conditions { div { (condition_text(lang, c)) } } }
                            td { @for a in &r.actions { div { (action_text(lang, a)) } } }
                            td.actions {
                                @for (dir, key) in [("up", "admin-rule-up"), ("down", "admin-rule-down"), ("delete", "admin-rule-delete")] {
                                    form.inline method="post" action={ "/admin/rules/" (r.id) "/" (dir) } {
                                        (csrf_field(&agent))
                                        button type="submit" { (t(lang, key)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&agent, Page::Rules, n.ok.as_deref(), content)
}

/// The rule form as posted: repeated keys, one per row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    trigger: String,
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    stop: String,
    #[serde(default)]
    cond_field: Vec<String>,
    #[serde(default)]
    cond_op: Vec<String>,
    #[serde(default)]
    cond_value: Vec<String>,
    #[serde(default)]
    act_kind: Vec<String>,
    #[serde(default)]
    act_value: Vec<String>,
    /// Set by the dry-run button: show what it would touch, save nothing.
    #[serde(default)]
    dry_run: String,
}

impl From<&RuleInfo> for RuleForm {
    fn from(r: &RuleInfo) -> RuleForm {
        RuleForm {
            name: r.name.clone(),
            trigger: r.trigger.as_str().into(),
            enabled: if r.enabled { "1" } else { "" }.into(),
            stop: if r.stop { "1" } else { "" }.into(),
            cond_field: r.conditions.iter().map(|c| c.field.as_str().to_string()).collect(),
            cond_op: r.conditions.iter().map(|c| c.op.as_str().to_string()).collect(),
            cond_value: r.conditions.iter().map(|c| c.value.clone()).collect(),
            act_kind: r.actions.iter().map(|a| a.action.as_str().to_string()).collect(),
            act_value: r.actions.iter().map(|a| a.value.clone()).collect(),
            dry_run: String::new(),
        }
    }
}

impl RuleForm {
    /// The rule as typed; rows without a field (or action) are left out.
    fn spec(&self) -> Result<RuleSpec, String> {
        let at = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let mut conditions = Vec::new();
        for (i, field) in self.cond_field.iter().enumerate().filter(|(_, f)| !f.trim().is_empty()) {
            let field: Field = field.parse().map_err(|e: podpora_domain::DomainError| e.to_string())?;
            let op_text = at(&self.cond_op, i);
            let op: Op = if op_text.is_empty() {
                field.ops()[0]
            } else {
                op_text.parse().map_err(|e: podpora_domain::DomainError| e.to_string())?
            };
            conditions.push(ConditionSpec { field, op, value: at(&self.cond_value, i) });
        }
        let mut actions = Vec::new();
        for (i, kind) in self.act_kind.iter().enumerate().filter(|(_, k)| !k.trim().is_empty()) {
            let action: ActionKind = kind.parse().map_err(|e: podpora_domain::DomainError| e.to_string())?;
            actions.push(ActionSpec { action, value: at(&self.act_value, i) });
        }
        Ok(RuleSpec {
            name: self.name.clone(),
            trigger: self.trigger.parse().map_err(|e: podpora_domain::DomainError| e.to_string())?,
            enabled: self.enabled == "1",
            stop: self.stop == "1",
            conditions,
            actions,
        })
    }
}

pub async fn new(State(state): State<AppState>, agent: Agent) -> Response {
    let form = RuleForm { trigger: Trigger::Created.as_str().into(), enabled: "1".into(), ..RuleForm::default() };
    render(&state, &agent, None, &form, None, None, StatusCode::OK).await
}

pub async fn edit(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let rule = ui_try!(lang, rules::get(&state.room, &admin, id).await);
    render(&state, &agent, Some(id), &RuleForm::from(&rule), None, None, StatusCode::OK).await
}

async fn render(
    _state: &AppState,
    agent: &Agent,
    id: Option<i64>,
    v: &RuleForm,
    problem: Option<String>,
    dry: Option<DryRun>,
    status: StatusCode,
) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(agent));
    let action = match id {
        Some(id) => format!("/admin/rules/{id}"),
        None => "/admin/rules/new".to_string(),
    };
    let cond_rows = v.cond_field.len() + SPARE_ROWS;
    let act_rows = v.act_kind.len() + SPARE_ROWS;
    let get = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
    let content = html! {
        p { a href="/admin/rules" { "← " (t(lang, "admin-rules")) } }
        @if let Some(p) = &problem { p.field-error.rule-error role="alert" { (p) } }
        @if let Some(d) = &dry {
            section.dry-run {
                h2 { (t(lang, "admin-rule-dry-run")) }
                p { (t_args(lang, "admin-rule-dry-run-result", &[("matched", Arg::Num(d.matched as i64)), ("checked", Arg::Num(d.checked as i64))])) }
                ul { @for m in &d.tickets { li { a href={ "/t/" (m.number) } { "#" (m.number) " " (m.subject) } } } }
            }
        }
        form.settings.rule method="post" action=(action) {
            (csrf_field(agent))
            div.field { label for="rule-name" { (t(lang, "admin-rule-name")) } div.control { input id="rule-name" name="name" value=(v.name) required maxlength="200"; } }
            div.field {
                label for="rule-trigger" { (t(lang, "admin-rule-trigger")) }
                div.control {
                    select id="rule-trigger" name="trigger" { @for tr in Trigger::ALL { option value=(tr.as_str()) selected[v.trigger == tr.as_str()] { (label(lang, "rule-trigger", tr.as_str())) } } }
                    p.help { (t(lang, "admin-rule-trigger-help")) }
                }
            }
            div.field { label for="rule-enabled" { (t(lang, "admin-rule-enabled")) } div.control { input id="rule-enabled" type="checkbox" name="enabled" value="1" checked[v.enabled == "1"]; } }
            div.field { label for="rule-stop" { (t(lang, "admin-rule-stop-label")) } div.control { input id="rule-stop" type="checkbox" name="stop" value="1" checked[v.stop == "1"]; } }
            h3 { (t(lang, "admin-rule-conditions")) }
            p.help { (t(lang, "admin-rule-conditions-help")) }
            @for i in 0..cond_rows {
                div.rule-row {
                    (choice(lang, "cond_field", "admin-rule-field", "rule-field", Field::ALL.iter().map(|f| f.as_str()), &get(&v.cond_field, i)))
                    (choice(lang, "cond_op", "admin-rule-op", "rule-op", Op::ALL.iter().map(|o| o.as_str()), &get(&v.cond_op, i)))
                    input name="cond_value" value=(get(&v.cond_value, i)) aria-label=(t(lang, "admin-rule-value"));
                }
            }
            h3 { (t(lang, "admin-rule-actions")) }
            p.help { (t(lang, "admin-rule-actions-help")) }
            @for i in 0..act_rows {
                div.rule-row {
                    (choice(lang, "act_kind", "admin-rule-action", "rule-action", ActionKind::ALL.iter().map(|a| a.as_str()), &get(&v.act_kind, i)))
                    input name="act_value" value=(get(&v.act_value, i)) aria-label=(t(lang, "admin-rule-value"));
                }
            }
            div.actions {
                button type="submit" { (t(lang, "admin-agent-save")) }
                " "
                button type="submit" name="dry_run" value="1" { (t(lang, "admin-rule-dry-run")) }
            }
        }
    };
    let mut r = page(agent, Page::Rules, None, content);
    *r.status_mut() = status;
    r
}

/// A choice of one of `values` (or none), each named by its catalogue key `prefix-value`.
fn choice<'a>(lang: Lang, name: &str, aria: &str, prefix: &str, values: impl Iterator<Item = &'a str>, selected: &str) -> Markup {
    html! {
        select name=(name) aria-label=(t(lang, aria)) {
            option value="" { "—" }
            @for v in values { option value=(v) selected[selected == v] { (label(lang, prefix, v)) } }
        }
    }
}

pub async fn create(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<RuleForm>) -> Response {
    save(&state, &agent, None, f).await
}

pub async fn update(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<RuleForm>) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    save(&state, &agent, Some(id), f).await
}

/// Saves the rule, or (the dry-run button) shows what it would touch; a refused rule is shown
/// again as typed, with why.
async fn save(state: &AppState, agent: &Agent, id: Option<i64>, f: RuleForm) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(agent));
    let spec = match f.spec() {
        Ok(spec) => spec,
        Err(why) => return render(state, agent, id, &f, Some(why), None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let room = &state.room;
    if f.dry_run == "1" {
        return match rules::dry_run(room, &admin, &spec).await {
            Ok(d) => render(state, agent, id, &f, None, Some(d), StatusCode::OK).await,
            Err(e) => refused(state, agent, id, &f, e).await,
        };
    }
    let saved = match id {
        Some(id) => rules::update(room, &admin, id, &spec).await,
        None => rules::create(room, &admin, &spec).await,
    };
    match saved {
        Ok(_) => Redirect::to("/admin/rules?ok=saved").into_response(),
        Err(e) => refused(state, agent, id, &f, e).await,
    }
}

async fn refused(state: &AppState, agent: &Agent, id: Option<i64>, f: &RuleForm, e: CommandError) -> Response {
    let lang = agent.lang;
    match e {
        CommandError::Invalid(r) | CommandError::Conflict(r) => {
            render(state, agent, id, f, Some(r.text(lang)), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        other => ui_try!(lang, Err::<Response, UiError>(other.into())),
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// Moves a rule up or down, or removes it.
pub async fn act(State(state): State<AppState>, Path((id, what)): Path<(String, String)>, CsrfForm(agent, _): CsrfForm<Empty>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let room = &state.room;
    match what.as_str() {
        "up" => ui_try!(lang, rules::shift(room, &admin, id, -1).await.map(|_| ())),
        "down" => ui_try!(lang, rules::shift(room, &admin, id, 1).await.map(|_| ())),
        "delete" => ui_try!(lang, rules::delete(room, &admin, id).await),
        _ => return ui_try!(lang, Err::<Response, UiError>(UiError::NotFound)),
    }
    Redirect::to("/admin/rules?ok=saved").into_response()
}
