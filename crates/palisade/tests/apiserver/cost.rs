//! palisade counts what an expression costs the API server as the API
//! server does: the generated policies (Pod Security at the newest version
//! and v1.0, and the hardening policy) evaluated offline on every upstream
//! Pod Security fixture, the demo's workloads and large synthetic pods
//! cost exactly what the API server's own accounting
//! (`testbed/celcost`, built from the same k8s.io/apiserver) says, in
//! total per binding and per validation; and a policy over the per-call
//! limit is refused by the API server and reported by palisade alike.

use super::bed;
use palisade_model::{Object, ObjectOptions, objects_from_document};
use palisade_vap::policy::PolicySet;
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

fn objects(text: &str, file: &str) -> Vec<Object> {
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    let file: Arc<str> = Arc::from(file);
    stream
        .documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .filter_map(Result::ok)
        .collect()
}

const WORKLOADS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
];

/// A pod far larger than usual: `n` containers of 30 environment variables,
/// ports and capabilities each, and 50 annotations.
fn big_pod(n: usize) -> Json {
    let containers: Vec<Json> = (0..n)
        .map(|i| {
            json!({
                "name": format!("c{i}"),
                "image": format!("registry.example.com/team/app-{i}:1.{i}"),
                "env": (0..30).map(|j| json!({"name": format!("VAR_{j}"), "value": format!("value-{i}-{j}")})).collect::<Vec<_>>(),
                "ports": (0..4).map(|j| json!({"containerPort": 8000 + j})).collect::<Vec<_>>(),
                "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]},
                    "allowPrivilegeEscalation": false, "runAsNonRoot": true},
                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}
            })
        })
        .collect();
    let annotations: serde_json::Map<String, Json> = (0..50)
        .map(|i| {
            (
                format!("example.com/annotation-{i}"),
                json!(format!("v{i}")),
            )
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("big-{n}"), "namespace": "default", "annotations": annotations},
        "spec": {"containers": containers,
            "volumes": (0..20).map(|i| json!({"name": format!("v{i}"), "emptyDir": {}})).collect::<Vec<_>>(),
            "securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}})
}

/// The YAML files under `dir`, sorted.
fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn offline_cost_is_what_the_api_server_counts() {
    let Some(b) = bed::bed() else { return };
    palisade_corpus::require!("pod-security-admission/testdata");
    let binary = b.bin.join("celcost");
    assert!(
        binary.exists(),
        "{} is missing: testbed/cluster.sh build",
        binary.display()
    );

    // the generated policies
    let mut policy_yaml = bed::generate_policies(&["--policy", "pod-security"]);
    policy_yaml.push_str("---\n");
    policy_yaml.push_str(&bed::generate_policies(&[
        "--policy",
        "pod-security",
        "--pss-version",
        "v1.0",
        "--name-prefix",
        "v10",
    ]));
    policy_yaml.push_str("---\n");
    policy_yaml.push_str(&bed::generate_policies(&["--policy", "hardening"]));
    let policy_objects = objects(&policy_yaml, "generated.yaml");
    let (set, errors) = PolicySet::from_objects(&policy_objects);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(set.policies.len(), 3);

    // the objects: every Pod Security fixture once, the demo's workloads,
    // and large pods
    let root = palisade_corpus::corpus_path("pod-security-admission/testdata");
    let mut seen = BTreeSet::new();
    let mut reviewed: Vec<Json> = Vec::new();
    let mut add = |o: Json| {
        if seen.insert(o.to_string()) {
            reviewed.push(o);
        }
    };
    for path in yaml_files(&root).into_iter().chain(yaml_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo"),
    )) {
        let text = std::fs::read_to_string(&path).unwrap();
        for o in objects(&text, &path.display().to_string()) {
            if WORKLOADS.contains(&o.kind.as_str()) {
                add(o.admitted_json());
            }
        }
    }
    for n in [1, 10, 60] {
        add(big_pod(n));
    }
    let params = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "level", "namespace": "palisade"}, "data": {"level": "restricted"}});

    // the API server's accounting
    let input = json!({
        "policies": set.policies.iter().map(|p| json!({
            "variables": p.variables.iter().map(|v| json!({"name": v.name, "expression": v.expr.source})).collect::<Vec<_>>(),
            "expressions": p.validations.iter().map(|v| v.expr.source.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "objects": reviewed,
        "params": params,
    });
    let theirs = celcost(b, &input);

    let mut compared = 0;
    let mut expressions = 0;
    let mut wrong = Vec::new();
    let mut highest = (0u64, String::new());
    for (p, per_object) in set.policies.iter().zip(&theirs) {
        for (o, t) in reviewed.iter().zip(per_object) {
            let ours = p.cost(o, &params);
            let total = t["total"].as_i64().unwrap();
            let alone: Vec<i64> = t["alone"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect();
            let ours_alone: Vec<i64> = ours.alone.iter().map(|&x| x as i64).collect();
            compared += 1;
            expressions += alone.len();
            if ours.total as i64 != total || ours_alone != alone {
                wrong.push(format!(
                    "{} on {}: palisade {} {:?}, the API server {total} {alone:?}",
                    p.name, o["metadata"]["name"], ours.total, ours_alone
                ));
            }
            if ours.total > highest.0 {
                highest = (
                    ours.total,
                    format!("{} on {}", p.name, o["metadata"]["name"]),
                );
            }
        }
    }
    eprintln!(
        "cost: {compared} (policy, object) evaluations, {expressions} validations: {} differ; most costly {} ({})",
        wrong.len(),
        highest.0,
        highest.1
    );
    assert!(
        wrong.is_empty(),
        "{} of {compared} differ:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
}

/// A ConfigMap with `n` data keys.
fn config_map(name: &str, ns: &str, n: usize) -> Json {
    let data: serde_json::Map<String, Json> = (0..n)
        .map(|i| (format!("key-{i:04}"), json!(format!("value-{i}"))))
        .collect();
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns}, "data": data})
}

/// A policy on ConfigMaps with `count` copies of a validation whose cost
/// grows with the square of the number of keys, bound with Deny in `ns`.
fn quadratic_policy(name: &str, ns: &str, count: usize) -> String {
    let validations: String = (0..count)
        .map(|i| {
            format!(
                "    - expression: \"!has(object.data) || object.data.all(k, object.data.all(j, k != j || {i} >= 0))\"\n      message: pairwise {i}\n"
            )
        })
        .collect();
    format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: {name}}}\nspec:\n  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}}\n  validations:\n{validations}---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: {name}}}\nspec:\n  policyName: {name}\n  validationActions: [Deny]\n  matchResources:\n    namespaceSelector:\n      matchLabels: {{kubernetes.io/metadata.name: {ns}}}\n"
    )
}

#[test]
fn over_the_cost_limits_the_api_server_refuses_and_palisade_says_so() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    const NS: &str = "vap-cost-proof";
    let _clean = b.cleanup(
        &[NS],
        &[
            "validatingadmissionpolicy/cost-per-call",
            "validatingadmissionpolicybinding/cost-per-call",
            "validatingadmissionpolicy/cost-budget",
            "validatingadmissionpolicybinding/cost-budget",
        ],
    );
    b.apply(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NS}}}\n"
    ));
    // one expression: 100 keys cost far under the per-call limit, 500 over
    // it; sixteen expressions on 350 keys: each under the limit, together
    // over the budget
    let cases: [(&str, usize, usize, &str); 3] = [
        ("cost-per-call", 1, 100, "admitted"),
        ("cost-per-call", 1, 500, "actual cost limit exceeded"),
        ("cost-budget", 16, 350, "running out of cost budget"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (policy, count, keys, want)) in cases.iter().enumerate() {
        let policy_yaml = quadratic_policy(policy, NS, *count);
        b.apply(&policy_yaml);
        let cm = config_map(&format!("cm-{i}"), NS, *keys);
        // offline: the evaluation's cost, and palisade's verdict
        let objs = objects(&policy_yaml, "policy.yaml");
        let (set, errors) = PolicySet::from_objects(&objs);
        assert!(errors.is_empty(), "{errors:?}");
        let c = set.policies[0].cost(&cm, &Json::Null);
        let policy_file = dir.path().join(format!("{policy}.yaml"));
        std::fs::write(&policy_file, &policy_yaml).unwrap();
        let object_file = dir.path().join(format!("cm-{i}.json"));
        std::fs::write(&object_file, cm.to_string()).unwrap();
        let report = bed::policy_eval(&policy_file, &object_file);
        let messages: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap_or("").to_string())
            .collect();
        // the API server, until it has compiled the policy
        let mut server = String::new();
        b.wait_for(30, "the policy to take effect", || {
            let o = b.kubectl_as(
                &b.admin,
                &["create", "--dry-run=server", "-f", "-"],
                Some(&cm.to_string()),
            );
            server = if o.status.success() {
                "admitted".to_string()
            } else {
                String::from_utf8_lossy(&o.stderr).to_string()
            };
            *want == "admitted" || server != "admitted"
        });
        eprintln!(
            "{policy} ({count} validation(s)) on {keys} keys: cost {} (limit {} per expression, {} per binding); API server: {}; palisade: {messages:?}",
            c.total,
            palisade_vap::cost::PER_CALL_LIMIT,
            palisade_vap::cost::BUDGET,
            server.trim()
        );
        assert!(server.contains(want), "the API server said {server}");
        if *want == "admitted" {
            assert!(messages.is_empty(), "{messages:?}");
            assert!(c.total < palisade_vap::cost::PER_CALL_LIMIT && !c.exceeded);
        } else {
            assert!(
                messages.iter().any(|m| m.contains(want)),
                "palisade said {messages:?}"
            );
        }
        b.delete(
            &[],
            &[&format!("validatingadmissionpolicybinding/{policy}")],
        );
    }
}

/// Runs testbed/celcost on `input`.
fn celcost(b: &bed::Bed, input: &Json) -> Vec<Vec<Json>> {
    let mut child = Command::new(b.bin.join("celcost"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Expressions over the Kubernetes CEL library (quantities, `find`, IPs,
/// CIDRs, URLs), valid and invalid inputs alike.
const LIBRARY: &[&str] = &[
    // quantities
    "quantity('1') == quantity('1000m')",
    "quantity('1Ki') == quantity('1024')",
    "quantity('1k') == quantity('1000')",
    "quantity('1.5Gi').isGreaterThan(quantity('1500Mi'))",
    "quantity('1.5Gi').isLessThan(quantity('1536Mi'))",
    "quantity('1.5Gi').compareTo(quantity('1536Mi')) == 0",
    "quantity('100m').compareTo(quantity('0.1')) == 0",
    "quantity('2e3').asInteger() == 2000",
    "quantity('1E').asInteger() == 1000000000000000000",
    "quantity('1.5').isInteger()",
    "quantity('1.5').asInteger() == 1",
    "quantity('10Ei').isInteger()",
    "quantity('-3').sign() == -1",
    "quantity('250m').asApproximateFloat() == 0.25",
    "quantity('1Gi').add(quantity('512Mi')) == quantity('1.5Gi')",
    "quantity('1').add(2) == quantity('3')",
    "quantity('1').sub(quantity('500m')) == quantity('0.5')",
    "quantity('5').sub(10).isLessThan(quantity('0'))",
    "quantity('0.1n') == quantity('1n')",
    "quantity('+1.') == quantity('1')",
    "quantity('.5') == quantity('500m')",
    "isQuantity('1K')",
    "isQuantity('1Ki')",
    "isQuantity('1e')",
    "isQuantity('1e3')",
    "isQuantity('1E3')",
    "isQuantity('')",
    "isQuantity('1.2.3')",
    "isQuantity('12Mib')",
    "isQuantity(' 1')",
    "isQuantity('-.5m')",
    "quantity('x') == quantity('1')",
    "object.spec.containers.all(c, !has(c.resources.limits.memory) || quantity(c.resources.limits.memory).compareTo(quantity('1Gi')) <= 0)",
    "object.spec.containers.all(c, quantity(c.resources.requests.cpu).isLessThan(quantity(c.resources.limits.cpu)))",
    // regular expressions
    "'abc123def'.find('[0-9]+') == '123'",
    "'abc'.find('[0-9]+') == ''",
    "'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']",
    "'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']",
    "'a1b22c333'.findAll('[0-9]+', -1).size() == 3",
    "'a1b22c333'.findAll('[0-9]+', 0).size() == 0",
    "'abc'.find('(') == ''",
    "object.metadata.name.find('^[a-z]+') == 'web'",
    // lists
    "[1, 2, 3].sum() == 6",
    "[3, 1, 2].min() == 1",
    "[3, 1, 2].max() == 3",
    "[1, 2, 2].isSorted()",
    "['a', 'b'].indexOf('b') == 1",
    "[1, 2, 1].lastIndexOf(1) == 2",
    "object.spec.externalIPs.isSorted()",
    // the typed request: its strings' overloads are known
    "request.name + request.namespace == 'web-frontend-0001shop'",
    "request.name < request.namespace",
    "request.operation + request.kind.kind + request.resource.resource == ''",
    "request.name in ['web-frontend-0001']",
    "request.dryRun == false",
    // IP addresses
    "ip('10.0.0.1').family() == 4",
    "ip('::1').family() == 6",
    "ip('::1').isLoopback()",
    "ip('127.0.0.1').isLoopback()",
    "ip('0.0.0.0').isUnspecified()",
    "ip('::').isUnspecified()",
    "ip('169.254.1.1').isLinkLocalUnicast()",
    "ip('fe80::1').isLinkLocalUnicast()",
    "ip('224.0.0.1').isLinkLocalMulticast()",
    "ip('ff02::1').isLinkLocalMulticast()",
    "ip('8.8.8.8').isGlobalUnicast()",
    "ip('10.0.0.1').isGlobalUnicast()",
    "ip('255.255.255.255').isGlobalUnicast()",
    "ip('2001:db8::1').isGlobalUnicast()",
    "ip('10.0.0.1') == ip('10.0.0.1')",
    "string(ip('2001:DB8::1')) == '2001:db8::1'",
    "isIP('1.2.3.4')",
    "isIP('01.2.3.4')",
    "isIP('1.2.3')",
    "isIP('::ffff:1.2.3.4')",
    "isIP('fe80::1%eth0')",
    "isIP('2001:db8::1')",
    "isIP('')",
    "ip.isCanonical('2001:db8::1')",
    "ip.isCanonical('2001:DB8::1')",
    "ip.isCanonical('2001:db8:0:0:0:0:0:1')",
    "ip.isCanonical('10.0.0.1')",
    "ip('1.2.3') == ip('1.2.3.4')",
    // CIDRs
    "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))",
    "cidr('10.0.0.0/8').containsIP('11.1.2.3')",
    "cidr('10.0.0.0/8').containsIP('::1')",
    "cidr('10.0.0.0/8').containsCIDR(cidr('10.1.0.0/16'))",
    "cidr('10.0.0.0/8').containsCIDR('10.0.0.0/7')",
    "cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
    "cidr('10.1.2.3/8').prefixLength() == 8",
    "string(cidr('2001:db8::/32').masked()) == '2001:db8::/32'",
    "cidr('::/0').containsIP('2001:db8::1')",
    "cidr('0.0.0.0/0').containsIP('1.2.3.4')",
    "isCIDR('10.0.0.0/8')",
    "isCIDR('10.0.0.0/33')",
    "isCIDR('10.0.0.0/08')",
    "isCIDR('10.0.0.0')",
    "isCIDR('2001:db8::/129')",
    "isCIDR('2001:db8::/64')",
    "object.spec.externalIPs.all(i, cidr('192.168.0.0/16').containsIP(i))",
    // URLs
    "url('https://example.com:8443/a/b?x=1&y=2&x=3').getScheme() == 'https'",
    "url('https://example.com:8443/a/b?x=1').getHost() == 'example.com:8443'",
    "url('https://example.com:8443/a/b?x=1').getHostname() == 'example.com'",
    "url('https://example.com:8443/a/b?x=1').getPort() == '8443'",
    "url('https://example.com/a%20b/c').getEscapedPath() == '/a%20b/c'",
    "url('https://example.com/a/b?x=1&y=2&x=3').getQuery() == {'x': ['1', '3'], 'y': ['2']}",
    "url('https://example.com/?a=b+c&d=%41').getQuery() == {'a': ['b c'], 'd': ['A']}",
    "url('https://[::1]:80/').getHostname() == '::1'",
    "url('https://[::1]:80/').getPort() == '80'",
    "url('https://[::1]/').getHost() == '[::1]'",
    "url('/just/a/path').getScheme() == ''",
    "url('/just/a/path').getEscapedPath() == '/just/a/path'",
    "url('https://user:pw@example.com/').getHost() == 'example.com'",
    "url('https://example.com').getEscapedPath() == ''",
    "url('https://example.com/x#frag').getEscapedPath() == '/x'",
    "isURL('https://example.com/')",
    "isURL('example.com')",
    "isURL('mailto:a@example.com')",
    "url('mailto:a@example.com?subject=x').getQuery() == {'subject': ['x']}",
    "url('mailto:a@example.com').getHost() == ''",
    "url('urn:isbn:0451450523').getEscapedPath() == ''",
    "isURL('https://example.com:port/')",
    "isURL('https://exa mple.com/')",
    "isURL('https://example.com/%zz')",
    "isURL('1http://x/')",
    "isURL('')",
    "isURL('/')",
    "isURL('HTTP://EXAMPLE.com/')",
    "url('HTTP://EXAMPLE.com/').getScheme() == 'HTTP'",
    "object.metadata.annotations.all(k, !k.endsWith('/url') || url(object.metadata.annotations[k]).getScheme() == 'https')",
];

#[test]
fn kubernetes_library_results_are_the_api_servers() {
    let Some(b) = bed::bed() else { return };
    let object = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-frontend-0001", "namespace": "shop",
            "annotations": {"example.com/url": "https://shop.example.com/hook", "other": "x"}},
        "spec": {"externalIPs": ["192.168.1.10", "192.168.200.1"],
            "containers": [
                {"name": "a", "image": "x", "resources": {"limits": {"cpu": "2", "memory": "512Mi"}, "requests": {"cpu": "500m"}}},
                {"name": "b", "image": "y", "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "1.5"}}}]}});
    let theirs = celcost(
        b,
        &json!({"policies": [{"expressions": LIBRARY}], "objects": [object]}),
    );
    let results = theirs[0][0]["results"].as_array().unwrap();
    let costs = theirs[0][0]["alone"].as_array().unwrap();
    let mut scope = palisade_vap::expr::Scope::default();
    scope.set("object", &object);
    // the request as the API server builds it for this object (celcost's
    // resource is "objects")
    scope.set(
        "request",
        &json!({"kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "objects"},
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
            "requestResource": {"group": "", "version": "v1", "resource": "objects"},
            "name": "web-frontend-0001", "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "", "uid": "", "groups": []}, "dryRun": false}),
    );
    let mut differ = Vec::new();
    let (mut values, mut errors) = (0, 0);
    for ((source, theirs), cost) in LIBRARY.iter().zip(results).zip(costs) {
        let theirs = theirs.as_str().unwrap();
        let expr = palisade_vap::expr::Expr::compile(source).unwrap();
        let ours = expr
            .eval_bool(&scope)
            .map_or_else(|e| format!("error: {e}"), |b| b.to_string());
        // the cost of an expression the API server compiled
        let cost = cost.as_i64().unwrap();
        let our_cost = expr.eval_costed(&scope, &Default::default()).1.own as i64;
        if !theirs.contains("compilation error") && our_cost != cost {
            differ.push(format!(
                "{source}: costs {our_cost} in palisade, {cost} in the API server"
            ));
        }
        let agree = if theirs.starts_with("error") {
            errors += 1;
            ours.starts_with("error")
        } else {
            values += 1;
            ours == theirs
        };
        if !agree {
            differ.push(format!(
                "{source}: palisade {ours}, the API server {theirs}"
            ));
        }
    }
    eprintln!(
        "Kubernetes CEL library: {} expressions ({values} values, {errors} errors in the API server), {} differ",
        LIBRARY.len(),
        differ.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
