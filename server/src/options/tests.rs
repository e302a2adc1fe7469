use std::time::Duration;

use super::*;

fn ok(s: &str) -> Options {
    match Options::from_config_str(s) {
        Ok(o) => o,
        Err(e) => panic!("config {s:?} failed: {e}"),
    }
}

fn err(s: &str) -> String {
    match Options::from_config_str(s) {
        Ok(o) => panic!("expected error for {s:?}, got {o:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn basic_keys_and_aliases() {
    let o = ok("listen: 127.0.0.1:4333\nserver_name: s1\nhttp_port: 8222\nmax_payload: 2MB\nmax_pending: 1k\nmax_control_line: 2048\nmax_subs: 10\nping_max: 5\ndebug: true\ntrace: on\nlogtime: no\nlog_file: /tmp/l\npidfile: /tmp/p\nports_file_dir: /tmp\nno_header_support: true\nno_sublist_cache: true\n");
    assert_eq!(o.host, "127.0.0.1");
    assert_eq!(o.port, 4333);
    assert_eq!(o.server_name.as_deref(), Some("s1"));
    assert_eq!(o.http_port, 8222);
    assert_eq!(o.max_payload, 2 * 1024 * 1024);
    assert_eq!(o.max_pending, 1000);
    assert_eq!(o.max_control_line, 2048);
    assert_eq!(o.max_subscriptions, 10);
    assert_eq!(o.max_pings_out, 5);
    assert!(o.debug && o.trace && !o.logtime);
    assert_eq!(o.log_file.as_deref(), Some(std::path::Path::new("/tmp/l")));
    assert_eq!(o.pid_file.as_deref(), Some(std::path::Path::new("/tmp/p")));
    assert!(o.no_header_support && o.disable_sublist_cache);
}

#[test]
fn host_net_port_and_http_forms() {
    let o = ok("net: 10.0.0.1\nport: 1234\nhttp: \"0.0.0.0:8222\"\n");
    assert_eq!((o.host.as_str(), o.port), ("10.0.0.1", 1234));
    assert_eq!((o.http_host.as_str(), o.http_port), ("0.0.0.0", 8222));
    assert_eq!(ok("monitor_port: 9\n").http_port, 9);
    assert_eq!(ok("http: 8000\n").http_port, 8000);
    assert_eq!(ok("listen: 5555\n").port, 5555);
}

#[test]
fn keys_are_case_insensitive() {
    assert_eq!(ok("PORT: 1\n").port, 1);
}

#[test]
fn durations() {
    let o = ok("ping_interval: \"30s\"\nwrite_deadline: \"1m30s\"\nlame_duck_duration: \"45s\"\nlame_duck_grace_period: \"500ms\"\n");
    assert_eq!(o.ping_interval, Duration::from_secs(30));
    assert_eq!(o.write_deadline, Duration::from_secs(90));
    assert_eq!(o.lame_duck_duration, Duration::from_secs(45));
    assert_eq!(o.lame_duck_grace_period, Duration::from_millis(500));
}

#[test]
fn integer_durations_warn_but_load() {
    let o = ok("ping_interval: 60\n");
    assert_eq!(o.ping_interval, Duration::from_secs(60));
    let mut o = Options::default();
    let map = crate::config::parse_str("ping_interval: 60\n").unwrap();
    let w = o.apply_config_map(&map, "x.conf").unwrap();
    assert_eq!(w.len(), 1);
    assert!(w[0]
        .message
        .contains("invalid use of field \"ping_interval\": ping_interval should be converted to a duration"));
}

#[test]
fn go_errors() {
    assert_eq!(err("port: \"abc\"\n"), ":1:0: interface conversion: interface {} is string, not int64\n");
    assert_eq!(err("foo: 1\n"), ":1:0: unknown field \"foo\"\n");
    assert!(err("server_name: \"a b\"\n").contains("server name cannot contain spaces"));
    assert!(err("listen: nohost\n").contains("could not parse address string \"nohost\""));
    assert!(err("max_payload: 3GB\n").contains("max_payload value is too big"));
    assert!(err("lame_duck_duration: \"10s\"\n").contains("invalid lame_duck_duration of 10s, minimum is 30 seconds"));
    assert!(err("lame_duck_duration: 5\n").contains("interface conversion: interface {} is int64, not string"));
    assert!(err("lame_duck_grace_period: \"-1s\"\n").contains("invalid lame_duck_grace_period, needs to be positive"));
    assert!(err("ping_interval: \"6x\"\n")
        .contains("error parsing ping_interval: time: unknown unit \"x\" in duration \"6x\""));
    assert!(err("system_account: 5\n").contains("system account name must be a string"));
    assert!(err("tls { cert_file: x }\n").contains("not supported by rnats"));
}

#[test]
fn all_errors_are_collected_in_file_order() {
    let e = err("a: 1\nport: x\nb: 2\n");
    let lines: Vec<_> = e.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("unknown field \"a\""));
    assert!(lines[1].contains("interface conversion"));
    assert!(lines[2].contains("unknown field \"b\""));
}

#[test]
fn variables_are_not_unknown_fields() {
    let o = ok("PORT_VAR: 4333\nport: $PORT_VAR\n");
    assert_eq!(o.port, 4333);
}

#[test]
fn max_connections_zero_means_unlimited() {
    assert_eq!(ok("max_connections: 0\n").max_connections, -1);
    assert_eq!(ok("max_conn: 7\n").max_connections, 7);
}

#[test]
fn authorization_single_user_and_token() {
    let o = ok("authorization { user: a, password: b, timeout: 3 }\n");
    assert_eq!(o.username.as_deref(), Some("a"));
    assert_eq!(o.password.as_deref(), Some("b"));
    assert_eq!(o.auth_timeout, Duration::from_secs(3));
    let o = ok("authorization { token: s3cr3t, timeout: \"1.5s\" }\n");
    assert_eq!(o.authorization.as_deref(), Some("s3cr3t"));
    assert_eq!(o.auth_timeout, Duration::from_millis(1500));
    assert!(err("authorization { user: a, token: b }\n").contains("Cannot have a user/pass and token"));
    assert!(err("authorization { user: a, users: [{user: b}] }\n")
        .contains("Can not have a single user/pass and a users array"));
    assert!(err("authorization { timeout: \"3x\" }\n")
        .contains("error parsing authorization config, 'timeout' time: unknown unit"));
}

#[test]
fn authorization_timeout_warning() {
    let map = crate::config::parse_str("authorization { timeout: 120 }\n").unwrap();
    let w = Options::default().apply_config_map(&map, "").unwrap();
    assert!(w[0].message.contains("timeout of 120 (120.000000 seconds) is high"));
}

#[test]
fn users_and_permissions() {
    let o = ok(r#"
authorization {
  default_permissions: { publish: "def.>" }
  users = [
    {user: alice, password: pa, permissions: {publish: ["a.>", "b"], subscribe: {allow: "c.*", deny: ["c.x"]}}}
    {user: bob, password: pb}
    {user: carl, password: pc, permissions: {allow_responses: {max: 5, expires: "1m"}}}
    {user: dan, password: pd, permissions: {subscribe: "q.* workers", allow_responses: true}}
  ]
}
"#);
    assert_eq!(o.users.len(), 4);
    let alice = &o.users[0];
    let p = alice.permissions.as_ref().unwrap();
    assert_eq!(p.publish.as_ref().unwrap().allow, ["a.>", "b"]);
    let sub = p.subscribe.as_ref().unwrap();
    assert_eq!(sub.allow, ["c.*"]);
    assert_eq!(sub.deny, ["c.x"]);
    // bob gets the default permissions.
    let bp = o.users[1].permissions.as_ref().unwrap();
    assert_eq!(bp.publish.as_ref().unwrap().allow, ["def.>"]);
    let cp = o.users[2].permissions.as_ref().unwrap();
    let r = cp.response.as_ref().unwrap();
    assert_eq!((r.max_msgs, r.expires), (5, Duration::from_secs(60)));
    // allow_responses forces a (possibly empty) publish allow list.
    assert!(cp.publish.as_ref().unwrap().allow.is_empty());
    let dp = o.users[3].permissions.as_ref().unwrap();
    assert_eq!(dp.subscribe.as_ref().unwrap().allow, ["q.* workers"]);
    let r = dp.response.as_ref().unwrap();
    assert_eq!((r.max_msgs, r.expires), (1, Duration::from_secs(120)));
    assert!(o.users.iter().all(|u| u.account.is_none()));
}

#[test]
fn permission_errors() {
    assert!(err("authorization { users: [{user: a, permissions: {publish: \"a..b\"}}] }\n")
        .contains("subject \"a..b\" is not a valid subject"));
    assert!(err("authorization { users: [{user: a, permissions: {subscribe: \"foo b..ar\"}}] }\n")
        .contains("queue \"b..ar\" is not a valid queue"));
    assert!(err("authorization { users: [{user: a, permissions: {publish: {allow: a, bad: 1}}}] }\n")
        .contains("Unknown field name \"bad\" parsing subject permissions, only 'allow' or 'deny' are permitted"));
    assert!(err("authorization { users: [{user: a, permissions: {foo: 1}}] }\n")
        .contains("Unknown field \"foo\" parsing permissions"));
    assert!(err("authorization { users: [{password: x}] }\n").contains("User entry requires a user"));
    assert!(err("authorization { users: [{user: a}, {user: a}] }\n").contains("Duplicate user \"a\" detected"));
    assert!(err("authorization { users: 5 }\n").contains("Expected users field to be an array, got 5"));
}

#[test]
fn nkey_users() {
    let nk = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";
    let o = ok(&format!("authorization {{ users: [{{nkey: {nk}}}] }}\n"));
    assert_eq!(o.nkeys.len(), 1);
    assert_eq!(o.nkeys[0].nkey, nk);
    let bad_crc = format!("{}A", &nk[..55]);
    assert!(err(&format!("authorization {{ users: [{{nkey: {bad_crc}}}] }}\n"))
        .contains("Not a valid public nkey for a user"));
    assert!(err("authorization { users: [{nkey: UABC}] }\n").contains("Not a valid public nkey for a user"));
    assert!(err(&format!("authorization {{ users: [{{nkey: {nk}, user: a}}] }}\n"))
        .contains("Nkey users do not take usernames or passwords"));
}

#[test]
fn accounts() {
    let o = ok(r#"
accounts {
  A { users: [ {user: a1, password: p} ], jetstream: enabled }
  B { users = [{user: b1, password: p}], jetstream: { max_mem: 1G } }
  SYS { users: [{user: sys, password: p}] }
}
system_account: SYS
no_auth_user: a1
"#);
    assert_eq!(o.accounts.len(), 3);
    assert_eq!(o.accounts[0].name, "A");
    assert!(o.accounts[0].jetstream);
    assert!(o.accounts[1].jetstream);
    assert!(!o.accounts[2].jetstream);
    assert_eq!(o.accounts[0].users[0].username, "a1");
    assert_eq!(o.users.len(), 3);
    assert_eq!(o.users[0].account.as_deref(), Some("A"));
    assert_eq!(o.system_account.as_deref(), Some("SYS"));
    assert_eq!(o.no_auth_user.as_deref(), Some("a1"));

    let o = ok("accounts: [X, Y]\n");
    assert_eq!(o.accounts.len(), 2);
    assert!(err("accounts { $G: {} }\n").contains("\"$G\" is a Reserved Account"));
    assert!(err("accounts { A: 1 }\n").contains("Expected map entries for accounts"));
    assert!(err("accounts { A: { foo: 1 } }\n").contains("unknown field \"foo\""));
    assert!(err("accounts [A, A]\n").contains("Duplicate Account Entry: A"));
    // Go ignores a scalar `accounts` value.
    assert!(ok("accounts: 5\n").accounts.is_empty());
    assert!(err("authorization { user: u, password: p }\naccounts { A { users: [{user: a}] } }\n")
        .contains("Can not have a single user/pass and accounts"));
}

#[test]
fn jetstream_forms() {
    assert!(ok("jetstream: enabled\n").jetstream.enabled);
    assert!(ok("jetstream: true\n").jetstream.enabled);
    assert!(!ok("jetstream: disabled\n").jetstream.enabled);
    let o = ok(
        r#"jetstream { store_dir: "/tmp/js", max_memory_store: 1G, max_file_store: "10G", domain: hub, key: k1, prev_key: k0, cipher: aes, sync_interval: "2m" }"#,
    );
    let js = &o.jetstream;
    assert!(js.enabled);
    assert_eq!(js.store_dir.as_deref(), Some(std::path::Path::new("/tmp/js")));
    assert_eq!(js.max_memory, Some(1_000_000_000));
    assert_eq!(js.max_file, Some(10 << 30));
    assert_eq!(js.domain.as_deref(), Some("hub"));
    assert_eq!(js.key.as_deref(), Some("k1"));
    assert_eq!(js.prev_key.as_deref(), Some("k0"));
    assert_eq!(js.cipher.as_deref(), Some("aes"));
    assert_eq!(js.sync_interval.as_deref(), Some("2m"));
    assert!(!ok("jetstream { enabled: false }\n").jetstream.enabled);
    assert_eq!(ok("store_dir: /x\njetstream: true\n").jetstream.store_dir.as_deref(), Some(std::path::Path::new("/x")));
    assert!(err("jetstream: maybe\n").contains("Expected 'enabled' or 'disabled' for string value, got 'maybe'"));
    assert!(err("jetstream: 5\n").contains("Expected map, bool or string to define JetStream, got int64"));
    assert!(err("jetstream { cipher: rot13 }\n").contains("Unknown cipher type: \"rot13\""));
    assert!(err("jetstream { max_mem: \"1Q\" }\n")
        .contains("max_mem_store sizes defined as strings must end in K, M, G, T"));
    assert!(err("jetstream { store_dir: a }\nstore_dir: b\n").contains("Duplicate 'store_dir' configuration"));
}

#[test]
fn cluster_block() {
    let o = ok("cluster { name: c1, listen: \"0.0.0.0:6222\", routes = [\n nats://a:1\n nats://b:2\n] }\n");
    assert_eq!(o.cluster.name.as_deref(), Some("c1"));
    assert_eq!((o.cluster.host.as_str(), o.cluster.port), ("0.0.0.0", 6222));
    assert_eq!(o.cluster.routes, ["nats://a:1", "nats://b:2"]);
    let o = ok("cluster { host: h, port: 7 }\n");
    assert_eq!((o.cluster.host.as_str(), o.cluster.port), ("h", 7));
    assert!(err("cluster: 5\n").contains("Expected map to define cluster, got int64"));
    assert!(err("cluster { name: \"a b\" }\n").contains("cluster name cannot contain spaces"));
    assert!(err("cluster { bogus: 1 }\n").contains("unknown field \"bogus\""));
}

#[test]
fn https_port_needs_tls() {
    let o = ok("https_port: 8443\n");
    assert!(o.validate().is_err());
    assert!(Options::default().validate().is_ok());
}

#[test]
fn config_file_and_warnings() {
    let dir = std::env::temp_dir().join(format!("rnats-opts-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("a.conf");
    std::fs::write(&f, "port: 5\ninclude inc.conf\n").unwrap();
    std::fs::write(dir.join("inc.conf"), "debug: true\n").unwrap();
    let o = Options::from_config_file(&f).unwrap();
    assert_eq!(o.port, 5);
    assert!(o.debug);
    assert_eq!(o.config_file.as_deref(), Some(f.as_path()));
    std::fs::write(&f, "").unwrap();
    let mut o = Options::default();
    let w = o.apply_config_file(&f).unwrap();
    assert!(w[0].message.ends_with("config has no values or is empty"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn max_sub_tokens_and_max_closed_clients() {
    let o = ok("max_sub_tokens: 4\nmax_closed_clients: 1\n");
    assert_eq!((o.max_sub_tokens, o.max_closed_clients), (4, 1));
    assert_eq!(ok("max_subscription_tokens: 255\n").max_sub_tokens, 255);
    // Go: zero keeps the default ring size.
    assert_eq!(ok("max_closed_clients: 0\n").max_closed_clients, DEFAULT_MAX_CLOSED_CLIENTS);
    assert_eq!(Options::default().max_sub_tokens, 0);
    assert!(err("max_sub_tokens: 256\n").contains("max_sub_tokens value is too big"));
    assert!(err("max_subscription_tokens: 0\n").contains("max_subscription_tokens value can not be negative"));
    assert!(ok("max_closed_clients: -1\n").validate().is_err());
}

#[test]
fn server_tags_are_lower_cased_trimmed_and_unique_as_go_keeps_them() {
    assert_eq!(ok("server_tags: [\"Cloud:AWS \", \"cloud:aws\", \"node:1\"]\n").server_tags, ["cloud:aws", "node:1"]);
    assert_eq!(ok("server_tags: \"Zone:A\"\n").server_tags, ["zone:a"]);
    assert!(!err("server_tags: [1, 2]\n").is_empty());
}

#[test]
fn imports_exports_and_mappings() {
    let o = ok(r#"
        mappings = { "g.*": "h.$1" }
        accounts {
          A {
            exports: [ { stream: "news.>" }, { service: "svc.*", response_type: chunked, response_threshold: "3s", accounts: [B] } ]
            mappings: { w: [ { destination: x, weight: 40% } ] }
          }
          B {
            imports: [
              { stream: { account: A, subject: "news.>" }, prefix: p }
              { service: { account: A, subject: "svc.*" }, to: "local.*" }
            ]
          }
        }
    "#);
    assert_eq!(o.mappings.len(), 1);
    let a = o.accounts.iter().find(|a| a.name == "A").unwrap();
    assert_eq!(a.exports.len(), 2);
    assert_eq!(a.exports[1].response_type, ResponseType::Chunked);
    assert_eq!(a.exports[1].response_threshold, Some(Duration::from_secs(3)));
    assert_eq!(a.exports[1].accounts.as_deref(), Some(&["B".to_string()][..]));
    assert_eq!(a.mappings[0].dests[0].weight, 40);
    let b = o.accounts.iter().find(|a| a.name == "B").unwrap();
    assert_eq!(b.imports[0].to, "p.news.>");
    assert!(b.imports[1].service);
    assert_eq!(b.imports[1].to, "local.*");
}

#[test]
fn import_refusals_use_go_texts() {
    let e =
        err("accounts { A { exports: [ {stream: foo} ] }, B { imports: [ {stream: {account: A, subject: bar}} ] } }");
    assert!(e.contains("Error adding stream import \"bar\": stream import not authorized"), "{e}");
    let e = err("accounts { B { imports: [ {service: {account: X, subject: bar}} ] } }");
    assert!(e.contains("\"X\" account not defined for service import"), "{e}");
    let e = err("accounts { A { exports [ {service: help} ], imports [ {service {subject: help, account: B}} ] }, \
         B { exports [ {service: help} ], imports [ {service {subject: help, account: A}} ] } }");
    assert!(e.contains("import forms a cycle"), "{e}");
    let e = err("mappings = { foo: [ {destination: a, weight: 60%}, {destination: b, weight: 50%} ] }");
    assert!(e.contains("Error adding mapping for \"foo\" : total weight needs to be <= 100"), "{e}");
    let e = err("accounts { A { exports: [ {service: foo, response_type: bogus} ] } }");
    assert!(e.contains("Unknown response type: \"bogus\""), "{e}");
}
