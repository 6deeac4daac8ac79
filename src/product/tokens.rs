//! Developers › API tokens: the full token is shown once at creation and
//! stored only as a hash; afterwards only its name and last two characters.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDto {
    pub id: String,
    pub name: String,
    /// `••••x7`
    pub hint: String,
    pub created: String,
    pub revoked: bool,
}

/// The tokens page: the account's tokens, and whether this reader may
/// create one here (never in a support session: a new token is a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensView {
    pub tokens: Vec<TokenDto>,
    pub can_create: bool,
}

/// Why a support session gets no "Create token" form.
pub const NOT_IN_SUPPORT: &str = "API tokens cannot be created in a support session: a token is a secret, and secrets are never shown to support.";

/// A token just created: the only time its full value leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub name: String,
    pub token: String,
}

#[server(prefix = "/api", endpoint = "product_tokens")]
pub async fn product_tokens() -> Result<TokensView, AppError> {
    crate::error::respond(server::list().await)
}

#[server(prefix = "/api", endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<NewToken, AppError> {
    crate::error::respond(
        async {
            crate::error::shown_once()?;
            server::create(name).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<String, AppError> {
    crate::error::respond(server::revoke(id).await)
}

/// The digest stored for a token.
#[cfg(feature = "ssr")]
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::actions::BlockedAction;
    use crate::access::context::AccessContext;
    use crate::audit::Kind;
    use crate::error::parse_id;
    use crate::masking::HIDDEN;
    use crate::product::ProductPermission;
    use rand::distributions::{Alphanumeric, DistString};
    use serde_json::json;
    use uuid::Uuid;

    pub async fn list() -> Result<TokensView, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ManageTokens, "Developers › API tokens")
            .await?;
        let rows = sqlx::query!(
            r#"select id, name, last_two, created_at as "created_at: chrono::DateTime<chrono::Utc>", revoked_at as "revoked_at: chrono::DateTime<chrono::Utc>" from product.api_tokens where account_id = $1 order by created_at desc"#,
            ctx.account_id()
        )
        .fetch_all(db.conn())
        .await?;
        let tokens = rows
            .into_iter()
            .map(|r| TokenDto {
                id: r.id.to_string(),
                name: r.name,
                hint: format!("{HIDDEN}{}", r.last_two),
                created: ctx.day(r.created_at),
                revoked: r.revoked_at.is_some(),
            })
            .collect();
        Ok(TokensView {
            tokens,
            can_create: ctx.session().is_none(),
        })
    }

    pub async fn create(name: String) -> Result<NewToken, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ManageTokens)?;
        // A new token is a secret shown in full once: never to support.
        // Refused, and recorded, before the change opens.
        ctx.refuse_in_session(
            "create API tokens",
            "a token is a secret shown in full once, and secrets are never shown to support.",
        )
        .await?;
        let mut change = ctx
            .change(ProductPermission::ManageTokens, "API tokens (creating one)")
            .await?;
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::Invalid(
                "Give the token a name of up to 100 characters, like “CI deploys”.".into(),
            ));
        }
        let token = format!(
            "bf_{}",
            Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
        );
        let last_two: String = token.chars().skip(token.len() - 2).collect();
        let id = Uuid::new_v4();
        sqlx::query!(
            "insert into product.api_tokens (id, account_id, created_by, name, token_hash, last_two) values ($1, $2, $3, $4, $5, $6)",
            id,
            ctx.account_id(),
            ctx.viewed().user_id,
            name,
            token_digest(&token),
            last_two
        )
        .execute(change.conn())
        .await?;
        change
            .record(
                Kind::ApiTokenCreated,
                json!({ "token_id": id, "name": name, "shown": format!("{HIDDEN}{last_two}") }),
            )
            .await?;
        change.commit().await?;
        Ok(NewToken { name, token })
    }

    pub async fn revoke(id: String) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let id = parse_id(&id)?;
        // Revoking cuts the customer's integration off: in a support
        // session a manager approves that one token first.
        let mut change = ctx
            .change_blocked(
                ProductPermission::ManageTokens,
                "API tokens (revoking one)",
                BlockedAction::DeleteRecords,
                &format!("token:{id}"),
            )
            .await?;
        let row = sqlx::query!(
            "select name, last_two, revoked_at from product.api_tokens where id = $1 and account_id = $2 for update",
            id,
            ctx.account_id()
        )
        .fetch_optional(change.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        if row.revoked_at.is_some() {
            return Ok(format!("“{}” was already revoked.", row.name));
        }
        sqlx::query!(
            "update product.api_tokens set revoked_at = now() where id = $1",
            id
        )
        .execute(change.conn())
        .await?;
        change
            .record(
                Kind::ApiTokenRevoked,
                json!({ "token_id": id, "name": row.name, "shown": format!("{HIDDEN}{}", row.last_two) }),
            )
            .await?;
        change.commit().await?;
        Ok(format!("“{}” is revoked; it no longer works.", row.name))
    }
}

/// `/app/developers/tokens`
#[component]
pub fn TokensPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_tokens());
    view! {
        <crate::ui::Preload resource=data let:initial>
            <TokensPanel initial />
        </crate::ui::Preload>
    }
}

#[island]
fn TokensPanel(initial: Result<TokensView, AppError>) -> impl IntoView {
    // Only a reader who may list tokens, outside a support session, is
    // offered the form (a member typing the address sees the refusal alone).
    let can_create = matches!(&initial, Ok(page) if page.can_create);
    let in_support = matches!(&initial, Ok(page) if !page.can_create);
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let data = crate::ui::live(
        initial,
        move || (create.version().get(), revoke.version().get()),
        |_| product_tokens(),
    );
    view! {
        <h1>"API tokens"</h1>
        {can_create.then(|| view! {
            <ActionForm action=create attr:class="stack narrow" attr:aria-label="Create a token" attr:data-needs-script="">
                <label for="token-name">"Token name"</label>
                <input id="token-name" name="name" type="text" required maxlength="100" placeholder="CI deploys" />
                <button type="submit" class="primary">"Create token"</button>
            </ActionForm>
        })}
        {in_support.then(|| view! { <p class="muted">{NOT_IN_SUPPORT}</p> })}
        {move || create.value().get().map(|r| match r {
            Ok(t) => view! {
                <div class="panel reveal" role="status">
                    <p><strong>{format!("Your new token “{}”", t.name)}</strong></p>
                    <p>"Copy it now: it will not be shown again."</p>
                    <code aria-label="New token">{t.token}</code>
                </div>
            }.into_any(),
            Err(error) => view! { <crate::ui::ErrorNote error /> }.into_any(),
        })}
        <crate::ui::Outcome value=Signal::derive(move || revoke.value().get()) />
        <crate::ui::Shown value=data let:page>
            {let tokens = page.tokens; if tokens.is_empty() {
                view! { <p class="empty">"No API tokens yet."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Token"</th><th scope="col">"Created"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {tokens.into_iter().map(|t| {
                                let label = format!("Revoke {}", t.name);
                                view! {
                                    <tr>
                                        <td>{t.name.clone()}</td><td><code>{t.hint.clone()}</code></td><td>{t.created.clone()}</td>
                                        <td>{if t.revoked {
                                            view! { <span>"Revoked"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=revoke attr:class="row-form">
                                                    <input type="hidden" name="id" value=t.id.clone() />
                                                    <button type="submit" class="danger" aria-label=label>"Revoke"</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </crate::ui::Shown>
    }
}
