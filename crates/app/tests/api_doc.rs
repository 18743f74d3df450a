//! The OpenAPI document is generated from the types the API parses: every operation it lists is
//! served (none answers "route not found"), it describes what the handlers accept (the PATCH
//! body's priority, the enums' values), and the API routes are registered only with their
//! document (`api::routes`), so none can be missing from it.

mod common;
use common::*;
use serde_json::{json, Value};

#[test]
fn every_documented_operation_is_served_and_every_route_documented() {
    let s = Server::start(Backend::Sqlite, ServerOptions::default());
    let (status, doc) = s.request("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    let expected = [
        ("GET", "/api/v1/tickets"),
        ("POST", "/api/v1/tickets"),
        ("GET", "/api/v1/tickets/{number}"),
        ("PATCH", "/api/v1/tickets/{number}"),
        ("POST", "/api/v1/tickets/{number}/messages"),
        ("GET", "/api/v1/attachments/{id}"),
        ("GET", "/api/v1/mailboxes"),
        ("PUT", "/api/v1/mailboxes/{id}/ack"),
        ("GET", "/api/v1/inbound"),
        ("GET", "/api/v1/inbound/{id}/raw"),
        ("POST", "/api/v1/inbound/{id}/reprocess"),
        ("GET", "/api/v1/agents"),
        ("PUT", "/api/v1/agents/{email}/status"),
        ("PUT", "/api/v1/agents/{email}/profile"),
    ];
    for (m, p) in expected {
        assert!(operations.iter().any(|(om, op)| om == m && op == p), "{m} {p} is not in the document");
    }
    for (method, path) in &operations {
        let path = path.replace("{number}", "1").replace("{id}", "1").replace("{email}", "nobody@shop.test");
        let body = (method != "GET").then(|| json!({}));
        let (status, v) = s.request(method, &path, body, Some(&s.token));
        assert_ne!(status, 405, "{method} {path}: documented but not served");
        assert!(v["error"]["message"] != "route not found", "{method} {path}: documented but not served");
    }
    // An undocumented path is not served either (the same fallback every unknown route gets).
    assert_eq!(s.request("GET", "/api/v1/nothing-here", None, Some(&s.token)).1["error"]["message"], "route not found");

    // What the handlers accept, as they accept it.
    let schemas = &doc["components"]["schemas"];
    let patch = &schemas["PatchBody"]["properties"];
    for field in ["status", "assignee", "tags", "priority"] {
        assert!(!patch[field].is_null(), "PATCH body lacks {field}: {patch}");
    }
    let enum_values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {}", schemas[name]))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(enum_values("Priority"), ["low", "normal", "high", "urgent"]);
    assert_eq!(enum_values("TicketStatus"), ["new", "open", "pending", "solved", "closed"]);
    assert_eq!(enum_values("WrittenChannel"), ["api", "web"]);
    assert_eq!(enum_values("PostKind"), ["reply", "note"]);
    let ack = &schemas["AckSettingsChange"]["properties"];
    assert!(!ack["support_hours"].is_null(), "{ack}");
    let list = doc["paths"]["/api/v1/tickets"]["get"]["parameters"].as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["status", "assignee", "tag", "q", "sort", "cursor", "limit"]);
    assert!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    assert!(
        doc["paths"]["/api/v1/tickets/{number}"]["patch"]["responses"]["404"]["content"]["application/json"].is_object(),
        "errors are documented"
    );

    // A new action through one command: an agent's availability, set through the API.
    let (status, v) = s.request("PUT", "/api/v1/agents/admin@shop.test/status", Some(json!({"status": "away"})), Some(&s.token));
    assert_eq!((status, v["status"].as_str()), (200, Some("away")), "{v}");
    let (_, v) = s.request("GET", "/api/v1/agents", None, Some(&s.token));
    assert_eq!(v["agents"][0]["status"], "away", "{v}");
    let (status, _) = s.request("PUT", "/api/v1/agents/admin@shop.test/status", Some(json!({"status": "asleep"})), Some(&s.token));
    assert!(matches!(status, 400 | 422));
    assert_eq!(enum_values("AgentStatus"), ["online", "away", "off"]);
    // Capacity, languages and working hours: what routing reads, listed with the agents.
    let body = json!({"capacity": 12, "languages": ["cs", "en"], "skills": ["returns"], "time_zone": "Europe/Prague", "working_hours": "mon-sun 00:00-24:00"});
    let (status, v) = s.request("PUT", "/api/v1/agents/admin@shop.test/profile", Some(body), Some(&s.token));
    assert_eq!(status, 200, "{v}");
    let (_, v) = s.request("GET", "/api/v1/agents", None, Some(&s.token));
    let a = &v["agents"][0];
    assert_eq!(
        (a["capacity"].as_i64(), a["languages"].clone(), a["status"].as_str()),
        (Some(12), json!(["cs", "en"]), Some("away")),
        "{v}"
    );
    let bad = json!({"capacity": 12, "working_hours": "always"});
    let (status, v) = s.request("PUT", "/api/v1/agents/admin@shop.test/profile", Some(bad), Some(&s.token));
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("invalid")), "{v}");

    // A value of the wrong kind is refused with the JSON error shape and says what was wrong.
    let (status, v) = s.request("GET", "/api/v1/tickets?status=lost", None, Some(&s.token));
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("invalid")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap_or("").contains("lost"), "{v}");
    let (status, v) = s.request("PATCH", "/api/v1/tickets/1", Some(json!({"priority": "whenever"})), Some(&s.token));
    assert!(matches!(status, 400 | 422), "{status} {v}");
    let _: &Value = &v;
}
