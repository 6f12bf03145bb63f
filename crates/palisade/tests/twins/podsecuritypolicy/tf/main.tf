resource "kubernetes_pod_security_policy" "psp" {
  metadata {
    name = "psp"
  }
  spec {
    privileged = true
  }
}
