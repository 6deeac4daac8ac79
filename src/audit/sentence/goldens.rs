//! Golden sentences: one stored example per kind and what a manager reads.
use super::*;
use serde_json::json;

const ENDED: &str = "2026-11-26T13:11:00.000000Z";

/// One example per kind: what is stored, and the sentence a manager in
/// UTC reads. Every kind must have one.
fn goldens() -> Vec<(Kind, &'static str, Value, &'static str)> {
    let visit = |extra: Value| {
        let mut facts = json!({ "account": "Acme Co", "as": "Tom Becker" });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            facts[k] = v;
        }
        facts
    };
    vec![
        (Kind::SignInFailed, "Someone not signed in",
         json!({ "side": "staff", "email": "s•••@chaperone.example", "ip": "10.0.0.7", "locked_until": ENDED }),
         "A sign-in to the console failed for s•••@chaperone.example from 10.0.0.7; this reached a limit, so further attempts are refused until 13:11 UTC"),
        (Kind::SignInRefusedLocked, "Someone not signed in",
         json!({ "side": "customer", "email": "j•••@acme.example", "ip": "10.0.0.7" }),
         "A sign-in to the product was refused for j•••@acme.example from 10.0.0.7: too many failed attempts"),
        (Kind::SignedIn, "Jane Doe", json!({ "side": "customer", "ip": "10.0.0.7", "account": "Acme Co" }),
         "Jane Doe signed in to Acme Co from 10.0.0.7"),
        (Kind::SignedIn, "Sarah Lee", json!({ "side": "staff", "ip": "10.0.0.7" }),
         "Sarah Lee signed in to the console from 10.0.0.7"),
        (Kind::SignedOut, "Sarah Lee", json!({}), "Sarah Lee signed out of the console"),
        (Kind::SignedOut, "Jane Doe", json!({ "account": "Acme Co" }), "Jane Doe signed out of Acme Co"),
        (Kind::StaffCreated, "Chaperone", json!({ "name": "Priya Nair", "role": "senior_agent" }),
         "Chaperone added Priya Nair to the staff as Senior agent"),
        (Kind::StaffUnlocked, "Alex Rivera", json!({ "name": "Sarah Lee" }),
         "Alex Rivera unlocked Sarah Lee's sign-in"),
        (Kind::StaffPasswordChanged, "Rosa Park", json!({}), "Rosa Park changed their own password"),
        (Kind::StaffDisabled, "Alex Kim", json!({ "name": "Sarah Lee" }),
         "Alex Kim disabled Sarah Lee's staff account"),
        (Kind::StaffRoleChanged, "Alex Kim", json!({ "name": "Sarah Lee", "old": "agent", "new": "manager" }),
         "Alex Kim changed Sarah Lee's role from Support agent to Manager"),
        (Kind::RoleRefused, "Sarah Lee", json!({ "function": "decide_request", "needs": "DecideRequests" }),
         "Sarah Lee tried to approve or deny requests (decide_request) without a role that allows it; refused"),
        (Kind::RoleRefused, "Sarah Lee", json!({ "function": "something_new" }),
         "Sarah Lee tried to use something_new without a role that allows it; refused"),
        (Kind::WrongDoor, "Jane Doe", json!({ "path": "/console", "door": "console" }),
         "Jane Doe tried to open the staff console (/console); refused"),
        (Kind::Exported, "Omar Haddad", json!({ "what": "the events from 1 Nov to 7 Nov 2026", "file": "events.csv" }),
         "Omar Haddad exported the events from 1 Nov to 7 Nov 2026 as events.csv"),
        (Kind::DemoDataLoaded, "Chaperone", json!({ "created": 312 }),
         "Chaperone loaded the demo data (312 new records)"),
        (Kind::Requested, "Sarah Lee",
         json!({ "account": "Acme Co", "as": "Tom Becker", "as_role": "member", "mode": "read_only",
                 "reason": "Check invoice tax rate", "ticket": "#4821", "outcome": "allowed without approval" }),
         "Sarah Lee asked to view Acme Co as Tom Becker (member), read-only, for “Check invoice tax rate” (ticket #4821): allowed without approval"),
        (Kind::RequestRefused, "Sarah Lee",
         json!({ "account": "Globex", "as": "Hank Scorpio", "as_role": "owner", "mode": "edit",
                 "reason": "Fix the tax rate", "ticket": "#77", "outcome": "refused: Globex has turned support access off." }),
         "Sarah Lee asked to view Globex as Hank Scorpio (owner), edit, for “Fix the tax rate” (ticket #77): refused: Globex has turned support access off."),
        (Kind::BreakGlass, "Dev Patel", visit(json!({ "incident": "INC-12" })),
         "Break-glass: Dev Patel is entering Acme Co as Tom Becker for incident INC-12 without approval; managers and owners notified, review required"),
        (Kind::RequestCancelled, "Priya Nair", visit(json!({})),
         "Priya Nair cancelled the request to view Acme Co as Tom Becker"),
        (Kind::RequestApproved, "Maya Chen", json!({ "requester": "Priya Nair", "asked": "view Globex as Hank Scorpio", "note": "" }),
         "Maya Chen approved Priya Nair's request to view Globex as Hank Scorpio"),
        (Kind::RequestDenied, "Maya Chen", json!({ "requester": "Priya Nair", "asked": "view Globex as Hank Scorpio", "note": "No ticket" }),
         "Maya Chen denied Priya Nair's request to view Globex as Hank Scorpio: “No ticket”"),
        (Kind::DecisionRefused, "Maya Chen",
         json!({ "approve": true, "requester": "Maya Chen", "asked": "view Acme Co as Jane Doe", "refusal": "You cannot decide your own request; another manager must." }),
         "Maya Chen tried to approve Maya Chen's request to view Acme Co as Jane Doe; refused: You cannot decide your own request; another manager must."),
        (Kind::RequestExpired, "Chaperone", json!({ "requester": "Priya Nair", "asked": "view Globex as Hank Scorpio", "at": ENDED }),
         "Priya Nair's request to view Globex as Hank Scorpio expired undecided at 13:11 UTC"),
        (Kind::ApprovalLapsed, "Chaperone", json!({ "requester": "Priya Nair", "asked": "view Globex as Hank Scorpio", "at": ENDED }),
         "Priya Nair's request to view Globex as Hank Scorpio lapsed unused at 13:11 UTC"),
        (Kind::ActionRequested, "Priya Nair",
         visit(json!({ "action": "export", "object_label": "invoices", "reason": "Customer asked for a copy" })),
         "Priya Nair asked for approval of one blocked action (exports and bulk downloads: invoices) in Acme Co as Tom Becker, for “Customer asked for a copy”"),
        (Kind::ActionApprovalUsed, "Priya Nair", visit(json!({ "action": "export", "object_label": "invoices" })),
         "Priya Nair used the one-time approval for exports and bulk downloads (invoices) in Acme Co as Tom Becker"),
        (Kind::EntryRefused, "Sarah Lee", visit(json!({ "why": "the request expired" })),
         "Sarah Lee was refused entry to Acme Co as Tom Becker: the request expired"),
        (Kind::IdentityCheckPaused, "Sarah Lee", visit(json!({})),
         "Sarah Lee was refused an identity check before entering Acme Co as Tom Becker: too many failed checks"),
        (Kind::IdentityCheckFailed, "Sarah Lee", visit(json!({})),
         "Sarah Lee failed the identity check before entering Acme Co as Tom Becker"),
        (Kind::SessionStarted, "Sarah Lee",
         visit(json!({ "as_role": "member", "mode": "read_only", "reason": "Check invoice tax rate", "ticket": "#4821" })),
         "Sarah Lee entered Acme Co as Tom Becker (member), read-only, for “Check invoice tax rate” (ticket #4821)"),
        (Kind::SessionRevoked, "Maya Chen", json!({ "staff": "Sarah Lee", "account": "Acme Co", "note": "Ticket closed" }),
         "Maya Chen ended Sarah Lee's live support session in Acme Co: “Ticket closed”"),
        (Kind::SessionEnded, "Chaperone",
         visit(json!({ "staff": "Sarah Lee", "cause": "idle_timeout", "ended_at": ENDED, "minutes": 15 })),
         "Sarah Lee's support session in Acme Co (viewing as Tom Becker) ended after being idle at 13:11 UTC after 15 min"),
        (Kind::PageViewed, "Sarah Lee", visit(json!({ "page": "Billing › Invoices" })),
         "Sarah Lee viewed Acme Co › Billing › Invoices as Tom Becker"),
        (Kind::Blocked, "Sarah Lee", visit(json!({ "attempted": "Tax rate", "why": "read_only" })),
         "Sarah Lee tried to change Tax rate in Acme Co as Tom Becker; refused because the session is read-only"),
        (Kind::Blocked, "Sarah Lee", visit(json!({ "attempted": "export", "object_label": "invoices", "why": "blocked_action" })),
         "Sarah Lee tried an action blocked in support sessions (exports and bulk downloads: invoices) in Acme Co as Tom Becker; refused"),
        (Kind::Blocked, "Sarah Lee", visit(json!({ "attempted": "invite people", "why": "never_in_session" })),
         "Sarah Lee tried to invite people in Acme Co as Tom Becker; refused: support never does this"),
        (Kind::Blocked, "Sarah Lee", visit(json!({ "label": "National or tax ID", "why": "no_approval" })),
         "Sarah Lee tried to see the national or tax ID without an unused approval; refused"),
        (Kind::IdentityShown, "Priya Nair", visit(json!({ "label": "Birth date", "ticket": "#4821" })),
         "Priya Nair was shown the birth date in Acme Co once, for ticket #4821"),
        (Kind::RevealRefused, "Sarah Lee", visit(json!({ "field": "national_id", "why": "Only senior agents may ask." })),
         "Sarah Lee asked to reveal “national_id” in Acme Co as Tom Becker; refused: Only senior agents may ask."),
        (Kind::SupportPolicyChanged, "Jane Doe", json!({ "account": "Acme Co", "old": "allow", "new": "off" }),
         "Jane Doe changed support access for Acme Co from “Allow support access” to “Support access off”"),
        (Kind::OwnerApproved, "Bill Lumbergh", json!({ "requester": "Sarah Lee", "asked": "view Initech as Peter Gibbons", "note": "" }),
         "Bill Lumbergh, an owner of the account, approved Sarah Lee's request to view Initech as Peter Gibbons"),
        (Kind::OwnerRefused, "Bill Lumbergh", json!({ "requester": "Sarah Lee", "asked": "view Initech as Peter Gibbons", "note": "Not today" }),
         "Bill Lumbergh, an owner of the account, refused Sarah Lee's request to view Initech as Peter Gibbons: “Not today”"),
        (Kind::VisitEndedByCustomer, "Jane Doe", json!({ "staff": "Priya Nair", "account": "Acme Co" }),
         "Jane Doe ended Priya Nair's support visit to Acme Co"),
        (Kind::SessionReviewed, "Maya Chen",
         json!({ "verdict": "flagged", "staff": "Priya Nair", "account": "Globex", "note": "No ticket for the edit" }),
         "Maya Chen flagged Priya Nair's session in Globex: “No ticket for the edit”"),
        (Kind::SessionReviewed, "Maya Chen",
         json!({ "verdict": "fine", "staff": "Sarah Lee", "account": "Acme Co", "note": "" }),
         "Maya Chen marked Sarah Lee's session in Acme Co as fine"),
        (Kind::ProfileUpdated, "Priya Nair",
         visit(json!({ "place": "Profile", "changes": [{ "field": "Name", "old": "Tom Becker", "new": "Thomas Becker" }, { "field": "Phone", "old": "•••• 12", "new": "(empty)" }] })),
         "Priya Nair changed Name from Tom Becker to Thomas Becker and Phone from •••• 12 to (empty) in Acme Co › Profile"),
        (Kind::RecoveryCodesRegenerated, "Tom Becker", visit(json!({})),
         "Tom Becker generated new recovery codes for Tom Becker in Acme Co › Profile"),
        (Kind::PasswordChanged, "Tom Becker", visit(json!({})),
         "Tom Becker changed the password for Tom Becker in Acme Co › Profile"),
        (Kind::NotificationChanged, "James Ortiz",
         json!({ "account": "Northwind Traders", "place": "Settings › Notifications", "changes": [{ "field": "Email on invoice", "old": "on", "new": "off" }] }),
         "James Ortiz changed Email on invoice from on to off in Northwind Traders › Settings › Notifications"),
        (Kind::ApiTokenCreated, "Jane Doe", visit(json!({ "name": "CI", "shown": "••••x7" })),
         "Jane Doe created the API token “CI” (••••x7) in Acme Co › Developers › API tokens"),
        (Kind::ApiTokenRevoked, "Jane Doe", visit(json!({ "name": "CI", "shown": "••••x7" })),
         "Jane Doe revoked the API token “CI” (••••x7) in Acme Co › Developers › API tokens"),
        (Kind::ProductExported, "Jane Doe", visit(json!({ "what": "invoices", "rows": 20 })),
         "Jane Doe downloaded invoices as CSV (20 rows) from Acme Co"),
        (Kind::NoteAdded, "Jane Doe", visit(json!({ "length": 42 })),
         "Jane Doe added a private note in Acme Co › Private notes"),
        (Kind::MemberInvited, "Jane Doe", visit(json!({ "email": "n•••@acme.example", "role": "billing_admin" })),
         "Jane Doe invited n•••@acme.example as billing admin in Acme Co › Team"),
        (Kind::MemberRoleChanged, "Jane Doe",
         visit(json!({ "place": "Team", "changes": [{ "field": "Tom Becker's role", "old": "Member", "new": "Admin" }] })),
         "Jane Doe changed Tom Becker's role from Member to Admin in Acme Co › Team"),
        (Kind::MemberRemoved, "Jane Doe", visit(json!({ "name": "Tom Becker", "role": "member" })),
         "Jane Doe removed Tom Becker (Member) in Acme Co › Team"),
        (Kind::InvoiceIssued, "Jane Doe", visit(json!({ "number": "INV-0021", "total": "€1,210.00", "workspace": "EU", "tax": "21%" })),
         "Jane Doe issued invoice INV-0021 for €1,210.00 in Acme Co › Billing › Invoices (EU workspace, tax 21%)"),
        (Kind::TaxRuleChanged, "Priya Nair",
         visit(json!({ "workspace": "EU", "changes": [{ "field": "Tax rate", "old": "20%", "new": "10%" }] })),
         "Priya Nair changed Tax rate from 20% to 10% in Acme Co › Billing › Tax settings (EU workspace)"),
    ]
}

#[test]
fn every_kind_reads_as_its_golden_sentence() {
    let wrong: Vec<String> = goldens()
        .into_iter()
        .filter_map(|(kind, actor, facts, expected)| {
            let got = sentence(kind, actor, &facts, chrono_tz::UTC);
            (got != expected)
                .then(|| format!("{}:\n  got  {got}\n  want {expected}", kind.as_str()))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_kind_has_a_golden_sentence() {
    let covered: std::collections::HashSet<Kind> = goldens().into_iter().map(|(k, ..)| k).collect();
    let missing: Vec<_> = Kind::ALL
        .iter()
        .filter(|k| !covered.contains(k))
        .map(|k| k.as_str())
        .collect();
    assert!(missing.is_empty(), "kinds without a golden: {missing:?}");
}

#[test]
fn every_kind_name_parses_back() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
    }
    assert_eq!(Kind::parse("support.nonsense"), None);
}

#[test]
fn times_read_in_the_readers_zone() {
    let facts = json!({ "staff": "Sarah Lee", "account": "Acme Co", "as": "Tom Becker",
                        "cause": "idle_timeout", "ended_at": ENDED, "minutes": 15 });
    let berlin = sentence(
        Kind::SessionEnded,
        "Chaperone",
        &facts,
        chrono_tz::Europe::Berlin,
    );
    assert!(berlin.contains("at 14:11 CET"), "{berlin}");
    let tokyo = sentence(
        Kind::SessionEnded,
        "Chaperone",
        &facts,
        chrono_tz::Asia::Tokyo,
    );
    assert!(tokyo.contains("at 22:11 JST"), "{tokyo}");
}

#[test]
fn missing_facts_read_as_unknown_and_unknown_kinds_keep_their_summary() {
    let s = sentence(Kind::PageViewed, "Sarah Lee", &json!({}), chrono_tz::UTC);
    assert_eq!(s, "Sarah Lee viewed unknown › unknown as unknown");
    let kept = for_reader(
        "legacy.thing",
        "X",
        &json!({}),
        "As written",
        chrono_tz::UTC,
    );
    assert_eq!(kept, "As written");
}

#[test]
fn the_stored_time_fact_keeps_microseconds_in_utc() {
    let t = DateTime::parse_from_rfc3339("2026-11-26T13:11:00.123456789Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(at(t), json!("2026-11-26T13:11:00.123456Z"));
}
