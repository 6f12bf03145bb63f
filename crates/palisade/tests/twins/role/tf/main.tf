resource "kubernetes_role_v1" "r" {
  metadata {
    name      = "r"
    namespace = "kube-system"
  }
  rule {
    api_groups = [""]
    resources  = ["secrets"]
    verbs      = ["*"]
  }
}

resource "kubernetes_role_binding_v1" "rb" {
  metadata {
    name      = "rb"
    namespace = "kube-system"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = "r"
  }
  subject {
    kind = "ServiceAccount"
    name = "default"
  }
}
