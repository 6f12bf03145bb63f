resource "kubernetes_namespace_v1" "team_a" {
  metadata {
    name = "team-a"
    labels = {
      "pod-security.kubernetes.io/enforce" = "strict"
    }
  }
}
