//! Tags in use, with how many tickets carry each: rename (merging into an existing tag) or remove.

use super::{admin_of, page, Notice, Page};
use crate::ui::csrf_field;
use crate::ui::forms::CsrfForm;
use crate::ui::session::Agent;
use crate::ui::UiError;
use crate::ui_try;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::admin;
use podpora_domain::i18n::t;
use podpora_domain::Tag;
use serde::Deserialize;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let tags = ui_try!(lang, admin::tags_in_use(&state.room, &admin).await);
    let content = html! {
        p.help { (t(lang, "admin-tags-help")) }
        @if tags.is_empty() { p.empty { (t(lang, "admin-tags-none")) } }
        table.tags {
            tbody {
                @for (tag, count) in &tags {
                    tr {
                        td { a href={ "/inbox?view=all&tag=" (percent_encoding::utf8_percent_encode(tag, percent_encoding::NON_ALPHANUMERIC)) } { (tag) } }
                        td { (count) }
                        td {
                            form.inline method="post" action="/admin/tags" {
                                (csrf_field(&agent))
                                input type="hidden" name="from" value=(tag);
                                input type="text" name="to" value=(tag) size="16" aria-label=(t(lang, "admin-tag-rename"));
                                " " button type="submit" { (t(lang, "admin-tag-rename")) }
                            }
                            " "
                            form.inline method="post" action="/admin/tags" {
                                (csrf_field(&agent))
                                input type="hidden" name="from" value=(tag);
                                input type="hidden" name="to" value="";
                                button type="submit" { (t(lang, "admin-tag-delete")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&agent, Page::Tags, n.ok.as_deref(), content)
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    from: String,
    /// Empty: remove the tag everywhere.
    #[serde(default)]
    to: String,
}

/// Renames a tag on every ticket, or removes it (an empty new name).
pub async fn rename(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<RenameForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let to = ui_try!(lang, Tag::list(&f.to));
    if to.len() > 1 {
        return crate::ui::page_error(lang, UiError::msg("error-one-tag"));
    }
    ui_try!(lang, admin::rename_tag(&state.room, &admin, &f.from, to.first()).await);
    Redirect::to("/admin/tags?ok=saved").into_response()
}
