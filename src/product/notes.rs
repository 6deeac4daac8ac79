//! Private notes on the account (owners only; private class).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteDto {
    pub author: String,
    pub written: String,
    pub body: crate::masking::Shown,
}

#[server(prefix = "/api", endpoint = "product_notes")]
pub async fn product_notes() -> Result<Vec<NoteDto>, AppError> {
    crate::error::respond(server::list().await)
}

#[server(prefix = "/api", endpoint = "add_note")]
pub async fn add_note(body: String) -> Result<String, AppError> {
    crate::error::respond(server::add(body).await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::audit::Kind;
    use crate::masking::shown;
    use crate::product::ProductPermission;
    use serde_json::json;
    use uuid::Uuid;

    /// A note as read: server-only, never serialised.
    struct NoteRow {
        author: String,
        created_at: chrono::DateTime<chrono::Utc>,
        body: Option<String>,
    }

    pub async fn list() -> Result<Vec<NoteDto>, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::UseNotes, "Private notes")
            .await?;
        // Private notes are never read for support: Postgres refuses the body.
        let rows = if ctx.session().is_some() {
            sqlx::query_as!(
                NoteRow,
                r#"select coalesce(u.name, 'A former member') as "author!", n.created_at as "created_at: chrono::DateTime<chrono::Utc>",
                          null::text as body
                   from product.notes n left join product.users u on u.id = n.author_id
                   where n.account_id = $1 order by n.created_at desc"#,
                ctx.account_id()
            )
            .fetch_all(db.conn())
            .await?
        } else {
            sqlx::query_as!(
                NoteRow,
                r#"select coalesce(u.name, 'A former member') as "author!", n.created_at as "created_at: chrono::DateTime<chrono::Utc>",
                          n.body as "body?"
                   from product.notes n left join product.users u on u.id = n.author_id
                   where n.account_id = $1 order by n.created_at desc"#,
                ctx.account_id()
            )
            .fetch_all(db.conn())
            .await?
        };
        Ok(rows
            .into_iter()
            .map(|r| NoteDto {
                author: r.author,
                written: ctx.when(r.created_at),
                body: shown(ctx.audience(), "notes", "body", r.body.as_deref()),
            })
            .collect())
    }

    pub async fn add(body: String) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::UseNotes)?;
        // Refused before the change opens: nothing to roll back, one connection.
        ctx.refuse_in_session(
            "write private notes",
            "private notes are the owners' own, and a note would read as theirs.",
        )
        .await?;
        let mut change = ctx
            .change(ProductPermission::UseNotes, "Private notes")
            .await?;
        let body = body.trim().to_string();
        if body.is_empty() || body.chars().count() > 5000 {
            return Err(AppError::Invalid(
                "Write a note of up to 5,000 characters.".into(),
            ));
        }
        sqlx::query!(
            "insert into product.notes (id, account_id, author_id, body, created_at) values ($1, $2, $3, $4, $5)",
            Uuid::new_v4(),
            ctx.account_id(),
            ctx.viewed().user_id,
            body,
            ctx.now() as _
        )
        .execute(change.conn())
        .await?;
        change
            .record(Kind::NoteAdded, json!({ "length": body.chars().count() }))
            .await?;
        change.commit().await?;
        Ok("Your note was saved.".into())
    }
}

/// `/app/notes`
#[component]
pub fn NotesPage() -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    let data = Resource::new(|| (), |_| product_notes());
    view! {
        <h1>"Private notes"</h1>
        <p class="muted">"Only owners can read these."</p>
        <crate::ui::Loaded resource=data let:notes>
            <PostForm action=AddNote::PATH then=Then::Reload class="stack narrow" label="Add a note">
                <label for="note-body">"New note"</label>
                <textarea id="note-body" name="body" rows="3" required maxlength="5000"></textarea>
                <button type="submit" class="primary">"Save note"</button>
            </PostForm>
            {if notes.is_empty() {
                view! { <p class="empty">"No notes yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="notes">
                        {notes.into_iter().map(|n| view! {
                            <li><p>{n.body}</p><p class="muted small">{format!("{} · {}", n.author, n.written)}</p></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </crate::ui::Loaded>
    }
}
