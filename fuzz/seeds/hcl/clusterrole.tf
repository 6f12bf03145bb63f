resource "kubernetes_cluster_role_v1" "widen" {
  metadata {
    name = "widen"
    labels = {
      "rbac.authorization.k8s.io/aggregate-to-edit" = "true"
    }
  }
  rule {
    api_groups = [""]
    resources  = ["nodes/proxy"]
    verbs      = ["get"]
  }
}

resource "kubernetes_cluster_role_v1" "agg" {
  metadata {
    name = "agg"
  }
  aggregation_rule {
    cluster_role_selectors {
      match_labels = {
        team = "a"
      }
    }
  }
}

resource "kubernetes_cluster_role_binding_v1" "crb" {
  metadata {
    name = "crb"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "edit"
  }
  subject {
    kind      = "Group"
    name      = "system:authenticated"
    api_group = "rbac.authorization.k8s.io"
  }
  subject {
    kind = "ServiceAccount"
    name = "ci"
  }
}
