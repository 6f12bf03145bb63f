use super::*;
use palisade_value::Path as VPath;

fn parse(text: &str) -> Node {
    palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default())
        .documents
        .remove(0)
        .root
}

fn at(root: &Node, path: &str) -> (u32, u32) {
    let mut p = VPath::root();
    for seg in path.split('.') {
        match seg.parse::<usize>() {
            Ok(i) => p = p.index(i),
            Err(_) => p = p.key(seg),
        }
    }
    let n = root
        .at(&p)
        .unwrap_or_else(|| panic!("{path} not in the object"));
    (n.line, n.column)
}

const DEPLOYMENT: &str = r#"{{- /* a comment
spanning lines */ -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        {{- if .Values.sidecar.enabled }}
        - name: sidecar
          image: busybox
        {{- end }}
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          ports:
            {{- range .Values.ports }}
            - containerPort: {{ . }}
            {{- end }}
"#;

const RENDERED: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: rel-web
  labels:
    app: web
    tier: front
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: "nginx:latest"
          securityContext:
            privileged: true
          ports:
            - containerPort: 80
            - containerPort: 443
"#;

#[test]
fn template_fields_are_found_by_structure() {
    let mut root = parse(RENDERED);
    assert!(locate::Template::new(DEPLOYMENT).relocate(&mut root, 0));
    // the object starts at its first key, after the comment action
    assert_eq!((root.line, root.column), (3, 1));
    assert_eq!(at(&root, "kind"), (4, 1));
    assert_eq!(at(&root, "metadata.name"), (6, 3));
    assert_eq!(at(&root, "spec.replicas"), (10, 3));
    // the sidecar is not rendered: `app` is found by its name, not its index
    assert_eq!(at(&root, "spec.template.spec.containers.0"), (18, 11));
    assert_eq!(at(&root, "spec.template.spec.containers.0.image"), (19, 11));
    assert_eq!(
        at(&root, "spec.template.spec.containers.0.securityContext"),
        (20, 11)
    );
    // inserted by toYaml: the line of its parent, no column
    assert_eq!(
        at(
            &root,
            "spec.template.spec.containers.0.securityContext.privileged"
        ),
        (20, 0)
    );
    // labels inserted by an include
    assert_eq!(at(&root, "metadata.labels.tier"), (7, 0));
    // both ports come from the range's one item
    assert_eq!(
        at(
            &root,
            "spec.template.spec.containers.0.ports.1.containerPort"
        ),
        (24, 15)
    );
}

#[test]
fn a_template_of_several_documents_is_matched_by_kind_and_name() {
    let template = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n{{- if .Values.x }}\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\nautomountServiceAccountToken: true\n{{- end }}\n";
    let mut root = parse(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\nautomountServiceAccountToken: true\n",
    );
    assert!(locate::Template::new(template).relocate(&mut root, 0));
    assert_eq!((root.line, root.column), (7, 1));
    assert_eq!(at(&root, "automountServiceAccountToken"), (11, 1));
    // a kind the template does not spell cannot be located
    let mut other = parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
    assert!(!locate::Template::new(template).relocate(&mut other, 0));
    assert_eq!(other.line, 1);
}

#[test]
fn a_templated_kind_is_not_located() {
    let template = "apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata:\n  name: x\n";
    let mut root = parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    assert!(!locate::Template::new(template).relocate(&mut root, 0));
}

#[test]
fn kustomize_objects_are_walked_alongside_their_source() {
    let source = parse(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: api\n        image: api:1.0\n",
    );
    let mut built = parse(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dev-api\n  namespace: dev\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - image: api:2.0\n        name: api\n        securityContext:\n          privileged: true\n",
    );
    locate::relocate_like(&mut built, &source);
    assert_eq!((built.line, built.column), (1, 1));
    assert_eq!(at(&built, "spec.replicas"), (6, 3));
    // changed by the overlay: the source's line, no column
    assert_eq!(at(&built, "metadata.name"), (4, 0));
    assert_eq!(at(&built, "spec.template.spec.containers.0.image"), (11, 0));
    // added by the overlay: the parent's line, no column
    assert_eq!(at(&built, "metadata.namespace"), (3, 0));
    assert_eq!(
        at(
            &built,
            "spec.template.spec.containers.0.securityContext.privileged"
        ),
        (10, 0)
    );
    assert_eq!(at(&built, "spec.template.spec.containers.0.name"), (10, 9));
}

#[test]
fn helm_sources_map_to_template_files() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("mychart");
    let sub = chart.join("charts/cache-dir");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::create_dir_all(sub.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "name: web\nversion: 1.0.0\n").unwrap();
    std::fs::write(sub.join("Chart.yaml"), "name: cache\nversion: 1.0.0\n").unwrap();
    std::fs::write(
        chart.join("templates/sa.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    std::fs::write(
        sub.join("templates/cm.yaml"),
        "# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\ndata:\n  {{- toYaml .Values.data | nindent 2 }}\n",
    )
    .unwrap();
    let out = "---\n# Source: web/charts/cache/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\ndata:\n  a: b\n---\n# Source: web/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: rel\n---\n# Source: web/templates/gone.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n";
    let r = split_helm(&chart, out, &palisade_yaml::Limits::default());
    assert!(r.errors.is_empty());
    let files: Vec<&str> = r.documents.iter().map(|d| d.file.as_str()).collect();
    let c = chart.display();
    assert_eq!(
        files,
        [
            format!("{c}/charts/cache-dir/templates/cm.yaml"),
            format!("{c}/templates/sa.yaml"),
            format!("{c}/templates/gone.yaml (rendered)"),
        ]
    );
    assert_eq!(at(&r.documents[0].root, "data.a"), (6, 0));
    assert_eq!(at(&r.documents[1].root, "metadata.name"), (4, 3));
    // not located: the lines of the output
    assert!(!r.documents[2].located);
    assert_eq!(at(&r.documents[2].root, "metadata.name"), (20, 3));
    assert_eq!(r.files(), 3);
}

#[test]
fn values_files_that_are_not_yaml_are_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "image:\n  tag: [1, 2\nreplicas: 1\n").unwrap();
    let list = dir.path().join("list.yaml");
    std::fs::write(&list, "- a\n- b\n").unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, "# nothing yet\n").unwrap();
    let errors = check_values(
        &[bad.clone(), list.clone(), good],
        &palisade_yaml::Limits::default(),
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].file, bad);
    assert!(errors[0].line >= 2, "{errors:?}");
    assert!(errors[0].message.contains("not valid YAML"));
    assert_eq!((errors[1].file.clone(), errors[1].line), (list, 1));
}

#[test]
fn paths_are_shown_relative_to_what_the_user_named() {
    assert_eq!(
        relative(
            Path::new("/a/b/base/x.yaml"),
            Path::new("/a/b/overlays/dev")
        ),
        PathBuf::from("../../base/x.yaml")
    );
    assert_eq!(
        lexical(Path::new("k8s/overlays/dev/../../base/x.yaml")),
        PathBuf::from("k8s/base/x.yaml")
    );
    assert_eq!(
        lexical(Path::new("./../base/x.yaml")),
        PathBuf::from("../base/x.yaml")
    );
}

#[test]
fn the_pipe_hint_is_the_command_to_run() {
    let opts = RenderOptions {
        values: vec!["values-prod.yaml".into()],
        set: vec!["ingress.enabled=true".into()],
        release: Some("shop".into()),
        ..Default::default()
    };
    assert_eq!(
        helm_pipe_hint(Path::new("charts/web"), &opts),
        "helm template shop charts/web --values values-prod.yaml --set ingress.enabled=true | palisade scan -"
    );
}

#[test]
fn origin_annotations_are_removed() {
    let mut root = parse(
        "kind: Service\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../base/svc.yaml\n",
    );
    let origin = take_origin(&mut root).unwrap();
    assert_eq!(origin.get_str("path"), Some("../base/svc.yaml"));
    assert!(root.get("metadata").unwrap().get("annotations").is_none());
}

#[cfg(unix)]
#[test]
fn a_hanging_renderer_is_stopped_with_its_children() {
    let start = std::time::Instant::now();
    let r = run::run(
        "sh".as_ref(),
        &["-c".into(), "sleep 30 & sleep 30; echo done".into()],
        Duration::from_millis(300),
        1024,
    );
    assert!(matches!(r, Err(RunError::TimedOut)));
    assert!(start.elapsed() < Duration::from_secs(5));
    let r = run::run(
        "sh".as_ref(),
        &["-c".into(), "echo oops >&2; exit 3".into()],
        Duration::from_secs(10),
        1024,
    );
    assert!(matches!(r, Err(RunError::Failed(m)) if m == "oops"));
    let r = run::run(
        "/nonexistent/helm".as_ref(),
        &[],
        Duration::from_secs(10),
        1024,
    );
    assert!(matches!(r, Err(RunError::NotFound)));
}
