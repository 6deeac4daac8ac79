//! Tried from outside: every server function and every page against every
//! kind of caller, generated from the registry and the route table; hostile
//! text in every field that is shown back; SQL metacharacters in every
//! search box; a body far larger than any form.

use super::{demo, product_snapshot, sarah_in_session, staff};
use crate::helpers::new_client;
use crate::helpers::TestApp;
use chaperone::access::registry::{Access, Effect};
use chaperone::access::{staff_role_grants, Capability};
use chaperone::seed::{staff_email, DEMO_PASSWORD, DEMO_STAFF};
use chaperone::staff::StaffRole;
use chaperone::startup::SERVER_FNS;

/// A kind of caller in the matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Caller {
    Anonymous,
    Staff(StaffRole),
    /// A customer user with this product role.
    Customer(&'static str),
    /// An agent inside a read-only support session.
    Support,
}

impl Caller {
    fn holds(self, cap: Capability) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::Staff(role) => staff_role_grants(role, cap),
            Caller::Customer(_) => {
                matches!(cap, Capability::UseProduct | Capability::OwnSupportAccess)
            }
            Caller::Support => {
                cap == Capability::UseProduct || staff_role_grants(StaffRole::Agent, cap)
            }
        }
    }
}

/// One signed-in client per kind of caller, over the demo data.
pub(super) async fn callers(app: &TestApp) -> Vec<(Caller, reqwest::Client)> {
    let mut out = vec![(Caller::Anonymous, new_client())];
    for role in StaffRole::ALL {
        let (name, _) = DEMO_STAFF.iter().find(|(_, r)| *r == role).unwrap();
        // Sarah is kept for the support session.
        let name = if *name == "Sarah Lee" {
            "James Ortiz"
        } else {
            name
        };
        out.push((Caller::Staff(role), staff(app, &staff_email(name)).await));
    }
    for (role, email) in [
        ("owner", "jane@acme.test"),
        ("admin", "andrew@northwind.test"),
        ("billing_admin", "ana@acme.test"),
        ("member", "tom@acme.test"),
    ] {
        let client = new_client();
        let res = app.customer_sign_in(&client, email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 200, "{email} signs in");
        out.push((Caller::Customer(role), client));
    }
    out.push((Caller::Support, sarah_in_session(app).await));
    out
}

/// A digest of each console table a function could change.
async fn console_rows(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "access_requests",
        "support_sessions",
        "staff",
        "notification_preferences",
    ] {
        let sql = format!(
            "select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from chaperone.{table} t"
        );
        out.push(sqlx::query_scalar(&sql).fetch_one(&app.pool).await.unwrap());
    }
    out
}

/// The answer a caller must get from a server function called with an
/// empty form: the guard's answer, or — past the guard — anything but a
/// refusal of who they are. Returns why the answer is wrong, if it is.
fn judge(
    path: &str,
    access: Access,
    effect: Effect,
    read_only_ok: bool,
    caller: Caller,
    status: u16,
    body: &str,
) -> Option<String> {
    let plain = !path.starts_with("/api/");
    let expected_refusal = match access {
        Access::Anyone => None,
        Access::Needs(_) if caller == Caller::Anonymous => Some(if plain { 303 } else { 401 }),
        Access::Needs(cap) if !caller.holds(cap) => Some(403),
        Access::Needs(_) => None,
    };
    if let Some(want) = expected_refusal {
        return (status != want).then(|| format!("wanted {want}, got {status}"));
    }
    if status == 401 || status == 405 || status >= 500 {
        return Some(format!("allowed past the guard, got {status}"));
    }
    if status == 403 {
        // The only refusals past the guard: the account's own roles (owner,
        // admin, billing admin, member), which an agent meets as the user
        // they view as, and a read-only session refusing a change.
        let product = matches!(
            access,
            Access::Needs(Capability::UseProduct | Capability::OwnSupportAccess)
        );
        let read_only_change =
            caller == Caller::Support && product && effect == Effect::Changes && !read_only_ok;
        let product_role = product && matches!(caller, Caller::Customer(_) | Caller::Support);
        let refused_by_product = plain || body.contains("Refused");
        if !((read_only_change || product_role) && refused_by_product) {
            return Some(format!("refused past the guard: {body}"));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_answers_every_kind_of_caller_as_specified() {
    let app = demo().await;
    let callers = callers(&app).await;
    let (product_before, console_before) = (product_snapshot(&app).await, console_rows(&app).await);
    let mut wrong = Vec::new();
    let mut cells = 0;
    // Refused calls first: together they must change nothing at all. Then
    // the allowed ones, with empty forms. Ending one's own session and
    // signing out come last: they would end the callers' access.
    let last = ["/api/sign_out", "/api/end_support_session"];
    for refused_pass in [true, false] {
        for entry in SERVER_FNS.entries().filter(|e| !last.contains(&e.path)) {
            for (caller, client) in &callers {
                let refused = match entry.access {
                    Access::Anyone => false,
                    Access::Needs(cap) => !caller.holds(cap),
                };
                if refused != refused_pass {
                    continue;
                }
                let res = client
                    .post(app.url(entry.path))
                    .header("Origin", &app.base)
                    .header("Accept", "application/json")
                    .form(&[] as &[(&str, &str)])
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body = res.text().await.unwrap();
                cells += 1;
                let e = entry;
                if let Some(why) = judge(
                    e.path,
                    e.access,
                    e.effect,
                    e.read_only_session,
                    *caller,
                    status,
                    &body,
                ) {
                    wrong.push(format!("POST {} as {caller:?}: {why}", entry.path));
                }
                // A change is never made by a GET, whoever sends it.
                if entry.effect == Effect::Changes {
                    let got = client
                        .get(app.url(entry.path))
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16();
                    if !matches!(got, 303 | 400 | 401 | 403 | 405) {
                        wrong.push(format!("GET {} as {caller:?}: got {got}", entry.path));
                    }
                }
            }
        }
        if refused_pass {
            assert_eq!(
                product_snapshot(&app).await,
                product_before,
                "a refused call changed the product"
            );
            assert_eq!(
                console_rows(&app).await,
                console_before,
                "a refused call changed the console's rows"
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} answers are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(cells > 500, "the registry was not walked: {cells} answers");

    // Ending one's own support session: the agent inside one may.
    let (_, support) = callers.iter().find(|(c, _)| *c == Caller::Support).unwrap();
    assert_eq!(
        app.call(support, "end_support_session", &[]).await.status(),
        200
    );
    // Anyone may sign out, and is then nobody.
    for (caller, client) in &callers {
        let res = app.call(client, "sign_out", &[]).await;
        assert_eq!(res.status(), 200, "{caller:?} signs out");
        let me: serde_json::Value = app
            .call(client, "who_am_i", &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(me.is_null(), "{caller:?} is nobody after signing out: {me}");
    }
}

/// What a page must answer each kind of caller: the route table, with the
/// access each page needs. A page added to the app and not to this table
/// fails the test until its answer is specified.
pub(super) fn page_spec(path: &str) -> Option<fn(Caller) -> u16> {
    use Capability::*;
    fn console(cap: Capability, found: u16) -> impl Fn(Caller) -> u16 {
        move |caller| match caller {
            Caller::Anonymous => 303,
            Caller::Customer(_) => 403,
            c if c.holds(cap) => found,
            _ => 403,
        }
    }
    fn product(
        roles: &'static [&'static str],
        found: u16,
        support: bool,
    ) -> impl Fn(Caller) -> u16 {
        move |caller| match caller {
            Caller::Anonymous => 303,
            Caller::Staff(_) => 403,
            // Sarah views Acme Co as Tom, a member.
            Caller::Support if support && roles.contains(&"member") => found,
            Caller::Support => 403,
            Caller::Customer(role) if roles.contains(&role) => found,
            Caller::Customer(_) => 403,
        }
    }
    const ALL: &[&str] = &["owner", "admin", "billing_admin", "member"];
    macro_rules! f {
        ($e:expr) => {{
            // Each arm is its own closure type; a plain fn pointer unifies them.
            Some(|c| ($e)(c))
        }};
    }
    match path {
        "/" => f!(|_| 200),
        "/login" => f!(|c| if matches!(c, Caller::Customer(_)) {
            303
        } else {
            200
        }),
        "/console/login" => f!(|c| if matches!(c, Caller::Staff(_) | Caller::Support) {
            303
        } else {
            200
        }),
        "/console" | "/console/password" => f!(console(UseConsole, 200)),
        "/console/requests/{id}" => f!(console(UseConsole, 404)),
        "/console/accounts/{id}" => f!(console(SearchAccounts, 404)),
        "/console/approvals" => f!(console(DecideRequests, 200)),
        "/console/sessions" | "/console/denied" => f!(console(ReadOwnSessionLogs, 200)),
        "/console/sessions/{id}" => f!(console(ReadOwnSessionLogs, 404)),
        "/console/review" | "/console/review/week" => f!(console(ReviewSessions, 200)),
        "/console/staff" => f!(console(ManageStaff, 200)),
        "/app"
        | "/app/workspaces"
        | "/app/billing/invoices"
        | "/app/billing/tax"
        | "/app/orders"
        | "/app/team"
        | "/app/settings/notifications"
        | "/app/profile"
        | "/app/search" => {
            f!(product(ALL, 200, true))
        }
        "/app/billing/invoices/{id}" => f!(product(ALL, 404, true)),
        "/app/billing/payment-methods" => {
            f!(product(&["owner", "admin", "billing_admin"], 200, true))
        }
        "/app/developers/tokens" => f!(product(&["owner", "admin"], 200, true)),
        "/app/notes" => f!(product(&["owner"], 200, true)),
        // The customer's own record of support: never open to support.
        "/app/history" => f!(product(&["owner", "admin"], 200, false)),
        "/app/settings/security" => f!(product(&["owner"], 200, false)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_every_kind_of_caller_as_specified() {
    let app = demo().await;
    let callers = callers(&app).await;
    let mut wrong = Vec::new();
    let routes = chaperone::startup::page_routes();
    assert!(routes.len() > 20, "the route table was not read");
    for route in routes {
        let Some(want) = page_spec(route.path()) else {
            wrong.push(format!(
                "{}: no answer specified for this page",
                route.path()
            ));
            continue;
        };
        // Ids are made up: a page about something that does not exist says
        // so with 404, to those allowed to ask.
        let path: String = route
            .path()
            .split('/')
            .map(|seg| {
                if seg.starts_with(':') || seg.starts_with('{') {
                    uuid::Uuid::new_v4().to_string()
                } else {
                    seg.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (caller, client) in &callers {
            let got = client
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if got != want(*caller) {
                wrong.push(format!(
                    "GET {} as {caller:?}: wanted {}, got {got}",
                    route.path(),
                    want(*caller)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Text that would run if it reached a page unescaped.
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "<img src=x onerror=alert(1)>";

/// Whether a page shows hostile text only as text.
fn inert(html: &str) -> Result<(), String> {
    for raw in [SCRIPT, IMG, "<img src=x"] {
        if html.contains(raw) {
            let at = html.find(raw).unwrap();
            let from = at.saturating_sub(80);
            return Err(format!(
                "{raw} appears unescaped: …{}…",
                &html[from..(at + 60).min(html.len())]
            ));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_reasons_tickets_names_and_notes_is_shown_inert() {
    let app = demo().await;
    // A customer account and user, and a staff member, named with markup.
    let account = format!("Evil {IMG} Corp");
    let owner_email = "owner@evil.test";
    app.add_customer(&account, &format!("Mallory {SCRIPT}"), owner_email, "owner")
        .await;
    app.add_staff(
        &format!("Eve {IMG}"),
        "eve@chaperone.test",
        StaffRole::Manager,
    )
    .await;

    // Priya asks to enter it with markup in the reason and the ticket.
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let reason = format!("Customer says {SCRIPT} shows on invoices {IMG}");
    let (a, u) = (
        super::scalar_id(
            &app,
            &format!(
                "select id from product.accounts where name = '{}'",
                account.replace('\'', "''")
            ),
        )
        .await,
        super::user(&app, owner_email).await,
    );
    // Markup is no ticket reference: refused with the form's own message.
    let form = [
        ("account_id", a.as_str()),
        ("target_user_id", u.as_str()),
        ("reason", reason.as_str()),
        ("ticket", IMG),
        ("mode", "read_only"),
    ];
    let res = app.call(&priya, "request_support_session", &form).await;
    assert_eq!(res.status(), 400);
    let form = [
        ("account_id", a.as_str()),
        ("target_user_id", u.as_str()),
        ("reason", reason.as_str()),
        ("ticket", "#4821"),
        ("mode", "read_only"),
    ];
    let res = app.call(&priya, "request_support_session", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let request: String = res.json().await.unwrap();
    let form = [
        ("request_id", request.as_str()),
        ("password", DEMO_PASSWORD),
    ];
    if app
        .call(&priya, "enter_support_session", &form)
        .await
        .status()
        != 200
    {
        let maya = staff(&app, "maya.chen@chaperone.test").await;
        let decide = [("id", request.as_str()), ("approve", "true"), ("note", "")];
        assert_eq!(
            app.call(&maya, "decide_request", &decide).await.status(),
            200
        );
        assert_eq!(
            app.call(&priya, "enter_support_session", &form)
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        priya.get(app.url("/app")).send().await.unwrap().status(),
        200
    );
    // Maya ends it with a note full of markup.
    let session = super::live_session(&app, "priya.nair@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let note = format!("Ended: {SCRIPT}");
    let revoke = [("session_id", session.as_str()), ("note", note.as_str())];
    assert_eq!(
        app.call(&maya, "revoke_support_session", &revoke)
            .await
            .status(),
        200
    );
    let owner = new_client();
    app.customer_sign_in(&owner, owner_email, crate::helpers::PASSWORD)
        .await;
    // Priya's next page tells her the session was ended (and why).
    let told = priya.get(app.url("/console")).send().await.unwrap();
    assert_eq!(
        told.headers()["location"],
        "/console?ended=revoked_by_manager"
    );
    inert(&app.page(&priya, "/console?ended=revoked_by_manager").await).unwrap();

    let q = chaperone::ui::percent_encode("Evil");
    let pages = [
        (&maya, format!("/console?q={q}")),
        (&maya, format!("/console/accounts/{a}")),
        (&priya, format!("/console/requests/{request}")),
        (&maya, "/console/sessions".to_string()),
        (&maya, format!("/console/sessions/{session}")),
        (&maya, "/console/approvals".to_string()),
        (&maya, "/console/review".to_string()),
        (&maya, "/console/denied".to_string()),
        (&owner, "/app".to_string()),
        (&owner, "/app/history".to_string()),
    ];
    let mut shown = 0;
    for (client, path) in pages {
        let res = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        if let Err(why) = inert(&html) {
            panic!("{path}: {why}");
        }
        shown += usize::from(html.contains("&lt;script&gt;") || html.contains("&lt;img"));
    }
    // The text is there, escaped, on most of those pages.
    assert!(
        shown >= 5,
        "the hostile text was shown escaped on only {shown} pages"
    );

    // And in the data the pages fetch, which the browser renders as text.
    let log: serde_json::Value = app
        .call(&maya, "session_timeline", &[("id", session.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log.to_string().contains("Ended: <script>"),
        "the note is kept as written: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_in_every_search_box_find_nothing_and_break_nothing() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let accounts_before = super::count(&app, "select count(*) from product.accounts").await;
    let probes = [
        "' OR '1'='1",
        "'; drop table chaperone.events; --",
        "%",
        "_",
        "\\",
        "%' --",
        "\" OR \"\"=\"",
        "1) OR (1=1",
        "' UNION SELECT password_hash FROM chaperone.staff --",
        "a\0b",
        // Text that looks encoded is text: decoded twice, `%00` was a NUL
        // (a 500) and `%49NV` found the INV invoices.
        "ab%00cd",
        "%49NV",
    ];
    for probe in probes {
        let p = chaperone::ui::percent_encode(probe);
        for (client, path) in [
            (&maya, format!("/console?q={p}")),
            (&maya, format!("/console/sessions?agent={p}&account={p}")),
            (&maya, format!("/console/sessions?from={p}&to={p}")),
            (&maya, format!("/console/denied?from={p}&to={p}")),
            (&jane, format!("/app/search?q={p}")),
        ] {
            let res = client.get(app.url(&path)).send().await.unwrap();
            let status = res.status().as_u16();
            let html = res.text().await.unwrap();
            assert!(matches!(status, 200 | 400), "{path}: {status}");
            assert!(
                !html.contains("Something went wrong"),
                "{path}: an internal error"
            );
            assert!(!html.contains("$argon2"), "{path}: a password hash leaked");
            if probe == "%49NV" && path.starts_with("/app/search") {
                assert!(
                    !html.contains("INV-2026"),
                    "{path}: the query was decoded twice"
                );
            }
        }
        // The search functions themselves find nothing: a wildcard is a
        // character to find, not a pattern.
        let found: serde_json::Value = app
            .call(&maya, "search_accounts", &[("q", probe)])
            .await
            .json()
            .await
            .unwrap();
        let hits = found["hits"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(hits, 0, "console search for {probe:?} found {found}");
        let found: serde_json::Value = app
            .call(&jane, "product_search", &[("q", probe)])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            found.as_array().is_none_or(Vec::is_empty),
            "product search for {probe:?} found {found}"
        );
    }
    assert_eq!(
        super::count(&app, "select count(*) from product.accounts").await,
        accounts_before
    );
    assert!(
        super::count(&app, "select count(*) from chaperone.events").await > 0,
        "the events table is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_far_larger_than_any_form_is_refused_with_a_clear_message() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let requests_before =
        super::count(&app, "select count(*) from chaperone.access_requests").await;
    let huge = format!("Customer says {}", "x".repeat(1024 * 1024));
    let (a, u) = (
        super::account(&app, "Acme Co").await,
        super::user(&app, "tom@acme.test").await,
    );
    let form = [
        ("account_id", a.as_str()),
        ("target_user_id", u.as_str()),
        ("reason", huge.as_str()),
        ("ticket", "#1"),
        ("mode", "read_only"),
    ];
    let res = app.call(&sarah, "request_support_session", &form).await;
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body.to_string().contains("too large"), "{body}");
    assert_eq!(
        super::count(&app, "select count(*) from chaperone.access_requests").await,
        requests_before
    );

    // A plain form post (an export) gets the same answer as text.
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let res = maya
        .post(app.url("/console/export/events.csv"))
        .header("Origin", &app.base)
        .body(vec![b'a'; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("too large"));

    // A reason just over its own limit is refused by the form's rule.
    let long = format!("Customer says {}", "word ".repeat(300));
    let form = [
        ("account_id", a.as_str()),
        ("target_user_id", u.as_str()),
        ("reason", long.as_str()),
        ("ticket", "#1"),
        ("mode", "read_only"),
    ];
    let res = app.call(&sarah, "request_support_session", &form).await;
    assert_eq!(res.status(), 400, "{:?}", res.text().await);
    assert_eq!(
        super::count(&app, "select count(*) from chaperone.access_requests").await,
        requests_before
    );
}

/// The product's menu offers each caller exactly the pages that open for
/// them: a link that would only be refused is left out, and none that
/// opens is missing (the pages still check for themselves).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_menu_offers_each_caller_what_opens_for_them() {
    let app = demo().await;
    for (caller, client) in callers(&app).await {
        if !matches!(caller, Caller::Customer(_) | Caller::Support) {
            continue;
        }
        let html = app.page(&client, "/app").await;
        let start = html.find("aria-label=\"Billfold\"").expect("the menu");
        let menu = &html[start..start + html[start..].find("</nav>").unwrap()];
        for (href, label) in chaperone::product::ui::PRODUCT_PAGES {
            let want = page_spec(href).expect("a spec for every menu page")(caller);
            let offered = menu.contains(&format!("href=\"{href}\""));
            assert_eq!(
                offered,
                want == 200,
                "{caller:?}: “{label}” ({href}) answers {want} but is {}offered",
                if offered { "" } else { "not " }
            );
        }
    }
}
