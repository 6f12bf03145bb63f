use super::*;
use palisade_model::Typed;

fn load(tf: &str) -> Module {
    load_module(
        &[("main.tf".to_string(), tf.to_string())],
        &[],
        &ObjectOptions::default(),
    )
}

/// A commonly published example, in the multi-line form (the article's
/// one-line blocks hold several attributes, which HCL does not allow).
pub const SEED: &str = r#"
variable "rbac_developer_allowed_resources" {}
variable "rbac_developer_readonly_resources" {
  default = ["pods", "services"]
}

resource "kubernetes_cluster_role" "dev" {
  metadata {
    name = "developer"
  }

  rule {
    api_groups = ["*"]
    resources  = var.rbac_developer_allowed_resources
    verbs      = ["*"]
  }

  rule {
    api_groups = ["*"]
    resources  = var.rbac_developer_readonly_resources
    verbs      = ["get", "list", "watch"]
  }
}

resource "kubernetes_role_binding" "developer_binding" {
  metadata {
    name      = "developer-binding"
    namespace = "namespace0"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "developer"
  }
  subject {
    kind      = "User"
    name      = "Martin"
    api_group = "rbac.authorization.k8s.io"
  }
}
"#;

#[test]
fn seed_example_maps_to_rbac_objects() {
    let m = load(SEED);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.objects.len(), 2);
    let role = &m.objects[0];
    assert_eq!(
        (role.kind.as_str(), role.name.as_str()),
        ("ClusterRole", "developer")
    );
    assert_eq!(role.location.line, 7);
    let Typed::ClusterRole(cr) = &role.typed else {
        panic!()
    };
    let rules = cr.rules.as_ref().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].verbs, ["*"]);
    assert_eq!(rules[0].resources, None, "unknown variable: left out");
    assert_eq!(
        rules[1].resources.as_deref(),
        Some(&["pods".to_string(), "services".to_string()][..])
    );
    // the verbs line of the first rule
    assert_eq!(role.locate(&"rules[0].verbs".parse().unwrap()).line, 15);
    assert_eq!(role.unknown.len(), 1);
    assert_eq!(role.unknown[0].path.to_string(), "rules[0].resources");
    assert_eq!(role.unknown[0].line, 14);
    let binding = &m.objects[1];
    assert_eq!(binding.namespace.as_deref(), Some("namespace0"));
    let Typed::RoleBinding(rb) = &binding.typed else {
        panic!()
    };
    assert_eq!(rb.role_ref.name, "developer");
    assert_eq!(rb.subjects.as_ref().unwrap()[0].name, "Martin");
}

#[test]
fn workloads_map_blocks_to_lists_and_objects() {
    let tf = r#"
locals {
  ns    = "shop"
  image = "nginx:${var.tag}"
}
variable "tag" { default = "1.27" }

resource "kubernetes_namespace_v1" "shop" {
  metadata {
    name = local.ns
    labels = {
      "pod-security.kubernetes.io/enforce" = "baseline"
    }
  }
}

resource "kubernetes_deployment_v1" "web" {
  metadata {
    name      = "web"
    namespace = kubernetes_namespace_v1.shop.metadata[0].name
  }
  spec {
    replicas = 2
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        host_pid = true
        container {
          name  = "web"
          image = local.image
          port {
            container_port = 80
          }
          security_context {
            privileged = true
            capabilities {
              drop = ["ALL"]
            }
          }
          resources {
            limits = { cpu = "500m", memory = "256Mi" }
          }
        }
        volume {
          name = "sock"
          host_path {
            path = "/var/run/docker.sock"
          }
        }
      }
    }
  }
}
"#;
    let m = load(tf);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let ns = &m.objects[0];
    assert_eq!(ns.name, "shop");
    assert_eq!(
        ns.label("pod-security.kubernetes.io/enforce"),
        Some("baseline")
    );
    let d = &m.objects[1];
    assert_eq!(
        d.namespace.as_deref(),
        Some("shop"),
        "reference to another resource's name"
    );
    let t = d.pod_template().unwrap();
    assert_eq!(t.spec.host_pid, Some(true));
    let c = &t.spec.containers[0];
    assert_eq!(c.image.as_deref(), Some("nginx:1.27"));
    assert_eq!(c.ports.as_ref().unwrap()[0].container_port, 80);
    assert_eq!(c.security_context.as_ref().unwrap().privileged, Some(true));
    assert_eq!(
        t.spec.volumes.as_ref().unwrap()[0]
            .host_path
            .as_ref()
            .unwrap()
            .path,
        "/var/run/docker.sock"
    );
    let path: Path = "spec.template.spec.containers[0].securityContext.privileged"
        .parse()
        .unwrap();
    assert_eq!(d.locate(&path).line, 40);
    assert!(m.objects.iter().all(|o| o.unknown.is_empty()));
}

#[test]
fn kubernetes_manifest_and_secrets() {
    let tf = r#"
resource "kubernetes_manifest" "cm" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata = {
      name      = "app"
      namespace = "shop"
    }
    data = { mode = "prod" }
  }
}
resource "kubernetes_secret_v1" "s" {
  metadata {
    name = "db"
    namespace = "shop"
  }
  data = {
    password = "plain text in terraform"
  }
}
resource "aws_s3_bucket" "ignored" {
  bucket = "x"
}
"#;
    let m = load(tf);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.objects.len(), 2);
    assert_eq!(m.objects[0].kind, "ConfigMap");
    assert_eq!(m.objects[0].location.line, 2);
    let Typed::Secret(s) = &m.objects[1].typed else {
        panic!()
    };
    assert!(s.string_data.as_ref().unwrap().contains_key("password"));
}

#[test]
fn bad_hcl_and_unknown_types_are_reported_or_skipped() {
    let m = load(
        "resource \"kubernetes_pod\" \"x\" {\n  metadata { name = \"a\" namespace = \"b\" }\n}\n",
    );
    assert_eq!(m.errors.len(), 1);
    assert!(
        m.errors[0].message.contains("invalid HCL"),
        "{:?}",
        m.errors
    );
    assert_eq!(m.errors[0].line, 2);
    let m = load(
        "resource \"kubernetes_widget\" \"x\" {}\nresource \"kubernetes_manifest\" \"y\" {}\n",
    );
    assert_eq!(m.objects.len(), 0);
    assert_eq!(
        m.errors.len(),
        1,
        "a manifest without `manifest` is an error"
    );
    // unknown name: the resource address names the object
    let m = load(
        "resource \"kubernetes_namespace\" \"x\" {\n  metadata {\n    name = var.nope\n  }\n}\n",
    );
    assert_eq!(m.objects[0].name, "kubernetes_namespace.x");
}

#[test]
fn tfvars_override_defaults() {
    let m = load_module(
        &[("main.tf".into(), SEED.into())],
        &[(
            "terraform.tfvars".into(),
            "rbac_developer_allowed_resources = [\"deployments\"]\n".into(),
        )],
        &ObjectOptions::default(),
    );
    let Typed::ClusterRole(cr) = &m.objects[0].typed else {
        panic!()
    };
    assert_eq!(
        cr.rules.as_ref().unwrap()[0].resources.as_deref(),
        Some(&["deployments".to_string()][..])
    );
    assert!(m.objects[0].unknown.is_empty());
}

#[test]
fn dynamic_blocks_expand_per_element() {
    let m = load(
        r#"
variable "sidecars" { default = ["envoy", "fluent-bit"] }
resource "kubernetes_pod_v1" "p" {
  metadata {
    name = "p"
    namespace = "a"
  }
  spec {
    container {
      name  = "app"
      image = "app:1"
    }
    dynamic "container" {
      for_each = var.sidecars
      iterator = sc
      content {
        name  = sc.value
        image = "${sc.value}:1"
        security_context { privileged = true }
      }
    }
    dynamic "volume" {
      for_each = var.not_declared
      content { name = volume.value }
    }
  }
}
"#,
    );
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let o = &m.objects[0];
    let Typed::Pod(p) = &o.typed else { panic!() };
    let spec = p.spec.as_ref().unwrap();
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["app", "envoy", "fluent-bit"]);
    assert_eq!(spec.containers[2].image.as_deref(), Some("fluent-bit:1"));
    assert_eq!(
        spec.containers[1]
            .security_context
            .as_ref()
            .unwrap()
            .privileged,
        Some(true)
    );
    // each expanded container keeps the line of its content block
    assert_eq!(
        o.raw
            .get("spec")
            .unwrap()
            .get("containers")
            .unwrap()
            .as_seq()
            .unwrap()[1]
            .line,
        16
    );
    // an unknown for_each makes the field unknown, not a bogus `dynamic` key
    assert!(spec.volumes.is_none());
    assert_eq!(o.unknown.len(), 1, "{:?}", o.unknown);
    assert_eq!(o.unknown[0].path.to_string(), "spec.volumes");
}

#[test]
fn count_and_for_each_make_one_object_per_instance() {
    let m = load(
        r#"
variable "enabled" { default = false }
variable "teams" { default = { a = "1Gi", b = "2Gi" } }
resource "kubernetes_namespace_v1" "team" {
  for_each = var.teams
  metadata {
    name = "team-${each.key}"
  }
}
resource "kubernetes_resource_quota_v1" "q" {
  for_each = var.teams
  metadata {
    name      = "quota"
    namespace = "team-${each.key}"
  }
  spec {
    hard = { "requests.memory" = each.value }
  }
}
resource "kubernetes_pod_v1" "debug" {
  count = var.enabled ? 1 : 0
  metadata { name = "debug" }
  spec {
    container {
      name  = "c"
      image = "busybox"
    }
  }
}
resource "kubernetes_pod_v1" "worker" {
  count = 2
  metadata {
    name      = "worker-${count.index}"
    namespace = "a"
  }
  spec {
    container {
      name  = "c"
      image = "busybox"
    }
  }
}
resource "kubernetes_pod_v1" "unknown" {
  count = var.replicas
  metadata {
    name      = "u-${count.index}"
    namespace = "a"
  }
  spec {
    container {
      name  = "c"
      image = "busybox"
    }
  }
}
"#,
    );
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let names: Vec<String> = m
        .objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}/{}",
                o.kind,
                o.namespace.as_deref().unwrap_or("-"),
                o.name
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "Namespace/-/team-a",
            "Namespace/-/team-b",
            "ResourceQuota/team-a/quota",
            "ResourceQuota/team-b/quota",
            "Pod/a/worker-0",
            "Pod/a/worker-1",
            // an unknown count: one object, its name taken from the address
            "Pod/a/kubernetes_pod_v1.unknown",
        ]
    );
    let q = m.objects[3].raw.get("spec").unwrap().get("hard").unwrap();
    assert_eq!(q.get_str("requests.memory"), Some("2Gi"));
    assert!(!m.objects[6].unknown.is_empty());
}

#[test]
fn runaway_counts_and_locals_are_unknown_not_out_of_memory() {
    let mut tf = String::from("locals {\n  l0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..64 {
        tf.push_str(&format!(
            "  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    tf.push_str(
        "}\nresource \"kubernetes_pod_v1\" \"p\" {\n  count = 100000000000\n  metadata {\n    name = local.l63\n    namespace = \"a\"\n  }\n}\n",
    );
    let m = load(&tf);
    assert_eq!(m.objects.len(), 1, "one object for an unknown count");
    assert!(!m.objects[0].unknown.is_empty());
}

#[test]
fn arithmetic_is_terraforms_and_never_panics() {
    let m = load(
        r#"
variable "n" { default = 0 }
resource "kubernetes_pod_v1" "p" {
  metadata {
    name      = "p-${7 % 3}-${1 + 2 * 3}"
    namespace = "a"
    labels    = { bad = "${1 % var.n}", big = "${9223372036854775807 * 9223372036854775807}" }
  }
}
"#,
    );
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.objects[0].name, "p-1-7");
    assert_eq!(m.objects[0].unknown.len(), 2, "{:?}", m.objects[0].unknown);
}

#[test]
fn int_or_string_ports_written_as_strings_are_numbers() {
    let m = load(
        r#"
resource "kubernetes_network_policy_v1" "np" {
  metadata {
    name      = "np"
    namespace = "a"
  }
  spec {
    pod_selector {}
    ingress {
      ports {
        port     = "8080"
        protocol = "TCP"
      }
      ports {
        port = "http"
      }
    }
    policy_types = ["Ingress"]
  }
}
"#,
    );
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let ports = m.objects[0]
        .raw
        .get("spec")
        .unwrap()
        .get("ingress")
        .unwrap()
        .as_seq()
        .unwrap()[0]
        .get("ports")
        .unwrap()
        .as_seq()
        .unwrap();
    assert_eq!(
        ports[0].get("port").unwrap().value,
        palisade_value::Value::Int(8080)
    );
    assert_eq!(ports[1].get_str("port"), Some("http"));
}
