use super::*;
use std::fs;

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    p
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: x}]}\n";

#[test]
fn walks_directories_in_order_and_skips_non_manifests() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "b/pod.yaml", POD);
    write(
        d.path(),
        "a/cm.json",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"}}"#,
    );
    write(d.path(), "values.yaml", "replicas: 3\nimage: {tag: 1}\n");
    write(d.path(), "notes.txt", "not yaml: [");
    write(d.path(), ".hidden/pod.yaml", POD);
    write(
        d.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: x\nversion: 1.0.0\n",
    );
    write(
        d.path(),
        "chart/templates/dep.yaml",
        "{{ if .Values.x }}\nkind: Pod\n",
    );
    write(
        d.path(),
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [b/pod.yaml]\n",
    );
    let l = load(&[d.path().to_path_buf()], &LoadOptions::default());
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let kinds: Vec<_> = l.objects.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(kinds, ["ConfigMap", "Pod"]);
    assert_eq!(l.files, 2);
    // values.yaml, Chart.yaml and kustomization.yaml hold no Kubernetes object
    assert_eq!(l.skipped.len(), 3, "{:?}", l.skipped);
}

#[test]
fn named_files_are_always_read_and_errors_are_located() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "mixed.yml",
        &format!(
            "{POD}---\n- just a list\n---\nkind: Pod\nmetadata: {{name: x}}\n---\n{}",
            POD.replace("name: p", "name: q")
        ),
    );
    let l = load(&[f], &LoadOptions::default());
    assert_eq!(l.objects.len(), 2);
    assert_eq!(l.errors.len(), 2, "{:?}", l.errors);
    assert_eq!(l.errors[0].line, 6);
    assert!(
        l.errors[0].message.contains("not a Kubernetes object"),
        "{}",
        l.errors[0]
    );
    assert!(l.errors[1].message.contains("apiVersion"));
}

#[test]
fn missing_paths_oversized_files_and_binary_are_errors() {
    let d = tempfile::tempdir().unwrap();
    let big = write(d.path(), "big.yaml", &"# padding\n".repeat(2000));
    let bin = d.path().join("bin.yaml");
    fs::write(&bin, [b'a', b':', b' ', 0xff, 0xfe, b'\n']).unwrap();
    let opts = LoadOptions {
        max_file_size: 1000,
        ..Default::default()
    };
    let l = load(&[d.path().join("nope.yaml"), big, bin], &opts);
    assert_eq!(l.errors.len(), 3, "{:?}", l.errors);
    assert!(l.errors.iter().any(|e| e.message.contains("no such file")));
    assert!(l.errors.iter().any(|e| e.message.contains("MiB limit")));
    assert!(
        l.errors
            .iter()
            .any(|e| e.message.contains("UTF-8") && e.line == 1)
    );
}

#[test]
fn default_namespace_and_text_input() {
    let opts = LoadOptions {
        default_namespace: "team".into(),
        ..Default::default()
    };
    let l = load_text(
        "<stdin>",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        &opts,
    );
    assert_eq!(l.objects[0].namespace.as_deref(), Some("team"));
    assert_eq!(&*l.objects[0].location.file, "<stdin>");
}

#[test]
fn kubectl_dump_with_list_is_expanded() {
    let dump = "apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d, namespace: a}\n  spec:\n    selector: {matchLabels: {a: b}}\n    template:\n      metadata: {labels: {a: b}}\n      spec: {containers: [{name: c, image: x}]}\n  status: {replicas: 1}\nkind: List\nmetadata: {resourceVersion: \"\"}\n";
    let l = load_text("dump.yaml", dump, &LoadOptions::default());
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    assert_eq!(l.objects.len(), 1);
    assert_eq!(l.objects[0].location.line, 3);
}

#[cfg(unix)]
#[test]
fn linked_files_are_read_and_linked_directories_named() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    let scan = dir.path().join("scan");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::create_dir_all(&scan).unwrap();
    std::fs::write(
        real.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(real.join("cm.yaml"), scan.join("cm.yaml")).unwrap();
    std::os::unix::fs::symlink(&real, scan.join("more")).unwrap();
    let l = load(&[scan], &LoadOptions::default());
    assert_eq!(l.objects.len(), 1, "{:?}", l.errors);
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].file.ends_with("more"));
    assert!(l.errors[0].message.contains("not followed"));
}

#[test]
fn with_rendering_charts_and_kustomizations_are_rendered_not_read() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "plain/pod.yaml", POD);
    write(
        d.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: x\nversion: 1.0.0\n",
    );
    write(d.path(), "chart/templates/pod.yaml", POD);
    write(
        d.path(),
        "chart/charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    );
    write(d.path(), "chart/charts/sub/templates/pod.yaml", POD);
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources: [pod.yaml]\npatches: [{path: patch.yaml}]\n",
    );
    write(d.path(), "app/pod.yaml", POD);
    write(
        d.path(),
        "app/patch.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    let opts = LoadOptions {
        render: Some(RenderOptions {
            timeout: std::time::Duration::from_secs(30),
            ..Default::default()
        }),
        ..LoadOptions::default()
    };
    let l = load(&[d.path().to_path_buf()], &opts);
    // the plain file is read; nothing under the chart or the kustomization
    // is read on its own: each is rendered once (or, without helm or
    // kubectl here, is an error that names it)
    let plain: Vec<_> = l
        .objects
        .iter()
        .filter(|o| !l.rendered_files.contains(&*o.location.file))
        .map(|o| o.location.file.to_string())
        .collect();
    assert_eq!(
        plain,
        [d.path().join("plain/pod.yaml").display().to_string()]
    );
    let mut handled: Vec<PathBuf> = l.rendered.clone();
    handled.extend(l.errors.iter().map(|e| PathBuf::from(&e.file)));
    handled.sort();
    assert_eq!(
        handled,
        [d.path().join("app"), d.path().join("chart")],
        "{:?}",
        l.errors
    );
    assert!(l.charts.is_empty());
    // without rendering, as before: chart templates skipped, files read
    let l = load(&[d.path().to_path_buf()], &LoadOptions::default());
    assert_eq!(l.charts[0], d.path().join("chart"));
    assert!(l.rendered.is_empty());
}
